//! The worked frames of PROTOCOL.md §3.7, byte for byte (family id 0x1a, seq 7, pid 0x1234).

use vrouter_proto::netlink::{
    parse_reply, parse_request, AttrLenForm, Dialect, NetlinkHeader, Reply, ReplyFrame,
    ReplyWriter, RequestHeader, NLMSG_DONE, NLM_F_MULTI, NLM_F_REQUEST,
};

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// Example (c) of §1.4: vr_mpls_req{h_op=DUMP, mr_marker=-1}, 49 bytes.
fn mpls_dump() -> Vec<u8> {
    hex(
        "00 00 00 0b 76 72 5f 6d 70 6c 73 5f 72 65 71 08 00 01 00 00 00 03 08 00 02 00 00 00 00
         06 00 03 00 00 08 00 04 00 00 00 00 08 00 05 ff ff ff ff 00",
    )
}

/// Example (a) of §1.4: vr_response{h_op=RESPONSE, resp_code=0}, 30 bytes.
fn response_ok() -> Vec<u8> {
    hex("00 00 00 0b 76 72 5f 72 65 73 70 6f 6e 73 65 08 00 01 00 00 00 04 08 00 02 00 00 00 00 00")
}

const HDR: RequestHeader = RequestHeader {
    family_id: 0x1a,
    seq: 7,
    pid: 0x1234,
};

fn request_header() -> NetlinkHeader {
    NetlinkHeader {
        len: 73,
        msg_type: 0x1a,
        flags: NLM_F_REQUEST,
        seq: 7,
        pid: 0x1234,
    }
}

#[test]
fn request_73_bytes() {
    let mut expected =
        hex("49 00 00 00 1a 00 01 00 07 00 00 00 34 12 00 00  01 00 00 00  35 00 01 00");
    expected.extend(mpls_dump());
    assert_eq!(expected.len(), 73);

    let mut out = Vec::new();
    assert_eq!(
        vrouter_proto::netlink::write_request(&mut out, &HDR, &mpls_dump()),
        Ok(73)
    );
    assert_eq!(out, expected);

    let msg = parse_request(&out).unwrap();
    assert_eq!(msg.header, request_header());
    assert_eq!(
        (msg.genl.cmd, msg.genl.version, msg.genl.reserved),
        (1, 0, 0)
    );
    assert_eq!((msg.attr.len, msg.attr.attr_type), (53, 1));
    assert_eq!(msg.attr_len_form, AttrLenForm::IncludesHeader);
    assert_eq!(msg.payload, &mpls_dump()[..]);
}

#[test]
fn request_appends_to_existing_buffer() {
    let mut out = vec![0xaa, 0xbb];
    vrouter_proto::netlink::write_request(&mut out, &HDR, &mpls_dump()).unwrap();
    assert_eq!(&out[..2], &[0xaa, 0xbb]);
    assert_eq!(parse_request(&out[2..]).unwrap().payload, &mpls_dump()[..]);
}

#[test]
fn kernel_reply_56_bytes_with_2_pad_bytes() {
    let mut expected =
        hex("38 00 00 00 1a 00 00 00 07 00 00 00 34 12 00 00 01 00 00 00 1e 00 01 00");
    expected.extend(response_ok());
    expected.extend([0, 0]);
    assert_eq!(expected.len(), 56);

    let writer = ReplyWriter::new(Dialect::Kernel, &request_header());
    let mut out = Vec::new();
    assert_eq!(writer.write_response(&mut out, &[response_ok()]), Ok(1));
    assert_eq!(out, expected);

    let Reply::Sandesh(msg) = parse_reply(&out).unwrap() else {
        panic!("not a sandesh message")
    };
    assert_eq!(msg.header.len, 56);
    assert_eq!(msg.header.flags, 0);
    assert_eq!(msg.attr.len, 30);
    assert_eq!(msg.attr_len_form, AttrLenForm::ExcludesHeader);
    // The agent's view keeps the pad (its decoder skips < 4 trailing bytes); the attribute's view drops it.
    assert_eq!(msg.payload.len(), 32);
    assert_eq!(msg.declared_len, 30);
    assert_eq!(msg.declared_payload(), &response_ok()[..]);
}

#[test]
fn dpdk_reply_54_bytes() {
    let mut expected =
        hex("36 00 00 00 1a 00 00 00 07 00 00 00 00 00 00 00 01 00 00 00 1e 00 01 00");
    expected.extend(response_ok());
    assert_eq!(expected.len(), 54);

    let writer = ReplyWriter::new(Dialect::Dpdk, &request_header());
    let mut out = Vec::new();
    writer.write_response(&mut out, &[response_ok()]).unwrap();
    assert_eq!(out, expected);

    let Reply::Sandesh(msg) = parse_reply(&out).unwrap() else {
        panic!("not a sandesh message")
    };
    assert_eq!(msg.payload, &response_ok()[..]);
    assert_eq!(msg.declared_payload(), &response_ok()[..]);
}

#[test]
fn windows_reply_is_padded_like_kernel_with_pid_0() {
    let writer = ReplyWriter::new(Dialect::Windows, &request_header());
    let mut out = Vec::new();
    writer.write_response(&mut out, &[response_ok()]).unwrap();
    let mut expected =
        hex("38 00 00 00 1a 00 00 00 07 00 00 00 00 00 00 00 01 00 00 00 1e 00 01 00");
    expected.extend(response_ok());
    expected.extend([0, 0]);
    assert_eq!(out, expected);
}

#[test]
fn kernel_done_16_bytes() {
    let expected = hex("10 00 00 00 03 00 00 00 07 00 00 00 34 12 00 00");
    let writer = ReplyWriter::new(Dialect::Kernel, &request_header());
    let mut out = Vec::new();
    assert_eq!(writer.write_frame(&mut out, ReplyFrame::Done), Ok(16));
    assert_eq!(out, expected);

    let reply = parse_reply(&out).unwrap();
    assert_eq!(
        reply,
        Reply::Done(NetlinkHeader {
            len: 16,
            msg_type: NLMSG_DONE,
            flags: 0,
            seq: 7,
            pid: 0x1234
        })
    );
    assert!(!reply.is_multi());
}

#[test]
fn kernel_multi_part_reply_ends_with_that_done() {
    let writer = ReplyWriter::new(Dialect::Kernel, &request_header());
    let mut out = Vec::new();
    assert_eq!(
        writer.write_response(&mut out, &[response_ok(), mpls_dump()]),
        Ok(3)
    );
    // 56 (30 + 2 pad) + 76 (49 + 3 pad) + 16.
    assert_eq!(out.len(), 56 + 76 + 16);
    assert_eq!(u16::from_le_bytes([out[6], out[7]]), NLM_F_MULTI);
    assert_eq!(u16::from_le_bytes([out[56 + 6], out[56 + 7]]), NLM_F_MULTI);
    assert_eq!(
        &out[132..],
        &hex("10 00 00 00 03 00 00 00 07 00 00 00 34 12 00 00")[..]
    );
}
