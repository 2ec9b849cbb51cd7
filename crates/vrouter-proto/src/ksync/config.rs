//! The choices a ksync client makes once per connection.

/// Most requests the agent packs into one netlink message; vRouter answers each in turn.
pub const MAX_REQUESTS_PER_FRAME: usize = 16;

/// A message carrying several requests stays below this many bytes: the agent's bulk limit,
/// which is also the Windows driver's per-handle write buffer (a longer message is refused there).
pub const BULK_FRAME_LIMIT: usize = 4096;

/// How a [`KsyncSession`](super::KsyncSession) frames its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionConfig {
    /// `nlmsg_type` of every request: the generic-netlink family id (kernel: looked up by name;
    /// DPDK: 24 as the agent uses; Windows: 1). Replies must echo it.
    pub family_id: u16,
    /// `nlmsg_pid` of every request (the agent sends its process id, the utilities 0).
    pub pid: u32,
    /// Sequence number of the first frame; each further frame takes the next one.
    pub first_seq: u32,
    /// Most requests per frame, 1 to [`MAX_REQUESTS_PER_FRAME`] (values outside are clamped).
    pub max_requests_per_frame: usize,
    /// Frames carrying more than one request are kept below this many bytes (a single request
    /// larger than that still goes, alone).
    pub bulk_frame_limit: usize,
    /// Most frames sent and not yet fully answered; [`poll_transmit`](super::KsyncSession::poll_transmit)
    /// holds further frames back until answers arrive. Bounds what vRouter queues for this client
    /// (a kernel socket drops replies when its receive buffer overflows).
    pub max_frames_in_flight: usize,
}

impl SessionConfig {
    /// The agent's framing for `family_id` and `pid`: 16 requests and < 4096 bytes per frame,
    /// sequence numbers from 1, at most 64 frames in flight.
    pub fn new(family_id: u16, pid: u32) -> Self {
        SessionConfig {
            family_id,
            pid,
            first_seq: 1,
            max_requests_per_frame: MAX_REQUESTS_PER_FRAME,
            bulk_frame_limit: BULK_FRAME_LIMIT,
            max_frames_in_flight: 64,
        }
    }

    pub(crate) fn requests_per_frame(&self) -> usize {
        self.max_requests_per_frame.clamp(1, MAX_REQUESTS_PER_FRAME)
    }
}
