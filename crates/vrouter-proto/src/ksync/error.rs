//! Errors of the ksync session: input it cannot interpret, and requests it cannot take.

use std::fmt;

use sandesh::DecodeError;

use crate::netlink::FrameError;

use super::markers::MarkerError;

/// Received bytes the session cannot interpret. Fatal to the session.
///
/// Answers are matched to requests by position only (the n-th `vr_response` of a frame's reply
/// answers the frame's n-th request; nothing in an answer names its request). Once one message is
/// unreadable or out of place, the position of every later answer on the connection is unknown,
/// so no later answer can be trusted: the session fails every pending request rather than hand
/// one an answer that may belong to another.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A netlink message that does not parse.
    Frame(FrameError),
    /// A reply whose sequence number matches no frame awaiting an answer.
    UnknownSeq {
        /// The reply's `nlmsg_seq`.
        seq: u32,
    },
    /// A sandesh reply whose `nlmsg_type` is not the session's family id (vRouter echoes it).
    UnexpectedMessageType {
        /// The reply's `nlmsg_seq`.
        seq: u32,
        /// `nlmsg_type` found.
        msg_type: u16,
        /// The session's family id.
        family_id: u16,
    },
    /// An `NLMSG_ERROR` with error 0 (an acknowledgement, which ksync requests never ask for).
    UnexpectedAck {
        /// The reply's `nlmsg_seq`.
        seq: u32,
    },
    /// A reply payload that does not decode as sandeshes of the schema.
    Decode {
        /// The reply's `nlmsg_seq`.
        seq: u32,
        /// The decoder's error.
        error: DecodeError,
    },
    /// A sandesh other than `vr_response` before any `vr_response` of a frame's reply: it answers
    /// no request.
    ObjectBeforeResponse {
        /// The reply's `nlmsg_seq`.
        seq: u32,
        /// The sandesh's name.
        name: &'static str,
    },
    /// More `vr_response`s in a frame's reply than requests in the frame.
    TooManyResponses {
        /// The reply's `nlmsg_seq`.
        seq: u32,
        /// Requests the frame carried.
        requests: usize,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Frame(e) => write!(f, "{e}"),
            ProtocolError::UnknownSeq { seq } => {
                write!(
                    f,
                    "reply with seq {seq}, which no pending request frame has"
                )
            }
            ProtocolError::UnexpectedMessageType {
                seq,
                msg_type,
                family_id,
            } => write!(
                f,
                "reply (seq {seq}) has nlmsg_type {msg_type}, expected the family id {family_id}"
            ),
            ProtocolError::UnexpectedAck { seq } => {
                write!(f, "unexpected netlink acknowledgement (seq {seq})")
            }
            ProtocolError::Decode { seq, error } => {
                write!(f, "reply (seq {seq}) does not decode: {error}")
            }
            ProtocolError::ObjectBeforeResponse { seq, name } => write!(
                f,
                "reply (seq {seq}) starts with {name} instead of vr_response"
            ),
            ProtocolError::TooManyResponses { seq, requests } => write!(
                f,
                "reply (seq {seq}) has more vr_responses than the {requests} requests of its frame"
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl From<FrameError> for ProtocolError {
    fn from(e: FrameError) -> Self {
        ProtocolError::Frame(e)
    }
}

/// Why [`submit`](super::KsyncSession::submit) or [`dump`](super::KsyncSession::dump) refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitError {
    /// The session has failed (see [`Event::SessionFailed`](super::Event::SessionFailed)).
    SessionFailed(ProtocolError),
    /// An empty pre-encoded payload: vRouter would not answer it, and the next request's answer
    /// would be taken for its.
    EmptyPayload,
    /// The encoded request does not fit one netlink message.
    TooLarge {
        /// Encoded length.
        len: usize,
        /// Largest payload one message carries.
        max: usize,
    },
    /// The message cannot be dumped, or its marker cannot be set.
    Marker(MarkerError),
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::SessionFailed(e) => write!(f, "ksync session has failed: {e}"),
            SubmitError::EmptyPayload => f.write_str("empty request payload"),
            SubmitError::TooLarge { len, max } => write!(
                f,
                "request of {len} bytes does not fit one netlink message (at most {max})"
            ),
            SubmitError::Marker(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SubmitError {}

impl From<MarkerError> for SubmitError {
    fn from(e: MarkerError) -> Self {
        SubmitError::Marker(e)
    }
}
