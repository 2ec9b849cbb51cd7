//! MPLS labels: vRouter's validation, error codes and dump paging.

mod common;

use common::{code, code_of, send};
use vrouter_proto::messages::{Message, SandeshOp, VrMplsReq, VrNexthopReq};
use vrouter_sim::{Datapath, DUMP_INCOMPLETE};

fn mpls(op: SandeshOp, label: i32, nh: i32) -> VrMplsReq {
    VrMplsReq { h_op: op, mr_label: label, mr_nhid: nh, ..Default::default() }
}

fn with_nexthop(id: u32) -> Datapath {
    let mut dp = Datapath::default();
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: id as i32, ..Default::default() }), 0);
    dp
}

#[test]
fn add_get_del() {
    let mut dp = with_nexthop(10);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, 100, 10)), 0);
    let got = send(&mut dp, &[mpls(SandeshOp::GET, 100, 0).into()]);
    assert_eq!(got.len(), 1, "a GET answer is one buffer: vr_response then the object");
    assert_eq!(code(&got[0]), 0);
    assert!(matches!(&got[0][1], Message::VrMplsReq(m) if m.mr_label == 100 && m.mr_nhid == 10));
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::DEL, 100, 0)), 0);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::GET, 100, 0)), -2, "ENOENT, no object");
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::DEL, 100, 0)), 0, "deleting an absent label succeeds");
}

#[test]
fn validation() {
    let mut dp = with_nexthop(10);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, 5120, 10)), -22, "label beyond the table");
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, -1, 10)), -22);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::GET, 6000, 0)), -22);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, 7, 11)), -22, "missing nexthop");
    // A failed ADD has already dropped the old mapping, as vRouter does.
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, 7, 10)), 0);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, 7, 11)), -22);
    assert_eq!(code_of(&mut dp, mpls(SandeshOp::GET, 7, 0)), -2);
}

#[test]
fn dump_pages_by_marker() {
    let mut dp = with_nexthop(10);
    for label in 0..200 {
        assert_eq!(code_of(&mut dp, mpls(SandeshOp::ADD, label * 3, 10)), 0);
    }
    let mut marker = -1;
    let mut seen: Vec<i32> = Vec::new();
    let mut pages = 0;
    loop {
        let reply = send(&mut dp, &[VrMplsReq { h_op: SandeshOp::DUMP, mr_marker: marker, ..Default::default() }.into()]);
        pages += 1;
        let count = code(&reply[0]);
        let objects: Vec<i32> = reply
            .get(1)
            .map(|b| b.iter().map(|m| match m { Message::VrMplsReq(o) => o.mr_label, other => panic!("{other:?}") }).collect())
            .unwrap_or_default();
        assert_eq!(count & !DUMP_INCOMPLETE, objects.len() as i32);
        seen.extend(&objects);
        if count & DUMP_INCOMPLETE == 0 {
            break;
        }
        marker = *objects.last().unwrap();
    }
    assert_eq!(seen, (0..200).map(|l| l * 3).collect::<Vec<_>>());
    // 49-byte objects in 3968 bytes: 80 per page (PROTOCOL.md §4).
    assert_eq!(pages, 3);
    let empty = send(&mut Datapath::default(), &[VrMplsReq { h_op: SandeshOp::DUMP, mr_marker: -1, ..Default::default() }.into()]);
    assert_eq!(empty.len(), 1, "an empty dump is the count alone");
    assert_eq!(code(&empty[0]), 0);
}

#[test]
fn bulk_payloads_are_answered_in_order_and_garbage_gets_minus_one() {
    let mut dp = with_nexthop(10);
    let replies = send(&mut dp, &[mpls(SandeshOp::ADD, 1, 10).into(), mpls(SandeshOp::ADD, 9999, 10).into(), mpls(SandeshOp::GET, 1, 0).into()]);
    assert_eq!(replies.iter().map(|b| code(b)).collect::<Vec<_>>(), [0, -22, 0]);
    let garbage = dp.handle(b"\x00\x00\x00\x03xyz\x08");
    assert_eq!(garbage.buffers().len(), 1);
}
