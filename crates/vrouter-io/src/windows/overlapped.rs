//! One overlapped operation slot: an OVERLAPPED at a stable address plus its own event.
//!
//! Every call is issued and then waited for before returning, even when cancelled, so the buffers a call borrows
//! always outlive the I/O and no completion ever lands in freed memory.

use std::io;
use std::ptr::NonNull;

use windows_sys::core::BOOL;
use windows_sys::Win32::Foundation::{GetLastError, ERROR_IO_PENDING, HANDLE};
use windows_sys::Win32::System::Threading::ResetEvent;
use windows_sys::Win32::System::IO::{CancelIoEx, GetOverlappedResult, OVERLAPPED};

use super::handle::{manual_reset_event, OwnedHandle};
use crate::cancel::Canceller;

pub(crate) struct Overlapped {
    // Boxed (and never moved out) because the kernel and CancelIoEx refer to it by address.
    ov: NonNull<OVERLAPPED>,
    event: OwnedHandle,
}

// SAFETY: the OVERLAPPED is owned by this value and only touched by the thread running an operation.
unsafe impl Send for Overlapped {}

impl Overlapped {
    pub(crate) fn new() -> io::Result<Self> {
        let event = manual_reset_event()?;
        // SAFETY: OVERLAPPED is plain data; all-zero is its documented initial state.
        let ov = Box::new(unsafe { std::mem::zeroed::<OVERLAPPED>() });
        Ok(Overlapped {
            ov: NonNull::from(Box::leak(ov)),
            event,
        })
    }

    /// The OVERLAPPED's address, for CancelIoEx from another thread.
    pub(crate) fn address(&self) -> usize {
        self.ov.as_ptr() as usize
    }

    /// Issues one overlapped call with `start` and waits for it to complete; returns the bytes transferred.
    ///
    /// `cancel` being cancelled fails the call before it starts, or aborts it (CancelIoEx) if it is pending: the
    /// flag is re-checked after the call went pending, which closes the race with a cancel that ran before the
    /// call existed. Errors carry the Win32 code (ERROR_OPERATION_ABORTED once cancelled).
    pub(crate) fn run(
        &mut self,
        handle: HANDLE,
        cancel: &Canceller,
        start: impl FnOnce(*mut OVERLAPPED) -> BOOL,
    ) -> io::Result<u32> {
        if cancel.is_cancelled() {
            return Err(io::Error::from_raw_os_error(
                windows_sys::Win32::Foundation::ERROR_OPERATION_ABORTED as i32,
            ));
        }
        let ov = self.ov.as_ptr();
        // SAFETY: no operation is in flight on this slot (each run waits for completion), so we may rewrite it.
        unsafe {
            ov.write(std::mem::zeroed());
            (*ov).hEvent = self.event.raw();
            ResetEvent(self.event.raw());
        }
        if start(ov) == 0 {
            // SAFETY: plain call.
            let code = unsafe { GetLastError() };
            if code != ERROR_IO_PENDING {
                return Err(io::Error::from_raw_os_error(code as i32));
            }
            if cancel.is_cancelled() {
                // SAFETY: handle and ov are valid; a completed or unknown ov only yields ERROR_NOT_FOUND.
                unsafe { CancelIoEx(handle, ov) };
            }
        }
        let mut transferred = 0u32;
        // SAFETY: waits (bWait = TRUE) for the operation started above on this very handle and OVERLAPPED.
        if unsafe { GetOverlappedResult(handle, ov, &mut transferred, 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(transferred)
    }
}

impl Drop for Overlapped {
    fn drop(&mut self) {
        // SAFETY: allocated by Box in new(); no operation is in flight (run always waits for completion).
        drop(unsafe { Box::from_raw(self.ov.as_ptr()) });
    }
}

/// Clamps a buffer length to what one Win32 call can transfer.
pub(crate) fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// An abort action for a [`Canceller`]: CancelIoEx on exactly this handle's operation in this slot (not on
/// every operation of the handle, which would also abort the other half's I/O).
pub(crate) fn cancel_io_action(
    handle: HANDLE,
    slot: &Overlapped,
) -> impl Fn() + Send + Sync + 'static {
    let (handle, ov) = (handle as usize, slot.address());
    move || {
        // SAFETY: the owner unregisters this action (Canceller::clear_abort) before freeing the slot or closing
        // the handle, so both are still valid whenever it runs; an idle slot just gives ERROR_NOT_FOUND.
        unsafe { CancelIoEx(handle as HANDLE, ov as *const OVERLAPPED) };
    }
}
