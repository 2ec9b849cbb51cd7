//! ksync to the Linux kernel module over generic netlink (`netlink:`), and generic-netlink family lookups.
//!
//! The socket is what the agent opens (PROTOCOL.md §5.1, §8): `AF_NETLINK`, `NETLINK_GENERIC`, `SOCK_RAW`, bound with
//! port id 0 (the kernel assigns one), receive buffer 256 KiB (`SO_RCVBUFFORCE`, else `SO_RCVBUF` up to the system's
//! cap: best effort). It is also connected to the kernel (port 0), so that no other process can unicast into it.
//!
//! A [`NetlinkTransport`] has [`Framing::Message`] semantics: one write is one datagram, one read returns one
//! datagram, which holds one or more whole netlink messages (vRouter sends one per datagram; a reader that splits by
//! `nlmsg_len` handles both).
//!
//! Cancelling a blocked read: the read waits in `poll` on the socket and on an eventfd, and the [`Canceller`]'s abort
//! action writes to the eventfd. Nothing is shut down, so data that arrived meanwhile stays queued in the socket for
//! the reads after [`Canceller::reset`] (unlike the stream sockets, whose cancel ends reception for good). A wake-up
//! left over from a cancel that was reset is drained and the wait resumes.
//!
//! The family id the kernel module registered under is dynamic: [`resolve_family`] asks the generic-netlink
//! controller for it on a short-lived socket of its own, as the agent does, and [`connect`] does both.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vrouter_proto::netlink::{
    parse_family_reply, split_frames, write_get_family, FamilyLookupError, NetlinkHeader,
    GENL_MAX_FAMILY_NAME, VROUTER_GENL_FAMILY_NAME,
};

use crate::cancel::Canceller;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Framing, Transport, TransportRead, TransportWrite};

/// Receive buffer asked for, as the agent does: replies to pipelined requests queue here until read, and the kernel
/// drops what does not fit (the next read then fails with `ENOBUFS`).
pub const RECEIVE_BUFFER_SIZE: usize = 256 * 1024;

/// How long [`resolve_family`] waits for the controller's answer (the kernel answers at once; this only bounds a
/// broken environment).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Room for any controller answer: a family's description (ops, policies, multicast groups) is a few hundred bytes,
/// and one netlink message is at most 64 KiB.
const LOOKUP_BUFFER_SIZE: usize = 64 * 1024;

/// Sequence number of the lookup request (the socket is used for nothing else).
const LOOKUP_SEQ: u32 = 1;

/// What a wait on the socket ended with.
enum Ready {
    /// The socket has a datagram (or an error) to report.
    Data,
    /// The eventfd was written: a cancel, or one left over from a cancel that was reset.
    Woken,
    /// The timeout passed.
    TimedOut,
}

/// The netlink socket and the eventfd that interrupts waits on it.
#[derive(Debug)]
struct Socket {
    fd: OwnedFd,
    wake: OwnedFd,
}

/// Turns a libc return value into an `io::Result` (`-1` means errno holds the error).
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_size(ret: libc::ssize_t) -> io::Result<usize> {
    usize::try_from(ret).map_err(|_| io::Error::last_os_error())
}

/// The kernel's address: port id 0, no multicast groups.
fn kernel_address() -> libc::sockaddr_nl {
    // SAFETY: sockaddr_nl is plain old data; all-zero is a valid value (it includes the padding field).
    let mut addr: libc::sockaddr_nl = unsafe { mem::zeroed() };
    addr.nl_family = libc::AF_NETLINK as libc::sa_family_t;
    addr
}

const ADDRESS_LEN: libc::socklen_t = mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t;

impl Socket {
    fn open() -> io::Result<Socket> {
        // SAFETY: plain system call; the returned descriptor is owned right below.
        let raw = check(unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_GENERIC,
            )
        })?;
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let kernel = kernel_address();
        let addr = (&kernel as *const libc::sockaddr_nl).cast::<libc::sockaddr>();
        // Binding to port id 0 lets the kernel pick a free one (the process id for the first socket).
        // SAFETY: `addr` points to a sockaddr_nl of ADDRESS_LEN bytes that outlives the calls.
        check(unsafe { libc::bind(fd.as_raw_fd(), addr, ADDRESS_LEN) })?;
        // SAFETY: as above.
        check(unsafe { libc::connect(fd.as_raw_fd(), addr, ADDRESS_LEN) })?;
        set_receive_buffer(fd.as_raw_fd());
        // SAFETY: plain system call; the descriptor is owned right below.
        let raw_wake = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `raw_wake` is a fresh descriptor that nothing else owns.
        let wake = unsafe { OwnedFd::from_raw_fd(raw_wake) };
        Ok(Socket { fd, wake })
    }

    /// The port id the kernel assigned to the socket.
    fn port_id(&self) -> io::Result<u32> {
        let mut addr = kernel_address();
        let mut len = ADDRESS_LEN;
        let ptr = (&mut addr as *mut libc::sockaddr_nl).cast::<libc::sockaddr>();
        // SAFETY: `ptr` points to a writable sockaddr_nl of `len` bytes.
        check(unsafe { libc::getsockname(self.fd.as_raw_fd(), ptr, &mut len) })?;
        Ok(addr.nl_pid)
    }

    /// Waits until the socket has something to report or the eventfd is written, at most `timeout_ms` (-1: forever).
    fn wait(&self, timeout_ms: libc::c_int) -> io::Result<Ready> {
        let mut fds = [
            libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: self.wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of 2 pollfd for the duration of the call.
        let n = check(unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) })?;
        Ok(if n == 0 {
            Ready::TimedOut
        } else if fds[1].revents != 0 {
            // Checked first: a cancel wins over data, which stays queued for later reads.
            Ready::Woken
        } else {
            // POLLIN, or POLLERR for a pending socket error (ENOBUFS) that the next recv reports.
            Ready::Data
        })
    }

    /// Receives one datagram without blocking; returns its full length, which exceeds `buf.len()` if it was cut.
    fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        check_size(unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_TRUNC,
            )
        })
    }

    /// Sends `buf` as one datagram to the kernel.
    fn send(&self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
        check_size(unsafe { libc::send(self.fd.as_raw_fd(), buf.as_ptr().cast(), buf.len(), 0) })
    }

    /// Makes a wait return [`Ready::Woken`] (now, or the next one).
    fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 readable bytes to the eventfd. It can only fail when the counter is about to overflow,
        // and then it is non-zero: waits still return at once.
        let _ = unsafe { libc::write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Consumes a pending wake-up.
    fn drain_wake(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into `count`. Non-blocking: EAGAIN when nothing is pending, which is fine.
        let _ = unsafe { libc::read(self.wake.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
    }
}

/// Asks for [`RECEIVE_BUFFER_SIZE`]: `SO_RCVBUFFORCE` passes the system's cap but needs `CAP_NET_ADMIN` (which the
/// vrouter family's command requires anyway); without it, `SO_RCVBUF` gets as much as the cap allows.
fn set_receive_buffer(fd: RawFd) {
    let size = RECEIVE_BUFFER_SIZE as libc::c_int;
    let set = |option| {
        // SAFETY: passes a c_int option value of the right size.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                option,
                (&size as *const libc::c_int).cast(),
                mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        }
    };
    if set(libc::SO_RCVBUFFORCE) < 0 {
        // Best effort: a smaller buffer still works, pipelining just has less room.
        let _ = set(libc::SO_RCVBUF);
    }
}

/// A generic-netlink socket to the kernel, used as a [`Transport`] ([`Framing::Message`]). Closed when both halves
/// are dropped.
#[derive(Debug)]
pub struct NetlinkTransport {
    reader: NetlinkReader,
    writer: NetlinkWriter,
}

/// The read half of a [`NetlinkTransport`].
#[derive(Debug)]
pub struct NetlinkReader {
    socket: Arc<Socket>,
    canceller: Canceller,
}

/// The write half of a [`NetlinkTransport`].
#[derive(Debug)]
pub struct NetlinkWriter {
    socket: Arc<Socket>,
}

/// Opens a generic-netlink socket to the kernel. The caller puts the family id in each message's `nlmsg_type`.
///
/// Errors: [`ErrorKind::Other`] with the OS error when the socket cannot be created (no netlink in this
/// environment, descriptor limits).
pub fn open() -> Result<NetlinkTransport> {
    let socket = Socket::open().map_err(|e| Error::from_os(e, "open generic netlink socket"))?;
    Ok(NetlinkTransport::new(socket))
}

/// Looks up the id of generic-netlink family `name` (the id vRouter's kernel module got at load time, for
/// `"vrouter"`), with `CTRL_CMD_GETFAMILY` on a short-lived socket. Needs no privilege.
///
/// Errors: [`ErrorKind::NotFound`] when no such family is registered (for `"vrouter"`: the kernel module is not
/// loaded); [`ErrorKind::InvalidInput`] for a name that is empty, has a NUL or is longer than 15 bytes; the OS error
/// otherwise.
pub fn resolve_family(name: &str) -> Result<u16> {
    check_family_name(name)?;
    let context = || format!("resolve generic netlink family \"{name}\"");
    let socket = Socket::open().map_err(|e| Error::from_os(e, context()))?;
    let mut request = Vec::with_capacity(64);
    write_get_family(&mut request, LOOKUP_SEQ, 0, name)
        .map_err(|e| invalid(format!("{}: {e}", context())))?;
    send_datagram(&socket, &request).map_err(|e| e.in_context(context()))?;
    let mut buf = vec![0u8; LOOKUP_BUFFER_SIZE];
    let deadline = Instant::now() + LOOKUP_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ready = match socket.wait(left.as_millis().min(i32::MAX as u128) as libc::c_int) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from_os(e, context())),
            Ok(ready) => ready,
        };
        match ready {
            Ready::TimedOut => {
                return Err(Error::new(
                    ErrorKind::Other,
                    format!("{}: no answer from the kernel", context()),
                ))
            }
            // Nothing wakes this private socket; drained for form's sake.
            Ready::Woken => socket.drain_wake(),
            Ready::Data => {
                let n = match socket.recv(&mut buf) {
                    Err(e) if retry_recv(&e) => continue,
                    Err(e) => return Err(Error::from_os(e, context())),
                    Ok(n) => n,
                };
                if n > buf.len() {
                    return Err(Error::new(ErrorKind::MessageTooLarge, context()));
                }
                if let Some(answer) = lookup_answer(&buf[..n]) {
                    return parse_family_reply(answer)
                        .map(|family| family.id)
                        .map_err(|e| lookup_error(name, e));
                }
            }
        }
    }
}

/// Resolves `family` and opens a socket for it: the transport and the family id to put in `nlmsg_type`.
///
/// Errors: those of [`resolve_family`] (notably [`ErrorKind::NotFound`] when the module is not loaded) and [`open`].
pub fn connect(family: &str) -> Result<(NetlinkTransport, u16)> {
    let id = resolve_family(family)?;
    Ok((open()?, id))
}

/// The message answering the lookup request in a datagram, if any (anything else is not ours and skipped).
fn lookup_answer(datagram: &[u8]) -> Option<&[u8]> {
    split_frames(datagram)
        .map_while(|frame| frame.ok())
        .find(|frame| NetlinkHeader::peek(frame).is_some_and(|h| h.seq == LOOKUP_SEQ))
}

fn lookup_error(name: &str, err: FamilyLookupError) -> Error {
    match err {
        FamilyLookupError::Netlink { errno } if errno == libc::ENOENT => {
            let hint = if name == VROUTER_GENL_FAMILY_NAME {
                " (is the vrouter kernel module loaded?)"
            } else {
                ""
            };
            Error::new(
                ErrorKind::NotFound,
                format!("generic netlink family \"{name}\" not found{hint}"),
            )
        }
        FamilyLookupError::Netlink { errno } => Error::from_os(
            io::Error::from_raw_os_error(errno),
            format!("resolve generic netlink family \"{name}\""),
        ),
        other => Error::with_kind(
            ErrorKind::Other,
            io::Error::new(io::ErrorKind::InvalidData, other),
            format!("resolve generic netlink family \"{name}\": unusable answer"),
        ),
    }
}

/// Refuses names the kernel would refuse, with a clearer error than its `EINVAL`.
fn check_family_name(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        Some("is empty")
    } else if name.contains('\0') {
        Some("contains NUL")
    } else if name.len() > GENL_MAX_FAMILY_NAME {
        Some("is longer than 15 bytes")
    } else {
        None
    };
    match problem {
        Some(p) => Err(invalid(format!(
            "generic netlink family name \"{}\" {p}",
            name.escape_debug()
        ))),
        None => Ok(()),
    }
}

fn invalid(context: String) -> Error {
    Error::new(ErrorKind::InvalidInput, context)
}

/// EAGAIN: poll said readable but another reader took it or it was a spurious wake-up; EINTR: a signal.
fn retry_recv(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

fn send_datagram(socket: &Socket, buf: &[u8]) -> Result<()> {
    if buf.is_empty() {
        return Ok(());
    }
    loop {
        match socket.send(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::from_os(e, "write netlink")),
            Ok(n) if n == buf.len() => return Ok(()),
            Ok(n) => {
                return Err(Error::new(
                    ErrorKind::Other,
                    format!("write netlink: the kernel took {n} of {} bytes", buf.len()),
                ))
            }
        }
    }
}

impl NetlinkTransport {
    fn new(socket: Socket) -> Self {
        let socket = Arc::new(socket);
        let canceller = Canceller::new();
        let target = socket.clone();
        canceller.set_abort(move || target.wake());
        NetlinkTransport {
            reader: NetlinkReader {
                socket: socket.clone(),
                canceller,
            },
            writer: NetlinkWriter { socket },
        }
    }

    /// The port id the kernel assigned to this socket (what the kernel module writes into replies' `nlmsg_pid`).
    pub fn port_id(&self) -> Result<u32> {
        self.reader
            .socket
            .port_id()
            .map_err(|e| Error::from_os(e, "getsockname netlink"))
    }

    /// Separates the halves (the concrete-typed form of [`Transport::split`]).
    pub fn into_split(self) -> (NetlinkReader, NetlinkWriter) {
        (self.reader, self.writer)
    }
}

impl Drop for NetlinkReader {
    fn drop(&mut self) {
        // The abort action holds the socket: unregister it so that clones of the canceller do not keep it open.
        self.canceller.clear_abort();
    }
}

impl TransportRead for NetlinkReader {
    /// One datagram. Besides the trait's errors: `ENOBUFS` ([`ErrorKind::Other`]) when the receive buffer overflowed
    /// and the kernel dropped messages — replies are lost, so a ksync session over this socket cannot go on.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        loop {
            if self.canceller.is_cancelled() {
                return Err(Error::new(ErrorKind::Cancelled, "read netlink"));
            }
            match self.socket.wait(-1) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_os(e, "read netlink")),
                Ok(Ready::Woken) => {
                    if self.canceller.is_cancelled() {
                        return Err(Error::new(ErrorKind::Cancelled, "read netlink"));
                    }
                    // Left over from a cancel that was reset since: the flag is set before the eventfd is written,
                    // so a wake-up of a cancel still in force always finds the flag set.
                    self.socket.drain_wake();
                }
                Ok(Ready::TimedOut) => {}
                Ok(Ready::Data) => match self.socket.recv(buf) {
                    Err(e) if retry_recv(&e) => {}
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        return Err(Error::with_kind(
                            ErrorKind::Other,
                            e,
                            "read netlink: receive buffer overflowed, the kernel dropped messages",
                        ))
                    }
                    Err(e) => return Err(Error::from_os(e, "read netlink")),
                    Ok(n) if n > buf.len() => {
                        return Err(Error::new(
                            ErrorKind::MessageTooLarge,
                            format!(
                                "read netlink: datagram of {n} bytes, buffer of {}",
                                buf.len()
                            ),
                        ))
                    }
                    Ok(n) => return Ok(n),
                },
            }
        }
    }

    fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    fn framing(&self) -> Framing {
        Framing::Message
    }
}

impl TransportWrite for NetlinkWriter {
    /// Sends `buf` as one datagram (it may hold several netlink messages; the kernel processes each in turn, before
    /// this call returns).
    fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        send_datagram(&self.socket, buf)
    }
}

impl TransportRead for NetlinkTransport {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.reader.read(buf)
    }

    fn canceller(&self) -> Canceller {
        self.reader.canceller()
    }

    fn framing(&self) -> Framing {
        Framing::Message
    }
}

impl TransportWrite for NetlinkTransport {
    fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.writer.write_all(buf)
    }
}

impl Transport for NetlinkTransport {
    fn split(self: Box<Self>) -> (Box<dyn TransportRead>, Box<dyn TransportWrite>) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_are_checked_before_asking() {
        for bad in ["", "a\0b", "sixteen-bytes-xx"] {
            let err = resolve_family(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
        }
        assert!(check_family_name("fifteen-bytes-x").is_ok());
    }

    #[test]
    fn not_found_names_the_module_only_for_vrouter() {
        let enoent = FamilyLookupError::Netlink {
            errno: libc::ENOENT,
        };
        let e = lookup_error("vrouter", enoent);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("kernel module loaded"), "{e}");
        let e = lookup_error("other", enoent);
        assert!(!e.to_string().contains("module"), "{e}");
        let e = lookup_error("x", FamilyLookupError::Netlink { errno: libc::EPERM });
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    }
}
