//! [`OverlappedFile`]: a transport over any handle opened for overlapped I/O (named pipe end, driver device).
//!
//! Each half has its own OVERLAPPED and event, so a read may pend on one thread while another thread writes.

use std::io;
use std::os::windows::io::{AsRawHandle, RawHandle};
use std::sync::{Arc, Weak};

use windows_sys::Win32::Foundation::ERROR_MORE_DATA;
use windows_sys::Win32::Storage::FileSystem::{ReadFile, WriteFile};
use windows_sys::Win32::System::IO::DeviceIoControl;

use super::handle::OwnedHandle;
use super::overlapped::{cancel_io_action, len32, Overlapped};
use crate::cancel::Canceller;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Framing, Transport, TransportRead, TransportWrite};

/// A connected handle opened with FILE_FLAG_OVERLAPPED, used as a [`Transport`].
///
/// Obtained from [`pipe_client::open`](super::pipe_client::open), [`pkt0::open`](super::pkt0::open) or
/// [`PipeServer::accept`](super::pipe_server::PipeServer::accept). The handle closes when both halves are dropped.
pub struct OverlappedFile {
    reader: OverlappedReader,
    writer: OverlappedWriter,
}

/// The read half of an [`OverlappedFile`].
pub struct OverlappedReader {
    handle: Arc<OwnedHandle>,
    op: Overlapped,
    canceller: Canceller,
    framing: Framing,
}

/// The write half of an [`OverlappedFile`].
pub struct OverlappedWriter {
    handle: Arc<OwnedHandle>,
    op: Overlapped,
    canceller: Canceller,
    framing: Framing,
}

impl OverlappedFile {
    pub(crate) fn new(handle: OwnedHandle, framing: Framing) -> io::Result<Self> {
        let handle = Arc::new(handle);
        Ok(OverlappedFile {
            reader: OverlappedReader::new(handle.clone(), framing)?,
            writer: OverlappedWriter::new(handle, framing)?,
        })
    }

    /// Tells whether the handle is still open (either half alive), without keeping it open.
    pub(crate) fn handle_weak(&self) -> Weak<OwnedHandle> {
        Arc::downgrade(&self.reader.handle)
    }

    /// Separates the halves (the concrete-typed form of [`Transport::split`]).
    pub fn into_split(self) -> (OverlappedReader, OverlappedWriter) {
        (self.reader, self.writer)
    }

    /// The read half.
    pub fn reader(&mut self) -> &mut OverlappedReader {
        &mut self.reader
    }

    /// The write half.
    pub fn writer(&mut self) -> &mut OverlappedWriter {
        &mut self.writer
    }

    /// One DeviceIoControl call, overlapped, through the write half's slot. Returns the bytes written to `output`.
    pub(crate) fn ioctl_raw(
        &mut self,
        code: u32,
        input: &[u8],
        output: &mut [u8],
    ) -> io::Result<usize> {
        let w = &mut self.writer;
        let h = w.handle.raw();
        let n = w.op.run(h, &w.canceller, |ov| {
            // SAFETY: buffers outlive the call (run waits for completion); lengths match the buffers.
            unsafe {
                DeviceIoControl(
                    h,
                    code,
                    input.as_ptr().cast(),
                    len32(input.len()),
                    output.as_mut_ptr().cast(),
                    len32(output.len()),
                    std::ptr::null_mut(),
                    ov,
                )
            }
        })?;
        Ok(n as usize)
    }
}

impl AsRawHandle for OverlappedFile {
    fn as_raw_handle(&self) -> RawHandle {
        self.reader.handle.raw()
    }
}

impl OverlappedReader {
    fn new(handle: Arc<OwnedHandle>, framing: Framing) -> io::Result<Self> {
        let op = Overlapped::new()?;
        let canceller = Canceller::new();
        canceller.set_abort(cancel_io_action(handle.raw(), &op));
        Ok(OverlappedReader {
            handle,
            op,
            canceller,
            framing,
        })
    }

    /// One ReadFile, with its raw outcome: `Ok(0)` and every error code are passed through uninterpreted. For
    /// layers that give those outcomes a device-specific meaning (the ksync device).
    pub(crate) fn read_raw(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let h = self.handle.raw();
        let n = self.op.run(h, &self.canceller, |ov| {
            // SAFETY: buf outlives the call (run waits for completion); the length matches buf.
            unsafe {
                ReadFile(
                    h,
                    buf.as_mut_ptr(),
                    len32(buf.len()),
                    std::ptr::null_mut(),
                    ov,
                )
            }
        })?;
        Ok(n as usize)
    }

    /// Reads and drops the rest of a message that did not fit (message-mode pipes keep it queued otherwise).
    fn discard_rest_of_message(&mut self) -> Result<()> {
        let mut scratch = vec![0u8; 4096];
        loop {
            match self.read_raw(&mut scratch) {
                Ok(_) => return Ok(()),
                Err(e) if e.raw_os_error() == Some(ERROR_MORE_DATA as i32) => continue,
                Err(e) => return Err(Error::from_os(e, "ReadFile")),
            }
        }
    }
}

impl Drop for OverlappedReader {
    fn drop(&mut self) {
        // Before the slot is freed and the handle possibly closed: a later cancel() must not reach them.
        self.canceller.clear_abort();
    }
}

impl TransportRead for OverlappedReader {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.read_raw(buf) {
                // A zero-length write by the peer: an empty message, or nothing at all in a byte stream.
                Ok(0) if self.framing == Framing::Stream => continue,
                Ok(n) => return Ok(n),
                Err(e)
                    if e.raw_os_error() == Some(ERROR_MORE_DATA as i32)
                        && self.framing == Framing::Message =>
                {
                    self.discard_rest_of_message()?;
                    return Err(Error::with_kind(
                        ErrorKind::MessageTooLarge,
                        e,
                        format!(
                            "message longer than the {}-byte read buffer, discarded",
                            buf.len()
                        ),
                    ));
                }
                Err(e) => return Err(Error::from_os(e, "ReadFile")),
            }
        }
    }

    fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    fn framing(&self) -> Framing {
        self.framing
    }
}

impl OverlappedWriter {
    fn new(handle: Arc<OwnedHandle>, framing: Framing) -> io::Result<Self> {
        let op = Overlapped::new()?;
        let canceller = Canceller::new();
        canceller.set_abort(cancel_io_action(handle.raw(), &op));
        Ok(OverlappedWriter {
            handle,
            op,
            canceller,
            framing,
        })
    }

    /// One WriteFile; returns the bytes the other side accepted (a device may accept part of the buffer).
    pub(crate) fn write_raw(&mut self, buf: &[u8]) -> io::Result<usize> {
        let h = self.handle.raw();
        let n = self.op.run(h, &self.canceller, |ov| {
            // SAFETY: buf outlives the call (run waits for completion); the length matches buf.
            unsafe { WriteFile(h, buf.as_ptr(), len32(buf.len()), std::ptr::null_mut(), ov) }
        })?;
        Ok(n as usize)
    }

    /// Cancels a write blocked on a full pipe (the read half has its own canceller).
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }
}

impl Drop for OverlappedWriter {
    fn drop(&mut self) {
        self.canceller.clear_abort();
    }
}

impl TransportWrite for OverlappedWriter {
    fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        if self.framing == Framing::Message {
            // One WriteFile is one message: it must go whole or not at all.
            let n = self
                .write_raw(buf)
                .map_err(|e| Error::from_os(e, "WriteFile"))?;
            if n != buf.len() {
                return Err(Error::new(
                    ErrorKind::Other,
                    format!("message of {} bytes written as {n}", buf.len()),
                ));
            }
            return Ok(());
        }
        while !buf.is_empty() {
            let n = self
                .write_raw(buf)
                .map_err(|e| Error::from_os(e, "WriteFile"))?;
            if n == 0 {
                return Err(Error::new(ErrorKind::Other, "WriteFile accepted no bytes"));
            }
            buf = &buf[n..];
        }
        Ok(())
    }
}

impl TransportRead for OverlappedFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.reader.read(buf)
    }

    fn canceller(&self) -> Canceller {
        self.reader.canceller()
    }

    fn framing(&self) -> Framing {
        self.reader.framing
    }
}

impl TransportWrite for OverlappedFile {
    fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.writer.write_all(buf)
    }
}

impl Transport for OverlappedFile {
    fn split(self: Box<Self>) -> (Box<dyn TransportRead>, Box<dyn TransportWrite>) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }
}
