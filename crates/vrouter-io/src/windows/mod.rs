//! Windows transports: the vRouter driver's devices and the simulator's named pipes and sections.
//!
//! | channel | driver | simulator |
//! |---|---|---|
//! | ksync | [`ksync_device::open`] on `\\.\vrouterKsync` | [`pipe_client::open`] with [`ClientOptions::ksync`](pipe_client::ClientOptions::ksync) ⇄ [`PipeServer::ksync`](pipe_server::PipeServer::ksync) |
//! | pkt0 | [`pkt0::open`] on `\\.\vrouterPkt0` | [`pkt0::open`] ⇄ [`PipeServer::pkt0`](pipe_server::PipeServer::pkt0) |
//! | tables | [`section::DriverTable::open`] on `\\.\vrouterFlow`, `\\.\vrouterBridge` | [`section::SectionReader`] ⇄ [`section::SectionWriter`] |
//!
//! [`open_ksync`] and [`open_pkt0`] pick the right one from an endpoint string.
//!
//! All handles are opened for overlapped I/O: reads pend without holding a lock, and a blocked call is
//! cancelled from another thread with CancelIoEx through the half's [`Canceller`](crate::Canceller).

mod endpoint;
pub(crate) mod error_code;
mod file;
mod handle;
pub mod ksync_device;
mod overlapped;
pub mod pipe_client;
pub mod pipe_server;
pub mod pkt0;
pub mod section;
pub mod security;

pub use endpoint::{open_ksync, open_pkt0};
pub use file::{OverlappedFile, OverlappedReader, OverlappedWriter};
