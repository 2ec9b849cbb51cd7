//! The arena JavaScript attaches to a table: one `ArrayBuffer` holding every column for `capacity`
//! rows, which native fills write row by row and report their progress in (its header).

use napi::bindgen_prelude::*;

use super::columns::ARENA_HEADER;
use super::errors::invalid;
use super::parallel_scan::RowsOut;
use crate::columns::{pin_u8, Column};

/// The arena JavaScript attached, and its row count.
pub(super) struct Arena {
    column: Column<u8>,
    pub(super) capacity: usize,
    /// Where each column starts.
    offsets: Vec<usize>,
}

impl Arena {
    pub(super) fn attach(env: &Env, array: Uint8ArraySlice, capacity: u32, needed: usize, offsets: Vec<usize>) -> Result<Self> {
        let column = pin_u8(env, array)?;
        if column.as_slice().len() < needed {
            return Err(invalid(format!("an arena of {capacity} rows needs {needed} bytes, got {}", column.as_slice().len())));
        }
        Ok(Self { column, capacity: capacity as usize, offsets })
    }

    pub(super) fn check_rows(&self, row: u32, rows: u32) -> std::result::Result<(), String> {
        if row as usize + rows as usize > self.capacity {
            return Err(format!("rows {row}..{} are past the arena's {} rows", row as usize + rows as usize, self.capacity));
        }
        Ok(())
    }

    /// The arena's bytes and its column offsets, for writing rows.
    pub(super) fn parts(&mut self) -> (&mut [u8], &[usize]) {
        (self.column.as_mut_slice(), &self.offsets)
    }

    /// The arena's rows as a flow scan's destination (an arena laid out for `FlowRow`).
    pub(super) fn flow_rows(&mut self) -> RowsOut {
        let base = self.column.as_mut_slice().as_mut_ptr();
        let cols = std::array::from_fn(|c| base.wrapping_add(self.offsets[c]));
        // SAFETY: attach checked the arena holds `capacity` rows of every column at `offsets`, and
        // the arena is borrowed mutably for as long as the caller scans into it.
        unsafe { RowsOut::new(cols, self.capacity) }
    }

    /// Asks for the whole 2 MiB pages inside the arena to be backed by transparent huge pages (a
    /// hint; Linux only). For a batch arena JavaScript has just allocated and not touched: a fill
    /// then takes one page fault per 2 MiB rather than per 4 KiB — each batch of `active()` is
    /// fresh memory (its entries may outlive the next batch), and its faults were a quarter of a
    /// pass. The memory is this arena's alone, so the advice changes nothing for anyone else.
    pub(super) fn advise_huge_pages(&mut self) {
        #[cfg(target_os = "linux")]
        {
            const HUGE: usize = 2 << 20;
            let bytes = self.column.as_mut_slice();
            let head = bytes.as_ptr().align_offset(HUGE);
            let whole = bytes.len().saturating_sub(head) / HUGE * HUGE;
            if whole > 0 {
                // SAFETY: advice on memory this arena owns; it changes no contents.
                unsafe { libc::madvise(bytes.as_mut_ptr().add(head).cast(), whole, libc::MADV_HUGEPAGE) };
            }
        }
    }

    /// Reports a fill's progress in the header: next index, entries skipped as torn.
    pub(super) fn report(&mut self, next: u32, torn: u32) {
        let header = &mut self.column.as_mut_slice()[..ARENA_HEADER];
        header[0..4].copy_from_slice(&next.to_ne_bytes());
        header[4..8].copy_from_slice(&torn.to_ne_bytes());
    }
}
