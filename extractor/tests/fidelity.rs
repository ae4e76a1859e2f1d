//! The fidelity fuzzer as a bounded proptest: idioms and small generated
//! functions (see [`regpress::fidelity`]), each compiled by Cranelift at
//! `opt_level=speed` and through our pipeline with the `cranelift`
//! extractor, on x86_64 and aarch64. A function where Cranelift's code has
//! fewer machine instructions *and* its mid-end left fewer CLIF
//! instructions (a rewrite we miss, `Finding::missing_rule`) fails the test
//! unless it is an entry of `fidelity::KNOWN`, which gives the reason.
//! Functions where only the machine code is longer (placement and register
//! allocation, not rules) are counted and printed.
//!
//! Seeds are fixed, so a CI failure reproduces; `PROPTEST_RNG_SEED` explores
//! other cases and `PROPTEST_CASES` changes the total. With
//! `REGPRESS_FIDELITY_SURVEY=1` the test does not stop at the first
//! finding: it prints every one and a tally per source, then fails if
//! there was any; `=2` adds our output and Cranelift's optimised CLIF.

use arbitrary::Unstructured;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use regpress::fidelity::{self, Case, Fidelity};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Functions per `cargo test` run, over all parts.
const TOTAL_CASES: u32 = 1200;
/// Tests the cases are split over (one per core and then some).
const PARTS: u32 = 3;

fn fidelity() -> &'static Fidelity {
    static F: OnceLock<Fidelity> = OnceLock::new();
    F.get_or_init(Fidelity::new)
}

/// Per source: (functions, target pairs compared, pairs where Cranelift's
/// machine code is smaller, of those where its CLIF is shorter too, pairs
/// where ours is smaller, known differences among the shorter-CLIF ones).
type Tally = BTreeMap<&'static str, [usize; 6]>;

/// Check the case drawn from `bytes`; `Err` describes a finding.
fn check(bytes: &[u8], tally: &RefCell<Tally>) -> Result<(), String> {
    let case: Case = fidelity::case(&mut Unstructured::new(bytes));
    let findings = fidelity()
        .check(&case.function())
        .map_err(|e| format!("{e}\n{}", case.text))?;
    let mut t = tally.borrow_mut();
    let row = t.entry(case.source).or_default();
    row[0] += 1;
    row[1] += findings.len();
    row[4] += findings.iter().filter(|f| f.ours < f.theirs).count();
    row[2] += findings.iter().filter(|f| f.worse()).count();
    let missing: Vec<_> = findings.iter().filter(|f| f.missing_rule()).collect();
    row[3] += missing.len();
    let (known, missing): (Vec<_>, Vec<_>) = missing
        .into_iter()
        .partition(|f| fidelity::known(f).is_some());
    row[5] += known.len();
    if missing.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = missing
        .iter()
        .map(|f| {
            format!(
                "{}: ours {} machine / {} CLIF instructions against Cranelift's {} / {} (opcodes ours/theirs: {})",
                f.target, f.ours, f.ours_clif, f.theirs, f.theirs_clif, f.opcodes
            )
        })
        .collect();
    let mut msg = format!("[{}] {}\n{}", case.source, what.join("; "), case.text);
    if std::env::var("REGPRESS_FIDELITY_SURVEY").is_ok_and(|v| v == "2") {
        let f = missing[0];
        msg += &format!(
            "ours ({}):\n{}Cranelift's:\n{}",
            f.target, f.texts.0, f.texts.1
        );
    }
    Err(msg)
}

fn run_part(part: u32) {
    let total = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(TOTAL_CASES);
    let base = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xf1de_0000u64);
    let survey = std::env::var_os("REGPRESS_FIDELITY_SURVEY").is_some();
    let config = Config {
        cases: total.div_ceil(PARTS),
        source_file: Some(file!()),
        failure_persistence: if survey {
            None
        } else {
            Some(Box::new(FileFailurePersistence::WithSource(
                "proptest-regressions",
            )))
        },
        rng_seed: RngSeed::Fixed(base + part as u64),
        max_shrink_iters: 500,
        ..Config::default()
    };
    let tally = RefCell::new(Tally::new());
    let found = RefCell::new(Vec::new());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(any::<u8>(), 0..256), |bytes| {
        match check(&bytes, &tally) {
            Err(e) if survey => {
                found.borrow_mut().push(e);
                Ok(())
            }
            r => r.map_err(TestCaseError::fail),
        }
    });
    for (source, [n, pairs, worse, missing, better, known]) in tally.borrow().iter() {
        eprintln!(
            "part {part}: {source}: {n} functions, {pairs} target pairs; Cranelift's code smaller on {worse}, of which its CLIF shorter too on {missing} ({known} known differences); ours smaller on {better}"
        );
    }
    for f in found.borrow().iter() {
        eprintln!("finding: {f}\n");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        found.borrow().is_empty(),
        "{} findings",
        found.borrow().len()
    );
}

#[test]
fn fidelity_part_0() {
    run_part(0);
}

#[test]
fn fidelity_part_1() {
    run_part(1);
}

#[test]
fn fidelity_part_2() {
    run_part(2);
}
