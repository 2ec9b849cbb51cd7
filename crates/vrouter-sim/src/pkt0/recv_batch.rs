//! Reading the agent's frames many at a time (`recvmmsg`), so that the simulator's side never
//! limits how fast an agent can send: one system call, one lock of the log and one of the
//! datapath per batch.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;

use vrouter_proto::agent_header::PKT0_HEADERS_LEN;

use super::inbound::MAX_INNER_LEN;

/// Datagrams per call.
const SLOTS: usize = 64;
/// One more byte than the longest valid frame: a longer datagram shows as truncated.
const SLOT: usize = PKT0_HEADERS_LEN + MAX_INNER_LEN + 1;

/// Slots for `recvmmsg` and their message headers.
pub(crate) struct BatchReceiver {
    area: Vec<u8>,
    lens: Vec<usize>,
    truncated: Vec<bool>,
    count: usize,
}

impl BatchReceiver {
    pub(crate) fn new() -> Self {
        BatchReceiver { area: vec![0u8; SLOTS * SLOT], lens: vec![0; SLOTS], truncated: vec![false; SLOTS], count: 0 }
    }

    /// Blocks (up to the socket's read timeout) for one datagram, then takes what else is there.
    pub(crate) fn recv(&mut self, socket: &UnixDatagram) -> io::Result<usize> {
        let base = self.area.as_mut_ptr();
        let mut iovecs: Vec<libc::iovec> =
            // SAFETY: every slot lies within `area`.
            (0..SLOTS).map(|i| libc::iovec { iov_base: unsafe { base.add(i * SLOT) }.cast(), iov_len: SLOT }).collect();
        let mut msgs: Vec<libc::mmsghdr> = iovecs
            .iter_mut()
            .map(|iov| {
                // SAFETY: a zeroed mmsghdr is valid.
                let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
                m.msg_hdr.msg_iov = iov;
                m.msg_hdr.msg_iovlen = 1;
                m
            })
            .collect();
        // SAFETY: headers point at iovecs pointing into `area`, all alive for the call.
        let n = unsafe {
            libc::recvmmsg(socket.as_raw_fd(), msgs.as_mut_ptr(), SLOTS as libc::c_uint, libc::MSG_WAITFORONE, std::ptr::null_mut())
        };
        if n < 0 {
            self.count = 0;
            return Err(io::Error::last_os_error());
        }
        self.count = n as usize;
        for (i, m) in msgs[..self.count].iter().enumerate() {
            self.lens[i] = (m.msg_len as usize).min(SLOT);
            self.truncated[i] = m.msg_hdr.msg_flags & libc::MSG_TRUNC != 0;
        }
        Ok(self.count)
    }

    /// The datagrams of the last call: the bytes (cut at the slot size when truncated, which
    /// still makes them longer than any valid frame).
    pub(crate) fn frames(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.count).map(move |i| &self.area[i * SLOT..i * SLOT + self.lens[i]])
    }
}
