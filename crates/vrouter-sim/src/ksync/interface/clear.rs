//! Interface RESET: clears the counters of one vif or of all (dp-core/vr_interface.c
//! `vr_interface_clear_stats`).

use vrouter_proto::messages::{SandeshOp, VrInterfaceReq};

use super::vif::{Vif, VifCounters};
use crate::ksync::{Datapath, Responses, CORES};

/// Handles a RESET: `vifr_idx` −1 clears every vif, `vifr_core` picks the core (0 = all).
/// The answer carries an interface object: marked RESET with the request's index and core
/// (and the vif's name for a single vif) — or left all zero when no vif has that index, which
/// vRouter answers with success.
pub(super) fn clear(dp: &mut Datapath, req: &VrInterfaceReq, out: &mut Responses) {
    let core = req.vifr_core as i32 - 1;
    let core_ok = core == -1 || (0..CORES as i32).contains(&core);
    let done = VrInterfaceReq {
        h_op: SandeshOp::RESET,
        vifr_core: req.vifr_core,
        vifr_idx: req.vifr_idx,
        ..Default::default()
    };
    if req.vifr_idx == -1 {
        if !core_ok && !dp.interfaces.is_empty() {
            // A bad core fails on the first vif, with −1.
            return out.code(-1);
        }
        dp.interfaces.iter_mut().for_each(|(_, vif)| zero(vif));
        return out.reply(0, &[&done]);
    }
    match dp.interfaces.get_mut(req.vifr_idx as u32) {
        None => out.reply(0, &[&VrInterfaceReq::default()]),
        Some(_) if !core_ok => out.code(-1),
        Some(vif) => {
            zero(vif);
            out.reply(0, &[&VrInterfaceReq { vifr_name: vif.name.clone(), ..done }]);
        }
    }
}

/// Traffic and drop counters back to zero (one core: the selected core is all of them).
fn zero(vif: &mut Vif) {
    vif.counters = VifCounters::default();
    vif.drops.clear();
}
