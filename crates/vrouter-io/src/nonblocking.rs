//! Non-blocking stream sockets, for callers that bring their own event loop (Node's libuv):
//! the loop says when the socket is readable or writable; reads and writes here never block.
//!
//! Only the stream endpoints (`unix:` and `tcp:`) have this form. The others keep the blocking
//! [`Transport`](crate::Transport) with threads: `netlink:` answers inside the kernel's `send`,
//! and Windows devices and pipes have their own overlapped semantics.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::{tcp, unix};

#[derive(Debug)]
enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// A connected stream socket in non-blocking mode.
#[derive(Debug)]
pub struct NonBlockingStream {
    socket: Socket,
}

impl NonBlockingStream {
    /// Connects to a `unix:` or `tcp:` endpoint (blocking for the connect itself, which is
    /// local and immediate or refused), then makes the socket non-blocking. `None` for endpoints
    /// of another kind. Errors are those of [`unix::connect`] and [`tcp::connect`].
    pub fn connect(endpoint: &Endpoint) -> Option<Result<Self>> {
        let socket = match *endpoint {
            Endpoint::Unix(path) => UnixStream::connect(path)
                .map(Socket::Unix)
                .map_err(|e| unix::connect_error(e, format!("connect unix:{path}"))),
            Endpoint::Tcp(address) => tcp::connect_stream(address).map(Socket::Tcp),
            _ => return None,
        };
        Some(socket.and_then(|socket| {
            let set = match &socket {
                Socket::Unix(s) => s.set_nonblocking(true),
                Socket::Tcp(s) => s.set_nonblocking(true),
            };
            set.map_err(|e| Error::from_os(e, "make the ksync socket non-blocking"))?;
            Ok(NonBlockingStream { socket })
        }))
    }

    /// The descriptor, to register with an event loop. Valid while `self` lives.
    pub fn raw_fd(&self) -> RawFd {
        match &self.socket {
            Socket::Unix(s) => s.as_raw_fd(),
            Socket::Tcp(s) => s.as_raw_fd(),
        }
    }

    /// Reads what has arrived: `Ok(None)` when nothing has. The end of the stream is
    /// [`ErrorKind::PeerClosed`].
    pub fn try_read(&mut self, buf: &mut [u8]) -> Result<Option<usize>> {
        loop {
            let read = match &mut self.socket {
                Socket::Unix(s) => s.read(buf),
                Socket::Tcp(s) => s.read(buf),
            };
            return match read {
                Ok(0) if !buf.is_empty() => Err(Error::new(ErrorKind::PeerClosed, "read")),
                Ok(n) => Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
                Err(e) => Err(Error::from_os(e, "read")),
            };
        }
    }

    /// Writes what the socket takes now: `Ok(None)` when it takes nothing.
    pub fn try_write(&mut self, buf: &[u8]) -> Result<Option<usize>> {
        loop {
            // std sends with MSG_NOSIGNAL: a closed peer is EPIPE here, never a SIGPIPE.
            let written = match &mut self.socket {
                Socket::Unix(s) => s.write(buf),
                Socket::Tcp(s) => s.write(buf),
            };
            return match written {
                Ok(0) if !buf.is_empty() => Err(Error::new(ErrorKind::PeerClosed, "write")),
                Ok(n) => Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
                Err(e) => Err(Error::from_os(e, "write")),
            };
        }
    }

    /// Ends both directions now (the descriptor stays open until `self` is dropped).
    pub fn shutdown(&self) {
        // Fails only when no longer connected, which is what was wanted.
        let _ = match &self.socket {
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
        };
    }
}
