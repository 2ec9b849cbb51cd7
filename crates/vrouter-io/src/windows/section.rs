//! Table mappings on Windows: the flow and bridge tables, mapped into this process.
//!
//! Three ways, one trait ([`TableMapping`]):
//! - [`SectionWriter`]: a named section the simulator creates and writes (CreateFileMappingW + MapViewOfFile);
//! - [`SectionReader`]: a client's read-only view of such a section (OpenFileMappingW(FILE_MAP_READ));
//! - [`DriverTable`]: the driver's way (PROTOCOL.md §5.3): open `\\.\vrouterFlow` / `\\.\vrouterBridge`, which
//!   maps the table into the calling process, then IOCTL_SHMEM_GET_ADDRESS returns its address. The IOCTL goes
//!   through the [`DeviceIoctl`] trait so tests can stand in for the driver.
//!
//! Every way checks that the memory really covers the table size the caller expects (from `vr_flow_table_data`),
//! by walking the regions with VirtualQuery, and fails with [`ErrorKind::TableSize`] otherwise.

use std::io;

use windows_sys::Win32::Foundation::{GetLastError, ERROR_ALREADY_EXISTS, INVALID_HANDLE_VALUE};
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, OpenFileMappingW, UnmapViewOfFile, VirtualQuery,
    FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION, MEMORY_MAPPED_VIEW_ADDRESS,
    MEM_COMMIT, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY, PAGE_READONLY,
    PAGE_READWRITE, PAGE_WRITECOPY,
};

use super::file::OverlappedFile;
use super::handle::{wide, OwnedHandle};
use super::pipe_client::{self, ClientOptions};
use super::security::OwnerOnlySecurity;
use crate::error::{Error, ErrorKind, Result};
use crate::table::TableMapping;
use crate::transport::Framing;

/// The driver's flow-table device.
pub const FLOW_DEVICE_PATH: &str = r"\\.\vrouterFlow";
/// The driver's bridge-table device.
pub const BRIDGE_DEVICE_PATH: &str = r"\\.\vrouterBridge";
/// CTL_CODE(FILE_DEVICE_NAMED_PIPE, 0x901, METHOD_OUT_DIRECT, FILE_ANY_ACCESS): no input, output = the address
/// (exactly pointer-sized) of the table as mapped into the caller.
pub const IOCTL_SHMEM_GET_ADDRESS: u32 = 0x0011_2406;

/// A mapped view, unmapped on drop.
struct View {
    base: *mut u8,
}

impl Drop for View {
    fn drop(&mut self) {
        // SAFETY: base came from MapViewOfFile and is unmapped once.
        unsafe {
            UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS {
                Value: self.base.cast(),
            })
        };
    }
}

/// The simulator's side: a named section it creates, sized for a table, writable, readable by clients.
pub struct SectionWriter {
    view: View,
    len: usize,
    _section: OwnedHandle,
}

// SAFETY: the view is process-wide memory; synchronisation of its contents is the users' business (as with the
// real driver's table, which the datapath writes while readers read).
unsafe impl Send for SectionWriter {}
// SAFETY: as above.
unsafe impl Sync for SectionWriter {}

impl SectionWriter {
    /// Creates section `name` (e.g. `Local\vrouter-sim-1234-flow`) of `len` bytes, zero-filled, accessible to
    /// SYSTEM, Administrators and the current user only. Fails with [`ErrorKind::AlreadyExists`] if the name is
    /// taken (never shares someone else's section).
    pub fn create(name: &str, len: usize) -> Result<Self> {
        if len == 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "a table section cannot be empty",
            ));
        }
        let wname = wide(name)?;
        let security = OwnerOnlySecurity::new()?;
        let size = len as u64;
        // SAFETY: pagefile-backed (INVALID_HANDLE_VALUE); name NUL-terminated; attributes valid for the call.
        let h = unsafe {
            CreateFileMappingW(
                INVALID_HANDLE_VALUE,
                security.as_ptr(),
                PAGE_READWRITE,
                (size >> 32) as u32,
                size as u32,
                wname.as_ptr(),
            )
        };
        // Read before anything else can overwrite it: success with ERROR_ALREADY_EXISTS means "opened theirs".
        // SAFETY: plain call.
        let existed = !h.is_null() && unsafe { GetLastError() } == ERROR_ALREADY_EXISTS;
        let section = OwnedHandle::from_null_result(h)
            .map_err(|e| Error::from_os(e, format!("create section {name}")))?;
        if existed {
            return Err(Error::with_kind(
                ErrorKind::AlreadyExists,
                io::Error::from_raw_os_error(ERROR_ALREADY_EXISTS as i32),
                format!("create section {name}"),
            ));
        }
        let view = map(&section, FILE_MAP_READ | FILE_MAP_WRITE, len, name)?;
        Ok(SectionWriter {
            view,
            len,
            _section: section,
        })
    }

    /// First byte, for writing.
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.view.base
    }
}

impl TableMapping for SectionWriter {
    fn as_ptr(&self) -> *const u8 {
        self.view.base
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// A client's read-only view of a section served by the simulator. Writes through it are impossible: the view
/// is mapped with FILE_MAP_READ, so its pages are PAGE_READONLY and cannot be made writable.
pub struct SectionReader {
    view: View,
    len: usize,
    _section: OwnedHandle,
}

// SAFETY: read-only process-wide memory.
unsafe impl Send for SectionReader {}
// SAFETY: as above.
unsafe impl Sync for SectionReader {}

impl SectionReader {
    /// Opens section `name` read-only and checks that it holds at least `len` bytes.
    pub fn open(name: &str, len: usize) -> Result<Self> {
        let wname = wide(name)?;
        // SAFETY: name NUL-terminated.
        let h = unsafe { OpenFileMappingW(FILE_MAP_READ, 0, wname.as_ptr()) };
        let section = OwnedHandle::from_null_result(h)
            .map_err(|e| Error::from_os(e, format!("open section {name}")))?;
        // Map the whole section (length 0): asking for more than it has would only give an unhelpful error.
        let view = map(&section, FILE_MAP_READ, 0, name)?;
        check_region(view.base, len).map_err(|e| e.in_context(format!("section {name}")))?;
        Ok(SectionReader {
            view,
            len,
            _section: section,
        })
    }
}

impl TableMapping for SectionReader {
    fn as_ptr(&self) -> *const u8 {
        self.view.base
    }

    fn len(&self) -> usize {
        self.len
    }
}

fn map(section: &OwnedHandle, access: u32, len: usize, name: &str) -> Result<View> {
    // SAFETY: valid section handle; offset 0.
    let addr = unsafe { MapViewOfFile(section.raw(), access, 0, 0, len) };
    if addr.Value.is_null() {
        return Err(Error::from_os(
            io::Error::last_os_error(),
            format!("map section {name}"),
        ));
    }
    Ok(View {
        base: addr.Value.cast(),
    })
}

/// One DeviceIoControl call on a device handle.
pub trait DeviceIoctl: Send {
    /// Sends `code` with `input`, receives into `output`; returns the bytes written to `output`.
    fn ioctl(&mut self, code: u32, input: &[u8], output: &mut [u8]) -> io::Result<usize>;
}

impl DeviceIoctl for OverlappedFile {
    fn ioctl(&mut self, code: u32, input: &[u8], output: &mut [u8]) -> io::Result<usize> {
        self.ioctl_raw(code, input, output)
    }
}

/// A table mapped by the driver into this process. The mapping lives as long as the device handle, which this
/// object keeps open.
pub struct DriverTable<D> {
    device: D,
    base: *const u8,
    len: usize,
}

// SAFETY: the mapping is process-wide memory; D is Send.
unsafe impl<D: Send> Send for DriverTable<D> {}
// SAFETY: shared access only reads the pointer and length; nothing reaches the device through &self (it is only
// kept so that its handle, and with it the mapping, stays open).
unsafe impl<D: Send> Sync for DriverTable<D> {}

impl DriverTable<OverlappedFile> {
    /// Opens the table device at `path` ([`FLOW_DEVICE_PATH`] or [`BRIDGE_DEVICE_PATH`]) and gets its mapping,
    /// which must cover `len` bytes (`ftable_size` / `btable_size` from the table query).
    pub fn open(path: &str, len: usize) -> Result<Self> {
        let options = ClientOptions {
            framing: Framing::Stream,
            share_mode: 0,
            wait_if_busy: None,
        };
        let device = pipe_client::open(path, &options)?;
        DriverTable::from_device(device, len)
    }
}

impl<D: DeviceIoctl> DriverTable<D> {
    /// Asks `device` for its table address (IOCTL_SHMEM_GET_ADDRESS) and checks the answer: exactly
    /// pointer-sized, not null, and readable memory covering `len` bytes.
    pub fn from_device(mut device: D, len: usize) -> Result<Self> {
        let mut out = [0u8; std::mem::size_of::<usize>()];
        let n = device
            .ioctl(IOCTL_SHMEM_GET_ADDRESS, &[], &mut out)
            .map_err(|e| Error::from_os(e, "IOCTL_SHMEM_GET_ADDRESS"))?;
        if n != out.len() {
            return Err(Error::new(
                ErrorKind::TableSize,
                format!(
                    "IOCTL_SHMEM_GET_ADDRESS returned {n} bytes, expected {}",
                    out.len()
                ),
            ));
        }
        let base = usize::from_ne_bytes(out) as *const u8;
        if base.is_null() {
            return Err(Error::new(
                ErrorKind::TableSize,
                "IOCTL_SHMEM_GET_ADDRESS returned a null address",
            ));
        }
        check_region(base, len).map_err(|e| e.in_context("driver table".into()))?;
        Ok(DriverTable { device, base, len })
    }

    /// Gives the device handle back; the mapping is gone once it is closed.
    pub fn into_device(self) -> D {
        self.device
    }
}

impl<D: Send> TableMapping for DriverTable<D> {
    fn as_ptr(&self) -> *const u8 {
        self.base
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Checks that `[base, base + len)` is committed, readable memory (possibly several regions).
fn check_region(base: *const u8, len: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::new(ErrorKind::InvalidInput, "table length 0"));
    }
    let readable = PAGE_READONLY
        | PAGE_READWRITE
        | PAGE_WRITECOPY
        | PAGE_EXECUTE_READ
        | PAGE_EXECUTE_READWRITE
        | PAGE_EXECUTE_WRITECOPY;
    let mut covered = 0usize;
    // The view (or the driver's mapping) is one allocation; memory after it that happens to be
    // readable belongs to something else and must not count.
    let mut allocation = None;
    while covered < len {
        let at = base.wrapping_add(covered);
        let info = virtual_query(at)
            .map_err(|e| Error::with_kind(ErrorKind::TableSize, e, "VirtualQuery"))?;
        let same_allocation = *allocation.get_or_insert(info.AllocationBase) == info.AllocationBase;
        if !same_allocation || info.State != MEM_COMMIT || info.Protect & readable == 0 {
            return Err(Error::new(
                ErrorKind::TableSize,
                format!("table needs {len} bytes but only {covered} are mapped readable"),
            ));
        }
        // RegionSize counts from the page containing `at`.
        let region_end = info.BaseAddress as usize + info.RegionSize;
        covered = region_end - base as usize;
    }
    Ok(())
}

/// VirtualQuery of the region holding `addr`: its state, protection and extent.
pub fn virtual_query(addr: *const u8) -> io::Result<MEMORY_BASIC_INFORMATION> {
    // SAFETY: MEMORY_BASIC_INFORMATION is plain data.
    let mut info: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: VirtualQuery accepts any address and writes at most size_of(info) bytes.
    let n = unsafe {
        VirtualQuery(
            addr.cast(),
            &mut info,
            std::mem::size_of::<MEMORY_BASIC_INFORMATION>(),
        )
    };
    if n == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(info)
}
