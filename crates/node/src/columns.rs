//! Typed arrays that JavaScript allocates once and the native side fills or reads on every
//! call: attaching them up front keeps each codec call down to its real argument (a buffer),
//! where converting four typed-array arguments per call would cost more than the decoding.
//!
//! Safety: an attached array is held by a strong reference until it is replaced, and V8 never
//! moves the backing store of an ArrayBuffer this size (typed arrays over 64 bytes are
//! allocated off the V8 heap), so the pointer taken at attach time stays valid until then.
//! All access happens on the JavaScript thread that attached the arrays.

use napi::bindgen_prelude::*;
use napi::sys;

/// A JavaScript typed array pinned for native use.
pub struct Column<T> {
    ptr: *mut T,
    len: usize,
    reference: sys::napi_ref,
    env: sys::napi_env,
}

impl<T> Column<T> {
    /// Pins `value` (a typed array whose data is `ptr`, `len`) with a strong reference.
    ///
    /// # Safety
    /// `ptr` and `len` must describe `value`'s elements.
    pub unsafe fn pin(env: &Env, value: sys::napi_value, ptr: *mut T, len: usize) -> Result<Self> {
        let mut reference = std::ptr::null_mut();
        let status = unsafe { sys::napi_create_reference(env.raw(), value, 1, &mut reference) };
        if status != sys::Status::napi_ok {
            return Err(Error::new(Status::GenericFailure, "cannot reference a tape column"));
        }
        Ok(Column { ptr, len, reference, env: env.raw() })
    }

    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: see the module comment; `&mut self` keeps this the only live slice.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    pub fn as_slice(&self) -> &[T] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl<T> Drop for Column<T> {
    fn drop(&mut self) {
        // SAFETY: the reference was created in this env, on this thread.
        unsafe {
            sys::napi_delete_reference(self.env, self.reference);
        }
    }
}

macro_rules! pin_from {
    ($fn_name:ident, $slice:ident, $t:ty) => {
        /// Pins a typed array argument.
        pub fn $fn_name(env: &Env, mut a: $slice) -> Result<Column<$t>> {
            // SAFETY: `as_mut` gives the array's own elements; the pointer outlives the call
            // because the column holds a reference to the array.
            let data = unsafe { a.as_mut() };
            let (ptr, len) = (data.as_mut_ptr(), data.len());
            unsafe { Column::pin(env, a.value().value, ptr, len) }
        }
    };
}

pin_from!(pin_i32, Int32ArraySlice, i32);
pin_from!(pin_i64, BigInt64ArraySlice, i64);
pin_from!(pin_u8, Uint8ArraySlice, u8);
