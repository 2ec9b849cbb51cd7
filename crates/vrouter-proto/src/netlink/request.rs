//! Framing of client requests: one sandesh payload (one or several concatenated sandeshes) into one
//! netlink message.
//!
//! The layout is the one vRouter's utilities and the agent send, and the only one all three engines
//! read alike: the kernel and Windows take the payload length from `nla_len` − 4, DPDK from
//! `nlmsg_len` − 24. So both lengths are exact and the message is never padded; a pad byte would be
//! fed by DPDK to the sandesh decoder as the start of another sandesh.

use super::constants::{
    MAX_SANDESH_PAYLOAD, NLA_HDRLEN, NLM_F_REQUEST, NL_ATTR_VR_MESSAGE_PROTOCOL, SANDESH_HDRLEN,
    SANDESH_REQUEST,
};
use super::error::FrameError;
use super::header::{AttrHeader, GenlHeader, NetlinkHeader};

/// The header fields a client chooses for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RequestHeader {
    /// `nlmsg_type`: the family id: [`Dialect::conventional_family_id`](super::Dialect::conventional_family_id),
    /// or on the kernel the id looked up with [`write_get_family`](super::write_get_family).
    pub family_id: u16,
    /// `nlmsg_seq`: echoed by vRouter in every reply message.
    pub seq: u32,
    /// `nlmsg_pid`: the agent sends its process id, the utilities 0.
    pub pid: u32,
}

/// Appends one request message carrying `payload` to `out` (existing contents are kept, so one
/// buffer can collect many frames). Returns the frame's length.
///
/// The frame is `24 + payload.len()` bytes: nlmsghdr (flags `NLM_F_REQUEST`), genlmsghdr
/// (cmd `SANDESH_REQUEST`, version 0), nlattr (`nla_len` = 4 + payload, type 1), payload.
pub fn write_request(
    out: &mut Vec<u8>,
    header: &RequestHeader,
    payload: &[u8],
) -> Result<usize, FrameError> {
    check_payload_len(payload.len())?;
    out.reserve(SANDESH_HDRLEN + payload.len());
    let start = begin_request(out, header);
    out.extend_from_slice(payload);
    finish_request(out, start)
}

/// A request whose headers are in the buffer and whose payload the caller is appending.
///
/// Returned by [`begin_request`]; hand it to [`finish_request`] once the payload is written.
#[derive(Debug)]
#[must_use = "a started request must be finished with finish_request"]
pub struct PendingRequest {
    start: usize,
}

impl PendingRequest {
    /// Offset in the buffer where the frame starts.
    pub fn start(&self) -> usize {
        self.start
    }
}

/// Appends the 24 header bytes of a request to `out`, lengths left at 0, so that the caller can
/// encode the sandesh payload straight into `out` behind them (no intermediate buffer).
pub fn begin_request(out: &mut Vec<u8>, header: &RequestHeader) -> PendingRequest {
    let start = out.len();
    let nl = NetlinkHeader {
        len: 0,
        msg_type: header.family_id,
        flags: NLM_F_REQUEST,
        seq: header.seq,
        pid: header.pid,
    };
    let genl = GenlHeader {
        cmd: SANDESH_REQUEST,
        version: 0,
        reserved: 0,
    };
    let attr = AttrHeader {
        len: 0,
        attr_type: NL_ATTR_VR_MESSAGE_PROTOCOL,
    };
    out.extend_from_slice(&nl.to_bytes());
    out.extend_from_slice(&genl.to_bytes());
    out.extend_from_slice(&attr.to_bytes());
    PendingRequest { start }
}

/// Completes a request started with [`begin_request`]: everything appended to `out` since then is
/// the payload. Fills in `nlmsg_len` and `nla_len` and returns the frame's length.
///
/// If the payload is too large for one message, `out` is truncated back to where the frame started
/// and [`FrameError::PayloadTooLarge`] is returned.
pub fn finish_request(out: &mut Vec<u8>, pending: PendingRequest) -> Result<usize, FrameError> {
    let start = pending.start;
    let frame_len = out.len().saturating_sub(start);
    let payload_len = frame_len.saturating_sub(SANDESH_HDRLEN);
    if frame_len < SANDESH_HDRLEN {
        // The caller truncated the buffer into the headers: nothing sensible to finish.
        out.truncate(start);
        return Err(FrameError::DataMessageTooShort {
            nlmsg_len: frame_len as u32,
        });
    }
    if let Err(e) = check_payload_len(payload_len) {
        out.truncate(start);
        return Err(e);
    }
    // Both casts are lossless: payload_len <= MAX_SANDESH_PAYLOAD.
    out[start..start + 4].copy_from_slice(&(frame_len as u32).to_le_bytes());
    let nla_len = (NLA_HDRLEN + payload_len) as u16;
    out[start + 20..start + 22].copy_from_slice(&nla_len.to_le_bytes());
    Ok(frame_len)
}

fn check_payload_len(len: usize) -> Result<(), FrameError> {
    if len > MAX_SANDESH_PAYLOAD {
        return Err(FrameError::PayloadTooLarge {
            len,
            max: MAX_SANDESH_PAYLOAD,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HDR: RequestHeader = RequestHeader {
        family_id: 0x20,
        seq: 3,
        pid: 0,
    };

    #[test]
    fn payload_encoded_in_place_equals_write_request() {
        let payload = b"\x00\x00\x00\x0bvr_response\x00";
        let mut direct = Vec::new();
        write_request(&mut direct, &HDR, payload).unwrap();

        let mut in_place = vec![9, 9];
        let pending = begin_request(&mut in_place, &HDR);
        assert_eq!(pending.start(), 2);
        in_place.extend_from_slice(payload);
        assert_eq!(
            finish_request(&mut in_place, pending),
            Ok(24 + payload.len())
        );
        assert_eq!(&in_place[2..], &direct[..]);
    }

    #[test]
    fn empty_payload_is_24_bytes() {
        let mut out = Vec::new();
        assert_eq!(write_request(&mut out, &HDR, &[]), Ok(24));
        assert_eq!(&out[..4], &[24, 0, 0, 0]);
        assert_eq!(&out[20..24], &[4, 0, 1, 0]);
    }

    #[test]
    fn oversized_in_place_payload_is_rolled_back() {
        let mut out = vec![1];
        let pending = begin_request(&mut out, &HDR);
        out.resize(out.len() + MAX_SANDESH_PAYLOAD + 1, 0);
        assert_eq!(
            finish_request(&mut out, pending),
            Err(FrameError::PayloadTooLarge {
                len: MAX_SANDESH_PAYLOAD + 1,
                max: MAX_SANDESH_PAYLOAD
            })
        );
        assert_eq!(out, [1]);
    }

    #[test]
    fn buffer_truncated_into_the_headers_is_refused() {
        let mut out = Vec::new();
        let pending = begin_request(&mut out, &HDR);
        out.truncate(10);
        assert_eq!(
            finish_request(&mut out, pending),
            Err(FrameError::DataMessageTooShort { nlmsg_len: 10 })
        );
        assert!(out.is_empty());
    }
}
