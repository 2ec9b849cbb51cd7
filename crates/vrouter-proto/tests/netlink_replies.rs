//! Reply framing per dialect, and the client's end-of-reply tracking over it.

use vrouter_proto::netlink::{
    parse_reply, parse_request, split_frames, write_request, Dialect, NetlinkHeader, Reply,
    ReplyFrame, ReplyProgress, ReplyTracker, ReplyTrackerError, ReplyWriter, RequestHeader,
    NLMSG_DONE, NLM_F_MULTI,
};

const REQ: NetlinkHeader = NetlinkHeader {
    len: 100,
    msg_type: 0x1a,
    flags: 1,
    seq: 41,
    pid: 999,
};

fn flags_of(dialect: Dialect, n: usize) -> Vec<(u16, u16)> {
    let payloads: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 30 + i]).collect();
    let mut out = Vec::new();
    ReplyWriter::new(dialect, &REQ)
        .write_response(&mut out, &payloads)
        .unwrap();
    split_frames(&out)
        .map(|f| {
            let h = NetlinkHeader::peek(f.unwrap()).unwrap();
            (h.msg_type, h.flags)
        })
        .collect()
}

#[test]
fn single_response_has_flags_0_and_no_done_in_every_dialect() {
    for d in [Dialect::Kernel, Dialect::Dpdk, Dialect::Windows] {
        assert_eq!(flags_of(d, 1), [(0x1a, 0)], "{d:?}");
    }
}

#[test]
fn several_responses_per_dialect() {
    let m = NLM_F_MULTI;
    assert_eq!(
        flags_of(Dialect::Kernel, 3),
        [(0x1a, m), (0x1a, m), (0x1a, m), (NLMSG_DONE, 0)]
    );
    assert_eq!(
        flags_of(Dialect::Windows, 2),
        [(0x1a, m), (0x1a, m), (NLMSG_DONE, 0)]
    );
    assert_eq!(
        flags_of(Dialect::Dpdk, 3),
        [(0x1a, m), (0x1a, m), (0x1a, 0)]
    );
    assert!(flags_of(Dialect::Kernel, 0).is_empty());
}

#[test]
fn frames_plan_matches_the_dialect() {
    let payloads = [[1u8; 4], [2u8; 4]];
    let dpdk: Vec<_> = ReplyWriter::new(Dialect::Dpdk, &REQ)
        .frames(&payloads)
        .collect();
    assert_eq!(
        dpdk,
        [
            ReplyFrame::Data {
                payload: &[1; 4],
                multi: true
            },
            ReplyFrame::Data {
                payload: &[2; 4],
                multi: false
            }
        ]
    );
    let kernel: Vec<_> = ReplyWriter::new(Dialect::Kernel, &REQ)
        .frames(&payloads)
        .collect();
    assert_eq!(kernel.len(), 3);
    assert_eq!(kernel[2], ReplyFrame::Done);
}

#[test]
fn padding_lengths_and_pid_per_dialect() {
    for payload_len in 0..8usize {
        let payload = vec![0xee; payload_len];
        for d in [Dialect::Kernel, Dialect::Dpdk, Dialect::Windows] {
            let w = ReplyWriter::new(d, &REQ);
            let mut out = Vec::new();
            w.write_response(&mut out, &[&payload[..]]).unwrap();
            let h = NetlinkHeader::peek(&out).unwrap();
            let want_len = if d == Dialect::Dpdk {
                24 + payload_len
            } else {
                16 + (8 + payload_len).div_ceil(4) * 4
            };
            assert_eq!(h.len as usize, want_len, "{d:?} payload {payload_len}");
            assert_eq!(out.len(), want_len);
            assert_eq!(w.data_frame_len(payload_len), want_len);
            assert!(
                out[24 + payload_len..].iter().all(|&b| b == 0),
                "pad bytes are zero"
            );
            assert_eq!(
                u16::from_le_bytes([out[20], out[21]]) as usize,
                payload_len,
                "nla_len quirk"
            );
            assert_eq!(h.pid, if d == Dialect::Kernel { 999 } else { 0 });
            assert_eq!(h.seq, 41);
            let Reply::Sandesh(m) = parse_reply(&out).unwrap() else {
                panic!()
            };
            assert_eq!(m.declared_payload(), &payload[..]);
        }
    }
}

#[test]
fn dialect_facts() {
    assert_eq!(Dialect::Kernel.conventional_family_id(), None);
    assert_eq!(Dialect::Dpdk.conventional_family_id(), Some(24));
    assert_eq!(Dialect::Windows.conventional_family_id(), Some(1));
    assert!(
        Dialect::Kernel.pads_replies()
            && Dialect::Windows.pads_replies()
            && !Dialect::Dpdk.pads_replies()
    );
    assert_eq!(Dialect::Kernel.reply_pid(7), 7);
    assert_eq!(Dialect::Dpdk.reply_pid(7), 0);
    assert_eq!(Dialect::Windows.reply_pid(7), 0);
}

fn track(dialect: Dialect, n: usize) -> Vec<ReplyProgress> {
    let payloads: Vec<Vec<u8>> = (0..n).map(|_| vec![0; 30]).collect();
    let mut out = Vec::new();
    ReplyWriter::new(dialect, &REQ)
        .write_response(&mut out, &payloads)
        .unwrap();
    let mut tracker = ReplyTracker::new(41);
    let steps = split_frames(&out)
        .map(|f| tracker.on_reply(&parse_reply(f.unwrap()).unwrap()).unwrap())
        .collect();
    assert!(tracker.is_complete());
    steps
}

#[test]
fn tracker_ends_on_the_first_message_without_multi() {
    use ReplyProgress::{Complete, More};
    assert_eq!(track(Dialect::Kernel, 1), [Complete]);
    assert_eq!(track(Dialect::Kernel, 2), [More, More, Complete]);
    assert_eq!(track(Dialect::Windows, 2), [More, More, Complete]);
    assert_eq!(track(Dialect::Dpdk, 1), [Complete]);
    assert_eq!(track(Dialect::Dpdk, 3), [More, More, Complete]);
}

#[test]
fn tracker_refuses_foreign_and_late_messages() {
    let mut out = Vec::new();
    ReplyWriter::with_fields(Dialect::Dpdk, 24, 8, 0)
        .write_response(&mut out, &[[0u8; 30]])
        .unwrap();
    let reply = parse_reply(&out).unwrap();
    let mut tracker = ReplyTracker::new(9);
    assert_eq!(
        tracker.on_reply(&reply),
        Err(ReplyTrackerError::SeqMismatch {
            expected: 9,
            got: 8
        })
    );
    assert_eq!(tracker.messages(), 0);
    let mut tracker = ReplyTracker::new(8);
    assert_eq!(tracker.on_reply(&reply), Ok(ReplyProgress::Complete));
    assert_eq!(
        tracker.on_reply(&reply),
        Err(ReplyTrackerError::AlreadyComplete { seq: 8 })
    );
    assert_eq!(tracker.messages(), 1);
}

#[test]
fn tracker_ends_on_netlink_error() {
    let mut buf = NetlinkHeader {
        len: 20,
        msg_type: 2,
        flags: NLM_F_MULTI,
        seq: 3,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    buf.extend((-1i32).to_le_bytes());
    let mut tracker = ReplyTracker::new(3);
    assert_eq!(
        tracker.on_reply(&parse_reply(&buf).unwrap()),
        Ok(ReplyProgress::Complete)
    );
}

#[test]
fn for_request_echoes_the_genl_header() {
    let mut req = Vec::new();
    write_request(
        &mut req,
        &RequestHeader {
            family_id: 24,
            seq: 5,
            pid: 3,
        },
        &[0; 30],
    )
    .unwrap();
    req[17] = 1; // genl version 1, as a client following the family's registered version might send
    let parsed = parse_request(&req).unwrap();
    let mut out = Vec::new();
    ReplyWriter::for_request(Dialect::Kernel, &parsed)
        .write_response(&mut out, &[[0u8; 30]])
        .unwrap();
    assert_eq!(&out[16..20], &[1, 1, 0, 0]);
    assert_eq!(NetlinkHeader::peek(&out).unwrap().pid, 3);
    let mut plain = Vec::new();
    ReplyWriter::new(Dialect::Kernel, &parsed.header)
        .write_response(&mut plain, &[[0u8; 30]])
        .unwrap();
    assert_eq!(&plain[16..20], &[1, 0, 0, 0]);
}
