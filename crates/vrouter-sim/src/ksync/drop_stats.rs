//! Global drop statistics (`vr_drop_stats_req`): GET and RESET (dp-core/vr_stats.c).

use vrouter_proto::messages::{SandeshOp, VrDropStatsReq};

use super::errno::*;
use super::{Datapath, Responses, CORES};

/// Handles one `vr_drop_stats_req`.
pub fn handle(dp: &mut Datapath, req: VrDropStatsReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::RESET => {
            // A reset zeroes the global counters only (per-vif drops stay) and answers with an
            // empty object marked RESET.
            dp.drop_stats.clear();
            out.reply(0, &[&VrDropStatsReq { h_op: SandeshOp::RESET, ..Default::default() }]);
        }
        op => {
            // vRouter refuses any other op with −EOPNOTSUPP and then answers it as a GET
            // anyway: two answers for one request.
            if op != SandeshOp::GET {
                out.code(-EOPNOTSUPP);
            }
            get(dp, req.vds_core, out);
        }
    }
}

fn get(dp: &Datapath, vds_core: i16, out: &mut Responses) {
    let mut r = VrDropStatsReq::default();
    // vds_core 0 sums the cores, n reads core n−1; −1 asks for NIC-offloaded drops only (none
    // here); any other core reads as zeros.
    let core = vds_core as i32 - 1;
    if core == -1 || (0..CORES as i32).contains(&core) {
        dp.drop_stats.add_to(&mut r);
    }
    out.reply(0, &[&r]);
}
