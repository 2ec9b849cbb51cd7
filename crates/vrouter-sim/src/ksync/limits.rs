//! Table sizes: what `vrouter_ops` reports and what every handler validates indexes against.

/// vRouter's table limits (module/DPDK options; defaults from PROTOCOL.md §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub interfaces: u32,
    pub nexthops: u32,
    pub mpls_labels: u32,
    pub vrfs: u32,
    pub mirrors: u32,
    pub qos_maps: u32,
    pub fc_maps: u32,
    pub flow_entries: u32,
    pub flow_oflow_entries: u32,
    pub bridge_entries: u32,
    pub bridge_oflow_entries: u32,
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
        }
    }
}
