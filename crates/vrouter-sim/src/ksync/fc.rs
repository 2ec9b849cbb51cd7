//! Forwarding classes (`vr_fc_map_req`): class id → DSCP, MPLS EXP, 802.1p and queue to mark
//! with (dp-core/vr_qos.c).

use vrouter_proto::messages::{SandeshOp, VrFcMapReq};

use super::dump::resume_after;
use super::errno::*;
use super::{Datapath, Dumper, Responses};

/// One forwarding class (present = valid).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForwardingClass {
    dscp: u8,
    /// 3-bit fields in vRouter.
    mpls_qos: u8,
    dotonep: u8,
    queue_id: u8,
}

/// Handles one `vr_fc_map_req`; other ops are −EINVAL.
pub fn handle(dp: &mut Datapath, req: VrFcMapReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::GET => get(dp, &req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        _ => out.code(-EINVAL),
    }
}

/// The class id a list entry names, read unsigned (a negative id is out of range).
fn class(id: i16) -> u32 {
    id as i32 as u32
}

/// ADD sets each listed class from the parallel lists (all five must be non-empty). An id out
/// of range stops the ADD with −EINVAL, the classes before it already set. A list shorter than
/// the ids reads as 0 past its end.
fn add(dp: &mut Datapath, req: &VrFcMapReq) -> i32 {
    let lists = [&req.fmr_dscp, &req.fmr_mpls_qos, &req.fmr_dotonep, &req.fmr_queue_id];
    if req.fmr_id.is_empty() || lists.iter().any(|l| l.is_empty()) {
        return -EINVAL;
    }
    let at = |list: &Vec<u8>, i: usize| list.get(i).copied().unwrap_or(0);
    for (i, &id) in req.fmr_id.iter().enumerate() {
        let id = class(id);
        if !dp.fc_maps.in_range(id as i64) {
            return -EINVAL;
        }
        let fc = ForwardingClass {
            dscp: at(&req.fmr_dscp, i),
            mpls_qos: at(&req.fmr_mpls_qos, i) & 0x7,
            dotonep: at(&req.fmr_dotonep, i) & 0x7,
            queue_id: at(&req.fmr_queue_id, i),
        };
        dp.fc_maps.insert(id, fc);
    }
    0
}

/// DEL clears the first listed class, set or not.
fn del(dp: &mut Datapath, req: &VrFcMapReq) -> i32 {
    let Some(&id) = req.fmr_id.first() else { return -EINVAL };
    if !dp.fc_maps.in_range(class(id) as i64) {
        return -EINVAL;
    }
    dp.fc_maps.remove(class(id));
    0
}

fn make(id: i16, fc: &ForwardingClass) -> VrFcMapReq {
    VrFcMapReq {
        fmr_id: vec![id],
        fmr_dscp: vec![fc.dscp],
        fmr_mpls_qos: vec![fc.mpls_qos],
        fmr_dotonep: vec![fc.dotonep],
        fmr_queue_id: vec![fc.queue_id],
        ..Default::default()
    }
}

/// GET reads the first listed class.
fn get(dp: &Datapath, req: &VrFcMapReq, out: &mut Responses) {
    let Some(&id) = req.fmr_id.first() else { return out.code(-EINVAL) };
    if !dp.fc_maps.in_range(class(id) as i64) {
        return out.code(-EINVAL);
    }
    match dp.fc_maps.get(class(id)) {
        None => out.code(-ENOENT),
        Some(fc) => out.reply(0, &[&make(id, fc)]),
    }
}

fn dump(dp: &Datapath, req: &VrFcMapReq, out: &mut Responses) {
    let mut page = Dumper::new();
    let after = resume_after(req.fmr_marker as i32, dp.fc_maps.limit());
    for (id, fc) in after.into_iter().flat_map(|a| dp.fc_maps.after(a)) {
        if !page.push(&make(id as i16, fc)) {
            break;
        }
    }
    page.finish(out);
}
