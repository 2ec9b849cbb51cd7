//! The simulator's table files as an agent sees them: mapped read-only through vrouter-io, read
//! with vrouter-proto's readers, while the simulator writes.
#![cfg(unix)]

mod common;

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Instant;

use vrouter_io::{ReadOnlyTable, TableKind, TableMapping};
use vrouter_proto::tables::{
    lookup_bridge, lookup_flow, read_flow_entry, BridgeKey, FlowEntryRef, FlowKey, FlowLayout,
    TableBytes, TableGeometry, INVALID_INDEX,
};
use vrouter_sim::tables::{SimTables, BRIDGE_FILE, FLOW_FILE};
use common::TempDir;


fn small_tables(dir: &Path, layout: FlowLayout) -> SimTables {
    let flow = TableGeometry::new(1024, None, 256).unwrap();
    let bridge = TableGeometry::new(512, None, 64).unwrap();
    SimTables::create(dir, flow, bridge, layout).unwrap()
}

fn key(n: u16) -> FlowKey {
    FlowKey::inet(
        6,
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(10, 0, 0, 2),
        1000 + n,
        80,
        7,
    )
}

#[test]
fn files_have_the_geometry_sizes_and_names() {
    let dir = TempDir::new();
    let tables = small_tables(&dir.0, FlowLayout::default());
    assert_eq!(tables.flow_path(), dir.0.join(FLOW_FILE));
    assert_eq!(tables.bridge_path(), dir.0.join(BRIDGE_FILE));
    assert_eq!(tables.flow_size(), (1024 + 1024) * 256);
    assert_eq!(tables.bridge_size(), tables.bridge_geometry().byte_len());
    assert_eq!(
        std::fs::metadata(tables.flow_path()).unwrap().len(),
        tables.flow_size()
    );
    assert_eq!(
        std::fs::metadata(tables.bridge_path()).unwrap().len(),
        tables.bridge_size()
    );
    assert_eq!(tables.flow_geometry().main_entries(), 1024);
}

#[test]
fn files_are_initialised_as_vrouter_does() {
    let dir = TempDir::new();
    let tables = small_tables(&dir.0, FlowLayout::default());
    // Read the file as a file, independently of the mapping: every entry carries its own index
    // and no chain (flow -l rejects an all-zero file).
    let bytes = std::fs::read(tables.flow_path()).unwrap();
    let g = *tables.flow_geometry();
    for index in [
        0,
        1,
        g.main_entries() - 1,
        g.main_entries(),
        g.total_entries() - 1,
    ] {
        let entry = FlowEntryRef::new(&bytes[..], FlowLayout::default(), index).unwrap();
        let h = entry.hentry();
        assert_eq!(
            (h.index, h.next_index, h.bucket_index),
            (index, INVALID_INDEX, INVALID_INDEX)
        );
        assert_eq!(
            g.is_overflow(index),
            h.flags != 0,
            "overflow entries start on the free list"
        );
    }
}

#[test]
fn a_reader_sees_live_flow_writes() {
    let dir = TempDir::new();
    let mut tables = small_tables(&dir.0, FlowLayout::default());
    let g = *tables.flow_geometry();
    let reader = ReadOnlyTable::open_as(
        tables.flow_path(),
        TableKind::Flow,
        Some(tables.flow_size() as usize),
    )
    .unwrap();
    assert_eq!(reader.len() as u64, tables.flow_size());
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key(1)),
        None
    );

    let slot = tables.flow_writer().insert(&key(1)).unwrap();
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key(1)),
        Some(slot.index)
    );
    // The table itself is a TableBytes too.
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key(1)),
        Some(slot.index)
    );

    tables.flow_writer().add_stats(slot.index, 1500, 1).unwrap();
    let copy = read_flow_entry(&reader, FlowLayout::default(), slot.index).unwrap();
    assert_eq!(copy.view().stats().bytes, 1500);
    assert_eq!(copy.view().gen_id(), slot.gen_id);

    tables.flow_writer().release(slot.index).unwrap();
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key(1)),
        None
    );
}

#[test]
fn a_reader_sees_overflow_chains() {
    let dir = TempDir::new();
    let mut tables = small_tables(&dir.0, FlowLayout::Juniper2019);
    let g = *tables.flow_geometry();
    let reader = ReadOnlyTable::open(tables.flow_path(), None).unwrap();
    // Enough keys that some buckets overflow (1024 main slots, 1500 keys).
    let slots: Vec<_> = (0..1500)
        .map(|n| tables.flow_writer().insert(&key(n)).unwrap())
        .collect();
    assert!(
        slots.iter().any(|s| g.is_overflow(s.index)),
        "expected overflow entries"
    );
    for (n, slot) in slots.iter().enumerate() {
        assert_eq!(
            lookup_flow(&reader, &g, FlowLayout::Juniper2019, &key(n as u16)),
            Some(slot.index)
        );
    }
}

#[test]
fn a_reader_sees_live_bridge_writes() {
    let dir = TempDir::new();
    let mut tables = small_tables(&dir.0, FlowLayout::default());
    let g = *tables.bridge_geometry();
    let reader = ReadOnlyTable::open_as(tables.bridge_path(), TableKind::Bridge, None).unwrap();
    let mac = BridgeKey::new([0x02, 0, 0, 0, 0, 1], 3);
    let index = tables.bridge_writer().insert(&mac).unwrap();
    tables.bridge_writer().add_packets(index, 9).unwrap();
    assert_eq!(lookup_bridge(&reader, &g, &mac), Some(index));
    assert_eq!(
        reader.read_u64_le(index as usize * 64 + vrouter_proto::tables::BE_PACKETS),
        9
    );
}

#[test]
fn drop_removes_the_files_but_readers_keep_their_pages() {
    let dir = TempDir::new();
    let mut tables = small_tables(&dir.0, FlowLayout::default());
    let g = *tables.flow_geometry();
    let slot = tables.flow_writer().insert(&key(5)).unwrap();
    let reader = ReadOnlyTable::open(tables.flow_path(), None).unwrap();
    let (flow_path, bridge_path) = (
        tables.flow_path().to_owned(),
        tables.bridge_path().to_owned(),
    );
    drop(tables);
    assert!(!flow_path.exists() && !bridge_path.exists());
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key(5)),
        Some(slot.index)
    );
}

#[test]
fn creating_again_replaces_the_files_without_disturbing_old_readers() {
    let dir = TempDir::new();
    let mut first = small_tables(&dir.0, FlowLayout::default());
    let g = *first.flow_geometry();
    let slot = first.flow_writer().insert(&key(9)).unwrap();
    let old_reader = ReadOnlyTable::open(first.flow_path(), None).unwrap();
    std::mem::forget(first); // keep its files and mappings: a simulator that crashed
    let second = small_tables(&dir.0, FlowLayout::default());
    let new_reader = ReadOnlyTable::open(second.flow_path(), None).unwrap();
    assert_eq!(
        lookup_flow(&old_reader, &g, FlowLayout::default(), &key(9)),
        Some(slot.index)
    );
    assert_eq!(
        lookup_flow(&new_reader, &g, FlowLayout::default(), &key(9)),
        None
    );
}

#[test]
fn wrong_entry_sizes_are_refused_and_leave_no_files() {
    let dir = TempDir::new();
    let bridge_sized = TableGeometry::new(64, None, 64).unwrap();
    let err =
        SimTables::create(&dir.0, bridge_sized, bridge_sized, FlowLayout::default()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
    assert!(!dir.0.join(FLOW_FILE).exists() && !dir.0.join(BRIDGE_FILE).exists());
}

/// vRouter's default sizes: the files are exactly 161 218 560 and 20 185 088 bytes, and creating
/// them (sparse file, then every entry header written) is quick. The time is printed; run with
/// `--nocapture` (and `--release` for the figure that matters) to see it.
#[test]
fn default_sizes() {
    let dir = TempDir::new();
    let start = Instant::now();
    let tables = SimTables::create_default(&dir.0).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(tables.flow_size(), 161_218_560);
    assert_eq!(tables.bridge_size(), 20_185_088);
    assert_eq!(
        std::fs::metadata(tables.flow_path()).unwrap().len(),
        161_218_560
    );
    let reader =
        ReadOnlyTable::open_as(tables.flow_path(), TableKind::Flow, Some(161_218_560)).unwrap();
    let last = tables.flow_geometry().total_entries() - 1;
    let h = FlowEntryRef::new(&reader, FlowLayout::default(), last)
        .unwrap()
        .hentry();
    assert_eq!((h.index, h.next_index), (last, INVALID_INDEX));
    eprintln!(
        "default flow + bridge tables created and initialised in {elapsed:?} (dir {})",
        dir.0.display()
    );
}

#[test]
fn tables_can_move_between_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<SimTables>();
    send_and_sync::<ReadOnlyTable>();
}
