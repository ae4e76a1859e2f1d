//! Sightglass programs run end to end in wasmtime, stock and with
//! regpress's code served through wasmtime's incremental compilation cache,
//! with their output checked against the expected files.
//!
//! Needs `../shared/corpus/sightglass`; skips with a message without it.

use regpress::pipeline::Settings;
use regpress::rules::RuleSet;
use regpress::sightglass::run::{self, Outcome, Program};
use regpress::sightglass::serve::{self, MidEnd};
use std::path::PathBuf;

fn suite() -> Option<PathBuf> {
    let dir = regpress::corpus::shared_corpus()?.join("sightglass");
    dir.is_dir().then_some(dir)
}

fn program(name: &str) -> Option<Program> {
    let Some(dir) = suite() else {
        eprintln!("skipping: ../shared/corpus/sightglass not found");
        return None;
    };
    let programs = run::programs(&dir).expect("the suite lists");
    Some(
        programs
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} is in the suite")),
    )
}

fn regpress(extractor: &str) -> MidEnd {
    MidEnd::Regpress {
        extractor: extractor.to_string(),
        rules: RuleSet::parse("default").expect("built-in rule set"),
        checked: false,
    }
}

/// Compile and run `program` natively as `mid_end` makes it.
fn run_as(program: &Program, mid_end: &MidEnd) -> (serve::Artifact, Outcome) {
    let wasm = std::fs::read(&program.wasm).expect("the module reads");
    let artifact = serve::compile(&wasm, mid_end, &Settings::default(), &|_, _| {})
        .unwrap_or_else(|e| panic!("{} as {}: {e}", program.name, mid_end.name()));
    let outcome = run::run(&artifact.bytes, mid_end.opt_level(), program)
        .unwrap_or_else(|e| panic!("{} as {}: {e}", program.name, mid_end.name()));
    (artifact, outcome)
}

#[test]
fn fib2_runs_stock_and_with_regpress_code() {
    let Some(p) = program("shootout-fib2") else {
        return;
    };
    let (_, stock) = run_as(&p, &MidEnd::Stock);
    stock
        .check(&p, None)
        .expect("stock wasmtime prints the expected output");
    for extractor in ["cranelift", "pressure"] {
        let (artifact, ours) = run_as(&p, &regpress(extractor));
        ours.check(&p, None)
            .unwrap_or_else(|e| panic!("{extractor}: {e}"));
        assert!(artifact.functions_total > 0);
        // Every function recompiled unchanged gives wasmtime's own code,
        // so every one of them is served regpress's.
        assert_eq!(
            artifact.functions_regpress, artifact.functions_total,
            "{extractor}: not served: {:?}",
            artifact.fallbacks
        );
        assert!(artifact.identical >= artifact.functions_total);
        assert!(artifact.glue > 0, "trampolines are compiled too");
    }
}

#[test]
fn served_code_is_the_code_that_runs() {
    // If wasmtime ignored the served stencils it would compile every
    // function itself at `opt_level=none`, and the artifact would equal a
    // plain `opt_level=none` compilation. Served optimised code differs.
    let Some(p) = program("shootout-fib2") else {
        return;
    };
    let wasm = std::fs::read(&p.wasm).expect("the module reads");
    let settings = Settings::default();
    let served =
        serve::compile(&wasm, &regpress("cranelift"), &settings, &|_, _| {}).expect("compiles");
    let again =
        serve::compile(&wasm, &regpress("cranelift"), &settings, &|_, _| {}).expect("compiles");
    assert_eq!(served.bytes, again.bytes, "compilation is deterministic");
    let engine = wasmtime::Engine::new(&serve::config(wasmtime::OptLevel::None).unwrap()).unwrap();
    let plain = engine.precompile_module(&wasm).expect("compiles");
    assert_ne!(served.bytes, plain, "the served stencils were not used");
}

#[test]
fn a_wrong_output_is_reported() {
    let Some(p) = program("shootout-fib2") else {
        return;
    };
    let (_, mut outcome) = run_as(&p, &MidEnd::Stock);
    outcome.stdout.push(b'!');
    let err = outcome
        .check(&p, None)
        .expect_err("an extra byte is a mismatch");
    assert!(err.contains("stdout differs"), "{err}");
    let (_, mut outcome) = run_as(&p, &MidEnd::Stock);
    outcome.ends = 0;
    assert!(outcome.check(&p, None).is_err());
}

fn row(benchmark: &str, variant: &str, instructions: u64, ok: bool) -> regpress::sightglass::Row {
    regpress::sightglass::Row {
        benchmark: benchmark.into(),
        variant: variant.into(),
        instructions: Some(instructions),
        output_ok: ok,
        functions_regpress: 3,
        functions_total: 4,
        ..Default::default()
    }
}

#[test]
fn totals_skip_programs_wrong_under_any_variant() {
    let rows = vec![
        row("a", "stock", 100, true),
        row("a", "pressure/default", 90, true),
        row("b", "stock", 1000, true),
        row("b", "pressure/default", 10, false),
    ];
    let totals = regpress::sightglass::totals(&rows);
    assert_eq!(totals.len(), 2);
    assert_eq!(totals[0].programs, 1, "b is wrong under pressure");
    assert_eq!(totals[1].instructions, 90);
    assert!((totals[1].ratio_vs_stock - 0.9).abs() < 1e-12);
    let mut md = Vec::new();
    regpress::sightglass::write_markdown(&mut md, &rows).unwrap();
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("| b | 1000 | WRONG | 3/4 |"), "{md}");
    assert!(md.contains("**0.9000**"), "{md}");
}

#[test]
fn without_expected_files_stock_is_the_reference() {
    let program = Program {
        name: "no-expected".into(),
        wasm: std::env::temp_dir().join("regpress-no-such-dir/x.wasm"),
    };
    let stock = Outcome {
        stdout: b"42\n".to_vec(),
        starts: 1,
        ends: 1,
        ..Outcome::default()
    };
    stock
        .check(&program, None)
        .expect("stock itself: exit status only");
    let same = stock.clone();
    same.check(&program, Some(&stock)).expect("same output");
    let mut other = stock.clone();
    other.stdout = b"41\n".to_vec();
    let err = other.check(&program, Some(&stock)).expect_err("differs");
    assert!(err.contains("stock wasmtime's"), "{err}");
}
