//! The bridge table: 64-byte entries keyed by MAC and VRF, placed like flows.

use vrouter_proto::tables::constants::{BRIDGE_FLAG_LABEL_VALID, BRIDGE_FLAG_VALID};
use vrouter_proto::tables::{
    lookup_bridge, read_bridge_entry, BridgeEntryRef, BridgeKey, BridgeTableWriter, HEntry,
    TableError, TableGeometry, BRIDGE_ENTRY_SIZE, INVALID_INDEX,
};

fn geometry() -> TableGeometry {
    TableGeometry::new(32, Some(8), BRIDGE_ENTRY_SIZE).unwrap()
}

fn mac_key(n: u16, vrf: u16) -> BridgeKey {
    let [hi, lo] = n.to_be_bytes();
    BridgeKey::new([0x02, 0, 0, 0, hi, lo], vrf)
}

#[test]
fn insert_update_and_read_back() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = BridgeTableWriter::create(&mut table[..], &g).unwrap();
    let key = BridgeKey::new([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01], 0x0102);
    let i = w.insert(&key).unwrap();
    let e = w.entry(i).unwrap();
    assert_eq!(
        (e.key(), e.flags(), e.nh_id(), e.packets()),
        (key, BRIDGE_FLAG_VALID, -1, 0)
    );

    w.set_nh_id(i, 0x0a0b_0c0d).unwrap();
    w.set_label(i, 0x11_2233).unwrap();
    w.set_flags(i, BRIDGE_FLAG_VALID | BRIDGE_FLAG_LABEL_VALID)
        .unwrap();
    w.add_packets(i, 0x0102_0304_0506).unwrap();
    assert_eq!(w.add_packets(i, 1).unwrap(), 0x0102_0304_0507);
    assert_eq!(w.lookup(&key), Some(i));
    drop(w);

    let e = BridgeEntryRef::new(&table[..], i).unwrap();
    assert_eq!(
        (e.nh_id(), e.label(), e.packets()),
        (0x0a0b_0c0d, 0x11_2233, 0x0102_0304_0507)
    );
    assert!(e.is_live());

    // Byte offsets of PROTOCOL.md §7.6.
    let b = &table[i as usize * 64..][..64];
    assert_eq!(&b[8..12], &i.to_le_bytes());
    assert_eq!(b[20], 0x01, "hentry VALID");
    assert_eq!(&b[21..27], &[0xde, 0xad, 0xbe, 0xef, 0x00, 0x01], "be_mac");
    assert_eq!(&b[27..29], &[0x02, 0x01], "be_vrf_id in host order");
    assert!(b[29..37].iter().all(|&x| x == 0), "be_nh pointer left zero");
    assert_eq!(&b[37..45], &0x0102_0304_0507u64.to_le_bytes(), "be_packets");
    assert_eq!(&b[45..49], &0x11_2233u32.to_le_bytes(), "be_label");
    assert_eq!(&b[49..53], &0x0a0b_0c0du32.to_le_bytes(), "be_nh_id");
    assert_eq!(&b[53..55], &0x0003u16.to_le_bytes(), "be_flags");
    assert!(b[55..].iter().all(|&x| x == 0), "be_pack");

    let copy = read_bridge_entry(&table[..], i).unwrap();
    assert_eq!(copy.view().key(), key);
}

#[test]
fn bucket_overflow_release_and_full() {
    // One bucket, two overflow entries.
    let g = TableGeometry::new(4, Some(2), BRIDGE_ENTRY_SIZE).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = BridgeTableWriter::create(&mut table[..], &g).unwrap();
    let keys: Vec<BridgeKey> = (0..7).map(|n| mac_key(n, 1)).collect();
    let placed: Vec<u32> = keys[..6].iter().map(|k| w.insert(k).unwrap()).collect();
    assert_eq!(placed, [0, 1, 2, 3, 4, 5]);
    assert_eq!(w.insert(&keys[6]), Err(TableError::Full));
    assert_eq!(w.insert(&keys[0]), Err(TableError::Exists { index: 0 }));
    assert_eq!(HEntry::read(w.table(), 3 * 64).next_index, 5);
    assert_eq!(HEntry::read(w.table(), 5 * 64).next_index, 4);

    w.set_nh_id(4, 9).unwrap();
    w.add_packets(4, 3).unwrap();
    w.release(4).unwrap();
    let e = w.entry(4).unwrap();
    assert_eq!(
        (e.flags() & BRIDGE_FLAG_VALID, e.nh_id(), e.packets()),
        (0, -1, 0)
    );
    let h = e.hentry();
    assert_eq!(
        (h.flags, h.bucket_index, h.next_index),
        (0x08, INVALID_INDEX, INVALID_INDEX)
    );
    assert_eq!(HEntry::read(w.table(), 5 * 64).next_index, INVALID_INDEX);
    assert_eq!(w.lookup(&keys[4]), None);
    assert_eq!(w.insert(&keys[6]), Ok(4));
    assert_eq!(
        w.set_label(9, 1),
        Err(TableError::IndexOutOfRange { index: 9 })
    );
    w.release(0).unwrap();
    assert_eq!(w.set_label(0, 1), Err(TableError::NotInUse { index: 0 }));
    drop(w);

    for (k, i) in [
        (&keys[5], Some(5)),
        (&keys[6], Some(4)),
        (&keys[0], None),
        (&keys[1], Some(1)),
    ] {
        assert_eq!(lookup_bridge(&table[..], &g, k), i, "{k:?}");
    }
}

#[test]
fn vrf_is_part_of_the_key() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = BridgeTableWriter::create(&mut table[..], &g).unwrap();
    let a = w.insert(&mac_key(1, 1)).unwrap();
    let b = w.insert(&mac_key(1, 2)).unwrap();
    assert_ne!(a, b);
    assert_eq!(
        (
            w.lookup(&mac_key(1, 1)),
            w.lookup(&mac_key(1, 2)),
            w.lookup(&mac_key(1, 3))
        ),
        (Some(a), Some(b), None)
    );
}

#[test]
fn wrong_entry_size_is_refused() {
    let g = TableGeometry::new(4, Some(0), 256).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    assert!(matches!(
        BridgeTableWriter::create(&mut table[..], &g),
        Err(TableError::WrongEntrySize {
            entry_size: 256,
            expected: 64
        })
    ));
}
