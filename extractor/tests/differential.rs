//! Differential suite: generated functions through every extractor × rule
//! set, each output checked against the original by
//! [`regpress::validate::oracle`] (verifier, x86_64 and aarch64 code
//! generation, bitwise-equal interpreter outcomes with traps).
//!
//! The cases are split over [`PARTS`] tests so that the test harness runs
//! them on every core. Seeds are fixed, so a CI failure reproduces; set
//! `PROPTEST_RNG_SEED` to explore other cases and `PROPTEST_CASES` to
//! change the total. A failure is shrunk, persisted in
//! `differential.proptest-regressions` (replayed first on the next run) and
//! printed as CLIF text, ready to become a named regression test below or a
//! file in `tests/regressions/`.

use arbitrary::Unstructured;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};
use regpress::generate::{generate_text, Config as GenConfig};
use regpress::validate::oracle::{Oracle, Tally};
use std::cell::RefCell;
use std::sync::OnceLock;

/// Generated functions per `cargo test` run, over all parts.
const TOTAL_CASES: u32 = 2000;
/// Tests the cases are split over.
const PARTS: u32 = 4;
/// Smaller functions than the fuzz target's, so that the suite stays within
/// a few minutes: every function goes through every extractor × rule set.
const GEN: GenConfig = GenConfig {
    max_insts: 48,
    max_params: 5,
    max_returns: 3,
};

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(Oracle::new)
}

/// A seed for the interpreter inputs, derived from the bytes (FNV-1a).
fn input_seed(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

/// Check the function generated from `bytes`.
fn check_bytes(bytes: &[u8]) -> Result<Tally, String> {
    let text = generate_text(&mut Unstructured::new(bytes), GEN);
    let file = regpress::corpus::parse("generated.clif", &text)
        .map_err(|e| format!("generator bug: {e}\n{text}"))?;
    oracle()
        .check(&file.functions[0], input_seed(bytes))
        .map_err(|e| format!("{e}\n{text}"))
}

fn run_part(part: u32) {
    let total = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(TOTAL_CASES);
    let base = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0000u64);
    let config = Config {
        cases: total.div_ceil(PARTS),
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        rng_seed: RngSeed::Fixed(base + part as u64),
        max_shrink_iters: 2000,
        ..Config::default()
    };
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(any::<u8>(), 0..768), |bytes| {
        let t = check_bytes(&bytes).map_err(TestCaseError::fail)?;
        tally.borrow_mut().add(t);
        Ok(())
    });
    let t = tally.into_inner();
    eprintln!(
        "part {part}: {} functions, {} extractor×rule-set pairs ({} distinct outputs), \
         {} interpreter comparisons ({} traps), {} skipped comparisons, \
         {} skipped target compilations, {} saturations stopped by a limit, {} fallbacks",
        t.functions,
        t.pairs,
        t.distinct_outputs,
        t.compared,
        t.traps,
        t.skipped_inputs,
        t.skipped_targets,
        t.limit_stops,
        t.fallbacks.len()
    );
    for f in t.fallbacks.iter().take(10) {
        eprintln!("  fallback: {f}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    // The suite must actually compare something: a generator that only
    // produced uninterpretable functions would pass vacuously.
    assert!(
        t.compared > t.functions,
        "only {} comparisons for {} functions",
        t.compared,
        t.functions
    );
}

#[test]
fn differential_part_0() {
    run_part(0);
}

#[test]
fn differential_part_1() {
    run_part(1);
}

#[test]
fn differential_part_2() {
    run_part(2);
}

#[test]
fn differential_part_3() {
    run_part(3);
}

/// Byte patterns a fuzzer starts from (empty, constant, short): the
/// generator's continuation generator takes over when they run out, and
/// each must still give a function every extractor handles correctly.
#[test]
fn degenerate_byte_patterns() {
    let patterns: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0xff; 4],
        vec![0; 64],
        vec![0xff; 512],
        (0..=255).collect(),
    ];
    for bytes in patterns {
        check_bytes(&bytes).unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
    }
}
