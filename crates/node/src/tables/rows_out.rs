//! Where a flow scan stores its rows: one pointer per column, for scans whose rows are stored by
//! several threads (each row by one), into an arena or into column vectors.

use super::flow_row::FlowRow;

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

    pub fn store(&self, row: usize, r: &FlowRow) {
        self.store_all(row, std::slice::from_ref(r));
    }

    /// Stores `rows` as the scan's rows `row..`.
    pub fn store_all(&self, row: usize, rows: &[FlowRow]) {
        assert!(row + rows.len() <= self.capacity, "rows {row}.. are past the {} rows of the destination", self.capacity);
        // SAFETY: the rows are inside every column (checked), and this thread owns them.
        unsafe { FlowRow::put_all(rows, &self.cols, row) };
    }
}
