//! The byte-transport traits every channel (ksync, pkt0) is carried over, on every OS.
//!
//! A transport is a connected, bidirectional channel. It is used as two halves so that one thread can sit in a
//! blocking [`read`](TransportRead::read) (pkt0 traffic arrives at any time) while another writes. A read that may
//! block forever needs a way out: each read half hands out a [`Canceller`] usable from any thread.

use crate::cancel::Canceller;
use crate::error::Result;

/// How the bytes of a transport are delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// A byte stream: a read returns whatever has arrived; frames are reassembled by the reader (ksync frames by
    /// `nlmsg_len`). Used by ksync over pipes and sockets.
    Stream,
    /// Message boundaries are kept: one write is one frame, one read returns exactly one frame (pkt0).
    Message,
}

/// The receiving half of a transport.
pub trait TransportRead: Send {
    /// Blocks until data arrives, then copies it into `buf` and returns how much.
    ///
    /// On a [`Framing::Stream`] transport, returns at least one byte (never `Ok(0)` for a non-empty `buf`).
    /// On a [`Framing::Message`] transport, returns exactly one whole message; a message longer than `buf` is
    /// discarded and reported as [`ErrorKind::MessageTooLarge`](crate::ErrorKind::MessageTooLarge).
    ///
    /// Fails with [`ErrorKind::PeerClosed`](crate::ErrorKind::PeerClosed) once the other end has gone, and with
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) while this half's [`Canceller`] is cancelled.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize>;

    /// A handle that cancels a blocked [`read`](TransportRead::read) from another thread.
    fn canceller(&self) -> Canceller;

    /// How this transport delimits data.
    fn framing(&self) -> Framing;
}

/// The sending half of a transport.
pub trait TransportWrite: Send {
    /// Writes all of `buf`. On a [`Framing::Message`] transport `buf` is sent as one message.
    ///
    /// Fails with [`ErrorKind::PeerClosed`](crate::ErrorKind::PeerClosed) once the other end has gone.
    fn write_all(&mut self, buf: &[u8]) -> Result<()>;
}

/// A connected, bidirectional transport.
///
/// Reading and writing through the whole transport is fine for request/response use from one thread; [`split`]
/// gives halves that can move to different threads.
///
/// [`split`]: Transport::split
pub trait Transport: TransportRead + TransportWrite {
    /// Separates the halves, to read on one thread and write on another. The channel closes when both are dropped.
    fn split(self: Box<Self>) -> (Box<dyn TransportRead>, Box<dyn TransportWrite>);
}
