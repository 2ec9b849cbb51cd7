//! Opening the client end of a channel: any `\\.\` path, a driver device (`\\.\vrouterKsync`) or a named pipe
//! (`\\.\pipe\…`, as the simulator serves them).

use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{ERROR_PIPE_BUSY, GENERIC_READ, GENERIC_WRITE};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_FLAG_OVERLAPPED, FILE_SHARE_MODE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    OPEN_EXISTING, SECURITY_IDENTIFICATION, SECURITY_SQOS_PRESENT,
};
use windows_sys::Win32::System::Pipes::{
    SetNamedPipeHandleState, WaitNamedPipeW, PIPE_READMODE_MESSAGE,
};

use super::file::OverlappedFile;
use super::handle::{wide, OwnedHandle};
use crate::error::{Error, Result};
use crate::transport::Framing;

/// How to open a channel's client end.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Byte stream (ksync) or one message per read/write (pkt0).
    pub framing: Framing,
    /// Share mode for CreateFileW. The agent opens pkt0 with 0 (exclusive); ksync handles are shared.
    pub share_mode: FILE_SHARE_MODE,
    /// If a pipe server has all its instances busy, wait up to this long for a free one (ksync: the simulator
    /// creates a new instance right after each connection). `None`: report [`ErrorKind::Busy`] at once (pkt0,
    /// whose single instance being taken is final).
    ///
    /// [`ErrorKind::Busy`]: crate::ErrorKind::Busy
    pub wait_if_busy: Option<Duration>,
}

impl ClientOptions {
    /// ksync: byte stream, shared, waits up to 5 s for a free pipe instance.
    pub fn ksync() -> Self {
        ClientOptions {
            framing: Framing::Stream,
            share_mode: FILE_SHARE_READ | FILE_SHARE_WRITE,
            wait_if_busy: Some(Duration::from_secs(5)),
        }
    }

    /// pkt0: one frame per message, exclusive, a busy endpoint is an error.
    pub fn pkt0() -> Self {
        ClientOptions {
            framing: Framing::Message,
            share_mode: 0,
            wait_if_busy: None,
        }
    }
}

/// Whether `path` names a named pipe (as opposed to a driver device), which decides whether the pipe read mode
/// must be set for message framing.
pub fn is_pipe_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.starts_with(r"\\.\pipe\") || lower.starts_with(r"\\?\pipe\")
}

/// Opens `path` for overlapped reading and writing.
///
/// Errors: [`ErrorKind::NotFound`] when nothing serves the path, [`ErrorKind::Busy`] when it is taken (a pkt0
/// pipe or device that already has its client), [`ErrorKind::PermissionDenied`] when its DACL excludes us.
///
/// [`ErrorKind::NotFound`]: crate::ErrorKind::NotFound
/// [`ErrorKind::Busy`]: crate::ErrorKind::Busy
/// [`ErrorKind::PermissionDenied`]: crate::ErrorKind::PermissionDenied
pub fn open(path: &str, options: &ClientOptions) -> Result<OverlappedFile> {
    let name = wide(path)?;
    let deadline = options.wait_if_busy.map(|d| Instant::now() + d);
    let handle = loop {
        // SAFETY: name is NUL-terminated; other pointers are null as allowed.
        let h = unsafe {
            CreateFileW(
                name.as_ptr(),
                GENERIC_READ | GENERIC_WRITE,
                options.share_mode,
                std::ptr::null(),
                OPEN_EXISTING,
                // Identification level only: a pipe server must not be able to act as us (it may be anyone's
                // simulator). Ignored by devices.
                FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                std::ptr::null_mut(),
            )
        };
        match OwnedHandle::from_file_result(h) {
            Ok(h) => break h,
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) => {
                let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                match remaining {
                    Some(left) if !left.is_zero() => {
                        let ms = u32::try_from(left.as_millis()).unwrap_or(u32::MAX).max(1);
                        // SAFETY: name is NUL-terminated. Failure (timeout) is seen by the next CreateFileW.
                        unsafe { WaitNamedPipeW(name.as_ptr(), ms) };
                    }
                    _ => return Err(Error::from_os(e, format!("open {path}"))),
                }
            }
            Err(e) => return Err(Error::from_os(e, format!("open {path}"))),
        }
    };
    if options.framing == Framing::Message && is_pipe_path(path) {
        let mode = PIPE_READMODE_MESSAGE;
        // SAFETY: valid pipe handle; null pointers leave the other settings alone.
        if unsafe {
            SetNamedPipeHandleState(handle.raw(), &mode, std::ptr::null(), std::ptr::null())
        } == 0
        {
            return Err(Error::from_os(
                std::io::Error::last_os_error(),
                format!("set message mode on {path}"),
            ));
        }
    }
    OverlappedFile::new(handle, options.framing).map_err(|e| Error::from_os(e, "create I/O events"))
}
