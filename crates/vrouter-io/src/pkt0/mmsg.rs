//! Many datagrams per system call: `recvmmsg` into fixed slots of one scratch area, `sendmmsg`
//! from frames back to back in one buffer.

use std::io;
use std::os::fd::RawFd;

/// A read area of `slots` slots of `slot` bytes, with the message headers pointing into it.
pub(crate) struct RecvScratch {
    area: Vec<u8>,
    slot: usize,
    iovecs: Vec<libc::iovec>,
    msgs: Vec<libc::mmsghdr>,
}

// SAFETY: the raw pointers in `iovecs` / `msgs` point into `area` and `iovecs`, which this
// struct owns and never reallocates; moving it to another thread moves the owner with them.
unsafe impl Send for RecvScratch {}

impl RecvScratch {
    pub(crate) fn new(slots: usize, slot: usize) -> Self {
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
        RecvScratch { area, slot, iovecs, msgs }
    }

    /// Reads what is queued on `fd` without waiting (up to the slots and `max`); calls
    /// `frame(bytes, truncated)` for each datagram and returns how many were read (0 when none
    /// was there).
    pub(crate) fn recv(&mut self, fd: RawFd, max: usize, frame: &mut dyn FnMut(&[u8], bool)) -> io::Result<usize> {
        let vlen = self.msgs.len().min(max.max(1));
        debug_assert_eq!(self.iovecs.len(), self.msgs.len());
        for m in &mut self.msgs {
            m.msg_len = 0;
            m.msg_hdr.msg_flags = 0;
        }
        let n = loop {
            // SAFETY: every header points at one iovec into `area`, all alive for the call.
            let n = unsafe {
                libc::recvmmsg(fd, self.msgs.as_mut_ptr(), vlen as libc::c_uint, libc::MSG_DONTWAIT, std::ptr::null_mut())
            };
            if n >= 0 {
                break n as usize;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(0),
                _ => return Err(e),
            }
        };
        for (i, m) in self.msgs[..n].iter().enumerate() {
            let len = (m.msg_len as usize).min(self.slot);
            let truncated = m.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
            frame(&self.area[i * self.slot..i * self.slot + len], truncated);
        }
        Ok(n)
    }
}

pub(crate) use super::link::SendStop;

/// Sends the frames of `bytes` (lengths `lens`) on the connected `fd`, one datagram each, without
/// waiting; returns how many went and why not all did.
pub(crate) fn send_frames(fd: RawFd, bytes: &[u8], lens: &[u32]) -> (usize, Option<SendStop>) {
    const CHUNK: usize = 1024;
    let mut sent = 0usize;
    let mut at = 0usize;
    let mut iovecs: Vec<libc::iovec> = Vec::with_capacity(CHUNK.min(lens.len()));
    let mut msgs: Vec<libc::mmsghdr> = Vec::with_capacity(CHUNK.min(lens.len()));
    while sent < lens.len() {
        let chunk = &lens[sent..(sent + CHUNK).min(lens.len())];
        iovecs.clear();
        let mut end = at;
        for &l in chunk {
            // SAFETY: frames lie within `bytes` (checked by the caller's lengths sum).
            iovecs.push(libc::iovec { iov_base: unsafe { bytes.as_ptr().add(end) } as *mut libc::c_void, iov_len: l as usize });
            end += l as usize;
        }
        msgs.clear();
        for iov in iovecs.iter_mut() {
            // SAFETY: zeroed mmsghdr is valid.
            let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
            m.msg_hdr.msg_iov = iov;
            m.msg_hdr.msg_iovlen = 1;
            msgs.push(m);
        }
        let mut done = 0usize;
        while done < msgs.len() {
            let rest = &mut msgs[done..];
            // SAFETY: headers and iovecs alive for the call; the socket is connected.
            let n = unsafe { libc::sendmmsg(fd, rest.as_mut_ptr(), rest.len() as libc::c_uint, libc::MSG_DONTWAIT) };
            if n > 0 {
                done += n as usize;
                continue;
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                _ => {
                    let sent_total = sent + done;
                    let stop = match e.raw_os_error() {
                        Some(libc::EAGAIN) | Some(libc::ENOBUFS) => SendStop::Full,
                        _ => SendStop::Failed(e),
                    };
                    return (sent_total, Some(stop));
                }
            }
        }
        sent += chunk.len();
        at = end;
    }
    (sent, None)
}
