//! Placing flows where vRouter would: a bucket of four main slots, then overflow entries linked
//! at the head of the chain off the bucket's last slot; releasing, re-placing and gen ids; and
//! the bounded chain walk over a corrupted table.

use std::net::Ipv4Addr;

use vrouter_proto::tables::{
    lookup_flow, BucketWalk, FlowKey, FlowLayout, FlowTableWriter, HEntry, TableError,
    TableGeometry, HENTRY_NEXT_INDEX, INVALID_INDEX,
};

const LAYOUT: FlowLayout = FlowLayout::Tf2024;

fn geometry() -> TableGeometry {
    TableGeometry::new(64, Some(16), 256).unwrap()
}

fn key(sport: u16) -> FlowKey {
    FlowKey::inet(
        6,
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(10, 0, 0, 2),
        sport,
        80,
        1,
    )
}

/// `n` keys that all fall in the bucket of `key(0)`, and that bucket.
fn colliding(g: &TableGeometry, n: usize) -> (Vec<FlowKey>, u32) {
    let bucket = g.bucket_of(key(0).hash());
    let keys = (0..u16::MAX)
        .map(key)
        .filter(|k| g.bucket_of(k.hash()) == bucket)
        .take(n)
        .collect();
    (keys, bucket)
}

fn header(table: &[u8], index: u32) -> HEntry {
    HEntry::read(table, index as usize * 256)
}

fn set_next(table: &mut [u8], index: u32, next: u32) {
    let o = index as usize * 256 + HENTRY_NEXT_INDEX;
    table[o..o + 4].copy_from_slice(&next.to_le_bytes());
}

#[test]
fn bucket_then_overflow_chain() {
    let g = geometry();
    let (keys, bucket) = colliding(&g, 7);
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();

    let indexes: Vec<u32> = keys.iter().map(|k| w.insert(k).unwrap().index).collect();
    // The four main slots in order, then overflow entries from the free list's head (64, 65, …).
    assert_eq!(
        indexes,
        [bucket, bucket + 1, bucket + 2, bucket + 3, 64, 65, 66]
    );
    assert_eq!(
        (
            w.used_entries(),
            w.used_overflow_entries(),
            w.free_overflow_entries()
        ),
        (7, 3, 13)
    );
    for (k, &i) in keys.iter().zip(&indexes) {
        assert_eq!(w.lookup(k), Some(i));
    }
    drop(w);

    // Each new overflow entry went to the head of the chain off the bucket's last slot.
    let last = bucket + 3;
    assert_eq!(header(&table, last).next_index, 66);
    assert_eq!(header(&table, 66).next_index, 65);
    assert_eq!(header(&table, 65).next_index, 64);
    assert_eq!(header(&table, 64).next_index, INVALID_INDEX);
    for i in [64, 65, 66] {
        let h = header(&table, i);
        assert_eq!(
            (h.bucket_index, h.flags),
            (last, 0x01),
            "overflow entry {i}: bucket and VALID only"
        );
    }
    for i in bucket..bucket + 4 {
        assert_eq!(
            header(&table, i).bucket_index,
            INVALID_INDEX,
            "main entries have no bucket index"
        );
    }

    let walk: Vec<u32> = BucketWalk::new(&table[..], &g, keys[0].hash()).collect();
    assert_eq!(
        walk,
        [bucket, bucket + 1, bucket + 2, bucket + 3, 66, 65, 64]
    );
    assert_eq!(lookup_flow(&table[..], &g, LAYOUT, &key(u16::MAX)), None);
}

#[test]
fn release_and_replace() {
    let g = geometry();
    let (keys, bucket) = colliding(&g, 8);
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    for k in &keys[..7] {
        w.insert(k).unwrap();
    }

    // Out of the middle of the chain: 66 → 64 remains, 65 goes back to the free list.
    w.release(65).unwrap();
    assert_eq!(w.lookup(&keys[5]), None);
    for (k, i) in [(&keys[4], 64), (&keys[6], 66)] {
        assert_eq!(w.lookup(k), Some(i));
    }
    let h = HEntry::read(w.table(), 65 * 256);
    assert_eq!(
        (h.flags, h.bucket_index, h.next_index),
        (0x08, INVALID_INDEX, INVALID_INDEX)
    );
    assert_eq!(HEntry::read(w.table(), 66 * 256).next_index, 64);

    // Re-placed: the freed entry is the free list's head again, at the head of the chain, with
    // its generation bumped.
    let again = w.insert(&keys[5]).unwrap();
    assert_eq!((again.index, again.gen_id), (65, 2));
    assert_eq!(
        HEntry::read(w.table(), (bucket + 3) as usize * 256).next_index,
        65
    );
    assert_eq!(HEntry::read(w.table(), 65 * 256).next_index, 66);

    // A main slot: its chain is untouched, and the next key for the bucket takes the hole.
    w.release(bucket + 1).unwrap();
    assert_eq!(w.lookup(&keys[1]), None);
    let slot = w.insert(&keys[7]).unwrap();
    assert_eq!((slot.index, slot.gen_id), (bucket + 1, 2));

    // The last main slot: the chain still hangs off it while it is free.
    w.release(bucket + 3).unwrap();
    for (k, i) in [(&keys[4], 64), (&keys[5], 65), (&keys[6], 66)] {
        assert_eq!(w.lookup(k), Some(i));
    }
    assert_eq!(
        HEntry::read(w.table(), (bucket + 3) as usize * 256).next_index,
        65
    );
    assert_eq!(w.used_entries(), 6);

    // Releasing the whole chain empties it.
    for i in [65, 64, 66] {
        w.release(i).unwrap();
    }
    assert_eq!(
        HEntry::read(w.table(), (bucket + 3) as usize * 256).next_index,
        INVALID_INDEX
    );
    assert_eq!(
        (w.used_overflow_entries(), w.free_overflow_entries()),
        (0, 16)
    );
}

#[test]
fn gen_id_increments_and_wraps() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    let k = key(7);
    let first = w.insert(&k).unwrap();
    assert_eq!(first.gen_id, 1);
    let mut last = first;
    for expected in (2..=255).chain([0, 1]) {
        w.release(last.index).unwrap();
        last = w.insert(&k).unwrap();
        assert_eq!(
            last,
            vrouter_proto::tables::FlowSlot {
                index: first.index,
                gen_id: expected
            }
        );
    }
}

#[test]
fn overflow_is_used_in_free_list_order_across_buckets() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    let (a, _) = colliding(&g, 5);
    let other_bucket = g.bucket_of(key(0).hash()) ^ 4;
    let b: Vec<FlowKey> = (0..u16::MAX)
        .map(|p| FlowKey::inet(17, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST, p, 53, 2))
        .filter(|k| g.bucket_of(k.hash()) == other_bucket)
        .take(5)
        .collect();
    for k in a.iter().chain(&b) {
        w.insert(k).unwrap();
    }
    assert_eq!((w.lookup(&a[4]), w.lookup(&b[4])), (Some(64), Some(65)));
}

#[test]
fn errors() {
    // One bucket and two overflow entries: every key collides.
    let g = TableGeometry::new(4, Some(2), 256).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    for p in 0..6 {
        w.insert(&key(p)).unwrap();
    }
    let full = w.insert(&key(6)).unwrap_err();
    assert_eq!((full, full.errno()), (TableError::Full, 28));

    let exists = w.insert(&key(5)).unwrap_err();
    assert_eq!(
        (exists, exists.errno()),
        (TableError::Exists { index: 5 }, 17)
    );

    w.release(2).unwrap();
    let gone = w.release(2).unwrap_err();
    assert_eq!((gone, gone.errno()), (TableError::NotInUse { index: 2 }, 2));
    assert_eq!(w.release(6), Err(TableError::IndexOutOfRange { index: 6 }));
    assert!(matches!(
        w.entry_mut(2),
        Err(TableError::NotInUse { index: 2 })
    ));
    assert!(matches!(
        w.add_stats(9, 1, 1),
        Err(TableError::IndexOutOfRange { index: 9 })
    ));

    let bridge_sized = TableGeometry::new(4, Some(2), 64).unwrap();
    let mut small = vec![0u8; bridge_sized.byte_len() as usize];
    assert!(matches!(
        FlowTableWriter::create(&mut small[..], &bridge_sized, LAYOUT),
        Err(TableError::WrongEntrySize {
            entry_size: 64,
            expected: 256
        })
    ));
}

#[test]
fn stats_wrap_into_overflow_parts() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    let i = w.insert(&key(1)).unwrap().index;
    w.add_stats(i, u32::MAX, u32::MAX).unwrap();
    let s = w.add_stats(i, 2, 1).unwrap();
    assert_eq!(
        (s.bytes, s.bytes_oflow, s.packets, s.packets_oflow),
        (1, 1, 0, 1)
    );
    let e = w.entry(i).unwrap();
    assert_eq!(
        (e.bytes_count(), e.packets_count()),
        ((1 << 32) + 1, 1 << 32)
    );
}

#[test]
fn attach_continues_where_a_writer_left_off() {
    let g = geometry();
    let (keys, _) = colliding(&g, 9);
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    for k in &keys[..7] {
        w.insert(k).unwrap();
    }
    w.release(64).unwrap();
    let mut copy = w.table().to_vec();
    let next_original = w.insert(&keys[7]).unwrap();

    let mut attached = FlowTableWriter::attach(&mut copy[..], &g, LAYOUT).unwrap();
    assert_eq!(
        (attached.used_entries(), attached.used_overflow_entries()),
        (6, 2)
    );
    assert_eq!(attached.insert(&keys[7]).unwrap(), next_original);
}

#[test]
fn corrupted_cycle_is_walked_a_bounded_number_of_times() {
    let g = geometry();
    let (keys, bucket) = colliding(&g, 7);
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    for k in &keys {
        w.insert(k).unwrap();
    }
    drop(w);
    // The chain is 66 → 65 → 64; make 64 point back at 66.
    set_next(&mut table, 64, 66);

    let absent = colliding(&g, 8).0[7];
    assert_eq!(lookup_flow(&table[..], &g, LAYOUT, &absent), None);
    let mut walk = BucketWalk::new(&table[..], &g, absent.hash());
    let visited = walk.by_ref().count();
    assert!(walk.cut_short());
    assert_eq!(visited, 4 + g.overflow_entries() as usize);
    // Keys on the cycle are still found.
    assert_eq!(lookup_flow(&table[..], &g, LAYOUT, &keys[4]), Some(64));

    // A release has to find the entry on its chain; unreachable entries are refused untouched.
    let mut w = FlowTableWriter::attach(&mut table[..], &g, LAYOUT).unwrap();
    w.release(65).unwrap();
    drop(w);
    set_next(&mut table, bucket + 3, INVALID_INDEX);
    let mut w = FlowTableWriter::attach(&mut table[..], &g, LAYOUT).unwrap();
    assert_eq!(w.release(64), Err(TableError::CorruptChain { index: 64 }));
    assert!(w.entry(64).unwrap().is_live());
}

#[test]
fn chain_leaving_the_overflow_table_is_cut() {
    let g = geometry();
    let (keys, bucket) = colliding(&g, 5);
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    for k in &keys {
        w.insert(k).unwrap();
    }
    drop(w);
    for bad in [0, 63, 80, 0x7fff_ffff] {
        set_next(&mut table, 64, bad);
        let mut walk = BucketWalk::new(&table[..], &g, keys[0].hash());
        assert_eq!(
            walk.by_ref().collect::<Vec<_>>(),
            [bucket, bucket + 1, bucket + 2, bucket + 3, 64]
        );
        assert!(walk.cut_short(), "next index {bad}");
    }
    // A table shorter than its geometry yields nothing instead of reading out of bounds.
    let mut walk = BucketWalk::new(&table[..100], &g, keys[0].hash());
    assert_eq!(walk.next(), None);
    assert!(walk.cut_short());
    assert_eq!(lookup_flow(&table[..100], &g, LAYOUT, &keys[0]), None);
}

#[test]
fn lookup_skips_entries_being_deleted_and_other_key_lengths() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, LAYOUT).unwrap();
    let k = key(3);
    let i = w.insert(&k).unwrap().index;
    w.entry_mut(i).unwrap().set_flags(0x0001 | 0x0040); // ACTIVE | DELETE_MARKED
    assert_eq!(w.lookup(&k), None);
    w.entry_mut(i).unwrap().set_flags(0x0001);
    assert_eq!(w.lookup(&k), Some(i));
    // Same first 20 bytes, other family width: an IPv6 key never matches an IPv4 entry.
    let v6 = FlowKey::inet6(6, "::1".parse().unwrap(), "::2".parse().unwrap(), 3, 80, 1);
    assert_eq!(w.lookup(&v6), None);
}
