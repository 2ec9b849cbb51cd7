//! Field setters for one flow entry, for the simulator (the datapath's side of the table).

use super::error::TableError;
use super::flow_entry::FlowEntryRef;
use super::flow_layout::{FlowLayout, FE_QOS_ID, FE_TCP_FLAGS, FE_TCP_SEQ, FE_TTL};
use super::flow_stats::FlowStats;
use super::memory::TableSink;

/// Write access to the fields of one in-use flow entry, from
/// [`FlowTableWriter::entry_mut`](super::FlowTableWriter::entry_mut).
///
/// The key, gen id, flags' in-use bit and hash-entry header belong to the writer's
/// `insert`/`release` and have no setter here, except [`set_flags`](Self::set_flags), which
/// writes `fe_flags` as given (the simulator keeps `ACTIVE` set and applies vRouter's rule that
/// datapath-owned bits survive agent updates).
pub struct FlowEntryMut<'w, S: TableSink> {
    sink: &'w mut S,
    base: usize,
    layout: FlowLayout,
}

impl<'w, S: TableSink> FlowEntryMut<'w, S> {
    pub(crate) fn new(sink: &'w mut S, base: usize, layout: FlowLayout) -> Self {
        Self { sink, base, layout }
    }

    /// A read view of the entry.
    pub fn view(&self) -> FlowEntryRef<'_, S::Bytes> {
        FlowEntryRef::at(self.sink.bytes(), self.base, self.layout)
            .expect("the writer checked the index")
    }

    fn put(&mut self, offset: usize, bytes: &[u8]) {
        self.sink.write(self.base + offset, bytes);
    }

    fn optional(&self, offset: Option<usize>, field: &'static str) -> Result<usize, TableError> {
        offset.ok_or(TableError::FieldNotInLayout {
            field,
            layout: self.layout,
        })
    }

    /// `fe_ttl`.
    pub fn set_ttl(&mut self, ttl: u8) {
        self.put(FE_TTL, &[ttl]);
    }

    /// `fe_qos_id`.
    pub fn set_qos_id(&mut self, qos_id: i16) {
        self.put(FE_QOS_ID, &qos_id.to_le_bytes());
    }

    /// `fe_tcp_flags`.
    pub fn set_tcp_flags(&mut self, flags: u16) {
        self.put(FE_TCP_FLAGS, &flags.to_le_bytes());
    }

    /// `fe_tcp_seq`.
    pub fn set_tcp_seq(&mut self, seq: u32) {
        self.put(FE_TCP_SEQ, &seq.to_le_bytes());
    }

    /// `fe_rflow` (−1 for none).
    pub fn set_rflow(&mut self, rflow: i32) {
        self.put(self.layout.offsets().rflow, &rflow.to_le_bytes());
    }

    /// `fe_flags`, as given.
    pub fn set_flags(&mut self, flags: u16) {
        self.sink.release_fence();
        self.put(self.layout.offsets().flags, &flags.to_le_bytes());
    }

    /// `fe_flags1` (2024 layout only).
    pub fn set_flags1(&mut self, flags1: u16) -> Result<(), TableError> {
        let o = self.optional(self.layout.offsets().flags1, "fe_flags1")?;
        self.put(o, &flags1.to_le_bytes());
        Ok(())
    }

    /// `fe_action`.
    pub fn set_action(&mut self, action: u16) {
        self.put(self.layout.offsets().action, &action.to_le_bytes());
    }

    /// `fe_vrf`.
    pub fn set_vrf(&mut self, vrf: u16) {
        self.put(self.layout.offsets().vrf, &vrf.to_le_bytes());
    }

    /// `fe_dvrf`.
    pub fn set_dvrf(&mut self, dvrf: u16) {
        self.put(self.layout.offsets().dvrf, &dvrf.to_le_bytes());
    }

    /// `fe_mirror_id` (255 = none).
    pub fn set_mirror_id(&mut self, id: u8) {
        self.put(self.layout.offsets().mirror_id, &[id]);
    }

    /// `fe_sec_mirror_id` (255 = none).
    pub fn set_sec_mirror_id(&mut self, id: u8) {
        self.put(self.layout.offsets().sec_mirror_id, &[id]);
    }

    /// `fe_src_nh_index`; values above 0xffff do not fit the 2019 layout.
    pub fn set_src_nh_index(&mut self, nh: u32) -> Result<(), TableError> {
        let o = self.layout.offsets();
        if o.src_nh_index_width == 2 {
            let narrow = u16::try_from(nh).map_err(|_| TableError::ValueTooWide {
                field: "fe_src_nh_index",
                value: nh,
            })?;
            self.put(o.src_nh_index, &narrow.to_le_bytes());
        } else {
            self.put(o.src_nh_index, &nh.to_le_bytes());
        }
        Ok(())
    }

    /// `fe_stats`, all 11 bytes.
    pub fn set_stats(&mut self, stats: FlowStats) {
        self.put(self.layout.offsets().stats, &stats.to_bytes());
    }

    /// Counts traffic as the datapath does (see [`FlowStats::add`]) and returns the new counters.
    pub fn add_stats(&mut self, bytes: u32, packets: u32) -> FlowStats {
        let mut stats = self.view().stats();
        stats.add(bytes, packets);
        self.set_stats(stats);
        stats
    }

    /// `fe_ecmp_nh_index` (−1 for none).
    pub fn set_ecmp_nh_index(&mut self, index: i8) {
        self.put(self.layout.offsets().ecmp_nh_index, &index.to_le_bytes());
    }

    /// `fe_drop_reason`.
    pub fn set_drop_reason(&mut self, reason: u8) {
        self.put(self.layout.offsets().drop_reason, &[reason]);
    }

    /// `fe_udp_src_port`.
    pub fn set_udp_src_port(&mut self, port: u16) {
        self.put(self.layout.offsets().udp_src_port, &port.to_le_bytes());
    }

    /// `fe_src_info`.
    pub fn set_src_info(&mut self, info: u32) {
        self.put(self.layout.offsets().src_info, &info.to_le_bytes());
    }

    /// `fe_tcp_ack` (2024 layout only).
    pub fn set_tcp_ack(&mut self, ack: u32) -> Result<(), TableError> {
        let o = self.optional(self.layout.offsets().tcp_ack, "fe_tcp_ack")?;
        self.put(o, &ack.to_le_bytes());
        Ok(())
    }

    /// `fe_underlay_ecmp_index` (2024 layout only; −1 for none).
    pub fn set_underlay_ecmp_index(&mut self, index: i8) -> Result<(), TableError> {
        let o = self.optional(
            self.layout.offsets().underlay_ecmp_index,
            "fe_underlay_ecmp_index",
        )?;
        self.put(o, &index.to_le_bytes());
        Ok(())
    }
}
