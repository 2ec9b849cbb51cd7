//! vRouter wire formats, without I/O.
//!
//! - [`messages`]: the Sandesh messages of `schema/vr.sandesh`, generated at build time.
//! - [`netlink`]: generic-netlink framing of ksync requests and replies in the three dialects.
//! - [`ksync`]: the ksync client session (sequence numbers, bulk framing, answers, dump paging).
//! - [`agent_header`]: the pkt0 agent header and the frame layout around it.
//! - [`tables`]: the shared-memory flow and bridge tables (layouts, hash, lookup, placement).

pub mod agent_header;
pub mod ksync;
pub mod messages;
pub mod netlink;
pub mod tables;
