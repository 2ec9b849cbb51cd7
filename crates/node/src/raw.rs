//! Plain Node-API callbacks, for the few entry points called once per message on hot paths.
//!
//! napi-rs's generated wrappers validate and convert every argument generically; measured here
//! that costs about 75 ns a call on top of Node-API's own ~30 ns, more than decoding a small
//! message. These callbacks read their arguments directly, and catch panics so that none
//! unwinds into Node.

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;

use napi::bindgen_prelude::ToNapiValue;
use napi::sys;

/// A callback body: the call's env and arguments in, a value (or a JS error message) out.
pub type Body<const N: usize> = fn(sys::napi_env, &[sys::napi_value; N]) -> Result<sys::napi_value, String>;

/// Runs `body` with the call's first `N` arguments (missing ones are `undefined`).
///
/// # Safety
/// `env` and `info` must be the ones Node-API passed to the callback.
pub unsafe fn call<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info, body: Body<N>) -> sys::napi_value {
    unsafe { call_with_data::<N, _>(env, info, |env, args, _| body(env, args)) }
}

/// [`call`] for a callback made by [`function_with_data`]: `body` also gets the function's data.
///
/// # Safety
/// `env` and `info` must be the ones Node-API passed to the callback.
pub unsafe fn call_with_data<const N: usize, F>(env: sys::napi_env, info: sys::napi_callback_info, body: F) -> sys::napi_value
where
    F: FnOnce(sys::napi_env, &[sys::napi_value; N], *mut c_void) -> Result<sys::napi_value, String>,
{
    let mut argc = N;
    let mut argv = [null_mut(); N];
    let mut data = null_mut();
    unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), null_mut(), &mut data) };
    let outcome = catch_unwind(AssertUnwindSafe(|| body(env, &argv, data)));
    let message = match outcome {
        Ok(Ok(v)) => return v,
        Ok(Err(m)) => m,
        Err(_) => "vrouter-io: internal error (panic) in the native module".to_string(),
    };
    let c = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    unsafe { sys::napi_throw_error(env, std::ptr::null(), c.as_ptr()) };
    null_mut()
}

/// The bytes of a typed array or Buffer argument, borrowed for the call.
///
/// # Safety
/// The returned slice must not outlive the call (the array is kept alive by the call's scope).
pub unsafe fn bytes<'a>(env: sys::napi_env, v: sys::napi_value) -> Result<&'a [u8], String> {
    let mut is_typed = false;
    unsafe { sys::napi_is_typedarray(env, v, &mut is_typed) };
    if !is_typed {
        return Err("expected a Uint8Array or Buffer".into());
    }
    let (mut ty, mut len, mut data, mut buffer, mut offset) = (0, 0usize, null_mut(), null_mut(), 0usize);
    let status = unsafe { sys::napi_get_typedarray_info(env, v, &mut ty, &mut len, &mut data, &mut buffer, &mut offset) };
    if status != sys::Status::napi_ok || ty != sys::TypedarrayType::uint8_array {
        return Err("expected a Uint8Array or Buffer".into());
    }
    Ok(if len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(data as *const u8, len) } })
}

/// A non-negative integer argument.
///
/// # Safety
/// `env` and `v` must be live.
pub unsafe fn u32_arg(env: sys::napi_env, v: sys::napi_value) -> Result<u32, String> {
    let mut n = 0u32;
    match unsafe { sys::napi_get_value_uint32(env, v, &mut n) } {
        sys::Status::napi_ok => Ok(n),
        _ => Err("expected a number".into()),
    }
}

/// A string argument as UTF-16 code units, into a reused buffer.
///
/// # Safety
/// `env` and `v` must be live.
pub unsafe fn utf16_into(env: sys::napi_env, v: sys::napi_value, out: &mut Vec<u16>) -> Result<(), String> {
    let mut len = 0usize;
    if unsafe { sys::napi_get_value_string_utf16(env, v, null_mut(), 0, &mut len) } != sys::Status::napi_ok {
        return Err("expected a string".into());
    }
    out.clear();
    out.resize(len + 1, 0);
    let mut written = 0usize;
    unsafe { sys::napi_get_value_string_utf16(env, v, out.as_mut_ptr(), len + 1, &mut written) };
    out.truncate(written);
    Ok(())
}

/// Converts a Rust value with napi-rs's own conversion.
pub fn to_js<T: ToNapiValue>(env: sys::napi_env, value: T) -> Result<sys::napi_value, String> {
    unsafe { T::to_napi_value(env, value) }.map_err(|e| e.reason.clone())
}

/// Defines `name` on `exports` as a plain callback.
///
/// # Safety
/// `env` and `exports` must be the module's.
pub unsafe fn export(
    env: sys::napi_env,
    exports: sys::napi_value,
    name: &std::ffi::CStr,
    cb: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
) -> napi::Result<()> {
    let mut f = null_mut();
    let status = unsafe { sys::napi_create_function(env, name.as_ptr(), name.to_bytes().len() as isize as _, Some(cb), null_mut(), &mut f) };
    if status != sys::Status::napi_ok || unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), f) } != sys::Status::napi_ok {
        return Err(napi::Error::from_reason(format!("cannot export {name:?}")));
    }
    Ok(())
}

/// A function calling `cb` with `data`, which `finalize` releases when the function is collected:
/// a callback bound to one object's state, found without a lookup.
///
/// # Safety
/// `env` must be live; `data` must stay valid until `finalize` is called with it.
pub unsafe fn function_with_data(
    env: sys::napi_env,
    name: &std::ffi::CStr,
    cb: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
    data: *mut c_void,
    finalize: unsafe extern "C" fn(sys::napi_env, *mut c_void, *mut c_void),
) -> napi::Result<sys::napi_value> {
    let mut f = null_mut();
    let status = unsafe { sys::napi_create_function(env, name.as_ptr(), name.to_bytes().len() as isize as _, Some(cb), data, &mut f) };
    if status != sys::Status::napi_ok || unsafe { sys::napi_add_finalizer(env, f, data, Some(finalize), null_mut(), null_mut()) } != sys::Status::napi_ok {
        return Err(napi::Error::from_reason(format!("cannot make {name:?}")));
    }
    Ok(f)
}
