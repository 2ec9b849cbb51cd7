//! ksync over TCP (`tcp:HOST:PORT`): DPDK vRouter's agent port (20914) or a simulator's.
//!
//! The transport is the Unix module's [`SocketTransport`] (same stream semantics and cancellation); this module only
//! knows how to reach the address.

use std::net::{TcpStream, ToSocketAddrs};

use crate::error::{Error, ErrorKind, Result};
use crate::unix::{connect_error, SocketTransport};

/// Connects to `address`, `HOST:PORT` (`127.0.0.1:20914`, `[::1]:20914`, `localhost:20914`), trying each address
/// the host resolves to in turn, with `TCP_NODELAY` set.
///
/// `TCP_NODELAY` because ksync is request/response with small frames: Nagle's algorithm would hold a request back
/// until the previous one's ACK arrives, adding a delayed-ACK wait (up to 40 ms on Linux) to every exchange.
///
/// Errors: [`ErrorKind::InvalidInput`] for an address without a port or a host that does not resolve,
/// [`ErrorKind::NotFound`] when the connection is refused (nothing listens there).
pub fn connect(address: &str) -> Result<SocketTransport> {
    connect_stream(address).map(SocketTransport::from_tcp)
}

/// The connected stream of [`connect`], for the non-blocking form.
pub(crate) fn connect_stream(address: &str) -> Result<TcpStream> {
    let context = || format!("connect tcp:{address}");
    let addrs = address
        .to_socket_addrs()
        .map_err(|e| Error::with_kind(ErrorKind::InvalidInput, e, context()))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr) {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|e| Error::from_os(e, context()))?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => connect_error(e, context()),
        None => Error::new(
            ErrorKind::InvalidInput,
            format!("{}: the host resolves to no address", context()),
        ),
    })
}
