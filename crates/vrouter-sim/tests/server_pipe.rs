//! ksync on a Windows named pipe: the Windows driver's framing, several clients at once, garbage from one, a
//! request split across writes, close; and ksync on TCP on Windows. Run under Wine by scripts/windows/test.sh.
#![cfg(windows)]

use std::sync::{Arc, Mutex};

use sandesh::Sandesh;
use vrouter_io::windows::pipe_client::{self, ClientOptions};
use vrouter_io::windows::OverlappedFile;
use vrouter_io::{ErrorKind, TransportRead, TransportWrite};
use vrouter_proto::messages::{decode_all, Message, SandeshOp, VrMplsReq, VrNexthopReq, VrResponse};
use vrouter_proto::netlink::{parse_reply, write_request, Dialect, Reply, ReplyTracker, RequestHeader, StreamReassembler};
use vrouter_sim::server::{KsyncPipeListener, KsyncService};
use vrouter_sim::Datapath;

fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 10, ..Default::default() }), 0);
    Arc::new(Mutex::new(dp))
}

fn pipe_name(test: &str) -> String {
    format!(r"\\.\pipe\vrouter-sim-test-{}-ksync-{test}", std::process::id())
}

fn listen(test: &str, dialect: Dialect) -> KsyncPipeListener {
    KsyncPipeListener::bind(&pipe_name(test), KsyncService::new(dialect, datapath())).unwrap()
}

fn connect(l: &KsyncPipeListener) -> OverlappedFile {
    pipe_client::open(l.path(), &ClientOptions::ksync()).expect("open the ksync pipe")
}

/// Sends one request frame carrying `messages` (family id 1, as Windows utils send); returns the reply frames.
fn exchange(s: &mut OverlappedFile, seq: u32, messages: &[Message]) -> Vec<Vec<u8>> {
    let mut payload = Vec::new();
    messages.iter().for_each(|m| m.encode(&mut payload));
    let mut frame = Vec::new();
    write_request(&mut frame, &RequestHeader { family_id: 1, seq, pid: 0 }, &payload).unwrap();
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
        let n = s.read(frames.spare(4096)).expect("the server answers");
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
fn windows_replies_are_aligned_and_multi_part_ones_end_with_done() {
    let l = listen("framing", Dialect::Windows);
    let mut s = connect(&l);
    let single = exchange(&mut s, 9, &[mpls(SandeshOp::ADD, 5)]);
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].len(), 56, "NLMSG_ALIGNed: 24 + 30 + 2 zero pad bytes");
    assert_eq!(&single[0][54..], &[0, 0]);
    assert_eq!(payload_messages(&single[0]), vec![Message::from(VrResponse { h_op: SandeshOp::RESPONSE, resp_code: 0 })]);
    let bulk = exchange(&mut s, 10, &[mpls(SandeshOp::ADD, 6), mpls(SandeshOp::GET, 6), mpls(SandeshOp::GET, 7)]);
    assert_eq!(bulk.len(), 4, "three answers with MULTI, then DONE");
    assert!(bulk[..3].iter().all(|f| parse_reply(f).unwrap().is_multi()));
    assert!(matches!(parse_reply(&bulk[3]).unwrap(), Reply::Done(_)));
    let h = *parse_reply(&bulk[0]).unwrap().header();
    assert_eq!((h.seq, h.msg_type, h.pid), (10, 1, 0), "seq and family echoed, pid 0");
    let codes: Vec<i32> = bulk[..3]
        .iter()
        .map(|f| match &payload_messages(f)[0] { Message::VrResponse(r) => r.resp_code, m => panic!("{m:?}") })
        .collect();
    assert_eq!(codes, [0, 0, -2], "the absent label 7 is ENOENT");
}

#[test]
fn clients_are_kept_apart_and_garbage_ends_only_its_sender() {
    let l = listen("clients", Dialect::Windows);
    let mut a = connect(&l);
    let mut b = connect(&l);
    let mut bad = connect(&l);
    // A frame claiming 3 bytes cannot be a netlink message: that connection is dropped.
    bad.write_all(&[3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(bad.read(&mut buf).err().map(|e| e.kind()), Some(ErrorKind::PeerClosed), "the server closed it");
    for i in 0..20 {
        let ra = exchange(&mut a, 100 + i, &[mpls(SandeshOp::ADD, i as i32)]);
        let rb = exchange(&mut b, 200 + i, &[mpls(SandeshOp::GET, i as i32)]);
        assert_eq!(parse_reply(&ra[0]).unwrap().header().seq, 100 + i);
        assert_eq!(parse_reply(&rb[0]).unwrap().header().seq, 200 + i);
        assert!(matches!(&payload_messages(&rb[0])[1], Message::VrMplsReq(m) if m.mr_label == i as i32));
    }
}

#[test]
fn a_request_split_across_writes_is_reassembled() {
    let l = listen("split", Dialect::Windows);
    let mut s = connect(&l);
    let mut frame = Vec::new();
    let get = VrMplsReq { h_op: SandeshOp::GET, mr_label: 1, ..Default::default() }.to_bytes();
    write_request(&mut frame, &RequestHeader { family_id: 1, seq: 1, pid: 0 }, &get).unwrap();
    for chunk in frame.chunks(7) {
        s.write_all(chunk).unwrap();
    }
    let mut reply = [0u8; 4096];
    let n = s.read(&mut reply).unwrap();
    assert!(n >= 24);
    assert_eq!(parse_reply(&reply[..n]).unwrap().header().seq, 1);
}

#[test]
fn close_ends_every_client_and_frees_the_name() {
    let name = pipe_name("close");
    let mut l = KsyncPipeListener::bind(&name, KsyncService::new(Dialect::Windows, datapath())).unwrap();
    let dup = KsyncPipeListener::bind(&name, KsyncService::new(Dialect::Windows, datapath()));
    assert_eq!(dup.err().map(|e| e.kind()), Some(ErrorKind::AlreadyExists));
    let mut clients = [connect(&l), connect(&l)];
    exchange(&mut clients[0], 1, &[mpls(SandeshOp::GET, 1)]);
    l.close();
    for c in &mut clients {
        let mut buf = [0u8; 64];
        assert_eq!(c.read(&mut buf).err().map(|e| e.kind()), Some(ErrorKind::PeerClosed));
    }
    KsyncPipeListener::bind(&name, KsyncService::new(Dialect::Windows, datapath())).expect("the name is free again");
}

#[test]
fn a_request_longer_than_the_drivers_buffer_ends_only_that_connection() {
    let l = listen("long", Dialect::Windows);
    let mut long = connect(&l);
    let mut other = connect(&l);
    // A bulk of GETs past 4096 bytes: the agent never sends one (it bulks under 4096), the driver refuses it.
    let gets: Vec<Message> = (0..120).map(|i| mpls(SandeshOp::GET, i)).collect();
    let mut payload = Vec::new();
    gets.iter().for_each(|m| m.encode(&mut payload));
    let mut frame = Vec::new();
    write_request(&mut frame, &RequestHeader { family_id: 1, seq: 1, pid: 0 }, &payload).unwrap();
    assert!(frame.len() > vrouter_sim::server::WINDOWS_MAX_REQUEST_LEN);
    // The server may close before taking all of it: the write may fail, the read must.
    let _ = long.write_all(&frame);
    let mut buf = [0u8; 64];
    assert_eq!(long.read(&mut buf).err().map(|e| e.kind()), Some(ErrorKind::PeerClosed));
    // The most GETs that stay within 4096 bytes are still taken, on the other connection.
    let framed_len = |ms: &[Message]| 24 + ms.iter().map(|m| m.to_bytes().len()).sum::<usize>();
    let mut n = gets.len();
    while framed_len(&gets[..n]) > vrouter_sim::server::WINDOWS_MAX_REQUEST_LEN {
        n -= 1;
    }
    let answers = exchange(&mut other, 2, &gets[..n]);
    assert_eq!(answers.len(), n + 1, "{n} answers and DONE");
}

#[test]
fn tcp_is_served_too_and_close_ends_its_clients() {
    use std::io::{Read, Write};
    let mut l = vrouter_sim::server::KsyncTcpListener::bind(([127, 0, 0, 1], 0).into(), KsyncService::new(Dialect::Dpdk, datapath())).unwrap();
    let mut s = std::net::TcpStream::connect(l.local_addr()).unwrap();
    let mut frame = Vec::new();
    write_request(&mut frame, &RequestHeader { family_id: 24, seq: 5, pid: 0 }, &mpls(SandeshOp::GET, 1).to_bytes()).unwrap();
    s.write_all(&frame).unwrap();
    let mut reply = [0u8; 4096];
    let n = s.read(&mut reply).unwrap();
    assert_eq!(n, 24 + 30, "DPDK framing: vr_response −ENOENT alone, unpadded");
    assert_eq!(parse_reply(&reply[..n]).unwrap().header().seq, 5);
    assert!(matches!(&payload_messages(&reply[..n])[0], Message::VrResponse(r) if r.resp_code == -2));
    let idle = std::net::TcpStream::connect(l.local_addr()).unwrap();
    l.close();
    assert_eq!(s.read(&mut reply).unwrap_or(0), 0, "closed by the simulator");
    drop(idle);
}
