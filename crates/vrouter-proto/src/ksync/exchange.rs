//! The answers to one request frame: matching vRouter's reply stream to the frame's requests.
//!
//! vRouter handles the sandeshes of a frame one after another, and every handler's output starts
//! with a `vr_response`; what follows it until the next `vr_response` belongs to the same request:
//! a GET's object in the same message, a DUMP's page in the next message, nothing for ADD/DEL/RESET.
//! So the rule needs no knowledge of the operation, only of order: the n-th `vr_response` of the
//! frame's reply starts the n-th request's answer, and an answer is complete when the next one
//! starts or the reply ends. The reply ends per [`ReplyTracker`] (first message without
//! `NLM_F_MULTI`), which covers all three dialects.

use crate::messages::Message;
use crate::netlink::{Reply, ReplyProgress, ReplyTracker};

use super::error::ProtocolError;
use super::event::{DumpId, RequestId};

/// Who waits for one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    /// A request given to `submit`.
    Request(RequestId),
    /// A page request of a dump.
    DumpPage(DumpId),
}

/// How one request of a frame ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// vRouter's answer: the `vr_response` code and the sandeshes after it.
    Answer { code: i32, objects: Vec<Message> },
    /// The netlink layer answered the frame with this error instead of vRouter.
    NetlinkError(i32),
    /// The reply ended without an answer for this request.
    NoResponse,
}

/// One frame sent and not yet fully answered.
#[derive(Debug)]
pub(crate) struct Exchange {
    owners: Vec<Owner>,
    tracker: ReplyTracker,
    /// Owners whose answer has started (the last of them may still be assembling in `current`).
    started: usize,
    current: Option<(i32, Vec<Message>)>,
}

impl Exchange {
    pub(crate) fn new(seq: u32, owners: Vec<Owner>) -> Self {
        Exchange {
            owners,
            tracker: ReplyTracker::new(seq),
            started: 0,
            current: None,
        }
    }

    pub(crate) fn seq(&self) -> u32 {
        self.tracker.seq()
    }

    /// Whether `owner` is in this frame and has had no outcome yet.
    pub(crate) fn awaits(&self, owner: Owner) -> bool {
        self.owners[self.reported()..].contains(&owner)
    }

    /// How many owners, from the first, have had their outcome.
    fn reported(&self) -> usize {
        self.started - usize::from(self.current.is_some())
    }

    /// Counts `reply` against the end-of-reply rule; true when the reply is complete.
    pub(crate) fn track(&mut self, reply: &Reply<'_>) -> Result<bool, ProtocolError> {
        match self.tracker.on_reply(reply) {
            Ok(progress) => Ok(progress == ReplyProgress::Complete),
            // The session only routes messages with this frame's seq to a frame still open, so
            // this is a message after the end: nothing to match it to.
            Err(_) => Err(ProtocolError::UnknownSeq {
                seq: reply.header().seq,
            }),
        }
    }

    /// Takes the sandeshes of one reply message. Answers completed by it go to `done`.
    ///
    /// The message is checked whole before anything changes, so on error nothing of it was
    /// taken and [`into_unreported`](Self::into_unreported) still lists every unanswered owner.
    pub(crate) fn on_sandeshes(
        &mut self,
        sandeshes: Vec<Message>,
        done: &mut Vec<(Owner, Outcome)>,
    ) -> Result<(), ProtocolError> {
        let seq = self.seq();
        if let Some(first) = sandeshes.first() {
            if self.current.is_none() && !is_response(first) {
                return Err(ProtocolError::ObjectBeforeResponse {
                    seq,
                    name: first.name(),
                });
            }
        }
        let responses = sandeshes.iter().filter(|m| is_response(m)).count();
        if self.started + responses > self.owners.len() {
            return Err(ProtocolError::TooManyResponses {
                seq,
                requests: self.owners.len(),
            });
        }
        for m in sandeshes {
            match m {
                Message::VrResponse(r) => {
                    self.flush(done);
                    self.current = Some((r.resp_code, Vec::new()));
                    self.started += 1;
                }
                object => {
                    if let Some((_, objects)) = &mut self.current {
                        objects.push(object);
                    }
                }
            }
        }
        Ok(())
    }

    /// An `NLMSG_ERROR` (kernel netlink layer): it answers every request not answered yet.
    pub(crate) fn on_netlink_error(&mut self, error: i32, done: &mut Vec<(Owner, Outcome)>) {
        self.flush(done);
        while self.started < self.owners.len() {
            done.push((self.owners[self.started], Outcome::NetlinkError(error)));
            self.started += 1;
        }
    }

    /// Closes the exchange: the answer being assembled is complete, the rest got none.
    pub(crate) fn finish(mut self, done: &mut Vec<(Owner, Outcome)>) {
        self.flush(done);
        done.extend(
            self.owners[self.started..]
                .iter()
                .map(|o| (*o, Outcome::NoResponse)),
        );
    }

    /// Gives up on the reply: the answer being assembled may lack its objects (a DUMP's page
    /// comes in a second message), so it counts as none, like the rest.
    pub(crate) fn expire(self, done: &mut Vec<(Owner, Outcome)>) {
        done.extend(self.into_unreported().map(|o| (o, Outcome::NoResponse)));
    }

    /// Everyone who has not had an outcome yet (for failing the session).
    pub(crate) fn into_unreported(self) -> impl Iterator<Item = Owner> {
        let reported = self.reported();
        self.owners.into_iter().skip(reported)
    }

    fn flush(&mut self, done: &mut Vec<(Owner, Outcome)>) {
        if let Some((code, objects)) = self.current.take() {
            done.push((
                self.owners[self.started - 1],
                Outcome::Answer { code, objects },
            ));
        }
    }
}

fn is_response(m: &Message) -> bool {
    matches!(m, Message::VrResponse(_))
}
