//! Everything that can be wrong with a netlink frame, as one typed error.

use std::fmt;

/// Why a netlink frame was refused (parsing) or could not be built (encoding).
///
/// Lengths are reported as found on the wire so that a log line shows the offending bytes' meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer than 16 bytes: not even a netlink header.
    TruncatedHeader {
        /// Bytes at hand.
        available: usize,
    },
    /// `nlmsg_len` is smaller than the 16-byte header it is part of.
    LengthBelowHeader {
        /// The declared length.
        nlmsg_len: u32,
    },
    /// `nlmsg_len` runs past the bytes at hand (a datagram or buffer cut short).
    LengthBeyondBuffer {
        /// The declared length.
        nlmsg_len: u32,
        /// Bytes at hand.
        available: usize,
    },
    /// `nlmsg_len` is over the limit that applies (4096 for agent-side replies and streams by default).
    FrameTooLong {
        /// The declared length.
        nlmsg_len: u32,
        /// The limit in force.
        max: usize,
    },
    /// A sandesh-carrying message shorter than its 24 bytes of headers.
    DataMessageTooShort {
        /// The declared length.
        nlmsg_len: u32,
    },
    /// The generic-netlink command is not the one this message must carry.
    UnexpectedGenlCommand {
        /// Command found.
        cmd: u8,
        /// Command required.
        expected: u8,
    },
    /// The attribute is not the sandesh attribute (`NL_ATTR_VR_MESSAGE_PROTOCOL`).
    UnexpectedAttrType {
        /// Type found.
        nla_type: u16,
        /// Type required.
        expected: u16,
    },
    /// `nla_len` fits neither the exact form (header + payload) nor, for replies, vRouter's
    /// header-less form, given the payload room `nlmsg_len` leaves (up to 3 pad bytes tolerated).
    AttrLenMismatch {
        /// The attribute's declared length.
        nla_len: u16,
        /// The message's declared length.
        nlmsg_len: u32,
    },
    /// An `NLMSG_ERROR` message too short to hold its error code.
    ErrorMessageTooShort {
        /// The declared length.
        nlmsg_len: u32,
    },
    /// A netlink attribute (in a controller message) whose length is below its header or runs past
    /// the message.
    MalformedAttribute {
        /// Offset of the attribute from the start of the attribute area.
        offset: usize,
        /// Its declared `nla_len`.
        nla_len: u16,
    },
    /// A payload too large for one netlink message (`nla_len` is 16 bits).
    PayloadTooLarge {
        /// Payload length asked for.
        len: usize,
        /// Largest payload that can be framed.
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::TruncatedHeader { available } => {
                write!(f, "netlink frame truncated: {available} bytes, a netlink header needs 16")
            }
            FrameError::LengthBelowHeader { nlmsg_len } => {
                write!(f, "invalid netlink frame: nlmsg_len {nlmsg_len} is below the 16-byte header")
            }
            FrameError::LengthBeyondBuffer { nlmsg_len, available } => write!(
                f,
                "netlink frame truncated: nlmsg_len {nlmsg_len} but only {available} bytes available"
            ),
            FrameError::FrameTooLong { nlmsg_len, max } => {
                write!(f, "netlink frame too long: nlmsg_len {nlmsg_len} exceeds the {max}-byte limit")
            }
            FrameError::DataMessageTooShort { nlmsg_len } => write!(
                f,
                "invalid ksync message: nlmsg_len {nlmsg_len} is below the 24 bytes of netlink, \
                 generic-netlink and attribute headers"
            ),
            FrameError::UnexpectedGenlCommand { cmd, expected } => {
                write!(f, "unexpected generic-netlink command {cmd} (expected {expected})")
            }
            FrameError::UnexpectedAttrType { nla_type, expected } => {
                write!(f, "unexpected netlink attribute type {nla_type} (expected {expected})")
            }
            FrameError::AttrLenMismatch { nla_len, nlmsg_len } => write!(
                f,
                "inconsistent ksync message: nla_len {nla_len} does not match nlmsg_len {nlmsg_len}"
            ),
            FrameError::ErrorMessageTooShort { nlmsg_len } => write!(
                f,
                "invalid NLMSG_ERROR message: nlmsg_len {nlmsg_len} leaves no room for the 4-byte error code"
            ),
            FrameError::MalformedAttribute { offset, nla_len } => write!(
                f,
                "malformed netlink attribute at offset {offset}: nla_len {nla_len} is below 4 or runs past the message"
            ),
            FrameError::PayloadTooLarge { len, max } => write!(
                f,
                "sandesh payload of {len} bytes does not fit one netlink message (at most {max})"
            ),
        }
    }
}

impl std::error::Error for FrameError {}
