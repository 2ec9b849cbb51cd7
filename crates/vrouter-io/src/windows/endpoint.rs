//! Which transport a Windows endpoint string names: the driver's devices or the simulator's named pipes
//! (DESIGN.md "Endpoints").

use super::ksync_device;
use super::pipe_client::{self, is_pipe_path, ClientOptions};
use super::pkt0;
use crate::error::Result;
use crate::transport::Transport;

/// Opens a ksync channel: `\\.\pipe\…` is a simulator's byte pipe, anything else a driver device (normally
/// [`ksync_device::DEVICE_PATH`]) with the device's polling semantics.
pub fn open_ksync(path: &str) -> Result<Box<dyn Transport>> {
    if is_pipe_path(path) {
        Ok(Box::new(pipe_client::open(path, &ClientOptions::ksync())?))
    } else {
        Ok(Box::new(ksync_device::open(path)?))
    }
}

/// Opens a pkt0 channel: the driver's device ([`pkt0::DEVICE_PATH`]) or a simulator's message pipe; both give
/// one frame per read and refuse a second opener.
pub fn open_pkt0(path: &str) -> Result<Box<dyn Transport>> {
    Ok(Box::new(pkt0::open(path)?))
}
