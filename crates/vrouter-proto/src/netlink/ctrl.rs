//! Generic-netlink controller messages: looking up the kernel module's family id by name.
//!
//! The kernel module's family ("vrouter") gets its id when it registers, so a client asks the
//! controller (`GENL_ID_CTRL`) with `CTRL_CMD_GETFAMILY` and reads `CTRL_ATTR_FAMILY_ID` from the
//! `CTRL_CMD_NEWFAMILY` answer. DPDK and Windows need no lookup (see [`Dialect`](super::Dialect)).

use std::fmt;

use super::attrs::attributes;
use super::constants::{
    nlmsg_align, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_CMD_GETFAMILY,
    CTRL_CMD_NEWFAMILY, GENL_HDRLEN, GENL_ID_CTRL, NLA_HDRLEN, NLMSG_ERROR, NLMSG_HDRLEN,
    NLM_F_REQUEST,
};
use super::error::FrameError;
use super::header::{AttrHeader, GenlHeader, NetlinkHeader};
use super::parse::{parse_error, split_frame};

/// Longest family name the kernel accepts (`GENL_NAMSIZ` − 1).
pub const GENL_MAX_FAMILY_NAME: usize = 15;

/// Appends a `CTRL_CMD_GETFAMILY` request for family `name` to `out`; returns the frame's length.
///
/// The name travels as `CTRL_ATTR_FAMILY_NAME` with its NUL, `nla_len` counting name + NUL, zero
/// padding to 4 bytes (counted in `nlmsg_len`). The kernel refuses names over 15 bytes with an
/// `NLMSG_ERROR`; longer names are still encoded so that the caller sees the kernel's answer.
pub fn write_get_family(
    out: &mut Vec<u8>,
    seq: u32,
    pid: u32,
    name: &str,
) -> Result<usize, FrameError> {
    let value_len = name.len() + 1;
    let nla_len = NLA_HDRLEN + value_len;
    let frame_len = NLMSG_HDRLEN + GENL_HDRLEN + nlmsg_align(nla_len);
    if nla_len > usize::from(u16::MAX) {
        return Err(FrameError::PayloadTooLarge {
            len: value_len,
            max: usize::from(u16::MAX) - NLA_HDRLEN,
        });
    }
    let nl = NetlinkHeader {
        len: frame_len as u32,
        msg_type: GENL_ID_CTRL,
        flags: NLM_F_REQUEST,
        seq,
        pid,
    };
    let genl = GenlHeader {
        cmd: CTRL_CMD_GETFAMILY,
        version: 0,
        reserved: 0,
    };
    let attr = AttrHeader {
        len: nla_len as u16,
        attr_type: CTRL_ATTR_FAMILY_NAME,
    };
    out.reserve(frame_len);
    out.extend_from_slice(&nl.to_bytes());
    out.extend_from_slice(&genl.to_bytes());
    out.extend_from_slice(&attr.to_bytes());
    out.extend_from_slice(name.as_bytes());
    // NUL terminator plus alignment padding.
    let zeros = frame_len - NLMSG_HDRLEN - GENL_HDRLEN - NLA_HDRLEN - name.len();
    out.extend_from_slice(&[0u8; 4][..zeros]);
    Ok(frame_len)
}

/// What a `CTRL_CMD_NEWFAMILY` reply says about a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenlFamily<'a> {
    /// `CTRL_ATTR_FAMILY_ID`: the value to put in `nlmsg_type` of ksync requests.
    pub id: u16,
    /// `CTRL_ATTR_FAMILY_NAME` without its NUL, if present.
    pub name: Option<&'a [u8]>,
}

/// Parses the controller's answer to [`write_get_family`].
///
/// An `NLMSG_ERROR` (e.g. `ENOENT`: the module is not loaded) comes back as
/// [`FamilyLookupError::Netlink`] with its errno.
pub fn parse_family_reply(buf: &[u8]) -> Result<GenlFamily<'_>, FamilyLookupError> {
    let (header, frame, _) = split_frame(buf, None)?;
    if header.msg_type == NLMSG_ERROR {
        let err = parse_error(header, frame)?;
        return Err(FamilyLookupError::Netlink { errno: err.errno() });
    }
    if header.msg_type != GENL_ID_CTRL {
        return Err(FamilyLookupError::UnexpectedMessageType {
            msg_type: header.msg_type,
        });
    }
    let body = frame.get(NLMSG_HDRLEN..).unwrap_or_default();
    let (genl, area) =
        body.split_first_chunk::<GENL_HDRLEN>()
            .ok_or(FrameError::DataMessageTooShort {
                nlmsg_len: header.len,
            })?;
    let genl = GenlHeader::from_bytes(genl);
    if genl.cmd != CTRL_CMD_NEWFAMILY {
        return Err(FrameError::UnexpectedGenlCommand {
            cmd: genl.cmd,
            expected: CTRL_CMD_NEWFAMILY,
        }
        .into());
    }
    let mut id = None;
    let mut name = None;
    for attr in attributes(area) {
        let attr = attr?;
        match attr.attr_type {
            CTRL_ATTR_FAMILY_ID => {
                let bytes: [u8; 2] =
                    attr.value
                        .try_into()
                        .map_err(|_| FamilyLookupError::BadFamilyIdLength {
                            len: attr.value.len(),
                        })?;
                id = Some(u16::from_le_bytes(bytes));
            }
            CTRL_ATTR_FAMILY_NAME => {
                let end = attr
                    .value
                    .iter()
                    .position(|&b| b == 0)
                    .unwrap_or(attr.value.len());
                name = Some(&attr.value[..end]);
            }
            _ => {}
        }
    }
    let id = id.ok_or(FamilyLookupError::MissingFamilyId)?;
    Ok(GenlFamily { id, name })
}

/// Why a family lookup answer could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FamilyLookupError {
    /// The message itself is malformed.
    Frame(FrameError),
    /// The kernel answered with `NLMSG_ERROR` (positive errno, e.g. 2 = `ENOENT`, no such family).
    Netlink {
        /// The errno, positive.
        errno: i32,
    },
    /// The message is neither from the controller nor an error.
    UnexpectedMessageType {
        /// The `nlmsg_type` found.
        msg_type: u16,
    },
    /// The answer has no `CTRL_ATTR_FAMILY_ID`.
    MissingFamilyId,
    /// `CTRL_ATTR_FAMILY_ID` is not 2 bytes long.
    BadFamilyIdLength {
        /// Its value length.
        len: usize,
    },
}

impl From<FrameError> for FamilyLookupError {
    fn from(e: FrameError) -> Self {
        FamilyLookupError::Frame(e)
    }
}

impl fmt::Display for FamilyLookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FamilyLookupError::Frame(e) => write!(f, "generic-netlink family lookup: {e}"),
            FamilyLookupError::Netlink { errno } => {
                write!(f, "generic-netlink family lookup failed: kernel returned errno {errno}")
            }
            FamilyLookupError::UnexpectedMessageType { msg_type } => write!(
                f,
                "generic-netlink family lookup: unexpected nlmsg_type {msg_type} (expected {GENL_ID_CTRL})"
            ),
            FamilyLookupError::MissingFamilyId => {
                write!(f, "generic-netlink family lookup: reply carries no CTRL_ATTR_FAMILY_ID")
            }
            FamilyLookupError::BadFamilyIdLength { len } => write!(
                f,
                "generic-netlink family lookup: CTRL_ATTR_FAMILY_ID has {len} bytes, expected 2"
            ),
        }
    }
}

impl std::error::Error for FamilyLookupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FamilyLookupError::Frame(e) => Some(e),
            _ => None,
        }
    }
}
