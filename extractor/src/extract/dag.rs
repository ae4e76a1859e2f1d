//! `dag`: amortised reuse. A value computed once is paid for once.
//!
//! The cost of choosing node `n` for its class is the cost of the *set* of
//! classes its sub-DAG needs: `n` itself plus the union of its children's
//! sets, each class counted once. Live values (block parameters, skeleton
//! results) are free. Classes are resolved bottom-up with a worklist, as in
//! extraction-gym's greedy DAG extractor, and a class changes its choice
//! only for a strictly cheaper set, so the fixpoint terminates.
//!
//! Two things keep it fast on large graphs: sets are sorted vectors merged
//! linearly, and a node is only re-costed when one of its children's sets
//! changed.
//!
//! Acyclicity: a node is costed only when all its children have sets, and a
//! child's set never contains the parent's class unless choosing it would
//! close a cycle — such nodes are skipped.
//!
//! **Ties go to the oldest node**, the opposite of Cranelift's rule. Rules
//! such as reassociation fill a class with many forms of equal cost; every
//! form computes the same number of instructions, but each orders the
//! computation differently and so changes which values are live at once.
//! Without a pressure model, the only safe choice among equals is the shape
//! the program already had. On the built-in kernels this one decision takes
//! `default+reassoc` from 1.34x Cranelift's spills+reloads (newest on tie)
//! to 0.89x on x86_64 (see notes.md §4).

use super::{first_resolvable, Choice, Extractor, NodeCosts, Problem, Worklist};
use crate::graph::{ClassId, ExtractionGraph, NodeId};

/// See the module documentation.
pub struct DagExtractor;

/// Cost sets can grow quadratically (a chain of `n` classes holds
/// `n²/2` members in all). Past this many merged members the extractor
/// gives up and returns the tree-cost choice instead: a correct, less
/// optimised result in bounded time and memory.
pub const WORK_LIMIT: usize = 250_000_000;

/// A class's chosen sub-DAG: the classes it needs, sorted, with the cost of
/// the node chosen for each, and their total.
#[derive(Clone, Debug, Default)]
struct CostSet {
    members: Vec<(ClassId, f64)>,
    total: f64,
}

fn union(sets: &[&CostSet]) -> Vec<(ClassId, f64)> {
    let mut out: Vec<(ClassId, f64)> = Vec::new();
    for s in sets {
        if out.is_empty() {
            out.extend_from_slice(&s.members);
            continue;
        }
        let mut merged = Vec::with_capacity(out.len() + s.members.len());
        let (mut i, mut j) = (0, 0);
        while i < out.len() && j < s.members.len() {
            match out[i].0.cmp(&s.members[j].0) {
                std::cmp::Ordering::Less => {
                    merged.push(out[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    merged.push(s.members[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    merged.push(out[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        merged.extend_from_slice(&out[i..]);
        merged.extend_from_slice(&s.members[j..]);
        out = merged;
    }
    out
}

impl DagExtractor {
    fn cost_of(
        graph: &ExtractionGraph,
        costs: &NodeCosts,
        sets: &[Option<CostSet>],
        n: NodeId,
    ) -> Option<CostSet> {
        let c = graph.class_of(n);
        let mut kids: Vec<&CostSet> = Vec::with_capacity(graph.children(n).len());
        for &k in graph.children(n) {
            let s = sets[k.index()].as_ref()?;
            kids.push(s);
        }
        let mut members = union(&kids);
        // A child whose sub-DAG needs this class would make a cycle.
        if members.binary_search_by(|m| m.0.cmp(&c)).is_ok() {
            return None;
        }
        let own = costs.get(n);
        let pos = members.partition_point(|m| m.0 < c);
        members.insert(pos, (c, own));
        let total = members.iter().map(|m| m.1).sum();
        Some(CostSet { members, total })
    }
}

impl Extractor for DagExtractor {
    fn name(&self) -> &'static str {
        "dag"
    }

    fn extract(&self, problem: &Problem) -> Choice {
        let graph = problem.graph;
        let nc = graph.num_classes();
        let mut sets: Vec<Option<CostSet>> = vec![None; nc];
        let mut best: Vec<Option<NodeId>> = vec![None; nc];
        let mut merged = 0usize;
        let mut work = Worklist::new(graph);
        while let Some(n) = work.pop() {
            let c = graph.class_of(n);
            let Some(set) = Self::cost_of(graph, problem.costs, &sets, n) else {
                continue;
            };
            merged += set.members.len();
            if merged > WORK_LIMIT {
                return super::cranelift::CraneliftExtractor.extract(problem);
            }
            let better = match &sets[c.index()] {
                None => true,
                Some(old) => {
                    let eps = 1e-9 * old.total.abs().max(1.0);
                    set.total < old.total - eps
                        || (set.total <= old.total + eps
                            && best[c.index()]
                                .is_some_and(|b| tie_rank(graph, n) < tie_rank(graph, b)))
                }
            };
            if better {
                sets[c.index()] = Some(set);
                best[c.index()] = Some(n);
                work.changed(c);
            }
        }
        let mut choice = Choice::new(graph);
        let fallback = first_resolvable(graph);
        for c in graph.classes() {
            if let Some(n) = best[c.index()].or_else(|| fallback.get(c)) {
                choice.set(c, n);
            }
        }
        choice.prune(graph);
        // A class may have been re-chosen after a parent took its old set,
        // which can leave a cycle through the final choices; repair with the
        // always-acyclic fallback where that happens.
        if choice.check(graph).is_err() {
            repair_cycles(graph, &mut choice, &fallback);
        }
        choice
    }
}

/// Among nodes of equal cost, the lower rank wins: a canonical operand
/// order first (constants on the right, which the lowerings need; see
/// [`ExtractionGraph::constant_on_left`]), then the oldest node.
fn tie_rank(graph: &ExtractionGraph, n: NodeId) -> (bool, u32) {
    (graph.constant_on_left(n), graph.info(n).born)
}

/// Replace choices on cycles by the first-resolvable choice until the
/// choice is acyclic.
fn repair_cycles(graph: &ExtractionGraph, choice: &mut Choice, fallback: &Choice) {
    for _ in 0..graph.num_classes() + 1 {
        match choice.check(graph) {
            Err(super::ChoiceError::Cycle(c)) => {
                if let Some(n) = fallback.get(c) {
                    choice.set(c, n);
                }
                // Children of the fallback node may be unchosen after pruning.
                for cl in graph.classes() {
                    if choice.get(cl).is_none() {
                        if let Some(n) = fallback.get(cl) {
                            choice.set(cl, n);
                        }
                    }
                }
                choice.prune(graph);
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ExtractionGraph;
    use crate::rules::{saturate, Limits, RuleSet};

    /// Saturate `body` (a function whose last instruction defines `root`,
    /// returned) under `rules` and elaborate `dag`'s choice.
    fn dag_text(body: &str, root: u32, rules: &str) -> String {
        let file = crate::corpus::parse("t.clif", body).unwrap();
        let mut imported = crate::import::import(&file.functions[0]);
        let rules = RuleSet::parse(rules).unwrap().rules();
        let eg = std::mem::take(&mut imported.egraph);
        let (eg, _) = saturate(eg, &rules, &Limits::default());
        imported.egraph = eg;
        let root = imported.value_class[&cranelift_codegen::ir::Value::from_u32(root)];
        assert!(
            imported.egraph[imported.egraph.find(root)].nodes.len() > 1,
            "rules did not fire"
        );
        let graph = ExtractionGraph::from_egraph(&imported.egraph, &[root]);
        let costs = NodeCosts::given(&graph);
        let choice = DagExtractor.extract(&Problem::foreign(&graph, &costs));
        choice.check(&graph).unwrap();
        let out = crate::elaborate::elaborate(&imported, &graph, &choice).unwrap();
        out.display().to_string()
    }

    /// Under commutativity, `iadd v0, v1` and `iadd v1, v0` tie; `dag`
    /// keeps the original operand order.
    #[test]
    fn ties_keep_the_original_form() {
        let text = dag_text(
            "function %f(i32, i32, i32) -> i32 {\nblock0(v0: i32, v1: i32, v2: i32):\n v3 = iadd v0, v1\n v4 = iadd v3, v2\n return v4\n}",
            4,
            "reassoc",
        );
        let adds: Vec<&str> = text.lines().filter(|l| l.contains("iadd")).collect();
        assert_eq!(adds.len(), 2, "{text}");
        assert!(adds[0].trim_end().ends_with("iadd v0, v1"), "{text}");
        assert!(adds[1].contains(", v2"), "{text}");
    }

    /// De Morgan rewrites `~a & b` to `~(a | ~b)` and back, and egg records
    /// the original `band` again under a new id. It is still the original:
    /// `dag` must keep `band (bnot a), b`, not the commuted copy.
    #[test]
    fn ties_keep_the_original_form_when_rules_rederive_it() {
        let text = dag_text(
            "function %f(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n v2 = bnot v0\n v3 = band v2, v1\n return v3\n}",
            3,
            "default+reassoc+demorgan",
        );
        let band = text.lines().find(|l| l.contains("band")).expect(&text);
        let not = text.lines().find(|l| l.contains("bnot v0")).expect(&text);
        let not_value = not.trim().split(' ').next().unwrap();
        assert!(band.contains(&format!("band {not_value}, v1")), "{text}");
    }

    /// `bxor k, x` and `bxor x, k` tie; the lowerings take an immediate
    /// only on the right, so `dag` takes the canonical form even though the
    /// program wrote the other.
    #[test]
    fn ties_put_constants_on_the_right() {
        let text = dag_text(
            "function %f(i32) -> i32 {\nblock0(v0: i32):\n v1 = iconst.i32 0x1234_5678\n v2 = bxor v1, v0\n return v2\n}",
            2,
            "default",
        );
        let xor = text.lines().find(|l| l.contains("bxor")).expect(&text);
        assert!(xor.contains("bxor v0, "), "{text}");
    }
}
