//! Quick or full: how much work a benchmark run does.

/// The environment variable that selects quick mode (`1` = quick).
pub const QUICK_ENV: &str = "REGPRESS_BENCH_QUICK";

/// The environment variable that puts criterion's results elsewhere than
/// `target/criterion` (the quick run of `report/reproduce.sh` keeps its
/// own, so that it never mixes with the full run's).
pub const CRITERION_DIR_ENV: &str = "REGPRESS_CRITERION_DIR";

/// The environment variable that overrides the size of the wasm sample.
pub const WASM_ENV: &str = "REGPRESS_BENCH_WASM";

/// Is quick mode on? Quick mode shortens criterion's sampling and shrinks
/// the wasm sample and the scaling series, so that `cargo bench` takes a
/// few minutes on two cores.
pub fn quick() -> bool {
    std::env::var(QUICK_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// How many wasm functions to sample: `REGPRESS_BENCH_WASM`, else 40, or 16
/// in quick mode.
pub fn wasm_sample_size() -> usize {
    std::env::var(WASM_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick() { 16 } else { 40 })
}

/// Instruction counts of the generated functions of the scaling series.
/// Their extraction graphs span about 100 to 100,000 nodes (the nodes are
/// counted after saturation, and the benchmark is named by that count).
pub fn scaling_sizes() -> &'static [usize] {
    if quick() {
        &[60, 600, 6_000, 30_000, 110_000]
    } else {
        &[60, 200, 600, 2_000, 6_000, 20_000, 60_000, 110_000]
    }
}

/// The environment variable that overrides [`scaling_budget`] (seconds).
pub const BUDGET_ENV: &str = "REGPRESS_BENCH_BUDGET_SECS";

/// An extractor whose single run at one size of the scaling series takes
/// longer than this is not run on the larger sizes (criterion needs at
/// least ten runs per size): 2 s in quick mode, 20 s otherwise, or
/// `REGPRESS_BENCH_BUDGET_SECS`.
pub fn scaling_budget() -> std::time::Duration {
    let secs = std::env::var(BUDGET_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick() { 2 } else { 20 });
    std::time::Duration::from_secs(secs)
}
