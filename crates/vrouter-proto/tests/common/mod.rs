//! Shared helpers for the conformance tests: the vectors, hex, and a JSON view of messages
//! built through the schema descriptors and the tape (the path the JavaScript binding uses).

#![allow(dead_code)]

use std::path::PathBuf;

use sandesh::tape::{TapeReader, TapeWriter};
use sandesh::types::{FieldType, Scalar};
use serde_json::{json, Map, Value};
use vrouter_proto::messages::{Message, MESSAGES};

pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/vectors")
}

/// Every vector of `kind`, as listed by the index.
pub fn vectors(kind: &str) -> Vec<Value> {
    let dir = vectors_dir();
    let index: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    index
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| serde_json::from_str(&std::fs::read_to_string(dir.join(e["file"].as_str().unwrap())).unwrap()).unwrap())
        .collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn desc(name: &str) -> (usize, &'static sandesh::types::MessageDesc) {
    MESSAGES.iter().enumerate().find(|(_, m)| m.name == name).unwrap_or_else(|| panic!("no message {name}"))
}

/// The message's fields as the vectors write them: 64-bit values as decimal strings, bytes
/// as octets, byte scalars signed.
pub fn message_to_fields(m: &Message) -> Value {
    let mut t = TapeWriter::default();
    m.write_tape(&mut t);
    let d = &MESSAGES[m.index()];
    let (mut ip, mut wp, mut bp) = (1usize, 0usize, 0usize);
    let mut chars = t.strs.chars();
    let mut obj = Map::new();
    for f in d.fields {
        let v = match f.ty {
            FieldType::Scalar(Scalar::I64) => {
                wp += 1;
                json!(t.wides[wp - 1].to_string())
            }
            FieldType::Scalar(Scalar::U64) => {
                wp += 1;
                json!((t.wides[wp - 1] as u64).to_string())
            }
            FieldType::Scalar(Scalar::String) => {
                let n = t.ints[ip] as usize;
                ip += 1;
                json!(chars.by_ref().take(n).collect::<String>())
            }
            FieldType::Scalar(Scalar::U32) => {
                ip += 1;
                json!(t.ints[ip - 1] as u32)
            }
            FieldType::Scalar(_) => {
                ip += 1;
                json!(t.ints[ip - 1])
            }
            FieldType::List(Scalar::Byte) => {
                let n = t.ints[ip] as usize;
                ip += 1;
                bp += n;
                json!(t.bytes[bp - n..bp].to_vec())
            }
            FieldType::List(s) if s.is_wide() => {
                let n = t.ints[ip] as usize;
                ip += 1;
                wp += n;
                let items = &t.wides[wp - n..wp];
                Value::Array(
                    items
                        .iter()
                        .map(|&x| if s == Scalar::U64 { json!((x as u64).to_string()) } else { json!(x.to_string()) })
                        .collect(),
                )
            }
            FieldType::List(s) => {
                let n = t.ints[ip] as usize;
                ip += 1;
                ip += n;
                let items = &t.ints[ip - n..ip];
                Value::Array(items.iter().map(|&x| if s == Scalar::U32 { json!(x as u32) } else { json!(x) }).collect())
            }
        };
        obj.insert(f.name.to_string(), v);
    }
    Value::Object(obj)
}

/// Builds a message from vector-style fields through the tape; absent fields default.
pub fn fields_to_message(name: &str, fields: &Value) -> Message {
    let (index, d) = desc(name);
    let mut ints = vec![index as i32];
    let mut wides = Vec::new();
    let mut strs: Vec<u16> = Vec::new();
    let mut bytes = Vec::new();
    let int = |v: &Value| v.as_i64().unwrap_or(0) as i32;
    let wide = |v: &Value| match v {
        Value::String(s) => s.parse::<i64>().unwrap_or_else(|_| s.parse::<u64>().unwrap() as i64),
        _ => 0,
    };
    for f in d.fields {
        let v = &fields[f.name];
        match f.ty {
            FieldType::Scalar(s) if s.is_wide() => wides.push(wide(v)),
            FieldType::Scalar(Scalar::String) => {
                let units: Vec<u16> = v.as_str().unwrap_or("").encode_utf16().collect();
                ints.push(units.len() as i32);
                strs.extend(units);
            }
            FieldType::Scalar(_) => ints.push(int(v)),
            FieldType::List(s) => {
                let items = v.as_array().cloned().unwrap_or_default();
                ints.push(items.len() as i32);
                for x in &items {
                    match s {
                        Scalar::Byte => bytes.push(x.as_i64().unwrap() as u8),
                        s if s.is_wide() => wides.push(wide(x)),
                        _ => ints.push(int(x)),
                    }
                }
            }
        }
    }
    let mut r = TapeReader::new(&ints, &wides, &strs, &bytes);
    let m = Message::read_tape(&mut r).unwrap();
    assert!(r.at_end(), "{name}: tape not consumed");
    m
}
