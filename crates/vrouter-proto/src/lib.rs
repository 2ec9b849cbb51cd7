//! vRouter wire formats, without I/O.
//!
//! - [`messages`]: the Sandesh messages of `schema/vr.sandesh`, generated at build time.
//! - [`netlink`]: generic-netlink framing of ksync requests and replies in the three dialects.

pub mod messages;
pub mod netlink;
