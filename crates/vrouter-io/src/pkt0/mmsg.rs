//! Many datagrams per system call (Linux): `recvmmsg` into fixed slots of one scratch area,
//! `sendmmsg` from frames given as slices. The one place the message headers are set up, for
//! this crate's pkt0 channel and for the simulator's and the binding's sockets.

use std::io;
use std::os::fd::RawFd;

/// A read area of `slots` slots of `slot` bytes, with the message headers pointing into it.
pub struct RecvScratch {
    area: Vec<u8>,
    slot: usize,
    iovecs: Vec<libc::iovec>,
    msgs: Vec<libc::mmsghdr>,
    /// Datagrams read by the last call.
    count: usize,
}

// SAFETY: the raw pointers in `iovecs` / `msgs` point into `area` and `iovecs`, which this
// struct owns and never reallocates; moving it to another thread moves the owner with them.
unsafe impl Send for RecvScratch {}

impl RecvScratch {
    pub fn new(slots: usize, slot: usize) -> Self {
        let mut area = vec![0u8; slots * slot];
        let mut iovecs: Vec<libc::iovec> = (0..slots)
            // SAFETY: in bounds of `area`.
            .map(|i| libc::iovec { iov_base: unsafe { area.as_mut_ptr().add(i * slot) }.cast(), iov_len: slot })
            .collect();
        let msgs = iovecs
            .iter_mut()
            .map(|iov| {
                // SAFETY: a zeroed mmsghdr is valid (no name, no control data).
                let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
                m
            })
            .collect();
        RecvScratch { area, slot, iovecs, msgs, count: 0 }
    }

    /// One `recvmmsg` on `fd` with `flags` (e.g. `MSG_WAITFORONE`, `MSG_DONTWAIT`) into up to
    /// `max` slots (at least one); returns how many datagrams were read. An error (EINTR and
    /// EAGAIN included) is returned as it is, and leaves no frames.
    pub fn recv_once(&mut self, fd: RawFd, max: usize, flags: libc::c_int) -> io::Result<usize> {
        let vlen = self.msgs.len().min(max.max(1));
        debug_assert_eq!(self.iovecs.len(), self.msgs.len());
        for m in &mut self.msgs {
            m.msg_len = 0;
            m.msg_hdr.msg_flags = 0;
        }
        self.count = 0;
        // SAFETY: every header points at one iovec into `area`, all alive for the call.
        let n = unsafe { libc::recvmmsg(fd, self.msgs.as_mut_ptr(), vlen as libc::c_uint, flags, std::ptr::null_mut()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        self.count = n as usize;
        Ok(self.count)
    }

    /// Reads what is queued on `fd` without waiting (up to the slots and `max`); calls
    /// `frame(bytes, truncated)` for each datagram and returns how many were read (0 when none
    /// was there).
    pub fn recv(&mut self, fd: RawFd, max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize> {
        let n = loop {
            match self.recv_once(fd, max, libc::MSG_DONTWAIT) {
                Ok(n) => break n,
                Err(e) => match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => return Ok(0),
                    _ => return Err(e),
                },
            }
        };
        for (bytes, truncated) in self.frames() {
            frame(bytes, truncated);
        }
        Ok(n)
    }

    /// The datagrams of the last call and whether each was truncated (its bytes then cut at
    /// the slot size).
    pub fn frames(&self) -> impl Iterator<Item = (&[u8], bool)> + '_ {
        self.msgs[..self.count].iter().enumerate().map(move |(i, m)| {
            let len = (m.msg_len as usize).min(self.slot);
            (&self.area[i * self.slot..i * self.slot + len], m.msg_hdr.msg_flags & libc::MSG_TRUNC != 0)
        })
    }
}

/// Frames per `sendmmsg` at most (bounds the headers built at once).
const SEND_CHUNK: usize = 1024;

/// Sends `frames` on the connected `fd`, one datagram each, with `flags` (`MSG_DONTWAIT` not to
/// wait for room, 0 to wait), retrying on EINTR; returns how many went and, when not all did,
/// the error that stopped them (EAGAIN / ENOBUFS when the socket is full).
pub fn send_frames<'a>(fd: RawFd, frames: impl IntoIterator<Item = &'a [u8]>, flags: libc::c_int) -> (usize, Option<io::Error>) {
    let mut frames = frames.into_iter().peekable();
    let mut sent = 0usize;
    let mut iovecs: Vec<libc::iovec> = Vec::new();
    let mut msgs: Vec<libc::mmsghdr> = Vec::new();
    while frames.peek().is_some() {
        iovecs.clear();
        iovecs.extend(
            frames
                .by_ref()
                .take(SEND_CHUNK)
                .map(|f| libc::iovec { iov_base: f.as_ptr() as *mut libc::c_void, iov_len: f.len() }),
        );
        msgs.clear();
        for iov in iovecs.iter_mut() {
            // SAFETY: a zeroed mmsghdr is valid (no name, no control data).
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            msgs.push(m);
        }
        let mut done = 0usize;
        while done < msgs.len() {
            let rest = &mut msgs[done..];
            // SAFETY: every header points at one iovec, every iovec at a frame borrowed for the
            // call; the socket is connected, so no address is needed.
            let n = unsafe { libc::sendmmsg(fd, rest.as_mut_ptr(), rest.len() as libc::c_uint, flags) };
            if n > 0 {
                done += n as usize;
                continue;
            }
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return (sent + done, Some(e));
        }
        sent += done;
    }
    (sent, None)
}

use super::link::SendStop;

/// Sends the frames of `bytes` (lengths `lens`, back to back) on the connected `fd` without
/// waiting; returns how many went and why not all did.
pub(crate) fn send_packed(fd: RawFd, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>) {
    let mut at = 0usize;
    let frames = lens.iter().map(|&l| {
        let frame = &bytes[at..at + l as usize];
        at += l as usize;
        frame
    });
    let (sent, error) = send_frames(fd, frames, libc::MSG_DONTWAIT);
    let stop = error.map(|e| match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::ENOBUFS) => SendStop::Full,
        _ => SendStop::Failed(e),
    });
    (sent, stop)
}
