//! What the cost model predicts for a choice: machine instructions summed
//! over the chosen nodes. Used to check the model against compiled code
//! (`examples/correlate.rs`); extractors will ask the model node by node.

use crate::extract::Choice;
use crate::graph::{ExtractionGraph, NodeKind};
use crate::import::Imported;
use crate::lang::ClassKind;
use cranelift_codegen::ir::Opcode;
use regpress_cost_model::{Cond, CostModel, NodeShape, OperandShape, Target};

/// Predicted machine instructions for the chosen nodes reachable from the
/// roots. Each node is costed alone: an operand that is a known constant is
/// shown to the model as `Const` (so it may fold into an immediate), every
/// other operand as a register. Live values cost nothing. Skeleton
/// instructions, prologue and epilogue are not counted.
pub fn predicted_insts(
    imported: &Imported,
    graph: &ExtractionGraph,
    choice: &Choice,
    target: Target,
) -> u64 {
    predicted_insts_with(imported, graph, choice, target.model())
}

/// [`predicted_insts`] under any cost model (e.g. the x86-64 model of the
/// `skylake` preset, to compare it with the default one).
pub fn predicted_insts_with(
    imported: &Imported,
    graph: &ExtractionGraph,
    choice: &Choice,
    model: &dyn CostModel,
) -> u64 {
    let egraph = &imported.egraph;
    let mut total = 0u64;
    for class in choice.topo_order(graph) {
        let Some(n) = choice.get(class) else { continue };
        let NodeKind::Inst(op) = graph.info(n).kind else {
            continue;
        };
        let node = &graph.egg_node[n.index()];
        let ctrl = match egraph[node.children[0]].data.kind {
            ClassKind::Type(t) => t,
            _ => graph.class_type(class),
        };
        let operands: Vec<OperandShape> = graph
            .children(n)
            .iter()
            .map(|&k| match graph.class_const(k) {
                Some(bits) => OperandShape::Const(bits as i64),
                None => OperandShape::Reg,
            })
            .collect();
        let mut shape = NodeShape::with_operands(op, ctrl, operands);
        if let Some(&k) = graph.children(n).first() {
            shape = shape.arg_ty(graph.class_type(k));
        }
        if let Some(imm) = graph.info(n).imm {
            shape = shape.imm(imm);
        }
        if op == Opcode::Icmp {
            if let ClassKind::Cond(cc) = egraph[node.children[1]].data.kind {
                shape = shape.cond(Cond::Int(cc));
            }
        }
        total += model.lower(&shape).insts.len() as u64;
    }
    total
}
