//! The simulator's I/O: serving ksync connections over byte streams — Unix stream sockets and TCP on Unix,
//! named pipes and TCP on Windows.

mod ksync;
#[cfg(unix)]
mod listener;
// What the Windows listeners (pipe, TCP) keep of their connections.
#[cfg(windows)]
mod connections;
#[cfg(windows)]
mod pipe;
#[cfg(unix)]
mod poll_mode;
#[cfg(windows)]
mod tcp_windows;

pub use ksync::KsyncService;
#[cfg(unix)]
pub use listener::{KsyncListener, ListenAddr};
#[cfg(windows)]
pub use pipe::{KsyncPipeListener, WINDOWS_MAX_REQUEST_LEN};
#[cfg(windows)]
pub use tcp_windows::KsyncTcpListener;
