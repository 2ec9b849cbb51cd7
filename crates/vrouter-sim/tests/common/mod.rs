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
