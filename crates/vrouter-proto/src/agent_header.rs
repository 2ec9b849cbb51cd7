//! The pkt0 channel's framing: the 30-byte agent header and the frame around it.
//!
//! Every packet on pkt0, in both directions and on every platform, is one frame:
//!
//! ```text
//! 0                 14                     44
//! | outer Ethernet  | agent header (30)    | inner frame (Ethernet header + payload …) |
//! ```
//!
//! The outer Ethernet header is a fixed stamp, not addressing: vRouter pulls its 14 bytes without
//! looking at them, and writes a copy of the pkt0 interface's rewrite (dst = src = that interface's
//! MAC, type 0x0800) on the packets it traps. The agent header's multi-byte fields are in network
//! byte order (unlike ksync's netlink headers). Command numbers are the schema's [`AgentCmd`].

use std::fmt;

use crate::messages::AgentCmd;

/// Bytes of `struct agent_hdr`.
pub const AGENT_HDR_LEN: usize = 30;
/// Bytes of the outer Ethernet header in front of the agent header.
pub const OUTER_ETH_LEN: usize = 14;
/// Bytes in front of the inner frame: outer Ethernet + agent header.
pub const PKT0_HEADERS_LEN: usize = OUTER_ETH_LEN + AGENT_HDR_LEN;
/// The shortest frame the agent accepts: it counts a frame of 44 bytes or fewer (headers and no
/// inner byte) as invalid.
pub const MIN_PKT0_FRAME_LEN: usize = PKT0_HEADERS_LEN + 1;
/// Ethertype both sides write into the outer header.
pub const PKT0_OUTER_ETHERTYPE: u16 = 0x0800;

/// `struct agent_hdr`: where a trapped packet came from and why, or what vRouter should do with
/// a packet the agent sends.
///
/// The parameter fields mean different things per command (PROTOCOL.md §6.2); the accessors below
/// name the ones that have a fixed meaning. For `CMD_SWITCH` / `CMD_ROUTE` the agent leaves
/// `param_2`..`param_5` uninitialised, so a receiver must ignore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AgentHeader {
    /// `hdr_ifindex`: the vif a trap arrived on; for agent → vRouter, the vif to send out of
    /// (SWITCH) or to treat as ingress (ROUTE).
    pub ifindex: u16,
    /// `hdr_vrf`: the VRF.
    pub vrf: u16,
    /// `hdr_cmd`: an [`AgentCmd`] value (see [`command`](Self::command)).
    pub cmd: u16,
    /// `hdr_cmd_param`.
    pub param: u32,
    /// `hdr_cmd_param_1` (the agent reads it as a nexthop index for every trap).
    pub param_1: u32,
    /// `hdr_cmd_param_2`.
    pub param_2: u32,
    /// `hdr_cmd_param_3`.
    pub param_3: u32,
    /// `hdr_cmd_param_4`.
    pub param_4: u32,
    /// `hdr_cmd_param_5`; three pad bytes follow it on the wire.
    pub param_5: u8,
}

/// `hdr_cmd_param` value marking an agent-originated control packet (with [`DIAG_PARAM_1`], a
/// diagnostic packet) on `CMD_ROUTE`.
pub const PACKET_CTRL_PARAM: u32 = 1;
/// `hdr_cmd_param_1` value of a diagnostic packet on `CMD_ROUTE`.
pub const DIAG_PARAM_1: u32 = 1;

impl AgentHeader {
    /// A header asking vRouter to transmit the inner frame out of `ifindex` (`CMD_SWITCH`).
    pub fn switch(ifindex: u16, vrf: u16) -> Self {
        Self::with_cmd(AgentCmd::CMD_SWITCH, ifindex, vrf)
    }

    /// A header asking vRouter to route the inner frame in `vrf` as if received on `ifindex`
    /// (`CMD_ROUTE`).
    pub fn route(ifindex: u16, vrf: u16) -> Self {
        Self::with_cmd(AgentCmd::CMD_ROUTE, ifindex, vrf)
    }

    /// A header with `cmd`, `ifindex` and `vrf` set and every parameter 0.
    pub fn with_cmd(cmd: AgentCmd, ifindex: u16, vrf: u16) -> Self {
        AgentHeader {
            ifindex,
            vrf,
            // Commands are below MAX_AGENT_HDR_COMMANDS (21); the field is 16 bits on the wire.
            cmd: cmd.0 as u16,
            ..Self::default()
        }
    }

    /// A flow trap (`TRAP_FLOW_MISS` or `TRAP_FLOW_ACTION_HOLD`) carrying `flow`'s parameters,
    /// laid out as vRouter fills them.
    pub fn flow_trap(cmd: AgentCmd, ifindex: u16, vrf: u16, flow: &FlowTrap) -> Self {
        AgentHeader {
            param: flow.flow_index,
            param_1: flow.nh,
            param_2: flow.bytes as u32,
            param_3: flow.packets as u32,
            param_4: u32::from(flow.bytes_oflow()) | (u32::from(flow.packets_oflow()) << 16),
            param_5: flow.gen_id,
            ..Self::with_cmd(cmd, ifindex, vrf)
        }
    }

    /// The command as the schema's enum (an unknown value keeps its number).
    pub fn command(&self) -> AgentCmd {
        AgentCmd(i32::from(self.cmd))
    }

    /// Whether this is a trap (vRouter → agent) rather than a command to vRouter.
    pub fn is_trap(&self) -> bool {
        self.command() != AgentCmd::CMD_SWITCH && self.command() != AgentCmd::CMD_ROUTE
    }

    /// Whether this is a `CMD_ROUTE` of a diagnostic packet (`param` = PACKET_CTRL, `param_1` = DIAG).
    pub fn is_diag_route(&self) -> bool {
        self.command() == AgentCmd::CMD_ROUTE
            && self.param == PACKET_CTRL_PARAM
            && self.param_1 == DIAG_PARAM_1
    }

    /// The flow parameters of a `TRAP_FLOW_MISS` or `TRAP_FLOW_ACTION_HOLD`; `None` for other commands.
    pub fn flow_trap_params(&self) -> Option<FlowTrap> {
        let cmd = self.command();
        if cmd != AgentCmd::TRAP_FLOW_MISS && cmd != AgentCmd::TRAP_FLOW_ACTION_HOLD {
            return None;
        }
        // param_4 packs the two overflow counters: bytes in the low 16 bits, packets above.
        let bytes_oflow = u64::from(self.param_4 & 0xffff);
        let packets_oflow = u64::from(self.param_4 >> 16);
        Some(FlowTrap {
            flow_index: self.param,
            nh: self.param_1,
            bytes: (bytes_oflow << 32) | u64::from(self.param_2),
            packets: (packets_oflow << 32) | u64::from(self.param_3),
            gen_id: self.param_5,
        })
    }

    /// Encodes the header into its 30 bytes (network byte order, pad bytes zero).
    pub fn to_bytes(&self) -> [u8; AGENT_HDR_LEN] {
        let mut b = [0u8; AGENT_HDR_LEN];
        b[0..2].copy_from_slice(&self.ifindex.to_be_bytes());
        b[2..4].copy_from_slice(&self.vrf.to_be_bytes());
        b[4..6].copy_from_slice(&self.cmd.to_be_bytes());
        b[6..10].copy_from_slice(&self.param.to_be_bytes());
        b[10..14].copy_from_slice(&self.param_1.to_be_bytes());
        b[14..18].copy_from_slice(&self.param_2.to_be_bytes());
        b[18..22].copy_from_slice(&self.param_3.to_be_bytes());
        b[22..26].copy_from_slice(&self.param_4.to_be_bytes());
        b[26] = self.param_5;
        b
    }

    /// Decodes a header from its 30 bytes; the 3 pad bytes are ignored (the agent leaves them
    /// uninitialised).
    pub fn from_bytes(b: &[u8; AGENT_HDR_LEN]) -> Self {
        let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        AgentHeader {
            ifindex: u16_at(0),
            vrf: u16_at(2),
            cmd: u16_at(4),
            param: u32_at(6),
            param_1: u32_at(10),
            param_2: u32_at(14),
            param_3: u32_at(18),
            param_4: u32_at(22),
            param_5: b[26],
        }
    }

    /// Decodes the header at the start of `buf`.
    pub fn decode(buf: &[u8]) -> Result<Self, Pkt0Error> {
        buf.first_chunk::<AGENT_HDR_LEN>()
            .map(Self::from_bytes)
            .ok_or(Pkt0Error::HeaderTruncated { len: buf.len() })
    }
}

/// The parameters of a flow trap (`TRAP_FLOW_MISS`, `TRAP_FLOW_ACTION_HOLD`).
///
/// vRouter keeps flow counters as a 32-bit value plus an overflow part (16 bits for bytes, 8 for
/// packets) and sends the low 32 bits in `param_2` / `param_3` and both overflow parts in
/// `param_4` (`bytes_oflow | packets_oflow << 16`); here they are joined back into 64-bit totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowTrap {
    /// `param`: the flow-table index of the entry that trapped.
    pub flow_index: u32,
    /// `param_1`: the nexthop index.
    pub nh: u32,
    /// Bytes counted on the flow: `param_2` plus the overflow part of `param_4` above bit 32.
    pub bytes: u64,
    /// Packets counted on the flow: `param_3` plus the overflow part of `param_4` above bit 32.
    pub packets: u64,
    /// `param_5`: the entry's generation id (changes each time the slot is reallocated).
    pub gen_id: u8,
}

impl FlowTrap {
    /// The bytes overflow part as packed into `param_4` (bits 32..48 of [`bytes`](Self::bytes)).
    pub fn bytes_oflow(&self) -> u16 {
        (self.bytes >> 32) as u16
    }

    /// The packets overflow part as packed into `param_4` (bits 32..48 of [`packets`](Self::packets);
    /// vRouter's own counter is 8 bits wide).
    pub fn packets_oflow(&self) -> u16 {
        (self.packets >> 32) as u16
    }
}

/// The 14-byte Ethernet header in front of the agent header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OuterEthernet {
    /// Destination MAC.
    pub dst: [u8; 6],
    /// Source MAC.
    pub src: [u8; 6],
    /// Ethertype (host order here, big-endian on the wire).
    pub ethertype: u16,
}

impl OuterEthernet {
    /// What the agent writes on frames it sends: dst 00:00:00:00:00:02, src 00:00:00:00:00:01,
    /// type 0x0800 (vRouter ignores the contents).
    pub const AGENT_TO_VROUTER: OuterEthernet = OuterEthernet {
        dst: [0, 0, 0, 0, 0, 2],
        src: [0, 0, 0, 0, 0, 1],
        ethertype: PKT0_OUTER_ETHERTYPE,
    };

    /// What vRouter writes on frames it traps: the pkt0 interface's rewrite, dst = src = the MAC
    /// given when the AGENT vif was added, type 0x0800.
    pub fn vrouter_to_agent(pkt0_mac: [u8; 6]) -> Self {
        OuterEthernet {
            dst: pkt0_mac,
            src: pkt0_mac,
            ethertype: PKT0_OUTER_ETHERTYPE,
        }
    }

    /// Encodes the header into its 14 bytes.
    pub fn to_bytes(&self) -> [u8; OUTER_ETH_LEN] {
        let mut b = [0u8; OUTER_ETH_LEN];
        b[0..6].copy_from_slice(&self.dst);
        b[6..12].copy_from_slice(&self.src);
        b[12..14].copy_from_slice(&self.ethertype.to_be_bytes());
        b
    }

    /// Decodes the header from its 14 bytes.
    pub fn from_bytes(b: &[u8; OUTER_ETH_LEN]) -> Self {
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(&b[0..6]);
        src.copy_from_slice(&b[6..12]);
        OuterEthernet {
            dst,
            src,
            ethertype: u16::from_be_bytes([b[12], b[13]]),
        }
    }
}

/// A pkt0 frame, parsed without copying the packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pkt0Frame<'a> {
    /// The outer Ethernet header (content carries no information; kept for tests and tracing).
    pub outer: OuterEthernet,
    /// The agent header.
    pub header: AgentHeader,
    /// The packet itself, from its L2 header on (possibly truncated by vRouter for some traps).
    pub inner: &'a [u8],
}

/// Parses one pkt0 frame (one datagram, one Windows read).
///
/// A frame of 44 bytes or fewer is refused, as the agent refuses it: it would carry no packet.
pub fn parse_pkt0_frame(frame: &[u8]) -> Result<Pkt0Frame<'_>, Pkt0Error> {
    if frame.len() < MIN_PKT0_FRAME_LEN {
        return Err(Pkt0Error::FrameTooShort { len: frame.len() });
    }
    let (outer, rest) = frame
        .split_first_chunk::<OUTER_ETH_LEN>()
        .ok_or(Pkt0Error::FrameTooShort { len: frame.len() })?;
    let (header, inner) = rest
        .split_first_chunk::<AGENT_HDR_LEN>()
        .ok_or(Pkt0Error::FrameTooShort { len: frame.len() })?;
    Ok(Pkt0Frame {
        outer: OuterEthernet::from_bytes(outer),
        header: AgentHeader::from_bytes(header),
        inner,
    })
}

/// Appends an agent → vRouter frame (outer header [`OuterEthernet::AGENT_TO_VROUTER`]) to `out`
/// and returns its length.
pub fn write_pkt0_frame(out: &mut Vec<u8>, header: &AgentHeader, inner: &[u8]) -> usize {
    write_pkt0_frame_with(out, &OuterEthernet::AGENT_TO_VROUTER, header, inner)
}

/// Appends a frame with the given outer header to `out` and returns its length; the simulator
/// uses it with [`OuterEthernet::vrouter_to_agent`] for traps.
pub fn write_pkt0_frame_with(
    out: &mut Vec<u8>,
    outer: &OuterEthernet,
    header: &AgentHeader,
    inner: &[u8],
) -> usize {
    out.reserve(PKT0_HEADERS_LEN + inner.len());
    out.extend_from_slice(&outer.to_bytes());
    out.extend_from_slice(&header.to_bytes());
    out.extend_from_slice(inner);
    PKT0_HEADERS_LEN + inner.len()
}

/// Why bytes are not a pkt0 frame or agent header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pkt0Error {
    /// The frame is not longer than the 44 bytes of headers (the agent counts it invalid).
    FrameTooShort {
        /// Bytes in the frame.
        len: usize,
    },
    /// Fewer than 30 bytes where an agent header was expected.
    HeaderTruncated {
        /// Bytes at hand.
        len: usize,
    },
}

impl fmt::Display for Pkt0Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Pkt0Error::FrameTooShort { len } => write!(
                f,
                "pkt0 frame of {len} bytes: at least {MIN_PKT0_FRAME_LEN} needed \
                 (14 outer Ethernet + 30 agent header + the packet)"
            ),
            Pkt0Error::HeaderTruncated { len } => {
                write!(f, "agent header truncated: {len} bytes, 30 needed")
            }
        }
    }
}

impl std::error::Error for Pkt0Error {}
