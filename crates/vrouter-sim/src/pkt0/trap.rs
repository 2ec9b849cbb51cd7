//! Frames on their way to the agent, built without I/O.

use vrouter_proto::agent_header::{write_pkt0_frame_with, AgentHeader, OuterEthernet};

/// Trap frames waiting to be sent, one datagram each, in one reused buffer (a traffic source
/// fills a batch under the datapath's lock and sends it after).
#[derive(Debug, Clone, Default)]
pub struct TrapBatch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl TrapBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one frame as vRouter traps it: outer Ethernet dst = src = `pkt0_mac` (the AGENT
    /// vif's MAC), type 0x0800; the agent header; the packet from its L2 header on.
    pub fn push(&mut self, pkt0_mac: [u8; 6], header: &AgentHeader, inner: &[u8]) {
        write_pkt0_frame_with(&mut self.bytes, &OuterEthernet::vrouter_to_agent(pkt0_mac), header, inner);
        self.ends.push(self.bytes.len());
    }

    /// Frames in the batch.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the batch holds no frame.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The frames, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(s, e)| &self.bytes[s..e])
    }

    /// Frame `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.bytes[start..end])
    }

    /// Empties the batch, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

/// Where trap frames go: the pkt0 socket, or a test's collector.
pub trait TrapSink {
    /// Sends every frame of `batch` (each one datagram), counting what could not be sent;
    /// returns how many were sent.
    fn send_traps(&self, batch: &TrapBatch) -> usize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrouter_proto::agent_header::parse_pkt0_frame;

    #[test]
    fn frames_come_back_apart() {
        let mut b = TrapBatch::new();
        b.push([2; 6], &AgentHeader { ifindex: 3, cmd: 2, ..Default::default() }, &[1, 2, 3]);
        b.push([2; 6], &AgentHeader { ifindex: 4, cmd: 7, ..Default::default() }, &[4; 60]);
        let frames: Vec<_> = b.iter().collect();
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1], b.get(1).unwrap());
        let f = parse_pkt0_frame(frames[1]).unwrap();
        assert_eq!((f.header.ifindex, f.header.cmd, f.inner.len(), f.outer.src), (4, 7, 60, [2; 6]));
        b.clear();
        assert!(b.is_empty());
    }
}
