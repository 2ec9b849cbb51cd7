//! Packing queued requests into request frames, as the agent packs them.

use crate::netlink::{
    begin_request, finish_request, RequestHeader, MAX_SANDESH_PAYLOAD, SANDESH_HDRLEN,
};

use super::super::event::{DumpError, RequestError};
use super::super::exchange::{Exchange, Owner};
use super::{KsyncSession, Queued, Transmit};

impl KsyncSession {
    /// Appends the next request frame to `out` (existing contents are kept) and returns what was
    /// written, or `None` if nothing is queued, too many frames await answers, or the session has
    /// failed. Call until `None`; on a datagram transport send each frame on its own.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> Option<Transmit> {
        if self.failure.is_some()
            || self.queue.is_empty()
            || self.in_flight.len() >= self.config.max_frames_in_flight.max(1)
        {
            return None;
        }
        let seq = self.take_seq();
        let header = RequestHeader {
            family_id: self.config.family_id,
            seq,
            pid: self.config.pid,
        };
        let start = out.len();
        let pending = begin_request(out, &header);
        let mut owners = Vec::new();
        while let Some(next) = self.queue.front() {
            if !owners.is_empty() && !self.fits(owners.len(), out.len() - start, next) {
                break;
            }
            let Some(q) = self.queue.pop_front() else {
                break;
            };
            out.extend_from_slice(&q.payload);
            owners.push(q.owner);
        }
        match finish_request(out, pending) {
            Ok(len) => {
                let requests = owners.len();
                self.in_flight.push_back(Exchange::new(seq, owners));
                Some(Transmit { seq, len, requests })
            }
            Err(_) => {
                // Unreachable: every payload was checked at submit and a bulk frame stays below
                // the limit. Put the requests back rather than lose them.
                out.truncate(start);
                self.fail_unsendable(owners);
                None
            }
        }
    }

    /// Whether a queued request of `next` still fits a frame holding `count` requests in
    /// `frame_len` bytes.
    fn fits(&self, count: usize, frame_len: usize, next: &Queued) -> bool {
        let new_len = frame_len + next.payload.len();
        count < self.config.requests_per_frame()
            && new_len < self.config.bulk_frame_limit
            && new_len - SANDESH_HDRLEN <= MAX_SANDESH_PAYLOAD
    }

    fn fail_unsendable(&mut self, owners: Vec<Owner>) {
        // The payloads were moved into the output and truncated away: fail rather than go silent.
        for owner in owners {
            self.report_failure(owner, RequestError::NoResponse, DumpError::NoResponse);
        }
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        if self.next_seq == 0 {
            self.next_seq = 1;
        }
        seq
    }
}
