//! ksync, server side and sans-I/O: requests are handled as vRouter's dp-core handles them.
//!
//! Each Sandesh message of a request payload is handled at once, in order, and queues one or
//! more response buffers ([`Responses`]); the transport frames each buffer as one netlink message
//! in its dialect (`vrouter_proto::netlink::ReplyWriter`).

mod datapath;
mod dump;
mod errno;
mod limits;
mod mpls;
mod responses;
mod table;

pub use datapath::Datapath;
pub use dump::{Dumper, DUMP_BUFFER_SIZE, DUMP_INCOMPLETE};
pub use errno::*;
pub use limits::Limits;
pub use responses::Responses;
pub use table::IndexTable;
