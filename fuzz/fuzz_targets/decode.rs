//! Any bytes given to the Sandesh decoder: no panic, and whatever decodes re-encodes to bytes
//! that decode to the same messages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sandesh::tape::{TapeReader, TapeWriter};
use vrouter_proto::messages::{decode_all, Message};

fuzz_target!(|data: &[u8]| {
    let decoded = decode_all(data);
    assert!(decoded.consumed <= data.len());
    for m in &decoded.messages {
        let again = decode_all(&m.to_bytes());
        assert!(again.error.is_none());
        assert_eq!(&again.messages[..], std::slice::from_ref(m));
        // The tape path the JavaScript binding uses gives the same message back.
        let mut t = TapeWriter::default();
        m.write_tape(&mut t);
        let strs: Vec<u16> = t.strs.encode_utf16().collect();
        let back = Message::read_tape(&mut TapeReader::new(&t.ints, &t.wides, &strs, &t.bytes)).unwrap();
        assert_eq!(&back, m);
    }
});
