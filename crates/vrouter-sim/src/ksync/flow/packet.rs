//! A packet meeting the flow table (vRouter's `vr_flow_lookup` and `vr_do_flow_action`).
//!
//! The first packet of an unknown flow creates an entry in HOLD and is trapped to the agent as
//! FLOW_MISS; the agent then programs the flow with FLOW_SET. Until it does, up to two more
//! packets wait in the flow's hold queue and the rest are dropped. Packets of a programmed flow
//! are counted on it and forwarded or dropped as its action says.

use vrouter_proto::agent_header::FlowTrap;
use vrouter_proto::messages::AgentCmd;
use vrouter_proto::tables::constants::{
    FLOW_ACTION_DROP, FLOW_ACTION_HOLD, FLOW_FLAG_EVICT_CANDIDATE, FLOW_FLAG_NEW_FLOW,
};
use vrouter_proto::tables::{FlowKey, FlowStats, TableError, HENTRIES_PER_BUCKET};

use super::hold::Enqueued;
use crate::ksync::drops::DropReason;
use crate::ksync::Datapath;

/// What the flow table made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowVerdict {
    /// Trapped to the agent: `cmd` is `TRAP_FLOW_MISS` for a new flow, `TRAP_FLOW_ACTION_HOLD`
    /// for a flow put (back) in HOLD; `vrf` is the flow's VRF, `params` the trap's parameters.
    Trap {
        /// The trap command.
        cmd: AgentCmd,
        /// `fe_vrf`, which vRouter puts in the header.
        vrf: u16,
        /// Flow index, nexthop, counters before this packet (new flow) or with it, gen id.
        params: FlowTrap,
    },
    /// Queued on the flow's hold queue, behind the trapped packet.
    Held {
        /// The flow's index.
        index: u32,
    },
    /// Allowed by the flow: counted on it and sent on.
    Forward {
        /// The flow's index.
        index: u32,
    },
    /// Dropped.
    Drop {
        /// Why.
        reason: DropReason,
        /// The flow, when there is one.
        index: Option<u32>,
    },
}

impl Datapath {
    /// Asks the CPU to bring the bucket `key` hashes to into cache: a traffic source calls it
    /// a few packets ahead, so that the lookup does not wait for memory (the table is far
    /// larger than any cache, and each new flow lands in a random bucket).
    pub fn prefetch_flow(&self, key: &FlowKey) {
        let Some(t) = self.flows.tables.as_ref() else { return };
        let w = t.flow();
        let Some(base) = w.geometry().entry_offset(w.geometry().bucket_of(key.hash())) else { return };
        let entry = w.geometry().entry_size() as usize;
        let table = w.table();
        for slot in 0..HENTRIES_PER_BUCKET as usize {
            // The first two cache lines of an entry hold its header, key, flags and action.
            for line in [0, 64] {
                if let Some(byte) = table.get(base + slot * entry + line) {
                    prefetch(std::ptr::from_ref(byte).cast());
                }
            }
        }
    }

    /// Runs one packet of `len` bytes, received on vif `vif` in VRF `vrf`, through the flow
    /// table under `key` — what vRouter does for a packet on a policy-enabled interface.
    /// `drop_new_flows` is the vif's DROP_NEW_FLOWS flag. Flow counters in the table file are
    /// updated; interface and drop counters are the caller's. Without tables every packet is
    /// dropped as vRouter drops packets when no flow can be had (`FLOW_UNUSABLE`).
    pub fn flow_packet(&mut self, key: &FlowKey, vif: u32, vrf: u16, len: u32, drop_new_flows: bool) -> FlowVerdict {
        let hold_limit = self.knobs.flow_hold_limit as u32;
        let src_nh_exists = |nh: u32, dp: &Datapath| dp.nexthops.get(nh).is_some();
        let flows = &mut self.flows;
        let Some(tables) = flows.tables.as_mut() else {
            return FlowVerdict::Drop { reason: DropReason::FlowUnusable, index: None };
        };
        let w = tables.flow_writer();

        // A new flow is refused while too many flows wait for the agent (unless burst tokens,
        // which the simulator does not hand out, say otherwise) or when the vif takes none.
        let refuse_new = if drop_new_flows {
            Some(DropReason::NewFlows)
        } else if hold_limit != 0 && flows.counters.held() > u64::from(hold_limit) {
            Some(DropReason::FlowUnusable)
        } else {
            None
        };
        let index = match refuse_new {
            Some(reason) => match w.lookup(key) {
                Some(i) => i,
                None => return FlowVerdict::Drop { reason, index: None },
            },
            None => match w.insert(key) {
                Ok(slot) => {
                    let mut m = w.entry_mut(slot.index).expect("just inserted");
                    m.set_vrf(vrf);
                    m.set_action(FLOW_ACTION_HOLD);
                    flows.counters.count_hold();
                    flows.holds.open(slot.index);
                    flows.allocated += 1;
                    slot.index
                }
                Err(TableError::Exists { index }) => index,
                Err(_) => return FlowVerdict::Drop { reason: DropReason::FlowTableFull, index: None },
            },
        };

        let e = w.entry(index).expect("live");
        let (flags, action, fe_vrf, src_nh) = (e.flags(), e.action(), e.vrf(), e.src_nh_index());
        if flags & FLOW_FLAG_EVICT_CANDIDATE != 0 {
            return FlowVerdict::Drop { reason: DropReason::FlowEvict, index: Some(index) };
        }
        let mut m = w.entry_mut(index).expect("live");
        // The flow remembers the VM interface its packets come from (ECMP source checks).
        m.set_src_info(vif);
        // A new flow's counters start again from this packet; its trap reports those before.
        let before = m.view().stats();
        if flags & FLOW_FLAG_NEW_FLOW != 0 {
            m.set_stats(FlowStats::default());
        }
        let after = m.add_stats(len, 1);

        if action == FLOW_ACTION_HOLD {
            return match flows.holds.enqueue(index) {
                Enqueued::First => {
                    let (cmd, stats) = if flags & FLOW_FLAG_NEW_FLOW != 0 {
                        m.set_flags(flags & !FLOW_FLAG_NEW_FLOW);
                        (AgentCmd::TRAP_FLOW_MISS, before)
                    } else {
                        (AgentCmd::TRAP_FLOW_ACTION_HOLD, after)
                    };
                    let params = FlowTrap {
                        flow_index: index,
                        nh: key.nh_id(),
                        bytes: stats.total_bytes(),
                        packets: stats.total_packets(),
                        gen_id: m.view().gen_id(),
                    };
                    FlowVerdict::Trap { cmd, vrf: fe_vrf, params }
                }
                Enqueued::Queued => FlowVerdict::Held { index },
                Enqueued::Full => FlowVerdict::Drop { reason: DropReason::FlowQueueLimitExceeded, index: Some(index) },
                Enqueued::NoQueue => FlowVerdict::Drop { reason: DropReason::FlowUnusable, index: Some(index) },
            };
        }
        // vr_flow_action: the source nexthop must exist; then the action decides.
        if !src_nh_exists(src_nh, self) {
            return FlowVerdict::Drop { reason: DropReason::InvalidNh, index: Some(index) };
        }
        if action == FLOW_ACTION_DROP {
            FlowVerdict::Drop { reason: DropReason::FlowActionDrop, index: Some(index) }
        } else {
            FlowVerdict::Forward { index }
        }
    }
}

/// A hint to load the cache line at `p`; never faults, whatever the address.
#[inline(always)]
fn prefetch(p: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch has no architectural effect; `p` points into the mapped table anyway.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
