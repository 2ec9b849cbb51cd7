//! The forwarding engine's state, and the dispatch of each request message to its handler.

use sandesh::Reader;
use sandesh::MessageSet;
use vrouter_proto::messages::Message;

use super::errno::*;
use super::{mpls, IndexTable, Limits, Responses};

/// What the simulated vRouter holds: every object table, with vRouter's limits.
#[derive(Debug, Clone)]
pub struct Datapath {
    pub limits: Limits,
    /// MPLS label → nexthop id.
    pub mpls: IndexTable<u32>,
    /// Nexthops by id, as last configured.
    pub nexthops: IndexTable<vrouter_proto::messages::VrNexthopReq>,
}

impl Datapath {
    pub fn new(limits: Limits) -> Self {
        Datapath { mpls: IndexTable::new(limits.mpls_labels), nexthops: IndexTable::new(limits.nexthops), limits }
    }

    /// Handles one request payload (one or more concatenated Sandesh messages) as vRouter
    /// does: each message at once and in order, each queueing its response buffers. A message
    /// that does not decode ends the payload with `vr_response{-1}`; messages vRouter does
    /// not take as requests (`vr_response`, `vr_flow_response`) get no answer at all.
    pub fn handle(&mut self, payload: &[u8]) -> Responses {
        let mut out = Responses::new();
        let mut r = Reader::new(payload);
        while !r.is_empty() {
            match Message::decode(&mut r) {
                Ok(m) => self.dispatch(m, &mut out),
                Err(_) => {
                    out.code(-1);
                    break;
                }
            }
        }
        out
    }

    fn dispatch(&mut self, m: Message, out: &mut Responses) {
        match m {
            Message::VrMplsReq(req) => mpls::handle(self, req, out),
            Message::VrResponse(_) | Message::VrFlowResponse(_) => {}
            // Handled by vRouter but not (yet) by the simulator: said plainly.
            _ => out.code(-EOPNOTSUPP),
        }
    }
}

impl Default for Datapath {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}
