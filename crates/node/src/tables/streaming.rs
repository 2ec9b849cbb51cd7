//! Copies that bypass the caches (non-temporal stores), for the columns of large scans.
//!
//! A scan of the whole table writes tens of megabytes of columns, more than the caches hold. An
//! ordinary store first reads the line it writes into (read for ownership); a streaming store
//! writes whole lines without reading them. Lines only partly covered by a copy (its first and
//! last) are stored ordinarily: another thread may be writing the rest of them.

/// Copies `len` bytes from `src` to `dst`, whole cache lines of `dst` with streaming stores.
/// Call [`fence`] before another thread may read what was copied: streaming stores are not
/// ordered with other stores.
///
/// # Safety
///
/// `src` is valid for reads and `dst` for writes of `len` bytes, and they do not overlap.
#[inline]
pub unsafe fn copy_streaming(src: *const u8, dst: *mut u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
        let head = dst.align_offset(64).min(len);
        let lines = (len - head) / 64;
        // SAFETY: every range below is inside `src`'s and `dst`'s `len` bytes (the caller's
        // contract); the streamed addresses are 64-byte aligned (`head`).
        unsafe {
            std::ptr::copy_nonoverlapping(src, dst, head);
            for l in 0..lines {
                let (s, d) = (src.add(head + l * 64), dst.add(head + l * 64));
                for q in 0..4 {
                    _mm_stream_si128(d.add(q * 16).cast::<__m128i>(), _mm_loadu_si128(s.add(q * 16).cast::<__m128i>()));
                }
            }
            let done = head + lines * 64;
            std::ptr::copy_nonoverlapping(src.add(done), dst.add(done), len - done);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as above.
    unsafe {
        std::ptr::copy_nonoverlapping(src, dst, len)
    }
}

/// Orders the streaming stores made so far before the stores after: call it before telling
/// another thread the copied memory is ready.
#[inline]
pub fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}
