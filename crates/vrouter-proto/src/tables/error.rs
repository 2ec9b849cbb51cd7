//! What can go wrong when a table is initialised or written.

use std::fmt;

use super::flow_layout::FlowLayout;

/// Why a table write was refused. Nothing was changed when one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TableError {
    /// The byte slice is shorter than the geometry says the table is.
    TableTooShort {
        /// Bytes the geometry needs.
        needed: u64,
        /// Bytes at hand.
        available: u64,
    },
    /// The geometry's entry size is not the one this kind of table has.
    WrongEntrySize {
        /// The geometry's entry size.
        entry_size: u32,
        /// The entry size of this kind of table.
        expected: u32,
    },
    /// An entry does not carry its own index in `hentry_index`: the table was never initialised
    /// (an all-zero file, which `flow -l` reports as corrupted) or has another geometry.
    Uninitialised {
        /// The first entry found wrong.
        index: u32,
    },
    /// The key's bucket is full and no overflow entry is free (vRouter answers `ENOSPC`).
    Full,
    /// The key is already in the table (vRouter answers `EEXIST` with the index).
    Exists {
        /// Where it is.
        index: u32,
    },
    /// The entry is not in use (vRouter answers `ENOENT`).
    NotInUse {
        /// The index given.
        index: u32,
    },
    /// No such entry in this geometry.
    IndexOutOfRange {
        /// The index given.
        index: u32,
    },
    /// An overflow entry could not be found on the chain of the bucket it claims (the chain is
    /// broken, cyclic or longer than the overflow table).
    CorruptChain {
        /// The entry being unlinked.
        index: u32,
    },
    /// The field does not exist in this flow-entry layout.
    FieldNotInLayout {
        /// The field's vRouter name.
        field: &'static str,
        /// The layout in use.
        layout: FlowLayout,
    },
    /// The value does not fit the field in this layout (`fe_src_nh_index` is 16 bits in 2019).
    ValueTooWide {
        /// The field's vRouter name.
        field: &'static str,
        /// The value given.
        value: u32,
    },
}

impl TableError {
    /// The (positive) errno vRouter answers for this condition, or the closest one: `ENOSPC`,
    /// `EEXIST`, `ENOENT`, `EINVAL` for bad arguments, `EFAULT` for a damaged table.
    pub fn errno(&self) -> i32 {
        match self {
            Self::Full => 28,
            Self::Exists { .. } => 17,
            Self::NotInUse { .. } => 2,
            Self::IndexOutOfRange { .. }
            | Self::WrongEntrySize { .. }
            | Self::FieldNotInLayout { .. }
            | Self::ValueTooWide { .. } => 22,
            Self::TableTooShort { .. } | Self::Uninitialised { .. } | Self::CorruptChain { .. } => {
                14
            }
        }
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TableTooShort { needed, available } => {
                write!(
                    f,
                    "table holds {available} bytes, its geometry needs {needed}"
                )
            }
            Self::WrongEntrySize {
                entry_size,
                expected,
            } => {
                write!(
                    f,
                    "entry size {entry_size}, this table's entries are {expected} bytes"
                )
            }
            Self::Uninitialised { index } => write!(
                f,
                "entry {index} does not carry its own index: table not initialised"
            ),
            Self::Full => f.write_str("no free slot in the bucket and no free overflow entry"),
            Self::Exists { index } => write!(f, "key already present at index {index}"),
            Self::NotInUse { index } => write!(f, "entry {index} is not in use"),
            Self::IndexOutOfRange { index } => write!(f, "no entry {index} in this table"),
            Self::CorruptChain { index } => {
                write!(f, "entry {index} is not on the overflow chain it claims")
            }
            Self::FieldNotInLayout { field, layout } => {
                write!(f, "{field} does not exist in the {layout:?} layout")
            }
            Self::ValueTooWide { field, value } => write!(f, "{value} does not fit {field}"),
        }
    }
}

impl std::error::Error for TableError {}
