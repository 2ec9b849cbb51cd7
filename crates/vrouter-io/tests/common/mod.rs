//! Helpers shared by the Windows integration tests: unique endpoint names, netlink-shaped test frames, a frame
//! reassembler, and spawning this test binary as a peer process.
#![allow(dead_code)] // each test binary uses a different subset

use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicU32, Ordering};

use vrouter_io::{Result, TransportRead};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A name no other test (in this or a concurrent run) uses.
pub fn unique(kind: &str) -> String {
    format!(
        "vrio-test-{kind}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn pipe_path(kind: &str) -> String {
    format!(r"\\.\pipe\{}", unique(kind))
}

pub fn section_name(kind: &str) -> String {
    format!(r"Local\{}", unique(kind))
}

/// A frame shaped like a netlink message: total length (LE u32, header included) first, then `seq` (LE u32),
/// 8 filler bytes, and `payload_len` bytes derived from `seq`.
pub fn frame(seq: u32, payload_len: usize) -> Vec<u8> {
    let len = 16 + payload_len;
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&(len as u32).to_le_bytes());
    f.extend_from_slice(&seq.to_le_bytes());
    f.extend_from_slice(&[0xAB; 8]);
    f.extend((0..payload_len).map(|i| (i as u32).wrapping_mul(31).wrapping_add(seq) as u8));
    f
}

pub fn frame_seq(f: &[u8]) -> u32 {
    u32::from_le_bytes(f[4..8].try_into().unwrap())
}

/// Reassembles frames by their leading length from a byte stream, as the ksync reader does by nlmsg_len.
#[derive(Default)]
pub struct Reassembler {
    pending: Vec<u8>,
}

impl Reassembler {
    pub fn next(&mut self, reader: &mut dyn TransportRead) -> Result<Vec<u8>> {
        loop {
            if self.pending.len() >= 4 {
                let len = u32::from_le_bytes(self.pending[..4].try_into().unwrap()) as usize;
                assert!(len >= 16, "corrupt frame length {len}");
                if self.pending.len() >= len {
                    return Ok(self.pending.drain(..len).collect());
                }
            }
            let mut buf = [0u8; 1500];
            let n = reader.read(&mut buf)?;
            assert!(n > 0, "a stream read returned 0 bytes");
            self.pending.extend_from_slice(&buf[..n]);
        }
    }

    /// Bytes received that do not yet make a whole frame.
    pub fn partial(&self) -> usize {
        self.pending.len()
    }
}

/// Exit status of a peer process that did its part (libtest's own statuses are 0 and 101, so a peer that ran no
/// test at all cannot pass for a successful one).
pub const PEER_OK: i32 = 42;

/// Runs this test binary again as a peer: only the ignored test `peer_entry` runs, and it reads its role from
/// VRIO_PEER_ROLE and its endpoint from VRIO_PEER_NAME, and exits with [`PEER_OK`] when its part succeeded.
pub fn spawn_peer(role: &str, name: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "peer_entry",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "--quiet",
        ])
        .stdout(std::process::Stdio::null())
        .env("VRIO_PEER_ROLE", role)
        .env("VRIO_PEER_NAME", name)
        .spawn()
        .expect("spawn peer process")
}

/// Starts (once per process) a watchdog that ends the test binary if it is still running after 120 s: a blocked
/// accept or read has no timeout of its own, and a hung test would otherwise hang the whole run. Under Wine the
/// longest test binary takes about a second.
pub fn process_watchdog() {
    static STARTED: std::sync::OnceLock<Watchdog> = std::sync::OnceLock::new();
    STARTED.get_or_init(|| Watchdog::new("this test binary", 120));
}

/// Ends the whole test process if a test hangs (a blocked accept or read has no timeout of its own).
pub struct Watchdog(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Watchdog {
    pub fn new(what: &'static str, seconds: u64) -> Self {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
            while std::time::Instant::now() < deadline {
                if d.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            eprintln!("watchdog: {what} still running after {seconds} s");
            std::process::exit(101);
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Waits for a peer and tells whether it did its part.
pub fn peer_succeeded(child: &mut Child) -> bool {
    let status: ExitStatus = child.wait().expect("wait for peer");
    status.code() == Some(PEER_OK)
}
