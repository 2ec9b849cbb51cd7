//! Sandesh encode/decode for JavaScript, through the tape (see lib/tape.ts).

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use sandesh::tape::{TapeReader, TapeWriter};
use sandesh::{DecodeError, FieldRef, Reader};
use vrouter_proto::messages::{Message, MESSAGES};

use crate::columns::{pin_i32, pin_i64, pin_u8, Column};
use crate::raw;

/// Slots at the start of the decode int column that describe the call's outcome.
const HEADER: usize = 8;
/// Header slots (mirrored in lib/tape.ts).
const H_STATUS: usize = 0;
const H_POOL_USED: usize = 1;
const H_NEED_INTS: usize = 2;
const H_NEED_WIDES: usize = 3;
const H_NEED_POOL: usize = 4;
/// Status when a column is too small: the header then holds the lengths needed.
const GROW: i32 = i32::MIN;

struct DecodeColumns {
    ints: Column<i32>,
    wides: Column<i64>,
    pool: Column<u8>,
}

struct EncodeColumns {
    ints: Column<i32>,
    wides: Column<i64>,
    bytes: Column<u8>,
    out: Column<u8>,
}

thread_local! {
    static DECODE: RefCell<Option<DecodeColumns>> = const { RefCell::new(None) };
    static ENCODE: RefCell<Option<EncodeColumns>> = const { RefCell::new(None) };
    /// Reused between calls so that decoding allocates nothing it does not hand over.
    static TAPE: RefCell<TapeWriter> = RefCell::new(TapeWriter::default());
    static ENCODED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The strings argument of the last `encodeTape`, reused.
    static STRS: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
    /// The failure that ended the last decode, reported once its tape has been copied out.
    static PENDING_ERROR: RefCell<Option<DecodeError>> = const { RefCell::new(None) };
}

/// Message names in schema order: a message's tape index is its position here.
#[napi]
pub fn message_names() -> Vec<&'static str> {
    MESSAGES.iter().map(|m| m.name).collect()
}

/// Attaches the decode columns: ints (with the 8-slot header), wides, and the byte-list pool.
#[napi]
pub fn attach_decode_tape(env: &Env, ints: Int32ArraySlice, wides: BigInt64ArraySlice, pool: Uint8ArraySlice) -> Result<()> {
    let cols = DecodeColumns { ints: pin_i32(env, ints)?, wides: pin_i64(env, wides)?, pool: pin_u8(env, pool)? };
    if cols.ints.as_slice().len() < HEADER {
        return Err(Error::new(Status::InvalidArg, "the int column is shorter than its header"));
    }
    DECODE.set(Some(cols));
    Ok(())
}

/// A decode failure after some whole messages (their count is the status).
#[napi(object, object_to_js = true, object_from_js = false)]
pub struct DecodeFailure {
    pub message: String,
    pub code: &'static str,
    pub offset: u32,
    pub message_name: Option<&'static str>,
    pub field: Option<String>,
    /// Strings of the messages decoded before the failure.
    pub strings: String,
}

/// `decodeTape(input, poolOffset)`: decodes every message of `input` onto the attached
/// columns, byte lists into the pool from `poolOffset` on. The header's status is the number
/// of messages, `GROW` (needed lengths follow in the header: attach larger columns, then call
/// `resumeTape`), or `-1 - n` after a failure following `n` whole messages. Returns the batch's
/// strings (one string, cut by the lengths on the tape), the failure, or null.
unsafe extern "C" fn decode_tape(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call::<2>(env, info, |env, args| {
            let input = raw::bytes(env, args[0])?;
            let pool_offset = raw::u32_arg(env, args[1])?;
            decode_to_tape(input);
            emitted(env, pool_offset)
        })
    }
}

/// `resumeTape(poolOffset)`: copies the tape of the last `decodeTape` onto the attached columns
/// (after a `GROW` and larger columns); returns as `decodeTape` does.
unsafe extern "C" fn resume_tape(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call::<1>(env, info, |env, args| {
            let pool_offset = raw::u32_arg(env, args[0])?;
            emitted(env, pool_offset)
        })
    }
}

/// Emits the tape and returns what JavaScript gets besides the columns: the strings, the
/// failure, or null.
fn emitted(env: sys::napi_env, pool_offset: u32) -> std::result::Result<sys::napi_value, String> {
    match emit_tape(pool_offset)? {
        Some(failure) => raw::to_js(env, failure),
        // Created straight from the tape's buffer, which stays allocated for the next decode.
        None => TAPE.with_borrow(|tape| if tape.strs.is_empty() { raw::to_js(env, ()) } else { raw::to_js(env, tape.strs.as_str()) }),
    }
}

fn decode_to_tape(input: &[u8]) {
    TAPE.with_borrow_mut(|tape| {
        tape.clear();
        let mut r = Reader::new(input);
        let mut error = None;
        while !r.is_empty() {
            // On failure the tape keeps only the whole messages before it.
            if let Err(e) = Message::decode_to_tape(&mut r, tape) {
                error = Some(e);
                break;
            }
        }
        PENDING_ERROR.set(error);
    });
}

/// Copies the last decoded tape onto the attached columns, or asks for larger ones; returns
/// the failure that ended it, if any.
fn emit_tape(pool_offset: u32) -> std::result::Result<Option<DecodeFailure>, String> {
    DECODE.with_borrow_mut(|cols| {
        let cols = cols.as_mut().ok_or("decode tape not attached")?;
        TAPE.with_borrow_mut(|tape| {
            let ints = cols.ints.as_mut_slice();
            let (header, body) = ints.split_at_mut(HEADER);
            let wides = cols.wides.as_mut_slice();
            let pool = cols.pool.as_mut_slice().get_mut(pool_offset as usize..).unwrap_or_default();
            if tape.ints.len() > body.len() || tape.wides.len() > wides.len() || tape.bytes.len() > pool.len() {
                header[H_STATUS] = GROW;
                header[H_NEED_INTS] = (tape.ints.len() + HEADER) as i32;
                header[H_NEED_WIDES] = tape.wides.len() as i32;
                header[H_NEED_POOL] = tape.bytes.len() as i32;
                return Ok(None);
            }
            body[..tape.ints.len()].copy_from_slice(&tape.ints);
            wides[..tape.wides.len()].copy_from_slice(&tape.wides);
            pool[..tape.bytes.len()].copy_from_slice(&tape.bytes);
            header[H_POOL_USED] = tape.bytes.len() as i32;
            let count = tape.count as i32;
            Ok(match PENDING_ERROR.take() {
                None => {
                    header[H_STATUS] = count;
                    None
                }
                Some(e) => {
                    header[H_STATUS] = -1 - count;
                    Some(failure(&e, tape.strs.clone()))
                }
            })
        })
    })
}

fn failure(e: &DecodeError, strings: String) -> DecodeFailure {
    DecodeFailure {
        message: e.to_string(),
        code: e.code(),
        offset: e.offset as u32,
        message_name: e.message,
        field: e.field.map(|f| match f {
            FieldRef::Named(n) => n.to_string(),
            FieldRef::Unknown(id) => format!("#{id}"),
        }),
        strings,
    }
}

/// Attaches the encode columns and the output buffer (again whenever one of them grows).
#[napi]
pub fn attach_encode_tape(
    env: &Env,
    ints: Int32ArraySlice,
    wides: BigInt64ArraySlice,
    bytes: Uint8ArraySlice,
    out: Uint8ArraySlice,
) -> Result<()> {
    let cols = EncodeColumns {
        ints: pin_i32(env, ints)?,
        wides: pin_i64(env, wides)?,
        bytes: pin_u8(env, bytes)?,
        out: pin_u8(env, out)?,
    };
    ENCODE.set(Some(cols));
    Ok(())
}

/// `encodeTape(count, strs)`: encodes `count` messages from the attached tape (strings: `strs`)
/// into the attached output, back to back. Returns the length, or minus the length needed if
/// the output is too small.
unsafe extern "C" fn encode_tape(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    unsafe {
        raw::call::<2>(env, info, |env, args| {
            let count = raw::u32_arg(env, args[0])?;
            STRS.with_borrow_mut(|strs| {
                raw::utf16_into(env, args[1], strs)?;
                raw::to_js(env, encode_from_tape(count, strs)? as f64)
            })
        })
    }
}

fn encode_from_tape(count: u32, strs: &[u16]) -> std::result::Result<i64, String> {
    ENCODE.with_borrow_mut(|cols| {
        let cols = cols.as_mut().ok_or("encode tape not attached")?;
        ENCODED.with_borrow_mut(|w| {
            w.clear();
            let mut t = TapeReader::new(cols.ints.as_slice(), cols.wides.as_slice(), strs, cols.bytes.as_slice());
            for _ in 0..count {
                Message::read_tape(&mut t).map_err(|e| e.to_string())?.encode(w);
            }
            let out = cols.out.as_mut_slice();
            if w.len() > out.len() {
                return Ok(-(w.len() as i64));
            }
            out[..w.len()].copy_from_slice(w);
            Ok(w.len() as i64)
        })
    })
}

/// Exports the plain callbacks (see `raw`): the per-message entry points.
#[napi(module_exports)]
pub fn export_codec(exports: Object, env: Env) -> Result<()> {
    unsafe {
        raw::export(env.raw(), exports.raw(), c"decodeTape", decode_tape)?;
        raw::export(env.raw(), exports.raw(), c"resumeTape", resume_tape)?;
        raw::export(env.raw(), exports.raw(), c"encodeTape", encode_tape)?;
    }
    Ok(())
}
