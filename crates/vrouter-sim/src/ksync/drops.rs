//! Packet drop counters, by reason, as vRouter keeps them (globally per core, and per vif).

use vrouter_proto::messages::VrDropStatsReq;

/// Why a packet was dropped: vRouter's `VP_DROP_*` reasons, in their numbering (each variant is
/// the reason of the same name).
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DropReason {
    Invalid = 0,
    Discard,
    Pull,
    InvalidIf,
    InvalidArp,
    TrapNoIf,
    NowhereToGo,
    FlowQueueLimitExceeded,
    FlowNoMemory,
    FlowInvalidProtocol,
    FlowNatNoRflow,
    FlowActionDrop,
    FlowActionInvalid,
    FlowUnusable,
    FlowTableFull,
    InterfaceTxDiscard,
    InterfaceDrop,
    Duplicated,
    Push,
    TtlExceeded,
    InvalidNh,
    InvalidLabel,
    InvalidProtocol,
    InterfaceRxDiscard,
    InvalidMcastSource,
    HeadAllocFail,
    PcowFail,
    McastDfBit,
    McastCloneFail,
    NoMemory,
    RewriteFail,
    Misc,
    InvalidPacket,
    CksumErr,
    NoFmd,
    ClonedOriginal,
    InvalidVnid,
    Fragments,
    InvalidSource,
    L2NoRoute,
    FragmentQueueFail,
    VlanFwdTx,
    VlanFwdEnq,
    NewFlows,
    FlowEvict,
    TrapOriginal,
    LeafToLeaf,
    BmacIsidMismatch,
    PktLoop,
    NoCryptPath,
    InvalidHbsPkt,
    NoFragEntry,
    IcmpError,
    CloneFail,
    InvalidUnderlayEcmp,
}

/// How many drop reasons there are (vRouter's `VP_DROP_MAX`).
pub const DROP_REASONS: usize = DropReason::InvalidUnderlayEcmp as usize + 1;

/// One counter per drop reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropCounters([u64; DROP_REASONS]);

impl Default for DropCounters {
    fn default() -> Self {
        DropCounters([0; DROP_REASONS])
    }
}

impl DropCounters {
    /// Counts `packets` more drops for `reason`.
    pub fn count(&mut self, reason: DropReason, packets: u64) {
        let c = &mut self.0[reason as usize];
        *c = c.wrapping_add(packets);
    }

    /// The drops counted for `reason`.
    pub fn get(&self, reason: DropReason) -> u64 {
        self.0[reason as usize]
    }

    /// All drops, every reason together (a vif's `vifr_dpackets`).
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, &c| a.wrapping_add(c))
    }

    /// Zeroes every counter.
    pub fn clear(&mut self) {
        self.0 = [0; DROP_REASONS];
    }

    /// Adds these counters into `r`, field by field. vRouter's response builder adds rather than
    /// assigns, and it has no line for HEAD_ALLOC_FAIL (nor for INVALID), so `vds_head_alloc_fail`
    /// is never reported whatever was counted.
    pub fn add_to(&self, r: &mut VrDropStatsReq) {
        use DropReason::*;
        let c = |reason: DropReason| self.get(reason) as i64;
        let fields: [(&mut i64, DropReason); 53] = [
            (&mut r.vds_discard, Discard),
            (&mut r.vds_pull, Pull),
            (&mut r.vds_invalid_if, InvalidIf),
            (&mut r.vds_invalid_arp, InvalidArp),
            (&mut r.vds_trap_no_if, TrapNoIf),
            (&mut r.vds_nowhere_to_go, NowhereToGo),
            (&mut r.vds_flow_queue_limit_exceeded, FlowQueueLimitExceeded),
            (&mut r.vds_flow_no_memory, FlowNoMemory),
            (&mut r.vds_flow_invalid_protocol, FlowInvalidProtocol),
            (&mut r.vds_flow_nat_no_rflow, FlowNatNoRflow),
            (&mut r.vds_flow_action_drop, FlowActionDrop),
            (&mut r.vds_flow_action_invalid, FlowActionInvalid),
            (&mut r.vds_flow_unusable, FlowUnusable),
            (&mut r.vds_flow_table_full, FlowTableFull),
            (&mut r.vds_interface_tx_discard, InterfaceTxDiscard),
            (&mut r.vds_interface_drop, InterfaceDrop),
            (&mut r.vds_duplicated, Duplicated),
            (&mut r.vds_push, Push),
            (&mut r.vds_ttl_exceeded, TtlExceeded),
            (&mut r.vds_invalid_nh, InvalidNh),
            (&mut r.vds_invalid_label, InvalidLabel),
            (&mut r.vds_invalid_protocol, InvalidProtocol),
            (&mut r.vds_interface_rx_discard, InterfaceRxDiscard),
            (&mut r.vds_invalid_mcast_source, InvalidMcastSource),
            (&mut r.vds_pcow_fail, PcowFail),
            (&mut r.vds_mcast_df_bit, McastDfBit),
            (&mut r.vds_mcast_clone_fail, McastCloneFail),
            (&mut r.vds_no_memory, NoMemory),
            (&mut r.vds_rewrite_fail, RewriteFail),
            (&mut r.vds_misc, Misc),
            (&mut r.vds_invalid_packet, InvalidPacket),
            (&mut r.vds_cksum_err, CksumErr),
            (&mut r.vds_no_fmd, NoFmd),
            (&mut r.vds_cloned_original, ClonedOriginal),
            (&mut r.vds_invalid_vnid, InvalidVnid),
            (&mut r.vds_frag_err, Fragments),
            (&mut r.vds_invalid_source, InvalidSource),
            (&mut r.vds_l2_no_route, L2NoRoute),
            (&mut r.vds_fragment_queue_fail, FragmentQueueFail),
            (&mut r.vds_vlan_fwd_tx, VlanFwdTx),
            (&mut r.vds_vlan_fwd_enq, VlanFwdEnq),
            (&mut r.vds_drop_new_flow, NewFlows),
            (&mut r.vds_flow_evict, FlowEvict),
            (&mut r.vds_trap_original, TrapOriginal),
            (&mut r.vds_leaf_to_leaf, LeafToLeaf),
            (&mut r.vds_bmac_isid_mismatch, BmacIsidMismatch),
            (&mut r.vds_pkt_loop, PktLoop),
            (&mut r.vds_no_crypt_path, NoCryptPath),
            (&mut r.vds_invalid_hbs_pkt, InvalidHbsPkt),
            (&mut r.vds_no_frag_entry, NoFragEntry),
            (&mut r.vds_icmp_error, IcmpError),
            (&mut r.vds_clone_fail, CloneFail),
            (&mut r.vds_invalid_underlay_ecmp, InvalidUnderlayEcmp),
        ];
        for (field, reason) in fields {
            *field = field.wrapping_add(c(reason));
        }
    }
}
