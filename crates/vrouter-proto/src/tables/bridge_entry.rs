//! A read-only view of one bridge entry, in place (PROTOCOL.md §7.6, 64 bytes).
//!
//! ```text
//! 0        21    27    29       37         45      49      53      55    64
//! | hentry | mac | vrf | be_nh  | packets  | label | nh_id | flags | pad |
//! ```

use std::fmt;

use super::bridge_key::BridgeKey;
use super::constants::BRIDGE_FLAG_VALID;
use super::geometry::BRIDGE_ENTRY_SIZE;
use super::hentry::{HEntry, HENTRY_FLAGS};
use super::memory::TableBytes;

/// Offset of `be_key` (MAC then VRF).
pub const BE_KEY: usize = 21;
/// Offset of `be_key.be_vrf_id` (u16).
pub const BE_VRF: usize = 27;
/// Offset of `be_nh` (a kernel pointer).
pub const BE_NH_PTR: usize = 29;
/// Offset of `be_packets` (u64).
pub const BE_PACKETS: usize = 37;
/// Offset of `be_label` (u32).
pub const BE_LABEL: usize = 45;
/// Offset of `be_nh_id` (i32).
pub const BE_NH_ID: usize = 49;
/// Offset of `be_flags` (u16).
pub const BE_FLAGS: usize = 53;

/// One bridge entry, read field by field from the table it lives in.
pub struct BridgeEntryRef<'a, B: TableBytes + ?Sized = [u8]> {
    bytes: &'a B,
    base: usize,
}

// Manual impls: a derive would demand `B: Clone`, which unsized `B` cannot be.
impl<B: TableBytes + ?Sized> Clone for BridgeEntryRef<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: TableBytes + ?Sized> Copy for BridgeEntryRef<'_, B> {}

impl<'a, B: TableBytes + ?Sized> BridgeEntryRef<'a, B> {
    /// The entry at `index` of a table, or `None` if the table is too short to hold it.
    pub fn new(table: &'a B, index: u32) -> Option<Self> {
        let base = (index as usize).checked_mul(BRIDGE_ENTRY_SIZE as usize)?;
        Self::at(table, base)
    }

    /// The entry whose 64 bytes start at byte `base` of `bytes`, or `None` if they do not fit.
    pub fn at(bytes: &'a B, base: usize) -> Option<Self> {
        let end = base.checked_add(BRIDGE_ENTRY_SIZE as usize)?;
        (end <= bytes.byte_len()).then_some(Self { bytes, base })
    }

    /// The hash-entry header.
    pub fn hentry(&self) -> HEntry {
        HEntry::read(self.bytes, self.base)
    }

    /// `hentry_flags` alone.
    pub fn hentry_flags(&self) -> u8 {
        self.bytes.read_u8(self.base + HENTRY_FLAGS)
    }

    /// `be_key`.
    pub fn key(&self) -> BridgeKey {
        BridgeKey::from_bytes(&self.bytes.read_array(self.base + BE_KEY))
    }

    /// `be_packets`.
    pub fn packets(&self) -> u64 {
        self.bytes.read_u64_le(self.base + BE_PACKETS)
    }

    /// `be_label` (meaningful with `BRIDGE_FLAG_LABEL_VALID`).
    pub fn label(&self) -> u32 {
        self.bytes.read_u32_le(self.base + BE_LABEL)
    }

    /// `be_nh_id`, −1 for none.
    pub fn nh_id(&self) -> i32 {
        self.bytes.read_u32_le(self.base + BE_NH_ID) as i32
    }

    /// `be_flags` (`BRIDGE_FLAG_*`).
    pub fn flags(&self) -> u16 {
        self.bytes.read_u16_le(self.base + BE_FLAGS)
    }

    /// `be_flags` has `VALID`: what readers list.
    pub fn is_valid(&self) -> bool {
        self.flags() & BRIDGE_FLAG_VALID != 0
    }

    /// What a lookup accepts: hentry `VALID` and `be_flags` `VALID`.
    pub fn is_live(&self) -> bool {
        self.hentry().is_valid() && self.is_valid()
    }
}

impl<B: TableBytes + ?Sized> fmt::Debug for BridgeEntryRef<'_, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BridgeEntryRef")
            .field("hentry", &self.hentry())
            .field("key", &self.key())
            .field("flags", &format_args!("{:#06x}", self.flags()))
            .field("nh_id", &self.nh_id())
            .field("label", &self.label())
            .field("packets", &self.packets())
            .finish()
    }
}
