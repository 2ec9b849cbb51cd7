//! vrouter_ops: limits and build info (GET), runtime parameters (ADD), soft reset (RESET).

mod common;

use common::{code, code_of, send};
use vrouter_proto::messages::{
    Message, SandeshOp, VifFlag, VifType, VrFcMapReq, VrInterfaceReq, VrMirrorReq, VrMplsReq, VrNexthopReq,
    VrQosMapReq, VrVrfAssignReq, VrVrfReq, VrVxlanReq, VrouterOps,
};
use vrouter_sim::{Datapath, DropReason, Limits};

fn ops(op: SandeshOp) -> VrouterOps {
    VrouterOps { h_op: op, ..Default::default() }
}

fn get(dp: &mut Datapath) -> VrouterOps {
    let reply = send(dp, &[ops(SandeshOp::GET).into()]);
    assert_eq!((reply.len(), code(&reply[0])), (1, 0));
    match &reply[0][1] {
        Message::VrouterOps(o) => o.clone(),
        other => panic!("{other:?}"),
    }
}

/// What the agent sends at start-up: every numeric knob −1, log level 0, priority tagging.
fn agent_add() -> VrouterOps {
    VrouterOps {
        h_op: SandeshOp::ADD,
        vo_perfr: -1,
        vo_perfs: -1,
        vo_from_vm_mss_adj: -1,
        vo_to_vm_mss_adj: -1,
        vo_perfr1: -1,
        vo_perfr2: -1,
        vo_perfr3: -1,
        vo_perfp: -1,
        vo_perfq1: -1,
        vo_perfq2: -1,
        vo_perfq3: -1,
        vo_udp_coff: -1,
        vo_flow_hold_limit: -1,
        vo_mudp: -1,
        vo_packet_dump: -1,
        vo_burst_tokens: -1,
        vo_burst_interval: -1,
        vo_burst_step: -1,
        vo_priority_tagging: 1,
        ..Default::default()
    }
}

#[test]
fn get_reports_the_configured_limits() {
    let limits =
        Limits { interfaces: 100, nexthops: 1000, mpls_labels: 50, vrfs: 20, mirrors: 10, ..Limits::default() };
    let mut dp = Datapath::new(limits);
    let o = get(&mut dp);
    assert_eq!(
        (o.vo_interfaces, o.vo_nexthops, o.vo_mpls_labels, o.vo_vrfs, o.vo_mirror_entries),
        (100, 1000, 50, 20, 10)
    );
    assert_eq!((o.vo_flow_entries, o.vo_oflow_entries), (524_288, 105_472));
    assert_eq!((o.vo_bridge_entries, o.vo_oflow_bridge_entries), (262_144, 53_248));
    assert_eq!((o.vo_vif_bridge_entries, o.vo_vif_oflow_bridge_entries), (1024, 512));
    assert_eq!((o.vo_pkt_droplog_bufsz, o.vo_pkt_droplog_buf_en, o.vo_pkt_droplog_en), (200, 1, 1));
    assert_eq!((o.vo_perfr, o.vo_flow_hold_limit, o.vo_priority_tagging), (1, 8192, 0));
    assert!(o.vo_build_info.starts_with(r#"{"build-info": [{"#), "{}", o.vo_build_info);
    assert!(o.vo_build_info.contains("vrouter-sim") && o.vo_build_info.ends_with("}]}"));
    // The limits are enforced too.
    let vif = VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 100, vifr_type: 3, ..Default::default() };
    assert_eq!(code_of(&mut dp, vif), -22);
}

#[test]
fn add_sets_only_what_is_not_minus_one() {
    let mut dp = Datapath::default();
    let before = get(&mut dp);
    assert_eq!(code_of(&mut dp, agent_add()), 0);
    let after = get(&mut dp);
    assert_eq!(after.vo_priority_tagging, 1, "always taken");
    assert_eq!(VrouterOps { vo_priority_tagging: 0, ..after }, before, "nothing else moved");
    let set = VrouterOps {
        vo_perfr: 0,
        vo_flow_hold_limit: 100,
        vo_burst_tokens: 7,
        vo_log_level: 4,
        vo_log_type_enable: vec![3, 5],
        ..agent_add()
    };
    assert_eq!(code_of(&mut dp, set), 0);
    let o = get(&mut dp);
    assert_eq!((o.vo_perfr, o.vo_flow_hold_limit, o.vo_burst_tokens, o.vo_log_level), (0, 100, 7, 4));
    assert_eq!(o.vo_log_type_enable, vec![3, 5]);
    assert_eq!(code_of(&mut dp, VrouterOps { vo_log_type_disable: vec![3], ..agent_add() }), 0);
    let o = get(&mut dp);
    assert_eq!((o.vo_log_type_enable.clone(), o.vo_log_level), (vec![5], 4), "log level 0 leaves it");
    assert_eq!(code_of(&mut dp, ops(SandeshOp::DEL)), -95);
}

#[test]
fn reset_flushes_every_table() {
    let mut dp = Datapath::default();
    let vif = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 3,
        vifr_type: VifType::VIRTUAL.0,
        vifr_flags: VifFlag::SERVICE_IF.0,
        ..Default::default()
    };
    let agent = VrInterfaceReq { vifr_idx: 1, vifr_type: VifType::AGENT.0, vifr_flags: 0, ..vif.clone() };
    let nh = VrNexthopReq { h_op: SandeshOp::ADD, nhr_id: 5, ..Default::default() };
    let setup: Vec<Message> = vec![
        vif.into(),
        agent.into(),
        nh.into(),
        VrMplsReq { h_op: SandeshOp::ADD, mr_label: 10, mr_nhid: 5, ..Default::default() }.into(),
        VrMirrorReq { h_op: SandeshOp::ADD, mirr_index: 2, mirr_nhid: 5, ..Default::default() }.into(),
        VrVrfReq { h_op: SandeshOp::ADD, vrf_idx: 4, ..Default::default() }.into(),
        VrVxlanReq { h_op: SandeshOp::ADD, vxlanr_vnid: 9, vxlanr_nhid: 5, ..Default::default() }.into(),
        VrQosMapReq { h_op: SandeshOp::ADD, qmr_id: 6, ..Default::default() }.into(),
        VrFcMapReq {
            h_op: SandeshOp::ADD,
            fmr_id: vec![1],
            fmr_dscp: vec![1],
            fmr_mpls_qos: vec![1],
            fmr_dotonep: vec![1],
            fmr_queue_id: vec![1],
            ..Default::default()
        }
        .into(),
        VrVrfAssignReq { h_op: SandeshOp::ADD, var_vif_index: 3, var_vlan_id: 1, var_vif_vrf: 2, ..Default::default() }
            .into(),
        VrouterOps { vo_perfr: 0, ..agent_add() }.into(),
    ];
    assert!(send(&mut dp, &setup).iter().all(|b| code(b) == 0));
    dp.count_drop(Some(3), DropReason::Discard);
    *dp.vrf_stats.counters_mut(4, 4096) = vrouter_sim::ksync::VrfCounters { discards: 1, ..Default::default() };
    assert!(dp.agent_vif().is_some());

    assert_eq!(code_of(&mut dp, ops(SandeshOp::RESET)), 0);

    let dumps: Vec<Message> = vec![
        VrInterfaceReq { h_op: SandeshOp::DUMP, vifr_marker: -1, ..Default::default() }.into(),
        VrMplsReq { h_op: SandeshOp::DUMP, mr_marker: -1, ..Default::default() }.into(),
        VrMirrorReq { h_op: SandeshOp::DUMP, mirr_marker: -1, ..Default::default() }.into(),
        VrVrfReq { h_op: SandeshOp::DUMP, vrf_marker: -1, ..Default::default() }.into(),
        VrVxlanReq { h_op: SandeshOp::DUMP, ..Default::default() }.into(),
        VrQosMapReq { h_op: SandeshOp::DUMP, qmr_marker: -1, ..Default::default() }.into(),
        VrFcMapReq { h_op: SandeshOp::DUMP, fmr_marker: -1, ..Default::default() }.into(),
    ];
    let replies = send(&mut dp, &dumps);
    assert_eq!(replies.len(), dumps.len(), "every dump is empty: a count alone");
    assert!(replies.iter().all(|b| code(b) == 0));
    // Nexthops: only the discard nexthop is left, with only its table reference.
    let nhs = send(&mut dp, &[VrNexthopReq { h_op: SandeshOp::DUMP, nhr_marker: -1, ..Default::default() }.into()]);
    assert_eq!(code(&nhs[0]), 1);
    assert!(matches!(&nhs[1][0], Message::VrNexthopReq(n) if n.nhr_id == 0 && n.nhr_ref_cnt == 1));
    assert!(dp.agent_vif().is_none());
    assert_eq!(dp.drop_stats.total(), 0);
    assert_eq!(dp.nexthops.lingering() + dp.interfaces.lingering(), 0);
    assert_eq!(get(&mut dp).vo_perfr, 0, "runtime parameters survive a reset");
    // And the tables work again: an agent vif can be added anew.
    let agent = VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 1, vifr_type: VifType::AGENT.0, ..Default::default() };
    assert_eq!(code_of(&mut dp, agent), 0);
}
