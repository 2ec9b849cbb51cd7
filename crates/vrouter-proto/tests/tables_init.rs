//! `init_table`: every header as vRouter creates it, everything else zero.

use std::sync::atomic::AtomicU8;

use vrouter_proto::tables::{
    init_table, FlowLayout, FlowTableWriter, HEntry, TableError, TableGeometry, INVALID_INDEX,
};

/// A small deterministic generator, so the sampled indexes are the same on every run.
fn sample(n: u32, total: u32) -> Vec<u32> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = vec![0, total - 1];
    for _ in 0..n {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.push(((x >> 33) % u64::from(total)) as u32);
    }
    out
}

fn check_initialised(table: &[u8], g: &TableGeometry) {
    let size = g.entry_size() as usize;
    let mut indexes = sample(2000, g.total_entries());
    // Both sides of the main/overflow border.
    indexes.extend([g.main_entries() - 1, g.main_entries()]);
    for index in indexes {
        let base = index as usize * size;
        let h = HEntry::read(table, base);
        assert_eq!(h.index, index);
        assert_eq!(h.bucket_index, INVALID_INDEX, "bucket_index of {index}");
        assert_eq!(h.next_index, INVALID_INDEX, "next_index of {index}");
        let want_flags = if index >= g.main_entries() { 0x08 } else { 0 };
        assert_eq!(h.flags, want_flags, "flags of {index}");
        assert!(
            table[base..base + 8].iter().all(|&b| b == 0),
            "hentry_next of {index}"
        );
        assert!(
            table[base + 21..base + size].iter().all(|&b| b == 0),
            "body of {index}"
        );
    }
}

#[test]
fn default_flow_table() {
    let g = TableGeometry::FLOW_DEFAULT;
    let mut table = vec![0u8; g.byte_len() as usize];
    init_table(&mut table[..], &g).unwrap();
    check_initialised(&table, &g);
    // Raw bytes of entry 1: hentry_index 1 at 8, bucket and next index 0xffffffff at 12 and 16.
    assert_eq!(
        &table[256 + 8..256 + 21],
        &[1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0]
    );
}

#[test]
fn default_bridge_table_over_shared_memory() {
    let g = TableGeometry::BRIDGE_DEFAULT;
    let shared: Vec<AtomicU8> = (0..g.byte_len()).map(|_| AtomicU8::new(0xee)).collect();
    init_table(&shared[..], &g).unwrap();
    let table: Vec<u8> = shared.into_iter().map(AtomicU8::into_inner).collect();
    check_initialised(&table, &g);
}

#[test]
fn reinitialising_clears_a_used_table() {
    let g = TableGeometry::new(16, Some(8), 256).unwrap();
    let mut table = vec![0xffu8; g.byte_len() as usize + 100];
    init_table(&mut table[..], &g).unwrap();
    check_initialised(&table, &g);
    // Bytes past the geometry are not the table's.
    assert!(table[g.byte_len() as usize..].iter().all(|&b| b == 0xff));
}

#[test]
fn short_table_is_refused() {
    let g = TableGeometry::new(16, Some(8), 256).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize - 1];
    assert_eq!(
        init_table(&mut table[..], &g),
        Err(TableError::TableTooShort {
            needed: g.byte_len(),
            available: g.byte_len() - 1
        })
    );
}

#[test]
fn an_all_zero_table_is_not_initialised() {
    // What flow -l calls a corrupted file: entry 1 claims index 0 and every chain index is 0.
    let g = TableGeometry::new(16, Some(8), 256).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    let err = FlowTableWriter::attach(&mut table[..], &g, FlowLayout::Tf2024).unwrap_err();
    assert_eq!(err, TableError::Uninitialised { index: 1 });
}
