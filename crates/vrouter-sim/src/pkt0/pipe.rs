//! The simulator's pkt0 on Windows: a message-mode named pipe (`\\.\pipe\…`) standing in for the driver's
//! `\\.\vrouterPkt0` device, with the device's semantics (PROTOCOL.md §5.3):
//!
//! - one client at a time: while one is connected a second opener gets ERROR_PIPE_BUSY
//!   ([`ErrorKind::Busy`](vrouter_io::ErrorKind::Busy) through vrouter-io's pkt0 client);
//! - one message = one frame, both ways;
//! - frames for the agent queue while it is not reading (the datapath never waits for the agent) and are dropped
//!   while no client is connected;
//! - when the client goes, its queue is discarded and the pipe waits for the next one.
//!
//! Frames from the agent are checked, counted, logged and accounted on the datapath's vifs exactly as the Unix
//! endpoint does ([`Pkt0Endpoint`](super::Pkt0Endpoint) on Unix).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use vrouter_io::windows::pipe_server::PipeServer;
use vrouter_io::windows::OverlappedWriter;
use vrouter_io::{Canceller, ErrorKind, TransportRead, TransportWrite};
use vrouter_proto::agent_header::{AgentHeader, FlowTrap};
use vrouter_proto::messages::AgentCmd;

use super::endpoint_core::EndpointCore;
use super::stats::Pkt0Counters;
use super::{TrapBatch, TrapSink};
use crate::Datapath;

/// Frames queued for an agent that is not reading, beyond which further traps are dropped (as a full socket
/// drops them). The driver's queue has no bound; this one keeps a stalled agent from exhausting memory
/// (≈ 100 MiB of typical trap frames).
pub const QUEUE_LIMIT: usize = 1 << 20;

/// Frames a flood queues at a time, and how many it lets wait for the agent at most.
const FLOOD_BURST: usize = 256;
const FLOOD_WINDOW: usize = 16 * FLOOD_BURST;

/// Read buffer for frames from the agent: larger than anything valid, so that an oversize frame is seen whole
/// and classified as such rather than cut.
const READ_BUFFER: usize = 64 * 1024;

/// The frames waiting for the connected agent.
#[derive(Default)]
struct Queue {
    batches: VecDeque<TrapBatch>,
    frames: usize,
    /// Frames of the batch the writer is writing now.
    writing: usize,
    /// A client is connected: traps are queued rather than dropped.
    connected: bool,
    /// The current connection is over: its writer stops.
    ended: bool,
}

struct Shared {
    path: String,
    core: EndpointCore,
    queue: Mutex<Queue>,
    /// Signalled when frames are queued, and when the writer takes some (room for a flood).
    queued: Condvar,
    stopping: AtomicBool,
    /// What wakes the blocked calls at close: the pending accept, the current connection's read and write.
    accept: Canceller,
    connection: Mutex<Option<(Canceller, Canceller)>>,
}

/// A pkt0 pipe being served, with its thread.
///
/// Its `traps_sent` counts frames written to the pipe; frames still queued are in none of the counters yet.
pub struct Pkt0Pipe {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Pkt0Pipe {
    /// Creates the pipe at `path` (`\\.\pipe\…`) and starts serving it. Fails with
    /// [`ErrorKind::AlreadyExists`] when another server already serves that name.
    pub fn bind(path: &str, datapath: Arc<Mutex<Datapath>>) -> vrouter_io::Result<Self> {
        let server = PipeServer::pkt0(path)?;
        let shared = Arc::new(Shared {
            path: path.to_owned(),
            core: EndpointCore::new(datapath),
            queue: Mutex::default(),
            queued: Condvar::new(),
            stopping: AtomicBool::new(false),
            accept: server.canceller(),
            connection: Mutex::new(None),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("vrouter-sim pkt0 pipe".into())
                .spawn(move || serve(&shared, server))
                .map_err(|e| vrouter_io::Error::from_os(e, "start the pkt0 pipe thread"))?
        };
        Ok(Pkt0Pipe { shared, thread: Mutex::new(Some(thread)) })
    }

    /// The pipe's path, which the agent opens.
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// Whether an agent is connected now.
    pub fn connected(&self) -> bool {
        lock(&self.shared.queue).connected
    }

    /// Sends a FLOW_MISS trap of an `inner_len`-byte packet `count` times, as fast as the agent reads them:
    /// a load generator that, unlike traps, waits for room rather than dropping. Returns how many frames were
    /// written to the pipe (fewer when the agent goes or the pipe closes); an error when no agent is connected.
    pub fn flood(&self, inner_len: usize, count: u64) -> std::io::Result<u64> {
        let mac = lock(&self.shared.core.datapath).agent_vif().map_or([0; 6], |v| v.mac());
        let mut batch = TrapBatch::new();
        let header = AgentHeader::flow_trap(
            AgentCmd::TRAP_FLOW_MISS,
            3,
            1,
            &FlowTrap { flow_index: 1, nh: 12, bytes: 0, packets: 0, gen_id: 1 },
        );
        let mut inner = vec![0u8; inner_len];
        let eth: [u8; 14] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let n = eth.len().min(inner_len);
        inner[..n].copy_from_slice(&eth[..n]);
        for _ in 0..FLOOD_BURST {
            batch.push(mac, &header, &inner);
        }
        let sent_before = self.stats().traps_sent;
        let mut queued = 0u64;
        let mut q = lock(&self.shared.queue);
        if !q.connected {
            return Err(std::io::Error::new(std::io::ErrorKind::NotConnected, "no agent has opened the pkt0 pipe"));
        }
        while queued < count {
            if !q.connected || self.shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            if q.frames >= FLOOD_WINDOW {
                q = self.shared.queued.wait(q).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            let n = (count - queued).min(FLOOD_BURST as u64) as usize;
            let part = if n == FLOOD_BURST {
                batch.clone()
            } else {
                let mut b = TrapBatch::new();
                (0..n).for_each(|_| b.push(mac, &header, &inner));
                b
            };
            q.frames += n;
            q.batches.push_back(part);
            queued += n as u64;
            self.shared.queued.notify_all();
        }
        // Until the writer has written what was queued (or the connection ended).
        while q.connected && q.frames + q.writing > 0 && !self.shared.stopping.load(Ordering::SeqCst) {
            q = self.shared.queued.wait(q).unwrap_or_else(|p| p.into_inner());
        }
        drop(q);
        Ok(self.stats().traps_sent - sent_before)
    }

    /// The datapath this pipe accounts frames on.
    pub fn datapath(&self) -> &Arc<Mutex<Datapath>> {
        &self.shared.core.datapath
    }

    /// Stops serving: the connected agent (if any) sees the pipe close, the name is released; idempotent.
    pub fn close(&self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.shared.accept.cancel();
        if let Some((read, write)) = lock(&self.shared.connection).as_ref() {
            read.cancel();
            write.cancel();
        }
        {
            let mut q = lock(&self.shared.queue);
            q.ended = true;
            self.shared.queued.notify_all();
        }
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

super::endpoint_core::core_methods!(Pkt0Pipe);

impl TrapSink for Pkt0Pipe {
    /// Queues the frames for the connected agent; returns how many were queued (the rest are dropped: no agent,
    /// or [`QUEUE_LIMIT`] frames already waiting).
    fn send_traps(&self, batch: &TrapBatch) -> usize {
        if batch.is_empty() {
            return 0;
        }
        let c = &self.shared.core.counters;
        let mut q = lock(&self.shared.queue);
        if !q.connected {
            Pkt0Counters::add(&c.traps_dropped_absent, batch.len() as u64);
            return 0;
        }
        if q.frames + batch.len() > QUEUE_LIMIT {
            Pkt0Counters::add(&c.traps_dropped_full, batch.len() as u64);
            return 0;
        }
        q.frames += batch.len();
        q.batches.push_back(batch.clone());
        self.shared.queued.notify_one();
        batch.len()
    }
}

impl Drop for Pkt0Pipe {
    fn drop(&mut self) {
        self.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Accepts one agent at a time and serves it until it goes, until the pipe closes.
fn serve(shared: &Shared, mut server: PipeServer) {
    let mut buf = vec![0u8; READ_BUFFER];
    while !shared.stopping.load(Ordering::SeqCst) {
        let connection = match server.accept() {
            Ok(c) => c,
            Err(_) if shared.stopping.load(Ordering::SeqCst) => return,
            // Nothing else is expected (the previous connection is dropped before this accept); pause rather
            // than spin if the OS refuses for a while.
            Err(_) => {
                shared.accept.sleep(std::time::Duration::from_millis(50));
                continue;
            }
        };
        let (mut reader, writer) = connection.into_split();
        *lock(&shared.connection) = Some((reader.canceller(), writer.canceller()));
        {
            let mut q = lock(&shared.queue);
            *q = Queue { connected: true, ..Queue::default() };
        }
        // close() may have run between the accept and the registration above, missing these cancellers.
        if shared.stopping.load(Ordering::SeqCst) {
            reader.canceller().cancel();
        }
        std::thread::scope(|s| {
            s.spawn(|| write_loop(shared, writer));
            loop {
                match reader.read(&mut buf) {
                    Ok(n) => receive(shared, &buf[..n]),
                    Err(e) if e.kind() == ErrorKind::MessageTooLarge => {
                        Pkt0Counters::add(&shared.core.counters.received, 1);
                        Pkt0Counters::add(&shared.core.counters.invalid_oversize, 1);
                    }
                    // PeerClosed (the agent went), Cancelled (close) or a broken handle: this connection is over.
                    Err(_) => break,
                }
            }
            let mut q = lock(&shared.queue);
            let left = q.frames as u64;
            *q = Queue { ended: true, ..Queue::default() };
            Pkt0Counters::add(&shared.core.counters.traps_dropped_absent, left);
            shared.queued.notify_all();
            drop(q);
            // The writer may be blocked on a full pipe whose reader is gone.
            if let Some((_, write)) = lock(&shared.connection).as_ref() {
                write.cancel();
            }
        });
        *lock(&shared.connection) = None;
        // The read half drops here; the write half dropped with the writer: the handle closes and the next
        // accept can create the pipe again.
    }
}

/// Writes queued frames to the agent, one message each, until the connection ends.
fn write_loop(shared: &Shared, mut writer: OverlappedWriter) {
    let c = &shared.core.counters;
    loop {
        let batch = {
            let mut q = lock(&shared.queue);
            loop {
                if q.ended {
                    return;
                }
                if let Some(b) = q.batches.pop_front() {
                    // `frames` counts what waits in the queue; this batch is the writer's now.
                    q.frames -= b.len();
                    q.writing = b.len();
                    shared.queued.notify_all();
                    break b;
                }
                q = shared.queued.wait(q).unwrap_or_else(|p| p.into_inner());
            }
        };
        for (i, frame) in batch.iter().enumerate() {
            if writer.write_all(frame).is_err() {
                // The agent went (or the pipe is closing): what is left of this batch goes nowhere; the reader's
                // end of connection counts what is left in the queue.
                let rest = (batch.len() - i) as u64;
                Pkt0Counters::add(&c.traps_dropped_absent, rest);
                return;
            }
            Pkt0Counters::add(&c.traps_sent, 1);
        }
        lock(&shared.queue).writing = 0;
        shared.queued.notify_all();
    }
}

/// One frame from the agent (see [`EndpointCore::receive`]).
fn receive(shared: &Shared, frame: &[u8]) {
    shared.core.receive(std::iter::once(frame));
}
