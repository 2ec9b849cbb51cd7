//! Any tape given to the encoder (what the native binding accepts from JavaScript): a message
//! or a clean error, never a panic or a huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sandesh::tape::TapeReader;
use vrouter_proto::messages::Message;

fuzz_target!(|data: &[u8]| {
    let words: Vec<i32> = data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) % 64).collect();
    let (ints, rest) = words.split_at(words.len() / 2);
    let wides: Vec<i64> = rest.iter().map(|&x| i64::from(x)).collect();
    let strs: Vec<u16> = rest.iter().map(|&x| x as u16).collect();
    let mut t = TapeReader::new(ints, &wides, &strs, data);
    while let Ok(m) = Message::read_tape(&mut t) {
        let _ = m.to_bytes();
    }
});
