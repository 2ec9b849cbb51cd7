//! Recursive-descent parser from tokens to the AST.

use super::ast::*;
use super::lexer::{Tok, Token};
use super::ParseError;
use crate::types::{FieldType, Scalar};

pub struct Parser<'f> {
    file: &'f str,
    toks: Vec<Token>,
    i: usize,
}

impl<'f> Parser<'f> {
    pub fn new(file: &'f str, toks: Vec<Token>) -> Self {
        Parser { file, toks, i: 0 }
    }

    fn peek(&self) -> &Token {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() - 1 {
            self.i += 1;
        }
        t
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> ParseError {
        ParseError { file: self.file.to_string(), pos, message: msg.into() }
    }

    fn describe(t: &Tok) -> String {
        match t {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(v) => format!("number {v}"),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Doc(_) => "a doc comment".into(),
            Tok::Eof => "end of file".into(),
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<(), ParseError> {
        let t = self.bump();
        if t.tok == Tok::Punct(c) {
            Ok(())
        } else {
            Err(self.err(t.pos, format!("expected `{c}`, found {}", Self::describe(&t.tok))))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, Pos), ParseError> {
        let t = self.bump();
        match t.tok {
            Tok::Ident(s) => Ok((s, t.pos)),
            other => Err(self.err(t.pos, format!("expected {what}, found {}", Self::describe(&other)))),
        }
    }

    fn int(&mut self, what: &str) -> Result<(i64, Pos), ParseError> {
        let t = self.bump();
        match t.tok {
            Tok::Int(v) => Ok((v, t.pos)),
            other => Err(self.err(t.pos, format!("expected {what}, found {}", Self::describe(&other)))),
        }
    }

    /// Collects consecutive doc comments (joined) preceding a declaration.
    fn docs(&mut self) -> Option<String> {
        let mut parts = Vec::new();
        while let Tok::Doc(d) = &self.peek().tok {
            parts.push(d.clone());
            self.bump();
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }

    fn eat_separator(&mut self) {
        if matches!(self.peek().tok, Tok::Punct(';') | Tok::Punct(',')) {
            self.bump();
        }
    }

    pub fn schema(mut self) -> Result<Schema, ParseError> {
        let mut schema = Schema { enums: Vec::new(), messages: Vec::new() };
        loop {
            let doc = self.docs();
            let t = self.peek().clone();
            match &t.tok {
                Tok::Eof => return Ok(schema),
                Tok::Ident(kw) if kw == "enum" => {
                    self.bump();
                    schema.enums.push(self.enum_def(doc, t.pos)?);
                }
                Tok::Ident(kw) if kw == "buffer" => {
                    self.bump();
                    let (s, pos) = self.ident("`sandesh`")?;
                    if s != "sandesh" {
                        return Err(self.err(pos, format!("expected `sandesh` after `buffer`, found `{s}`")));
                    }
                    schema.messages.push(self.message(doc, t.pos)?);
                }
                Tok::Ident(kw) => {
                    let next_is_sandesh =
                        matches!(self.toks.get(self.i + 1).map(|t| &t.tok), Some(Tok::Ident(s)) if s == "sandesh");
                    let msg = if next_is_sandesh {
                        format!("`{kw} sandesh` is not supported: only `buffer sandesh` messages travel over ksync")
                    } else if matches!(
                        kw.as_str(),
                        "struct" | "union" | "exception" | "service" | "typedef" | "const" | "include" | "namespace"
                    ) {
                        format!("`{kw}` declarations are not supported in buffer sandesh schemas")
                    } else {
                        format!("expected `enum` or `buffer sandesh`, found `{kw}`")
                    };
                    return Err(self.err(t.pos, msg));
                }
                other => {
                    return Err(self.err(t.pos, format!("expected `enum` or `buffer sandesh`, found {}", Self::describe(other))))
                }
            }
        }
    }

    fn enum_def(&mut self, doc: Option<String>, pos: Pos) -> Result<EnumDef, ParseError> {
        let (name, _) = self.ident("an enum name")?;
        self.expect_punct('{')?;
        let mut values = Vec::new();
        let mut next = 0i64;
        loop {
            let vdoc = self.docs();
            if self.peek().tok == Tok::Punct('}') {
                self.bump();
                break;
            }
            let (vname, _) = self.ident("an enum value name or `}`")?;
            if self.peek().tok == Tok::Punct('=') {
                self.bump();
                let (v, vpos) = self.int("an enum value")?;
                if v < i32::MIN as i64 || v > u32::MAX as i64 {
                    return Err(self.err(vpos, format!("enum value {v} does not fit in 32 bits")));
                }
                next = v;
            }
            values.push(EnumValue { name: vname, value: next, doc: vdoc });
            next += 1;
            self.eat_separator();
        }
        Ok(EnumDef { name, doc, values, pos })
    }

    fn message(&mut self, doc: Option<String>, pos: Pos) -> Result<MessageDef, ParseError> {
        let (name, _) = self.ident("a message name")?;
        self.expect_punct('{')?;
        let mut fields = Vec::new();
        loop {
            let fdoc = self.docs();
            if self.peek().tok == Tok::Punct('}') {
                self.bump();
                break;
            }
            let (id, id_pos) = self.int("a field id or `}`")?;
            if !(1..=i16::MAX as i64).contains(&id) {
                return Err(self.err(id_pos, format!("field id {id} is outside 1..=32767")));
            }
            self.expect_punct(':')?;
            if let Tok::Ident(q) = &self.peek().tok {
                if q == "optional" || q == "required" {
                    let p = self.peek().pos;
                    return Err(self.err(p, format!("`{q}` fields are not allowed in buffer sandesh: every field is always written")));
                }
            }
            let (ty, enum_name) = self.field_type()?;
            let (fname, _) = self.ident("a field name")?;
            self.eat_separator();
            fields.push(FieldDef { id: id as i16, name: fname, ty, enum_name, doc: fdoc, pos: id_pos });
        }
        Ok(MessageDef { name, doc, fields, pos })
    }

    fn field_type(&mut self) -> Result<(FieldType, Option<String>), ParseError> {
        let (tname, tpos) = self.ident("a type")?;
        if tname == "list" {
            self.expect_punct('<')?;
            let (ename, epos) = self.ident("a list element type")?;
            if ename == "list" {
                return Err(self.err(epos, "nested lists are not supported"));
            }
            self.expect_punct('>')?;
            return match Scalar::from_idl_name(&ename) {
                Some(Scalar::String) | Some(Scalar::Bool) => {
                    Err(self.err(epos, format!("list<{ename}> is not supported: list elements must be integers")))
                }
                Some(s) => Ok((FieldType::List(s), None)),
                None => Err(self.err(epos, format!("unknown list element type `{ename}`"))),
            };
        }
        if let Some(s) = Scalar::from_idl_name(&tname) {
            return Ok((FieldType::Scalar(s), None));
        }
        // Any other name must be an enum; `validate` checks that it is declared.
        if matches!(tname.as_str(), "map" | "set" | "double" | "ipv4" | "ipaddr" | "uuid_t" | "xml" | "binary") {
            return Err(self.err(tpos, format!("type `{tname}` is not supported")));
        }
        Ok((FieldType::Scalar(Scalar::I32), Some(tname)))
    }
}
