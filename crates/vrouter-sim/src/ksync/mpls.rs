//! MPLS labels (`vr_mpls_req`): the incoming label map, label → nexthop (dp-core/vr_mpls.c).

use vrouter_proto::messages::{SandeshOp, VrMplsReq};

use super::dump::resume_after;
use super::errno::*;
use super::{Datapath, Dumper, Responses};

/// Handles one `vr_mpls_req`.
pub fn handle(dp: &mut Datapath, req: VrMplsReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::DEL => out.code(del(dp, &req)),
        SandeshOp::GET => get(dp, req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        // vRouter ignores other ops: no answer.
        _ => {}
    }
}

fn add(dp: &mut Datapath, req: &VrMplsReq) -> i32 {
    if !dp.mpls.in_range(req.mr_label as u32 as i64) {
        return -EINVAL;
    }
    // vRouter drops the old mapping before it looks the nexthop up, so a failed ADD leaves
    // the label unmapped.
    unmap(dp, req.mr_label as u32);
    let Some(nh) = dp.nexthop_ref(req.mr_nhid as u32) else {
        return -EINVAL;
    };
    dp.mpls.insert(req.mr_label as u32, nh);
    0
}

fn del(dp: &mut Datapath, req: &VrMplsReq) -> i32 {
    if !dp.mpls.in_range(req.mr_label as u32 as i64) {
        return -EINVAL;
    }
    // Deleting an absent label succeeds.
    unmap(dp, req.mr_label as u32);
    0
}

/// Removes a label, giving its nexthop reference back.
fn unmap(dp: &mut Datapath, label: u32) {
    if let Some(nh) = dp.mpls.remove(label) {
        dp.put_nexthop(nh);
    }
}

fn get(dp: &Datapath, mut req: VrMplsReq, out: &mut Responses) {
    if !dp.mpls.in_range(req.mr_label as u32 as i64) {
        return out.code(-EINVAL);
    }
    match dp.mpls.get(req.mr_label as u32) {
        None => out.code(-ENOENT),
        Some(nh) => {
            req.mr_rid = 0;
            req.mr_nhid = nh.index() as i32;
            out.reply(0, &[&req]);
        }
    }
}

fn dump(dp: &Datapath, req: &VrMplsReq, out: &mut Responses) {
    let mut page = Dumper::new();
    let after = resume_after(req.mr_marker, dp.mpls.limit());
    for (label, nh) in after.into_iter().flat_map(|m| dp.mpls.after(m)) {
        let object =
            VrMplsReq { h_op: req.h_op, mr_label: label as i32, mr_rid: 0, mr_nhid: nh.index() as i32, mr_marker: 0 };
        if !page.push(&object) {
            break;
        }
    }
    page.finish(out);
}
