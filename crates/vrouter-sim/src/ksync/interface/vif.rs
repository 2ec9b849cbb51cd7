//! A virtual interface (vif) as vRouter holds it: configuration, counters and drop counters.

use std::collections::BTreeMap;

use vrouter_proto::messages::VrInterfaceReq;

use super::fat_flow::FatFlow;
use super::src_macs::SrcMacs;
use crate::ksync::drops::DropCounters;
use crate::ksync::refs::Ref;
use crate::ksync::vrf_assign::VrfAssignTable;

/// A counted reference to a vif (held by nexthops, VRF entries and sub-interfaces).
pub type VifRef = Ref<Vif>;

/// vRouter's `VIF_TYPE_MAX`: types are 0..10.
pub(crate) const VIF_TYPE_MAX: i32 = 10;
/// Mirror index meaning "not mirrored" (vRouter's `VR_MAX_MIRROR_INDICES`).
pub(crate) const NO_MIRROR: i16 = 255;
/// Largest mirror metadata vRouter keeps per direction (`VIF_MAX_MIRROR_MD_SIZE`).
const MAX_MIRROR_MD: usize = 255;
/// Longest vif name kept: vRouter copies into 64 bytes with a NUL.
const NAME_MAX: usize = 63;

/// Flags the datapath owns (`VIF_VR_CAP_MASK`): an ADD never sets or clears them.
const CAP_MASK: i32 = 0x20 | 0x20000 | 0x400000 | 0x800000;
const L3_ENABLED: i32 = 0x40;
const L2_ENABLED: i32 = 0x80;

/// Traffic counters of one vif, on the simulator's single core (vRouter's
/// `struct vr_interface_stats`). A traffic source adds to them; GET and DUMP report them and
/// RESET zeroes them.
#[allow(missing_docs)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VifCounters {
    pub ibytes: u64,
    pub ipackets: u64,
    pub ierrors: u64,
    pub obytes: u64,
    pub opackets: u64,
    pub oerrors: u64,
    pub queue_ipackets: u64,
    pub queue_ierrors: u64,
    pub queue_ierrors_to_lcore: u64,
    pub queue_opackets: u64,
    pub queue_oerrors: u64,
    pub port_ipackets: u64,
    pub port_ierrors: u64,
    pub port_isyscalls: u64,
    pub port_inombufs: u64,
    pub port_opackets: u64,
    pub port_oerrors: u64,
    pub port_osyscalls: u64,
    pub dev_ibytes: u64,
    pub dev_ipackets: u64,
    pub dev_ierrors: u64,
    pub dev_inombufs: u64,
    pub dev_obytes: u64,
    pub dev_opackets: u64,
    pub dev_oerrors: u64,
}

/// Mirror metadata of one direction. vRouter allocates it once, sized by the first request
/// that carries some (at most 255 bytes); later requests are cut to that size, and a request
/// without metadata only hides it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MirrorMetadata {
    capacity: usize,
    data: Vec<u8>,
}

impl MirrorMetadata {
    pub(crate) fn set(&mut self, requested: &[u8]) {
        if requested.is_empty() {
            self.data.clear();
            return;
        }
        if self.capacity == 0 {
            self.capacity = requested.len().min(MAX_MIRROR_MD);
        }
        self.data = requested[..requested.len().min(self.capacity)].to_vec();
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data
    }
}

/// One vif.
#[derive(Debug)]
pub struct Vif {
    pub(crate) idx: u32,
    pub(crate) vif_type: i32,
    pub(crate) flags: i32,
    pub(crate) vrf: i32,
    pub(crate) mcast_vrf: i32,
    pub(crate) mtu: i32,
    pub(crate) transport: i8,
    pub(crate) os_idx: u32,
    pub(crate) name: String,
    pub(crate) mac: [u8; 6],
    pub(crate) ip: u32,
    pub(crate) ip6_u: u64,
    pub(crate) ip6_l: u64,
    pub(crate) nh_id: i32,
    pub(crate) qos_map_index: i16,
    pub(crate) isid: u32,
    pub(crate) pbb_mac: [u8; 6],
    pub(crate) mirror_id: i16,
    pub(crate) vhostuser_mode: i8,
    pub(crate) vlan_id: i16,
    pub(crate) ovlan_id: i16,
    /// The parent of a VLAN sub-interface, by index. vRouter takes a reference on the parent
    /// and never gives it back, so the count it took is simply not released.
    pub(crate) parent: Option<u32>,
    /// Source MACs of a sub-interface that was created with some.
    pub(crate) src_macs: Option<SrcMacs>,
    /// VLAN sub-interfaces without source MACs, by VLAN id (on a parent).
    pub(crate) sub_interfaces: BTreeMap<u16, u32>,
    pub(crate) in_mirror_md: MirrorMetadata,
    pub(crate) out_mirror_md: MirrorMetadata,
    pub(crate) fat_flow: FatFlow,
    pub(crate) vrf_assign: Option<VrfAssignTable>,
    /// Traffic counters.
    pub counters: VifCounters,
    /// Drops counted against this vif.
    pub drops: DropCounters,
}

impl Vif {
    /// A vif configured from an ADD request (before any driver-specific step).
    pub(crate) fn from_request(req: &VrInterfaceReq) -> Self {
        let mut vif = Vif {
            idx: req.vifr_idx as u32,
            vif_type: req.vifr_type,
            flags: 0,
            vrf: req.vifr_vrf,
            mcast_vrf: req.vifr_mcast_vrf,
            mtu: req.vifr_mtu,
            transport: req.vifr_transport,
            // −1 means "no host interface" and is kept as 0.
            os_idx: if req.vifr_os_idx == -1 { 0 } else { req.vifr_os_idx as u32 },
            name: truncate(&req.vifr_name),
            mac: [0; 6],
            ip: req.vifr_ip,
            ip6_u: req.vifr_ip6_u,
            ip6_l: req.vifr_ip6_l,
            nh_id: req.vifr_nh_id,
            qos_map_index: req.vifr_qos_map_index,
            isid: req.vifr_isid,
            pbb_mac: [0; 6],
            mirror_id: 0,
            vhostuser_mode: req.vifr_vhostuser_mode,
            // Only VLAN sub-interfaces get a VLAN id; the rest keep VLAN_ID_INVALID.
            vlan_id: -1,
            ovlan_id: 0,
            parent: None,
            src_macs: None,
            sub_interfaces: BTreeMap::new(),
            in_mirror_md: MirrorMetadata::default(),
            out_mirror_md: MirrorMetadata::default(),
            fat_flow: FatFlow::default(),
            vrf_assign: None,
            counters: VifCounters::default(),
            drops: DropCounters::default(),
        };
        vif.set_flags(req.vifr_flags);
        vif.set_pbb_mac(&req.vifr_pbb_mac);
        vif.set_mirror_id(req.vifr_mir_id);
        vif.in_mirror_md.set(&req.vifr_in_mirror_md);
        vif.out_mirror_md.set(&req.vifr_out_mirror_md);
        vif
    }

    /// Flags from a request: the datapath-owned bits stay as they are, and a vif with neither
    /// L3 nor L2 gets both (vRouter's guard against a total blackout).
    pub(crate) fn set_flags(&mut self, requested: i32) {
        self.flags = (self.flags & CAP_MASK) | (requested & !CAP_MASK);
        if self.flags & (L3_ENABLED | L2_ENABLED) == 0 {
            self.flags |= L3_ENABLED | L2_ENABLED;
        }
    }

    /// The mirror index is kept only while the vif mirrors in some direction.
    pub(crate) fn set_mirror_id(&mut self, requested: i16) {
        const MIRROR_RX: i32 = 0x8;
        const MIRROR_TX: i32 = 0x10;
        self.mirror_id = if self.flags & (MIRROR_RX | MIRROR_TX) == 0 { NO_MIRROR } else { requested };
    }

    /// A PBB MAC is copied only when the request carries one.
    pub(crate) fn set_pbb_mac(&mut self, requested: &[u8]) {
        if !requested.is_empty() {
            self.pbb_mac = mac_from(requested);
        }
    }

    /// The vif's index.
    pub fn idx(&self) -> u32 {
        self.idx
    }

    /// `VIF_TYPE_*`.
    pub fn vif_type(&self) -> i32 {
        self.vif_type
    }

    /// `VIF_FLAG_*` as vRouter holds them.
    pub fn flags(&self) -> i32 {
        self.flags
    }

    /// The vif's name (at most 63 bytes).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The vif's MAC address.
    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    /// `VIF_TRANSPORT_*` (pkt0 on DPDK is SOCKET).
    pub fn transport(&self) -> i8 {
        self.transport
    }

    /// The host interface index the vif is attached to (0: none).
    pub fn os_idx(&self) -> u32 {
        self.os_idx
    }

    /// The vif's VRF.
    pub fn vrf(&self) -> i32 {
        self.vrf
    }

    /// The vif's MTU.
    pub fn mtu(&self) -> i32 {
        self.mtu
    }
}

/// Six MAC bytes from a list, zero-padded if it is shorter.
pub(crate) fn mac_from(bytes: &[u8]) -> [u8; 6] {
    let mut mac = [0; 6];
    let n = bytes.len().min(6);
    mac[..n].copy_from_slice(&bytes[..n]);
    mac
}

/// A name cut to what vRouter keeps, on a character boundary.
fn truncate(name: &str) -> String {
    let mut end = name.len().min(NAME_MAX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}
