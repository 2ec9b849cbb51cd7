//! The Node-API binding of vrouter-io: the only crate that knows Node-API.
//!
//! Messages cross the boundary as a tape (see `sandesh::tape`): one call per batch of
//! messages, never one per field.

// napi-derive leaves exported functions out of test builds, so their helpers look unused there.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod codec;
mod columns;
mod exchange;
mod netlink;
mod ksync;
#[cfg(any(target_os = "linux", windows))]
mod pkt0;
mod raw;
mod sim;
mod tables;
mod transport_code;
#[cfg(unix)]
mod uv;
