//! The runtime reader: skipping every wire type, bounds, depth and length checks.

use sandesh::reader::Reader;
use sandesh::wire::{self, code};
use sandesh::DecodeErrorKind;

#[test]
fn skips_every_type_an_unknown_field_may_have() {
    let mut w = Vec::new();
    wire::put_bool(&mut w, 1, true);
    wire::put_byte(&mut w, 2, -1);
    wire::put_i16(&mut w, 3, 7);
    wire::put_u16(&mut w, 4, 7);
    wire::put_i32(&mut w, 5, 7);
    wire::put_u32(&mut w, 6, 7);
    wire::put_i64(&mut w, 7, 7);
    wire::put_u64(&mut w, 8, 7);
    wire::put_string(&mut w, 9, b"abc");
    wire::put_list_u64(&mut w, 10, &[1, 2]);
    wire::put_list_bytes(&mut w, 11, b"xyz");
    w.extend_from_slice(&[code::DOUBLE, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]);
    w.extend_from_slice(&[code::IPV4, 0, 13, 10, 0, 0, 1]);
    w.extend_from_slice(&[code::UUID, 0, 14]);
    w.extend_from_slice(&[0; 16]);
    w.extend_from_slice(&[code::IPADDR, 0, 15, 2, 10, 0, 0, 1]);
    w.extend_from_slice(&[code::IPADDR, 0, 16, 10]);
    w.extend_from_slice(&[0; 16]);
    // struct { 1: i32 } then a map<i32, string> with one entry, then a set<i16> of two.
    w.extend_from_slice(&[code::STRUCT, 0, 17, code::I32, 0, 1, 0, 0, 0, 9, code::STOP]);
    w.extend_from_slice(&[code::MAP, 0, 18, code::I32, code::STRING, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1, b'q']);
    w.extend_from_slice(&[code::SET, 0, 19, code::I16, 0, 0, 0, 2, 0, 1, 0, 2]);
    wire::put_stop(&mut w);

    let mut r = Reader::new(&w);
    let mut seen = 0;
    while let Some((ty, _)) = r.field_header().unwrap() {
        r.skip(ty).unwrap();
        seen += 1;
    }
    assert_eq!(seen, 19);
    assert!(r.is_empty());
}

#[test]
fn lengths_are_checked_before_use() {
    // A string claiming 2 GiB in a 10-byte buffer.
    let mut r = Reader::new(&[0x7f, 0xff, 0xff, 0xff, 1, 2]);
    let e = r.string_bytes().unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::Truncated { needed: 0x7fffffff, available: 2 }));
    let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xfe]);
    assert!(matches!(r.string_bytes().unwrap_err().kind, DecodeErrorKind::NegativeLength(-2)));
    // A list of a billion u64s, refused from the header.
    let mut r = Reader::new(&[code::U64, 0x40, 0, 0, 0, 0]);
    assert!(matches!(r.list_u64().unwrap_err().kind, DecodeErrorKind::Truncated { .. }));
    // Variable-width elements: a count larger than the remaining bytes is refused at once.
    let mut r = Reader::new(&[code::STRING, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(r.skip(code::LIST).unwrap_err().kind, DecodeErrorKind::Truncated { .. }));
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let mut w = Vec::new();
    for _ in 0..10_000 {
        w.extend_from_slice(&[code::LIST, 0, 0, 0, 1]);
    }
    // list<list<list<…>>>: each level is an element type LIST and a count of 1.
    let mut r = Reader::new(&w);
    assert!(matches!(r.skip(code::LIST).unwrap_err().kind, DecodeErrorKind::TooDeep));
    let mut structs = [code::STRUCT, 0, 1].repeat(10_000);
    structs.push(0);
    let mut r = Reader::new(&structs);
    let (ty, _) = r.field_header().unwrap().unwrap();
    assert!(matches!(r.skip(ty).unwrap_err().kind, DecodeErrorKind::TooDeep));
}

#[test]
fn unknown_type_codes_cannot_be_skipped() {
    let mut r = Reader::new(&[0x2a, 0, 1, 0]);
    let (ty, id) = r.field_header().unwrap().unwrap();
    assert_eq!((ty, id), (0x2a, 1));
    assert!(matches!(r.skip(ty).unwrap_err().kind, DecodeErrorKind::UnknownTypeCode(0x2a)));
}
