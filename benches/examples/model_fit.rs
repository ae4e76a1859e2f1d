//! How well `pressure`'s spill estimate predicts regalloc2.
//!
//! For every function of the wasm corpus (or of the `.clif` files and
//! directories given as arguments), on both targets, two extractors' choices (`cranelift` and
//! `pressure` unless `--extractors A,B` says otherwise) are elaborated,
//! estimated with [`Pressure`] (the expected spills and reloads, and the
//! objective's spill cycles) and compiled through Cranelift's backend and
//! regalloc2. It prints, per target:
//!
//! * the estimate's total against regalloc2's spills+reloads, and the
//!   correlation of the two over functions;
//! * on the functions where regalloc2's counts for the two choices differ,
//!   how often the estimate's spill cycles differ in the same direction
//!   (the question `pressure` asks of the estimate when it compares two
//!   choices).
//!
//! When the second extractor is `pressure`, a second table judges the
//! decisions the cheap path takes: for every function where `pressure`
//! relieved calls, the spill change its relief model predicted
//! ([`Explained::relief`]) against the change regalloc2 measured from the
//! first extractor's choice (normally `dag`, the choice relief starts
//! from): how often the measured spills+reloads fell, stayed or rose, how
//! often their sign agrees with the prediction's, and the correlation of
//! the two.
//!
//! `cargo run --release -p regpress-benches --example model_fit`
//! (about 30 s on two cores; notes.md §6.3 has the figures).

use anyhow::{bail, Context as _, Result};
use regpress::elaborate::{elaborate, Elaboration};
use regpress::extract::pressure::{Explained, PressureExtractor};
use regpress::extract::{Extractor, NodeCosts, Problem};
use regpress::liveness::{Flow, Pressure};
use regpress_benches::workload::{self, Isas};
use std::path::PathBuf;

/// One function's figures for one choice.
#[derive(Clone, Copy)]
struct Point {
    /// regalloc2's spills+reloads of the compiled choice.
    actual: f64,
    /// The estimate's expected spills+reloads (capacity only).
    estimate: f64,
    /// The objective's spill part, in model cycles (capacity and calls).
    cycles: f64,
    /// For `pressure`: the spill change its relief of calls predicted, in
    /// model cycles, if it relieved any.
    predicted: Option<f64>,
}

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut names = vec!["cranelift".to_string(), "pressure".to_string()];
    if let Some(i) = args.iter().position(|a| a == "--extractors") {
        let list = args.get(i + 1).context("--extractors needs A,B")?.clone();
        names = list.split(',').map(str::to_string).collect();
        args.drain(i..i + 2);
    }
    if names.len() != 2 {
        bail!("--extractors takes exactly two names");
    }
    let extractors: Vec<Box<dyn Extractor>> = names
        .iter()
        .map(|n| regpress::extract::by_name(n).with_context(|| format!("unknown extractor {n}")))
        .collect::<Result<_>>()?;
    let paths: Vec<PathBuf> = if args.is_empty() {
        let root = regpress::corpus::shared_corpus()
            .context("../shared/corpus is absent; give .clif files instead")?;
        regpress::corpus::clif_files(&root.join("wasm").join("clif"))?
    } else {
        let mut files = Vec::new();
        for a in &args {
            let p = PathBuf::from(a);
            if p.is_dir() {
                files.extend(regpress::corpus::clif_files(&p)?);
            } else {
                files.push(p);
            }
        }
        files
    };
    let mut functions = Vec::new();
    for p in &paths {
        functions.extend(regpress::corpus::load_file(p)?.functions);
    }
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = ["x86_64", "aarch64"]
            .into_iter()
            .map(|target| {
                let (functions, extractors) = (&functions, &extractors);
                scope.spawn(move || measure(target, functions, extractors))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a measuring thread panicked"))
            .collect::<Result<Vec<_>>>()
    })?;
    println!(
        "| target | functions | regalloc2 s+r | estimate | ratio | correlation | same sign / differing |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut decisions = Vec::new();
    for (target, pairs) in results {
        let points: Vec<Point> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        let actual: f64 = points.iter().map(|p| p.actual).sum();
        let estimate: f64 = points.iter().map(|p| p.estimate).sum();
        let r = correlation(
            &points.iter().map(|p| p.actual).collect::<Vec<_>>(),
            &points.iter().map(|p| p.estimate).collect::<Vec<_>>(),
        );
        let differing: Vec<_> = pairs.iter().filter(|(a, b)| a.actual != b.actual).collect();
        let agree = differing
            .iter()
            .filter(|(a, b)| (b.cycles - a.cycles) * (b.actual - a.actual) > 0.0)
            .count();
        println!(
            "| {target} | {} | {actual:.0} | {estimate:.0} | {:.2} | {r:.3} | {agree} / {} |",
            pairs.len(),
            estimate / actual.max(1.0),
            differing.len()
        );
        let taken: Vec<(f64, f64)> = pairs
            .iter()
            .filter_map(|(a, b)| Some((b.predicted?, b.actual - a.actual)))
            .collect();
        if names[1] == "pressure" {
            decisions.push((target, taken));
        }
    }
    if !decisions.is_empty() {
        println!();
        println!(
            "| target | relief taken | s+r fewer / same / more | sign agrees | correlation | predicted cycles | measured s+r change |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for (target, taken) in decisions {
            let fewer = taken.iter().filter(|t| t.1 < 0.0).count();
            let more = taken.iter().filter(|t| t.1 > 0.0).count();
            let agree = taken.iter().filter(|t| t.0 * t.1 > 0.0).count();
            let r = correlation(
                &taken.iter().map(|t| t.0).collect::<Vec<_>>(),
                &taken.iter().map(|t| t.1).collect::<Vec<_>>(),
            );
            println!(
                "| {target} | {} | {fewer} / {} / {more} | {agree} / {} ({:.1}%) | {r:.3} | {:.0} | {:+.0} |",
                taken.len(),
                taken.len() - fewer - more,
                fewer + more,
                100.0 * agree as f64 / (fewer + more).max(1) as f64,
                taken.iter().map(|t| t.0).sum::<f64>(),
                taken.iter().map(|t| t.1).sum::<f64>(),
            );
        }
    }
    Ok(())
}

/// The two extractors' points for every function the pipeline accepts on
/// `target` and the backend compiles.
fn measure(
    target: &'static str,
    functions: &[cranelift_codegen::ir::Function],
    extractors: &[Box<dyn Extractor>],
) -> Result<(&'static str, Vec<(Point, Point)>)> {
    let isas = Isas {
        none: regpress::validate::codegen::build_isa(target, "none")?,
        speed: regpress::validate::codegen::build_isa(target, "speed")?,
    };
    let rules = workload::default_rules();
    let staged = workload::stage_all(functions, &isas, &rules);
    let mut out = Vec::new();
    for s in &staged {
        let costs = NodeCosts::given(&s.staged.graph);
        let problem = Problem {
            graph: &s.staged.graph,
            costs: &costs,
            function: Some((&s.staged.imported, s.target)),
        };
        let elaboration = Elaboration::new(&s.staged.imported, &s.staged.graph);
        let flow = Flow::new(
            elaboration.skeleton(),
            elaboration.cfg(),
            elaboration.loops(),
        );
        let mut points = Vec::new();
        for ex in extractors {
            let (choice, predicted) = if ex.name() == "pressure" {
                let Explained { choice, relief } = PressureExtractor.explain(&problem);
                (choice, relief.map(|r| r.spill))
            } else {
                (ex.extract(&problem), None)
            };
            let Ok(schedule) = elaboration.schedule(&choice) else {
                break;
            };
            let pressure = Pressure::analyze_schedule(&schedule, &flow, s.target);
            let Ok(func) = elaborate(&s.staged.imported, &s.staged.graph, &choice) else {
                break;
            };
            let Ok(metrics) = regpress::validate::codegen::compile(&func, &*isas.none) else {
                break;
            };
            let estimate = pressure
                .blocks
                .iter()
                .map(|(_, b)| b.spills.iter().sum::<f64>() + b.reloads.iter().sum::<f64>())
                .sum();
            points.push(Point {
                actual: metrics.spills_reloads() as f64,
                estimate,
                cycles: pressure.spill_cost(s.target),
                predicted,
            });
        }
        if let [a, b] = points[..] {
            out.push((a, b));
        }
    }
    Ok((target, out))
}

/// Pearson's correlation of `x` and `y` (NaN when either is constant).
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}
