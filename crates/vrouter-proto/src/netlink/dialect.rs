//! The three ways a forwarding engine frames its ksync replies.

use super::constants::{DPDK_AGENT_FAMILY_ID, WINDOWS_FAMILY_ID};

/// Which forwarding engine's reply framing to produce (or expect).
///
/// Requests are framed the same way for all three; the replies differ:
///
/// | | Kernel | Dpdk | Windows |
/// |---|---|---|---|
/// | reply padding | `NLMSG_ALIGN`, zero pad, counted in `nlmsg_len` | none | as Kernel |
/// | several replies to one request | `NLM_F_MULTI` on all, then `NLMSG_DONE` | `NLM_F_MULTI` on all but the last, no DONE | as Kernel |
/// | reply `nlmsg_pid` | the requester's port id | 0 | 0 |
/// | family id | dynamic, looked up by name ("vrouter") | fixed by convention (agent 24, utilities 0x20), echoed | 1, never checked |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Linux kernel module over `NETLINK_GENERIC` (one message per datagram).
    Kernel,
    /// DPDK vRouter over a Unix stream socket or TCP (messages back to back, unpadded).
    Dpdk,
    /// Windows driver (`\\.\vrouterKsync`, one message per read).
    Windows,
}

impl Dialect {
    /// Whether reply messages are padded to a multiple of 4 bytes (the pad counted in `nlmsg_len`).
    pub const fn pads_replies(self) -> bool {
        matches!(self, Dialect::Kernel | Dialect::Windows)
    }

    /// Whether a multi-message reply ends with an `NLMSG_DONE` message (else the last data message
    /// simply lacks `NLM_F_MULTI`).
    pub const fn ends_multi_with_done(self) -> bool {
        matches!(self, Dialect::Kernel | Dialect::Windows)
    }

    /// The `nlmsg_pid` this engine writes into replies to a request that carried `request_pid`.
    ///
    /// The kernel answers with the requesting socket's port id; the kernel knows it from the socket,
    /// and for a client that set its pid to the port id this equals the request's field, which is what
    /// a simulator has to go by. DPDK and Windows always write 0.
    pub const fn reply_pid(self, request_pid: u32) -> u32 {
        match self {
            Dialect::Kernel => request_pid,
            Dialect::Dpdk | Dialect::Windows => 0,
        }
    }

    /// The family id clients conventionally put in `nlmsg_type` for this engine: `None` for the kernel,
    /// whose id is assigned at module load and looked up through the generic-netlink controller.
    ///
    /// For DPDK this is the agent's value (24); vRouter's own utilities use
    /// [`DPDK_UTILS_FAMILY_ID`](super::constants::DPDK_UTILS_FAMILY_ID) and in "vtest" mode 0. DPDK
    /// and Windows never check the value, they echo it.
    pub const fn conventional_family_id(self) -> Option<u16> {
        match self {
            Dialect::Kernel => None,
            Dialect::Dpdk => Some(DPDK_AGENT_FAMILY_ID),
            Dialect::Windows => Some(WINDOWS_FAMILY_ID),
        }
    }
}
