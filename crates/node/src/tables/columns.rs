//! Entries handed to JavaScript as columns: one typed array per field, so that a batch of
//! entries crosses the boundary in one call and JavaScript reads numbers, not bytes.
//!
//! The columns live in an *arena*: one JavaScript `ArrayBuffer` holding every column for
//! `capacity` rows at fixed offsets (described to JavaScript by `layout`), which native calls
//! fill: row by row for single reads (`get`, `lookup`), a column at a time from a stage (`stage`)
//! for scans, batches of `active()` and `lookupMany`. The memory is always JavaScript's, so that
//! V8 frees it when it collects the columns ([`columns!`] describes a row type's columns).

use napi_derive::napi;

/// Bytes before the first column of an arena: a scratch header where fills report how they went
/// (`u32` words: next index, entries skipped as torn).
pub const ARENA_HEADER: usize = 16;

/// One column of an arena, as JavaScript builds its view.
#[napi(object)]
pub struct NativeColumn {
    pub name: String,
    /// `u8`, `i8`, `u16`, `i16`, `u32`, `i32`, `u64` or `bytes` (`size` bytes per row).
    pub kind: String,
    /// Bytes per row.
    pub size: u32,
    /// Byte offset of the column in the arena.
    pub offset: u32,
}

/// A value stored in a column.
pub trait ColumnValue: Copy + Default {
    /// Bytes per row.
    const SIZE: usize;
    /// The kind JavaScript makes a view of.
    const KIND: &'static str;
    /// Stores the value at `dst`, in host order, unaligned.
    ///
    /// # Safety
    ///
    /// `dst` is valid for writes of `SIZE` bytes.
    unsafe fn put_raw(self, dst: *mut u8);
}

macro_rules! scalar_column {
    ($t:ty, $kind:literal) => {
        impl ColumnValue for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const KIND: &'static str = $kind;
            #[inline(always)]
            unsafe fn put_raw(self, dst: *mut u8) {
                // SAFETY: the caller vouches for SIZE writable bytes.
                unsafe { dst.cast::<$t>().write_unaligned(self) }
            }
        }
    };
}

scalar_column!(u8, "u8");
scalar_column!(i8, "i8");
scalar_column!(u16, "u16");
scalar_column!(i16, "i16");
scalar_column!(u32, "u32");
scalar_column!(i32, "i32");
scalar_column!(u64, "u64");

impl<const N: usize> ColumnValue for [u8; N]
where
    [u8; N]: Default,
{
    const SIZE: usize = N;
    const KIND: &'static str = "bytes";
    #[inline(always)]
    unsafe fn put_raw(self, dst: *mut u8) {
        // SAFETY: the caller vouches for N writable bytes.
        unsafe { dst.cast::<[u8; N]>().write_unaligned(self) }
    }
}

/// Offset of the column after one of `size` bytes per row at `offset`: on a cache line (so every
/// typed array view is aligned), then one line further. A row is stored into every column at
/// once; without the extra line, in an arena of a power-of-two capacity every column would start
/// at the same place modulo 4 KiB, all in the same L1 cache set, and a row's stores would evict
/// each other's lines (measured: a fill of 131,072 rows 40% slower).
pub const fn next_offset(offset: usize, size: usize, capacity: usize) -> usize {
    (offset + size * capacity).next_multiple_of(64) + 64
}

/// Declares a row type and its arena layout:
/// `columns!(Row, Source, |source| { name: Type = expr, ... })`; with `staged Stage` after `Row`,
/// also the stage scans decode its rows into (`stage!`).
macro_rules! columns {
    ($row:ident, staged $stage:ident, $src:ty, |$s:ident| { $($name:ident : $t:ty = $e:expr,)* }) => {
        $crate::tables::columns::columns!($row, $src, |$s| { $($name : $t = $e,)* });
        $crate::tables::stage::stage!($row, $stage, $src, |$s| { $($name : $t = $e,)* });
    };
    ($row:ident, $src:ty, |$s:ident| { $($name:ident : $t:ty = $e:expr,)* }) => {
        /// One entry's fields, as the columns hold them.
        #[derive(Clone, Copy, Default)]
        #[allow(non_snake_case)]
        pub struct $row { $(pub $name: $t,)* }

        impl $row {
            /// The fields of a copied entry.
            #[allow(non_snake_case)]
            #[inline(always)]
            pub fn of($s: $src) -> Self {
                Self { $($name: $e,)* }
            }

            /// Bytes per row of each column, as declared.
            pub const SIZES: [usize; Self::COLUMNS] = {
                use $crate::tables::columns::ColumnValue;
                [$(<$t as ColumnValue>::SIZE,)*]
            };

            /// The columns of an arena of `capacity` rows.
            #[allow(dead_code)] // each row type uses the forms it needs
            pub fn layout(capacity: usize) -> Vec<$crate::tables::columns::NativeColumn> {
                Self::layout_sized(capacity, &Self::SIZES)
            }

            /// The columns of an arena of `capacity` rows whose columns take `sizes` bytes a row
            /// (a byte column may be given fewer bytes than declared: see `copy_to`).
            pub fn layout_sized(capacity: usize, sizes: &[usize; Self::COLUMNS]) -> Vec<$crate::tables::columns::NativeColumn> {
                use $crate::tables::columns::ColumnValue;
                let mut offset = $crate::tables::columns::ARENA_HEADER;
                let mut out = Vec::new();
                $(
                    let size = sizes[out.len()];
                    out.push($crate::tables::columns::NativeColumn {
                        name: stringify!($name).to_owned(),
                        kind: <$t as ColumnValue>::KIND.to_owned(),
                        size: size as u32,
                        offset: offset as u32,
                    });
                    offset = $crate::tables::columns::next_offset(offset, size, capacity);
                )*
                let _ = offset;
                out
            }

            /// Bytes of an arena of `capacity` rows.
            #[allow(dead_code)] // each row type uses the forms it needs
            pub fn arena_len(capacity: usize) -> usize {
                Self::arena_len_sized(capacity, &Self::SIZES)
            }

            /// Bytes of an arena of `capacity` rows whose columns take `sizes` bytes a row.
            pub fn arena_len_sized(capacity: usize, sizes: &[usize; Self::COLUMNS]) -> usize {
                sizes.iter().fold($crate::tables::columns::ARENA_HEADER, |offset, &size| {
                    $crate::tables::columns::next_offset(offset, size, capacity)
                })
            }

            /// Where each column starts in an arena of `capacity` rows.
            #[allow(dead_code)] // each row type uses the forms it needs
            pub fn offsets(capacity: usize) -> Vec<usize> {
                Self::offsets_sized(capacity, &Self::SIZES)
            }

            /// Where each column starts in an arena of `capacity` rows whose columns take `sizes`
            /// bytes a row.
            pub fn offsets_sized(capacity: usize, sizes: &[usize; Self::COLUMNS]) -> Vec<usize> {
                Self::layout_sized(capacity, sizes).iter().map(|c| c.offset as usize).collect()
            }

            /// The columns' names, in order.
            #[allow(dead_code)] // each row type uses the forms it needs
            pub const NAMES: [&'static str; Self::COLUMNS] = [$(stringify!($name),)*];
            /// How many columns a row has.
            pub const COLUMNS: usize = [$(stringify!($name),)*].len();

            /// Writes the row at `row` of an arena whose columns start at `offsets` (from
            /// [`offsets`](Self::offsets) for the arena's capacity).
            ///
            /// # Panics
            ///
            /// When a column of the row would end past the arena. Every column is checked before
            /// anything is stored, without a branch per column: this runs for every entry.
            #[inline(always)]
            pub fn write(&self, arena: &mut [u8], offsets: &[usize], row: usize) {
                use $crate::tables::columns::ColumnValue;
                let offsets: &[usize; Self::COLUMNS] = offsets.try_into().expect("one offset per column");
                let len = arena.len();
                let mut fits = true;
                let mut column = 0;
                $(
                    fits &= offsets[column].saturating_add(row.saturating_add(1).saturating_mul(<$t as ColumnValue>::SIZE)) <= len;
                    column += 1;
                )*
                assert!(fits, "row {row} is past the arena");
                let base = arena.as_mut_ptr();
                column = 0;
                $(
                    // SAFETY: checked above: the column's bytes of this row are inside the arena.
                    unsafe { self.$name.put_raw(base.add(offsets[column] + row * <$t as ColumnValue>::SIZE)) };
                    column += 1;
                )*
                let _ = column;
            }
        }
    };
}

pub(crate) use columns;
