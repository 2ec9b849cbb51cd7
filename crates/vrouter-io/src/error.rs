//! The crate's error type: an OS error classified into the few kinds callers act on.
//!
//! Callers of a transport care about a handful of outcomes (the peer went away, the call was cancelled, the endpoint
//! is taken or missing); everything else is reported with its OS error attached. Classification happens once, here,
//! so that the JavaScript layer can map [`ErrorKind`] to its typed errors without knowing OS error numbers.

use std::borrow::Cow;
use std::{fmt, io};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, in the terms callers act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The other end closed the channel (broken pipe, pipe closing, end of stream). Not retryable on this handle.
    PeerClosed,
    /// A blocked call was cancelled through its [`Canceller`](crate::Canceller).
    Cancelled,
    /// The endpoint accepts a single opener and already has one (pkt0).
    Busy,
    /// No such endpoint: device, pipe or section name.
    NotFound,
    /// The endpoint name is already taken by another server.
    AlreadyExists,
    /// The OS refused access to the endpoint.
    PermissionDenied,
    /// A message did not fit in the buffer given for it and was discarded.
    MessageTooLarge,
    /// A table mapping is smaller than the table it must hold, or a driver's answer about it is unusable.
    TableSize,
    /// An argument was invalid (for example a name containing NUL).
    InvalidInput,
    /// Any other OS failure; the OS error is the [`source`](std::error::Error::source).
    Other,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::PeerClosed => "peer closed the channel",
            ErrorKind::Cancelled => "operation cancelled",
            ErrorKind::Busy => "endpoint busy (it accepts a single opener)",
            ErrorKind::NotFound => "endpoint not found",
            ErrorKind::AlreadyExists => "endpoint name already in use",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::MessageTooLarge => "message larger than the read buffer",
            ErrorKind::TableSize => "table mapping has the wrong size",
            ErrorKind::InvalidInput => "invalid argument",
            ErrorKind::Other => "I/O error",
        }
    }
}

/// An error from a transport or a table mapping: a [`kind`](Error::kind), what was being done, and the OS error if
/// there was one.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    context: Cow<'static, str>,
    os: Option<io::Error>,
}

impl Error {
    /// An error without an underlying OS error.
    pub fn new(kind: ErrorKind, context: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            context: context.into(),
            os: None,
        }
    }

    /// Classifies an OS error, and says what was being done when it happened.
    pub fn from_os(err: io::Error, context: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind: classify(&err),
            context: context.into(),
            os: Some(err),
        }
    }

    /// Like [`from_os`](Error::from_os) but with a kind chosen by the caller, who knows better than the generic
    /// classification (for example "access denied" on a pipe name that another server owns).
    pub fn with_kind(
        kind: ErrorKind,
        err: io::Error,
        context: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            kind,
            context: context.into(),
            os: Some(err),
        }
    }

    /// Prefixes the context with what the caller was doing.
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn in_context(mut self, outer: String) -> Self {
        self.context = if self.context.is_empty() {
            outer.into()
        } else {
            format!("{outer}: {}", self.context).into()
        };
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The OS error number (Win32 error code on Windows, errno elsewhere), when an OS call failed.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.os.as_ref().and_then(io::Error::raw_os_error)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.context.is_empty() {
            write!(f, "{}", self.kind.describe())?;
        } else {
            write!(f, "{}: {}", self.context, self.kind.describe())?;
        }
        if let Some(os) = &self.os {
            write!(f, " ({os})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.os.as_ref().map(|e| e as _)
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::from_os(err, "")
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> Self {
        let kind = match err.kind {
            ErrorKind::PeerClosed => io::ErrorKind::BrokenPipe,
            ErrorKind::Busy => io::ErrorKind::ResourceBusy,
            ErrorKind::NotFound => io::ErrorKind::NotFound,
            ErrorKind::AlreadyExists => io::ErrorKind::AlreadyExists,
            ErrorKind::PermissionDenied => io::ErrorKind::PermissionDenied,
            ErrorKind::InvalidInput => io::ErrorKind::InvalidInput,
            ErrorKind::MessageTooLarge | ErrorKind::TableSize => io::ErrorKind::InvalidData,
            // io has no "cancelled"; Interrupted would be silently retried by std's helpers, so not that.
            ErrorKind::Cancelled | ErrorKind::Other => io::ErrorKind::Other,
        };
        io::Error::new(kind, err)
    }
}

/// Maps an OS error to a kind: Win32 codes on Windows (std's own mapping folds too much together, e.g. it has no
/// "cancelled"), `io::ErrorKind` elsewhere.
fn classify(err: &io::Error) -> ErrorKind {
    #[cfg(windows)]
    if let Some(code) = err.raw_os_error() {
        return crate::windows::error_code::classify(code as u32);
    }
    match err.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::NotConnected
        | io::ErrorKind::UnexpectedEof => ErrorKind::PeerClosed,
        io::ErrorKind::NotFound => ErrorKind::NotFound,
        io::ErrorKind::AlreadyExists | io::ErrorKind::AddrInUse => ErrorKind::AlreadyExists,
        io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
        io::ErrorKind::ResourceBusy => ErrorKind::Busy,
        io::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_portable_io_kinds() {
        let e = Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "x"));
        assert_eq!(e.kind(), ErrorKind::PeerClosed);
        let e = Error::from(io::Error::new(io::ErrorKind::NotFound, "x"));
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn converts_back_to_io() {
        let io_err: io::Error = Error::new(ErrorKind::PeerClosed, "read").into();
        assert_eq!(io_err.kind(), io::ErrorKind::BrokenPipe);
        assert!(io_err.to_string().contains("peer closed"));
    }

    #[test]
    fn display_names_context_and_kind() {
        let e = Error::new(ErrorKind::Busy, r"open \\.\vrouterPkt0");
        assert_eq!(
            e.to_string(),
            r"open \\.\vrouterPkt0: endpoint busy (it accepts a single opener)"
        );
    }
}
