//! One ksync connection: netlink frames in, the datapath's answers framed in the dialect out.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use vrouter_proto::netlink::{parse_request, Dialect, ReplyWriter, StreamReassembler};

use crate::Datapath;

/// Requests longer than the agent ever sends (it stays under 4096 bytes) are still taken, as
/// DPDK vRouter grows its buffer for them; past this a stream is not ksync.
const MAX_REQUEST_LEN: usize = 1 << 20;

/// Serves ksync connections against one shared datapath.
#[derive(Clone)]
pub struct KsyncService {
    dialect: Dialect,
    datapath: Arc<Mutex<Datapath>>,
    /// Request frames answered, over every connection of every clone.
    requests: Arc<AtomicU64>,
}

impl KsyncService {
    pub fn new(dialect: Dialect, datapath: Arc<Mutex<Datapath>>) -> Self {
        KsyncService { dialect, datapath, requests: Arc::default() }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn datapath(&self) -> &Arc<Mutex<Datapath>> {
        &self.datapath
    }

    /// Request frames served so far (by this service and its clones).
    pub fn requests_served(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Serves one connection until the peer closes it (Ok) or sends bytes that cannot be cut
    /// into frames (an error: a byte stream with a bad length cannot be resynchronised, so
    /// the connection is dropped, as vRouter drops it). Replies to each request frame are
    /// written whole, in one write.
    pub fn serve<S: Read + Write>(&self, stream: S) -> io::Result<()> {
        self.serve_limited(stream, MAX_REQUEST_LEN)
    }

    /// [`serve`](Self::serve), refusing request messages longer than `max_request_len` bytes (the Windows
    /// driver takes at most 4096: a longer one resets its reassembly and fails the write; a pipe cannot fail
    /// the client's write, so the connection is dropped).
    pub fn serve_limited<S: Read + Write>(&self, mut stream: S, max_request_len: usize) -> io::Result<()> {
        let mut frames = StreamReassembler::with_max_frame_len(max_request_len);
        let mut out = Vec::with_capacity(8192);
        loop {
            let n = stream.read(frames.spare(4096))?;
            if n == 0 {
                return Ok(());
            }
            frames.commit(n);
            out.clear();
            loop {
                match frames.pop() {
                    Ok(Some(frame)) => self.answer(frame, &mut out),
                    Ok(None) => break,
                    Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                }
            }
            if !out.is_empty() {
                stream.write_all(&out)?;
            }
        }
    }

    /// Appends the reply frames for one request frame.
    pub fn answer(&self, frame: &[u8], out: &mut Vec<u8>) {
        let request = match parse_request(frame) {
            Ok(r) => r,
            // A frame whose generic-netlink parts do not check out: the kernel's netlink
            // layer would refuse it and DPDK would read garbage; either way no answer.
            Err(_) => return,
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let responses = self.datapath.lock().unwrap_or_else(|p| p.into_inner()).handle(request.payload);
        if responses.is_empty() {
            return;
        }
        let writer = ReplyWriter::for_request(self.dialect, &request);
        writer
            .write_response(out, responses.buffers())
            .expect("response buffers stay within a netlink message");
    }
}
