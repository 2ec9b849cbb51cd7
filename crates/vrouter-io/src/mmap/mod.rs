//! Table mappings on Unix: the flow and bridge tables mapped with `mmap(2)` (PROTOCOL.md §7.1).
//!
//! - [`ReadOnlyTable`]: a reader's view, `PROT_READ` + `MAP_SHARED`, of a table file (DPDK
//!   vRouter's `flow.shmem` or hugepage file, the kernel module's hugepage file, the simulator's
//!   file) or, on Linux, of the kernel module's `/dev/flow` / `/dev/vr_bridge` char device.
//! - [`SharedTable`]: the simulator's writable mapping of a table file it creates.
//!
//! Both hand the table out as `&[AtomicU8]` (through [`shared_bytes`]), the form the readers and
//! writers of [`vrouter_proto::tables`] take for memory that changes under them.
//!
//! # Read-only means read-only
//!
//! A [`ReadOnlyTable`] maps a descriptor opened `O_RDONLY` with `PROT_READ`: a store through its
//! pointer, from Rust or from JavaScript through a buffer made over it, faults (SIGSEGV kills the
//! process), and `mprotect` cannot add `PROT_WRITE` because a shared mapping of a read-only
//! descriptor may never become writable (`EACCES`). Only loads are ever made through it here.
//!
//! # Truncation
//!
//! A mapping does not follow its file's size. If the file is truncated below the mapped length
//! after the mapping was made, touching a page past the new end raises SIGBUS, which kills the
//! process (nothing here installs a handler). That is why sizes are checked *before* mapping and
//! exactly the table's length is mapped: a short file is a [`ErrorKind::TableSize`] error, never a
//! SIGBUS later. After that, the writer must not shrink the file: vRouter never does, and the
//! simulator ([`SharedTable`]) never truncates a file in place (it replaces a leftover file by
//! unlinking it, and it removes files by unlinking them; a mapping keeps an unlinked file's pages).

use std::fs::{File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU8, Ordering};

use vrouter_proto::tables::{
    shared_bytes, TableBytes, TableSink, BRIDGE_ENTRY_SIZE, FLOW_ENTRY_SIZE,
};

use crate::error::{Error, ErrorKind, Result};
use crate::table::TableMapping;

mod huge_pages;

use huge_pages::{ask_for_huge_pages, huge_aligned_address, huge_page_size, page_size};

/// Which of vRouter's two shared tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// The flow table: 256-byte entries, `/dev/flow` (minor 0) on the kernel module.
    Flow,
    /// The bridge table: 64-byte entries, `/dev/vr_bridge` (minor 1) on the kernel module.
    Bridge,
}

impl TableKind {
    /// Bytes per entry.
    pub const fn entry_size(self) -> usize {
        match self {
            TableKind::Flow => FLOW_ENTRY_SIZE as usize,
            TableKind::Bridge => BRIDGE_ENTRY_SIZE as usize,
        }
    }

    /// The node name vRouter's utilities create under `/dev`.
    pub const fn device_name(self) -> &'static str {
        match self {
            TableKind::Flow => "flow",
            TableKind::Bridge => "vr_bridge",
        }
    }

    /// The device minor of router 0 (the kernel numbers them `router_id << 7 | object`, and only
    /// router 0 exists).
    pub const fn minor(self) -> u32 {
        match self {
            TableKind::Flow => 0,
            TableKind::Bridge => 1,
        }
    }
}

/// The size unit [`ReadOnlyTable::open`] checks when it is not told the table kind: the bridge
/// entry, which also divides the flow entry.
const ANY_ENTRY_SIZE: usize = BRIDGE_ENTRY_SIZE as usize;

/// One `mmap` region, unmapped on drop.
#[derive(Debug)]
struct Mapping {
    ptr: NonNull<u8>,
    /// The table's bytes.
    len: usize,
    /// What `munmap` must be given: `len`, or on hugetlbfs `len` rounded up to the huge page
    /// size (there the kernel maps whole huge pages and refuses to unmap part of one).
    unmap_len: usize,
}

// SAFETY: the region is process-wide memory owned by this value; all access goes through atomics
// (or raw pointers whose users take responsibility), so sharing or moving it between threads is fine.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `file` from offset 0, shared, with `prot`. `huge_pages`: a regular
    /// file, whose mapping is aligned to and asks for transparent huge pages (not a device's).
    fn new(file: &File, len: usize, prot: libc::c_int, path: &Path, huge_pages: bool) -> Result<Self> {
        if len == 0 || len > isize::MAX as usize {
            return Err(Error::new(
                ErrorKind::TableSize,
                format!("{}: cannot map a table of {len} bytes", path.display()),
            ));
        }
        let huge = huge_page_size(file);
        let transparent = huge_pages && huge.is_none();
        let at = if transparent { huge_aligned_address(len) } else { None };
        // SAFETY: a fresh mapping at an address of the kernel's choosing, or over the part of a
        // reservation this function just made (nothing else uses it); the descriptor is valid
        // for the call (the mapping outlives it, as mmap(2) allows).
        let addr = unsafe {
            libc::mmap(
                at.map_or(std::ptr::null_mut(), |a| a.cast()),
                len,
                prot,
                libc::MAP_SHARED | if at.is_some() { libc::MAP_FIXED } else { 0 },
                file.as_raw_fd(),
                0,
            )
        };
        if let Some(a) = at {
            if addr == libc::MAP_FAILED {
                // SAFETY: the reservation made for the table, unused.
                unsafe { libc::munmap(a.cast(), len.next_multiple_of(page_size())) };
            }
        }
        if addr == libc::MAP_FAILED {
            let err = io::Error::last_os_error();
            let context = format!("mmap {len} bytes of {}", path.display());
            // A char device refuses a mapping longer than its table with EINVAL (vRouter's
            // mem_dev_mmap); for a file, sizes were checked before, so EINVAL is unexpected.
            return Err(if err.raw_os_error() == Some(libc::EINVAL) {
                Error::with_kind(ErrorKind::TableSize, err, context)
            } else {
                Error::from_os(err, context)
            });
        }
        let ptr = NonNull::new(addr.cast::<u8>())
            .ok_or_else(|| Error::new(ErrorKind::Other, "mmap returned a null address"))?;
        let unmap_len = len.next_multiple_of(huge.unwrap_or(1));
        if transparent {
            ask_for_huge_pages(addr.cast(), len);
        }
        Ok(Mapping {
            ptr,
            len,
            unmap_len,
        })
    }

    fn atomic_bytes(&self) -> &[AtomicU8] {
        // SAFETY: the region is mapped (readable) for `len <= isize::MAX` bytes while `self`
        // lives, and this crate makes no `&[u8]` / `&mut [u8]` over it.
        unsafe { shared_bytes(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: exactly the region mmap returned, unmapped once. Borrowed views cannot outlive
        // the owner, so nothing in safe code still points into it.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.unmap_len) };
    }
}

/// A read-only, live view of a flow or bridge table (see the [module docs](self) for why writes
/// fault and what truncating the file underneath would do).
///
/// Read it through [`bytes`](Self::bytes) (relaxed atomic byte loads: concurrent writes by the
/// datapath give stale or torn values at worst, never undefined behaviour), or pass the table
/// itself to the `vrouter_proto::tables` readers, which it implements [`TableBytes`] for.
#[derive(Debug)]
pub struct ReadOnlyTable {
    map: Mapping,
}

impl ReadOnlyTable {
    /// Maps the table file at `path` (`ftable_file_path` / `btable_file_path` from the table
    /// query) read-only.
    ///
    /// With `expected_len` (`ftable_size` / `btable_size`), exactly that many bytes are mapped;
    /// the file may be longer (hugepage files are rounded up to whole pages) but not shorter.
    /// Without it, the whole file is mapped. Not knowing the table kind, this checks lengths
    /// against 64 bytes, the bridge entry, which also divides the flow entry; use
    /// [`open_as`](Self::open_as) for the exact check.
    ///
    /// Errors: [`ErrorKind::TableSize`] for an empty file, a file shorter than `expected_len`, or a
    /// length (expected, or the file's when none is expected) that is zero or not a whole number
    /// of entries; [`ErrorKind::InvalidInput`] for a path that is not a regular file; the
    /// classified OS error if it cannot be opened.
    pub fn open(path: impl AsRef<Path>, expected_len: Option<usize>) -> Result<Self> {
        open_file(path.as_ref(), expected_len, ANY_ENTRY_SIZE)
    }

    /// [`open`](Self::open), checking lengths against `kind`'s entry size.
    pub fn open_as(
        path: impl AsRef<Path>,
        kind: TableKind,
        expected_len: Option<usize>,
    ) -> Result<Self> {
        open_file(path.as_ref(), expected_len, kind.entry_size())
    }

    /// The Linux kernel module's way (vRouter's `vr_table_map`): makes sure `dev_dir/flow`
    /// (minor 0) or `dev_dir/vr_bridge` (minor 1) is a char device node with `major`
    /// (`ftable_dev` / `btable_dev` from the table query), creating it with `mknod` if it is
    /// missing, then maps `len` bytes of it read-only. `dev_dir` is `/dev` outside tests.
    ///
    /// The device's size cannot be read beforehand; the module itself refuses a mapping longer
    /// than its table (reported as [`ErrorKind::TableSize`]).
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for major 0 or 65535 (the module reported no device:
    /// the table lives in a file, open its path instead); [`ErrorKind::TableSize`] for a `len`
    /// that is zero or not a whole number of entries; see
    /// [`open_char_device`](Self::open_char_device) for the rest.
    #[cfg(target_os = "linux")]
    pub fn open_device(kind: TableKind, major: u32, dev_dir: &Path, len: usize) -> Result<Self> {
        // ftable_dev is a u16 that reads 65535 when the module has no device (-1), and the
        // utilities take 0 to mean "use the file path".
        if major == 0 || major == u32::from(u16::MAX) {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("no char device for the {kind:?} table (major {major}): map its file path"),
            ));
        }
        check_len_is_entries(len, kind.entry_size(), "table length")?;
        Self::open_char_device(&dev_dir.join(kind.device_name()), major, kind.minor(), len)
    }

    /// Makes sure `path` is char device `major:minor` (creating it, mode 0600, if missing), opens
    /// it `O_RDONLY | O_SYNC` as vRouter's utilities do, and maps `len` bytes read-only.
    ///
    /// Errors: [`ErrorKind::AlreadyExists`] when `path` exists but is something else (a stale
    /// node from an earlier module load has another major); [`ErrorKind::PermissionDenied`]
    /// without the right to create device nodes; [`ErrorKind::TableSize`] when the device
    /// refuses a mapping of `len` bytes.
    #[cfg(target_os = "linux")]
    pub fn open_char_device(path: &Path, major: u32, minor: u32, len: usize) -> Result<Self> {
        make_char_node(path, libc::makedev(major, minor))?;
        // Checked before opening, so that opening cannot block (a FIFO) or have side effects (a
        // tty), and again on the open descriptor, so that a node swapped meanwhile cannot slip
        // through.
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::from_os(e, format!("stat {}", path.display())))?;
        check_node(path, &meta, major, minor)?;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_SYNC)
            .open(path)
            .map_err(|e| Error::from_os(e, format!("open {}", path.display())))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::from_os(e, format!("fstat {}", path.display())))?;
        check_node(path, &meta, major, minor)?;
        let map = Mapping::new(&file, len, libc::PROT_READ, path, false)?;
        Ok(ReadOnlyTable { map })
    }

    /// The table as atomics. Private: a store through it would fault (see the [module
    /// docs](self)), so readers get the table only through [`TableBytes`] and [`copy_into`](Self::copy_into).
    fn bytes(&self) -> &[AtomicU8] {
        self.map.atomic_bytes()
    }
}

impl TableMapping for ReadOnlyTable {
    fn as_ptr(&self) -> *const u8 {
        self.map.ptr.as_ptr()
    }

    fn len(&self) -> usize {
        self.map.len
    }
}

impl ReadOnlyTable {
    /// Copies `dst.len()` bytes from `offset` (byte by byte, as concurrent writes may tear).
    pub fn copy_into(&self, offset: usize, dst: &mut [u8]) {
        self.bytes().read_into(offset, dst);
    }
}

/// Lets the table readers take the mapping itself, so that a reader never holds a view it could
/// store through.
impl TableBytes for ReadOnlyTable {
    fn byte_len(&self) -> usize {
        self.map.len
    }

    fn read_into(&self, offset: usize, dst: &mut [u8]) {
        self.bytes().read_into(offset, dst);
    }

    fn acquire_fence(&self) {
        fence(Ordering::Acquire);
    }

    fn prefetch(&self, offset: usize, len: usize) {
        self.bytes().prefetch(offset, len);
    }
}

/// The simulator's side: a table file it creates and writes, mapped `PROT_READ | PROT_WRITE`,
/// `MAP_SHARED`, so that readers mapping the same file see every write.
///
/// Dropping it unmaps the table; the file stays, for readers, until its owner removes it.
#[derive(Debug)]
pub struct SharedTable {
    map: Mapping,
}

impl SharedTable {
    /// Creates the regular file `path` of exactly `len` bytes, all zero (a sparse file: pages
    /// take space as they are first written), mode 0644 whatever the umask, so that agents
    /// running as other users can map it, and maps it for writing.
    ///
    /// A file already at `path` is unlinked first, not truncated: a reader still mapping it keeps
    /// its (now stale) pages instead of getting SIGBUS. The new file is created exclusively, so a
    /// symlink planted at `path` in between is not followed.
    ///
    /// Errors: [`ErrorKind::TableSize`] for `len` 0; classified OS errors otherwise.
    pub fn create(path: impl AsRef<Path>, len: usize) -> Result<Self> {
        let path = path.as_ref();
        if len == 0 {
            return Err(Error::new(
                ErrorKind::TableSize,
                format!("{}: a table file cannot be empty", path.display()),
            ));
        }
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::from_os(e, format!("remove old {}", path.display()))),
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(path)
            .map_err(|e| Error::from_os(e, format!("create {}", path.display())))?;
        let setup = file
            .set_permissions(Permissions::from_mode(0o644))
            .and_then(|()| file.set_len(len as u64));
        if let Err(e) = setup {
            let _ = std::fs::remove_file(path);
            return Err(Error::from_os(e, format!("size {}", path.display())));
        }
        let map = Mapping::new(&file, len, libc::PROT_READ | libc::PROT_WRITE, path, true).inspect_err(
            |_| {
                let _ = std::fs::remove_file(path);
            },
        )?;
        Ok(SharedTable { map })
    }

    /// The table as atomics, for reads and writes (every access a relaxed atomic byte operation,
    /// so readers in this process may read concurrently).
    pub fn bytes(&self) -> &[AtomicU8] {
        self.map.atomic_bytes()
    }
}

impl TableMapping for SharedTable {
    fn as_ptr(&self) -> *const u8 {
        self.map.ptr.as_ptr()
    }

    fn len(&self) -> usize {
        self.map.len
    }
}

/// Lets `FlowTableWriter` / `BridgeTableWriter` own the mapping they write (no borrow to keep
/// alive next to it). Writes go through the `&[AtomicU8]` sink.
impl TableSink for SharedTable {
    type Bytes = [AtomicU8];

    fn bytes(&self) -> &[AtomicU8] {
        self.map.atomic_bytes()
    }

    fn write(&mut self, offset: usize, src: &[u8]) {
        let mut view = self.map.atomic_bytes();
        TableSink::write(&mut view, offset, src);
    }

    fn release_fence(&self) {
        fence(Ordering::Release);
    }
}

fn open_file(path: &Path, expected_len: Option<usize>, entry_size: usize) -> Result<ReadOnlyTable> {
    let file =
        File::open(path).map_err(|e| Error::from_os(e, format!("open {}", path.display())))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::from_os(e, format!("fstat {}", path.display())))?;
    if !meta.file_type().is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file (a table device is opened with open_device)",
                path.display()
            ),
        ));
    }
    let len = mapped_len(path, meta.len(), expected_len, entry_size)?;
    let map = Mapping::new(&file, len, libc::PROT_READ, path, true)?;
    Ok(ReadOnlyTable { map })
}

/// How many bytes to map of a file of `file_len` bytes, or why none.
fn mapped_len(
    path: &Path,
    file_len: u64,
    expected_len: Option<usize>,
    entry_size: usize,
) -> Result<usize> {
    let size_error =
        |what: String| Error::new(ErrorKind::TableSize, format!("{}: {what}", path.display()));
    if let Some(expected) = expected_len {
        check_len_is_entries(expected, entry_size, "expected table length")
            .map_err(|e| e.in_context(path.display().to_string()))?;
    }
    if file_len == 0 {
        return Err(size_error("the table file is empty".into()));
    }
    match expected_len {
        Some(expected) if file_len < expected as u64 => Err(size_error(format!(
            "the file holds {file_len} bytes, the table needs {expected}"
        ))),
        Some(expected) => Ok(expected),
        None if file_len % entry_size as u64 != 0 => Err(size_error(format!(
            "the file holds {file_len} bytes, not a whole number of {entry_size}-byte entries"
        ))),
        None => usize::try_from(file_len)
            .map_err(|_| size_error(format!("{file_len} bytes do not fit this address space"))),
    }
}

fn check_len_is_entries(len: usize, entry_size: usize, what: &str) -> Result<()> {
    if len == 0 || len % entry_size != 0 {
        return Err(Error::new(
            ErrorKind::TableSize,
            format!("{what} {len} is not a positive whole number of {entry_size}-byte entries"),
        ));
    }
    Ok(())
}

/// Creates char device node `path` with `dev` unless something already exists there (the caller
/// checks what, on the opened descriptor).
#[cfg(target_os = "linux")]
fn make_char_node(path: &Path, dev: libc::dev_t) -> Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("{} contains a NUL byte", path.display()),
        )
    })?;
    // 0600: the table is the datapath's state; vRouter's utilities create theirs root-only too.
    // SAFETY: NUL-terminated path; mknod only reads it.
    let rc = unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o600, dev) };
    if rc != 0 {
        let err = io::Error::last_os_error();
        // EEXIST: it was there already, or another reader made it first; checked after open.
        if err.raw_os_error() != Some(libc::EEXIST) {
            return Err(Error::from_os(err, format!("mknod {}", path.display())));
        }
    }
    Ok(())
}

/// `meta` (of `path`) is char device `major:minor`, or [`ErrorKind::AlreadyExists`] saying what
/// it is instead.
#[cfg(target_os = "linux")]
fn check_node(path: &Path, meta: &std::fs::Metadata, major: u32, minor: u32) -> Result<()> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    let ft = meta.file_type();
    let rdev = meta.rdev();
    if ft.is_char_device() && rdev == libc::makedev(major, minor) {
        return Ok(());
    }
    let found = if ft.is_char_device() {
        format!(
            "it is char device {}:{}",
            libc::major(rdev),
            libc::minor(rdev)
        )
    } else if ft.is_file() {
        "it is a regular file".into()
    } else {
        format!("its mode is {:o}", meta.mode())
    };
    Err(Error::new(
        ErrorKind::AlreadyExists,
        format!(
            "{} exists but is not char device {major}:{minor} ({found}); remove it",
            path.display()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len_of(file_len: u64, expected: Option<usize>) -> Result<usize> {
        mapped_len(Path::new("t"), file_len, expected, 256)
    }

    #[test]
    fn mapped_len_rules() {
        assert_eq!(len_of(1024, None).unwrap(), 1024);
        assert_eq!(
            len_of(4096, Some(1024)).unwrap(),
            1024,
            "longer files are fine"
        );
        for (file, expected) in [
            (0, None),
            (0, Some(256)),
            (100, None),
            (512, Some(768)),
            (1024, Some(0)),
            (1024, Some(300)),
        ] {
            let err = len_of(file, expected).unwrap_err();
            assert_eq!(
                err.kind(),
                ErrorKind::TableSize,
                "{file} {expected:?}: {err}"
            );
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(
            (
                TableKind::Flow.device_name(),
                TableKind::Flow.minor(),
                TableKind::Flow.entry_size()
            ),
            ("flow", 0, 256)
        );
        assert_eq!(
            (
                TableKind::Bridge.device_name(),
                TableKind::Bridge.minor(),
                TableKind::Bridge.entry_size()
            ),
            ("vr_bridge", 1, 64)
        );
    }
}
