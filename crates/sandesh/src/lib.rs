//! Sandesh, as vRouter speaks it on ksync: an IDL compiler and the binary-protocol runtime.
//!
//! - [`idl`] parses `buffer sandesh` schemas; [`codegen`] turns them into Rust (message structs
//!   with encode/decode, static descriptors) and TypeScript (types, enums, tape readers/writers).
//! - [`wire`] writes and [`reader::Reader`] reads the binary protocol; [`decode_all`] decodes a
//!   buffer of concatenated messages as vRouter's decoder does.
//! - [`tape`] flattens messages into typed columns so that they cross a language boundary whole.
//!
//! The crate knows nothing of vRouter: the schema is the caller's.

pub mod codegen;
pub mod error;
pub mod idl;
pub mod reader;
pub mod tape;
pub mod types;
pub mod wire;

pub use error::{DecodeError, DecodeErrorDetails, DecodeErrorKind, FieldRef};
pub use reader::Reader;

/// One message type of a schema (implemented by generated code).
pub trait Sandesh: Sized {
    /// The name that starts the message on the wire.
    const NAME: &'static str;

    /// Appends the whole message: name, every field in declaration order, stop byte.
    fn encode(&self, w: &mut Vec<u8>);

    /// Reads the fields after the name, up to and including the stop byte. Unknown ids and
    /// known ids with another type code are skipped; absent fields keep their defaults.
    fn decode_fields(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Vec::new();
        self.encode(&mut w);
        w
    }
}

/// The set of all messages of a schema, dispatched by name (implemented by generated code).
pub trait MessageSet: Sized {
    /// Reads one whole message: its name, then its fields.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// What decoding a buffer of concatenated messages produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<M> {
    /// Messages decoded before the end or before the first error.
    pub messages: Vec<M>,
    /// Bytes of the buffer taken by `messages`.
    pub consumed: usize,
    pub error: Option<DecodeError>,
}

/// Decodes every message of `buf` as vRouter's `sandesh_decode` does: one after another until
/// the buffer is consumed; trailing bytes are another message (so a short tail is an error).
/// Messages before a failure are kept, as vRouter delivers them before it gives up.
pub fn decode_all<M: MessageSet>(buf: &[u8]) -> Decoded<M> {
    let mut r = Reader::new(buf);
    let mut messages = Vec::new();
    let mut consumed = 0;
    while !r.is_empty() {
        match M::decode(&mut r) {
            Ok(m) => {
                messages.push(m);
                consumed = r.position();
            }
            Err(e) => return Decoded { messages, consumed, error: Some(e) },
        }
    }
    Decoded { messages, consumed, error: None }
}
