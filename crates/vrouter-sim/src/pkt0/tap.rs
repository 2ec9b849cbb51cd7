//! The simulator's pkt0 on a tap device, as the Linux kernel module has it (PROTOCOL.md §5.1):
//! the agent creates the tap (`/dev/net/tun`) and the forwarding engine sees it as a netdev.
//! The simulator uses an AF_PACKET socket bound to that netdev: what it sends is transmitted on
//! the netdev and appears on the agent's tap descriptor; what the agent writes on its descriptor
//! is received on the netdev, and read here.
//!
//! The tap exists only while the agent holds it, so the port attaches when the name appears and
//! lets go when it disappears (its index then no longer resolves, or a send fails with ENXIO).

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use super::stats::Pkt0Counters;
use super::TrapBatch;

/// `PACKET_IGNORE_OUTGOING`: leave out the frames this socket (or anyone) transmits on the netdev.
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;

/// An AF_PACKET socket bound to the agent's tap, once it exists.
#[derive(Debug)]
pub(crate) struct TapPort {
    name: String,
    socket: OwnedFd,
    /// The netdev's index while attached, 0 while not.
    ifindex: AtomicI32,
}

impl TapPort {
    /// A port for tap `name` (attached when the agent has created it).
    pub(crate) fn new(name: &str) -> io::Result<Self> {
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain syscall; owned from here on.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, i32::from(proto)) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        let one: libc::c_int = 1;
        // SAFETY: an int option. Kernels before 4.20 lack it; outgoing frames are then skipped by type.
        unsafe {
            libc::setsockopt(fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, (&one as *const libc::c_int).cast(), 4);
        }
        let timeout = libc::timeval { tv_sec: 0, tv_usec: 100_000 };
        // SAFETY: a timeval option: receives wake up to look at the stop flag and the tap.
        unsafe {
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, (&timeout as *const libc::timeval).cast(), std::mem::size_of::<libc::timeval>() as u32);
        }
        Ok(TapPort { name: name.to_owned(), socket, ifindex: AtomicI32::new(0) })
    }

    /// The tap's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Binds to the tap if it exists now and is not bound yet; returns whether bound.
    pub(crate) fn attach(&self) -> bool {
        let Ok(cname) = CString::new(self.name.as_str()) else { return false };
        // SAFETY: a NUL-terminated name.
        let index = unsafe { libc::if_nametoindex(cname.as_ptr()) } as i32;
        let current = self.ifindex.load(Ordering::Acquire);
        if index == 0 {
            self.ifindex.store(0, Ordering::Release);
            return false;
        }
        if index == current {
            return true;
        }
        // SAFETY: a zeroed sockaddr_ll with the fields bind needs.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = index;
        // SAFETY: binds to a live sockaddr_ll of its size.
        let r = unsafe {
            libc::bind(self.socket.as_raw_fd(), (&sll as *const libc::sockaddr_ll).cast(), std::mem::size_of::<libc::sockaddr_ll>() as u32)
        };
        if r != 0 {
            return false;
        }
        self.ifindex.store(index, Ordering::Release);
        true
    }

    /// Sends each frame of `batch` on the tap without waiting; frames that cannot go are counted
    /// as vRouter counts them (no agent: absent; a full queue: full). Returns how many went.
    pub(crate) fn send(&self, batch: &TrapBatch, counters: &Pkt0Counters) -> usize {
        if batch.is_empty() {
            return 0;
        }
        if !self.attach() {
            Pkt0Counters::add(&counters.traps_dropped_absent, batch.len() as u64);
            return 0;
        }
        let mut sent = 0usize;
        for frame in batch.iter() {
            // SAFETY: `frame` is valid for its length; the socket is bound to the tap.
            let n = unsafe { libc::send(self.socket.as_raw_fd(), frame.as_ptr().cast(), frame.len(), libc::MSG_DONTWAIT) };
            if n < 0 {
                let e = io::Error::last_os_error();
                let rest = (batch.len() - sent) as u64;
                if matches!(e.raw_os_error(), Some(libc::ENXIO | libc::ENODEV | libc::ENETDOWN)) {
                    self.ifindex.store(0, Ordering::Release);
                    Pkt0Counters::add(&counters.traps_dropped_absent, rest);
                } else {
                    Pkt0Counters::add(&counters.traps_dropped_full, rest);
                }
                break;
            }
            sent += 1;
        }
        Pkt0Counters::add(&counters.traps_sent, sent as u64);
        sent
    }

    /// Receives one frame the agent wrote (blocking up to 100 ms); `Ok(None)` on timeout or
    /// while no tap exists.
    pub(crate) fn recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        if !self.attach() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            return Ok(None);
        }
        loop {
            // SAFETY: a zeroed sockaddr_ll to receive the frame's address (its packet type).
            let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            // SAFETY: `buf` and `from` are valid for their sizes.
            let n = unsafe {
                libc::recvfrom(self.socket.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_TRUNC, (&mut from as *mut libc::sockaddr_ll).cast(), &mut len)
            };
            if n < 0 {
                let e = io::Error::last_os_error();
                return match e.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Ok(None),
                    io::ErrorKind::Interrupted => continue,
                    _ if matches!(e.raw_os_error(), Some(libc::ENETDOWN | libc::ENXIO | libc::ENODEV)) => {
                        self.ifindex.store(0, Ordering::Release);
                        Ok(None)
                    }
                    _ => Err(e),
                };
            }
            // Frames transmitted on the netdev (our traps) are not from the agent.
            if from.sll_pkttype == libc::PACKET_OUTGOING {
                continue;
            }
            return Ok(Some(n as usize));
        }
    }
}
