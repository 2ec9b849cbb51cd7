//! What a [`KsyncSession`](super::KsyncSession) reports: answers, dump pages and failures.

use std::fmt;

use crate::messages::Message;

use super::error::ProtocolError;

/// Names one request given to [`submit`](super::KsyncSession::submit); unique within a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The id as a number (allocated from 0 upwards).
    pub fn get(self) -> u64 {
        self.0
    }

    /// The id with this number, for bindings that carry ids as plain numbers.
    pub fn from_number(n: u64) -> Self {
        RequestId(n)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request #{}", self.0)
    }
}

/// Names one dump started with [`dump`](super::KsyncSession::dump); unique within a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DumpId(pub(crate) u64);

impl DumpId {
    /// The id as a number (allocated from 0 upwards).
    pub fn get(self) -> u64 {
        self.0
    }

    /// The id with this number, for bindings that carry ids as plain numbers.
    pub fn from_number(n: u64) -> Self {
        DumpId(n)
    }
}

impl fmt::Display for DumpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dump #{}", self.0)
    }
}

/// Something that happened on the session; drained with
/// [`poll_event`](super::KsyncSession::poll_event), in the order it happened.
///
/// Every request ends with exactly one [`Reply`](Event::Reply) or [`Failed`](Event::Failed); every
/// dump reports pages and ends with a [`DumpPage`](Event::DumpPage) whose `more` is false or with a
/// [`DumpFailed`](Event::DumpFailed). A request or dump that was cancelled reports nothing more.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// vRouter answered a request.
    Reply {
        /// The request.
        id: RequestId,
        /// `vr_response.resp_code`: ≥ 0 success (a DUMP count, bit 30 set when more remain);
        /// < 0 `-errno` (see [`errno_name`](super::errno_name)). Also the error of an
        /// `NLMSG_ERROR` the kernel's netlink layer sent instead of vRouter's answer (e.g. -1
        /// EPERM without `CAP_NET_ADMIN`).
        response_code: i32,
        /// The sandeshes that followed the `vr_response` (GET: the object, possibly followed by
        /// more, such as a `vr_drop_stats_req`; DUMP: the page). Their `h_op` is meaningless.
        objects: Vec<Message>,
    },
    /// A request will never be answered.
    Failed {
        /// The request.
        id: RequestId,
        /// Why.
        error: RequestError,
    },
    /// One page of a dump arrived.
    DumpPage {
        /// The dump.
        id: DumpId,
        /// The page's objects, in vRouter's order (pages may repeat entries: routes are mtrie slots).
        objects: Vec<Message>,
        /// Whether vRouter said more remain; the session then asks for the next page itself
        /// (or, if it cannot, reports [`DumpFailed`](Event::DumpFailed) right after this page).
        more: bool,
    },
    /// A dump ended without reaching the end of the table.
    DumpFailed {
        /// The dump.
        id: DumpId,
        /// Why.
        error: DumpError,
    },
    /// The session met input it cannot interpret and is closed; every pending request and dump
    /// was reported failed just before this event. The transport should be closed.
    SessionFailed(ProtocolError),
}

/// Why a request failed without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// vRouter's reply to the frame that carried the request ended (or a reply to a later frame
    /// arrived) without an answer for it: vRouter sends nothing for a sandesh it does not handle as
    /// a request.
    NoResponse,
    /// The session failed (see [`Event::SessionFailed`]).
    Protocol(ProtocolError),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NoResponse => f.write_str("vRouter sent no answer to the request"),
            RequestError::Protocol(e) => write!(f, "ksync session failed: {e}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// Why a dump ended early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    /// vRouter answered a page with a negative code (`-errno`).
    Response(i32),
    /// A page request got no answer (see [`RequestError::NoResponse`]).
    NoResponse,
    /// vRouter said more remained but the page gave no position to continue from (no object of
    /// the dumped kind, or the same last key as the previous page): asking again would loop.
    Stalled,
    /// The session failed (see [`Event::SessionFailed`]).
    Protocol(ProtocolError),
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DumpError::Response(code) => write!(f, "vRouter answered a dump page with {code}"),
            DumpError::NoResponse => f.write_str("vRouter sent no answer to a dump page"),
            DumpError::Stalled => {
                f.write_str("dump cannot continue: the page gave no new position")
            }
            DumpError::Protocol(e) => write!(f, "ksync session failed: {e}"),
        }
    }
}

impl std::error::Error for DumpError {}
