//! What a [`KsyncClient`](super::KsyncClient) reports to its `on_events` callback.

use std::fmt;

use vrouter_proto::ksync::{Event, ProtocolError};

use crate::error::{Error, ErrorKind};

/// One thing that happened on a ksync client, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// An event of the session: an answer, a dump page, a request or dump failure, or the session's failure.
    Session(Event),
    /// The client is closed: always the last event, reported once. Every request and dump that did not get its own
    /// final event before this one will never be answered.
    Closed(ClientClosed),
}

/// Why a client closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientClosed {
    /// The transport's error kind: [`ErrorKind::PeerClosed`] when the forwarding engine went away,
    /// [`ErrorKind::Cancelled`] after [`close`](super::KsyncClient::close), [`ErrorKind::Other`] after a protocol
    /// error.
    pub kind: ErrorKind,
    /// What happened, for people (names the endpoint).
    pub message: String,
    /// Who ended the connection.
    pub cause: CloseCause,
}

/// Who ended a client's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCause {
    /// The owner called [`close`](super::KsyncClient::close) (or dropped the client).
    Caller,
    /// The transport failed: the peer closed it, or a read or write failed.
    Transport,
    /// The peer sent bytes the session cannot interpret; the session failed first (see
    /// [`Event::SessionFailed`]).
    Protocol,
}

impl ClientClosed {
    pub(super) fn by_caller(endpoint: &str) -> Self {
        ClientClosed {
            kind: ErrorKind::Cancelled,
            message: format!("ksync client for {endpoint} closed"),
            cause: CloseCause::Caller,
        }
    }

    pub(super) fn transport(endpoint: &str, err: &Error) -> Self {
        ClientClosed {
            kind: err.kind(),
            message: format!("ksync connection to {endpoint} lost: {err}"),
            cause: CloseCause::Transport,
        }
    }

    pub(super) fn protocol(endpoint: &str, err: &ProtocolError) -> Self {
        ClientClosed {
            kind: ErrorKind::Other,
            message: format!("ksync connection to {endpoint} closed after a protocol error: {err}"),
            cause: CloseCause::Protocol,
        }
    }

    /// The error a call on the closed client fails with.
    pub(super) fn to_error(&self) -> Error {
        Error::new(self.kind, self.message.clone())
    }
}

impl fmt::Display for ClientClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
