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
//! always-acyclic [`first_resolvable`](super::first_resolvable) choice. The
//! fixpoint is shared with `tree` ([`best_tree_costs`]).

use super::tree::{best_tree_costs, choice_from_best};
use super::{Choice, Extractor, Problem};
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

impl CraneliftExtractor {
    /// The node's own cost, or its given cost for foreign nodes.
    fn own_cost(graph: &ExtractionGraph, n: NodeId) -> u32 {
        match graph.info(n).kind {
            NodeKind::Live => 0,
            NodeKind::Inst(op) => opcode_cost(op),
            NodeKind::Foreign => graph.info(n).given_cost.round().clamp(0.0, 1e9) as u32,
        }
    }
}

impl Extractor for CraneliftExtractor {
    fn name(&self) -> &'static str {
        "cranelift"
    }

    /// Cranelift's own table, whatever `problem.costs` says.
    fn extract(&self, problem: &Problem) -> Choice {
        let graph = problem.graph;
        let (_, best) = best_tree_costs(graph, |n| Self::own_cost(graph, n));
        choice_from_best(graph, &best)
    }
}
