//! The ksync device layer, driven by a stand-in for the vRouter driver (the real device is unreachable without
//! the driver, e.g. under Wine). The stand-in behaves as PROTOCOL.md §5.3 describes the driver: writes are a byte
//! stream reassembled by nlmsg_len (partial and several messages per write), each complete message is answered
//! before the write returns, a read returns one queued message, 0 bytes when none is queued, and
//! ERROR_INSUFFICIENT_BUFFER (message kept) when the buffer is too small.
#![cfg(windows)]

mod common;

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{frame, frame_seq, process_watchdog, Reassembler};
use vrouter_io::windows::ksync_device::{DeviceRead, DeviceWrite, KsyncDevice, PollPolicy};
use vrouter_io::{Canceller, ErrorKind, Framing, Transport, TransportRead, TransportWrite};
use windows_sys::Win32::Foundation::ERROR_INSUFFICIENT_BUFFER;

#[derive(Default)]
struct Driver {
    reassembly: Vec<u8>,
    queue: VecDeque<Vec<u8>>,
    empty_reads: usize,
    too_small_reads: usize,
    writes: usize,
    // Largest chunk one WriteFile consumes (the real driver takes what fits its 4096-byte buffer).
    max_consumed: usize,
    // Size of the reply to each request; a request's reply is a frame with the same seq.
    reply_len: usize,
}

impl Driver {
    fn process(&mut self) {
        while self.reassembly.len() >= 4 {
            let len = u32::from_le_bytes(self.reassembly[..4].try_into().unwrap()) as usize;
            if self.reassembly.len() < len {
                break;
            }
            let request: Vec<u8> = self.reassembly.drain(..len).collect();
            let reply = frame(frame_seq(&request), self.reply_len);
            self.queue.push_back(reply);
        }
    }
}

#[derive(Clone)]
struct StandIn {
    driver: Arc<Mutex<Driver>>,
    canceller: Canceller,
}

impl StandIn {
    fn new(reply_len: usize, max_consumed: usize) -> Self {
        let driver = Driver {
            reply_len,
            max_consumed,
            ..Driver::default()
        };
        StandIn {
            driver: Arc::new(Mutex::new(driver)),
            canceller: Canceller::new(),
        }
    }

    fn device(&self) -> KsyncDevice<StandIn, StandIn> {
        KsyncDevice::new(self.clone(), self.clone())
    }
}

impl DeviceRead for StandIn {
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut d = self.driver.lock().unwrap();
        let Some(msg) = d.queue.front() else {
            d.empty_reads += 1;
            return Ok(0);
        };
        if msg.len() > buf.len() {
            d.too_small_reads += 1;
            return Err(io::Error::from_raw_os_error(
                ERROR_INSUFFICIENT_BUFFER as i32,
            ));
        }
        let msg = d.queue.pop_front().unwrap();
        buf[..msg.len()].copy_from_slice(&msg);
        Ok(msg.len())
    }

    fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }
}

impl DeviceWrite for StandIn {
    fn write_once(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut d = self.driver.lock().unwrap();
        let n = buf.len().min(d.max_consumed);
        d.reassembly.extend_from_slice(&buf[..n]);
        d.writes += 1;
        d.process();
        Ok(n)
    }
}

#[test]
fn request_and_reply_through_the_device_layer() {
    process_watchdog();
    let fake = StandIn::new(100, 4096);
    let mut dev = fake.device();
    assert_eq!(dev.framing(), Framing::Stream);
    let mut r = Reassembler::default();
    for seq in [1u32, 3, 5] {
        dev.write_all(&frame(seq, 50)).unwrap();
        let reply = r.next(&mut dev).unwrap();
        assert_eq!(frame_seq(&reply), seq);
        assert_eq!(reply.len(), 116);
    }
}

#[test]
fn zero_byte_reads_mean_poll_again_not_eof() {
    process_watchdog();
    let fake = StandIn::new(20, 4096);
    let (mut reader, _writer) = fake.device().into_split();
    let t = thread::spawn(move || {
        Reassembler::default()
            .next(&mut reader)
            .map(|f| frame_seq(&f))
    });
    // The reader finds the queue empty for a while, and must keep polling.
    thread::sleep(Duration::from_millis(100));
    fake.clone().write_once(&frame(42, 8)).unwrap();
    assert_eq!(t.join().unwrap().unwrap(), 42);
    let empties = fake.driver.lock().unwrap().empty_reads;
    assert!(empties >= 3, "expected several empty polls, saw {empties}");
    // Back-off: 100 ms of an empty queue must not be thousands of reads.
    assert!(
        empties < 500,
        "polling too hot: {empties} empty reads in 100 ms"
    );
}

#[test]
fn insufficient_buffer_is_retried_with_a_larger_buffer() {
    process_watchdog();
    let fake = StandIn::new(10_000, 4096);
    let (mut reader, mut writer) = fake.device().into_split();
    writer.write_all(&frame(7, 16)).unwrap();
    let reply = Reassembler::default().next(&mut reader).unwrap();
    assert_eq!(frame_seq(&reply), 7);
    assert_eq!(reply.len(), 10_016);
    let d = fake.driver.lock().unwrap();
    assert!(
        d.too_small_reads >= 1,
        "the stand-in must have refused the first buffer"
    );
    assert!(d.queue.is_empty());
}

#[test]
fn small_caller_buffers_get_the_message_piecewise() {
    process_watchdog();
    let fake = StandIn::new(200, 4096);
    let mut dev = fake.device();
    dev.write_all(&frame(9, 0)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 7];
    while got.len() < 216 {
        let n = dev.read(&mut buf).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, frame(9, 200));
    assert_eq!(
        fake.driver.lock().unwrap().too_small_reads,
        0,
        "the layer reads whole messages, not caller-sized"
    );
}

#[test]
fn partial_writes_are_completed() {
    process_watchdog();
    // The device consumes at most 5 bytes per WriteFile: write_all must keep going.
    let fake = StandIn::new(10, 5);
    let mut dev = fake.device();
    dev.write_all(&frame(11, 100)).unwrap();
    assert!(fake.driver.lock().unwrap().writes >= 116 / 5);
    assert_eq!(
        frame_seq(&Reassembler::default().next(&mut dev).unwrap()),
        11
    );
}

#[test]
fn a_frame_written_in_pieces_and_several_frames_per_write() {
    process_watchdog();
    let fake = StandIn::new(10, 4096);
    let mut dev = fake.device();
    let f = frame(1, 40);
    dev.write_all(&f[..10]).unwrap();
    dev.write_all(&f[10..]).unwrap();
    let bulk: Vec<u8> = [frame(2, 5), frame(3, 500), frame(4, 0)].concat();
    dev.write_all(&bulk).unwrap();
    let mut r = Reassembler::default();
    let seqs: Vec<u32> = (0..4)
        .map(|_| frame_seq(&r.next(&mut dev).unwrap()))
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
}

#[test]
fn polling_is_cancellable() {
    process_watchdog();
    let fake = StandIn::new(10, 4096);
    let dev = KsyncDevice::with_poll_policy(
        fake.clone(),
        fake.clone(),
        PollPolicy {
            spins: 0,
            min_sleep: Duration::from_secs(10),
            max_sleep: Duration::from_secs(10),
        },
    );
    let (mut reader, _w) = Box::new(dev).split();
    let canceller = reader.canceller();
    let t = thread::spawn(move || {
        let start = Instant::now();
        (
            reader.read(&mut [0u8; 16]).unwrap_err().kind(),
            start.elapsed(),
        )
    });
    thread::sleep(Duration::from_millis(100));
    canceller.cancel();
    let (kind, waited) = t.join().unwrap();
    assert_eq!(kind, ErrorKind::Cancelled);
    assert!(
        waited < Duration::from_secs(5),
        "cancel did not interrupt the poll sleep: {waited:?}"
    );
}

#[test]
fn device_errors_are_classified() {
    process_watchdog();
    struct Closing;
    impl DeviceRead for Closing {
        fn read_once(&mut self, _: &mut [u8]) -> io::Result<usize> {
            // What a handle gets after the driver's cleanup (STATUS_PIPE_CLOSING).
            Err(io::Error::from_raw_os_error(
                windows_sys::Win32::Foundation::ERROR_NO_DATA as i32,
            ))
        }
        fn canceller(&self) -> Canceller {
            Canceller::new()
        }
    }
    impl DeviceWrite for Closing {
        fn write_once(&mut self, _: &[u8]) -> io::Result<usize> {
            Ok(0)
        }
    }
    let mut dev = KsyncDevice::new(Closing, Closing);
    assert_eq!(
        dev.read(&mut [0u8; 8]).unwrap_err().kind(),
        ErrorKind::PeerClosed
    );
    assert_eq!(dev.write_all(b"abc").unwrap_err().kind(), ErrorKind::Other);
}
