//! End-of-reply tracking for a client: when has vRouter finished answering one request message?

use std::fmt;

use super::message::Reply;

/// Whether more messages belong to the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyProgress {
    /// The message had `NLM_F_MULTI`: keep reading.
    More,
    /// The exchange is over: this message lacked `NLM_F_MULTI` (`NLMSG_DONE` on kernel and Windows,
    /// the last data message on DPDK, the only message of a single reply) or was an `NLMSG_ERROR`.
    Complete,
}

/// Follows the reply messages of one request message (one sequence number).
///
/// The rule is the agent's and works for all three dialects without knowing which one is in use:
/// keep reading while the last message had `NLM_F_MULTI`; the first message without it ends the
/// exchange. A DONE is therefore optional, which is what makes DPDK's DONE-less replies work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTracker {
    seq: u32,
    messages: usize,
    complete: bool,
}

impl ReplyTracker {
    /// Starts tracking the reply to the request sent with `seq`.
    pub fn new(seq: u32) -> Self {
        ReplyTracker {
            seq,
            messages: 0,
            complete: false,
        }
    }

    /// The sequence number tracked.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Whether the last message of the exchange has been seen.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Messages accepted so far (an `NLMSG_DONE` counts).
    pub fn messages(&self) -> usize {
        self.messages
    }

    /// Feeds the next received message. A message for another sequence number, or one arriving after
    /// the exchange completed, is refused and leaves the tracker unchanged.
    pub fn on_reply(&mut self, reply: &Reply<'_>) -> Result<ReplyProgress, ReplyTrackerError> {
        if self.complete {
            return Err(ReplyTrackerError::AlreadyComplete { seq: self.seq });
        }
        let seq = reply.header().seq;
        if seq != self.seq {
            return Err(ReplyTrackerError::SeqMismatch {
                expected: self.seq,
                got: seq,
            });
        }
        self.messages += 1;
        if matches!(reply, Reply::Error(_)) || !reply.is_multi() {
            self.complete = true;
            Ok(ReplyProgress::Complete)
        } else {
            Ok(ReplyProgress::More)
        }
    }
}

/// A message the [`ReplyTracker`] cannot place in its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyTrackerError {
    /// The message belongs to another request.
    SeqMismatch {
        /// The tracked sequence number.
        expected: u32,
        /// The message's sequence number.
        got: u32,
    },
    /// The exchange had already ended.
    AlreadyComplete {
        /// The tracked sequence number.
        seq: u32,
    },
}

impl fmt::Display for ReplyTrackerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ReplyTrackerError::SeqMismatch { expected, got } => {
                write!(f, "reply message has seq {got}, expected {expected}")
            }
            ReplyTrackerError::AlreadyComplete { seq } => {
                write!(
                    f,
                    "reply message for seq {seq} after that exchange was complete"
                )
            }
        }
    }
}

impl std::error::Error for ReplyTrackerError {}
