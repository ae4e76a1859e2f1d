//! Bad and hostile input (issue 7, point 4): each case gets a specific
//! error, or a correct result computed within the configured limits. Time
//! is bounded by limits the report says were hit, memory by the e-graph's
//! node count against `Limits::nodes`; no test measures wall-clock time.
//!
//! Complements `pipeline.rs` (`malformed_clif_is_a_one_line_error`,
//! `function_without_blocks_is_refused`, `deep_doubling_chain`,
//! `hundred_thousand_instructions`) and `cli.rs`.

use cranelift_codegen::ir::Function;
use regpress::corpus;
use regpress::extract::{self, EXTRACTORS};
use regpress::pipeline::{self, PipelineError, Settings};
use regpress::rules::{Limits, RuleSet};
use regpress::validate::{codegen, semantics};
mod common;
use common::regpress;
use std::time::Duration;

/// Rule application stops at the node limit, one e-class's matches at a
/// time (`rules::bounded`), so the e-graph may pass the limit by one
/// e-class's worth of new nodes: a few hundred at most here.
fn node_bound(limits: &Limits) -> usize {
    limits.nodes + 500
}

fn isa() -> cranelift_codegen::isa::OwnedTargetIsa {
    codegen::build_isa("x86_64", "none").unwrap()
}

fn parse_one(text: &str) -> Function {
    corpus::parse("hostile.clif", text)
        .unwrap()
        .functions
        .remove(0)
}

/// Optimise `func` with every extractor under `rules` and `settings`;
/// check the result (verifier, interpreter on `inputs` random argument
/// lists) and that the e-graph stayed within the node bound. Returns the
/// saturation stop reasons seen.
fn every_extractor_bounded(
    func: &Function,
    rules: &str,
    settings: &Settings,
    inputs: usize,
) -> Vec<String> {
    let isa = isa();
    let rules = RuleSet::parse(rules).unwrap().rules();
    let mut stops = Vec::new();
    for name in EXTRACTORS {
        let ex = extract::by_name(name).unwrap();
        let out = pipeline::optimize(func, &*isa, &*ex, &rules, settings).unwrap();
        let sat = &out.report.saturation;
        assert!(
            sat.nodes <= node_bound(&settings.limits),
            "{name}: {} e-nodes over the bound {}",
            sat.nodes,
            node_bound(&settings.limits)
        );
        assert!(
            sat.iterations <= settings.limits.iterations,
            "{name}: {sat:?}"
        );
        assert!(out.report.graph_nodes <= sat.nodes, "{name}");
        cranelift_codegen::verify_function(&out.func, &*isa).unwrap();
        let diff = semantics::differential(func, &out.func, &[], inputs, 3).unwrap();
        assert!(inputs == 0 || diff.compared > 0, "{name}: nothing compared");
        eprintln!("{name}: {sat:?}");
        stops.push(sat.stop.clone());
    }
    stops
}

#[test]
fn malformed_text_is_a_one_line_error_at_its_line() {
    let cases: &[(&str, usize)] = &[
        ("function %f(i32 -> i32 {\n", 1),
        ("function %f() {\nblock0:\n    return\n", 3),
        (
            "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd v0\n    return v1\n}",
            4,
        ),
        (
            "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd v0, v9\n    return v1\n}",
            3,
        ),
        ("function %f(i33) {\nblock0(v0: i33):\n    return\n}", 1),
        ("\u{0}\u{1}\u{ff}garbage", 1),
    ];
    for (text, line) in cases {
        let err = match corpus::parse("bad.clif", text) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted {text:?}"),
        };
        assert!(
            err.starts_with(&format!("bad.clif:{line}:")),
            "{text:?}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}

/// A run command whose hex literal is wider than its vector argument makes
/// cranelift-reader panic (found by the `clif_text` fuzz target); the file
/// still parses, without that command, and the CLI does not crash on it.
#[test]
fn run_command_too_wide_for_its_vector_is_dropped_not_a_panic() {
    let text = "test interpret\nfunction %a(i16x4) -> i8 {\nblock0(v0: i16x4):\n    v1 = iconst.i8 0\n    return v1\n}\n; run: %a(0x00000000000000000000000000000000) == 0\n";
    let file = corpus::parse("wide.clif", text).expect("the function parses");
    assert_eq!(file.functions.len(), 1);
    assert!(file.run_commands[0].is_empty());
    let dir = std::env::temp_dir().join(format!("regpress-wide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wide.clif");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = regpress(&[
        "compare",
        path.to_str().unwrap(),
        "--extractor",
        "cranelift",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_opcode_is_named_in_the_error() {
    let err = corpus::parse(
        "op.clif",
        "function %f(i64) -> i64 {\nblock0(v0: i64):\n    v1 = frobnicate v0, v0\n    return v1\n}",
    )
    .err()
    .unwrap()
    .to_string();
    assert!(err.starts_with("op.clif:3:"), "{err}");
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn function_that_does_not_verify_is_refused_with_the_first_error() {
    // Parses, but returns an i64 from an i32 function.
    let func = parse_one("function %f(i64) -> i32 {\nblock0(v0: i64):\n    return v0\n}");
    let isa = isa();
    for name in EXTRACTORS {
        let ex = extract::by_name(name).unwrap();
        let err = pipeline::optimize(&func, &*isa, &*ex, &[], &Settings::default())
            .err()
            .unwrap();
        assert!(
            matches!(&err, PipelineError::Invalid { name, .. } if name == "%f"),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.starts_with("function %f does not verify:"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}

#[test]
fn function_without_blocks_is_refused_by_every_extractor() {
    let func = parse_one("function %nothing() {\n}");
    let isa = isa();
    for name in EXTRACTORS {
        let ex = extract::by_name(name).unwrap();
        let err = pipeline::optimize(&func, &*isa, &*ex, &[], &Settings::default())
            .err()
            .unwrap();
        assert_eq!(err, PipelineError::NoBlocks("%nothing".into()));
    }
}

/// An `n`-long `iadd` chain over `n` distinct leaves (`bxor` of a
/// parameter and a constant): associativity and commutativity (the
/// `reassoc` set) make every subset of leaves a sum worth a class, 2^n of
/// them.
fn blow_up(n: usize) -> Function {
    let mut text = String::from(
        "function %blow(i64, i64, i64, i64) -> i64 {\nblock0(v0: i64, v1: i64, v2: i64, v3: i64):\n",
    );
    let mut acc = 0;
    for i in 0..n {
        let (c, w, sum) = (4 + 3 * i, 5 + 3 * i, 6 + 3 * i);
        text.push_str(&format!(
            "    v{c} = iconst.i64 {}\n    v{w} = bxor v{}, v{c}\n    v{sum} = iadd v{acc}, v{w}\n",
            (i + 1) * 0x101,
            i % 4
        ));
        acc = sum;
    }
    text.push_str(&format!("    return v{acc}\n}}\n"));
    parse_one(&text)
}

#[test]
fn rule_blow_up_stops_at_the_node_limit_with_a_correct_result() {
    let func = blow_up(60);
    let settings = Settings {
        limits: Limits {
            iterations: 1000,
            nodes: 4000,
            time: Duration::from_secs(3600),
        },
        ..Settings::default()
    };
    let stops = every_extractor_bounded(&func, "default+reassoc+demorgan", &settings, 16);
    assert!(stops.iter().all(|s| s == "nodes"), "{stops:?}");
}

#[test]
fn time_limit_stops_saturation_with_a_correct_result() {
    // A zero time budget is over before the first iteration's check.
    let func = blow_up(30);
    let settings = Settings {
        limits: Limits {
            time: Duration::ZERO,
            ..Limits::default()
        },
        ..Settings::default()
    };
    let stops = every_extractor_bounded(&func, "default+reassoc+demorgan", &settings, 16);
    assert!(stops.iter().all(|s| s == "time"), "{stops:?}");
}

#[test]
fn iteration_limit_stops_saturation_with_a_correct_result() {
    let func = blow_up(30);
    let settings = Settings {
        limits: Limits {
            iterations: 2,
            time: Duration::from_secs(3600),
            ..Limits::default()
        },
        ..Settings::default()
    };
    let stops = every_extractor_bounded(&func, "default+reassoc+demorgan", &settings, 16);
    assert!(stops.iter().all(|s| s == "iterations"), "{stops:?}");
}

/// The 1,000-deep doubling chain under every rule set: tree costs double
/// per step (2^1000 overflows any integer) yet every extractor returns a
/// correct result, and the e-graph stays within the node bound.
#[test]
fn deep_doubling_chain_is_bounded_under_every_rule_set() {
    let mut text = String::from("function %chain(i64) -> i64 {\nblock0(v0: i64):\n");
    for i in 1..=1000 {
        text.push_str(&format!("    v{i} = iadd v{}, v{}\n", i - 1, i - 1));
    }
    text.push_str("    return v1000\n}\n");
    let func = parse_one(&text);
    for rules in ["default", "default+reassoc", "default+reassoc+demorgan"] {
        every_extractor_bounded(&func, rules, &Settings::default(), 4);
    }
}

/// 100,000 instructions with the default settings: the default node limit
/// bounds the e-graph (the `hundred_thousand_instructions` test in
/// `pipeline.rs` checks every extractor's result and the instruction limit).
#[test]
fn hundred_thousand_instructions_stay_within_the_default_node_limit() {
    let mut text = String::from("function %big(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n");
    for i in 2..100_000 {
        let op = ["iadd", "bxor", "imul", "isub"][i % 4];
        text.push_str(&format!("    v{i} = {op} v{}, v{}\n", i - 1, i / 2));
    }
    text.push_str("    return v99999\n}\n");
    let func = parse_one(&text);
    let isa = isa();
    let settings = Settings::default();
    let ex = extract::by_name("cranelift").unwrap();
    let rules = RuleSet::parse("default+reassoc").unwrap().rules();
    let out = pipeline::optimize(&func, &*isa, &*ex, &rules, &settings).unwrap();
    let sat = &out.report.saturation;
    assert!(sat.nodes <= node_bound(&settings.limits), "{sat:?}");
    assert!(sat.stop != "saturated" || sat.nodes <= settings.limits.nodes);
    cranelift_codegen::verify_function(&out.func, &*isa).unwrap();
    semantics::differential(&func, &out.func, &[], 2, 5).unwrap();
}

/// The limits are command-line flags: a tiny node limit still gives
/// verifying output, and the instruction limit refuses with one line.
#[test]
fn cli_limits_bound_the_work_and_refuse_with_one_line() {
    let dir = std::env::temp_dir().join(format!("regpress-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("blow.clif");
    std::fs::write(&input, blow_up(40).display().to_string()).unwrap();
    let path = input.to_str().unwrap();
    let (code, out, err) = regpress(&[
        "optimize",
        "--rules",
        "default+reassoc+demorgan",
        "--max-nodes",
        "2000",
        path,
    ]);
    assert_eq!(code, 0, "{err}");
    let file = corpus::parse("out.clif", &out).unwrap();
    cranelift_codegen::verify_function(&file.functions[0], &*isa()).unwrap();
    let (code, _, err) = regpress(&["optimize", "--max-insts", "10", path]);
    assert_ne!(code, 0);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("over the limit of 10"), "{err}");
}
