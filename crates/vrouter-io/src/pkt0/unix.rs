//! pkt0 as the agent opens it on DPDK vRouter (PROTOCOL.md §5.2): a datagram socket bound at
//! `DIR/agent_pkt0`, connected to vRouter's `DIR/dpdk_pkt0` once that exists.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::Arc;

use super::link::{FrameReader, FrameWriter, SendStop};
use super::mmsg::{send_packed, RecvScratch};
use super::wait::{wait_readable, Ready, Waker};

/// vRouter's socket name in the directory.
pub const DPDK_PKT0: &str = "dpdk_pkt0";
/// The agent's socket name in the directory.
pub const AGENT_PKT0: &str = "agent_pkt0";

/// Datagrams per `recvmmsg`.
const RECV_SLOTS: usize = 256;
/// Bytes per datagram slot: more than any frame the agent takes (its buffer is 9060 bytes), so
/// that a longer one shows as truncated.
pub const RECV_SLOT: usize = 9216 + 64;
/// Receive buffer asked for (forced when allowed, as the agent forces its netlink buffer), so
/// that a burst waits in the socket rather than being refused to vRouter.
const RECV_BUFFER: usize = 8 << 20;

/// The agent's side of the datagram pair.
#[derive(Debug)]
pub struct UnixLink {
    socket: UnixDatagram,
    path: PathBuf,
    peer: PathBuf,
    connected: AtomicBool,
}

impl UnixLink {
    /// Binds `path` (`…/agent_pkt0`, replacing a stale socket file as the agent does) and aims at
    /// `dpdk_pkt0` in the same directory; call [`connect`](Self::connect) until it succeeds.
    pub fn bind(path: &Path) -> io::Result<Self> {
        let path = if path.is_dir() { path.join(AGENT_PKT0) } else { path.to_owned() };
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        let socket = bind_replacing(&path)?;
        set_buffer(&socket, libc::SO_RCVBUFFORCE, libc::SO_RCVBUF, RECV_BUFFER);
        set_buffer(&socket, libc::SO_SNDBUFFORCE, libc::SO_SNDBUF, RECV_BUFFER);
        Ok(UnixLink { socket, path, peer: dir.join(DPDK_PKT0), connected: AtomicBool::new(false) })
    }

    /// The bound path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// vRouter's socket this one connects to.
    pub fn peer(&self) -> &Path {
        &self.peer
    }

    /// Connects to vRouter's socket; `Ok(false)` while it does not exist yet.
    pub fn connect(&self) -> io::Result<bool> {
        if self.connected.load(Ordering::Acquire) {
            return Ok(true);
        }
        match self.socket.connect(&self.peer) {
            Ok(()) => {
                self.connected.store(true, Ordering::Release);
                Ok(true)
            }
            // EPERM: vRouter's socket is still associated with a previous agent's; it lets go.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ECONNREFUSED | libc::EPERM)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A reader over a clone of the socket; `waker` interrupts it.
    pub(crate) fn reader(&self, waker: Arc<Waker>) -> io::Result<UnixReader> {
        Ok(UnixReader { socket: self.socket.try_clone()?, scratch: RecvScratch::new(RECV_SLOTS, RECV_SLOT), waker })
    }
}

impl Drop for UnixLink {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl FrameWriter for UnixLink {
    fn send(&self, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>) {
        if !self.connected.load(Ordering::Acquire) && !matches!(self.connect(), Ok(true)) {
            return (0, Some(SendStop::Failed(io::Error::from_raw_os_error(libc::ENOTCONN))));
        }
        send_packed(self.socket.as_raw_fd(), bytes, lens)
    }

    fn shutdown(&self) {
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        // The path is free for the next agent at once, not when this object is collected.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The receiving half.
pub(crate) struct UnixReader {
    socket: UnixDatagram,
    scratch: RecvScratch,
    waker: Arc<Waker>,
}

impl FrameReader for UnixReader {
    fn read(&mut self, max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize> {
        // Read first and wait only when nothing was there: under load the socket is rarely
        // empty, and the wait would cost a system call per batch.
        let fd = self.socket.as_raw_fd();
        let n = self.scratch.recv(fd, max, frame)?;
        if n > 0 {
            return Ok(n);
        }
        match wait_readable(fd, &self.waker, -1)? {
            Ready::Woken => Ok(0),
            Ready::Readable | Ready::Timeout => self.scratch.recv(fd, max, frame),
        }
    }
}

/// Binds `path`, first removing a socket file nobody serves.
fn bind_replacing(path: &Path) -> io::Result<UnixDatagram> {
    match UnixDatagram::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            // Refused: nobody is bound there. EPERM: a socket is bound there and connected to
            // another peer, so it is alive too.
            let alive = match UnixDatagram::unbound().and_then(|s| s.connect(path)) {
                Ok(()) => true,
                Err(e) => e.raw_os_error() == Some(libc::EPERM),
            };
            if alive {
                return Err(io::Error::new(io::ErrorKind::AddrInUse, format!("{} is in use by another agent", path.display())));
            }
            std::fs::remove_file(path)?;
            UnixDatagram::bind(path)
        }
        other => other,
    }
}

/// Sets a buffer size, forced past the system maximum when the process may (root), else as far
/// as the maximum allows.
fn set_buffer(socket: &UnixDatagram, force: libc::c_int, plain: libc::c_int, bytes: usize) {
    let value = bytes as libc::c_int;
    for opt in [force, plain] {
        // SAFETY: a valid option value of the size given.
        let r = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            return;
        }
    }
}
