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
use super::flow_key::{FlowKey, FLOW_KEY_LEN_INET, FLOW_KEY_LEN_INET6, FLOW_KEY_REGION};
use super::flow_layout::{FlowLayout, FE_KEY};
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
            prefetch_bucket(table, geometry, hash);
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

/// Asks the memory system for what a lookup of `hash` reads first, so that the lines arrive
/// together rather than one miss after another: the first three cache lines of each of the
/// bucket's four slots (flags and key, then the rest of a flow entry's fields, which the copy of
/// the entry found reads). Lookups of many keys call it for keys ahead of the one they resolve.
/// Never a memory access itself; nothing for a table shorter than `geometry`.
pub fn prefetch_bucket<B: TableBytes + ?Sized>(table: &B, geometry: &TableGeometry, hash: u32) {
    let size = geometry.entry_size() as usize;
    let bucket = geometry.bucket_of(hash) as usize;
    if (table.byte_len() as u64) < geometry.byte_len() {
        return;
    }
    for slot in 0..HENTRIES_PER_BUCKET as usize {
        table.prefetch((bucket + slot) * size, size.min(192));
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
    lookup_flow_hashed(table, geometry, layout, key, key.hash())
}

/// [`lookup_flow`] for a key whose hash (`key.hash()`) is already known.
pub fn lookup_flow_hashed<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    layout: FlowLayout,
    key: &FlowKey,
    hash: u32,
) -> Option<u32> {
    debug_assert_eq!(hash, key.hash());
    let window = KeyWindow::of(key);
    BucketWalk::new(table, geometry, hash)
        .find(|&index| flow_matches_in_place(table, geometry, layout, index, &window))
}

/// A flow key laid out as the 64 bytes of an entry from [`KEY_WINDOW`] hold it (key bytes, then
/// the length byte), with a mask of the bytes that must match: compared in place against each
/// candidate slot, in registers, rather than copied out and compared.
struct KeyWindow {
    bytes: [u8; 64],
    mask: u64,
}

/// The start of the 64-byte window compared: the 16-byte boundary at or before the key.
const KEY_WINDOW: usize = FE_KEY / 16 * 16;
const _: () = assert!(FE_KEY - KEY_WINDOW + FLOW_KEY_REGION <= 64);

impl KeyWindow {
    fn of(key: &FlowKey) -> Self {
        let at = FE_KEY - KEY_WINDOW;
        let len = key.key_len() as usize;
        let mut bytes = [0u8; 64];
        bytes[at..at + len].copy_from_slice(key.key_bytes());
        bytes[at + FLOW_KEY_REGION - 1] = key.key_len();
        let mask = ((1u64 << len) - 1) << at | 1u64 << (at + FLOW_KEY_REGION - 1);
        Self { bytes, mask }
    }
}

/// Whether slot `index` holds the live flow entry with the key `key` describes: hentry `VALID`,
/// `fe_flags` `ACTIVE` and not `DELETE_MARKED`, the same key length and key bytes, as vRouter's
/// own lookup requires.
fn flow_matches_in_place<B: TableBytes + ?Sized>(
    table: &B,
    geometry: &TableGeometry,
    layout: FlowLayout,
    index: u32,
    key: &KeyWindow,
) -> bool {
    let Some(base) = geometry.entry_offset(index) else { return false };
    let Some(entry) = FlowEntryRef::at(table, base, layout) else { return false };
    // Cheapest test first: most slots a walk passes are either free or hold another key. The
    // entry is whole in the table (`at` checked), so its 64-byte key window is too.
    entry.is_live() && table.same_masked(base + KEY_WINDOW, &key.bytes, key.mask)
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

/// Whether a stored key region holds `key`: its length byte and its first `key_len` bytes (the
/// rest is not part of the key). Compared at the two lengths a key has, as fixed-size compares
/// the compiler turns into a few vector instructions rather than a call to `memcmp`.
#[inline]
pub fn same_key(region: &[u8; FLOW_KEY_REGION], key: &FlowKey) -> bool {
    let (len, bytes) = (key.key_len(), key.key_bytes());
    if region[FLOW_KEY_REGION - 1] != len {
        return false;
    }
    match len {
        FLOW_KEY_LEN_INET => same_n::<{ FLOW_KEY_LEN_INET as usize }>(region, bytes),
        FLOW_KEY_LEN_INET6 => same_n::<{ FLOW_KEY_LEN_INET6 as usize }>(region, bytes),
        _ => region[..len as usize] == *bytes,
    }
}

/// The first `N` bytes of `a` and `b` are equal (`false` if either is shorter): a fixed-length
/// loop the compiler turns into vector compares (a slice compare would call `memcmp`).
#[inline(always)]
fn same_n<const N: usize>(a: &[u8], b: &[u8]) -> bool {
    let (Some(a), Some(b)) = (a.first_chunk::<N>(), b.first_chunk::<N>()) else { return false };
    let mut diff = 0u8;
    for i in 0..N {
        diff |= a[i] ^ b[i];
    }
    diff == 0
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
