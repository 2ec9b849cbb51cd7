//! Where each field of a flow entry sits, per vRouter release (PROTOCOL.md §7.2).
//!
//! Both layouts are packed, 256 bytes, and share the first 84 bytes (hash-entry header, TTL,
//! QoS id, the 45-byte key, gen id, TCP flags, hold-list pointer, TCP sequence). After that the
//! 2024 layout reordered fields, widened `fe_src_nh_index` to 32 bits and added `fe_flags1`,
//! `fe_tcp_ack`, `fe_underlay_ecmp_index` and `fe_bucket_lock`. Nothing in an entry says which
//! layout it has, so a reader is always told.

/// Offset of `fe_ttl` (u8), both layouts.
pub const FE_TTL: usize = 21;
/// Offset of `fe_qos_id` (i16), both layouts.
pub const FE_QOS_ID: usize = 22;
/// Offset of `fe_key` (the 45-byte `struct vr_flow`), both layouts.
pub const FE_KEY: usize = 24;
/// Offset of `fe_key.vr_flow_keylen` (u8), both layouts.
pub const FE_KEY_LEN: usize = FE_KEY + 44;
/// Offset of `fe_gen_id` (u8), both layouts.
pub const FE_GEN_ID: usize = 69;
/// Offset of `fe_tcp_flags` (u16), both layouts.
pub const FE_TCP_FLAGS: usize = 70;
/// Offset of `fe_hold_list` (a kernel pointer), both layouts.
pub const FE_HOLD_LIST: usize = 72;
/// Offset of `fe_tcp_seq` (u32), both layouts.
pub const FE_TCP_SEQ: usize = 80;

/// Which `struct vr_flow_entry` a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FlowLayout {
    /// tungstenfabric/tf-vrouter as of 2024 (432a8e0): Linux kernel module and DPDK.
    #[default]
    Tf2024,
    /// Juniper/contrail-vrouter of 2019 (6f33592): the Windows forwarding extension and the R19xx
    /// releases.
    Juniper2019,
}

/// Byte offsets of the fields that moved between layouts; `None` where a layout lacks the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowOffsets {
    /// `fe_rflow` (i32).
    pub rflow: usize,
    /// `fe_flags` (u16).
    pub flags: usize,
    /// `fe_flags1` (u16).
    pub flags1: Option<usize>,
    /// `fe_action` (u16).
    pub action: usize,
    /// `fe_vrf` (u16).
    pub vrf: usize,
    /// `fe_dvrf` (u16).
    pub dvrf: usize,
    /// `fe_mirror_id` (u8).
    pub mirror_id: usize,
    /// `fe_sec_mirror_id` (u8).
    pub sec_mirror_id: usize,
    /// `fe_src_nh_index` (u32 in 2024, u16 in 2019: see `src_nh_index_width`).
    pub src_nh_index: usize,
    /// Bytes of `fe_src_nh_index`: 4 or 2.
    pub src_nh_index_width: usize,
    /// `fe_stats` (11 bytes: bytes u32, packets u32, bytes_oflow u16, packets_oflow u8).
    pub stats: usize,
    /// `fe_ecmp_nh_index` (i8).
    pub ecmp_nh_index: usize,
    /// `fe_drop_reason` (u8).
    pub drop_reason: usize,
    /// `fe_type` (u8).
    pub flow_type: usize,
    /// `fe_udp_src_port` (u16).
    pub udp_src_port: usize,
    /// `fe_src_info` (u32).
    pub src_info: usize,
    /// `fe_mme` (a kernel pointer).
    pub mme: usize,
    /// `fe_tcp_ack` (u32).
    pub tcp_ack: Option<usize>,
    /// `fe_underlay_ecmp_index` (i8).
    pub underlay_ecmp_index: Option<usize>,
    /// `fe_bucket_lock` (a spin-lock byte; readers must not interpret it).
    pub bucket_lock: Option<usize>,
}

const TF_2024: FlowOffsets = FlowOffsets {
    rflow: 84,
    flags: 88,
    flags1: Some(90),
    action: 92,
    vrf: 94,
    dvrf: 96,
    mirror_id: 98,
    sec_mirror_id: 99,
    src_nh_index: 100,
    src_nh_index_width: 4,
    stats: 104,
    ecmp_nh_index: 115,
    drop_reason: 116,
    flow_type: 117,
    udp_src_port: 118,
    src_info: 120,
    mme: 124,
    tcp_ack: Some(132),
    underlay_ecmp_index: Some(136),
    bucket_lock: Some(137),
};

const JUNIPER_2019: FlowOffsets = FlowOffsets {
    action: 84,
    flags: 86,
    rflow: 88,
    flags1: None,
    vrf: 92,
    dvrf: 94,
    src_nh_index: 96,
    src_nh_index_width: 2,
    mirror_id: 98,
    sec_mirror_id: 99,
    stats: 100,
    ecmp_nh_index: 111,
    drop_reason: 112,
    flow_type: 113,
    udp_src_port: 114,
    src_info: 116,
    mme: 120,
    tcp_ack: None,
    underlay_ecmp_index: None,
    bucket_lock: None,
};

impl FlowLayout {
    /// The offsets of this layout.
    pub const fn offsets(self) -> &'static FlowOffsets {
        match self {
            Self::Tf2024 => &TF_2024,
            Self::Juniper2019 => &JUNIPER_2019,
        }
    }

    /// Where the fields end and `fe_pack`, the padding to 256 bytes, begins: readers copy no
    /// further (the last cache line of an entry holds only padding).
    pub const fn fields_end(self) -> usize {
        match self {
            Self::Tf2024 => 138,
            Self::Juniper2019 => 128,
        }
    }

    /// The bytes a copy of an entry takes: its fields, rounded up to whole 16-byte moves. A
    /// copy of 138 bytes ends with a move overlapping the one before, and a field read back
    /// across the two (`fe_src_info`, bytes 120–123) cannot be forwarded from the stores: the
    /// read waits for both to reach the cache (measured: a tenth of a scan's time). The few bytes
    /// of padding past the fields are on the same cache line.
    pub const fn copied_len(self) -> usize {
        self.fields_end().next_multiple_of(16)
    }
}

/// Offsets inside `fe_stats`.
pub(crate) mod stats {
    pub const BYTES: usize = 0;
    pub const PACKETS: usize = 4;
    pub const BYTES_OFLOW: usize = 8;
    pub const PACKETS_OFLOW: usize = 10;
    pub const SIZE: usize = 11;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap_and_fit_256_bytes() {
        for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
            let o = layout.offsets();
            let mut spans = vec![
                (0, 84), // shared prefix
                (o.rflow, 4),
                (o.flags, 2),
                (o.action, 2),
                (o.vrf, 2),
                (o.dvrf, 2),
                (o.mirror_id, 1),
                (o.sec_mirror_id, 1),
                (o.src_nh_index, o.src_nh_index_width),
                (o.stats, stats::SIZE),
                (o.ecmp_nh_index, 1),
                (o.drop_reason, 1),
                (o.flow_type, 1),
                (o.udp_src_port, 2),
                (o.src_info, 4),
                (o.mme, 8),
            ];
            spans.extend(o.flags1.map(|f| (f, 2)));
            spans.extend(o.tcp_ack.map(|f| (f, 4)));
            spans.extend(o.underlay_ecmp_index.map(|f| (f, 1)));
            spans.extend(o.bucket_lock.map(|f| (f, 1)));
            spans.sort();
            for w in spans.windows(2) {
                // Packed structs: each field starts exactly where the previous one ends.
                assert_eq!(w[0].0 + w[0].1, w[1].0, "{layout:?} {w:?}");
            }
            let end = spans.last().map(|s| s.0 + s.1).unwrap();
            assert!(end <= 256);
        }
    }
}
