//! Sending trap frames to the agent: one datagram each, without waiting, as DPDK vRouter sends
//! (`sendmsg(…, MSG_DONTWAIT)`): a frame the agent's socket cannot take now is dropped.

use std::io;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

use super::stats::Pkt0Counters;
use super::TrapBatch;

/// The sending side's state: whether the socket is connected to the agent's.
#[derive(Debug)]
pub(crate) struct Sender {
    agent_path: PathBuf,
    connected: bool,
    /// Device and inode of the agent's socket file when connected: a different file (or none)
    /// means that agent has gone.
    peer_file: Option<(u64, u64)>,
}

/// How a failed send ends.
enum Failure {
    /// Try the same call again.
    Retry,
    /// The agent's socket is full (or memory is short): drop and stay connected.
    Full,
    /// No agent socket there any more: drop and connect again next time.
    Gone,
}

impl Sender {
    pub(crate) fn new(agent_path: PathBuf) -> Self {
        Sender { agent_path, connected: false, peer_file: None }
    }

    pub(crate) fn agent_path(&self) -> &Path {
        &self.agent_path
    }

    /// Connects to the agent's socket if not yet connected; returns whether it is.
    pub(crate) fn connect(&mut self, socket: &UnixDatagram) -> bool {
        if !self.connected {
            self.connected = socket.connect(&self.agent_path).is_ok();
            self.peer_file = if self.connected { file_id(&self.agent_path) } else { None };
        }
        self.connected
    }

    /// Disconnects when the agent's socket file is gone or is another file (the agent closed
    /// or restarted). A datagram socket stays tied to a dead peer until it next sends, and
    /// while it is, the kernel refuses a new agent's connect (EPERM); this frees it.
    ///
    /// Then connects to the agent's socket if one is bound: as vRouter, which connects when it
    /// creates its socket, so that the agent's frames are not held to the kernel's small queue
    /// of datagrams for sockets that are not each other's peer (`net.unix.max_dgram_qlen`).
    pub(crate) fn follow_agent(&mut self, socket: &UnixDatagram) {
        self.release_if_gone(socket);
        self.connect(socket);
    }

    fn release_if_gone(&mut self, socket: &UnixDatagram) {
        if !self.connected || file_id(&self.agent_path) == self.peer_file {
            return;
        }
        // SAFETY: connect to an AF_UNSPEC address dissolves a datagram socket's association.
        unsafe {
            let mut addr: libc::sockaddr = std::mem::zeroed();
            addr.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
            libc::connect(socket.as_raw_fd(), &addr, std::mem::size_of::<libc::sockaddr>() as libc::socklen_t);
        }
        self.connected = false;
        self.peer_file = None;
    }

    /// Sends every frame of `batch`; returns how many went. Not connected yet: try now (vRouter retries until the
    /// agent has bound its socket; trying on each batch costs one failed `connect` at most).
    pub(crate) fn send(&mut self, socket: &UnixDatagram, batch: &TrapBatch, counters: &Pkt0Counters) -> usize {
        if batch.is_empty() {
            return 0;
        }
        if !self.connect(socket) {
            Pkt0Counters::add(&counters.traps_dropped_absent, batch.len() as u64);
            return 0;
        }
        let (sent, failure) = send_all(socket, batch);
        Pkt0Counters::add(&counters.traps_sent, sent as u64);
        let rest = (batch.len() - sent) as u64;
        match failure {
            None => {}
            Some(Failure::Gone) => {
                self.connected = false;
                Pkt0Counters::add(&counters.traps_dropped_absent, rest);
            }
            // A full socket drops the rest of the batch: the agent is behind, and trying each
            // remaining frame would only cost a failing call apiece.
            Some(Failure::Full | Failure::Retry) => Pkt0Counters::add(&counters.traps_dropped_full, rest),
        }
        sent
    }
}

/// The device and inode of `path`, if it exists.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

fn classify(e: &io::Error) -> Failure {
    match e.raw_os_error() {
        Some(libc::EINTR) => Failure::Retry,
        Some(libc::ECONNREFUSED | libc::ENOTCONN | libc::EDESTADDRREQ | libc::ECONNRESET | libc::EPIPE | libc::ENOENT) => {
            Failure::Gone
        }
        _ => Failure::Full,
    }
}

/// Sends the frames in as few system calls as the platform allows; returns how many went and
/// why the rest did not.
#[cfg(target_os = "linux")]
fn send_all(socket: &UnixDatagram, batch: &TrapBatch) -> (usize, Option<Failure>) {
    // EINTR is retried inside; any other error ends the batch.
    let (sent, error) = vrouter_io::pkt0::mmsg::send_frames(socket.as_raw_fd(), batch.iter(), libc::MSG_DONTWAIT);
    (sent, error.map(|e| classify(&e)))
}

#[cfg(not(target_os = "linux"))]
fn send_all(socket: &UnixDatagram, batch: &TrapBatch) -> (usize, Option<Failure>) {
    let mut sent = 0;
    for frame in batch.iter() {
        loop {
            // SAFETY: `frame` is valid for its length during the call.
            let n = unsafe {
                libc::send(socket.as_raw_fd(), frame.as_ptr() as *const libc::c_void, frame.len(), libc::MSG_DONTWAIT)
            };
            if n >= 0 {
                break;
            }
            match classify(&io::Error::last_os_error()) {
                Failure::Retry => continue,
                other => return (sent, Some(other)),
            }
        }
        sent += 1;
    }
    (sent, None)
}
