//! A simulator of vRouter's forwarding engine, for running agents, tests and benchmarks on a
//! machine without a vRouter.
//!
//! - [`ksync`]: the request side, sans-I/O: a request payload (one or more Sandesh messages) in,
//!   the response buffers vRouter would queue out, against a [`Datapath`] that holds the state
//!   with vRouter's validation and error codes.
//! - [`server`]: serving ksync connections (Unix stream socket, TCP; named pipes on Windows) against one datapath.
//! - [`tables`]: the flow and bridge tables, in files agents map; a datapath given them
//!   ([`Datapath::attach_tables`]) answers flow requests and table queries.
//! - [`pkt0`]: trap frames to the agent and frames from it; on Unix the DPDK-style socket.
//! - [`churn`]: a test mode writing the flow table at full rate, each flow stamped with a check value.
//! - [`traffic`]: frames through the datapath, one at a time or from a generator of flows.

pub mod churn;
pub mod ksync;
pub mod pkt0;
pub mod section_tables;
pub mod server;
pub mod tables;
pub mod traffic;

pub use ksync::{
    Datapath, DropLogEntry, DropReason, Dumper, HostInterfaces, Knobs, Limits, Responses, DUMP_BUFFER_SIZE,
    DUMP_INCOMPLETE,
};
