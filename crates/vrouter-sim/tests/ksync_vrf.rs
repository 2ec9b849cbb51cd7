//! VRF entries: flags, the HBF interfaces with their references, errors and paging.

mod common;

use common::{code_of, dump_pages, send};
use vrouter_proto::messages::{Message, SandeshOp, VifType, VrInterfaceReq, VrVrfReq};
use vrouter_sim::Datapath;

fn vrf(op: SandeshOp, idx: i32) -> VrVrfReq {
    VrVrfReq { h_op: op, vrf_idx: idx, ..Default::default() }
}

fn fetch(dp: &mut Datapath, req: VrVrfReq) -> VrVrfReq {
    let reply = send(dp, &[req.into()]);
    match &reply[0][1] {
        Message::VrVrfReq(v) => v.clone(),
        other => panic!("{other:?}"),
    }
}

fn vif_refs(dp: &mut Datapath, idx: i32) -> i32 {
    let reply = send(dp, &[VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: idx, ..Default::default() }.into()]);
    match &reply[0][1] {
        Message::VrInterfaceReq(v) => v.vifr_ref_cnt,
        other => panic!("{other:?}"),
    }
}

#[test]
fn add_get_del_with_hbf_interfaces() {
    let mut dp = Datapath::default();
    for idx in [3, 4] {
        let vif =
            VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: idx, vifr_type: VifType::VIRTUAL.0, ..Default::default() };
        assert_eq!(code_of(&mut dp, vif), 0);
    }
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::ADD, 5)), 0);
    assert_eq!(fetch(&mut dp, vrf(SandeshOp::GET, 5)).vrf_flags, 1, "VALID");
    let hbf = VrVrfReq { vrf_flags: 0x6 | 0x100, vrf_hbfl_vif_idx: 3, vrf_hbfr_vif_idx: 4, ..vrf(SandeshOp::ADD, 5) };
    assert_eq!(code_of(&mut dp, hbf), 0);
    let v = fetch(&mut dp, vrf(SandeshOp::GET, 5));
    assert_eq!((v.vrf_flags, v.vrf_hbfl_vif_idx, v.vrf_hbfr_vif_idx), (0x7, 3, 4), "only HBF bits are taken");
    assert_eq!(vif_refs(&mut dp, 3), 2);
    // Index −1 clears one side and gives its interface back.
    let clear = VrVrfReq { vrf_flags: 0x2, vrf_hbfl_vif_idx: -1, ..vrf(SandeshOp::ADD, 5) };
    assert_eq!(code_of(&mut dp, clear), 0);
    let v = fetch(&mut dp, VrVrfReq { vrf_hbfl_vif_idx: 99, ..vrf(SandeshOp::GET, 5) });
    assert_eq!((v.vrf_flags, v.vrf_hbfl_vif_idx), (0x5, 99), "an unset side echoes the request");
    assert_eq!(vif_refs(&mut dp, 3), 1);
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::DEL, 5)), 0);
    assert_eq!(vif_refs(&mut dp, 4), 1);
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::GET, 5)), -2);
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::DEL, 5)), -22);
}

#[test]
fn errors() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::ADD, 4096)), -22);
    assert_eq!(code_of(&mut dp, vrf(SandeshOp::GET, 4096)), -19);
    // A missing HBF interface fails the ADD but leaves the new entry, not VALID.
    let bad = VrVrfReq { vrf_flags: 0x2, vrf_hbfl_vif_idx: 8, ..vrf(SandeshOp::ADD, 6) };
    assert_eq!(code_of(&mut dp, bad), -22);
    assert_eq!(fetch(&mut dp, vrf(SandeshOp::GET, 6)).vrf_flags, 0);
    assert!(send(&mut dp, &[vrf(SandeshOp::RESET, 6).into()]).is_empty(), "no answer");
}

#[test]
fn dump_pages_by_marker() {
    let mut dp = Datapath::default();
    for i in 0..300 {
        assert_eq!(code_of(&mut dp, vrf(SandeshOp::ADD, i * 2)), 0);
    }
    let dump = |m| VrVrfReq { h_op: SandeshOp::DUMP, vrf_marker: m, ..Default::default() }.into();
    let idx_of = |m: &Message| match m {
        Message::VrVrfReq(v) => Some(v.vrf_idx),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, idx_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(idx_of).collect();
    assert_eq!(seen, (0..300).map(|i| i * 2).collect::<Vec<_>>());
    assert!(pages.len() >= 4, "{} pages", pages.len());
}
