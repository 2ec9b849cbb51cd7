//! Turning reply frames into events: matching answers, paging dumps, failing the session.

use crate::messages::decode_all;
use crate::netlink::{parse_reply, split_frames, Reply};

use super::super::error::ProtocolError;
use super::super::event::{DumpError, DumpId, Event, RequestError};
use super::super::exchange::{Outcome, Owner};
use super::super::request::Request;
use super::{KsyncSession, Queued, EXPIRED_MEMORY};

impl KsyncSession {
    /// Feeds received bytes: one or more complete netlink messages back to back (a datagram, a
    /// Windows read, or what [`StreamReassembler`](crate::netlink::StreamReassembler) cut).
    ///
    /// Answers become events. Input the session cannot interpret fails the session: every pending
    /// request and dump is reported failed, then [`Event::SessionFailed`]; the error is also
    /// returned, so that the transport can close the connection. Once failed, further input is
    /// refused with the same error.
    pub fn handle_frame(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        if let Some(e) = &self.failure {
            return Err(e.clone());
        }
        for frame in split_frames(bytes) {
            let result = frame
                .map_err(ProtocolError::from)
                .and_then(|f| self.handle_message(f));
            if let Err(e) = result {
                self.fail(e.clone());
                return Err(e);
            }
        }
        Ok(())
    }

    fn handle_message(&mut self, frame: &[u8]) -> Result<(), ProtocolError> {
        let reply = parse_reply(frame)?;
        let seq = reply.header().seq;
        let Some(pos) = self.in_flight.iter().position(|x| x.seq() == seq) else {
            if self.expired.contains(&seq) {
                // The rest of a reply the transport stopped waiting for.
                return Ok(());
            }
            return Err(ProtocolError::UnknownSeq { seq });
        };
        let mut done = Vec::new();
        // Replies come in frame order: one for a later frame means the earlier ones got none.
        // Their outcomes stand whatever this message turns out to be, so they go out now.
        for skipped in self.in_flight.drain(..pos) {
            skipped.finish(&mut done);
        }
        for (owner, outcome) in done.drain(..) {
            self.deliver(owner, outcome);
        }
        let Some(exchange) = self.in_flight.front_mut() else {
            return Err(ProtocolError::UnknownSeq { seq });
        };
        let complete = exchange.track(&reply)?;
        match reply {
            Reply::Sandesh(m) => {
                if m.header.msg_type != self.config.family_id {
                    return Err(ProtocolError::UnexpectedMessageType {
                        seq,
                        msg_type: m.header.msg_type,
                        family_id: self.config.family_id,
                    });
                }
                let decoded = decode_all(m.declared_payload());
                if let Some(error) = decoded.error {
                    return Err(ProtocolError::Decode { seq, error });
                }
                exchange.on_sandeshes(decoded.messages, &mut done)?;
            }
            Reply::Done(_) => {}
            Reply::Error(e) if e.is_ack() => return Err(ProtocolError::UnexpectedAck { seq }),
            Reply::Error(e) => exchange.on_netlink_error(e.error, &mut done),
        }
        if complete {
            if let Some(finished) = self.in_flight.pop_front() {
                finished.finish(&mut done);
            }
        }
        for (owner, outcome) in done {
            self.deliver(owner, outcome);
        }
        Ok(())
    }

    /// Stops waiting for the oldest frame's reply, for a transport whose timer ran out: its
    /// requests not answered yet fail with [`RequestError::NoResponse`] (dump pages with
    /// [`DumpError::NoResponse`]), and the rest of its reply, should it come, is dropped.
    ///
    /// vRouter sends nothing at all for a frame holding only sandeshes it does not take as
    /// requests; without a later frame to show that, only a timeout can end the wait. Returns
    /// false if no frame is in flight.
    pub fn expire_oldest_frame(&mut self) -> bool {
        let Some(exchange) = self.in_flight.pop_front() else {
            return false;
        };
        if self.expired.len() == EXPIRED_MEMORY {
            self.expired.pop_front();
        }
        self.expired.push_back(exchange.seq());
        let mut done = Vec::new();
        exchange.expire(&mut done);
        for (owner, outcome) in done {
            self.deliver(owner, outcome);
        }
        true
    }

    fn deliver(&mut self, owner: Owner, outcome: Outcome) {
        match owner {
            Owner::Request(id) => {
                if self.cancelled.remove(&id) {
                    return;
                }
                self.events.push_back(match outcome {
                    Outcome::Answer { code, objects } => Event::Reply {
                        id,
                        response_code: code,
                        objects,
                    },
                    Outcome::NetlinkError(code) => Event::Reply {
                        id,
                        response_code: code,
                        objects: Vec::new(),
                    },
                    Outcome::NoResponse => Event::Failed {
                        id,
                        error: RequestError::NoResponse,
                    },
                });
            }
            Owner::DumpPage(id) => self.deliver_page(id, outcome),
        }
    }

    fn deliver_page(&mut self, id: DumpId, outcome: Outcome) {
        // A cancelled dump is gone from the map; its last page is dropped here.
        let Some(dump) = self.dumps.get_mut(&id) else {
            return;
        };
        let page = match outcome {
            Outcome::Answer { code, objects } => dump.on_answer(code, objects),
            Outcome::NetlinkError(code) => Err(DumpError::Response(code)),
            Outcome::NoResponse => Err(DumpError::NoResponse),
        };
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                self.dumps.remove(&id);
                self.events.push_back(Event::DumpFailed { id, error });
                return;
            }
        };
        self.events.push_back(Event::DumpPage {
            id,
            objects: page.objects,
            more: page.more,
        });
        let next = page.next.map(|next| {
            // The continuation is the first request with another marker: it outgrows a netlink
            // message only if the marker itself is huge, and then the dump cannot go on.
            next.and_then(|m| {
                Request::from(m)
                    .into_payload()
                    .map_err(|_| DumpError::Stalled)
            })
        });
        match next {
            Some(Ok(payload)) => self.queue.push_back(Queued {
                owner: Owner::DumpPage(id),
                payload,
            }),
            Some(Err(error)) => {
                self.dumps.remove(&id);
                self.events.push_back(Event::DumpFailed { id, error });
            }
            None => {
                self.dumps.remove(&id);
            }
        }
    }

    /// Reports `owner` failed (unless it was cancelled).
    pub(super) fn report_failure(&mut self, owner: Owner, request: RequestError, dump: DumpError) {
        match owner {
            Owner::Request(id) => {
                if !self.cancelled.remove(&id) {
                    self.events.push_back(Event::Failed { id, error: request });
                }
            }
            Owner::DumpPage(id) => {
                if self.dumps.remove(&id).is_some() {
                    self.events.push_back(Event::DumpFailed { id, error: dump });
                }
            }
        }
    }

    fn fail(&mut self, error: ProtocolError) {
        let mut owners: Vec<Owner> = Vec::new();
        for exchange in self.in_flight.drain(..) {
            owners.extend(exchange.into_unreported());
        }
        owners.extend(self.queue.drain(..).map(|q| q.owner));
        for owner in owners {
            self.report_failure(
                owner,
                RequestError::Protocol(error.clone()),
                DumpError::Protocol(error.clone()),
            );
        }
        self.cancelled.clear();
        self.dumps.clear();
        self.events.push_back(Event::SessionFailed(error.clone()));
        self.failure = Some(error);
    }
}
