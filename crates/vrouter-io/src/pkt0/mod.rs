//! pkt0, the agent's side: the packet channel to the forwarding engine (PROTOCOL.md §5, §6).
//!
//! - [`Pkt0::open`] takes an endpoint string: `unix:PATH` (DPDK: bind `agent_pkt0`, connect
//!   `dpdk_pkt0`) or `tap:NAME` (the Linux kernel module: a tap device the agent creates).
//! - A reader thread pulls frames in batches (`recvmmsg`; a TPACKET_V3 ring on tap) into a
//!   [`BoundedQueue`] whose [`DropPolicy`] decides what is lost when the consumer is behind.
//! - Sends go out in batches (`sendmmsg`) from the caller's thread, without waiting.
//! - [`PcapWriter`] records both directions as classic pcap.

mod batch;
// The channel exists where a transport for it does (Linux: sockets and taps; Windows: pipes).
#[cfg(any(target_os = "linux", windows))]
mod channel;
#[cfg(any(target_os = "linux", windows, test))]
mod link;
#[cfg(any(windows, test))]
mod message;
mod pcap;
mod queue;

/// `recvmmsg` / `sendmmsg` batches, shared with the simulator and the binding.
#[cfg(target_os = "linux")]
pub mod mmsg;
#[cfg(target_os = "linux")]
mod tap;
#[cfg(target_os = "linux")]
mod unix;
#[cfg(target_os = "linux")]
mod wait;

pub use batch::FrameBatch;
#[cfg(any(target_os = "linux", windows))]
pub use channel::{ChannelOptions, ChannelStats, Pkt0Channel};
pub use pcap::PcapWriter;
pub use queue::{BoundedQueue, DropPolicy, QueueLimits, QueueStats};

#[cfg(target_os = "linux")]
pub use unix::{UnixLink, AGENT_PKT0, DPDK_PKT0, RECV_SLOT};

#[cfg(any(target_os = "linux", windows))]
pub use open::{open, Opened, Pkt0Endpoint};

#[cfg(any(target_os = "linux", windows))]
mod open {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::channel::{ChannelOptions, Pkt0Channel};
    use crate::error::{Error, ErrorKind, Result};
    #[cfg(target_os = "linux")]
    use super::unix::UnixLink;
    #[cfg(target_os = "linux")]
    use super::wait::Waker;

    /// Where a pkt0 channel is.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Pkt0Endpoint {
        /// `unix:PATH`: the agent's datagram socket path (`…/agent_pkt0`, or the directory).
        Unix(PathBuf),
        /// `tap:NAME`: a tap device of that name, created by the channel.
        Tap(String),
        /// `\\.\vrouterPkt0` (the driver's device) or `\\.\pipe\NAME` (a simulator's message pipe).
        Windows(String),
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
                if n.is_empty() || n.len() >= 16 || n.contains(['/', ' ', '\0']) {
                    return Err(Error::new(ErrorKind::InvalidInput, format!("{endpoint:?}: a tap name is 1 to 15 characters, no '/', space or NUL")));
                }
                return Ok(Pkt0Endpoint::Tap(n.to_owned()));
            }
            if endpoint.starts_with("\\\\.\\") {
                return Ok(Pkt0Endpoint::Windows(endpoint.to_owned()));
            }
            Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{endpoint:?} is not a pkt0 endpoint: expected unix:PATH (DPDK's agent_pkt0), tap:NAME (kernel module) or \\\\.\\vrouterPkt0 / \\\\.\\pipe\\NAME (Windows)"),
            ))
        }
    }

    /// An open channel and its transport.
    pub struct Opened {
        /// The channel.
        pub channel: Pkt0Channel,
        #[cfg(target_os = "linux")]
        unix: Option<Arc<UnixLink>>,
    }

    impl Opened {
        /// Connects to the forwarding engine's end where that is a separate step (DPDK's
        /// `dpdk_pkt0`); `Ok(false)` while it is not there yet (retry, as the agent does).
        pub fn connect(&self) -> Result<bool> {
            #[cfg(target_os = "linux")]
            if let Some(u) = &self.unix {
                return u.connect().map_err(|e| Error::from_os(e, format!("connecting to {}", u.peer().display())));
            }
            Ok(true)
        }
    }

    fn unsupported(endpoint: &str) -> Error {
        Error::new(ErrorKind::InvalidInput, format!("{endpoint}: this kind of pkt0 endpoint does not exist on this platform"))
    }

    /// Opens `endpoint`; `wake` is called when frames arrive for a consumer that found none.
    pub fn open(endpoint: &str, options: ChannelOptions, wake: Box<dyn Fn() + Send + Sync>) -> Result<Opened> {
        let started = |e: std::io::Error| Error::from_os(e, "starting the pkt0 reader");
        match Pkt0Endpoint::parse(endpoint)? {
            #[cfg(target_os = "linux")]
            Pkt0Endpoint::Unix(path) => {
                let waker = Arc::new(Waker::new().map_err(|e| Error::from_os(e, "eventfd"))?);
                let link = Arc::new(UnixLink::bind(&path).map_err(|e| Error::from_os(e, format!("binding {}", path.display())))?);
                let reader = link.reader(waker.clone()).map_err(|e| Error::from_os(e, "cloning the pkt0 socket"))?;
                let interrupt = Box::new(move || waker.wake());
                let channel = Pkt0Channel::start(Box::new(reader), link.clone(), options, wake, interrupt).map_err(started)?;
                Ok(Opened { channel, unix: Some(link) })
            }
            #[cfg(target_os = "linux")]
            Pkt0Endpoint::Tap(name) => {
                let waker = Arc::new(Waker::new().map_err(|e| Error::from_os(e, "eventfd"))?);
                let (reader, writer) = super::tap::open(&name, waker.clone())?;
                let interrupt = Box::new(move || waker.wake());
                let channel = Pkt0Channel::start(reader, writer, options, wake, interrupt).map_err(started)?;
                Ok(Opened { channel, unix: None })
            }
            #[cfg(windows)]
            Pkt0Endpoint::Windows(path) => {
                let (read, write) = crate::windows::open_pkt0(&path)?.split();
                let reader = super::message::MessageReader::new(read);
                let canceller = reader.canceller();
                let writer = Arc::new(super::message::MessageWriter::new(write));
                let interrupt = Box::new(move || canceller.cancel());
                let channel = Pkt0Channel::start(Box::new(reader), writer, options, wake, interrupt).map_err(started)?;
                Ok(Opened { channel })
            }
            #[allow(unreachable_patterns)]
            _ => Err(unsupported(endpoint)),
        }
    }
}
