//! The oracle: for a small function, every extraction, compiled.
//!
//! After import and saturation, [`enumerate`] lists every well-formed
//! choice over the classes reachable from the roots (one node per needed
//! class, acyclic; classes nobody needs stay unchosen), up to a cap. Each
//! candidate is elaborated, verified, and compiled for a target through
//! Cranelift's backend and regalloc2 ([`crate::validate::codegen::compile`]
//! with an `opt_level=none` ISA, as the pipeline measures its own output).
//! The minimum spills+reloads and the minimum machine instructions over all
//! candidates are the ground truth the extractors are measured against.
//!
//! The search space is the node choices with elaboration's default
//! placement and operand order, each also tried with Sethi–Ullman operand
//! order and with local placement of every class (the two knobs `pressure`
//! turns). `pressure` may place classes individually, which lies outside
//! that space; it can therefore land *below* the oracle, and the report
//! says so instead of hiding it.
//!
//! [`generate`] writes small high-pressure functions for it: several values
//! computed before a call, summed into its argument, and all used again
//! after it, so they are live across the call's clobbers.

use crate::elaborate::elaborate;
use crate::extract::{self, Choice, NodeCosts, OperandOrder, Placement, Problem};
use crate::graph::{ClassId, ExtractionGraph, NodeId};
use crate::pipeline::{self, Staged};
use crate::rules::{Limits, RuleSet};
use crate::validate::codegen::{self, CodeMetrics};
use crate::validate::semantics::Rng;
use anyhow::{anyhow, bail, Result};
use cranelift_codegen::ir::Function;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::ops::RangeInclusive;

/// Default cap on enumerated candidates; past it a function is "not
/// enumerable".
pub const MAX_CANDIDATES: usize = 20_000;

/// The candidates of one function, or why there are none.
#[derive(Debug)]
pub enum Enumeration {
    /// Every well-formed choice.
    All(Vec<Choice>),
    /// More than the cap.
    TooMany,
}

/// Enumerate every well-formed choice restricted to the classes reachable
/// from the roots, up to `cap` of them. Search steps (partial choices
/// visited) are bounded too, at 50 × `cap`, so cyclic dead ends cannot make
/// it run away.
pub fn enumerate(graph: &ExtractionGraph, cap: usize) -> Enumeration {
    struct Search<'g> {
        graph: &'g ExtractionGraph,
        chosen: Vec<Option<NodeId>>,
        out: Vec<Choice>,
        cap: usize,
        steps: usize,
        over: bool,
    }
    impl Search<'_> {
        /// `pending`: classes needed and not yet chosen (may repeat).
        fn go(&mut self, pending: &mut Vec<ClassId>) {
            if self.over {
                return;
            }
            self.steps += 1;
            if self.steps > self.cap.saturating_mul(50) {
                self.over = true;
                return;
            }
            // Skip classes already chosen.
            let mut popped = Vec::new();
            let c = loop {
                match pending.pop() {
                    None => break None,
                    Some(c) if self.chosen[c.index()].is_some() => popped.push(c),
                    Some(c) => break Some(c),
                }
            };
            match c {
                None => {
                    let mut choice = Choice::new(self.graph);
                    for (i, n) in self.chosen.iter().enumerate() {
                        if let Some(n) = n {
                            choice.set(ClassId(i as u32), *n);
                        }
                    }
                    if choice.check(self.graph).is_ok() {
                        if self.out.len() == self.cap {
                            self.over = true;
                        } else {
                            self.out.push(choice);
                        }
                    }
                }
                Some(c) => {
                    for n in self.graph.nodes(c) {
                        let kids = self.graph.children(n);
                        if kids.contains(&c) {
                            continue;
                        }
                        self.chosen[c.index()] = Some(n);
                        let len = pending.len();
                        pending.extend(kids.iter().rev().copied());
                        self.go(pending);
                        pending.truncate(len);
                        self.chosen[c.index()] = None;
                        if self.over {
                            break;
                        }
                    }
                    pending.push(c);
                }
            }
            pending.extend(popped.into_iter().rev());
        }
    }
    let mut s = Search {
        graph,
        chosen: vec![None; graph.num_classes()],
        out: Vec::new(),
        cap,
        steps: 0,
        over: false,
    };
    let mut pending: Vec<ClassId> = graph.roots.iter().rev().copied().collect();
    s.go(&mut pending);
    if s.over {
        Enumeration::TooMany
    } else {
        Enumeration::All(s.out)
    }
}

/// The node choice of `choice` alone: pruned to the classes reachable from
/// the roots, with elaboration's default placement and operand order. Every
/// extractor's plain choice is one of [`enumerate`]'s candidates.
pub fn plain(graph: &ExtractionGraph, choice: &Choice) -> Choice {
    let mut p = choice.clone();
    p.prune(graph);
    let mut out = Choice::new(graph);
    for c in graph.classes() {
        if let Some(n) = p.get(c) {
            out.set(c, n);
        }
    }
    out
}

/// The variants of one node choice that the oracle compiles: as given,
/// with Sethi–Ullman operand order, and with every class placed locally.
fn variants(graph: &ExtractionGraph, choice: &Choice) -> Vec<Choice> {
    let mut su = choice.clone();
    su.set_operand_order(OperandOrder::SethiUllman);
    let mut local = choice.clone();
    for c in graph.classes() {
        local.set_placement(c, Placement::Local);
    }
    vec![choice.clone(), su, local]
}

/// What one function's oracle run found on one target.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OracleResult {
    /// Function name.
    pub function: String,
    /// Target name.
    pub target: String,
    /// Node choices enumerated.
    pub choices: usize,
    /// Candidates compiled (choices × variants).
    pub compiled: usize,
    /// Candidates that failed to elaborate, verify or compile.
    pub failed: usize,
    /// Minimum spills+reloads over all candidates.
    pub min_spills_reloads: u64,
    /// Minimum machine instructions over all candidates.
    pub min_insts: u64,
    /// Minimum spills+reloads over the plain node choices only (default
    /// placement and operand order).
    pub min_spills_reloads_plain: u64,
    /// Each extractor's result, by name.
    pub extractors: BTreeMap<String, CodeMetrics>,
}

/// Elaborate, verify and compile one choice.
fn measure(
    staged: &Staged,
    choice: &Choice,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
) -> Result<CodeMetrics> {
    choice.check(&staged.graph)?;
    let func = elaborate(&staged.imported, &staged.graph, choice)?;
    cranelift_codegen::verify_function(&func, isa).map_err(|e| anyhow!("{e}"))?;
    codegen::compile(&func, isa)
}

/// Run the oracle on one function for one target. `Ok(None)`: not
/// enumerable within `cap`.
pub fn run(
    func: &Function,
    target: &str,
    rules: &RuleSet,
    cap: usize,
) -> Result<Option<OracleResult>> {
    let isa = codegen::build_isa(target, "none")?;
    pipeline::check_input(func, &*isa, &pipeline::Settings::default())?;
    let prepared = pipeline::prepare(func, &*isa);
    let staged = pipeline::stage(&prepared, &rules.rules(), &Limits::default());
    let choices = match enumerate(&staged.graph, cap) {
        Enumeration::All(c) => c,
        Enumeration::TooMany => return Ok(None),
    };
    if choices.is_empty() {
        bail!("{}: no well-formed choice", func.name);
    }
    let candidates: Vec<(bool, Choice)> = choices
        .iter()
        .flat_map(|c| {
            variants(&staged.graph, c)
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i == 0, v))
        })
        .collect();
    let results: Vec<(bool, Option<CodeMetrics>)> = candidates
        .par_iter()
        .map(|(plain, c)| (*plain, measure(&staged, c, &*isa).ok()))
        .collect();
    let ok = || results.iter().filter_map(|(p, m)| m.map(|m| (*p, m)));
    let failed = results.iter().filter(|(_, m)| m.is_none()).count();
    let min_sr = ok().map(|(_, m)| m.spills_reloads()).min();
    let Some(min_spills_reloads) = min_sr else {
        bail!("{}: no candidate compiled", func.name);
    };
    let min_insts = ok().map(|(_, m)| m.insts).min().unwrap_or(0);
    let min_plain = ok()
        .filter(|(p, _)| *p)
        .map(|(_, m)| m.spills_reloads())
        .min()
        .unwrap_or(u64::MAX);
    let target_t = pipeline::target_of(&*isa);
    let costs = NodeCosts::target(&staged.imported, &staged.graph, target_t);
    let problem = Problem {
        graph: &staged.graph,
        costs: &costs,
        function: Some((&staged.imported, target_t)),
    };
    let mut extractors = BTreeMap::new();
    for name in extract::EXTRACTORS {
        let ex = extract::by_name(name).expect("listed extractors exist");
        let choice = ex.extract(&problem);
        let m = measure(&staged, &choice, &*isa)
            .map_err(|e| anyhow!("{}: extractor {name}: {e}", func.name))?;
        extractors.insert(name.to_string(), m);
    }
    Ok(Some(OracleResult {
        function: func.name.to_string(),
        target: target.to_string(),
        choices: choices.len(),
        compiled: candidates.len(),
        failed,
        min_spills_reloads,
        min_insts,
        min_spills_reloads_plain: min_plain,
        extractors,
    }))
}

/// The number of values [`generate`] computes before the calls: 2 to 7, so
/// 6 to 11 live across them (x86-64 keeps 5 in callee-saved registers).
pub const GENERATED_VALUES: RangeInclusive<usize> = 2..=7;

/// A small deterministic high-pressure function, `%gen{seed}`: between
/// 2 and 7 values computed from four parameters, passed to two calls,
/// then each (and each parameter) combined with the calls' result, so that
/// 6 to 11 values are live across the calls: up to more than x86-64's
/// callee-saved registers. Operations are drawn from `iadd`, `isub`,
/// `bxor`, `band`, `bor`, `imul` and `bnot`, so the reassociation and
/// De Morgan rules give classes alternatives.
pub fn generate(seed: u64) -> String {
    generate_with(seed, GENERATED_VALUES)
}

/// [`generate`] with another number of values computed before the calls;
/// `values.start() + 4` to `values.end() + 4` are then live across them.
/// AArch64 keeps 10 in callee-saved registers, so it spills only from 7
/// values on. `generate_with(seed, GENERATED_VALUES)` is `generate(seed)`.
pub fn generate_with(seed: u64, values: RangeInclusive<usize>) -> String {
    let mut rng = Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5151);
    let mut pick = |n: u64| (rng.next_u64() % n) as usize;
    let binops = ["iadd", "isub", "bxor", "band", "bor", "imul"];
    let mut body = String::new();
    let mut next = 4usize; // v0..v3 are parameters
    let mut defined: Vec<usize> = vec![0, 1, 2, 3];
    let (lo, hi) = (*values.start(), (*values.end()).max(*values.start()));
    let live = lo + pick((hi - lo + 1) as u64);
    let mut keep = Vec::new();
    for _ in 0..live {
        // One operand is always a parameter: shallow values keep the number
        // of rewritten forms (and so the candidates) enumerable.
        let a = pick(4);
        let mut b = defined[pick(defined.len() as u64)];
        if b == a {
            // `x op x` mostly simplifies away; keep the pressure real.
            b = defined[(defined.iter().position(|&d| d == a).unwrap() + 1) % defined.len()];
        }
        let v = next;
        next += 1;
        match pick(4) {
            0 => {
                // bnot (a op b): De Morgan material.
                let op = ["band", "bor"][pick(2)];
                body.push_str(&format!("    v{v} = {op} v{a}, v{b}\n"));
                let w = next;
                next += 1;
                body.push_str(&format!("    v{w} = bnot v{v}\n"));
                keep.push(w);
                defined.push(w);
            }
            1 => {
                // A constant operand: elaboration may fold or rematerialise it.
                let k = 1 + pick(100);
                body.push_str(&format!("    v{v} = iconst.i64 {k}\n"));
                let w = next;
                next += 1;
                body.push_str(&format!("    v{w} = iadd v{a}, v{v}\n"));
                keep.push(w);
                defined.push(w);
            }
            _ => {
                let op = binops[pick(binops.len() as u64)];
                body.push_str(&format!("    v{v} = {op} v{a}, v{b}\n"));
                keep.push(v);
                defined.push(v);
            }
        }
    }
    // Two calls: the first takes the first four kept values, the second
    // the rest and the first's result. Every kept value is used before the
    // calls and again after them, so it is live across the clobbers.
    let args = |vals: &[usize]| -> String {
        (0..4)
            .map(|i| format!("v{}", vals[i % vals.len()]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let r0 = next;
    next += 1;
    body.push_str(&format!(
        "    v{r0} = call fn0({})\n",
        args(&keep[..keep.len().min(4)])
    ));
    let mut rest: Vec<usize> = keep[keep.len().min(4)..].to_vec();
    rest.push(r0);
    let r1 = next;
    next += 1;
    body.push_str(&format!("    v{r1} = call fn0({})\n", args(&rest)));
    // Use each kept value again after the calls, alternating two operations
    // that do not reassociate with each other, so that the alternatives stay
    // in the values computed before the calls and the count stays
    // enumerable.
    let mut acc = r1;
    let after: Vec<usize> = keep.iter().copied().chain(0..4).collect();
    for (i, &k) in after.iter().enumerate() {
        let v = next;
        next += 1;
        let op = ["bxor", "imul"][i % 2];
        body.push_str(&format!("    v{v} = {op} v{acc}, v{k}\n"));
        acc = v;
    }
    format!(
        "function %gen{seed}(i64, i64, i64, i64) -> i64 {{\n    fn0 = colocated %callee(i64, i64, i64, i64) -> i64\n\nblock0(v0: i64, v1: i64, v2: i64, v3: i64):\n{body}    return v{acc}\n}}\n"
    )
}

/// Arguments of `regpress oracle`.
#[derive(clap::Args, Debug)]
pub struct OracleArgs {
    /// `.clif` files or directories (searched recursively); every function
    /// in them is a problem.
    pub paths: Vec<std::path::PathBuf>,
    /// Also generate this many enumerable functions with [`generate`]
    /// (seeds from 0 on; non-enumerable ones are skipped and counted).
    #[arg(long, default_value_t = 0)]
    pub generate: usize,
    /// Give up generating after this many seeds.
    #[arg(long, default_value_t = 1000)]
    pub max_seeds: u64,
    /// Targets, comma separated.
    #[arg(long, default_value = "x86_64,aarch64", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Rule set.
    #[arg(long, default_value = "default+reassoc+demorgan")]
    pub rules: String,
    /// Candidate cap per function.
    #[arg(long, default_value_t = MAX_CANDIDATES)]
    pub max_candidates: usize,
    /// How many values generated functions compute before their calls, as
    /// `MIN..MAX` (inclusive); 4 more (the parameters) are live across the
    /// calls. The default makes x86-64 spill; from 7 on AArch64 spills too.
    #[arg(long, default_value = "2..7", value_parser = parse_values)]
    pub values: RangeInclusive<usize>,
}

/// `MIN..MAX` (inclusive), both at least 1.
fn parse_values(s: &str) -> std::result::Result<RangeInclusive<usize>, String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected MIN..MAX, found `{s}`"))?;
    let num = |t: &str| {
        t.trim()
            .parse::<usize>()
            .map_err(|e| format!("`{t}` in `{s}`: {e}"))
    };
    let (a, b) = (num(a)?, num(b)?);
    if a == 0 || a > b || b > 64 {
        return Err(format!("`{s}`: need 1 <= MIN <= MAX <= 64"));
    }
    Ok(a..=b)
}

/// Run `regpress oracle`: one JSON line per function and target on standard
/// output, and a summary per target and extractor on standard error (how
/// many functions each extractor brings to the oracle's minimum
/// spills+reloads, and the gaps of the rest).
pub fn command(args: &OracleArgs) -> Result<i32> {
    let rules = RuleSet::parse(&args.rules).map_err(|e| anyhow!(e))?;
    for t in &args.target {
        codegen::build_isa(t, "none")?;
    }
    let mut funcs: Vec<Function> = Vec::new();
    for path in &args.paths {
        for file in crate::corpus::clif_files(path)? {
            funcs.extend(crate::corpus::load_file(&file)?.functions);
        }
    }
    let explicit = funcs.len();
    let mut results: Vec<OracleResult> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut out = std::io::stdout().lock();
    let mut emit = |r: &OracleResult, results: &mut Vec<OracleResult>| -> Result<()> {
        use std::io::Write;
        writeln!(out, "{}", serde_json::to_string(r)?)?;
        results.push(r.clone());
        Ok(())
    };
    for f in &funcs {
        for t in &args.target {
            match run(f, t, &rules, args.max_candidates)? {
                Some(r) => emit(&r, &mut results)?,
                None => skipped.push(format!("{} ({t})", f.name)),
            }
        }
    }
    let (mut made, mut seed) = (0, 0u64);
    while made < args.generate && seed < args.max_seeds {
        let text = generate_with(seed, args.values.clone());
        seed += 1;
        let file = crate::corpus::parse("generated.clif", &text)?;
        let f = &file.functions[0];
        let mut rows = Vec::new();
        for t in &args.target {
            match run(f, t, &rules, args.max_candidates)? {
                Some(r) => rows.push(r),
                None => break,
            }
        }
        if rows.len() < args.target.len() {
            skipped.push(f.name.to_string());
            continue;
        }
        for r in &rows {
            emit(r, &mut results)?;
        }
        made += 1;
    }
    eprintln!(
        "oracle: {} given functions, {made} generated (seeds 0..{seed}); not enumerable within {}: {}",
        explicit,
        args.max_candidates,
        if skipped.is_empty() { "none".to_string() } else { skipped.join(", ") }
    );
    for t in &args.target {
        let rows: Vec<&OracleResult> = results.iter().filter(|r| &r.target == t).collect();
        for name in extract::EXTRACTORS {
            let mut gaps = Vec::new();
            let mut below = 0;
            for r in &rows {
                let m = r.extractors[*name];
                let sr = m.spills_reloads();
                if sr > r.min_spills_reloads {
                    gaps.push(format!("{} +{}", r.function, sr - r.min_spills_reloads));
                } else if sr < r.min_spills_reloads {
                    below += 1;
                }
            }
            let reached = rows.len() - gaps.len();
            eprintln!(
                "{t} {name}: reaches the minimum spills+reloads on {reached}/{} ({:.1}%), below it on {below}; gaps: {}",
                rows.len(),
                100.0 * reached as f64 / rows.len().max(1) as f64,
                if gaps.is_empty() { "none".to_string() } else { gaps.join(", ") }
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_functions_parse_and_verify() {
        let isa = codegen::build_isa("x86_64", "none").unwrap();
        for seed in 0..20 {
            let text = generate(seed);
            let file = crate::corpus::parse("gen.clif", &text).unwrap();
            let f = &file.functions[0];
            pipeline::check_input(f, &*isa, &pipeline::Settings::default())
                .unwrap_or_else(|e| panic!("{text}\n{e}"));
            let n = f.dfg.num_insts();
            assert!((8..=30).contains(&n), "{n} instructions\n{text}");
        }
    }
}
