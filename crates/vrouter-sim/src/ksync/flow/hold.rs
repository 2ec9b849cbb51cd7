//! Hold queues: the packets vRouter keeps for a flow in HOLD until the agent decides.
//!
//! vRouter gives a HOLD flow a queue of three packets (`VR_MAX_FLOW_QUEUE_ENTRIES`); a copy of
//! the first packet queued is trapped to the agent, the next two wait silently, later ones are
//! dropped (`FLOW_QUEUE_LIMIT_EXCEEDED`). When the agent gives the flow another action the
//! queue (the first packet included) is flushed through it. The simulator keeps only how many
//! packets each queue holds.

/// Packets a hold queue takes.
pub const HOLD_QUEUE_LEN: u8 = 3;

/// "No queue": the flow has none (never held, or flushed).
const NONE: u8 = u8::MAX;

/// One byte per flow-table entry: packets queued, or a marker for "no queue".
#[derive(Debug, Clone, Default)]
pub struct HoldQueues {
    queued: Vec<u8>,
}

/// Where a packet hitting a HOLD flow goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// First in the queue: trapped to the agent.
    First,
    /// Queued behind the first.
    Queued,
    /// The queue is full.
    Full,
    /// The flow has no queue (vRouter drops: `FLOW_UNUSABLE`).
    NoQueue,
}

impl HoldQueues {
    /// Queues for a table of `entries` entries, none allocated.
    pub fn new(entries: u32) -> Self {
        HoldQueues { queued: vec![NONE; entries as usize] }
    }

    /// Gives entry `index` an empty queue unless it has one.
    pub fn open(&mut self, index: u32) {
        if let Some(q) = self.queued.get_mut(index as usize) {
            if *q == NONE {
                *q = 0;
            }
        }
    }

    /// Takes the queue away; returns how many packets it held.
    pub fn flush(&mut self, index: u32) -> u8 {
        match self.queued.get_mut(index as usize) {
            Some(q) if *q != NONE => std::mem::replace(q, NONE),
            _ => 0,
        }
    }

    /// Queues one packet on entry `index`.
    pub fn enqueue(&mut self, index: u32) -> Enqueued {
        let Some(q) = self.queued.get_mut(index as usize) else { return Enqueued::NoQueue };
        match *q {
            NONE => Enqueued::NoQueue,
            n if n >= HOLD_QUEUE_LEN => Enqueued::Full,
            n => {
                *q = n + 1;
                if n == 0 {
                    Enqueued::First
                } else {
                    Enqueued::Queued
                }
            }
        }
    }

    /// Drops every queue (the table was flushed).
    pub fn clear(&mut self) {
        self.queued.fill(NONE);
    }
}
