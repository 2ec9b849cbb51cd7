//! The messages of `schema/vr.sandesh`, generated at build time by the sandesh compiler:
//! a struct per message (encode, decode, tape), a newtype per enum, [`Message`] (any message,
//! dispatched by name) and [`MESSAGES`] (static descriptors).

#![allow(clippy::all)]

include!(concat!(env!("OUT_DIR"), "/vr.rs"));

/// Decodes a buffer of concatenated messages as vRouter does (see [`sandesh::decode_all`]).
pub fn decode_all(buf: &[u8]) -> sandesh::Decoded<Message> {
    sandesh::decode_all(buf)
}
