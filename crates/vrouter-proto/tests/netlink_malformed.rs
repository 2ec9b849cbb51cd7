//! Every malformed input gives a typed error, and no input makes a parser panic.

use proptest::prelude::*;
use vrouter_proto::netlink::{
    attributes, parse_family_reply, parse_reply, parse_reply_with_limit, parse_request,
    split_frames, write_request, AttrHeader, FrameError, GenlHeader, NetlinkHeader, Reply,
    RequestHeader, NLMSG_ERROR,
};

/// A reply-shaped message with explicit header fields and no consistency fix-ups.
fn raw(len: u32, msg_type: u16, cmd: u8, nla_len: u16, nla_type: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = NetlinkHeader {
        len,
        msg_type,
        flags: 0,
        seq: 5,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    out.extend(
        GenlHeader {
            cmd,
            version: 0,
            reserved: 0,
        }
        .to_bytes(),
    );
    out.extend(
        AttrHeader {
            len: nla_len,
            attr_type: nla_type,
        }
        .to_bytes(),
    );
    out.extend_from_slice(payload);
    out
}

#[test]
fn shorter_than_a_header() {
    for n in 0..16 {
        let buf = vec![0x20; n];
        assert_eq!(
            parse_reply(&buf),
            Err(FrameError::TruncatedHeader { available: n })
        );
        assert_eq!(
            parse_request(&buf),
            Err(FrameError::TruncatedHeader { available: n })
        );
    }
}

#[test]
fn nlmsg_len_below_16() {
    let buf = raw(15, 24, 1, 4, 1, &[]);
    assert_eq!(
        parse_reply(&buf),
        Err(FrameError::LengthBelowHeader { nlmsg_len: 15 })
    );
    assert_eq!(
        parse_request(&buf),
        Err(FrameError::LengthBelowHeader { nlmsg_len: 15 })
    );
}

#[test]
fn nlmsg_len_beyond_buffer() {
    let buf = raw(40, 24, 1, 16, 1, &[0; 12]);
    assert_eq!(
        parse_reply(&buf),
        Err(FrameError::LengthBeyondBuffer {
            nlmsg_len: 40,
            available: 36
        })
    );
    assert_eq!(
        parse_request(&buf),
        Err(FrameError::LengthBeyondBuffer {
            nlmsg_len: 40,
            available: 36
        })
    );
}

#[test]
fn data_message_below_24() {
    for len in 16..24u32 {
        let buf = raw(len, 24, 1, 0, 1, &[]);
        assert_eq!(
            parse_reply(&buf),
            Err(FrameError::DataMessageTooShort { nlmsg_len: len })
        );
        assert_eq!(
            parse_request(&buf),
            Err(FrameError::DataMessageTooShort { nlmsg_len: len })
        );
    }
}

#[test]
fn reply_over_4096_refused_unless_the_limit_says_otherwise() {
    let payload = vec![0; 4073];
    let buf = raw(4097, 24, 1, 4073, 1, &payload);
    assert_eq!(
        parse_reply(&buf),
        Err(FrameError::FrameTooLong {
            nlmsg_len: 4097,
            max: 4096
        })
    );
    assert!(matches!(
        parse_reply_with_limit(&buf, 8192),
        Ok(Reply::Sandesh(_))
    ));
    // Requests have no such limit (the kernel takes large datagrams; streams limit via the reassembler).
    let mut req = Vec::new();
    write_request(&mut req, &RequestHeader::default(), &payload).unwrap();
    assert_eq!(parse_request(&req).unwrap().payload.len(), 4073);
}

#[test]
fn wrong_genl_command() {
    let buf = raw(30, 24, 2, 6, 1, &[0; 6]);
    assert_eq!(
        parse_reply(&buf),
        Err(FrameError::UnexpectedGenlCommand {
            cmd: 2,
            expected: 1
        })
    );
    assert_eq!(
        parse_request(&buf),
        Err(FrameError::UnexpectedGenlCommand {
            cmd: 2,
            expected: 1
        })
    );
}

#[test]
fn wrong_attribute_type() {
    let buf = raw(30, 24, 1, 10, 2, &[0; 6]);
    assert_eq!(
        parse_reply(&buf),
        Err(FrameError::UnexpectedAttrType {
            nla_type: 2,
            expected: 1
        })
    );
    assert_eq!(
        parse_request(&buf),
        Err(FrameError::UnexpectedAttrType {
            nla_type: 2,
            expected: 1
        })
    );
}

#[test]
fn reply_nla_len_both_forms_and_the_pad_window() {
    // 32 bytes after the headers of a 56-byte message (e.g. 30 payload + 2 pad): nla_len 29..=32 (quirk)
    // or 33..=36 (standard) fit, nothing else.
    let payload = [9u8; 32];
    for nla_len in 0..40u16 {
        let buf = raw(56, 24, 1, nla_len, 1, &payload);
        let got = parse_reply(&buf);
        match nla_len {
            29..=32 => {
                let Ok(Reply::Sandesh(m)) = got else {
                    panic!("nla_len {nla_len}: {got:?}")
                };
                assert_eq!(m.declared_len, usize::from(nla_len));
                assert_eq!(m.payload.len(), 32);
            }
            33..=36 => {
                let Ok(Reply::Sandesh(m)) = got else {
                    panic!("nla_len {nla_len}: {got:?}")
                };
                assert_eq!(m.declared_len, usize::from(nla_len) - 4);
            }
            _ => assert_eq!(
                got,
                Err(FrameError::AttrLenMismatch {
                    nla_len,
                    nlmsg_len: 56
                }),
                "nla_len {nla_len}"
            ),
        }
    }
}

#[test]
fn request_nla_len_must_be_the_standard_form() {
    // 49-byte payload in a 73-byte request: nla_len 53 is right; the reply quirk (49) is refused,
    // since the kernel would then read 45 bytes.
    let payload = [1u8; 49];
    assert_eq!(
        parse_request(&raw(73, 24, 1, 53, 1, &payload))
            .unwrap()
            .payload
            .len(),
        49
    );
    for bad in [0u16, 3, 49, 54, 200] {
        assert_eq!(
            parse_request(&raw(73, 24, 1, bad, 1, &payload)),
            Err(FrameError::AttrLenMismatch {
                nla_len: bad,
                nlmsg_len: 73
            }),
            "nla_len {bad}"
        );
    }
    // Up to 3 pad bytes after the attribute are tolerated; the payload is the attribute's.
    let mut padded = raw(76, 24, 1, 53, 1, &payload);
    padded.extend([0; 3]);
    assert_eq!(parse_request(&padded).unwrap().payload, &payload[..]);
}

#[test]
fn netlink_error_message_is_typed() {
    let failed = NetlinkHeader {
        len: 73,
        msg_type: 0x1a,
        flags: 1,
        seq: 5,
        pid: 77,
    };
    let mut buf = NetlinkHeader {
        len: 36,
        msg_type: NLMSG_ERROR,
        flags: 0,
        seq: 5,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    buf.extend((-1i32).to_le_bytes());
    buf.extend(failed.to_bytes());
    let Ok(Reply::Error(e)) = parse_reply(&buf) else {
        panic!()
    };
    assert_eq!(e.error, -1);
    assert_eq!(e.errno(), 1);
    assert!(!e.is_ack());
    assert_eq!(e.request, Some(failed));

    // Code only, no echoed header.
    let mut short = NetlinkHeader {
        len: 20,
        msg_type: NLMSG_ERROR,
        ..Default::default()
    }
    .to_bytes()
    .to_vec();
    short.extend(0i32.to_le_bytes());
    let Ok(Reply::Error(ack)) = parse_reply(&short) else {
        panic!()
    };
    assert!(ack.is_ack());
    assert_eq!(ack.request, None);

    let mut too_short = NetlinkHeader {
        len: 19,
        msg_type: NLMSG_ERROR,
        ..Default::default()
    }
    .to_bytes()
    .to_vec();
    too_short.extend([0; 3]);
    assert_eq!(
        parse_reply(&too_short),
        Err(FrameError::ErrorMessageTooShort { nlmsg_len: 19 })
    );
}

#[test]
fn control_types_are_not_special_in_requests_and_type_1_is_data_in_replies() {
    // Windows' family id is 1 (= NLMSG_NOOP): its replies are ordinary data messages.
    let buf = raw(30, 1, 1, 6, 1, &[0; 6]);
    assert!(matches!(parse_reply(&buf), Ok(Reply::Sandesh(_))));
    // A request's type is the family id, whatever it is (vRouter's utilities even send 0).
    let buf = raw(30, 3, 1, 10, 1, &[0; 6]);
    assert_eq!(parse_request(&buf).unwrap().header.msg_type, 3);
}

#[test]
fn payload_too_large_to_frame() {
    let mut out = vec![1, 2, 3];
    let big = vec![0; 65532];
    assert_eq!(
        write_request(&mut out, &RequestHeader::default(), &big),
        Err(FrameError::PayloadTooLarge {
            len: 65532,
            max: 65531
        })
    );
    assert_eq!(out, [1, 2, 3], "nothing appended on error");
}

#[test]
fn errors_display_precisely() {
    let cases = [
        (
            FrameError::TruncatedHeader { available: 3 },
            "netlink frame truncated: 3 bytes, a netlink header needs 16",
        ),
        (
            FrameError::FrameTooLong {
                nlmsg_len: 5000,
                max: 4096,
            },
            "netlink frame too long: nlmsg_len 5000 exceeds the 4096-byte limit",
        ),
        (
            FrameError::AttrLenMismatch {
                nla_len: 3,
                nlmsg_len: 73,
            },
            "inconsistent ksync message: nla_len 3 does not match nlmsg_len 73",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
        let _: &dyn std::error::Error = &e;
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_any_parser(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        let _ = parse_reply(&bytes);
        let _ = parse_reply_with_limit(&bytes, 0);
        let _ = parse_request(&bytes);
        let _ = parse_family_reply(&bytes);
        for frame in split_frames(&bytes) { let _ = frame; }
        for attr in attributes(&bytes) { let _ = attr; }
        if let Ok(Reply::Sandesh(m)) = parse_reply(&bytes) {
            prop_assert!(m.declared_payload().len() <= m.payload.len());
        }
    }

    #[test]
    fn plausible_headers_never_panic(
        len in 0u32..80, msg_type in 0u16..5, cmd in 0u8..3, nla_len in 0u16..80, nla_type in 0u16..3,
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let buf = raw(len, msg_type, cmd, nla_len, nla_type, &tail);
        if let Ok(m) = parse_request(&buf) {
            prop_assert_eq!(m.payload.len() + 4, usize::from(nla_len));
        }
        if let Ok(Reply::Sandesh(m)) = parse_reply(&buf) {
            prop_assert_eq!(m.payload.len() + 24, len as usize);
            prop_assert!(m.payload.len() - m.declared_len <= 3);
        }
        let _ = parse_family_reply(&buf);
    }
}
