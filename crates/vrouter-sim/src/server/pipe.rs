//! Accepting ksync connections on a Windows named pipe (`\\.\pipe\…`), a thread per connection.
//!
//! The pipe stands in for the driver's `\\.\vrouterKsync` device (PROTOCOL.md §5.3): any number of clients at
//! once, each a byte stream of netlink messages (partial or several per write, reassembled by `nlmsg_len`), each
//! with its own replies. Unlike the device, a read pends until replies are there (a pipe cannot answer "nothing
//! yet" with 0 bytes); vrouter-io's pipe client expects exactly that. A request message longer than the driver's
//! 4096-byte write buffer ends the connection (the driver fails that write; a pipe server cannot).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use vrouter_io::windows::pipe_server::PipeServer;
use vrouter_io::windows::{OverlappedFile, OverlappedReader, OverlappedWriter};
use vrouter_io::{Canceller, ErrorKind, TransportRead, TransportWrite};

use super::KsyncService;

/// The longest request message the Windows driver reassembles (its per-handle write buffer).
pub const WINDOWS_MAX_REQUEST_LEN: usize = 4096;

/// The open connections' cancellers (read, write) by id.
type Connections = super::connections::Connections<(Canceller, Canceller)>;

/// A ksync pipe being served: accepts clients and serves each on its own thread until closed.
pub struct KsyncPipeListener {
    path: String,
    accept: Canceller,
    stopping: Arc<AtomicBool>,
    connections: Arc<Connections>,
    accept_thread: Option<JoinHandle<()>>,
}

impl KsyncPipeListener {
    /// Creates the pipe at `path` and starts accepting. Fails with [`ErrorKind::AlreadyExists`] when another
    /// server already serves that name.
    pub fn bind(path: &str, service: KsyncService) -> vrouter_io::Result<Self> {
        let server = PipeServer::ksync(path)?;
        let accept = server.canceller();
        let stopping = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let accept_thread = {
            let (stopping, connections) = (stopping.clone(), connections.clone());
            std::thread::Builder::new()
                .name("vrouter-sim ksync pipe accept".into())
                .spawn(move || accept_loop(server, service, &stopping, &connections))
                .map_err(|e| vrouter_io::Error::from_os(e, "start the ksync pipe thread"))?
        };
        Ok(KsyncPipeListener { path: path.to_owned(), accept, stopping, connections, accept_thread: Some(accept_thread) })
    }

    /// The pipe's path, which clients open.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Stops accepting, ends every connection and waits until their handles are closed (so the name is free
    /// once this returns); idempotent.
    pub fn close(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.accept.cancel();
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        // No connection starts any more: end those there are and wait for their threads.
        self.connections.end_all(|(read, write)| {
            read.cancel();
            write.cancel();
        });
    }
}

impl Drop for KsyncPipeListener {
    fn drop(&mut self) {
        self.close();
    }
}

fn accept_loop(mut server: PipeServer, service: KsyncService, stopping: &AtomicBool, connections: &Arc<Connections>) {
    let accept = server.canceller();
    let mut next_id = 0u64;
    loop {
        let accepted = server.accept();
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let connection = match accepted {
            Ok(c) => c,
            // Creating the next instance failed (out of resources): pause instead of spinning.
            Err(_) => {
                accept.sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        let (id, stream) = (next_id, PipeStream::new(connection));
        next_id += 1;
        connections.add(id, (stream.reader.canceller(), stream.writer.canceller()));
        let (service, connections_) = (service.clone(), connections.clone());
        let spawned = std::thread::Builder::new().name("vrouter-sim ksync pipe".into()).spawn(move || {
            // A connection's end, normal or not, concerns only that connection.
            let _ = service.serve_limited(stream, WINDOWS_MAX_REQUEST_LEN);
            connections_.ended(id);
        });
        if spawned.is_err() {
            // The connection was dropped with the closure: forget it.
            connections.forget(id);
        }
    }
}

/// A pipe connection as a std byte stream, for [`KsyncService::serve`]: the peer's close (or a cancellation at
/// close) is the end of the stream.
struct PipeStream {
    reader: OverlappedReader,
    writer: OverlappedWriter,
}

impl PipeStream {
    fn new(connection: OverlappedFile) -> Self {
        let (reader, writer) = connection.into_split();
        PipeStream { reader, writer }
    }
}

impl io::Read for PipeStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.reader.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), ErrorKind::PeerClosed | ErrorKind::Cancelled) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

impl io::Write for PipeStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
