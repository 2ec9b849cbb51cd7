//! The arena JavaScript attaches to a table: one `ArrayBuffer` holding every column for `capacity`
//! rows, which native fills write row by row and report their progress in (its header).

use napi::bindgen_prelude::*;
use vrouter_proto::tables::FlowEntryCopy;

use super::columns::ARENA_HEADER;
use super::errors::invalid;
use super::flow_row::{FlowRow, FlowSource};
use super::rows_out::RowsOut;
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

    /// Writes the flow entry `copy` as row `row` (checked with `check_rows`; an arena laid out
    /// for `FlowRow`).
    pub(super) fn put_flow(&mut self, row: u32, copy: &FlowEntryCopy) {
        let (out, offsets) = self.parts();
        FlowRow::of(&FlowSource::new(copy)).write(out, offsets, row as usize);
    }

    /// The arena's rows as a flow scan's destination (an arena laid out for `FlowRow`).
    pub(super) fn flow_rows(&mut self) -> RowsOut {
        let base = self.column.as_mut_slice().as_mut_ptr();
        let cols = std::array::from_fn(|c| base.wrapping_add(self.offsets[c]));
        // SAFETY: attach checked the arena holds `capacity` rows of every column at `offsets`, and
        // the arena is borrowed mutably for as long as the caller scans into it.
        unsafe { RowsOut::new(cols, self.capacity) }
    }

    /// Reports a fill's progress in the header: next index, entries skipped as torn.
    pub(super) fn report(&mut self, next: u32, torn: u32) {
        let header = &mut self.column.as_mut_slice()[..ARENA_HEADER];
        header[0..4].copy_from_slice(&next.to_ne_bytes());
        header[4..8].copy_from_slice(&torn.to_ne_bytes());
    }
}
