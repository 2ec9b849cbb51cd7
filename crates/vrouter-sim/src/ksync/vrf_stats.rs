//! Per-VRF forwarding counters (`vr_vrf_stats_req`): GET and DUMP, AF_INET only (dp-core/
//! vr_route.c and the mtrie's statistics in vr_ip_mtrie.c).

use std::collections::BTreeMap;

use vrouter_proto::messages::{SandeshOp, VrVrfStatsReq};

use super::errno::*;
use super::{Datapath, Dumper, Responses};

const AF_INET: i16 = 2;

/// The counters of one VRF (vRouter's `struct vr_vrf_stats`, one core). A traffic source adds
/// to them; a soft reset zeroes them.
#[allow(missing_docs)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VrfCounters {
    pub discards: u64,
    pub resolves: u64,
    pub receives: u64,
    pub l2_receives: u64,
    pub ecmp_composites: u64,
    pub encap_composites: u64,
    pub evpn_composites: u64,
    pub l2_mcast_composites: u64,
    pub fabric_composites: u64,
    pub udp_tunnels: u64,
    pub udp_mpls_tunnels: u64,
    pub gre_mpls_tunnels: u64,
    pub l2_encaps: u64,
    pub encaps: u64,
    pub gros: u64,
    pub diags: u64,
    pub vxlan_tunnels: u64,
    pub arp_virtual_proxy: u64,
    pub arp_virtual_stitch: u64,
    pub arp_virtual_flood: u64,
    pub arp_physical_stitch: u64,
    pub arp_tor_proxy: u64,
    pub arp_physical_flood: u64,
    pub vrf_translates: u64,
    pub uuc_floods: u64,
    pub pbb_tunnels: u64,
    pub udp_mpls_over_mpls_tunnels: u64,
}

/// Counters of every VRF, plus the bucket vRouter keeps for packets of VRFs out of range
/// (reported as VRF −1).
#[derive(Debug, Default)]
pub struct VrfStats {
    by_vrf: BTreeMap<u32, VrfCounters>,
    invalid: VrfCounters,
}

impl VrfStats {
    /// The counters of `vrf`, to add to (any VRF number; out-of-range ones share one bucket).
    pub fn counters_mut(&mut self, vrf: u32, limit: u32) -> &mut VrfCounters {
        if vrf >= limit {
            return &mut self.invalid;
        }
        self.by_vrf.entry(vrf).or_default()
    }

    fn counters(&self, vrf: i32, limit: u32) -> VrfCounters {
        if vrf as u32 >= limit {
            return self.invalid.clone();
        }
        self.by_vrf.get(&(vrf as u32)).cloned().unwrap_or_default()
    }

    /// Zeroes everything.
    pub fn clear(&mut self) {
        self.by_vrf.clear();
        self.invalid = VrfCounters::default();
    }
}

/// Handles one `vr_vrf_stats_req`: only GET and DUMP are answered, only for AF_INET.
pub fn handle(dp: &mut Datapath, req: VrVrfStatsReq, out: &mut Responses) {
    if req.h_op != SandeshOp::GET && req.h_op != SandeshOp::DUMP {
        return;
    }
    if req.vsr_family != AF_INET {
        return out.code(-EINVAL);
    }
    let limit = dp.limits.vrfs;
    if req.h_op == SandeshOp::GET {
        // A negative VRF reads the out-of-range bucket; a VRF beyond the table is −EINVAL.
        if req.vsr_vrf >= 0 && req.vsr_vrf as u32 >= limit {
            return out.code(-EINVAL);
        }
        let c = dp.vrf_stats.counters(req.vsr_vrf, limit);
        return out.reply(0, &[&make(&req, req.vsr_vrf, &c)]);
    }
    // DUMP: every VRF from vsr_marker + 1 with a counter not zero, then the out-of-range
    // bucket (VRF −1) when it is not all zero — on every page that gets that far.
    let mut page = Dumper::new();
    let start = (req.vsr_marker as i32 + 1) as u32;
    let vrfs = if start < limit { dp.vrf_stats.by_vrf.range(start..limit) } else { dp.vrf_stats.by_vrf.range(0..0) };
    for (&vrf, c) in vrfs {
        if *c != VrfCounters::default() && !page.push(&make(&req, vrf as i32, c)) {
            return page.finish(out);
        }
    }
    if dp.vrf_stats.invalid != VrfCounters::default() {
        page.push(&make(&req, -1, &dp.vrf_stats.invalid));
    }
    page.finish(out);
}

/// The reply: the request's router, family and type, the VRF and its counters.
fn make(req: &VrVrfStatsReq, vrf: i32, c: &VrfCounters) -> VrVrfStatsReq {
    let n = |x: u64| x as i64;
    VrVrfStatsReq {
        vsr_rid: req.vsr_rid,
        vsr_family: req.vsr_family,
        vsr_type: req.vsr_type,
        vsr_vrf: vrf,
        vsr_discards: n(c.discards),
        vsr_resolves: n(c.resolves),
        vsr_receives: n(c.receives),
        vsr_l2_receives: n(c.l2_receives),
        vsr_ecmp_composites: n(c.ecmp_composites),
        vsr_encap_composites: n(c.encap_composites),
        vsr_evpn_composites: n(c.evpn_composites),
        vsr_l2_mcast_composites: n(c.l2_mcast_composites),
        vsr_fabric_composites: n(c.fabric_composites),
        vsr_udp_tunnels: n(c.udp_tunnels),
        vsr_udp_mpls_tunnels: n(c.udp_mpls_tunnels),
        vsr_gre_mpls_tunnels: n(c.gre_mpls_tunnels),
        vsr_l2_encaps: n(c.l2_encaps),
        vsr_encaps: n(c.encaps),
        vsr_gros: n(c.gros),
        vsr_diags: n(c.diags),
        vsr_vxlan_tunnels: n(c.vxlan_tunnels),
        vsr_arp_virtual_proxy: n(c.arp_virtual_proxy),
        vsr_arp_virtual_stitch: n(c.arp_virtual_stitch),
        vsr_arp_virtual_flood: n(c.arp_virtual_flood),
        vsr_arp_physical_stitch: n(c.arp_physical_stitch),
        vsr_arp_tor_proxy: n(c.arp_tor_proxy),
        vsr_arp_physical_flood: n(c.arp_physical_flood),
        vsr_vrf_translates: n(c.vrf_translates),
        vsr_uuc_floods: n(c.uuc_floods),
        vsr_pbb_tunnels: n(c.pbb_tunnels),
        vsr_udp_mpls_over_mpls_tunnels: n(c.udp_mpls_over_mpls_tunnels),
        ..Default::default()
    }
}
