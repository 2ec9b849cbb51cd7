//! The hash-entry header every flow and bridge entry starts with (`vr_hentry_t`, 21 bytes).
//!
//! ```text
//! 0              8        12              16            20      21
//! | hentry_next  | index  | bucket_index  | next_index  | flags |
//! ```
//!
//! `hentry_next` is a pointer in vRouter's address space: readers ignore it and the writers here
//! leave it zero. The indexes are little-endian u32; the chain is followed through `next_index`.

use super::constants::{HENTRY_DELETE_MARKED, HENTRY_IN_FREE_LIST, HENTRY_VALID, INVALID_INDEX};
use super::memory::TableBytes;

/// Offset of `hentry_next` (a kernel pointer, meaningless outside vRouter).
pub const HENTRY_NEXT_PTR: usize = 0;
/// Offset of `hentry_index`.
pub const HENTRY_INDEX: usize = 8;
/// Offset of `hentry_bucket_index`.
pub const HENTRY_BUCKET_INDEX: usize = 12;
/// Offset of `hentry_next_index`.
pub const HENTRY_NEXT_INDEX: usize = 16;
/// Offset of `hentry_flags`.
pub const HENTRY_FLAGS: usize = 20;
/// Bytes of the header.
pub const HENTRY_SIZE: usize = 21;

/// The header of one entry, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HEntry {
    /// The entry's own index in the combined main + overflow table.
    pub index: u32,
    /// Overflow entries: the main slot (last of its bucket) whose chain they are on; otherwise
    /// [`INVALID_INDEX`].
    pub bucket_index: u32,
    /// Next entry of the overflow chain, or [`INVALID_INDEX`].
    pub next_index: u32,
    /// `HENTRY_*` flags.
    pub flags: u8,
}

impl HEntry {
    /// Reads the header of the entry starting at byte `base` of `bytes`.
    ///
    /// # Panics
    ///
    /// If the header runs past the end of `bytes`.
    pub fn read<B: TableBytes + ?Sized>(bytes: &B, base: usize) -> Self {
        let raw: [u8; HENTRY_SIZE] = bytes.read_array(base);
        Self::from_bytes(&raw)
    }

    /// Parses the 21 header bytes.
    pub fn from_bytes(raw: &[u8; HENTRY_SIZE]) -> Self {
        let u32_at = |o: usize| u32::from_le_bytes([raw[o], raw[o + 1], raw[o + 2], raw[o + 3]]);
        Self {
            index: u32_at(HENTRY_INDEX),
            bucket_index: u32_at(HENTRY_BUCKET_INDEX),
            next_index: u32_at(HENTRY_NEXT_INDEX),
            flags: raw[HENTRY_FLAGS],
        }
    }

    /// The 21 header bytes (`hentry_next` zero).
    pub fn to_bytes(&self) -> [u8; HENTRY_SIZE] {
        let mut raw = [0u8; HENTRY_SIZE];
        raw[HENTRY_INDEX..HENTRY_INDEX + 4].copy_from_slice(&self.index.to_le_bytes());
        raw[HENTRY_BUCKET_INDEX..HENTRY_BUCKET_INDEX + 4]
            .copy_from_slice(&self.bucket_index.to_le_bytes());
        raw[HENTRY_NEXT_INDEX..HENTRY_NEXT_INDEX + 4]
            .copy_from_slice(&self.next_index.to_le_bytes());
        raw[HENTRY_FLAGS] = self.flags;
        raw
    }

    /// `HENTRY_VALID` is set.
    pub fn is_valid(&self) -> bool {
        self.flags & HENTRY_VALID != 0
    }

    /// `HENTRY_DELETE_MARKED` is set: released, about to leave its chain.
    pub fn is_delete_marked(&self) -> bool {
        self.flags & HENTRY_DELETE_MARKED != 0
    }

    /// `HENTRY_IN_FREE_LIST` is set.
    pub fn is_in_free_list(&self) -> bool {
        self.flags & HENTRY_IN_FREE_LIST != 0
    }

    /// The chain goes on after this entry.
    pub fn has_next(&self) -> bool {
        self.next_index != INVALID_INDEX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_offsets() {
        let h = HEntry {
            index: 7,
            bucket_index: INVALID_INDEX,
            next_index: 0x0102_0304,
            flags: HENTRY_VALID,
        };
        let raw = h.to_bytes();
        assert_eq!(
            &raw[HENTRY_NEXT_INDEX..HENTRY_NEXT_INDEX + 4],
            &[4, 3, 2, 1]
        );
        assert_eq!(raw[20], 1);
        assert_eq!(HEntry::from_bytes(&raw), h);
        assert!(h.is_valid() && h.has_next() && !h.is_in_free_list());
    }
}
