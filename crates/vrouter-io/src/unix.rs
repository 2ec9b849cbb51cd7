//! Stream sockets on Unix: ksync to DPDK vRouter over its Unix socket (`unix:/var/run/vrouter/dpdk_netlink`), and
//! to anything serving `tcp:HOST:PORT` (see [`tcp`](crate::tcp) for how that one is reached).
//!
//! A [`SocketTransport`] is a [`Framing::Stream`] transport over one connected socket that both halves share (std
//! reads and writes through `&UnixStream` / `&TcpStream`, so no lock is needed).
//!
//! Cancelling a blocked read shuts down the socket's receiving direction from the [`Canceller`]'s abort action: the
//! blocked `recv` returns at once. A shutdown is permanent, so a cancel landing between the read's flag check and its
//! `recv` is never lost (the `recv` returns immediately too). The price: cancelling ends reception on that socket
//! for good. After [`Canceller::reset`], reads report [`ErrorKind::PeerClosed`]; writes still work. Callers that
//! cancel (timeouts, close) are done with the connection anyway.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;

use crate::cancel::Canceller;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Framing, Transport, TransportRead, TransportWrite};

/// The connected socket under a [`SocketTransport`].
#[derive(Debug)]
enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Socket {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => (&*s).read(buf),
            Socket::Tcp(s) => (&*s).read(buf),
        }
    }

    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Socket::Unix(s) => (&*s).write(buf),
            Socket::Tcp(s) => (&*s).write(buf),
        }
    }

    fn shutdown_read(&self) {
        // Fails only when the socket is no longer connected, and then no read can be blocked on it.
        let _ = match self {
            Socket::Unix(s) => s.shutdown(Shutdown::Read),
            Socket::Tcp(s) => s.shutdown(Shutdown::Read),
        };
    }
}

/// A connected stream socket (Unix or TCP) used as a [`Transport`]. The socket closes when both halves are dropped.
#[derive(Debug)]
pub struct SocketTransport {
    reader: SocketReader,
    writer: SocketWriter,
}

/// The read half of a [`SocketTransport`].
#[derive(Debug)]
pub struct SocketReader {
    socket: Arc<Socket>,
    canceller: Canceller,
}

/// The write half of a [`SocketTransport`].
#[derive(Debug)]
pub struct SocketWriter {
    socket: Arc<Socket>,
}

/// Connects to the Unix stream socket at `path` (DPDK vRouter's `dpdk_netlink`, or a simulator's).
///
/// Errors: [`ErrorKind::NotFound`] when no socket file exists or nothing listens on it any more (a stale socket
/// file gives "connection refused", which means the same to a caller: nothing serves this endpoint),
/// [`ErrorKind::PermissionDenied`] when the file's mode excludes us.
pub fn connect(path: impl AsRef<Path>) -> Result<SocketTransport> {
    let path = path.as_ref();
    let context = || format!("connect unix:{}", path.display());
    let stream = UnixStream::connect(path).map_err(|e| connect_error(e, context()))?;
    Ok(SocketTransport::new(Socket::Unix(stream)))
}

/// Classifies a failed connect: "refused" is folded into [`ErrorKind::NotFound`] (see [`connect`]).
pub(crate) fn connect_error(err: io::Error, context: String) -> Error {
    if err.kind() == io::ErrorKind::ConnectionRefused {
        Error::with_kind(ErrorKind::NotFound, err, context)
    } else {
        Error::from_os(err, context)
    }
}

impl SocketTransport {
    fn new(socket: Socket) -> Self {
        let socket = Arc::new(socket);
        let canceller = Canceller::new();
        let target = socket.clone();
        canceller.set_abort(move || target.shutdown_read());
        SocketTransport {
            reader: SocketReader {
                socket: socket.clone(),
                canceller,
            },
            writer: SocketWriter { socket },
        }
    }

    /// Wraps a connected TCP stream (see [`tcp::connect`](crate::tcp::connect)).
    pub(crate) fn from_tcp(stream: TcpStream) -> Self {
        SocketTransport::new(Socket::Tcp(stream))
    }

    /// Separates the halves (the concrete-typed form of [`Transport::split`]).
    pub fn into_split(self) -> (SocketReader, SocketWriter) {
        (self.reader, self.writer)
    }
}

impl Drop for SocketReader {
    fn drop(&mut self) {
        // The abort action holds the socket: unregister it so that clones of the canceller do not keep the socket
        // open after both halves are gone.
        self.canceller.clear_abort();
    }
}

impl TransportRead for SocketReader {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.canceller.is_cancelled() {
                return Err(Error::new(ErrorKind::Cancelled, "read"));
            }
            match self.socket.read(buf) {
                Ok(0) if self.canceller.is_cancelled() => {
                    return Err(Error::new(ErrorKind::Cancelled, "read"))
                }
                // End of stream: the peer closed (or a cancel before a reset shut reception down, see the module).
                Ok(0) => return Err(Error::new(ErrorKind::PeerClosed, "read")),
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from_os(e, "read")),
            }
        }
    }

    fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    fn framing(&self) -> Framing {
        Framing::Stream
    }
}

impl TransportWrite for SocketWriter {
    fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            // std sends with MSG_NOSIGNAL: a closed peer is EPIPE here, never a SIGPIPE for the process.
            match self.socket.write(buf) {
                Ok(0) => return Err(Error::new(ErrorKind::PeerClosed, "write")),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::from_os(e, "write")),
            }
        }
        Ok(())
    }
}

impl TransportRead for SocketTransport {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.reader.read(buf)
    }

    fn canceller(&self) -> Canceller {
        self.reader.canceller()
    }

    fn framing(&self) -> Framing {
        Framing::Stream
    }
}

impl TransportWrite for SocketTransport {
    fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.writer.write_all(buf)
    }
}

impl Transport for SocketTransport {
    fn split(self: Box<Self>) -> (Box<dyn TransportRead>, Box<dyn TransportWrite>) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }
}
