//! Does the cost model's prediction track compiled code? For every function
//! of the built-in kernels and of the `test interpret` runtests, predict the
//! machine instructions of the chosen nodes (default rules, `cranelift`
//! extractor) and compile our output at `opt_level=none`; report Pearson's r
//! and the median absolute error per target.
//!
//! `cargo run --release -p regpress --example correlate [RUNTESTS_DIR]`
use regpress::extract::Extractor;
use regpress::rules::{Limits, RuleSet};
use regpress::{corpus, elaborate, pipeline, predict, validate::codegen};
use regpress_cost_model::Target;

fn main() {
    let mut files = corpus::builtin();
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .or_else(|| corpus::shared_corpus().map(|p| p.join("filetests/runtests")));
    if let Some(dir) = dir {
        for p in corpus::clif_files(&dir).unwrap_or_default() {
            if let Ok(f) = corpus::load_file(&p) {
                if f.interpret {
                    files.push(f);
                }
            }
        }
    }
    let rules = RuleSet::DEFAULT.rules();
    for (target, name) in [(Target::X86_64, "x86_64"), (Target::Aarch64, "aarch64")] {
        let isa = codegen::build_isa(name, "none").unwrap();
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        // For x86-64, also the model of Cranelift's `skylake` preset, whose
        // flags differ from the measured ISA's.
        let mut skylake: Vec<(f64, f64)> = Vec::new();
        for file in &files {
            for func in &file.functions {
                if pipeline::check_input(func, &*isa, &pipeline::Settings::default()).is_err() {
                    continue;
                }
                let prepared = pipeline::prepare(func, &*isa);
                let pipeline::Staged {
                    imported, graph, ..
                } = pipeline::stage(&prepared, &rules, &Limits::default());
                let costs = regpress::extract::NodeCosts::given(&graph);
                let problem = regpress::extract::Problem::foreign(&graph, &costs);
                let choice = regpress::extract::cranelift::CraneliftExtractor.extract(&problem);
                let Ok(out) = elaborate::elaborate(&imported, &graph, &choice) else {
                    continue;
                };
                let Ok(m) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    codegen::compile(&out, &*isa)
                })) else {
                    continue;
                };
                let Ok(m) = m else { continue };
                let p = predict::predicted_insts(&imported, &graph, &choice, target);
                pairs.push((p as f64, m.insts as f64));
                if target == Target::X86_64 {
                    let p = predict::predicted_insts_with(
                        &imported,
                        &graph,
                        &choice,
                        &regpress_cost_model::x86_64::X86_64::SKYLAKE,
                    );
                    skylake.push((p as f64, m.insts as f64));
                }
            }
        }
        report(name, &pairs);
        if !skylake.is_empty() {
            report("x86_64 (skylake-flag model, same compiled code)", &skylake);
        }
    }
}

/// Print Pearson's r and the median absolute error of `(predicted, actual)`.
fn report(name: &str, pairs: &[(f64, f64)]) {
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let vx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let vy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
    let mut errs: Vec<f64> = pairs.iter().map(|p| (p.0 - p.1).abs()).collect();
    errs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let exact = pairs.iter().filter(|p| p.0 == p.1).count();
    println!(
        "{name}: functions {} pearson_r {:.4} median_abs_error {:.1} mean_predicted {:.1} mean_compiled {:.1} exact {} (predicted covers chosen nodes only)",
        pairs.len(),
        cov / (vx * vy).sqrt(),
        errs[errs.len() / 2],
        mx,
        my,
        exact
    );
}
