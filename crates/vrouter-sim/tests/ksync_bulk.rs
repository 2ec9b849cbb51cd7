//! A bulk payload mixing message types is answered in order, each answer starting with its
//! vr_response, and messages vRouter does not answer leave no gap.

mod common;

use common::{code, send};
use vrouter_proto::messages::{
    Message, SandeshOp, VrDropStatsReq, VrInterfaceReq, VrMirrorReq, VrMplsReq, VrNexthopReq, VrVrfReq, VrouterOps,
};
use vrouter_sim::Datapath;

#[test]
fn mixed_payload_in_order() {
    let mut dp = Datapath::default();
    let payload: Vec<Message> = vec![
        VrouterOps { h_op: SandeshOp::RESET, ..Default::default() }.into(),
        VrInterfaceReq {
            h_op: SandeshOp::ADD,
            vifr_idx: 3,
            vifr_type: 3,
            vifr_mac: vec![2, 0, 0, 0, 0, 3],
            ..Default::default()
        }
        .into(),
        VrNexthopReq {
            h_op: SandeshOp::ADD,
            nhr_id: 8,
            nhr_type: 2,
            nhr_family: 2,
            nhr_flags: 1,
            nhr_encap_oif_id: vec![3],
            nhr_encap: vec![0; 14],
            ..Default::default()
        }
        .into(),
        VrMplsReq { h_op: SandeshOp::ADD, mr_label: 16, mr_nhid: 8, ..Default::default() }.into(),
        // No answer at all for this one.
        VrMirrorReq { h_op: SandeshOp::RESET, ..Default::default() }.into(),
        VrMplsReq { h_op: SandeshOp::ADD, mr_label: 17, mr_nhid: 99, ..Default::default() }.into(),
        VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: 3, vifr_flags: 1, ..Default::default() }.into(),
        VrNexthopReq { h_op: SandeshOp::DUMP, nhr_marker: -1, ..Default::default() }.into(),
        VrVrfReq { h_op: SandeshOp::GET, vrf_idx: 1, ..Default::default() }.into(),
        VrouterOps { h_op: SandeshOp::GET, ..Default::default() }.into(),
        VrDropStatsReq { h_op: SandeshOp::GET, ..Default::default() }.into(),
    ];
    let replies = send(&mut dp, &payload);
    let codes: Vec<i32> = replies.iter().filter(|b| matches!(b[0], Message::VrResponse(_))).map(|b| code(b)).collect();
    assert_eq!(codes, vec![0, 0, 0, 0, -22, 0, 2, -2, 0, 0]);
    let shape: Vec<Vec<&str>> = replies
        .iter()
        .map(|b| {
            b.iter()
                .map(|m| match m {
                    Message::VrResponse(_) => "resp",
                    Message::VrInterfaceReq(_) => "vif",
                    Message::VrDropStatsReq(_) => "drops",
                    Message::VrNexthopReq(_) => "nh",
                    Message::VrouterOps(_) => "ops",
                    _ => "other",
                })
                .collect()
        })
        .collect();
    let expected: Vec<Vec<&str>> = vec![
        vec!["resp"],
        vec!["resp"],
        vec!["resp"],
        vec!["resp"],
        vec!["resp"],
        vec!["resp", "vif", "drops"],
        vec!["resp"],
        vec!["nh", "nh"],
        vec!["resp"],
        vec!["resp", "ops"],
        vec!["resp", "drops"],
    ];
    assert_eq!(shape, expected);
}

#[test]
fn undecodable_message_ends_the_payload() {
    let mut dp = Datapath::default();
    let mut payload = Vec::new();
    Message::from(VrVrfReq { h_op: SandeshOp::ADD, vrf_idx: 1, ..Default::default() }).encode(&mut payload);
    payload.extend_from_slice(b"\x00\x00\x00\x03xyz\x08");
    Message::from(VrVrfReq { h_op: SandeshOp::ADD, vrf_idx: 2, ..Default::default() }).encode(&mut payload);
    let out = dp.handle(&payload);
    assert_eq!(out.buffers().len(), 2, "the first answer, then −1, and nothing after");
    assert!(dp.vrfs.get(1).is_some() && dp.vrfs.get(2).is_none());
}
