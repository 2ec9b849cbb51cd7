//! Compiles `schema/vr.sandesh` into the Rust message module at build time.

use std::path::PathBuf;

fn main() {
    let schema_path = "schema/vr.sandesh";
    println!("cargo:rerun-if-changed={schema_path}");
    let schema = match sandesh::idl::parse_file(std::path::Path::new(schema_path)) {
        Ok(s) => s,
        Err(e) => {
            // file:line:column, as the compiler reports it.
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let code = sandesh::codegen::rust::generate(&schema, "crates/vrouter-proto/schema/vr.sandesh");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo")).join("vr.rs");
    std::fs::write(&out, code).expect("write generated messages");
}
