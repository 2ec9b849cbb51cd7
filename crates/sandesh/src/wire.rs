//! The Sandesh binary protocol ("buffer sandesh"): type codes and the primitive writers.
//!
//! Every integer is big-endian. A message is its name (i32 length + bytes), then fields, each a
//! one-byte type code + i16 id + value, then a single 0x00 stop byte. Lists carry one element
//! type code and an i32 count, then the elements back to back with no per-element header.

/// One-byte wire type codes (contrail-sandesh `thrift_protocol.h`).
pub mod code {
    pub const STOP: u8 = 0x00;
    pub const BOOL: u8 = 0x02;
    pub const BYTE: u8 = 0x03;
    pub const DOUBLE: u8 = 0x04;
    pub const I16: u8 = 0x06;
    pub const I32: u8 = 0x08;
    /// Note: u64 is 0x09, i64 is 0x0a.
    pub const U64: u8 = 0x09;
    pub const I64: u8 = 0x0a;
    pub const STRING: u8 = 0x0b;
    pub const STRUCT: u8 = 0x0c;
    pub const MAP: u8 = 0x0d;
    pub const SET: u8 = 0x0e;
    pub const LIST: u8 = 0x0f;
    pub const UTF8: u8 = 0x10;
    pub const UTF16: u8 = 0x11;
    pub const U16: u8 = 0x13;
    pub const U32: u8 = 0x14;
    pub const XML: u8 = 0x15;
    pub const IPV4: u8 = 0x16;
    pub const UUID: u8 = 0x17;
    pub const IPADDR: u8 = 0x18;
}

/// Appends the message name header: i32 length, then the name's bytes (no terminator).
#[inline]
pub fn put_name(w: &mut Vec<u8>, name: &str) {
    w.extend_from_slice(&(name.len() as i32).to_be_bytes());
    w.extend_from_slice(name.as_bytes());
}

/// Appends the stop byte that ends a message.
#[inline]
pub fn put_stop(w: &mut Vec<u8>) {
    w.push(code::STOP);
}

#[inline]
pub fn put_field_header(w: &mut Vec<u8>, ty: u8, id: i16) {
    let id = id.to_be_bytes();
    w.extend_from_slice(&[ty, id[0], id[1]]);
}

macro_rules! scalar_writers {
    ($($fn_name:ident: $t:ty => $code:expr;)*) => {$(
        #[inline]
        pub fn $fn_name(w: &mut Vec<u8>, id: i16, v: $t) {
            put_field_header(w, $code, id);
            w.extend_from_slice(&v.to_be_bytes());
        }
    )*};
}

scalar_writers! {
    put_byte: i8 => code::BYTE;
    put_i16: i16 => code::I16;
    put_i32: i32 => code::I32;
    put_i64: i64 => code::I64;
    put_u16: u16 => code::U16;
    put_u32: u32 => code::U32;
    put_u64: u64 => code::U64;
}

#[inline]
pub fn put_bool(w: &mut Vec<u8>, id: i16, v: bool) {
    put_field_header(w, code::BOOL, id);
    w.push(v as u8);
}

/// A string is an i32 length and raw bytes; empty and absent encode alike.
#[inline]
pub fn put_string(w: &mut Vec<u8>, id: i16, v: &[u8]) {
    put_field_header(w, code::STRING, id);
    w.extend_from_slice(&(v.len() as i32).to_be_bytes());
    w.extend_from_slice(v);
}

#[inline]
pub fn put_list_header(w: &mut Vec<u8>, id: i16, elem: u8, count: usize) {
    put_field_header(w, code::LIST, id);
    w.push(elem);
    w.extend_from_slice(&(count as i32).to_be_bytes());
}

/// `list<byte>`: the bytes themselves after the list header.
#[inline]
pub fn put_list_bytes(w: &mut Vec<u8>, id: i16, v: &[u8]) {
    put_list_header(w, id, code::BYTE, v.len());
    w.extend_from_slice(v);
}

macro_rules! list_writers {
    ($($fn_name:ident: $t:ty => $code:expr;)*) => {$(
        #[inline]
        pub fn $fn_name(w: &mut Vec<u8>, id: i16, v: &[$t]) {
            put_list_header(w, id, $code, v.len());
            w.reserve(v.len() * std::mem::size_of::<$t>());
            for x in v {
                w.extend_from_slice(&x.to_be_bytes());
            }
        }
    )*};
}

list_writers! {
    put_list_i16: i16 => code::I16;
    put_list_i32: i32 => code::I32;
    put_list_i64: i64 => code::I64;
    put_list_u16: u16 => code::U16;
    put_list_u32: u32 => code::U32;
    put_list_u64: u64 => code::U64;
}
