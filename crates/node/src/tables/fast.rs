//! The per-entry calls as plain Node-API callbacks (see `raw`): `get` and `lookup` are called once
//! per entry, where napi-rs's generic argument handling would cost more than the read itself.
//!
//! Each call takes a table's id and finds the open table in the reader registry (`registry`).

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use vrouter_proto::tables::FlowKey;

use super::flow_reader::FlowReader;
use super::registry::with;
use crate::raw;

fn reader<T>(id: u32, f: impl FnOnce(&mut FlowReader) -> std::result::Result<T, String>) -> std::result::Result<T, String> {
    with(id, f).unwrap_or_else(|| Err("the flow table is closed".into()))
}

fn u16_of(v: u32, what: &str) -> std::result::Result<u16, String> {
    u16::try_from(v).map_err(|_| format!("{what} {v} does not fit 16 bits"))
}

/// `flowFillGet(id, row, index)`: see `NativeFlowTable::fill_get`.
unsafe extern "C" fn fill_get(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call::<3>(env, info, |env, a| {
            let (id, row, index) = (raw::u32_arg(env, a[0])?, raw::u32_arg(env, a[1])?, raw::u32_arg(env, a[2])?);
            raw::to_js(env, reader(id, |r| r.fill_get(row, index))?)
        })
    }
}

/// `flowFillLookup4(id, row, proto, sip, dip, sport, dport, nh)`: an IPv4 lookup with the
/// addresses as host-order integers (`10.0.0.1` = 0x0a000001); see `NativeFlowTable::fill_lookup`.
unsafe extern "C" fn fill_lookup4(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call::<8>(env, info, |env, a| {
            let id = raw::u32_arg(env, a[0])?;
            let row = raw::u32_arg(env, a[1])?;
            let proto = raw::u32_arg(env, a[2])?;
            let (sip, dip) = (raw::u32_arg(env, a[3])?, raw::u32_arg(env, a[4])?);
            let (sport, dport) = (u16_of(raw::u32_arg(env, a[5])?, "port")?, u16_of(raw::u32_arg(env, a[6])?, "port")?);
            let nh = raw::u32_arg(env, a[7])?;
            let proto = u8::try_from(proto).map_err(|_| format!("protocol {proto} does not fit 8 bits"))?;
            let key = FlowKey::inet(proto, sip.into(), dip.into(), sport, dport, nh);
            raw::to_js(env, reader(id, |r| r.fill_lookup(row, &key))?)
        })
    }
}

/// The plain callbacks, as an object `{ flowFillGet, flowFillLookup4 }` (made
/// once by lib/tables/fast.ts: a second `module_exports` hook would not run).
#[napi(ts_return_type = "Record<string, Function>")]
pub fn table_callbacks(env: &Env) -> Result<Object<'_>> {
    let obj = Object::new(env)?;
    unsafe {
        raw::export(env.raw(), obj.raw(), c"flowFillGet", fill_get)?;
        raw::export(env.raw(), obj.raw(), c"flowFillLookup4", fill_lookup4)?;
    }
    Ok(obj)
}
