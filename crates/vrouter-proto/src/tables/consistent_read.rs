//! Copying one entry out of a live table and knowing whether the copy is whole (PROTOCOL.md §7.5).
//!
//! vRouter's tables have no sequence lock. What the agent does (TFC ksync_flow_memory.cc) is an
//! optimistic double check: copy, then look again at the fields that identify the entry (in-use
//! flags, gen id, key) and trust the copy only if they did not move. The same is done here. A
//! change in the identifying fields between copy and re-check means the slot was released or
//! reused while being copied: the caller retries a few times or skips the entry. Counters are not
//! part of the check: they change all the time and a copy holds some recent value of them
//! (possibly with a low part that wrapped before its overflow part caught up).

use std::fmt;

use super::bridge_entry::{BridgeEntryRef, BE_FLAGS, BE_KEY};
use super::bridge_key::BRIDGE_KEY_LEN;
use super::flow_entry::FlowEntryRef;
use super::flow_key::FLOW_KEY_REGION;
use super::flow_layout::{FlowLayout, FE_GEN_ID, FE_KEY};
use super::geometry::{BRIDGE_ENTRY_SIZE, FLOW_ENTRY_SIZE};
use super::hentry::HENTRY_FLAGS;
use super::memory::TableBytes;

const FLOW_SIZE: usize = FLOW_ENTRY_SIZE as usize;
const BRIDGE_SIZE: usize = BRIDGE_ENTRY_SIZE as usize;

/// Why no copy was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadError {
    /// The table is too short to hold entry `index`.
    OutOfRange {
        /// The index asked for.
        index: u32,
    },
    /// The entry's identity (flags, gen id or key) changed while it was copied: retry or skip.
    Torn {
        /// The index asked for.
        index: u32,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { index } => write!(f, "entry {index} is past the end of the table"),
            Self::Torn { index } => write!(f, "entry {index} changed while it was read"),
        }
    }
}

impl std::error::Error for ReadError {}

/// A private copy of one flow entry, consistent in its identity.
#[derive(Clone, PartialEq, Eq)]
pub struct FlowEntryCopy {
    index: u32,
    layout: FlowLayout,
    bytes: [u8; FLOW_SIZE],
}

impl FlowEntryCopy {
    /// The index it was copied from.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Its 256 bytes; `fe_pack`, the padding after the last field, is copied only as far as
    /// [`FlowLayout::copied_len`] and reads as zero after.
    pub fn bytes(&self) -> &[u8; FLOW_SIZE] {
        &self.bytes
    }

    /// A view of the copy.
    pub fn view(&self) -> FlowEntryRef<'_> {
        // 256 bytes always hold one entry.
        FlowEntryRef::at(&self.bytes[..], 0, self.layout).expect("a copy holds one whole entry")
    }
}

impl fmt::Debug for FlowEntryCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowEntryCopy")
            .field("index", &self.index)
            .field("entry", &self.view())
            .finish()
    }
}

/// Copies flow entry `index` out of `table` and checks the copy against the live entry.
///
/// The identity (hentry flags, `fe_flags` and gen id) is read first, then the entry is copied,
/// then the identity and the key are read again; the copy is returned only if all agree. Reading
/// it first matters: the writer fills an entry before it publishes `fe_flags`, so a reader that
/// has seen the flags (before an acquire fence) sees the contents written before them, whereas a
/// copy taken in address order could hold a field from before the publication and flags from
/// after it. A release and reallocation in between changes the gen id (or the key), so it is
/// caught; only 256 reallocations of the same slot with the same key during one copy would not be.
///
/// The copy is returned whatever the entry's state (a released entry copies fine); check
/// [`FlowEntryRef::is_live`] on it. Over a private `[u8]` the check always passes.
pub fn read_flow_entry<B: TableBytes + ?Sized>(
    table: &B,
    layout: FlowLayout,
    index: u32,
) -> Result<FlowEntryCopy, ReadError> {
    let mut copy = FlowEntryCopy {
        index,
        layout,
        bytes: [0u8; FLOW_SIZE],
    };
    copy.read_from(table, layout, index)?;
    Ok(copy)
}

impl FlowEntryCopy {
    /// An empty copy (all zero: a free entry) to read into with [`read_from`](Self::read_from).
    pub fn new(layout: FlowLayout) -> Self {
        Self {
            index: 0,
            layout,
            bytes: [0u8; FLOW_SIZE],
        }
    }

    /// [`read_flow_entry`] into this copy, reusing it (scans read every entry into one copy).
    /// After an error the copy's contents are unspecified.
    pub fn read_from<B: TableBytes + ?Sized>(
        &mut self,
        table: &B,
        layout: FlowLayout,
        index: u32,
    ) -> Result<(), ReadError> {
        FlowEntryRef::new(table, layout, index).ok_or(ReadError::OutOfRange { index })?;
        self.index = index;
        self.layout = layout;
        let base = index as usize * FLOW_SIZE;
        let flags = layout.offsets().flags;
        let before = FlowStamp::read(table, base, flags);
        table.acquire_fence();
        // The fields (and the few padding bytes up to `copied_len`): the rest of fe_pack is padding,
        // and its cache line would cost a memory access.
        table.read_into(base, &mut self.bytes[..layout.copied_len()]);
        // The re-check must read after the copy, not be hoisted before it.
        table.acquire_fence();
        let after = FlowStamp::read(table, base, flags);
        // The key, compared in place over the 64 bytes at KEY_WINDOW (the grid the copy was
        // written in, so the copy's bytes are read back as they were stored), its bytes only.
        let window: &[u8; 64] = self.bytes[KEY_WINDOW..KEY_WINDOW + 64].try_into().expect("64 bytes");
        if before == after
            && before == FlowStamp::read(&self.bytes[..], 0, flags)
            && table.same_masked(base + KEY_WINDOW, window, KEY_MASK)
        {
            Ok(())
        } else {
            Err(ReadError::Torn { index })
        }
    }
}

/// Where the 64-byte window the key is re-checked in starts: a multiple of 16 at or before
/// `FE_KEY`, whose window covers the whole key region.
const KEY_WINDOW: usize = FE_KEY / 16 * 16;
/// The key region's bytes within the window.
const KEY_MASK: u64 = ((1u64 << FLOW_KEY_REGION) - 1) << (FE_KEY - KEY_WINDOW);
const _: () = assert!(FE_KEY - KEY_WINDOW + FLOW_KEY_REGION <= 64 && KEY_WINDOW + 64 <= FLOW_SIZE);

/// What changes whenever a flow entry's occupant changes: the in-use flags and the gen id (every
/// allocation bumps it; the key is written only then). Read before and after a copy; the key is
/// compared after the copy too.
#[derive(PartialEq, Eq)]
struct FlowStamp {
    hentry_flags: u8,
    flags: [u8; 2],
    gen_id: u8,
}

impl FlowStamp {
    #[inline]
    fn read<B: TableBytes + ?Sized>(table: &B, base: usize, flags: usize) -> Self {
        Self {
            hentry_flags: table.read_u8(base + HENTRY_FLAGS),
            flags: table.read_array(base + flags),
            gen_id: table.read_u8(base + FE_GEN_ID),
        }
    }
}

/// A private copy of one bridge entry, consistent in its identity.
#[derive(Clone, PartialEq, Eq)]
pub struct BridgeEntryCopy {
    index: u32,
    bytes: [u8; BRIDGE_SIZE],
}

impl BridgeEntryCopy {
    /// The index it was copied from.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Its 64 bytes.
    pub fn bytes(&self) -> &[u8; BRIDGE_SIZE] {
        &self.bytes
    }

    /// A view of the copy.
    pub fn view(&self) -> BridgeEntryRef<'_> {
        BridgeEntryRef::at(&self.bytes[..], 0).expect("a copy holds one whole entry")
    }
}

impl fmt::Debug for BridgeEntryCopy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BridgeEntryCopy")
            .field("index", &self.index)
            .field("entry", &self.view())
            .finish()
    }
}

/// Copies bridge entry `index` out of `table` and checks the copy's flags and key against the
/// live entry, read before and after the copy (see [`read_flow_entry`] for why before).
pub fn read_bridge_entry<B: TableBytes + ?Sized>(
    table: &B,
    index: u32,
) -> Result<BridgeEntryCopy, ReadError> {
    BridgeEntryRef::new(table, index).ok_or(ReadError::OutOfRange { index })?;
    let base = index as usize * BRIDGE_SIZE;
    let before = BridgeIdentity::read(table, base);
    table.acquire_fence();
    let mut bytes = [0u8; BRIDGE_SIZE];
    table.read_into(base, &mut bytes);
    table.acquire_fence();
    let after = BridgeIdentity::read(table, base);
    if before == after && before == BridgeIdentity::read(&bytes[..], 0) {
        Ok(BridgeEntryCopy { index, bytes })
    } else {
        Err(ReadError::Torn { index })
    }
}

/// What identifies a bridge entry's occupant: hentry flags, key and `be_flags`.
#[derive(PartialEq, Eq)]
struct BridgeIdentity {
    hentry_flags: u8,
    key: [u8; BRIDGE_KEY_LEN],
    flags: [u8; 2],
}

impl BridgeIdentity {
    fn read<B: TableBytes + ?Sized>(table: &B, base: usize) -> Self {
        Self {
            hentry_flags: table.read_u8(base + HENTRY_FLAGS),
            key: table.read_array(base + BE_KEY),
            flags: table.read_array(base + BE_FLAGS),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::net::Ipv4Addr;

    use super::*;
    use crate::tables::{FlowKey, FlowTableWriter, TableGeometry};

    /// A slot caught mid-insert by a reader: identity reads made before the whole-entry copy see
    /// the slot `before`, reads after it see `after`, and the copy itself is `mixed` — what an
    /// in-order copy gets when the writer stores `fe_tcp_seq` just after the copy read it and
    /// publishes `fe_flags` just before the copy reads them.
    struct MidInsert {
        before: Vec<u8>,
        after: Vec<u8>,
        mixed: Vec<u8>,
        copied: Cell<bool>,
    }

    impl TableBytes for MidInsert {
        fn byte_len(&self) -> usize {
            self.after.len()
        }

        fn read_into(&self, offset: usize, dst: &mut [u8]) {
            let src = if dst.len() == FlowLayout::Tf2024.copied_len() {
                self.copied.set(true);
                &self.mixed
            } else if self.copied.get() {
                &self.after
            } else {
                &self.before
            };
            dst.copy_from_slice(&src[offset..offset + dst.len()]);
        }
    }

    #[test]
    fn a_copy_with_flags_published_after_a_field_was_read_is_torn() {
        let g = TableGeometry::new(4, Some(0), FLOW_ENTRY_SIZE).unwrap();
        let mut before = vec![0u8; g.byte_len() as usize];
        let layout = FlowLayout::Tf2024;
        FlowTableWriter::create(&mut before[..], &g, layout).unwrap();
        let mut after = before.clone();
        let key = FlowKey::inet(17, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2), 1, 2, 3);
        let mut w = FlowTableWriter::attach(&mut after[..], &g, layout).unwrap();
        let slot = w.insert_with(&key, |_, e| e.set_tcp_seq(0xdead_beef)).unwrap();
        let base = slot.index as usize * FLOW_SIZE;
        let mut mixed = after.clone();
        // The copy read fe_tcp_seq (offset 80) before the writer stored it.
        mixed[base + 80..base + 84].copy_from_slice(&before[base + 80..base + 84]);

        let table = MidInsert { before, after, mixed, copied: Cell::new(false) };
        assert_eq!(read_flow_entry(&table, layout, slot.index), Err(ReadError::Torn { index: slot.index }));
    }
}
