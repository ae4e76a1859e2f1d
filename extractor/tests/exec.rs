//! `regpress exec`: bad input is a one-line error, and on a straight-line
//! kernel the executed count per call equals the static instruction count
//! of the same code (so callgrind sees exactly the JIT code, once per call).

mod common;

use common::regpress;
use regpress::validate::codegen;
use regpress::{corpus, extract, pipeline, rules::RuleSet};
use std::path::PathBuf;
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regpress-exec-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn bad_arguments_are_one_line_errors() {
    for (args, want) in [
        (
            &["exec", "--extractor", "nope"][..],
            "unknown extractor `nope`",
        ),
        (
            &["exec", "--rules", "default+bogus"][..],
            "unknown rule set `bogus`",
        ),
        (&["exec", "--calls", "0"][..], "--calls must be at least 1"),
        (&["exec", "/nonexistent/x.clif"][..], "/nonexistent/x.clif"),
        (
            &["exec", "--valgrind", "/nonexistent/valgrind"][..],
            "/nonexistent/valgrind",
        ),
    ] {
        let (code, _, err) = regpress(args);
        assert_ne!(code, 0, "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn the_worker_refuses_to_run_outside_callgrind() {
    let manifest = scratch("manifest.json");
    let (code, _, err) = regpress(&["exec-worker", "--manifest", manifest.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("must run under callgrind"), "{err}");
    assert!(!manifest.exists());
}

/// A kernel shaped like the built-in ones (state through a pointer,
/// updated in place), without branches, and its test-vector wrapper.
const KERNEL: &str = "
test run
function %mix(i64) {
block0(v0: i64):
    v1 = load.i64 notrap aligned v0
    v2 = load.i64 notrap aligned v0+8
    v3 = load.i64 notrap aligned v0+16
    v4 = iadd v1, v2
    v5 = iconst.i64 13
    v6 = rotl v4, v5
    v7 = bxor v6, v3
    v8 = iadd v7, v1
    v9 = iconst.i64 0
    v10 = iadd v8, v9
    store notrap aligned v10, v0
    store notrap aligned v6, v0+8
    return
}

function %mix_test() -> i8 {
    ss0 = explicit_slot 24, align = 16
    fn0 = colocated %mix(i64)
block0:
    v0 = stack_addr.i64 ss0
    v1 = iconst.i64 1
    store notrap aligned v1, v0
    v2 = iconst.i64 2
    store notrap aligned v2, v0+8
    v3 = iconst.i64 4
    store notrap aligned v3, v0+16
    call fn0(v0)
    v4 = load.i64 notrap aligned v0
    v5 = iconst.i64 0x6005
    v6 = icmp eq v4, v5
    return v6
}
; run: %mix_test() == 1
";

fn valgrind_present() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn executed_count_of_straight_line_code_is_its_static_count() {
    if std::env::consts::ARCH != "x86_64" {
        eprintln!("skipping: regpress exec measures x86_64 hosts only");
        return;
    }
    if !valgrind_present() {
        eprintln!("skipping: valgrind is not installed");
        return;
    }
    let path = scratch("mix.clif");
    std::fs::write(&path, KERNEL).unwrap();
    let csv = scratch("mix.csv");
    let (code, out, err) = regpress(&[
        "exec",
        "--extractor",
        "dag",
        "--rules",
        "default",
        "--calls",
        "7",
        "-o",
        csv.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");

    // The same code, measured statically.
    let file = corpus::load_file(&path).unwrap();
    let mix = &file.functions[0];
    let speed = codegen::build_isa("x86_64", "speed").unwrap();
    let none = codegen::build_isa("x86_64", "none").unwrap();
    let ours = pipeline::optimize(
        mix,
        &*none,
        &*extract::by_name("dag").unwrap(),
        &RuleSet::DEFAULT.rules(),
        &pipeline::Settings::default(),
    )
    .unwrap();
    let want = [
        (
            "cranelift-speed",
            codegen::compile(mix, &*speed).unwrap().insts,
        ),
        (
            "dag/default",
            codegen::compile(&ours.func, &*none).unwrap().insts,
        ),
    ];

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), want.len(), "{text}");
    for (variant, insts) in want {
        let row = rows
            .iter()
            .find(|r| r[col("variant")] == variant)
            .unwrap_or_else(|| panic!("no {variant} row: {text}"));
        assert_eq!(row[col("kernel")], "mix");
        assert_eq!(row[col("kernel_calls")], "7", "{text}");
        assert_eq!(row[col("exact")], "true", "{text}");
        assert_eq!(row[col("run_passed")], "1", "{text}");
        assert_eq!(row[col("error")], "", "{text}");
        assert_eq!(
            row[col("insts_per_call")],
            insts.to_string(),
            "{variant}: executed vs static\n{text}"
        );
    }
}
