//! pkt0: the packet channel, over the driver device `\\.\vrouterPkt0` or a simulator's message-mode pipe.
//!
//! The decisions that make a generic overlapped handle a pkt0 channel (PROTOCOL.md §5.3): one frame per read and
//! per write; reads pend until a frame arrives, so they are overlapped and cancellable; exactly one opener at a
//! time, a second one gets [`ErrorKind::Busy`](crate::ErrorKind::Busy) rather than waiting.

use super::file::OverlappedFile;
use super::pipe_client::{self, ClientOptions};
use crate::error::Result;

/// The driver's pkt0 device.
pub const DEVICE_PATH: &str = r"\\.\vrouterPkt0";

/// A read buffer that holds any frame. The driver does not check that a frame fits the reader's buffer (it
/// asserts), so readers must be generous: 30-byte agent header + a jumbo Ethernet frame, rounded up.
pub const READ_BUFFER_SIZE: usize = 9 * 1024 + 512;

/// Opens a pkt0 channel at `path` (the device, or a `\\.\pipe\…` served by the simulator's
/// [`PipeServer::pkt0`](super::pipe_server::PipeServer::pkt0)).
pub fn open(path: &str) -> Result<OverlappedFile> {
    pipe_client::open(path, &ClientOptions::pkt0())
}
