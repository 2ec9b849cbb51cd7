//! The netlink captures in test/fixtures/vectors/nl_vtest_*.json: real utility requests and the
//! replies a DPDK vRouter sends them.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;
use vrouter_proto::netlink::{
    parse_reply, parse_request, write_request, AttrLenForm, Dialect, NetlinkHeader, Reply,
    ReplyProgress, ReplyTracker, ReplyWriter, RequestHeader, StreamReassembler,
};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/fixtures/vectors/");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn captures() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = fs::read_dir(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read {VECTORS}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("nl_vtest_") && name.ends_with(".json")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "expected the nl_vtest_* captures in {VECTORS}, found {}",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

/// The current request's header, its response payloads and the responses' captured bytes, to check
/// that the DPDK reply writer reproduces the capture.
type PendingReply = (NetlinkHeader, Vec<Vec<u8>>, Vec<u8>);

fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing number {key} in {v}"))
}

/// Checks the netlink, genl and attribute headers of a parsed message against the capture's fields.
fn check_headers(
    name: &str,
    e: &Value,
    header: &NetlinkHeader,
    genl: (u8, u8, u16),
    attr: (u16, u16),
) {
    let h = &e["nlmsghdr"];
    assert_eq!(u64::from(header.len), num(h, "len"), "{name}: nlmsg_len");
    assert_eq!(
        u64::from(header.msg_type),
        num(h, "type"),
        "{name}: nlmsg_type"
    );
    assert_eq!(
        u64::from(header.flags),
        num(h, "flags"),
        "{name}: nlmsg_flags"
    );
    assert_eq!(u64::from(header.seq), num(h, "seq"), "{name}: nlmsg_seq");
    assert_eq!(u64::from(header.pid), num(h, "pid"), "{name}: nlmsg_pid");
    let g = &e["genlmsghdr"];
    assert_eq!(u64::from(genl.0), num(g, "cmd"), "{name}: genl cmd");
    assert_eq!(u64::from(genl.1), num(g, "version"), "{name}: genl version");
    assert_eq!(
        u64::from(genl.2),
        num(g, "reserved"),
        "{name}: genl reserved"
    );
    let a = &e["nlattr"];
    assert_eq!(u64::from(attr.0), num(a, "len"), "{name}: nla_len");
    assert_eq!(u64::from(attr.1), num(a, "type"), "{name}: nla_type");
}

#[test]
fn top_level_request_parses_and_reframes() {
    for (name, v) in captures() {
        let bytes = hex(v["hex"].as_str().unwrap());
        let msg = parse_request(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_headers(
            &name,
            &v,
            &msg.header,
            (msg.genl.cmd, msg.genl.version, msg.genl.reserved),
            (msg.attr.len, msg.attr.attr_type),
        );
        assert_eq!(
            msg.payload,
            &hex(v["sandesh_hex"].as_str().unwrap())[..],
            "{name}: payload"
        );
    }
}

#[test]
fn every_exchange_parses_reframes_and_ends_where_the_capture_does() {
    let mut requests = 0;
    let mut responses = 0;
    for (name, v) in captures() {
        let exchange = v["exchange"].as_array().unwrap();
        let mut tracker: Option<ReplyTracker> = None;
        let mut current: Option<PendingReply> = None;
        let flush = |current: &mut Option<PendingReply>| {
            if let Some((req, payloads, wire)) = current.take() {
                let mut out = Vec::new();
                ReplyWriter::new(Dialect::Dpdk, &req)
                    .write_response(&mut out, &payloads)
                    .unwrap();
                assert_eq!(
                    out, wire,
                    "{name}: DPDK reply writer differs from the captured replies"
                );
            }
        };
        for (i, e) in exchange.iter().enumerate() {
            let bytes = hex(e["hex"].as_str().unwrap());
            let sandesh = hex(e["sandesh_hex"].as_str().unwrap());
            let is_last_of_request = exchange.get(i + 1).is_none_or(|n| n["dir"] == "request");
            match e["dir"].as_str().unwrap() {
                "request" => {
                    requests += 1;
                    if let Some(t) = &tracker {
                        assert!(
                            t.is_complete(),
                            "{name}: new request before the previous reply ended"
                        );
                    }
                    flush(&mut current);
                    let msg =
                        parse_request(&bytes).unwrap_or_else(|err| panic!("{name}[{i}]: {err}"));
                    check_headers(
                        &name,
                        e,
                        &msg.header,
                        (msg.genl.cmd, msg.genl.version, msg.genl.reserved),
                        (msg.attr.len, msg.attr.attr_type),
                    );
                    assert_eq!(msg.payload, &sandesh[..], "{name}[{i}]: request payload");
                    let hdr = RequestHeader {
                        family_id: msg.header.msg_type,
                        seq: msg.header.seq,
                        pid: msg.header.pid,
                    };
                    let mut out = Vec::new();
                    write_request(&mut out, &hdr, msg.payload).unwrap();
                    assert_eq!(out, bytes, "{name}[{i}]: re-framed request");
                    tracker = Some(ReplyTracker::new(msg.header.seq));
                    current = Some((msg.header, Vec::new(), Vec::new()));
                }
                "response" => {
                    responses += 1;
                    let reply =
                        parse_reply(&bytes).unwrap_or_else(|err| panic!("{name}[{i}]: {err}"));
                    let Reply::Sandesh(msg) = reply else {
                        panic!("{name}[{i}]: not a sandesh message")
                    };
                    check_headers(
                        &name,
                        e,
                        &msg.header,
                        (msg.genl.cmd, msg.genl.version, msg.genl.reserved),
                        (msg.attr.len, msg.attr.attr_type),
                    );
                    assert_eq!(msg.payload, &sandesh[..], "{name}[{i}]: response payload");
                    assert_eq!(
                        msg.declared_payload(),
                        &sandesh[..],
                        "{name}[{i}]: declared payload"
                    );
                    assert_eq!(
                        msg.attr_len_form,
                        AttrLenForm::ExcludesHeader,
                        "{name}[{i}]: nla_len quirk"
                    );
                    let t = tracker.as_mut().expect("response before any request");
                    let progress = t.on_reply(&reply).unwrap();
                    let want = if is_last_of_request {
                        ReplyProgress::Complete
                    } else {
                        ReplyProgress::More
                    };
                    assert_eq!(progress, want, "{name}[{i}]: end-of-reply");
                    let cur = current.as_mut().unwrap();
                    cur.1.push(sandesh);
                    cur.2.extend_from_slice(&bytes);
                }
                other => panic!("{name}: unknown dir {other}"),
            }
        }
        assert!(
            tracker.unwrap().is_complete(),
            "{name}: capture ends mid-reply"
        );
        flush(&mut current);
    }
    assert!(
        requests >= 9 && responses >= 13,
        "only {requests} requests / {responses} responses checked"
    );
}

#[test]
fn captured_reply_streams_reassemble_byte_by_byte() {
    for (name, v) in captures() {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for e in v["exchange"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["dir"] == "response")
        {
            let bytes = hex(e["hex"].as_str().unwrap());
            stream.extend_from_slice(&bytes);
            expected.push(bytes);
        }
        let mut reasm = StreamReassembler::new();
        let mut got = Vec::new();
        for b in &stream {
            reasm.push(std::slice::from_ref(b));
            while let Some(frame) = reasm.pop().unwrap() {
                got.push(frame.to_vec());
            }
        }
        assert_eq!(got, expected, "{name}");
        assert_eq!(reasm.buffered(), 0);
    }
}
