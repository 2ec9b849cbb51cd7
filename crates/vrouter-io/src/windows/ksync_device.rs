//! ksync over the driver device `\\.\vrouterKsync` (PROTOCOL.md §5.3), as a byte-stream [`Transport`].
//!
//! The device does not behave like a pipe, and these are the only places it differs:
//! - a read returns exactly one queued netlink message, and **0 bytes when the queue is empty** — "nothing yet",
//!   not end of stream: the reader polls again (with back-off, cancellable);
//! - a read into a buffer smaller than the message fails with **ERROR_INSUFFICIENT_BUFFER** and leaves the message
//!   queued: the reader retries with a larger buffer (4096 bytes always suffice with the real driver);
//! - a write may carry part of a netlink message or several (bulk): the driver reassembles by `nlmsg_len` and
//!   returns the bytes it consumed, so the writer just keeps writing the rest.
//!
//! Those decisions sit in [`KsyncDeviceReader`] / [`KsyncDeviceWriter`], over the [`DeviceRead`] / [`DeviceWrite`]
//! traits (one raw ReadFile / WriteFile). The real handle implements them; tests implement them with a stand-in
//! that behaves like the driver, since the device itself is unreachable without the driver.

use std::io;
use std::time::Duration;

use windows_sys::Win32::Foundation::ERROR_INSUFFICIENT_BUFFER;
use windows_sys::Win32::Storage::FileSystem::{FILE_SHARE_READ, FILE_SHARE_WRITE};

use super::file::{OverlappedReader, OverlappedWriter};
use super::pipe_client::{self, ClientOptions};
use crate::cancel::Canceller;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::{Framing, Transport, TransportRead, TransportWrite};

/// The driver's ksync device.
pub const DEVICE_PATH: &str = r"\\.\vrouterKsync";

/// Initial read buffer: the driver's largest response (its per-handle buffers are 4096 bytes).
pub const MESSAGE_BUFFER_SIZE: usize = 4096;

/// Growth stops here: a device asking for more is not a vRouter.
const MAX_MESSAGE_SIZE: usize = 1 << 20;

/// One raw ReadFile on the device, outcome uninterpreted.
pub trait DeviceRead: Send {
    /// Reads one queued message into `buf`: `Ok(n)` its length, `Ok(0)` when the queue is empty, an error with
    /// raw code ERROR_INSUFFICIENT_BUFFER when `buf` is too small (the message stays queued).
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize>;

    /// Cancels a blocked [`read_once`](DeviceRead::read_once), and the reader's polling.
    fn canceller(&self) -> Canceller;
}

/// One raw WriteFile on the device.
pub trait DeviceWrite: Send {
    /// Writes part or all of `buf`; returns the bytes consumed.
    fn write_once(&mut self, buf: &[u8]) -> io::Result<usize>;
}

impl DeviceRead for OverlappedReader {
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_raw(buf)
    }

    fn canceller(&self) -> Canceller {
        TransportRead::canceller(self)
    }
}

impl DeviceWrite for OverlappedWriter {
    fn write_once(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_raw(buf)
    }
}

/// How a reader waits while the device's queue is empty.
///
/// The driver answers a request while the write that carried it completes, so a read right after a write almost
/// always finds its answer; an empty queue mostly means nothing is outstanding. Hence: a few immediate retries,
/// then sleeps growing from `min_sleep` to `max_sleep`.
#[derive(Debug, Clone)]
pub struct PollPolicy {
    /// Retries that only yield the thread.
    pub spins: u32,
    /// First sleep after the spins.
    pub min_sleep: Duration,
    /// Longest sleep between polls.
    pub max_sleep: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            spins: 4,
            min_sleep: Duration::from_millis(1),
            max_sleep: Duration::from_millis(20),
        }
    }
}

/// The read half: turns the device's one-message-per-read, 0-when-empty reads into a blocking byte stream.
pub struct KsyncDeviceReader<R> {
    device: R,
    canceller: Canceller,
    poll: PollPolicy,
    // The last message read, delivered to callers from `start` (callers may ask for fewer bytes than it has).
    message: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: DeviceRead> KsyncDeviceReader<R> {
    /// Wraps one device handle's read side, with the default [`PollPolicy`].
    pub fn new(device: R) -> Self {
        Self::with_poll_policy(device, PollPolicy::default())
    }

    /// Wraps one device handle's read side.
    pub fn with_poll_policy(device: R, poll: PollPolicy) -> Self {
        let canceller = device.canceller();
        KsyncDeviceReader {
            device,
            canceller,
            poll,
            message: vec![0; MESSAGE_BUFFER_SIZE],
            start: 0,
            end: 0,
        }
    }

    /// Current size of the read buffer (grows when the device reports ERROR_INSUFFICIENT_BUFFER).
    pub fn buffer_size(&self) -> usize {
        self.message.len()
    }

    /// Waits for the next message and stores it in `self.message`.
    fn next_message(&mut self) -> Result<()> {
        let mut empty_polls = 0u32;
        let mut sleep = self.poll.min_sleep;
        loop {
            if self.canceller.is_cancelled() {
                return Err(Error::new(ErrorKind::Cancelled, "read ksync device"));
            }
            match self.device.read_once(&mut self.message) {
                Ok(0) => {
                    // Queue empty: poll again later.
                    empty_polls += 1;
                    if empty_polls <= self.poll.spins {
                        std::thread::yield_now();
                    } else {
                        if self.canceller.sleep(sleep) {
                            return Err(Error::new(ErrorKind::Cancelled, "read ksync device"));
                        }
                        sleep = (sleep * 2).min(self.poll.max_sleep);
                    }
                }
                Ok(n) => {
                    self.start = 0;
                    self.end = n.min(self.message.len());
                    return Ok(());
                }
                Err(e) if e.raw_os_error() == Some(ERROR_INSUFFICIENT_BUFFER as i32) => {
                    // The message is still queued: retry at once with twice the room.
                    let grown = self.message.len() * 2;
                    if grown > MAX_MESSAGE_SIZE {
                        return Err(Error::with_kind(
                            ErrorKind::MessageTooLarge,
                            e,
                            "read ksync device",
                        ));
                    }
                    self.message.resize(grown, 0);
                }
                Err(e) => return Err(Error::from_os(e, "read ksync device")),
            }
        }
    }
}

impl<R: DeviceRead> TransportRead for KsyncDeviceReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.start == self.end {
            self.next_message()?;
        }
        let n = buf.len().min(self.end - self.start);
        buf[..n].copy_from_slice(&self.message[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }

    fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    fn framing(&self) -> Framing {
        Framing::Stream
    }
}

/// The write half: writes until the device has consumed every byte (it may take part of a buffer per call).
pub struct KsyncDeviceWriter<W> {
    device: W,
}

impl<W: DeviceWrite> KsyncDeviceWriter<W> {
    /// Wraps one device handle's write side.
    pub fn new(device: W) -> Self {
        KsyncDeviceWriter { device }
    }
}

impl<W: DeviceWrite> TransportWrite for KsyncDeviceWriter<W> {
    fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        // The driver rejects zero-length writes, and there is nothing to send anyway.
        while !buf.is_empty() {
            // A single netlink message over 4096 bytes makes the driver reset its buffer and fail
            // (STATUS_UNSUCCESSFUL → ERROR_GEN_FAILURE): callers keep messages, not writes, under that size.
            let n = self
                .device
                .write_once(buf)
                .map_err(|e| Error::from_os(e, "write ksync device"))?;
            if n == 0 {
                return Err(Error::new(
                    ErrorKind::Other,
                    "ksync device consumed no bytes",
                ));
            }
            buf = &buf[n.min(buf.len())..];
        }
        Ok(())
    }
}

/// A ksync channel over the driver device (or over any [`DeviceRead`] + [`DeviceWrite`] pair that behaves alike).
pub struct KsyncDevice<R, W> {
    reader: KsyncDeviceReader<R>,
    writer: KsyncDeviceWriter<W>,
}

impl<R: DeviceRead, W: DeviceWrite> KsyncDevice<R, W> {
    /// Combines the two sides of one device handle.
    pub fn new(reader: R, writer: W) -> Self {
        KsyncDevice {
            reader: KsyncDeviceReader::new(reader),
            writer: KsyncDeviceWriter::new(writer),
        }
    }

    /// Like [`new`](KsyncDevice::new) with a custom [`PollPolicy`].
    pub fn with_poll_policy(reader: R, writer: W, poll: PollPolicy) -> Self {
        KsyncDevice {
            reader: KsyncDeviceReader::with_poll_policy(reader, poll),
            writer: KsyncDeviceWriter::new(writer),
        }
    }

    /// Separates the halves (the concrete-typed form of [`Transport::split`]).
    pub fn into_split(self) -> (KsyncDeviceReader<R>, KsyncDeviceWriter<W>) {
        (self.reader, self.writer)
    }
}

/// Opens the driver's ksync device at `path` (normally [`DEVICE_PATH`]). Any number of handles may be open; each
/// has its own response queue.
pub fn open(path: &str) -> Result<KsyncDevice<OverlappedReader, OverlappedWriter>> {
    let options = ClientOptions {
        framing: Framing::Stream,
        share_mode: FILE_SHARE_READ | FILE_SHARE_WRITE,
        wait_if_busy: None,
    };
    let (r, w) = pipe_client::open(path, &options)?.into_split();
    Ok(KsyncDevice::new(r, w))
}

impl<R: DeviceRead, W: DeviceWrite> TransportRead for KsyncDevice<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.reader.read(buf)
    }

    fn canceller(&self) -> Canceller {
        self.reader.canceller()
    }

    fn framing(&self) -> Framing {
        Framing::Stream
    }
}

impl<R: DeviceRead, W: DeviceWrite> TransportWrite for KsyncDevice<R, W> {
    fn write_all(&mut self, buf: &[u8]) -> Result<()> {
        self.writer.write_all(buf)
    }
}

impl<R: DeviceRead + 'static, W: DeviceWrite + 'static> Transport for KsyncDevice<R, W> {
    fn split(self: Box<Self>) -> (Box<dyn TransportRead>, Box<dyn TransportWrite>) {
        let (r, w) = self.into_split();
        (Box::new(r), Box::new(w))
    }
}
