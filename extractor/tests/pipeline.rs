//! The pipeline, end to end: every output verifies, keeps every `; run:`
//! line passing, agrees with the original on random inputs, and compiles
//! for both targets. Corpora outside the repo are read from `../shared`;
//! tests that need them skip with a message when it is absent.

use regpress::compare::{check_run_lines, cranelift_optimized, Isas};
use regpress::corpus::{self, CorpusFile};
use regpress::extract;
use regpress::pipeline::{self, Settings};
use regpress::rules::RuleSet;
use regpress::validate::{codegen, semantics};
use std::path::PathBuf;

/// `func` through our pipeline: default rules, the `cranelift` extractor,
/// for x86_64 (`opt_level=none`, so Cranelift does not optimise again).
fn optimize_default(func: &cranelift_codegen::ir::Function) -> pipeline::Optimized {
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let ex = extract::by_name("cranelift").unwrap();
    pipeline::optimize(
        func,
        &*isa,
        &*ex,
        &RuleSet::DEFAULT.rules(),
        &Settings::default(),
    )
    .unwrap()
}

fn shared(sub: &str) -> Option<PathBuf> {
    let p = corpus::shared_corpus()?.join(sub);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} is absent (../shared not beside the checkout)",
            p.display()
        );
        None
    }
}

/// Optimise every function of `file` with default rules and the `cranelift`
/// extractor; check verifier, run lines, random inputs and compilation.
fn round_trip(file: &CorpusFile, isas: &[Isas], random_inputs: usize) -> Vec<String> {
    let ex = extract::by_name("cranelift").unwrap();
    let rules = RuleSet::DEFAULT.rules();
    let mut failures = Vec::new();
    for (i, func) in file.functions.iter().enumerate() {
        let out = match pipeline::optimize(func, &*isas[0].none, &*ex, &rules, &Settings::default())
        {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: refused: {e}", file.path));
                continue;
            }
        };
        if let Some(f) = &out.report.fallback {
            failures.push(format!("{}:{}: fell back: {f}", file.path, func.name));
        }
        let (passed, total, first) = check_run_lines(file, i, &out.func);
        if passed != total {
            failures.push(format!("{}:{}: {}", file.path, func.name, first.unwrap()));
        }
        if random_inputs > 0 {
            let others = file.others(i);
            if let Err(e) =
                semantics::differential(func, &out.func, &others, random_inputs, i as u64)
            {
                failures.push(format!("{}: {e}", file.path));
            }
        }
        for isa in isas {
            if let Err(e) = codegen::compile(&out.func, &*isa.none) {
                failures.push(format!("{}:{} [{}]: {e}", file.path, func.name, isa.target));
            }
        }
    }
    failures
}

#[test]
fn builtin_kernels_round_trip() {
    let isas: Vec<Isas> = ["x86_64", "aarch64"]
        .iter()
        .map(|t| Isas::new(t).unwrap())
        .collect();
    let mut failures = Vec::new();
    let mut functions = 0;
    for file in corpus::builtin() {
        functions += file.functions.len();
        failures.extend(round_trip(&file, &isas, 16));
    }
    assert!(
        functions >= 20,
        "expected the built-in kernels, found {functions} functions"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The functions of the `test interpret` runtests whose run lines pass on
/// Cranelift's own `opt_level=speed` output must pass on ours.
#[test]
fn runtests_round_trip() {
    let Some(dir) = shared("filetests/runtests") else {
        return;
    };
    let isa = Isas::new("x86_64").unwrap();
    let ex = extract::by_name("cranelift").unwrap();
    let rules = RuleSet::DEFAULT.rules();
    let (mut population, mut lines, mut failures) = (0usize, 0usize, Vec::new());
    for path in corpus::clif_files(&dir).unwrap() {
        let Ok(file) = corpus::load_file(&path) else {
            continue;
        };
        if !file.interpret {
            continue;
        }
        for (i, func) in file.functions.iter().enumerate() {
            if file.run_commands[i].is_empty()
                || pipeline::check_input(func, &*isa.none, &Settings::default()).is_err()
            {
                continue;
            }
            // Population: run lines pass on Cranelift's own output.
            let Ok(cl) = cranelift_optimized(func, &isa.speed) else {
                continue;
            };
            let (p, t, _) = check_run_lines(&file, i, &cl);
            if p != t {
                continue;
            }
            population += 1;
            lines += t;
            let out =
                pipeline::optimize(func, &*isa.none, &*ex, &rules, &Settings::default()).unwrap();
            if let Some(f) = &out.report.fallback {
                failures.push(format!("{}:{}: fell back: {f}", file.path, func.name));
            }
            let (p, t, first) = check_run_lines(&file, i, &out.func);
            if p != t {
                failures.push(format!("{}:{}: {}", file.path, func.name, first.unwrap()));
            }
        }
    }
    eprintln!("runtests population: {population} functions, {lines} run lines");
    assert!(
        population > 1500,
        "population unexpectedly small: {population}"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn malformed_clif_is_a_one_line_error() {
    let err = corpus::parse(
        "bad.clif",
        "function %f() {\nblock0:\n  v0 = frobnicate.i32 1\n  return\n}",
    )
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(msg.starts_with("bad.clif:3:"), "{msg}");
    assert!(!msg.contains('\n'));
}

#[test]
fn function_without_blocks_is_refused() {
    let file = corpus::parse("empty.clif", "function %f() {\n}").unwrap();
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let ex = extract::by_name("cranelift").unwrap();
    let err = pipeline::optimize(&file.functions[0], &*isa, &*ex, &[], &Settings::default())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "function %f has no blocks");
    assert!(codegen::compile(&file.functions[0], &*isa).is_err());
}

/// A program written in a form its target cannot lower, which Cranelift's
/// mid-end rewrites into one it can (`splat(popcnt x)`): `dag` keeps the
/// program's form on the cost tie, and the pipeline must then fall back to
/// the `cranelift` extractor's choice, which compiles, and say so.
#[test]
fn output_the_backend_cannot_lower_falls_back_to_cranelifts_choice() {
    let text = "function %f(i64) -> i64x2 {\nblock0(v0: i64):\n  v1 = splat.i64x2 v0\n  v2 = popcnt.i64x2 v1\n  return v2\n}\n";
    let file = corpus::parse("popcnt.clif", text).unwrap();
    let func = &file.functions[0];
    for target in ["x86_64", "aarch64"] {
        let isa = codegen::build_isa(target, "none").unwrap();
        // The program as written does not compile: that is the premise.
        assert!(codegen::compile(func, &*isa).is_err(), "{target}");
        for name in ["dag", "pressure"] {
            let ex = extract::by_name(name).unwrap();
            let out = pipeline::optimize(
                func,
                &*isa,
                &*ex,
                &RuleSet::DEFAULT.rules(),
                &Settings::default(),
            )
            .unwrap();
            codegen::compile(&out.func, &*isa)
                .unwrap_or_else(|e| panic!("{target} {name}: output does not compile: {e}"));
            let why = out.report.fallback.expect("the fallback is reported");
            assert!(
                why.contains("cranelift extractor"),
                "{target} {name}: {why}"
            );
        }
    }
}

/// Every wasm function round-trips (verifier, no fallback, compiles for both
/// targets), and the baseline stays faithful: total machine instructions
/// within 2% of Cranelift's own `opt_level=speed` on each target.
#[test]
fn wasm_round_trips_and_stays_faithful() {
    use rayon::prelude::*;
    let Some(dir) = shared("wasm/clif") else {
        return;
    };
    let files: Vec<CorpusFile> = corpus::clif_files(&dir)
        .unwrap()
        .iter()
        .map(|p| corpus::load_file(p).unwrap())
        .collect();
    assert_eq!(files.iter().map(|f| f.functions.len()).sum::<usize>(), 881);
    let rules = RuleSet::DEFAULT.rules();
    for target in ["x86_64", "aarch64"] {
        let isa = Isas::new(target).unwrap();
        let ex = extract::by_name("cranelift").unwrap();
        let results: Vec<Result<(u64, u64), String>> = files
            .par_iter()
            .flat_map_iter(|f| f.functions.iter().map(move |func| (f, func)))
            .map(|(f, func)| {
                let out = pipeline::optimize(func, &*isa.none, &*ex, &rules, &Settings::default())
                    .map_err(|e| format!("{}: {e}", f.path))?;
                if let Some(why) = out.report.fallback {
                    return Err(format!("{}: fell back: {why}", f.path));
                }
                let ours = codegen::compile(&out.func, &*isa.none)
                    .map_err(|e| format!("{}: {e}", f.path))?;
                let theirs =
                    codegen::compile(func, &*isa.speed).map_err(|e| format!("{}: {e}", f.path))?;
                Ok((ours.insts, theirs.insts))
            })
            .collect();
        let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(
            failures.is_empty(),
            "{target}: {} failures, first: {}",
            failures.len(),
            failures[0]
        );
        let (ours, theirs) = results
            .iter()
            .map(|r| *r.as_ref().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let ratio = ours as f64 / theirs as f64;
        eprintln!("{target}: ours {ours} vs cranelift-speed {theirs} instructions ({ratio:.4})");
        assert!(
            ratio <= 1.02,
            "{target}: instruction ratio {ratio:.4} over 1.02"
        );
    }
}

fn generated(
    name: &str,
    n: usize,
    line: impl Fn(usize) -> String,
) -> cranelift_codegen::ir::Function {
    let mut text = format!("function %{name}(i64, i64) -> i64 {{\nblock0(v0: i64, v1: i64):\n");
    for i in 2..n {
        text.push_str(&line(i));
        text.push('\n');
    }
    text.push_str(&format!("    return v{}\n}}\n", n - 1));
    corpus::parse("gen.clif", &text)
        .unwrap()
        .functions
        .remove(0)
}

/// Every extractor, default rules: no fallback, and the output agrees with
/// the input on `inputs` random argument lists.
fn every_extractor_agrees(func: &cranelift_codegen::ir::Function, inputs: usize) {
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let rules = RuleSet::DEFAULT.rules();
    for name in extract::EXTRACTORS {
        let ex = extract::by_name(name).unwrap();
        let out = pipeline::optimize(func, &*isa, &*ex, &rules, &Settings::default()).unwrap();
        let why = &out.report.fallback;
        assert!(why.is_none(), "{name}: {why:?}");
        semantics::differential(func, &out.func, &[], inputs, 1).unwrap();
    }
}

/// A 1,000-deep `v(n+1) = iadd vn, vn` chain: tree cost doubles at each
/// step and saturates; every extractor still returns a correct result.
#[test]
fn deep_doubling_chain() {
    let func = generated("chain", 1002, |i| {
        format!("    v{i} = iadd v{}, v{}", i - 1, i - 1)
    });
    every_extractor_agrees(&func, 8);
}

/// A 100,000-instruction function goes through every extractor with
/// bounded work (the `dag` cost sets would be quadratic here; it gives up
/// past its work limit and returns the tree-cost choice).
#[test]
fn hundred_thousand_instructions() {
    let func = generated("big", 100_000, |i| {
        let op = if i % 3 == 0 { "bxor" } else { "iadd" };
        format!("    v{i} = {op} v{}, v{}", i - 1, i - 2)
    });
    assert!(func.dfg.num_insts() >= 99_998);
    every_extractor_agrees(&func, 2);
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    // The instruction limit refuses it with a specific error when set lower.
    let small = Settings {
        max_insts: 10_000,
        ..Settings::default()
    };
    let ex = extract::by_name("cranelift").unwrap();
    let err = pipeline::optimize(&func, &*isa, &*ex, &[], &small)
        .err()
        .unwrap();
    assert!(err.to_string().contains("over the limit of 10000"), "{err}");
}

/// Skeleton divisions: constant operands fold, `x / 1` is `x`, but a
/// division that traps (`MIN / -1`, division by zero) is kept and still
/// traps.
#[test]
fn skeleton_divisions_fold_only_when_they_cannot_trap() {
    let text = "function %d(i32) -> i32, i32, i32 {
block0(v0: i32):
    v1 = iconst.i32 13
    v2 = iconst.i32 7
    v3 = udiv v1, v2
    v4 = iconst.i32 1
    v5 = sdiv v0, v4
    v6 = srem v0, v4
    return v3, v5, v6
}
function %t(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0x80000000
    v2 = iconst.i32 -1
    v3 = sdiv v1, v2
    v4 = iconst.i32 0
    v5 = udiv v0, v4
    v6 = iadd v3, v5
    return v6
}";
    let file = corpus::parse("div.clif", text).unwrap();
    let fold = optimize_default(&file.functions[0]);
    assert_eq!(fold.report.skeleton.division, 3);
    let text_out = fold.func.display().to_string();
    assert!(
        !text_out.contains("div") && !text_out.contains("rem"),
        "{text_out}"
    );
    semantics::differential(&file.functions[0], &fold.func, &[], 32, 3).unwrap();
    let keep = optimize_default(&file.functions[1]);
    assert_eq!(keep.report.skeleton.division, 0);
    let out = semantics::call(
        &[&keep.func],
        "%t",
        &[cranelift_codegen::data_value::DataValue::I32(5)],
    );
    assert!(matches!(out, semantics::Outcome::Trapped(_)), "{out:?}");
}

/// Cranelift rematerialises the value of a remat class's *first* placement
/// only. The constant here is placed in both sibling subtrees of `block0`;
/// the second placement is a clone, so the block below it reuses the clone
/// instead of getting its own copy, while the block below the first
/// placement gets a copy.
#[test]
fn only_the_first_placement_of_a_constant_is_rematerialised() {
    let text = "function %r(i32, i64) {
block0(v0: i32, v1: i64):
    brif v0, block1, block2
block1:
    v2 = iconst.i32 7
    store v2, v1
    jump block3
block3:
    store v2, v1+16
    return
block2:
    v3 = iconst.i32 7
    store v3, v1+8
    jump block4
block4:
    store v3, v1+24
    return
}";
    let file = corpus::parse("remat.clif", text).unwrap();
    let out = optimize_default(&file.functions[0]);
    assert!(out.report.fallback.is_none(), "{:?}", out.report.fallback);
    let f = &out.func;
    let consts_in = |b: u32| {
        f.layout
            .block_insts(cranelift_codegen::ir::Block::from_u32(b))
            .filter(|&i| f.dfg.insts[i].opcode() == cranelift_codegen::ir::Opcode::Iconst)
            .count()
    };
    let [b1, b2, b3, b4] = [1, 2, 3, 4].map(consts_in);
    assert_eq!((b1, b2, b3 + b4), (1, 1, 1), "{}", f.display());
    semantics::differential(&file.functions[0], f, &[], 16, 5).unwrap();
}

/// Opcode counts of the instructions in a function's layout.
fn opcode_counts(f: &cranelift_codegen::ir::Function) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for b in f.layout.blocks() {
        for i in f.layout.block_insts(b) {
            *m.entry(f.dfg.insts[i].opcode().to_string()).or_insert(0) += 1;
        }
    }
    m
}

/// Skeleton simplification as Cranelift does it: division by constants
/// (powers of two of either sign, magic numbers for 32 and 64 bits),
/// `uadd_overflow_trap` that cannot overflow, `br_table` on a constant and
/// `brif` on `ctz`/`clz`. Each output has exactly the opcodes of
/// Cranelift's own `opt_level=speed` output and agrees with the original on
/// random inputs.
#[test]
fn skeleton_simplifications_match_cranelift() {
    let text = "function %udiv7(i32) -> i32, i32 {
block0(v0: i32):
    v1 = iconst.i32 7
    v2 = udiv v0, v1
    v3 = urem v0, v1
    return v2, v3
}
function %udiv10(i64) -> i64, i64 {
block0(v0: i64):
    v1 = iconst.i64 10
    v2 = udiv v0, v1
    v3 = urem v0, v1
    return v2, v3
}
function %sdiv(i32) -> i32, i32 {
block0(v0: i32):
    v1 = iconst.i32 -7
    v2 = sdiv v0, v1
    v3 = srem v0, v1
    return v2, v3
}
function %sdiv64(i64) -> i64, i64 {
block0(v0: i64):
    v1 = iconst.i64 1337
    v2 = sdiv v0, v1
    v3 = srem v0, v1
    return v2, v3
}
function %pow2(i16) -> i16, i16, i16, i16, i16 {
block0(v0: i16):
    v1 = iconst.i16 8
    v2 = iconst.i16 -8
    v3 = sdiv v0, v1
    v4 = sdiv v0, v2
    v5 = srem v0, v2
    v6 = udiv v0, v1
    v7 = urem v0, v1
    return v3, v4, v5, v6, v7
}
function %minus_one(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 -1
    v2 = srem v0, v1
    return v2
}
function %add_trap(i32, i32) -> i64 {
block0(v0: i32, v1: i32):
    v2 = uextend.i64 v0
    v3 = uextend.i64 v1
    v4 = uadd_overflow_trap v2, v3, user1
    return v4
}
function %table(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    br_table v1, block3, [block1, block2]
block1:
    v2 = iconst.i32 10
    return v2
block2:
    v3 = iconst.i32 20
    return v3
block3:
    return v0
}
function %ctz(i64) -> i32 {
block0(v0: i64):
    v1 = ctz v0
    brif v1, block1, block2
block1:
    v2 = iconst.i32 1
    return v2
block2:
    v3 = iconst.i32 2
    return v3
}
function %clz(i32) -> i32 {
block0(v0: i32):
    v1 = clz v0
    v2 = ireduce.i8 v1
    brif v2, block1, block2
block1:
    v3 = iconst.i32 1
    return v3
block2:
    v4 = iconst.i32 2
    return v4
}";
    let file = corpus::parse("skeleton.clif", text).unwrap();
    let isas = Isas::new("x86_64").unwrap();
    for (i, f) in file.functions.iter().enumerate() {
        let out = optimize_default(f);
        assert!(out.report.fallback.is_none(), "{:?}", out.report.fallback);
        let theirs = cranelift_optimized(f, &isas.speed).unwrap();
        assert_eq!(
            opcode_counts(&out.func),
            opcode_counts(&theirs),
            "{}\nours:\n{}\ncranelift:\n{}",
            f.name,
            out.func.display(),
            theirs.display()
        );
        semantics::differential(f, &out.func, &[], 64, 11 + i as u64)
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
    }
}
