//! The event-loop-driven ksync client ([`PolledKsyncClient`]) against the simulator's listener (Unix socket and TCP)
//! and against a server that dies mid-reply, driven by a plain poll(2) loop as Node's libuv drives it.
#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use vrouter_io::ksync::{ClientEvent, ClientOptions, CloseCause, PolledKsyncClient, SessionOptions};
use vrouter_io::ErrorKind;
use vrouter_proto::ksync::{Event, Request};
use vrouter_proto::messages::{Message, SandeshOp, VrMplsReq, VrNexthopReq};
use vrouter_proto::netlink::{Dialect, StreamReassembler};
use vrouter_sim::server::{KsyncListener, KsyncService, ListenAddr};
use vrouter_sim::Datapath;

const PATIENCE: Duration = Duration::from_secs(20);
const NEXTHOP: i32 = 1;

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!("vrio-polled-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn service() -> KsyncService {
    let mut dp = Datapath::default();
    let discard = VrNexthopReq { h_op: SandeshOp::ADD, nhr_id: NEXTHOP, nhr_type: 5, nhr_family: 2, nhr_flags: 1, ..Default::default() };
    assert_eq!(dp.add_nexthop(&discard), 0);
    KsyncService::new(Dialect::Dpdk, Arc::new(Mutex::new(dp)))
}

/// The simulator's listener on a Unix socket and on TCP: (endpoint, listener, folder).
fn sims() -> Vec<(String, KsyncListener, TempDir)> {
    let dir = TempDir::new();
    let path = dir.0.join("ksync.sock");
    let unix = KsyncListener::bind(&ListenAddr::Unix(path.clone()), service()).unwrap();
    let tcp = KsyncListener::bind(&ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()), service()).unwrap();
    let ListenAddr::Tcp(addr) = tcp.local_addr().clone() else { unreachable!() };
    vec![(format!("unix:{}", path.display()), unix, dir), (format!("tcp:{addr}"), tcp, TempDir::new())]
}

fn mpls(op: SandeshOp, label: i32) -> Request {
    Request::from(Message::from(VrMplsReq { h_op: op, mr_label: label, mr_nhid: NEXTHOP, mr_marker: -1, ..Default::default() }))
}

/// Drives `client` with poll(2) until `done` holds for the events so far; returns them.
fn drive(client: &mut PolledKsyncClient, events: &mut Vec<ClientEvent>, done: impl Fn(&[ClientEvent]) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        events.extend(client.take_events());
        if done(events) {
            return;
        }
        assert!(Instant::now() < deadline, "gave up waiting; events so far: {}", events.len());
        assert!(!client.is_closed(), "closed early: {:?}", events.last());
        let interest = libc::POLLIN | if client.wants_write() { libc::POLLOUT } else { 0 };
        let mut pfd = libc::pollfd { fd: client.raw_fd(), events: interest, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, 100) };
        if pfd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
            client.on_readable();
        }
        if pfd.revents & libc::POLLOUT != 0 {
            client.on_writable();
        }
    }
}

fn finals(events: &[ClientEvent]) -> Vec<(u64, i32)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Session(Event::Reply { id, response_code, .. }) => Some((id.get(), *response_code)),
            ClientEvent::Session(Event::Failed { id, .. }) => Some((id.get(), i32::MIN)),
            _ => None,
        })
        .collect()
}

#[test]
fn twenty_thousand_adds_without_a_flight_limit_all_complete_in_order() {
    // No limit on frames in flight: the megabyte of requests goes out as fast as the socket takes it, in as many
    // partial writes as the peer's reading makes.
    let options = ClientOptions { session: SessionOptions { max_frames_in_flight: Some(100_000), ..Default::default() }, ..Default::default() };
    for (endpoint, _listener, _dir) in sims() {
        let mut client = PolledKsyncClient::connect(&endpoint, options.clone()).unwrap().expect("a stream endpoint");
        assert_eq!(client.family_id(), 24);
        let ids = client.submit_many((0..20_000).map(|l| mpls(SandeshOp::ADD, l % 4000)).collect()).unwrap();
        let mut events = Vec::new();
        drive(&mut client, &mut events, |e| finals(e).len() == ids.len());
        let got = finals(&events);
        assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), ids.iter().map(|i| i.get()).collect::<Vec<_>>());
        assert!(got.iter().all(|r| r.1 == 0), "every ADD succeeded on {endpoint}");
        assert!(!client.wants_write());
    }
}

#[test]
fn a_dump_pages_to_its_end_and_a_get_of_an_absent_label_is_enoent() {
    for (endpoint, _listener, _dir) in sims() {
        let mut client = PolledKsyncClient::connect(&endpoint, ClientOptions::default()).unwrap().unwrap();
        let mut events = Vec::new();
        let n = client.submit_many((0..300).map(|l| mpls(SandeshOp::ADD, l)).collect()).unwrap().len();
        drive(&mut client, &mut events, |e| finals(e).len() == n);
        let Request::Message(m) = mpls(SandeshOp::DUMP, 0) else { unreachable!() };
        let dump = client.dump(*m).unwrap();
        let last_page = |e: &[ClientEvent]| e.iter().any(|e| matches!(e, ClientEvent::Session(Event::DumpPage { id, more: false, .. }) if *id == dump));
        drive(&mut client, &mut events, last_page);
        let (mut labels, mut pages) = (Vec::new(), 0);
        for e in &events {
            if let ClientEvent::Session(Event::DumpPage { id, objects, .. }) = e {
                if *id == dump {
                    pages += 1;
                    labels.extend(objects.iter().map(|o| match o {
                        Message::VrMplsReq(m) => m.mr_label,
                        other => panic!("{other:?}"),
                    }));
                }
            }
        }
        assert_eq!(labels, (0..300).collect::<Vec<_>>());
        assert!(pages > 1, "300 labels take several pages");
        let absent = client.submit_many(vec![mpls(SandeshOp::GET, 5000)]).unwrap()[0];
        drive(&mut client, &mut events, |e| finals(e).iter().any(|r| r.0 == absent.get()));
        assert!(finals(&events).contains(&(absent.get(), -2)), "ENOENT for an absent label");
    }
}

#[test]
fn a_peer_dying_mid_reply_closes_the_client_once_with_everything_pending_unanswered() {
    let dir = TempDir::new();
    let path = dir.0.join("dying.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut frames = StreamReassembler::new();
        while frames.pop().unwrap().is_none() {
            let n = s.read(frames.spare(4096)).unwrap();
            frames.commit(n);
        }
        // A few bytes of a reply header, then gone.
        s.write_all(&[40, 0, 0, 0, 24, 0]).unwrap();
    });
    let mut client = PolledKsyncClient::connect(&format!("unix:{}", path.display()), ClientOptions::default()).unwrap().unwrap();
    client.submit_many((0..3).map(|l| mpls(SandeshOp::GET, l)).collect()).unwrap();
    let mut events = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !client.is_closed() {
        assert!(Instant::now() < deadline);
        let mut pfd = libc::pollfd { fd: client.raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, 100) };
        client.on_readable();
    }
    server.join().unwrap();
    events.extend(client.take_events());
    assert!(finals(&events).is_empty(), "nothing was answered: {events:?}");
    let [ClientEvent::Closed(closed)] = &events[..] else { panic!("one Closed and nothing else: {events:?}") };
    assert_eq!((closed.kind, closed.cause), (ErrorKind::PeerClosed, CloseCause::Transport));
    assert_eq!(client.submit_many(vec![mpls(SandeshOp::GET, 1)]).unwrap_err().kind(), ErrorKind::PeerClosed);
    client.close();
    assert!(client.take_events().is_empty(), "Closed is reported once");
}

#[test]
fn close_reports_closed_and_refuses_further_work() {
    let sims = sims();
    let mut client = PolledKsyncClient::connect(&sims[0].0, ClientOptions::default()).unwrap().unwrap();
    client.submit_many(vec![mpls(SandeshOp::GET, 1)]).unwrap();
    client.close();
    let events = client.take_events();
    assert!(matches!(events.last(), Some(ClientEvent::Closed(c)) if c.cause == CloseCause::Caller), "{events:?}");
    assert!(client.submit_many(vec![mpls(SandeshOp::GET, 1)]).is_err());
    assert!(!client.wants_write());
}

#[test]
fn endpoints_without_a_stream_form_are_left_to_the_threaded_client() {
    assert!(PolledKsyncClient::connect("netlink:", ClientOptions::default()).unwrap().is_none());
    let missing = PolledKsyncClient::connect("unix:/nonexistent/vrouter.sock", ClientOptions::default()).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}
