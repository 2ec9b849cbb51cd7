//! VXLAN ids: the VNI is its own dump marker (resume at VNI + 1), 24-bit keys, references.

mod common;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{Message, SandeshOp, VrNexthopReq, VrVxlanReq};
use vrouter_sim::Datapath;

fn vx(op: SandeshOp, vnid: i32, nh: i32) -> VrVxlanReq {
    VrVxlanReq { h_op: op, vxlanr_vnid: vnid, vxlanr_nhid: nh, ..Default::default() }
}

#[test]
fn add_get_del() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, vx(SandeshOp::ADD, 5000, 3)), -22, "missing nexthop");
    assert_eq!(code_of(&mut dp, vx(SandeshOp::ADD, 5000, 0)), 0);
    let reply = send(&mut dp, &[vx(SandeshOp::GET, 5000, 0).into()]);
    assert!(matches!(&reply[0][1], Message::VrVxlanReq(v) if v.vxlanr_vnid == 5000 && v.vxlanr_nhid == 0));
    // Only 24 bits count.
    let high = send(&mut dp, &[vx(SandeshOp::GET, 0x0100_0000 | 5000, 0).into()]);
    assert!(matches!(&high[0][1], Message::VrVxlanReq(v) if v.vxlanr_vnid == 0x0100_0000 | 5000));
    let nh = send(&mut dp, &[VrNexthopReq { h_op: SandeshOp::GET, nhr_id: 0, ..Default::default() }.into()]);
    assert!(matches!(&nh[0][1], Message::VrNexthopReq(n) if n.nhr_ref_cnt == 2));
    assert_eq!(code_of(&mut dp, vx(SandeshOp::DEL, 5000, 0)), 0);
    assert_eq!(code_of(&mut dp, vx(SandeshOp::GET, 5000, 0)), -2);
    assert_eq!(code_of(&mut dp, vx(SandeshOp::DEL, 5000, 0)), 0, "deleting an absent VNI succeeds");
    assert!(send(&mut dp, &[vx(SandeshOp::RESET, 1, 0).into()]).is_empty(), "no answer");
}

#[test]
fn dump_resumes_after_the_vni() {
    let mut dp = Datapath::default();
    let vnis: Vec<i32> = (0..500).map(|i| i * 1000).collect();
    for &v in &vnis {
        assert_eq!(code_of(&mut dp, vx(SandeshOp::ADD, v, 0)), 0);
    }
    let dump = |m: i32| vx(SandeshOp::DUMP, m.max(0), 0).into();
    let vni_of = |m: &Message| match m {
        Message::VrVxlanReq(v) => Some(v.vxlanr_vnid),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, vni_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(vni_of).collect();
    assert_eq!(seen, vnis, "VNI 0 included once, then each once");
    assert!(pages.len() >= 5, "43-byte objects: 92 per page; {} pages", pages.len());
    let reply = send(&mut dp, &[vx(SandeshOp::DUMP, 1000, 0).into()]);
    assert!(matches!(&reply[1][0], Message::VrVxlanReq(v) if v.vxlanr_vnid == 2000), "resumes at VNI + 1");
    assert_eq!(code(&reply[0]) & vrouter_sim::DUMP_INCOMPLETE, vrouter_sim::DUMP_INCOMPLETE);
}
