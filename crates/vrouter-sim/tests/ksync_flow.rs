//! Flow programming over ksync (`vr_flow_req` FLOW_SET) and the table queries, against a
//! datapath with table files, checked through the answers and through the file as an agent
//! maps it.
#![cfg(unix)]

mod common;

use std::net::Ipv4Addr;
use std::path::Path;

use common::{TempDir, code, code_of, send};
use vrouter_io::ReadOnlyTable;
use vrouter_proto::messages::{
    FlowAction, FlowFlag, FlowOp, Message, SandeshOp, VrBridgeTableData, VrFlowReq, VrFlowResponse, VrFlowTableData,
    VrMirrorReq, VrouterOps,
};
use vrouter_proto::tables::{lookup_flow, FlowEntryRef, FlowKey, FlowLayout, TableGeometry};
use vrouter_sim::tables::SimTables;
use vrouter_sim::Datapath;


fn datapath(dir: &Path, main: u32, overflow: Option<u32>, layout: FlowLayout) -> Datapath {
    let flow = TableGeometry::new(main, overflow, 256).unwrap();
    let bridge = TableGeometry::new(512, None, 64).unwrap();
    let mut dp = Datapath::default();
    dp.attach_tables(SimTables::create(dir, flow, bridge, layout).unwrap());
    dp
}

const ACTIVE: i16 = FlowFlag::ACTIVE.0 as i16;
const FORWARD: i16 = FlowAction::FORWARD.0 as i16;
const HOLD: i16 = FlowAction::HOLD.0 as i16;
const DROP: i16 = FlowAction::DROP.0 as i16;

/// The agent's encoding of an IPv4 address in a u64 field (§1.3).
fn ip(a: Ipv4Addr) -> u64 {
    u64::from(u32::from_ne_bytes(a.octets()))
}

/// The agent's encoding of a port (htons).
fn port(p: u16) -> u16 {
    u16::from_ne_bytes(p.to_be_bytes())
}

/// A FLOW_SET for TCP 10.1.1.5:sport → 10.1.1.6:80 under nexthop 12.
fn flow(index: i32, sport: u16) -> VrFlowReq {
    VrFlowReq {
        fr_op: FlowOp::FLOW_SET,
        fr_index: index,
        fr_flags: ACTIVE,
        fr_action: FORWARD,
        fr_family: 2,
        fr_flow_sip_l: ip(Ipv4Addr::new(10, 1, 1, 5)),
        fr_flow_dip_l: ip(Ipv4Addr::new(10, 1, 1, 6)),
        fr_flow_sport: port(sport),
        fr_flow_dport: port(80),
        fr_flow_proto: 6,
        fr_flow_nh_id: 12,
        fr_flow_vrf: 3,
        fr_src_nh_index: 12,
        fr_rindex: -1,
        fr_ecmp_nh_index: u32::MAX,
        fr_mir_id: 255,
        fr_sec_mir_id: 255,
        ..Default::default()
    }
}

fn key(sport: u16) -> FlowKey {
    FlowKey::inet(6, Ipv4Addr::new(10, 1, 1, 5), Ipv4Addr::new(10, 1, 1, 6), sport, 80, 12)
}

/// Sends one FLOW_SET; returns the code and the response object, which is always there.
fn set(dp: &mut Datapath, req: VrFlowReq) -> (i32, VrFlowResponse) {
    let reply = send(dp, &[req.into()]);
    assert_eq!(reply.len(), 1, "one buffer");
    assert_eq!(reply[0].len(), 2, "vr_response and vr_flow_response: {:?}", reply[0]);
    match &reply[0][1] {
        Message::VrFlowResponse(r) => (code(&reply[0]), r.clone()),
        other => panic!("{other:?}"),
    }
}

fn table_data(dp: &mut Datapath) -> VrFlowTableData {
    let reply = send(dp, &[VrFlowTableData { ftable_op: FlowOp::FLOW_TABLE_GET, ..Default::default() }.into()]);
    assert_eq!(code(&reply[0]), 0);
    match &reply[0][1] {
        Message::VrFlowTableData(d) => d.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_new_flow_is_placed_and_found_in_the_mapped_file() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (c, r) = set(&mut dp, flow(-1, 40000));
    assert_eq!(c, 0);
    assert_eq!((r.fresp_op, r.fresp_gen_id, r.fresp_flags), (FlowOp::FLOW_SET, 1, 0));
    assert_eq!((r.fresp_bytes, r.fresp_packets, r.fresp_stats_oflow), (0, 0, 0));

    // The agent's view: the path from the table query, mapped read-only.
    let data = table_data(&mut dp);
    let reader = ReadOnlyTable::open(&data.ftable_file_path, Some(data.ftable_size as usize)).unwrap();
    let geometry = TableGeometry::from_size(u64::from(data.ftable_size), 256).unwrap();
    assert_eq!(lookup_flow(&reader, &geometry, FlowLayout::default(), &key(40000)), Some(r.fresp_index));
    let e = FlowEntryRef::new(&reader, FlowLayout::default(), r.fresp_index).unwrap();
    assert_eq!(e.flags(), 0x0001, "ACTIVE, NEW_FLOW cleared");
    assert_eq!((e.action(), e.vrf(), e.src_nh_index(), e.rflow(), e.gen_id()), (2, 3, 12, -1, 1));
    assert_eq!(e.ecmp_nh_index(), -1, "u32::MAX as an i8");
    assert!((49152..=65535).contains(&e.udp_src_port()), "an MPLS-over-UDP source port");
}

#[test]
fn a_key_already_there_is_eexist_with_its_index_and_gen() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (_, first) = set(&mut dp, flow(-1, 1));
    let (c, r) = set(&mut dp, flow(-1, 1));
    assert_eq!(c, -17);
    assert_eq!((r.fresp_index, r.fresp_gen_id), (first.fresp_index, first.fresp_gen_id));
    assert_eq!(table_data(&mut dp).ftable_added, 1);
}

#[test]
fn updates_check_gen_id_then_key() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (_, r) = set(&mut dp, flow(-1, 7));
    let i = r.fresp_index as i32;

    let (c, bad) = set(&mut dp, VrFlowReq { fr_gen_id: 2, ..flow(i, 7) });
    assert_eq!((c, bad.fresp_index), (-9, i as u32), "EBADF, the index echoed");
    let (c, _) = set(&mut dp, VrFlowReq { fr_gen_id: 1, ..flow(i, 8) });
    assert_eq!(c, -14, "EFAULT: same gen id, another key");
    let (c, _) = set(&mut dp, VrFlowReq { fr_gen_id: 1, fr_flow_nh_id: 13, ..flow(i, 7) });
    assert_eq!(c, -14);

    let update = VrFlowReq { fr_gen_id: 1, fr_action: DROP, fr_drop_reason: 5, fr_ttl: 9, fr_qos_id: 4, ..flow(i, 7) };
    let (c, ok) = set(&mut dp, update);
    assert_eq!((c, ok.fresp_index, ok.fresp_gen_id), (0, i as u32, 1));
    let t = dp.flows.tables().unwrap();
    let e = t.flow().entry(i as u32).unwrap();
    assert_eq!((e.action(), e.drop_reason(), e.ttl(), e.qos_id()), (0, 5, 9, 4));
    let data = table_data(&mut dp);
    assert_eq!((data.ftable_changed, data.ftable_added), (1, 1), "failed checks count nothing");

    let (c, _) = set(&mut dp, VrFlowReq { fr_gen_id: 1, ..flow(i + 1, 7) });
    assert_eq!(c, -2, "no flow at that index: ENOENT");
}

#[test]
fn clearing_active_deletes_and_the_slot_keeps_its_gen_id() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (_, r) = set(&mut dp, flow(-1, 9));
    let i = r.fresp_index as i32;
    let (c, del) = set(&mut dp, VrFlowReq { fr_flags: 0, fr_gen_id: 1, ..flow(i, 9) });
    assert_eq!((c, del.fresp_flags, del.fresp_index), (0, 1, i as u32), "DELETED");
    let e = dp.flows.tables().unwrap().flow().entry(i as u32).unwrap();
    assert_eq!((e.flags(), e.key_len(), e.gen_id()), (0, 0, 1));
    let (c, _) = set(&mut dp, VrFlowReq { fr_flags: 0, fr_gen_id: 1, ..flow(i, 9) });
    assert_eq!(c, -2, "deleting again: ENOENT");

    let (c, again) = set(&mut dp, flow(-1, 9));
    assert_eq!((c, again.fresp_index, again.fresp_gen_id), (0, i as u32, 2), "same slot, next gen id");
    let data = table_data(&mut dp);
    assert_eq!((data.ftable_deleted, data.ftable_added, data.ftable_used_entries), (1, 2, 1));
}

#[test]
fn a_full_bucket_without_overflow_is_enospc() {
    let dir = TempDir::new();
    // One bucket of four, no overflow table: every key lands in it.
    let mut dp = datapath(&dir.0, 4, Some(0), FlowLayout::default());
    for n in 0..4 {
        assert_eq!(set(&mut dp, flow(-1, 100 + n)).0, 0);
    }
    let (c, r) = set(&mut dp, flow(-1, 200));
    assert_eq!((c, r.fresp_index), (-28, u32::MAX), "ENOSPC, the requested index echoed");
    let (c, _) = set(&mut dp, VrFlowReq { fr_family: 7, ..flow(-1, 300) });
    assert_eq!(c, -28, "an unknown family allocates nothing: ENOSPC too");
}

#[test]
fn other_ops_are_einval_with_a_response() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (c, r) = set(&mut dp, VrFlowReq { fr_op: FlowOp::FLOW_LIST, ..flow(-1, 1) });
    assert_eq!((c, r.fresp_op), (-22, FlowOp::FLOW_LIST));
}

#[test]
fn request_checks_vrf_translation_mirrors_and_reverse_flows() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let vrft = FlowFlag::VRFT.0 as i16;
    let mirror = FlowFlag::MIRROR.0 as i16;
    let rflow = FlowFlag::RFLOW_VALID.0 as i16;
    assert_eq!(set(&mut dp, VrFlowReq { fr_flags: ACTIVE | vrft, fr_flow_dvrf: 4096, ..flow(-1, 1) }).0, -22);
    assert_eq!(set(&mut dp, VrFlowReq { fr_flags: ACTIVE | mirror, fr_mir_id: 255, ..flow(-1, 1) }).0, -22);
    assert_eq!(set(&mut dp, VrFlowReq { fr_flags: ACTIVE | rflow, fr_rindex: 5, ..flow(-1, 1) }).0, -22);

    // Mirror 3 exists: a mirrored flow keeps it; the missing secondary stays "none".
    assert_eq!(code_of(&mut dp, VrMirrorReq { h_op: SandeshOp::ADD, mirr_index: 3, mirr_nhid: 0, ..Default::default() }), 0);
    let (c, fwd) = set(&mut dp, VrFlowReq { fr_flags: ACTIVE | mirror, fr_mir_id: 3, fr_sec_mir_id: 7, ..flow(-1, 1) });
    assert_eq!(c, 0);
    let e = dp.flows.tables().unwrap().flow().entry(fwd.fresp_index).unwrap();
    assert_eq!((e.mirror_id(), e.sec_mirror_id(), e.flags()), (3, 255, 0x2001));

    // The reverse flow named by its key: found, and recorded as the index.
    let reverse = VrFlowReq {
        fr_flags: ACTIVE | rflow,
        fr_rflow_sip_l: ip(Ipv4Addr::new(10, 1, 1, 5)),
        fr_rflow_dip_l: ip(Ipv4Addr::new(10, 1, 1, 6)),
        fr_rflow_sport: port(1),
        fr_rflow_dport: port(80),
        fr_rflow_nh_id: 12,
        ..flow(-1, 2)
    };
    let (c, r) = set(&mut dp, reverse);
    assert_eq!(c, 0);
    let e = dp.flows.tables().unwrap().flow().entry(r.fresp_index).unwrap();
    assert_eq!((e.rflow(), e.flags() & 0x1000), (fwd.fresp_index as i32, 0x1000));
}

#[test]
fn hold_from_the_agent_is_created_and_resolving_it_is_processed() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (_, r) = set(&mut dp, VrFlowReq { fr_action: HOLD, ..flow(-1, 5) });
    let data = table_data(&mut dp);
    assert_eq!((data.ftable_created, data.ftable_hold_stat.clone(), data.ftable_hold_entries), (1, vec![1], 1));
    let (c, _) = set(&mut dp, VrFlowReq { fr_gen_id: 1, ..flow(r.fresp_index as i32, 5) });
    assert_eq!(c, 0);
    let data = table_data(&mut dp);
    assert_eq!((data.ftable_processed, data.ftable_changed, data.ftable_hold_entries), (1, 0, 0));
}

#[test]
fn table_queries_answer_geometry_path_and_counters() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::Juniper2019);
    set(&mut dp, flow(-1, 1));
    let d = table_data(&mut dp);
    assert_eq!(d.ftable_op, FlowOp::FLOW_TABLE_GET);
    assert_eq!((d.ftable_size, d.ftable_dev, d.ftable_cpus), ((1024 + 1024) * 256, 0, 1));
    assert_eq!(Path::new(&d.ftable_file_path), dir.0.join("flow.shmem"));
    assert!(Path::new(&d.ftable_file_path).is_absolute());
    assert_eq!((d.ftable_used_entries, d.ftable_oflow_entries, d.ftable_added), (1, 0, 1));

    let reply = send(&mut dp, &[VrBridgeTableData { btable_op: SandeshOp::GET, ..Default::default() }.into()]);
    assert_eq!(code(&reply[0]), 0);
    let Message::VrBridgeTableData(b) = &reply[0][1] else { panic!("{reply:?}") };
    assert_eq!((b.btable_size, b.btable_dev), ((512 + 1024) * 64, 0));
    assert_eq!(Path::new(&b.btable_file_path), dir.0.join("bridge.shmem"));
    assert_eq!(code_of(&mut dp, VrBridgeTableData { btable_op: SandeshOp::DEL, ..Default::default() }), -22);

    let reply = send(&mut dp, &[VrouterOps { h_op: SandeshOp::GET, ..Default::default() }.into()]);
    let Message::VrouterOps(o) = &reply[0][1] else { panic!() };
    assert_eq!((o.vo_flow_entries, o.vo_oflow_entries, o.vo_flow_used_entries), (1024, 1024, 1));
    assert_eq!((o.vo_bridge_entries, o.vo_oflow_bridge_entries), (512, 1024));
}

#[test]
fn without_tables_flow_requests_are_not_supported() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, flow(-1, 1)), -95);
    assert_eq!(code_of(&mut dp, VrFlowTableData::default()), -95);
}

#[test]
fn soft_reset_flushes_flows_and_counters_but_not_gen_ids() {
    let dir = TempDir::new();
    let mut dp = datapath(&dir.0, 1024, None, FlowLayout::default());
    let (_, r) = set(&mut dp, flow(-1, 1));
    assert_eq!(code_of(&mut dp, VrouterOps { h_op: SandeshOp::RESET, ..Default::default() }), 0);
    let d = table_data(&mut dp);
    assert_eq!((d.ftable_used_entries, d.ftable_added), (0, 0));
    let (_, again) = set(&mut dp, flow(-1, 1));
    assert_eq!((again.fresp_index, again.fresp_gen_id), (r.fresp_index, 2));
}
