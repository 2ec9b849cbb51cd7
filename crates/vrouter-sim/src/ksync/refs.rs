//! Tables of objects that other objects point at, counted as vRouter counts them.
//!
//! vRouter's interfaces and nexthops carry a user count (`vif_users`, `nh_users`, reported as
//! `vifr_ref_cnt` and `nhr_ref_cnt`): the table holds one, and every label, composite, mirror,
//! route or nexthop that points at the object holds one more. A DEL takes the object out of its
//! table at once and gives back the table's count; the object itself stays alive, unreachable
//! by index, until its last holder lets go. [`RefTable`] keeps such lingering objects, so that
//! a reference given back later reaches the incarnation it was taken on, never a newer object
//! ADDed at the same index meanwhile.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use super::IndexTable;

/// One counted reference to an object of a [`RefTable`].
///
/// Each value stands for one count, so it is neither `Clone` nor `Copy`: it is given back with
/// [`RefTable::release`]. Dropping one without releasing it leaks the count, which is how the
/// simulator reproduces the few places where vRouter never gives a reference back.
pub struct Ref<T> {
    index: u32,
    serial: u64,
    object: PhantomData<fn() -> T>,
}

impl<T> Ref<T> {
    /// The index the object had when the reference was taken: what vRouter reports for it
    /// (a nexthop's `nhr_encap_oif_id`, a label's `mr_nhid`), even once the object is deleted.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ref({}#{})", self.index, self.serial)
    }
}

impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.serial == other.serial
    }
}

impl<T> Eq for Ref<T> {}

/// An object with its user count and the serial that tells its incarnations apart.
#[derive(Debug)]
struct Counted<T> {
    serial: u64,
    users: u32,
    value: T,
}

/// An object out of its table for a while (see [`RefTable::take`]).
#[derive(Debug)]
pub(crate) struct Taken<T> {
    index: u32,
    counted: Box<Counted<T>>,
}

impl<T> Taken<T> {
    /// The object.
    pub(crate) fn value_mut(&mut self) -> &mut T {
        &mut self.counted.value
    }

    /// A reference on the object itself, as a lookup of its own index would give while it is
    /// in the table.
    pub(crate) fn acquire_self(&mut self) -> Ref<T> {
        self.counted.users += 1;
        Ref { index: self.index, serial: self.counted.serial, object: PhantomData }
    }

    /// The object's index.
    pub(crate) fn index(&self) -> u32 {
        self.index
    }
}

/// What became of an object taken out of its table by [`RefTable::remove`].
#[derive(Debug, PartialEq, Eq)]
pub enum Removal<T> {
    /// Nothing was at that index.
    Absent,
    /// Others still hold references: the object lives on until they release them.
    Lingering,
    /// The table held the last reference: here is the object, for the caller to give back the
    /// references it held in turn.
    Freed(T),
}

/// Objects by index with vRouter's reference counting (see the module documentation).
#[derive(Debug)]
pub struct RefTable<T> {
    /// Boxed so that a sparse table of large objects costs a pointer per unused slot.
    live: IndexTable<Box<Counted<T>>>,
    lingering: HashMap<u64, Box<Counted<T>>>,
    next_serial: u64,
}

impl<T> RefTable<T> {
    /// An empty table for indexes `0..limit`.
    pub fn new(limit: u32) -> Self {
        RefTable { live: IndexTable::new(limit), lingering: HashMap::new(), next_serial: 1 }
    }

    /// The number of indexes.
    pub fn limit(&self) -> u32 {
        self.live.limit()
    }

    /// Whether `index` is inside the table.
    pub fn in_range(&self, index: i64) -> bool {
        self.live.in_range(index)
    }

    /// The object at `index`, if one is in the table.
    pub fn get(&self, index: u32) -> Option<&T> {
        self.live.get(index).map(|c| &c.value)
    }

    /// The object at `index`, mutable.
    pub fn get_mut(&mut self, index: u32) -> Option<&mut T> {
        self.live.get_mut(index).map(|c| &mut c.value)
    }

    /// The user count of the object at `index` (0 when there is none): the table's own count
    /// plus one per holder, as vRouter reports it.
    pub fn users(&self, index: u32) -> u32 {
        self.live.get(index).map_or(0, |c| c.users)
    }

    /// Puts a new object at `index` (which must be in range and free), counted once for the
    /// table itself.
    pub fn insert(&mut self, index: u32, value: T) {
        let serial = self.next_serial;
        self.next_serial += 1;
        let previous = self.live.insert(index, Box::new(Counted { serial, users: 1, value }));
        assert!(previous.is_none(), "index {index} is already taken");
    }

    /// Takes a reference on the object at `index`, if there is one.
    pub fn acquire(&mut self, index: u32) -> Option<Ref<T>> {
        let c = self.live.get_mut(index)?;
        c.users += 1;
        Some(Ref { index, serial: c.serial, object: PhantomData })
    }

    /// Gives a reference back. Returns the object when that was the last count of an object
    /// already out of its table, so the caller can release what the object held in turn.
    pub fn release(&mut self, r: Ref<T>) -> Option<T> {
        if let Some(c) = self.live.get_mut(r.index) {
            if c.serial == r.serial {
                c.users = c.users.saturating_sub(1);
                return None;
            }
        }
        let c = self.lingering.get_mut(&r.serial)?;
        c.users -= 1;
        if c.users > 0 {
            return None;
        }
        self.lingering.remove(&r.serial).map(|c| c.value)
    }

    /// Takes the object at `index` out of the table and gives back the table's count.
    pub fn remove(&mut self, index: u32) -> Removal<T> {
        let Some(mut c) = self.live.remove(index) else {
            return Removal::Absent;
        };
        c.users -= 1;
        if c.users == 0 {
            return Removal::Freed(c.value);
        }
        self.lingering.insert(c.serial, c);
        Removal::Lingering
    }

    /// Takes the object at `index` out of the table to work on it, count and incarnation kept;
    /// [`RefTable::put_back`] returns it. While out, it is not found by index.
    pub(crate) fn take(&mut self, index: u32) -> Option<Taken<T>> {
        self.live.remove(index).map(|counted| Taken { index, counted })
    }

    /// Returns an object taken with [`RefTable::take`] to its index.
    pub(crate) fn put_back(&mut self, taken: Taken<T>) {
        let previous = self.live.insert(taken.index, taken.counted);
        assert!(previous.is_none(), "index {} was reused while its object was out", taken.index);
    }

    /// Objects in the table with index `> marker`, in index order (a dump page starts here).
    pub fn after(&self, marker: i64) -> impl Iterator<Item = (u32, &T)> {
        self.live.after(marker).map(|(i, c)| (i, &c.value))
    }

    /// Every object in the table, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.after(-1)
    }

    /// Every object in the table, mutable, in index order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.live.iter_mut().map(|(i, c)| (i, &mut c.value))
    }

    /// How many objects are in the table.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether the table holds no object.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// How many deleted objects are still alive because something holds a reference.
    pub fn lingering(&self) -> usize {
        self.lingering.len()
    }

    /// Forgets every object, in the table or lingering, except the one at `keep` (if any),
    /// whose count goes back to the table's own: a soft reset, where everything that held
    /// references is flushed at the same time.
    pub fn clear_except(&mut self, keep: Option<u32>) {
        let kept = keep.and_then(|k| self.live.remove(k).map(|c| (k, c)));
        self.live.clear();
        self.lingering.clear();
        if let Some((k, mut c)) = kept {
            c.users = 1;
            self.live.insert(k, c);
        }
    }
}
