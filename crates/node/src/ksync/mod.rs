//! The ksync client for JavaScript: a `vrouter_io` ksync client (session and I/O) behind a small object, with its
//! events delivered to one JavaScript callback in batches — from Node's own loop for stream sockets on Unix
//! (`polled`), through a threadsafe function from the client's threads otherwise.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use sandesh::Reader;
use vrouter_io::ksync::{ClientClosed, ClientEvent, ClientOptions, CloseCause, KsyncClient};
use vrouter_proto::ksync::{DumpError, DumpId, Event, Request, RequestError, RequestId};
use vrouter_proto::messages::Message;

#[cfg(unix)]
mod polled;

/// Event kinds of a batch (mirrored in lib/ksync.ts).
const EV_REPLY: u8 = 0;
const EV_FAILED: u8 = 1;
const EV_DUMP_PAGE: u8 = 2;
const EV_DUMP_FAILED: u8 = 3;
const EV_CLOSED: u8 = 4;

/// Bytes before the first event record of a batch: the event count (u32) and padding.
const BATCH_HEADER: usize = 8;
/// Bytes of one event record: kind (u32), code (i32), object count (u32), padding, id (f64); little-endian.
const EVENT_RECORD: usize = 24;

/// Events of one read in one buffer (one JavaScript object to create, whatever the count — a single answer is
/// the latency-critical case): a header, one record per event, then the events' objects encoded back to back
/// (decoded in one call). Layout in `BATCH_HEADER` and `EVENT_RECORD`, mirrored in lib/ksync.ts.
///
/// A record's code: reply, `resp_code`; dump page, 1 while more pages follow and 0 on the last; dump failed, the
/// refusing `resp_code` or 0; failed and closed, 1 for a protocol error, 0 otherwise.
#[napi(object, object_from_js = false)]
pub struct NativeEventBatch {
    pub data: Buffer,
    /// Why, per event, when any event is a failure.
    pub messages: Option<Vec<Option<String>>>,
}

/// Options of `connectKsync`.
#[napi(object)]
pub struct NativeKsyncOptions {
    pub family_id: Option<u16>,
    pub pid: Option<u32>,
    /// Native reader and writer threads even where Node's loop could serve the socket.
    pub threads: Option<bool>,
}

/// A failed connect, returned rather than thrown so that JavaScript gets a typed error.
#[napi(object, object_from_js = false)]
pub struct ConnectFailure {
    pub code: String,
    pub message: String,
}

type Events = ThreadsafeFunction<Vec<ClientEvent>, (), NativeEventBatch, Status, false, true>;

/// An open ksync connection.
#[napi]
pub struct NativeKsync {
    backend: Backend,
}

/// Who does the I/O: Node's own loop for stream sockets on Unix (fewest hand-offs, see `polled`), the client's
/// threads for the rest (`netlink:`, Windows devices and pipes), which deliver through a threadsafe function.
enum Backend {
    Threaded { client: KsyncClient, events: Arc<Events> },
    #[cfg(unix)]
    Polled(polled::PolledKsync),
}

/// Connects to `endpoint`; `on_events` receives every answer, in batches.
#[napi]
pub fn connect_ksync(
    env: Env,
    endpoint: String,
    options: NativeKsyncOptions,
    on_events: Function<NativeEventBatch, ()>,
) -> Result<Either<NativeKsync, ConnectFailure>> {
    let threads = options.threads.unwrap_or(false);
    let options = ClientOptions { family_id: options.family_id, pid: options.pid, ..Default::default() };
    let failure = |e: vrouter_io::Error| Either::B(ConnectFailure { code: crate::transport_code::of(e.kind()).into(), message: e.to_string() });
    #[cfg(unix)]
    if !threads {
        match vrouter_io::ksync::PolledKsyncClient::connect(&endpoint, options.clone()) {
            Ok(Some(client)) => {
                let polled = polled::PolledKsync::start(env.raw(), client, on_events.value().value)?;
                return Ok(Either::A(NativeKsync { backend: Backend::Polled(polled) }));
            }
            Ok(None) => {}
            Err(e) => return Ok(failure(e)),
        }
    }
    let _ = (env, threads);
    // Weak: an idle connection must not keep Node running; `setActive` refs it while work is pending.
    let events: Arc<Events> = Arc::new(on_events.build_threadsafe_function().callee_handled::<false>().weak::<true>().build_callback(|ctx| Ok(batch(ctx.value)))?);
    let sink = events.clone();
    let deliver = Box::new(move |batch: Vec<ClientEvent>| {
        sink.call(batch, ThreadsafeFunctionCallMode::NonBlocking);
    });
    match KsyncClient::connect(&endpoint, options, deliver) {
        Ok(client) => Ok(Either::A(NativeKsync { backend: Backend::Threaded { client, events } })),
        Err(e) => Ok(failure(e)),
    }
}

fn failed(e: vrouter_io::Error) -> Error {
    Error::new(Status::GenericFailure, e.to_string())
}

#[napi]
impl NativeKsync {
    /// Submits the Sandesh messages of `payload` (back to back) as requests; returns the id of
    /// the first (the others follow consecutively).
    #[napi]
    pub fn submit(&self, payload: Uint8Array) -> Result<f64> {
        let requests = split_messages(&payload)?;
        let ids = match &self.backend {
            Backend::Threaded { client, .. } => client.submit_many(requests),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.submit_many(requests)),
        }
        .map_err(failed)?;
        Ok(ids.first().map(|id| id.get() as f64).unwrap_or(0.0))
    }

    /// Starts a dump of the one message in `payload` (its filter fields); returns the dump id.
    #[napi]
    pub fn dump(&self, payload: Uint8Array) -> Result<f64> {
        let mut r = Reader::new(&payload);
        let m = sandesh::MessageSet::decode(&mut r).map_err(|e: sandesh::DecodeError| Error::new(Status::InvalidArg, e.to_string()))?;
        let id = match &self.backend {
            Backend::Threaded { client, .. } => client.dump(m),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.dump(m)),
        }
        .map_err(failed)?;
        Ok(id.get() as f64)
    }

    /// Drops a request: its answer, if it comes, is not reported.
    #[napi]
    pub fn cancel(&self, id: f64) {
        let id = RequestId::from_number(id as u64);
        match &self.backend {
            Backend::Threaded { client, .. } => client.cancel(id),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.cancel(id)),
        };
    }

    /// Stops a dump's paging.
    #[napi]
    pub fn cancel_dump(&self, id: f64) {
        let id = DumpId::from_number(id as u64);
        match &self.backend {
            Backend::Threaded { client, .. } => client.cancel_dump(id),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.cancel_dump(id)),
        };
    }

    /// While `active`, the connection keeps Node running (answers are awaited).
    #[napi]
    pub fn set_active(&self, env: Env, active: bool) {
        match &self.backend {
            Backend::Threaded { events, .. } => {
                let raw = events.handle.get_raw();
                // SAFETY: called on the JavaScript thread, with the function's own handle.
                unsafe {
                    if active {
                        sys::napi_ref_threadsafe_function(env.raw(), raw);
                    } else {
                        sys::napi_unref_threadsafe_function(env.raw(), raw);
                    }
                }
            }
            #[cfg(unix)]
            Backend::Polled(p) => p.set_active(active),
        }
    }

    /// Closes the connection; idempotent.
    #[napi]
    pub fn close(&self) {
        match &self.backend {
            Backend::Threaded { client, .. } => client.close(),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.close()),
        }
    }

    #[napi(getter)]
    pub fn family_id(&self) -> u16 {
        match &self.backend {
            Backend::Threaded { client, .. } => client.family_id(),
            #[cfg(unix)]
            Backend::Polled(p) => p.with_client(|c| c.family_id()),
        }
    }
}

/// Cuts a buffer of concatenated Sandesh messages at message boundaries.
fn split_messages(payload: &[u8]) -> Result<Vec<Request>> {
    let mut r = Reader::new(payload);
    let mut out = Vec::new();
    while !r.is_empty() {
        let start = r.position();
        let _: Message = sandesh::MessageSet::decode(&mut r).map_err(|e: sandesh::DecodeError| Error::new(Status::InvalidArg, e.to_string()))?;
        out.push(Request::Encoded(payload[start..r.position()].to_vec()));
    }
    Ok(out)
}

/// Turns a batch of client events into columns (on the JavaScript thread).
pub(crate) fn batch(events: Vec<ClientEvent>) -> NativeEventBatch {
    let n = events.len();
    let mut data = vec![0u8; BATCH_HEADER + n * EVENT_RECORD];
    data[..4].copy_from_slice(&(n as u32).to_le_bytes());
    let mut messages: Vec<Option<String>> = Vec::new();
    for (i, e) in events.into_iter().enumerate() {
        let (kind, id, code, objects, message): (u8, u64, i32, &[Message], Option<String>) = match &e {
            ClientEvent::Session(Event::Reply { id, response_code, objects }) => (EV_REPLY, id.get(), *response_code, objects, None),
            ClientEvent::Session(Event::Failed { id, error }) => {
                let protocol = matches!(error, RequestError::Protocol(_)) as i32;
                (EV_FAILED, id.get(), protocol, &[], Some(error.to_string()))
            }
            ClientEvent::Session(Event::DumpPage { id, objects, more }) => (EV_DUMP_PAGE, id.get(), *more as i32, objects, None),
            ClientEvent::Session(Event::DumpFailed { id, error }) => {
                let code = if let DumpError::Response(c) = error { *c } else { 0 };
                (EV_DUMP_FAILED, id.get(), code, &[], Some(error.to_string()))
            }
            ClientEvent::Session(Event::SessionFailed(e)) => (EV_CLOSED, 0, 1, &[], Some(e.to_string())),
            ClientEvent::Closed(ClientClosed { message, cause, .. }) => (EV_CLOSED, 0, (*cause == CloseCause::Protocol) as i32, &[], Some(message.clone())),
        };
        let at = BATCH_HEADER + i * EVENT_RECORD;
        data[at..at + 4].copy_from_slice(&u32::from(kind).to_le_bytes());
        data[at + 4..at + 8].copy_from_slice(&code.to_le_bytes());
        data[at + 8..at + 12].copy_from_slice(&(objects.len() as u32).to_le_bytes());
        data[at + 16..at + 24].copy_from_slice(&(id as f64).to_le_bytes());
        objects.iter().for_each(|m| m.encode(&mut data));
        if let Some(m) = message {
            messages.resize(i, None);
            messages.push(Some(m));
        }
    }
    if !messages.is_empty() {
        messages.resize(n, None);
    }
    NativeEventBatch { data: data.into(), messages: (!messages.is_empty()).then_some(messages) }
}

/// The errno name of a negative response code (`ENOENT` for −2), if it has one.
#[napi]
pub fn errno_name(code: i32) -> Option<&'static str> {
    vrouter_proto::ksync::errno_name(code)
}

/// A short reason for a negative response code, worded for vRouter's uses of it.
#[napi]
pub fn errno_description(code: i32) -> Option<&'static str> {
    vrouter_proto::ksync::errno_description(code)
}
