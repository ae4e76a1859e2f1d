//! The `regpress` binary: errors are one line with a non-zero exit.

mod common;
use common::regpress;

#[test]
fn unknown_file_is_a_one_line_error() {
    let (code, _, err) = regpress(&["compare", "/nonexistent/x.clif"]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/x.clif"), "{err}");
}

#[test]
fn malformed_file_is_a_one_line_error() {
    let dir = std::env::temp_dir().join(format!("regpress-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.clif");
    std::fs::write(&bad, "function %f( {\n").unwrap();
    for cmd in [
        &["compare", bad.to_str().unwrap()][..],
        &["optimize", bad.to_str().unwrap()][..],
    ] {
        let (code, _, err) = regpress(cmd);
        assert_ne!(code, 0);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("bad.clif:1:"), "{err}");
    }
}

#[test]
fn unknown_extractor_and_rules_are_errors() {
    let (code, _, err) = regpress(&["compare", "--extractor", "nope"]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown extractor `nope`"), "{err}");
    let (code, _, err) = regpress(&["compare", "--rules", "default+bogus"]);
    assert_ne!(code, 0);
    assert!(err.contains("unknown rule set `bogus`"), "{err}");
}

#[test]
fn optimize_writes_parseable_clif_in_order() {
    let dir = std::env::temp_dir().join(format!("regpress-opt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.clif");
    std::fs::write(
        &input,
        "function %a(i32) -> i32 {\nblock0(v0: i32):\n  v1 = iconst.i32 0\n  v2 = iadd v0, v1\n  return v2\n}\n\
         function %b(i64) -> i64 {\nblock0(v0: i64):\n  v1 = imul v0, v0\n  return v1\n}\n",
    )
    .unwrap();
    let output = dir.join("out.clif");
    let (code, _, err) = regpress(&[
        "optimize",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&output).unwrap();
    let funcs = cranelift_reader::parse_functions(&text).unwrap();
    let names: Vec<String> = funcs.iter().map(|f| f.name.to_string()).collect();
    assert_eq!(names, ["%a", "%b"]);
}
