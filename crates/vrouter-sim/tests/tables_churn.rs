//! The live-writer test, native side: the simulator's churn writer rewrites the flow table at full
//! rate while another thread scans the file through a read-only mapping; every entry the scan
//! returns must be whole (its check value matches its own key and gen id).
#![cfg(unix)]

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TempDir;
use vrouter_io::{ReadOnlyTable, TableKind};
use vrouter_proto::tables::{scan_flows, FlowFilter, FlowLayout, TableGeometry};
use vrouter_sim::churn::{self, check_value_of, ChurnSpec, CHURN_NH, SRC_INFO_MASK};
use vrouter_sim::tables::SimTables;
use vrouter_sim::{Datapath, Limits};

fn churn_while_scanning(layout: FlowLayout) {
    let dir = TempDir::new();
    // Small, so that the reader keeps meeting the entries being rewritten (400 keys in 256 main
    // slots: buckets overflow, chains form and break).
    let flow = TableGeometry::new(256, None, 256).unwrap();
    let bridge = TableGeometry::new(64, None, 64).unwrap();
    let tables = SimTables::create(&dir.0, flow, bridge, layout).unwrap();
    let (path, size) = (tables.flow_path().to_owned(), tables.flow_size() as usize);
    let mut dp = Datapath::new(Limits::default());
    dp.attach_tables(tables);
    let dp = Arc::new(Mutex::new(dp));

    let writer = {
        let dp = dp.clone();
        std::thread::spawn(move || {
            let spec = ChurnSpec { flows: 400, duration: Duration::from_millis(1500), batch: 64 };
            churn::run(&dp, &spec, &AtomicBool::new(false)).unwrap()
        })
    };

    let table = ReadOnlyTable::open_as(&path, TableKind::Flow, Some(size)).unwrap();
    let (mut scans, mut returned, mut torn) = (0u64, 0u64, 0u64);
    while !writer.is_finished() || scans == 0 {
        let p = scan_flows(&table, layout, 0, u32::MAX, &FlowFilter::default(), u32::MAX, |copy| {
            let v = copy.view();
            let key = v.key().expect("a returned entry has a key");
            assert_eq!(key.nh_id(), CHURN_NH, "only churned flows are in this table");
            let check = check_value_of(&key, v.gen_id());
            assert_eq!(v.tcp_seq(), check, "entry {} torn: fe_tcp_seq", copy.index());
            assert_eq!(v.src_info(), check ^ SRC_INFO_MASK, "entry {} torn: fe_src_info", copy.index());
            assert_eq!(v.udp_src_port(), check as u16, "entry {} torn: fe_udp_src_port", copy.index());
            returned += 1;
        });
        scans += 1;
        torn += u64::from(p.torn);
    }
    let report = writer.join().unwrap();
    assert!(report.inserted > 10_000, "the writer ran: {report:?}");
    assert!(returned > 0, "the scans returned entries");
    eprintln!("{layout:?}: writer {report:?}; {scans} scans returned {returned} entries, skipped {torn} torn");
}

#[test]
fn every_entry_a_scan_returns_is_whole_while_the_writer_churns_2024() {
    churn_while_scanning(FlowLayout::Tf2024);
}

#[test]
fn every_entry_a_scan_returns_is_whole_while_the_writer_churns_2019() {
    churn_while_scanning(FlowLayout::Juniper2019);
}
