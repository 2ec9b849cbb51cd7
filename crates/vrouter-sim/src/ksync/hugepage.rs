//! Hugepage memory handed to vRouter (`vr_hugepage_config`), ADD only (dp-core/vrouter.c).
//!
//! The kernel module maps the agent's hugepages for its tables; the simulator has its own
//! memory and accepts every ADD with VR_HPAGE_CFG_RESP_HPAGE_SUCCESS (PROTOCOL.md §2.1).

use vrouter_proto::messages::{HugepageResp, SandeshOp, VrHugepageConfig};

use super::errno::*;
use super::{Datapath, Responses};

/// Handles one `vr_hugepage_config`: ADD answers code 0 and the config object carrying the
/// result; any other op is −EOPNOTSUPP.
pub fn handle(_dp: &mut Datapath, req: VrHugepageConfig, out: &mut Responses) {
    if req.vhp_op != SandeshOp::ADD {
        return out.code(-EOPNOTSUPP);
    }
    let answer =
        VrHugepageConfig { vhp_op: req.vhp_op, vhp_resp: HugepageResp::SUCCESS.0 as u32, ..Default::default() };
    out.reply(0, &[&answer]);
}
