//! The three fixed headers in front of a ksync payload, read and written little-endian.
//!
//! Netlink header fields are in the host's byte order. Every platform vRouter runs on is
//! little-endian (x86_64, arm64), and a simulator speaking for such a host must produce the same
//! bytes wherever it runs, so this module always uses little-endian explicitly.

use super::constants::{GENL_HDRLEN, NLA_HDRLEN, NLMSG_HDRLEN};

/// `struct nlmsghdr`, the 16 bytes starting every netlink message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NetlinkHeader {
    /// `nlmsg_len`: bytes of the whole message, this header included.
    pub len: u32,
    /// `nlmsg_type`: the generic-netlink family id, or a control type such as `NLMSG_DONE`.
    pub msg_type: u16,
    /// `nlmsg_flags`: `NLM_F_REQUEST` on requests, 0 or `NLM_F_MULTI` on replies.
    pub flags: u16,
    /// `nlmsg_seq`: chosen by the client, echoed in every reply message.
    pub seq: u32,
    /// `nlmsg_pid`: the sender's port id (see [`Dialect::reply_pid`](super::Dialect::reply_pid)).
    pub pid: u32,
}

impl NetlinkHeader {
    /// Decodes the header from its 16 bytes.
    pub fn from_bytes(bytes: &[u8; NLMSG_HDRLEN]) -> Self {
        let [l0, l1, l2, l3, t0, t1, f0, f1, s0, s1, s2, s3, p0, p1, p2, p3] = *bytes;
        NetlinkHeader {
            len: u32::from_le_bytes([l0, l1, l2, l3]),
            msg_type: u16::from_le_bytes([t0, t1]),
            flags: u16::from_le_bytes([f0, f1]),
            seq: u32::from_le_bytes([s0, s1, s2, s3]),
            pid: u32::from_le_bytes([p0, p1, p2, p3]),
        }
    }

    /// Decodes the header at the start of `buf`, or `None` if `buf` holds fewer than 16 bytes.
    pub fn peek(buf: &[u8]) -> Option<Self> {
        buf.first_chunk::<NLMSG_HDRLEN>().map(Self::from_bytes)
    }

    /// Encodes the header into its 16 bytes.
    pub fn to_bytes(&self) -> [u8; NLMSG_HDRLEN] {
        let mut b = [0u8; NLMSG_HDRLEN];
        b[0..4].copy_from_slice(&self.len.to_le_bytes());
        b[4..6].copy_from_slice(&self.msg_type.to_le_bytes());
        b[6..8].copy_from_slice(&self.flags.to_le_bytes());
        b[8..12].copy_from_slice(&self.seq.to_le_bytes());
        b[12..16].copy_from_slice(&self.pid.to_le_bytes());
        b
    }

    /// Whether `flag` (e.g. `NLM_F_MULTI`) is set.
    pub fn has_flag(&self, flag: u16) -> bool {
        self.flags & flag == flag
    }
}

/// `struct genlmsghdr`, the 4 bytes after the netlink header of a generic-netlink message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GenlHeader {
    /// Command: `SANDESH_REQUEST` (1) in both directions for ksync.
    pub cmd: u8,
    /// Version: clients send 0 (the family registers 1, nobody checks).
    pub version: u8,
    /// Reserved, 0.
    pub reserved: u16,
}

impl GenlHeader {
    /// Decodes the header from its 4 bytes.
    pub fn from_bytes(bytes: &[u8; GENL_HDRLEN]) -> Self {
        GenlHeader {
            cmd: bytes[0],
            version: bytes[1],
            reserved: u16::from_le_bytes([bytes[2], bytes[3]]),
        }
    }

    /// Encodes the header into its 4 bytes.
    pub fn to_bytes(&self) -> [u8; GENL_HDRLEN] {
        let [r0, r1] = self.reserved.to_le_bytes();
        [self.cmd, self.version, r0, r1]
    }
}

/// `struct nlattr`, the 4-byte header of a netlink attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AttrHeader {
    /// `nla_len`: normally header + value; vRouter's replies put the value length alone here.
    pub len: u16,
    /// `nla_type`, flag bits included.
    pub attr_type: u16,
}

impl AttrHeader {
    /// Decodes the header from its 4 bytes.
    pub fn from_bytes(bytes: &[u8; NLA_HDRLEN]) -> Self {
        AttrHeader {
            len: u16::from_le_bytes([bytes[0], bytes[1]]),
            attr_type: u16::from_le_bytes([bytes[2], bytes[3]]),
        }
    }

    /// Encodes the header into its 4 bytes.
    pub fn to_bytes(&self) -> [u8; NLA_HDRLEN] {
        let [l0, l1] = self.len.to_le_bytes();
        let [t0, t1] = self.attr_type.to_le_bytes();
        [l0, l1, t0, t1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netlink_header_is_little_endian_and_round_trips() {
        let h = NetlinkHeader {
            len: 0x0102_0304,
            msg_type: 0x0506,
            flags: 0x0708,
            seq: 0x090a_0b0c,
            pid: 0x0d0e_0f10,
        };
        let b = h.to_bytes();
        assert_eq!(
            b,
            [4, 3, 2, 1, 6, 5, 8, 7, 0xc, 0xb, 0xa, 9, 0x10, 0xf, 0xe, 0xd]
        );
        assert_eq!(NetlinkHeader::from_bytes(&b), h);
        assert_eq!(NetlinkHeader::peek(&b[..15]), None);
        assert_eq!(NetlinkHeader::peek(&b), Some(h));
    }

    #[test]
    fn genl_and_attr_headers_round_trip() {
        let g = GenlHeader {
            cmd: 1,
            version: 2,
            reserved: 0x0304,
        };
        assert_eq!(g.to_bytes(), [1, 2, 4, 3]);
        assert_eq!(GenlHeader::from_bytes(&g.to_bytes()), g);
        let a = AttrHeader {
            len: 0x0135,
            attr_type: 1,
        };
        assert_eq!(a.to_bytes(), [0x35, 1, 1, 0]);
        assert_eq!(AttrHeader::from_bytes(&a.to_bytes()), a);
    }

    #[test]
    fn has_flag() {
        let h = NetlinkHeader {
            flags: 0x3,
            ..Default::default()
        };
        assert!(h.has_flag(0x2) && h.has_flag(0x1) && !h.has_flag(0x4));
    }
}
