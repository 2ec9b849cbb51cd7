//! The simulator's I/O: serving ksync connections over byte streams.

mod ksync;
mod listener;

pub use ksync::KsyncService;
pub use listener::{KsyncListener, ListenAddr};
