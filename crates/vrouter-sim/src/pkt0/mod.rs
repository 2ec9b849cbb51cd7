//! pkt0, the simulator's side: trap frames to the agent and frames from it (PROTOCOL.md §6).
//!
//! - [`TrapBatch`] / [`TrapSink`]: frames built for the agent, sent in batches.
//! - [`classify`], [`ReinjectLog`]: frames from the agent, checked as vRouter's receive path
//!   checks them and kept for tests.
//! - [`Pkt0Endpoint`] (Unix): the DPDK-style datagram socket pair `dpdk_pkt0` / `agent_pkt0`.

mod inbound;
mod stats;
mod trap;

#[cfg(unix)]
mod endpoint;
// Counters, log and datapath, alike in the Unix endpoint and the Windows pipe.
#[cfg(any(unix, windows))]
mod endpoint_core;
#[cfg(unix)]
mod flood;
#[cfg(target_os = "linux")]
mod recv_batch;
#[cfg(unix)]
mod sender;
#[cfg(target_os = "linux")]
mod tap;
#[cfg(windows)]
mod pipe;

pub use inbound::{classify, Inbound, ReinjectLog, Reinjected, MAX_INNER_LEN, REINJECT_LOG_LEN};
pub use stats::{Pkt0Counters, Pkt0Stats};
pub use trap::{TrapBatch, TrapSink};

#[cfg(unix)]
pub use endpoint::{Pkt0Endpoint, AGENT_PKT0, DPDK_PKT0};
#[cfg(unix)]
pub use flood::flood_frame;
#[cfg(windows)]
pub use pipe::{Pkt0Pipe, QUEUE_LIMIT};
