//! OS transports for the three channels between a vRouter Agent and its forwarding engine.
//!
//! - ksync and pkt0 travel over a [`Transport`]: a blocking, cancellable byte channel split into a
//!   [`TransportRead`] and a [`TransportWrite`] half.
//! - The flow and bridge tables are reached through a [`TableMapping`]: a read-only live view.
//!
//! Endpoint strings (`unix:PATH`, `tcp:HOST:PORT`, `\\.\…`) are opened by [`open_ksync`]; the
//! implementations live in per-OS modules (`unix` and `tcp` on Unix, `windows` on Windows). Protocol
//! logic (netlink framing, Sandesh, sessions) is not here: it belongs to the sans-I/O `vrouter-proto` crate.

mod cancel;
pub mod endpoint;
mod error;
mod table;
mod transport;

#[cfg(unix)]
pub mod tcp;
#[cfg(unix)]
pub mod unix;
#[cfg(windows)]
pub mod windows;

pub use cancel::Canceller;
pub use endpoint::{open_ksync, Endpoint, EndpointError};
pub use error::{Error, ErrorKind, Result};
pub use table::TableMapping;
pub use transport::{Framing, Transport, TransportRead, TransportWrite};
