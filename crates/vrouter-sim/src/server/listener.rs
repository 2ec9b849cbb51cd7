//! Accepting ksync connections on a Unix stream socket or TCP, a thread per connection.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::poll_mode::{PollingStream, POLL_WINDOW};
use super::KsyncService;

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A Unix stream socket at this path (DPDK's `dpdk_netlink`); a stale socket file is replaced.
    Unix(PathBuf),
    /// A TCP address (DPDK built for TCP listens on 127.0.0.1:20914); port 0 picks a free one.
    Tcp(SocketAddr),
}

enum Socket {
    Unix(UnixListener),
    Tcp(TcpListener),
}

enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    fn shutdown(&self) {
        let _ = match self {
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// Open connections by id, so that `close` can end them and each can remove itself.
type Connections = Arc<Mutex<HashMap<u64, Conn>>>;

/// A running listener: accepts connections and serves each on its own thread until closed.
pub struct KsyncListener {
    local: ListenAddr,
    /// The listening socket, for waking the blocked accept at close.
    listen_fd: RawFd,
    stopping: Arc<AtomicBool>,
    connections: Connections,
    accept_thread: Option<JoinHandle<()>>,
}

impl KsyncListener {
    /// Binds and starts accepting.
    pub fn bind(addr: &ListenAddr, service: KsyncService) -> io::Result<Self> {
        let (socket, local) = match addr {
            ListenAddr::Unix(path) => {
                // A socket file left by a process that is gone would make bind fail.
                if UnixStream::connect(path).is_err() {
                    let _ = std::fs::remove_file(path);
                }
                (Socket::Unix(UnixListener::bind(path)?), addr.clone())
            }
            ListenAddr::Tcp(a) => {
                let l = TcpListener::bind(a)?;
                let local = ListenAddr::Tcp(l.local_addr()?);
                (Socket::Tcp(l), local)
            }
        };
        let listen_fd = match &socket {
            Socket::Unix(l) => l.as_raw_fd(),
            Socket::Tcp(l) => l.as_raw_fd(),
        };
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Connections::default();
        let accept_thread = {
            let (stopping, connections) = (stopping.clone(), connections.clone());
            std::thread::Builder::new()
                .name("vrouter-sim ksync accept".into())
                .spawn(move || accept_loop(socket, service, stopping, connections))?
        };
        Ok(KsyncListener { local, listen_fd, stopping, connections, accept_thread: Some(accept_thread) })
    }

    /// The address actually bound (TCP port 0 resolved).
    pub fn local_addr(&self) -> &ListenAddr {
        &self.local
    }

    /// Stops accepting and closes every connection.
    pub fn close(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Shutting the listening socket down makes the blocked accept fail at once (Linux), so
        // the thread sees `stopping` and ends — even if the socket file was removed meanwhile,
        // which a wake-up connection would not survive. The socket itself closes with the thread.
        // SAFETY: the descriptor stays open until the accept thread, which owns it, has ended.
        unsafe {
            libc::shutdown(self.listen_fd, libc::SHUT_RDWR);
        }
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        for (_, c) in self.connections.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            c.shutdown();
        }
        if let ListenAddr::Unix(p) = &self.local {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Drop for KsyncListener {
    fn drop(&mut self) {
        self.close();
    }
}

fn accept_loop(socket: Socket, service: KsyncService, stopping: Arc<AtomicBool>, connections: Connections) {
    let next_id = AtomicU64::new(0);
    loop {
        let accepted = match &socket {
            Socket::Unix(l) => l.accept().map(|(s, _)| Conn::Unix(s)),
            Socket::Tcp(l) => l.accept().map(|(s, _)| {
                let _ = s.set_nodelay(true);
                Conn::Tcp(s)
            }),
        };
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(conn) = accepted else {
            // Out of descriptors and the like: pause instead of spinning on the error.
            std::thread::sleep(std::time::Duration::from_millis(10));
            continue;
        };
        let handle = match &conn {
            Conn::Unix(s) => s.try_clone().map(Conn::Unix),
            Conn::Tcp(s) => s.try_clone().map(Conn::Tcp),
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(h) = handle {
            connections.lock().unwrap_or_else(|p| p.into_inner()).insert(id, h);
        }
        let (service, connections) = (service.clone(), connections.clone());
        let _ = std::thread::Builder::new().name("vrouter-sim ksync".into()).spawn(move || {
            // A connection's end, normal or not, concerns only that connection.
            let _ = match conn {
                Conn::Unix(s) => service.serve(PollingStream::new(s, POLL_WINDOW)),
                Conn::Tcp(s) => service.serve(PollingStream::new(s, POLL_WINDOW)),
            };
            connections.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        });
    }
}
