//! The ksync session against a scripted engine: single requests, bulk framing, answer matching,
//! cancellation and protocol errors, in the three reply dialects.

#[path = "ksync_support.rs"]
mod support;

use support::*;
use vrouter_proto::ksync::{
    errno_name, Event, KsyncSession, ProtocolError, Request, RequestError, SessionConfig,
    SubmitError,
};
use vrouter_proto::messages::{
    Message, SandeshOp, VrDropStatsReq, VrInterfaceReq, VrMplsReq, VrNexthopReq, VrResponse,
};
use vrouter_proto::netlink::{Dialect, FrameError, NetlinkHeader, NLMSG_ERROR, NLM_F_REQUEST};

const FAMILY: u16 = 24;
const PID: u32 = 4242;

fn session() -> KsyncSession {
    KsyncSession::new(FAMILY, PID)
}

fn mpls(op: SandeshOp, label: i32) -> Message {
    Message::from(VrMplsReq {
        h_op: op,
        mr_label: label,
        mr_nhid: label + 100,
        ..Default::default()
    })
}

fn label_of(m: &Message) -> i32 {
    match m {
        Message::VrMplsReq(r) => r.mr_label,
        other => panic!("not an mpls request: {other:?}"),
    }
}

#[test]
fn get_returns_the_object_in_every_dialect() {
    for d in DIALECTS {
        let mut s = session();
        let id = s.submit(mpls(SandeshOp::GET, 5)).unwrap();
        let frames = serve(&mut s, d, |req| {
            assert_eq!(label_of(req), 5);
            get_answer(0, &[mpls(SandeshOp::GET, 5)])
        });
        assert_eq!(frames.len(), 1);
        let h = frames[0].header;
        assert_eq!(
            (h.msg_type, h.flags, h.seq, h.pid),
            (FAMILY, NLM_F_REQUEST, 1, PID)
        );
        assert_eq!(
            events(&mut s),
            [Event::Reply {
                id,
                response_code: 0,
                objects: vec![mpls(SandeshOp::GET, 5)]
            }],
            "{d:?}"
        );
        assert!(s.is_idle());
    }
}

#[test]
fn get_of_a_missing_object_reports_enoent_without_object() {
    for d in DIALECTS {
        let mut s = session();
        let id = s.submit(mpls(SandeshOp::GET, 9)).unwrap();
        serve(&mut s, d, |_| get_answer(-2, &[]));
        let ev = events(&mut s);
        assert_eq!(
            ev,
            [Event::Reply {
                id,
                response_code: -2,
                objects: vec![]
            }]
        );
        assert_eq!(errno_name(-2), Some("ENOENT"));
    }
}

#[test]
fn add_is_answered_by_a_bare_response() {
    for d in DIALECTS {
        let mut s = session();
        let nh = Message::from(VrNexthopReq {
            h_op: SandeshOp::ADD,
            nhr_id: 12,
            nhr_type: 2,
            ..Default::default()
        });
        let id = s.submit(nh.clone()).unwrap();
        let frames = serve(&mut s, d, |_| vec![response(0)]);
        assert_eq!(frames[0].requests, [nh]);
        assert_eq!(
            events(&mut s),
            [Event::Reply {
                id,
                response_code: 0,
                objects: vec![]
            }]
        );
    }
}

#[test]
fn bulk_of_20_goes_as_16_plus_4_and_is_answered_in_order() {
    for d in DIALECTS {
        let mut s = session();
        let ids: Vec<_> = (0..20)
            .map(|i| s.submit(mpls(SandeshOp::ADD, i)).unwrap())
            .collect();
        // Each answer's code is the request's label, so a mismatch would show.
        let frames = serve(&mut s, d, |req| vec![response(label_of(req))]);
        let sizes: Vec<_> = frames.iter().map(|f| f.requests.len()).collect();
        assert_eq!(sizes, [16, 4], "{d:?}");
        assert_eq!(frames[0].header.seq, 1);
        assert_eq!(frames[1].header.seq, 2);
        let labels: Vec<i32> = frames
            .iter()
            .flat_map(|f| f.requests.iter().map(label_of))
            .collect();
        assert_eq!(labels, (0..20).collect::<Vec<_>>());
        let expected: Vec<Event> = ids
            .iter()
            .zip(0..)
            .map(|(id, code)| Event::Reply {
                id: *id,
                response_code: code,
                objects: vec![],
            })
            .collect();
        assert_eq!(events(&mut s), expected);
    }
}

#[test]
fn bulk_over_4096_bytes_is_split() {
    let big = |id: i32| {
        Message::from(VrNexthopReq {
            h_op: SandeshOp::ADD,
            nhr_id: id,
            nhr_encap: vec![0xab; 1000],
            ..Default::default()
        })
    };
    let one = big(0).to_bytes().len();
    assert!(
        one > 1000 && 3 * one + 24 < 4096 && 4 * one + 24 >= 4096,
        "{one}"
    );
    let mut s = session();
    let ids: Vec<_> = (0..7).map(|i| s.submit(big(i)).unwrap()).collect();
    let frames = serve(&mut s, Dialect::Dpdk, |req| match req {
        Message::VrNexthopReq(nh) => vec![response(nh.nhr_id)],
        _ => unreachable!(),
    });
    let sizes: Vec<_> = frames.iter().map(|f| f.requests.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert!(frames.iter().all(|f| f.len < 4096));
    let codes: Vec<_> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Reply {
                id, response_code, ..
            } => (id, response_code),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(codes, ids.into_iter().zip(0..).collect::<Vec<_>>());
}

#[test]
fn a_request_larger_than_the_bulk_limit_goes_alone() {
    let mut s = session();
    let small = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let huge = s
        .submit(Message::from(VrNexthopReq {
            nhr_encap: vec![1; 5000],
            ..Default::default()
        }))
        .unwrap();
    let frames = serve(&mut s, Dialect::Kernel, |_| vec![response(0)]);
    let sizes: Vec<_> = frames.iter().map(|f| f.requests.len()).collect();
    assert_eq!(sizes, [1, 1]);
    assert!(frames[1].len > 5000);
    let ids: Vec<_> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Reply { id, .. } => id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, [small, huge]);
}

#[test]
fn mixed_bulk_keeps_extra_objects_with_their_request() {
    for d in DIALECTS {
        let mut s = session();
        let vif = Message::from(VrInterfaceReq {
            h_op: SandeshOp::GET,
            vifr_idx: 3,
            vifr_flags: 1,
            vifr_name: "tap3".into(),
            ..Default::default()
        });
        let drops = Message::from(VrDropStatsReq {
            vds_discard: 77,
            ..Default::default()
        });
        let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
        let b = s.submit(vif.clone()).unwrap();
        let c = s.submit(mpls(SandeshOp::GET, 2)).unwrap();
        let (v, dr) = (vif.clone(), drops.clone());
        serve(&mut s, d, move |req| match req {
            Message::VrInterfaceReq(_) => get_answer(0, &[v.clone(), dr.clone()]),
            Message::VrMplsReq(m) if m.h_op == SandeshOp::GET => get_answer(-2, &[]),
            _ => vec![response(0)],
        });
        assert_eq!(
            events(&mut s),
            [
                Event::Reply {
                    id: a,
                    response_code: 0,
                    objects: vec![]
                },
                Event::Reply {
                    id: b,
                    response_code: 0,
                    objects: vec![vif.clone(), drops.clone()]
                },
                Event::Reply {
                    id: c,
                    response_code: -2,
                    objects: vec![]
                },
            ],
            "{d:?}"
        );
    }
}

#[test]
fn pipelined_frames_and_a_whole_stream_chunk_at_once() {
    let mut s = session();
    let ids: Vec<_> = (0..40)
        .map(|i| s.submit(mpls(SandeshOp::ADD, i)).unwrap())
        .collect();
    let frames = transmit_all(&mut s);
    assert_eq!(frames.len(), 3);
    assert_eq!(s.frames_in_flight(), 3);
    // DPDK writes all replies back to back; one read may hold all of them.
    let mut stream = Vec::new();
    for f in &frames {
        let buffers: Vec<_> = f.requests.iter().map(|r| response(label_of(r))).collect();
        stream.extend(reply(Dialect::Dpdk, f, &buffers));
    }
    s.handle_frame(&stream).unwrap();
    let got: Vec<_> = events(&mut s)
        .into_iter()
        .map(|e| match e {
            Event::Reply {
                id, response_code, ..
            } => (id, response_code),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, ids.into_iter().zip(0..).collect::<Vec<_>>());
    assert!(s.is_idle());
}

#[test]
fn frames_in_flight_are_bounded() {
    let mut s = KsyncSession::with_config(SessionConfig {
        max_frames_in_flight: 2,
        max_requests_per_frame: 1,
        ..SessionConfig::new(FAMILY, PID)
    });
    for i in 0..5 {
        s.submit(mpls(SandeshOp::ADD, i)).unwrap();
    }
    let first = transmit_all(&mut s);
    assert_eq!(first.len(), 2);
    assert_eq!(s.queued(), 3);
    feed(&mut s, &reply(Dialect::Kernel, &first[0], &[response(0)]));
    assert_eq!(transmit_all(&mut s).len(), 1);
}

#[test]
fn sequence_numbers_skip_zero_when_they_wrap() {
    let mut s = KsyncSession::with_config(SessionConfig {
        first_seq: u32::MAX,
        max_requests_per_frame: 1,
        ..SessionConfig::new(FAMILY, PID)
    });
    s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let frames = serve(&mut s, Dialect::Dpdk, |_| vec![response(0)]);
    let seqs: Vec<_> = frames.iter().map(|f| f.header.seq).collect();
    assert_eq!(seqs, [u32::MAX, 1]);
}

#[test]
fn pre_encoded_requests_go_as_they_are() {
    let mut s = session();
    let bytes = mpls(SandeshOp::GET, 33).to_bytes();
    let id = s.submit(Request::Encoded(bytes)).unwrap();
    let frames = serve(&mut s, Dialect::Windows, |_| get_answer(0, &[]));
    assert_eq!(frames[0].requests, [mpls(SandeshOp::GET, 33)]);
    assert!(matches!(events(&mut s)[..], [Event::Reply { id: got, .. }] if got == id));
    assert_eq!(s.submit(Vec::<u8>::new()), Err(SubmitError::EmptyPayload));
}

#[test]
fn netlink_error_answers_every_request_of_its_frame() {
    let mut s = session();
    let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let b = s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let frames = transmit_all(&mut s);
    // What the kernel's netlink layer sends without CAP_NET_ADMIN: -EPERM and the request header.
    let mut err = NetlinkHeader {
        len: 36,
        msg_type: NLMSG_ERROR,
        flags: 0,
        seq: frames[0].header.seq,
        pid: PID,
    }
    .to_bytes()
    .to_vec();
    err.extend((-1i32).to_le_bytes());
    err.extend(frames[0].header.to_bytes());
    s.handle_frame(&err).unwrap();
    let reply = |id| Event::Reply {
        id,
        response_code: -1,
        objects: vec![],
    };
    assert_eq!(events(&mut s), [reply(a), reply(b)]);
    assert!(s.is_idle());
}

#[test]
fn a_request_vrouter_does_not_answer_fails_alone() {
    for d in DIALECTS {
        let mut s = session();
        let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
        // vRouter answers nothing to a sandesh it does not take as a request.
        let b = s.submit(Message::from(VrResponse::default())).unwrap();
        serve(&mut s, d, |req| match req {
            Message::VrResponse(_) => vec![],
            _ => vec![response(0)],
        });
        assert_eq!(
            events(&mut s),
            [
                Event::Reply {
                    id: a,
                    response_code: 0,
                    objects: vec![]
                },
                Event::Failed {
                    id: b,
                    error: RequestError::NoResponse
                }
            ],
            "{d:?}"
        );
    }
}

#[test]
fn a_reply_for_a_later_frame_means_the_earlier_got_none() {
    let mut s = KsyncSession::with_config(SessionConfig {
        max_requests_per_frame: 1,
        ..SessionConfig::new(FAMILY, PID)
    });
    let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let b = s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let frames = transmit_all(&mut s);
    feed(&mut s, &reply(Dialect::Kernel, &frames[1], &[response(0)]));
    assert_eq!(
        events(&mut s),
        [
            Event::Failed {
                id: a,
                error: RequestError::NoResponse
            },
            Event::Reply {
                id: b,
                response_code: 0,
                objects: vec![]
            }
        ]
    );
}

#[test]
fn cancelled_requests_report_nothing_and_keep_the_others_matched() {
    let mut s = session();
    let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let b = s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let frames = transmit_all(&mut s);
    let c = s.submit(mpls(SandeshOp::ADD, 3)).unwrap();
    assert!(s.cancel(a), "in flight");
    assert!(s.cancel(c), "queued");
    assert!(!s.cancel(c), "already gone");
    assert!(
        transmit_all(&mut s).is_empty(),
        "the queued one is never sent"
    );
    feed(
        &mut s,
        &reply(Dialect::Dpdk, &frames[0], &[response(-17), response(-22)]),
    );
    assert_eq!(
        events(&mut s),
        [Event::Reply {
            id: b,
            response_code: -22,
            objects: vec![]
        }]
    );
    assert!(!s.cancel(b));
}

/// Sends three requests in two frames and one more that stays queued, then feeds `bad`: every
/// request must fail with the protocol error, then the session reports itself failed.
fn assert_fatal(
    bad: impl FnOnce(&[SentFrame]) -> Vec<u8>,
    expected: impl Fn(&ProtocolError) -> bool,
) {
    let mut s = KsyncSession::with_config(SessionConfig {
        max_requests_per_frame: 2,
        max_frames_in_flight: 2,
        ..SessionConfig::new(FAMILY, PID)
    });
    let ids: Vec<_> = (0..5)
        .map(|i| s.submit(mpls(SandeshOp::GET, i)).unwrap())
        .collect();
    let frames = transmit_all(&mut s);
    assert_eq!(frames.len(), 2);
    assert_eq!(s.queued(), 1);
    let err = s.handle_frame(&bad(&frames)).unwrap_err();
    assert!(expected(&err), "{err:?}");
    let ev = events(&mut s);
    let failed: Vec<_> = ev[..ev.len() - 1]
        .iter()
        .map(|e| match e {
            Event::Failed {
                id,
                error: RequestError::Protocol(p),
            } if *p == err => *id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(failed, ids);
    assert_eq!(ev.last(), Some(&Event::SessionFailed(err.clone())));
    assert_eq!(s.handle_frame(&[]), Err(err.clone()));
    assert_eq!(
        s.submit(mpls(SandeshOp::GET, 9)),
        Err(SubmitError::SessionFailed(err))
    );
    assert!(s.poll_transmit(&mut Vec::new()).is_none());
}

#[test]
fn undecodable_payload_fails_every_pending_request() {
    assert_fatal(
        |frames| {
            let mut bad = response(0);
            bad.extend([0, 0, 0, 9, b'n', b'o', b'-', b's', b'u', b'c', b'h']);
            reply(Dialect::Kernel, &frames[0], &[bad])
        },
        |e| matches!(e, ProtocolError::Decode { .. }),
    );
}

#[test]
fn truncated_netlink_frame_fails_the_session() {
    assert_fatal(
        |frames| {
            let mut r = reply(Dialect::Dpdk, &frames[0], &[response(0)]);
            r.truncate(r.len() - 3);
            r
        },
        |e| {
            matches!(
                e,
                ProtocolError::Frame(FrameError::LengthBeyondBuffer { .. })
            )
        },
    );
}

#[test]
fn reply_with_unknown_seq_is_an_error() {
    assert_fatal(
        |frames| {
            let mut f = frames[0].clone();
            f.header.seq = 99;
            reply(Dialect::Dpdk, &f, &[response(0)])
        },
        |e| *e == ProtocolError::UnknownSeq { seq: 99 },
    );
}

#[test]
fn object_before_any_response_is_an_error() {
    assert_fatal(
        |frames| {
            reply(
                Dialect::Dpdk,
                &frames[0],
                &[objects(&[mpls(SandeshOp::GET, 0)])],
            )
        },
        |e| {
            matches!(
                e,
                ProtocolError::ObjectBeforeResponse {
                    name: "vr_mpls_req",
                    ..
                }
            )
        },
    );
}

#[test]
fn more_responses_than_requests_is_an_error() {
    assert_fatal(
        |frames| {
            // One message holding three answers for a frame of two requests.
            let three: Vec<u8> = (0..3).flat_map(response).collect();
            reply(Dialect::Windows, &frames[0], &[three])
        },
        |e| matches!(e, ProtocolError::TooManyResponses { requests: 2, .. }),
    );
}

#[test]
fn reply_with_another_family_id_is_an_error() {
    assert_fatal(
        |frames| {
            let mut f = frames[0].clone();
            f.header.msg_type = FAMILY + 1;
            reply(Dialect::Dpdk, &f, &[response(0)])
        },
        |e| matches!(e, ProtocolError::UnexpectedMessageType { msg_type: 25, .. }),
    );
}

#[test]
fn answers_before_a_protocol_error_stand() {
    let mut s = session();
    let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let b = s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let c = s.submit(mpls(SandeshOp::ADD, 3)).unwrap();
    let frames = transmit_all(&mut s);
    // Kernel framing: three MULTI messages and DONE; the third one is unreadable.
    let mut bad = response(0);
    bad.push(0x7f);
    let r = reply(
        Dialect::Kernel,
        &frames[0],
        &[response(0), response(-17), bad],
    );
    let err = s.handle_frame(&r).unwrap_err();
    assert!(matches!(err, ProtocolError::Decode { .. }), "{err:?}");
    assert_eq!(
        events(&mut s),
        [
            Event::Reply {
                id: a,
                response_code: 0,
                objects: vec![]
            },
            // b's answer was still open (more could have followed it) when the bad message came.
            Event::Failed {
                id: b,
                error: RequestError::Protocol(err.clone())
            },
            Event::Failed {
                id: c,
                error: RequestError::Protocol(err.clone())
            },
            Event::SessionFailed(err),
        ]
    );
}

#[test]
fn an_expired_frame_fails_its_requests_and_its_late_reply_is_dropped() {
    let mut s = KsyncSession::with_config(SessionConfig {
        max_requests_per_frame: 1,
        ..SessionConfig::new(FAMILY, PID)
    });
    let a = s.submit(mpls(SandeshOp::ADD, 1)).unwrap();
    let b = s.submit(mpls(SandeshOp::ADD, 2)).unwrap();
    let frames = transmit_all(&mut s);
    assert!(s.expire_oldest_frame());
    assert_eq!(
        events(&mut s),
        [Event::Failed {
            id: a,
            error: RequestError::NoResponse
        }]
    );
    feed(&mut s, &reply(Dialect::Kernel, &frames[0], &[response(0)]));
    assert!(events(&mut s).is_empty(), "the late reply is dropped");
    feed(&mut s, &reply(Dialect::Kernel, &frames[1], &[response(0)]));
    assert_eq!(
        events(&mut s),
        [Event::Reply {
            id: b,
            response_code: 0,
            objects: vec![]
        }]
    );
    assert!(!s.expire_oldest_frame());
}
