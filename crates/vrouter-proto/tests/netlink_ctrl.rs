//! Generic-netlink family lookup (Linux kernel module): CTRL_CMD_GETFAMILY and its answer.

use vrouter_proto::netlink::{
    parse_family_reply, write_get_family, AttrHeader, FamilyLookupError, FrameError, GenlHeader,
    NetlinkHeader, GENL_ID_CTRL, NLMSG_ERROR,
};

#[test]
fn getfamily_vrouter_bytes() {
    let mut out = Vec::new();
    assert_eq!(write_get_family(&mut out, 1, 0x55, "vrouter"), Ok(32));
    let expected: Vec<u8> = [
        &[32, 0, 0, 0, 0x10, 0, 1, 0, 1, 0, 0, 0, 0x55, 0, 0, 0][..], // nlmsghdr: len 32, GENL_ID_CTRL, REQUEST
        &[3, 0, 0, 0],  // CTRL_CMD_GETFAMILY, version 0
        &[12, 0, 2, 0], // CTRL_ATTR_FAMILY_NAME, 4 + 8
        b"vrouter\0",
    ]
    .concat();
    assert_eq!(out, expected);
}

#[test]
fn getfamily_name_is_nul_terminated_and_padded() {
    let mut out = Vec::new();
    assert_eq!(write_get_family(&mut out, 0, 0, "nlctrl"), Ok(32));
    assert_eq!(
        &out[20..22],
        &[11, 0],
        "nla_len = 4 + 6 + NUL, pad not counted"
    );
    assert_eq!(&out[24..], b"nlctrl\0\0");
}

/// A NEWFAMILY answer as the kernel builds it: name, id, version, hdrsize, maxattr, then nested
/// ops and multicast groups.
fn newfamily(id: u16) -> Vec<u8> {
    let mut attrs = Vec::new();
    let mut put = |t: u16, v: &[u8]| {
        attrs.extend(
            AttrHeader {
                len: 4 + v.len() as u16,
                attr_type: t,
            }
            .to_bytes(),
        );
        attrs.extend_from_slice(v);
        while attrs.len() % 4 != 0 {
            attrs.push(0);
        }
    };
    put(2, b"vrouter\0");
    put(1, &id.to_le_bytes());
    put(3, &1u32.to_le_bytes());
    put(4, &0u32.to_le_bytes());
    put(5, &1u32.to_le_bytes());
    put(0x8006, &[8, 0, 1, 0, 1, 0, 0, 0]); // nested ops (NLA_F_NESTED set)
    let mut out = NetlinkHeader {
        len: (20 + attrs.len()) as u32,
        msg_type: GENL_ID_CTRL,
        flags: 0,
        seq: 1,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    out.extend(
        GenlHeader {
            cmd: 1,
            version: 2,
            reserved: 0,
        }
        .to_bytes(),
    );
    out.extend(attrs);
    out
}

#[test]
fn newfamily_gives_the_id() {
    let reply = newfamily(0x1a);
    let family = parse_family_reply(&reply).unwrap();
    assert_eq!(family.id, 0x1a);
    assert_eq!(family.name, Some(&b"vrouter"[..]));
}

#[test]
fn missing_module_is_an_errno() {
    let mut buf = NetlinkHeader {
        len: 36,
        msg_type: NLMSG_ERROR,
        flags: 0,
        seq: 1,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    buf.extend((-2i32).to_le_bytes());
    buf.extend(
        NetlinkHeader {
            len: 32,
            msg_type: GENL_ID_CTRL,
            flags: 1,
            seq: 1,
            pid: 0,
        }
        .to_bytes(),
    );
    assert_eq!(
        parse_family_reply(&buf),
        Err(FamilyLookupError::Netlink { errno: 2 })
    );
}

#[test]
fn malformed_answers() {
    let mut wrong_cmd = newfamily(5);
    wrong_cmd[16] = 2;
    assert_eq!(
        parse_family_reply(&wrong_cmd),
        Err(FamilyLookupError::Frame(
            FrameError::UnexpectedGenlCommand {
                cmd: 2,
                expected: 1
            }
        ))
    );

    let mut wrong_type = newfamily(5);
    wrong_type[4] = 0x11;
    assert_eq!(
        parse_family_reply(&wrong_type),
        Err(FamilyLookupError::UnexpectedMessageType { msg_type: 0x11 })
    );

    // Only the name attribute: no id.
    let mut no_id = newfamily(5);
    no_id.truncate(20 + 12);
    no_id[0..4].copy_from_slice(&32u32.to_le_bytes());
    assert_eq!(
        parse_family_reply(&no_id),
        Err(FamilyLookupError::MissingFamilyId)
    );

    // An attribute running past the message.
    let mut bad_attr = newfamily(5);
    bad_attr[20..22].copy_from_slice(&200u16.to_le_bytes());
    assert_eq!(
        parse_family_reply(&bad_attr),
        Err(FamilyLookupError::Frame(FrameError::MalformedAttribute {
            offset: 0,
            nla_len: 200
        }))
    );

    // A zero-length attribute would loop forever if it were skipped.
    let mut zero_attr = newfamily(5);
    zero_attr[20..22].copy_from_slice(&0u16.to_le_bytes());
    assert!(matches!(
        parse_family_reply(&zero_attr),
        Err(FamilyLookupError::Frame(FrameError::MalformedAttribute {
            offset: 0,
            nla_len: 0
        }))
    ));
}
