//! The IDL parser: what it accepts, and errors located as file:line:column.

use sandesh::idl::parse;
use sandesh::types::{FieldType, Scalar};

const GOOD: &str = r#"
// line comment
# hash comment
/** Operations. */
enum sandesh_op { ADD = 0, GET, DEL = 0x2; DUMP }

/* block */
/**
 * A request.
 * Two lines.
 */
buffer sandesh demo_req {
    1: sandesh_op h_op;
    /// The index.
    2: i32 idx,
    3: list<byte> mac
    5: list<u64> counters;
    4: string name;
    6: u16 port;
}
"#;

#[test]
fn parses_enums_messages_types_and_docs() {
    let s = parse("demo.sandesh", GOOD).unwrap();
    let e = &s.enums[0];
    assert_eq!(e.doc.as_deref(), Some("Operations."));
    let values: Vec<(&str, i64)> = e.values.iter().map(|v| (v.name.as_str(), v.value)).collect();
    assert_eq!(values, [("ADD", 0), ("GET", 1), ("DEL", 2), ("DUMP", 3)]);
    let m = &s.messages[0];
    assert_eq!(m.name, "demo_req");
    assert_eq!(m.doc.as_deref(), Some("A request.\nTwo lines."));
    let f: Vec<(i16, &str, FieldType)> = m.fields.iter().map(|f| (f.id, f.name.as_str(), f.ty)).collect();
    assert_eq!(
        f,
        [
            (1, "h_op", FieldType::Scalar(Scalar::I32)),
            (2, "idx", FieldType::Scalar(Scalar::I32)),
            (3, "mac", FieldType::List(Scalar::Byte)),
            (5, "counters", FieldType::List(Scalar::U64)),
            (4, "name", FieldType::Scalar(Scalar::String)),
            (6, "port", FieldType::Scalar(Scalar::U16)),
        ]
    );
    assert_eq!(m.fields[0].enum_name.as_deref(), Some("sandesh_op"));
    assert_eq!(m.fields[1].doc.as_deref(), Some("The index."));
}

fn error_of(src: &str) -> String {
    parse("x.sandesh", src).unwrap_err().to_string()
}

#[test]
fn errors_name_file_line_and_column() {
    assert_eq!(
        error_of("buffer sandesh a {\n  1: i32 x;\n  1: i32 y;\n}"),
        "x.sandesh:3:3: `a` uses field id 1 twice"
    );
    assert_eq!(error_of("buffer sandesh a {\n  1: color x;\n}"), "x.sandesh:2:3: unknown type `color` for field `x`");
    assert_eq!(
        error_of("buffer sandesh a {\n  1: optional i32 x;\n}"),
        "x.sandesh:2:6: `optional` fields are not allowed in buffer sandesh: every field is always written"
    );
    assert_eq!(error_of("buffer sandesh a {\n  1: i32 x;\n  2: i32 x;\n}"), "x.sandesh:3:3: `a` declares field `x` twice");
    assert_eq!(error_of("buffer sandesh a {\n  0: i32 x;\n}"), "x.sandesh:2:3: field id 0 is outside 1..=32767");
    assert_eq!(error_of("struct s {}"), "x.sandesh:1:1: `struct` declarations are not supported in buffer sandesh schemas");
    assert_eq!(
        error_of("\n\nsystemlog sandesh s {}"),
        "x.sandesh:3:1: `systemlog sandesh` is not supported: only `buffer sandesh` messages travel over ksync"
    );
    assert_eq!(error_of("buffer sandesh a {\n  1: list<list<i32>> x;\n}"), "x.sandesh:2:11: nested lists are not supported");
    assert_eq!(error_of("buffer sandesh a {\n  1: i32 x\n"), "x.sandesh:3:1: expected a field id or `}`, found end of file");
    assert_eq!(error_of("/* open"), "x.sandesh:1:1: unterminated block comment");
    assert_eq!(error_of("enum e { A = 0x1ffffffff }"), "x.sandesh:1:14: enum value 8589934591 does not fit in 32 bits");
    assert_eq!(error_of("buffer sandesh a { 1: i32 x; } enum a { X }"), "x.sandesh:1:32: `a` is declared twice");
    assert_eq!(error_of("buffer sandesh a { 1 i32 x; }"), "x.sandesh:1:22: expected `:`, found `i32`");
    assert_eq!(error_of("buffer sandesh a { 1: i32 x; } @"), "x.sandesh:1:32: unexpected character '@'");
}

#[test]
fn generators_emit_every_message_and_enum() {
    let s = parse("demo.sandesh", GOOD).unwrap();
    let rust = sandesh::codegen::rust::generate(&s, "demo.sandesh");
    assert!(rust.contains("pub struct DemoReq {"));
    assert!(rust.contains("pub counters: Vec<u64>,"));
    assert!(rust.contains("pub const DEL: Self = Self(2);"));
    let ts = sandesh::codegen::typescript::generate(&s, "demo.sandesh", "./tape");
    assert!(ts.contains("export interface DemoReq {"));
    assert!(ts.contains("  counters: bigint[]\n"));
    assert!(ts.contains("  mac: Uint8Array\n"));
    assert!(ts.contains("export const SandeshOp = {"));
    assert!(ts.contains("} as const"));
    assert!(!ts.contains("const enum"));
}
