//! Decode errors: what went wrong, in which message and field, at which byte.

use std::fmt;

/// What made a buffer undecodable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The buffer ended inside a name, field header or value.
    Truncated { needed: usize, available: usize },
    /// The leading name is not a message of the schema (vRouter answers EINVAL).
    UnknownMessage(String),
    /// A string or list length field is negative.
    NegativeLength(i32),
    /// A field carries a type code the protocol does not define, so it cannot be skipped.
    UnknownTypeCode(u8),
    /// Nested lists, sets, maps or structs deeper than the decoder allows.
    TooDeep,
}

/// A decode failure, naming the message and field being read and the byte offset.
///
/// Boxed, so that the `Result` of every primitive read stays two words wide and is returned
/// in registers: decoding is a long chain of such reads, and failures are rare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeErrorDetails>);

/// What a [`DecodeError`] says (reached through `Deref`: `e.kind`, `e.offset`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeErrorDetails {
    pub kind: DecodeErrorKind,
    /// The message being decoded, when its name was already read.
    pub message: Option<&'static str>,
    /// The field being decoded, when known (unknown fields are reported by id).
    pub field: Option<FieldRef>,
    /// Offset of the failing element from the start of the buffer handed to the decoder.
    pub offset: usize,
}

/// The field an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRef {
    Named(&'static str),
    Unknown(i16),
}

impl std::ops::Deref for DecodeError {
    type Target = DecodeErrorDetails;
    fn deref(&self) -> &DecodeErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for DecodeError {
    fn deref_mut(&mut self) -> &mut DecodeErrorDetails {
        &mut self.0
    }
}

impl DecodeError {
    pub fn new(kind: DecodeErrorKind, offset: usize) -> Self {
        Self::with_context(kind, None, None, offset)
    }

    pub fn with_context(kind: DecodeErrorKind, message: Option<&'static str>, field: Option<FieldRef>, offset: usize) -> Self {
        DecodeError(Box::new(DecodeErrorDetails { kind, message, field, offset }))
    }

    /// A short stable code for bindings (`ERR_SANDESH_TRUNCATED`, …).
    pub fn code(&self) -> &'static str {
        match self.kind {
            DecodeErrorKind::Truncated { .. } => "ERR_SANDESH_TRUNCATED",
            DecodeErrorKind::UnknownMessage(_) => "ERR_SANDESH_UNKNOWN_MESSAGE",
            DecodeErrorKind::NegativeLength(_) => "ERR_SANDESH_NEGATIVE_LENGTH",
            DecodeErrorKind::UnknownTypeCode(_) => "ERR_SANDESH_UNKNOWN_TYPE",
            DecodeErrorKind::TooDeep => "ERR_SANDESH_TOO_DEEP",
        }
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldRef::Named(n) => f.write_str(n),
            FieldRef::Unknown(id) => write!(f, "field id {id}"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.message, &self.field) {
            (Some(m), Some(field)) => write!(f, "{m}.{field}: ")?,
            (Some(m), None) => write!(f, "{m}: ")?,
            (None, _) => f.write_str("sandesh: ")?,
        }
        match &self.kind {
            DecodeErrorKind::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} more bytes, {available} left")?
            }
            DecodeErrorKind::UnknownMessage(name) => write!(f, "unknown message name {name:?}")?,
            DecodeErrorKind::NegativeLength(n) => write!(f, "negative length {n}")?,
            DecodeErrorKind::UnknownTypeCode(c) => write!(f, "unknown type code 0x{c:02x}")?,
            DecodeErrorKind::TooDeep => f.write_str("containers nested too deeply")?,
        }
        write!(f, " (at byte {})", self.offset)
    }
}

impl std::error::Error for DecodeError {}
