//! What each node costs, as one number per node, for the extractors that
//! optimise a sum of node costs (`tree`, `dag`, `exact`, `pressure`).
//!
//! Two sources:
//!
//! * [`NodeCosts::given`]: the cost written in an extraction-gym file for
//!   foreign nodes, and Cranelift's opcode table for CLIF nodes. This is how
//!   extraction-gym scores every extractor, so `regpress gym` uses it.
//! * [`NodeCosts::target`]: the `cost-model` crate's lowering of the node on
//!   a real target, in its operand context (a constant operand is offered to
//!   the model as an immediate), summarised by [`target_cost`]: machine
//!   instructions, cycles only to break ties. Live values cost nothing.
//!
//! The `cranelift` extractor ignores both and keeps Cranelift's own table:
//! the baseline must stay Cranelift's.

use crate::graph::{ExtractionGraph, NodeId, NodeKind};
use crate::import::Imported;
use crate::lang::ClassKind;
use cranelift_codegen::ir::Opcode;
use fnv::FnvHashMap;
use regpress_cost_model::{Cond, Cost, NodeShape, OperandShape, Target};
use std::cell::RefCell;

/// One cost per node of a graph.
#[derive(Clone, Debug)]
pub struct NodeCosts {
    cost: Vec<f64>,
}

impl NodeCosts {
    /// Costs as extraction-gym defines them: the given cost of a foreign
    /// node, Cranelift's opcode cost for a CLIF instruction, 0 for a live
    /// value.
    pub fn given(graph: &ExtractionGraph) -> Self {
        let cost = (0..graph.num_nodes() as u32)
            .map(NodeId)
            .map(|n| match graph.info(n).kind {
                NodeKind::Foreign => graph.info(n).given_cost,
                NodeKind::Live => 0.0,
                NodeKind::Inst(op) => crate::extract::cranelift::opcode_cost(op) as f64,
            })
            .collect();
        NodeCosts { cost }
    }

    /// Costs from the target's cost model, for a graph built from
    /// `imported`'s e-graph.
    pub fn target(imported: &Imported, graph: &ExtractionGraph, target: Target) -> Self {
        let lazy = TargetCosts::new(imported, graph, target);
        let cost = (0..graph.num_nodes() as u32)
            .map(|n| lazy.get(NodeId(n)))
            .collect();
        NodeCosts { cost }
    }

    /// The cost of node `n`.
    pub fn get(&self, n: NodeId) -> f64 {
        self.cost[n.index()]
    }

    /// Number of nodes costed.
    pub fn len(&self) -> usize {
        self.cost.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.cost.is_empty()
    }
}

/// The target's cost of nodes, computed on first use and remembered per
/// node and (across functions, per thread) per node shape.
///
/// The model lowers a shape to machine instructions, which is far more work
/// than an extractor spends on a node, and a saturated graph has many nodes
/// but few distinct shapes. `pressure` asks only for the nodes it chose, so
/// it never costs the rest of the graph at all.
pub struct TargetCosts<'a> {
    imported: &'a Imported,
    graph: &'a ExtractionGraph,
    target: Target,
    /// Per node; NaN until computed.
    cost: RefCell<Vec<f64>>,
    /// Per node, once asked for: its [`node_shape`].
    shapes: RefCell<FnvHashMap<NodeId, Option<NodeShape>>>,
    /// [`TargetCosts::folds`] of each (consumer, slot, producer) asked.
    folds: RefCell<FnvHashMap<(NodeId, usize, NodeId), bool>>,
}

impl<'a> TargetCosts<'a> {
    /// Costs of `graph`'s nodes (built from `imported`) on `target`.
    pub fn new(imported: &'a Imported, graph: &'a ExtractionGraph, target: Target) -> Self {
        TargetCosts {
            imported,
            graph,
            target,
            cost: RefCell::new(vec![f64::NAN; graph.num_nodes()]),
            shapes: RefCell::new(FnvHashMap::default()),
            folds: RefCell::new(FnvHashMap::default()),
        }
    }

    /// Whether the target's lowering folds node `producer` into operand
    /// slot `idx` of node `consumer` (an `ishl` by a constant into an
    /// `add`'s shifted-register operand, a `bnot` into aarch64's `bic`, a
    /// compare into a `select`, ...), so that a producer whose every user
    /// folds it emits no instruction of its own. The cost model's
    /// [`CostModel::fold`](regpress_cost_model::CostModel::fold) decides.
    pub fn folds(&self, consumer: NodeId, idx: usize, producer: NodeId) -> bool {
        let key = (consumer, idx, producer);
        if let Some(&known) = self.folds.borrow().get(&key) {
            return known;
        }
        let mut shapes = self.shapes.borrow_mut();
        for n in [consumer, producer] {
            shapes
                .entry(n)
                .or_insert_with(|| node_shape(self.imported, self.graph, n));
        }
        let folds = match (&shapes[&consumer], &shapes[&producer]) {
            (Some(c), Some(p)) => self.target.model().fold(c, idx, p).is_some(),
            _ => false,
        };
        self.folds.borrow_mut().insert(key, folds);
        folds
    }

    /// The cost of node `n` ([`target_cost`] of its lowering; 0 for live
    /// values).
    pub fn get(&self, n: NodeId) -> f64 {
        let known = self.cost.borrow()[n.index()];
        if !known.is_nan() {
            return known;
        }
        let c = match node_shape(self.imported, self.graph, n) {
            Some(shape) => shape_cost(self.target, shape),
            None => 0.0,
        };
        self.cost.borrow_mut()[n.index()] = c;
        c
    }
}

thread_local! {
    /// [`target_cost`] of every shape this thread has costed, per target.
    /// The model is a pure function of the shape, and the functions of one
    /// compilation share most of their shapes (an `iadd.i64` of two
    /// registers, a load at an offset), so the cache lives as long as the
    /// thread, as a compiler's cost tables would.
    static SHAPE_COSTS: RefCell<FnvHashMap<(Target, NodeShape), f64>> =
        RefCell::new(FnvHashMap::default());
}

/// The cost of a shape on a target, through the thread's cache.
fn shape_cost(target: Target, shape: NodeShape) -> f64 {
    SHAPE_COSTS.with(|cache| {
        *cache
            .borrow_mut()
            .entry((target, shape))
            .or_insert_with_key(|(t, shape)| target_cost(&t.model().cost(shape)))
    })
}

/// One node's cost for the amortised objectives: the machine instructions
/// the model predicts, plus a tenth of its cycle estimate rounded to whole
/// cycles.
///
/// Why rounded: the model's cycle figures differ between equivalent forms
/// by fractions of a cycle (a byte of encoding, a quarter cycle of
/// latency), below what it can claim to know. Ranking by them lets rewrites
/// such as reassociation win on noise, and each rewritten form reorders the
/// computation and moves live ranges (notes.md §4). Rounded, equivalent
/// forms tie exactly, and ties keep the program's own form; a multiply still
/// loses to a shift.
pub fn target_cost(c: &Cost) -> f64 {
    c.insts as f64 + 0.1 * (c.scalar() as f64).round()
}

/// The cost model's view of a CLIF node: opcode, controlling type, operand
/// shapes (a class with a known constant is offered as `Const`, so it may
/// fold into an immediate field; anything else is a register), immediate
/// and condition code. `None` for live values and foreign nodes, which the
/// model does not cost.
pub fn node_shape(imported: &Imported, graph: &ExtractionGraph, n: NodeId) -> Option<NodeShape> {
    let NodeKind::Inst(op) = graph.info(n).kind else {
        return None;
    };
    let egraph = &imported.egraph;
    let node = &graph.egg_node[n.index()];
    let class = graph.class_of(n);
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
    Some(shape)
}
