//! The `code` a JavaScript `TransportError` carries for each transport failure.

use vrouter_io::ErrorKind;

/// The stable code for an error kind (see lib/errors.ts).
pub fn of(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::PeerClosed => "ERR_PEER_CLOSED",
        ErrorKind::Cancelled => "ERR_CLOSED",
        ErrorKind::NotFound => "ERR_ENDPOINT_NOT_FOUND",
        ErrorKind::Busy => "ERR_ENDPOINT_BUSY",
        ErrorKind::PermissionDenied => "ERR_PERMISSION_DENIED",
        ErrorKind::InvalidInput => "ERR_ENDPOINT_INVALID",
        _ => "ERR_TRANSPORT_IO",
    }
}
