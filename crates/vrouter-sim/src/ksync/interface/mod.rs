//! Interfaces (`vr_interface_req`): vifs with vRouter's validation, counters and dumps
//! (dp-core/vr_interface.c).

mod add;
mod clear;
mod fat_flow;
mod remove;
mod report;
mod src_macs;
mod vif;

use vrouter_proto::messages::{SandeshOp, VrInterfaceReq};

pub use vif::{Vif, VifCounters, VifRef};

use super::drops::DropReason;
use super::errno::EOPNOTSUPP;
use super::{Datapath, Responses};

/// Handles one `vr_interface_req`.
pub fn handle(dp: &mut Datapath, req: VrInterfaceReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add::add(dp, &req)),
        SandeshOp::GET => report::get(dp, &req, out),
        SandeshOp::DEL => out.code(remove::del(dp, &req)),
        SandeshOp::DUMP => report::dump(dp, &req, out),
        SandeshOp::RESET => clear::clear(dp, &req, out),
        _ => out.code(-EOPNOTSUPP),
    }
}

/// What a traffic source uses to account for packets on vifs.
impl Datapath {
    /// The AGENT vif (pkt0), once one was added: the vif packets are trapped to and injected
    /// from. Its MAC and transport say how pkt0 is framed.
    pub fn agent_vif(&self) -> Option<&Vif> {
        self.agent_if.and_then(|i| self.interfaces.get(i))
    }

    /// Counts one packet of `bytes` received on vif `idx`; false when there is no such vif.
    pub fn count_rx(&mut self, idx: u32, bytes: u64) -> bool {
        self.with_counters(idx, |c| {
            c.ipackets += 1;
            c.ibytes += bytes;
        })
    }

    /// Counts one packet of `bytes` sent on vif `idx`; false when there is no such vif.
    pub fn count_tx(&mut self, idx: u32, bytes: u64) -> bool {
        self.with_counters(idx, |c| {
            c.opackets += 1;
            c.obytes += bytes;
        })
    }

    /// Counts one dropped packet: always in the global drop statistics, and against vif `idx`
    /// when given and present (as vRouter charges a drop to the packet's interface).
    pub fn count_drop(&mut self, idx: Option<u32>, reason: DropReason) {
        self.drop_stats.count(reason, 1);
        if let Some(vif) = idx.and_then(|i| self.interfaces.get_mut(i)) {
            vif.drops.count(reason, 1);
        }
    }

    fn with_counters(&mut self, idx: u32, f: impl FnOnce(&mut VifCounters)) -> bool {
        match self.interfaces.get_mut(idx) {
            Some(vif) => {
                f(&mut vif.counters);
                true
            }
            None => false,
        }
    }

    /// Gives back a counted reference to a vif (a vif holds none of its own, so a freed vif
    /// releases nothing further).
    pub(crate) fn put_vif(&mut self, r: VifRef) {
        let _freed = self.interfaces.release(r);
    }
}
