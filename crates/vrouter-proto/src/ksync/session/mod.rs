//! The client side of one ksync connection, without I/O.
//!
//! This file holds the state and the calls that queue or cancel work; [`transmit`] packs queued
//! requests into frames, [`receive`] turns reply frames into events.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::messages::Message;

use super::config::SessionConfig;
use super::dump::Dump;
use super::error::{ProtocolError, SubmitError};
use super::event::{DumpId, Event, RequestId};
use super::exchange::{Exchange, Owner};
use super::markers::Resume;
use super::request::Request;

mod receive;
mod transmit;

/// How many expired frames' sequence numbers are remembered so that their late replies are
/// recognised and dropped rather than taken for a protocol error.
const EXPIRED_MEMORY: usize = 64;

/// A request waiting for [`KsyncSession::poll_transmit`].
#[derive(Debug)]
struct Queued {
    owner: Owner,
    payload: Vec<u8>,
}

/// One frame written by [`KsyncSession::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The frame's sequence number (every reply message to it carries the same).
    pub seq: u32,
    /// Bytes appended to the output buffer.
    pub len: usize,
    /// Requests packed into the frame.
    pub requests: usize,
}

/// A ksync client connection's protocol state: requests in, netlink frames out; reply frames in,
/// answers out. No I/O, no clock: the transport moves the bytes and owns timeouts.
///
/// ```text
/// submit / dump ──► queue ──poll_transmit──► frames to send
/// received frames ──handle_frame──► events (poll_event)
/// ```
///
/// Requests are packed as the agent packs them (up to 16 per frame, frames of several requests
/// below 4096 bytes). Each frame gets its own sequence number, taken in increasing order from
/// [`SessionConfig::first_seq`] (skipping 0, which vRouter's route broadcasts and the agent's
/// blocking start-up calls use, so a stray one never matches). The agent's odd/even scheme only
/// steers its two receive queues; vRouter just echoes whatever it gets, so a plain counter does.
///
/// Frames may be pipelined: vRouter answers a connection's frames in order, which is also how a
/// reply for a later frame shows that an earlier frame got no reply at all.
#[derive(Debug)]
pub struct KsyncSession {
    config: SessionConfig,
    next_seq: u32,
    next_request: u64,
    next_dump: u64,
    queue: VecDeque<Queued>,
    in_flight: VecDeque<Exchange>,
    dumps: HashMap<DumpId, Dump>,
    /// Sequence numbers of frames given up by `expire_oldest_frame`, whose late replies are
    /// dropped (the most recent [`EXPIRED_MEMORY`] of them).
    expired: VecDeque<u32>,
    /// Requests cancelled while in flight: their answer is still awaited (it holds a position in
    /// the frame's reply) but is dropped.
    cancelled: HashSet<RequestId>,
    events: VecDeque<Event>,
    failure: Option<ProtocolError>,
}

impl KsyncSession {
    /// A session with the agent's framing (see [`SessionConfig::new`]).
    pub fn new(family_id: u16, pid: u32) -> Self {
        Self::with_config(SessionConfig::new(family_id, pid))
    }

    /// A session with explicit framing choices.
    pub fn with_config(config: SessionConfig) -> Self {
        KsyncSession {
            config,
            next_seq: config.first_seq,
            next_request: 0,
            next_dump: 0,
            queue: VecDeque::new(),
            in_flight: VecDeque::new(),
            dumps: HashMap::new(),
            expired: VecDeque::new(),
            cancelled: HashSet::new(),
            events: VecDeque::new(),
            failure: None,
        }
    }

    /// The framing in use.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Queues a request; its answer comes as [`Event::Reply`] (or [`Event::Failed`]).
    ///
    /// The request goes as it is: `h_op` and every field are the caller's. A DUMP submitted here
    /// is answered once (`response_code` carries the count and the incomplete bit); use
    /// [`dump`](Self::dump) to have the session follow the marker.
    pub fn submit(&mut self, request: impl Into<Request>) -> Result<RequestId, SubmitError> {
        self.check_alive()?;
        let payload = request.into().into_payload()?;
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.queue.push_back(Queued {
            owner: Owner::Request(id),
            payload,
        });
        Ok(id)
    }

    /// Starts a dump of everything `request` selects, from the beginning of the table: `h_op` is
    /// set to DUMP and the marker to its start value; the other fields are the filters (e.g.
    /// `rtr_vrf_id` and `rtr_family` for routes, `vifr_flags` = 1 for interfaces with drop stats).
    ///
    /// Pages come as [`Event::DumpPage`]; while vRouter reports more, the session queues the next
    /// page's request itself, with the marker taken from the page's last object.
    pub fn dump(&mut self, request: Message) -> Result<DumpId, SubmitError> {
        self.start_dump(request, true)
    }

    /// Like [`dump`](Self::dump), but from the position the request's marker already holds
    /// (resuming a dump, as vRouter's utilities do after a partial listing).
    pub fn dump_from(&mut self, request: Message) -> Result<DumpId, SubmitError> {
        self.start_dump(request, false)
    }

    fn start_dump(&mut self, request: Message, from_start: bool) -> Result<DumpId, SubmitError> {
        self.check_alive()?;
        let (dump, first) = Dump::start(request, from_start.then_some(Resume::Start))?;
        let payload = Request::from(first).into_payload()?;
        let id = DumpId(self.next_dump);
        self.next_dump += 1;
        self.dumps.insert(id, dump);
        self.queue.push_back(Queued {
            owner: Owner::DumpPage(id),
            payload,
        });
        Ok(id)
    }

    /// Gives up on a request: no event will be reported for it. A request not sent yet is
    /// dropped; one already sent keeps its place in its frame's reply (so that the answers after
    /// it stay matched) and its answer is discarded. Returns false if the request had already
    /// ended.
    pub fn cancel(&mut self, id: RequestId) -> bool {
        let owner = Owner::Request(id);
        if let Some(pos) = self.queue.iter().position(|q| q.owner == owner) {
            self.queue.remove(pos);
            return true;
        }
        let in_flight = self.in_flight.iter().any(|x| x.awaits(owner));
        in_flight && self.cancelled.insert(id)
    }

    /// Stops a dump: no further page is requested and no further event reported for it. Returns
    /// false if the dump had already ended.
    pub fn cancel_dump(&mut self, id: DumpId) -> bool {
        if self.dumps.remove(&id).is_none() {
            return false;
        }
        // A page request not sent yet is dropped; one in flight is answered and ignored.
        self.queue.retain(|q| q.owner != Owner::DumpPage(id));
        true
    }

    fn check_alive(&self) -> Result<(), SubmitError> {
        match &self.failure {
            Some(e) => Err(SubmitError::SessionFailed(e.clone())),
            None => Ok(()),
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Requests (and dump page requests) queued and not yet written by `poll_transmit`.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Frames written and not yet fully answered.
    pub fn frames_in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether nothing is queued or awaiting an answer (events may still be undrained).
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.in_flight.is_empty()
    }

    /// The error that failed the session, if it has failed.
    pub fn failure(&self) -> Option<&ProtocolError> {
        self.failure.as_ref()
    }
}
