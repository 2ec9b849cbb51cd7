//! The pkt0 channel for JavaScript: `vrouter_io::pkt0` (reader thread, bounded queue, batched
//! sends) behind a small object. JavaScript pulls: `take` returns the waiting frames as one
//! buffer, or nothing — and then a single wake-up call tells it when to take again. One native
//! crossing per batch, never per frame.

mod stats;

use std::path::Path;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use vrouter_io::pkt0::{open, ChannelOptions, DropPolicy, Opened, QueueLimits};

use crate::ksync::ConnectFailure;
pub use stats::NativePkt0Stats;

/// Frames taken at once, back to back.
#[napi(object, object_from_js = false)]
pub struct NativePkt0Batch {
    /// The frames' bytes (each a whole pkt0 frame: outer Ethernet, agent header, packet).
    pub data: Buffer,
    /// Each frame's length, in order.
    pub lens: Uint32Array,
}

/// Options of `openPkt0`.
#[napi(object)]
pub struct NativePkt0Options {
    /// Frames the queue holds at most.
    pub max_packets: Option<u32>,
    /// Bytes the queue holds at most.
    pub max_bytes: Option<f64>,
    /// `drop-newest` (default), `drop-oldest` or `pause`.
    pub policy: Option<String>,
}

type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// An open pkt0 channel.
#[napi]
pub struct NativePkt0 {
    opened: Opened,
    wake: Arc<Wake>,
}

/// Opens `endpoint` (`unix:PATH`, `tap:NAME`); `on_wake` is called when frames arrive after a
/// `take` found none, and when the channel stops.
#[napi]
pub fn open_pkt0(endpoint: String, options: NativePkt0Options, on_wake: Function<(), ()>) -> Result<Either<NativePkt0, ConnectFailure>> {
    let policy = match options.policy.as_deref() {
        None => DropPolicy::default(),
        Some(p) => DropPolicy::parse(p).ok_or_else(|| Error::new(Status::InvalidArg, format!("unknown drop policy {p:?}: expected drop-newest, drop-oldest or pause")))?,
    };
    let defaults = QueueLimits::default();
    let limits = QueueLimits {
        max_packets: options.max_packets.map_or(defaults.max_packets, |n| n.max(1) as usize),
        max_bytes: options.max_bytes.map_or(defaults.max_bytes, |n| n.max(1.0) as usize),
    };
    // Weak: an idle channel must not keep Node running; `setActive` refs it while JS waits.
    let wake: Arc<Wake> = Arc::new(on_wake.build_threadsafe_function().callee_handled::<false>().weak::<true>().build_callback(|_| Ok(()))?);
    let sink = wake.clone();
    let notify = Box::new(move || {
        sink.call((), ThreadsafeFunctionCallMode::NonBlocking);
    });
    match open(&endpoint, ChannelOptions { limits, policy }, notify) {
        Ok(opened) => Ok(Either::A(NativePkt0 { opened, wake })),
        Err(e) => Ok(Either::B(ConnectFailure { code: crate::transport_code::of(e.kind()).into(), message: e.to_string() })),
    }
}

#[napi]
impl NativePkt0 {
    /// Connects to the forwarding engine's socket where that is a step of its own (DPDK's
    /// `dpdk_pkt0`); false while it is not there yet.
    #[napi]
    pub fn connect(&self) -> Result<bool> {
        self.opened.connect().map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
    }

    /// The waiting frames (up to about `max_packets`), or null — then `on_wake` follows once
    /// frames arrive.
    #[napi]
    pub fn take(&self, max_packets: u32) -> Option<NativePkt0Batch> {
        let batch = self.opened.channel.take(max_packets as usize)?;
        let (bytes, lens) = batch.into_parts();
        Some(NativePkt0Batch { data: bytes.into(), lens: lens.into() })
    }

    /// Sends whole pkt0 frames, back to back in `data`, one per entry of `lens`, without
    /// waiting; returns how many went (the rest are counted as not sent).
    #[napi]
    pub fn send(&self, data: &[u8], lens: Uint32Array) -> Result<u32> {
        self.opened
            .channel
            .send(data, &lens)
            .map(|n| n as u32)
            .map_err(|e| Error::new(Status::GenericFailure, format!("pkt0 send: {e}")))
    }

    /// The counters.
    #[napi]
    pub fn stats(&self) -> NativePkt0Stats {
        self.opened.channel.stats().into()
    }

    /// Starts writing both directions to a classic pcap file.
    #[napi]
    pub fn capture(&self, path: String) -> Result<()> {
        self.opened.channel.capture(Path::new(&path)).map_err(|e| Error::new(Status::GenericFailure, format!("capture to {path}: {e}")))
    }

    /// Stops the capture; returns the records written.
    #[napi]
    pub fn stop_capture(&self) -> Result<f64> {
        self.opened.channel.stop_capture().map(|n| n as f64).map_err(|e| Error::new(Status::GenericFailure, format!("finishing the capture: {e}")))
    }

    /// Count and drop frames in the reader (a native-only receive loop, for measuring).
    #[napi]
    pub fn set_discard(&self, discard: bool) {
        self.opened.channel.set_discard(discard);
    }

    /// Why the reader stopped, if it failed.
    #[napi(getter)]
    pub fn failure(&self) -> Option<String> {
        self.opened.channel.failure()
    }

    /// Whether the reader has stopped.
    #[napi(getter)]
    pub fn stopped(&self) -> bool {
        self.opened.channel.is_stopped()
    }

    /// While `active`, the channel keeps Node running (a consumer waits for frames).
    #[napi]
    pub fn set_active(&self, env: Env, active: bool) {
        let raw = self.wake.handle.get_raw();
        // SAFETY: called on the JavaScript thread, with the function's own handle.
        unsafe {
            if active {
                sys::napi_ref_threadsafe_function(env.raw(), raw);
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), raw);
            }
        }
    }

    /// Stops the reader, finishes a capture, closes the transport; idempotent.
    #[napi]
    pub fn close(&self) {
        self.opened.channel.close();
    }
}
