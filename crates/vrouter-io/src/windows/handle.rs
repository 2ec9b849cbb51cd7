//! Owned Win32 handles and UTF-16 names: the small pieces every Windows module needs.

use std::io;

use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Threading::CreateEventW;

use crate::error::{Error, ErrorKind, Result};

/// A kernel handle closed on drop.
#[derive(Debug)]
pub(crate) struct OwnedHandle(HANDLE);

// SAFETY: a kernel handle is a process-wide value; any thread may use or close it.
unsafe impl Send for OwnedHandle {}
// SAFETY: as above; the handle value is never mutated after construction.
unsafe impl Sync for OwnedHandle {}

impl OwnedHandle {
    /// Takes ownership of the result of a call that reports failure with INVALID_HANDLE_VALUE (CreateFileW,
    /// CreateNamedPipeW), turning failure into the thread's last error.
    pub(crate) fn from_file_result(h: HANDLE) -> io::Result<Self> {
        if h == INVALID_HANDLE_VALUE || h.is_null() {
            Err(io::Error::last_os_error())
        } else {
            Ok(OwnedHandle(h))
        }
    }

    /// Takes ownership of the result of a call that reports failure with NULL (CreateEventW, CreateFileMappingW,
    /// OpenFileMappingW, OpenProcessToken), turning failure into the thread's last error.
    pub(crate) fn from_null_result(h: HANDLE) -> io::Result<Self> {
        if h.is_null() {
            Err(io::Error::last_os_error())
        } else {
            Ok(OwnedHandle(h))
        }
    }

    pub(crate) fn raw(&self) -> HANDLE {
        self.0
    }
}

impl Drop for OwnedHandle {
    fn drop(&mut self) {
        // SAFETY: we own the handle and nobody uses it after drop.
        unsafe { CloseHandle(self.0) };
    }
}

/// A manual-reset event, unsignalled, for one overlapped operation.
pub(crate) fn manual_reset_event() -> io::Result<OwnedHandle> {
    // SAFETY: plain call; null attributes and name are allowed.
    OwnedHandle::from_null_result(unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) })
}

/// `s` as a NUL-terminated UTF-16 string for the W functions.
pub(crate) fn wide(s: &str) -> Result<Vec<u16>> {
    if s.contains('\0') {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("name contains NUL: {s:?}"),
        ));
    }
    Ok(s.encode_utf16().chain(Some(0)).collect())
}
