//! Channels between two processes: this test binary runs again as the peer (see `peer_entry`).
#![cfg(windows)]

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{
    frame, frame_seq, peer_succeeded, pipe_path, section_name, spawn_peer, Reassembler, Watchdog,
    PEER_OK,
};
use vrouter_io::windows::pipe_client::{self, ClientOptions};
use vrouter_io::windows::pipe_server::PipeServer;
use vrouter_io::windows::pkt0;
use vrouter_io::windows::section::{virtual_query, SectionReader, SectionWriter};
use vrouter_io::{ErrorKind, TableMapping, TransportRead, TransportWrite};
use windows_sys::Win32::System::Memory::PAGE_READONLY;

const SECTION_LEN: usize = 1 << 20;

#[test]
fn ksync_pipe_between_processes() {
    let _w = Watchdog::new("ksync_pipe_between_processes", 120);
    let path = pipe_path("xp-ksync");
    let mut server = PipeServer::ksync(&path).unwrap();
    let mut child = spawn_peer("ksync-client", &path);
    let mut conn = server.accept().unwrap();
    // Echo every frame until the client leaves.
    let mut r = Reassembler::default();
    let mut echoed = 0;
    let err = loop {
        match r.next(&mut conn) {
            Ok(f) => {
                conn.write_all(&f).unwrap();
                echoed += 1;
            }
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::PeerClosed, "{err}");
    assert!(peer_succeeded(&mut child), "peer failed");
    assert_eq!(echoed, 6);
}

#[test]
fn pkt0_pipe_between_processes_with_exclusive_opener() {
    let _w = Watchdog::new("pkt0_pipe_between_processes_with_exclusive_opener", 120);
    let path = pipe_path("xp-pkt0");
    let mut server = PipeServer::pkt0(&path).unwrap();
    let mut child = spawn_peer("pkt0-client", &path);
    let mut conn = server.accept().unwrap();
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    for (seq, len) in [(1u32, 60usize), (2, 1500), (3, 9000)] {
        conn.write_all(&frame(seq, len)).unwrap();
        let n = conn.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], &frame(seq, len)[..], "echo of frame {seq}");
    }
    // While that client is connected, another process is refused.
    let mut second = spawn_peer("pkt0-second-opener", &path);
    assert!(
        peer_succeeded(&mut second),
        "second opener was not refused with Busy"
    );
    conn.write_all(&frame(99, 0)).unwrap(); // tells the client to leave
    assert!(peer_succeeded(&mut child), "peer failed");
    assert_eq!(
        conn.read(&mut buf).unwrap_err().kind(),
        ErrorKind::PeerClosed
    );
}

#[test]
fn section_between_processes_is_live_and_read_only() {
    let _w = Watchdog::new("section_between_processes_is_live_and_read_only", 120);
    let name = section_name("xp-flow");
    let writer = SectionWriter::create(&name, SECTION_LEN).unwrap();
    let mut child = spawn_peer("section-reader", &name);
    let start = Instant::now();
    let mut value = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "reader never finished"
        );
        value += 1;
        // Two words, so the reader can check it never sees them torn apart by more than one step.
        unsafe {
            std::ptr::write_volatile(writer.as_mut_ptr().cast::<u64>(), value);
            std::ptr::write_volatile(
                writer.as_mut_ptr().cast::<u64>().add(SECTION_LEN / 8 - 1),
                value,
            );
        }
        thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(status.code(), Some(PEER_OK), "reader failed");
}

/// The peer side; runs only when spawned by the tests above.
#[test]
#[ignore = "peer process entry point, spawned by the cross-process tests"]
fn peer_entry() {
    let (Ok(role), Ok(name)) = (
        std::env::var("VRIO_PEER_ROLE"),
        std::env::var("VRIO_PEER_NAME"),
    ) else {
        return;
    };
    match role.as_str() {
        "ksync-client" => ksync_client(&name),
        "pkt0-client" => pkt0_client(&name),
        "pkt0-second-opener" => {
            let err = pkt0::open(&name)
                .err()
                .expect("second pkt0 opener was accepted");
            assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
        }
        "section-reader" => section_reader(&name),
        other => panic!("unknown peer role {other}"),
    }
    std::process::exit(PEER_OK);
}

fn ksync_client(path: &str) {
    let mut c = pipe_client::open(path, &ClientOptions::ksync()).unwrap();
    let mut r = Reassembler::default();
    // One whole frame.
    let f1 = frame(1, 100);
    c.write_all(&f1).unwrap();
    assert_eq!(r.next(&mut c).unwrap(), f1);
    // One frame in pieces.
    let f2 = frame(3, 700);
    for piece in f2.chunks(150) {
        c.write_all(piece).unwrap();
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(r.next(&mut c).unwrap(), f2);
    // Several frames in one write, the last one split across two writes.
    let bulk: Vec<Vec<u8>> = (0..4).map(|i| frame(5 + 2 * i, 30 * i as usize)).collect();
    let all = bulk.concat();
    let cut = all.len() - 10;
    c.write_all(&all[..cut]).unwrap();
    thread::sleep(Duration::from_millis(20));
    c.write_all(&all[cut..]).unwrap();
    for f in &bulk {
        assert_eq!(frame_seq(&r.next(&mut c).unwrap()), frame_seq(f));
    }
}

fn pkt0_client(path: &str) {
    let mut c = pkt0::open(path).unwrap();
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    loop {
        let n = c.read(&mut buf).unwrap();
        if frame_seq(&buf[..n]) == 99 {
            return;
        }
        c.write_all(&buf[..n]).unwrap();
    }
}

fn section_reader(name: &str) {
    let reader = SectionReader::open(name, SECTION_LEN).unwrap();
    assert_eq!(
        virtual_query(reader.as_ptr()).unwrap().Protect,
        PAGE_READONLY
    );
    let word = |i: usize| unsafe { std::ptr::read_volatile(reader.as_ptr().cast::<u64>().add(i)) };
    let start = Instant::now();
    let (mut last, mut changes) = (0u64, 0);
    while changes < 20 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "writer's updates not visible"
        );
        let first = word(0);
        let tail = word(SECTION_LEN / 8 - 1);
        assert!(first >= last, "went backwards");
        assert!(
            tail <= first && first - tail <= 1000,
            "tail {tail} vs head {first}"
        );
        if first != last {
            changes += 1;
            last = first;
        }
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(reader.len(), SECTION_LEN);
}
