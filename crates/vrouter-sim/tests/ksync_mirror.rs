//! Mirror entries: validation, error codes, nexthop references and dump paging.

mod common;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{Message, SandeshOp, VrMirrorReq, VrNexthopReq};
use vrouter_sim::Datapath;

fn mirror(op: SandeshOp, index: i16, nh: i32) -> VrMirrorReq {
    VrMirrorReq {
        h_op: op,
        mirr_index: index,
        mirr_nhid: nh,
        mirr_flags: 1,
        mirr_vni: 77,
        mirr_vlan: 5,
        ..Default::default()
    }
}

fn nh_refs(dp: &mut Datapath, id: i32) -> i32 {
    let reply = send(dp, &[VrNexthopReq { h_op: SandeshOp::GET, nhr_id: id, ..Default::default() }.into()]);
    match &reply[0][1] {
        Message::VrNexthopReq(n) => n.nhr_ref_cnt,
        other => panic!("{other:?}"),
    }
}

#[test]
fn add_get_del() {
    let mut dp = Datapath::default();
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 9, ..Default::default() }), 0);
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, 3, 9)), 0);
    assert_eq!(nh_refs(&mut dp, 9), 2, "the mirror holds its nexthop");
    let reply = send(&mut dp, &[VrMirrorReq { mirr_users: 42, ..mirror(SandeshOp::GET, 3, 0) }.into()]);
    let Message::VrMirrorReq(m) = &reply[0][1] else { panic!() };
    assert_eq!((m.mirr_index, m.mirr_nhid, m.mirr_flags, m.mirr_vni, m.mirr_vlan), (3, 9, 1, 77, 5));
    assert_eq!(m.mirr_users, 42, "the answer is the request with the entry written over it");
    // Re-ADD onto nexthop 0 gives nexthop 9 back.
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, 3, 0)), 0);
    assert_eq!(nh_refs(&mut dp, 9), 1);
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::DEL, 3, 0)), 0);
    assert_eq!(nh_refs(&mut dp, 0), 1);
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::GET, 3, 0)), -2);
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::DEL, 3, 0)), -22, "DEL of an absent entry: EINVAL");
}

#[test]
fn validation_and_unanswered_ops() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, 255, 0)), -22, "index beyond the table");
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, -1, 0)), -22);
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, 1, 77)), -22, "missing nexthop");
    assert_eq!(code_of(&mut dp, mirror(SandeshOp::GET, 255, 0)), -19, "GET beyond the table: ENODEV");
    assert!(send(&mut dp, &[mirror(SandeshOp::RESET, 1, 0).into()]).is_empty(), "no answer");
}

#[test]
fn dump_pages_by_marker() {
    let mut dp = Datapath::default();
    for i in 0..200 {
        assert_eq!(code_of(&mut dp, mirror(SandeshOp::ADD, i, 0)), i32::from(i >= 255) * -22);
    }
    let dump = |m| VrMirrorReq { h_op: SandeshOp::DUMP, mirr_marker: m, ..Default::default() }.into();
    let index_of = |m: &Message| match m {
        Message::VrMirrorReq(r) => Some(r.mirr_index as i32),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, index_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(index_of).collect();
    assert_eq!(seen, (0..200).collect::<Vec<_>>());
    assert_eq!(pages.len(), 4, "75-byte objects: 52 per page");
    assert_eq!(code(&send(&mut dp, &[dump(-2)])[0]), 0, "a marker read as past the end: empty");
}
