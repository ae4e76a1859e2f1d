//! `cranelift`: Cranelift 0.135's own extraction, reproduced exactly.
//!
//! Cost of a node = the opcode's cost plus the sum of its operands' best
//! costs (a *tree* cost: an operand used twice is paid twice), in a
//! saturating `u32` where `u32::MAX` means infinity. Already-live values
//! cost 0. Ties go to the later node, as Cranelift prefers the higher value
//! number. This is the baseline every other extractor is measured against.
//!
//! Cranelift's e-graph is acyclic, so it computes best costs in one
//! topological pass. Ours comes from equality saturation and may contain
//! cycles (`x = x + 0`), so we iterate to a fixpoint. Costs only decrease and
//! every instruction costs at least 1, so a class with finite cost chooses a
//! node whose operands all cost strictly less: the choice is acyclic.
//! Classes whose cost saturated (Cranelift picks "any node" there) take the
//! always-acyclic [`first_resolvable`](super::first_resolvable) choice.

use super::{first_resolvable, Choice, Extractor};
use crate::graph::{ExtractionGraph, NodeId, NodeKind};
use cranelift_codegen::ir::Opcode;

/// See the module documentation.
pub struct CraneliftExtractor;

/// Cranelift's `Cost::of_opcode`, from `egraph/cost.rs`.
pub fn opcode_cost(op: Opcode) -> u32 {
    use Opcode::*;
    match op {
        Iconst | F32const | F64const => 1,
        Uextend | Sextend | Ireduce | Iconcat | Isplit => 1,
        Iadd | Isub | Band | Bor | Bxor | Bnot | Ishl | Ushr | Sshr => 3,
        Imul => 10,
        _ => {
            let mut c = 4u32;
            if op.can_trap() || op.other_side_effects() {
                c += 10;
            }
            if op.can_load() {
                c += 20;
            }
            if op.can_store() {
                c += 50;
            }
            c
        }
    }
}

const INFINITY: u32 = u32::MAX;

impl CraneliftExtractor {
    /// The node's own cost, or its given cost for foreign nodes.
    fn own_cost(graph: &ExtractionGraph, n: NodeId) -> u32 {
        match graph.info(n).kind {
            NodeKind::Live => 0,
            NodeKind::Inst(op) => opcode_cost(op),
            NodeKind::Foreign => graph.info(n).given_cost.round().clamp(0.0, 1e9) as u32,
        }
    }

    /// Best tree cost of every class, to a fixpoint.
    pub fn best_costs(graph: &ExtractionGraph) -> (Vec<u32>, Vec<Option<NodeId>>) {
        let nc = graph.num_classes();
        let mut cost = vec![INFINITY; nc];
        let mut best: Vec<Option<NodeId>> = vec![None; nc];
        let mut parents: Vec<Vec<NodeId>> = vec![Vec::new(); nc];
        for c in graph.classes() {
            for n in graph.nodes(c) {
                for &k in graph.children(n) {
                    parents[k.index()].push(n);
                }
            }
        }
        let mut queued = vec![false; graph.num_nodes()];
        let mut work: std::collections::VecDeque<NodeId> = (0..graph.num_nodes() as u32)
            .map(NodeId)
            .filter(|&n| graph.children(n).is_empty())
            .collect();
        for &n in &work {
            queued[n.index()] = true;
        }
        while let Some(n) = work.pop_front() {
            queued[n.index()] = false;
            let c = graph.class_of(n);
            let mut total = Self::own_cost(graph, n);
            for &k in graph.children(n) {
                total = total.saturating_add(cost[k.index()]);
            }
            if total == INFINITY {
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
                    for &p in &parents[c.index()] {
                        if !queued[p.index()] {
                            queued[p.index()] = true;
                            work.push_back(p);
                        }
                    }
                }
            }
        }
        (cost, best)
    }
}

impl Extractor for CraneliftExtractor {
    fn name(&self) -> &'static str {
        "cranelift"
    }

    fn extract(&self, graph: &ExtractionGraph) -> Choice {
        let (_, best) = Self::best_costs(graph);
        let fallback = first_resolvable(graph);
        let mut choice = Choice::new(graph);
        for c in graph.classes() {
            if let Some(n) = best[c.index()].or_else(|| fallback.get(c)) {
                choice.set(c, n);
            }
        }
        choice.prune(graph);
        choice
    }
}
