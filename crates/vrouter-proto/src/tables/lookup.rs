//! Finding a key the way vRouter does (dp-core/vr_htable.c), from the reader's side.
//!
//! A key's candidates are the four main slots of its bucket, then the overflow chain hanging off
//! the bucket's last slot, followed through `hentry_next_index`. The chain lives in memory the
//! datapath rewrites at any time, so the walk trusts nothing: it stops at an index outside the
//! overflow table and after as many steps as there are overflow entries (a longer chain must
//! revisit an entry: a cycle, torn or corrupt), and reports that it stopped early.

use std::fmt;

use super::bridge_entry::BridgeEntryRef;
use super::bridge_key::BridgeKey;
use super::constants::INVALID_INDEX;
use super::flow_entry::FlowEntryRef;
use super::flow_key::FlowKey;
use super::flow_layout::FlowLayout;
use super::geometry::TableGeometry;
use super::hash::HENTRIES_PER_BUCKET;
use super::hentry::HENTRY_NEXT_INDEX;
use super::memory::TableBytes;

/// The indexes a key with a given hash may sit at: its bucket's main slots, then the overflow
/// chain. Yields indexes only; callers check each entry.
pub struct BucketWalk<'a, B: TableBytes + ?Sized> {
    table: &'a B,
    geometry: TableGeometry,
    bucket: u32,
    slot: u32,
    next: u32,
    chain_steps: u32,
    cut_short: bool,
}

impl<'a, B: TableBytes + ?Sized> BucketWalk<'a, B> {
    /// The walk for `hash` in `table`. A table shorter than `geometry` says yields nothing and
    /// counts as [`cut_short`](Self::cut_short).
    pub fn new(table: &'a B, geometry: &TableGeometry, hash: u32) -> Self {
        let too_short = (table.byte_len() as u64) < geometry.byte_len();
        let bucket = geometry.bucket_of(hash);
        if !too_short {
            // The four slots are looked at one after the other; fetch their first two cache lines
            // (flags and key) at once rather than wait for each in turn.
            let size = geometry.entry_size() as usize;
            for slot in 0..HENTRIES_PER_BUCKET as usize {
                table.prefetch((bucket as usize + slot) * size, size.min(128));
            }
        }
        Self {
            table,
            geometry: *geometry,
            bucket,
            slot: if too_short { HENTRIES_PER_BUCKET } else { 0 },
            next: INVALID_INDEX,
            chain_steps: 0,
            cut_short: too_short,
        }
    }

    /// The first main index of the bucket.
    pub fn bucket(&self) -> u32 {
        self.bucket
    }

    /// The walk ended on a broken chain (an index outside the overflow table, or more links than
    /// overflow entries) or on a table too short for its geometry, rather than at the chain's end.
    pub fn cut_short(&self) -> bool {
        self.cut_short
    }

    fn next_index_of(&self, index: u32) -> u32 {
        // The constructor checked the table covers the geometry, and `index` is inside it.
        let base = index as usize * self.geometry.entry_size() as usize;
        self.table.read_u32_le(base + HENTRY_NEXT_INDEX)
    }
}

// Manual: a derived Debug would print the whole table.
impl<B: TableBytes + ?Sized> fmt::Debug for BucketWalk<'_, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BucketWalk")
            .field("bucket", &self.bucket)
            .field("slot", &self.slot)
            .field("next", &self.next)
            .field("chain_steps", &self.chain_steps)
            .field("cut_short", &self.cut_short)
            .finish()
    }
}

impl<B: TableBytes + ?Sized> Iterator for BucketWalk<'_, B> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.slot < HENTRIES_PER_BUCKET {
            let index = self.bucket + self.slot;
            self.slot += 1;
            if self.slot == HENTRIES_PER_BUCKET {
                // The chain hangs off the last slot whether or not that slot is in use.
                self.next = self.next_index_of(index);
            }
            return Some(index);
        }
        if self.next == INVALID_INDEX {
            return None;
        }
        if !self.geometry.is_overflow(self.next)
            || self.chain_steps >= self.geometry.overflow_entries()
        {
            self.cut_short = true;
            self.next = INVALID_INDEX;
            return None;
        }
        let index = self.next;
        self.chain_steps += 1;
        self.next = self.next_index_of(index);
        Some(index)
    }
}

/// The index of the live flow entry with `key`, if any.
///
/// Live means hentry `VALID`, `fe_flags` `ACTIVE` and not `DELETE_MARKED`, with the same key
/// length and key bytes, as vRouter's own lookup requires. `geometry` must describe a table of
/// 256-byte flow entries. Over shared memory the answer is a hint: the entry may change right
/// after; read it with [`read_flow_entry`](super::read_flow_entry) and check the key again.
pub fn lookup_flow<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    layout: FlowLayout,
    key: &FlowKey,
) -> Option<u32> {
    BucketWalk::new(table, geometry, key.hash())
        .find(|&index| flow_matches(table, geometry, layout, index, key))
}

/// The index of the live bridge entry with `key` (hentry `VALID` and `be_flags` `VALID`), if
/// any. `geometry` must describe a table of 64-byte bridge entries.
pub fn lookup_bridge<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    key: &BridgeKey,
) -> Option<u32> {
    BucketWalk::new(table, geometry, key.hash())
        .find(|&index| bridge_matches(table, geometry, index, key))
}

pub(crate) fn flow_matches<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    layout: FlowLayout,
    index: u32,
    key: &FlowKey,
) -> bool {
    let Some(entry) = geometry
        .entry_offset(index)
        .and_then(|base| FlowEntryRef::at(table, base, layout))
    else {
        return false;
    };
    // Cheapest test first: most slots a walk passes are either free or hold another key.
    if !entry.is_live() || entry.key_len() != key.key_len() {
        return false;
    }
    entry.key_region()[..key.key_len() as usize] == *key.key_bytes()
}

pub(crate) fn bridge_matches<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    index: u32,
    key: &BridgeKey,
) -> bool {
    geometry
        .entry_offset(index)
        .and_then(|base| BridgeEntryRef::at(table, base))
        .is_some_and(|entry| entry.is_live() && entry.key() == *key)
}
