//! Properties of the codec over every message of the schema: random messages survive
//! encode → decode unchanged, and no input, however mangled, makes the decoder panic.

use proptest::prelude::*;
use sandesh::tape::{TapeReader, TapeWriter};
use sandesh::Reader;
use sandesh::types::{FieldType, Scalar};
use vrouter_proto::messages::{decode_all, Message, MESSAGES};

/// A random message of schema index `index`, built through the tape from a seeded generator.
fn random_message(index: usize, seed: u64) -> Message {
    let mut rng = seed | 1;
    let mut next = move || {
        // xorshift64: enough spread for field values, and reproducible from the seed.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut ints, mut wides, mut strs, mut bytes) = (vec![index as i32], vec![], vec![], vec![]);
    for f in MESSAGES[index].fields {
        let narrow = |s: Scalar, v: u64| -> i32 {
            match s {
                Scalar::Bool => (v & 1) as i32,
                Scalar::Byte => v as i8 as i32,
                Scalar::I16 => v as i16 as i32,
                Scalar::U16 => v as u16 as i32,
                _ => v as i32,
            }
        };
        match f.ty {
            FieldType::Scalar(Scalar::String) => {
                let n = (next() % 12) as usize;
                let s: String = (0..n).map(|_| char::from_u32(0x20 + (next() % 0x2f0) as u32).unwrap_or('x')).collect();
                let units: Vec<u16> = s.encode_utf16().collect();
                ints.push(units.len() as i32);
                strs.extend(units);
            }
            FieldType::Scalar(s) if s.is_wide() => wides.push(next() as i64),
            FieldType::Scalar(s) => ints.push(narrow(s, next())),
            FieldType::List(s) => {
                let n = (next() % 6) as usize;
                ints.push(n as i32);
                for _ in 0..n {
                    match s {
                        Scalar::Byte => bytes.push(next() as u8),
                        s if s.is_wide() => wides.push(next() as i64),
                        s => ints.push(narrow(s, next())),
                    }
                }
            }
        }
    }
    Message::read_tape(&mut TapeReader::new(&ints, &wides, &strs, &bytes)).expect("well-formed tape")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_messages_round_trip(index in 0..MESSAGES.len(), seed: u64) {
        let m = random_message(index, seed);
        let bytes = m.to_bytes();
        let d = decode_all(&bytes);
        prop_assert!(d.error.is_none(), "{:?}", d.error);
        prop_assert_eq!(d.consumed, bytes.len());
        prop_assert_eq!(&d.messages, &vec![m]);
    }

    #[test]
    fn batches_of_messages_round_trip(picks in prop::collection::vec((0..MESSAGES.len(), any::<u64>()), 0..20)) {
        let ms: Vec<Message> = picks.iter().map(|&(i, s)| random_message(i, s)).collect();
        let mut bytes = Vec::new();
        ms.iter().for_each(|m| m.encode(&mut bytes));
        prop_assert_eq!(decode_all(&bytes).messages, ms);
    }

    /// The straight-to-tape decoder (used by the JavaScript binding) agrees with decoding
    /// messages and writing them to the tape, on valid, mangled and reordered input alike.
    #[test]
    fn tape_decoder_agrees_with_typed_decoder(
        picks in prop::collection::vec((0..MESSAGES.len(), any::<u64>()), 1..4),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    ) {
        let mut bytes = Vec::new();
        picks.iter().for_each(|&(i, s)| random_message(i, s).encode(&mut bytes));
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        let typed = decode_all(&bytes);
        let mut expected = TapeWriter::default();
        typed.messages.iter().for_each(|m| m.write_tape(&mut expected));

        let mut tape = TapeWriter::default();
        let mut r = Reader::new(&bytes);
        let mut error = None;
        while !r.is_empty() {
            if let Err(e) = Message::decode_to_tape(&mut r, &mut tape) {
                error = Some(e);
                break;
            }
        }
        prop_assert_eq!(error, typed.error);
        prop_assert_eq!((tape.count, &tape.ints, &tape.wides, &tape.strs, &tape.bytes),
            (expected.count, &expected.ints, &expected.wides, &expected.strs, &expected.bytes));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = decode_all(&bytes);
    }

    #[test]
    fn every_truncation_fails_cleanly(index in 0..MESSAGES.len(), seed: u64, cut in any::<prop::sample::Index>()) {
        let bytes = random_message(index, seed).to_bytes();
        let at = cut.index(bytes.len());
        let d = decode_all(&bytes[..at]);
        prop_assert!(at == 0 || d.error.is_some());
        prop_assert!(d.messages.is_empty());
    }

    #[test]
    fn corrupted_messages_never_panic(index in 0..MESSAGES.len(), seed: u64, flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = random_message(index, seed).to_bytes();
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        let _ = decode_all(&bytes);
    }
}
