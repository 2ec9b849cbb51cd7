//! How many entries a table has and how big they are (PROTOCOL.md §7.4).
//!
//! A table is one contiguous array: `main_entries` main slots (grouped in buckets of four), then
//! `overflow_entries` overflow slots. The index used everywhere (traps, `fr_index`, `rtr_index`)
//! is the position in that combined array.

use std::fmt;

use super::hash::{bucket_start, HENTRIES_PER_BUCKET};
use super::hentry::HENTRY_SIZE;

/// Bytes of one flow entry (`struct vr_flow_entry`, both layouts).
pub const FLOW_ENTRY_SIZE: u32 = 256;
/// Bytes of one bridge entry (`struct vr_bridge_entry`).
pub const BRIDGE_ENTRY_SIZE: u32 = 64;
/// vRouter's default main flow entries (`VR_DEF_FLOW_ENTRIES`).
pub const DEFAULT_FLOW_ENTRIES: u32 = 524_288;
/// vRouter's default main bridge entries (`VR_DEF_BRIDGE_ENTRIES`).
pub const DEFAULT_BRIDGE_ENTRIES: u32 = 262_144;

/// The shape of a flow or bridge table.
///
/// Constructed through [`new`](Self::new) or [`from_size`](Self::from_size), so the main table
/// is always a non-empty multiple of four and every index fits below
/// [`INVALID_INDEX`](super::INVALID_INDEX).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableGeometry {
    main_entries: u32,
    overflow_entries: u32,
    entry_size: u32,
}

/// Why a geometry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GeometryError {
    /// An entry must at least hold the 21-byte hash-entry header.
    EntrySizeTooSmall {
        /// The size asked for.
        entry_size: u32,
    },
    /// A table needs at least one bucket of main entries.
    NoMainEntries,
    /// More entries than 32-bit indexes can name (0xffffffff is reserved), or more bytes than this
    /// host can address.
    TooManyEntries {
        /// Total entries asked for.
        entries: u64,
    },
    /// The byte size is not a whole number of entries.
    NotWholeEntries {
        /// The size given.
        bytes: u64,
        /// The entry size.
        entry_size: u32,
    },
    /// The byte size is below one bucket of entries.
    TooSmall {
        /// The size given.
        bytes: u64,
        /// The smallest acceptable size.
        min_bytes: u64,
    },
    /// No main-table size whose default overflow table adds up to this many entries: the table
    /// was configured with an explicit overflow size; build the geometry with
    /// [`TableGeometry::new`] from `vo_flow_entries` / `vo_oflow_entries` instead.
    NoDefaultSplit {
        /// Total entries in the size given.
        entries: u64,
    },
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EntrySizeTooSmall { entry_size } => {
                write!(f, "entry size {entry_size} is smaller than the {HENTRY_SIZE}-byte hash-entry header")
            }
            Self::NoMainEntries => f.write_str("a table needs at least one main entry"),
            Self::TooManyEntries { entries } => {
                write!(f, "{entries} entries do not fit 32-bit indexes")
            }
            Self::NotWholeEntries { bytes, entry_size } => {
                write!(
                    f,
                    "{bytes} bytes is not a whole number of {entry_size}-byte entries"
                )
            }
            Self::TooSmall { bytes, min_bytes } => {
                write!(f, "{bytes} bytes is below the minimum of {min_bytes}")
            }
            Self::NoDefaultSplit { entries } => {
                write!(
                    f,
                    "{entries} entries is not a main table plus its default overflow table"
                )
            }
        }
    }
}

impl std::error::Error for GeometryError {}

/// vRouter's overflow size when none is configured: a fifth of the main table, rounded up to
/// the next multiple of 1024 (`((main / 5) + 1023) & !1023`).
///
/// vRouter computes it from the configured main size, before rounding that to a multiple of 4.
pub const fn default_overflow_entries(main_entries: u32) -> u32 {
    // In u64 so that main sizes near u32::MAX do not wrap.
    (((main_entries as u64 / 5) + 1023) & !1023) as u32
}

impl TableGeometry {
    /// The default flow table: 524 288 + 105 472 entries of 256 bytes (161 218 560 bytes).
    pub const FLOW_DEFAULT: Self = Self {
        main_entries: DEFAULT_FLOW_ENTRIES,
        overflow_entries: default_overflow_entries(DEFAULT_FLOW_ENTRIES),
        entry_size: FLOW_ENTRY_SIZE,
    };

    /// The default bridge table: 262 144 + 53 248 entries of 64 bytes (20 185 088 bytes).
    pub const BRIDGE_DEFAULT: Self = Self {
        main_entries: DEFAULT_BRIDGE_ENTRIES,
        overflow_entries: default_overflow_entries(DEFAULT_BRIDGE_ENTRIES),
        entry_size: BRIDGE_ENTRY_SIZE,
    };

    /// A geometry as vRouter builds it from its options: `main_entries` rounded up to a multiple
    /// of four; `overflow_entries` as given, or when `None` the default
    /// ([`default_overflow_entries`]). vRouter's own options use 0 for "default"; pass `None` for
    /// that.
    pub fn new(
        main_entries: u32,
        overflow_entries: Option<u32>,
        entry_size: u32,
    ) -> Result<Self, GeometryError> {
        if (entry_size as usize) < HENTRY_SIZE {
            return Err(GeometryError::EntrySizeTooSmall { entry_size });
        }
        if main_entries == 0 {
            return Err(GeometryError::NoMainEntries);
        }
        let overflow = overflow_entries.unwrap_or_else(|| default_overflow_entries(main_entries));
        let main = u64::from(main_entries).div_ceil(4) * 4;
        let entries = main + u64::from(overflow);
        // Every index, including the last, must differ from INVALID_INDEX, and the whole table
        // must be addressable here.
        let fits_index = entries <= u64::from(u32::MAX);
        let fits_memory = entries
            .checked_mul(u64::from(entry_size))
            .is_some_and(|b| usize::try_from(b).is_ok());
        if !fits_index || !fits_memory {
            return Err(GeometryError::TooManyEntries { entries });
        }
        Ok(Self {
            main_entries: main as u32,
            overflow_entries: overflow,
            entry_size,
        })
    }

    /// The geometry of a table of `bytes` bytes (the `ftable_size` a table query answers),
    /// assuming vRouter's default overflow rule: the unique main size `N` (a multiple of four)
    /// with `N + default_overflow_entries(N)` entries.
    pub fn from_size(bytes: u64, entry_size: u32) -> Result<Self, GeometryError> {
        if (entry_size as usize) < HENTRY_SIZE {
            return Err(GeometryError::EntrySizeTooSmall { entry_size });
        }
        let size = u64::from(entry_size);
        let min_bytes = size * u64::from(HENTRIES_PER_BUCKET);
        if bytes < min_bytes {
            return Err(GeometryError::TooSmall { bytes, min_bytes });
        }
        if bytes % size != 0 {
            return Err(GeometryError::NotWholeEntries { bytes, entry_size });
        }
        let entries = bytes / size;
        if entries > u64::from(u32::MAX) {
            return Err(GeometryError::TooManyEntries { entries });
        }
        // The overflow part O is within [N/5 - 1, N/5 + 1023] (floor, then round up to 1024), so
        // with T = N + O, N lies in [(T - 1023) * 5/6, (T + 1) * 5/6]: a couple of hundred
        // candidates at most. N + O(N) grows strictly with N, so at most one of them fits.
        let high = (entries + 1) * 5 / 6;
        let low = entries.saturating_sub(1024) * 5 / 6;
        let mut n = high - high % 4;
        while n >= low && n > 0 {
            if n + u64::from(default_overflow_entries(n as u32)) == entries {
                return Self::new(n as u32, None, entry_size);
            }
            n -= 4;
        }
        // Small tables (under five main entries) have no overflow table at all.
        if entries % 4 == 0 && entries < 5 {
            return Self::new(entries as u32, None, entry_size);
        }
        Err(GeometryError::NoDefaultSplit { entries })
    }

    /// Main-table entries (a multiple of four).
    pub const fn main_entries(&self) -> u32 {
        self.main_entries
    }

    /// Overflow-table entries.
    pub const fn overflow_entries(&self) -> u32 {
        self.overflow_entries
    }

    /// Bytes per entry.
    pub const fn entry_size(&self) -> u32 {
        self.entry_size
    }

    /// Checks that the table holds entries of `expected` bytes (a writer's own entry size).
    pub(crate) fn expect_entry_size(&self, expected: u32) -> Result<(), super::TableError> {
        if self.entry_size != expected {
            return Err(super::TableError::WrongEntrySize { entry_size: self.entry_size, expected });
        }
        Ok(())
    }

    /// Main plus overflow entries.
    pub const fn total_entries(&self) -> u32 {
        self.main_entries + self.overflow_entries
    }

    /// Bytes of the whole table.
    pub const fn byte_len(&self) -> u64 {
        self.total_entries() as u64 * self.entry_size as u64
    }

    /// `index` names an entry of this table.
    pub const fn contains(&self, index: u32) -> bool {
        index < self.total_entries()
    }

    /// `index` names an overflow entry.
    pub const fn is_overflow(&self, index: u32) -> bool {
        index >= self.main_entries && index < self.total_entries()
    }

    /// Byte offset of entry `index`, or `None` past the end.
    pub fn entry_offset(&self, index: u32) -> Option<usize> {
        // The constructor checked that the whole table is addressable, so this cannot overflow.
        self.contains(index)
            .then(|| index as usize * self.entry_size as usize)
    }

    /// First main index of the bucket a key with this hash belongs to.
    pub fn bucket_of(&self, hash: u32) -> u32 {
        bucket_start(hash, self.main_entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let f = TableGeometry::FLOW_DEFAULT;
        assert_eq!(
            (f.main_entries(), f.overflow_entries(), f.total_entries()),
            (524_288, 105_472, 629_760)
        );
        assert_eq!(f.byte_len(), 161_218_560);
        let b = TableGeometry::BRIDGE_DEFAULT;
        assert_eq!(
            (b.main_entries(), b.overflow_entries(), b.total_entries()),
            (262_144, 53_248, 315_392)
        );
        assert_eq!(b.byte_len(), 20_185_088);
    }

    #[test]
    fn from_size_inverts_new() {
        for main in (1..3000)
            .map(|i| i * 4)
            .chain([5124, 65_536, 524_288, 1_048_576, 4_000_000])
        {
            let g = TableGeometry::new(main, None, 256).unwrap();
            assert_eq!(
                TableGeometry::from_size(g.byte_len(), 256),
                Ok(g),
                "main {main}"
            );
        }
    }
}
