//! pkt0 counters, kept with atomics so that the socket's threads and readers never wait.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters of the pkt0 endpoint.
#[derive(Debug, Default)]
pub struct Pkt0Counters {
    pub(crate) traps_sent: AtomicU64,
    pub(crate) traps_dropped_absent: AtomicU64,
    pub(crate) traps_dropped_full: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) reinjected: AtomicU64,
    pub(crate) invalid_short: AtomicU64,
    pub(crate) invalid_oversize: AtomicU64,
    pub(crate) invalid_command: AtomicU64,
}

/// A snapshot of the pkt0 counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pkt0Stats {
    /// Trap frames handed to the agent's socket.
    pub traps_sent: u64,
    /// Trap frames dropped because no agent had bound `agent_pkt0` (or it went away).
    pub traps_dropped_absent: u64,
    /// Trap frames dropped because the agent's socket was full (vRouter sends without waiting).
    pub traps_dropped_full: u64,
    /// Datagrams received from the agent, valid or not.
    pub received: u64,
    /// Valid SWITCH and ROUTE frames from the agent.
    pub reinjected: u64,
    /// Frames from the agent of 44 bytes or fewer.
    pub invalid_short: u64,
    /// Frames from the agent larger than a DPDK mbuf takes.
    pub invalid_oversize: u64,
    /// Frames from the agent with a command other than SWITCH or ROUTE.
    pub invalid_command: u64,
}

impl Pkt0Stats {
    /// Trap frames dropped, for either reason.
    pub fn traps_dropped(&self) -> u64 {
        self.traps_dropped_absent + self.traps_dropped_full
    }

    /// Invalid frames from the agent, for any reason.
    pub fn invalid(&self) -> u64 {
        self.invalid_short + self.invalid_oversize + self.invalid_command
    }
}

impl Pkt0Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The current values.
    pub fn snapshot(&self) -> Pkt0Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Pkt0Stats {
            traps_sent: get(&self.traps_sent),
            traps_dropped_absent: get(&self.traps_dropped_absent),
            traps_dropped_full: get(&self.traps_dropped_full),
            received: get(&self.received),
            reinjected: get(&self.reinjected),
            invalid_short: get(&self.invalid_short),
            invalid_oversize: get(&self.invalid_oversize),
            invalid_command: get(&self.invalid_command),
        }
    }
}
