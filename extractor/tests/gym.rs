//! `dag` on extraction-gym's data: every result well formed, and its DAG
//! cost never above extraction-gym's own greedy DAG extractor
//! (`faster-greedy-dag` in `REFERENCE.csv`).

use regpress::extract::{self, Extractor, NodeCosts, Problem};
use regpress::gym;
use std::collections::HashMap;
use std::path::PathBuf;

fn gym_dir() -> Option<PathBuf> {
    let p = regpress::corpus::shared_corpus()?.join("extraction-gym");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
}

#[test]
fn dag_matches_or_beats_faster_greedy_dag() {
    let Some(dir) = gym_dir() else { return };
    let text = std::fs::read_to_string(dir.join("REFERENCE.csv")).unwrap();
    let mut reference: HashMap<String, f64> = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols[1] == "faster-greedy-dag" {
            reference.insert(cols[0].to_string(), cols[2].parse().unwrap());
        }
    }
    let dag = extract::dag::DagExtractor;
    let (mut checked, mut unreadable) = (0, Vec::new());
    for (file, &greedy) in &reference {
        let graph = match gym::load(&dir.join(file)) {
            Ok(g) => g,
            Err(e) => {
                // Two files in the shared corpus are cut short (the corpus
                // drops files of 4 MiB or more); they cannot be read.
                unreadable.push(format!("{e}"));
                continue;
            }
        };
        let costs = NodeCosts::given(&graph);
        let choice = dag.extract(&Problem::foreign(&graph, &costs));
        choice
            .check(&graph)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let ours = gym::dag_cost(&graph, &costs, &choice);
        assert!(
            ours <= greedy * (1.0 + 1e-9) + 1e-9,
            "{file}: dag cost {ours} above faster-greedy-dag's {greedy}"
        );
        checked += 1;
    }
    eprintln!("dag checked on {checked} files; unreadable: {unreadable:?}");
    assert!(checked >= 27, "only {checked} files checked");
}

#[test]
fn every_extractor_makes_well_formed_choices() {
    let Some(dir) = gym_dir() else { return };
    for sub in ["egg", "dummy_examples", "diospyros", "eggcc-bril"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let Ok(graph) = gym::load(&path) else {
                continue;
            };
            let costs = NodeCosts::given(&graph);
            for name in extract::EXTRACTORS {
                let ex = extract::by_name(name).unwrap();
                let choice = ex.extract(&Problem::foreign(&graph, &costs));
                choice
                    .check(&graph)
                    .unwrap_or_else(|e| panic!("{name} on {}: {e}", path.display()));
                assert!(
                    gym::tree_cost(&graph, &costs, &choice)
                        >= gym::dag_cost(&graph, &costs, &choice) - 1e-9
                );
            }
        }
    }
}

#[test]
fn dag_pays_a_shared_value_once() {
    // Class 0: a leaf costing 10. Class 1: two nodes, `f(c0, c0)` costing 1
    // (DAG 11, tree 21) and `g` costing 15. Tree cost prefers `g`; DAG cost
    // prefers `f`.
    let json = r#"{"nodes": {
        "a": {"op": "a", "children": [], "eclass": "0", "cost": 10.0},
        "f": {"op": "f", "children": ["a", "a"], "eclass": "1", "cost": 1.0},
        "g": {"op": "g", "children": [], "eclass": "1", "cost": 15.0}
    }, "root_eclasses": ["1"]}"#;
    let eg: egraph_serialize::EGraph = serde_json::from_str(json).unwrap();
    let graph = gym::from_serialized(&eg).unwrap();
    let costs = NodeCosts::given(&graph);
    let problem = Problem::foreign(&graph, &costs);
    let dag = extract::dag::DagExtractor.extract(&problem);
    assert_eq!(gym::dag_cost(&graph, &costs, &dag), 11.0);
    for tree in [
        extract::cranelift::CraneliftExtractor.extract(&problem),
        extract::tree::TreeExtractor.extract(&problem),
    ] {
        assert_eq!(gym::dag_cost(&graph, &costs, &tree), 15.0);
    }
}

/// `exact` against extraction-gym's ILP column (`faster-ilp-cbc-timeout`,
/// CBC with a 10 s limit): never higher on any file where that run
/// finished within its limit. Files where either side is lower are printed.
/// Whenever `exact` does not solve (time-out, model too large, solver
/// failure), it must return exactly `dag`'s choice, its warm start.
#[test]
fn exact_matches_or_beats_the_ilp_reference() {
    let Some(dir) = gym_dir() else { return };
    let text = std::fs::read_to_string(dir.join("REFERENCE.csv")).unwrap();
    let exact = extract::exact::ExactExtractor::default();
    // Where the reference finished, ours has taken at most ~5 s of CBC on an
    // idle machine (block-diamond); a loaded shared machine can stretch
    // that past 10 s, and a time-out there would fail the comparison for
    // the wrong reason. So those files get a limit the comparison cannot
    // plausibly hit; the others keep the reference's 10 s.
    let patient = extract::exact::ExactExtractor {
        time_limit: std::time::Duration::from_secs(120),
        ..Default::default()
    };
    let (mut checked, mut lower, mut unfinished) = (0, Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if cols[1] != "faster-ilp-cbc-timeout" {
            continue;
        }
        let (file, ilp, micros): (&str, f64, u64) =
            (cols[0], cols[2].parse().unwrap(), cols[4].parse().unwrap());
        let Ok(graph) = gym::load(&dir.join(file)) else {
            continue; // the two cut-short files, as above
        };
        let costs = NodeCosts::given(&graph);
        let problem = Problem::foreign(&graph, &costs);
        let finished = micros < 10_000_000;
        let ex = if finished { &patient } else { &exact };
        let (choice, outcome) = ex.extract_with_outcome(&problem);
        choice
            .check(&graph)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        if !matches!(outcome, extract::exact::Outcome::Solved { .. }) {
            let dag = extract::dag::DagExtractor.extract(&problem);
            assert_eq!(choice, dag, "{file}: {outcome:?} must return dag's choice");
        }
        let ours = gym::dag_cost(&graph, &costs, &choice);
        eprintln!("{file}: exact {ours} ({outcome:?}), ILP reference {ilp} ({micros} us)");
        // The reference ran out of its 10 s on some files; its figure there
        // is an incumbent, not an optimum, and is reported, not required.
        if !finished {
            unfinished.push(file.to_string());
        }
        if finished {
            assert!(
                ours <= ilp + 1e-6,
                "{file}: exact {ours} above the ILP reference {ilp}"
            );
        }
        if ours < ilp - 1e-6 {
            lower.push(format!("{file}: {ours} < {ilp}"));
        }
        checked += 1;
    }
    eprintln!("exact checked on {checked} files; below the reference: {lower:?}; reference timed out: {unfinished:?}");
    assert!(checked >= 27, "only {checked} files checked");
}
