//! Table sizes: what `vrouter_ops` reports and what every handler validates indexes against.

/// Forwarding cores the simulator reports. Per-core selectors in requests (`vifr_core`,
/// `vds_core`, `vdl_core`: 0 = all cores, n = core n−1) are read against this.
pub const CORES: u32 = 1;

/// vRouter's table limits (module/DPDK options; defaults from PROTOCOL.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Interfaces (`vo_interfaces`).
    pub interfaces: u32,
    /// Nexthops (`vo_nexthops`).
    pub nexthops: u32,
    /// MPLS labels (`vo_mpls_labels`).
    pub mpls_labels: u32,
    /// VRFs (`vo_vrfs`).
    pub vrfs: u32,
    /// Mirror entries (`vo_mirror_entries`).
    pub mirrors: u32,
    /// QoS maps.
    pub qos_maps: u32,
    /// Forwarding classes.
    pub fc_maps: u32,
    /// Flow table entries (`vo_flow_entries`).
    pub flow_entries: u32,
    /// Flow overflow entries (`vo_oflow_entries`).
    pub flow_oflow_entries: u32,
    /// Bridge table entries (`vo_bridge_entries`).
    pub bridge_entries: u32,
    /// Bridge overflow entries (`vo_oflow_bridge_entries`).
    pub bridge_oflow_entries: u32,
    /// Per-interface MAC table size (`vo_vif_bridge_entries`).
    pub vif_bridge_entries: u32,
    /// Per-interface MAC table overflow size (`vo_vif_oflow_bridge_entries`).
    pub vif_bridge_oflow_entries: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            interfaces: 4355,
            nexthops: 524_288,
            mpls_labels: 5120,
            vrfs: 4096,
            mirrors: 255,
            qos_maps: 4096,
            fc_maps: 256,
            flow_entries: 524_288,
            flow_oflow_entries: 105_472,
            bridge_entries: 262_144,
            bridge_oflow_entries: 53_248,
            vif_bridge_entries: 1024,
            vif_bridge_oflow_entries: 512,
        }
    }
}
