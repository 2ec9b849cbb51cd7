//! [`PolledKsyncClient`]: the ksync session over a non-blocking stream socket, driven by the caller's event loop
//! instead of threads of its own.
//!
//! A request answered in microseconds makes thread hand-offs the largest cost of a round trip: with
//! [`KsyncClient`](super::KsyncClient), a request goes caller → writer thread → socket, and its answer socket →
//! reader thread → caller, each arrow a wake-up. Here the caller writes the request itself and reads the answer
//! itself when its loop reports the socket readable (Node's libuv, through the binding), so the only wake-up left is
//! the loop's own. Everything runs on the caller's thread; nothing here blocks.
//!
//! ```text
//!  submit / dump / cancel / expire / close ──► session ──► flush: poll_transmit, try_write (the rest waits for
//!                                                           `on_writable` when the socket is full)
//!  loop: readable ──► on_readable: try_read until empty, frames to the session, flush (answers free room)
//!  loop: writable ──► on_writable: flush
//!  take_events ◄── the session's events, then `Closed` once, last
//! ```
//!
//! The events and their order are those of [`KsyncClient`](super::KsyncClient) (see the [module documentation](super)).

use vrouter_proto::ksync::{DumpId, KsyncSession, Request, RequestId, SubmitError};
use vrouter_proto::messages::Message;
use vrouter_proto::netlink::StreamReassembler;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::nonblocking::NonBlockingStream;

use super::client::{encode_all, new_session, submit_all, submit_error};
use super::event::{ClientClosed, ClientEvent};
use super::options::ClientOptions;
use super::reader::{fail_session, STREAM_FRAME_LIMIT, STREAM_READ};

/// A ksync client on a stream endpoint (`unix:`, `tcp:`) for a caller with an event loop.
///
/// The caller registers [`raw_fd`](Self::raw_fd) with its loop for readability (and for writability while
/// [`wants_write`](Self::wants_write)), calls [`on_readable`](Self::on_readable) / [`on_writable`](Self::on_writable)
/// when told, and takes [`take_events`](Self::take_events) after every call. Once [`is_closed`](Self::is_closed), the
/// descriptor must be unregistered; it stays open until the client is dropped.
#[derive(Debug)]
pub struct PolledKsyncClient {
    session: KsyncSession,
    family_id: u16,
    endpoint: String,
    socket: NonBlockingStream,
    frames: StreamReassembler,
    /// Frames taken from the session and not written yet: `out[written..]`.
    out: Vec<u8>,
    written: usize,
    closed: Option<ClientClosed>,
    events: Vec<ClientEvent>,
}

impl PolledKsyncClient {
    /// Connects to a stream endpoint. `Ok(None)` for endpoints of another kind (use
    /// [`KsyncClient`](super::KsyncClient) for those); errors are those of opening the endpoint.
    pub fn connect(endpoint: &str, options: ClientOptions) -> Result<Option<Self>> {
        let parsed = Endpoint::parse(endpoint)?;
        let Some(socket) = NonBlockingStream::connect(&parsed) else {
            return Ok(None);
        };
        let socket = socket?;
        let endpoint_family = parsed.default_family_id().expect("stream endpoints have a fixed family id");
        let (session, family_id) = new_session(&parsed, endpoint_family, &options);
        Ok(Some(PolledKsyncClient {
            session,
            family_id,
            endpoint: endpoint.to_owned(),
            socket,
            frames: StreamReassembler::with_max_frame_len(STREAM_FRAME_LIMIT),
            out: Vec::with_capacity(4096),
            written: 0,
            closed: None,
            events: Vec::new(),
        }))
    }

    /// Queues requests (all or nothing, as [`KsyncClient::submit_many`](super::KsyncClient::submit_many)) and
    /// writes what the socket takes at once.
    pub fn submit_many(&mut self, requests: Vec<Request>) -> Result<Vec<RequestId>> {
        let payloads = encode_all(requests)?;
        self.check_open()?;
        let ids = submit_all(&mut self.session, payloads).map_err(|e| self.submit_error(e, "submit ksync requests"))?;
        self.flush();
        Ok(ids)
    }

    /// Starts a dump from the start of the table (see [`KsyncClient::dump`](super::KsyncClient::dump)).
    pub fn dump(&mut self, request: Message) -> Result<DumpId> {
        self.check_open()?;
        let id = self.session.dump(request).map_err(|e| self.submit_error(e, "start ksync dump"))?;
        self.flush();
        Ok(id)
    }

    /// Gives up on a request (see [`KsyncClient::cancel`](super::KsyncClient::cancel)).
    pub fn cancel(&mut self, id: RequestId) -> bool {
        self.closed.is_none() && self.session.cancel(id)
    }

    /// Stops a dump (see [`KsyncClient::cancel_dump`](super::KsyncClient::cancel_dump)).
    pub fn cancel_dump(&mut self, id: DumpId) -> bool {
        self.closed.is_none() && self.session.cancel_dump(id)
    }

    /// Stops waiting for the oldest frame in flight (see
    /// [`KsyncClient::expire_oldest_frame`](super::KsyncClient::expire_oldest_frame)).
    pub fn expire_oldest_frame(&mut self) -> bool {
        if self.closed.is_some() || !self.session.expire_oldest_frame() {
            return false;
        }
        self.collect();
        self.flush();
        true
    }

    /// Reads everything that has arrived and hands it to the session; then writes what the answers let through.
    pub fn on_readable(&mut self) {
        while self.closed.is_none() {
            let read = self.socket.try_read(self.frames.spare(STREAM_READ));
            match read {
                Ok(None) => break,
                Ok(Some(n)) => {
                    self.frames.commit(n);
                    if let Err(e) = self.feed() {
                        let closed = ClientClosed::protocol(&self.endpoint, &e);
                        self.close_with(closed);
                    }
                }
                Err(e) => {
                    let closed = ClientClosed::transport(&self.endpoint, &e);
                    self.close_with(closed);
                }
            }
        }
        self.collect();
        self.flush();
    }

    /// Writes what is waiting.
    pub fn on_writable(&mut self) {
        self.flush();
    }

    /// Whether bytes wait for the socket to take them (register for writability while so).
    pub fn wants_write(&self) -> bool {
        self.closed.is_none() && self.written < self.out.len()
    }

    /// The events since the last call, in order.
    pub fn take_events(&mut self) -> Vec<ClientEvent> {
        std::mem::take(&mut self.events)
    }

    /// Whether events wait for [`take_events`](Self::take_events).
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Closes the client: `Closed` (kind [`ErrorKind::Cancelled`]) is reported, which fails all pending work, and
    /// the socket is shut down. Idempotent.
    pub fn close(&mut self) {
        let closed = ClientClosed::by_caller(&self.endpoint);
        self.close_with(closed);
    }

    /// Whether the client is closed (`Closed` was reported or waits in the events).
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// The descriptor to poll; stays open until the client is dropped.
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        self.socket.raw_fd()
    }

    /// Frames sent and not fully answered, and requests queued behind them.
    pub fn pending(&self) -> (usize, usize) {
        (self.session.frames_in_flight(), self.session.queued())
    }

    /// The endpoint string given to [`connect`](Self::connect).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The family id in `nlmsg_type` of every request.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn feed(&mut self) -> std::result::Result<(), vrouter_proto::ksync::ProtocolError> {
        loop {
            match self.frames.pop() {
                Ok(Some(frame)) => self.session.handle_frame(frame)?,
                Ok(None) => return Ok(()),
                Err(e) => return fail_session(&mut self.session, e),
            }
        }
    }

    /// Takes frames from the session and writes until the socket is full or nothing is left.
    fn flush(&mut self) {
        while self.closed.is_none() {
            if self.written == self.out.len() {
                self.out.clear();
                self.written = 0;
                while self.session.poll_transmit(&mut self.out).is_some() {}
                // poll_transmit reports the requests of a frame it could not build.
                self.collect();
                if self.out.is_empty() {
                    return;
                }
            }
            match self.socket.try_write(&self.out[self.written..]) {
                Ok(Some(n)) => self.written += n,
                Ok(None) => return,
                Err(e) => {
                    let closed = ClientClosed::transport(&self.endpoint, &e);
                    self.close_with(closed);
                }
            }
        }
    }

    /// Moves the session's events to the outbox; nothing after `Closed`.
    fn collect(&mut self) {
        while let Some(event) = self.session.poll_event() {
            if self.closed.is_none() {
                self.events.push(ClientEvent::Session(event));
            }
        }
    }

    fn close_with(&mut self, closed: ClientClosed) {
        if self.closed.is_some() {
            return;
        }
        self.collect();
        self.events.push(ClientEvent::Closed(closed.clone()));
        self.closed = Some(closed);
        self.socket.shutdown();
    }

    fn check_open(&self) -> Result<()> {
        match &self.closed {
            Some(closed) => Err(closed.to_error()),
            None => Ok(()),
        }
    }

    fn submit_error(&self, err: SubmitError, context: &'static str) -> Error {
        submit_error(self.closed.as_ref(), err, context)
    }
}
