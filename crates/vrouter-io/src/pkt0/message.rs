//! pkt0 over any message transport (one frame per read, one per write): on Windows the driver's
//! `\\.\vrouterPkt0` device and the simulator's message pipes, read with overlapped reads that
//! pend until a frame arrives (PROTOCOL.md §5.3). The device hands over one frame per read, so
//! a read is a batch of one; the queue still hands JavaScript everything waiting at once.

// Under `cfg(test)` on other platforms only the reader is exercised.
#![cfg_attr(not(windows), allow(dead_code))]

use std::io;
use std::sync::Mutex;

use super::link::{FrameReader, FrameWriter, SendStop};
use crate::cancel::Canceller;
use crate::error::ErrorKind;
use crate::transport::{TransportRead, TransportWrite};

/// Bytes read per frame: the agent's 9060-byte buffer and the driver's jumbo frames fit.
pub const READ_BUFFER: usize = 9 * 1024 + 512;

/// The read half, and the canceller that interrupts it.
pub(crate) struct MessageReader {
    inner: Box<dyn TransportRead>,
    buf: Vec<u8>,
    canceller: Canceller,
}

impl MessageReader {
    pub(crate) fn new(inner: Box<dyn TransportRead>) -> Self {
        let canceller = inner.canceller();
        MessageReader { inner, buf: vec![0u8; READ_BUFFER], canceller }
    }

    /// What interrupts a pending read.
    pub(crate) fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }
}

impl FrameReader for MessageReader {
    fn read(&mut self, _max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize> {
        if self.canceller.is_cancelled() {
            return Ok(0);
        }
        match self.inner.read(&mut self.buf) {
            Ok(n) => {
                frame(&self.buf[..n], false);
                Ok(1)
            }
            // Longer than the buffer: the transport discarded it; count it, do not deliver it.
            Err(e) if e.kind() == ErrorKind::MessageTooLarge => {
                frame(&[], true);
                Ok(1)
            }
            Err(e) if e.kind() == ErrorKind::Cancelled => Ok(0),
            Err(e) => Err(io::Error::other(e.to_string())),
        }
    }
}

/// The write half: one write per frame.
pub(crate) struct MessageWriter {
    /// `None` once shut down: dropping the write half (the read half is gone with the reader
    /// thread) closes the handle, which frees the single-opener device for the next agent.
    inner: Mutex<Option<Box<dyn TransportWrite>>>,
}

impl MessageWriter {
    pub(crate) fn new(inner: Box<dyn TransportWrite>) -> Self {
        MessageWriter { inner: Mutex::new(Some(inner)) }
    }
}

impl FrameWriter for MessageWriter {
    fn send(&self, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>) {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(w) = guard.as_mut() else {
            return (0, Some(SendStop::Failed(io::Error::other("the pkt0 channel is closed"))));
        };
        let mut at = 0usize;
        for (i, &l) in lens.iter().enumerate() {
            let frame = &bytes[at..at + l as usize];
            at += l as usize;
            if let Err(e) = w.write_all(frame) {
                return (i, Some(SendStop::Failed(io::Error::other(e.to_string()))));
            }
        }
        (lens.len(), None)
    }

    fn shutdown(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, Result};
    use crate::transport::Framing;

    /// Frames handed out in order; `None` is a frame too long for the buffer; then cancelled.
    struct Script(Vec<Option<Vec<u8>>>, Canceller);

    impl TransportRead for Script {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
            match self.0.pop() {
                Some(Some(f)) => {
                    buf[..f.len()].copy_from_slice(&f);
                    Ok(f.len())
                }
                Some(None) => Err(Error::new(ErrorKind::MessageTooLarge, "too long")),
                None => Err(Error::new(ErrorKind::Cancelled, "cancelled")),
            }
        }
        fn canceller(&self) -> Canceller {
            self.1.clone()
        }
        fn framing(&self) -> Framing {
            Framing::Message
        }
    }

    #[test]
    fn one_frame_per_read_too_long_ones_flagged_cancel_ends_quietly() {
        let mut r = MessageReader::new(Box::new(Script(vec![None, Some(vec![1, 2, 3])], Canceller::new())));
        let mut seen = Vec::new();
        let mut take = |f: &[u8], t: bool| seen.push((f.to_vec(), t));
        assert_eq!(r.read(1, &mut take).unwrap(), 1);
        assert_eq!(r.read(1, &mut take).unwrap(), 1);
        assert_eq!(r.read(1, &mut take).unwrap(), 0);
        assert_eq!(seen, [(vec![1, 2, 3], false), (vec![], true)]);
    }
}
