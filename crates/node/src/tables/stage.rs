//! A stage: the rows a scan thread has decoded, held as columns until it may store them (a
//! chunk's place in the output is known only once the chunk before is scanned), then stored with
//! one copy per column.

/// Rows a stage holds (see `stage!`): a scan's chunk of entries. About 430 KB of flow rows,
/// which stay in the core's L2 cache until they are stored. Measured on a full scan of the
/// default table, two threads, caches flushed: chunks of 1024 entries 9.6–9.8 ms a pass, 2048
/// 8.9–9.2, 4096 8.5–8.8, 8192 8.5–8.6 (each chunk starts with its first entries not yet asked
/// for, and ends with a hand-over and a copy per column).
pub const STAGE_ROWS: usize = 4096;

/// Declares the stage of a row type declared by `columns!` (which invokes it with the same
/// fields): `stage!(Row, Stage, Source, |source| { name: Type = expr, ... })`.
macro_rules! stage {
    ($row:ident, $stage:ident, $src:ty, |$s:ident| { $($name:ident : $t:ty = $e:expr,)* }) => {
        /// Up to [`STAGE_ROWS`]($crate::tables::stage::STAGE_ROWS) rows held as columns by one
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
        #[allow(non_snake_case)]
        pub struct $stage {
            len: usize,
            $(pub $name: [$t; $crate::tables::stage::STAGE_ROWS + 64 / std::mem::size_of::<$t>()],)*
        }

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
                assert!(i < $crate::tables::stage::STAGE_ROWS, "the stage is full");
                $( self.$name[i] = $e; )*
                self.len = i + 1;
            }

            /// Copies the first `rows` rows held as rows `first..` of the columns starting at
            /// `cols`, whose rows take `sizes` bytes (the declared size, or fewer for a byte
            /// column: its first `sizes[i]` bytes of each row are stored); `streaming`: with
            /// streaming stores (`streaming::copy_streaming`, whose `fence` the caller calls).
            ///
            /// # Safety
            ///
            /// Each `cols[i]` (one pointer per column, in declaration order) is valid for writes of
            /// `first + rows` rows of `sizes[i]` bytes, and nothing else accesses those rows
            /// meanwhile.
            pub unsafe fn copy_to(&self, rows: usize, cols: &[*mut u8; $row::COLUMNS], sizes: &[usize; $row::COLUMNS], first: usize, streaming: bool) {
                use $crate::tables::columns::ColumnValue;
                assert!(rows <= self.len, "{rows} rows asked of a stage holding {}", self.len);
                let mut column = 0;
                $(
                    let (size, width) = (<$t as ColumnValue>::SIZE, sizes[column]);
                    assert!(width <= size, "a column of {size} bytes a row cannot be stored in {width}");
                    // SAFETY: `rows` rows of the stage's column are held (checked); the caller
                    // vouches for the destination.
                    unsafe {
                        let (src, dst) = (self.$name.as_ptr().cast::<u8>(), cols[column].add(first * width));
                        if width < size {
                            $crate::tables::stage::copy_narrowed(src, size, dst, width, rows)
                        } else if streaming {
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
    };
}

/// Copies the first `width` bytes of each of `rows` elements of `size` bytes at `src` to `dst`,
/// `width` bytes apart. Four bytes (an IPv4 address out of 16) is copied as one `u32`: a copy of
/// a length known only at run time is a call to `memcpy` per row (measured: a pass of `active()`
/// 3 ms slower).
///
/// # Safety
///
/// `src` is valid for reads of `rows * size` bytes, `dst` for writes of `rows * width` bytes, and
/// they do not overlap.
#[inline(always)]
pub unsafe fn copy_narrowed(src: *const u8, size: usize, dst: *mut u8, width: usize, rows: usize) {
    // SAFETY: the caller vouches for both ranges.
    unsafe {
        if width == 4 {
            for row in 0..rows {
                dst.add(row * 4).cast::<[u8; 4]>().write_unaligned(src.add(row * size).cast::<[u8; 4]>().read_unaligned());
            }
        } else {
            for row in 0..rows {
                std::ptr::copy_nonoverlapping(src.add(row * size), dst.add(row * width), width);
            }
        }
    }
}

pub(crate) use stage;
