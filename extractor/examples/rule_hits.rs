//! Count how often each default rule fires over the corpora given on the
//! command line (a debugging aid for auditing the rules against Cranelift's
//! ISLE): `cargo run --release --example rule_hits -- DIR...`.
use regpress::rules::{Limits, RuleSet};
use std::collections::BTreeMap;

fn main() {
    let isas = regpress::compare::Isas::new("x86_64").unwrap();
    let rules = RuleSet::DEFAULT.rules();
    let limits = Limits::default();
    let mut hits: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for dir in std::env::args().skip(1) {
        for path in regpress::corpus::clif_files(std::path::Path::new(&dir)).unwrap() {
            let Ok(file) = regpress::corpus::load_file(&path) else {
                continue;
            };
            for f in &file.functions {
                let settings = regpress::pipeline::Settings::default();
                if regpress::pipeline::check_input(f, &*isas.none, &settings).is_err() {
                    continue;
                }
                let prepared = regpress::pipeline::prepare(f, &*isas.none);
                let imported = regpress::import::import(&prepared);
                let runner = egg::Runner::default()
                    .with_egraph(imported.egraph)
                    .with_iter_limit(limits.iterations)
                    .with_node_limit(limits.nodes)
                    .with_time_limit(limits.time)
                    .with_scheduler(egg::BackoffScheduler::default())
                    .run(&rules);
                let mut seen = std::collections::HashSet::new();
                for it in &runner.iterations {
                    for (name, n) in &it.applied {
                        let base = name.as_str().split('/').next().unwrap().to_string();
                        let e = hits.entry(base.clone()).or_default();
                        e.0 += n;
                        if seen.insert(base) {
                            e.1 += 1;
                        }
                    }
                }
            }
        }
    }
    let mut v: Vec<_> = hits.into_iter().collect();
    v.sort_by_key(|(_, (_, funcs))| std::cmp::Reverse(*funcs));
    for (name, (n, funcs)) in v {
        println!("{funcs:6} {n:8} {name}");
    }
}
