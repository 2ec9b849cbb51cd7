//! pkt0, the agent's side: the packet channel to the forwarding engine (PROTOCOL.md §5, §6).
//!
//! - [`Pkt0::open`] takes an endpoint string: `unix:PATH` (DPDK: bind `agent_pkt0`, connect
//!   `dpdk_pkt0`) or `tap:NAME` (the Linux kernel module: a tap device the agent creates).
//! - A reader thread pulls frames in batches (`recvmmsg`; a TPACKET_V3 ring on tap) into a
//!   [`BoundedQueue`] whose [`DropPolicy`] decides what is lost when the consumer is behind.
//! - Sends go out in batches (`sendmmsg`) from the caller's thread, without waiting.
//! - [`PcapWriter`] records both directions as classic pcap.

mod batch;
mod pcap;
mod queue;

#[cfg(target_os = "linux")]
mod channel;
#[cfg(target_os = "linux")]
mod link;
#[cfg(target_os = "linux")]
mod mmsg;
#[cfg(target_os = "linux")]
mod tap;
#[cfg(target_os = "linux")]
mod unix;
#[cfg(target_os = "linux")]
mod wait;

pub use batch::FrameBatch;
pub use pcap::PcapWriter;
pub use queue::{BoundedQueue, DropPolicy, QueueLimits, QueueStats};

#[cfg(target_os = "linux")]
pub use channel::{ChannelOptions, ChannelStats, Pkt0Channel};
#[cfg(target_os = "linux")]
pub use unix::{UnixLink, AGENT_PKT0, DPDK_PKT0, RECV_SLOT};

#[cfg(target_os = "linux")]
pub use open::{open, Opened, Pkt0Endpoint};

#[cfg(target_os = "linux")]
mod open {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::channel::{ChannelOptions, Pkt0Channel};
    use super::unix::UnixLink;
    use crate::error::{Error, ErrorKind, Result};

    /// Where a pkt0 channel is.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Pkt0Endpoint {
        /// `unix:PATH`: the agent's datagram socket path (`…/agent_pkt0`, or the directory).
        Unix(PathBuf),
        /// `tap:NAME`: a tap device of that name, created by the channel.
        Tap(String),
    }

    impl Pkt0Endpoint {
        /// Parses an endpoint string.
        pub fn parse(endpoint: &str) -> Result<Self> {
            if let Some(p) = endpoint.strip_prefix("unix:") {
                if p.is_empty() {
                    return Err(Error::new(ErrorKind::InvalidInput, "unix: needs a path (…/agent_pkt0)"));
                }
                return Ok(Pkt0Endpoint::Unix(PathBuf::from(p)));
            }
            if let Some(n) = endpoint.strip_prefix("tap:") {
                if n.is_empty() || n.len() >= libc::IFNAMSIZ || n.contains(['/', ' ', '\0']) {
                    return Err(Error::new(ErrorKind::InvalidInput, format!("{endpoint:?}: a tap name is 1 to 15 characters, no '/', space or NUL")));
                }
                return Ok(Pkt0Endpoint::Tap(n.to_owned()));
            }
            Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{endpoint:?} is not a pkt0 endpoint: expected unix:PATH (DPDK's agent_pkt0) or tap:NAME (kernel module)"),
            ))
        }
    }

    /// An open channel and its transport.
    pub struct Opened {
        /// The channel.
        pub channel: Pkt0Channel,
        unix: Option<Arc<UnixLink>>,
    }

    impl Opened {
        /// Connects to the forwarding engine's end where that is a separate step (DPDK's
        /// `dpdk_pkt0`); `Ok(false)` while it is not there yet (retry, as the agent does).
        pub fn connect(&self) -> Result<bool> {
            match &self.unix {
                Some(u) => u.connect().map_err(|e| Error::from_os(e, format!("connecting to {}", u.peer().display()))),
                None => Ok(true),
            }
        }
    }

    /// Opens `endpoint`; `wake` is called when frames arrive for a consumer that found none.
    pub fn open(endpoint: &str, options: ChannelOptions, wake: Box<dyn Fn() + Send + Sync>) -> Result<Opened> {
        match Pkt0Endpoint::parse(endpoint)? {
            Pkt0Endpoint::Unix(path) => {
                let link = Arc::new(UnixLink::bind(&path).map_err(|e| Error::from_os(e, format!("binding {}", path.display())))?);
                let reader = link.reader().map_err(|e| Error::from_os(e, "cloning the pkt0 socket"))?;
                let channel = Pkt0Channel::start(Box::new(reader), link.clone(), options, wake)
                    .map_err(|e| Error::from_os(e, "starting the pkt0 reader"))?;
                Ok(Opened { channel, unix: Some(link) })
            }
            Pkt0Endpoint::Tap(name) => {
                let (reader, writer) = super::tap::open(&name)?;
                let channel = Pkt0Channel::start(reader, writer, options, wake).map_err(|e| Error::from_os(e, "starting the pkt0 reader"))?;
                Ok(Opened { channel, unix: None })
            }
        }
    }
}
