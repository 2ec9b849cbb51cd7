//! Flows (`vr_flow_req`): the agent programming the flow table, and packets finding their flow
//! in it (dp-core/vr_flow.c).
//!
//! The table itself is the shared file (on Windows, section) agents map ([`Tables`]); the datapath keeps beside it
//! what vRouter keeps in kernel memory: the counters `vr_flow_table_data` reports
//! ([`FlowCounters`]) and each HOLD flow's queue of packets ([`HoldQueues`]).
//!
//! vRouter changes flows on a deferred work queue; the simulator does each change at once,
//! under the datapath's lock, so readers of the file see it before the answer is sent.

mod counters;
mod hold;
mod packet;
mod request;
mod set;
mod store;

use vrouter_proto::messages::{FlowOp, VrFlowReq, VrFlowResponse};
use vrouter_proto::tables::constants::FLOW_FLAG_ACTIVE;

pub use counters::FlowCounters;
pub use hold::{Enqueued, HoldQueues, HOLD_QUEUE_LEN};
pub use packet::FlowVerdict;
pub use request::{forward_key, ipv4, ipv6, port, reverse_key, AF_INET, AF_INET6};
pub use store::{bridge_location, flow_location, FlowWriter, Sink, Tables};

use super::drops::DropReason;
use super::errno::{EINVAL, EOPNOTSUPP};
use super::{Datapath, Responses};

/// The flow side of the datapath: the tables (absent in a datapath built without them), the
/// counters and the hold queues.
#[derive(Debug, Default)]
pub struct FlowState {
    tables: Option<Tables>,
    /// vRouter's flow-table counters.
    pub counters: FlowCounters,
    holds: HoldQueues,
    /// Entries allocated since start (by packets and by the agent); the simulator's own count,
    /// not reset by the soft reset.
    pub allocated: u64,
    /// Held packets a FLOW_SET released into a forwarding action (the simulator does not route
    /// them further).
    pub released_forwarded: u64,
}

impl FlowState {
    /// The tables, when the datapath has them.
    pub fn tables(&self) -> Option<&Tables> {
        self.tables.as_ref()
    }

    /// The tables, for writing (the bridge table is written by the route code).
    pub fn tables_mut(&mut self) -> Option<&mut Tables> {
        self.tables.as_mut()
    }

    /// Flow entries in use, main and overflow.
    pub fn used_entries(&self) -> u32 {
        self.tables.as_ref().map_or(0, |t| t.flow().used_entries())
    }

    /// Overflow flow entries in use.
    pub fn used_overflow_entries(&self) -> u32 {
        self.tables.as_ref().map_or(0, |t| t.flow().used_overflow_entries())
    }

    /// The soft reset's part (vRouter's `vr_flow_table_reset`): every active flow is released
    /// (its held packets dropped with it) and the counters are zeroed. Gen ids stay.
    pub fn reset(&mut self) {
        self.counters = FlowCounters::default();
        self.holds.clear();
        let Some(t) = self.tables.as_mut() else { return };
        let w = t.flow_writer();
        for index in 0..w.geometry().total_entries() {
            let live = w.entry(index).is_some_and(|e| e.hentry().is_valid() && e.flags() & FLOW_FLAG_ACTIVE != 0);
            if live {
                // Cannot fail: the entry was just seen in use.
                let _ = w.release(index);
            }
        }
    }
}

impl Datapath {
    /// Gives the datapath its flow and bridge tables, and makes `vrouter_ops` report their
    /// sizes (`vo_flow_entries`, `vo_oflow_entries`, `vo_bridge_entries`,
    /// `vo_oflow_bridge_entries`) as vRouter reports the sizes it was started with.
    #[cfg(any(unix, windows))]
    pub fn attach_tables(&mut self, tables: Tables) {
        let (flow, bridge) = (*tables.flow_geometry(), *tables.bridge_geometry());
        self.limits.flow_entries = flow.main_entries();
        self.limits.flow_oflow_entries = flow.overflow_entries();
        self.limits.bridge_entries = bridge.main_entries();
        self.limits.bridge_oflow_entries = bridge.overflow_entries();
        self.flows.holds = HoldQueues::new(flow.total_entries());
        self.flows.tables = Some(tables);
    }

    /// Takes the tables back (their files go when they drop).
    pub fn detach_tables(&mut self) -> Option<Tables> {
        self.flows.holds = HoldQueues::default();
        self.flows.tables.take()
    }

    /// The packets a FLOW_SET released from a hold queue go through the flow's new action:
    /// forwarded (counted only as released: the simulator does not route) or dropped.
    fn account_flushed(&mut self, flushed: set::Flushed) {
        if flushed.packets == 0 {
            return;
        }
        if flushed.forwarded {
            self.flows.released_forwarded += u64::from(flushed.packets);
        } else {
            self.drop_stats.count(DropReason::FlowActionDrop, u64::from(flushed.packets));
            if let Some(vif) = self.interfaces.get_mut(flushed.vif) {
                vif.drops.count(DropReason::FlowActionDrop, u64::from(flushed.packets));
            }
        }
    }
}

/// Handles one `vr_flow_req`. vRouter answers every one with `vr_response` and a
/// `vr_flow_response`, errors included; the fields it leaves unset on an error path (garbage
/// in vRouter) are 0 here. A datapath without tables answers −EOPNOTSUPP alone.
pub fn handle(dp: &mut Datapath, mut req: VrFlowReq, out: &mut Responses) {
    if dp.flows.tables.is_none() {
        out.code(-EOPNOTSUPP);
        return;
    }
    let mut resp = VrFlowResponse { fresp_op: req.fr_op, ..Default::default() };
    let code = if req.fr_op == FlowOp::FLOW_SET {
        let (code, flushed) = set::set(dp, &mut req, &mut resp);
        if let Some(f) = flushed {
            dp.account_flushed(f);
        }
        code
    } else {
        -EINVAL
    };
    out.reply(code, &[&resp]);
}
