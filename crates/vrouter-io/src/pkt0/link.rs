//! What a pkt0 transport provides to the channel: a reader the reader thread owns and a writer
//! any thread may use.

use std::io;

/// Why a send stopped early.
#[derive(Debug)]
pub(crate) enum SendStop {
    /// The peer's queue is full: try later. (Sockets only: a Windows pipe write completes or fails.)
    #[cfg_attr(windows, allow(dead_code))]
    Full,
    /// Anything else.
    Failed(io::Error),
}

/// The receiving half of a transport.
pub(crate) trait FrameReader: Send {
    /// Waits for frames, then reads what is there — at most `max` where the transport can leave
    /// the rest waiting (a ring hands over whole blocks) — calling `frame(bytes, truncated)` for
    /// each (a truncated frame may come as an empty slice); returns how many were read, 0 when
    /// interrupted or when nothing came in time.
    fn read(&mut self, max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize>;
}

/// The sending half of a transport.
pub(crate) trait FrameWriter: Send + Sync {
    /// Sends the frames of `bytes` (one per entry of `lens`) without waiting; returns how many
    /// went and why the rest did not.
    fn send(&self, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>);
    /// Stops both directions (wakes a blocked reader where the OS allows).
    fn shutdown(&self) {}
}
