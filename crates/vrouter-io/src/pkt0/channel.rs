//! The agent's pkt0 channel: a reader thread pulling frames in batches into a bounded queue,
//! a consumer taking them a batch at a time, and sends in batches from the caller's thread.
//!
//! Hand-over to the consumer is pull-based: [`Pkt0Channel::take`] returns what waits, or
//! nothing and records that the consumer is waiting; the reader calls the `wake` callback once
//! when it next queues frames. So there is one wake-up per idle period, not one per batch, and
//! the queue (not a callback queue) is the only place frames wait.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use vrouter_proto::agent_header::{AGENT_HDR_LEN, MIN_PKT0_FRAME_LEN, OUTER_ETH_LEN};

use super::batch::FrameBatch;
use super::link::{FrameReader, FrameWriter, SendStop};
use super::pcap::PcapWriter;
use super::queue::{BoundedQueue, DropPolicy, QueueLimits, QueueStats};

/// Commands below this are known (`MAX_AGENT_HDR_COMMANDS`).
const KNOWN_COMMANDS: u16 = 21;

/// How to open a channel.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelOptions {
    /// The queue's bounds.
    pub limits: QueueLimits,
    /// What to drop when the consumer is behind.
    pub policy: DropPolicy,
}

/// The channel's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelStats {
    /// Frames read from the transport, valid or not.
    pub received: u64,
    /// Bytes of those frames.
    pub received_bytes: u64,
    /// Reads that returned frames (each one batch).
    pub batches: u64,
    /// Frames of 44 bytes or fewer (no packet after the headers): counted, not delivered.
    pub invalid_short: u64,
    /// Frames longer than the read slot (cut by the read): counted, not delivered.
    pub oversize: u64,
    /// Frames with a command number vRouter does not define (delivered, and counted).
    pub unknown_command: u64,
    /// The queue's counters (delivered, dropped by policy, waiting, peak).
    pub queue: QueueStats,
    /// Frames sent.
    pub sent: u64,
    /// Frames not sent because the peer's queue was full.
    pub send_full: u64,
    /// Frames not sent for another reason (not connected, peer gone).
    pub send_failed: u64,
    /// Frames written to the capture file.
    pub captured: u64,
    /// Frames received while in discard mode (counted, not queued; for measuring the read path).
    pub discarded: u64,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    received_bytes: AtomicU64,
    batches: AtomicU64,
    invalid_short: AtomicU64,
    oversize: AtomicU64,
    unknown_command: AtomicU64,
    sent: AtomicU64,
    send_full: AtomicU64,
    send_failed: AtomicU64,
    captured: AtomicU64,
    discarded: AtomicU64,
}

struct Pending {
    queue: BoundedQueue,
    /// The consumer found the queue empty and waits for `wake`.
    wanted: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    room: Condvar,
    counters: Counters,
    stopping: AtomicBool,
    discard: AtomicBool,
    capturing: AtomicBool,
    capture: Mutex<Option<PcapWriter>>,
    /// Ends a blocked read of the reader thread (its transport's own way: an eventfd, CancelIoEx).
    interrupt: Box<dyn Fn() + Send + Sync>,
    wake: Box<dyn Fn() + Send + Sync>,
    /// Why the reader stopped, if it failed.
    failure: Mutex<Option<String>>,
}

/// An open pkt0 channel (transport-independent).
pub struct Pkt0Channel {
    shared: Arc<Shared>,
    writer: Arc<dyn FrameWriter>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Pkt0Channel {
    /// Starts the reader thread on `reader`; `wake` is called (from that thread) when frames
    /// arrive for a consumer that found the queue empty, and when the reader stops;
    /// `interrupt` ends a blocked read of `reader` (used by close).
    pub(crate) fn start(
        reader: Box<dyn FrameReader>,
        writer: Arc<dyn FrameWriter>,
        options: ChannelOptions,
        wake: Box<dyn Fn() + Send + Sync>,
        interrupt: Box<dyn Fn() + Send + Sync>,
    ) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending { queue: BoundedQueue::new(options.limits, options.policy), wanted: false }),
            room: Condvar::new(),
            counters: Counters::default(),
            stopping: AtomicBool::new(false),
            discard: AtomicBool::new(false),
            capturing: AtomicBool::new(false),
            capture: Mutex::new(None),
            interrupt,
            wake,
            failure: Mutex::new(None),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new().name("vrouter-io pkt0".into()).spawn(move || read_loop(&shared, reader))?
        };
        Ok(Pkt0Channel { shared, writer, thread: Mutex::new(Some(thread)) })
    }

    /// Takes up to about `max_packets` waiting frames as one batch. `None` when nothing waits:
    /// then `wake` will be called once frames arrive (or the reader stops).
    pub fn take(&self, max_packets: usize) -> Option<FrameBatch> {
        let mut p = lock(&self.shared.pending);
        let out = p.queue.take(max_packets.max(1));
        if out.is_none() {
            p.wanted = true;
        } else if p.queue.policy() == DropPolicy::Pause {
            self.shared.room.notify_all();
        }
        out
    }

    /// Sends frames (complete pkt0 frames, back to back in `bytes`, one per entry of `lens`)
    /// without waiting; returns how many went. Frames the peer cannot take now are counted.
    pub fn send(&self, bytes: &[u8], lens: &[u32]) -> io::Result<usize> {
        let total: u64 = lens.iter().map(|&l| u64::from(l)).sum();
        if total != bytes.len() as u64 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("frame lengths add up to {total} bytes, the buffer has {}", bytes.len())));
        }
        let (sent, stop) = self.writer.send(bytes, lens);
        let c = &self.shared.counters;
        c.sent.fetch_add(sent as u64, Ordering::Relaxed);
        let rest = (lens.len() - sent) as u64;
        if self.shared.capturing.load(Ordering::Relaxed) {
            let mut at = 0usize;
            self.capture_frames(lens[..sent].iter().map(|&l| {
                let f = &bytes[at..at + l as usize];
                at += l as usize;
                f
            }));
        }
        match stop {
            None => Ok(sent),
            Some(SendStop::Full) => {
                c.send_full.fetch_add(rest, Ordering::Relaxed);
                Ok(sent)
            }
            Some(SendStop::Failed(e)) => {
                c.send_failed.fetch_add(rest, Ordering::Relaxed);
                if sent > 0 {
                    Ok(sent)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// Starts writing every frame, both directions, to a classic pcap file at `path`.
    pub fn capture(&self, path: &Path) -> io::Result<()> {
        let mut c = lock(&self.shared.capture);
        if c.is_some() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, "a capture is already running on this channel"));
        }
        *c = Some(PcapWriter::create(path)?);
        self.shared.capturing.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Stops the capture and flushes its file; returns the records written (0 when none ran).
    pub fn stop_capture(&self) -> io::Result<u64> {
        self.shared.capturing.store(false, Ordering::SeqCst);
        match lock(&self.shared.capture).take() {
            Some(w) => {
                let n = w.records();
                w.finish()?;
                Ok(n)
            }
            None => Ok(0),
        }
    }

    fn capture_frames<'a>(&self, frames: impl Iterator<Item = &'a [u8]>) {
        capture_frames(&self.shared, frames);
    }

    /// In discard mode the reader counts frames and drops them at once (a native-only receive
    /// loop, for measuring what the transport delivers).
    pub fn set_discard(&self, discard: bool) {
        self.shared.discard.store(discard, Ordering::SeqCst);
    }

    /// The counters.
    pub fn stats(&self) -> ChannelStats {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ChannelStats {
            received: g(&c.received),
            received_bytes: g(&c.received_bytes),
            batches: g(&c.batches),
            invalid_short: g(&c.invalid_short),
            oversize: g(&c.oversize),
            unknown_command: g(&c.unknown_command),
            queue: lock(&self.shared.pending).queue.stats(),
            sent: g(&c.sent),
            send_full: g(&c.send_full),
            send_failed: g(&c.send_failed),
            captured: g(&c.captured),
            discarded: g(&c.discarded),
        }
    }

    /// Why the reader stopped, if it failed.
    pub fn failure(&self) -> Option<String> {
        lock(&self.shared.failure).clone()
    }

    /// Whether the reader has stopped (closed, or failed).
    pub fn is_stopped(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    /// Stops the reader, ends a capture, closes the transport; idempotent.
    pub fn close(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        (self.shared.interrupt)();
        self.shared.room.notify_all();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
        self.writer.shutdown();
        let _ = self.stop_capture();
    }
}

impl Drop for Pkt0Channel {
    fn drop(&mut self) {
        self.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn capture_frames<'a>(shared: &Shared, frames: impl Iterator<Item = &'a [u8]>) {
    let mut c = lock(&shared.capture);
    let Some(w) = c.as_mut() else { return };
    let mut n = 0u64;
    for f in frames {
        if w.record(f).is_err() {
            break;
        }
        n += 1;
    }
    shared.counters.captured.fetch_add(n, Ordering::Relaxed);
}

/// The reader thread: wait, read a batch, check and count each frame, queue the good ones.
fn read_loop(shared: &Shared, mut reader: Box<dyn FrameReader>) {
    let c = &shared.counters;
    let mut batch = FrameBatch::with_capacity(64 << 10, 256);
    let mut raw = FrameBatch::with_capacity(0, 0);
    while !shared.stopping.load(Ordering::SeqCst) {
        let Some(room) = wait_for_room(shared) else {
            break;
        };
        // The reader waits for frames itself and returns 0 when interrupted (or on a timeout).
        let (mut short, mut oversize, mut unknown, mut bytes) = (0u64, 0u64, 0u64, 0u64);
        let read = reader.read(room, &mut |frame, truncated| {
            bytes += frame.len() as u64;
            // Looked at per frame: the read may have waited long, and a capture started meanwhile.
            if !frame.is_empty() && shared.capturing.load(Ordering::Relaxed) {
                raw.push(frame);
            }
            if truncated {
                oversize += 1;
            } else if frame.len() < MIN_PKT0_FRAME_LEN {
                short += 1;
            } else {
                let at = OUTER_ETH_LEN + 4;
                debug_assert!(at + 2 <= OUTER_ETH_LEN + AGENT_HDR_LEN);
                let cmd = u16::from_be_bytes([frame[at], frame[at + 1]]);
                unknown += u64::from(cmd >= KNOWN_COMMANDS);
                batch.push(frame);
            }
        });
        let n = match read {
            Ok(0) => continue,
            Ok(n) => n as u64,
            Err(e) => return fail(shared, format!("reading pkt0 frames: {e}")),
        };
        c.received.fetch_add(n, Ordering::Relaxed);
        c.received_bytes.fetch_add(bytes, Ordering::Relaxed);
        c.batches.fetch_add(1, Ordering::Relaxed);
        for (counter, v) in [(&c.invalid_short, short), (&c.oversize, oversize), (&c.unknown_command, unknown)] {
            if v > 0 {
                counter.fetch_add(v, Ordering::Relaxed);
            }
        }
        if !raw.is_empty() {
            capture_frames(shared, raw.iter());
            raw = FrameBatch::with_capacity(raw.byte_len(), raw.len());
        }
        if batch.is_empty() {
            continue;
        }
        if shared.discard.load(Ordering::Relaxed) {
            c.discarded.fetch_add(batch.len() as u64, Ordering::Relaxed);
            batch = FrameBatch::with_capacity(batch.byte_len(), batch.len());
            continue;
        }
        // The queue keeps the batch as it is: size the next one as this one was.
        let next = FrameBatch::with_capacity(batch.byte_len().max(4096), batch.len().max(16));
        let full = std::mem::replace(&mut batch, next);
        let wake = {
            let mut p = lock(&shared.pending);
            p.queue.push(full);
            std::mem::take(&mut p.wanted) && !p.queue.is_empty()
        };
        if wake {
            (shared.wake)();
        }
    }
    // Let a waiting consumer see that the channel stopped.
    shared.stopping.store(true, Ordering::SeqCst);
    (shared.wake)();
}

/// How many frames the next read may take: under the `Pause` policy, waits until the queue has
/// room and returns how many frames fit (frames beyond stay in the socket; only a transport that
/// hands over whole blocks may overflow, and the overflow is dropped and counted); otherwise
/// any number. `None` once the channel stops.
fn wait_for_room(shared: &Shared) -> Option<usize> {
    let mut p = lock(&shared.pending);
    if p.queue.policy() != DropPolicy::Pause {
        return (!shared.stopping.load(Ordering::SeqCst)).then_some(usize::MAX);
    }
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return None;
        }
        let room = p.queue.room_packets();
        if room > 0 && p.queue.has_room(0) {
            return Some(room);
        }
        p = shared.room.wait(p).unwrap_or_else(|e| e.into_inner());
    }
}

fn fail(shared: &Shared, message: String) {
    *lock(&shared.failure) = Some(message);
    shared.stopping.store(true, Ordering::SeqCst);
    (shared.wake)();
}
