//! What the cost model predicts for a choice: machine instructions summed
//! over the chosen nodes. Used to check the model against compiled code
//! (`examples/correlate.rs`).

use crate::choice::Choice;
use crate::extract::costs::node_shape;
use crate::graph::ExtractionGraph;
use crate::import::Imported;
use regpress_cost_model::{CostModel, Target};

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
    choice
        .topo_order(graph)
        .into_iter()
        .filter_map(|class| choice.get(class))
        .filter_map(|n| node_shape(imported, graph, n))
        .map(|shape| model.lower(&shape).insts.len() as u64)
        .sum()
}
