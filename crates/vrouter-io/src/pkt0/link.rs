//! What a pkt0 transport provides to the channel: a reader the reader thread owns and a writer
//! any thread may use.

use std::io;
use std::os::fd::RawFd;

use super::mmsg::SendStop;

/// The receiving half of a transport.
pub(crate) trait FrameReader: Send {
    /// The descriptor to wait on for readability.
    fn fd(&self) -> RawFd;
    /// Reads what is there without waiting, calling `frame(bytes, truncated)` for each frame;
    /// returns how many were read (0: nothing was there).
    fn read(&mut self, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize>;
}

/// The sending half of a transport.
pub(crate) trait FrameWriter: Send + Sync {
    /// Sends the frames of `bytes` (one per entry of `lens`) without waiting; returns how many
    /// went and why the rest did not.
    fn send(&self, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>);
    /// Stops both directions (wakes a blocked reader where the OS allows).
    fn shutdown(&self) {}
}
