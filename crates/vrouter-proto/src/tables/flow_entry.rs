//! A read-only view of one flow entry, in place.

use std::fmt;

use super::constants::{FLOW_FLAG_ACTIVE, FLOW_FLAG_DELETE_MARKED};
use super::flow_key::{FlowKey, FLOW_KEY_REGION};
use super::flow_layout::{
    FlowLayout, FE_GEN_ID, FE_KEY, FE_KEY_LEN, FE_QOS_ID, FE_TCP_FLAGS, FE_TCP_SEQ, FE_TTL,
};
use super::flow_stats::FlowStats;
use super::geometry::FLOW_ENTRY_SIZE;
use super::hentry::{HEntry, HENTRY_FLAGS};
use super::memory::TableBytes;

/// One flow entry, read field by field from the table it lives in (nothing is copied up front).
///
/// Over live shared memory (`B = [AtomicU8]`) each accessor reads the current bytes, so two
/// accessors may see different versions of the entry; take a
/// [`FlowEntryCopy`](super::FlowEntryCopy) through [`read_flow_entry`](super::read_flow_entry)
/// when fields must agree. Multi-byte fields are little-endian except the key's ports and
/// addresses.
pub struct FlowEntryRef<'a, B: TableBytes + ?Sized = [u8]> {
    bytes: &'a B,
    base: usize,
    layout: FlowLayout,
}

// Manual impls: a derive would demand `B: Clone`, which unsized `B` cannot be.
impl<B: TableBytes + ?Sized> Clone for FlowEntryRef<'_, B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: TableBytes + ?Sized> Copy for FlowEntryRef<'_, B> {}

impl<'a, B: TableBytes + ?Sized> FlowEntryRef<'a, B> {
    /// The entry at `index` of a table, or `None` if the table is too short to hold it.
    pub fn new(table: &'a B, layout: FlowLayout, index: u32) -> Option<Self> {
        let base = (index as usize).checked_mul(FLOW_ENTRY_SIZE as usize)?;
        Self::at(table, base, layout)
    }

    /// The entry whose 256 bytes start at byte `base` of `bytes` (0 for a lone entry), or `None`
    /// if they do not fit.
    pub fn at(bytes: &'a B, base: usize, layout: FlowLayout) -> Option<Self> {
        let end = base.checked_add(FLOW_ENTRY_SIZE as usize)?;
        (end <= bytes.byte_len()).then_some(Self {
            bytes,
            base,
            layout,
        })
    }

    /// The layout the entry is read with.
    pub fn layout(&self) -> FlowLayout {
        self.layout
    }

    /// The hash-entry header.
    pub fn hentry(&self) -> HEntry {
        HEntry::read(self.bytes, self.base)
    }

    /// `hentry_flags` alone (one byte: cheaper than the whole header when scanning).
    pub fn hentry_flags(&self) -> u8 {
        self.bytes.read_u8(self.base + HENTRY_FLAGS)
    }

    /// `fe_ttl`.
    pub fn ttl(&self) -> u8 {
        self.bytes.read_u8(self.base + FE_TTL)
    }

    /// `fe_qos_id`.
    pub fn qos_id(&self) -> i16 {
        self.bytes.read_u16_le(self.base + FE_QOS_ID) as i16
    }

    /// The stored key (44 bytes and the length byte), as is.
    pub fn key_region(&self) -> [u8; FLOW_KEY_REGION] {
        self.bytes.read_array(self.base + FE_KEY)
    }

    /// `vr_flow_keylen`: 20, 44, or 0 for a released entry.
    pub fn key_len(&self) -> u8 {
        self.bytes.read_u8(self.base + FE_KEY_LEN)
    }

    /// The key, or `None` when the stored length is neither 20 nor 44 (a released entry).
    pub fn key(&self) -> Option<FlowKey> {
        FlowKey::from_key_region(&self.key_region()).ok()
    }

    /// `fe_gen_id`: bumped each time the slot is allocated.
    pub fn gen_id(&self) -> u8 {
        self.bytes.read_u8(self.base + FE_GEN_ID)
    }

    /// `fe_tcp_flags` (`VR_FLOW_TCP_*`).
    pub fn tcp_flags(&self) -> u16 {
        self.bytes.read_u16_le(self.base + FE_TCP_FLAGS)
    }

    /// `fe_tcp_seq`.
    pub fn tcp_seq(&self) -> u32 {
        self.bytes.read_u32_le(self.base + FE_TCP_SEQ)
    }

    /// `fe_rflow`: the reverse flow's index, −1 for none (meaningful with `RFLOW_VALID`).
    pub fn rflow(&self) -> i32 {
        self.bytes
            .read_u32_le(self.base + self.layout.offsets().rflow) as i32
    }

    /// `fe_flags` (`FLOW_FLAG_*`).
    pub fn flags(&self) -> u16 {
        self.bytes
            .read_u16_le(self.base + self.layout.offsets().flags)
    }

    /// `fe_flags1`; `None` in the 2019 layout, which lacks it.
    pub fn flags1(&self) -> Option<u16> {
        self.layout
            .offsets()
            .flags1
            .map(|o| self.bytes.read_u16_le(self.base + o))
    }

    /// `fe_action` (`FLOW_ACTION_*`).
    pub fn action(&self) -> u16 {
        self.bytes
            .read_u16_le(self.base + self.layout.offsets().action)
    }

    /// `fe_vrf`.
    pub fn vrf(&self) -> u16 {
        self.bytes
            .read_u16_le(self.base + self.layout.offsets().vrf)
    }

    /// `fe_dvrf`: the destination VRF.
    pub fn dvrf(&self) -> u16 {
        self.bytes
            .read_u16_le(self.base + self.layout.offsets().dvrf)
    }

    /// `fe_mirror_id` (255 = none).
    pub fn mirror_id(&self) -> u8 {
        self.bytes
            .read_u8(self.base + self.layout.offsets().mirror_id)
    }

    /// `fe_sec_mirror_id` (255 = none).
    pub fn sec_mirror_id(&self) -> u8 {
        self.bytes
            .read_u8(self.base + self.layout.offsets().sec_mirror_id)
    }

    /// `fe_src_nh_index` (16 bits wide in the 2019 layout).
    pub fn src_nh_index(&self) -> u32 {
        let o = self.layout.offsets();
        match o.src_nh_index_width {
            2 => u32::from(self.bytes.read_u16_le(self.base + o.src_nh_index)),
            _ => self.bytes.read_u32_le(self.base + o.src_nh_index),
        }
    }

    /// `fe_stats`.
    pub fn stats(&self) -> FlowStats {
        FlowStats::from_bytes(
            &self
                .bytes
                .read_array(self.base + self.layout.offsets().stats),
        )
    }

    /// Bytes seen, with the overflow part combined (`oflow << 32 | low`).
    pub fn bytes_count(&self) -> u64 {
        self.stats().total_bytes()
    }

    /// Packets seen, with the overflow part combined (`oflow << 32 | low`).
    pub fn packets_count(&self) -> u64 {
        self.stats().total_packets()
    }

    /// `fe_ecmp_nh_index`: the ECMP member chosen, −1 for none.
    pub fn ecmp_nh_index(&self) -> i8 {
        self.bytes
            .read_u8(self.base + self.layout.offsets().ecmp_nh_index) as i8
    }

    /// `fe_drop_reason` (`VR_FLOW_DR_*`).
    pub fn drop_reason(&self) -> u8 {
        self.bytes
            .read_u8(self.base + self.layout.offsets().drop_reason)
    }

    /// `fe_type`: `FLOW_TYPE_IP`, `FLOW_TYPE_IP6`, or `FLOW_TYPE_NULL` after a release.
    pub fn flow_type(&self) -> u8 {
        self.bytes
            .read_u8(self.base + self.layout.offsets().flow_type)
    }

    /// `fe_udp_src_port`.
    pub fn udp_src_port(&self) -> u16 {
        self.bytes
            .read_u16_le(self.base + self.layout.offsets().udp_src_port)
    }

    /// `fe_src_info`: the ingress interface index, or the outer source IPv4 address. vRouter
    /// stores the address as it came in the packet (network order) in this host-order field, so
    /// its octets are `src_info().to_le_bytes()` (PROTOCOL.md §1.3's byte-order trap).
    pub fn src_info(&self) -> u32 {
        self.bytes
            .read_u32_le(self.base + self.layout.offsets().src_info)
    }

    /// `fe_tcp_ack`; `None` in the 2019 layout.
    pub fn tcp_ack(&self) -> Option<u32> {
        self.layout
            .offsets()
            .tcp_ack
            .map(|o| self.bytes.read_u32_le(self.base + o))
    }

    /// `fe_underlay_ecmp_index` (−1 for none); `None` in the 2019 layout.
    pub fn underlay_ecmp_index(&self) -> Option<i8> {
        self.layout
            .offsets()
            .underlay_ecmp_index
            .map(|o| self.bytes.read_u8(self.base + o) as i8)
    }

    /// `fe_flags` has `ACTIVE`: what `flow -l` lists.
    pub fn is_active(&self) -> bool {
        self.flags() & FLOW_FLAG_ACTIVE != 0
    }

    /// What a lookup accepts: hentry `VALID`, `ACTIVE`, and not `DELETE_MARKED`.
    pub fn is_live(&self) -> bool {
        self.hentry().is_valid()
            && self.flags() & (FLOW_FLAG_ACTIVE | FLOW_FLAG_DELETE_MARKED) == FLOW_FLAG_ACTIVE
    }
}

impl<B: TableBytes + ?Sized> fmt::Debug for FlowEntryRef<'_, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowEntryRef")
            .field("hentry", &self.hentry())
            .field("flags", &format_args!("{:#06x}", self.flags()))
            .field("gen_id", &self.gen_id())
            .field("key", &self.key())
            .field("action", &self.action())
            .finish_non_exhaustive()
    }
}
