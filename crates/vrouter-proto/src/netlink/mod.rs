//! Generic-netlink framing of ksync messages, without I/O.
//!
//! Every ksync message, in both directions and on every platform, is one netlink message:
//!
//! ```text
//! 0        16       20       24
//! | nlmsghdr | genlhdr | nlattr | sandesh payload (one or more concatenated sandeshes) | pad? |
//! ```
//!
//! Header fields are little-endian (the hosts' order); the payload is opaque here (the sandesh
//! codec reads it). What differs between the kernel module, DPDK and Windows is how replies are
//! framed: see [`Dialect`].
//!
//! - Clients build requests with [`write_request`] (or [`begin_request`] / [`finish_request`] to
//!   encode the payload in place), parse what comes back with [`parse_reply`], and know when a
//!   request's answer is complete with [`ReplyTracker`].
//! - The simulator parses requests with [`parse_request`] and answers with [`ReplyWriter`].
//! - Stream transports cut messages out of the byte stream with [`StreamReassembler`].
//! - On the Linux kernel the family id is looked up with [`write_get_family`] and
//!   [`parse_family_reply`].

mod attrs;
pub mod constants;
mod ctrl;
mod dialect;
mod error;
mod header;
mod message;
mod parse;
mod reassembler;
mod reply;
mod request;
mod tracker;

pub use attrs::{attributes, Attribute, Attributes};
pub use constants::*;
pub use ctrl::{
    parse_family_reply, write_get_family, FamilyLookupError, GenlFamily, GENL_MAX_FAMILY_NAME,
};
pub use dialect::Dialect;
pub use error::FrameError;
pub use header::{AttrHeader, GenlHeader, NetlinkHeader};
pub use message::{AttrLenForm, NetlinkErrorMessage, Reply, SandeshMessage};
pub use parse::{
    parse_reply, parse_reply_with_limit, parse_request, split_frame, split_frames, Frames,
};
pub use reassembler::StreamReassembler;
pub use reply::{ReplyFrame, ReplyFrames, ReplyWriter};
pub use request::{begin_request, finish_request, write_request, PendingRequest, RequestHeader};
pub use tracker::{ReplyProgress, ReplyTracker, ReplyTrackerError};
