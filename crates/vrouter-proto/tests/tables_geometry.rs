//! Table geometry: vRouter's defaults and sizing rules, and the errors of `from_size`.

use proptest::prelude::*;
use vrouter_proto::tables::{
    default_overflow_entries, GeometryError, TableGeometry, BRIDGE_ENTRY_SIZE, FLOW_ENTRY_SIZE,
};

#[test]
fn flow_default() {
    let g = TableGeometry::FLOW_DEFAULT;
    assert_eq!(g.main_entries(), 524_288);
    assert_eq!(g.overflow_entries(), 105_472);
    assert_eq!(g.total_entries(), 629_760);
    assert_eq!(g.entry_size(), 256);
    assert_eq!(g.byte_len(), 161_218_560);
    assert_eq!(TableGeometry::new(524_288, None, FLOW_ENTRY_SIZE), Ok(g));
    assert_eq!(
        TableGeometry::from_size(161_218_560, FLOW_ENTRY_SIZE),
        Ok(g)
    );
}

#[test]
fn bridge_default() {
    let g = TableGeometry::BRIDGE_DEFAULT;
    assert_eq!(g.main_entries(), 262_144);
    assert_eq!(g.overflow_entries(), 53_248);
    assert_eq!(g.total_entries(), 315_392);
    assert_eq!(g.byte_len(), 20_185_088);
    assert_eq!(
        TableGeometry::from_size(20_185_088, BRIDGE_ENTRY_SIZE),
        Ok(g)
    );
}

#[test]
fn overflow_rule() {
    assert_eq!(default_overflow_entries(524_288), 105_472);
    assert_eq!(default_overflow_entries(262_144), 53_248);
    // Under five main entries a fifth is 0, and 0 rounds to 0.
    assert_eq!(default_overflow_entries(4), 0);
    assert_eq!(default_overflow_entries(5), 1024);
    assert_eq!(default_overflow_entries(5120), 1024);
    assert_eq!(default_overflow_entries(5125), 2048);
}

#[test]
fn main_is_rounded_up_to_a_bucket_and_overflow_can_be_given() {
    let g = TableGeometry::new(10, Some(3), 256).unwrap();
    assert_eq!((g.main_entries(), g.overflow_entries()), (12, 3));
    // The default overflow is computed from the configured size, as vRouter does.
    let g = TableGeometry::new(10, None, 256).unwrap();
    assert_eq!(g.overflow_entries(), default_overflow_entries(10));
    let g = TableGeometry::new(8, Some(0), 64).unwrap();
    assert_eq!((g.total_entries(), g.byte_len()), (8, 512));
}

#[test]
fn index_helpers() {
    let g = TableGeometry::new(8, Some(4), 256).unwrap();
    assert!(g.contains(11) && !g.contains(12));
    assert!(!g.is_overflow(7) && g.is_overflow(8) && !g.is_overflow(12));
    assert_eq!(g.entry_offset(3), Some(768));
    assert_eq!(g.entry_offset(12), None);
    assert_eq!(g.bucket_of(7), 4);
}

#[test]
fn constructor_errors() {
    assert_eq!(
        TableGeometry::new(0, None, 256),
        Err(GeometryError::NoMainEntries)
    );
    assert_eq!(
        TableGeometry::new(4, None, 20),
        Err(GeometryError::EntrySizeTooSmall { entry_size: 20 })
    );
    assert!(matches!(
        TableGeometry::new(u32::MAX - 3, Some(8), 256),
        Err(GeometryError::TooManyEntries { .. })
    ));
}

#[test]
fn size_errors() {
    assert_eq!(
        TableGeometry::from_size(161_218_561, 256),
        Err(GeometryError::NotWholeEntries {
            bytes: 161_218_561,
            entry_size: 256
        })
    );
    assert_eq!(
        TableGeometry::from_size(768, 256),
        Err(GeometryError::TooSmall {
            bytes: 768,
            min_bytes: 1024
        })
    );
    assert_eq!(
        TableGeometry::from_size(0, 64),
        Err(GeometryError::TooSmall {
            bytes: 0,
            min_bytes: 256
        })
    );
    assert_eq!(
        TableGeometry::from_size(4096, 8),
        Err(GeometryError::EntrySizeTooSmall { entry_size: 8 })
    );
    // Main and default overflow sizes are multiples of four, so their sum is one too.
    let entries = 629_760 + 2;
    assert_eq!(
        TableGeometry::from_size(entries * 256, 256),
        Err(GeometryError::NoDefaultSplit { entries })
    );
    // Between 5124 main entries (+1024) and 5128 (+2048) the sum jumps from 6148 to 7176.
    assert_eq!(
        TableGeometry::from_size(6152 * 64, 64),
        Err(GeometryError::NoDefaultSplit { entries: 6152 })
    );
    // The smallest table: one bucket, no overflow.
    let g = TableGeometry::from_size(1024, 256).unwrap();
    assert_eq!((g.main_entries(), g.overflow_entries()), (4, 0));
}

#[test]
fn errors_display() {
    let e = GeometryError::NotWholeEntries {
        bytes: 10,
        entry_size: 256,
    };
    assert_eq!(
        e.to_string(),
        "10 bytes is not a whole number of 256-byte entries"
    );
}

proptest! {
    #[test]
    fn from_size_finds_the_main_size_back(buckets in 1u32..1_000_000, wide in any::<bool>()) {
        let entry_size = if wide { FLOW_ENTRY_SIZE } else { BRIDGE_ENTRY_SIZE };
        let g = TableGeometry::new(buckets * 4, None, entry_size).unwrap();
        prop_assert_eq!(TableGeometry::from_size(g.byte_len(), entry_size), Ok(g));
    }
}
