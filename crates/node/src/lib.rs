//! The Node-API binding of vrouter-io: the only crate that knows Node-API.
//!
//! Messages cross the boundary as a tape (see `sandesh::tape`): one call per batch of
//! messages, never one per field.

mod codec;
