//! The traffic source: thousands of flows through the datapath, into the table file and as
//! FLOW_MISS traps on pkt0.
#![cfg(unix)]

mod common;

use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{TempDir, code_of};
use vrouter_io::ReadOnlyTable;
use vrouter_proto::agent_header::parse_pkt0_frame;
use vrouter_proto::messages::{AgentCmd, SandeshOp, VifType, VrInterfaceReq};
use vrouter_proto::tables::{lookup_flow, FlowEntryRef, FlowKey, FlowLayout, TableGeometry};
use vrouter_sim::pkt0::{Pkt0Endpoint, TrapBatch, TrapSink, AGENT_PKT0, DPDK_PKT0};
use vrouter_sim::tables::SimTables;
use vrouter_sim::traffic::{nth_tuple, run, TrafficError, TrafficRun, TrafficSpec};
use vrouter_sim::{Datapath, DropReason};


const VIFS: [u32; 2] = [3, 4];

/// A datapath with tables of `flow_entries`, an AGENT vif and two policy-enabled VM vifs
/// (nexthops 13 and 14), with the hold limit given.
fn datapath(dir: &TempDir, flow_entries: u32, hold_limit: i32) -> Datapath {
    let mut dp = Datapath::default();
    let flow = TableGeometry::new(flow_entries, None, 256).unwrap();
    let bridge = TableGeometry::new(512, None, 64).unwrap();
    dp.attach_tables(SimTables::create(&dir.0, flow, bridge, FlowLayout::default()).unwrap());
    dp.knobs.flow_hold_limit = hold_limit;
    let agent = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 1,
        vifr_type: VifType::AGENT.0,
        vifr_transport: 3,
        vifr_name: "pkt0".into(),
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, agent), 0);
    for idx in VIFS {
        let vif = VrInterfaceReq {
            h_op: SandeshOp::ADD,
            vifr_idx: idx as i32,
            vifr_type: VifType::VIRTUAL.0,
            vifr_name: format!("tap{idx}"),
            vifr_os_idx: 100 + idx as i32,
            vifr_vrf: 1,
            vifr_nh_id: 10 + idx as i32,
            vifr_flags: 0x1,
            ..Default::default()
        };
        assert_eq!(code_of(&mut dp, vif), 0);
    }
    dp
}

/// The key of flow `n` of a run over [`VIFS`]: flows go round-robin over the vifs, each vif's
/// VM (10.0.<idx>.2, no vifr_ip given) numbering its own.
fn key_of(n: u32) -> FlowKey {
    let vif = VIFS[(n % 2) as usize];
    let t = nth_tuple(Ipv4Addr::new(10, 0, vif as u8, 2), n / 2);
    FlowKey::inet(t.proto, t.sip, t.dip, t.sport, t.dport, 10 + vif)
}

/// Counts trap frames instead of sending them.
#[derive(Default)]
struct Counter(AtomicU64);

impl TrapSink for Counter {
    fn send_traps(&self, batch: &TrapBatch) -> usize {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch.len()
    }
}

#[test]
fn twenty_thousand_flows_land_in_the_table_file_and_trap_to_the_agent() {
    let dir = TempDir::new();
    let dp = Arc::new(Mutex::new(datapath(&dir, 65536, 0)));
    let endpoint = Pkt0Endpoint::bind(&dir.0, dp.clone()).unwrap();
    // The agent: bound and connected back, reading every trap on its own thread.
    let agent = UnixDatagram::bind(dir.0.join(AGENT_PKT0)).unwrap();
    agent.connect(dir.0.join(DPDK_PKT0)).unwrap();
    agent.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let reader = std::thread::spawn(move || {
        let (mut misses, mut buf) = (0u64, vec![0u8; 9060]);
        while let Ok(n) = agent.recv(&mut buf) {
            let f = parse_pkt0_frame(&buf[..n]).unwrap();
            assert_eq!(f.header.command(), AgentCmd::TRAP_FLOW_MISS);
            misses += 1;
        }
        misses
    });

    let spec = TrafficSpec { flows: 20_000, packets_per_flow: 1, ..Default::default() };
    let report = run(&dp, &endpoint, &spec, &AtomicBool::new(false)).unwrap();
    assert_eq!((report.packets, report.trapped, report.dropped), (20_000, 20_000, 0));
    assert_eq!(report.traps_sent + report.traps_dropped, 20_000);
    let received = reader.join().unwrap();
    assert_eq!(received, report.traps_sent, "every trap sent arrived");
    assert_eq!(endpoint.stats().traps_sent, report.traps_sent);

    // The agent's view of the table: every flow there, ACTIVE, in HOLD, gen id 1.
    let path = dir.0.join("flow.shmem");
    let geometry = TableGeometry::new(65536, None, 256).unwrap();
    let table = ReadOnlyTable::open(&path, Some(geometry.byte_len() as usize)).unwrap();
    let active = (0..geometry.total_entries())
        .filter(|&i| FlowEntryRef::new(&table, FlowLayout::default(), i).unwrap().is_active())
        .count();
    assert_eq!(active, 20_000);
    for n in 0..20_000 {
        let i = lookup_flow(&table, &geometry, FlowLayout::default(), &key_of(n)).expect("flow in the file");
        let e = FlowEntryRef::new(&table, FlowLayout::default(), i).unwrap();
        assert_eq!((e.action(), e.gen_id(), e.packets_count()), (1, 1, 1));
    }
    let dp = dp.lock().unwrap();
    assert_eq!((dp.flows.allocated, dp.flows.used_entries()), (20_000, 20_000));
    assert_eq!(dp.interfaces.get(3).unwrap().counters.ipackets, 10_000);
}

#[test]
fn later_rounds_queue_two_packets_per_held_flow_and_drop_the_rest() {
    let dir = TempDir::new();
    let dp = Mutex::new(datapath(&dir, 1024, 0));
    let sink = Counter::default();
    let spec = TrafficSpec { flows: 10, packets_per_flow: 5, batch: 7, ..Default::default() };
    let r = run(&dp, &sink, &spec, &AtomicBool::new(false)).unwrap();
    assert_eq!((r.packets, r.trapped, r.held, r.dropped), (50, 10, 20, 20));
    assert_eq!(sink.0.load(Ordering::Relaxed), 10);
    let dp = dp.lock().unwrap();
    assert_eq!(dp.drop_stats.get(DropReason::FlowQueueLimitExceeded), 20);
}

#[test]
fn the_hold_limit_refuses_new_flows_while_the_agent_lags() {
    let dir = TempDir::new();
    let dp = Mutex::new(datapath(&dir, 1024, 100));
    let spec = TrafficSpec { flows: 300, ..Default::default() };
    let r = run(&dp, &Counter::default(), &spec, &AtomicBool::new(false)).unwrap();
    // Refused once more than 100 flows wait: the 102nd and later.
    assert_eq!((r.trapped, r.dropped), (101, 199));
    assert_eq!(dp.lock().unwrap().drop_stats.get(DropReason::FlowUnusable), 199);
}

#[test]
fn one_vif_only_and_errors() {
    let dir = TempDir::new();
    let dp = Mutex::new(datapath(&dir, 1024, 0));
    let spec = TrafficSpec { flows: 10, vif: Some(4), ..Default::default() };
    let r = run(&dp, &Counter::default(), &spec, &AtomicBool::new(false)).unwrap();
    assert_eq!(r.trapped, 10);
    assert_eq!(dp.lock().unwrap().interfaces.get(4).unwrap().counters.ipackets, 10);
    let bad = TrafficSpec { vif: Some(9), ..spec };
    assert_eq!(run(&dp, &Counter::default(), &bad, &AtomicBool::new(false)), Err(TrafficError::NoSuchVif(9)));
    let empty = Mutex::new(Datapath::default());
    assert_eq!(run(&empty, &Counter::default(), &TrafficSpec::default(), &AtomicBool::new(false)), Err(TrafficError::NoPolicyVifs));
}

#[test]
fn a_paced_run_can_be_stopped() {
    let dir = TempDir::new();
    let dp = Arc::new(Mutex::new(datapath(&dir, 1024, 0)));
    let spec = TrafficSpec { flows: 1000, packets_per_flow: 1000, rate: Some(2000.0), batch: 16, ..Default::default() };
    let run = TrafficRun::spawn(dp, Arc::new(Counter::default()), spec).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    run.stop();
    let r = run.join().unwrap();
    assert!(r.stopped);
    assert!(r.packets < 2000, "paced: about 200 packets in 100 ms, got {}", r.packets);
}

/// Generation rates, in a release build: `cargo test --release -p vrouter-sim --test traffic
/// -- --ignored --nocapture`. First into a sink that only counts (the datapath's own rate).
#[test]
#[ignore]
fn trap_generation_rate_datapath() {
    let dir = TempDir::new();
    let dp = Arc::new(Mutex::new(datapath(&dir, 524_288, 0)));
    let spec = TrafficSpec { flows: 500_000, ..Default::default() };
    let r = run(&dp, &Counter::default(), &spec, &AtomicBool::new(false)).unwrap();
    println!("datapath: {} FLOW_MISS traps in {:?}: {:.2} M/s", r.trapped, r.elapsed, r.traps_per_second() / 1e6);
}

/// Then through the pkt0 socket to an agent reading on another thread.
#[test]
#[ignore]
fn trap_generation_rate_socket() {
    let dir = TempDir::new();
    let dp = Arc::new(Mutex::new(datapath(&dir, 524_288, 0)));
    let endpoint = Pkt0Endpoint::bind(&dir.0, dp.clone()).unwrap();
    let agent = UnixDatagram::bind(dir.0.join(AGENT_PKT0)).unwrap();
    agent.connect(dir.0.join(DPDK_PKT0)).unwrap();
    agent.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let reader = std::thread::spawn(move || {
        let (mut n, mut buf) = (0u64, vec![0u8; 9060]);
        while agent.recv(&mut buf).is_ok() {
            n += 1;
        }
        n
    });
    let spec = TrafficSpec { flows: 500_000, ..Default::default() };
    let r = run(&dp, &endpoint, &spec, &AtomicBool::new(false)).unwrap();
    let got = reader.join().unwrap();
    println!(
        "socket: {} traps in {:?}: {:.2} M/s generated; {} sent ({:.2} M/s), {} dropped, {} received",
        r.trapped,
        r.elapsed,
        r.traps_per_second() / 1e6,
        r.traps_sent,
        r.traps_sent as f64 / r.elapsed.as_secs_f64() / 1e6,
        r.traps_dropped,
        got
    );
}
