//! Win32 error codes → [`ErrorKind`](crate::ErrorKind).

use windows_sys::Win32::Foundation::{
    ERROR_ACCESS_DENIED, ERROR_ALREADY_EXISTS, ERROR_BAD_NETPATH, ERROR_BAD_PATHNAME,
    ERROR_BROKEN_PIPE, ERROR_BUSY, ERROR_DEVICE_IN_USE, ERROR_FILE_NOT_FOUND, ERROR_INVALID_NAME,
    ERROR_MORE_DATA, ERROR_NO_DATA, ERROR_OPERATION_ABORTED, ERROR_PATH_NOT_FOUND, ERROR_PIPE_BUSY,
    ERROR_PIPE_NOT_CONNECTED, ERROR_SHARING_VIOLATION,
};

use crate::error::ErrorKind;

/// Classifies a Win32 error code.
///
/// Peer gone: ERROR_BROKEN_PIPE (the other end closed), ERROR_NO_DATA (the pipe is being closed; also what the
/// pkt0 device's STATUS_PIPE_CLOSING becomes), ERROR_PIPE_NOT_CONNECTED (server side after the client left).
/// Busy: ERROR_PIPE_BUSY (all instances taken: a single-instance pkt0 pipe with a client), ERROR_SHARING_VIOLATION
/// and ERROR_BUSY / ERROR_DEVICE_IN_USE (the pkt0 device's STATUS_RESOURCE_IN_USE on a second open).
pub(crate) fn classify(code: u32) -> ErrorKind {
    match code {
        ERROR_BROKEN_PIPE | ERROR_NO_DATA | ERROR_PIPE_NOT_CONNECTED => ErrorKind::PeerClosed,
        ERROR_OPERATION_ABORTED => ErrorKind::Cancelled,
        ERROR_PIPE_BUSY | ERROR_SHARING_VIOLATION | ERROR_BUSY | ERROR_DEVICE_IN_USE => {
            ErrorKind::Busy
        }
        ERROR_FILE_NOT_FOUND | ERROR_PATH_NOT_FOUND | ERROR_BAD_NETPATH | ERROR_BAD_PATHNAME => {
            ErrorKind::NotFound
        }
        ERROR_INVALID_NAME => ErrorKind::InvalidInput,
        ERROR_ALREADY_EXISTS => ErrorKind::AlreadyExists,
        ERROR_ACCESS_DENIED => ErrorKind::PermissionDenied,
        ERROR_MORE_DATA => ErrorKind::MessageTooLarge,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn peer_closed_codes() {
        for code in [ERROR_BROKEN_PIPE, ERROR_NO_DATA, ERROR_PIPE_NOT_CONNECTED] {
            let e = Error::from(std::io::Error::from_raw_os_error(code as i32));
            assert_eq!(e.kind(), ErrorKind::PeerClosed, "code {code}");
            assert_eq!(e.raw_os_error(), Some(code as i32));
        }
    }

    #[test]
    fn busy_and_cancelled_codes() {
        assert_eq!(classify(ERROR_PIPE_BUSY), ErrorKind::Busy);
        assert_eq!(classify(ERROR_OPERATION_ABORTED), ErrorKind::Cancelled);
        assert_eq!(classify(ERROR_FILE_NOT_FOUND), ErrorKind::NotFound);
    }
}
