//! The ksync client for JavaScript: `vrouter_io::ksync::KsyncClient` (threads, session, I/O)
//! behind a small object, with its events delivered to one JavaScript callback in batches.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use sandesh::Reader;
use vrouter_io::ksync::{ClientClosed, ClientEvent, ClientOptions, CloseCause, KsyncClient};
use vrouter_proto::ksync::{DumpError, DumpId, Event, Request, RequestError, RequestId};
use vrouter_proto::messages::Message;

/// Event kinds of a batch (mirrored in lib/ksync.ts).
const EV_REPLY: u8 = 0;
const EV_FAILED: u8 = 1;
const EV_DUMP_PAGE: u8 = 2;
const EV_DUMP_FAILED: u8 = 3;
const EV_CLOSED: u8 = 4;

/// Events of one read, as columns: one entry per event, objects back to back in `objects`.
#[napi(object, object_from_js = false)]
pub struct NativeEventBatch {
    pub kinds: Uint8Array,
    /// Request or dump ids.
    pub ids: Float64Array,
    /// Reply: `resp_code`. Dump page: 1 while more pages follow, 0 on the last. Dump failed: the
    /// refusing `resp_code`, or 0. Failed and closed: 1 for a protocol error, 0 otherwise.
    pub codes: Int32Array,
    /// Objects of each event, in `objects`.
    pub counts: Uint32Array,
    /// The events' objects, encoded back to back (decoded in one call).
    pub objects: Buffer,
    /// Why, for failures.
    pub messages: Vec<Option<String>>,
}

/// Options of `connectKsync`.
#[napi(object)]
pub struct NativeKsyncOptions {
    pub family_id: Option<u16>,
    pub pid: Option<u32>,
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
    client: KsyncClient,
    events: Arc<Events>,
}

/// Connects to `endpoint`; `on_events` receives every answer, in batches.
#[napi]
pub fn connect_ksync(
    endpoint: String,
    options: NativeKsyncOptions,
    on_events: Function<NativeEventBatch, ()>,
) -> Result<Either<NativeKsync, ConnectFailure>> {
    // Weak: an idle connection must not keep Node running; `setActive` refs it while work is pending.
    let events: Arc<Events> = Arc::new(on_events.build_threadsafe_function().callee_handled::<false>().weak::<true>().build_callback(|ctx| Ok(batch(ctx.value)))?);
    let sink = events.clone();
    let options = ClientOptions { family_id: options.family_id, pid: options.pid, ..Default::default() };
    let deliver = Box::new(move |batch: Vec<ClientEvent>| {
        sink.call(batch, ThreadsafeFunctionCallMode::NonBlocking);
    });
    match KsyncClient::connect(&endpoint, options, deliver) {
        Ok(client) => Ok(Either::A(NativeKsync { client, events })),
        Err(e) => Ok(Either::B(ConnectFailure { code: crate::transport_code::of(e.kind()).into(), message: e.to_string() })),
    }
}

#[napi]
impl NativeKsync {
    /// Submits the Sandesh messages of `payload` (back to back) as requests; returns the id of
    /// the first (the others follow consecutively).
    #[napi]
    pub fn submit(&self, payload: Uint8Array) -> Result<f64> {
        let requests = split_messages(&payload)?;
        let ids = self.client.submit_many(requests).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
        Ok(ids.first().map(|id| id.get() as f64).unwrap_or(0.0))
    }

    /// Starts a dump of the one message in `payload` (its filter fields); returns the dump id.
    #[napi]
    pub fn dump(&self, payload: Uint8Array) -> Result<f64> {
        let mut r = Reader::new(&payload);
        let m = sandesh::MessageSet::decode(&mut r).map_err(|e: sandesh::DecodeError| Error::new(Status::InvalidArg, e.to_string()))?;
        let id = self.client.dump(m).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
        Ok(id.get() as f64)
    }

    /// Drops a request: its answer, if it comes, is not reported.
    #[napi]
    pub fn cancel(&self, id: f64) {
        self.client.cancel(RequestId::from_number(id as u64));
    }

    /// Stops a dump's paging.
    #[napi]
    pub fn cancel_dump(&self, id: f64) {
        self.client.cancel_dump(DumpId::from_number(id as u64));
    }

    /// While `active`, the connection keeps Node running (answers are awaited).
    #[napi]
    pub fn set_active(&self, env: Env, active: bool) {
        let raw = self.events.handle.get_raw();
        // SAFETY: called on the JavaScript thread, with the function's own handle.
        unsafe {
            if active {
                sys::napi_ref_threadsafe_function(env.raw(), raw);
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), raw);
            }
        }
    }

    /// Closes the connection; idempotent.
    #[napi]
    pub fn close(&self) {
        self.client.close();
    }

    #[napi(getter)]
    pub fn family_id(&self) -> u16 {
        self.client.family_id()
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
fn batch(events: Vec<ClientEvent>) -> NativeEventBatch {
    let n = events.len();
    let (mut kinds, mut ids, mut codes, mut counts) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut objects = Vec::new();
    let mut messages = Vec::with_capacity(n);
    let mut push = |kind: u8, id: u64, code: i32, objs: &[Message], message: Option<String>| {
        kinds.push(kind);
        ids.push(id as f64);
        codes.push(code);
        counts.push(objs.len() as u32);
        objs.iter().for_each(|m| m.encode(&mut objects));
        messages.push(message);
    };
    for e in events {
        match e {
            ClientEvent::Session(Event::Reply { id, response_code, objects }) => push(EV_REPLY, id.get(), response_code, &objects, None),
            ClientEvent::Session(Event::Failed { id, error }) => {
                let protocol = matches!(error, RequestError::Protocol(_)) as i32;
                push(EV_FAILED, id.get(), protocol, &[], Some(error.to_string()))
            }
            ClientEvent::Session(Event::DumpPage { id, objects, more }) => push(EV_DUMP_PAGE, id.get(), more as i32, &objects, None),
            ClientEvent::Session(Event::DumpFailed { id, error }) => {
                let code = if let DumpError::Response(c) = error { c } else { 0 };
                push(EV_DUMP_FAILED, id.get(), code, &[], Some(error.to_string()))
            }
            ClientEvent::Session(Event::SessionFailed(e)) => push(EV_CLOSED, 0, 1, &[], Some(e.to_string())),
            ClientEvent::Closed(ClientClosed { message, cause, .. }) => {
                push(EV_CLOSED, 0, (cause == CloseCause::Protocol) as i32, &[], Some(message))
            }
        }
    }
    NativeEventBatch {
        kinds: kinds.into(),
        ids: ids.into(),
        codes: codes.into(),
        counts: counts.into(),
        objects: objects.into(),
        messages,
    }
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
