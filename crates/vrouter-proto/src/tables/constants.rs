//! Flag and value constants stored in table entries (TF vRouter headers; PROTOCOL.md §2.1, §7).

/// The "no entry" index: end of an overflow chain, or a main entry's bucket index.
pub const INVALID_INDEX: u32 = 0xffff_ffff;

/// `hentry_flags`: the slot holds an entry.
pub const HENTRY_VALID: u8 = 0x01;
/// `hentry_flags`: an overflow entry released and waiting to be unlinked.
pub const HENTRY_DELETE_MARKED: u8 = 0x02;
/// `hentry_flags`: an overflow entry unlinked and waiting to go back to the free list.
pub const HENTRY_DELETE_PROCESSED: u8 = 0x04;
/// `hentry_flags`: an overflow entry on the free list.
pub const HENTRY_IN_FREE_LIST: u8 = 0x08;

/// `fe_flags`: the entry is in use.
pub const FLOW_FLAG_ACTIVE: u16 = 0x0001;
/// `fe_flags`: source NAT.
pub const FLOW_FLAG_SNAT: u16 = 0x0002;
/// `fe_flags`: source port NAT.
pub const FLOW_FLAG_SPAT: u16 = 0x0004;
/// `fe_flags`: destination NAT.
pub const FLOW_FLAG_DNAT: u16 = 0x0008;
/// `fe_flags`: destination port NAT.
pub const FLOW_FLAG_DPAT: u16 = 0x0010;
/// `fe_flags`: trap for ECMP resolution.
pub const FLOW_FLAG_TRAP_ECMP: u16 = 0x0020;
/// `fe_flags`: being deleted; lookups skip it.
pub const FLOW_FLAG_DELETE_MARKED: u16 = 0x0040;
/// `fe_flags`: BGP-as-a-service flow.
pub const FLOW_FLAG_BGP_SERVICE: u16 = 0x0080;
/// `fe_flags`: changed by the agent since creation (datapath-owned).
pub const FLOW_FLAG_MODIFIED: u16 = 0x0100;
/// `fe_flags`: created by the datapath, not yet seen by the agent (datapath-owned).
pub const FLOW_FLAG_NEW_FLOW: u16 = 0x0200;
/// `fe_flags`: eviction candidate (datapath-owned).
pub const FLOW_FLAG_EVICT_CANDIDATE: u16 = 0x0400;
/// `fe_flags`: evicted (datapath-owned).
pub const FLOW_FLAG_EVICTED: u16 = 0x0800;
/// `fe_flags`: `fe_rflow` names the reverse flow.
pub const FLOW_FLAG_RFLOW_VALID: u16 = 0x1000;
/// `fe_flags`: mirrored.
pub const FLOW_FLAG_MIRROR: u16 = 0x2000;
/// `fe_flags`: VRF translation.
pub const FLOW_FLAG_VRFT: u16 = 0x4000;
/// `fe_flags`: link-local service flow.
pub const FLOW_FLAG_LINK_LOCAL: u16 = 0x8000;

/// `fe_flags1` (2024 layout only): host-based-service left interface.
pub const FLOW_FLAG1_HBS_LEFT: u16 = 0x1000;
/// `fe_flags1` (2024 layout only): host-based-service right interface.
pub const FLOW_FLAG1_HBS_RIGHT: u16 = 0x2000;

/// `fe_action`: drop.
pub const FLOW_ACTION_DROP: u16 = 0;
/// `fe_action`: hold packets until the agent decides.
pub const FLOW_ACTION_HOLD: u16 = 1;
/// `fe_action`: forward.
pub const FLOW_ACTION_FORWARD: u16 = 2;
/// `fe_action`: NAT.
pub const FLOW_ACTION_NAT: u16 = 3;

/// `fe_type` of a released entry.
pub const FLOW_TYPE_NULL: u8 = 0;
/// `fe_type` of an IPv4 flow (`VP_TYPE_IP`).
pub const FLOW_TYPE_IP: u8 = 2;
/// `fe_type` of an IPv6 flow (`VP_TYPE_IP6`).
pub const FLOW_TYPE_IP6: u8 = 3;

/// `fe_mirror_id` / `fe_sec_mirror_id` when there is no mirror (`VR_MAX_MIRROR_INDICES`).
pub const MIRROR_NONE: u8 = 255;
/// `fe_src_nh_index` after a reset: the discard nexthop.
pub const NH_DISCARD_ID: u32 = 0;

/// `be_flags`: the bridge entry is in use.
pub const BRIDGE_FLAG_VALID: u16 = 0x01;
/// `be_flags`: `be_label` holds a label.
pub const BRIDGE_FLAG_LABEL_VALID: u16 = 0x02;
/// `be_flags`: flood DHCP.
pub const BRIDGE_FLAG_FLOOD_DHCP: u16 = 0x04;
/// `be_flags`: the MAC moved.
pub const BRIDGE_FLAG_MAC_MOVED: u16 = 0x08;
/// `be_flags`: L2 control data.
pub const BRIDGE_FLAG_L2_CONTROL_DATA: u16 = 0x10;
/// `be_flags`: learnt by the datapath, not yet audited by the agent.
pub const BRIDGE_FLAG_MAC_NEW: u16 = 0x20;
/// `be_flags`: EVPN control processing.
pub const BRIDGE_FLAG_EVPN_CONTROL_PROCESSING: u16 = 0x40;
