//! The writer thread: frames out of the session under the lock, onto the transport outside it.

use std::sync::Arc;

use crate::error::Result;
use crate::transport::{Framing, TransportWrite};

use super::event::ClientClosed;
use super::shared::Shared;

/// Initial capacity of the frame buffer: one agent-sized frame; it grows to the largest batch once and stays.
const INITIAL_BUFFER: usize = 4096;

/// Runs until the client closes or a write fails.
pub(super) fn run(shared: Arc<Shared>, mut transport: Box<dyn TransportWrite>, framing: Framing) {
    let mut out = Vec::with_capacity(INITIAL_BUFFER);
    let mut lengths = Vec::new();
    loop {
        let mut state = shared.lock();
        loop {
            if state.closed.is_some() {
                return;
            }
            out.clear();
            lengths.clear();
            while let Some(frame) = state.session.poll_transmit(&mut out) {
                lengths.push(frame.len);
            }
            // poll_transmit reports the requests of a frame it could not build.
            state.collect();
            if !out.is_empty() {
                break;
            }
            if state.needs_delivery() {
                // Deliver what poll_transmit reported, then look again (a wake-up may have come meanwhile).
                shared.deliver(state);
                state = shared.lock();
                continue;
            }
            // Nothing queued, or no room in flight: callers wake us when they queue, the reader when answers free
            // room or a dump queues its next page.
            state = shared.wait_writer(state);
        }
        shared.deliver(state);
        if let Err(e) = write(&mut *transport, framing, &out, &lengths) {
            let mut state = shared.lock();
            shared.close(&mut state, ClientClosed::transport(&shared.endpoint, &e));
            shared.deliver(state);
            return;
        }
    }
}

/// Sends the frames: in one write on a stream, one datagram each on a message transport.
fn write(
    transport: &mut dyn TransportWrite,
    framing: Framing,
    out: &[u8],
    lengths: &[usize],
) -> Result<()> {
    match framing {
        Framing::Stream => transport.write_all(out),
        Framing::Message => {
            let mut rest = out;
            for &len in lengths {
                let (frame, tail) = rest.split_at(len);
                transport.write_all(frame)?;
                rest = tail;
            }
            Ok(())
        }
    }
}
