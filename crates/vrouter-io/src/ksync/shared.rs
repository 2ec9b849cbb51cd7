//! The state the caller's threads, the reader and the writer share: the session under one lock, the event outbox and
//! its single deliverer, and closing.

use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use vrouter_proto::ksync::KsyncSession;

use crate::cancel::Canceller;

use super::event::{ClientClosed, ClientEvent};

/// The `on_events` callback.
pub(super) type EventSink = Box<dyn FnMut(Vec<ClientEvent>) + Send>;

/// Everything guarded by the lock.
pub(super) struct State {
    pub(super) session: KsyncSession,
    /// Set once, when the client closes; the threads end when they see it.
    pub(super) closed: Option<ClientClosed>,
    /// Events not delivered yet, oldest first.
    outbox: Vec<ClientEvent>,
    /// Whether a thread is delivering (see [`Shared::deliver`]).
    delivering: bool,
}

impl State {
    /// Moves the session's new events to the outbox. After `Closed` nothing more is reported: whatever the session
    /// still says concerns work that `Closed` already ended.
    pub(super) fn collect(&mut self) {
        while let Some(event) = self.session.poll_event() {
            if self.closed.is_none() {
                self.outbox.push(ClientEvent::Session(event));
            }
        }
    }

    /// Whether events wait for delivery and nobody is delivering them.
    pub(super) fn needs_delivery(&self) -> bool {
        !self.outbox.is_empty() && !self.delivering
    }
}

/// Shared by the client handle and its two threads.
pub(super) struct Shared {
    state: Mutex<State>,
    /// The writer waits here for frames to send (or for the close).
    writer_wake: Condvar,
    /// Locked only by the deliverer, so never contended (a mutex only to make the `FnMut` shareable).
    sink: Mutex<EventSink>,
    /// Cancels the reader's blocked read.
    read_canceller: Canceller,
    pub(super) endpoint: String,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere (in `on_events`, caught below) must not make the client unusable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(super) fn new(
        session: KsyncSession,
        sink: EventSink,
        read_canceller: Canceller,
        endpoint: String,
    ) -> Self {
        Shared {
            state: Mutex::new(State {
                session,
                closed: None,
                outbox: Vec::new(),
                delivering: false,
            }),
            writer_wake: Condvar::new(),
            sink: Mutex::new(sink),
            read_canceller,
            endpoint,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        relock(&self.state)
    }

    /// Tells the writer to look at the session again.
    pub(super) fn wake_writer(&self) {
        self.writer_wake.notify_one();
    }

    /// Sleeps the writer until [`wake_writer`](Self::wake_writer) (or spuriously; the writer re-checks).
    pub(super) fn wait_writer<'a>(&self, state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.writer_wake
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the client unless already closed: the session's last events, then `Closed`, go to the outbox; the
    /// writer is woken and the read cancelled so that both threads end (and the transport with them).
    pub(super) fn close(&self, state: &mut State, closed: ClientClosed) {
        if state.closed.is_some() {
            return;
        }
        state.collect();
        state.outbox.push(ClientEvent::Closed(closed.clone()));
        state.closed = Some(closed);
        self.writer_wake.notify_all();
        // Runs the transport's abort action (a shutdown, an eventfd write, CancelIoEx): quick and lock-free with
        // respect to the state, so fine under the lock.
        self.read_canceller.cancel();
    }

    /// Releases the lock and delivers the outbox to `on_events`, unless another thread is delivering (it will
    /// deliver these events too, after its current batch: that keeps batches in order without ever calling
    /// `on_events` under the lock, so `on_events` may call back into the client).
    pub(super) fn deliver<'a>(&'a self, mut state: MutexGuard<'a, State>) {
        if state.delivering || state.outbox.is_empty() {
            return;
        }
        state.delivering = true;
        loop {
            let batch = mem::take(&mut state.outbox);
            drop(state);
            {
                let mut sink = relock(&self.sink);
                // A panicking callback loses its batch but must not leave `delivering` set forever (or kill the
                // reader thread silently).
                let _ = panic::catch_unwind(AssertUnwindSafe(|| sink(batch)));
            }
            state = self.lock();
            if state.outbox.is_empty() {
                state.delivering = false;
                return;
            }
        }
    }
}
