//! The arena JavaScript attaches to a table: one `ArrayBuffer` holding every column for `capacity`
//! rows, which native fills write row by row and report their progress in (its header: `u32`
//! words next index, entries skipped as torn, rows stored with an IPv6 key).

use std::sync::atomic::AtomicU32;

use napi::bindgen_prelude::*;
use vrouter_proto::tables::FlowEntryCopy;

use super::columns::ARENA_HEADER;
use super::errors::invalid;
use super::flow_row::{Addresses, FlowRow, FlowSource};
use super::rows_out::RowsOut;
use crate::columns::{pin_u8, Column};

/// The arena JavaScript attached, and its row count.
pub(super) struct Arena {
    column: Column<u8>,
    pub(super) capacity: usize,
    /// Where each column starts.
    offsets: Vec<usize>,
    /// How a flow arena holds addresses.
    addresses: Addresses,
}

/// Where the header's count of rows stored with an IPv6 key is.
const IPV6_ROWS: usize = 8;

impl Arena {
    pub(super) fn attach(env: &Env, array: Uint8ArraySlice, capacity: u32, needed: usize, offsets: Vec<usize>) -> Result<Self> {
        let mut column = pin_u8(env, array)?;
        let bytes = column.as_mut_slice();
        if bytes.len() < needed.max(ARENA_HEADER) {
            return Err(invalid(format!("an arena of {capacity} rows needs {needed} bytes, got {}", bytes.len())));
        }
        if bytes.as_ptr() as usize % 4 != 0 {
            return Err(invalid("an arena must start on a 4-byte boundary"));
        }
        bytes[IPV6_ROWS..IPV6_ROWS + 4].fill(0);
        Ok(Self { column, capacity: capacity as usize, offsets, addresses: Addresses::Full })
    }

    /// [`attach`](Self::attach) for flow rows holding `addresses` so.
    pub(super) fn attach_flow(env: &Env, array: Uint8ArraySlice, capacity: u32, addresses: Addresses) -> Result<Self> {
        let (rows, sizes) = (capacity as usize, FlowRow::sizes(addresses));
        let arena = Self::attach(env, array, capacity, FlowRow::arena_len_sized(rows, &sizes), FlowRow::offsets_sized(rows, &sizes))?;
        Ok(Self { addresses, ..arena })
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
    /// for `FlowRow`, with full addresses).
    pub(super) fn put_flow(&mut self, row: u32, copy: &FlowEntryCopy) {
        assert_eq!(self.addresses, Addresses::Full, "single rows are written with full addresses");
        let (out, offsets) = self.parts();
        FlowRow::of(&FlowSource::new(copy)).write(out, offsets, row as usize);
    }

    /// The arena's rows as a flow scan's destination (an arena laid out for `FlowRow`).
    pub(super) fn flow_rows(&mut self) -> RowsOut {
        let base = self.column.as_mut_slice().as_mut_ptr();
        let cols = std::array::from_fn(|c| base.wrapping_add(self.offsets[c]));
        let ipv6_rows = base.wrapping_add(IPV6_ROWS).cast::<AtomicU32>().cast_const();
        // SAFETY: attach checked the arena holds `capacity` rows of every column at `offsets` (of
        // the sizes its addresses give), and that the header is 4-byte aligned; the count is
        // accessed only through the rows' atomics until the scan ends (`report` writes the other
        // words), and the arena is borrowed mutably for as long as the caller scans into it.
        unsafe { RowsOut::new(cols, FlowRow::sizes(self.addresses), self.capacity, ipv6_rows) }
    }

    /// Reports a fill's progress in the header: next index, entries skipped as torn.
    pub(super) fn report(&mut self, next: u32, torn: u32) {
        let header = &mut self.column.as_mut_slice()[..ARENA_HEADER];
        header[0..4].copy_from_slice(&next.to_ne_bytes());
        header[4..8].copy_from_slice(&torn.to_ne_bytes());
    }
}
