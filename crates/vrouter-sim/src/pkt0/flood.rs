//! A load generator on the pkt0 socket: the same trap frame many times, as fast as the agent
//! takes them. Unlike traps (sent without waiting, dropped when the agent is behind, as vRouter
//! does), a flood waits for room, so that it measures the agent's receive path, not the
//! socket's buffer.

use std::io;
#[cfg(target_os = "linux")]
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::sync::atomic::{AtomicBool, Ordering};

use vrouter_proto::agent_header::{AgentHeader, FlowTrap};
use vrouter_proto::messages::AgentCmd;

use super::TrapBatch;

/// Frames per `sendmmsg`.
#[cfg(target_os = "linux")]
const BURST: usize = 256;
/// How long to wait for room before looking at `stop` again.
#[cfg(target_os = "linux")]
const POLL_MS: i32 = 100;

/// A FLOW_MISS trap of a `inner_len`-byte packet (an IPv4 TCP frame's first bytes, padded).
pub fn flood_frame(pkt0_mac: [u8; 6], inner_len: usize, seq: u32) -> Vec<u8> {
    let header = AgentHeader::flow_trap(
        AgentCmd::TRAP_FLOW_MISS,
        3,
        1,
        &FlowTrap { flow_index: seq, nh: 12, bytes: 0, packets: 0, gen_id: (seq & 0xff) as u8 },
    );
    let mut inner = vec![0u8; inner_len];
    let eth: [u8; 14] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let n = eth.len().min(inner_len);
    inner[..n].copy_from_slice(&eth[..n]);
    let mut batch = TrapBatch::new();
    batch.push(pkt0_mac, &header, &inner);
    batch.get(0).expect("one frame").to_vec()
}

/// Sends `frame` `count` times on the connected `socket`, waiting for room; returns how many
/// went (fewer when `stop` is set or the agent goes away).
#[cfg(not(target_os = "linux"))]
pub(crate) fn flood(socket: &UnixDatagram, frame: &[u8], count: u64, stop: &AtomicBool) -> io::Result<u64> {
    // One datagram per call where there is no sendmmsg; the socket blocks, so sends wait for room.
    let mut sent = 0u64;
    while sent < count && !stop.load(Ordering::Relaxed) {
        match socket.send(frame) {
            Ok(_) => sent += 1,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return if sent > 0 { Ok(sent) } else { Err(e) },
        }
    }
    Ok(sent)
}

/// Sends `frame` `count` times on the connected `socket`, waiting for room; returns how many
/// went (fewer when `stop` is set or the agent goes away).
#[cfg(target_os = "linux")]
pub(crate) fn flood(socket: &UnixDatagram, frame: &[u8], count: u64, stop: &AtomicBool) -> io::Result<u64> {
    let fd = socket.as_raw_fd();
    let mut sent = 0u64;
    while sent < count && !stop.load(Ordering::Relaxed) {
        let want = (count - sent).min(BURST as u64) as usize;
        // EINTR is retried inside; MSG_DONTWAIT so that a full socket lets `stop` be looked at.
        let (n, error) = vrouter_io::pkt0::mmsg::send_frames(fd, std::iter::repeat_n(frame, want), libc::MSG_DONTWAIT);
        sent += n as u64;
        let Some(e) = error else { continue };
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::ENOBUFS) => {
                let mut p = libc::pollfd { fd, events: libc::POLLOUT, revents: 0 };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut p, 1, POLL_MS) };
            }
            _ => return if sent > 0 { Ok(sent) } else { Err(e) },
        }
    }
    Ok(sent)
}
