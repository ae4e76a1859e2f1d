//! `regpress compare`: Cranelift's own pipeline against ours, side by side,
//! function by function, on the same backends and register allocator.

use crate::corpus::CorpusFile;
use crate::extract::Extractor;
use crate::pipeline::{self, Settings};
use crate::rules::{Rule, RuleSet};
use crate::validate::codegen::{self, CodeMetrics};
use crate::validate::semantics;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::Context;

/// The variant name of Cranelift's own pipeline.
pub const CRANELIFT_SPEED: &str = "cranelift-speed";

/// What to compare.
pub struct Config {
    /// Targets, e.g. `["x86_64", "aarch64"]`.
    pub targets: Vec<String>,
    /// Extractors to run.
    pub extractors: Vec<Box<dyn Extractor>>,
    /// Rule sets to run.
    pub rule_sets: Vec<RuleSet>,
    /// Pipeline settings.
    pub settings: Settings,
    /// Random inputs per function for the differential check.
    pub random_inputs: usize,
    /// Check `; run:` lines and random inputs in the interpreter.
    pub semantics: bool,
}

/// One measured (function, target, variant).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// The file.
    pub file: String,
    /// The function's name.
    pub function: String,
    /// The target.
    pub target: String,
    /// `cranelift-speed` or `EXTRACTOR/RULES`.
    pub variant: String,
    /// Code metrics, if it compiled.
    pub metrics: Option<CodeMetrics>,
    /// `; run:` lines that passed.
    pub run_passed: usize,
    /// `; run:` lines checked.
    pub run_total: usize,
    /// Random inputs compared bitwise with the original.
    pub diff_compared: usize,
    /// Microseconds spent in extraction (ours only).
    pub extract_micros: u64,
    /// Why the pipeline fell back to its input, if it did.
    pub fallback: Option<String>,
    /// Checked mode: whether the extractor's own output was kept (else
    /// `dag`'s).
    pub checked_kept: Option<bool>,
    /// Checked mode: microseconds spent judging.
    pub check_micros: u64,
    /// `cranelift-speed` rows: wall-clock microseconds of Cranelift's whole
    /// compile (mid-end, lowering, regalloc2, emission), for ratios within
    /// one run. Wall-clock, so an indication, not a benchmark.
    pub compile_micros: u64,
    /// A refusal or failure, one line.
    pub error: Option<String>,
}

/// ISAs per target: Cranelift's `speed` and our `none`.
pub struct Isas {
    /// Target name.
    pub target: String,
    /// `opt_level=speed`.
    pub speed: OwnedTargetIsa,
    /// `opt_level=none`.
    pub none: OwnedTargetIsa,
}

impl Isas {
    /// Build both ISAs for a target.
    pub fn new(target: &str) -> anyhow::Result<Isas> {
        Ok(Isas {
            target: target.to_string(),
            speed: codegen::build_isa(target, "speed")?,
            none: codegen::build_isa(target, "none")?,
        })
    }
}

pub(crate) fn panic_message(e: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// Run `f`, turning a panic into an error line; the panic prints nothing
/// ([`crate::panics::catch_quietly`]).
pub fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match crate::panics::catch_quietly(f) {
        Ok(r) => r,
        Err(e) => Err(format!("internal panic in {what}: {}", panic_message(e))),
    }
}

/// Check every run line of function `index` of `file`, with `func` standing
/// in for it. Returns (passed, total, first failure).
pub fn check_run_lines(
    file: &CorpusFile,
    index: usize,
    func: &Function,
) -> (usize, usize, Option<String>) {
    if !file.interpret {
        return (0, 0, None);
    }
    let cmds = &file.run_commands[index];
    let mut funcs = file.others(index);
    funcs.push(func);
    let name = func.name.to_string();
    let mut passed = 0;
    let mut first = None;
    for cmd in cmds {
        let r = guarded("interpreter", || {
            semantics::with_endianness(file.endianness(), || {
                semantics::run_command(&funcs, &name, cmd)
            })
        });
        match r {
            Ok(()) => passed += 1,
            Err(e) => {
                first.get_or_insert_with(|| format!("{cmd}: {e}"));
            }
        }
    }
    (passed, cmds.len(), first)
}

/// Cranelift's own mid-end output for a function (`opt_level=speed`).
pub fn cranelift_optimized(func: &Function, isa: &OwnedTargetIsa) -> Result<Function, String> {
    let mut ctx = Context::for_function(func.clone());
    ctx.optimize(&**isa, &mut ControlPlane::default())
        .map_err(|e| format!("{e:?}"))?;
    Ok(ctx.func)
}

/// Measure one function on one target: Cranelift's pipeline first, then
/// every extractor × rule set.
pub fn compare_function(
    file: &CorpusFile,
    index: usize,
    isas: &Isas,
    config: &Config,
    rules: &[(RuleSet, Vec<Rule>)],
) -> Vec<Row> {
    let func = &file.functions[index];
    let base = Row {
        file: file.path.clone(),
        function: func.name.to_string(),
        target: isas.target.clone(),
        variant: CRANELIFT_SPEED.into(),
        metrics: None,
        run_passed: 0,
        run_total: 0,
        diff_compared: 0,
        extract_micros: 0,
        fallback: None,
        checked_kept: None,
        check_micros: 0,
        compile_micros: 0,
        error: None,
    };
    let mut rows = Vec::new();
    if let Err(e) = pipeline::check_input(func, &*isas.none, &config.settings) {
        rows.push(Row {
            error: Some(e.to_string()),
            ..base
        });
        return rows;
    }
    let mut speed = base.clone();
    let t = std::time::Instant::now();
    let compiled = guarded("cranelift", || {
        codegen::compile(func, &*isas.speed).map_err(|e| e.to_string())
    });
    speed.compile_micros = t.elapsed().as_micros() as u64;
    match compiled {
        Ok(m) => speed.metrics = Some(m),
        Err(e) => speed.error = Some(e),
    }
    if config.semantics && !file.run_commands[index].is_empty() {
        match guarded("cranelift", || cranelift_optimized(func, &isas.speed)) {
            Ok(out) => {
                let (p, t, first) = check_run_lines(file, index, &out);
                speed.run_passed = p;
                speed.run_total = t;
                if speed.error.is_none() {
                    speed.error = first.map(|f| format!("run line failed: {f}"));
                }
            }
            Err(e) => speed.error = Some(e),
        }
    }
    let speed_failed_runs = speed.run_passed < speed.run_total;
    rows.push(speed);
    for (set, set_rules) in rules {
        for ex in &config.extractors {
            let mut row = base.clone();
            row.variant = if config.settings.judges(&**ex) {
                format!("{}+checked/{}", ex.name(), set.name())
            } else {
                format!("{}/{}", ex.name(), set.name())
            };
            let out = guarded("pipeline", || {
                pipeline::optimize(func, &*isas.none, &**ex, set_rules, &config.settings)
                    .map_err(|e| e.to_string())
            });
            let out = match out {
                Ok(o) => o,
                Err(e) => {
                    row.error = Some(e);
                    rows.push(row);
                    continue;
                }
            };
            row.extract_micros = out.report.extract_time.as_micros() as u64;
            row.fallback = out.report.fallback.clone();
            if let Some(c) = &out.report.checked {
                row.checked_kept = Some(c.kept_ours);
                row.check_micros = c.time.as_micros() as u64;
            }
            // Only `test interpret` files are meant for the interpreter.
            if config.semantics && file.interpret {
                let (p, t, first) = check_run_lines(file, index, &out.func);
                row.run_passed = p;
                row.run_total = t;
                if let Some(f) = first {
                    // A run line that fails on Cranelift's own output too
                    // (e.g. a libcall the interpreter has no handler for)
                    // is not ours to answer for.
                    row.error = Some(if speed_failed_runs {
                        format!("run line fails on cranelift-speed too: {f}")
                    } else {
                        format!("run line failed: {f}")
                    });
                }
                let others = file.others(index);
                let seed = 0x5eed ^ index as u64;
                match guarded("interpreter", || {
                    semantics::with_endianness(file.endianness(), || {
                        semantics::differential(
                            func,
                            &out.func,
                            &others,
                            config.random_inputs,
                            seed,
                        )
                    })
                }) {
                    Ok(d) => row.diff_compared = d.compared,
                    Err(e) => row.error = Some(format!("differential mismatch: {e}")),
                }
            }
            match guarded("codegen", || {
                codegen::compile(&out.func, &*isas.none).map_err(|e| e.to_string())
            }) {
                Ok(m) => row.metrics = Some(m),
                Err(e) => {
                    row.error.get_or_insert(e);
                }
            }
            rows.push(row);
        }
    }
    rows
}
