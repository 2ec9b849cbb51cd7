//! Property: whatever requests are submitted, however the engine's replies are cut into reads,
//! whatever is cancelled and even if a bad message arrives, the session never panics and ends each
//! request and dump exactly once (nothing for what was cancelled); with well-behaved replies every
//! answer reaches its own request.

#[path = "ksync_support.rs"]
mod support;

use std::collections::HashMap;

use proptest::prelude::*;
use support::*;
use vrouter_proto::ksync::{DumpId, Event, KsyncSession, RequestId, SessionConfig};
use vrouter_proto::messages::{Message, SandeshOp, VrMplsReq, VrNexthopReq, VrResponse};
use vrouter_proto::netlink::{Dialect, ReplyWriter, StreamReassembler};

#[derive(Debug, Clone)]
enum Op {
    /// Submit a request of one of the kinds below.
    Submit(u8),
    /// Start a dump of a nexthop table of this many entries.
    Dump(u8),
    /// Let the session send up to this many frames (the engine answers them into its output).
    Transmit(u8),
    /// Deliver this many bytes of the engine's output (a stream read of any size).
    Deliver(u16),
    /// Cancel the n-th request or dump started so far.
    Cancel(u8, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..8).prop_map(Op::Submit),
        1 => (0u8..12).prop_map(Op::Dump),
        3 => (1u8..4).prop_map(Op::Transmit),
        3 => (1u16..3000).prop_map(Op::Deliver),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(n, d)| Op::Cancel(n, d)),
    ]
}

/// Submit kinds 0..4 are ADDs, 4..7 GETs, 7 a sandesh vRouter does not answer (when the run
/// allows it; an ADD otherwise).
const NO_ANSWER: u8 = 7;

fn request(kind: u8, label: i32) -> Message {
    match kind {
        0..4 => Message::from(VrMplsReq {
            h_op: SandeshOp::ADD,
            mr_label: label,
            ..Default::default()
        }),
        NO_ANSWER => Message::from(VrResponse::default()),
        // GET of a label that exists when even.
        _ => Message::from(VrMplsReq {
            h_op: SandeshOp::GET,
            mr_label: label,
            ..Default::default()
        }),
    }
}

fn nh(id: i32) -> Message {
    Message::from(VrNexthopReq {
        nhr_id: id,
        ..Default::default()
    })
}

/// vRouter's answer to one request.
fn answer(req: &Message) -> Vec<Vec<u8>> {
    match req {
        Message::VrMplsReq(m) if m.h_op == SandeshOp::ADD => vec![response(m.mr_label)],
        Message::VrMplsReq(m) if m.mr_label % 2 == 0 => get_answer(0, std::slice::from_ref(req)),
        Message::VrMplsReq(_) => get_answer(-2, &[]),
        Message::VrNexthopReq(r) => {
            // The table size rides in nhr_vrf (a filter the session keeps on every page).
            let after: Vec<i32> = (0..r.nhr_vrf).filter(|i| *i > r.nhr_marker).collect();
            let page: Vec<Message> = after.iter().take(3).map(|i| nh(*i)).collect();
            dump_answer(&page, after.len() > 3)
        }
        _ => vec![],
    }
}

struct Run {
    session: KsyncSession,
    dialect: Dialect,
    engine_out: Vec<u8>,
    delivered: usize,
    reasm: StreamReassembler,
    last_header: Option<SentFrame>,
    requests: Vec<(RequestId, Message)>,
    dumps: Vec<(DumpId, i32)>,
    cancelled_requests: Vec<RequestId>,
    cancelled_dumps: Vec<DumpId>,
    events: Vec<Event>,
    corrupted: bool,
    unanswered: bool,
}

impl Run {
    fn transmit(&mut self, n: u8) {
        for _ in 0..n {
            let mut out = Vec::new();
            if self.session.poll_transmit(&mut out).is_none() {
                return;
            }
            let frame = parse_frame(&out);
            let buffers: Vec<Vec<u8>> = frame.requests.iter().flat_map(answer).collect();
            self.engine_out
                .extend(reply(self.dialect, &frame, &buffers));
            self.last_header = Some(frame);
        }
    }

    fn deliver(&mut self, n: usize) {
        let end = (self.delivered + n).min(self.engine_out.len());
        self.reasm.push(&self.engine_out[self.delivered..end]);
        self.delivered = end;
        // The reassembler only sees well-framed messages here, so it never breaks.
        while let Some(frame) = self.reasm.pop().unwrap() {
            let _ = self.session.handle_frame(frame);
        }
        self.events
            .extend(std::iter::from_fn(|| self.session.poll_event()));
    }

    fn corrupt(&mut self, unknown_seq: bool) {
        let Some(frame) = &self.last_header else {
            return;
        };
        let mut f = frame.clone();
        let payload = if unknown_seq {
            f.header.seq = f.header.seq.wrapping_add(1000);
            response(0)
        } else {
            vec![0, 0, 0, 3, b'b', b'a', b'd']
        };
        ReplyWriter::new(self.dialect, &f.header)
            .write_response(&mut self.engine_out, &[payload])
            .unwrap();
        self.corrupted = true;
    }
}

/// How a run misbehaves: sandeshes vRouter does not answer, and a bad message put into the
/// engine's output before the given op (with an unknown seq, or undecodable).
#[derive(Debug, Clone, Copy)]
struct Faults {
    unanswerable: bool,
    corrupt: Option<(usize, bool)>,
}

fn run(ops: Vec<Op>, dialect: Dialect, per_frame: usize, in_flight: usize, faults: Faults) {
    let mut r = Run {
        session: KsyncSession::with_config(SessionConfig {
            max_requests_per_frame: per_frame,
            max_frames_in_flight: in_flight,
            ..SessionConfig::new(24, 7)
        }),
        dialect,
        engine_out: Vec::new(),
        delivered: 0,
        reasm: StreamReassembler::new(),
        last_header: None,
        requests: Vec::new(),
        dumps: Vec::new(),
        cancelled_requests: Vec::new(),
        cancelled_dumps: Vec::new(),
        events: Vec::new(),
        corrupted: false,
        unanswered: false,
    };
    for (i, op) in ops.into_iter().enumerate() {
        if let Some((at, unknown_seq)) = faults.corrupt {
            if at == i {
                r.corrupt(unknown_seq);
            }
        }
        match op {
            Op::Submit(kind) => {
                let kind = if faults.unanswerable || kind != NO_ANSWER {
                    kind
                } else {
                    0
                };
                let m = request(kind, i as i32);
                if let Ok(id) = r.session.submit(m.clone()) {
                    r.unanswered |= kind == NO_ANSWER;
                    r.requests.push((id, m));
                }
            }
            Op::Dump(size) => {
                let req = Message::from(VrNexthopReq {
                    nhr_vrf: i32::from(size),
                    ..Default::default()
                });
                if let Ok(id) = r.session.dump(req) {
                    r.dumps.push((id, i32::from(size)));
                }
            }
            Op::Transmit(n) => r.transmit(n),
            Op::Deliver(n) => r.deliver(usize::from(n)),
            Op::Cancel(n, true) if !r.dumps.is_empty() => {
                let id = r.dumps[usize::from(n) % r.dumps.len()].0;
                if r.session.cancel_dump(id) {
                    r.cancelled_dumps.push(id);
                }
            }
            Op::Cancel(n, _) if !r.requests.is_empty() => {
                let id = r.requests[usize::from(n) % r.requests.len()].0;
                if r.session.cancel(id) {
                    r.cancelled_requests.push(id);
                }
            }
            Op::Cancel(..) => {}
        }
    }
    // Drain: send everything, deliver everything, until the session has nothing left. The engine
    // answers each frame as it is sent, so a frame still in flight once all is delivered holds
    // only unanswerable requests and gets no reply at all: the transport's timeout expires it.
    for _ in 0..10_000 {
        if r.session.is_idle() || r.session.failure().is_some() {
            break;
        }
        r.transmit(u8::MAX);
        r.deliver(usize::MAX / 2);
        if r.session.failure().is_none() && r.session.frames_in_flight() > 0 {
            assert!(r.session.expire_oldest_frame());
            r.events
                .extend(std::iter::from_fn(|| r.session.poll_event()));
        }
    }
    r.deliver(usize::MAX / 2);
    assert!(r.session.is_idle(), "a session that is not failed drains");
    check(&r);
}

fn check(r: &Run) {
    let mut ends: HashMap<RequestId, Vec<&Event>> = HashMap::new();
    let mut dump_events: HashMap<DumpId, Vec<&Event>> = HashMap::new();
    for e in &r.events {
        match e {
            Event::Reply { id, .. } | Event::Failed { id, .. } => {
                ends.entry(*id).or_default().push(e)
            }
            Event::DumpPage { id, .. } | Event::DumpFailed { id, .. } => {
                dump_events.entry(*id).or_default().push(e)
            }
            Event::SessionFailed(_) => assert!(r.corrupted),
        }
    }
    for (id, req) in &r.requests {
        let got = ends.get(id).map_or(0, Vec::len);
        if r.cancelled_requests.contains(id) {
            assert_eq!(got, 0, "{id} was cancelled");
            continue;
        }
        assert_eq!(got, 1, "{id} ends exactly once: {:?}", ends.get(id));
        if r.corrupted || r.unanswered {
            continue;
        }
        // Well-behaved engine: the answer is this request's own.
        let want: Vec<Event> = answer_event(*id, req);
        assert_eq!(ends[id][0], &want[0]);
    }
    for (id, size) in &r.dumps {
        let evs = dump_events.get(id).cloned().unwrap_or_default();
        if r.cancelled_dumps.contains(id) {
            assert!(evs
                .iter()
                .all(|e| matches!(e, Event::DumpPage { more: true, .. })));
            continue;
        }
        let terminal = evs
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::DumpPage { more: false, .. } | Event::DumpFailed { .. }
                )
            })
            .count();
        assert_eq!(terminal, 1, "{id} ends exactly once: {evs:?}");
        let last_is_terminal = matches!(
            evs.last(),
            Some(Event::DumpPage { more: false, .. } | Event::DumpFailed { .. })
        );
        assert!(last_is_terminal, "nothing after the end of {id}");
        if r.corrupted || r.unanswered {
            continue;
        }
        let listed: Vec<Message> = evs
            .iter()
            .flat_map(|e| match e {
                Event::DumpPage { objects, .. } => objects.clone(),
                _ => vec![],
            })
            .collect();
        assert_eq!(listed, (0..*size).map(nh).collect::<Vec<_>>());
    }
}

fn answer_event(id: RequestId, req: &Message) -> Vec<Event> {
    let Message::VrMplsReq(m) = req else {
        unreachable!("unanswered requests are not checked")
    };
    vec![match (m.h_op, m.mr_label % 2) {
        (SandeshOp::ADD, _) => Event::Reply {
            id,
            response_code: m.mr_label,
            objects: vec![],
        },
        (_, 0) => Event::Reply {
            id,
            response_code: 0,
            objects: vec![req.clone()],
        },
        _ => Event::Reply {
            id,
            response_code: -2,
            objects: vec![],
        },
    }]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_request_ends_exactly_once(
        ops in proptest::collection::vec(op(), 0..120),
        dialect in prop_oneof![Just(Dialect::Kernel), Just(Dialect::Dpdk), Just(Dialect::Windows)],
        per_frame in 1usize..=16,
        in_flight in 1usize..6,
        unanswerable in proptest::bool::weighted(0.25),
        corrupt in proptest::option::weighted(0.25, (0usize..120, any::<bool>())),
    ) {
        run(ops, dialect, per_frame, in_flight, Faults { unanswerable, corrupt });
    }
}
