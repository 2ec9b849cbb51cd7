//! A flow scan shared between threads, its rows in index order as a one-thread scan stores them.
//!
//! A scan waits for memory, and one core does not keep enough reads in flight to use what the
//! memory system gives (on the test VM one thread reads a table at ~17 GB/s, two at ~21–28). So
//! the range is cut into chunks that the calling thread and helpers take in turn. Each thread
//! decodes its chunk's rows into a private staging list, then waits until the chunk before has
//! said where its rows end (a chunk's rows start where the previous chunk's end), says where its
//! own end, and stores them: row order is index order, and only the hand-over of one number is
//! serialised. A `max` cuts the scan at the chunk where the rows reach it, as a one-thread scan
//! would stop there (the entry after the last row stored is `next`; torn entries are counted up
//! to it).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::OnceLock;

use vrouter_proto::tables::{
    scan_flows_noting_torn, FlowFilter, FlowLayout, ScanProgress, FLOW_ENTRY_SIZE,
};

use super::flow_row::{FlowRow, FlowSource};

/// Entries per chunk: its staged rows (≤ 1024 × ~110 bytes) stay in the core's L2 cache.
const CHUNK: u32 = 1024;
/// Below this many entries (or a quarter as many rows wanted) a scan runs on the calling thread
/// alone: starting a helper costs tens of microseconds, what a thread scans 2048 entries in.
const PARALLEL_FROM: u32 = 32 * 1024;
/// Threads a scan uses at most: two already take most of the memory bandwidth a socket has.
const MAX_THREADS: usize = 4;

/// Threads a large scan runs on: the calling one and helpers, one per core up to [`MAX_THREADS`].
pub fn scan_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)
    })
}

/// Where a scan stores rows: one pointer per column, each with room for `capacity` rows.
pub struct RowsOut {
    cols: [*mut u8; FlowRow::COLUMNS],
    capacity: usize,
    /// Where the scan's row 0 goes.
    first: usize,
}

// SAFETY: the columns are plain memory owned by the caller for the scan's duration; the scan's
// threads store disjoint rows (each row is stored by the one thread whose chunk holds it).
unsafe impl Sync for RowsOut {}

impl RowsOut {
    /// Rows at `cols` with room for `capacity` rows in every column.
    ///
    /// # Safety
    ///
    /// Each `cols[i]` is valid for writes of `capacity` rows of its column, and the memory is
    /// neither read nor written by anything else until the scan returns.
    pub unsafe fn new(cols: [*mut u8; FlowRow::COLUMNS], capacity: usize) -> Self {
        Self {
            cols,
            capacity,
            first: 0,
        }
    }

    /// The same columns, the scan's rows stored from row `first` on.
    pub fn starting_at(self, first: usize) -> Self {
        Self { first, ..self }
    }

    /// Rows a scan may store.
    fn room(&self) -> usize {
        self.capacity.saturating_sub(self.first)
    }

    fn store(&self, row: usize, r: &FlowRow) {
        let row = self.first + row;
        assert!(
            row < self.capacity,
            "row {row} is past the {} rows of the destination",
            self.capacity
        );
        // SAFETY: `row` is inside every column (checked), and this thread owns the row.
        unsafe { r.put(&self.cols, row) };
    }
}

/// Scans `start..end` for the active entries passing `filter`, storing up to `max` of them (and at
/// most `out`'s capacity) as rows `0..` of `out` in index order, on [`scan_threads`] threads when
/// the range is large. The progress is what [`vrouter_proto::tables::scan_flows`] would report.
pub fn scan_rows(
    table: &[AtomicU8],
    layout: FlowLayout,
    start: u32,
    end: u32,
    filter: &FlowFilter,
    max: u32,
    out: &RowsOut,
) -> ScanProgress {
    let end = end.min((table.len() / FLOW_ENTRY_SIZE as usize).min(u32::MAX as usize) as u32);
    let max = max.min(out.room().min(u32::MAX as usize) as u32);
    let threads = scan_threads();
    if threads == 1 || end.saturating_sub(start) < PARALLEL_FROM || max < PARALLEL_FROM / 4 {
        let mut row = 0;
        return scan_flows_noting_torn(
            table,
            layout,
            start,
            end,
            filter,
            max,
            |copy| {
                out.store(row, &FlowRow::of(&FlowSource::new(copy)));
                row += 1;
            },
            |_| {},
        );
    }
    let shared = Shared::new(start, end, max);
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(|| shared.work(table, layout, filter, out));
        }
        shared.work(table, layout, filter, out);
    });
    assert!(
        !shared.poisoned.load(Ordering::Relaxed),
        "a scan thread panicked"
    );
    shared.progress()
}

/// What the threads of one scan share.
struct Shared {
    start: u32,
    end: u32,
    max: u32,
    chunks: u32,
    /// The next chunk nobody has taken.
    next_chunk: AtomicU32,
    /// Per chunk: the row after its last one, once known ([`UNKNOWN`] until then).
    ends: Vec<AtomicU32>,
    /// Set when the rows reached `max`: chunks not yet taken are left alone.
    full: AtomicBool,
    /// The entry after the last row stored, once the rows reached `max` ([`UNKNOWN`] until then).
    cut: AtomicU32,
    /// Torn entries counted so far (those past a cut are not).
    torn: AtomicU32,
    /// A thread panicked: the others stop waiting for its chunk.
    poisoned: AtomicBool,
}

const UNKNOWN: u32 = u32::MAX;

impl Shared {
    fn new(start: u32, end: u32, max: u32) -> Self {
        let chunks = (end - start).div_ceil(CHUNK);
        Self {
            start,
            end,
            max,
            chunks,
            next_chunk: AtomicU32::new(0),
            ends: (0..chunks).map(|_| AtomicU32::new(UNKNOWN)).collect(),
            full: AtomicBool::new(false),
            cut: AtomicU32::new(UNKNOWN),
            torn: AtomicU32::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// One thread's share: chunks taken in turn until none is left (or the rows are full).
    fn work(&self, table: &[AtomicU8], layout: FlowLayout, filter: &FlowFilter, out: &RowsOut) {
        let _poison = PoisonOnPanic(&self.poisoned);
        let mut rows: Vec<FlowRow> = Vec::with_capacity(CHUNK as usize);
        let mut torn: Vec<u32> = Vec::new();
        loop {
            let c = self.next_chunk.fetch_add(1, Ordering::Relaxed);
            if c >= self.chunks {
                return;
            }
            rows.clear();
            torn.clear();
            // A chunk taken after the rows were full still says where its rows end (nowhere
            // further), so that the chunk after it is not left waiting.
            if !self.full.load(Ordering::Relaxed) {
                let lo = self.start + c * CHUNK;
                let hi = (lo + CHUNK).min(self.end);
                scan_flows_noting_torn(
                    table,
                    layout,
                    lo,
                    hi,
                    filter,
                    u32::MAX,
                    |copy| rows.push(FlowRow::of(&FlowSource::new(copy))),
                    |i| torn.push(i),
                );
            }
            let Some(begin) = self.end_of(c.checked_sub(1)) else {
                return;
            };
            let n = (rows.len() as u32).min(self.max.saturating_sub(begin));
            self.ends[c as usize].store(begin + n, Ordering::Release);
            let counted = if begin >= self.max {
                0
            } else if n < rows.len() as u32 || begin + n == self.max {
                // The rows reach `max` in this chunk (n ≥ 1): a one-thread scan stops after the
                // last row stored. Only one chunk can: the ones after it begin at `max`.
                let next = rows[n as usize - 1].index + 1;
                self.full.store(true, Ordering::Relaxed);
                self.cut.store(next, Ordering::Relaxed);
                torn.iter().filter(|&&i| i < next).count()
            } else {
                torn.len()
            };
            self.torn.fetch_add(counted as u32, Ordering::Relaxed);
            for (i, r) in rows[..n as usize].iter().enumerate() {
                out.store(begin as usize + i, r);
            }
        }
    }

    /// Where the rows of chunk `c` end (0 before the first chunk), waiting until its thread says;
    /// `None` when a thread panicked.
    fn end_of(&self, c: Option<u32>) -> Option<u32> {
        let Some(c) = c else { return Some(0) };
        let mut spins = 0u32;
        loop {
            let end = self.ends[c as usize].load(Ordering::Acquire);
            if end != UNKNOWN {
                return Some(end);
            }
            if self.poisoned.load(Ordering::Relaxed) {
                return None;
            }
            // The chunk before was taken first and is being scanned: a short wait, unless its
            // thread lost its core, which yielding gives back.
            spins += 1;
            if spins < 4096 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    fn progress(&self) -> ScanProgress {
        let last = self
            .chunks
            .checked_sub(1)
            .map_or(0, |c| self.ends[c as usize].load(Ordering::Acquire));
        let cut = self.cut.load(Ordering::Relaxed);
        ScanProgress {
            next: if cut == UNKNOWN { self.end } else { cut },
            delivered: last.min(self.max),
            torn: self.torn.load(Ordering::Relaxed),
        }
    }
}

/// Marks the scan poisoned when the thread holding it unwinds.
struct PoisonOnPanic<'a>(&'a AtomicBool);

impl Drop for PoisonOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}
