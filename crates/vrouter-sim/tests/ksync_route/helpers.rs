//! Helpers shared by the route tests: requests, GETs, and whole dumps paged with the client's
//! own marker rule (`vrouter_proto::ksync::markers`).

#![allow(dead_code)]

use sandesh::Sandesh;
use vrouter_proto::ksync::markers::{object_key, prepare_dump, Resume};
use vrouter_proto::messages::{decode_all, Message, SandeshOp, VrNexthopReq, VrResponse, VrRouteReq};
use vrouter_sim::{Datapath, Limits, DUMP_BUFFER_SIZE, DUMP_INCOMPLETE};

pub const AF_INET: i32 = 2;
pub const AF_BRIDGE: i32 = 7;
pub const AF_INET6: i32 = 10;
pub const LABEL_VALID: i16 = 0x1;
pub const NO_LABEL: i32 = 0xff_ffff;
pub const ENOENT: i32 = -2;
pub const EINVAL: i32 = -22;

/// A datapath with the given nexthops (plain ones) and a small bridge table.
pub fn datapath(nexthops: &[i32]) -> Datapath {
    let limits = Limits { bridge_entries: 1024, bridge_oflow_entries: 256, ..Limits::default() };
    let mut dp = Datapath::new(limits);
    for &id in nexthops {
        assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: id, ..Default::default() }), 0, "nexthop {id}");
    }
    dp
}

/// An inet or inet6 route request.
pub fn route(op: SandeshOp, family: i32, vrf: i32, prefix: &[u8], plen: i32, nh: i32) -> VrRouteReq {
    VrRouteReq {
        h_op: op,
        rtr_vrf_id: vrf,
        rtr_family: family,
        rtr_prefix: prefix.to_vec(),
        rtr_prefix_len: plen,
        rtr_nh_id: nh,
        ..Default::default()
    }
}

/// The same route with a valid label.
pub fn labelled(r: VrRouteReq, label: i32) -> VrRouteReq {
    VrRouteReq { rtr_label: label, rtr_label_flags: r.rtr_label_flags | LABEL_VALID, ..r }
}

/// A DEL that writes back the covering route's data (no label).
pub fn del(family: i32, vrf: i32, prefix: &[u8], plen: i32, cover_nh: i32, cover_plen: i32) -> VrRouteReq {
    VrRouteReq { rtr_replace_plen: cover_plen, ..route(SandeshOp::DEL, family, vrf, prefix, plen, cover_nh) }
}

/// Sends one request; the decoded messages of each response buffer.
pub fn exchange(dp: &mut Datapath, request: impl Into<Message>) -> Vec<Vec<Message>> {
    let mut payload = Vec::new();
    request.into().encode(&mut payload);
    dp.handle(&payload)
        .into_buffers()
        .iter()
        .map(|b| {
            let d = decode_all(b);
            assert!(d.error.is_none(), "{:?}", d.error);
            d.messages
        })
        .collect()
}

/// The code of a code-only answer.
pub fn code(dp: &mut Datapath, request: impl Into<Message>) -> i32 {
    let reply = exchange(dp, request);
    assert_eq!(reply.len(), 1, "one buffer: {reply:?}");
    match reply[0].as_slice() {
        [Message::VrResponse(VrResponse { resp_code, .. })] => *resp_code,
        other => panic!("expected a vr_response alone, got {other:?}"),
    }
}

/// A GET that must succeed: the object.
pub fn get(dp: &mut Datapath, request: VrRouteReq) -> VrRouteReq {
    let reply = exchange(dp, VrRouteReq { h_op: SandeshOp::GET, ..request });
    assert_eq!(reply.len(), 1, "a GET answer is one buffer");
    match reply[0].as_slice() {
        [Message::VrResponse(VrResponse { resp_code: 0, .. }), Message::VrRouteReq(r)] => r.clone(),
        other => panic!("GET failed: {other:?}"),
    }
}

/// A whole dump, page by page, as a client pages it: the first request is `filter` prepared to
/// start, each next one `filter` with the marker set from the last object received. Checks
/// each page's count, INCOMPLETE bit and size.
pub fn dump_pages(dp: &mut Datapath, filter: VrRouteReq) -> Vec<Vec<VrRouteReq>> {
    let mut request = Message::from(filter);
    prepare_dump(&mut request, &Resume::Start).unwrap();
    let mut pages = Vec::new();
    loop {
        assert!(pages.len() < 10_000, "the dump does not end");
        let mut payload = Vec::new();
        request.encode(&mut payload);
        let buffers = dp.handle(&payload).into_buffers();
        assert!(!buffers.is_empty() && buffers.len() <= 2, "{} buffers", buffers.len());
        let count = match decode_all(&buffers[0]).messages.as_slice() {
            [Message::VrResponse(r)] => r.resp_code,
            other => panic!("{other:?}"),
        };
        assert!(count >= 0, "dump failed: {count}");
        let objects: Vec<VrRouteReq> = buffers
            .get(1)
            .map(|b| {
                assert!(b.len() <= DUMP_BUFFER_SIZE, "page of {} bytes", b.len());
                decode_all(b)
                    .messages
                    .into_iter()
                    .map(|m| match m {
                        Message::VrRouteReq(r) => r,
                        other => panic!("{other:?}"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(count & !DUMP_INCOMPLETE, objects.len() as i32, "count vs objects");
        let more = count & DUMP_INCOMPLETE != 0;
        if more {
            let last = Message::from(objects.last().expect("an incomplete page has objects").clone());
            prepare_dump(&mut request, &Resume::After(object_key(&last).unwrap())).unwrap();
        }
        pages.push(objects);
        if !more {
            return pages;
        }
    }
}

/// Every object of a dump, in order.
pub fn dump_all(dp: &mut Datapath, filter: VrRouteReq) -> Vec<VrRouteReq> {
    dump_pages(dp, filter).into_iter().flatten().collect()
}

/// The filter of an inet dump as vRouter's `rt` sends it (`rtr_prefix` sized to the family:
/// replies carry as many prefix bytes as the request's `rtr_prefix` has).
pub fn inet_dump(family: i32, vrf: i32) -> VrRouteReq {
    let len = if family == AF_INET6 { 16 } else { 4 };
    VrRouteReq { rtr_family: family, rtr_vrf_id: vrf, rtr_prefix: vec![0; len], ..Default::default() }
}

/// Encoded size of an object (for page arithmetic).
pub fn encoded_len(r: &VrRouteReq) -> usize {
    let mut b = Vec::new();
    r.encode(&mut b);
    b.len()
}
