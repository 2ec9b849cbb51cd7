//! The errors the table objects throw for a bad argument, a closed table, a missing arena.

use napi::bindgen_prelude::*;

pub(super) fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, message.into())
}

pub(super) fn closed() -> Error {
    Error::new(Status::GenericFailure, "the table is closed".to_owned())
}

pub(super) fn no_arena() -> Error {
    Error::new(Status::GenericFailure, "no arena attached".to_owned())
}
