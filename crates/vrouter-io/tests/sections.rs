//! Table mappings: the simulator's named section (writer), a client's read-only view, and the driver's IOCTL
//! path through a stand-in device.
#![cfg(windows)]

mod common;

use std::io;
use std::ptr;
use std::thread;
use std::time::{Duration, Instant};

use common::{process_watchdog, section_name};
use vrouter_io::windows::section::{
    virtual_query, DeviceIoctl, DriverTable, SectionReader, SectionWriter, IOCTL_SHMEM_GET_ADDRESS,
};
use vrouter_io::{ErrorKind, TableMapping};
use windows_sys::Win32::System::Memory::{VirtualProtect, PAGE_READONLY, PAGE_READWRITE};

fn write_u64(w: &SectionWriter, index: usize, value: u64) {
    assert!((index + 1) * 8 <= w.len());
    unsafe { ptr::write_volatile(w.as_mut_ptr().cast::<u64>().add(index), value) };
}

fn read_u64(m: &dyn TableMapping, index: usize) -> u64 {
    assert!((index + 1) * 8 <= m.len());
    unsafe { ptr::read_volatile(m.as_ptr().cast::<u64>().add(index)) }
}

#[test]
fn reader_sees_the_writers_live_updates() {
    process_watchdog();
    let name = section_name("flow");
    let len = 1 << 20;
    let writer = SectionWriter::create(&name, len).unwrap();
    let reader = SectionReader::open(&name, len).unwrap();
    assert_eq!(reader.len(), len);
    assert_eq!(read_u64(&reader, 0), 0, "a new section is zero-filled");
    for i in 1..=1000u64 {
        write_u64(&writer, (i as usize * 37) % (len / 8), i);
        assert_eq!(read_u64(&reader, (i as usize * 37) % (len / 8)), i);
    }
    // The last word of the table is reachable too.
    write_u64(&writer, len / 8 - 1, 0xDEAD_BEEF);
    assert_eq!(read_u64(&reader, len / 8 - 1), 0xDEAD_BEEF);
}

#[test]
fn reader_view_cannot_be_written() {
    process_watchdog();
    let name = section_name("ro");
    let writer = SectionWriter::create(&name, 65536).unwrap();
    let reader = SectionReader::open(&name, 65536).unwrap();
    let info = virtual_query(reader.as_ptr()).unwrap();
    assert_eq!(
        info.Protect, PAGE_READONLY,
        "reader pages must be read-only"
    );
    assert_eq!(
        virtual_query(writer.as_ptr()).unwrap().Protect,
        PAGE_READWRITE
    );
    // Nor can it be made writable: the view was mapped with FILE_MAP_READ only.
    let mut old = 0;
    let ok = unsafe { VirtualProtect(reader.as_ptr().cast(), 4096, PAGE_READWRITE, &mut old) };
    assert_eq!(ok, 0, "VirtualProtect made a FILE_MAP_READ view writable");
    assert_eq!(
        virtual_query(reader.as_ptr()).unwrap().Protect,
        PAGE_READONLY
    );
}

#[test]
fn reader_asking_for_more_than_the_section_holds_is_a_size_error() {
    process_watchdog();
    let name = section_name("small");
    let _writer = SectionWriter::create(&name, 64 * 1024).unwrap();
    let err = SectionReader::open(&name, 1 << 20).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
}

#[test]
fn missing_and_duplicate_sections() {
    process_watchdog();
    let name = section_name("dup");
    assert_eq!(
        SectionReader::open(&name, 4096).err().unwrap().kind(),
        ErrorKind::NotFound
    );
    let _w = SectionWriter::create(&name, 4096).unwrap();
    assert_eq!(
        SectionWriter::create(&name, 4096).err().unwrap().kind(),
        ErrorKind::AlreadyExists
    );
    assert_eq!(
        SectionWriter::create(&section_name("zero"), 0)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::InvalidInput
    );
}

/// Stands in for `\\.\vrouterFlow`: answers IOCTL_SHMEM_GET_ADDRESS with a chosen address and reply length.
struct FakeTableDevice {
    address: usize,
    reply_len: Option<usize>,
    calls: Vec<(u32, usize, usize)>,
}

impl DeviceIoctl for FakeTableDevice {
    fn ioctl(&mut self, code: u32, input: &[u8], output: &mut [u8]) -> io::Result<usize> {
        self.calls.push((code, input.len(), output.len()));
        if code != IOCTL_SHMEM_GET_ADDRESS {
            return Err(io::Error::from_raw_os_error(1)); // ERROR_INVALID_FUNCTION
        }
        let bytes = self.address.to_ne_bytes();
        let n = self.reply_len.unwrap_or(bytes.len()).min(output.len());
        output[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }
}

#[test]
fn driver_path_through_a_stand_in_device() {
    process_watchdog();
    // The "driver" maps the table into our process: here, a section view plays that mapping.
    let name = section_name("drv");
    let len = 256 * 1024;
    let table = SectionWriter::create(&name, len).unwrap();
    write_u64(&table, 5, 0x1234_5678);
    let dev = FakeTableDevice {
        address: table.as_ptr() as usize,
        reply_len: None,
        calls: vec![],
    };
    let mapped = DriverTable::from_device(dev, len).unwrap();
    assert_eq!(mapped.as_ptr(), table.as_ptr());
    assert_eq!(mapped.len(), len);
    assert_eq!(read_u64(&mapped, 5), 0x1234_5678);
    write_u64(&table, 6, 77);
    assert_eq!(read_u64(&mapped, 6), 77);
    // A table mapping can be shared across threads like any other.
    let boxed: Box<dyn TableMapping> = Box::new(mapped);
    let boxed = thread::spawn(move || {
        assert_eq!(read_u64(&*boxed, 5), 0x1234_5678);
        boxed
    })
    .join()
    .unwrap();
    drop(boxed);
}

#[test]
fn driver_path_asks_with_the_right_ioctl() {
    process_watchdog();
    let name = section_name("drv-ioctl");
    let table = SectionWriter::create(&name, 4096).unwrap();
    let dev = FakeTableDevice {
        address: table.as_ptr() as usize,
        reply_len: None,
        calls: vec![],
    };
    let dev = DriverTable::from_device(dev, 4096).unwrap().into_device();
    assert_eq!(
        dev.calls,
        [(0x0011_2406, 0, 8)],
        "one IOCTL_SHMEM_GET_ADDRESS, no input, 8-byte output"
    );
}

#[test]
fn driver_answers_that_cannot_be_a_table_are_size_errors() {
    process_watchdog();
    let name = section_name("drv-bad");
    let table = SectionWriter::create(&name, 64 * 1024).unwrap();
    let addr = table.as_ptr() as usize;
    let cases = [
        (
            "short reply",
            FakeTableDevice {
                address: addr,
                reply_len: Some(4),
                calls: vec![],
            },
            4096,
        ),
        (
            "null address",
            FakeTableDevice {
                address: 0,
                reply_len: None,
                calls: vec![],
            },
            4096,
        ),
        (
            "table larger than the mapping",
            FakeTableDevice {
                address: addr,
                reply_len: None,
                calls: vec![],
            },
            1 << 24,
        ),
        (
            "unmapped address",
            FakeTableDevice {
                address: 0x10,
                reply_len: None,
                calls: vec![],
            },
            4096,
        ),
    ];
    for (what, dev, len) in cases {
        let err = DriverTable::from_device(dev, len)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(err.kind(), ErrorKind::TableSize, "{what}: {err}");
    }
}

#[test]
fn cross_thread_writer_reader_sees_progress() {
    process_watchdog();
    let name = section_name("live");
    let writer = SectionWriter::create(&name, 4096).unwrap();
    let reader = SectionReader::open(&name, 4096).unwrap();
    let t = thread::spawn(move || {
        for i in 1..=200u64 {
            write_u64(&writer, 0, i);
            thread::sleep(Duration::from_millis(1));
        }
        writer
    });
    let start = Instant::now();
    let mut seen = 0;
    let mut distinct = 0;
    while seen < 200 && start.elapsed() < Duration::from_secs(20) {
        let v = read_u64(&reader, 0);
        assert!(v >= seen, "values go backwards: {v} after {seen}");
        if v != seen {
            distinct += 1;
            seen = v;
        }
    }
    let _writer = t.join().unwrap();
    assert_eq!(seen, 200);
    assert!(distinct > 1, "the reader only saw the final value");
}
