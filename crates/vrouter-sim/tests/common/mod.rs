//! Helpers for driving a Datapath as a client would: encode requests, decode each response
//! buffer (one netlink message each).

#![allow(dead_code)]

use vrouter_proto::messages::{decode_all, Message, VrResponse};
use vrouter_sim::Datapath;

/// Sends `requests` as one payload; returns the messages of each response buffer.
pub fn send(dp: &mut Datapath, requests: &[Message]) -> Vec<Vec<Message>> {
    let mut payload = Vec::new();
    requests.iter().for_each(|m| m.encode(&mut payload));
    dp.handle(&payload)
        .into_buffers()
        .iter()
        .map(|b| {
            let d = decode_all(b);
            assert!(d.error.is_none(), "response buffer does not decode: {:?}", d.error);
            d.messages
        })
        .collect()
}

/// The code of a buffer that starts with vr_response.
pub fn code(buffer: &[Message]) -> i32 {
    match buffer.first() {
        Some(Message::VrResponse(VrResponse { resp_code, .. })) => *resp_code,
        other => panic!("expected a vr_response first, got {other:?}"),
    }
}

/// Sends one request expecting a single vr_response-only buffer; returns its code.
pub fn code_of(dp: &mut Datapath, request: impl Into<Message>) -> i32 {
    let buffers = send(dp, &[request.into()]);
    assert_eq!(buffers.len(), 1, "expected one response buffer, got {buffers:?}");
    assert_eq!(buffers[0].len(), 1, "expected only a vr_response, got {:?}", buffers[0]);
    code(&buffers[0])
}

/// Runs a dump to its end, page by page, as a client does: `request(marker)` builds each
/// page's request (−1 first), `marker_of` reads the marker from an object of a page (None for
/// objects that do not carry one, such as appended drop statistics). Checks that each page's
/// count matches its objects and that only the last page lacks DUMP_INCOMPLETE. Returns the
/// objects of each page.
pub fn dump_pages(
    dp: &mut Datapath,
    request: impl Fn(i32) -> Message,
    marker_of: impl Fn(&Message) -> Option<i32>,
) -> Vec<Vec<Message>> {
    let mut pages = Vec::new();
    let mut marker = -1;
    loop {
        assert!(pages.len() < 10_000, "the dump does not end");
        let reply = send(dp, &[request(marker)]);
        let count = code(&reply[0]);
        assert!(count >= 0, "dump failed: {count}");
        assert!(reply[0].len() == 1, "the count comes alone in its buffer");
        let objects = reply.get(1).cloned().unwrap_or_default();
        assert_eq!(reply.len(), if objects.is_empty() { 1 } else { 2 }, "no second buffer for an empty page");
        assert_eq!(count & !vrouter_sim::DUMP_INCOMPLETE, objects.len() as i32, "count vs objects");
        let more = count & vrouter_sim::DUMP_INCOMPLETE != 0;
        if more {
            marker = objects.iter().rev().find_map(&marker_of).expect("an incomplete page carries a marker");
        }
        pages.push(objects);
        if !more {
            return pages;
        }
    }
}

/// A fresh private directory under the system's temporary one, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!("vrouter-sim-test-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
