//! A flow scan shared between threads, its rows in index order as a one-thread scan stores them.
//!
//! A scan waits for memory, and one core does not keep enough reads in flight to use what the
//! memory system gives (on the test VM one thread reads a table in 8.7 ms, two in 4.4). So the
//! range is cut into chunks that the calling thread and the helpers (`helpers`) take in turn.
//! Each thread decodes its chunk's rows into a private staging list, then waits until the chunk
//! before has said where its rows end (a chunk's rows start where the previous chunk's end), says
//! where its own end, and stores them: row order is index order, and only the hand-over of one
//! number is serialised. A `max` cuts the scan at the chunk where the rows reach it, as a
//! one-thread scan would stop there (the entry after the last row stored is `next`; torn entries
//! are counted up to it).
//!
//! A scan is a [`ScanJob`]: run to its end by the caller ([`scan_rows`]), or started and finished
//! later ([`ScanJob::start`], [`ScanJob::finish`]), the helpers working on it meanwhile — how
//! `active()` fills its next batch while JavaScript reads the current one.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

use vrouter_proto::tables::{scan_flows_noting_torn, FlowFilter, FlowLayout, ScanProgress, FLOW_ENTRY_SIZE};

use super::flow_row::{with_stage, FlowSource, FlowStage};
use super::helpers::{self, Job};
use super::mapping::MappedTable;
use super::rows_out::RowsOut;
use super::stage::STAGE_ROWS;

/// Entries per chunk: as many as a stage holds rows.
const CHUNK: u32 = STAGE_ROWS as u32;
/// Below this many entries (or a quarter as many rows wanted) a scan runs on the calling thread
/// alone: handing work to a helper costs tens of microseconds (waking it), what a thread scans
/// 2048 entries in.
const PARALLEL_FROM: u32 = 32 * 1024;
/// Threads a scan uses at most: two already take most of the memory bandwidth a socket has.
const MAX_THREADS: usize = 4;

/// Threads a large scan runs on: the calling one and helpers, one per core up to [`MAX_THREADS`].
pub fn scan_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_THREADS))
}

/// Scans `start..end` of `table` for the active entries passing `filter`, storing up to `max` of
/// them (and at most `out`'s room) as rows `0..` of `out` in index order, shared with the helpers
/// when the range is large. The progress is what [`vrouter_proto::tables::scan_flows`] reports.
pub fn scan_rows(table: &[AtomicU8], layout: FlowLayout, start: u32, end: u32, filter: &FlowFilter, max: u32, out: &RowsOut) -> ScanProgress {
    let end = end.min((table.len() / FLOW_ENTRY_SIZE as usize).min(u32::MAX as usize) as u32);
    let max = max.min(out.room().min(u32::MAX as usize) as u32);
    if !worth_sharing(start, end, max) {
        return with_stage(|stage| scan_alone(table, layout, start, end, filter, max, out, stage));
    }
    // SAFETY: `table` outlives the job's work: `finish` below returns only once every chunk is
    // done, and after that no thread touches the table (`Shared::work`).
    let table = unsafe { TableRef::borrowed(table) };
    // SAFETY: likewise for `out`, whose memory the caller keeps until this returns. The job's
    // `RowsOut` is a copy of the caller's pointers.
    let out = unsafe { out.copy() };
    let job = ScanJob::offered(table, layout, filter.clone(), Shared::new(start, end, max), out);
    job.finish()
}

/// [`scan_rows`] on the calling thread alone, a chunk at a time through `stage`.
#[allow(clippy::too_many_arguments)] // scan_rows's arguments and the stage
fn scan_alone(table: &[AtomicU8], layout: FlowLayout, start: u32, end: u32, filter: &FlowFilter, max: u32, out: &RowsOut, stage: &mut FlowStage) -> ScanProgress {
    let mut p = ScanProgress { next: start, ..ScanProgress::default() };
    while p.next < end && p.delivered < max {
        stage.clear();
        let hi = p.next.saturating_add(CHUNK).min(end);
        let chunk = stage_range(table, layout, p.next, hi, filter, max - p.delivered, stage, |_| {});
        out.store(p.delivered as usize, stage, stage.len());
        p = ScanProgress { next: chunk.next, delivered: p.delivered + chunk.delivered, torn: p.torn + chunk.torn };
    }
    p
}

/// Scans `lo..hi` as [`scan_flows_noting_torn`] does, adding the rows to `stage` (up to `max`).
#[allow(clippy::too_many_arguments)] // the scan's arguments and the stage
fn stage_range(table: &[AtomicU8], layout: FlowLayout, lo: u32, hi: u32, filter: &FlowFilter, max: u32, stage: &mut FlowStage, torn: impl FnMut(u32)) -> ScanProgress {
    match layout {
        FlowLayout::Tf2024 => stage_range_in::<true>(table, lo, hi, filter, max, stage, torn),
        FlowLayout::Juniper2019 => stage_range_in::<false>(table, lo, hi, filter, max, stage, torn),
    }
}

/// [`stage_range`] with the layout (2024 or not) a constant: the rows are decoded with every
/// field at a fixed offset, where a layout known only at run time looks each offset up (measured
/// on a table in the caches: 20 against 17.5–18 ns an entry on one thread, 13.3 against 11.7 on
/// two).
#[allow(clippy::too_many_arguments)] // stage_range's, less the layout
fn stage_range_in<const TF2024: bool>(table: &[AtomicU8], lo: u32, hi: u32, filter: &FlowFilter, max: u32, stage: &mut FlowStage, torn: impl FnMut(u32)) -> ScanProgress {
    const fn layout(tf2024: bool) -> FlowLayout {
        if tf2024 { FlowLayout::Tf2024 } else { FlowLayout::Juniper2019 }
    }
    let stage_row = |copy: &_| stage.push(&FlowSource::in_layout(copy, const { layout(TF2024) }));
    scan_flows_noting_torn(table, layout(TF2024), lo, hi, filter, max, stage_row, torn)
}

fn worth_sharing(start: u32, end: u32, max: u32) -> bool {
    scan_threads() > 1 && end.saturating_sub(start) >= PARALLEL_FROM && max >= PARALLEL_FROM / 4
}

/// The table a job reads: a borrowed slice (a scan run to its end by the caller), or a mapping
/// the job keeps alive (a scan finished later: the table may be closed meanwhile).
struct TableRef {
    bytes: *const AtomicU8,
    len: usize,
    _keep: Option<Arc<MappedTable>>,
}

// SAFETY: the bytes are a read-only mapping read only through atomics; `borrowed`'s and `kept`'s
// contracts keep them mapped while any thread reads them.
unsafe impl Send for TableRef {}
// SAFETY: as above.
unsafe impl Sync for TableRef {}

impl TableRef {
    /// # Safety
    /// `table` stays valid until the job using this is finished.
    unsafe fn borrowed(table: &[AtomicU8]) -> Self {
        Self { bytes: table.as_ptr(), len: table.len(), _keep: None }
    }

    fn kept(table: Arc<MappedTable>) -> Self {
        let bytes = table.bytes();
        Self { bytes: bytes.as_ptr(), len: bytes.len(), _keep: Some(table) }
    }

    fn bytes(&self) -> &[AtomicU8] {
        // SAFETY: valid for `len` bytes while this exists (the constructors' contracts).
        unsafe { std::slice::from_raw_parts(self.bytes, self.len) }
    }
}

/// One scan, shared by whoever works on it: the thread that finishes it and the helpers.
pub struct ScanJob {
    table: TableRef,
    layout: FlowLayout,
    filter: FlowFilter,
    shared: Shared,
    out: RowsOut,
}

impl ScanJob {
    fn offered(table: TableRef, layout: FlowLayout, filter: FlowFilter, shared: Shared, out: RowsOut) -> Arc<Self> {
        let job = Arc::new(Self { table, layout, filter, shared, out });
        helpers::offer(scan_threads() - 1, job.clone());
        job
    }

    /// Starts a scan of the active entries from `start` on into `out` (up to its room), handed to
    /// the helpers at once; `None` when it is too small to share (scan it with [`scan_rows`]).
    ///
    /// # Safety
    /// `out`'s memory stays valid, and untouched by anything else, until [`finish`](Self::finish)
    /// or [`abandon`](Self::abandon) has returned.
    pub unsafe fn start(table: Arc<MappedTable>, layout: FlowLayout, start: u32, out: RowsOut) -> Option<Arc<Self>> {
        let end = (table.bytes().len() / FLOW_ENTRY_SIZE as usize).min(u32::MAX as usize) as u32;
        let max = out.room().min(u32::MAX as usize) as u32;
        worth_sharing(start, end, max).then(|| Self::offered(TableRef::kept(table), layout, FlowFilter::default(), Shared::new(start, end, max), out))
    }

    /// Works on the scan until nothing is left to take, waits for the helpers' last chunks, and
    /// returns the progress. After it returns nobody touches the table or `out` for this job.
    pub fn finish(&self) -> ScanProgress {
        self.help();
        self.shared.wait_done();
        assert!(!self.shared.poisoned.load(Ordering::Relaxed), "a scan thread panicked");
        self.shared.progress()
    }

    /// Gives the scan up (its rows are no longer wanted): the chunks nobody has taken are
    /// skipped, and it returns once no thread is working on the job. Never panics (it runs when
    /// a batch is collected).
    pub fn abandon(&self) {
        self.shared.full.store(true, Ordering::Relaxed);
        self.help();
        self.shared.wait_done();
    }
}

impl Job for ScanJob {
    fn help(&self) {
        self.shared.work(&self.table, self.layout, &self.filter, &self.out);
    }
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
    /// Chunks whose rows are stored (or skipped): when all are, the job is done.
    done: AtomicU32,
    /// Threads inside `work`.
    busy: AtomicU32,
    /// Set when the rows reached `max` (or the job was abandoned): chunks not yet taken are skipped.
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
        let chunks = end.saturating_sub(start).div_ceil(CHUNK);
        Self {
            start,
            end,
            max,
            chunks,
            next_chunk: AtomicU32::new(0),
            ends: (0..chunks).map(|_| AtomicU32::new(UNKNOWN)).collect(),
            done: AtomicU32::new(0),
            busy: AtomicU32::new(0),
            full: AtomicBool::new(false),
            cut: AtomicU32::new(UNKNOWN),
            torn: AtomicU32::new(0),
            poisoned: AtomicBool::new(false),
        }
    }

    /// One thread's share: chunks taken in turn until none is left. Touches `table` and `out`
    /// only for a chunk it took (the job cannot be over before that chunk is done), and marks the
    /// chunk done after its last store.
    fn work(&self, table: &TableRef, layout: FlowLayout, filter: &FlowFilter, out: &RowsOut) {
        // Counted busy before taking a chunk: `wait_done` sees either this thread busy, or its
        // take after the chunks were used up (SeqCst orders the two against `wait_done`'s reads).
        self.busy.fetch_add(1, Ordering::SeqCst);
        let _guard = WorkGuard(self);
        with_stage(|stage| self.take_chunks(table, layout, filter, out, stage));
    }

    /// `work`'s loop, staging each chunk's rows in `stage`.
    fn take_chunks(&self, table: &TableRef, layout: FlowLayout, filter: &FlowFilter, out: &RowsOut, stage: &mut FlowStage) {
        let mut torn: Vec<u32> = Vec::new();
        loop {
            let c = self.next_chunk.fetch_add(1, Ordering::SeqCst);
            if c >= self.chunks {
                return;
            }
            let table = table.bytes();
            stage.clear();
            torn.clear();
            // A chunk taken after the rows were full still says where its rows end (nowhere
            // further), so that the chunk after it is not left waiting.
            if !self.full.load(Ordering::Relaxed) {
                let lo = self.start + c * CHUNK;
                let hi = (lo + CHUNK).min(self.end);
                stage_range(table, layout, lo, hi, filter, u32::MAX, stage, |i| torn.push(i));
            }
            let Some(begin) = self.end_of(c.checked_sub(1)) else { return };
            let n = (stage.len() as u32).min(self.max.saturating_sub(begin));
            self.ends[c as usize].store(begin + n, Ordering::Release);
            let counted = if begin >= self.max {
                0
            } else if n < stage.len() as u32 || begin + n == self.max {
                // The rows reach `max` in this chunk (n ≥ 1): a one-thread scan stops after the
                // last row stored. Only one chunk can: the ones after it begin at `max`.
                let next = stage.index[n as usize - 1] + 1;
                self.full.store(true, Ordering::Relaxed);
                self.cut.store(next, Ordering::Relaxed);
                torn.iter().filter(|&&i| i < next).count()
            } else {
                torn.len()
            };
            self.torn.fetch_add(counted as u32, Ordering::Relaxed);
            // Streamed: a scan large enough to share writes more rows than the caches hold.
            out.stream(begin as usize, stage, n as usize);
            self.done.fetch_add(1, Ordering::Release);
        }
    }

    /// Where the rows of chunk `c` end (0 before the first chunk), waiting until its thread says;
    /// `None` when a thread panicked.
    fn end_of(&self, c: Option<u32>) -> Option<u32> {
        let Some(c) = c else { return Some(0) };
        // The chunk before was taken first and is being scanned: a short wait, unless its thread
        // lost its core.
        wait_for(|| self.ends[c as usize].load(Ordering::Acquire) != UNKNOWN || self.poisoned.load(Ordering::Relaxed));
        let end = self.ends[c as usize].load(Ordering::Acquire);
        (end != UNKNOWN).then_some(end)
    }

    /// Waits until every chunk is done (or a thread panicked) and no thread is inside `work`.
    fn wait_done(&self) {
        wait_for(|| {
            (self.done.load(Ordering::Acquire) == self.chunks || self.poisoned.load(Ordering::SeqCst)) && self.busy.load(Ordering::SeqCst) == 0
        });
    }

    fn progress(&self) -> ScanProgress {
        let last = self.chunks.checked_sub(1).map_or(0, |c| self.ends[c as usize].load(Ordering::Acquire));
        let cut = self.cut.load(Ordering::Relaxed);
        ScanProgress { next: if cut == UNKNOWN { self.end } else { cut }, delivered: last.min(self.max), torn: self.torn.load(Ordering::Relaxed) }
    }
}

/// Spins until `ready`, then yields between tries: the wait is for another core's chunk, usually
/// microseconds, but yielding gives the core back if that thread was descheduled.
fn wait_for(ready: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !ready() {
        spins += 1;
        if spins < 4096 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

/// Leaves `work`: no longer busy; if unwinding, the scan is poisoned and its untaken chunks are
/// used up, so that no thread takes one (and touches memory) after the job's owner gave up.
struct WorkGuard<'a>(&'a Shared);

impl Drop for WorkGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.next_chunk.store(u32::MAX / 2, Ordering::SeqCst);
            self.0.poisoned.store(true, Ordering::SeqCst);
        }
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
