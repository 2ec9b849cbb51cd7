//! Interface DEL (dp-core/vr_interface.c `vr_interface_delete`, `vrouter_del_interface`).

use vrouter_proto::messages::{VifType, VrInterfaceReq};

use crate::ksync::errno::*;
use crate::ksync::refs::Removal;
use crate::ksync::Datapath;

/// Handles a DEL; returns the response code. A non-empty `vifr_name` selects the vif: either
/// "vif<router>/<index>" or the vif's own name; otherwise `vifr_idx` does.
pub(super) fn del(dp: &mut Datapath, req: &VrInterfaceReq) -> i32 {
    let idx = if req.vifr_name.is_empty() {
        Some(req.vifr_idx as u32)
    } else if let Some(idx) = parse_vif_name(&req.vifr_name) {
        Some(idx)
    } else {
        dp.interfaces.iter().find(|(_, v)| v.name == req.vifr_name).map(|(i, _)| i)
    };
    match idx.filter(|&i| dp.interfaces.get(i).is_some()) {
        None => -ENODEV,
        Some(idx) => {
            remove(dp, idx);
            0
        }
    }
}

/// Takes a vif out of service. Whatever still references it (nexthops, VRF entries,
/// sub-interfaces) keeps the object alive, but it is gone from the table at once.
pub(crate) fn remove(dp: &mut Datapath, idx: u32) {
    let Some(vif) = dp.interfaces.get(idx) else { return };
    match VifType(vif.vif_type) {
        VifType::AGENT => dp.agent_if = None,
        VifType::PHYSICAL => dp.phy_interfaces -= 1,
        VifType::VIRTUAL_VLAN => {
            // A sub-interface without source MACs gives its VLAN back to the parent.
            if let (Some(parent), None) = (vif.parent, &vif.src_macs) {
                let vlan = vif.vlan_id as u16;
                if let Some(p) = dp.interfaces.get_mut(parent) {
                    if p.sub_interfaces.get(&vlan) == Some(&idx) {
                        p.sub_interfaces.remove(&vlan);
                    }
                }
            }
        }
        _ => {}
    }
    // A freed vif holds no counted reference of its own: its parent's is never given back.
    let _: Removal<_> = dp.interfaces.remove(idx);
}

/// "vif<u>/<u>" as vRouter's `sscanf("vif%u/%u")` reads it (trailing text ignored): the index.
fn parse_vif_name(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("vif")?;
    let (_, rest) = scan_u32(rest)?;
    let (idx, _) = scan_u32(rest.strip_prefix('/')?)?;
    Some(idx)
}

/// One `%u`: optional leading spaces and sign, then digits (a minus wraps, as in C).
fn scan_u32(s: &str) -> Option<(u32, &str)> {
    let s = s.trim_start();
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let value = s[..digits].bytes().fold(0u32, |v, d| v.wrapping_mul(10).wrapping_add((d - b'0') as u32));
    Some((if negative { value.wrapping_neg() } else { value }, &s[digits..]))
}
