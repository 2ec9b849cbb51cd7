//! Mirror entries (`vr_mirror_req`): index → nexthop to send mirrored copies to
//! (dp-core/vr_mirror.c).

use vrouter_proto::messages::{SandeshOp, VrMirrorReq};

use super::indexed;
use super::errno::*;
use super::nexthop::NhRef;
use super::{Datapath, Responses};

/// One mirror entry.
#[derive(Debug)]
pub struct Mirror {
    nh: NhRef,
    flags: i32,
    vni: i32,
    vlan: i16,
}

impl Mirror {
    /// The nexthop mirrored packets go to.
    pub fn nexthop(&self) -> u32 {
        self.nh.index()
    }
}

/// Handles one `vr_mirror_req`; other ops get no answer at all.
pub fn handle(dp: &mut Datapath, req: VrMirrorReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::GET => get(dp, req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        _ => {}
    }
}

/// The index a request names, read unsigned as vRouter reads it.
fn index(req: &VrMirrorReq) -> u32 {
    req.mirr_index as i32 as u32
}

fn add(dp: &mut Datapath, req: &VrMirrorReq) -> i32 {
    let idx = index(req);
    if !dp.mirrors.in_range(idx as i64) {
        return -EINVAL;
    }
    let Some(nh) = dp.nexthop_ref(req.mirr_nhid as u32) else {
        return -EINVAL;
    };
    // An existing entry is updated in place; its old nexthop goes back afterwards.
    let entry = Mirror { nh, flags: req.mirr_flags, vni: req.mirr_vni, vlan: req.mirr_vlan };
    if let Some(old) = dp.mirrors.insert(idx, entry) {
        dp.put_nexthop(old.nh);
    }
    0
}

fn del(dp: &mut Datapath, req: &VrMirrorReq) -> i32 {
    match dp.mirrors.remove(index(req)) {
        None => -EINVAL,
        Some(old) => {
            dp.put_nexthop(old.nh);
            0
        }
    }
}

fn fill(r: &mut VrMirrorReq, idx: u32, m: &Mirror) {
    r.mirr_index = idx as i16;
    r.mirr_nhid = m.nh.index() as i32;
    r.mirr_flags = m.flags;
    r.mirr_rid = 0;
    r.mirr_vni = m.vni;
    r.mirr_vlan = m.vlan;
}

fn get(dp: &Datapath, req: VrMirrorReq, out: &mut Responses) {
    indexed::get(&dp.mirrors, index(&req), req, fill, out);
}

fn dump(dp: &Datapath, req: &VrMirrorReq, out: &mut Responses) {
    indexed::dump(&dp.mirrors, req.mirr_marker, fill, out);
}
