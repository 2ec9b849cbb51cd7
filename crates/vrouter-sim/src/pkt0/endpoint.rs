//! The simulator's pkt0 socket, DPDK style (PROTOCOL.md §5.2): bound at `DIR/dpdk_pkt0`,
//! sending to the agent's socket at `DIR/agent_pkt0`, one frame per datagram.
//!
//! DPDK vRouter creates this socket when the agent adds the AGENT vif; the simulator binds it
//! at start instead, so that traps and tests work before (or without) that vif, and an agent
//! connecting to `dpdk_pkt0` finds it at once rather than on its next 1-second retry.

// Without taps (not Linux) the Unix port is the only one, and matching it cannot fail.
#![cfg_attr(not(target_os = "linux"), allow(irrefutable_let_patterns))]

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::endpoint_core::EndpointCore;
use super::sender::Sender;
#[cfg(target_os = "linux")]
use super::tap::TapPort;
use super::stats::Pkt0Counters;
use super::{TrapBatch, TrapSink};
use crate::Datapath;

/// Name of the simulator's (vRouter's) socket in the directory.
pub const DPDK_PKT0: &str = "dpdk_pkt0";
/// Name of the agent's socket in the directory.
pub const AGENT_PKT0: &str = "agent_pkt0";

/// DPDK vRouter sizes its send buffer for its hold limit's worth of jumbo frames (1000 × 9 KiB);
/// the kernel caps it at `net.core.wmem_max`.
const SEND_BUFFER: usize = 1000 * 9216;
/// How long the receiver blocks before looking whether it should stop.
const RECV_POLL: Duration = Duration::from_millis(100);

/// Where the simulator's pkt0 is.
enum Port {
    /// The DPDK datagram pair.
    Unix { socket: UnixDatagram, path: PathBuf, sender: Mutex<Sender> },
    /// A tap device the agent created (kernel mode).
    #[cfg(target_os = "linux")]
    Tap(TapPort),
}

struct Shared {
    port: Port,
    core: EndpointCore,
    stopping: AtomicBool,
}

/// A bound pkt0 socket with its receiving thread.
///
/// Frames from the agent are checked ([`classify`]), counted, kept in a log of the last
/// [`REINJECT_LOG_LEN`](super::REINJECT_LOG_LEN) and accounted on the datapath's vifs: every
/// valid frame is received on the AGENT vif; a SWITCH is sent out of its vif (or dropped as
/// `INVALID_IF` when there is none); a ROUTE goes no further (the simulator does not route).
pub struct Pkt0Endpoint {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Pkt0Endpoint {
    /// Binds `dir/dpdk_pkt0` (replacing a stale socket file) and starts receiving.
    pub fn bind(dir: &Path, datapath: Arc<Mutex<Datapath>>) -> io::Result<Self> {
        let path = dir.join(DPDK_PKT0);
        let socket = bind_replacing(&path)?;
        set_send_buffer(&socket, SEND_BUFFER);
        let receiver = socket.try_clone()?;
        receiver.set_read_timeout(Some(RECV_POLL))?;
        let port = Port::Unix { socket, sender: Mutex::new(Sender::new(dir.join(AGENT_PKT0))), path };
        Self::start(port, Some(receiver), datapath)
    }

    /// Serves pkt0 on tap `name`, as the kernel module does: the agent creates the tap; the
    /// simulator attaches to the netdev once it exists (and again after the agent re-creates it).
    #[cfg(target_os = "linux")]
    pub fn tap(name: &str, datapath: Arc<Mutex<Datapath>>) -> io::Result<Self> {
        Self::start(Port::Tap(TapPort::new(name)?), None, datapath)
    }

    fn start(port: Port, receiver: Option<UnixDatagram>, datapath: Arc<Mutex<Datapath>>) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            port,
            core: EndpointCore::new(datapath),
            stopping: AtomicBool::new(false),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("vrouter-sim pkt0".into())
                .spawn(move || match receiver {
                    Some(r) => receive_loop(&shared, &r),
                    #[cfg(target_os = "linux")]
                    None => tap_receive_loop(&shared),
                    #[cfg(not(target_os = "linux"))]
                    None => {}
                })?
        };
        Ok(Pkt0Endpoint { shared, thread: Mutex::new(Some(thread)) })
    }

    /// The socket the simulator bound: `dir/dpdk_pkt0` (for a tap, the tap's name).
    pub fn path(&self) -> &Path {
        match &self.shared.port {
            Port::Unix { path, .. } => path,
            #[cfg(target_os = "linux")]
            Port::Tap(t) => Path::new(t.name()),
        }
    }

    /// Where the agent binds and the simulator sends: `dir/agent_pkt0` (for a tap, its name).
    pub fn agent_path(&self) -> PathBuf {
        match &self.shared.port {
            Port::Unix { sender, .. } => lock(sender).agent_path().to_owned(),
            #[cfg(target_os = "linux")]
            Port::Tap(t) => PathBuf::from(t.name()),
        }
    }

    /// The agent's endpoint string: `unix:DIR/agent_pkt0` or `tap:NAME`.
    pub fn agent_endpoint(&self) -> String {
        match &self.shared.port {
            Port::Unix { .. } => format!("unix:{}", self.agent_path().display()),
            #[cfg(target_os = "linux")]
            Port::Tap(t) => format!("tap:{}", t.name()),
        }
    }

    /// Sends `count` FLOW_MISS trap frames of `inner_len`-byte packets to the agent, waiting
    /// for room rather than dropping (a load generator for the agent's receive path; traps
    /// proper are sent as vRouter sends them, see [`TrapSink`]). Returns how many went; stops
    /// early when the endpoint closes or the agent goes away.
    pub fn flood(&self, inner_len: usize, count: u64) -> io::Result<u64> {
        let mac = lock(&self.shared.core.datapath).agent_vif().map_or([0; 6], |v| v.mac());
        let frame = super::flood::flood_frame(mac, inner_len, 1);
        let Port::Unix { socket, sender, .. } = &self.shared.port else {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "a flood needs the Unix datagram pkt0"));
        };
        if !lock(sender).connect(socket) {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "no agent has bound agent_pkt0"));
        }
        let sent = super::flood::flood(socket, &frame, count, &self.shared.stopping)?;
        Pkt0Counters::add(&self.shared.core.counters.traps_sent, sent);
        Ok(sent)
    }

    /// The datapath this endpoint accounts frames on.
    pub fn datapath(&self) -> &Arc<Mutex<Datapath>> {
        &self.shared.core.datapath
    }

    /// Stops receiving and removes the socket file; idempotent.
    pub fn close(&self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wakes the blocked receive at once on Linux; elsewhere the poll timeout does.
        if let Port::Unix { socket, .. } = &self.shared.port {
            let _ = socket.shutdown(std::net::Shutdown::Read);
        }
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
        if let Port::Unix { path, .. } = &self.shared.port {
            let _ = std::fs::remove_file(path);
        }
    }
}

super::endpoint_core::core_methods!(Pkt0Endpoint);

impl TrapSink for Pkt0Endpoint {
    fn send_traps(&self, batch: &TrapBatch) -> usize {
        match &self.shared.port {
            Port::Unix { socket, sender, .. } => lock(sender).send(socket, batch, &self.shared.core.counters),
            #[cfg(target_os = "linux")]
            Port::Tap(t) => t.send(batch, &self.shared.core.counters),
        }
    }
}

impl Drop for Pkt0Endpoint {
    fn drop(&mut self) {
        self.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Binds `path`, first removing a socket file nobody serves (left by a process that is gone).
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
                return Err(e);
            }
            std::fs::remove_file(path)?;
            UnixDatagram::bind(path)
        }
        other => other,
    }
}

fn set_send_buffer(socket: &UnixDatagram, bytes: usize) {
    use std::os::unix::io::AsRawFd;
    let value = bytes as libc::c_int;
    // SAFETY: a valid option value of the size given. A refusal only leaves the default size.
    unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn receive_loop(shared: &Shared, socket: &UnixDatagram) {
    #[cfg(target_os = "linux")]
    let mut batch = super::recv_batch::BatchReceiver::new();
    #[cfg(not(target_os = "linux"))]
    let mut batch = single::Receiver::new();
    while !shared.stopping.load(Ordering::SeqCst) {
        match batch.recv(socket) {
            // The shutdown of `close` (an empty datagram is invalid either way).
            Ok(_) if shared.stopping.load(Ordering::SeqCst) => return,
            Ok(_) => receive_all(shared, batch.frames()),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                // Idle: let go of an agent that has gone, and take up with a new one.
                if let Port::Unix { socket, sender, .. } = &shared.port {
                    lock(sender).follow_agent(socket);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Anything else cannot be recovered from but must not spin.
            Err(_) => std::thread::sleep(RECV_POLL),
        }
    }
}

#[cfg(target_os = "linux")]
fn tap_receive_loop(shared: &Shared) {
    let Port::Tap(tap) = &shared.port else { return };
    let mut buf = vec![0u8; 64 * 1024];
    while !shared.stopping.load(Ordering::SeqCst) {
        match tap.recv(&mut buf) {
            Ok(Some(n)) => receive_all(shared, std::iter::once(&buf[..n.min(buf.len())])),
            Ok(None) => {}
            Err(_) => std::thread::sleep(RECV_POLL),
        }
    }
}

fn receive_all<'a>(shared: &Shared, frames: impl Iterator<Item = &'a [u8]>) {
    shared.core.receive(frames);
}

/// One datagram per call where `recvmmsg` does not exist.
#[cfg(not(target_os = "linux"))]
mod single {
    use std::io;
    use std::os::unix::net::UnixDatagram;

    pub(super) struct Receiver {
        buf: Vec<u8>,
        len: usize,
    }

    impl Receiver {
        pub(super) fn new() -> Self {
            // Larger than anything valid, so that an oversize datagram is seen as such, not cut.
            Receiver { buf: vec![0u8; 64 * 1024], len: 0 }
        }

        pub(super) fn recv(&mut self, socket: &UnixDatagram) -> io::Result<usize> {
            self.len = socket.recv(&mut self.buf)?;
            Ok(1)
        }

        pub(super) fn frames(&self) -> impl Iterator<Item = &[u8]> + '_ {
            std::iter::once(&self.buf[..self.len])
        }
    }
}

