//! Framing of vRouter's replies, for the simulator (server side), in each dialect.
//!
//! vRouter turns every response buffer queued while handling one request message into one netlink
//! message. What it puts around them differs per engine (see [`Dialect`]); what is common is the
//! `nla_len` quirk: all three write the payload length alone, without the attribute's own 4-byte
//! header. Clients that follow the agent ignore `nla_len`; vRouter's utilities rely on the quirk to
//! get the exact payload length, so a faithful simulator reproduces it.

use super::constants::{
    nlmsg_align, MAX_SANDESH_PAYLOAD, NLMSG_DONE, NLMSG_HDRLEN, NLM_F_MULTI,
    NL_ATTR_VR_MESSAGE_PROTOCOL, SANDESH_HDRLEN, SANDESH_REQUEST,
};
use super::dialect::Dialect;
use super::error::FrameError;
use super::header::{AttrHeader, GenlHeader, NetlinkHeader};
use super::message::SandeshMessage;

/// One message of a reply, before encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyFrame<'a> {
    /// A message carrying one response buffer.
    Data {
        /// The response buffer: one or more concatenated sandeshes.
        payload: &'a [u8],
        /// Whether `NLM_F_MULTI` is set (more messages follow for this request).
        multi: bool,
    },
    /// The `NLMSG_DONE` closing a multi-message reply (kernel and Windows).
    Done,
}

/// Encodes the reply messages to one request message, in one dialect.
///
/// Built from the request's header: the reply echoes its `nlmsg_type` and `nlmsg_seq`, and sets
/// `nlmsg_pid` as the dialect does. vRouter also copies the request's genl header; clients send
/// `cmd 1, version 0`, which is what [`new`](Self::new) writes, and [`for_request`](Self::for_request)
/// copies whatever the parsed request carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyWriter {
    dialect: Dialect,
    msg_type: u16,
    seq: u32,
    pid: u32,
    genl: GenlHeader,
}

const CLIENT_GENL: GenlHeader = GenlHeader {
    cmd: SANDESH_REQUEST,
    version: 0,
    reserved: 0,
};

impl ReplyWriter {
    /// A writer answering the request whose header is `request`.
    pub fn new(dialect: Dialect, request: &NetlinkHeader) -> Self {
        ReplyWriter {
            dialect,
            msg_type: request.msg_type,
            seq: request.seq,
            pid: dialect.reply_pid(request.pid),
            genl: CLIENT_GENL,
        }
    }

    /// A writer answering a parsed request, echoing its genl header too.
    pub fn for_request(dialect: Dialect, request: &SandeshMessage<'_>) -> Self {
        ReplyWriter {
            genl: request.genl,
            ..Self::new(dialect, &request.header)
        }
    }

    /// A writer with every header field given explicitly (`pid` is written as is).
    pub fn with_fields(dialect: Dialect, msg_type: u16, seq: u32, pid: u32) -> Self {
        ReplyWriter {
            dialect,
            msg_type,
            seq,
            pid,
            genl: CLIENT_GENL,
        }
    }

    /// The dialect this writer frames for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The messages that answer a request with these response buffers, in order.
    ///
    /// One buffer: one message with flags 0, in every dialect. Several: kernel and Windows set
    /// `NLM_F_MULTI` on all of them and add `NLMSG_DONE`; DPDK sets it on all but the last. No buffer
    /// (a message vRouter does not answer): no message.
    pub fn frames<'p, P: AsRef<[u8]>>(&self, payloads: &'p [P]) -> ReplyFrames<'p, P> {
        ReplyFrames {
            payloads,
            next: 0,
            dialect: self.dialect,
            done_sent: false,
        }
    }

    /// Appends the encoding of one message to `out` and returns its length.
    pub fn write_frame(
        &self,
        out: &mut Vec<u8>,
        frame: ReplyFrame<'_>,
    ) -> Result<usize, FrameError> {
        match frame {
            ReplyFrame::Data { payload, multi } => self.write_data(out, payload, multi),
            ReplyFrame::Done => Ok(self.write_done(out)),
        }
    }

    /// Appends every message answering a request with `payloads` (see [`frames`](Self::frames)) to
    /// `out`, back to back, and returns how many messages were written. On error nothing is appended.
    pub fn write_response<P: AsRef<[u8]>>(
        &self,
        out: &mut Vec<u8>,
        payloads: &[P],
    ) -> Result<usize, FrameError> {
        if let Some(p) = payloads
            .iter()
            .find(|p| p.as_ref().len() > MAX_SANDESH_PAYLOAD)
        {
            return Err(FrameError::PayloadTooLarge {
                len: p.as_ref().len(),
                max: MAX_SANDESH_PAYLOAD,
            });
        }
        let mut count = 0;
        for frame in self.frames(payloads) {
            self.write_frame(out, frame)?;
            count += 1;
        }
        Ok(count)
    }

    /// Length of the message that carries a payload of `payload_len` bytes in this dialect.
    pub fn data_frame_len(&self, payload_len: usize) -> usize {
        if self.dialect.pads_replies() {
            NLMSG_HDRLEN + nlmsg_align(payload_len + SANDESH_HDRLEN - NLMSG_HDRLEN)
        } else {
            SANDESH_HDRLEN + payload_len
        }
    }

    fn write_data(
        &self,
        out: &mut Vec<u8>,
        payload: &[u8],
        multi: bool,
    ) -> Result<usize, FrameError> {
        if payload.len() > MAX_SANDESH_PAYLOAD {
            return Err(FrameError::PayloadTooLarge {
                len: payload.len(),
                max: MAX_SANDESH_PAYLOAD,
            });
        }
        let frame_len = self.data_frame_len(payload.len());
        let nl = NetlinkHeader {
            len: frame_len as u32,
            msg_type: self.msg_type,
            flags: if multi { NLM_F_MULTI } else { 0 },
            seq: self.seq,
            pid: self.pid,
        };
        let genl = self.genl;
        // The quirk: vRouter's nla_len counts the payload only (see the module docs).
        let attr = AttrHeader {
            len: payload.len() as u16,
            attr_type: NL_ATTR_VR_MESSAGE_PROTOCOL,
        };
        out.reserve(frame_len);
        out.extend_from_slice(&nl.to_bytes());
        out.extend_from_slice(&genl.to_bytes());
        out.extend_from_slice(&attr.to_bytes());
        out.extend_from_slice(payload);
        // Kernel pad bytes are whatever was in the skb; zero is what Windows writes and what tests can pin.
        let pad = frame_len - SANDESH_HDRLEN - payload.len();
        out.extend_from_slice(&[0u8; 3][..pad]);
        Ok(frame_len)
    }

    fn write_done(&self, out: &mut Vec<u8>) -> usize {
        let nl = NetlinkHeader {
            len: NLMSG_HDRLEN as u32,
            msg_type: NLMSG_DONE,
            flags: 0,
            seq: self.seq,
            pid: self.pid,
        };
        out.extend_from_slice(&nl.to_bytes());
        NLMSG_HDRLEN
    }
}

/// Iterator over the messages of one reply; see [`ReplyWriter::frames`].
#[derive(Debug, Clone)]
pub struct ReplyFrames<'p, P> {
    payloads: &'p [P],
    next: usize,
    dialect: Dialect,
    done_sent: bool,
}

impl<'p, P: AsRef<[u8]>> Iterator for ReplyFrames<'p, P> {
    type Item = ReplyFrame<'p>;

    fn next(&mut self) -> Option<ReplyFrame<'p>> {
        let count = self.payloads.len();
        if let Some(payload) = self.payloads.get(self.next) {
            let is_last = self.next + 1 == count;
            self.next += 1;
            let multi = count > 1 && (self.dialect.ends_multi_with_done() || !is_last);
            return Some(ReplyFrame::Data {
                payload: payload.as_ref(),
                multi,
            });
        }
        if count > 1 && self.dialect.ends_multi_with_done() && !self.done_sent {
            self.done_sent = true;
            return Some(ReplyFrame::Done);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(d: Dialect) -> ReplyWriter {
        ReplyWriter::with_fields(d, 24, 1, 0)
    }

    #[test]
    fn no_payload_no_frame() {
        let none: [&[u8]; 0] = [];
        for d in [Dialect::Kernel, Dialect::Dpdk, Dialect::Windows] {
            assert_eq!(writer(d).frames(&none).count(), 0);
        }
    }

    #[test]
    fn done_follows_only_multi_replies() {
        let two = [&b"a"[..], b"b"];
        assert_eq!(
            writer(Dialect::Kernel).frames(&two).last(),
            Some(ReplyFrame::Done)
        );
        assert_eq!(
            writer(Dialect::Dpdk).frames(&two).last(),
            Some(ReplyFrame::Data {
                payload: b"b",
                multi: false
            })
        );
        assert_eq!(
            writer(Dialect::Windows)
                .frames(&two[..1])
                .collect::<Vec<_>>(),
            [ReplyFrame::Data {
                payload: b"a",
                multi: false
            }]
        );
    }

    #[test]
    fn oversized_payload_appends_nothing() {
        let big = vec![0u8; MAX_SANDESH_PAYLOAD + 1];
        let mut out = Vec::new();
        let err = writer(Dialect::Dpdk).write_response(&mut out, &[&b"ok"[..], &big]);
        assert_eq!(
            err,
            Err(FrameError::PayloadTooLarge {
                len: MAX_SANDESH_PAYLOAD + 1,
                max: MAX_SANDESH_PAYLOAD
            })
        );
        assert!(out.is_empty());
    }
}
