//! The simulator's tables as named sections on Windows, read by a client through vrouter-io's
//! read-only section view: scans, lookups and a wrong size, as on Unix with files.
#![cfg(windows)]

use std::net::Ipv4Addr;

use vrouter_io::windows::section::SectionReader;
use vrouter_io::{ErrorKind, TableMapping};
use vrouter_proto::tables::{
    lookup_flow, read_flow_entry, scan_flows, shared_bytes, FlowFilter, FlowKey, FlowLayout, TableGeometry,
};
use vrouter_sim::section_tables::SectionTables;

fn name(what: &str) -> String {
    format!("Local\\vrouter-sim-test-{}-{what}", std::process::id())
}

fn key(n: u32) -> FlowKey {
    FlowKey::inet(17, Ipv4Addr::from(0x0a00_0000 | n), Ipv4Addr::new(10, 200, 0, 1), 1024 + (n % 50_000) as u16, 53, 7)
}

#[test]
fn flows_written_into_a_section_are_scanned_and_looked_up_through_a_reader() {
    for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
        let flow = TableGeometry::new(4096, None, 256).unwrap();
        let bridge = TableGeometry::new(256, None, 64).unwrap();
        let mut tables = SectionTables::create(&name(&format!("{layout:?}")), flow, bridge, layout).unwrap();
        let placed: Vec<u32> = (0..3000).map(|n| tables.flow_writer().insert(&key(n)).unwrap().index).collect();

        let reader = SectionReader::open(tables.flow_name(), tables.flow_size() as usize).unwrap();
        // SAFETY: the view stays mapped while `reader` lives; nothing makes a `&[u8]` over it.
        let bytes = unsafe { shared_bytes(reader.as_ptr(), reader.len()) };
        let mut seen = Vec::new();
        let p = scan_flows(bytes, layout, 0, u32::MAX, &FlowFilter::default(), u32::MAX, |c| seen.push(c.index()));
        assert_eq!((p.delivered, p.torn), (3000, 0), "{layout:?}");
        let mut expected = placed.clone();
        expected.sort_unstable();
        assert_eq!(seen, expected);
        for (n, &index) in placed.iter().enumerate().step_by(97) {
            assert_eq!(lookup_flow(bytes, &flow, layout, &key(n as u32)), Some(index));
            assert_eq!(read_flow_entry(bytes, layout, index).unwrap().view().key(), Some(key(n as u32)));
        }
        // A release is seen at once.
        tables.flow_writer().release(placed[0]).unwrap();
        assert_eq!(lookup_flow(bytes, &flow, layout, &key(0)), None);
    }
}

#[test]
fn a_reader_asking_for_more_than_the_section_holds_is_refused() {
    let flow = TableGeometry::new(1024, None, 256).unwrap();
    let bridge = TableGeometry::new(64, None, 64).unwrap();
    let tables = SectionTables::create(&name("short"), flow, bridge, FlowLayout::Tf2024).unwrap();
    let too_long = tables.flow_size() as usize + (1 << 20);
    let err = SectionReader::open(tables.flow_name(), too_long).err().expect("a section shorter than asked is refused");
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
    assert!(SectionReader::open(tables.bridge_name(), tables.bridge_size() as usize).is_ok());
    let taken = SectionTables::create(&name("short"), flow, bridge, FlowLayout::Tf2024).err().expect("a name in use is refused");
    assert_eq!(taken.kind(), std::io::ErrorKind::AlreadyExists);
}
