//! A simulator of vRouter's forwarding engine, for running agents, tests and benchmarks on a
//! machine without a vRouter.
//!
//! - [`ksync`]: the request side, sans-I/O: a request payload (one or more Sandesh messages) in,
//!   the response buffers vRouter would queue out, against a [`Datapath`] that holds the state
//!   with vRouter's validation and error codes.
//! - [`server`]: serving ksync connections (Unix stream socket, TCP) against one datapath.

pub mod ksync;
#[cfg(unix)]
pub mod server;
pub mod tables;

pub use ksync::{
    Datapath, DropLogEntry, DropReason, Dumper, HostInterfaces, Knobs, Limits, Responses, DUMP_BUFFER_SIZE,
    DUMP_INCOMPLETE,
};
