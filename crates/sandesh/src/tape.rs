//! The tape: a message set flattened into typed columns, the form in which messages cross a
//! language boundary in one piece (for Node, one native call per batch instead of one per field).
//!
//! Each message is its index in the schema, then its fields in declaration order:
//! - `bool`, `byte`, `i16`, `i32`, `u16`, `u32` and enums: one entry in `ints` (u32 as its bit pattern);
//! - `i64`, `u64`: one entry in `wides` (u64 as its bit pattern);
//! - `string`: its UTF-16 length in `ints`, its text appended to `strs`;
//! - `list<byte>`: its length in `ints`, its bytes appended to `bytes`;
//! - other lists: the count in `ints`, then the elements in `ints` (or `wides` for 64-bit elements).
//!
//! Strings are UTF-16 on the reading side because that is what a JavaScript string holds.

use std::fmt;

/// Columns being written (decode direction: wire → tape).
#[derive(Debug, Default, Clone)]
pub struct TapeWriter {
    pub ints: Vec<i32>,
    pub wides: Vec<i64>,
    pub strs: String,
    pub bytes: Vec<u8>,
    /// Messages written.
    pub count: usize,
}

impl TapeWriter {
    pub fn clear(&mut self) {
        self.ints.clear();
        self.wides.clear();
        self.strs.clear();
        self.bytes.clear();
        self.count = 0;
    }

    #[inline]
    pub fn int(&mut self, v: i32) {
        self.ints.push(v);
    }
    #[inline]
    pub fn wide(&mut self, v: i64) {
        self.wides.push(v);
    }
    #[inline]
    pub fn string(&mut self, s: &str) {
        let units = if s.is_ascii() { s.len() } else { s.encode_utf16().count() };
        self.ints.push(units as i32);
        self.strs.push_str(s);
    }
    /// A string from its wire bytes (invalid UTF-8 replaced, as the typed decoder does).
    #[inline]
    pub fn string_bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => self.string(s),
            Err(_) => self.string(&String::from_utf8_lossy(b)),
        }
    }
    /// A list of `N`-byte big-endian integers from their wire bytes, each converted by `f`.
    #[inline]
    pub fn ints_be<const N: usize>(&mut self, raw: &[u8], f: impl Fn([u8; N]) -> i32) {
        self.ints.push((raw.len() / N) as i32);
        self.ints.extend(raw.chunks_exact(N).map(|c| f(c.try_into().expect("N-byte chunk"))));
    }
    /// A list of 64-bit big-endian integers from their wire bytes.
    #[inline]
    pub fn wides_be(&mut self, raw: &[u8]) {
        self.ints.push((raw.len() / 8) as i32);
        self.wides.extend(raw.chunks_exact(8).map(|c| i64::from_be_bytes(c.try_into().expect("8-byte chunk"))));
    }
    /// Where each column ends: a mark to roll back to.
    #[inline]
    pub fn mark(&self) -> [usize; 4] {
        [self.ints.len(), self.wides.len(), self.strs.len(), self.bytes.len()]
    }
    /// Drops everything written after `mark`.
    #[inline]
    pub fn truncate(&mut self, mark: [usize; 4]) {
        self.ints.truncate(mark[0]);
        self.wides.truncate(mark[1]);
        self.strs.truncate(mark[2]);
        self.bytes.truncate(mark[3]);
    }
    #[inline]
    pub fn bytes(&mut self, b: &[u8]) {
        self.ints.push(b.len() as i32);
        self.bytes.extend_from_slice(b);
    }
    #[inline]
    pub fn ints<T: Copy + Into<i32>>(&mut self, v: &[T]) {
        self.ints.push(v.len() as i32);
        self.ints.extend(v.iter().map(|&x| x.into()));
    }
    /// u32 elements, stored as their bit patterns.
    #[inline]
    pub fn uints(&mut self, v: &[u32]) {
        self.ints.push(v.len() as i32);
        self.ints.extend(v.iter().map(|&x| x as i32));
    }
    #[inline]
    pub fn wides<T: Copy>(&mut self, v: &[T], f: impl Fn(T) -> i64) {
        self.ints.push(v.len() as i32);
        self.wides.extend(v.iter().map(|&x| f(x)));
    }
}

/// Columns being read (encode direction: tape → wire). Every access is bounds-checked: a
/// malformed tape is an error, never a panic.
#[derive(Debug)]
pub struct TapeReader<'a> {
    ints: &'a [i32],
    wides: &'a [i64],
    strs: &'a [u16],
    bytes: &'a [u8],
    ip: usize,
    wp: usize,
    sp: usize,
    bp: usize,
}

/// A tape that does not describe messages of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeError(pub String);

impl fmt::Display for TapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed tape: {}", self.0)
    }
}

impl std::error::Error for TapeError {}

fn short(column: &str) -> TapeError {
    TapeError(format!("the {column} column ended early"))
}

impl<'a> TapeReader<'a> {
    pub fn new(ints: &'a [i32], wides: &'a [i64], strs: &'a [u16], bytes: &'a [u8]) -> Self {
        TapeReader { ints, wides, strs, bytes, ip: 0, wp: 0, sp: 0, bp: 0 }
    }

    #[inline]
    pub fn int(&mut self) -> Result<i32, TapeError> {
        let v = *self.ints.get(self.ip).ok_or_else(|| short("ints"))?;
        self.ip += 1;
        Ok(v)
    }
    #[inline]
    pub fn wide(&mut self) -> Result<i64, TapeError> {
        let v = *self.wides.get(self.wp).ok_or_else(|| short("wides"))?;
        self.wp += 1;
        Ok(v)
    }
    #[inline]
    fn len(&mut self) -> Result<usize, TapeError> {
        let n = self.int()?;
        usize::try_from(n).map_err(|_| TapeError(format!("negative length {n}")))
    }
    #[inline]
    pub fn string(&mut self) -> Result<String, TapeError> {
        let n = self.len()?;
        let units = self.strs.get(self.sp..self.sp + n).ok_or_else(|| short("strs"))?;
        self.sp += n;
        Ok(String::from_utf16_lossy(units))
    }
    #[inline]
    pub fn bytes(&mut self) -> Result<Vec<u8>, TapeError> {
        let n = self.len()?;
        let b = self.bytes.get(self.bp..self.bp + n).ok_or_else(|| short("bytes"))?;
        self.bp += n;
        Ok(b.to_vec())
    }
    /// A list of 8- to 32-bit integers, each narrowed by `f`.
    #[inline]
    pub fn ints<T>(&mut self, f: impl Fn(i32) -> T) -> Result<Vec<T>, TapeError> {
        let n = self.len()?;
        let s = self.ints.get(self.ip..self.ip + n).ok_or_else(|| short("ints"))?;
        self.ip += n;
        Ok(s.iter().map(|&x| f(x)).collect())
    }
    #[inline]
    pub fn wides<T>(&mut self, f: impl Fn(i64) -> T) -> Result<Vec<T>, TapeError> {
        let n = self.len()?;
        let s = self.wides.get(self.wp..self.wp + n).ok_or_else(|| short("wides"))?;
        self.wp += n;
        Ok(s.iter().map(|&x| f(x)).collect())
    }

    /// True once every column has been consumed.
    pub fn at_end(&self) -> bool {
        self.ip == self.ints.len()
    }
}

/// A message type that can be written to and read from a tape (implemented by generated code).
pub trait TapeCodec: Sized {
    fn write_tape(&self, t: &mut TapeWriter);
    fn read_tape(t: &mut TapeReader<'_>) -> Result<Self, TapeError>;
}
