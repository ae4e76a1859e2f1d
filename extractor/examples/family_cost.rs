//! Time each rule family's saturation on one function (a profiling aid):
//! `cargo run --release --example family_cost -- FILE [ITERATIONS]`.
use regpress::rules::{family_rules, saturate, Limits, DEFAULT_FAMILIES};
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = regpress::corpus::load_file(std::path::Path::new(&args[1])).unwrap();
    let iters: usize = args.get(2).map_or(2, |s| s.parse().unwrap());
    let isa = regpress::validate::codegen::build_isa("x86_64", "none").unwrap();
    for f in &file.functions {
        let prepared = regpress::pipeline::prepare(f, &*isa);
        for fam in DEFAULT_FAMILIES {
            let imported = regpress::import::import(&prepared);
            let before = imported.egraph.total_size();
            let t = Instant::now();
            let limits = Limits {
                iterations: iters,
                ..Limits::default()
            };
            let (_, r) = saturate(imported.egraph, &family_rules(fam).unwrap(), &limits);
            println!(
                "{fam:12} {:8.3}s nodes {before} -> {} stop {}",
                t.elapsed().as_secs_f64(),
                r.nodes,
                r.stop
            );
        }
        let imported = regpress::import::import(&prepared);
        let t = Instant::now();
        let limits = Limits {
            iterations: iters,
            ..Limits::default()
        };
        let (eg, r) = saturate(
            imported.egraph,
            &regpress::rules::RuleSet::DEFAULT.rules(),
            &limits,
        );
        println!(
            "all          {:8.3}s nodes {} stop {} iters {}",
            t.elapsed().as_secs_f64(),
            r.nodes,
            r.stop,
            r.iterations
        );
        let _ = eg;
    }
}

/// Time the stages with every default rule.
#[allow(dead_code)]
fn stages() {}
