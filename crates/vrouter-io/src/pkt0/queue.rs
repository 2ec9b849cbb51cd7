//! The bounded queue between the reader thread and its consumer: frames wait here until taken;
//! when the consumer falls behind, the policy decides which frames are lost. Nothing here grows
//! beyond the limits, whatever the rate of arrival.

use std::collections::VecDeque;

use super::batch::FrameBatch;

/// What to do with frames that arrive while the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DropPolicy {
    /// Drop the arriving frames (a full NIC ring's behaviour); what is queued stays.
    #[default]
    DropNewest,
    /// Drop the oldest queued frames to make room: the consumer sees the latest traffic.
    DropOldest,
    /// Stop reading until there is room: frames wait in the socket and, when it is full, the
    /// sender drops them (vRouter sends without waiting and counts them).
    Pause,
}

impl DropPolicy {
    /// Parses `drop-newest`, `drop-oldest` or `pause`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "drop-newest" => Some(DropPolicy::DropNewest),
            "drop-oldest" => Some(DropPolicy::DropOldest),
            "pause" => Some(DropPolicy::Pause),
            _ => None,
        }
    }
}

/// How much the queue holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    /// Frames.
    pub max_packets: usize,
    /// Bytes of frames.
    pub max_bytes: usize,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits { max_packets: 65_536, max_bytes: 16 << 20 }
    }
}

/// Counters of the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Frames accepted into the queue.
    pub queued_total: u64,
    /// Frames handed to the consumer.
    pub delivered: u64,
    /// Frames lost to the drop policy.
    pub dropped: u64,
    /// Bytes of the frames lost to the drop policy.
    pub dropped_bytes: u64,
    /// Frames waiting now.
    pub queued: u64,
    /// Bytes waiting now.
    pub queued_bytes: u64,
    /// The most bytes that ever waited at once.
    pub peak_queued_bytes: u64,
}

/// Frames waiting for the consumer, in chunks as they were received.
#[derive(Debug)]
pub struct BoundedQueue {
    chunks: VecDeque<FrameBatch>,
    limits: QueueLimits,
    policy: DropPolicy,
    stats: QueueStats,
}

impl BoundedQueue {
    /// An empty queue.
    pub fn new(limits: QueueLimits, policy: DropPolicy) -> Self {
        BoundedQueue { chunks: VecDeque::new(), limits, policy, stats: QueueStats::default() }
    }

    /// The policy.
    pub fn policy(&self) -> DropPolicy {
        self.policy
    }

    /// Whether a frame of `bytes` would fit now.
    pub fn has_room(&self, bytes: usize) -> bool {
        self.stats.queued < self.limits.max_packets as u64 && self.stats.queued_bytes + bytes as u64 <= self.limits.max_bytes as u64
    }

    /// Frames that fit before the packet bound is reached.
    pub fn room_packets(&self) -> usize {
        self.limits.max_packets.saturating_sub(self.stats.queued as usize)
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.stats.queued == 0
    }

    /// Adds the frames of `batch` as the policy says (`Pause` behaves as `DropNewest` here: the
    /// reader waits for room before it reads). Returns how many were queued.
    pub fn push(&mut self, batch: FrameBatch) -> usize {
        if batch.is_empty() {
            return 0;
        }
        let (skip, keep, keep_bytes) = match self.policy {
            DropPolicy::DropOldest => {
                // The newest frames of the batch that fit in an empty queue; room is then made
                // for them by dropping the oldest queued frames.
                let (keep, keep_bytes) = self.newest_that_fit(&batch);
                while !self.chunks.is_empty() && !self.room_for(keep, keep_bytes) {
                    self.evict_oldest();
                }
                (batch.len() - keep, keep, keep_bytes)
            }
            DropPolicy::DropNewest | DropPolicy::Pause => {
                let (mut keep, mut keep_bytes) = (0usize, 0usize);
                for &len in batch.lens() {
                    if !self.room_for(keep + 1, keep_bytes + len as usize) {
                        break;
                    }
                    keep += 1;
                    keep_bytes += len as usize;
                }
                (0, keep, keep_bytes)
            }
        };
        let lost = batch.len() - keep;
        if lost > 0 {
            self.stats.dropped += lost as u64;
            self.stats.dropped_bytes += (batch.byte_len() - keep_bytes) as u64;
        }
        if keep == 0 {
            return 0;
        }
        let kept = if lost == 0 { batch } else { slice(&batch, skip, keep, keep_bytes) };
        self.stats.queued += keep as u64;
        self.stats.queued_bytes += keep_bytes as u64;
        self.stats.queued_total += keep as u64;
        self.stats.peak_queued_bytes = self.stats.peak_queued_bytes.max(self.stats.queued_bytes);
        self.chunks.push_back(kept);
        keep
    }

    /// How many of the last frames of `batch` (and their bytes) the limits allow at all.
    fn newest_that_fit(&self, batch: &FrameBatch) -> (usize, usize) {
        let (mut keep, mut bytes) = (0usize, 0usize);
        for &len in batch.lens().iter().rev() {
            if keep + 1 > self.limits.max_packets || bytes + len as usize > self.limits.max_bytes {
                break;
            }
            keep += 1;
            bytes += len as usize;
        }
        (keep, bytes)
    }

    /// Whether `packets` more frames of `bytes` more bytes fit.
    fn room_for(&self, packets: usize, bytes: usize) -> bool {
        self.stats.queued + packets as u64 <= self.limits.max_packets as u64
            && self.stats.queued_bytes + bytes as u64 <= self.limits.max_bytes as u64
    }

    /// Drops the oldest queued frame.
    fn evict_oldest(&mut self) {
        let Some(front) = self.chunks.front_mut() else { return };
        let bytes = front.drop_front(1);
        if front.is_empty() {
            self.chunks.pop_front();
        }
        self.stats.queued -= 1;
        self.stats.queued_bytes -= bytes as u64;
        self.stats.dropped += 1;
        self.stats.dropped_bytes += bytes as u64;
    }

    /// Takes up to about `max_packets` waiting frames (whole chunks; at least one chunk) as one
    /// batch; `None` when nothing waits.
    pub fn take(&mut self, max_packets: usize) -> Option<FrameBatch> {
        let first = self.chunks.pop_front()?;
        let mut out = first;
        while let Some(next) = self.chunks.front() {
            if out.len() + next.len() > max_packets {
                break;
            }
            let next = self.chunks.pop_front().expect("front exists");
            out.extend(&next);
        }
        self.stats.queued -= out.len() as u64;
        self.stats.queued_bytes -= out.byte_len() as u64;
        self.stats.delivered += out.len() as u64;
        Some(out)
    }

    /// The counters.
    pub fn stats(&self) -> QueueStats {
        self.stats
    }
}

/// Frames `skip..skip + frames` of `batch`.
fn slice(batch: &FrameBatch, skip: usize, frames: usize, bytes: usize) -> FrameBatch {
    let mut out = FrameBatch::with_capacity(bytes, frames);
    batch.iter().skip(skip).take(frames).for_each(|f| out.push(f));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sizes: &[usize]) -> FrameBatch {
        let mut b = FrameBatch::default();
        for (i, &s) in sizes.iter().enumerate() {
            b.push(&vec![i as u8; s]);
        }
        b
    }

    #[test]
    fn drop_newest_keeps_what_is_queued() {
        let mut q = BoundedQueue::new(QueueLimits { max_packets: 3, max_bytes: 1000 }, DropPolicy::DropNewest);
        assert_eq!(q.push(batch(&[10, 10])), 2);
        assert_eq!(q.push(batch(&[10, 20])), 1);
        let s = q.stats();
        assert_eq!((s.queued, s.dropped, s.dropped_bytes, s.queued_bytes), (3, 1, 20, 30));
        let got = q.take(100).unwrap();
        assert_eq!(got.lens(), [10, 10, 10]);
        assert!(q.take(100).is_none());
        assert_eq!(q.stats().delivered, 3);
    }

    #[test]
    fn drop_oldest_keeps_the_latest() {
        let mut q = BoundedQueue::new(QueueLimits { max_packets: 100, max_bytes: 25 }, DropPolicy::DropOldest);
        q.push(batch(&[10, 10]));
        q.push(batch(&[5, 12]));
        let s = q.stats();
        assert!(s.queued_bytes <= 25);
        assert_eq!((s.queued, s.dropped), (2, 2));
        let got = q.take(100).unwrap();
        assert_eq!(got.lens(), [5, 12]);
    }

    #[test]
    fn drop_oldest_within_one_batch_keeps_its_newest_frames() {
        let mut q = BoundedQueue::new(QueueLimits { max_packets: 2, max_bytes: 1000 }, DropPolicy::DropOldest);
        q.push(batch(&[1, 2, 3, 4, 5]));
        assert_eq!(q.take(10).unwrap().lens(), [4, 5]);
        assert_eq!(q.stats().dropped, 3);
    }

    #[test]
    fn bytes_bound_holds_under_a_flood() {
        let mut q = BoundedQueue::new(QueueLimits { max_packets: 1 << 20, max_bytes: 4096 }, DropPolicy::DropNewest);
        for _ in 0..1000 {
            q.push(batch(&[64; 16]));
        }
        let s = q.stats();
        assert_eq!(s.queued_bytes, 4096);
        assert_eq!(s.peak_queued_bytes, 4096);
        assert_eq!(s.queued + s.dropped, 16_000);
    }
}
