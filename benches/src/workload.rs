//! The functions and graphs measured, staged once so that a benchmark
//! times only the step it names.

use anyhow::{anyhow, Result};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::Context;
use regpress::extract::{Choice, Extractor, NodeCosts, Problem};
use regpress::graph::ExtractionGraph;
use regpress::pipeline::{self, Settings, Staged};
use regpress::rules::{Rule, RuleSet};
use regpress_cost_model::Target;
use std::path::{Path, PathBuf};

/// The target every timing uses. Both targets share the extractors; x86-64
/// is the one the wasm corpus was produced for.
pub const TARGET: &str = "x86_64";

/// The benchmark name of Cranelift's own full compile (mid-end at
/// `opt_level=speed`, lowering, regalloc2, emission).
pub const CRANELIFT_COMPILE: &str = "cranelift-compile";

/// A named set of CLIF functions.
pub struct FunctionSet {
    /// `kernels`, `wasm` or `wasm-extra`.
    pub name: &'static str,
    /// The functions, in a fixed order.
    pub functions: Vec<Function>,
}

/// Every function of the built-in kernels, in file order.
pub fn kernels() -> FunctionSet {
    FunctionSet {
        name: "kernels",
        functions: regpress::corpus::builtin()
            .into_iter()
            .flat_map(|f| f.functions)
            .collect(),
    }
}

/// The wasm corpora a sample can come from: the tuning set and the
/// validation set (`../shared/corpus/NAME/clif/MODULE/fNNNNN.clif`).
pub const WASM_CORPORA: &[&str] = &["wasm", "wasm-extra"];

/// `n` functions of `../shared/corpus/wasm`, spanning its sizes (see
/// [`sample_paths`]). `Ok(None)` when the shared corpus is absent.
pub fn wasm_sample(n: usize) -> Result<Option<FunctionSet>> {
    corpus_sample("wasm", n)
}

/// `n` functions of the wasm corpus `corpus` (one of [`WASM_CORPORA`]),
/// spanning its sizes (see [`sample_paths`]); the set is named after the
/// corpus. `Ok(None)` when the corpus is absent.
pub fn corpus_sample(corpus: &str, n: usize) -> Result<Option<FunctionSet>> {
    let name = WASM_CORPORA
        .iter()
        .copied()
        .find(|c| *c == corpus)
        .ok_or_else(|| anyhow!("unknown corpus `{corpus}` (known: {WASM_CORPORA:?})"))?;
    let Some(paths) = sample_paths(name, n)? else {
        return Ok(None);
    };
    let mut functions = Vec::new();
    for p in paths {
        functions.extend(regpress::corpus::load_file(&p)?.functions);
    }
    Ok(Some(FunctionSet { name, functions }))
}

/// The files of the wasm sample (see [`sample_paths`]).
pub fn wasm_sample_paths(n: usize) -> Result<Option<Vec<PathBuf>>> {
    sample_paths("wasm", n)
}

/// The files of a corpus sample: the `.clif` files under
/// `../shared/corpus/CORPUS/clif` sorted by (byte size, path), then the
/// ones at `n` evenly spaced ranks from the smallest to the largest.
pub fn sample_paths(corpus: &str, n: usize) -> Result<Option<Vec<PathBuf>>> {
    let Some(root) = regpress::corpus::shared_corpus() else {
        return Ok(None);
    };
    let dir = root.join(corpus).join("clif");
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files: Vec<(u64, PathBuf)> = regpress::corpus::clif_files(&dir)?
        .into_iter()
        .map(|p| Ok((std::fs::metadata(&p)?.len(), p)))
        .collect::<Result<_>>()?;
    files.sort();
    Ok(Some(
        spread(files.len(), n)
            .into_iter()
            .map(|i| files[i].1.clone())
            .collect(),
    ))
}

/// `n` indices spread evenly over `0..len`, first and last included.
pub fn spread(len: usize, n: usize) -> Vec<usize> {
    match (len, n) {
        (0, _) | (_, 0) => Vec::new(),
        (_, 1) => vec![0],
        _ if n >= len => (0..len).collect(),
        _ => (0..n).map(|k| k * (len - 1) / (n - 1)).collect(),
    }
}

/// The extraction-gym graphs under `../shared/corpus/extraction-gym`, with
/// their given costs, sorted by path. `Ok(None)` when absent.
pub fn gym_graphs() -> Result<Option<Vec<(PathBuf, ExtractionGraph, NodeCosts)>>> {
    let Some(root) = regpress::corpus::shared_corpus() else {
        return Ok(None);
    };
    let dir = root.join("extraction-gym");
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for p in regpress::corpus::files_with_extension(&dir, "json")? {
        // One unreadable file (truncated, say) must not hide the others.
        match regpress::gym::load(&p) {
            Ok(g) => {
                let c = NodeCosts::given(&g);
                out.push((p, g, c));
            }
            Err(e) => eprintln!("regpress-benches: skipping {}: {e:#}", short(&p)),
        }
    }
    Ok(Some(out))
}

/// A function ready for extraction: prepared as `pipeline::optimize` does,
/// saturated with the default rules, and its extraction graph built.
pub struct StagedFunction {
    /// The original function (what Cranelift compiles).
    pub original: Function,
    /// The prepared function (what saturation starts from).
    pub prepared: Function,
    /// The e-graph stages.
    pub staged: Staged,
    /// The cost-model target.
    pub target: Target,
}

/// The ISAs of one target: `none` for our pipeline's input checks,
/// `speed` for Cranelift's own compile.
pub struct Isas {
    /// `opt_level=none`.
    pub none: cranelift_codegen::isa::OwnedTargetIsa,
    /// `opt_level=speed`.
    pub speed: cranelift_codegen::isa::OwnedTargetIsa,
}

impl Isas {
    /// The ISAs of [`TARGET`].
    pub fn new() -> Result<Isas> {
        Ok(Isas {
            none: regpress::validate::codegen::build_isa(TARGET, "none")?,
            speed: regpress::validate::codegen::build_isa(TARGET, "speed")?,
        })
    }
}

/// The default rules.
pub fn default_rules() -> Vec<Rule> {
    RuleSet::DEFAULT.rules()
}

/// Stage every function the pipeline accepts; the others are skipped with
/// a message on standard error (as `regpress compare` reports them).
pub fn stage_all(functions: &[Function], isas: &Isas, rules: &[Rule]) -> Vec<StagedFunction> {
    stage_with(functions, isas, rules, &Settings::default())
}

/// [`stage_all`] with explicit settings.
pub fn stage_with(
    functions: &[Function],
    isas: &Isas,
    rules: &[Rule],
    settings: &Settings,
) -> Vec<StagedFunction> {
    let target = pipeline::target_of(&*isas.none);
    functions
        .iter()
        .filter_map(|f| {
            if let Err(e) = pipeline::check_input(f, &*isas.none, settings) {
                eprintln!("regpress-benches: skipping {}: {e}", f.name);
                return None;
            }
            let prepared = pipeline::prepare(f, &*isas.none);
            let staged = pipeline::stage(&prepared, rules, &settings.limits);
            Some(StagedFunction {
                original: f.clone(),
                prepared,
                staged,
                target,
            })
        })
        .collect()
}

/// Saturate a prepared function again (what the saturation benchmark
/// times): import, rules, skeleton simplification, extraction graph.
pub fn saturate(prepared: &Function, rules: &[Rule]) -> usize {
    pipeline::stage(prepared, rules, &Settings::default().limits)
        .graph
        .num_nodes()
}

/// Extract one staged function as `pipeline::optimize` times it: the
/// problem's node costs (Cranelift's opcode table; `tree` and `pressure`
/// derive the target's costs themselves, inside the time), then the
/// extractor.
pub fn extract(s: &StagedFunction, ex: &dyn Extractor) -> Choice {
    let costs = NodeCosts::given(&s.staged.graph);
    let problem = Problem {
        graph: &s.staged.graph,
        costs: &costs,
        function: Some((&s.staged.imported, s.target)),
    };
    ex.extract(&problem)
}

/// Cranelift's own full compile of `ctx`'s function (which `ctx` consumes:
/// compiling rewrites it). Returns the code size, so that nothing is
/// optimised away.
pub fn cranelift_compile(ctx: &mut Context, isa: &dyn TargetIsa) -> usize {
    match ctx.compile(isa, &mut ControlPlane::default()) {
        Ok(code) => code.code_buffer().len(),
        Err(_) => 0,
    }
}

/// Cranelift's mid-end alone on `ctx`'s function: `Context::optimize` at
/// `isa`'s `opt_level` (legalisation, the e-graph pass, its extraction and
/// elaboration), the work regpress's pass replaces. Returns the
/// instruction count left, so that nothing is optimised away.
pub fn cranelift_optimize(ctx: &mut Context, isa: &dyn TargetIsa) -> usize {
    match ctx.optimize(isa, &mut ControlPlane::default()) {
        Ok(()) => ctx.func.dfg.num_insts(),
        Err(_) => 0,
    }
}

/// regpress's whole pass on one original function, as a fork would run it
/// in place of Cranelift's mid-end: input checks, preparation, import,
/// saturation, skeleton simplification, extraction graph, node costs,
/// extraction, elaboration and the output's verification
/// (`pipeline::optimize` with default settings and rules). Returns the
/// output's instruction count.
pub fn regpress_pass(
    s: &StagedFunction,
    isa: &dyn TargetIsa,
    ex: &dyn Extractor,
    rules: &[Rule],
) -> usize {
    pipeline::optimize(&s.original, isa, ex, rules, &Settings::default())
        .map(|o| o.func.dfg.num_insts())
        .unwrap_or(0)
}

/// The benchmark name of Cranelift's mid-end alone.
pub const CRANELIFT_OPTIMIZE: &str = "cranelift-optimize";

/// The prefix of the whole-pass benchmarks: `pass-EXTRACTOR`.
pub const PASS_PREFIX: &str = "pass-";

/// The extractors whose whole pass is timed: the front door's and its
/// starting point.
pub const PASS_EXTRACTORS: &[&str] = &["dag", "pressure"];

/// Fresh compilation contexts for the original functions.
pub fn contexts(staged: &[StagedFunction]) -> Vec<Context> {
    staged
        .iter()
        .map(|s| Context::for_function(s.original.clone()))
        .collect()
}

/// Extractors the benchmarks leave out. `exact` is a reference solver
/// (MILP on CBC with a 10 s limit per solve), not a candidate for
/// Cranelift's compile path: timing it against Cranelift's compile says
/// nothing a compiler engineer would act on, and under callgrind its
/// time-limited solves would run for hours. Its times are in `regpress
/// gym`'s output instead (notes.md §6.6).
pub const NOT_BENCHED: &[&str] = &["exact"];

/// The extractors the benchmarks time: `EXTRACTORS` without
/// [`NOT_BENCHED`], in order.
pub fn benched_names() -> impl Iterator<Item = &'static str> {
    regpress::extract::EXTRACTORS
        .iter()
        .copied()
        .filter(|n| !NOT_BENCHED.contains(n))
}

/// Extractor instances, in `EXTRACTORS` order, without [`NOT_BENCHED`].
pub fn extractors() -> Vec<Box<dyn Extractor>> {
    benched_names()
        .map(|n| regpress::extract::by_name(n).ok_or_else(|| anyhow!("unknown extractor {n}")))
        .collect::<Result<_>>()
        .expect("every listed extractor exists")
}

/// The generated function of about `insts` instructions, staged for the
/// scaling series. Saturation runs the default iteration count with node
/// and time limits far above what the series reaches, so that the graph
/// grows with the function and not with the machine's speed.
pub fn scaling_function(insts: usize, isas: &Isas, rules: &[Rule]) -> StagedFunction {
    let f = crate::generate::function(insts);
    let mut settings = Settings::default();
    settings.limits.nodes = 5_000_000;
    settings.limits.time = std::time::Duration::from_secs(600);
    stage_with(std::slice::from_ref(&f), isas, rules, &settings)
        .pop()
        .expect("generated functions pass the input checks")
}

/// A short display of a path relative to the shared corpus.
pub fn short(path: &Path) -> String {
    let s = path.display().to_string();
    match s.find("corpus/") {
        Some(i) => s[i + "corpus/".len()..].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_covers_the_ends() {
        assert_eq!(spread(10, 3), vec![0, 4, 9]);
        assert_eq!(spread(3, 5), vec![0, 1, 2]);
        assert_eq!(spread(0, 5), Vec::<usize>::new());
        assert_eq!(spread(7, 1), vec![0]);
    }
}
