//! `tree`: Cranelift's tree-cost extraction, with the target's costs.
//!
//! The algorithm is exactly the `cranelift` extractor's: a node costs its
//! own cost plus the best cost of each operand class (an operand used twice
//! is paid twice), ties go to the newest node, and the best costs are
//! iterated to a fixpoint because saturated e-graphs can be cyclic. Only
//! the node costs differ: they come from `cost-model` for the function's
//! target instead of Cranelift's target-blind table. Comparing `tree` with
//! `cranelift` therefore isolates what the cost model alone buys, and
//! comparing `dag` with `tree` what counting shared values once buys.
//!
//! [`best_tree_costs`] is the shared fixpoint, generic over the cost type so
//! that `cranelift` keeps Cranelift's saturating `u32` arithmetic bit for
//! bit.

use super::{complete, first_resolvable, Choice, Extractor, NodeCosts, Problem, Worklist};
use crate::graph::{ExtractionGraph, NodeId, NodeKind};

/// See the module documentation.
pub struct TreeExtractor;

/// A cost that tree extraction can add and compare.
pub trait TreeCost: Copy + PartialOrd {
    /// The cost of a class that cannot be computed (yet).
    const INFINITY: Self;
    /// The cost of a node with these operand costs.
    fn plus(self, other: Self) -> Self;
}

impl TreeCost for u32 {
    const INFINITY: u32 = u32::MAX;
    /// Cranelift's costs saturate at infinity.
    fn plus(self, other: u32) -> u32 {
        self.saturating_add(other)
    }
}

impl TreeCost for f64 {
    /// Tree costs grow exponentially with sharing depth. They saturate at
    /// 2^32, as Cranelift's `u32` does, and for a second reason: below it an
    /// `f64` still resolves [`MIN_INST_COST`] (its spacing there is 2^-20),
    /// so adding an instruction always makes a cost strictly larger, which
    /// the acyclicity argument needs.
    const INFINITY: f64 = 4_294_967_296.0;
    fn plus(self, other: f64) -> f64 {
        (self + other).min(Self::INFINITY)
    }
}

/// Best tree cost of every class and the node achieving it, to a fixpoint.
///
/// `own(n)` is node `n`'s own cost. Every *instruction* must cost strictly
/// more than zero: then a class of finite cost always picks a node whose
/// operands cost strictly less than the class, and the choice is acyclic
/// even when the graph is not. Ties go to the node with the larger `age`
/// (Cranelift's "higher value number").
pub fn best_tree_costs<C: TreeCost>(
    graph: &ExtractionGraph,
    own: impl Fn(NodeId) -> C,
) -> (Vec<C>, Vec<Option<NodeId>>) {
    let nc = graph.num_classes();
    let mut cost = vec![C::INFINITY; nc];
    let mut best: Vec<Option<NodeId>> = vec![None; nc];
    let mut work = Worklist::new(graph);
    while let Some(n) = work.pop() {
        let c = graph.class_of(n);
        let mut total = own(n);
        for &k in graph.children(n) {
            total = total.plus(cost[k.index()]);
        }
        // A NaN cost (never made here) compares as unordered: skip it too.
        if total.partial_cmp(&C::INFINITY) != Some(std::cmp::Ordering::Less) {
            continue;
        }
        let better = match best[c.index()] {
            None => true,
            Some(b) => {
                total < cost[c.index()]
                    || (total == cost[c.index()] && graph.info(n).age > graph.info(b).age)
            }
        };
        if better {
            let improved = total < cost[c.index()];
            cost[c.index()] = total;
            best[c.index()] = Some(n);
            if improved {
                work.changed(c);
            }
        }
    }
    (cost, best)
}

/// The choice made of a best-node table: classes without a best node (their
/// cost saturated, which Cranelift resolves by "any node") take the
/// always-acyclic first-resolvable node. Pruned to what the roots need.
pub fn choice_from_best(graph: &ExtractionGraph, best: &[Option<NodeId>]) -> Choice {
    complete(graph, best, &first_resolvable(graph))
}

/// The smallest cost an instruction may have in `tree`'s arithmetic: the
/// model prices some nodes at zero (an `ireduce` is a register rename), and
/// a zero-cost instruction would break the acyclicity argument above.
const MIN_INST_COST: f64 = 1e-3;

impl Extractor for TreeExtractor {
    fn name(&self) -> &'static str {
        "tree"
    }

    /// With a function behind the graph, the target's costs; otherwise
    /// (extraction-gym) the problem's own.
    fn extract(&self, problem: &Problem) -> Choice {
        let graph = problem.graph;
        let target_costs = problem
            .function
            .map(|(imported, target)| NodeCosts::target(imported, graph, target));
        let costs = target_costs.as_ref().unwrap_or(problem.costs);
        let (_, best) = best_tree_costs(graph, |n| match graph.info(n).kind {
            NodeKind::Live => 0.0,
            _ => costs.get(n).max(MIN_INST_COST),
        });
        choice_from_best(graph, &best)
    }
}
