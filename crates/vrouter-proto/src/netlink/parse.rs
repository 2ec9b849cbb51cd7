//! Parsing of ksync messages in both directions, without copying.
//!
//! Each function looks at the message at the start of the buffer and ignores what follows its
//! `nlmsg_len`, so it serves a datagram, a slice cut by [`StreamReassembler`](super::StreamReassembler),
//! and [`split_frames`] alike. Nothing here allocates or trusts a length field before checking it
//! against the bytes at hand.

use super::constants::{
    GENL_HDRLEN, MAX_FRAME_LEN, NLA_HDRLEN, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN,
    NL_ATTR_VR_MESSAGE_PROTOCOL, SANDESH_REQUEST,
};
use super::error::FrameError;
use super::header::{AttrHeader, GenlHeader, NetlinkHeader};
use super::message::{AttrLenForm, NetlinkErrorMessage, Reply, SandeshMessage};

/// Most pad bytes that may follow a payload inside `nlmsg_len` (`NLMSG_ALIGN` adds at most 3).
const MAX_PAD: usize = 3;

/// Validates the netlink header at the start of `buf` and splits off its message.
///
/// Returns the header, the message's bytes (`nlmsg_len` of them) and the bytes after it.
/// `max_len` is the largest `nlmsg_len` accepted, if a limit applies.
pub fn split_frame(
    buf: &[u8],
    max_len: Option<usize>,
) -> Result<(NetlinkHeader, &[u8], &[u8]), FrameError> {
    let header = NetlinkHeader::peek(buf).ok_or(FrameError::TruncatedHeader {
        available: buf.len(),
    })?;
    let len = header.len as usize;
    if len < NLMSG_HDRLEN {
        return Err(FrameError::LengthBelowHeader {
            nlmsg_len: header.len,
        });
    }
    if let Some(max) = max_len {
        if len > max {
            return Err(FrameError::FrameTooLong {
                nlmsg_len: header.len,
                max,
            });
        }
    }
    if len > buf.len() {
        return Err(FrameError::LengthBeyondBuffer {
            nlmsg_len: header.len,
            available: buf.len(),
        });
    }
    let (frame, rest) = buf.split_at(len);
    Ok((header, frame, rest))
}

/// Iterates over messages placed back to back in `buf`, each `nlmsg_len` bytes long (the DPDK stream
/// layout; kernel and Windows replies are already padded to their `nlmsg_len`). Yields an error and
/// stops at the first bad header.
pub fn split_frames(buf: &[u8]) -> Frames<'_> {
    Frames {
        rest: buf,
        failed: false,
    }
}

/// Iterator returned by [`split_frames`].
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<&'a [u8], FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() || self.failed {
            return None;
        }
        match split_frame(self.rest, None) {
            Ok((_, frame, rest)) => {
                self.rest = rest;
                Some(Ok(frame))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Parses a request as vRouter's kernel module reads it: payload = `nla_len` − 4.
///
/// `nla_len` must be the exact form (4 + payload) and agree with `nlmsg_len` up to 3 pad bytes, so
/// that the DPDK reading (`nlmsg_len` − 24) sees the same payload apart from a tail the decoder
/// skips. `nlmsg_type` is not interpreted: it is whatever family id the client used (DPDK and
/// Windows echo anything, vRouter's utilities even send 0). No length limit is applied; a stream
/// transport applies its own with [`StreamReassembler`](super::StreamReassembler).
pub fn parse_request(buf: &[u8]) -> Result<SandeshMessage<'_>, FrameError> {
    let (header, frame, _) = split_frame(buf, None)?;
    let (genl, attr, room) = sandesh_headers(&header, frame)?;
    let nla_len = usize::from(attr.len);
    let declared = nla_len.checked_sub(NLA_HDRLEN);
    match declared {
        Some(d) if d <= room.len() && room.len() - d <= MAX_PAD => Ok(SandeshMessage {
            header,
            genl,
            attr,
            attr_len_form: AttrLenForm::IncludesHeader,
            payload: &room[..d],
            declared_len: d,
        }),
        _ => Err(FrameError::AttrLenMismatch {
            nla_len: attr.len,
            nlmsg_len: header.len,
        }),
    }
}

/// Parses a message received by a client, with the agent's 4096-byte limit on `nlmsg_len`.
pub fn parse_reply(buf: &[u8]) -> Result<Reply<'_>, FrameError> {
    parse_reply_with_limit(buf, MAX_FRAME_LEN)
}

/// Parses a message received by a client, accepting `nlmsg_len` up to `max_len`.
///
/// `NLMSG_DONE` and `NLMSG_ERROR` are recognised by type; any other type is taken for a sandesh
/// message (whether it equals the family id is for the session to judge: Windows' family id 1 is
/// also `NLMSG_NOOP`, and vRouter's utilities use 0). Sandesh messages must carry genl command 1
/// and attribute type 1, as the agent asserts.
///
/// The payload is read as the agent reads it, `nlmsg_len` − 24 bytes. `nla_len` is accepted in
/// both forms, vRouter's header-less one (every engine sends that) and the standard one, whichever
/// fits the room `nlmsg_len` leaves with at most 3 pad bytes: the two ranges cannot overlap, so the
/// declared payload length is never ambiguous.
pub fn parse_reply_with_limit(buf: &[u8], max_len: usize) -> Result<Reply<'_>, FrameError> {
    let (header, frame, _) = split_frame(buf, Some(max_len))?;
    match header.msg_type {
        NLMSG_DONE => Ok(Reply::Done(header)),
        NLMSG_ERROR => parse_error(header, frame).map(Reply::Error),
        _ => parse_reply_data(header, frame).map(Reply::Sandesh),
    }
}

fn parse_reply_data(header: NetlinkHeader, frame: &[u8]) -> Result<SandeshMessage<'_>, FrameError> {
    let (genl, attr, room) = sandesh_headers(&header, frame)?;
    let nla_len = usize::from(attr.len);
    let fits = |declared: usize| declared <= room.len() && room.len() - declared <= MAX_PAD;
    let (form, declared_len) = if fits(nla_len) {
        (AttrLenForm::ExcludesHeader, nla_len)
    } else if nla_len >= NLA_HDRLEN && fits(nla_len - NLA_HDRLEN) {
        (AttrLenForm::IncludesHeader, nla_len - NLA_HDRLEN)
    } else {
        return Err(FrameError::AttrLenMismatch {
            nla_len: attr.len,
            nlmsg_len: header.len,
        });
    };
    Ok(SandeshMessage {
        header,
        genl,
        attr,
        attr_len_form: form,
        payload: room,
        declared_len,
    })
}

/// Checks the generic-netlink and attribute headers of a sandesh message; returns them and the
/// bytes after them (payload plus any pad).
fn sandesh_headers<'a>(
    header: &NetlinkHeader,
    frame: &'a [u8],
) -> Result<(GenlHeader, AttrHeader, &'a [u8]), FrameError> {
    let short = FrameError::DataMessageTooShort {
        nlmsg_len: header.len,
    };
    let body = frame.get(NLMSG_HDRLEN..).ok_or(short)?;
    let (genl_bytes, body) = body.split_first_chunk::<GENL_HDRLEN>().ok_or(short)?;
    let (attr_bytes, room) = body.split_first_chunk::<NLA_HDRLEN>().ok_or(short)?;
    let genl = GenlHeader::from_bytes(genl_bytes);
    let attr = AttrHeader::from_bytes(attr_bytes);
    if genl.cmd != SANDESH_REQUEST {
        return Err(FrameError::UnexpectedGenlCommand {
            cmd: genl.cmd,
            expected: SANDESH_REQUEST,
        });
    }
    if attr.attr_type != NL_ATTR_VR_MESSAGE_PROTOCOL {
        return Err(FrameError::UnexpectedAttrType {
            nla_type: attr.attr_type,
            expected: NL_ATTR_VR_MESSAGE_PROTOCOL,
        });
    }
    Ok((genl, attr, room))
}

/// Parses the body of an `NLMSG_ERROR`: an i32 error code, then (usually) the failed request's header.
pub(crate) fn parse_error(
    header: NetlinkHeader,
    frame: &[u8],
) -> Result<NetlinkErrorMessage, FrameError> {
    let body = frame.get(NLMSG_HDRLEN..).unwrap_or_default();
    let (code, rest) = body
        .split_first_chunk::<4>()
        .ok_or(FrameError::ErrorMessageTooShort {
            nlmsg_len: header.len,
        })?;
    Ok(NetlinkErrorMessage {
        header,
        error: i32::from_le_bytes(*code),
        request: NetlinkHeader::peek(rest),
    })
}
