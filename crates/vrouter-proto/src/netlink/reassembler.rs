//! Cutting a byte stream (DPDK's Unix socket or TCP, a Windows pipe) into netlink messages.
//!
//! Stream transports carry messages back to back with no length prefix other than `nlmsg_len`, and
//! a read may end anywhere: inside a header, inside a body, or several messages later. The
//! reassembler keeps the unconsumed bytes in one buffer that the transport reads into directly.

use super::constants::{MAX_FRAME_LEN, NLMSG_HDRLEN};
use super::error::FrameError;
use super::header::NetlinkHeader;

/// Accumulates stream bytes and hands out complete netlink messages.
///
/// Typical loop, reading straight into the reassembler's buffer (no copy):
///
/// ```
/// # use vrouter_proto::netlink::StreamReassembler;
/// # use std::io::Read;
/// # fn run(mut stream: impl Read) -> Result<(), Box<dyn std::error::Error>> {
/// let mut reasm = StreamReassembler::new();
/// loop {
///     let n = stream.read(reasm.spare(4096))?;
///     if n == 0 { break; }
///     reasm.commit(n);
///     while let Some(frame) = reasm.pop()? {
///         // parse_reply(frame) / parse_request(frame) ...
///         # let _ = frame;
///     }
/// }
/// # Ok(()) }
/// ```
///
/// Memory: when every complete message is popped before the next read, the buffer holds at most
/// one partial message (< the maximum message length) plus one read, so it never grows beyond
/// `max_frame_len + min` for the largest `min` passed to [`spare`](Self::spare).
///
/// A message whose `nlmsg_len` is below 16 or above the maximum cannot be skipped (nothing marks
/// where the next one starts), so the stream is lost: [`pop`](Self::pop) returns the error from then
/// on, further bytes are discarded, and the transport should close the connection (or call
/// [`reset`](Self::reset) if it knows the stream restarts cleanly).
#[derive(Debug, Clone)]
pub struct StreamReassembler {
    /// Storage; `buf.len()` is the usable capacity (zero-initialised once, then reused).
    buf: Vec<u8>,
    /// First byte not yet handed out.
    start: usize,
    /// One past the last byte received.
    end: usize,
    max_frame_len: usize,
    failure: Option<FrameError>,
}

impl Default for StreamReassembler {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamReassembler {
    /// A reassembler refusing messages longer than 4096 bytes (the agent's and Windows' limit).
    pub fn new() -> Self {
        Self::with_max_frame_len(MAX_FRAME_LEN)
    }

    /// A reassembler refusing messages longer than `max_frame_len` (at least 16 is used).
    pub fn with_max_frame_len(max_frame_len: usize) -> Self {
        StreamReassembler {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max_frame_len: max_frame_len.max(NLMSG_HDRLEN),
            failure: None,
        }
    }

    /// The largest `nlmsg_len` accepted.
    pub fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Bytes received and not yet handed out by [`pop`](Self::pop).
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// The error that made the stream unusable, if any (see the type's docs).
    pub fn failure(&self) -> Option<FrameError> {
        self.failure
    }

    /// Whether the stream is unusable and must be closed or [`reset`](Self::reset).
    pub fn is_broken(&self) -> bool {
        self.failure.is_some()
    }

    /// Drops every buffered byte and any failure, for a fresh stream. Keeps the allocation.
    pub fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.failure = None;
    }

    /// Free space to read into, at least `min` bytes (and at least 1, so that a read into it never
    /// returns 0 for lack of room). Follow with [`commit`](Self::commit) of the bytes written.
    ///
    /// Moves unread bytes to the front of the buffer and grows it only when the free tail is too small.
    pub fn spare(&mut self, min: usize) -> &mut [u8] {
        let min = min.max(1);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < min {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < min {
                self.buf.resize(self.end + min, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Declares that the first `n` bytes of the slice last returned by [`spare`](Self::spare) hold
    /// received data. Discarded if the stream is already broken.
    ///
    /// # Panics
    ///
    /// If `n` is larger than that slice (a caller bug, like `BufMut::advance_mut`'s).
    pub fn commit(&mut self, n: usize) {
        assert!(
            n <= self.buf.len() - self.end,
            "StreamReassembler::commit({n}) beyond the spare space"
        );
        if self.failure.is_none() {
            self.end += n;
        }
    }

    /// Copies `data` in (for transports that hand out their own buffers). Discarded if broken.
    pub fn push(&mut self, data: &[u8]) {
        if self.failure.is_some() || data.is_empty() {
            return;
        }
        let n = data.len();
        self.spare(n)[..n].copy_from_slice(data);
        self.commit(n);
    }

    /// Bytes still missing before the next message is complete: 0 if [`pop`](Self::pop) would return
    /// one, else the rest of the header or of the body. Lets a transport read exactly one message
    /// (vRouter's own readers read 16 bytes, then `nlmsg_len` − 16). 0 when broken.
    pub fn needed(&self) -> usize {
        if self.failure.is_some() {
            return 0;
        }
        let avail = &self.buf[self.start..self.end];
        match NetlinkHeader::peek(avail) {
            None => NLMSG_HDRLEN - avail.len(),
            Some(h) => (h.len as usize).saturating_sub(avail.len()),
        }
    }

    /// The next complete message, `Ok(None)` if more bytes are needed, or the error that broke the
    /// stream (returned again on every later call, until [`reset`](Self::reset)).
    ///
    /// The length is checked as soon as the 16 header bytes are in, so an oversized message is
    /// refused before its body is buffered.
    pub fn pop(&mut self) -> Result<Option<&[u8]>, FrameError> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        let avail = &self.buf[self.start..self.end];
        let Some(header) = NetlinkHeader::peek(avail) else {
            return Ok(None);
        };
        let len = header.len as usize;
        let problem = if len < NLMSG_HDRLEN {
            Some(FrameError::LengthBelowHeader {
                nlmsg_len: header.len,
            })
        } else if len > self.max_frame_len {
            Some(FrameError::FrameTooLong {
                nlmsg_len: header.len,
                max: self.max_frame_len,
            })
        } else {
            None
        };
        if let Some(e) = problem {
            self.failure = Some(e);
            self.start = 0;
            self.end = 0;
            return Err(e);
        }
        if avail.len() < len {
            return Ok(None);
        }
        let frame_start = self.start;
        self.start += len;
        Ok(Some(&self.buf[frame_start..frame_start + len]))
    }
}
