//! The value types a field can have, shared by the compiler and the runtime descriptors.

use crate::wire::code;

/// A scalar type: what a field holds, or what a list's elements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scalar {
    Bool,
    Byte,
    I16,
    I32,
    I64,
    U16,
    U32,
    U64,
    String,
}

/// A field's type. Enum-typed fields are `Scalar(I32)`: enums travel as i32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    Scalar(Scalar),
    List(Scalar),
}

impl Scalar {
    /// The wire type code.
    pub const fn code(self) -> u8 {
        match self {
            Scalar::Bool => code::BOOL,
            Scalar::Byte => code::BYTE,
            Scalar::I16 => code::I16,
            Scalar::I32 => code::I32,
            Scalar::I64 => code::I64,
            Scalar::U16 => code::U16,
            Scalar::U32 => code::U32,
            Scalar::U64 => code::U64,
            Scalar::String => code::STRING,
        }
    }

    /// Bytes one value takes on the wire (strings: the length prefix only).
    pub const fn width(self) -> usize {
        match self {
            Scalar::Bool | Scalar::Byte => 1,
            Scalar::I16 | Scalar::U16 => 2,
            Scalar::I32 | Scalar::U32 | Scalar::String => 4,
            Scalar::I64 | Scalar::U64 => 8,
        }
    }

    /// The IDL spelling.
    pub const fn idl_name(self) -> &'static str {
        match self {
            Scalar::Bool => "bool",
            Scalar::Byte => "byte",
            Scalar::I16 => "i16",
            Scalar::I32 => "i32",
            Scalar::I64 => "i64",
            Scalar::U16 => "u16",
            Scalar::U32 => "u32",
            Scalar::U64 => "u64",
            Scalar::String => "string",
        }
    }

    pub fn from_idl_name(name: &str) -> Option<Scalar> {
        Some(match name {
            "bool" => Scalar::Bool,
            "byte" | "i8" => Scalar::Byte,
            "i16" => Scalar::I16,
            "i32" => Scalar::I32,
            "i64" => Scalar::I64,
            "u16" => Scalar::U16,
            "u32" => Scalar::U32,
            "u64" => Scalar::U64,
            "string" => Scalar::String,
            _ => return None,
        })
    }

    /// 64-bit types: bigint in JavaScript, a separate tape column.
    pub const fn is_wide(self) -> bool {
        matches!(self, Scalar::I64 | Scalar::U64)
    }
}

impl FieldType {
    pub const fn code(self) -> u8 {
        match self {
            FieldType::Scalar(s) => s.code(),
            FieldType::List(_) => code::LIST,
        }
    }

    pub fn idl_name(self) -> String {
        match self {
            FieldType::Scalar(s) => s.idl_name().to_string(),
            FieldType::List(s) => format!("list<{}>", s.idl_name()),
        }
    }
}

/// A message's runtime description, emitted by the Rust generator as static tables. Drives
/// the schema-generic codecs (the tape codec behind the JavaScript binding).
#[derive(Debug)]
pub struct MessageDesc {
    pub name: &'static str,
    pub fields: &'static [FieldDesc],
    /// `(id, index in fields)` sorted by id, for lookups while decoding.
    pub by_id: &'static [(i16, u16)],
}

#[derive(Debug)]
pub struct FieldDesc {
    pub id: i16,
    pub name: &'static str,
    pub ty: FieldType,
}

impl MessageDesc {
    /// The index in `fields` of the field with wire id `id`.
    #[inline]
    pub fn field_index(&self, id: i16) -> Option<usize> {
        self.by_id.binary_search_by_key(&id, |&(fid, _)| fid).ok().map(|k| self.by_id[k].1 as usize)
    }
}
