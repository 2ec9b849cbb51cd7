//! VXLAN ids (`vr_vxlan_req`): VNI → nexthop (dp-core/vr_vxlan.c).

use std::collections::BTreeMap;

use vrouter_proto::messages::{SandeshOp, VrVxlanReq};

use super::errno::*;
use super::nexthop::NhRef;
use super::{Datapath, Dumper, Responses};

/// vRouter's VXLAN table is indexed by 24 bits; higher bits of a VNI are ignored.
const VNI_MASK: u32 = 0x00ff_ffff;

/// VNI → nexthop.
pub type VxlanTable = BTreeMap<u32, NhRef>;

/// Handles one `vr_vxlan_req`; other ops get no answer at all.
pub fn handle(dp: &mut Datapath, req: VrVxlanReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::GET => get(dp, req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        _ => {}
    }
}

fn vni(req: &VrVxlanReq) -> u32 {
    req.vxlanr_vnid as u32 & VNI_MASK
}

fn add(dp: &mut Datapath, req: &VrVxlanReq) -> i32 {
    let Some(nh) = dp.nexthop_ref(req.vxlanr_nhid as u32) else {
        return -EINVAL;
    };
    if let Some(old) = dp.vxlan.insert(vni(req), nh) {
        dp.put_nexthop(old);
    }
    0
}

/// Deleting an absent VNI succeeds.
fn del(dp: &mut Datapath, req: &VrVxlanReq) -> i32 {
    if let Some(old) = dp.vxlan.remove(&vni(req)) {
        dp.put_nexthop(old);
    }
    0
}

/// The answer echoes the requested VNI (as sent, high bits included) with its nexthop.
fn get(dp: &Datapath, req: VrVxlanReq, out: &mut Responses) {
    match dp.vxlan.get(&vni(&req)) {
        None => out.code(-ENOENT),
        Some(nh) => {
            let object =
                VrVxlanReq { vxlanr_vnid: req.vxlanr_vnid, vxlanr_nhid: nh.index() as i32, ..Default::default() };
            out.reply(0, &[&object]);
        }
    }
}

/// No marker field: the request's VNI is the marker, and the dump resumes at VNI + 1 — except
/// that VNI 0 starts from 0 (so a first request with VNI 0 includes VNI 0).
fn dump(dp: &Datapath, req: &VrVxlanReq, out: &mut Responses) {
    let marker = req.vxlanr_vnid as u32;
    let start = if marker == 0 { 0 } else { marker.wrapping_add(1) };
    let mut page = Dumper::new();
    for (&vnid, nh) in dp.vxlan.range(start..) {
        let object = VrVxlanReq { vxlanr_vnid: vnid as i32, vxlanr_nhid: nh.index() as i32, ..Default::default() };
        if !page.push(&object) {
            break;
        }
    }
    page.finish(out);
}
