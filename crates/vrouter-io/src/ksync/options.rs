//! The choices made when connecting a [`KsyncClient`](super::KsyncClient).

use vrouter_proto::ksync::SessionConfig;

/// Frames in flight on `netlink:` unless set: the kernel drops replies that do not fit the socket's receive buffer
/// (256 KiB), and 4 frames of 16 requests stay well inside it even when every answer is a kilobyte-sized object.
/// Sending further ahead gains nothing there: the kernel handles each request inside the `send` call.
pub(super) const NETLINK_FRAMES_IN_FLIGHT: usize = 4;

/// Options of [`KsyncClient::connect`](super::KsyncClient::connect); `Default` gives the agent's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// `nlmsg_type` of requests. Default: the endpoint's (24 on Unix and TCP sockets as the agent, 1 on Windows,
    /// looked up on `netlink:`).
    pub family_id: Option<u16>,
    /// `nlmsg_pid` of requests. Default: this process's id, as the agent sends.
    pub pid: Option<u32>,
    /// Framing of the session.
    pub session: SessionOptions,
}

/// Overrides of the session's framing ([`SessionConfig`]); each `None` keeps the agent's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Sequence number of the first frame (default 1).
    pub first_seq: Option<u32>,
    /// Most requests per frame, 1 to 16 (default 16).
    pub max_requests_per_frame: Option<usize>,
    /// Frames of several requests stay below this many bytes (default 4096).
    pub bulk_frame_limit: Option<usize>,
    /// Most frames sent and not fully answered (default 64; 4 on `netlink:`).
    pub max_frames_in_flight: Option<usize>,
}

impl SessionOptions {
    /// The session configuration: `base` with these overrides.
    pub fn apply(&self, mut base: SessionConfig) -> SessionConfig {
        if let Some(v) = self.first_seq {
            base.first_seq = v;
        }
        if let Some(v) = self.max_requests_per_frame {
            base.max_requests_per_frame = v;
        }
        if let Some(v) = self.bulk_frame_limit {
            base.bulk_frame_limit = v;
        }
        if let Some(v) = self.max_frames_in_flight {
            base.max_frames_in_flight = v;
        }
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_only_what_is_set() {
        let base = SessionConfig::new(24, 7);
        assert_eq!(SessionOptions::default().apply(base), base);
        let got = SessionOptions {
            max_frames_in_flight: Some(2),
            ..Default::default()
        }
        .apply(base);
        assert_eq!(got.max_frames_in_flight, 2);
        assert_eq!(got.max_requests_per_frame, base.max_requests_per_frame);
    }
}
