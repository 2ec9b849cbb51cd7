//! Code generators: Rust for the crates, TypeScript for the JavaScript facade.

mod names;
pub mod rust;
pub mod typescript;

pub use names::upper_camel;
