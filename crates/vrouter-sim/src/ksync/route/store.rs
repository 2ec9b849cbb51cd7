//! The bridge table bridge routes live in, behind a trait so the datapath can hand over either
//! its shared-memory table (`SimTables`' `BridgeTableWriter` over the mapped file) or, until it
//! has one, a table in process memory with the same layout.

use std::fmt;

use vrouter_proto::tables::constants::HENTRY_VALID;
use vrouter_proto::tables::{BridgeKey, BridgeTableWriter, TableError, TableGeometry, TableSink, BRIDGE_ENTRY_SIZE};

/// One bridge entry's fields, read from the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeSlot {
    /// hentry `VALID`: the slot is allocated (what a lookup by index requires).
    pub hentry_valid: bool,
    /// `be_key`.
    pub key: BridgeKey,
    /// `be_label`.
    pub label: u32,
    /// `be_nh_id`, −1 for none.
    pub nh_id: i32,
    /// `be_flags` (VR_BE_*).
    pub flags: u16,
}

/// VR_BE_VALID_FLAG.
pub const BE_VALID: u16 = 0x01;

impl BridgeSlot {
    /// hentry and `be_flags` both VALID: what a lookup by key and a dump list.
    pub fn is_live(&self) -> bool {
        self.hentry_valid && self.flags & BE_VALID != 0
    }
}

/// What the bridge-route handler needs of a bridge table. Implemented for every
/// [`BridgeTableWriter`].
pub trait BridgeStore: fmt::Debug + Send {
    /// Entries, main and overflow: a dump scans indexes `0..total_entries()`.
    fn total_entries(&self) -> u32;
    /// The live entry with `key`.
    fn find(&self, key: &BridgeKey) -> Option<u32>;
    /// Entry `index`, none past the end.
    fn slot(&self, index: u32) -> Option<BridgeSlot>;
    /// Whether entry `index` is allocated (hentry VALID): a cheaper test than [`slot`](Self::slot)
    /// for scans of the whole table.
    fn allocated(&self, index: u32) -> bool {
        self.slot(index).is_some_and(|s| s.hentry_valid)
    }
    /// Whether entry `index` is live (hentry and `be_flags` VALID).
    fn live(&self, index: u32) -> bool {
        self.slot(index).is_some_and(|s| s.is_live())
    }
    /// Places a new entry for `key`: VALID, no nexthop (−1), no packets.
    fn insert(&mut self, key: &BridgeKey) -> Result<u32, TableError>;
    /// Frees entry `index` (VALID cleared, no nexthop, packets zeroed, hentry released).
    fn release(&mut self, index: u32) -> Result<(), TableError>;
    /// Sets `be_nh_id`.
    fn set_nh_id(&mut self, index: u32, nh_id: i32) -> Result<(), TableError>;
    /// Sets `be_label`.
    fn set_label(&mut self, index: u32, label: u32) -> Result<(), TableError>;
    /// Sets `be_flags`.
    fn set_flags(&mut self, index: u32, flags: u16) -> Result<(), TableError>;
}

impl<S: TableSink> BridgeStore for BridgeTableWriter<S>
where
    BridgeTableWriter<S>: Send,
{
    fn total_entries(&self) -> u32 {
        self.geometry().total_entries()
    }

    fn find(&self, key: &BridgeKey) -> Option<u32> {
        self.lookup(key)
    }

    fn slot(&self, index: u32) -> Option<BridgeSlot> {
        let e = self.entry(index)?;
        Some(BridgeSlot {
            hentry_valid: e.hentry().is_valid(),
            key: e.key(),
            label: e.label(),
            nh_id: e.nh_id(),
            flags: e.flags(),
        })
    }

    fn allocated(&self, index: u32) -> bool {
        self.entry(index).is_some_and(|e| e.hentry_flags() & HENTRY_VALID != 0)
    }

    fn live(&self, index: u32) -> bool {
        self.entry(index).is_some_and(|e| e.hentry_flags() & HENTRY_VALID != 0 && e.is_valid())
    }

    fn insert(&mut self, key: &BridgeKey) -> Result<u32, TableError> {
        BridgeTableWriter::insert(self, key)
    }

    fn release(&mut self, index: u32) -> Result<(), TableError> {
        BridgeTableWriter::release(self, index)
    }

    fn set_nh_id(&mut self, index: u32, nh_id: i32) -> Result<(), TableError> {
        BridgeTableWriter::set_nh_id(self, index, nh_id)
    }

    fn set_label(&mut self, index: u32, label: u32) -> Result<(), TableError> {
        BridgeTableWriter::set_label(self, index, label)
    }

    fn set_flags(&mut self, index: u32, flags: u16) -> Result<(), TableError> {
        BridgeTableWriter::set_flags(self, index, flags)
    }
}

/// A table in process memory, for a datapath without a mapped table file.
pub struct MemoryTable(Vec<u8>);

// Manual: a derived Debug would print every byte.
impl fmt::Debug for MemoryTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemoryTable({} bytes)", self.0.len())
    }
}

impl TableSink for MemoryTable {
    type Bytes = [u8];

    fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn write(&mut self, offset: usize, src: &[u8]) {
        self.0[offset..offset + src.len()].copy_from_slice(src);
    }
}

/// A bridge table of `main` + `overflow` entries in process memory, initialised as vRouter
/// initialises one; none if no such table can exist here.
pub fn memory_bridge_table(main: u32, overflow: u32) -> Option<BridgeTableWriter<MemoryTable>> {
    let geometry = TableGeometry::new(main, Some(overflow), BRIDGE_ENTRY_SIZE).ok()?;
    let len = usize::try_from(geometry.byte_len()).ok()?;
    BridgeTableWriter::create(MemoryTable(vec![0; len]), &geometry).ok()
}
