//! Waiting for a descriptor to become readable, interruptibly: `poll` on the descriptor and an
//! eventfd that `close` signals, so that a reader thread stops at once rather than on a timeout.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// An eventfd that wakes [`wait_readable`].
#[derive(Debug)]
pub(crate) struct Waker(OwnedFd);

impl Waker {
    pub(crate) fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; the descriptor is owned from here on.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor nobody else owns.
        Ok(Waker(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// Wakes every present and future wait (the eventfd stays readable).
    pub(crate) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64. A full counter is as good as a write.
        unsafe { libc::write(self.0.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    pub(crate) fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// What [`wait_readable`] saw.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ready {
    /// `fd` has something to read (or an error to report).
    Readable,
    /// The waker was signalled.
    Woken,
    /// Neither within the timeout.
    Timeout,
}

/// Waits until `fd` is readable or `waker` is signalled, at most `timeout_ms` (−1: no limit).
pub(crate) fn wait_readable(fd: RawFd, waker: &Waker, timeout_ms: i32) -> io::Result<Ready> {
    let mut fds = [
        libc::pollfd { fd, events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: waker.fd(), events: libc::POLLIN, revents: 0 },
    ];
    loop {
        // SAFETY: two valid pollfd entries.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if fds[1].revents != 0 {
            return Ok(Ready::Woken);
        }
        if fds[0].revents != 0 {
            return Ok(Ready::Readable);
        }
        return Ok(Ready::Timeout);
    }
}
