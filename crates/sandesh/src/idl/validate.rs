//! Semantic checks after parsing: unique names and ids, declared enum types.

use std::collections::HashSet;

use super::ast::Schema;
use super::ParseError;

pub fn check(file: &str, s: &Schema) -> Result<(), ParseError> {
    let err = |pos, message: String| ParseError { file: file.to_string(), pos, message };
    // Report the later of two declarations of a name, in file order.
    let mut decls: Vec<(&str, super::ast::Pos)> =
        s.enums.iter().map(|e| (e.name.as_str(), e.pos)).chain(s.messages.iter().map(|m| (m.name.as_str(), m.pos))).collect();
    decls.sort_by_key(|(_, p)| (p.line, p.column));
    let mut type_names = HashSet::new();
    for (name, pos) in decls {
        if !type_names.insert(name) {
            return Err(err(pos, format!("`{name}` is declared twice")));
        }
    }
    for e in &s.enums {
        let mut names = HashSet::new();
        for v in &e.values {
            if !names.insert(v.name.as_str()) {
                return Err(err(e.pos, format!("enum `{}` declares `{}` twice", e.name, v.name)));
            }
        }
    }
    for m in &s.messages {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for f in &m.fields {
            if !ids.insert(f.id) {
                return Err(err(f.pos, format!("`{}` uses field id {} twice", m.name, f.id)));
            }
            if !names.insert(f.name.as_str()) {
                return Err(err(f.pos, format!("`{}` declares field `{}` twice", m.name, f.name)));
            }
            if let Some(en) = &f.enum_name {
                if s.enum_def(en).is_none() {
                    return Err(err(f.pos, format!("unknown type `{en}` for field `{}`", f.name)));
                }
            }
        }
    }
    Ok(())
}
