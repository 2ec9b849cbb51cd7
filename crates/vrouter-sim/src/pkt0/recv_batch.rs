//! Reading the agent's frames many at a time (`recvmmsg`), so that the simulator's side never
//! limits how fast an agent can send: one system call, one lock of the log and one of the
//! datapath per batch.

use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;

use vrouter_io::pkt0::mmsg::RecvScratch;
use vrouter_proto::agent_header::PKT0_HEADERS_LEN;

use super::inbound::MAX_INNER_LEN;

/// Datagrams per call.
const SLOTS: usize = 64;
/// One more byte than the longest valid frame: a longer datagram shows as truncated.
const SLOT: usize = PKT0_HEADERS_LEN + MAX_INNER_LEN + 1;

/// Slots for `recvmmsg` and their message headers.
pub(crate) struct BatchReceiver {
    scratch: RecvScratch,
}

impl BatchReceiver {
    pub(crate) fn new() -> Self {
        BatchReceiver { scratch: RecvScratch::new(SLOTS, SLOT) }
    }

    /// Blocks (up to the socket's read timeout) for one datagram, then takes what else is there.
    pub(crate) fn recv(&mut self, socket: &UnixDatagram) -> io::Result<usize> {
        self.scratch.recv_once(socket.as_raw_fd(), SLOTS, libc::MSG_WAITFORONE)
    }

    /// The datagrams of the last call: the bytes (cut at the slot size when truncated, which
    /// still makes them longer than any valid frame).
    pub(crate) fn frames(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.scratch.frames().map(|(bytes, _truncated)| bytes)
    }
}
