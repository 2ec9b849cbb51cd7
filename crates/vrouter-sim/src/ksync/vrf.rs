//! VRF table entries (`vr_vrf_req`): per-VRF flags and the host-based-firewall interfaces
//! (dp-core/vr_vrf_table.c).

use vrouter_proto::messages::{SandeshOp, VrVrfReq};

use super::indexed;
use super::errno::*;
use super::interface::VifRef;
use super::{Datapath, Responses};

/// `VRF_FLAG_*`.
const VALID: i32 = 0x1;
const HBF_L_VALID: i32 = 0x2;
const HBF_R_VALID: i32 = 0x4;

/// One VRF entry.
#[derive(Debug, Default)]
pub struct VrfEntry {
    flags: i32,
    hbf_left: Option<VifRef>,
    hbf_right: Option<VifRef>,
}

impl VrfEntry {
    /// `VRF_FLAG_*` as held.
    pub fn flags(&self) -> i32 {
        self.flags
    }
}

/// Handles one `vr_vrf_req`; other ops get no answer at all.
pub fn handle(dp: &mut Datapath, req: VrVrfReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::GET => get(dp, req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        _ => {}
    }
}

/// ADD creates the entry first, so an ADD that fails on a missing interface still leaves a
/// new entry behind (with flags 0, not VALID). Only the HBF bits of `vrf_flags` are read:
/// each asks to set its interface, or to clear it with index −1. VALID is set on success.
fn add(dp: &mut Datapath, req: &VrVrfReq) -> i32 {
    let idx = req.vrf_idx as u32;
    if !dp.vrfs.in_range(idx as i64) {
        return -EINVAL;
    }
    if dp.vrfs.get(idx).is_none() {
        dp.vrfs.insert(idx, VrfEntry::default());
    }
    for (bit, vif_idx) in [(HBF_L_VALID, req.vrf_hbfl_vif_idx), (HBF_R_VALID, req.vrf_hbfr_vif_idx)] {
        if req.vrf_flags & bit == 0 {
            continue;
        }
        let new = if vif_idx == -1 {
            None
        } else {
            match dp.interfaces.acquire(vif_idx as u32) {
                Some(r) => Some(r),
                None => return -EINVAL,
            }
        };
        let entry = dp.vrfs.get_mut(idx).expect("made above");
        let slot = if bit == HBF_L_VALID { &mut entry.hbf_left } else { &mut entry.hbf_right };
        let old = std::mem::replace(slot, new);
        if vif_idx == -1 {
            entry.flags &= !bit;
        } else {
            entry.flags |= bit;
        }
        if let Some(old) = old {
            dp.put_vif(old);
        }
    }
    dp.vrfs.get_mut(idx).expect("made above").flags |= VALID;
    0
}

fn del(dp: &mut Datapath, req: &VrVrfReq) -> i32 {
    match dp.vrfs.remove(req.vrf_idx as u32) {
        None => -EINVAL,
        Some(entry) => {
            entry.hbf_left.into_iter().chain(entry.hbf_right).for_each(|r| dp.put_vif(r));
            0
        }
    }
}

/// Writes an entry over a reply object; interface fields are written only when set.
fn fill(r: &mut VrVrfReq, idx: u32, e: &VrfEntry) {
    r.vrf_idx = idx as i32;
    if let Some(l) = &e.hbf_left {
        r.vrf_hbfl_vif_idx = l.index() as i32;
    }
    if let Some(rt) = &e.hbf_right {
        r.vrf_hbfr_vif_idx = rt.index() as i32;
    }
    r.vrf_flags = e.flags;
    r.vrf_rid = 0;
}

fn get(dp: &Datapath, req: VrVrfReq, out: &mut Responses) {
    indexed::get(&dp.vrfs, req.vrf_idx as u32, req, fill, out);
}

fn dump(dp: &Datapath, req: &VrVrfReq, out: &mut Responses) {
    indexed::dump(&dp.vrfs, req.vrf_marker, fill, out);
}
