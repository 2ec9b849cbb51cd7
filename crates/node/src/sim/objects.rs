//! What the simulator hands JavaScript: plain objects for injections, traffic, stats and
//! re-injected frames.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_sim::pkt0::{Pkt0Stats, Reinjected};
use vrouter_sim::traffic::{Injected, TrafficReport};
use vrouter_sim::DropReason;

/// What became of an injected frame.
#[napi(object, object_from_js = false)]
pub struct NativeInjected {
    /// `trapped`, `held`, `forwarded`, `dropped` or `passed` (no flow or trap needed; routing is
    /// not modelled).
    pub action: String,
    /// The trap command, e.g. `TRAP_FLOW_MISS`, when trapped.
    pub trap: Option<String>,
    /// The flow's index, when a flow was involved.
    pub flow_index: Option<u32>,
    /// The flow's gen id, for a flow trap.
    pub gen_id: Option<u32>,
    /// The nexthop of a flow trap.
    pub nh: Option<u32>,
    /// Why it was dropped: vRouter's drop reason, as in `vr_drop_stats_req` (`flow_unusable`, …).
    pub reason: Option<String>,
}

impl From<Injected> for NativeInjected {
    fn from(i: Injected) -> Self {
        let mut o =
            NativeInjected { action: String::new(), trap: None, flow_index: None, gen_id: None, nh: None, reason: None };
        match i {
            Injected::Trapped { cmd, flow } => {
                o.action = "trapped".into();
                o.trap = Some(cmd.name().map_or_else(|| cmd.0.to_string(), str::to_owned));
                if let Some(f) = flow {
                    (o.flow_index, o.gen_id, o.nh) = (Some(f.flow_index), Some(u32::from(f.gen_id)), Some(f.nh));
                }
            }
            Injected::Held { flow_index } => (o.action, o.flow_index) = ("held".into(), Some(flow_index)),
            Injected::Forwarded { flow_index } => (o.action, o.flow_index) = ("forwarded".into(), Some(flow_index)),
            Injected::Dropped { reason, flow_index } => {
                (o.action, o.flow_index, o.reason) = ("dropped".into(), flow_index, Some(reason_name(reason)));
            }
            Injected::Passed => o.action = "passed".into(),
        }
        o
    }
}

/// `FlowQueueLimitExceeded` → `flow_queue_limit_exceeded` (the `vds_` field's name).
fn reason_name(r: DropReason) -> String {
    let mut out = String::new();
    for (i, c) in format!("{r:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What a traffic run did.
#[napi(object, object_from_js = false)]
pub struct NativeTrafficResult {
    pub packets: f64,
    pub trapped: f64,
    pub held: f64,
    pub forwarded: f64,
    pub dropped: f64,
    pub passed: f64,
    pub traps_sent: f64,
    pub traps_dropped: f64,
    pub elapsed_ms: f64,
    /// Stopped early (the simulator closed).
    pub stopped: bool,
}

impl From<TrafficReport> for NativeTrafficResult {
    fn from(r: TrafficReport) -> Self {
        NativeTrafficResult {
            packets: r.packets as f64,
            trapped: r.trapped as f64,
            held: r.held as f64,
            forwarded: r.forwarded as f64,
            dropped: r.dropped as f64,
            passed: r.passed as f64,
            traps_sent: r.traps_sent as f64,
            traps_dropped: r.traps_dropped as f64,
            elapsed_ms: r.elapsed.as_secs_f64() * 1e3,
            stopped: r.stopped,
        }
    }
}

/// The simulator's counters.
#[napi(object, object_from_js = false)]
pub struct NativeSimStats {
    /// ksync request messages answered (Unix socket and TCP together).
    pub requests_served: f64,
    pub traps_sent: f64,
    /// Trap frames dropped: no agent socket, or its socket full.
    pub traps_dropped: f64,
    pub traps_dropped_absent: f64,
    pub traps_dropped_full: f64,
    /// Datagrams received from the agent.
    pub received: f64,
    /// Valid SWITCH/ROUTE frames from the agent.
    pub reinjected: f64,
    /// Invalid frames from the agent (too short, oversize, unknown command).
    pub invalid_frames: f64,
    /// Flow entries allocated since start (by packets and by the agent).
    pub flows_created: f64,
    /// Flow entries in use now.
    pub flows_active: f64,
}

impl NativeSimStats {
    pub fn new(requests: u64, p: Pkt0Stats, flows_created: u64, flows_active: u32) -> Self {
        NativeSimStats {
            requests_served: requests as f64,
            traps_sent: p.traps_sent as f64,
            traps_dropped: p.traps_dropped() as f64,
            traps_dropped_absent: p.traps_dropped_absent as f64,
            traps_dropped_full: p.traps_dropped_full as f64,
            received: p.received as f64,
            reinjected: p.reinjected as f64,
            invalid_frames: p.invalid() as f64,
            flows_created: flows_created as f64,
            flows_active: f64::from(flows_active),
        }
    }
}

/// A frame the agent sent into the datapath.
#[napi(object, object_from_js = false)]
pub struct NativeReinjected {
    /// `CMD_SWITCH` or `CMD_ROUTE`.
    pub cmd: String,
    pub ifindex: u32,
    pub vrf: u32,
    pub param: u32,
    pub param1: u32,
    /// The packet, from its Ethernet header on.
    pub packet: Buffer,
}

impl From<Reinjected> for NativeReinjected {
    fn from(r: Reinjected) -> Self {
        let cmd = r.header.command();
        NativeReinjected {
            cmd: cmd.name().map_or_else(|| cmd.0.to_string(), str::to_owned),
            ifindex: u32::from(r.header.ifindex),
            vrf: u32::from(r.header.vrf),
            param: r.header.param,
            param1: r.header.param_1,
            packet: r.packet.into(),
        }
    }
}
