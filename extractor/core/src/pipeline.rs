//! The whole pipeline for one function:
//! CLIF → skeleton + e-graph → saturation → extraction graph → choice →
//! elaborated CLIF → verifier.
//!
//! Any internal failure after import (an ill-formed choice, an elaboration
//! that cannot place a value, a verifier error) falls back to the prepared
//! input function and says so in the report: a limit or a bug costs
//! optimisation, never correctness.
//!
//! One more check guards against an output the backend cannot compile
//! where Cranelift's own pipeline can (see [`lowering_fallback`]).

use crate::elaborate::elaborate;
use crate::extract::{Extractor, NodeCosts, Problem};
use crate::graph::ExtractionGraph;
use crate::import::{import, ImportStats};
use crate::rules::{saturate, Limits, Rule, SaturationReport};
use cranelift_codegen::ir::{types, Function};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use regpress_cost_model::Target;
use std::time::{Duration, Instant};

/// Why a function was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    /// The function has no blocks (Cranelift's verifier accepts it, its
    /// compiler panics).
    #[error("function {0} has no blocks")]
    NoBlocks(String),
    /// The input does not verify.
    #[error("function {name} does not verify: {message}")]
    Invalid {
        /// Function name.
        name: String,
        /// First verifier error.
        message: String,
    },
    /// Larger than the configured instruction limit.
    #[error("function {name} has {insts} instructions, over the limit of {limit}")]
    TooLarge {
        /// Function name.
        name: String,
        /// Its instruction count.
        insts: usize,
        /// The limit.
        limit: usize,
    },
}

/// Settings for one run of the pipeline.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Saturation bounds.
    pub limits: Limits,
    /// Refuse functions with more instructions than this.
    pub max_insts: usize,
    /// Compile outputs that have vector or wide values, and fall back to the
    /// `cranelift` extractor's choice where the backend cannot (see
    /// [`lowering_fallback`]). The check runs Cranelift's backend, which
    /// panics on some inputs it cannot compile (i128 arguments on x86-64,
    /// for one); the panic is caught, which needs `panic = "unwind"` and
    /// still goes through the panic hook. Harnesses that treat every panic
    /// as fatal (libFuzzer's) turn it off.
    pub lowering_check: bool,
    /// Checked mode: regalloc2 as the judge. The output of any extractor
    /// other than `dag` is compiled through Cranelift's backend and
    /// regalloc2 alongside `dag`'s, and kept only if it has no more
    /// spills+reloads *and* no more machine instructions than `dag`'s;
    /// otherwise `dag`'s output is used. No function can then come out
    /// worse than `dag` on either measure, at the price of two extra
    /// compiles per function. See [`Checked`].
    pub check_regalloc: bool,
}

impl Settings {
    /// Whether checked mode judges `extractor`'s output: every extractor's
    /// but `dag`'s, which is the judge's baseline.
    pub fn judges(&self, extractor: &dyn Extractor) -> bool {
        self.check_regalloc && extractor.name() != "dag"
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            max_insts: 1_000_000,
            lowering_check: true,
            check_regalloc: false,
        }
    }
}

/// What happened to one function.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    /// Import counts.
    pub import: ImportStats,
    /// Saturation.
    pub saturation: SaturationReport,
    /// Skeleton simplification.
    pub skeleton: crate::skeleton::SkeletonStats,
    /// Extraction graph size.
    pub graph_classes: usize,
    /// Extraction graph size.
    pub graph_nodes: usize,
    /// Time spent extracting.
    pub extract_time: Duration,
    /// If the pipeline fell back, to its input or (when the backend cannot
    /// compile the output) to the `cranelift` extractor's choice, why.
    pub fallback: Option<String>,
    /// In checked mode ([`Settings::check_regalloc`]), what the judge
    /// measured and which output it kept.
    pub checked: Option<Checked>,
}

/// What checked mode measured for one function.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Checked {
    /// The extractor's output: spills+reloads and machine instructions.
    pub ours: (u64, u64),
    /// `dag`'s output, the same.
    pub dag: (u64, u64),
    /// Whether the extractor's output was kept (else `dag`'s was).
    pub kept_ours: bool,
    /// Time spent on `dag`'s extraction, both elaborations and both
    /// compiles.
    pub time: Duration,
}

/// The optimised function and its report.
pub struct Optimized {
    /// The output.
    pub func: Function,
    /// What happened.
    pub report: Report,
}

/// Check that `func` can enter the pipeline.
pub fn check_input(
    func: &Function,
    isa: &dyn TargetIsa,
    settings: &Settings,
) -> Result<(), PipelineError> {
    let name = func.name.to_string();
    if func.layout.entry_block().is_none() {
        return Err(PipelineError::NoBlocks(name));
    }
    let insts = func.dfg.num_insts();
    if insts > settings.max_insts {
        return Err(PipelineError::TooLarge {
            name,
            insts,
            limit: settings.max_insts,
        });
    }
    cranelift_codegen::verify_function(func, isa).map_err(|errs| PipelineError::Invalid {
        name,
        message: errs
            .0
            .first()
            .map(|e| e.to_string())
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    })
}

/// The steps Cranelift's `Context::optimize` runs before its e-graph pass,
/// at every opt level: unreachable-code elimination, constant-phi removal,
/// alias resolution. Then Cranelift's alias analysis (redundant-load
/// elimination and store-to-load forwarding).
///
/// Cranelift runs its alias analysis *inside* the e-graph pass, where load
/// addresses have already been value-numbered: two loads from `p + 8`
/// computed twice are the same load there. Run standalone on the input, the
/// analysis would see two different address values. So we first give the
/// function one round of GVN (import and elaborate, no rules), then run the
/// analysis on that.
pub fn prepare(func: &Function, isa: &dyn TargetIsa) -> Function {
    let mut ctx = Context::for_function(func.clone());
    ctx.compute_cfg();
    ctx.compute_domtree();
    // These only fail on verifier errors, which `check_input` excluded.
    let _ = ctx.eliminate_unreachable_code(isa);
    let _ = ctx.remove_constant_phis(isa);
    ctx.func.dfg.resolve_all_aliases();
    if let Some(gvn) = value_number(&ctx.func) {
        if cranelift_codegen::verify_function(&gvn, isa).is_ok() {
            ctx.func = gvn;
        }
    }
    ctx.compute_cfg();
    ctx.compute_domtree();
    let _ = ctx.replace_redundant_loads();
    ctx.func.dfg.resolve_all_aliases();
    ctx.func
}

/// One round of GVN: import and elaborate with Cranelift's extraction and no
/// rules.
fn value_number(func: &Function) -> Option<Function> {
    let imported = import(func);
    let graph = extraction_graph(&imported);
    let costs = crate::extract::NodeCosts::given(&graph);
    let problem = crate::extract::Problem::foreign(&graph, &costs);
    let choice = crate::extract::cranelift::CraneliftExtractor.extract(&problem);
    choice.check(&graph).ok()?;
    elaborate(&imported, &graph, &choice).ok()
}

/// A prepared function carried through the e-graph stages, ready for an
/// extractor.
pub struct Staged {
    /// Skeleton and saturated e-graph.
    pub imported: crate::import::Imported,
    /// The extraction graph, rooted at the skeleton's operands.
    pub graph: ExtractionGraph,
    /// What saturation did.
    pub saturation: SaturationReport,
    /// What skeleton simplification did.
    pub skeleton: crate::skeleton::SkeletonStats,
}

/// Import a prepared function, saturate it with `rules` within `limits`,
/// simplify its skeleton, and build the extraction graph.
pub fn stage(prepared: &Function, rules: &[Rule], limits: &Limits) -> Staged {
    let mut imported = import(prepared);
    let mut saturation: Option<SaturationReport> = None;
    let mut skeleton = crate::skeleton::SkeletonStats::default();
    for _ in 0..crate::tunables::SKELETON_ROUNDS {
        let egraph = std::mem::take(&mut imported.egraph);
        let (egraph, report) = saturate(egraph, rules, limits);
        imported.egraph = egraph;
        saturation = Some(match saturation {
            None => report,
            Some(first) => SaturationReport {
                iterations: first.iterations + report.iterations,
                ..report
            },
        });
        let round = crate::skeleton::simplify(&mut imported);
        skeleton += round;
        // Only a result turned into a pure value gives the rules anything
        // new to match; control-flow changes do not.
        if round.division + round.add_trap + round.memory == 0
            || saturation
                .as_ref()
                .is_some_and(|s| s.stop != "saturated" && s.stop != "iterations")
        {
            break;
        }
    }
    let saturation = saturation.expect("at least one round");
    // The skeleton is final: its control flow serves the extractor and the
    // final elaboration alike.
    imported.control = Some(crate::control::ControlFlow::of(&imported.skeleton));
    let graph = extraction_graph(&imported);
    Staged {
        imported,
        graph,
        saturation,
        skeleton,
    }
}

/// Optimise one function.
pub fn optimize(
    func: &Function,
    isa: &dyn TargetIsa,
    extractor: &dyn Extractor,
    rules: &[Rule],
    settings: &Settings,
) -> Result<Optimized, PipelineError> {
    check_input(func, isa, settings)?;
    let prepared = prepare(func, isa);
    let Staged {
        imported,
        graph,
        saturation,
        skeleton,
    } = stage(&prepared, rules, &settings.limits);
    let target = target_of(isa);
    let t = Instant::now();
    let costs = NodeCosts::given(&graph);
    let problem = Problem {
        graph: &graph,
        costs: &costs,
        function: Some((&imported, target)),
    };
    let choice = extractor.extract(&problem);
    let extract_time = t.elapsed();
    let mut report = Report {
        import: imported.stats,
        saturation,
        skeleton,
        graph_classes: graph.num_classes(),
        graph_nodes: graph.num_nodes(),
        extract_time,
        fallback: None,
        checked: None,
    };
    let result = choice
        .check(&graph)
        .map_err(|e| format!("extractor {}: {e}", extractor.name()))
        .and_then(|()| elaborate(&imported, &graph, &choice).map_err(|e| e.to_string()))
        .and_then(|out| {
            cranelift_codegen::verify_function(&out, isa)
                .map(|()| out)
                .map_err(|e| format!("output does not verify: {e}"))
        });
    let result = match result {
        Ok(out) if settings.judges(extractor) => {
            let (out, checked) = judge(out, isa, &imported, &problem);
            report.checked = checked;
            Ok(out)
        }
        r => r,
    };
    let func = match result {
        Ok(out) if settings.lowering_check => {
            match lowering_fallback(&out, isa, extractor, &imported, &problem) {
                Some((alt, why)) => {
                    report.fallback = Some(why);
                    alt
                }
                None => out,
            }
        }
        Ok(out) => out,
        Err(reason) => {
            report.fallback = Some(reason);
            prepared
        }
    };
    Ok(Optimized { func, report })
}

/// Checked mode: `out` if regalloc2 finds it no worse than `dag`'s output
/// in spills+reloads and in machine instructions, else `dag`'s output.
///
/// Both are compiled by the same path the measurements use
/// ([`crate::codegen::compile`]), so the guarantee holds for exactly what
/// is reported. Requiring both measures not to get worse, rather than a
/// weighted sum, makes the totals over any set of functions no worse than
/// `dag`'s on both, by construction. If either compile fails, `out` stands
/// and nothing is recorded.
fn judge(
    out: Function,
    isa: &dyn TargetIsa,
    imported: &crate::import::Imported,
    problem: &Problem,
) -> (Function, Option<Checked>) {
    let t = Instant::now();
    let dag_choice = crate::extract::dag::DagExtractor.extract(problem);
    let Ok(base) = dag_choice
        .check(problem.graph)
        .map_err(|e| e.to_string())
        .and_then(|()| elaborate(imported, problem.graph, &dag_choice).map_err(|e| e.to_string()))
    else {
        return (out, None);
    };
    if cranelift_codegen::verify_function(&base, isa).is_err() {
        return (out, None);
    }
    let measure = |f: &Function| {
        crate::panics::catch_quietly(|| crate::codegen::compile(f, isa))
            .ok()
            .and_then(|r| r.ok())
            .map(|m| (m.spills_reloads(), m.insts))
    };
    let (Some(ours), Some(dag)) = (measure(&out), measure(&base)) else {
        return (out, None);
    };
    let kept_ours = ours.0 <= dag.0 && ours.1 <= dag.1;
    let checked = Checked {
        ours,
        dag,
        kept_ours,
        time: t.elapsed(),
    };
    (if kept_ours { out } else { base }, Some(checked))
}

/// The `cranelift` extractor's output, and why, if the backend cannot
/// compile `out` but can compile that.
///
/// The e-graph holds every form of a value, and the backends cannot lower
/// them all: a program may even be written in a form its target cannot
/// lower and rely on Cranelift's mid-end to rewrite it. Cranelift's
/// filetests do this with `popcnt(splat x)` and vector rotates, which
/// AArch64 lowers only as `splat(popcnt x)`. Our cost models know nothing
/// of lowering, and `dag`'s ties keep the program's form, so such a choice
/// is valid CLIF (it verifies and interprets) that no backend compiles.
/// The `cranelift` extractor chooses as Cranelift does, so it is the
/// fallback; if that fails too, `out` stands (it fails as Cranelift's own
/// pipeline would without its rewrite).
///
/// Only functions with vector, 128-bit or half/quad-float values are
/// compiled here: every backend lowers each scalar operation on 8- to
/// 64-bit integers and on `f32`/`f64`, and compiling every output twice
/// would double the cost of a comparison run. The principled fix, a
/// lowering-aware cost, is open (notes.md §6.3).
fn lowering_fallback(
    out: &Function,
    isa: &dyn TargetIsa,
    extractor: &dyn Extractor,
    imported: &crate::import::Imported,
    problem: &Problem,
) -> Option<(Function, String)> {
    if extractor.name() == "cranelift" || !has_unusual_types(out) {
        return None;
    }
    let why = crate::codegen::lowers(out, isa).err()?;
    let choice = crate::extract::cranelift::CraneliftExtractor.extract(problem);
    let alt = elaborate(imported, problem.graph, &choice).ok()?;
    cranelift_codegen::verify_function(&alt, isa).ok()?;
    crate::codegen::lowers(&alt, isa).ok()?;
    Some((
        alt,
        format!(
            "the backend cannot compile {}'s output ({why}); used the cranelift extractor's",
            extractor.name()
        ),
    ))
}

/// Whether `func` has a value of a type outside the scalar 8- to 64-bit
/// integers and `f32`/`f64` (see [`lowering_fallback`]).
fn has_unusual_types(func: &Function) -> bool {
    func.dfg.values().any(|v| {
        let ty = func.dfg.value_type(v);
        ty.is_vector() || ty.bits() > 64 || ty == types::F16
    })
}

/// The extraction graph of an imported function, rooted at the classes its
/// skeleton uses.
pub fn extraction_graph(imported: &crate::import::Imported) -> ExtractionGraph {
    let roots: Vec<egg::Id> = skeleton_operands(&imported.skeleton)
        .map(|v| imported.value_class[&v])
        .collect();
    ExtractionGraph::from_egraph(&imported.egraph, &roots)
}

/// Every value a skeleton instruction uses (including branch arguments).
pub fn skeleton_operands(
    func: &Function,
) -> impl Iterator<Item = cranelift_codegen::ir::Value> + '_ {
    func.layout.blocks().flat_map(move |b| {
        func.layout
            .block_insts(b)
            .flat_map(move |i| func.dfg.inst_values(i).map(|v| func.dfg.resolve_aliases(v)))
    })
}

/// The cost-model target of an ISA. The CLI and the tests only build x86-64
/// and AArch64 ISAs; anything else is costed as x86-64, which affects only
/// how good the extraction is, never whether it is correct.
pub fn target_of(isa: &dyn TargetIsa) -> Target {
    match isa.triple().architecture {
        target_lexicon::Architecture::Aarch64(_) => Target::Aarch64,
        _ => Target::X86_64,
    }
}
