//! The ksync client on Node's own event loop, for stream endpoints on Unix: a [`PolledKsyncClient`] whose socket is
//! watched by a libuv poll handle, so that requests are written from the JavaScript thread as they are made and
//! answers are read and delivered there as soon as the loop sees them — no thread of ours, no hand-off between
//! threads. Answers reach JavaScript as the same event batches as the threaded client's.
//!
//! Events that arise inside a call from JavaScript (a close, a request refused while framing) are delivered on the
//! loop's next turn through an async handle, never re-entrantly during the call that caused them.

use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use vrouter_io::ksync::{ClientEvent, PolledKsyncClient};

use super::batch;
use crate::uv;

/// What the loop's callbacks reach through their handle's `data`. Freed when both handles have closed.
struct Inner {
    client: RefCell<PolledKsyncClient>,
    env: sys::napi_env,
    callback: sys::napi_ref,
    poll: *mut uv::Handle,
    wake: *mut uv::Handle,
    /// The poll handle's current interest (0: stopped).
    interest: Cell<c_int>,
    /// Set once the owner is gone: the handles are closing and nothing may touch them.
    dropped: Cell<bool>,
    open_handles: Cell<u8>,
}

/// A running polled client; dropping it (when its JavaScript object is collected) closes the connection.
pub struct PolledKsync {
    inner: *mut Inner,
}

impl PolledKsync {
    /// Starts watching `client`'s socket on `env`'s loop; `callback` gets the event batches. The handles start
    /// unreferenced: an idle connection does not keep Node alive (see [`set_active`](Self::set_active)).
    pub fn start(env: sys::napi_env, client: PolledKsyncClient, callback: sys::napi_value) -> Result<Self> {
        let lp = uv::event_loop(env)?;
        let mut reference = ptr::null_mut();
        // SAFETY: on the JavaScript thread; `callback` is a live function value.
        check(unsafe { sys::napi_create_reference(env, callback, 1, &mut reference) })?;
        let fd = client.raw_fd();
        let inner = Box::into_raw(Box::new(Inner {
            client: RefCell::new(client),
            env,
            callback: reference,
            poll: ptr::null_mut(),
            wake: ptr::null_mut(),
            interest: Cell::new(0),
            dropped: Cell::new(false),
            open_handles: Cell::new(0),
        }));
        let this = PolledKsync { inner };
        // SAFETY: `inner` is live until both handles have closed (see `on_closed`), and they are only created here.
        unsafe {
            (*inner).poll = uv::poll_new(lp, fd, inner.cast())?;
            (*inner).open_handles.set(1);
            (*inner).wake = uv::async_new(lp, inner.cast(), on_wake)?;
            (*inner).open_handles.set(2);
            uv::set_ref((*inner).poll, false);
            uv::set_ref((*inner).wake, false);
            update_interest(&*inner);
        }
        Ok(this)
    }

    /// Runs `f` on the client, then watches the socket as it now needs and schedules delivery of any events.
    pub fn with_client<T>(&self, f: impl FnOnce(&mut PolledKsyncClient) -> T) -> T {
        let inner = self.inner();
        let out = f(&mut inner.client.borrow_mut());
        // SAFETY: the handles are live while `self` is.
        unsafe {
            update_interest(inner);
            if inner.client.borrow().has_events() {
                uv::async_send(inner.wake);
            }
        }
        out
    }

    /// While `active`, the connection keeps Node running (answers are awaited).
    pub fn set_active(&self, active: bool) {
        let inner = self.inner();
        // SAFETY: the handles are live while `self` is; on the JavaScript thread.
        unsafe {
            uv::set_ref(inner.poll, active);
            uv::set_ref(inner.wake, active);
        }
    }

    fn inner(&self) -> &Inner {
        // SAFETY: freed only after `self` is dropped and both handles have closed.
        unsafe { &*self.inner }
    }
}

impl Drop for PolledKsync {
    fn drop(&mut self) {
        let inner = self.inner();
        inner.client.borrow_mut().close();
        inner.dropped.set(true);
        // SAFETY: on the JavaScript thread (finalizers run there); each handle is closed once, here. A start that
        // failed half-way left some handles null.
        unsafe {
            sys::napi_delete_reference(inner.env, inner.callback);
            if inner.open_handles.get() == 0 {
                drop(Box::from_raw(self.inner));
                return;
            }
            if !inner.poll.is_null() {
                uv::poll_set(inner.poll, 0, on_poll);
                uv::close(inner.poll, on_closed);
            }
            if !inner.wake.is_null() {
                uv::close(inner.wake, on_closed);
            }
        }
    }
}

/// Watches for what the client needs: reading while open, writing while bytes wait; nothing once closed.
unsafe fn update_interest(inner: &Inner) {
    if inner.dropped.get() {
        return;
    }
    let client = inner.client.borrow();
    let want = match (client.is_closed(), client.wants_write()) {
        (true, _) => 0,
        (false, false) => uv::READABLE | uv::DISCONNECT,
        (false, true) => uv::READABLE | uv::DISCONNECT | uv::WRITABLE,
    };
    if want != inner.interest.get() {
        uv::poll_set(inner.poll, want, on_poll);
        inner.interest.set(want);
    }
}

unsafe extern "C" fn on_poll(handle: *mut uv::Handle, status: c_int, events: c_int) {
    let inner = &*((*handle).data as *const Inner);
    if inner.dropped.get() {
        return;
    }
    {
        let mut client = inner.client.borrow_mut();
        // An error status (a descriptor the loop cannot watch) is found out by reading.
        if status < 0 || events & (uv::READABLE | uv::DISCONNECT) != 0 {
            client.on_readable();
        }
        if status == 0 && events & uv::WRITABLE != 0 {
            client.on_writable();
        }
    }
    deliver(inner);
    update_interest(inner);
}

unsafe extern "C" fn on_wake(handle: *mut uv::Handle) {
    let inner = &*((*handle).data as *const Inner);
    deliver(inner);
    update_interest(inner);
}

unsafe extern "C" fn on_closed(handle: *mut uv::Handle) {
    let inner = (*handle).data as *mut Inner;
    uv::release(handle);
    let left = (*inner).open_handles.get() - 1;
    (*inner).open_handles.set(left);
    if left == 0 {
        drop(Box::from_raw(inner));
    }
}

/// Hands the client's events to JavaScript, batch by batch, until none is left (the callback may cause more).
unsafe fn deliver(inner: &Inner) {
    loop {
        if inner.dropped.get() {
            return;
        }
        let events = inner.client.borrow_mut().take_events();
        if events.is_empty() {
            return;
        }
        call_javascript(inner, events);
    }
}

/// Calls the callback as Node calls into JavaScript from the loop (`napi_make_callback`: microtasks, and so promise
/// reactions, run when it returns). An exception thrown there goes to `uncaughtException`, as from any callback.
unsafe fn call_javascript(inner: &Inner, events: Vec<ClientEvent>) {
    let env = inner.env;
    let mut scope = ptr::null_mut();
    if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
        return;
    }
    let mut func = ptr::null_mut();
    let mut recv = ptr::null_mut();
    sys::napi_get_reference_value(env, inner.callback, &mut func);
    // `napi_make_callback` wants an object as `this` (undefined throws): the global, as for a plain call.
    sys::napi_get_global(env, &mut recv);
    if let Ok(arg) = super::NativeEventBatch::to_napi_value(env, batch(events)) {
        let mut result = ptr::null_mut();
        let status = sys::napi_make_callback(env, ptr::null_mut(), recv, func, 1, &arg, &mut result);
        if status == sys::Status::napi_pending_exception {
            let mut error = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut error);
            sys::napi_fatal_exception(env, error);
        }
    }
    sys::napi_close_handle_scope(env, scope);
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::from_reason(format!("Node-API call failed with status {status}")))
    }
}
