//! vRouter's runtime parameters: what `vrouter_ops` ADD sets and GET reports. They are module
//! globals in vRouter, so a soft reset leaves them as they are.

use std::collections::BTreeSet;

/// Runtime parameters, with vRouter's defaults (Linux build).
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Knobs {
    pub perfr: i32,
    pub perfs: i32,
    pub from_vm_mss_adj: i32,
    pub to_vm_mss_adj: i32,
    pub perfr1: i32,
    pub perfr2: i32,
    pub perfr3: i32,
    pub perfp: i32,
    pub perfq1: i32,
    pub perfq2: i32,
    pub perfq3: i32,
    pub udp_coff: i32,
    pub flow_hold_limit: i32,
    pub mudp: i32,
    pub packet_dump: i32,
    pub burst_tokens: i32,
    pub burst_interval: i32,
    pub burst_step: i32,
    pub priority_tagging: u32,
    pub memory_alloc_checks: i32,
    pub uncond_close_flow_on_tcp_rst: i8,
    pub genetlink_group_id: i16,
    pub log_level: u32,
    /// Log types switched on.
    pub log_types: BTreeSet<i32>,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            perfr: 1,
            perfs: 1,
            from_vm_mss_adj: 1,
            to_vm_mss_adj: 1,
            perfr1: 0,
            perfr2: 1,
            perfr3: 1,
            perfp: 1,
            perfq1: 0,
            perfq2: 0,
            perfq3: 0,
            udp_coff: 0,
            flow_hold_limit: 8192,
            mudp: 0,
            packet_dump: 0,
            burst_tokens: 0,
            burst_interval: 0,
            burst_step: 0,
            priority_tagging: 0,
            memory_alloc_checks: 0,
            uncond_close_flow_on_tcp_rst: 0,
            genetlink_group_id: 0,
            log_level: 0,
            log_types: BTreeSet::new(),
        }
    }
}
