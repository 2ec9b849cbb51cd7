//! ksync, server side and sans-I/O: requests are handled as vRouter's dp-core handles them.
//!
//! Each Sandesh message of a request payload is handled at once, in order, and queues one or
//! more response buffers ([`Responses`]); the transport frames each buffer as one netlink message
//! in its dialect (`vrouter_proto::netlink::ReplyWriter`).
//!
//! One module per message type, each with `handle(dp, req, out)`: [`interface`], [`nexthop`],
//! [`mpls`], [`mirror`], [`vrf`], [`vrf_assign`], [`vxlan`], [`qos`], [`fc`], [`vrouter_ops`],
//! [`drop_stats`], [`mem_stats`], [`vrf_stats`], [`drop_log`], [`info`], [`hugepage`],
//! [`flow`] (with the packet side of the flow table), [`table_data`].

mod datapath;
pub mod drop_log;
pub mod drop_stats;
mod drops;
mod dump;
mod errno;
pub mod fc;
pub mod flow;
mod host;
pub mod hugepage;
mod indexed;
pub mod info;
pub mod interface;
mod knobs;
mod limits;
pub mod mem_stats;
pub mod mirror;
pub mod mpls;
pub mod nexthop;
pub mod qos;
mod refs;
mod responses;
pub mod route;
mod table;
pub mod table_data;
pub mod vrf;
pub mod vrf_assign;
pub mod vrf_stats;
pub mod vrouter_ops;
pub mod vxlan;

pub use datapath::Datapath;
pub use drop_log::{DropLogEntry, PktDropLog};
pub use drops::{DropCounters, DropReason, DROP_REASONS};
pub use dump::{Dumper, DUMP_BUFFER_SIZE, DUMP_INCOMPLETE};
pub use errno::*;
pub use flow::{FlowCounters, FlowState, FlowVerdict};
pub use host::HostInterfaces;
pub use knobs::Knobs;
pub use limits::{Limits, CORES};
pub use refs::{Ref, RefTable, Removal};
pub use responses::Responses;
pub use table::IndexTable;
pub use vrf_stats::{VrfCounters, VrfStats};
