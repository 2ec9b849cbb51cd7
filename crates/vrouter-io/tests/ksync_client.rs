//! The ksync client against the simulator's ksync server (Unix socket and TCP; a named pipe on Windows), and against
//! hand-written servers that misbehave: answers in order, bulk submission, dumps, cancel, expiry, peer death,
//! malformed replies, close, reconnecting.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use vrouter_io::ksync::{ClientClosed, ClientEvent, ClientOptions, KsyncClient};
use vrouter_proto::ksync::{DumpId, Event, Request, RequestId};
use vrouter_proto::messages::{Message, SandeshOp, VrMplsReq, VrNexthopReq};
use vrouter_proto::netlink::{parse_request, Dialect, ReplyWriter};
use vrouter_sim::Datapath;

/// Long enough for anything that should happen, short enough to fail a hung test.
const PATIENCE: Duration = Duration::from_secs(20);

/// The nexthop every label points at.
const NEXTHOP: i32 = 1;

fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    let discard = VrNexthopReq {
        h_op: SandeshOp::ADD,
        nhr_id: NEXTHOP,
        nhr_type: 5,   // NH_DISCARD
        nhr_family: 2, // AF_INET
        nhr_flags: 1,  // NH_FLAG_VALID
        ..Default::default()
    };
    assert_eq!(
        dp.add_nexthop(&discard),
        0,
        "the simulator refused the nexthop"
    );
    Arc::new(Mutex::new(dp))
}
/// Collects every event batch a client delivers.
#[derive(Clone, Default)]
struct Events {
    inner: Arc<(Mutex<Log>, Condvar)>,
}

#[derive(Default)]
struct Log {
    events: Vec<ClientEvent>,
    batches: usize,
}

impl Events {
    fn sink(&self) -> Box<dyn FnMut(Vec<ClientEvent>) + Send> {
        let inner = self.inner.clone();
        Box::new(move |batch| {
            assert!(!batch.is_empty(), "an empty batch was delivered");
            let (log, cond) = &*inner;
            let mut log = log.lock().unwrap();
            log.batches += 1;
            log.events.extend(batch);
            cond.notify_all();
        })
    }

    /// Waits until `done` holds for the events so far; panics after [`PATIENCE`].
    fn wait(&self, what: &str, done: impl Fn(&[ClientEvent]) -> bool) -> Vec<ClientEvent> {
        let (log, cond) = &*self.inner;
        let deadline = Instant::now() + PATIENCE;
        let mut guard = log.lock().unwrap();
        while !done(&guard.events) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}: {:?}",
                last(&guard.events)
            );
            guard = cond.wait_timeout(guard, left).unwrap().0;
        }
        guard.events.clone()
    }

    fn snapshot(&self) -> (Vec<ClientEvent>, usize) {
        let log = self.inner.0.lock().unwrap();
        (log.events.clone(), log.batches)
    }

    fn wait_closed(&self) -> ClientClosed {
        let events = self.wait("Closed", |e| {
            e.iter().any(|e| matches!(e, ClientEvent::Closed(_)))
        });
        let closed: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Closed(c) => Some(c.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(closed.len(), 1, "Closed reported more than once");
        assert!(
            matches!(events.last(), Some(ClientEvent::Closed(_))),
            "Closed is not the last event: {:?}",
            last(&events)
        );
        closed[0].clone()
    }
}

fn last(events: &[ClientEvent]) -> &[ClientEvent] {
    &events[events.len().saturating_sub(3)..]
}

fn connect(endpoint: &str) -> (KsyncClient, Events) {
    let events = Events::default();
    let client = KsyncClient::connect(endpoint, ClientOptions::default(), events.sink()).unwrap();
    (client, events)
}

fn mpls(op: SandeshOp, label: i32) -> Message {
    Message::from(VrMplsReq {
        h_op: op,
        mr_label: label,
        mr_nhid: NEXTHOP,
        mr_marker: -1,
        ..Default::default()
    })
}

/// The reply events, by request id.
fn replies(events: &[ClientEvent]) -> Vec<(RequestId, i32, Vec<Message>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Session(Event::Reply {
                id,
                response_code,
                objects,
            }) => Some((*id, *response_code, objects.clone())),
            _ => None,
        })
        .collect()
}

fn count_final(events: &[ClientEvent]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e,
                ClientEvent::Session(Event::Reply { .. } | Event::Failed { .. })
            )
        })
        .count()
}
/// Labels of every page of dump `id`, and the pages' `more` flags.
fn dump_pages(events: &[ClientEvent], id: DumpId) -> (Vec<i32>, Vec<bool>) {
    let mut labels = Vec::new();
    let mut more = Vec::new();
    for e in events {
        match e {
            ClientEvent::Session(Event::DumpPage {
                id: got,
                objects,
                more: m,
            }) if *got == id => {
                more.push(*m);
                labels.extend(objects.iter().map(|o| match o {
                    Message::VrMplsReq(m) => m.mr_label,
                    other => panic!("dump of labels yielded {other:?}"),
                }));
            }
            ClientEvent::Session(Event::DumpFailed { id: got, error }) if *got == id => {
                panic!("dump failed: {error}")
            }
            _ => {}
        }
    }
    (labels, more)
}

fn add_labels(client: &KsyncClient, events: &Events, labels: std::ops::Range<i32>) {
    let before = count_final(&events.snapshot().0);
    let n = labels.len();
    let requests = labels
        .map(|l| Request::from(mpls(SandeshOp::ADD, l)))
        .collect();
    client.submit_many(requests).unwrap();
    let all = events.wait("ADDs", |e| count_final(e) == before + n);
    assert!(replies(&all).iter().all(|r| r.1 == 0));
}

/// Answers request `frame` as the simulator's server does, against `dp`, into `out`.
fn answer(dp: &Mutex<Datapath>, dialect: Dialect, frame: &[u8], out: &mut Vec<u8>) {
    let request = parse_request(frame).unwrap();
    let responses = dp.lock().unwrap().handle(request.payload);
    ReplyWriter::for_request(dialect, &request)
        .write_response(out, responses.buffers())
        .unwrap();
}

/// Unix stream sockets and TCP: the simulator's listener, and hand-written servers.
#[cfg(unix)]
mod sockets {
    use super::*;

    use std::collections::HashSet;
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::mpsc;
    use std::thread;

    use vrouter_io::ksync::CloseCause;
    use vrouter_io::ErrorKind;
    use vrouter_proto::ksync::RequestError;
    use vrouter_proto::netlink::{NetlinkHeader, StreamReassembler};
    use vrouter_sim::server::{KsyncListener, KsyncService, ListenAddr};

    /// A fresh private folder for socket files, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "vrio-ksync-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn socket(&self) -> PathBuf {
            self.0.join("ksync.sock")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A simulator serving ksync (DPDK dialect) with one nexthop configured.
    struct Sim {
        _listener: KsyncListener,
        endpoint: String,
        _dir: TempDir,
    }

    impl Sim {
        fn unix() -> Sim {
            let dir = TempDir::new();
            let path = dir.socket();
            let listener = KsyncListener::bind(
                &ListenAddr::Unix(path.clone()),
                KsyncService::new(Dialect::Dpdk, datapath()),
            )
            .unwrap();
            Sim {
                _listener: listener,
                endpoint: format!("unix:{}", path.display()),
                _dir: dir,
            }
        }

        fn tcp() -> Sim {
            let listener = KsyncListener::bind(
                &ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()),
                KsyncService::new(Dialect::Dpdk, datapath()),
            )
            .unwrap();
            let ListenAddr::Tcp(addr) = listener.local_addr().clone() else {
                unreachable!()
            };
            Sim {
                _listener: listener,
                endpoint: format!("tcp:{addr}"),
                _dir: TempDir::new(),
            }
        }

        fn both() -> Vec<Sim> {
            vec![Sim::unix(), Sim::tcp()]
        }
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        for sim in Sim::both() {
            let (client, events) = connect(&sim.endpoint);
            assert_eq!(client.family_id(), 24);
            assert_eq!(client.endpoint(), sim.endpoint);
            // One at a time from the caller, so that many frames go out before the first answer comes back.
            let mut ids = Vec::new();
            for label in 0..300 {
                ids.push(client.submit(mpls(SandeshOp::ADD, label)).unwrap());
            }
            for label in [0, 299, 4000] {
                ids.push(client.submit(mpls(SandeshOp::GET, label)).unwrap());
            }
            let all = events.wait("303 replies", |e| count_final(e) == ids.len());
            let got = replies(&all);
            let got_ids: Vec<_> = got.iter().map(|r| r.0).collect();
            assert_eq!(got_ids, ids, "{}: answers out of order", sim.endpoint);
            assert!(got[..300].iter().all(|r| r.1 == 0 && r.2.is_empty()));
            for (reply, label) in got[300..302].iter().zip([0, 299]) {
                assert_eq!(reply.1, 0);
                match &reply.2[..] {
                    [Message::VrMplsReq(m)] => {
                        assert_eq!((m.mr_label, m.mr_nhid), (label, NEXTHOP))
                    }
                    other => panic!("GET {label} answered {other:?}"),
                }
            }
            assert_eq!(got[302].1, -2, "GET of an absent label is -ENOENT");
            client.close();
            client.join();
        }
    }

    #[test]
    fn ten_thousand_adds_through_submit_many_all_complete_in_batches() {
        for sim in Sim::both() {
            let (client, events) = connect(&sim.endpoint);
            let requests: Vec<Request> = (0..10_000)
                .map(|i| Request::from(mpls(SandeshOp::ADD, i % 5000)))
                .collect();
            let ids = client.submit_many(requests).unwrap();
            assert_eq!(ids.len(), 10_000);
            let all = events.wait("10,000 replies", |e| count_final(e) == 10_000);
            let got = replies(&all);
            assert_eq!(got.len(), 10_000, "every ADD answered");
            assert!(got.iter().all(|r| r.1 == 0), "every ADD succeeded");
            assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), ids);
            // One callback per read, and a read carries the answers to at least one frame of 16 requests.
            let (_, batches) = events.snapshot();
            assert!(batches * 4 <= 10_000, "{batches} batches for 10,000 events");
            assert_eq!(client.pending(), (0, 0));
        }
    }

    #[test]
    fn a_dump_of_200_labels_takes_three_pages_and_yields_each_label_once() {
        for sim in Sim::both() {
            let (client, events) = connect(&sim.endpoint);
            add_labels(&client, &events, 0..200);
            let id = client.dump(mpls(SandeshOp::DUMP, 0)).unwrap();
            let all = events.wait("the last page", |e| {
            e.iter().any(|e| {
                matches!(e, ClientEvent::Session(Event::DumpPage { id: got, more: false, .. }) if *got == id)
            })
        });
            let (labels, more) = dump_pages(&all, id);
            assert_eq!(labels, (0..200).collect::<Vec<_>>());
            assert_eq!(more, [true, true, false], "pages of ~80 labels");
        }
    }

    #[test]
    fn cancelled_requests_and_dumps_report_nothing() {
        let (open, gate) = mpsc::channel();
        let (endpoint, _dir, _server) = gated_server(gate);
        let (client, events) = connect(&endpoint);
        let a = client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        let b = client.submit(mpls(SandeshOp::GET, 2)).unwrap();
        let dump = client.dump(mpls(SandeshOp::DUMP, 0)).unwrap();
        let c = client.submit(mpls(SandeshOp::GET, 3)).unwrap();
        // Sent or not yet, a cancelled request keeps its place in its frame's reply and reports nothing.
        assert!(client.cancel(b));
        assert!(!client.cancel(b), "already cancelled");
        assert!(client.cancel_dump(dump));
        // A request after them: its answer comes after theirs would have.
        let d = client.submit(mpls(SandeshOp::GET, 4)).unwrap();
        open.send(()).unwrap();
        let all = events.wait("the last answer", |e| replies(e).iter().any(|r| r.0 == d));
        let answered: HashSet<_> = replies(&all).iter().map(|r| r.0).collect();
        assert!(answered.contains(&a) && answered.contains(&c));
        assert!(!answered.contains(&b));
        let (_, more) = dump_pages(&all, dump);
        assert!(
            !more.contains(&false),
            "the cancelled dump went on to its end: {more:?}"
        );
        assert!(!client.cancel(a), "answered requests cannot be cancelled");
    }

    /// A server on a Unix socket that hands its single connection to `serve`.
    fn hand_written_server(
        serve: impl FnOnce(UnixStream) + Send + 'static,
    ) -> (String, TempDir, thread::JoinHandle<()>) {
        let dir = TempDir::new();
        let path = dir.socket();
        let listener = UnixListener::bind(&path).unwrap();
        let server = thread::spawn(move || serve(listener.accept().unwrap().0));
        (format!("unix:{}", path.display()), dir, server)
    }

    /// A server with labels 0..200 that answers as the simulator once `gate` lets it: until then every request
    /// stays unanswered (queued or in flight), whatever the threads' timing.
    fn gated_server(gate: mpsc::Receiver<()>) -> (String, TempDir, thread::JoinHandle<()>) {
        hand_written_server(move |mut s| {
            let dp = datapath();
            let adds: Vec<u8> = (0..200)
                .flat_map(|l| mpls(SandeshOp::ADD, l).to_bytes())
                .collect();
            dp.lock().unwrap().handle(&adds);
            let _ = gate.recv();
            let mut frames = StreamReassembler::new();
            let mut out = Vec::new();
            while let Some(frame) = read_request(&mut s, &mut frames) {
                out.clear();
                answer(&dp, Dialect::Dpdk, &frame, &mut out);
                if s.write_all(&out).is_err() {
                    return;
                }
            }
        })
    }

    /// Reads one request frame; `None` when the client closed.
    fn read_request(stream: &mut UnixStream, frames: &mut StreamReassembler) -> Option<Vec<u8>> {
        loop {
            if let Some(f) = frames.pop().unwrap() {
                return Some(f.to_vec());
            }
            let n = stream.read(frames.spare(4096)).ok()?;
            if n == 0 {
                return None;
            }
            frames.commit(n);
        }
    }

    #[test]
    fn a_server_closing_mid_reply_fails_everything_pending() {
        let (endpoint, _dir, server) = hand_written_server(|mut s| {
            let mut frames = StreamReassembler::new();
            let frame = read_request(&mut s, &mut frames).unwrap();
            let mut out = Vec::new();
            answer(&datapath(), Dialect::Dpdk, &frame, &mut out);
            // Half a reply, then gone.
            s.write_all(&out[..out.len() / 2]).unwrap();
        });
        let (client, events) = connect(&endpoint);
        let ids: Vec<_> = (0..3)
            .map(|l| client.submit(mpls(SandeshOp::GET, l)).unwrap())
            .collect();
        let closed = events.wait_closed();
        server.join().unwrap();
        assert_eq!(closed.kind, ErrorKind::PeerClosed, "{closed}");
        assert_eq!(closed.cause, CloseCause::Transport);
        assert!(closed.message.contains(&endpoint), "{closed}");
        // None of them was answered: Closed is what fails them.
        assert!(replies(&events.snapshot().0).is_empty());
        assert!(client.is_closed());
        let err = client.submit(mpls(SandeshOp::GET, 9)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PeerClosed);
        assert!(!client.cancel(ids[0]));
        client.join();
    }

    /// A server that answers the first request frame with `reply(seq)` and then waits for the client to go.
    fn server_replying(reply: fn(u32) -> Vec<u8>) -> (String, TempDir, thread::JoinHandle<()>) {
        hand_written_server(move |mut s| {
            let mut frames = StreamReassembler::new();
            let frame = read_request(&mut s, &mut frames).unwrap();
            let seq = NetlinkHeader::peek(&frame).unwrap().seq;
            s.write_all(&reply(seq)).unwrap();
            // Drains until the client closes the connection.
            while read_request(&mut s, &mut frames).is_some() {}
        })
    }

    fn assert_protocol_failure(events: &Events, ids: &[RequestId]) {
        let closed = events.wait_closed();
        assert_eq!(closed.cause, CloseCause::Protocol, "{closed}");
        let all = events.snapshot().0;
        let failed: Vec<_> = all
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Session(Event::Failed {
                    id,
                    error: RequestError::Protocol(_),
                }) => Some(*id),
                _ => None,
            })
            .collect();
        assert_eq!(failed, ids, "each pending request failed");
        let n = all.len();
        assert!(
            matches!(all[n - 2], ClientEvent::Session(Event::SessionFailed(_))),
            "SessionFailed right before Closed: {:?}",
            last(&all)
        );
    }

    #[test]
    fn a_malformed_reply_fails_the_session_then_closes() {
        // A reply with the request's seq whose generic-netlink command is not SANDESH_REQUEST.
        let (endpoint, _dir, server) = server_replying(|seq| {
            let mut out = NetlinkHeader {
                len: 24,
                msg_type: 24,
                flags: 0,
                seq,
                pid: 0,
            }
            .to_bytes()
            .to_vec();
            out.extend_from_slice(&[9, 0, 0, 0, 0, 0, 1, 0]);
            out
        });
        let (client, events) = connect(&endpoint);
        let ids: Vec<_> = (0..3)
            .map(|l| client.submit(mpls(SandeshOp::GET, l)).unwrap())
            .collect();
        assert_protocol_failure(&events, &ids);
        assert!(client.submit(mpls(SandeshOp::GET, 1)).is_err());
        client.join();
        server.join().unwrap();
    }

    #[test]
    fn a_stream_that_cannot_be_cut_fails_the_session_then_closes() {
        // nlmsg_len 8: shorter than the header it is in, so nothing tells where the next message starts.
        let (endpoint, _dir, server) = server_replying(|seq| {
            NetlinkHeader {
                len: 8,
                msg_type: 24,
                flags: 0,
                seq,
                pid: 0,
            }
            .to_bytes()
            .to_vec()
        });
        let (client, events) = connect(&endpoint);
        let id = client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        assert_protocol_failure(&events, &[id]);
        client.join();
        server.join().unwrap();
    }

    /// A server that reads requests and never answers.
    fn silent_server() -> (String, TempDir, thread::JoinHandle<()>) {
        hand_written_server(|mut s| {
            let mut frames = StreamReassembler::new();
            while read_request(&mut s, &mut frames).is_some() {}
        })
    }

    #[test]
    fn close_with_pending_work_reports_closed_once_and_ends_the_threads() {
        let (endpoint, _dir, server) = silent_server();
        let (client, events) = connect(&endpoint);
        client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        client.dump(mpls(SandeshOp::DUMP, 0)).unwrap();
        client.close();
        client.close();
        let closed = events.wait_closed();
        assert_eq!(closed.kind, ErrorKind::Cancelled);
        assert_eq!(closed.cause, CloseCause::Caller);
        client.join();
        // Both halves are gone: the server sees the connection end.
        server.join().unwrap();
        assert_eq!(
            client.submit(mpls(SandeshOp::GET, 1)).unwrap_err().kind(),
            ErrorKind::Cancelled
        );
        assert!(!client.expire_oldest_frame());
        assert_eq!(events.snapshot().0.len(), 1, "only Closed was reported");
    }

    #[test]
    fn dropping_the_client_closes_it() {
        let (endpoint, _dir, server) = silent_server();
        let (client, events) = connect(&endpoint);
        client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        drop(client);
        assert_eq!(events.wait_closed().cause, CloseCause::Caller);
        server.join().unwrap();
    }

    #[test]
    fn expiring_the_oldest_frame_fails_its_requests() {
        let (endpoint, _dir, _server) = silent_server();
        let (client, events) = connect(&endpoint);
        let id = client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        // The frame goes out on the writer thread; wait for it to be in flight.
        let deadline = Instant::now() + PATIENCE;
        while client.pending() != (1, 0) {
            assert!(Instant::now() < deadline, "the frame never went out");
            thread::sleep(Duration::from_millis(1));
        }
        assert!(client.expire_oldest_frame());
        let all = events.wait("the failure", |e| count_final(e) == 1);
        assert_eq!(
            all,
            [ClientEvent::Session(Event::Failed {
                id,
                error: RequestError::NoResponse
            })]
        );
        assert!(!client.expire_oldest_frame());
    }

    #[test]
    fn on_events_may_call_back_into_the_client() {
        let sim = Sim::unix();
        let events = Events::default();
        let mut record = events.sink();
        let slot: Arc<Mutex<Option<Arc<KsyncClient>>>> = Arc::default();
        let inner = slot.clone();
        let sink = Box::new(move |batch: Vec<ClientEvent>| {
            let again = replies(&batch).len();
            record(batch);
            if let Some(client) = inner.lock().unwrap().as_ref() {
                // Each answer to a first-round request asks once more (label 1000 + n), then everything closes.
                for _ in 0..again {
                    let _ = client.submit(mpls(SandeshOp::GET, 1000));
                }
            }
        });
        let client =
            Arc::new(KsyncClient::connect(&sim.endpoint, ClientOptions::default(), sink).unwrap());
        *slot.lock().unwrap() = Some(client.clone());
        client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        events.wait("a follow-up answer", |e| replies(e).len() >= 2);
        slot.lock().unwrap().take();
        client.close();
        events.wait_closed();
    }

    #[test]
    fn on_events_may_close_the_client() {
        let sim = Sim::unix();
        let events = Events::default();
        let mut record = events.sink();
        let slot: Arc<Mutex<Option<Arc<KsyncClient>>>> = Arc::default();
        let inner = slot.clone();
        let sink = Box::new(move |batch: Vec<ClientEvent>| {
            let answered = !replies(&batch).is_empty();
            record(batch);
            if answered {
                // On the reader thread, inside a delivery: Closed follows this batch, in a batch of its own.
                if let Some(client) = inner.lock().unwrap().take() {
                    client.close();
                    client.join();
                }
            }
        });
        let client =
            Arc::new(KsyncClient::connect(&sim.endpoint, ClientOptions::default(), sink).unwrap());
        *slot.lock().unwrap() = Some(client.clone());
        client.submit(mpls(SandeshOp::GET, 1)).unwrap();
        assert_eq!(events.wait_closed().cause, CloseCause::Caller);
        client.join();
        assert_eq!(events.snapshot().1, 2, "the answer's batch, then Closed's");
    }

    #[test]
    fn a_new_connection_works_after_the_peer_died() {
        let dir = TempDir::new();
        let path = dir.socket();
        let endpoint = format!("unix:{}", path.display());
        let dp = datapath();
        let serve = || {
            KsyncListener::bind(
                &ListenAddr::Unix(path.clone()),
                KsyncService::new(Dialect::Dpdk, dp.clone()),
            )
            .unwrap()
        };
        let mut listener = serve();
        let (client, events) = connect(&endpoint);
        client.submit(mpls(SandeshOp::ADD, 7)).unwrap();
        events.wait("the ADD", |e| count_final(e) == 1);
        listener.close();
        assert_eq!(events.wait_closed().kind, ErrorKind::PeerClosed);
        let _listener = serve();
        let (again, events) = connect(&endpoint);
        again.submit(mpls(SandeshOp::GET, 7)).unwrap();
        let got = events.wait("the GET", |e| count_final(e) == 1);
        assert_eq!(replies(&got)[0].1, 0, "the datapath kept the label");
    }

    #[test]
    fn options_set_family_and_pid() {
        let sim = Sim::unix();
        let events = Events::default();
        let options = ClientOptions {
            family_id: Some(0x20),
            pid: Some(0),
            ..Default::default()
        };
        let client = KsyncClient::connect(&sim.endpoint, options, events.sink()).unwrap();
        assert_eq!(client.family_id(), 0x20);
        // The simulator echoes the family id; the session checks the echo.
        client.submit(mpls(SandeshOp::ADD, 3)).unwrap();
        let got = events.wait("the ADD", |e| count_final(e) == 1);
        assert_eq!(replies(&got)[0].1, 0);
    }

    #[test]
    fn refused_requests_and_endpoints() {
        let sim = Sim::unix();
        let (client, events) = connect(&sim.endpoint);
        let err = client.submit(Vec::<u8>::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        // All or nothing: the good request before the bad one is not queued either.
        let err = client
            .submit_many(vec![
                Request::from(mpls(SandeshOp::ADD, 1)),
                Request::Encoded(Vec::new()),
            ])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("request 1 of 2"), "{err}");
        assert_eq!(client.pending(), (0, 0));
        let err = client.dump(mpls(SandeshOp::GET, 0).clone()).map(|_| ());
        assert!(err.is_ok(), "any vr_mpls_req can start a dump");
        let not_dumpable = Message::from(vrouter_proto::messages::VrResponse::default());
        assert_eq!(
            client.dump(not_dumpable).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        drop(events);

        let events = Events::default();
        let missing = format!("unix:{}", TempDir::new().socket().display());
        let err =
            KsyncClient::connect(&missing, ClientOptions::default(), events.sink()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err =
            KsyncClient::connect("nope", ClientOptions::default(), events.sink()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

/// A named pipe served as the simulator serves ksync on Windows (Windows dialect: padded replies, NLMSG_DONE).
#[cfg(windows)]
mod named_pipe {
    use super::*;

    use std::sync::atomic::{AtomicU32, Ordering};
    use std::thread;

    use vrouter_io::ksync::CloseCause;
    use vrouter_io::windows::pipe_server::PipeServer;
    use vrouter_io::{ErrorKind, TransportRead, TransportWrite};
    use vrouter_proto::netlink::StreamReassembler;

    fn pipe_path() -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        format!(
            r"\\.\pipe\vrio-ksync-client-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// Serves the pipe's first connection until the client goes.
    fn serve(mut server: PipeServer) -> thread::JoinHandle<()> {
        thread::spawn(move || {
            let mut conn = server.accept().unwrap();
            let dp = datapath();
            let mut frames = StreamReassembler::new();
            let mut out = Vec::new();
            loop {
                let Ok(n) = conn.read(frames.spare(4096)) else {
                    return;
                };
                frames.commit(n);
                out.clear();
                while let Some(frame) = frames.pop().unwrap() {
                    answer(&dp, Dialect::Windows, frame, &mut out);
                }
                if !out.is_empty() && conn.write_all(&out).is_err() {
                    return;
                }
            }
        })
    }

    #[test]
    fn requests_and_a_dump_over_a_named_pipe_then_close() {
        let path = pipe_path();
        let served = serve(PipeServer::ksync(&path).unwrap());
        let (client, events) = connect(&path);
        assert_eq!(client.family_id(), 1, "Windows' family id");
        add_labels(&client, &events, 0..200);
        let id = client.dump(mpls(SandeshOp::DUMP, 0)).unwrap();
        let all = events.wait("the last page", |e| {
            e.iter().any(|e| {
                matches!(e, ClientEvent::Session(Event::DumpPage { id: got, more: false, .. }) if *got == id)
            })
        });
        let (labels, more) = dump_pages(&all, id);
        assert_eq!(labels, (0..200).collect::<Vec<_>>());
        assert_eq!(more, [true, true, false]);
        client.close();
        let closed = events.wait_closed();
        assert_eq!(
            (closed.kind, closed.cause),
            (ErrorKind::Cancelled, CloseCause::Caller)
        );
        client.join();
        // The client's handle is closed: the server's read ends.
        served.join().unwrap();
    }
}
