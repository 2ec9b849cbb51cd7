//! Sandesh encode/decode for JavaScript, through the tape.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use sandesh::tape::{TapeReader, TapeWriter};
use sandesh::{DecodeError, FieldRef, MessageSet, Reader};
use vrouter_proto::messages::{Message, MESSAGES};

/// Returned by `decodeTape` when the caller's tape columns are too small; `out[0]` and
/// `out[1]` then hold the lengths needed for the int and wide columns.
const GROW: i32 = i32::MIN;

thread_local! {
    /// Reused between calls so that decoding allocates only what it hands to JavaScript.
    static TAPE: RefCell<TapeWriter> = RefCell::new(TapeWriter::default());
    static ENCODED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Message names in schema order: a message's tape index is its position here.
#[napi]
pub fn message_names() -> Vec<&'static str> {
    MESSAGES.iter().map(|m| m.name).collect()
}

/// Decodes every message of `input` onto the tape columns `ints` and `wides`; strings
/// (`out[0]`) and byte lists (`out[1]`) come back as one string and one Uint8Array.
/// Returns the number of messages; `GROW` if the columns are too small (needed lengths in
/// `out[0]`, `out[1]`); `-1 - n` if decoding failed after `n` whole messages, with the
/// error in `out[2..7]` (text, code, offset, message, field).
#[napi]
pub fn decode_tape(
    env: &Env,
    input: Uint8ArraySlice,
    mut ints: Int32ArraySlice,
    mut wides: BigInt64ArraySlice,
    mut out: Array,
) -> Result<i32> {
    TAPE.with_borrow_mut(|tape| {
        tape.clear();
        let mut r = Reader::new(&input);
        let mut error = None;
        while !r.is_empty() {
            let ints_before = tape.ints.len();
            match Message::decode(&mut r) {
                Ok(m) => m.write_tape(tape),
                Err(e) => {
                    tape.ints.truncate(ints_before);
                    error = Some(e);
                    break;
                }
            }
        }
        // SAFETY: the slices borrow JavaScript typed arrays for the duration of this call,
        // on the JavaScript thread; nothing else can touch them meanwhile.
        let (ints_js, wides_js) = unsafe { (ints.as_mut(), wides.as_mut()) };
        if tape.ints.len() > ints_js.len() || tape.wides.len() > wides_js.len() {
            out.set(0, tape.ints.len() as u32)?;
            out.set(1, tape.wides.len() as u32)?;
            return Ok(GROW);
        }
        ints_js[..tape.ints.len()].copy_from_slice(&tape.ints);
        wides_js[..tape.wides.len()].copy_from_slice(&tape.wides);
        if !tape.strs.is_empty() {
            out.set(0, env.create_string(&tape.strs)?)?;
        }
        if !tape.bytes.is_empty() {
            let bytes = std::mem::take(&mut tape.bytes);
            out.set(1, Uint8ArraySlice::from_data(env, bytes)?)?;
        }
        let count = tape.count as i32;
        match error {
            None => Ok(count),
            Some(e) => {
                set_error(&mut out, &e)?;
                Ok(-1 - count)
            }
        }
    })
}

fn set_error(out: &mut Array, e: &DecodeError) -> Result<()> {
    out.set(2, e.to_string())?;
    out.set(3, e.code())?;
    out.set(4, e.offset as u32)?;
    out.set(5, e.message)?;
    out.set(
        6,
        e.field.map(|f| match f {
            FieldRef::Named(n) => n.to_string(),
            FieldRef::Unknown(id) => format!("#{id}"),
        }),
    )?;
    Ok(())
}

/// Encodes `count` messages from the tape into `out`, back to back. Returns the encoded
/// length, or minus the length needed when `out` is too small (nothing is written then).
#[napi]
pub fn encode_tape(
    count: u32,
    ints: Int32ArraySlice,
    wides: BigInt64ArraySlice,
    strs: Utf16String,
    bytes: Uint8ArraySlice,
    mut out: Uint8ArraySlice,
) -> Result<i64> {
    ENCODED.with_borrow_mut(|w| {
        w.clear();
        let mut t = TapeReader::new(&ints, &wides, &strs, &bytes);
        for _ in 0..count {
            let m = Message::read_tape(&mut t).map_err(|e| Error::new(Status::InvalidArg, e.to_string()))?;
            m.encode(w);
        }
        // SAFETY: as in `decode_tape`.
        let out = unsafe { out.as_mut() };
        if w.len() > out.len() {
            return Ok(-(w.len() as i64));
        }
        out[..w.len()].copy_from_slice(w);
        Ok(w.len() as i64)
    })
}
