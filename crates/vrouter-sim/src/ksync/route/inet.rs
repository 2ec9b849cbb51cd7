//! IPv4 and IPv6 route requests: vRouter's checks, in its order, and its replies
//! (dp-core/vr_route.c `vr_route_*`, `inet_route_*`; dp-core/vr_ip_mtrie.c `mtrie_*`).

use vrouter_proto::messages::{SandeshOp, VrRouteReq};
use vrouter_proto::tables::BridgeKey;

use super::mtrie::{IpFamily, Mtrie, SlotWrite, NO_BRIDGE_INDEX, NO_LABEL};
use super::walk::walk;
use super::{address, sized_prefix, with_refs};
use crate::ksync::errno::*;
use crate::ksync::nexthop::DISCARD_NH;
use crate::ksync::{Datapath, Dumper, Responses};

/// VR_RT_LABEL_VALID_FLAG.
const LABEL_VALID: i16 = 0x1;
/// NH_TUNNEL: a route to a tunnel needs a label.
const NH_TUNNEL: u8 = 3;

/// ADD: `rtr_prefix` required, VRF and prefix length in range (−EINVAL); the VRF's table is
/// then created if new — before the nexthop is looked up, so a failed ADD leaves it behind —
/// the nexthop must exist (−ENOENT), a tunnel nexthop needs LABEL_VALID (−EINVAL), and a
/// non-zero 6-byte `rtr_mac` must name a bridge route of the VRF (−ENOENT).
pub(super) fn add(dp: &mut Datapath, req: &VrRouteReq, family: IpFamily) -> i32 {
    if req.rtr_prefix.is_empty() {
        return -EINVAL;
    }
    let vrf = req.rtr_vrf_id as u32;
    if vrf >= dp.limits.vrfs || req.rtr_prefix_len as u32 > family.bits() {
        return -EINVAL;
    }
    let plen = req.rtr_prefix_len as u8;
    let prefix = masked(address(&req.rtr_prefix, family), plen);
    let nh_id = req.rtr_nh_id as u32;
    let is_tunnel = dp.nexthops.get(nh_id).is_some_and(|nh| nh.nh_type() == NH_TUNNEL);
    let bridge = bridge_index(dp, req, vrf);
    with_refs(dp, |routes, ctx| {
        let table = routes.tables_mut(family).entry(vrf).or_insert_with(|| Mtrie::new(family, ctx));
        let Some(nh) = ctx.acquire(nh_id) else {
            return -ENOENT;
        };
        if is_tunnel && req.rtr_label_flags & LABEL_VALID == 0 {
            ctx.release(nh);
            return -EINVAL;
        }
        let Some(bridge_index) = bridge else {
            // vRouter returns here without putting the nexthop back.
            ctx.leak(nh);
            return -ENOENT;
        };
        table.add(&prefix, plen, &slot_write(req, &nh, bridge_index), ctx);
        ctx.release(nh);
        0
    })
}

/// DEL: `rtr_prefix` required, prefix length and VRF in range (−EINVAL); the VRF must have a
/// table, the nexthop (the covering route's, written back) must exist, and so must a bridge
/// route named by `rtr_mac` (−ENOENT). Then 0, whether or not the route was there.
pub(super) fn del(dp: &mut Datapath, req: &VrRouteReq, family: IpFamily) -> i32 {
    if req.rtr_prefix.is_empty() {
        return -EINVAL;
    }
    let vrf = req.rtr_vrf_id as u32;
    if req.rtr_prefix_len as u32 > family.bits() || vrf >= dp.limits.vrfs {
        return -EINVAL;
    }
    // Unlike ADD, the prefix is not masked: the walk aligns where it needs to.
    let prefix = address(&req.rtr_prefix, family);
    let bridge = bridge_index(dp, req, vrf);
    with_refs(dp, |routes, ctx| {
        let Some(table) = routes.tables_mut(family).get_mut(&vrf) else {
            return -ENOENT;
        };
        let Some(nh) = ctx.acquire(req.rtr_nh_id as u32) else {
            return -ENOENT;
        };
        let Some(bridge_index) = bridge else {
            // As in ADD, vRouter does not put the nexthop back on this path.
            ctx.leak(nh);
            return -ENOENT;
        };
        // The slot's prefix length is 8 bits in vRouter: a wider replace_plen is cut.
        let replace_plen = req.rtr_replace_plen as u8;
        table.delete(&prefix, req.rtr_prefix_len as u8, replace_plen, &slot_write(req, &nh, bridge_index), ctx);
        ctx.release(nh);
        0
    })
}

/// GET: the request comes back (prefix as sent, op GET, no marker) with the nexthop, label,
/// flags, prefix length and bridge index of the slot the longest-match search finds. A VRF
/// without a table, or a search that finds nothing, answers 0 with vRouter's default nexthop
/// (id 0) and the request's own label, flags and length. A bridge index other than "none" —
/// including the request's own when nothing was found — brings `rtr_mac`: the MAC at that
/// bridge-table index, zeros if the entry is not in use.
pub(super) fn get(dp: &Datapath, mut req: VrRouteReq, family: IpFamily, out: &mut Responses) {
    let prefix = address(&req.rtr_prefix, family);
    let found = dp.routes.table(family, req.rtr_vrf_id as u32).and_then(|t| t.lookup(&prefix, req.rtr_prefix_len));
    req.rtr_nh_id = DISCARD_NH as i32;
    if let Some(slot) = found {
        req.rtr_label_flags = i16::from(slot.flags());
        req.rtr_label = slot.label() as i32;
        req.rtr_prefix_len = i32::from(slot.plen());
        req.rtr_index = slot.bridge_index() as i32;
        req.rtr_nh_id = slot.nh_id().unwrap_or(DISCARD_NH) as i32;
    }
    req.rtr_mac = mac_at(dp, req.rtr_index as u32);
    req.rtr_prefix = sized_prefix(req.rtr_prefix.len(), &prefix);
    req.rtr_marker = Vec::new();
    out.reply(0, &[&req]);
}

/// DUMP: the slots of the VRF's table from the marker (see [`walk`](super::walk)), as many as
/// fit a page. A VRF without a table (or out of range) lists nothing.
pub(super) fn dump(dp: &Datapath, req: &VrRouteReq, family: IpFamily, out: &mut Responses) {
    let mut page = Dumper::new();
    if let Some(table) = dp.routes.table(family, req.rtr_vrf_id as u32) {
        let marker = (!req.rtr_marker.is_empty()).then(|| address(&req.rtr_marker, family));
        walk(table, marker.as_ref(), |slot, prefix, plen| {
            let object = VrRouteReq {
                // vRouter's reply object never has its op set.
                h_op: SandeshOp::ADD,
                rtr_vrf_id: req.rtr_vrf_id,
                rtr_family: req.rtr_family,
                rtr_prefix: sized_prefix(req.rtr_prefix.len(), prefix),
                rtr_prefix_len: i32::from(plen),
                rtr_rid: req.rtr_rid,
                rtr_label_flags: i16::from(slot.flags()),
                rtr_label: slot.label() as i32,
                rtr_nh_id: slot.nh_id().unwrap_or(DISCARD_NH) as i32,
                rtr_marker: Vec::new(),
                rtr_marker_plen: 0,
                rtr_mac: mac_at(dp, slot.bridge_index()),
                rtr_replace_plen: i32::from(slot.plen()),
                rtr_index: slot.bridge_index() as i32,
            };
            page.push(&object)
        });
    }
    page.finish(out);
}

/// The data a route writes into its slots: flags cut to 5 bits, label 0xffffff unless
/// LABEL_VALID (then 24 bits).
fn slot_write<'r>(req: &VrRouteReq, nh: &'r crate::ksync::nexthop::NhRef, bridge_index: u32) -> SlotWrite<'r> {
    let label = if req.rtr_label_flags & LABEL_VALID == 0 { NO_LABEL } else { req.rtr_label as u32 & NO_LABEL };
    SlotWrite { nh, flags: (req.rtr_label_flags as u16 & 0x1f) as u8, label, bridge_index }
}

/// The bridge index a route's `rtr_mac` names: "none" unless it is 6 non-zero bytes; then the
/// index of the VRF's bridge entry for that MAC, if it has a nexthop (None: no such entry).
fn bridge_index(dp: &Datapath, req: &VrRouteReq, vrf: u32) -> Option<u32> {
    let Ok(mac) = <[u8; 6]>::try_from(req.rtr_mac.as_slice()) else {
        return Some(NO_BRIDGE_INDEX);
    };
    if mac == [0; 6] {
        return Some(NO_BRIDGE_INDEX);
    }
    let index = dp.bridge_table()?.find(&BridgeKey::new(mac, vrf as u16))?;
    dp.routes.bridge_nexthop(index).map(|_| index)
}

/// `rtr_mac` for a bridge index: none for "none", else the 6 bytes of the entry's MAC when its
/// slot is in use, zeros otherwise.
fn mac_at(dp: &Datapath, index: u32) -> Vec<u8> {
    if index == NO_BRIDGE_INDEX {
        return Vec::new();
    }
    let slot = dp.bridge_table().and_then(|t| t.slot(index)).filter(|s| s.hentry_valid);
    slot.map_or(vec![0; 6], |s| s.key.mac.to_vec())
}

/// `prefix` with the bits past `plen` cleared, as ADD stores it.
fn masked(mut prefix: [u8; 16], plen: u8) -> [u8; 16] {
    for (i, byte) in prefix.iter_mut().enumerate() {
        let kept = (u32::from(plen)).saturating_sub(i as u32 * 8).min(8);
        *byte &= !(0xffu16 >> kept) as u8;
    }
    prefix
}
