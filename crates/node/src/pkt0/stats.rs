//! The channel's counters as a plain JavaScript object.

use napi_derive::napi;
use vrouter_io::pkt0::ChannelStats;

/// Counters of a pkt0 channel (numbers: exact up to 2^53).
#[napi(object, object_from_js = false)]
pub struct NativePkt0Stats {
    pub received: f64,
    pub received_bytes: f64,
    pub batches: f64,
    pub invalid_short: f64,
    pub oversize: f64,
    pub unknown_command: f64,
    pub delivered: f64,
    pub dropped: f64,
    pub dropped_bytes: f64,
    pub queued: f64,
    pub queued_bytes: f64,
    pub peak_queued_bytes: f64,
    pub sent: f64,
    pub send_full: f64,
    pub send_failed: f64,
    pub captured: f64,
    pub discarded: f64,
}

impl From<ChannelStats> for NativePkt0Stats {
    fn from(s: ChannelStats) -> Self {
        let f = |v: u64| v as f64;
        NativePkt0Stats {
            received: f(s.received),
            received_bytes: f(s.received_bytes),
            batches: f(s.batches),
            invalid_short: f(s.invalid_short),
            oversize: f(s.oversize),
            unknown_command: f(s.unknown_command),
            delivered: f(s.queue.delivered),
            dropped: f(s.queue.dropped),
            dropped_bytes: f(s.queue.dropped_bytes),
            queued: f(s.queue.queued),
            queued_bytes: f(s.queue.queued_bytes),
            peak_queued_bytes: f(s.queue.peak_queued_bytes),
            sent: f(s.sent),
            send_full: f(s.send_full),
            send_failed: f(s.send_failed),
            captured: f(s.captured),
            discarded: f(s.discarded),
        }
    }
}
