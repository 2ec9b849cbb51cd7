//! Where a flow scan stores its rows: one pointer per column, for scans whose rows are stored by
//! several threads (each row by one), into an arena.

use std::sync::atomic::{AtomicU32, Ordering};

use super::flow_row::{FlowRow, FlowStage};

/// The columns a scan stores rows into, each with room for `capacity` rows.
pub struct RowsOut {
    cols: [*mut u8; FlowRow::COLUMNS],
    /// Bytes each column takes a row (`FlowRow::sizes`).
    sizes: [usize; FlowRow::COLUMNS],
    capacity: usize,
    /// Counts the rows stored with an IPv6 key.
    ipv6_rows: *const AtomicU32,
}

// SAFETY: the columns are plain memory the owner keeps for the scan's duration (`new`'s contract);
// the scan's threads store disjoint rows (each row by the one thread whose chunk holds it), and
// count through an atomic.
unsafe impl Send for RowsOut {}
// SAFETY: as above.
unsafe impl Sync for RowsOut {}

impl RowsOut {
    /// Rows at `cols`, of `sizes` bytes, with room for `capacity` rows in every column, and the
    /// count of rows stored with an IPv6 key at `ipv6_rows`.
    ///
    /// # Safety
    ///
    /// Each `cols[i]` is valid for writes of `capacity` rows of `sizes[i]` bytes, `ipv6_rows`
    /// points to an aligned `u32` only ever accessed atomically, and the memory is neither read
    /// nor written by anything else, nor freed, until the scan has ended.
    pub unsafe fn new(cols: [*mut u8; FlowRow::COLUMNS], sizes: [usize; FlowRow::COLUMNS], capacity: usize, ipv6_rows: *const AtomicU32) -> Self {
        Self { cols, sizes, capacity, ipv6_rows }
    }

    /// Another handle on the same columns.
    ///
    /// # Safety
    /// The copy is used under the same contract as `self`, and not after `self`'s memory is gone.
    pub unsafe fn copy(&self) -> Self {
        Self { ..*self }
    }

    /// Rows a scan may store.
    pub fn room(&self) -> usize {
        self.capacity
    }

    /// Stores the first `rows` rows of `stage` as the scan's rows `row..`.
    pub fn store(&self, row: usize, stage: &FlowStage, rows: usize) {
        self.check(row, rows);
        // SAFETY: the rows are inside every column (checked), and this thread owns them.
        unsafe { stage.copy_to(rows, &self.cols, &self.sizes, row, false) };
        self.count_ipv6(stage, rows);
    }

    /// [`store`](Self::store) with streaming stores (`streaming`), for the rows of scans that
    /// write far more than the caches hold; fenced, so that the rows are stored before whatever
    /// tells another thread they are.
    pub fn stream(&self, row: usize, stage: &FlowStage, rows: usize) {
        self.check(row, rows);
        // SAFETY: as in `store`.
        unsafe { stage.copy_to(rows, &self.cols, &self.sizes, row, true) };
        self.count_ipv6(stage, rows);
        super::streaming::fence();
    }

    fn count_ipv6(&self, stage: &FlowStage, rows: usize) {
        let n = stage.ipv6_rows(rows);
        if n > 0 {
            // SAFETY: `new`'s contract.
            unsafe { &*self.ipv6_rows }.fetch_add(n, Ordering::Relaxed);
        }
    }

    fn check(&self, row: usize, rows: usize) {
        assert!(row + rows <= self.capacity, "rows {row}.. are past the {} rows of the destination", self.capacity);
    }
}
