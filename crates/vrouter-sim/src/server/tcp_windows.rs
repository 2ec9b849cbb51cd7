//! Accepting ksync connections on TCP on Windows, a thread per connection (on Unix, `KsyncListener` serves TCP
//! beside the Unix stream socket).
//!
//! A thread blocked in `accept` is woken at close by a connection of our own, and connection threads read with a
//! timeout to see that the listener closes: on Windows neither `shutdown` of a listening socket nor of a connection
//! reliably ends a call blocked in it.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::KsyncService;

/// Open connections: a handle each, to shut them down at close.
type Connections = super::connections::Connections<TcpStream>;

/// A TCP listener being served: accepts connections and serves each on its own thread until closed.
pub struct KsyncTcpListener {
    local: SocketAddr,
    stopping: Arc<AtomicBool>,
    connections: Arc<Connections>,
    accept_thread: Option<JoinHandle<()>>,
}

impl KsyncTcpListener {
    /// Binds `addr` (port 0 picks a free one) and starts accepting.
    pub fn bind(addr: SocketAddr, service: KsyncService) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let accept_thread = {
            let (stopping, connections) = (stopping.clone(), connections.clone());
            std::thread::Builder::new()
                .name("vrouter-sim ksync tcp accept".into())
                .spawn(move || accept_loop(listener, service, &stopping, &connections))?
        };
        Ok(KsyncTcpListener { local, stopping, connections, accept_thread: Some(accept_thread) })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops accepting, ends every connection and waits for their threads; idempotent.
    pub fn close(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the blocked accept; it sees `stopping` and ends, closing the listening socket.
        let wake = SocketAddr::new(loopback_for(self.local), self.local.port());
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(5));
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        self.connections.end_all(|s| {
            let _ = s.shutdown(Shutdown::Both);
        });
    }
}

impl Drop for KsyncTcpListener {
    fn drop(&mut self) {
        self.close();
    }
}

/// Where to connect to reach a listener bound to `local` (an unspecified address is reached on loopback).
fn loopback_for(local: SocketAddr) -> std::net::IpAddr {
    match local.ip() {
        ip if !ip.is_unspecified() => ip,
        std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
    }
}

/// How often an idle connection looks whether the listener is closing.
const STOP_POLL: Duration = Duration::from_millis(100);

/// A connection whose reads end (as at the peer's close) once the listener is closing.
struct Stoppable<'a> {
    stream: TcpStream,
    stopping: &'a AtomicBool,
}

impl io::Read for Stoppable<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.stream.read(buf) {
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    if self.stopping.load(Ordering::SeqCst) {
                        return Ok(0);
                    }
                }
                other => return other,
            }
        }
    }
}

impl io::Write for Stoppable<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

fn accept_loop(listener: TcpListener, service: KsyncService, stopping: &Arc<AtomicBool>, connections: &Arc<Connections>) {
    let mut next_id = 0u64;
    loop {
        let accepted = listener.accept();
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok((stream, _)) = accepted else {
            // Out of resources and the like: pause instead of spinning on the error.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let Ok(handle) = stream.try_clone() else { continue };
        let id = next_id;
        next_id += 1;
        connections.add(id, handle);
        let (service, connections_, stopping_) = (service.clone(), connections.clone(), stopping.clone());
        let spawned = std::thread::Builder::new().name("vrouter-sim ksync tcp".into()).spawn(move || {
            // A connection's end, normal or not, concerns only that connection.
            if stream.set_read_timeout(Some(STOP_POLL)).is_ok() {
                let _ = service.serve(Stoppable { stream, stopping: &stopping_ });
            }
            connections_.ended(id);
        });
        if spawned.is_err() {
            connections.forget(id);
        }
    }
}
