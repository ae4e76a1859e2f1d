//! The oracle checks itself on a few generated functions: its enumeration
//! is exactly the set of well-formed choices it claims (each passes
//! `Choice::check`, none repeats, every extractor's node choice is among
//! them), so its minimum is a true lower bound on every extractor's plain
//! choice.

use regpress::extract::{self, NodeCosts, Problem};
use regpress::oracle::{self, Enumeration};
use regpress::pipeline;
use regpress::rules::{Limits, RuleSet};
use regpress::validate::codegen;

/// Enumerable generated functions among the first seeds, at most `want`.
fn small_functions(cap: usize, want: usize) -> Vec<cranelift_codegen::ir::Function> {
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let rules = RuleSet::parse("default+reassoc+demorgan").unwrap().rules();
    let mut out = Vec::new();
    for seed in 0..200 {
        let file = regpress::corpus::parse("gen.clif", &oracle::generate(seed)).unwrap();
        let f = file.functions.into_iter().next().unwrap();
        let staged = pipeline::stage(&pipeline::prepare(&f, &*isa), &rules, &Limits::default());
        if matches!(oracle::enumerate(&staged.graph, cap), Enumeration::All(_)) {
            out.push(f);
        }
        if out.len() == want {
            break;
        }
    }
    out
}

#[test]
fn enumeration_is_complete_and_well_formed() {
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let rules = RuleSet::parse("default+reassoc+demorgan").unwrap().rules();
    let funcs = small_functions(2_000, 10);
    assert!(
        funcs.len() >= 5,
        "only {} enumerable functions",
        funcs.len()
    );
    for f in &funcs {
        let staged = pipeline::stage(&pipeline::prepare(f, &*isa), &rules, &Limits::default());
        let Enumeration::All(all) = oracle::enumerate(&staged.graph, 2_000) else {
            unreachable!("chosen as enumerable")
        };
        assert!(all.len() > 1, "{}: rules gave no alternative", f.name);
        for c in &all {
            c.check(&staged.graph)
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
        }
        let mut texts: Vec<String> = all.iter().map(|c| c.to_string()).collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), all.len(), "{}: a choice repeats", f.name);
        let costs = NodeCosts::target(&staged.imported, &staged.graph, pipeline::target_of(&*isa));
        let problem = Problem {
            graph: &staged.graph,
            costs: &costs,
            function: Some((&staged.imported, pipeline::target_of(&*isa))),
        };
        for name in extract::EXTRACTORS {
            let choice = extract::by_name(name).unwrap().extract(&problem);
            let p = oracle::plain(&staged.graph, &choice);
            assert!(
                all.contains(&p),
                "{}: {name}'s choice is not among the enumerated ones",
                f.name
            );
        }
    }
}

#[test]
fn oracle_minimum_bounds_every_extractor() {
    let rules = RuleSet::parse("default+reassoc+demorgan").unwrap();
    let funcs = small_functions(300, 4);
    assert!(!funcs.is_empty());
    for f in &funcs {
        let r = oracle::run(f, "x86_64", &rules, 300).unwrap().unwrap();
        assert_eq!(r.failed, 0, "{}: candidates failed to compile", f.name);
        assert!(r.min_spills_reloads <= r.min_spills_reloads_plain);
        // Extractors whose choice uses no per-class placement are inside the
        // oracle's space (dag, exact, tree, cranelift); pressure may not be.
        for (name, m) in &r.extractors {
            if name != "pressure" {
                assert!(
                    r.min_spills_reloads_plain <= m.spills_reloads(),
                    "{}: {name} has {} spills+reloads, below the oracle's {}",
                    f.name,
                    m.spills_reloads(),
                    r.min_spills_reloads_plain
                );
                assert!(r.min_insts <= m.insts, "{}: {name}", f.name);
            }
        }
    }
}
