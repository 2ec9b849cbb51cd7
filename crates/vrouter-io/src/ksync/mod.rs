//! The ksync client: a [`KsyncSession`](vrouter_proto::ksync::KsyncSession) (sans-I/O, in `vrouter-proto`) driven
//! over a ksync transport by two threads of its own ([`KsyncClient`], any endpoint), or by the caller's event loop
//! ([`PolledKsyncClient`], stream sockets on Unix: no thread hand-offs, for the lowest round-trip time). Both report
//! the same events in the same order; what follows describes the threaded one.
//!
//! ```text
//!  callers (any thread: JS main thread, tests)            writer thread                   reader thread
//!  submit / dump / cancel / expire / close                waits on the condvar until      blocks in transport.read
//!    │ lock; session.submit(..); unlock;                  the session has frames to       (outside the lock)
//!    │ notify the writer                                  send and room in flight;          │ lock
//!    ▼                                                    poll_transmit into a reused       │ handle_frame for each
//!  Mutex<State { session, closed, outbox }> ◄───────────  buffer under the lock;            │ message; drain events
//!                                                         write outside the lock            │ wake the writer if a
//!                                                                                           │ dump page or room freed
//!                                                                                           ▼ unlock; on_events(batch)
//! ```
//!
//! - **Nobody blocks on I/O but the two threads.** A caller's [`submit`](KsyncClient::submit) only takes the lock for
//!   the time it takes to queue bytes (messages are encoded before the lock is taken) and notifies the writer.
//! - **Events in batches, in order.** Events reach `on_events` as `Vec`s: one call per transport read that produced
//!   any, never one per event. Events produced elsewhere ([`expire_oldest_frame`](KsyncClient::expire_oldest_frame),
//!   [`close`](KsyncClient::close), a failed write) go through the same outbox. Only one thread calls `on_events` at a
//!   time, and never while holding the lock: whoever finds the outbox non-empty and nobody delivering becomes the
//!   deliverer and keeps delivering until the outbox is empty. So `on_events` may call any method of the client
//!   (e.g. `submit` the next request, or `close`) without deadlock, and batches arrive in the order the events
//!   happened.
//! - **Writes batch too.** The writer takes every frame the session will give (up to its in-flight limit) in one lock
//!   and sends them in one write on a stream, one datagram each on netlink.
//! - **Ending.** [`ClientEvent::Closed`] is reported exactly once and is the last event: after a transport failure
//!   (read or write error, peer gone), after a protocol error (the session reports each pending request and dump
//!   failed, then [`Event::SessionFailed`](vrouter_proto::ksync::Event::SessionFailed), then `Closed`), or after
//!   [`close`](KsyncClient::close). Whatever was still pending without its own failure event when `Closed` comes
//!   (always the case after a transport failure or `close`) will never be answered: the receiver fails it. Then the
//!   read is cancelled, both threads end and the transport is closed; a new [`connect`](KsyncClient::connect) works
//!   at once.
//!
//! The family id and `nlmsg_pid` of requests come from the endpoint (24 on Unix/TCP sockets, 1 on Windows, looked up
//! on `netlink:`) and the process id, as the agent does; [`ClientOptions`] overrides them and the session's framing.

mod client;
mod event;
mod options;
#[cfg(unix)]
mod polled;
mod reader;
mod shared;
mod writer;

pub use client::KsyncClient;
pub use event::{ClientClosed, ClientEvent, CloseCause};
pub use options::{ClientOptions, SessionOptions};
#[cfg(unix)]
pub use polled::PolledKsyncClient;
