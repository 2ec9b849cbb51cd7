//! A scripted forwarding engine for the ksync session tests: it reads the frames a session writes
//! and answers them as vRouter frames answers, in one dialect, with buffers the test chooses.
//!
//! Included by the `ksync_*` tests with `#[path]`; compiled on its own it holds no test.

#![allow(dead_code)]

use vrouter_proto::ksync::{Event, KsyncSession};
use vrouter_proto::messages::{decode_all, Message, SandeshOp, VrResponse};
use vrouter_proto::netlink::{parse_request, split_frames, Dialect, NetlinkHeader, ReplyWriter};

/// Every dialect, for tests that must hold in all three.
pub const DIALECTS: [Dialect; 3] = [Dialect::Kernel, Dialect::Dpdk, Dialect::Windows];

/// One request frame as the engine sees it.
#[derive(Debug, Clone)]
pub struct SentFrame {
    pub header: NetlinkHeader,
    pub requests: Vec<Message>,
    pub len: usize,
}

/// Takes every frame the session is willing to send now.
pub fn transmit_all(session: &mut KsyncSession) -> Vec<SentFrame> {
    let mut frames = Vec::new();
    loop {
        let mut out = Vec::new();
        let Some(t) = session.poll_transmit(&mut out) else {
            return frames;
        };
        assert_eq!(t.len, out.len());
        frames.push(parse_frame(&out));
        assert_eq!(frames.last().unwrap().requests.len(), t.requests);
    }
}

/// Parses one request frame as the kernel module would and decodes its sandeshes.
pub fn parse_frame(bytes: &[u8]) -> SentFrame {
    let msg = parse_request(bytes).expect("a well-formed request frame");
    assert_eq!(
        msg.header.len as usize,
        bytes.len(),
        "requests are unpadded"
    );
    let decoded = decode_all(msg.payload);
    assert!(decoded.error.is_none(), "{:?}", decoded.error);
    SentFrame {
        header: msg.header,
        requests: decoded.messages,
        len: bytes.len(),
    }
}

/// The encoding of `vr_response{code}`.
pub fn response(code: i32) -> Vec<u8> {
    Message::from(VrResponse {
        h_op: SandeshOp::RESPONSE,
        resp_code: code,
    })
    .to_bytes()
}

/// One response buffer: `vr_response{code}` followed by `objects`.
pub fn buffer(code: i32, objects: &[Message]) -> Vec<u8> {
    let mut b = response(code);
    for o in objects {
        o.encode(&mut b);
    }
    b
}

/// The objects of a DUMP page as vRouter's second buffer holds them.
pub fn objects(objects: &[Message]) -> Vec<u8> {
    let mut b = Vec::new();
    for o in objects {
        o.encode(&mut b);
    }
    b
}

/// The buffers vRouter queues for a GET: one, objects after the response (none on error).
pub fn get_answer(code: i32, objects: &[Message]) -> Vec<Vec<u8>> {
    vec![buffer(code, objects)]
}

/// The buffers vRouter queues for a DUMP: the count, then (if any) the objects.
pub fn dump_answer(objs: &[Message], incomplete: bool) -> Vec<Vec<u8>> {
    let flag = if incomplete { 0x4000_0000 } else { 0 };
    let mut v = vec![response(objs.len() as i32 | flag)];
    if !objs.is_empty() {
        v.push(objects(objs));
    }
    v
}

/// The reply messages to `frame` carrying `buffers`, framed in `dialect`.
pub fn reply(dialect: Dialect, frame: &SentFrame, buffers: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    ReplyWriter::new(dialect, &frame.header)
        .write_response(&mut out, buffers)
        .unwrap();
    out
}

/// Feeds `bytes` to the session one netlink message at a time (as a kernel socket delivers them).
pub fn feed(session: &mut KsyncSession, bytes: &[u8]) {
    for m in split_frames(bytes) {
        session.handle_frame(m.unwrap()).unwrap();
    }
}

/// Answers every frame the session sends with `answer(request) -> buffers`, until it is idle.
/// Returns the frames it saw.
pub fn serve(
    session: &mut KsyncSession,
    dialect: Dialect,
    mut answer: impl FnMut(&Message) -> Vec<Vec<u8>>,
) -> Vec<SentFrame> {
    let mut seen = Vec::new();
    while !session.is_idle() {
        let frames = transmit_all(session);
        assert!(!frames.is_empty(), "session has work but sends nothing");
        for f in frames {
            let buffers: Vec<Vec<u8>> = f.requests.iter().flat_map(&mut answer).collect();
            feed(session, &reply(dialect, &f, &buffers));
            seen.push(f);
        }
    }
    seen
}

/// Drains the session's events.
pub fn events(session: &mut KsyncSession) -> Vec<Event> {
    std::iter::from_fn(|| session.poll_event()).collect()
}
