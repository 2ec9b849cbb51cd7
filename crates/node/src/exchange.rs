//! `exchange`: one batch of ksync requests over an endpoint, natively: open, write the request frames, read until
//! every request's reply is complete, close. A one-shot precursor of the ksync client.
//!
//! The blocking work runs on a thread of its own (network waits must not hold one of libuv's four pool threads), and
//! the promise is settled through a deferred. With a timeout, a watchdog thread settles the promise at the deadline
//! whatever the worker is blocked in, and cancels the transport's read through its `Canceller` so the worker ends too.
//!
//! Failures resolve the promise with an [`ExchangeFailure`] rather than rejecting it (a rejection from here would
//! carry napi-rs's status as its code); lib/exchange.ts turns the failure into the facade's typed errors.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::JsDeferred;
use napi_derive::napi;
use vrouter_io::{Canceller, Endpoint, EndpointError, ErrorKind, Transport, TransportRead};
use vrouter_proto::netlink::{self, FrameError, ReplyProgress, ReplyTracker, StreamReassembler};

/// How much to read at a time: one agent-sized frame.
const READ_CHUNK: usize = 4096;

/// Why an exchange failed.
#[napi(object, object_from_js = false)]
pub struct ExchangeFailure {
    /// `transport` (the channel failed: a `TransportError`) or `protocol` (bad bytes: a `ProtocolError`).
    pub kind: &'static str,
    /// Transport: `ERR_TIMEOUT`, `ERR_PEER_CLOSED`, `ERR_ENDPOINT_NOT_FOUND` (also refused), `ERR_ENDPOINT_BUSY`,
    /// `ERR_PERMISSION_DENIED`, `ERR_ENDPOINT_INVALID`, `ERR_ENDPOINT_UNSUPPORTED`, `ERR_TRANSPORT_IO`.
    /// Protocol: `ERR_NETLINK_FRAME` (a malformed reply frame), `ERR_NETLINK_UNEXPECTED_REPLY` (a reply for another
    /// request), `ERR_NETLINK_REQUEST` (the request bytes are not netlink frames).
    pub code: &'static str,
    pub message: String,
    /// Protocol failures: where the offending frame starts, in the reply stream (or in the request).
    pub offset: Option<u32>,
}

impl ExchangeFailure {
    fn transport(code: &'static str, message: String) -> Self {
        ExchangeFailure { kind: "transport", code, message, offset: None }
    }

    fn protocol(code: &'static str, message: String, offset: usize) -> Self {
        ExchangeFailure { kind: "protocol", code, message, offset: Some(u32::try_from(offset).unwrap_or(u32::MAX)) }
    }

    fn timeout(timeout: Duration) -> Self {
        Self::transport("ERR_TIMEOUT", format!("no complete reply within {} ms", timeout.as_millis()))
    }
}

type Outcome = std::result::Result<Vec<u8>, ExchangeFailure>;
type Settled = Either<Buffer, ExchangeFailure>;
type Deferred = JsDeferred<Settled, Box<dyn FnOnce(Env) -> Result<Settled> + Send>>;

/// Sends `request` (one or more netlink request frames) to `endpoint` and resolves with the reply frames to all of
/// them, concatenated as received, or with an [`ExchangeFailure`].
///
/// The replies to each request frame end at its first message without `NLM_F_MULTI` (or its DONE, or an
/// `NLMSG_ERROR`), frame by frame in request order, as vRouter answers a stream. `timeout_ms` bounds the whole
/// exchange, connecting included; without it the exchange waits as long as the peer keeps the channel open.
#[napi(ts_return_type = "Promise<Buffer | ExchangeFailure>")]
pub fn exchange(env: &Env, endpoint: String, request: Uint8Array, timeout_ms: Option<u32>) -> Result<Object<'_>> {
    let (deferred, promise) = env.create_deferred()?;
    let shared = Arc::new(Shared::new(deferred));
    let request = request.to_vec();
    let timeout = timeout_ms.map(|ms| Duration::from_millis(ms.into()));

    if let Some(timeout) = timeout {
        let watched = shared.clone();
        if let Err(e) = spawn("vrouter-io exchange timer", move || watched.watch(timeout)) {
            shared.settle(Err(e));
            return Ok(promise);
        }
    }
    let worker = shared.clone();
    let started = spawn("vrouter-io exchange", move || {
        let outcome = run(&endpoint, &request, &worker);
        worker.finish(outcome);
    });
    if let Err(e) = started {
        shared.finish(Err(e));
    }
    Ok(promise)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::result::Result<(), ExchangeFailure> {
    thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .map(drop)
        .map_err(|e| ExchangeFailure::transport("ERR_TRANSPORT_IO", format!("cannot start a thread: {e}")))
}

/// What the worker and the watchdog share. Whichever finishes first settles the promise; the other's outcome is
/// dropped.
struct Shared {
    deferred: Mutex<Option<Deferred>>,
    deadline: Mutex<Deadline>,
    /// Cancelled when the worker is done: wakes the watchdog early (a `Canceller` is a wakeable flag).
    finished: Canceller,
}

#[derive(Default)]
struct Deadline {
    passed: bool,
    /// The open transport's read canceller, for the watchdog to cancel.
    transport: Option<Canceller>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn new(deferred: Deferred) -> Self {
        Shared { deferred: Mutex::new(Some(deferred)), deadline: Mutex::default(), finished: Canceller::new() }
    }

    /// Settles the promise, unless it already was.
    fn settle(&self, outcome: Outcome) {
        let Some(deferred) = lock(&self.deferred).take() else { return };
        deferred.resolve(Box::new(move |_env| {
            Ok(match outcome {
                Ok(bytes) => Either::A(bytes.into()),
                Err(failure) => Either::B(failure),
            })
        }));
    }

    /// The worker's end: stop the watchdog, settle.
    fn finish(&self, outcome: Outcome) {
        self.finished.cancel();
        self.settle(outcome);
    }

    /// The watchdog: at the deadline, unless the worker finished first, cancel the transport and settle.
    fn watch(&self, timeout: Duration) {
        if self.finished.sleep(timeout) {
            return;
        }
        let transport = {
            let mut deadline = lock(&self.deadline);
            deadline.passed = true;
            deadline.transport.take()
        };
        // Settle before cancelling, so that the worker's "cancelled" never wins the race to the promise.
        self.settle(Err(ExchangeFailure::timeout(timeout)));
        if let Some(c) = transport {
            c.cancel();
        }
    }

    /// Hands the open transport's canceller to the watchdog; false if the deadline has already passed (the worker
    /// then gives up: connecting took the whole time).
    fn attach(&self, canceller: Canceller) -> bool {
        let mut deadline = lock(&self.deadline);
        if deadline.passed {
            return false;
        }
        deadline.transport = Some(canceller);
        true
    }
}

/// The blocking exchange, on the worker thread.
fn run(endpoint: &str, request: &[u8], shared: &Shared) -> Outcome {
    let seqs = request_seqs(request)?;
    let parsed = Endpoint::parse(endpoint).map_err(endpoint_failure)?;
    let mut transport = parsed.open_ksync().map_err(|e| transport_failure(&e))?;
    if !shared.attach(transport.canceller()) {
        return Err(ExchangeFailure::transport("ERR_TIMEOUT", format!("{endpoint}: the deadline passed while connecting")));
    }
    // Written whole before reading: fine for a batch far below the socket buffers, which is what this one-shot call
    // is for (a blocked write is not cancellable here; the watchdog still settles the promise on time).
    transport.write_all(request).map_err(|e| transport_failure(&e))?;
    read_replies(&mut *transport, &seqs)
}

/// The sequence numbers of the request frames, in order.
fn request_seqs(request: &[u8]) -> std::result::Result<Vec<u32>, ExchangeFailure> {
    let mut seqs = Vec::new();
    let mut rest = request;
    while !rest.is_empty() {
        let offset = request.len() - rest.len();
        let (header, _, after) = netlink::split_frame(rest, None)
            .map_err(|e| ExchangeFailure::protocol("ERR_NETLINK_REQUEST", format!("request frame at byte {offset}: {e}"), offset))?;
        seqs.push(header.seq);
        rest = after;
    }
    if seqs.is_empty() {
        return Err(ExchangeFailure::protocol("ERR_NETLINK_REQUEST", "the request holds no frame".into(), 0));
    }
    Ok(seqs)
}

/// Reads reply frames until each request's [`ReplyTracker`] is complete, in request order; returns them as received.
fn read_replies(transport: &mut dyn Transport, seqs: &[u32]) -> Outcome {
    let mut reasm = StreamReassembler::new();
    let mut replies = Vec::new();
    let mut frames = 0usize;
    let mut trackers = seqs.iter().map(|&seq| ReplyTracker::new(seq));
    let mut tracker = trackers.next().expect("request_seqs returns at least one");
    loop {
        while let Some(frame) = reasm.pop().map_err(|e| frame_failure(e, replies.len()))? {
            let reply = netlink::parse_reply(frame).map_err(|e| frame_failure(e, replies.len()))?;
            let progress = tracker.on_reply(&reply).map_err(|e| {
                let message = format!("reply frame {frames} (byte {}): {e}", replies.len());
                ExchangeFailure::protocol("ERR_NETLINK_UNEXPECTED_REPLY", message, replies.len())
            })?;
            replies.extend_from_slice(frame);
            frames += 1;
            if progress == ReplyProgress::Complete {
                match trackers.next() {
                    Some(next) => tracker = next,
                    None => return Ok(replies),
                }
            }
        }
        let n = TransportRead::read(transport, reasm.spare(READ_CHUNK)).map_err(|e| {
            let mut failure = transport_failure(&e);
            if e.kind() == ErrorKind::PeerClosed {
                failure.message = format!("{} after {frames} complete reply frames ({} bytes)", failure.message, replies.len());
            }
            failure
        })?;
        reasm.commit(n);
    }
}

fn frame_failure(e: FrameError, offset: usize) -> ExchangeFailure {
    ExchangeFailure::protocol("ERR_NETLINK_FRAME", format!("reply frame at byte {offset}: {e}"), offset)
}

fn endpoint_failure(e: EndpointError) -> ExchangeFailure {
    let code = match e {
        EndpointError::Unsupported { .. } => "ERR_ENDPOINT_UNSUPPORTED",
        _ => "ERR_ENDPOINT_INVALID",
    };
    ExchangeFailure::transport(code, e.to_string())
}

fn transport_failure(e: &vrouter_io::Error) -> ExchangeFailure {
    let code = match e.kind() {
        // Only the watchdog cancels.
        ErrorKind::Cancelled => "ERR_TIMEOUT",
        kind => crate::transport_code::of(kind),
    };
    ExchangeFailure::transport(code, e.to_string())
}
