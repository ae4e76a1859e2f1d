//! The differential oracle: one function through every extractor × rule set,
//! each output checked against the original.
//!
//! For every pair the output must verify, must compile for every target the
//! original compiles for, and must give bitwise-equal interpreter outcomes
//! (returned values or trap codes) on the same generated inputs. The
//! proptest suite (`tests/differential.rs`) and the `differential` fuzz
//! target share this code, so they check the same thing.
//!
//! Honesty rules: an input on which the *original* cannot be interpreted
//! (unsupported op, fuel) is skipped and counted, never passed; a target
//! the original does not compile for is skipped and counted; a fallback is a
//! correct outcome (the pipeline returned its prepared input) and is counted.

use super::codegen::{build_isa, compile, TARGETS};
use super::semantics::{call, random_value, same, Outcome, Rng};
use crate::extract::{by_name, Extractor, EXTRACTORS};
use crate::pipeline::{optimize, Settings};
use crate::rules::{Rule, RuleSet};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use std::collections::HashSet;

/// The rule sets the oracle runs.
pub const RULE_SETS: &[&str] = &["default", "default+reassoc", "default+reassoc+demorgan"];

/// The pipeline settings of the differential suite and the fuzz targets:
/// the default iteration and time limits, but a node limit of 10,000 (the
/// default is 200,000). Generated digest chains of `iadd`/`bxor` under the
/// `reassoc` rules grow the e-graph exponentially; a small limit keeps each
/// case fast, and stopping at a limit is itself a path that must give
/// correct results.
pub fn checking_settings() -> Settings {
    Settings {
        limits: crate::rules::Limits {
            nodes: 10_000,
            ..crate::rules::Limits::default()
        },
        // The suites compile outputs themselves, per target; and under
        // libFuzzer a backend panic caught inside the check still aborts.
        lowering_check: false,
        ..Settings::default()
    }
}

/// Model nodes (after pre-solve) above which the checking `exact` returns
/// `dag`'s choice without solving; see [`checking_extractor`].
pub const CHECKING_EXACT_MODEL_NODES: usize = 100;

/// The extractor `name` as the suites that run every extractor over many
/// functions use it: [`by_name`]'s, except that `exact` skips CBC on models
/// above [`CHECKING_EXACT_MODEL_NODES`] nodes and returns `dag`'s choice
/// (which those suites check under `dag` anyway). These suites check that
/// whatever an extractor chooses is elaborated correctly, not that `exact`
/// is optimal (`tests/gym.rs` does that). Without the bound, CBC runs into
/// its 10 s limit on most `reassoc` graphs of more than a few hundred nodes,
/// one solve at a time (CBC is not thread-safe): the differential suite
/// went from 1.5 minutes to more than 20. Up to 100 model nodes, the 300
/// solves of 100 generated functions took 4.9 s in all, none over 0.2 s,
/// and cover 99 of 100 functions under `default` and 82 under `reassoc`.
pub fn checking_extractor(name: &str) -> Option<Box<dyn Extractor>> {
    match name {
        "exact" => Some(Box::new(crate::extract::exact::ExactExtractor {
            max_model_nodes: CHECKING_EXACT_MODEL_NODES,
            ..Default::default()
        })),
        _ => by_name(name),
    }
}

/// Everything needed to check functions, built once.
pub struct Oracle {
    /// The ISA `optimize` runs with (x86_64, opt level none).
    isa: OwnedTargetIsa,
    /// Code generation targets (opt level none, as regpress measures).
    targets: Vec<(&'static str, OwnedTargetIsa)>,
    extractors: Vec<Box<dyn Extractor>>,
    rule_sets: Vec<(&'static str, Vec<Rule>)>,
    settings: Settings,
    /// Argument lists interpreted per function.
    pub inputs: usize,
}

/// What checking one function found (all counts; a mismatch is an error).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Functions checked.
    pub functions: usize,
    /// (extractor, rule set) pairs run.
    pub pairs: usize,
    /// Pairs whose output was textually new for its function (and so was
    /// compiled and interpreted; identical outputs are checked once).
    pub distinct_outputs: usize,
    /// Pairs that fell back to the prepared input, with the reason.
    pub fallbacks: Vec<String>,
    /// Pairs whose saturation stopped at a limit (nodes, iterations, time)
    /// rather than saturating.
    pub limit_stops: usize,
    /// Interpreter comparisons made.
    pub compared: usize,
    /// Of those, comparisons where the original trapped.
    pub traps: usize,
    /// Comparisons skipped because the original could not be interpreted
    /// on that input (or no argument of its type can be made).
    pub skipped_inputs: usize,
    /// Target compilations skipped because the original does not compile.
    pub skipped_targets: usize,
}

impl Tally {
    /// Add another tally to this one.
    pub fn add(&mut self, o: Tally) {
        self.functions += o.functions;
        self.pairs += o.pairs;
        self.distinct_outputs += o.distinct_outputs;
        self.fallbacks.extend(o.fallbacks);
        self.limit_stops += o.limit_stops;
        self.compared += o.compared;
        self.traps += o.traps;
        self.skipped_inputs += o.skipped_inputs;
        self.skipped_targets += o.skipped_targets;
    }
}

impl Oracle {
    /// Every extractor in [`EXTRACTORS`] (as [`checking_extractor`] makes
    /// it), every rule set in [`RULE_SETS`],
    /// every target in [`TARGETS`], [`checking_settings`].
    pub fn new() -> Oracle {
        Oracle::with_settings(checking_settings())
    }

    /// As [`Oracle::new`] with other pipeline settings.
    pub fn with_settings(settings: Settings) -> Oracle {
        Oracle {
            isa: build_isa("x86_64", "none").expect("x86_64 is built in"),
            targets: TARGETS
                .iter()
                .map(|t| (*t, build_isa(t, "none").expect("targets are built in")))
                .collect(),
            extractors: EXTRACTORS
                .iter()
                .map(|n| checking_extractor(n).expect("listed extractors exist"))
                .collect(),
            rule_sets: RULE_SETS
                .iter()
                .map(|s| (*s, RuleSet::parse(s).expect("known rule set").rules()))
                .collect(),
            settings,
            inputs: 4,
        }
    }

    /// Check `func` (which must verify) with inputs drawn from `seed`.
    /// `Err` describes the first mismatch.
    pub fn check(&self, func: &Function, seed: u64) -> Result<Tally, String> {
        let mut tally = Tally {
            functions: 1,
            ..Tally::default()
        };
        cranelift_codegen::verify_function(func, &*self.isa)
            .map_err(|e| format!("the original does not verify: {e}"))?;
        let name = func.name.to_string();
        let mut rng = Rng::new(seed);
        let inputs: Vec<Vec<DataValue>> = (0..self.inputs)
            .filter_map(|_| {
                func.signature
                    .params
                    .iter()
                    .map(|p| random_value(&mut rng, p.value_type))
                    .collect()
            })
            .collect();
        tally.skipped_inputs += self.inputs - inputs.len();
        let expected: Vec<Outcome> = inputs.iter().map(|a| call(&[func], &name, a)).collect();
        let original_compiles: Vec<bool> = self
            .targets
            .iter()
            .map(|(_, isa)| compile_caught(func, &**isa).is_ok())
            .collect();
        let mut seen = HashSet::new();
        for ex in &self.extractors {
            for (rs, rules) in &self.rule_sets {
                let what = format!("{} with {rs}", ex.name());
                tally.pairs += 1;
                let out = optimize(func, &*self.isa, &**ex, rules, &self.settings)
                    .map_err(|e| format!("{what}: refused a valid function: {e}"))?;
                if out.report.saturation.stop != "saturated" {
                    tally.limit_stops += 1;
                }
                if let Some(reason) = &out.report.fallback {
                    tally.fallbacks.push(format!("{what}: {reason}"));
                }
                cranelift_codegen::verify_function(&out.func, &*self.isa)
                    .map_err(|e| format!("{what}: output does not verify: {e}"))?;
                if !seen.insert(out.func.display().to_string()) {
                    continue;
                }
                tally.distinct_outputs += 1;
                for ((target, isa), &orig_ok) in self.targets.iter().zip(&original_compiles) {
                    if !orig_ok {
                        tally.skipped_targets += 1;
                        continue;
                    }
                    compile_caught(&out.func, &**isa).map_err(|e| {
                        format!("{what}: output does not compile for {target}: {e}")
                    })?;
                }
                for (args, want) in inputs.iter().zip(&expected) {
                    match want {
                        Outcome::Unsupported(_) => {
                            tally.skipped_inputs += 1;
                            continue;
                        }
                        Outcome::Trapped(_) => tally.traps += 1,
                        Outcome::Returned(_) => {}
                    }
                    let got = call(&[&out.func], &name, args);
                    if !same(want, &got) {
                        return Err(format!(
                            "{what}: {name}({}) gave {want:?} originally but {got:?} after optimisation",
                            args.iter()
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                    tally.compared += 1;
                }
            }
        }
        Ok(tally)
    }
}

/// Compile, turning a Cranelift panic (some unsupported type combinations
/// panic rather than return an error) into an error.
fn compile_caught(func: &Function, isa: &dyn TargetIsa) -> Result<(), String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compile(func, isa))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(p) => Err(format!(
            "Cranelift panicked: {}",
            p.downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

impl Default for Oracle {
    fn default() -> Self {
        Oracle::new()
    }
}
