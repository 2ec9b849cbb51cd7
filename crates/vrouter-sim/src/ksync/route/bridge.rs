//! Bridge (MAC) routes, `rtr_family` AF_BRIDGE: entries of the bridge table keyed by MAC and
//! VRF (dp-core/vr_route.c `bridge_entry_*`, dp-core/vr_bridge.c `bridge_table_*`).

use vrouter_proto::messages::{SandeshOp, VrRouteReq};
use vrouter_proto::tables::BridgeKey;

use super::store::{BridgeSlot, BE_VALID};
use super::{address, sized_prefix, IpFamily, AF_BRIDGE};
use crate::ksync::errno::*;
use crate::ksync::{Datapath, Dumper, Responses};

/// VR_BE_LABEL_VALID_FLAG: `rtr_label` goes into `be_label`.
const BE_LABEL_VALID: u16 = 0x02;
/// VR_BE_MAC_NEW_FLAG: set by the datapath only, never taken from a request.
const BE_MAC_NEW: u16 = 0x20;
/// `rtr_index` meaning "look up by MAC, not by index".
const NO_INDEX: i32 = -1;

/// ADD: VRF in range and a 6-byte, non-zero `rtr_mac` (−EINVAL), an existing nexthop
/// (−ENOENT), room in the table (−ENOMEM). The (MAC, VRF) entry is found or placed (VALID, no
/// nexthop); it takes the nexthop unless it already has that id; `be_label` takes `rtr_label`
/// when the flags have LABEL_VALID; `be_flags` become VALID | the request's flags (less VALID
/// and MAC_NEW). The reply is the code alone: the entry's index shows in GET and DUMP
/// (`rtr_index`).
pub(super) fn add(dp: &mut Datapath, req: &VrRouteReq) -> i32 {
    let vrf = req.rtr_vrf_id as u32;
    let Ok(mac) = <[u8; 6]>::try_from(req.rtr_mac.as_slice()) else {
        return -EINVAL;
    };
    if vrf >= dp.limits.vrfs || mac == [0; 6] {
        return -EINVAL;
    }
    let nh_id = req.rtr_nh_id;
    // vRouter holds the nexthop only for the call; the entry takes its own reference below.
    if dp.nexthops.get(nh_id as u32).is_none() {
        return -ENOENT;
    }
    let key = BridgeKey::new(mac, vrf as u16);
    let Some(table) = dp.bridge_table_mut() else {
        return -EINVAL;
    };
    let index = match table.find(&key) {
        Some(index) => index,
        None => match table.insert(&key) {
            Ok(index) => index,
            Err(_) => return -ENOMEM,
        },
    };
    let new_nh = table.slot(index).is_some_and(|s| s.nh_id != nh_id);
    let flags = req.rtr_label_flags as u16 & !(BE_VALID | BE_MAC_NEW);
    // The entry was just found or placed, so these writes cannot fail.
    if new_nh {
        let _ = table.set_nh_id(index, nh_id);
    }
    if flags & BE_LABEL_VALID != 0 {
        let _ = table.set_label(index, req.rtr_label as u32);
    }
    let _ = table.set_flags(index, BE_VALID | flags);
    if new_nh {
        let nh = dp.nexthop_ref(nh_id as u32).expect("checked above");
        if let Some(old) = dp.routes.bridge_nh.insert(index, nh) {
            dp.put_nexthop(old);
        }
    }
    0
}

/// DEL: a `rtr_mac` of exactly 6 bytes and a VRF in range (−EINVAL); the entry must exist
/// (−ENOENT). It is freed and its nexthop reference given back.
pub(super) fn del(dp: &mut Datapath, req: &VrRouteReq) -> i32 {
    let vrf = req.rtr_vrf_id as u32;
    let Ok(mac) = <[u8; 6]>::try_from(req.rtr_mac.as_slice()) else {
        return -EINVAL;
    };
    if vrf >= dp.limits.vrfs {
        return -EINVAL;
    }
    let key = BridgeKey::new(mac, vrf as u16);
    let Some(index) = dp.bridge_table().and_then(|t| t.find(&key)) else {
        return -ENOENT;
    };
    if let Some(table) = dp.bridge_table_mut() {
        let _ = table.release(index);
    }
    if let Some(nh) = dp.routes.bridge_nh.remove(&index) {
        dp.put_nexthop(nh);
    }
    0
}

/// GET: by `rtr_index` unless it is −1, else by `rtr_mac` and `rtr_vrf_id` (no range checks).
/// The request comes back (no marker) with `rtr_label_flags` = `be_flags`, `rtr_label`,
/// `rtr_nh_id`, and either the entry's MAC written over the request's `rtr_mac` (by index) or
/// `rtr_index` (by MAC). −ENOENT without an entry, or for an entry without a nexthop.
pub(super) fn get(dp: &Datapath, mut req: VrRouteReq, out: &mut Responses) {
    let by_index = req.rtr_index != NO_INDEX;
    let found = dp.bridge_table().and_then(|table| {
        let index = if by_index {
            req.rtr_index as u32
        } else {
            // vRouter reads 6 bytes whatever the request's length.
            let mac: [u8; 6] = std::array::from_fn(|i| req.rtr_mac.get(i).copied().unwrap_or(0));
            table.find(&BridgeKey::new(mac, req.rtr_vrf_id as u16))?
        };
        table.slot(index).filter(|s| s.hentry_valid).map(|s| (index, s))
    });
    let Some((index, slot)) = found else {
        return out.code(-ENOENT);
    };
    let Some(nh_id) = nexthop_of(dp, index, &slot) else {
        return out.code(-ENOENT);
    };
    req.rtr_label_flags = slot.flags as i16;
    req.rtr_label = slot.label as i32;
    req.rtr_nh_id = nh_id;
    if by_index {
        let n = req.rtr_mac.len().min(6);
        req.rtr_mac[..n].copy_from_slice(&slot.key.mac[..n]);
    } else {
        req.rtr_index = index as i32;
    }
    // vRouter copies an address's worth of the prefix (4 bytes for this family).
    req.rtr_prefix = sized_prefix(req.rtr_prefix.len(), &address(&req.rtr_prefix, IpFamily::V4));
    req.rtr_marker = Vec::new();
    out.reply(0, &[&req]);
}

/// DUMP: the VRF's live entries in table-index order, after the one whose MAC is `rtr_mac`
/// (all-zero: from the start; a marker no longer in the table lists nothing). A `rtr_mac` that
/// is not 6 bytes gets no answer at all: vRouter's dump routine refuses it with −EINVAL but
/// nothing sends that code.
pub(super) fn dump(dp: &Datapath, req: &VrRouteReq, out: &mut Responses) {
    let Ok(marker) = <[u8; 6]>::try_from(req.rtr_mac.as_slice()) else {
        return;
    };
    let mut been_to_marker = marker == [0; 6];
    let mut page = Dumper::new();
    if let Some(table) = dp.bridge_table() {
        for index in 0..table.total_entries() {
            if !table.live(index) {
                continue;
            }
            let Some(slot) = table.slot(index) else { continue };
            if i32::from(slot.key.vrf) != req.rtr_vrf_id {
                continue;
            }
            if !been_to_marker {
                been_to_marker = slot.key.mac == marker;
                continue;
            }
            let object = VrRouteReq {
                // A zeroed reply object: op ADD, no prefix, no marker.
                h_op: SandeshOp::ADD,
                rtr_vrf_id: i32::from(slot.key.vrf),
                rtr_family: AF_BRIDGE,
                rtr_mac: slot.key.mac.to_vec(),
                rtr_nh_id: nexthop_of(dp, index, &slot).unwrap_or(0),
                rtr_label: slot.label as i32,
                rtr_label_flags: slot.flags as i16,
                rtr_index: index as i32,
                ..Default::default()
            };
            if !page.push(&object) {
                break;
            }
        }
    }
    page.finish(out);
}

/// The nexthop an entry holds: the one a bridge route gave it, else (an entry placed by other
/// means) its `be_nh_id` when set.
fn nexthop_of(dp: &Datapath, index: u32, slot: &BridgeSlot) -> Option<i32> {
    dp.routes.bridge_nexthop(index).map(|id| id as i32).or((slot.nh_id >= 0).then_some(slot.nh_id))
}
