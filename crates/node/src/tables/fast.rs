//! The per-entry calls as plain Node-API callbacks (see `raw`): `get` and `lookup` are called once
//! per entry, where napi-rs's generic argument handling would cost more than the read itself.
//!
//! The callbacks are made for one table and carry its reader as their data: found without a
//! lookup (a registry by id in thread-local storage cost about 12 ns a call).

use std::ffi::c_void;
use std::rc::Rc;

use napi::bindgen_prelude::*;
use napi::sys;
use vrouter_proto::tables::FlowKey;

use super::flow_reader::FlowReader;
use super::shared_reader::{ReaderCell, SharedReader};
use crate::raw;

/// Runs `f` on the reader a callback was made with.
///
/// # Safety
/// `data` must be the data of a function made by [`callbacks`] (alive while the function is).
unsafe fn reader<T>(data: *mut c_void, f: impl FnOnce(&mut FlowReader) -> std::result::Result<T, String>) -> std::result::Result<T, String> {
    let cell = unsafe { &*(data as *const ReaderCell) };
    cell.with(f).unwrap_or_else(|| Err("the flow table is closed".into()))
}

fn u16_of(v: u32, what: &str) -> std::result::Result<u16, String> {
    u16::try_from(v).map_err(|_| format!("{what} {v} does not fit 16 bits"))
}

/// `fillGet(row, index)`: see `NativeFlowTable::fill_get`.
unsafe extern "C" fn fill_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call_with_data::<2, _>(env, info, |env, a, data| {
            let (row, index) = (raw::u32_arg(env, a[0])?, raw::u32_arg(env, a[1])?);
            raw::to_js(env, reader(data, |r| r.fill_get(row, index))?)
        })
    }
}

/// `fillLookup4(row, proto, sip, dip, sport, dport, nh)`: an IPv4 lookup with the addresses as
/// host-order integers (`10.0.0.1` = 0x0a000001); see `NativeFlowTable::fill_lookup`.
unsafe extern "C" fn fill_lookup4(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call_with_data::<7, _>(env, info, |env, a, data| {
            let row = raw::u32_arg(env, a[0])?;
            let proto = raw::u32_arg(env, a[1])?;
            let (sip, dip) = (raw::u32_arg(env, a[2])?, raw::u32_arg(env, a[3])?);
            let (sport, dport) = (u16_of(raw::u32_arg(env, a[4])?, "port")?, u16_of(raw::u32_arg(env, a[5])?, "port")?);
            let nh = raw::u32_arg(env, a[6])?;
            let proto = u8::try_from(proto).map_err(|_| format!("protocol {proto} does not fit 8 bits"))?;
            let key = FlowKey::inet(proto, sip.into(), dip.into(), sport, dport, nh);
            raw::to_js(env, reader(data, |r| r.fill_lookup(row, &key))?)
        })
    }
}

/// Releases a callback's reference to its reader (the function was collected).
unsafe extern "C" fn release(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    drop(unsafe { Rc::from_raw(data as *const ReaderCell) });
}

/// The plain callbacks for `reader`, as an object `{ fillGet, fillLookup4 }`.
pub fn callbacks<'env>(env: &'env Env, reader: &SharedReader) -> Result<Object<'env>> {
    let obj = Object::new(env)?;
    for (name, cb) in [(c"fillGet", fill_get as unsafe extern "C" fn(_, _) -> _), (c"fillLookup4", fill_lookup4)] {
        let data = Rc::into_raw(reader.clone()) as *mut c_void;
        // SAFETY: `data` is a reference of the function's own, released by `release` only.
        let f = unsafe { raw::function_with_data(env.raw(), name, cb, data, release) }.inspect_err(|_| unsafe { release(env.raw(), data, std::ptr::null_mut()) })?;
        // SAFETY: `obj` and `f` are live values of this env.
        if unsafe { sys::napi_set_named_property(env.raw(), obj.raw(), name.as_ptr(), f) } != sys::Status::napi_ok {
            return Err(Error::from_reason(format!("cannot set {name:?}")));
        }
    }
    Ok(obj)
}
