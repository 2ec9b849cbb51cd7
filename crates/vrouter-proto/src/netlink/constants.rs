//! Numbers of the netlink and generic-netlink wire format that vRouter uses.
//!
//! Values are those of the Linux uapi headers (`linux/netlink.h`, `linux/genetlink.h`) and of vRouter's
//! `vr_genetlink.h`; the Windows and DPDK forwarding engines reuse the same layout.

/// Size of `struct nlmsghdr`: len u32, type u16, flags u16, seq u32, pid u32.
pub const NLMSG_HDRLEN: usize = 16;
/// Size of `struct genlmsghdr`: cmd u8, version u8, reserved u16.
pub const GENL_HDRLEN: usize = 4;
/// Size of `struct nlattr`: len u16, type u16.
pub const NLA_HDRLEN: usize = 4;
/// Bytes in front of the sandesh payload of a ksync message: nlmsghdr + genlmsghdr + nlattr.
pub const SANDESH_HDRLEN: usize = NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN;

/// Netlink alignment unit (`NLMSG_ALIGNTO`, also `NLA_ALIGNTO`).
pub const NLMSG_ALIGNTO: usize = 4;

/// Rounds `len` up to the netlink alignment (`NLMSG_ALIGN` / `NLA_ALIGN`).
pub const fn nlmsg_align(len: usize) -> usize {
    (len + NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

/// `nlmsg_flags`: a request (the only flag ksync clients set; they never ask for ACKs).
pub const NLM_F_REQUEST: u16 = 0x1;
/// `nlmsg_flags`: part of a multi-message reply; more messages follow for the same request.
pub const NLM_F_MULTI: u16 = 0x2;

/// `nlmsg_type` of a no-op message. Not special for ksync: Windows uses 1 as its family id.
pub const NLMSG_NOOP: u16 = 0x1;
/// `nlmsg_type` of an error (or ACK) message: an i32 `-errno` follows the header.
pub const NLMSG_ERROR: u16 = 0x2;
/// `nlmsg_type` ending a multi-message reply (kernel and Windows dialects).
pub const NLMSG_DONE: u16 = 0x3;

/// The only generic-netlink command of the vRouter family (`SANDESH_REQUEST`), in requests and replies.
pub const SANDESH_REQUEST: u8 = 1;
/// The attribute type carrying the sandesh bytes (`NL_ATTR_VR_MESSAGE_PROTOCOL`).
pub const NL_ATTR_VR_MESSAGE_PROTOCOL: u16 = 1;

/// Largest ksync message the agent accepts (its receive buffer); also vRouter's reply and
/// Windows' per-handle write-reassembly buffer size.
pub const MAX_FRAME_LEN: usize = 4096;

/// Largest sandesh payload one message can carry: `nla_len` is a u16 and includes its own header.
pub const MAX_SANDESH_PAYLOAD: usize = u16::MAX as usize - NLA_HDRLEN;

/// Name under which the Linux kernel module registers its generic-netlink family.
pub const VROUTER_GENL_FAMILY_NAME: &str = "vrouter";
/// Family id the agent puts in `nlmsg_type` on DPDK (Unix socket or TCP); replies must echo it.
pub const DPDK_AGENT_FAMILY_ID: u16 = 24;
/// Family id vRouter's command-line utilities use on DPDK (`GENL_ID_VROUTER` = `NLMSG_MIN_TYPE` + 0x10).
pub const DPDK_UTILS_FAMILY_ID: u16 = 0x20;
/// Family id used on Windows (`FAKE_NETLINK_FAMILY`); the driver never checks it.
pub const WINDOWS_FAMILY_ID: u16 = 1;

/// Family id of the generic-netlink controller (`GENL_ID_CTRL`).
pub const GENL_ID_CTRL: u16 = 0x10;
/// Controller command: reply describing a family.
pub const CTRL_CMD_NEWFAMILY: u8 = 1;
/// Controller command: look a family up.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
/// Controller attribute: family id (u16, host order).
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// Controller attribute: family name (NUL-terminated string).
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// `nla_type` bits that are flags, not part of the type (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`).
pub const NLA_TYPE_MASK: u16 = 0x3fff;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn align_rounds_up_to_4() {
        let got: Vec<usize> = (0..9).map(nlmsg_align).collect();
        assert_eq!(got, [0, 4, 4, 4, 4, 8, 8, 8, 8]);
    }

    #[test]
    fn header_sizes() {
        assert_eq!(SANDESH_HDRLEN, 24);
        assert_eq!(MAX_SANDESH_PAYLOAD, 65531);
    }
}
