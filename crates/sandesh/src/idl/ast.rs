//! The parsed form of a Sandesh IDL file.

use crate::types::FieldType;

/// A position in an IDL file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub enums: Vec<EnumDef>,
    pub messages: Vec<MessageDef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    pub name: String,
    pub doc: Option<String>,
    pub values: Vec<EnumValue>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    pub name: String,
    pub value: i64,
    pub doc: Option<String>,
}

/// A `buffer sandesh` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageDef {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<FieldDef>,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub id: i16,
    pub name: String,
    pub ty: FieldType,
    /// The enum named as the field's type, if any (its values travel as i32).
    pub enum_name: Option<String>,
    pub doc: Option<String>,
    pub pos: Pos,
}

impl Schema {
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }
}
