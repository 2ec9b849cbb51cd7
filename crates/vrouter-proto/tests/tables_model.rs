//! Random insert/release sequences against a model: lookups agree with a HashMap of what was
//! placed, tables fill up exactly when vRouter's would, and gen ids count allocations per slot.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use proptest::prelude::*;
use vrouter_proto::tables::{
    lookup_bridge, lookup_flow, read_flow_entry, BridgeKey, BridgeTableWriter, FlowKey, FlowLayout,
    FlowTableWriter, TableError, TableGeometry,
};

/// Few buckets and a small overflow table, so chains, collisions and a full table all happen.
const MAIN: u32 = 16;
const OVERFLOW: u32 = 8;
const KEYS: u16 = 48;

#[derive(Debug, Clone)]
enum Op {
    Insert(u16),
    Release(u16),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![3 => (0..KEYS).prop_map(Op::Insert), 2 => (0..KEYS).prop_map(Op::Release)],
        1..200,
    )
}

fn flow_key(n: u16) -> FlowKey {
    FlowKey::inet(
        6,
        Ipv4Addr::new(192, 168, 0, 1),
        Ipv4Addr::new(192, 168, 0, 2),
        n,
        443,
        7,
    )
}

/// What the model knows of the table.
#[derive(Default)]
struct Model {
    placed: HashMap<u16, u32>,
    allocations: HashMap<u32, u32>,
}

impl Model {
    fn occupied(&self, index: u32) -> bool {
        self.placed.values().any(|&i| i == index)
    }

    fn overflow_in_use(&self) -> u32 {
        self.placed.values().filter(|&&i| i >= MAIN).count() as u32
    }

    /// Checks an insert's outcome against the rules and records it.
    fn insert(
        &mut self,
        n: u16,
        hash: u32,
        outcome: Result<u32, TableError>,
    ) -> Result<(), TestCaseError> {
        let bucket = (hash % MAIN) & !3;
        if let Some(&index) = self.placed.get(&n) {
            prop_assert_eq!(outcome, Err(TableError::Exists { index }));
            return Ok(());
        }
        let first_free = (bucket..bucket + 4).find(|&i| !self.occupied(i));
        match (outcome, first_free) {
            (Ok(index), Some(free)) => {
                prop_assert_eq!(index, free, "first free slot of the bucket")
            }
            (Ok(index), None) => prop_assert!(
                index >= MAIN && !self.occupied(index),
                "an unused overflow entry"
            ),
            (Err(TableError::Full), None) => {
                prop_assert_eq!(
                    self.overflow_in_use(),
                    OVERFLOW,
                    "full only when no overflow entry is free"
                );
                return Ok(());
            }
            (other, _) => {
                prop_assert!(false, "unexpected {:?} (free slot {:?})", other, first_free)
            }
        }
        let index = outcome.unwrap();
        self.placed.insert(n, index);
        *self.allocations.entry(index).or_default() += 1;
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn flow_table_matches_model(ops in ops(), old_layout in any::<bool>()) {
        let layout = if old_layout { FlowLayout::Juniper2019 } else { FlowLayout::Tf2024 };
        let g = TableGeometry::new(MAIN, Some(OVERFLOW), 256).unwrap();
        let mut table = vec![0u8; g.byte_len() as usize];
        let mut w = FlowTableWriter::create(&mut table[..], &g, layout).unwrap();
        let mut model = Model::default();

        for op in ops {
            match op {
                Op::Insert(n) => {
                    let key = flow_key(n);
                    let outcome = w.insert(&key).map(|slot| slot.index);
                    model.insert(n, key.hash(), outcome)?;
                }
                Op::Release(n) => match model.placed.remove(&n) {
                    Some(index) => prop_assert_eq!(w.release(index), Ok(())),
                    None => {
                        if let Some(index) = (0..MAIN + OVERFLOW).find(|&i| !model.occupied(i)) {
                            prop_assert_eq!(w.release(index), Err(TableError::NotInUse { index }));
                        }
                    }
                },
            }
            for n in 0..KEYS {
                prop_assert_eq!(w.lookup(&flow_key(n)), model.placed.get(&n).copied(), "key {}", n);
            }
            prop_assert_eq!(w.used_entries() as usize, model.placed.len());
            prop_assert_eq!(w.used_overflow_entries(), model.overflow_in_use());
            prop_assert_eq!(w.free_overflow_entries(), OVERFLOW - model.overflow_in_use());
        }
        for (n, &index) in &model.placed {
            let copy = read_flow_entry(w.table(), layout, index).unwrap();
            prop_assert_eq!(copy.view().key(), Some(flow_key(*n)));
            prop_assert_eq!(u32::from(copy.view().gen_id()), model.allocations[&index] % 256);
        }

        // A reader over the same bytes, and a writer attached afresh, see the same table.
        drop(w);
        for n in 0..KEYS {
            prop_assert_eq!(lookup_flow(&table[..], &g, layout, &flow_key(n)), model.placed.get(&n).copied());
        }
        let attached = FlowTableWriter::attach(&mut table[..], &g, layout).unwrap();
        prop_assert_eq!(attached.used_entries() as usize, model.placed.len());
    }

    #[test]
    fn bridge_table_matches_model(ops in ops()) {
        let g = TableGeometry::new(MAIN, Some(OVERFLOW), 64).unwrap();
        let mut table = vec![0u8; g.byte_len() as usize];
        let mut w = BridgeTableWriter::create(&mut table[..], &g).unwrap();
        let mut model = Model::default();
        let key = |n: u16| BridgeKey::new([0x02, 0, 0, 0, (n >> 8) as u8, n as u8], n % 3);

        for op in ops {
            match op {
                Op::Insert(n) => {
                    let outcome = w.insert(&key(n));
                    model.insert(n, key(n).hash(), outcome)?;
                }
                Op::Release(n) => {
                    if let Some(index) = model.placed.remove(&n) {
                        prop_assert_eq!(w.release(index), Ok(()));
                    }
                }
            }
            for n in 0..KEYS {
                prop_assert_eq!(w.lookup(&key(n)), model.placed.get(&n).copied(), "key {}", n);
            }
        }
        drop(w);
        for n in 0..KEYS {
            prop_assert_eq!(lookup_bridge(&table[..], &g, &key(n)), model.placed.get(&n).copied());
        }
    }
}
