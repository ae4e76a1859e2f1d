//! `.wasm` and `.wat` modules as input: translated by wasmtime, then
//! compared and optimised as CLIF. The module is built here, from
//! `tests/data/mix.wat`, with the `wat` crate.

mod common;

use common::regpress;
use std::path::PathBuf;

fn module() -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("regpress-wasm-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wat = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mix.wat");
    let wasm = dir.join("mix.wasm");
    std::fs::write(&wasm, wat::parse_file(&wat).unwrap()).unwrap();
    (dir, wasm)
}

#[test]
fn compare_reads_a_wasm_module() {
    let (dir, wasm) = module();
    let keep = dir.join("clif");
    let (code, out, err) = regpress(&[
        "compare",
        wasm.to_str().unwrap(),
        "--extractor",
        "cranelift,pressure",
        "--per-function",
        "--keep-clif",
        keep.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // Three defined functions, each measured on both targets.
    for f in 0..3 {
        assert!(
            out.contains(&format!("wasm[0]::function[{f}]")),
            "function {f} missing from:\n{out}"
        );
    }
    assert!(out.contains("cranelift-speed"), "{out}");
    assert!(out.contains("rows with errors: 0"), "{out}");
    let kept = std::fs::read_dir(keep.join("mix")).unwrap().count();
    assert!(kept >= 3, "only {kept} CLIF files kept");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn optimize_reads_a_wat_module() {
    let wat = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mix.wat");
    let (code, out, err) = regpress(&["optimize", wat.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let funcs = cranelift_reader::parse_functions(&out).unwrap();
    assert_eq!(funcs.len(), 3, "{out}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_malformed_module_is_one_line_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("regpress-bad-wasm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &[u8]); 3] = [
        ("truncated.wasm", b"\0asm\x01\0\0\0\x01\x05"),
        ("garbage.wasm", b"this is not wasm"),
        ("bad.wat", b"(module (func (result i32) (i32.add)))"),
    ];
    for (name, bytes) in cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        let (code, _, err) = regpress(&["compare", p.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn function_names_with_a_slash_translate() {
    // wasmtime names each CLIF file after its function; a `/` in a name
    // (Rust and Go toolchains write such names) made its `emit_clif`
    // panic. The name section is dropped before translation.
    let dir = std::env::temp_dir().join(format!("regpress-wasm-slash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wat = dir.join("slash.wat");
    std::fs::write(
        &wat,
        r#"(module
             (func $pkg/inner/add (export "add") (param i32 i32) (result i32)
               local.get 0 local.get 1 i32.add)
             (func $a/b (param i32) (result i32)
               local.get 0 i32.const 3 i32.mul))"#,
    )
    .unwrap();
    let (code, out, err) = regpress(&["compare", wat.to_str().unwrap(), "--extractor", "dag"]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    let files = regpress::wasm::translate(&wat, None).expect("translates");
    assert_eq!(files.len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
