//! How the table code reaches the bytes of a table: plain slices, or memory that another process
//! (or thread) writes while we read.
//!
//! # Why not just `&[u8]`
//!
//! A Rust `&[u8]` promises that nobody changes the bytes while the reference lives. A table mapped
//! from vRouter (or from the simulator in another thread) breaks that promise: the datapath writes
//! entries at any time, and a `&[u8]` over such a mapping is undefined behaviour however careful
//! the reads are. `ptr::read_volatile` does not help: Rust treats racing volatile accesses like
//! any other data race.
//!
//! So every reader in [`tables`](super) is generic over [`TableBytes`], implemented for two
//! shapes:
//!
//! - `[u8]`: a buffer this process owns and nobody else writes (a copy, a test fixture, a file
//!   read into memory). Reads are plain copies.
//! - `[AtomicU8]`: live shared memory. Every byte is read with a relaxed atomic load, which is
//!   defined behaviour whatever the other side writes concurrently: at worst a reader sees stale
//!   or torn *values*, which [`read_flow_entry`](super::read_flow_entry) and the lookups are
//!   written to tolerate. A mapping becomes such a slice through [`shared_bytes`], the one
//!   `unsafe` step, taken by the I/O crate that owns the mapping. Byte-sized relaxed loads are
//!   also sound on read-only (`PROT_READ`) mappings, which is how tables are mapped.
//!
//! Writers go through [`TableSink`], implemented for `&mut [u8]` (exclusive buffer) and
//! `&[AtomicU8]` (shared memory that readers in this process may be reading at the same time).

use std::sync::atomic::{fence, AtomicU8, Ordering};

/// Read access to the bytes of a table (or of one entry).
///
/// Offsets are absolute within the slice; reading past the end panics, so callers check ranges
/// first (every reader in this module does, against the table's length).
pub trait TableBytes {
    /// Bytes available.
    fn byte_len(&self) -> usize;

    /// Copies `dst.len()` bytes starting at `offset` into `dst`.
    ///
    /// # Panics
    ///
    /// If `offset + dst.len()` is past [`byte_len`](Self::byte_len).
    fn read_into(&self, offset: usize, dst: &mut [u8]);

    /// Orders the loads before this call ahead of the loads after it. A no-op for memory nobody
    /// else writes; an acquire fence for shared memory, so that a re-validation really happens
    /// after the copy it validates.
    fn acquire_fence(&self) {}

    /// Hints that the bytes at `offset..offset + len` will be read soon (a scan asks for entries
    /// a few ahead of the one it reads). Never a memory access itself; a no-op by default.
    #[inline]
    fn prefetch(&self, _offset: usize, _len: usize) {}

    /// [`prefetch`](Self::prefetch) into the outer caches (L2 and beyond) rather than L1, for
    /// bytes read after those asked for with `prefetch`: a scan asks this way for the flags of
    /// entries further ahead. A no-op by default.
    #[inline]
    fn prefetch_outer(&self, _offset: usize, _len: usize) {}

    /// Whether the 64 bytes at `offset` equal `expected` at every byte whose bit is set in
    /// `mask` (bit `i`: byte `offset + i`). Used to re-check a copy's key against the live entry;
    /// shared memory compares in registers, without a store and reload through a buffer.
    ///
    /// # Panics
    ///
    /// If `offset + 64` is past [`byte_len`](Self::byte_len).
    fn same_masked(&self, offset: usize, expected: &[u8; 64], mask: u64) -> bool {
        let now: [u8; 64] = self.read_array(offset);
        (0..64).all(|i| mask >> i & 1 == 0 || now[i] == expected[i])
    }

    /// `N` bytes at `offset`.
    fn read_array<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0u8; N];
        self.read_into(offset, &mut out);
        out
    }

    /// One byte at `offset`.
    fn read_u8(&self, offset: usize) -> u8 {
        self.read_array::<1>(offset)[0]
    }

    /// A little-endian (x86 host order) `u16` at `offset`.
    fn read_u16_le(&self, offset: usize) -> u16 {
        u16::from_le_bytes(self.read_array(offset))
    }

    /// A network-order `u16` at `offset` (flow-key ports).
    fn read_u16_be(&self, offset: usize) -> u16 {
        u16::from_be_bytes(self.read_array(offset))
    }

    /// A little-endian `u32` at `offset`.
    fn read_u32_le(&self, offset: usize) -> u32 {
        u32::from_le_bytes(self.read_array(offset))
    }

    /// A little-endian `u64` at `offset`.
    fn read_u64_le(&self, offset: usize) -> u64 {
        u64::from_le_bytes(self.read_array(offset))
    }
}

impl TableBytes for [u8] {
    #[inline]
    fn byte_len(&self) -> usize {
        self.len()
    }

    #[inline]
    fn read_into(&self, offset: usize, dst: &mut [u8]) {
        dst.copy_from_slice(&self[offset..offset + dst.len()]);
    }
}

impl TableBytes for [AtomicU8] {
    #[inline]
    fn byte_len(&self) -> usize {
        self.len()
    }

    #[inline]
    fn read_into(&self, offset: usize, dst: &mut [u8]) {
        let src = &self[offset..offset + dst.len()];
        racy_copy(src, dst);
    }

    fn acquire_fence(&self) {
        fence(Ordering::Acquire);
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn same_masked(&self, offset: usize, expected: &[u8; 64], mask: u64) -> bool {
        use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8};
        let live = &self[offset..offset + 64];
        let mut equal = 0u64;
        for chunk in 0..4 {
            let now: __m128i;
            // SAFETY: 16 readable bytes at `chunk * 16` of `live` (64 bytes); an `asm!` load, as in
            // `copy_16s`, so no non-atomic Rust access to the shared bytes is made.
            unsafe {
                std::arch::asm!(
                    "movdqu {x}, [{s}]",
                    s = in(reg) live.as_ptr().cast::<u8>().add(chunk * 16),
                    x = out(xmm_reg) now,
                    options(nostack, preserves_flags, readonly)
                );
            }
            // SAFETY: SSE2 is part of x86-64; `expected` has 16 bytes at `chunk * 16`.
            let same = unsafe {
                let want = _mm_loadu_si128(expected.as_ptr().add(chunk * 16).cast::<__m128i>());
                _mm_movemask_epi8(_mm_cmpeq_epi8(now, want)) as u16
            };
            equal |= u64::from(same) << (chunk * 16);
        }
        equal & mask == mask
    }

    #[inline]
    fn prefetch(&self, offset: usize, len: usize) {
        #[cfg(target_arch = "x86_64")]
        self.prefetch_lines::<{ std::arch::x86_64::_MM_HINT_T0 }>(offset, len);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (offset, len);
    }

    #[inline]
    fn prefetch_outer(&self, offset: usize, len: usize) {
        #[cfg(target_arch = "x86_64")]
        self.prefetch_lines::<{ std::arch::x86_64::_MM_HINT_T2 }>(offset, len);
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (offset, len);
    }
}

/// Prefetches with hint `HINT`, one per cache line of `offset..offset + len` (nothing when the
/// range is not all inside the slice).
#[cfg(target_arch = "x86_64")]
trait PrefetchLines {
    fn prefetch_lines<const HINT: i32>(&self, offset: usize, len: usize);
}

#[cfg(target_arch = "x86_64")]
impl PrefetchLines for [AtomicU8] {
    #[inline]
    fn prefetch_lines<const HINT: i32>(&self, offset: usize, len: usize) {
        if offset.saturating_add(len) > self.len() {
            return;
        }
        let base = self.as_ptr().wrapping_add(offset).cast::<i8>();
        let mut at = 0;
        while at < len {
            // SAFETY: a prefetch is a hint, not an access; the address is inside the slice.
            unsafe { std::arch::x86_64::_mm_prefetch::<HINT>(base.wrapping_add(at)) };
            at += 64;
        }
    }
}

/// Copies `src` (memory others may be writing) into `dst`, as a sequence of byte loads.
///
/// Byte loads only: wider atomic loads over memory that others access with other sizes are not
/// something Rust's memory model blesses, and bytes are what the layout needs anyway. On x86-64
/// the bytes are moved by one `rep movsb`: the instruction performs byte-sized loads (each one
/// atomic on the hardware, exactly what a relaxed `AtomicU8` load compiles to) at `memcpy`
/// speed, and an `asm!` block is opaque to the compiler, so no non-atomic Rust access to the
/// shared bytes is ever made. Elsewhere, a loop of relaxed byte loads.
#[inline]
pub fn racy_copy(src: &[AtomicU8], dst: &mut [u8]) {
    assert_eq!(src.len(), dst.len(), "racy_copy: lengths differ");
    // Reads of a few bytes (flags, a gen id) as plain byte loads; up to an entry (a key, an
    // entry's fields) as 16-byte moves: `rep movsb` has a start-up cost that only pays off on
    // longer copies.
    #[cfg(target_arch = "x86_64")]
    if (16..=SHORT_COPY).contains(&dst.len()) {
        return copy_16s(src, dst);
    }
    if dst.len() < 64 {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = s.load(Ordering::Relaxed);
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `src` is readable and `dst` writable for `len` bytes (two slices of that length,
    // `dst` exclusive); the direction flag is clear at every call boundary (both x86-64 ABIs).
    unsafe {
        std::arch::asm!(
            "rep movsb",
            inout("rcx") dst.len() => _,
            inout("rsi") src.as_ptr() => _,
            inout("rdi") dst.as_mut_ptr() => _,
            options(nostack, preserves_flags)
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.load(Ordering::Relaxed);
    }
}

/// Copies up to this many bytes (an entry) as 16-byte moves rather than `rep movsb`, whose start-up
/// costs about as much as a copy of an entry.
#[cfg(target_arch = "x86_64")]
const SHORT_COPY: usize = 256;

/// [`racy_copy`] of 16 to [`SHORT_COPY`] bytes: 16-byte `movdqu` loads and stores (SSE2, in every
/// x86-64), the last one overlapping the one before when the length is not a multiple of 16. As
/// with `rep movsb`, the loads are made by an `asm!` block, opaque to the compiler, and the
/// hardware never tears a byte; what the copy holds is checked by its caller as before.
#[cfg(target_arch = "x86_64")]
#[inline]
fn copy_16s(src: &[AtomicU8], dst: &mut [u8]) {
    let len = dst.len();
    debug_assert!(len >= 16 && src.len() == len);
    let (s, d) = (src.as_ptr().cast::<u8>(), dst.as_mut_ptr());
    let mut at = 0;
    loop {
        // The last chunk ends at `len`, overlapping the previous one if need be.
        let from = at.min(len - 16);
        // SAFETY: `from + 16 <= len`: 16 readable bytes of `src`, 16 writable bytes of `dst`.
        unsafe {
            std::arch::asm!(
                "movdqu {x}, [{s}]",
                "movdqu [{d}], {x}",
                s = in(reg) s.add(from),
                d = in(reg) d.add(from),
                x = out(xmm_reg) _,
                options(nostack, preserves_flags)
            );
        }
        at += 16;
        if at >= len {
            break;
        }
    }
}

/// Views `len` bytes of shared memory at `ptr` as a slice of atomics, the form the table readers
/// accept for memory that changes under them.
///
/// # Safety
///
/// - `ptr` is valid for reads of `len` bytes for all of `'a` (the mapping stays mapped), and
///   `len <= isize::MAX`.
/// - Within this process, nothing accesses those bytes during `'a` other than through atomic
///   operations: no `&[u8]` or `&mut [u8]` is made over them. Writes from other processes (or
///   through another `[AtomicU8]` view) are fine.
pub unsafe fn shared_bytes<'a>(ptr: *const u8, len: usize) -> &'a [AtomicU8] {
    // SAFETY: AtomicU8 has the size, alignment and bit validity of u8; the caller vouches for the
    // range and for all in-process access being atomic (AtomicU8 is an UnsafeCell, so the shared
    // reference does not promise immutability).
    unsafe { std::slice::from_raw_parts(ptr.cast::<AtomicU8>(), len) }
}

/// Write access to a table, for the side that owns it (the simulator).
///
/// Implemented for `&mut [u8]` (a buffer only the writer touches) and for `&[AtomicU8]` (shared
/// memory that readers may read concurrently; every byte is stored with a relaxed atomic store).
pub trait TableSink {
    /// The read view of the same bytes.
    type Bytes: TableBytes + ?Sized;

    /// The bytes, for reading back.
    fn bytes(&self) -> &Self::Bytes;

    /// Writes `src` at `offset`.
    ///
    /// # Panics
    ///
    /// If the range is past the end of the table.
    fn write(&mut self, offset: usize, src: &[u8]);

    /// Makes the writes before this call visible no later than the writes after it, to readers
    /// that use [`TableBytes::acquire_fence`]. The writers call it before publishing an entry
    /// (setting its flags) so that a reader who sees the flags also sees the contents.
    fn release_fence(&self) {}
}

impl TableSink for &mut [u8] {
    type Bytes = [u8];

    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }

    #[inline]
    fn write(&mut self, offset: usize, src: &[u8]) {
        self[offset..offset + src.len()].copy_from_slice(src);
    }
}

impl TableSink for &[AtomicU8] {
    type Bytes = [AtomicU8];

    #[inline]
    fn bytes(&self) -> &[AtomicU8] {
        self
    }

    #[inline]
    fn write(&mut self, offset: usize, src: &[u8]) {
        for (d, s) in self[offset..offset + src.len()].iter().zip(src) {
            d.store(*s, Ordering::Relaxed);
        }
    }

    fn release_fence(&self) {
        fence(Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_atomic_views_read_the_same_values() {
        let plain: Vec<u8> = (0u8..16).collect();
        let atomic: Vec<AtomicU8> = plain.iter().map(|&b| AtomicU8::new(b)).collect();
        let a: &[AtomicU8] = &atomic;
        assert_eq!(plain.read_u32_le(4), a.read_u32_le(4));
        assert_eq!(plain.read_u16_be(2), 0x0203);
        assert_eq!(
            a.read_u64_le(8),
            u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15])
        );
    }

    #[test]
    fn sinks_write_what_views_read() {
        let mut buf = [0u8; 8];
        let mut sink: &mut [u8] = &mut buf;
        sink.write(2, &[0xaa, 0xbb]);
        assert_eq!(sink.bytes().read_u16_le(2), 0xbbaa);

        let atomic: Vec<AtomicU8> = (0..8).map(|_| AtomicU8::new(0)).collect();
        let mut shared: &[AtomicU8] = &atomic;
        shared.write(6, &[1, 2]);
        shared.release_fence();
        assert_eq!(atomic[7].load(Ordering::Relaxed), 2);
    }

    #[test]
    fn racy_copy_copies_every_length() {
        let src: Vec<AtomicU8> = (0..600u32).map(|i| AtomicU8::new((i * 7 + 3) as u8)).collect();
        for len in [0, 1, 15, 16, 63, 64, 65, 138, 200, 255, 256, 257, 600] {
            for offset in [0, 1, 13] {
                if offset + len > src.len() {
                    continue;
                }
                let mut dst = vec![0u8; len];
                racy_copy(&src[offset..offset + len], &mut dst);
                let want: Vec<u8> = src[offset..offset + len].iter().map(|b| b.load(Ordering::Relaxed)).collect();
                assert_eq!(dst, want, "{len} bytes at {offset}");
            }
        }
    }

    #[test]
    fn masked_compares_agree_on_plain_and_shared_bytes() {
        let plain: Vec<u8> = (0..80u8).collect();
        let atomic: Vec<AtomicU8> = plain.iter().map(|&b| AtomicU8::new(b)).collect();
        let shared: &[AtomicU8] = &atomic;
        let mut expected: [u8; 64] = plain[8..72].try_into().unwrap();
        for mask in [0u64, u64::MAX, 0xff00, 1 << 63] {
            assert!(plain[..].same_masked(8, &expected, mask));
            assert!(shared.same_masked(8, &expected, mask));
        }
        expected[9] ^= 1;
        for (mask, same) in [(0u64, true), (u64::MAX, false), (1 << 9, false), (!(1u64 << 9), true)] {
            assert_eq!(plain[..].same_masked(8, &expected, mask), same, "{mask:x}");
            assert_eq!(shared.same_masked(8, &expected, mask), same, "{mask:x}");
        }
    }

    #[test]
    fn shared_bytes_views_a_buffer() {
        let mut buf = [5u8, 6, 7];
        // SAFETY: buf outlives the view and is accessed only through it meanwhile.
        let view = unsafe { shared_bytes(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(view.read_u8(2), 7);
    }
}
