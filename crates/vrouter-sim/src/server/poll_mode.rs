//! Poll-mode reading for ksync connections: after the peer's last bytes, keep looking for the
//! next request for a short while before going to sleep in a blocking read.
//!
//! A forwarding engine built on DPDK polls; a simulator thread that sleeps instead pays for a
//! wake-up on every request, and on a virtual machine waking a halted vCPU costs tens of
//! microseconds — more than the whole request. An agent waiting for one answer before sending
//! its next request (the common case) then measures the simulator's sleep, not its own path.
//! So a connection that was just active polls with non-blocking reads for [`POLL_WINDOW`]
//! before it blocks; an idle connection costs nothing.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// How long a connection keeps polling after its last activity. Long enough to cover an agent's
/// turnaround between an answer and its next request, short enough not to matter when idle.
pub const POLL_WINDOW: Duration = Duration::from_micros(200);

/// A stream whose reads poll for [`POLL_WINDOW`] before blocking.
pub struct PollingStream<S> {
    inner: S,
    window: Duration,
}

impl<S: Read + Write + AsRawFd> PollingStream<S> {
    pub fn new(inner: S, window: Duration) -> Self {
        PollingStream { inner, window }
    }

    /// One non-blocking receive: `Ok(None)` when nothing is there yet.
    fn try_read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // SAFETY: `buf` is valid for `buf.len()` bytes and the descriptor is open for `inner`'s life.
        let n = unsafe {
            libc::recv(self.inner.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT)
        };
        if n >= 0 {
            return Ok(Some(n as usize));
        }
        let err = io::Error::last_os_error();
        match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
            _ => Err(err),
        }
    }
}

impl<S: Read + Write + AsRawFd> Read for PollingStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.window.is_zero() {
            let start = Instant::now();
            loop {
                if let Some(n) = self.try_read(buf)? {
                    return Ok(n);
                }
                if start.elapsed() >= self.window {
                    break;
                }
                std::hint::spin_loop();
            }
        }
        self.inner.read(buf)
    }
}

impl<S: Write> Write for PollingStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
