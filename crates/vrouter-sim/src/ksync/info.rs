//! Text information (`vr_info_req`), DUMP only (dp-core/vr_info.c, vr_info_common.c).
//!
//! The requested `vdu_msginfo` picks a text. Only INFO_VER (1), the version, is common to all
//! vRouter builds; the others (bond, LACP, mempool, … 2–15) belong to the DPDK build and
//! answer as an empty dump here, as they do from a build that does not register them.

use vrouter_proto::messages::{SandeshOp, VrInfoReq};

use super::vrouter_ops::build_info;
use super::{Datapath, Dumper, Responses};

const INFO_VER: i16 = 1;

/// Handles one `vr_info_req`: a non-DUMP op gets a bare 0.
pub fn handle(_dp: &mut Datapath, req: VrInfoReq, out: &mut Responses) {
    let mut page = Dumper::new();
    // A continuation (a buffer id from an earlier answer) finds nothing pending: the whole
    // text always fits in the first answer.
    if req.h_op == SandeshOp::DUMP && req.vdu_buff_table_id == 0 && req.vdu_msginfo == INFO_VER {
        let text = format!("Kernel version: {}\n\n", build_info());
        // vRouter copies the text with snprintf into a buffer of the text's length, so the
        // last character gives way to the terminating NUL.
        let mut proc_info = text.into_bytes();
        if let Some(last) = proc_info.last_mut() {
            *last = 0;
        }
        // The answer is the request, with the buffer id it was given (the first free one).
        let object = VrInfoReq { vdu_buff_table_id: 1, vdu_proc_info: proc_info, ..req };
        page.push(&object);
    }
    page.finish(out);
}
