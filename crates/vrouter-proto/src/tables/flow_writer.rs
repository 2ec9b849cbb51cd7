//! Placing and releasing flows, for the side that owns the table (the simulator).

use std::fmt;

use super::constants::{
    FLOW_ACTION_DROP, FLOW_FLAG1_HBS_LEFT, FLOW_FLAG1_HBS_RIGHT, FLOW_FLAG_ACTIVE,
    FLOW_FLAG_NEW_FLOW, FLOW_TYPE_IP, FLOW_TYPE_IP6, FLOW_TYPE_NULL, MIRROR_NONE, NH_DISCARD_ID,
};
use super::error::TableError;
use super::flow_entry::FlowEntryRef;
use super::flow_entry_mut::FlowEntryMut;
use super::flow_key::{FlowKey, FLOW_KEY_LEN_INET};
use super::flow_layout::{FlowLayout, FE_GEN_ID, FE_KEY, FE_KEY_LEN, FE_TCP_FLAGS, FE_TTL};
use super::flow_stats::FlowStats;
use super::geometry::{TableGeometry, FLOW_ENTRY_SIZE};
use super::init::init_in_place;
use super::lookup::lookup_flow;
use super::memory::{TableBytes, TableSink};
use super::slot_allocator::SlotAllocator;

/// Where a flow was placed, and its generation there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowSlot {
    /// Index in the combined main + overflow table.
    pub index: u32,
    /// `fe_gen_id` after the allocation.
    pub gen_id: u8,
}

/// The datapath's side of a flow table: inserts keys where vRouter would put them, releases
/// them as vRouter does, and updates fields and counters.
///
/// The writer is the only one changing the table; readers (here or in other processes) may read
/// at any time. Entries are filled before they are published: contents, then `fe_flags`, then
/// (for an overflow entry) the link into the chain; a release clears `fe_flags` first.
pub struct FlowTableWriter<S: TableSink> {
    sink: S,
    layout: FlowLayout,
    slots: SlotAllocator,
}

// Manual: a derived Debug would print the whole table.
impl<S: TableSink> fmt::Debug for FlowTableWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowTableWriter")
            .field("geometry", self.geometry())
            .field("layout", &self.layout)
            .field("used_entries", &self.used_entries())
            .field("used_overflow_entries", &self.used_overflow_entries())
            .finish_non_exhaustive()
    }
}

impl<S: TableSink> FlowTableWriter<S> {
    /// Initialises the table ([`init_table`](super::init_table)) and returns a writer for it.
    pub fn create(
        mut sink: S,
        geometry: &TableGeometry,
        layout: FlowLayout,
    ) -> Result<Self, TableError> {
        geometry.expect_entry_size(FLOW_ENTRY_SIZE)?;
        init_in_place(&mut sink, geometry)?;
        Self::attach(sink, geometry, layout)
    }

    /// A writer for a table already initialised (and possibly in use), rebuilding the free list
    /// and counters from what the table holds.
    pub fn attach(
        sink: S,
        geometry: &TableGeometry,
        layout: FlowLayout,
    ) -> Result<Self, TableError> {
        geometry.expect_entry_size(FLOW_ENTRY_SIZE)?;
        let slots = SlotAllocator::attach(sink.bytes(), geometry)?;
        Ok(Self {
            sink,
            layout,
            slots,
        })
    }

    /// The table's geometry.
    pub fn geometry(&self) -> &TableGeometry {
        self.slots.geometry()
    }

    /// The flow-entry layout written.
    pub fn layout(&self) -> FlowLayout {
        self.layout
    }

    /// The table's bytes, for reading.
    pub fn table(&self) -> &S::Bytes {
        self.sink.bytes()
    }

    /// Gives the sink back.
    pub fn into_inner(self) -> S {
        self.sink
    }

    /// Entries in use, main and overflow (vRouter's `ftable_used_entries`).
    pub fn used_entries(&self) -> u32 {
        self.slots.used_entries()
    }

    /// Overflow entries in use (vRouter's `ftable_oflow_entries`).
    pub fn used_overflow_entries(&self) -> u32 {
        self.slots.used_overflow_entries()
    }

    /// Overflow entries on the free list.
    pub fn free_overflow_entries(&self) -> u32 {
        self.slots.free_overflow_entries()
    }

    /// A view of entry `index`, or `None` past the end.
    pub fn entry(&self, index: u32) -> Option<FlowEntryRef<'_, S::Bytes>> {
        let base = self.geometry().entry_offset(index)?;
        FlowEntryRef::at(self.sink.bytes(), base, self.layout)
    }

    /// The index of the live entry with `key`.
    pub fn lookup(&self, key: &FlowKey) -> Option<u32> {
        lookup_flow(self.sink.bytes(), self.geometry(), self.layout, key)
    }

    /// Places `key` as vRouter allocates a flow: the first free slot of its bucket, else an
    /// overflow entry linked at the head of the bucket's chain. The slot gets hentry `VALID`,
    /// `fe_flags` = `ACTIVE | NEW_FLOW`, its gen id bumped (wrapping at 255), the key, key length
    /// and `fe_type`, and vRouter's fresh-entry values (no reverse flow, no mirrors, no ECMP
    /// member). Action and everything else are left for the caller.
    pub fn insert(&mut self, key: &FlowKey) -> Result<FlowSlot, TableError> {
        self.insert_with(key, |_, _| {})
    }

    /// [`insert`](Self::insert), with `fill` setting more fields before the entry is published
    /// (before `fe_flags` says `ACTIVE`), so that no reader sees the entry without them. `fill`
    /// is given the slot (index and new gen id) and the entry.
    pub fn insert_with(
        &mut self,
        key: &FlowKey,
        fill: impl FnOnce(FlowSlot, &mut FlowEntryMut<'_, S>),
    ) -> Result<FlowSlot, TableError> {
        if let Some(index) = self.lookup(key) {
            return Err(TableError::Exists { index });
        }
        let reservation = self.slots.reserve(self.sink.bytes(), key.hash())?;
        self.slots.claim(&mut self.sink, reservation);
        let base = self.base(reservation.index);

        let len = key.key_len() as usize;
        // Like vRouter, copy only the key's own bytes: a shorter key leaves stale bytes behind it.
        self.sink.write(base + FE_KEY, key.key_bytes());
        self.sink.write(base + FE_KEY_LEN, &[key.key_len()]);
        let flow_type = if len == FLOW_KEY_LEN_INET as usize {
            FLOW_TYPE_IP
        } else {
            FLOW_TYPE_IP6
        };
        let gen_id = self.sink.bytes().read_u8(base + FE_GEN_ID).wrapping_add(1);
        self.sink.write(base + FE_GEN_ID, &[gen_id]);

        let o = self.layout.offsets();
        self.sink.write(base + o.flow_type, &[flow_type]);
        self.sink.write(base + o.rflow, &(-1i32).to_le_bytes());
        self.sink.write(base + o.mirror_id, &[MIRROR_NONE]);
        self.sink.write(base + o.sec_mirror_id, &[MIRROR_NONE]);
        self.sink
            .write(base + o.ecmp_nh_index, &(-1i8).to_le_bytes());
        if let Some(u) = o.underlay_ecmp_index {
            self.sink.write(base + u, &(-1i8).to_le_bytes());
        }
        let slot = FlowSlot {
            index: reservation.index,
            gen_id,
        };
        fill(slot, &mut FlowEntryMut::new(&mut self.sink, base, self.layout));

        self.sink.release_fence();
        self.sink.write(
            base + o.flags,
            &(FLOW_FLAG_ACTIVE | FLOW_FLAG_NEW_FLOW).to_le_bytes(),
        );
        self.slots.link(&mut self.sink, reservation);
        Ok(slot)
    }

    /// Releases entry `index` as vRouter resets a flow: `fe_flags` = 0, counters zeroed, key
    /// length 0, `fe_type` NULL, the per-flow fields back to their reset values, hentry `VALID`
    /// cleared, and an overflow entry unlinked and returned to the free list. The gen id stays,
    /// to be bumped by the next allocation.
    pub fn release(&mut self, index: u32) -> Result<(), TableError> {
        let release = self.slots.prepare_free(self.sink.bytes(), index)?;
        let base = self.base(index);
        let o = self.layout.offsets();

        // Unpublish first, so that a reader copying the entry meanwhile sees it go.
        self.sink.write(base + o.flags, &0u16.to_le_bytes());
        self.sink.release_fence();

        self.sink.write(base + FE_KEY_LEN, &[0]);
        self.sink.write(base + FE_TTL, &[0]);
        self.sink.write(base + FE_TCP_FLAGS, &0u16.to_le_bytes());
        self.sink.write(base + o.mirror_id, &[MIRROR_NONE]);
        self.sink.write(base + o.sec_mirror_id, &[MIRROR_NONE]);
        self.sink
            .write(base + o.ecmp_nh_index, &(-1i8).to_le_bytes());
        let discard = NH_DISCARD_ID.to_le_bytes();
        self.sink
            .write(base + o.src_nh_index, &discard[..o.src_nh_index_width]);
        self.sink.write(base + o.rflow, &(-1i32).to_le_bytes());
        self.sink
            .write(base + o.action, &FLOW_ACTION_DROP.to_le_bytes());
        self.sink.write(base + o.udp_src_port, &0u16.to_le_bytes());
        self.sink.write(base + o.src_info, &0u32.to_le_bytes());
        self.sink
            .write(base + o.stats, &FlowStats::default().to_bytes());
        self.sink.write(base + o.flow_type, &[FLOW_TYPE_NULL]);
        if let Some(f1) = o.flags1 {
            let flags1 = self.sink.bytes().read_u16_le(base + f1)
                & !(FLOW_FLAG1_HBS_LEFT | FLOW_FLAG1_HBS_RIGHT);
            self.sink.write(base + f1, &flags1.to_le_bytes());
        }
        if let Some(u) = o.underlay_ecmp_index {
            self.sink.write(base + u, &(-1i8).to_le_bytes());
        }

        self.slots.free(&mut self.sink, release);
        Ok(())
    }

    /// Write access to the fields of in-use entry `index`.
    pub fn entry_mut(&mut self, index: u32) -> Result<FlowEntryMut<'_, S>, TableError> {
        self.check_in_use(index)?;
        let base = self.base(index);
        Ok(FlowEntryMut::new(&mut self.sink, base, self.layout))
    }

    /// Counts traffic on in-use entry `index` (32-bit parts wrap into their overflow parts, as
    /// the datapath counts) and returns the new counters.
    pub fn add_stats(
        &mut self,
        index: u32,
        bytes: u32,
        packets: u32,
    ) -> Result<FlowStats, TableError> {
        Ok(self.entry_mut(index)?.add_stats(bytes, packets))
    }

    fn check_in_use(&self, index: u32) -> Result<(), TableError> {
        let entry = self
            .entry(index)
            .ok_or(TableError::IndexOutOfRange { index })?;
        if entry.hentry().is_valid() && entry.is_active() {
            Ok(())
        } else {
            Err(TableError::NotInUse { index })
        }
    }

    fn base(&self, index: u32) -> usize {
        index as usize * FLOW_ENTRY_SIZE as usize
    }
}

