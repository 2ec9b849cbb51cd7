//! Copy-then-recheck reads of live entries (PROTOCOL.md §7.5).

use std::cell::{Cell, RefCell};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use vrouter_proto::tables::{
    read_bridge_entry, read_flow_entry, BridgeKey, BridgeTableWriter, FlowKey, FlowLayout,
    FlowTableWriter, ReadError, TableBytes, TableGeometry,
};

/// A table that another party changes right after the next whole-entry copy: the moment a
/// concurrent writer could strike.
struct ChangedDuringCopy {
    bytes: RefCell<Vec<u8>>,
    entry_size: usize,
    change: Cell<Option<(usize, u8)>>,
}

impl ChangedDuringCopy {
    fn new(bytes: Vec<u8>, entry_size: usize) -> Self {
        Self {
            bytes: RefCell::new(bytes),
            entry_size,
            change: Cell::new(None),
        }
    }
}

impl TableBytes for ChangedDuringCopy {
    fn byte_len(&self) -> usize {
        self.bytes.borrow().len()
    }

    fn read_into(&self, offset: usize, dst: &mut [u8]) {
        dst.copy_from_slice(&self.bytes.borrow()[offset..offset + dst.len()]);
        // The entry copy (a flow copy stops where the fields end), not an identity re-read.
        if dst.len() >= 64.min(self.entry_size) {
            if let Some((at, value)) = self.change.take() {
                self.bytes.borrow_mut()[offset + at] = value;
            }
        }
    }
}

fn flow_table(layout: FlowLayout) -> (Vec<u8>, u32) {
    let g = TableGeometry::new(16, Some(8), 256).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, layout).unwrap();
    let index = w
        .insert(&FlowKey::inet(
            6,
            Ipv4Addr::LOCALHOST,
            Ipv4Addr::LOCALHOST,
            1,
            2,
            3,
        ))
        .unwrap()
        .index;
    w.add_stats(index, 100, 1).unwrap();
    (table, index)
}

#[test]
fn a_quiet_entry_copies_whole() {
    let (table, index) = flow_table(FlowLayout::Tf2024);
    let copy = read_flow_entry(&table[..], FlowLayout::Tf2024, index).unwrap();
    assert_eq!(copy.index(), index);
    assert_eq!(&copy.bytes()[..], &table[index as usize * 256..][..256]);
    assert!(copy.view().is_live());
    assert_eq!(copy.view().bytes_count(), 100);
    assert_eq!(
        read_flow_entry(&table[..], FlowLayout::Tf2024, 24),
        Err(ReadError::OutOfRange { index: 24 })
    );
}

#[test]
fn identity_changes_tear_the_copy() {
    for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
        let flags = layout.offsets().flags;
        // (what changes, byte offset in the entry, new value)
        for (what, at, value) in [
            ("fe_flags cleared by a release", flags, 0u8),
            ("hentry VALID cleared", 20, 0),
            ("gen id bumped by a reuse", 69, 2),
            ("key replaced", 28, 0xff),
            ("key length reset", 68, 0),
        ] {
            let (table, index) = flow_table(layout);
            let live = ChangedDuringCopy::new(table, 256);
            live.change.set(Some((at, value)));
            assert_eq!(
                read_flow_entry(&live, layout, index),
                Err(ReadError::Torn { index }),
                "{what}, {layout:?}"
            );
            // Once the change is over, a retry succeeds.
            assert!(read_flow_entry(&live, layout, index).is_ok());
        }
    }
}

#[test]
fn counter_changes_do_not_tear_the_copy() {
    let layout = FlowLayout::Tf2024;
    let (table, index) = flow_table(layout);
    let live = ChangedDuringCopy::new(table, 256);
    live.change.set(Some((layout.offsets().stats, 0xee)));
    let copy = read_flow_entry(&live, layout, index).unwrap();
    assert_eq!(
        copy.view().bytes_count(),
        100,
        "the copy holds the value before the change"
    );
}

#[test]
fn bridge_copies() {
    let g = TableGeometry::new(8, Some(4), 64).unwrap();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = BridgeTableWriter::create(&mut table[..], &g).unwrap();
    let key = BridgeKey::new([2, 0, 0, 0, 0, 9], 4);
    let index = w.insert(&key).unwrap();
    assert_eq!(
        read_bridge_entry(&table[..], index).unwrap().view().key(),
        key
    );
    assert_eq!(
        read_bridge_entry(&table[..], 12),
        Err(ReadError::OutOfRange { index: 12 })
    );
    for (at, value) in [(53, 0u8), (21, 0x77), (20, 0)] {
        let live = ChangedDuringCopy::new(table.clone(), 64);
        live.change.set(Some((at, value)));
        assert_eq!(
            read_bridge_entry(&live, index),
            Err(ReadError::Torn { index }),
            "byte {at}"
        );
    }
}

/// A writer thread re-allocates one slot over and over in shared memory, with a key whose
/// source port carries the generation it is placed with; a reader thread copies the slot all
/// the while. Every copy that passes the check and is live must pair key and gen id.
#[test]
fn concurrent_writer_and_reader() {
    let layout = FlowLayout::Tf2024;
    let g = TableGeometry::new(4, Some(0), 256).unwrap();
    let shared: Vec<AtomicU8> = (0..g.byte_len()).map(|_| AtomicU8::new(0)).collect();
    let done = AtomicBool::new(false);
    let key = |gen: u8| {
        FlowKey::inet(
            17,
            Ipv4Addr::LOCALHOST,
            Ipv4Addr::LOCALHOST,
            u16::from(gen),
            9,
            1,
        )
    };

    let mut w = FlowTableWriter::create(&shared[..], &g, layout).unwrap();
    let index = w.insert(&key(1)).unwrap().index;
    let (live, torn) = std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..20_000u32 {
                w.release(index).unwrap();
                // The next allocation of this slot takes generation (i + 2) mod 256.
                let slot = w.insert(&key((i + 2) as u8)).unwrap();
                assert_eq!(slot.index, index);
            }
            done.store(true, Ordering::Release);
        });
        let reader = s.spawn(|| {
            let (mut live, mut torn) = (0u32, 0u32);
            while !done.load(Ordering::Acquire) {
                match read_flow_entry(&shared[..], layout, index) {
                    Ok(copy) => {
                        let e = copy.view();
                        if e.is_live() {
                            let k = e.key().expect("a live copy has a key");
                            assert_eq!(
                                k.sport() as u8,
                                e.gen_id(),
                                "key and gen id from different allocations"
                            );
                            live += 1;
                        }
                    }
                    Err(ReadError::Torn { .. }) => torn += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            (live, torn)
        });
        reader.join().unwrap()
    });
    // Timing decides how many of each; the assertion that matters is inside the loop.
    eprintln!("live copies {live}, torn {torn}");
}
