//! The control flow of a skeleton, computed once and shared.

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::Function;
use cranelift_codegen::loop_analysis::LoopAnalysis;

/// The control flow of a skeleton: its CFG, dominator tree and loops.
/// Elaboration adds no blocks, so these also describe every elaboration of
/// it. `pipeline::stage` computes them once, after the skeleton's last
/// change, and the extractor and the final elaboration share them, as
/// Cranelift's own e-graph pass receives the dominator tree and loop
/// analysis its context computed before it.
pub struct ControlFlow {
    /// The control-flow graph.
    pub cfg: ControlFlowGraph,
    /// The dominator tree.
    pub domtree: DominatorTree,
    /// The loops.
    pub loops: LoopAnalysis,
}

impl ControlFlow {
    /// Analyse `func`.
    pub fn of(func: &Function) -> Self {
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let mut loops = LoopAnalysis::new();
        loops.compute(func, &cfg, &domtree);
        ControlFlow {
            cfg,
            domtree,
            loops,
        }
    }
}
