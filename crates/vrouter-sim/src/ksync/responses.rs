//! The response buffers one request payload queues; each becomes one netlink message.

use sandesh::Sandesh;
use vrouter_proto::messages::{SandeshOp, VrResponse};

/// Response buffers in the order vRouter queues them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Responses {
    buffers: Vec<Vec<u8>>,
}

impl Responses {
    /// No buffers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A buffer holding only `vr_response{RESPONSE, code}` (ADD, DEL, RESET, errors).
    pub fn code(&mut self, code: i32) {
        let mut b = Vec::with_capacity(32);
        response(code).encode(&mut b);
        self.buffers.push(b);
    }

    /// A GET answer: `vr_response{code}` immediately followed by the objects, in one buffer.
    /// vRouter leaves the objects out when the code is an error; pass none then.
    pub fn reply(&mut self, code: i32, objects: &[&dyn EncodeObject]) {
        let mut b = Vec::with_capacity(1024);
        response(code).encode(&mut b);
        for o in objects {
            o.encode_object(&mut b);
        }
        self.buffers.push(b);
    }

    /// Adds a finished buffer (dump objects).
    pub(crate) fn push_buffer(&mut self, b: Vec<u8>) {
        self.buffers.push(b);
    }

    /// The buffers, in order.
    pub fn buffers(&self) -> &[Vec<u8>] {
        &self.buffers
    }

    /// The buffers, in order, owned.
    pub fn into_buffers(self) -> Vec<Vec<u8>> {
        self.buffers
    }

    /// Whether nothing was queued (a message vRouter does not answer).
    pub fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }
}

fn response(code: i32) -> VrResponse {
    VrResponse { h_op: SandeshOp::RESPONSE, resp_code: code }
}

/// Any message, encodable into a response buffer.
pub trait EncodeObject {
    fn encode_object(&self, w: &mut Vec<u8>);
}

impl<M: Sandesh> EncodeObject for M {
    fn encode_object(&self, w: &mut Vec<u8>) {
        self.encode(w)
    }
}
