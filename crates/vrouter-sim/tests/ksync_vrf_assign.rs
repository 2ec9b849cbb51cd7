//! VLAN → VRF assignment on service interfaces: the table a vif gains, errors, dump by
//! VLAN marker within one vif.

mod common;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{Message, SandeshOp, VifFlag, VifType, VrInterfaceReq, VrVrfAssignReq};
use vrouter_sim::Datapath;

fn assign(op: SandeshOp, vif: i16, vlan: i16, vrf: i32) -> VrVrfAssignReq {
    VrVrfAssignReq {
        h_op: op,
        var_vif_index: vif,
        var_vlan_id: vlan,
        var_vif_vrf: vrf,
        var_nh_id: 12,
        ..Default::default()
    }
}

fn with_vif(flags: i32) -> Datapath {
    let mut dp = Datapath::default();
    let vif = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 3,
        vifr_type: VifType::VIRTUAL.0,
        vifr_flags: flags,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, vif), 0);
    dp
}

fn vif_flags(dp: &mut Datapath) -> i32 {
    let reply = send(dp, &[VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: 3, ..Default::default() }.into()]);
    match &reply[0][1] {
        Message::VrInterfaceReq(v) => v.vifr_flags,
        other => panic!("{other:?}"),
    }
}

#[test]
fn add_get_del() {
    let mut dp = with_vif(VifFlag::SERVICE_IF.0);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 3, 10, 7)), 0);
    let reply = send(&mut dp, &[assign(SandeshOp::GET, 3, 10, 0).into()]);
    assert!(matches!(&reply[0][1], Message::VrVrfAssignReq(a) if a.var_vif_vrf == 7 && a.var_nh_id == 12));
    let unset = send(&mut dp, &[assign(SandeshOp::GET, 3, 11, 0).into()]);
    assert!(matches!(&unset[0][1], Message::VrVrfAssignReq(a) if a.var_vif_vrf == -1), "unassigned: VRF −1, no error");
    assert_eq!(code_of(&mut dp, assign(SandeshOp::DEL, 3, 10, 7)), 0);
    let reply = send(&mut dp, &[assign(SandeshOp::GET, 3, 10, 0).into()]);
    assert!(matches!(&reply[0][1], Message::VrVrfAssignReq(a) if a.var_vif_vrf == -1));
    assert_eq!(code_of(&mut dp, assign(SandeshOp::RESET, 3, 10, 7)), -22, "other ops: EINVAL");
}

#[test]
fn an_assignment_makes_a_service_interface() {
    let mut dp = with_vif(0);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::GET, 3, 10, 0)), -22, "not a service vif");
    // Even an ADD for a VLAN out of range turns the vif into a service one first.
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 3, 1024, 7)), -22);
    assert_ne!(vif_flags(&mut dp) & VifFlag::SERVICE_IF.0, 0);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 3, 1023, 7)), 0);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 9, 1, 7)), -22, "missing vif");
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, -1, 1, 7)), -22);
}

#[test]
fn dump_pages_by_vlan_marker() {
    let mut dp = with_vif(VifFlag::SERVICE_IF.0);
    for vlan in (0..1024).step_by(3) {
        assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 3, vlan, 100 + vlan as i32)), 0);
    }
    let dump = |m| {
        VrVrfAssignReq { h_op: SandeshOp::DUMP, var_vif_index: 3, var_marker: m as i16, ..Default::default() }.into()
    };
    let vlan_of = |m: &Message| match m {
        Message::VrVrfAssignReq(a) => Some(a.var_vlan_id as i32),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, vlan_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(vlan_of).collect();
    assert_eq!(seen, (0..1024).step_by(3).collect::<Vec<_>>());
    assert!(pages.len() >= 5, "{} pages", pages.len());
    assert!(pages
        .iter()
        .flatten()
        .all(|m| matches!(m, Message::VrVrfAssignReq(a) if a.var_vif_vrf == 100 + a.var_vlan_id as i32)));
    // A missing or non-service vif dumps as empty, not as an error.
    let none = send(
        &mut dp,
        &[VrVrfAssignReq { h_op: SandeshOp::DUMP, var_vif_index: 9, var_marker: -1, ..Default::default() }.into()],
    );
    assert_eq!((none.len(), code(&none[0])), (1, 0));
}

#[test]
fn a_service_vif_without_a_table_is_out_of_memory() {
    // The agent driver makes no assignment table even for a SERVICE_IF vif.
    let mut dp = Datapath::default();
    let agent = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 3,
        vifr_type: VifType::AGENT.0,
        vifr_flags: VifFlag::SERVICE_IF.0,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, agent), 0);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::ADD, 3, 1, 7)), -12);
    assert_eq!(code_of(&mut dp, assign(SandeshOp::GET, 3, 1, 0)), -12);
}
