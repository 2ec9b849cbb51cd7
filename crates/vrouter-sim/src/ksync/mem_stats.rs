//! Allocator statistics (`vr_mem_stats_req`), GET only (dp-core/vr_stats.c).
//!
//! vRouter counts allocations and frees per object kind. The simulator does not allocate the
//! way vRouter does; it reports the objects it holds under their kinds (objects outstanding,
//! which is what each `vms_*_object` field means) and as many allocations in `vms_alloced`,
//! with `vms_freed` 0.

use vrouter_proto::messages::{SandeshOp, VrMemStatsReq};

use super::errno::*;
use super::{Datapath, Responses};

/// Handles one `vr_mem_stats_req`. Any op other than GET is refused with −EOPNOTSUPP and then
/// answered as a GET anyway, as vRouter does: two answers for one request.
pub fn handle(dp: &mut Datapath, req: VrMemStatsReq, out: &mut Responses) {
    if req.h_op != SandeshOp::GET {
        out.code(-EOPNOTSUPP);
    }
    let interfaces = (dp.interfaces.len() + dp.interfaces.lingering()) as i64;
    let nexthops = (dp.nexthops.len() + dp.nexthops.lingering()) as i64;
    let mut r = VrMemStatsReq {
        vms_interface_object: interfaces,
        vms_interface_stats_object: interfaces,
        vms_drop_stats_object: interfaces,
        vms_nexthop_object: nexthops,
        vms_mirror_object: dp.mirrors.len() as i64,
        vms_qos_map_object: dp.qos_maps.len() as i64,
        ..Default::default()
    };
    r.vms_alloced = r.vms_interface_object
        + r.vms_interface_stats_object
        + r.vms_drop_stats_object
        + r.vms_nexthop_object
        + r.vms_mirror_object
        + r.vms_qos_map_object;
    out.reply(0, &[&r]);
}
