//! Entries handed to JavaScript as columns: one typed array per field, so that a batch of
//! entries crosses the boundary in one call and JavaScript reads numbers, not bytes.
//!
//! Two destinations share one description of the columns ([`columns!`]):
//! - an *arena*: one JavaScript `ArrayBuffer` holding every column for `capacity` rows at fixed
//!   offsets (described to JavaScript once by `layout`), which native calls fill row by row
//!   (`get`, `lookup`, batches of `active()`);
//! - *vectors*: one `Vec` per column, grown by a scan and handed over as typed arrays without a
//!   copy.

use napi::bindgen_prelude::*;
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

/// What a scan returns besides the matches' columns (one typed array per field, named as in the
/// arena layout). Declared for the types only: `scan` builds the object itself.
#[napi(object)]
#[allow(dead_code)]
pub struct NativeScanCounts {
    pub count: u32,
    pub torn: u32,
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
    /// Hands a column of values over as a typed array.
    fn set(obj: &mut Object, name: &str, values: Vec<Self>) -> Result<()>;
}

macro_rules! scalar_column {
    ($t:ty, $kind:literal, $array:ident) => {
        impl ColumnValue for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const KIND: &'static str = $kind;
            #[inline(always)]
            unsafe fn put_raw(self, dst: *mut u8) {
                // SAFETY: the caller vouches for SIZE writable bytes.
                unsafe { dst.cast::<$t>().write_unaligned(self) }
            }
            fn set(obj: &mut Object, name: &str, values: Vec<Self>) -> Result<()> {
                obj.set(name, $array::new(values))
            }
        }
    };
}

scalar_column!(u8, "u8", Uint8Array);
scalar_column!(i8, "i8", Int8Array);
scalar_column!(u16, "u16", Uint16Array);
scalar_column!(i16, "i16", Int16Array);
scalar_column!(u32, "u32", Uint32Array);
scalar_column!(i32, "i32", Int32Array);
scalar_column!(u64, "u64", BigUint64Array);

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
    fn set(obj: &mut Object, name: &str, values: Vec<Self>) -> Result<()> {
        // The same allocation, seen as bytes: [u8; N] has u8's alignment, so the layout matches.
        let mut values = std::mem::ManuallyDrop::new(values);
        let (ptr, len, cap) = (values.as_mut_ptr(), values.len(), values.capacity());
        // SAFETY: the pointer, length and capacity of a Vec<[u8; N]>, scaled to bytes, describe
        // the same allocation with the same alignment; ownership moves to the new Vec.
        let bytes = unsafe { Vec::from_raw_parts(ptr.cast::<u8>(), len * N, cap * N) };
        obj.set(name, Uint8Array::new(bytes))
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

/// Rows a stage holds (see `columns!`): a scan's chunk of entries. About 430 KB of flow rows,
/// which stay in the core's L2 cache until they are stored. Measured on a full scan of the
/// default table, two threads, caches flushed: chunks of 1024 entries 9.6–9.8 ms a pass, 2048
/// 8.9–9.2, 4096 8.5–8.8, 8192 8.5–8.6 (each chunk starts with its first entries not yet asked
/// for, and ends with a hand-over and a copy per column).
pub const STAGE_ROWS: usize = 4096;

/// Declares a row type, its arena layout, its column vectors and its stage:
/// `columns!(Row, Vecs, Stage, Source, |source| { name: Type = expr, ... })`.
macro_rules! columns {
    ($row:ident, $vecs:ident, $stage:ident, $src:ty, |$s:ident| { $($name:ident : $t:ty = $e:expr,)* }) => {
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

            /// The columns of an arena of `capacity` rows.
            pub fn layout(capacity: usize) -> Vec<$crate::tables::columns::NativeColumn> {
                use $crate::tables::columns::ColumnValue;
                let mut offset = $crate::tables::columns::ARENA_HEADER;
                let mut out = Vec::new();
                $(
                    out.push($crate::tables::columns::NativeColumn {
                        name: stringify!($name).to_owned(),
                        kind: <$t as ColumnValue>::KIND.to_owned(),
                        size: <$t as ColumnValue>::SIZE as u32,
                        offset: offset as u32,
                    });
                    offset = $crate::tables::columns::next_offset(offset, <$t as ColumnValue>::SIZE, capacity);
                )*
                let _ = offset;
                out
            }

            /// Bytes of an arena of `capacity` rows.
            pub fn arena_len(capacity: usize) -> usize {
                use $crate::tables::columns::ColumnValue;
                let mut offset = $crate::tables::columns::ARENA_HEADER;
                $( offset = $crate::tables::columns::next_offset(offset, <$t as ColumnValue>::SIZE, capacity); )*
                offset
            }

            /// Where each column starts in an arena of `capacity` rows.
            pub fn offsets(capacity: usize) -> Vec<usize> {
                Self::layout(capacity).iter().map(|c| c.offset as usize).collect()
            }

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

        /// Up to [`STAGE_ROWS`]($crate::tables::columns::STAGE_ROWS) rows held as columns by one
        /// scan thread until they can be stored (their place in the output is known only once the
        /// chunk before is scanned). A row's fields go to fixed places, and storing the rows is one
        /// copy per column, where rows staged whole cost a load and a store per field and row to
        /// store. Measured on a table in the caches, one thread: 22 ns an entry against 44 for rows
        /// stored one by one; on a full scan of the default table, streamed (`RowsOut::stream`):
        /// 8.4 ms a pass against 9.2 for rows staged whole and stored in blocks.
        ///
        /// Each column has room for a cache line more than it holds (and the order is kept): the
        /// columns' sizes are multiples of 4 KiB, and without the extra line a row's fields would
        /// all fall in one L1 cache set and evict each other (measured: a full scan 11.5 against
        /// 8.4 ms a pass).
        #[repr(C)]
        #[allow(non_snake_case, dead_code)] // not every row type is scanned this way
        pub struct $stage {
            len: usize,
            $(pub $name: [$t; $crate::tables::columns::STAGE_ROWS + 64 / std::mem::size_of::<$t>()],)*
        }

        #[allow(dead_code)]
        impl $stage {
            /// An empty stage, on the heap (it is large).
            pub fn new() -> Box<Self> {
                let layout = std::alloc::Layout::new::<Self>();
                // SAFETY: the layout is not zero-sized. Every field is an integer, or an array of
                // them, for which all-zero bytes are a value; the allocation is the global
                // allocator's, with `Self`'s layout, as `Box` requires.
                unsafe {
                    let p = std::alloc::alloc_zeroed(layout).cast::<Self>();
                    if p.is_null() {
                        std::alloc::handle_alloc_error(layout);
                    }
                    Box::from_raw(p)
                }
            }

            /// Rows held.
            pub fn len(&self) -> usize {
                self.len
            }

            pub fn clear(&mut self) {
                self.len = 0;
            }

            /// Adds the row of `source`.
            ///
            /// # Panics
            ///
            /// When the stage is full.
            #[allow(non_snake_case)]
            #[inline(always)]
            pub fn push(&mut self, $s: $src) {
                let i = self.len;
                assert!(i < $crate::tables::columns::STAGE_ROWS, "the stage is full");
                $( self.$name[i] = $e; )*
                self.len = i + 1;
            }

            /// Copies the first `rows` rows held as rows `first..` of the columns starting at
            /// `cols`; `streaming`: with streaming stores (`streaming::copy_streaming`, whose
            /// `fence` the caller calls).
            ///
            /// # Safety
            ///
            /// Each `cols[i]` (one pointer per column, in declaration order) is valid for writes of
            /// `first + rows` rows of its column, and nothing else accesses those rows meanwhile.
            pub unsafe fn copy_to(&self, rows: usize, cols: &[*mut u8; $row::COLUMNS], first: usize, streaming: bool) {
                use $crate::tables::columns::ColumnValue;
                assert!(rows <= self.len, "{rows} rows asked of a stage holding {}", self.len);
                let mut column = 0;
                $(
                    let size = <$t as ColumnValue>::SIZE;
                    // SAFETY: `rows` rows of the stage's column are held (checked); the caller
                    // vouches for the destination.
                    unsafe {
                        let (src, dst) = (self.$name.as_ptr().cast::<u8>(), cols[column].add(first * size));
                        if streaming {
                            $crate::tables::streaming::copy_streaming(src, dst, rows * size)
                        } else {
                            std::ptr::copy_nonoverlapping(src, dst, rows * size)
                        }
                    };
                    column += 1;
                )*
                let _ = column;
            }
        }

        /// Columns grown one row at a time.
        #[derive(Default)]
        #[allow(non_snake_case)]
        pub struct $vecs { $(pub $name: Vec<$t>,)* }

        impl $vecs {
            /// Room for `rows` rows in every column (reserved, not touched: a scan reserves for the
            /// whole range it covers and never moves a column while growing it).
            pub fn with_capacity(rows: usize) -> Self {
                Self { $($name: Vec::with_capacity(rows),)* }
            }

            /// Appends a row.
            #[inline]
            #[allow(dead_code)] // not every row type is scanned this way
            pub fn push(&mut self, r: &$row) {
                $( self.$name.push(r.$name); )*
            }

            /// Where each column's reserved room starts, and how many rows all of them have room
            /// for: the destination of a scan that stores rows out of order (then `set_len`).
            #[allow(dead_code)] // not every row type is scanned this way
            pub fn spare(&mut self) -> ([*mut u8; $row::COLUMNS], usize) {
                let mut rows = usize::MAX;
                $( rows = rows.min(self.$name.capacity()); )*
                ([$(self.$name.as_mut_ptr().cast::<u8>(),)*], rows)
            }

            /// Makes the first `rows` rows of every column its contents.
            ///
            /// # Safety
            ///
            /// `rows` is within the room [`spare`](Self::spare) reported, and every one of those
            /// rows was stored in every column.
            #[allow(dead_code)]
            pub unsafe fn set_len(&mut self, rows: usize) {
                // SAFETY: the caller vouches for capacity and initialised rows.
                $( unsafe { self.$name.set_len(rows) }; )*
            }

            /// Sets each column on `obj` as a typed array (no copy).
            pub fn into_object(self, obj: &mut napi::bindgen_prelude::Object) -> napi::Result<()> {
                use $crate::tables::columns::ColumnValue;
                $( <$t as ColumnValue>::set(obj, stringify!($name), self.$name)?; )*
                Ok(())
            }
        }
    };
}

pub(crate) use columns;
