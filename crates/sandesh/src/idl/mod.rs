//! The Sandesh IDL, as far as `buffer sandesh` schemas use it: enums, `buffer sandesh`
//! messages with numbered fields of byte/i16/i32/i64/u16/u32/u64/string/bool/list<T> or an
//! enum type, and `//`, `#`, `/* */` comments (`/** */` and `///` comments are documentation).

pub mod ast;
mod lexer;
mod parser;
mod validate;

use std::fmt;

pub use ast::*;

/// A syntax or semantic error, located as `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.pos.line, self.pos.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses and validates IDL source. `file` names the source in error messages.
pub fn parse(file: &str, src: &str) -> Result<Schema, ParseError> {
    let tokens = lexer::tokenize(file, src)?;
    let schema = parser::Parser::new(file, tokens).schema()?;
    validate::check(file, &schema)?;
    Ok(schema)
}

/// Reads and parses an IDL file.
pub fn parse_file(path: &std::path::Path) -> Result<Schema, Box<dyn std::error::Error>> {
    let src = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(parse(&path.display().to_string(), &src)?)
}
