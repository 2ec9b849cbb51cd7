//! Dumps through the ksync session: pages, the marker of each re-sent request, cancellation and
//! the ways a dump ends early.

#[path = "ksync_support.rs"]
mod support;

use support::*;
use vrouter_proto::ksync::markers::{MarkerError, AF_BRIDGE};
use vrouter_proto::ksync::{DumpError, Event, KsyncSession, SubmitError};
use vrouter_proto::messages::{
    Message, SandeshOp, VrDropStatsReq, VrInfoReq, VrInterfaceReq, VrMplsReq, VrNexthopReq,
    VrResponse, VrRouteReq, VrVxlanReq,
};
use vrouter_proto::netlink::Dialect;

fn nh(id: i32) -> Message {
    Message::from(VrNexthopReq {
        h_op: SandeshOp::GET,
        nhr_id: id,
        nhr_type: 2,
        ..Default::default()
    })
}

/// A nexthop table answering DUMP as vRouter does: entries after the marker, `per_page` at most,
/// the incomplete bit while entries remain.
fn nh_table(ids: &[i32], per_page: usize) -> impl FnMut(&Message) -> Vec<Vec<u8>> + '_ {
    move |req| {
        let Message::VrNexthopReq(r) = req else {
            panic!("{req:?}")
        };
        assert_eq!(r.h_op, SandeshOp::DUMP);
        let after: Vec<i32> = ids.iter().copied().filter(|i| *i > r.nhr_marker).collect();
        let page: Vec<Message> = after.iter().take(per_page).map(|i| nh(*i)).collect();
        dump_answer(&page, after.len() > per_page)
    }
}

fn pages(events: Vec<Event>) -> Vec<(Vec<Message>, bool)> {
    events
        .into_iter()
        .map(|e| match e {
            Event::DumpPage { objects, more, .. } => (objects, more),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn markers(frames: &[SentFrame]) -> Vec<i32> {
    frames
        .iter()
        .flat_map(|f| &f.requests)
        .map(|r| match r {
            Message::VrNexthopReq(n) => n.nhr_marker,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn three_pages_follow_the_marker_in_every_dialect() {
    let ids = [0, 3, 7, 10, 11, 20, 21, 25, 30];
    for d in DIALECTS {
        let mut s = KsyncSession::new(24, 0);
        // The request's marker is whatever the caller left: dump() starts from the beginning.
        let id = s
            .dump(Message::from(VrNexthopReq {
                nhr_marker: 5,
                ..Default::default()
            }))
            .unwrap();
        let frames = serve(&mut s, d, nh_table(&ids, 4));
        assert_eq!(markers(&frames), [-1, 10, 25], "{d:?}");
        let seqs: Vec<_> = frames.iter().map(|f| f.header.seq).collect();
        assert_eq!(seqs, [1, 2, 3]);
        let got = pages(events(&mut s));
        let want: Vec<(Vec<Message>, bool)> = vec![
            (ids[..4].iter().map(|i| nh(*i)).collect(), true),
            (ids[4..8].iter().map(|i| nh(*i)).collect(), true),
            (vec![nh(30)], false),
        ];
        assert_eq!(got, want, "{d:?}");
        assert!(s.is_idle());
        let _ = id;
    }
}

#[test]
fn dump_from_resumes_at_the_given_marker() {
    let ids = [1, 2, 3, 4, 5];
    let mut s = KsyncSession::new(24, 0);
    s.dump_from(Message::from(VrNexthopReq {
        nhr_marker: 3,
        ..Default::default()
    }))
    .unwrap();
    let frames = serve(&mut s, Dialect::Dpdk, nh_table(&ids, 10));
    assert_eq!(markers(&frames), [3]);
    assert_eq!(pages(events(&mut s)), [(vec![nh(4), nh(5)], false)]);
}

#[test]
fn empty_table_is_one_empty_last_page() {
    for d in DIALECTS {
        let mut s = KsyncSession::new(24, 0);
        let id = s.dump(Message::from(VrMplsReq::default())).unwrap();
        serve(&mut s, d, |_| dump_answer(&[], false));
        assert_eq!(
            events(&mut s),
            [Event::DumpPage {
                id,
                objects: vec![],
                more: false
            }]
        );
    }
}

#[test]
fn a_refused_page_fails_the_dump() {
    let mut s = KsyncSession::new(24, 0);
    let id = s.dump(Message::from(VrMplsReq::default())).unwrap();
    serve(&mut s, Dialect::Kernel, |_| vec![response(-22)]);
    assert_eq!(
        events(&mut s),
        [Event::DumpFailed {
            id,
            error: DumpError::Response(-22)
        }]
    );
}

#[test]
fn a_page_without_a_new_position_stalls_the_dump() {
    // More remain, but no object to continue from.
    let mut s = KsyncSession::new(24, 0);
    let id = s.dump(Message::from(VrNexthopReq::default())).unwrap();
    serve(&mut s, Dialect::Dpdk, |_| dump_answer(&[], true));
    assert_eq!(
        events(&mut s),
        [
            Event::DumpPage {
                id,
                objects: vec![],
                more: true
            },
            Event::DumpFailed {
                id,
                error: DumpError::Stalled
            }
        ]
    );
    // The same last object twice: asking again would loop.
    let mut s = KsyncSession::new(24, 0);
    let id = s.dump(Message::from(VrNexthopReq::default())).unwrap();
    let frames = serve(&mut s, Dialect::Dpdk, |_| {
        dump_answer(&[nh(1), nh(2)], true)
    });
    assert_eq!(frames.len(), 2);
    let ev = events(&mut s);
    assert_eq!(
        ev.last(),
        Some(&Event::DumpFailed {
            id,
            error: DumpError::Stalled
        })
    );
    assert_eq!(ev.len(), 3);
}

#[test]
fn cancel_dump_stops_paging() {
    let ids: Vec<i32> = (0..20).collect();
    // Cancelled while its next page is queued: that request is never sent.
    let mut s = KsyncSession::new(24, 0);
    let id = s.dump(Message::from(VrNexthopReq::default())).unwrap();
    let first = transmit_all(&mut s);
    let mut table = nh_table(&ids, 5);
    let answer = table(&first[0].requests[0]);
    feed(&mut s, &reply(Dialect::Kernel, &first[0], &answer));
    assert!(matches!(
        &events(&mut s)[..],
        [Event::DumpPage { more: true, .. }]
    ));
    assert_eq!(s.queued(), 1);
    assert!(s.cancel_dump(id));
    assert!(!s.cancel_dump(id));
    assert!(transmit_all(&mut s).is_empty());
    assert!(s.is_idle());

    // Cancelled while a page is in flight: its answer is consumed and dropped.
    let mut s = KsyncSession::new(24, 0);
    let id = s.dump(Message::from(VrNexthopReq::default())).unwrap();
    let after = s.submit(Message::from(VrMplsReq::default())).unwrap();
    let sent = transmit_all(&mut s);
    assert_eq!(sent[0].requests.len(), 2);
    assert!(s.cancel_dump(id));
    let mut buffers = table(&sent[0].requests[0]);
    buffers.push(response(0));
    feed(&mut s, &reply(Dialect::Dpdk, &sent[0], &buffers));
    assert_eq!(
        events(&mut s),
        [Event::Reply {
            id: after,
            response_code: 0,
            objects: vec![]
        }]
    );
    assert!(s.is_idle());
}

#[test]
fn dump_pages_share_frames_with_other_requests() {
    for d in DIALECTS {
        let mut s = KsyncSession::new(24, 0);
        let get = s.submit(nh(4)).unwrap();
        let dump = s.dump(Message::from(VrNexthopReq::default())).unwrap();
        let add = s.submit(Message::from(VrMplsReq::default())).unwrap();
        let ids = [1, 2, 3];
        let mut table = nh_table(&ids, 2);
        serve(&mut s, d, |req| match req {
            Message::VrNexthopReq(r) if r.h_op == SandeshOp::GET => get_answer(0, &[nh(4)]),
            Message::VrNexthopReq(_) => table(req),
            _ => vec![response(-17)],
        });
        assert_eq!(
            events(&mut s),
            [
                Event::Reply {
                    id: get,
                    response_code: 0,
                    objects: vec![nh(4)]
                },
                Event::DumpPage {
                    id: dump,
                    objects: vec![nh(1), nh(2)],
                    more: true
                },
                Event::Reply {
                    id: add,
                    response_code: -17,
                    objects: vec![]
                },
                Event::DumpPage {
                    id: dump,
                    objects: vec![nh(3)],
                    more: false
                },
            ],
            "{d:?}"
        );
    }
}

#[test]
fn interface_dump_with_drop_stats_continues_after_the_last_interface() {
    let vif = |idx| {
        Message::from(VrInterfaceReq {
            vifr_idx: idx,
            vifr_name: format!("tap{idx}"),
            ..Default::default()
        })
    };
    let drops = Message::from(VrDropStatsReq::default());
    let mut s = KsyncSession::new(24, 0);
    s.dump(Message::from(VrInterfaceReq {
        vifr_flags: 1,
        ..Default::default()
    }))
    .unwrap();
    let mut sent_markers = Vec::new();
    serve(&mut s, Dialect::Kernel, |req| {
        let Message::VrInterfaceReq(r) = req else {
            panic!()
        };
        assert_eq!(r.vifr_flags, 1, "the filter is kept on every page");
        sent_markers.push(r.vifr_marker);
        match r.vifr_marker {
            -1 => dump_answer(&[vif(0), drops.clone(), vif(2), drops.clone()], true),
            2 => dump_answer(&[vif(5), drops.clone()], false),
            m => panic!("marker {m}"),
        }
    });
    assert_eq!(sent_markers, [-1, 2]);
}

#[test]
fn inet_routes_continue_after_the_last_prefix() {
    let route = |a: u8, len| {
        Message::from(VrRouteReq {
            rtr_vrf_id: 3,
            rtr_family: 2,
            rtr_prefix: vec![10, a, 0, 0],
            rtr_prefix_len: len,
            ..Default::default()
        })
    };
    let mut s = KsyncSession::new(24, 0);
    s.dump(Message::from(VrRouteReq {
        rtr_vrf_id: 3,
        rtr_family: 2,
        rtr_marker: vec![1, 2, 3, 4],
        rtr_marker_plen: 7,
        ..Default::default()
    }))
    .unwrap();
    let mut seen = Vec::new();
    serve(&mut s, Dialect::Dpdk, |req| {
        let Message::VrRouteReq(r) = req else {
            panic!()
        };
        assert_eq!(
            (r.h_op, r.rtr_vrf_id, r.rtr_family),
            (SandeshOp::DUMP, 3, 2)
        );
        seen.push((r.rtr_marker.clone(), r.rtr_marker_plen));
        if r.rtr_marker.is_empty() {
            dump_answer(&[route(1, 16), route(2, 24)], true)
        } else {
            dump_answer(&[route(9, 8)], false)
        }
    });
    assert_eq!(seen, [(vec![], 0), (vec![10, 2, 0, 0], 24)]);
}

#[test]
fn bridge_routes_continue_after_the_last_mac() {
    let mac_route = |last: u8| {
        Message::from(VrRouteReq {
            rtr_family: AF_BRIDGE,
            rtr_mac: vec![2, 0, 0, 0, 0, last],
            ..Default::default()
        })
    };
    let mut s = KsyncSession::new(24, 0);
    s.dump(Message::from(VrRouteReq {
        rtr_vrf_id: 1,
        rtr_family: AF_BRIDGE,
        ..Default::default()
    }))
    .unwrap();
    let mut seen = Vec::new();
    serve(&mut s, Dialect::Windows, |req| {
        let Message::VrRouteReq(r) = req else {
            panic!()
        };
        seen.push(r.rtr_mac.clone());
        if r.rtr_mac == [0; 6] {
            dump_answer(&[mac_route(1), mac_route(7)], true)
        } else {
            dump_answer(&[], false)
        }
    });
    assert_eq!(seen, [vec![0; 6], vec![2, 0, 0, 0, 0, 7]]);
}

#[test]
fn vxlan_continues_at_the_next_vnid() {
    let vx = |vnid| {
        Message::from(VrVxlanReq {
            vxlanr_vnid: vnid,
            vxlanr_nhid: 1,
            ..Default::default()
        })
    };
    let mut s = KsyncSession::new(24, 0);
    s.dump(Message::from(VrVxlanReq {
        vxlanr_vnid: 500,
        ..Default::default()
    }))
    .unwrap();
    let mut seen = Vec::new();
    serve(&mut s, Dialect::Dpdk, |req| {
        let Message::VrVxlanReq(r) = req else {
            panic!()
        };
        seen.push(r.vxlanr_vnid);
        if r.vxlanr_vnid == 0 {
            dump_answer(&[vx(100), vx(4000)], true)
        } else {
            dump_answer(&[], false)
        }
    });
    assert_eq!(seen, [0, 4001]);
}

#[test]
fn info_dumps_carry_the_buffer_slot_and_chunk_index() {
    let chunk = |index| {
        Message::from(VrInfoReq {
            h_op: SandeshOp::DUMP,
            vdu_buff_table_id: 3,
            vdu_index: index,
            vdu_proc_info: b"text".to_vec(),
            ..Default::default()
        })
    };
    let mut s = KsyncSession::new(24, 0);
    s.dump(Message::from(VrInfoReq {
        vdu_msginfo: 1,
        ..Default::default()
    }))
    .unwrap();
    let mut seen = Vec::new();
    serve(&mut s, Dialect::Dpdk, |req| {
        let Message::VrInfoReq(r) = req else { panic!() };
        assert_eq!(r.vdu_msginfo, 1);
        seen.push((r.vdu_buff_table_id, r.vdu_marker));
        match r.vdu_marker {
            -1 => dump_answer(&[chunk(1)], true),
            1 => dump_answer(&[chunk(2)], true),
            _ => dump_answer(&[chunk(3)], false),
        }
    });
    assert_eq!(seen, [(0, -1), (3, 1), (3, 2)]);
}

#[test]
fn messages_vrouter_does_not_dump_are_refused() {
    let mut s = KsyncSession::new(24, 0);
    assert_eq!(
        s.dump(Message::from(VrResponse::default())),
        Err(SubmitError::Marker(MarkerError::NotDumpable("vr_response")))
    );
    assert!(s.is_idle());
}
