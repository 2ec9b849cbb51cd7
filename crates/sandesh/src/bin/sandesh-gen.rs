//! `sandesh-gen ts SCHEMA OUT TAPE_MODULE` writes the TypeScript module for a schema;
//! `sandesh-gen rust SCHEMA OUT` the Rust one (build scripts call the library directly).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: sandesh-gen ts SCHEMA OUT.ts TAPE_MODULE | sandesh-gen rust SCHEMA OUT.rs";
    let (lang, schema_path, out) = match args.as_slice() {
        [lang, schema, out, ..] => (lang.as_str(), schema, out),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let schema = match sandesh::idl::parse_file(Path::new(schema_path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let source = schema_path.replace('\\', "/");
    let code = match (lang, args.get(3)) {
        ("ts", Some(tape)) => sandesh::codegen::typescript::generate(&schema, &source, tape),
        ("rust", None) => sandesh::codegen::rust::generate(&schema, &source),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = Path::new(out).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // Leave the file untouched when nothing changed, so that watchers and tsc stay quiet.
    if std::fs::read_to_string(out).ok().as_deref() == Some(code.as_str()) {
        return ExitCode::SUCCESS;
    }
    match std::fs::write(out, code) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{out}: {e}");
            ExitCode::FAILURE
        }
    }
}
