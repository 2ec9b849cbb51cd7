//! pkt0 as the agent opens it on the Linux kernel module (PROTOCOL.md §5.1): a tap device it
//! creates (`/dev/net/tun`, IFF_TAP | IFF_NO_PI, not persistent) and brings up; vRouter attaches
//! its AGENT vif to that netdev. What vRouter transmits on the netdev is what the agent reads.
//!
//! Frames are written on the tap descriptor; they are read from an AF_PACKET TPACKET_V3 ring on
//! the same netdev (frames the kernel transmits on it, `PACKET_OUTGOING`), which hands over
//! whole blocks of frames per wake-up instead of one `read` per frame.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::Arc;

use super::link::{FrameReader, FrameWriter, SendStop};
use super::wait::{wait_readable, Ready, Waker};
use crate::error::{Error, ErrorKind, Result};

const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const IFF_TAP: libc::c_short = 0x0002;
const IFF_NO_PI: libc::c_short = 0x1000;

/// Ring geometry: 16 blocks of 1 MiB; a block is handed over when full or after 1 ms.
const BLOCK_SIZE: u32 = 1 << 20;
const BLOCK_COUNT: u32 = 16;
const FRAME_SIZE: u32 = 2048;
const BLOCK_TIMEOUT_MS: u32 = 1;

/// `TP_STATUS_USER`: the block belongs to user space.
const TP_STATUS_USER: u32 = 1;
/// Offsets in `struct tpacket_block_desc` (version, offset_to_priv, then `tpacket_hdr_v1`).
const BLOCK_STATUS: usize = 8;
const BLOCK_NUM_PKTS: usize = 12;
const BLOCK_FIRST_PKT: usize = 16;
/// Offsets in `struct tpacket3_hdr`.
const PKT_NEXT: usize = 0;
const PKT_SNAPLEN: usize = 12;
const PKT_LEN: usize = 16;
const PKT_MAC: usize = 24;
/// `sizeof(struct tpacket3_hdr)` rounded to TPACKET_ALIGNMENT: where the `sockaddr_ll` is.
const PKT_SLL: usize = 48;
/// `sll_pkttype`'s offset in `sockaddr_ll`.
const SLL_PKTTYPE: usize = 10;

#[repr(C)]
struct IfReqFlags {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

#[repr(C)]
struct TpacketReq3 {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
    retire_blk_tov: u32,
    sizeof_priv: u32,
    feature_req_word: u32,
}

/// The tap device's descriptor: frames written here enter the kernel as received on the netdev.
pub(crate) struct TapWriter {
    /// `None` once shut down: closing the descriptor deletes the (non-persistent) tap at once,
    /// so that the next agent can create it again.
    tap: std::sync::RwLock<Option<File>>,
}

impl FrameWriter for TapWriter {
    fn send(&self, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>) {
        let guard = self.tap.read().unwrap_or_else(|p| p.into_inner());
        let Some(tap) = guard.as_ref() else {
            return (0, Some(SendStop::Failed(io::Error::from_raw_os_error(libc::EBADF))));
        };
        let mut at = 0usize;
        for (i, &l) in lens.iter().enumerate() {
            let frame = &bytes[at..at + l as usize];
            at += l as usize;
            loop {
                // SAFETY: `frame` is valid for its length.
                let n = unsafe { libc::write(tap.as_raw_fd(), frame.as_ptr().cast(), frame.len()) };
                if n >= 0 {
                    break;
                }
                let e = io::Error::last_os_error();
                match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => return (i, Some(SendStop::Full)),
                    _ => return (i, Some(SendStop::Failed(e))),
                }
            }
        }
        (lens.len(), None)
    }

    fn shutdown(&self) {
        self.tap.write().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// A TPACKET_V3 receive ring on the tap's netdev.
pub(crate) struct RingReader {
    socket: OwnedFd,
    waker: Arc<Waker>,
    ring: *mut u8,
    next_block: u32,
    /// Kept open: closing the tap descriptor would delete the (non-persistent) device.
    _tap: Arc<TapWriter>,
}

// SAFETY: the mapping is owned by this reader alone and unmapped on drop.
unsafe impl Send for RingReader {}

impl Drop for RingReader {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open_ring`, of that size.
        unsafe { libc::munmap(self.ring.cast(), (BLOCK_SIZE * BLOCK_COUNT) as usize) };
    }
}

impl FrameReader for RingReader {
    fn read(&mut self, _max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize> {
        let n = self.read_blocks(frame);
        if n > 0 {
            return Ok(n);
        }
        match wait_readable(self.socket.as_raw_fd(), &self.waker, -1)? {
            Ready::Woken => Ok(0),
            Ready::Readable | Ready::Timeout => Ok(self.read_blocks(frame)),
        }
    }
}

impl RingReader {
    /// Takes the frames of every block the kernel has handed over, and gives the blocks back.
    fn read_blocks(&mut self, frame: &mut dyn FnMut(&[u8], bool)) -> usize {
        let mut n = 0usize;
        // Every block the kernel has handed over, in order.
        for _ in 0..BLOCK_COUNT {
            // SAFETY: block `next_block` lies within the mapping.
            let block = unsafe { self.ring.add((self.next_block * BLOCK_SIZE) as usize) };
            let status = unsafe { &*(block.add(BLOCK_STATUS) as *const std::sync::atomic::AtomicU32) };
            if status.load(std::sync::atomic::Ordering::Acquire) & TP_STATUS_USER == 0 {
                break;
            }
            let rd = |off: usize| unsafe { (block.add(off) as *const u32).read_unaligned() };
            let count = rd(BLOCK_NUM_PKTS);
            let mut at = rd(BLOCK_FIRST_PKT) as usize;
            for _ in 0..count {
                // SAFETY: the kernel laid the packets out within the block.
                let pkt = unsafe { block.add(at) };
                let rdp = |off: usize| unsafe { (pkt.add(off) as *const u32).read_unaligned() };
                let snaplen = rdp(PKT_SNAPLEN) as usize;
                let len = rdp(PKT_LEN) as usize;
                let mac = unsafe { (pkt.add(PKT_MAC) as *const u16).read_unaligned() } as usize;
                let pkttype = unsafe { *pkt.add(PKT_SLL + SLL_PKTTYPE) };
                // Only what the kernel transmits on the netdev is for the agent; frames the agent
                // wrote come back here as received, and are skipped.
                if pkttype == libc::PACKET_OUTGOING {
                    let data = unsafe { std::slice::from_raw_parts(pkt.add(mac), snaplen) };
                    frame(data, snaplen < len);
                    n += 1;
                }
                let next = rdp(PKT_NEXT) as usize;
                if next == 0 {
                    break;
                }
                at += next;
            }
            status.store(0, std::sync::atomic::Ordering::Release);
            self.next_block = (self.next_block + 1) % BLOCK_COUNT;
        }
        n
    }
}

/// Creates tap `name`, brings it up, and opens the ring on it; `waker` interrupts the reader.
pub(crate) fn open(name: &str, waker: Arc<Waker>) -> Result<(Box<dyn FrameReader>, Arc<dyn FrameWriter>)> {
    let tap = create_tap(name).map_err(|e| Error::from_os(e, format!("creating tap {name} (/dev/net/tun)")))?;
    // The host's own IPv6 (router solicitations, MLD reports) would go out on the tap and reach
    // the agent as frames that are not pkt0 frames; pkt0 carries none of the host's traffic.
    let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6"), "1");
    let ifindex = set_up(name).map_err(|e| Error::from_os(e, format!("bringing tap {name} up")))?;
    let writer = Arc::new(TapWriter { tap: std::sync::RwLock::new(Some(tap)) });
    let reader = open_ring(ifindex, writer.clone(), waker).map_err(|e| Error::from_os(e, format!("opening a TPACKET_V3 ring on {name}")))?;
    Ok((Box::new(reader), writer))
}

fn cname(name: &str) -> [libc::c_char; libc::IFNAMSIZ] {
    let mut out = [0 as libc::c_char; libc::IFNAMSIZ];
    for (o, b) in out.iter_mut().zip(name.bytes()) {
        *o = b as libc::c_char;
    }
    out
}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn create_tap(name: &str) -> io::Result<File> {
    let tap = OpenOptions::new().read(true).write(true).custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC).open("/dev/net/tun")?;
    let mut req = IfReqFlags { name: cname(name), flags: IFF_TAP | IFF_NO_PI, _pad: [0; 22] };
    // SAFETY: TUNSETIFF reads and writes an ifreq, which `req` is laid out as.
    check(unsafe { libc::ioctl(tap.as_raw_fd(), TUNSETIFF, &mut req) })?;
    Ok(tap)
}

/// Sets IFF_UP on `name`; returns its ifindex.
fn set_up(name: &str) -> io::Result<i32> {
    // SAFETY: plain syscall; owned from here on.
    let s = unsafe { OwnedFd::from_raw_fd(check(libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0))?) };
    let mut req = IfReqFlags { name: cname(name), flags: 0, _pad: [0; 22] };
    // SAFETY: SIOCGIFFLAGS / SIOCSIFFLAGS take an ifreq.
    check(unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
    req.flags |= libc::IFF_UP as libc::c_short;
    check(unsafe { libc::ioctl(s.as_raw_fd(), libc::SIOCSIFFLAGS, &mut req) })?;
    let cn = std::ffi::CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a NUL-terminated name.
    let idx = unsafe { libc::if_nametoindex(cn.as_ptr()) };
    if idx == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(idx as i32)
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, opt: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live T of the size given.
    check(unsafe { libc::setsockopt(fd, level, opt, (value as *const T).cast(), std::mem::size_of::<T>() as libc::socklen_t) }).map(drop)
}

fn open_ring(ifindex: i32, tap: Arc<TapWriter>, waker: Arc<Waker>) -> io::Result<RingReader> {
    let proto = (libc::ETH_P_ALL as u16).to_be();
    // SAFETY: plain syscall; owned from here on.
    let socket = unsafe { OwnedFd::from_raw_fd(check(libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, i32::from(proto)))?) };
    let fd = socket.as_raw_fd();
    setsockopt(fd, libc::SOL_PACKET, libc::PACKET_VERSION, &(libc::tpacket_versions::TPACKET_V3 as libc::c_int))?;
    let req = TpacketReq3 {
        block_size: BLOCK_SIZE,
        block_nr: BLOCK_COUNT,
        frame_size: FRAME_SIZE,
        frame_nr: BLOCK_SIZE * BLOCK_COUNT / FRAME_SIZE,
        retire_blk_tov: BLOCK_TIMEOUT_MS,
        sizeof_priv: 0,
        feature_req_word: 0,
    };
    setsockopt(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &req)?;
    let size = (BLOCK_SIZE * BLOCK_COUNT) as usize;
    // SAFETY: maps the ring just configured on `fd`.
    let ring = unsafe { libc::mmap(std::ptr::null_mut(), size, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_LOCKED, fd, 0) };
    let ring = if ring == libc::MAP_FAILED {
        // MAP_LOCKED needs RLIMIT_MEMLOCK room; the ring works unlocked too.
        let r = unsafe { libc::mmap(std::ptr::null_mut(), size, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0) };
        if r == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        r
    } else {
        ring
    };
    let reader = RingReader { socket, waker, ring: ring.cast(), next_block: 0, _tap: tap };
    // SAFETY: a zeroed sockaddr_ll with the fields bind needs.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto;
    sll.sll_ifindex = ifindex;
    check(unsafe { libc::bind(fd, (&sll as *const libc::sockaddr_ll).cast(), std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t) })?;
    Ok(reader)
}

/// The error for a tap endpoint on a system without the pieces it needs.
#[allow(dead_code)]
pub(crate) fn unsupported(name: &str) -> Error {
    Error::new(ErrorKind::InvalidInput, format!("tap:{name}: tap endpoints need Linux"))
}
