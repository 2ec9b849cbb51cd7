//! Placing and releasing bridge entries, for the side that owns the table (the simulator).

use std::fmt;

use super::bridge_entry::{BridgeEntryRef, BE_FLAGS, BE_KEY, BE_LABEL, BE_NH_ID, BE_PACKETS};
use super::bridge_key::BridgeKey;
use super::constants::BRIDGE_FLAG_VALID;
use super::error::TableError;
use super::geometry::{TableGeometry, BRIDGE_ENTRY_SIZE};
use super::init::init_in_place;
use super::lookup::lookup_bridge;
use super::memory::{TableBytes, TableSink};
use super::slot_allocator::SlotAllocator;

/// The datapath's side of a bridge table: inserts MAC/VRF keys where vRouter would put them,
/// releases them as vRouter does, and updates the nexthop, label, flags and packet count.
pub struct BridgeTableWriter<S: TableSink> {
    sink: S,
    slots: SlotAllocator,
}

// Manual: a derived Debug would print the whole table.
impl<S: TableSink> fmt::Debug for BridgeTableWriter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BridgeTableWriter")
            .field("geometry", self.geometry())
            .field("used_entries", &self.used_entries())
            .field("used_overflow_entries", &self.used_overflow_entries())
            .finish_non_exhaustive()
    }
}

impl<S: TableSink> BridgeTableWriter<S> {
    /// Initialises the table ([`init_table`](super::init_table)) and returns a writer for it.
    pub fn create(mut sink: S, geometry: &TableGeometry) -> Result<Self, TableError> {
        geometry.expect_entry_size(BRIDGE_ENTRY_SIZE)?;
        init_in_place(&mut sink, geometry)?;
        Self::attach(sink, geometry)
    }

    /// A writer for a table already initialised (and possibly in use).
    pub fn attach(sink: S, geometry: &TableGeometry) -> Result<Self, TableError> {
        geometry.expect_entry_size(BRIDGE_ENTRY_SIZE)?;
        let slots = SlotAllocator::attach(sink.bytes(), geometry)?;
        Ok(Self { sink, slots })
    }

    /// The table's geometry.
    pub fn geometry(&self) -> &TableGeometry {
        self.slots.geometry()
    }

    /// The table's bytes, for reading.
    pub fn table(&self) -> &S::Bytes {
        self.sink.bytes()
    }

    /// Gives the sink back.
    pub fn into_inner(self) -> S {
        self.sink
    }

    /// Entries in use, main and overflow.
    pub fn used_entries(&self) -> u32 {
        self.slots.used_entries()
    }

    /// Overflow entries in use.
    pub fn used_overflow_entries(&self) -> u32 {
        self.slots.used_overflow_entries()
    }

    /// A view of entry `index`, or `None` past the end.
    pub fn entry(&self, index: u32) -> Option<BridgeEntryRef<'_, S::Bytes>> {
        let base = self.geometry().entry_offset(index)?;
        BridgeEntryRef::at(self.sink.bytes(), base)
    }

    /// The index of the live entry with `key`.
    pub fn lookup(&self, key: &BridgeKey) -> Option<u32> {
        lookup_bridge(self.sink.bytes(), self.geometry(), key)
    }

    /// Places `key` as vRouter adds a bridge entry: the key, no packets, no nexthop
    /// (`be_nh_id` = −1), then `be_flags` = `VALID`. Set the nexthop and label afterwards.
    pub fn insert(&mut self, key: &BridgeKey) -> Result<u32, TableError> {
        if let Some(index) = self.lookup(key) {
            return Err(TableError::Exists { index });
        }
        let reservation = self.slots.reserve(self.sink.bytes(), key.hash())?;
        self.slots.claim(&mut self.sink, reservation);
        let base = self.base(reservation.index);
        self.sink.write(base + BE_KEY, &key.to_bytes());
        self.sink.write(base + BE_PACKETS, &0u64.to_le_bytes());
        self.sink.write(base + BE_NH_ID, &(-1i32).to_le_bytes());
        self.sink.release_fence();
        self.sink
            .write(base + BE_FLAGS, &BRIDGE_FLAG_VALID.to_le_bytes());
        self.slots.link(&mut self.sink, reservation);
        Ok(reservation.index)
    }

    /// Releases entry `index` as vRouter frees a bridge entry: `VALID` cleared from `be_flags`,
    /// no nexthop, packets zeroed, hentry released (an overflow entry unlinked and freed).
    pub fn release(&mut self, index: u32) -> Result<(), TableError> {
        let release = self.slots.prepare_free(self.sink.bytes(), index)?;
        let base = self.base(index);
        let flags = self.sink.bytes().read_u16_le(base + BE_FLAGS) & !BRIDGE_FLAG_VALID;
        self.sink.write(base + BE_FLAGS, &flags.to_le_bytes());
        self.sink.release_fence();
        self.sink.write(base + BE_NH_ID, &(-1i32).to_le_bytes());
        self.sink.write(base + BE_PACKETS, &0u64.to_le_bytes());
        self.slots.free(&mut self.sink, release);
        Ok(())
    }

    /// `be_nh_id` of in-use entry `index`.
    pub fn set_nh_id(&mut self, index: u32, nh_id: i32) -> Result<(), TableError> {
        let base = self.in_use(index)?;
        self.sink.write(base + BE_NH_ID, &nh_id.to_le_bytes());
        Ok(())
    }

    /// `be_label` of in-use entry `index` (pair it with `BRIDGE_FLAG_LABEL_VALID`).
    pub fn set_label(&mut self, index: u32, label: u32) -> Result<(), TableError> {
        let base = self.in_use(index)?;
        self.sink.write(base + BE_LABEL, &label.to_le_bytes());
        Ok(())
    }

    /// `be_flags` of in-use entry `index`, as given (keep `VALID` set to keep it visible).
    pub fn set_flags(&mut self, index: u32, flags: u16) -> Result<(), TableError> {
        let base = self.in_use(index)?;
        self.sink.release_fence();
        self.sink.write(base + BE_FLAGS, &flags.to_le_bytes());
        Ok(())
    }

    /// Adds to `be_packets` (wrapping, as the datapath's 64-bit atomic add does) and returns the
    /// new count.
    pub fn add_packets(&mut self, index: u32, packets: u64) -> Result<u64, TableError> {
        let base = self.in_use(index)?;
        let count = self
            .sink
            .bytes()
            .read_u64_le(base + BE_PACKETS)
            .wrapping_add(packets);
        self.sink.write(base + BE_PACKETS, &count.to_le_bytes());
        Ok(count)
    }

    fn in_use(&self, index: u32) -> Result<usize, TableError> {
        let entry = self
            .entry(index)
            .ok_or(TableError::IndexOutOfRange { index })?;
        if entry.is_live() {
            Ok(self.base(index))
        } else {
            Err(TableError::NotInUse { index })
        }
    }

    fn base(&self, index: u32) -> usize {
        index as usize * BRIDGE_ENTRY_SIZE as usize
    }
}

