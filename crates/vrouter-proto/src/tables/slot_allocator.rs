//! Slot bookkeeping shared by the flow and bridge writers: which slot a new key takes, how
//! overflow entries are linked into and out of a bucket's chain, and the overflow free list.
//!
//! Placement follows vRouter (dp-core/vr_htable.c): the first of the bucket's four main slots
//! whose header is not `VALID`; otherwise an overflow entry from the free list, linked at the
//! head of the chain that hangs off the bucket's last slot. vRouter's free list starts as the
//! overflow entries in index order and takes released entries back at its head; this one does
//! the same, so placements are deterministic. vRouter defers unlinking a released overflow entry
//! until concurrent readers are done with it; the simulator is the only writer, so it unlinks at
//! once and readers cope as they must anyway (a walk may end early, never run wild).

use super::constants::{HENTRY_IN_FREE_LIST, HENTRY_VALID, INVALID_INDEX};
use super::error::TableError;
use super::geometry::TableGeometry;
use super::hash::HENTRIES_PER_BUCKET;
use super::hentry::{
    HEntry, HENTRY_BUCKET_INDEX, HENTRY_FLAGS, HENTRY_INDEX, HENTRY_NEXT_INDEX, HENTRY_SIZE,
};
use super::init::check_len;
use super::memory::{TableBytes, TableSink};

/// A slot chosen for a new key, not yet written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reservation {
    pub index: u32,
    /// For an overflow entry: the bucket's last slot, whose chain it joins.
    pub chain_head: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct SlotAllocator {
    geometry: TableGeometry,
    /// Free overflow entries; the last element is the head, popped first.
    free: Vec<u32>,
    used_entries: u32,
    used_overflow_entries: u32,
}

impl SlotAllocator {
    /// Takes stock of an initialised table: counts the entries in use and rebuilds the free list
    /// from the overflow entries flagged `IN_FREE_LIST`, lowest index at the head.
    pub fn attach<B: TableBytes + ?Sized>(
        bytes: &B,
        geometry: &TableGeometry,
    ) -> Result<Self, TableError> {
        check_len(bytes, geometry)?;
        let mut free = Vec::new();
        let (mut used_entries, mut used_overflow_entries) = (0, 0);
        for index in 0..geometry.total_entries() {
            let h = HEntry::read(bytes, offset(geometry, index));
            if h.index != index {
                return Err(TableError::Uninitialised { index });
            }
            let overflow = geometry.is_overflow(index);
            if h.is_valid() {
                used_entries += 1;
                used_overflow_entries += u32::from(overflow);
            } else if overflow && h.is_in_free_list() {
                free.push(index);
            }
        }
        free.reverse();
        Ok(Self {
            geometry: *geometry,
            free,
            used_entries,
            used_overflow_entries,
        })
    }

    pub fn geometry(&self) -> &TableGeometry {
        &self.geometry
    }

    pub fn used_entries(&self) -> u32 {
        self.used_entries
    }

    pub fn used_overflow_entries(&self) -> u32 {
        self.used_overflow_entries
    }

    pub fn free_overflow_entries(&self) -> u32 {
        self.free.len() as u32
    }

    /// Chooses the slot for a key of `hash` and takes it off the free list if it is an
    /// overflow entry. Nothing is written yet.
    pub fn reserve<B: TableBytes + ?Sized>(
        &mut self,
        bytes: &B,
        hash: u32,
    ) -> Result<Reservation, TableError> {
        let bucket = self.geometry.bucket_of(hash);
        for index in bucket..bucket + HENTRIES_PER_BUCKET {
            if bytes.read_u8(offset(&self.geometry, index) + HENTRY_FLAGS) & HENTRY_VALID == 0 {
                return Ok(Reservation {
                    index,
                    chain_head: None,
                });
            }
        }
        let index = self.free.pop().ok_or(TableError::Full)?;
        Ok(Reservation {
            index,
            chain_head: Some(bucket + HENTRIES_PER_BUCKET - 1),
        })
    }

    /// Marks the reserved slot's header in use. A main slot keeps its `next_index`: the bucket's
    /// chain hangs off its last slot whether or not that slot holds a key. An overflow entry
    /// records its bucket and points at the current chain head; it is not reachable until
    /// [`link`](Self::link).
    pub fn claim<S: TableSink>(&mut self, sink: &mut S, r: Reservation) {
        let base = offset(&self.geometry, r.index);
        if let Some(head) = r.chain_head {
            let first = sink
                .bytes()
                .read_u32_le(offset(&self.geometry, head) + HENTRY_NEXT_INDEX);
            sink.write(base + HENTRY_BUCKET_INDEX, &head.to_le_bytes());
            sink.write(base + HENTRY_NEXT_INDEX, &first.to_le_bytes());
            self.used_overflow_entries += 1;
        } else {
            sink.write(base + HENTRY_BUCKET_INDEX, &INVALID_INDEX.to_le_bytes());
        }
        sink.write(base + HENTRY_FLAGS, &[HENTRY_VALID]);
        self.used_entries += 1;
    }

    /// Makes a claimed overflow entry the head of its bucket's chain. Called once the entry's
    /// contents are written, so that readers never reach a half-written entry through the chain.
    pub fn link<S: TableSink>(&self, sink: &mut S, r: Reservation) {
        if let Some(head) = r.chain_head {
            sink.release_fence();
            sink.write(
                offset(&self.geometry, head) + HENTRY_NEXT_INDEX,
                &r.index.to_le_bytes(),
            );
        }
    }

    /// Checks that entry `index` can be freed: it exists, is in use and, for an overflow entry,
    /// is reachable on its bucket's chain. Nothing is changed.
    pub fn prepare_free<B: TableBytes + ?Sized>(
        &self,
        bytes: &B,
        index: u32,
    ) -> Result<Release, TableError> {
        if !self.geometry.contains(index) {
            return Err(TableError::IndexOutOfRange { index });
        }
        if bytes.read_u8(offset(&self.geometry, index) + HENTRY_FLAGS) & HENTRY_VALID == 0 {
            return Err(TableError::NotInUse { index });
        }
        let predecessor = if self.geometry.is_overflow(index) {
            Some(
                self.predecessor(bytes, index)
                    .ok_or(TableError::CorruptChain { index })?,
            )
        } else {
            None
        };
        Ok(Release { index, predecessor })
    }

    /// Takes an entry out of use. A main slot only loses `VALID`. An overflow entry is unlinked
    /// (its predecessor skips it), its header reset to the free state, and it goes back at the
    /// head of the free list.
    pub fn free<S: TableSink>(&mut self, sink: &mut S, release: Release) {
        let base = offset(&self.geometry, release.index);
        if let Some(prev) = release.predecessor {
            let next = sink.bytes().read_u32_le(base + HENTRY_NEXT_INDEX);
            sink.write(
                offset(&self.geometry, prev) + HENTRY_NEXT_INDEX,
                &next.to_le_bytes(),
            );
            let header = HEntry {
                index: release.index,
                bucket_index: INVALID_INDEX,
                next_index: INVALID_INDEX,
                flags: HENTRY_IN_FREE_LIST,
            };
            // From hentry_index on: hentry_next (a pointer vRouter owns) stays as it is.
            sink.write(
                base + HENTRY_INDEX,
                &header.to_bytes()[HENTRY_INDEX..HENTRY_SIZE],
            );
            self.free.push(release.index);
            self.used_overflow_entries -= 1;
        } else {
            let flags = sink.bytes().read_u8(base + HENTRY_FLAGS);
            sink.write(base + HENTRY_FLAGS, &[flags & !HENTRY_VALID]);
        }
        self.used_entries -= 1;
    }

    /// The entry whose `next_index` points at overflow entry `index` on its bucket's chain, or
    /// `None` if the chain does not lead there within the overflow table's size.
    fn predecessor<B: TableBytes + ?Sized>(&self, bytes: &B, index: u32) -> Option<u32> {
        let head = bytes.read_u32_le(offset(&self.geometry, index) + HENTRY_BUCKET_INDEX);
        if head >= self.geometry.main_entries()
            || head % HENTRIES_PER_BUCKET != HENTRIES_PER_BUCKET - 1
        {
            return None;
        }
        let mut prev = head;
        for _ in 0..self.geometry.overflow_entries() {
            let next = bytes.read_u32_le(offset(&self.geometry, prev) + HENTRY_NEXT_INDEX);
            if next == index {
                return Some(prev);
            }
            if !self.geometry.is_overflow(next) {
                return None;
            }
            prev = next;
        }
        None
    }
}

/// An entry checked by [`SlotAllocator::prepare_free`], ready to be freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Release {
    pub index: u32,
    predecessor: Option<u32>,
}

fn offset(geometry: &TableGeometry, index: u32) -> usize {
    index as usize * geometry.entry_size() as usize
}
