//! `NativeActiveBatch`: a batch of `active()` being filled while JavaScript reads the one before.
//!
//! `NativeFlowTable::start_active` hands the fill to the scan helpers and returns at once;
//! `finish` joins in, waits for the helpers' last chunks and reports. The arena JavaScript gave is
//! held (pinned) until then; a batch dropped unfinished (an iterator left early) is abandoned and
//! waited for before the arena is let go.

use std::sync::Arc;

use napi_derive::napi;

use super::arena::Arena;
use super::parallel_scan::ScanJob;

/// A batch of active entries being filled into an arena.
#[napi]
pub struct NativeActiveBatch {
    arena: Option<Arena>,
    /// The fill, while helpers may be working on it; `None` when it was done at the start.
    job: Option<Arc<ScanJob>>,
    /// Rows, once known.
    count: u32,
}

impl NativeActiveBatch {
    /// A batch whose fill was done at the start (`count` rows, reported in the arena's header).
    pub(super) fn filled(count: u32) -> Self {
        Self { arena: None, job: None, count }
    }

    /// A batch whose fill `job` is writing into `arena`.
    pub(super) fn filling(arena: Arena, job: Arc<ScanJob>) -> Self {
        Self { arena: Some(arena), job: Some(job), count: 0 }
    }
}

#[napi]
impl NativeActiveBatch {
    /// Finishes the fill; returns how many rows, with the next index and the torn count in the
    /// arena's header. Again: the same count.
    #[napi]
    pub fn finish(&mut self) -> u32 {
        if let Some(job) = self.job.take() {
            let p = job.finish();
            let mut arena = self.arena.take().expect("a filling batch holds its arena");
            arena.report(p.next, p.torn);
            self.count = p.delivered;
        }
        self.count
    }

    /// Stops the fill (its rows are no longer wanted) and waits for the threads on it.
    #[napi]
    pub fn abandon(&mut self) {
        if let Some(job) = self.job.take() {
            job.abandon();
        }
        self.arena = None;
    }
}

impl Drop for NativeActiveBatch {
    fn drop(&mut self) {
        // The arena's memory must outlive every store into it.
        self.abandon();
    }
}
