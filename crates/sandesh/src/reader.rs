//! Bounds-checked reading of the Sandesh binary protocol.
//!
//! Nothing here panics or allocates from a length read off the wire: every length is checked
//! against the bytes that remain before anything is sized from it.

use crate::error::{DecodeError, DecodeErrorKind, FieldRef};
use crate::wire::code;

/// How deeply containers of unknown fields may nest before the skipper gives up.
const MAX_SKIP_DEPTH: u32 = 32;

/// A cursor over one buffer of concatenated Sandesh messages.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Message being decoded, for error context.
    pub message: Option<&'static str>,
    /// Field being decoded, for error context.
    pub field: Option<FieldRef>,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0, message: None, field: None }
    }

    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// An error at the current position carrying the current message and field.
    #[cold]
    pub fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::with_context(kind, self.message, self.field, self.pos)
    }

    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        match self.buf.get(self.pos..).and_then(|rest| rest.get(..n)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.truncated(n)),
        }
    }

    #[cold]
    #[inline(never)]
    fn truncated(&self, needed: usize) -> DecodeError {
        self.error(DecodeErrorKind::Truncated { needed, available: self.remaining() })
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        match self.buf.get(self.pos..self.pos + N).and_then(|s| <[u8; N]>::try_from(s).ok()) {
            Some(a) => {
                self.pos += N;
                Ok(a)
            }
            None => Err(self.truncated(N)),
        }
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    #[inline]
    pub fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(self.u8()? as i8)
    }
    #[inline]
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.u8()? != 0)
    }
    #[inline]
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    #[inline]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    #[inline]
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    #[inline]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    #[inline]
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    #[inline]
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An i32 length that must be non-negative; callers check it against what remains.
    #[inline]
    fn length(&mut self) -> Result<usize, DecodeError> {
        let at = self.pos;
        let n = self.i32()?;
        if n < 0 {
            self.pos = at;
            return Err(self.error(DecodeErrorKind::NegativeLength(n)));
        }
        Ok(n as usize)
    }

    /// A string's raw bytes (length 0 is the absent string).
    #[inline]
    pub fn string_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.length()?;
        self.take(n)
    }

    /// The name that starts every message.
    pub fn message_name(&mut self) -> Result<&'a [u8], DecodeError> {
        self.message = None;
        self.field = None;
        self.string_bytes()
    }

    /// The next field header, or `None` at the stop byte.
    #[inline]
    pub fn field_header(&mut self) -> Result<Option<(u8, i16)>, DecodeError> {
        self.field = None;
        let ty = self.u8()?;
        if ty == code::STOP {
            return Ok(None);
        }
        Ok(Some((ty, self.i16()?)))
    }

    /// A list header: the element type byte and the element count. The count is checked so
    /// that `count * min_elem_size` bytes remain.
    #[inline]
    pub fn list_header(&mut self, min_elem_size: usize) -> Result<(u8, usize), DecodeError> {
        let elem = self.u8()?;
        let n = self.length()?;
        let needed = n.saturating_mul(min_elem_size);
        if needed > self.remaining() {
            return Err(self.error(DecodeErrorKind::Truncated { needed, available: self.remaining() }));
        }
        Ok((elem, n))
    }

    /// `list<byte>` contents. The element byte is ignored, as vRouter's reader ignores it.
    #[inline]
    pub fn list_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let (_, n) = self.list_header(1)?;
        self.take(n)
    }

    /// A list of fixed-width integers, read with the schema's element type whatever the
    /// element byte says (vRouter's reader trusts its IDL, not the wire).
    #[inline]
    fn list_of<T, const N: usize>(&mut self, f: fn([u8; N]) -> T) -> Result<Vec<T>, DecodeError> {
        let (_, n) = self.list_header(N)?;
        let body = self.take(n * N)?;
        Ok(body.chunks_exact(N).map(|c| f(c.try_into().expect("chunk of N bytes"))).collect())
    }

    pub fn list_i16(&mut self) -> Result<Vec<i16>, DecodeError> {
        self.list_of(i16::from_be_bytes)
    }
    pub fn list_u16(&mut self) -> Result<Vec<u16>, DecodeError> {
        self.list_of(u16::from_be_bytes)
    }
    pub fn list_i32(&mut self) -> Result<Vec<i32>, DecodeError> {
        self.list_of(i32::from_be_bytes)
    }
    pub fn list_u32(&mut self) -> Result<Vec<u32>, DecodeError> {
        self.list_of(u32::from_be_bytes)
    }
    pub fn list_i64(&mut self) -> Result<Vec<i64>, DecodeError> {
        self.list_of(i64::from_be_bytes)
    }
    pub fn list_u64(&mut self) -> Result<Vec<u64>, DecodeError> {
        self.list_of(u64::from_be_bytes)
    }

    /// Consumes the next field header if it is exactly (`ty`, `id`); otherwise leaves the
    /// reader where it was. Used by the in-order fast path of generated decoders.
    #[inline]
    pub fn eat_field(&mut self, ty: u8, id: i16) -> bool {
        let id = id.to_be_bytes();
        match self.buf.get(self.pos..self.pos + 3) {
            Some(&[t, a, b]) if t == ty && a == id[0] && b == id[1] => {
                self.pos += 3;
                true
            }
            _ => false,
        }
    }

    /// The elements of a list of `width`-byte integers, as raw big-endian bytes.
    #[inline]
    pub fn list_raw(&mut self, width: usize) -> Result<&'a [u8], DecodeError> {
        let (_, n) = self.list_header(width)?;
        self.take(n * width)
    }

    /// Skips one value of type `ty` (an unknown field, or a known id with an unexpected type).
    pub fn skip(&mut self, ty: u8) -> Result<(), DecodeError> {
        self.skip_at_depth(ty, 0)
    }

    fn skip_at_depth(&mut self, ty: u8, depth: u32) -> Result<(), DecodeError> {
        if depth > MAX_SKIP_DEPTH {
            return Err(self.error(DecodeErrorKind::TooDeep));
        }
        if let Some(width) = fixed_width(ty) {
            self.take(width)?;
            return Ok(());
        }
        match ty {
            code::STRING | code::UTF8 | code::UTF16 | code::XML => {
                self.string_bytes()?;
            }
            code::IPADDR => {
                // One family byte, then 4 (AF_INET 2) or 16 bytes.
                let family = self.u8()?;
                self.take(if family == 2 { 4 } else { 16 })?;
            }
            code::LIST | code::SET => {
                let elem = self.u8()?;
                let n = self.length()?;
                self.skip_elements(elem, n, depth)?;
            }
            code::MAP => {
                let k = self.u8()?;
                let v = self.u8()?;
                let n = self.length()?;
                for _ in 0..n {
                    self.skip_at_depth(k, depth + 1)?;
                    self.skip_at_depth(v, depth + 1)?;
                }
            }
            code::STRUCT => {
                while let Some((t, _)) = self.field_header()? {
                    self.skip_at_depth(t, depth + 1)?;
                }
            }
            other => {
                return Err(self.error(DecodeErrorKind::UnknownTypeCode(other)));
            }
        }
        Ok(())
    }

    fn skip_elements(&mut self, elem: u8, n: usize, depth: u32) -> Result<(), DecodeError> {
        if let Some(width) = fixed_width(elem) {
            let needed = n.saturating_mul(width);
            self.take(needed)?;
            return Ok(());
        }
        // Variable-width elements take at least one byte each: a count larger than what
        // remains is truncation, found before looping on it.
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::Truncated { needed: n, available: self.remaining() }));
        }
        for _ in 0..n {
            self.skip_at_depth(elem, depth + 1)?;
        }
        Ok(())
    }
}

/// Bytes taken by a value of a fixed-width type, `None` for variable-width or unknown types.
pub fn fixed_width(ty: u8) -> Option<usize> {
    Some(match ty {
        code::BOOL | code::BYTE => 1,
        code::I16 | code::U16 => 2,
        code::I32 | code::U32 | code::IPV4 => 4,
        code::I64 | code::U64 | code::DOUBLE => 8,
        code::UUID => 16,
        _ => return None,
    })
}
