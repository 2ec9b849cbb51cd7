//! Statistics and information messages: drop statistics, memory statistics, per-VRF
//! statistics, the drop log, vr_info and the hugepage configuration.

mod common;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{
    Message, SandeshOp, VrDropStatsReq, VrHugepageConfig, VrInfoReq, VrInterfaceReq, VrMemStatsReq, VrPktDropLogReq,
    VrVrfStatsReq,
};
use vrouter_sim::{Datapath, DropLogEntry, DropReason};

fn drop_stats(dp: &mut Datapath, req: VrDropStatsReq) -> VrDropStatsReq {
    let reply = send(dp, &[req.into()]);
    assert_eq!((reply.len(), code(&reply[0])), (1, 0));
    match &reply[0][1] {
        Message::VrDropStatsReq(d) => d.clone(),
        other => panic!("{other:?}"),
    }
}

fn drops(op: SandeshOp, core: i16) -> VrDropStatsReq {
    VrDropStatsReq { h_op: op, vds_core: core, ..Default::default() }
}

#[test]
fn drop_statistics() {
    let mut dp = Datapath::default();
    let vif = VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 2, vifr_type: 3, ..Default::default() };
    assert_eq!(code_of(&mut dp, vif), 0);
    dp.count_drop(None, DropReason::Pull);
    dp.count_drop(Some(2), DropReason::Pull);
    dp.count_drop(Some(2), DropReason::TtlExceeded);
    let all = drop_stats(&mut dp, drops(SandeshOp::GET, 0));
    assert_eq!((all.vds_pull, all.vds_ttl_exceeded, all.vds_discard), (2, 1, 0));
    assert_eq!(drop_stats(&mut dp, drops(SandeshOp::GET, 1)).vds_pull, 2, "core 0 is every core here");
    assert_eq!(drop_stats(&mut dp, drops(SandeshOp::GET, 2)).vds_pull, 0, "no core 1");
    assert_eq!(drop_stats(&mut dp, drops(SandeshOp::GET, -1)).vds_pull, 0, "offloaded drops only: none");
    let reset = drop_stats(&mut dp, drops(SandeshOp::RESET, 0));
    assert_eq!(reset.h_op, SandeshOp::RESET);
    assert_eq!(drop_stats(&mut dp, drops(SandeshOp::GET, 0)).vds_pull, 0);
    let v = send(&mut dp, &[VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: 2, ..Default::default() }.into()]);
    assert!(matches!(&v[0][1], Message::VrInterfaceReq(v) if v.vifr_dpackets == 2), "per-vif drops stay");
    // Another op: refused, then answered as a GET anyway.
    let twice = send(&mut dp, &[drops(SandeshOp::DEL, 0).into()]);
    assert_eq!(twice.len(), 2);
    assert_eq!((code(&twice[0]), twice[0].len(), code(&twice[1]), twice[1].len()), (-95, 1, 0, 2));
}

#[test]
fn memory_statistics() {
    let mut dp = Datapath::default();
    let reply = send(&mut dp, &[VrMemStatsReq { h_op: SandeshOp::GET, ..Default::default() }.into()]);
    let Message::VrMemStatsReq(m) = &reply[0][1] else { panic!() };
    assert_eq!((m.vms_nexthop_object, m.vms_interface_object), (1, 0), "the discard nexthop");
    assert_eq!(m.vms_alloced - m.vms_freed, 1);
    let twice = send(&mut dp, &[VrMemStatsReq { h_op: SandeshOp::ADD, ..Default::default() }.into()]);
    assert_eq!((twice.len(), code(&twice[0]), code(&twice[1])), (2, -95, 0));
}

fn vrf_stats(op: SandeshOp, family: i16, vrf: i32, marker: i16) -> VrVrfStatsReq {
    VrVrfStatsReq { h_op: op, vsr_family: family, vsr_vrf: vrf, vsr_marker: marker, vsr_type: 1, ..Default::default() }
}

#[test]
fn vrf_statistics() {
    let mut dp = Datapath::default();
    dp.vrf_stats.counters_mut(5, 4096).receives = 3;
    let reply = send(&mut dp, &[vrf_stats(SandeshOp::GET, 2, 5, 0).into()]);
    let Message::VrVrfStatsReq(s) = &reply[0][1] else { panic!() };
    assert_eq!((s.vsr_vrf, s.vsr_receives, s.vsr_family, s.vsr_type), (5, 3, 2, 1));
    let zero = send(&mut dp, &[vrf_stats(SandeshOp::GET, 2, 6, 0).into()]);
    assert!(matches!(&zero[0][1], Message::VrVrfStatsReq(s) if s.vsr_receives == 0), "any VRF in range answers");
    assert_eq!(code_of(&mut dp, vrf_stats(SandeshOp::GET, 10, 5, 0)), -22, "AF_INET only");
    assert_eq!(code_of(&mut dp, vrf_stats(SandeshOp::GET, 2, 4096, 0)), -22);
    assert!(send(&mut dp, &[vrf_stats(SandeshOp::ADD, 2, 5, 0).into()]).is_empty(), "no answer");
}

#[test]
fn vrf_statistics_dump() {
    let mut dp = Datapath::default();
    for vrf in 0..60u32 {
        dp.vrf_stats.counters_mut(vrf * 3, 4096).encaps = vrf as u64 + 1;
    }
    dp.vrf_stats.counters_mut(70_000, 4096).discards = 9;
    let dump = |m: i32| vrf_stats(SandeshOp::DUMP, 2, 0, m as i16).into();
    let vrf_of = |m: &Message| match m {
        Message::VrVrfStatsReq(s) => Some(s.vsr_vrf),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, vrf_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(vrf_of).filter(|&v| v >= 0).collect();
    assert_eq!(seen, (0..60).map(|v| v * 3).collect::<Vec<_>>(), "VRFs with counters, zero ones skipped");
    assert!(pages.len() >= 5, "352-byte objects: 11 per page; {} pages", pages.len());
    // The out-of-range bucket (VRF −1) closes the last page.
    assert!(
        matches!(pages.last().and_then(|p| p.last()), Some(Message::VrVrfStatsReq(s)) if s.vsr_vrf == -1 && s.vsr_discards == 9)
    );
}

#[test]
fn drop_log() {
    let mut dp = Datapath::default();
    let get = |idx: i16| VrPktDropLogReq { h_op: SandeshOp::GET, vdl_core: 0, vdl_log_idx: idx, ..Default::default() };
    let fetch = |dp: &mut Datapath, req: VrPktDropLogReq| match &send(dp, &[req.into()])[0][1] {
        Message::VrPktDropLogReq(l) => l.clone(),
        other => panic!("{other:?}"),
    };
    let l = fetch(&mut dp, get(0));
    assert_eq!(l.vdl_pkt_droplog_arr.len(), 20 * 168, "20 records of 168 bytes");
    assert_eq!((l.vdl_pkt_droplog_max_bufsz, l.vdl_max_num_cores, l.vdl_pkt_droplog_type), (200, 1, 55));
    assert_eq!(fetch(&mut dp, get(190)).vdl_pkt_droplog_arr.len(), 10 * 168, "the rest of the ring");
    dp.drop_log.record(&DropLogEntry {
        drop_reason: DropReason::Pull as u16,
        line: 77,
        vif_idx: 5,
        ..Default::default()
    });
    let rec = fetch(&mut dp, get(0)).vdl_pkt_droplog_arr;
    assert_eq!((u16::from_le_bytes([rec[10], rec[11]]), rec[60]), (DropReason::Pull as u16, 77));
    assert_eq!(rec[12], 0, "minimal logging leaves the vif out");
    // ADD configures the logged type (or the minimal switch) and echoes it.
    let config = VrPktDropLogReq {
        h_op: SandeshOp::ADD,
        vdl_pkt_droplog_config: 1,
        vdl_pkt_droplog_type: 2,
        ..Default::default()
    };
    let echoed = fetch(&mut dp, config);
    assert_eq!((echoed.h_op, echoed.vdl_pkt_droplog_type), (SandeshOp::ADD, 2));
    assert_eq!(fetch(&mut dp, get(0)).vdl_pkt_droplog_type, 2);
    let reset = fetch(&mut dp, VrPktDropLogReq { h_op: SandeshOp::RESET, ..Default::default() });
    assert_eq!(reset.h_op, SandeshOp::RESET);
    assert!(fetch(&mut dp, get(0)).vdl_pkt_droplog_arr.iter().all(|&b| b == 0));
    // Another op: a bare success, then a GET answer.
    let twice = send(&mut dp, &[VrPktDropLogReq { h_op: SandeshOp::DEL, ..Default::default() }.into()]);
    assert_eq!((twice.len(), code(&twice[0]), twice[0].len(), twice[1].len()), (2, 0, 1, 2));
}

#[test]
fn info_version() {
    let mut dp = Datapath::default();
    let reply = send(&mut dp, &[VrInfoReq { h_op: SandeshOp::DUMP, vdu_msginfo: 1, ..Default::default() }.into()]);
    assert_eq!(code(&reply[0]), 1);
    let Message::VrInfoReq(i) = &reply[1][0] else { panic!() };
    let text = String::from_utf8_lossy(&i.vdu_proc_info);
    assert!(text.starts_with("Kernel version: {\"build-info\"") && text.ends_with("\n\0"), "{text:?}");
    assert_eq!(i.vdu_buff_table_id, 1);
    for other in [0, 2, 15, 16] {
        let none =
            send(&mut dp, &[VrInfoReq { h_op: SandeshOp::DUMP, vdu_msginfo: other, ..Default::default() }.into()]);
        assert_eq!((none.len(), code(&none[0])), (1, 0));
    }
    assert_eq!(code_of(&mut dp, VrInfoReq { h_op: SandeshOp::GET, vdu_msginfo: 1, ..Default::default() }), 0);
}

#[test]
fn hugepage_config() {
    let mut dp = Datapath::default();
    let add = VrHugepageConfig {
        vhp_op: SandeshOp::ADD,
        vhp_mem: vec![0x7f00_0000_0000],
        vhp_psize: vec![2 << 20],
        ..Default::default()
    };
    let reply = send(&mut dp, &[add.into()]);
    assert_eq!((reply.len(), code(&reply[0])), (1, 0));
    assert!(matches!(&reply[0][1], Message::VrHugepageConfig(h) if h.vhp_resp == 0 && h.vhp_op == SandeshOp::ADD));
    assert_eq!(code_of(&mut dp, VrHugepageConfig { vhp_op: SandeshOp::GET, ..Default::default() }), -95);
}
