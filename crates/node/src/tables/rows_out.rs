//! Where a flow scan stores its rows: one pointer per column, for scans whose rows are stored by
//! several threads (each row by one), into an arena.

use super::flow_row::{FlowRow, FlowStage};

/// The columns a scan stores rows into, each with room for `capacity` rows.
pub struct RowsOut {
    cols: [*mut u8; FlowRow::COLUMNS],
    capacity: usize,
}

// SAFETY: the columns are plain memory the owner keeps for the scan's duration (`new`'s contract);
// the scan's threads store disjoint rows (each row by the one thread whose chunk holds it).
unsafe impl Send for RowsOut {}
// SAFETY: as above.
unsafe impl Sync for RowsOut {}

impl RowsOut {
    /// Rows at `cols` with room for `capacity` rows in every column.
    ///
    /// # Safety
    ///
    /// Each `cols[i]` is valid for writes of `capacity` rows of its column, and the memory is
    /// neither read nor written by anything else, nor freed, until the scan has ended.
    pub unsafe fn new(cols: [*mut u8; FlowRow::COLUMNS], capacity: usize) -> Self {
        Self { cols, capacity }
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
        unsafe { stage.copy_to(rows, &self.cols, row, false) };
    }

    /// [`store`](Self::store) with streaming stores (`streaming`), for the rows of scans that
    /// write far more than the caches hold; fenced, so that the rows are stored before whatever
    /// tells another thread they are.
    pub fn stream(&self, row: usize, stage: &FlowStage, rows: usize) {
        self.check(row, rows);
        // SAFETY: as in `store`.
        unsafe { stage.copy_to(rows, &self.cols, row, true) };
        super::streaming::fence();
    }

    fn check(&self, row: usize, rows: usize) {
        assert!(row + rows <= self.capacity, "rows {row}.. are past the {} rows of the destination", self.capacity);
    }
}
