//! The few libuv calls the binding makes on Node's own event loop: a poll handle per socket (the loop tells us when
//! it is readable or writable, on the JavaScript thread) and an async handle (to run code on the loop's next turn).
//!
//! Node exports libuv's symbols from its executable (that is its documented ABI for addons); they are resolved when
//! the module is loaded. Handles are allocated with `uv_handle_size`, so nothing here depends on libuv's struct
//! layouts beyond the first field of every handle, `void* data` (public and stable since libuv 1.0).

use std::ffi::{c_int, c_void};

use napi::sys;

/// `uv_loop_t`, `uv_handle_t`, `uv_poll_t`, `uv_async_t`: opaque here.
#[repr(C)]
pub struct Handle {
    pub data: *mut c_void,
}

pub type PollCallback = unsafe extern "C" fn(handle: *mut Handle, status: c_int, events: c_int);
pub type AsyncCallback = unsafe extern "C" fn(handle: *mut Handle);
pub type CloseCallback = unsafe extern "C" fn(handle: *mut Handle);

pub const READABLE: c_int = 1;
pub const WRITABLE: c_int = 2;
pub const DISCONNECT: c_int = 4;

/// `uv_handle_type` values.
const UV_ASYNC: c_int = 1;
const UV_POLL: c_int = 8;

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init(lp: *mut sys::uv_loop_s, handle: *mut Handle, fd: c_int) -> c_int;
    fn uv_poll_start(handle: *mut Handle, events: c_int, cb: PollCallback) -> c_int;
    fn uv_poll_stop(handle: *mut Handle) -> c_int;
    fn uv_async_init(lp: *mut sys::uv_loop_s, handle: *mut Handle, cb: AsyncCallback) -> c_int;
    fn uv_async_send(handle: *mut Handle) -> c_int;
    fn uv_close(handle: *mut Handle, cb: CloseCallback);
    fn uv_ref(handle: *mut Handle);
    fn uv_unref(handle: *mut Handle);
    fn uv_strerror(err: c_int) -> *const std::ffi::c_char;
}

/// The event loop of `env`.
pub fn event_loop(env: sys::napi_env) -> napi::Result<*mut sys::uv_loop_s> {
    let mut lp = std::ptr::null_mut();
    // SAFETY: called on the JavaScript thread with its env.
    let status = unsafe { sys::napi_get_uv_event_loop(env, &mut lp) };
    if status != sys::Status::napi_ok || lp.is_null() {
        return Err(napi::Error::from_reason("no libuv event loop for this environment"));
    }
    Ok(lp)
}

fn allocate(kind: c_int, data: *mut c_void) -> *mut Handle {
    // SAFETY: uv_handle_size is a pure function; the zeroed block is large enough for the handle and suitably
    // aligned (malloc alignment, as libuv's own allocations).
    unsafe {
        let handle = calloc(1, uv_handle_size(kind)).cast::<Handle>();
        assert!(!handle.is_null(), "out of memory for a libuv handle");
        (*handle).data = data;
        handle
    }
}

fn check(ret: c_int, what: &str) -> napi::Result<()> {
    if ret == 0 {
        return Ok(());
    }
    // SAFETY: uv_strerror returns a static string for any code.
    let reason = unsafe { std::ffi::CStr::from_ptr(uv_strerror(ret)) }.to_string_lossy();
    Err(napi::Error::from_reason(format!("{what}: {reason}")))
}

/// A poll handle for `fd`, with `data` in its first field. Freed by [`close`].
pub fn poll_new(lp: *mut sys::uv_loop_s, fd: c_int, data: *mut c_void) -> napi::Result<*mut Handle> {
    let handle = allocate(UV_POLL, data);
    // SAFETY: a fresh handle and the JavaScript thread's loop.
    let ret = unsafe { uv_poll_init(lp, handle, fd) };
    if ret != 0 {
        // SAFETY: never initialised, so never known to the loop.
        unsafe { free(handle.cast()) };
    }
    check(ret, "watch the ksync socket").map(|()| handle)
}

/// Watches for `events` (replacing the previous interest), or stops watching when `events` is 0.
///
/// # Safety
/// `handle` is a live poll handle from [`poll_new`], used on the loop's thread.
pub unsafe fn poll_set(handle: *mut Handle, events: c_int, cb: PollCallback) {
    // Fails only for a closing handle or a bad descriptor; the owner never asks for either.
    if events == 0 {
        uv_poll_stop(handle);
    } else {
        uv_poll_start(handle, events, cb);
    }
}

/// An async handle whose callback runs on the loop's thread after [`async_send`]. Freed by [`close`].
pub fn async_new(lp: *mut sys::uv_loop_s, data: *mut c_void, cb: AsyncCallback) -> napi::Result<*mut Handle> {
    let handle = allocate(UV_ASYNC, data);
    // SAFETY: a fresh handle and the JavaScript thread's loop.
    let ret = unsafe { uv_async_init(lp, handle, cb) };
    if ret != 0 {
        // SAFETY: never initialised.
        unsafe { free(handle.cast()) };
    }
    check(ret, "create a wake-up handle").map(|()| handle)
}

/// Runs the handle's callback on the loop's next turn (coalesced with other sends before it runs).
///
/// # Safety
/// `handle` is a live async handle from [`async_new`].
pub unsafe fn async_send(handle: *mut Handle) {
    uv_async_send(handle);
}

/// Whether the handle keeps the loop (and so Node) alive.
///
/// # Safety
/// `handle` is a live handle, used on the loop's thread.
pub unsafe fn set_ref(handle: *mut Handle, keep_alive: bool) {
    if keep_alive {
        uv_ref(handle)
    } else {
        uv_unref(handle)
    }
}

/// Closes the handle; `then` runs on a later turn of the loop, after which the memory is freed.
///
/// # Safety
/// `handle` is a live handle, used on the loop's thread, closed once.
pub unsafe fn close(handle: *mut Handle, then: CloseCallback) {
    uv_close(handle, then);
}

/// Frees a handle's memory, from its close callback.
///
/// # Safety
/// `handle` came from this module and its close callback is running.
pub unsafe fn release(handle: *mut Handle) {
    free(handle.cast());
}

// The C allocator: handles are plain C memory that libuv's callbacks hand back.
extern "C" {
    fn calloc(n: usize, size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}
