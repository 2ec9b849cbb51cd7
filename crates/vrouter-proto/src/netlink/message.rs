//! Parsed netlink messages: borrowed views over the received bytes.

use super::constants::NLM_F_MULTI;
use super::header::{AttrHeader, GenlHeader, NetlinkHeader};

/// How a message's `nla_len` relates to its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrLenForm {
    /// The netlink rule: `nla_len` = 4 + payload length (what clients send).
    IncludesHeader,
    /// vRouter's reply quirk: `nla_len` = payload length, its own 4 bytes not counted.
    ExcludesHeader,
}

/// A ksync message: netlink header, generic-netlink header, the sandesh attribute, and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandeshMessage<'a> {
    /// The netlink header.
    pub header: NetlinkHeader,
    /// The generic-netlink header (`cmd` is always `SANDESH_REQUEST` here).
    pub genl: GenlHeader,
    /// The attribute header as received.
    pub attr: AttrHeader,
    /// Which reading of `nla_len` fitted the message.
    pub attr_len_form: AttrLenForm,
    /// The payload as the receiving side takes it, ready for the sandesh decoder.
    ///
    /// Requests (read as the kernel module does): exactly the attribute's payload.
    /// Replies (read as the agent does): everything after the 24 header bytes up to `nlmsg_len`,
    /// which may end in up to 3 pad bytes on kernel and Windows; the sandesh decoder ignores a tail
    /// shorter than 4 bytes. [`declared_payload`](Self::declared_payload) trims it to the attribute.
    pub payload: &'a [u8],
    /// Payload length declared by the attribute (after resolving [`attr_len_form`](Self::attr_len_form));
    /// never more than `payload.len()`.
    pub declared_len: usize,
}

impl<'a> SandeshMessage<'a> {
    /// The payload cut to the attribute's declared length (pad bytes dropped).
    pub fn declared_payload(&self) -> &'a [u8] {
        self.payload
            .get(..self.declared_len)
            .unwrap_or(self.payload)
    }

    /// Whether `NLM_F_MULTI` is set.
    pub fn is_multi(&self) -> bool {
        self.header.has_flag(NLM_F_MULTI)
    }
}

/// An `NLMSG_ERROR` message: sent by the Linux netlink layer itself (never by vRouter's handlers),
/// e.g. when the caller lacks `CAP_NET_ADMIN` or the family does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetlinkErrorMessage {
    /// The netlink header of the error message.
    pub header: NetlinkHeader,
    /// The error field as sent: `-errno`, or 0 for an acknowledgement.
    pub error: i32,
    /// The header of the request that failed, when the message carries it.
    pub request: Option<NetlinkHeader>,
}

impl NetlinkErrorMessage {
    /// The positive errno (e.g. 1 for `EPERM`), 0 for an acknowledgement.
    pub fn errno(&self) -> i32 {
        self.error.saturating_neg()
    }

    /// Whether this is an acknowledgement (error 0) rather than a failure.
    pub fn is_ack(&self) -> bool {
        self.error == 0
    }
}

/// A message received by a ksync client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// A message carrying response sandeshes.
    Sandesh(SandeshMessage<'a>),
    /// `NLMSG_DONE`: the end of a multi-message reply (kernel, Windows).
    Done(NetlinkHeader),
    /// `NLMSG_ERROR` from the netlink layer.
    Error(NetlinkErrorMessage),
}

impl Reply<'_> {
    /// The message's netlink header.
    pub fn header(&self) -> &NetlinkHeader {
        match self {
            Reply::Sandesh(m) => &m.header,
            Reply::Done(h) => h,
            Reply::Error(e) => &e.header,
        }
    }

    /// Whether `NLM_F_MULTI` is set: more messages follow for the same request.
    pub fn is_multi(&self) -> bool {
        self.header().has_flag(NLM_F_MULTI)
    }
}
