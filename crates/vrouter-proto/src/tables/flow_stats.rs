//! `fe_stats`: a flow's byte and packet counters (PROTOCOL.md §7.5).
//!
//! Each counter is a 32-bit low part that the datapath bumps atomically, plus an overflow part
//! (16 bits for bytes, 8 for packets) incremented, non-atomically, when the low part wraps. The
//! full value is `overflow << 32 | low`; a reader may briefly see the low part wrapped before the
//! overflow part caught up.

use super::flow_layout::stats::{BYTES, BYTES_OFLOW, PACKETS, PACKETS_OFLOW, SIZE};

/// The counters of one flow, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowStats {
    /// `flow_bytes`: low 32 bits of the byte count.
    pub bytes: u32,
    /// `flow_packets`: low 32 bits of the packet count.
    pub packets: u32,
    /// `flow_bytes_oflow`: bits 32..48 of the byte count.
    pub bytes_oflow: u16,
    /// `flow_packets_oflow`: bits 32..40 of the packet count.
    pub packets_oflow: u8,
}

impl FlowStats {
    /// Bytes of `fe_stats`.
    pub const SIZE: usize = SIZE;

    /// Parses the 11 stored bytes (little-endian).
    pub fn from_bytes(raw: &[u8; SIZE]) -> Self {
        Self {
            bytes: u32::from_le_bytes([raw[BYTES], raw[BYTES + 1], raw[BYTES + 2], raw[BYTES + 3]]),
            packets: u32::from_le_bytes([
                raw[PACKETS],
                raw[PACKETS + 1],
                raw[PACKETS + 2],
                raw[PACKETS + 3],
            ]),
            bytes_oflow: u16::from_le_bytes([raw[BYTES_OFLOW], raw[BYTES_OFLOW + 1]]),
            packets_oflow: raw[PACKETS_OFLOW],
        }
    }

    /// The 11 stored bytes.
    pub fn to_bytes(&self) -> [u8; SIZE] {
        let mut raw = [0u8; SIZE];
        raw[BYTES..BYTES + 4].copy_from_slice(&self.bytes.to_le_bytes());
        raw[PACKETS..PACKETS + 4].copy_from_slice(&self.packets.to_le_bytes());
        raw[BYTES_OFLOW..BYTES_OFLOW + 2].copy_from_slice(&self.bytes_oflow.to_le_bytes());
        raw[PACKETS_OFLOW] = self.packets_oflow;
        raw
    }

    /// The byte count: `bytes_oflow << 32 | bytes` (48 bits).
    pub fn total_bytes(&self) -> u64 {
        u64::from(self.bytes_oflow) << 32 | u64::from(self.bytes)
    }

    /// The packet count: `packets_oflow << 32 | packets` (40 bits).
    pub fn total_packets(&self) -> u64 {
        u64::from(self.packets_oflow) << 32 | u64::from(self.packets)
    }

    /// Counts `bytes` and `packets` more the way the datapath does: add to the 32-bit part, and
    /// when that wraps, add one to the overflow part (which itself wraps silently).
    pub fn add(&mut self, bytes: u32, packets: u32) {
        let (low, wrapped) = self.bytes.overflowing_add(bytes);
        self.bytes = low;
        if wrapped {
            self.bytes_oflow = self.bytes_oflow.wrapping_add(1);
        }
        let (low, wrapped) = self.packets.overflowing_add(packets);
        self.packets = low;
        if wrapped {
            self.packets_oflow = self.packets_oflow.wrapping_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_carries_into_the_overflow_part() {
        let mut s = FlowStats {
            bytes: u32::MAX - 9,
            packets: u32::MAX,
            ..Default::default()
        };
        s.add(10, 1);
        assert_eq!(
            (s.bytes, s.bytes_oflow, s.packets, s.packets_oflow),
            (0, 1, 0, 1)
        );
        assert_eq!(s.total_bytes(), 1 << 32);
        assert_eq!(s.total_packets(), 1 << 32);
        assert_eq!(FlowStats::from_bytes(&s.to_bytes()), s);
    }

    #[test]
    fn overflow_parts_wrap_silently() {
        let mut s = FlowStats {
            bytes: u32::MAX,
            bytes_oflow: u16::MAX,
            packets: u32::MAX,
            packets_oflow: u8::MAX,
        };
        s.add(1, 1);
        assert_eq!((s.total_bytes(), s.total_packets()), (0, 0));
    }
}
