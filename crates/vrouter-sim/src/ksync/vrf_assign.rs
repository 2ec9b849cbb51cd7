//! Per-vif VLAN → VRF assignment (`vr_vrf_assign_req`), the table a service interface keeps
//! (dp-core/vr_vrf_assign.c, and the vif side in vr_interface.c).

use vrouter_proto::messages::{SandeshOp, VrVrfAssignReq};

use super::errno::*;
use super::interface::Vif;
use super::{Datapath, Dumper, Responses};

/// VLAN ids a vif's assignment table covers (`VIF_VRF_TABLE_ENTRIES`).
pub(crate) const VRF_ASSIGN_ENTRIES: usize = 1024;
const SERVICE_IF: i32 = 0x4;

/// A vif's VLAN → (VRF, nexthop) table; VRF −1 marks a free entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VrfAssignTable {
    entries: Vec<(i32, i32)>,
    /// Entries in use: vRouter frees the table of a vif that stopped being a service interface
    /// only once this is back to 0.
    users: u32,
}

impl VrfAssignTable {
    fn new() -> Self {
        VrfAssignTable { entries: vec![(-1, 0); VRF_ASSIGN_ENTRIES], users: 0 }
    }
}

/// Makes `vif` able to hold assignments; an existing table is kept as it is (entries and count).
pub(crate) fn service_enable(vif: &mut Vif) {
    vif.vrf_assign.get_or_insert_with(VrfAssignTable::new);
}

/// Drops the table of a vif that is no longer a service interface, unless entries remain.
pub(crate) fn service_disable(vif: &mut Vif) {
    if vif.vrf_assign.as_ref().is_some_and(|t| t.users == 0) {
        vif.vrf_assign = None;
    }
}

/// Sets one VLAN's VRF (−1 clears it). A vif without a table becomes a service interface
/// first, so an ADD for an invalid VLAN still leaves the vif flagged SERVICE_IF.
fn set(vif: &mut Vif, vlan: u32, vrf: i32, nh_id: i32) -> i32 {
    if vif.vrf_assign.is_none() {
        if vif.flags & SERVICE_IF != 0 {
            // A service vif whose table is missing (its driver never made one).
            return -ENOMEM;
        }
        service_enable(vif);
        vif.flags |= SERVICE_IF;
    }
    if vlan as usize >= VRF_ASSIGN_ENTRIES {
        return -EINVAL;
    }
    let table = vif.vrf_assign.as_mut().expect("made above");
    let entry = &mut table.entries[vlan as usize];
    // The count moves only on free → used and used → free.
    if entry.0 < 0 && vrf >= 0 {
        table.users += 1;
    } else if entry.0 >= 0 && vrf < 0 {
        table.users -= 1;
    }
    *entry = (vrf, nh_id);
    if vif.flags & SERVICE_IF == 0 && table.users == 0 {
        vif.vrf_assign = None;
    }
    0
}

/// One VLAN's (VRF, nexthop).
fn get(vif: &Vif, vlan: i16) -> Result<(i32, i32), i32> {
    if vif.flags & SERVICE_IF == 0 {
        return Err(-EINVAL);
    }
    let table = vif.vrf_assign.as_ref().ok_or(-ENOMEM)?;
    usize::try_from(vlan).ok().and_then(|v| table.entries.get(v)).copied().ok_or(-EINVAL)
}

/// Handles one `vr_vrf_assign_req`.
pub fn handle(dp: &mut Datapath, req: VrVrfAssignReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(assign(dp, &req, req.var_vif_vrf)),
        // A DEL is an ADD of VRF −1.
        SandeshOp::DEL => out.code(assign(dp, &req, -1)),
        SandeshOp::GET => lookup(dp, req, out),
        SandeshOp::DUMP => dump(dp, req, out),
        _ => out.code(-EINVAL),
    }
}

/// The vif a request names (its index is read unsigned, so a negative one names none).
fn vif_of<'a>(dp: &'a mut Datapath, req: &VrVrfAssignReq) -> Option<&'a mut Vif> {
    dp.interfaces.get_mut(req.var_vif_index as i32 as u32)
}

fn assign(dp: &mut Datapath, req: &VrVrfAssignReq, vrf: i32) -> i32 {
    match vif_of(dp, req) {
        None => -EINVAL,
        Some(vif) => set(vif, req.var_vlan_id as i32 as u32, vrf, req.var_nh_id),
    }
}

fn lookup(dp: &mut Datapath, mut req: VrVrfAssignReq, out: &mut Responses) {
    let found = match vif_of(dp, &req) {
        None => Err(-EINVAL),
        Some(vif) => get(vif, req.var_vlan_id),
    };
    match found {
        Err(code) => out.code(code),
        Ok((vrf, nh)) => {
            // The answer is the request with the entry filled in.
            req.var_vif_vrf = vrf;
            req.var_nh_id = nh;
            out.reply(0, &[&req]);
        }
    }
}

fn dump(dp: &mut Datapath, req: VrVrfAssignReq, out: &mut Responses) {
    let mut page = Dumper::new();
    // The page is opened before the vif is looked up, so a missing or non-service vif
    // answers as an empty dump rather than an error.
    if let Some(vif) = vif_of(dp, &req) {
        for vlan in (req.var_marker as i32 + 1).max(0)..VRF_ASSIGN_ENTRIES as i32 {
            let Ok((vrf, nh)) = get(vif, vlan as i16) else { break };
            if vrf == -1 {
                continue;
            }
            let object = VrVrfAssignReq { var_vlan_id: vlan as i16, var_vif_vrf: vrf, var_nh_id: nh, ..req.clone() };
            if !page.push(&object) {
                break;
            }
        }
    }
    page.finish(out);
}
