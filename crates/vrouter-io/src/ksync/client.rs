//! [`KsyncClient`]: the handle callers use; the threads are in `reader` and `writer`.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use vrouter_proto::ksync::{DumpId, KsyncSession, Request, RequestId, SessionConfig, SubmitError};
use vrouter_proto::messages::Message;
use vrouter_proto::netlink::MAX_SANDESH_PAYLOAD;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};

use super::event::{ClientClosed, ClientEvent};
use super::options::{ClientOptions, NETLINK_FRAMES_IN_FLIGHT};
use super::shared::{Shared, State};
use super::{reader, writer};

/// A ksync connection to a forwarding engine: requests go out pipelined and packed as the agent packs them, answers
/// come back as batches of [`ClientEvent`]s through the `on_events` callback given to [`connect`](Self::connect).
///
/// Every method takes `&self`, returns without waiting for I/O and may be called from any thread, including from
/// inside `on_events`. See the [module documentation](super) for the threads and the ordering guarantees.
pub struct KsyncClient {
    shared: Arc<Shared>,
    family_id: u16,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for KsyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KsyncClient")
            .field("endpoint", &self.shared.endpoint)
            .field("family_id", &self.family_id)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl KsyncClient {
    /// Opens `endpoint` (see [`Endpoint`]) and starts the reader and writer threads.
    ///
    /// Errors are those of opening the endpoint ([`ErrorKind::NotFound`] when nothing serves it,
    /// [`ErrorKind::InvalidInput`] for a malformed endpoint...), or of starting a thread.
    pub fn connect(
        endpoint: &str,
        options: ClientOptions,
        on_events: Box<dyn FnMut(Vec<ClientEvent>) + Send>,
    ) -> Result<KsyncClient> {
        let parsed = Endpoint::parse(endpoint)?;
        let (transport, endpoint_family) = parsed.open_ksync_with_family()?;
        let (session, family_id) = new_session(&parsed, endpoint_family, &options);
        let framing = transport.framing();
        let canceller = transport.canceller();
        let (read_half, write_half) = transport.split();
        let shared = Arc::new(Shared::new(
            session,
            on_events,
            canceller,
            endpoint.to_owned(),
        ));
        let client = KsyncClient {
            shared: shared.clone(),
            family_id,
            threads: Mutex::new(Vec::with_capacity(2)),
        };
        let reader_shared = shared.clone();
        client.spawn("vrouter-io ksync reader", move || {
            reader::run(reader_shared, read_half)
        })?;
        client.spawn("vrouter-io ksync writer", move || {
            writer::run(shared, write_half, framing)
        })?;
        Ok(client)
    }

    fn spawn(&self, name: &str, body: impl FnOnce() + Send + 'static) -> Result<()> {
        match thread::Builder::new().name(name.to_owned()).spawn(body) {
            Ok(handle) => {
                self.threads
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(handle);
                Ok(())
            }
            Err(e) => {
                // The thread started before (if any) ends with the close; its half of the transport with it.
                self.close();
                Err(Error::from_os(e, format!("start {name} thread")))
            }
        }
    }

    /// Queues a request; its answer comes as a [`Reply`](vrouter_proto::ksync::Event::Reply) (or
    /// [`Failed`](vrouter_proto::ksync::Event::Failed)) event. The request goes as it is (see
    /// [`KsyncSession::submit`]).
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for an empty or oversized encoding; the closing's kind once the client is
    /// closed.
    pub fn submit(&self, request: impl Into<Request>) -> Result<RequestId> {
        let payload = encode(request.into())?;
        let mut state = self.shared.lock();
        self.check_open(&state)?;
        let id = state
            .session
            .submit(payload)
            .map_err(|e| self.submit_error(&state, e, "submit ksync request"))?;
        drop(state);
        self.shared.wake_writer();
        Ok(id)
    }

    /// Queues several requests at once, under one lock and with one wake-up of the writer; they are packed into
    /// frames together. All or nothing: if one is refused, none is queued, and the error names its position.
    pub fn submit_many(&self, requests: Vec<Request>) -> Result<Vec<RequestId>> {
        let payloads = encode_all(requests)?;
        let total = payloads.len();
        let mut state = self.shared.lock();
        self.check_open(&state)?;
        let ids = submit_all(&mut state.session, payloads)
            .map_err(|e| self.submit_error(&state, e, "submit ksync requests"))?;
        drop(state);
        if total > 0 {
            self.shared.wake_writer();
        }
        Ok(ids)
    }

    /// Starts a dump of everything `request` selects, from the start of the table; pages come as
    /// [`DumpPage`](vrouter_proto::ksync::Event::DumpPage) events and the session asks for the next page itself
    /// (see [`KsyncSession::dump`]).
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for a message that cannot be dumped; the closing's kind once closed.
    pub fn dump(&self, request: Message) -> Result<DumpId> {
        self.start_dump(request, KsyncSession::dump)
    }

    /// Like [`dump`](Self::dump), from the position the request's marker already holds
    /// (see [`KsyncSession::dump_from`]).
    pub fn dump_from(&self, request: Message) -> Result<DumpId> {
        self.start_dump(request, KsyncSession::dump_from)
    }

    fn start_dump(
        &self,
        request: Message,
        start: fn(&mut KsyncSession, Message) -> Result<DumpId, SubmitError>,
    ) -> Result<DumpId> {
        let mut state = self.shared.lock();
        self.check_open(&state)?;
        let id = start(&mut state.session, request)
            .map_err(|e| self.submit_error(&state, e, "start ksync dump"))?;
        drop(state);
        self.shared.wake_writer();
        Ok(id)
    }

    /// Gives up on a request: no event will come for it (see [`KsyncSession::cancel`]). Returns false if it had
    /// already ended (or the client is closed).
    pub fn cancel(&self, id: RequestId) -> bool {
        let mut state = self.shared.lock();
        state.closed.is_none() && state.session.cancel(id)
    }

    /// Stops a dump: no further page is asked for or reported. Returns false if it had already ended (or the client
    /// is closed).
    pub fn cancel_dump(&self, id: DumpId) -> bool {
        let mut state = self.shared.lock();
        state.closed.is_none() && state.session.cancel_dump(id)
    }

    /// Stops waiting for the oldest frame in flight, for a caller whose timer ran out on a request vRouter never
    /// answers: its unanswered requests fail with `NoResponse` (events delivered before this returns, unless
    /// another thread is delivering), and the room it held goes to queued requests. Returns false if no frame was
    /// in flight (or the client is closed).
    pub fn expire_oldest_frame(&self) -> bool {
        let mut state = self.shared.lock();
        if state.closed.is_some() || !state.session.expire_oldest_frame() {
            return false;
        }
        state.collect();
        self.shared.wake_writer();
        self.shared.deliver(state);
        true
    }

    /// Closes the client: [`ClientEvent::Closed`] (kind [`ErrorKind::Cancelled`]) is reported, which fails all
    /// pending work, and the threads end (the read is cancelled; a write in progress finishes first). Idempotent;
    /// returns without waiting for the threads (see [`join`](Self::join)).
    pub fn close(&self) {
        let mut state = self.shared.lock();
        self.shared
            .close(&mut state, ClientClosed::by_caller(&self.shared.endpoint));
        self.shared.deliver(state);
    }

    /// Waits for the reader and writer threads to end (after [`close`](Self::close) or a failure). Does nothing
    /// when called from one of them (from inside `on_events`), which would wait for itself.
    pub fn join(&self) {
        let handles =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        let me = thread::current().id();
        let (own, others): (Vec<_>, Vec<_>) =
            handles.into_iter().partition(|h| h.thread().id() == me);
        for handle in others {
            let _ = handle.join();
        }
        // Our own thread cannot be joined; keep its handle so that a later join elsewhere still waits for it.
        self.threads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(own);
    }

    /// Whether the client is closed ([`ClientEvent::Closed`] was queued for delivery).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }

    /// Frames sent and not fully answered, and requests queued behind them (for diagnostics and timeouts).
    pub fn pending(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.session.frames_in_flight(), state.session.queued())
    }

    /// The endpoint string given to [`connect`](Self::connect).
    pub fn endpoint(&self) -> &str {
        &self.shared.endpoint
    }

    /// The family id in `nlmsg_type` of every request.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn check_open(&self, state: &State) -> Result<()> {
        match &state.closed {
            Some(closed) => Err(closed.to_error()),
            None => Ok(()),
        }
    }

    fn submit_error(&self, state: &State, err: SubmitError, context: &'static str) -> Error {
        submit_error(state.closed.as_ref(), err, context)
    }
}

impl Drop for KsyncClient {
    /// Closes the client; does not wait for the threads (the owner may be the thread `on_events` hands batches to).
    fn drop(&mut self) {
        self.close();
    }
}

/// Encodes and checks every request before any is queued (see [`encode`]); the error names the refused one's position.
pub(super) fn encode_all(requests: Vec<Request>) -> Result<Vec<Request>> {
    let total = requests.len();
    requests
        .into_iter()
        .enumerate()
        .map(|(i, r)| encode(r).map_err(|e| e.in_context(format!("request {i} of {total}"))))
        .collect()
}

/// Queues checked payloads all or nothing: on a refusal (not reached for payloads [`encode_all`] passed on an open
/// session), those already queued are cancelled.
pub(super) fn submit_all(session: &mut KsyncSession, payloads: Vec<Request>) -> Result<Vec<RequestId>, SubmitError> {
    let mut ids = Vec::with_capacity(payloads.len());
    for payload in payloads {
        match session.submit(payload) {
            Ok(id) => ids.push(id),
            Err(e) => {
                for id in ids {
                    session.cancel(id);
                }
                return Err(e);
            }
        }
    }
    Ok(ids)
}

/// The error of a refused submit: the closing's, once closed.
pub(super) fn submit_error(closed: Option<&ClientClosed>, err: SubmitError, context: &'static str) -> Error {
    if let Some(closed) = closed {
        return closed.to_error();
    }
    let kind = match err {
        // The session fails only together with the client's closing (checked above); kept for completeness.
        SubmitError::SessionFailed(_) => ErrorKind::Other,
        _ => ErrorKind::InvalidInput,
    };
    Error::with_kind(kind, io::Error::new(io::ErrorKind::InvalidInput, err), context)
}

/// The session for a connection to `endpoint`, and the family id its requests carry: the agent's choices for that
/// kind of endpoint, with `options` applied.
pub(super) fn new_session(endpoint: &Endpoint, endpoint_family: u16, options: &ClientOptions) -> (KsyncSession, u16) {
    let family_id = options.family_id.unwrap_or(endpoint_family);
    let mut base = SessionConfig::new(family_id, options.pid.unwrap_or_else(std::process::id));
    if matches!(endpoint, Endpoint::Netlink(_)) {
        base.max_frames_in_flight = NETLINK_FRAMES_IN_FLIGHT;
    }
    (KsyncSession::with_config(options.session.apply(base)), family_id)
}

/// Encodes a message before the lock is taken (so the lock covers queueing only) and checks what the session would
/// refuse, so that a batch is refused before any of it is queued.
pub(super) fn encode(request: Request) -> Result<Request> {
    let bytes = match request {
        Request::Message(m) => m.to_bytes(),
        Request::Encoded(bytes) => bytes,
    };
    let problem = if bytes.is_empty() {
        Some(SubmitError::EmptyPayload)
    } else if bytes.len() > MAX_SANDESH_PAYLOAD {
        Some(SubmitError::TooLarge {
            len: bytes.len(),
            max: MAX_SANDESH_PAYLOAD,
        })
    } else {
        None
    };
    match problem {
        Some(e) => Err(Error::with_kind(
            ErrorKind::InvalidInput,
            io::Error::new(io::ErrorKind::InvalidInput, e),
            "submit ksync request",
        )),
        None => Ok(Request::Encoded(bytes)),
    }
}
