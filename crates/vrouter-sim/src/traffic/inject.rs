//! One frame through the simulated datapath, as if received on a vif: the trap rules and the
//! flow table, with every counter vRouter would move.
//!
//! - ARP is trapped to the agent (`TRAP_ARP`). vRouter first consults the route of the target
//!   address (proxy, flood or trap); the simulator has no routes to consult and always traps.
//! - DHCP (IPv4 UDP to port 67 or 68) is trapped (`TRAP_L3_PROTOCOLS`).
//! - Other IPv4 packets on a vif with POLICY_ENABLED meet the flow table under the key (protocol,
//!   addresses, ports, the vif's nexthop id) — see [`Datapath::flow_packet`]: a new flow is
//!   trapped as FLOW_MISS and held, a forwarded flow counts the packet and sends it on.
//! - Everything else would be routed or bridged, which the simulator does not model: the packet
//!   is counted as received and reported as [`Injected::Passed`].

use std::fmt;

use vrouter_proto::agent_header::{AgentHeader, FlowTrap, PKT0_HEADERS_LEN};
use vrouter_proto::messages::AgentCmd;
use vrouter_proto::tables::FlowKey;

use super::packet::{parse, Packet};
use crate::ksync::{DropReason, FlowVerdict};
use crate::pkt0::TrapBatch;
use crate::Datapath;

/// `VIF_FLAG_POLICY_ENABLED`.
pub const VIF_POLICY_ENABLED: i32 = 0x1;
/// `VIF_FLAG_DROP_NEW_FLOWS`.
pub const VIF_DROP_NEW_FLOWS: i32 = 0x40000;

/// What became of an injected frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Trapped to the agent with `cmd`; `flow` holds the flow parameters of a flow trap.
    Trapped {
        /// The trap command.
        cmd: AgentCmd,
        /// For `TRAP_FLOW_MISS` / `TRAP_FLOW_ACTION_HOLD`: the trap's flow parameters.
        flow: Option<FlowTrap>,
    },
    /// Queued behind a trapped packet of its flow, waiting for the agent.
    Held {
        /// The flow's index.
        flow_index: u32,
    },
    /// Allowed by its flow: counted on the flow and sent on (counted as transmitted on the
    /// vif it came in on: the simulator does not route, so the egress vif is unknown).
    Forwarded {
        /// The flow's index.
        flow_index: u32,
    },
    /// Dropped, counted in the drop statistics and against the vif.
    Dropped {
        /// Why.
        reason: DropReason,
        /// The flow, when one was involved.
        flow_index: Option<u32>,
    },
    /// Needs no flow and no trap (routing and bridging are not modelled); counted as received.
    Passed,
}

/// Why a frame could not be injected at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectError {
    /// No vif with this index.
    NoSuchVif(u32),
}

impl fmt::Display for InjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InjectError::NoSuchVif(i) => write!(f, "no interface with index {i}"),
        }
    }
}

impl std::error::Error for InjectError {}

/// Runs `frame` (from its Ethernet header) through the datapath as received on vif `vif`.
/// Trap frames are appended to `traps`, for the caller to send once the datapath is released.
pub fn inject(dp: &mut Datapath, frame: &[u8], vif: u32, traps: &mut TrapBatch) -> Result<Injected, InjectError> {
    let v = dp.interfaces.get(vif).ok_or(InjectError::NoSuchVif(vif))?;
    let (flags, vrf, nh_id) = (v.flags(), v.vrf() as u16, v.nh_id as u32);
    let len = frame.len() as u64;
    dp.count_rx(vif, len);
    let outcome = match parse(frame) {
        Packet::Malformed => Injected::Dropped { reason: DropReason::InvalidPacket, flow_index: None },
        Packet::Arp => trap(dp, AgentHeader::with_cmd(AgentCmd::TRAP_ARP, vif as u16, vrf), frame, traps, None),
        Packet::Dhcp => {
            trap(dp, AgentHeader::with_cmd(AgentCmd::TRAP_L3_PROTOCOLS, vif as u16, vrf), frame, traps, None)
        }
        Packet::Ipv4 { proto, sip, dip, sport, dport } if flags & VIF_POLICY_ENABLED != 0 => {
            let key = FlowKey::inet(proto, sip, dip, sport, dport, nh_id);
            match dp.flow_packet(&key, vif, vrf, frame.len() as u32, flags & VIF_DROP_NEW_FLOWS != 0) {
                FlowVerdict::Trap { cmd, vrf, params } => {
                    trap(dp, AgentHeader::flow_trap(cmd, vif as u16, vrf, &params), frame, traps, Some(params))
                }
                FlowVerdict::Held { index } => Injected::Held { flow_index: index },
                FlowVerdict::Forward { index } => {
                    dp.count_tx(vif, len);
                    Injected::Forwarded { flow_index: index }
                }
                FlowVerdict::Drop { reason, index } => Injected::Dropped { reason, flow_index: index },
            }
        }
        Packet::Ipv4 { .. } | Packet::Other(_) => Injected::Passed,
    };
    if let Injected::Dropped { reason, .. } = outcome {
        dp.count_drop(Some(vif), reason);
    }
    Ok(outcome)
}

/// Queues a trap frame, stamped with the AGENT vif's MAC (zeros while there is none), and
/// counts it as sent on that vif.
fn trap(dp: &mut Datapath, header: AgentHeader, frame: &[u8], traps: &mut TrapBatch, flow: Option<FlowTrap>) -> Injected {
    let agent = dp.agent_vif().map(|v| (v.idx(), v.mac()));
    traps.push(agent.map_or([0; 6], |(_, mac)| mac), &header, frame);
    if let Some((idx, _)) = agent {
        dp.count_tx(idx, (PKT0_HEADERS_LEN + frame.len()) as u64);
    }
    Injected::Trapped { cmd: header.command(), flow }
}
