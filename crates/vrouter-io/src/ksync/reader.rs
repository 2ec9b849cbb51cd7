//! The reader thread: transport reads → netlink messages → the session → one batch of events per read.

use std::sync::Arc;

use vrouter_proto::ksync::{KsyncSession, ProtocolError};
use vrouter_proto::netlink::{
    FrameError, NetlinkHeader, StreamReassembler, MAX_SANDESH_PAYLOAD, NLMSG_HDRLEN, SANDESH_HDRLEN,
};

use crate::error::Result;
use crate::transport::{Framing, TransportRead};

use super::event::ClientClosed;
use super::shared::Shared;

/// Bytes asked for per stream read: a few agent-sized messages.
pub(super) const STREAM_READ: usize = 16 * 1024;

/// Read buffer on message transports: the longest netlink message ksync can produce (a u16 `nla_len`), plus
/// the room of an `NLMSG_ERROR` quoting such a request.
const MESSAGE_BUFFER: usize = 80 * 1024;

/// The reassembler's limit: every length a ksync message can have. Longer messages than the agent's 4096 bytes are
/// still cut out and handed to the session, so that its own check fails it with the right error; only a length
/// no netlink message of ksync can have breaks the stream here.
pub(super) const STREAM_FRAME_LIMIT: usize = SANDESH_HDRLEN + MAX_SANDESH_PAYLOAD;

/// Where received bytes go before the session sees them.
enum Input {
    /// A byte stream, cut by `nlmsg_len`.
    Stream(StreamReassembler),
    /// Whole datagrams (one or more messages each).
    Message(Vec<u8>),
}

impl Input {
    fn new(framing: Framing) -> Self {
        match framing {
            Framing::Stream => {
                Input::Stream(StreamReassembler::with_max_frame_len(STREAM_FRAME_LIMIT))
            }
            Framing::Message => Input::Message(vec![0; MESSAGE_BUFFER]),
        }
    }

    /// One read, outside the lock.
    fn read(&mut self, transport: &mut dyn TransportRead) -> Result<usize> {
        match self {
            Input::Stream(reassembler) => transport.read(reassembler.spare(STREAM_READ)),
            Input::Message(buf) => transport.read(buf),
        }
    }

    /// Hands the `n` bytes just read to the session, message by message.
    fn feed(&mut self, n: usize, session: &mut KsyncSession) -> Result<(), ProtocolError> {
        match self {
            Input::Message(buf) => session.handle_frame(&buf[..n]),
            Input::Stream(reassembler) => {
                reassembler.commit(n);
                loop {
                    match reassembler.pop() {
                        Ok(Some(frame)) => session.handle_frame(frame)?,
                        Ok(None) => return Ok(()),
                        Err(e) => return fail_session(session, e),
                    }
                }
            }
        }
    }
}

/// Fails the session for a stream that cannot be cut any more, so that it reports every pending request and dump
/// failed as for any other bad input: it is shown the offending header, which it refuses as well.
pub(super) fn fail_session(session: &mut KsyncSession, error: FrameError) -> Result<(), ProtocolError> {
    let nlmsg_len = match error {
        FrameError::LengthBelowHeader { nlmsg_len }
        | FrameError::FrameTooLong { nlmsg_len, .. } => nlmsg_len,
        _ => 0,
    };
    let header = NetlinkHeader {
        len: nlmsg_len,
        ..Default::default()
    };
    let bytes: [u8; NLMSG_HDRLEN] = header.to_bytes();
    session.handle_frame(&bytes)?;
    // Not reached: a length below 16 or beyond the 16 bytes given is refused. Still, never go on.
    Err(ProtocolError::Frame(error))
}

/// Runs until the client closes or the transport or the protocol fails.
pub(super) fn run(shared: Arc<Shared>, mut transport: Box<dyn TransportRead>) {
    let mut input = Input::new(transport.framing());
    loop {
        let read = input.read(&mut *transport);
        let mut state = shared.lock();
        if state.closed.is_some() {
            // Closed meanwhile (the read was cancelled, or it returned data nobody waits for any more).
            return;
        }
        let outcome = match read {
            Err(e) => Err(ClientClosed::transport(&shared.endpoint, &e)),
            Ok(n) => input
                .feed(n, &mut state.session)
                .map_err(|e| ClientClosed::protocol(&shared.endpoint, &e)),
        };
        state.collect();
        match outcome {
            Ok(()) => {
                // Answers free room in flight and dumps queue their next page: the writer may have work.
                if state.session.queued() > 0 {
                    shared.wake_writer();
                }
                shared.deliver(state);
            }
            Err(closed) => {
                shared.close(&mut state, closed);
                shared.deliver(state);
                return;
            }
        }
    }
}
