//! Frames from the agent (one datagram each), taken apart without I/O: what vRouter's pkt0
//! receive path accepts, and the record the simulator keeps of what was re-injected.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use vrouter_proto::agent_header::{parse_pkt0_frame, AgentHeader, PKT0_HEADERS_LEN};
use vrouter_proto::messages::AgentCmd;

use super::stats::Pkt0Counters;
use crate::ksync::DropReason;
use crate::Datapath;

/// The most a frame from the agent may carry after the 44 header bytes: DPDK vRouter reads each
/// datagram into one mbuf of a 2048-byte-data pool, so a longer one cannot arrive whole.
pub const MAX_INNER_LEN: usize = 2048;

/// Frames kept for [`ReinjectLog`] by default.
pub const REINJECT_LOG_LEN: usize = 1024;

/// One frame the agent sent back into the datapath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reinjected {
    /// The agent header (for SWITCH/ROUTE only `ifindex`, `vrf`, `cmd`, `param`, `param_1` are
    /// meaningful: the agent leaves the rest uninitialised).
    pub header: AgentHeader,
    /// The packet, from its L2 header on.
    pub packet: Vec<u8>,
}

/// What a datagram from the agent is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound<'a> {
    /// `CMD_SWITCH`: send `packet` out of vif `header.ifindex`.
    Switch { header: AgentHeader, packet: &'a [u8] },
    /// `CMD_ROUTE`: route `packet` in `header.vrf` as if received on `header.ifindex`.
    Route { header: AgentHeader, packet: &'a [u8] },
    /// Not longer than the 44 header bytes: nothing to send.
    TooShort,
    /// Longer than a DPDK mbuf takes.
    Oversize,
    /// A command the agent does not send (traps go the other way).
    UnknownCommand(u16),
}

/// Classifies one datagram from the agent.
pub fn classify(datagram: &[u8]) -> Inbound<'_> {
    if datagram.len() > PKT0_HEADERS_LEN + MAX_INNER_LEN {
        return Inbound::Oversize;
    }
    let Ok(frame) = parse_pkt0_frame(datagram) else { return Inbound::TooShort };
    match frame.header.command() {
        AgentCmd::CMD_SWITCH => Inbound::Switch { header: frame.header, packet: frame.inner },
        AgentCmd::CMD_ROUTE => Inbound::Route { header: frame.header, packet: frame.inner },
        _ => Inbound::UnknownCommand(frame.header.cmd),
    }
}

/// The last frames re-injected by the agent, oldest first, for tests to look at.
#[derive(Debug, Clone)]
pub struct ReinjectLog {
    frames: VecDeque<Reinjected>,
    capacity: usize,
}

impl ReinjectLog {
    /// A log keeping the last `capacity` frames.
    pub fn new(capacity: usize) -> Self {
        ReinjectLog { frames: VecDeque::with_capacity(capacity.min(64)), capacity }
    }

    /// Records one frame, forgetting the oldest when full.
    pub fn record(&mut self, header: AgentHeader, packet: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        if self.frames.len() == self.capacity {
            self.frames.pop_front();
        }
        self.frames.push_back(Reinjected { header, packet: packet.to_vec() });
    }

    /// The frames kept, oldest first.
    pub fn frames(&self) -> impl Iterator<Item = &Reinjected> + '_ {
        self.frames.iter()
    }

    /// Frames kept.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether no frame is kept.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Forgets every frame.
    pub fn clear(&mut self) {
        self.frames.clear();
    }
}

impl Default for ReinjectLog {
    fn default() -> Self {
        Self::new(REINJECT_LOG_LEN)
    }
}


/// Accounts frames from the agent as vRouter's pkt0 receive path takes them: checked and counted; the valid ones
/// logged, received on the AGENT vif, and a SWITCH sent out of its vif (or dropped as INVALID_IF). One lock of the
/// log and one of the datapath per batch.
pub(super) fn account<'a>(
    c: &Pkt0Counters,
    log: &Mutex<ReinjectLog>,
    datapath: &Mutex<Datapath>,
    frames: impl Iterator<Item = &'a [u8]>,
) {
    let (mut received, mut short, mut oversize, mut command) = (0u64, 0u64, 0u64, 0u64);
    let mut valid: Vec<(AgentHeader, &[u8], bool)> = Vec::new();
    for datagram in frames {
        received += 1;
        match classify(datagram) {
            Inbound::Switch { header, packet } => valid.push((header, packet, true)),
            Inbound::Route { header, packet } => valid.push((header, packet, false)),
            Inbound::TooShort => short += 1,
            Inbound::Oversize => oversize += 1,
            Inbound::UnknownCommand(_) => command += 1,
        }
    }
    for (counter, n) in [(&c.received, received), (&c.invalid_short, short), (&c.invalid_oversize, oversize), (&c.invalid_command, command)] {
        if n > 0 {
            Pkt0Counters::add(counter, n);
        }
    }
    if valid.is_empty() {
        return;
    }
    Pkt0Counters::add(&c.reinjected, valid.len() as u64);
    {
        let mut log = lock(log);
        valid.iter().for_each(|(h, p, _)| log.record(*h, p));
    }
    let mut dp = lock(datapath);
    let agent = dp.agent_vif().map(|v| v.idx());
    for (header, packet, switch) in valid {
        let len = packet.len() as u64;
        if let Some(agent) = agent {
            dp.count_rx(agent, len);
        }
        if switch && !dp.count_tx(u32::from(header.ifindex), len) {
            dp.count_drop(None, DropReason::InvalidIf);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrouter_proto::agent_header::write_pkt0_frame;

    fn frame(header: AgentHeader, inner_len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        write_pkt0_frame(&mut v, &header, &vec![0xab; inner_len]);
        v
    }

    #[test]
    fn classifies_as_vrouter_reads() {
        let sw = frame(AgentHeader::switch(3, 1), 60);
        assert!(matches!(classify(&sw), Inbound::Switch { header, packet } if header.ifindex == 3 && packet.len() == 60));
        assert!(matches!(classify(&frame(AgentHeader::route(4, 2), 1)), Inbound::Route { .. }));
        assert_eq!(classify(&sw[..44]), Inbound::TooShort);
        assert_eq!(classify(&frame(AgentHeader::switch(3, 1), MAX_INNER_LEN + 1)), Inbound::Oversize);
        assert!(matches!(classify(&frame(AgentHeader::switch(3, 1), MAX_INNER_LEN)), Inbound::Switch { .. }));
        let trap = frame(AgentHeader::with_cmd(AgentCmd::TRAP_ARP, 1, 0), 10);
        assert_eq!(classify(&trap), Inbound::UnknownCommand(2));
    }

    #[test]
    fn log_keeps_the_last_frames() {
        let mut log = ReinjectLog::new(2);
        for i in 0..3u16 {
            log.record(AgentHeader::switch(i, 0), &[i as u8]);
        }
        let kept: Vec<_> = log.frames().map(|r| r.header.ifindex).collect();
        assert_eq!(kept, [1, 2]);
    }
}
