//! Where a table mapping gets huge pages: a 2 MiB-aligned place for ordinary (tmpfs) files so that transparent huge
//! pages can back them, the advice that asks for them, and the page size of hugetlbfs files. vRouter's own tables
//! live in huge pages; a reader that misses the TLB every 4 KiB scans and looks up measurably slower.

use std::fs::File;
#[cfg(target_os = "linux")]
use std::os::fd::AsRawFd;

/// Bytes of a PMD-sized (transparent) huge page on x86-64 and arm64 with 4 KiB pages.
#[cfg(target_os = "linux")]
const PMD_SIZE: usize = 2 << 20;

pub(super) fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

/// For a table of at least a huge page: an address aligned to [`PMD_SIZE`] where `len` bytes
/// are free, reserved (`PROT_NONE`) for the caller to map over with `MAP_FIXED`. A file mapping
/// can only be given huge pages (by the kernel's page tables) where its address and file offset
/// agree modulo the huge page size; the kernel does not align mappings of ordinary (tmpfs) files
/// by itself. `None`: small table, or no reservation (the caller maps anywhere).
#[cfg(target_os = "linux")]
pub(super) fn huge_aligned_address(len: usize) -> Option<*mut u8> {
    if len < PMD_SIZE {
        return None;
    }
    let span = len.checked_add(PMD_SIZE)?;
    // SAFETY: a fresh anonymous reservation at an address of the kernel's choosing.
    let base = unsafe {
        libc::mmap(std::ptr::null_mut(), span, libc::PROT_NONE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE, -1, 0)
    };
    if base == libc::MAP_FAILED {
        return None;
    }
    let base = base.cast::<u8>();
    let head = base.align_offset(PMD_SIZE);
    let used = len.next_multiple_of(page_size());
    // SAFETY: the parts of the reservation before the aligned start and after its `used` bytes,
    // both inside the reservation just made (`head + used <= span`, page-aligned).
    unsafe {
        if head > 0 {
            libc::munmap(base.cast(), head);
        }
        if span - head - used > 0 {
            libc::munmap(base.add(head + used).cast(), span - head - used);
        }
    }
    // SAFETY: `head < PMD_SIZE`, inside the reservation.
    Some(unsafe { base.add(head) })
}

#[cfg(not(target_os = "linux"))]
pub(super) fn huge_aligned_address(_len: usize) -> Option<*mut u8> {
    None
}

/// Asks for the table's mapping to be backed by transparent huge pages: a scan or lookup then
/// misses the TLB once per 2 MiB rather than once per 4 KiB. `MADV_HUGEPAGE` marks the range;
/// `MADV_COLLAPSE` (Linux 6.1) turns the file's pages into huge ones now, whatever the machine's
/// THP defaults say (unless set to `deny`), and so helps every process mapping the file. Both are
/// hints: on older kernels or other file systems they fail and the mapping stays as it was.
#[cfg(target_os = "linux")]
pub(super) fn ask_for_huge_pages(addr: *mut u8, len: usize) {
    const MADV_COLLAPSE: libc::c_int = 25;
    if len < PMD_SIZE || addr.align_offset(PMD_SIZE) != 0 {
        return;
    }
    // SAFETY: advice on a range this process has just mapped; it changes no contents.
    unsafe {
        libc::madvise(addr.cast(), len, libc::MADV_HUGEPAGE);
        libc::madvise(addr.cast(), len, MADV_COLLAPSE);
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn ask_for_huge_pages(_addr: *mut u8, _len: usize) {}

/// The huge page size when `file` lives on hugetlbfs (DPDK's and the kernel hugepage variant's
/// table files), else `None`.
#[cfg(target_os = "linux")]
pub(super) fn huge_page_size(file: &File) -> Option<usize> {
    /// `HUGETLBFS_MAGIC` (linux/magic.h); compared on 32 bits because `f_type`'s width and
    /// signedness differ between targets.
    const HUGETLBFS_MAGIC: u32 = 0x9584_58f6;
    // SAFETY: statfs is plain data; all zeroes is a valid value.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and a buffer of the right type.
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut st) } != 0 {
        return None;
    }
    let bsize = usize::try_from(st.f_bsize).ok()?;
    (st.f_type as u32 == HUGETLBFS_MAGIC && bsize.is_power_of_two()).then_some(bsize)
}

#[cfg(not(target_os = "linux"))]
pub(super) fn huge_page_size(_file: &File) -> Option<usize> {
    None
}
