//! Unix and TCP stream endpoints, opened through their endpoint strings: bytes both ways, split halves, cancelling a
//! blocked read, peer loss, missing endpoints.
#![cfg(unix)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use vrouter_io::{open_ksync, Endpoint, EndpointError, ErrorKind, Framing};

/// A fresh private folder for socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "vrio-stream-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server on each kind of endpoint that runs `serve` on its single connection: (endpoint, server thread).
/// The listener lives in the thread, so the endpoint stops accepting once `serve` returns.
fn servers<F>(dir: &TempDir, serve: F) -> Vec<(String, thread::JoinHandle<()>)>
where
    F: Fn(&mut dyn ReadWrite) + Send + Sync + Clone + 'static,
{
    let path = dir.0.join("ksync.sock");
    let unix = UnixListener::bind(&path).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp_endpoint = format!("tcp:{}", tcp.local_addr().unwrap());
    let s1 = serve.clone();
    vec![
        (
            format!("unix:{}", path.display()),
            thread::spawn(move || s1(&mut unix.accept().unwrap().0)),
        ),
        (
            tcp_endpoint,
            thread::spawn(move || serve(&mut tcp.accept().unwrap().0)),
        ),
    ]
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// Reads exactly `n` bytes through a transport (a stream read may return fewer).
fn read_exact(t: &mut dyn vrouter_io::TransportRead, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let k = t.read(&mut out[got..]).unwrap();
        assert!(k > 0, "a stream read returned 0 bytes");
        got += k;
    }
    out
}

#[test]
fn bytes_travel_both_ways_on_unix_and_tcp() {
    let dir = TempDir::new();
    let echo = |s: &mut dyn ReadWrite| {
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        buf.reverse();
        s.write_all(&buf).unwrap();
    };
    for (endpoint, server) in servers(&dir, echo) {
        let mut t = open_ksync(&endpoint).unwrap();
        assert_eq!(t.framing(), Framing::Stream);
        t.write_all(b"hello").unwrap();
        assert_eq!(read_exact(&mut *t, 5), b"olleh", "{endpoint}");
        server.join().unwrap();
    }
}

#[test]
fn halves_work_from_different_threads() {
    let dir = TempDir::new();
    let echo_all = |s: &mut dyn ReadWrite| {
        let mut buf = vec![0u8; 64 * 1024];
        s.read_exact(&mut buf).unwrap();
        s.write_all(&buf).unwrap();
    };
    for (endpoint, server) in servers(&dir, echo_all) {
        let t = open_ksync(&endpoint).unwrap();
        let (mut r, mut w) = t.split();
        let data: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = thread::spawn(move || w.write_all(&sent).unwrap());
        assert_eq!(read_exact(&mut *r, data.len()), data, "{endpoint}");
        writer.join().unwrap();
        server.join().unwrap();
    }
}

#[test]
fn cancel_wakes_a_blocked_read_and_stays_sticky() {
    let dir = TempDir::new();
    // The server holds the connection open, silent, until the client is done.
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let done_rx = std::sync::Arc::new(std::sync::Mutex::new(done_rx));
    let silent = move |_: &mut dyn ReadWrite| {
        let _ = done_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30));
    };
    for (endpoint, server) in servers(&dir, silent) {
        let mut t = open_ksync(&endpoint).unwrap();
        let canceller = t.canceller();
        let c = canceller.clone();
        let cancel = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            c.cancel();
        });
        let started = Instant::now();
        let mut buf = [0u8; 16];
        let err = t.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled, "{endpoint}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(t.read(&mut buf).unwrap_err().kind(), ErrorKind::Cancelled);
        // Reception was shut down for good: after a reset the socket reads as closed (see the unix module).
        canceller.reset();
        assert_eq!(t.read(&mut buf).unwrap_err().kind(), ErrorKind::PeerClosed);
        cancel.join().unwrap();
        done_tx.send(()).unwrap();
        server.join().unwrap();
    }
}

#[test]
fn a_closed_peer_is_peer_closed_for_reads_and_writes() {
    let dir = TempDir::new();
    let close_at_once = |_: &mut dyn ReadWrite| {};
    for (endpoint, server) in servers(&dir, close_at_once) {
        let mut t = open_ksync(&endpoint).unwrap();
        server.join().unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(
            t.read(&mut buf).unwrap_err().kind(),
            ErrorKind::PeerClosed,
            "{endpoint}"
        );
        // The first write after the peer left may still be accepted by the kernel; a later one fails.
        let err = (0..100)
            .find_map(|_| t.write_all(&[0u8; 4096]).err())
            .expect("writes to a closed peer kept succeeding");
        assert_eq!(err.kind(), ErrorKind::PeerClosed, "{endpoint}: {err}");
    }
}

#[test]
fn missing_or_refusing_endpoints_are_not_found() {
    let dir = TempDir::new();
    let missing = format!("unix:{}", dir.0.join("nothing-here").display());
    let err = open_ksync(&missing).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // A socket file nobody listens on any more (a stale DPDK socket): connection refused.
    let stale = dir.0.join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    let err = open_ksync(&format!("unix:{}", stale.display()))
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");

    // A TCP port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = open_ksync(&format!("tcp:127.0.0.1:{port}")).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(
        err.to_string().contains(&format!("tcp:127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn endpoint_strings_are_checked_before_any_io() {
    assert!(matches!(
        Endpoint::parse(r"\\.\pipe\vrouterKsync"),
        Err(EndpointError::Unsupported { .. })
    ));
    assert!(matches!(
        Endpoint::parse("sctp:1.2.3.4:5"),
        Err(EndpointError::UnknownScheme { .. })
    ));
    let err = open_ksync("tcp:localhost").err().unwrap();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("HOST:PORT"), "{err}");
}
