//! QoS maps and forwarding classes: merges, quirks of the GET answer, errors, paging.

mod common;

use common::{code_of, dump_pages, send};
use vrouter_proto::messages::{Message, SandeshOp, VrFcMapReq, VrQosMapReq};
use vrouter_sim::Datapath;

fn qos(op: SandeshOp, id: u16) -> VrQosMapReq {
    VrQosMapReq { h_op: op, qmr_id: id, ..Default::default() }
}

fn fc(op: SandeshOp, ids: &[i16]) -> VrFcMapReq {
    VrFcMapReq {
        h_op: op,
        fmr_id: ids.to_vec(),
        fmr_dscp: ids.iter().map(|&i| (i as u8).wrapping_add(10)).collect(),
        fmr_mpls_qos: ids.iter().map(|&i| i as u8).collect(),
        fmr_dotonep: ids.iter().map(|&i| (i as u8).wrapping_add(8)).collect(),
        fmr_queue_id: ids.iter().map(|&i| (i as u8).wrapping_add(1)).collect(),
        ..Default::default()
    }
}

fn get_qos(dp: &mut Datapath, id: u16) -> VrQosMapReq {
    match &send(dp, &[qos(SandeshOp::GET, id).into()])[0][1] {
        Message::VrQosMapReq(q) => q.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn qos_maps() {
    let mut dp = Datapath::default();
    let map = VrQosMapReq {
        qmr_dscp: vec![1, 63, 64],
        qmr_dscp_fc_id: vec![5, 6, 7],
        qmr_mpls_qos: vec![1, 2],
        qmr_mpls_qos_fc_id: vec![8, 9],
        ..qos(SandeshOp::ADD, 3)
    };
    assert_eq!(code_of(&mut dp, map), 0);
    let q = get_qos(&mut dp, 3);
    assert_eq!((q.qmr_dscp.len(), q.qmr_mpls_qos.len(), q.qmr_dotonep.len()), (64, 8, 8), "full-size lists");
    assert_eq!((q.qmr_dscp[1], q.qmr_dscp_fc_id[1], q.qmr_dscp_fc_id[63]), (1, 5, 6), "value 64 skipped");
    // MPLS entries show only where the DSCP entry of the same position is set (vRouter's check).
    assert_eq!((q.qmr_mpls_qos[1], q.qmr_mpls_qos_fc_id[1]), (1, 8));
    assert_eq!((q.qmr_mpls_qos[2], q.qmr_mpls_qos_fc_id[2]), (0, 0), "set, but DSCP 2 is not");
    // ADD merges.
    assert_eq!(
        code_of(&mut dp, VrQosMapReq { qmr_dscp: vec![2], qmr_dscp_fc_id: vec![4], ..qos(SandeshOp::ADD, 3) }),
        0
    );
    let q = get_qos(&mut dp, 3);
    assert_eq!((q.qmr_dscp_fc_id[1], q.qmr_dscp_fc_id[2], q.qmr_mpls_qos_fc_id[2]), (5, 4, 9));
    assert_eq!(code_of(&mut dp, VrQosMapReq { qmr_dscp: vec![1], ..qos(SandeshOp::ADD, 3) }), -22, "unpaired lists");
    assert_eq!(code_of(&mut dp, qos(SandeshOp::ADD, 4096)), -22);
    assert_eq!(code_of(&mut dp, qos(SandeshOp::GET, 4096)), -22);
    assert_eq!(code_of(&mut dp, qos(SandeshOp::DEL, 3)), 0);
    assert_eq!(code_of(&mut dp, qos(SandeshOp::GET, 3)), -2);
    assert_eq!(code_of(&mut dp, qos(SandeshOp::DEL, 3)), 0, "deleting an absent map succeeds");
    assert_eq!(code_of(&mut dp, qos(SandeshOp::RESET, 3)), -22, "other ops: EINVAL");
}

#[test]
fn qos_map_dump_pages() {
    let mut dp = Datapath::default();
    for id in 0..100 {
        assert_eq!(code_of(&mut dp, qos(SandeshOp::ADD, id * 5)), 0);
    }
    let dump = |m: i32| VrQosMapReq { h_op: SandeshOp::DUMP, qmr_marker: m as i16, ..Default::default() }.into();
    let id_of = |m: &Message| match m {
        Message::VrQosMapReq(q) => Some(q.qmr_id as i32),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, id_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(id_of).collect();
    assert_eq!(seen, (0..100).map(|i| i * 5).collect::<Vec<_>>());
    assert!(pages.len() >= 4, "≈240-byte maps: {} pages", pages.len());
}

#[test]
fn forwarding_classes() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, fc(SandeshOp::ADD, &[1, 2])), 0);
    let reply = send(&mut dp, &[fc(SandeshOp::GET, &[2]).into()]);
    let Message::VrFcMapReq(f) = &reply[0][1] else { panic!() };
    assert_eq!((f.fmr_id.clone(), f.fmr_dscp.clone(), f.fmr_mpls_qos.clone()), (vec![2], vec![12], vec![2]));
    assert_eq!((f.fmr_dotonep.clone(), f.fmr_queue_id.clone()), (vec![2], vec![3]), "802.1p kept in 3 bits");
    assert_eq!(
        code_of(&mut dp, VrFcMapReq { fmr_queue_id: vec![], ..fc(SandeshOp::ADD, &[3]) }),
        -22,
        "a list missing"
    );
    // An id out of range stops the ADD; those before it are set.
    assert_eq!(code_of(&mut dp, fc(SandeshOp::ADD, &[5, 256, 6])), -22);
    assert!(
        matches!(&send(&mut dp, &[fc(SandeshOp::GET, &[5]).into()])[0][1], Message::VrFcMapReq(f) if f.fmr_id == [5])
    );
    assert_eq!(code_of(&mut dp, fc(SandeshOp::GET, &[6])), -2);
    assert_eq!(code_of(&mut dp, fc(SandeshOp::GET, &[])), -22);
    assert_eq!(code_of(&mut dp, fc(SandeshOp::GET, &[-1])), -22);
    assert_eq!(code_of(&mut dp, fc(SandeshOp::DEL, &[9])), 0, "DEL clears, set or not");
    assert_eq!(code_of(&mut dp, fc(SandeshOp::DEL, &[1])), 0);
    assert_eq!(code_of(&mut dp, fc(SandeshOp::GET, &[1])), -2);
    assert_eq!(code_of(&mut dp, fc(SandeshOp::RESET, &[1])), -22);
}

#[test]
fn forwarding_class_dump_pages() {
    let mut dp = Datapath::default();
    let ids: Vec<i16> = (0..256).collect();
    assert_eq!(code_of(&mut dp, fc(SandeshOp::ADD, &ids)), 0);
    let dump = |m: i32| VrFcMapReq { h_op: SandeshOp::DUMP, fmr_marker: m as i16, ..Default::default() }.into();
    let id_of = |m: &Message| match m {
        Message::VrFcMapReq(f) => f.fmr_id.first().map(|&i| i as i32),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, id_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(id_of).collect();
    assert_eq!(seen, (0..256).collect::<Vec<_>>());
    assert!(pages.len() >= 4, "{} pages", pages.len());
}
