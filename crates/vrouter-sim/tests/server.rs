//! ksync over real sockets: framing per dialect, several clients at once, garbage from one.

#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use sandesh::Sandesh;
use vrouter_proto::messages::{decode_all, Message, SandeshOp, VrMplsReq, VrNexthopReq, VrResponse};
use vrouter_proto::netlink::{parse_reply, write_request, Dialect, Reply, ReplyTracker, RequestHeader, StreamReassembler};
use vrouter_sim::server::{KsyncListener, KsyncService, ListenAddr};
use vrouter_sim::Datapath;

fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 10, ..Default::default() }), 0);
    Arc::new(Mutex::new(dp))
}

fn listen(dialect: Dialect) -> (tempdir::Dir, KsyncListener) {
    let dir = tempdir::Dir::new();
    let l = KsyncListener::bind(&ListenAddr::Unix(dir.path.join("dpdk_netlink")), KsyncService::new(dialect, datapath())).unwrap();
    (dir, l)
}

/// Sends one request frame carrying `messages`; returns the reply frames' raw bytes.
fn exchange(s: &mut UnixStream, seq: u32, messages: &[Message]) -> Vec<Vec<u8>> {
    let mut payload = Vec::new();
    messages.iter().for_each(|m| m.encode(&mut payload));
    let mut frame = Vec::new();
    write_request(&mut frame, &RequestHeader { family_id: 24, seq, pid: 7 }, &payload).unwrap();
    s.write_all(&frame).unwrap();
    let mut frames = StreamReassembler::new();
    let mut tracker = ReplyTracker::new(seq);
    let mut out = Vec::new();
    while !tracker.is_complete() {
        if let Some(f) = frames.pop().unwrap() {
            let f = f.to_vec();
            tracker.on_reply(&parse_reply(&f).unwrap()).unwrap();
            out.push(f);
            continue;
        }
        let n = s.read(frames.spare(4096)).unwrap();
        assert!(n > 0, "server closed the connection");
        frames.commit(n);
    }
    out
}

fn payload_messages(frame: &[u8]) -> Vec<Message> {
    match parse_reply(frame).unwrap() {
        Reply::Sandesh(m) => decode_all(m.declared_payload()).messages,
        _ => vec![],
    }
}

fn mpls(op: SandeshOp, label: i32) -> Message {
    VrMplsReq { h_op: op, mr_label: label, mr_nhid: 10, mr_marker: -1, ..Default::default() }.into()
}

#[test]
fn dpdk_replies_are_unpadded_with_multi_on_all_but_the_last() {
    let (dir, _l) = listen(Dialect::Dpdk);
    let mut s = UnixStream::connect(dir.path.join("dpdk_netlink")).unwrap();
    let single = exchange(&mut s, 1, &[mpls(SandeshOp::ADD, 5)]);
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].len(), 24 + 30, "no padding");
    assert_eq!(payload_messages(&single[0]), vec![Message::from(VrResponse { h_op: SandeshOp::RESPONSE, resp_code: 0 })]);
    let dump = exchange(&mut s, 2, &[mpls(SandeshOp::DUMP, 0)]);
    let flags: Vec<bool> = dump.iter().map(|f| parse_reply(f).unwrap().is_multi()).collect();
    assert_eq!(flags, [true, false]);
    let header = parse_reply(&dump[0]).unwrap();
    assert_eq!((header.header().seq, header.header().msg_type, header.header().pid), (2, 24, 0), "seq and type echoed, pid 0");
}

#[test]
fn kernel_replies_are_padded_and_multi_part_ones_end_with_done() {
    let (dir, _l) = listen(Dialect::Kernel);
    let mut s = UnixStream::connect(dir.path.join("dpdk_netlink")).unwrap();
    let single = exchange(&mut s, 9, &[mpls(SandeshOp::ADD, 5)]);
    assert_eq!(single[0].len(), 56, "padded to 4");
    let bulk = exchange(&mut s, 10, &[mpls(SandeshOp::ADD, 6), mpls(SandeshOp::GET, 6), mpls(SandeshOp::GET, 7)]);
    assert_eq!(bulk.len(), 4, "three answers, MULTI, then DONE");
    assert!(matches!(parse_reply(&bulk[3]).unwrap(), Reply::Done(_)));
    assert_eq!(parse_reply(&bulk[0]).unwrap().header().pid, 7, "the kernel answers the requester's port");
    let codes: Vec<i32> = bulk[..3]
        .iter()
        .map(|f| match &payload_messages(f)[0] { Message::VrResponse(r) => r.resp_code, m => panic!("{m:?}") })
        .collect();
    assert_eq!(codes, [0, 0, -2]);
}

#[test]
fn windows_replies_are_aligned_end_with_done_and_carry_pid_zero() {
    let (dir, _l) = listen(Dialect::Windows);
    let mut s = UnixStream::connect(dir.path.join("dpdk_netlink")).unwrap();
    let single = exchange(&mut s, 3, &[mpls(SandeshOp::ADD, 5)]);
    assert_eq!(single[0].len(), 56, "NLMSG_ALIGNed");
    assert_eq!(&single[0][54..], &[0, 0], "pad bytes zero");
    let dump = exchange(&mut s, 4, &[mpls(SandeshOp::DUMP, 0)]);
    let kinds: Vec<(bool, bool)> =
        dump.iter().map(|f| parse_reply(f).unwrap()).map(|r| (matches!(r, Reply::Done(_)), r.is_multi())).collect();
    assert_eq!(kinds, [(false, true), (false, true), (true, false)], "MULTI on both, then DONE");
    let h = *parse_reply(&dump[0]).unwrap().header();
    assert_eq!((h.seq, h.msg_type, h.pid), (4, 24, 0), "seq and type echoed; the driver answers pid 0");
}

#[test]
fn clients_are_kept_apart_and_garbage_ends_only_its_sender() {
    let (dir, _l) = listen(Dialect::Dpdk);
    let path = dir.path.join("dpdk_netlink");
    let mut a = UnixStream::connect(&path).unwrap();
    let mut b = UnixStream::connect(&path).unwrap();
    let mut bad = UnixStream::connect(&path).unwrap();
    // A frame claiming 3 bytes cannot be a netlink message: the stream is dropped.
    bad.write_all(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    let mut rest = Vec::new();
    assert_eq!(bad.read_to_end(&mut rest).unwrap_or(0), 0, "the server closed the garbage sender");
    // Interleaved requests on two connections each get their own answers.
    for i in 0..50 {
        let ra = exchange(&mut a, 100 + i, &[mpls(SandeshOp::ADD, i as i32)]);
        let rb = exchange(&mut b, 200 + i, &[mpls(SandeshOp::GET, i as i32)]);
        assert_eq!(parse_reply(&ra[0]).unwrap().header().seq, 100 + i);
        assert_eq!(parse_reply(&rb[0]).unwrap().header().seq, 200 + i);
        assert!(matches!(&payload_messages(&rb[0])[1], Message::VrMplsReq(m) if m.mr_label == i as i32));
    }
}

#[test]
fn a_request_split_across_writes_is_reassembled() {
    let (dir, _l) = listen(Dialect::Dpdk);
    let mut s = UnixStream::connect(dir.path.join("dpdk_netlink")).unwrap();
    let mut frame = Vec::new();
    write_request(&mut frame, &RequestHeader { family_id: 24, seq: 1, pid: 0 }, &VrMplsReq { h_op: SandeshOp::GET, mr_label: 1, ..Default::default() }.to_bytes()).unwrap();
    for byte in &frame {
        s.write_all(std::slice::from_ref(byte)).unwrap();
    }
    let mut reply = [0u8; 4096];
    let n = s.read(&mut reply).unwrap();
    assert!(n >= 24);
    assert_eq!(parse_reply(&reply[..n]).unwrap().header().seq, 1);
}

#[test]
fn closing_works_even_after_the_socket_file_is_gone() {
    let (dir, mut l) = listen(Dialect::Dpdk);
    let _client = UnixStream::connect(dir.path.join("dpdk_netlink")).unwrap();
    std::fs::remove_dir_all(&dir.path).unwrap();
    l.close(); // returns: the accept thread is woken by shutting the listening socket down
}

/// A temporary folder removed on drop (std has none; no extra dependency for tests).
mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Self {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!("vrouter-sim-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
