//! OS transports for the three channels between a vRouter Agent and its forwarding engine.
//!
//! - ksync and pkt0 travel over a [`Transport`]: a blocking, cancellable byte channel split into a
//!   [`TransportRead`] and a [`TransportWrite`] half.
//! - The flow and bridge tables are reached through a [`TableMapping`]: a read-only live view.
//!
//! Endpoint strings (`unix:PATH`, `tcp:HOST:PORT`, `\\.\…`) are opened by [`open_ksync`]; the
//! implementations live in per-OS modules (`unix` and `tcp` on Unix, `windows` on Windows). Protocol
//! logic (netlink framing, Sandesh, sessions) is not here: it belongs to the sans-I/O `vrouter-proto` crate.
//! [`ksync::KsyncClient`] is the I/O driver of that crate's ksync session over any of these transports
//! (`netlink:` included, on Linux: [`netlink_socket`]).

mod cancel;
pub mod endpoint;
mod error;
pub mod ksync;
/// pkt0, the packet channel: batched reads into a bounded queue, batched sends, pcap capture.
pub mod pkt0;
#[cfg(unix)]
pub mod mmap;
mod table;
mod transport;

#[cfg(target_os = "linux")]
pub mod netlink_socket;
#[cfg(unix)]
pub mod nonblocking;
#[cfg(unix)]
pub mod tcp;
#[cfg(unix)]
pub mod unix;
#[cfg(windows)]
pub mod windows;

pub use cancel::Canceller;
pub use endpoint::open_ksync_with_family;
pub use endpoint::{open_ksync, Endpoint, EndpointError};
pub use error::{Error, ErrorKind, Result};
#[cfg(unix)]
pub use mmap::{ReadOnlyTable, SharedTable, TableKind};
pub use table::TableMapping;
pub use transport::{Framing, Transport, TransportRead, TransportWrite};
