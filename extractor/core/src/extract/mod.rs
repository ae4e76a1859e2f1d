//! Extraction: choose one node per needed class.
//!
//! Every extractor implements the one small [`Extractor`] trait: given a
//! [`Problem`] (the graph, a cost per node, and for CLIF the function
//! behind it), it returns a [`Choice`]. [`Choice::check`] validates any
//! choice the same way, whoever made it (the spirit of regalloc2's checker
//! and of extraction-gym's driver).
//!
//! | extractor | objective | ties |
//! |---|---|---|
//! | `cranelift` | Cranelift 0.135's tree cost and opcode table | newest node |
//! | `tree` | tree cost, target costs from `cost-model` | newest node |
//! | `dag` | each needed class paid once, the problem's costs | oldest node |
//! | `pressure` | `dag`, then expected cycles (`cost-model`) of the placement | oldest node |
//!
//! A fifth, `exact` (the same objective as `dag`, solved by MILP), lives
//! with the tools: it needs a solver, which the core does not link.

pub mod costs;
pub mod cranelift;
pub mod dag;
pub mod pressure;
mod relief;
pub mod tree;

pub use crate::choice::{Choice, ChoiceError, OperandOrder, Placement};
pub use costs::{NodeCosts, TargetCosts};

use crate::graph::{ClassId, ExtractionGraph, NodeId};
use crate::import::Imported;
use regpress_cost_model::Target;

/// What an extractor is asked to solve.
#[derive(Clone, Copy)]
pub struct Problem<'a> {
    /// The graph to choose in.
    pub graph: &'a ExtractionGraph,
    /// The cost of each node as the problem states it: the file's costs
    /// for an extraction-gym graph, Cranelift's opcode table for CLIF.
    /// Extractors that model the target (`tree`, `pressure`) derive the
    /// target's costs from [`Problem::function`] instead.
    pub costs: &'a NodeCosts,
    /// For a graph built from CLIF: the imported function (skeleton and
    /// e-graph) and the target, for extractors that reason about where
    /// elaboration will place values. `None` for extraction-gym graphs.
    pub function: Option<(&'a Imported, Target)>,
}

impl<'a> Problem<'a> {
    /// A problem with no function behind it (an extraction-gym graph).
    pub fn foreign(graph: &'a ExtractionGraph, costs: &'a NodeCosts) -> Self {
        Problem {
            graph,
            costs,
            function: None,
        }
    }
}

/// Anything that turns an extraction graph into a choice.
pub trait Extractor: Send + Sync {
    /// The name used on the command line and in reports.
    fn name(&self) -> &'static str;

    /// Choose. The result must pass [`Choice::check`].
    fn extract(&self, problem: &Problem) -> Choice;
}

/// The names of the core's extractors, in report order.
pub const EXTRACTORS: &[&str] = &["cranelift", "tree", "dag", "pressure"];

/// Look up one of the core's extractors by name.
pub fn by_name(name: &str) -> Option<Box<dyn Extractor>> {
    match name {
        "cranelift" => Some(Box::new(cranelift::CraneliftExtractor)),
        "tree" => Some(Box::new(tree::TreeExtractor)),
        "dag" => Some(Box::new(dag::DagExtractor)),
        "pressure" => Some(Box::new(pressure::PressureExtractor)),
        _ => None,
    }
}

/// The bottom-up worklist that `tree` and `dag` share: it starts with every
/// node without operands, and when a class's best changes, the nodes that
/// use that class are queued again (each at most once at a time).
///
/// The users of each class are kept in one flat array (compressed rows,
/// in node order), so that building a worklist allocates a handful of
/// arrays, not a vector per class.
pub struct Worklist {
    /// `users[user_start[c]..user_start[c + 1]]`: the nodes with `c` among
    /// their operands, once per occurrence, in node order.
    user_start: Vec<u32>,
    users: Vec<NodeId>,
    queued: Vec<bool>,
    work: std::collections::VecDeque<NodeId>,
}

impl Worklist {
    /// The worklist of `graph`, seeded with its leaf nodes.
    pub fn new(graph: &ExtractionGraph) -> Self {
        let nodes = (0..graph.num_nodes() as u32).map(NodeId);
        // Queue the leaves and count each class's uses, turn the counts into
        // row ends, then fill each row from its end: walking the nodes
        // backwards leaves every row in node order.
        let mut user_start = vec![0u32; graph.num_classes() + 1];
        let mut work = std::collections::VecDeque::with_capacity(graph.num_nodes());
        let mut queued = vec![false; graph.num_nodes()];
        for n in nodes.clone() {
            let children = graph.children(n);
            if children.is_empty() {
                work.push_back(n);
                queued[n.index()] = true;
            }
            for &k in children {
                user_start[k.index() + 1] += 1;
            }
        }
        for i in 1..user_start.len() {
            user_start[i] += user_start[i - 1];
        }
        let mut users = vec![NodeId(0); user_start[graph.num_classes()] as usize];
        let mut end: Vec<u32> = user_start[1..].to_vec();
        for n in nodes.rev() {
            for &k in graph.children(n).iter().rev() {
                end[k.index()] -= 1;
                users[end[k.index()] as usize] = n;
            }
        }
        Worklist {
            user_start,
            users,
            queued,
            work,
        }
    }

    /// The next node to (re)cost.
    pub fn pop(&mut self) -> Option<NodeId> {
        let n = self.work.pop_front()?;
        self.queued[n.index()] = false;
        Some(n)
    }

    /// Class `c` changed: queue every node that uses it.
    pub fn changed(&mut self, c: ClassId) {
        let row = self.user_start[c.index()] as usize..self.user_start[c.index() + 1] as usize;
        for &p in &self.users[row] {
            if !std::mem::replace(&mut self.queued[p.index()], true) {
                self.work.push_back(p);
            }
        }
    }
}

/// A choice that always exists and is always acyclic: each class takes the
/// first node (in bottom-up resolution order) whose children are all
/// resolved. Extractors fall back on it for classes they cannot cost.
pub fn first_resolvable(graph: &ExtractionGraph) -> Choice {
    let mut choice = Choice::new(graph);
    for n in resolvable_nodes(graph, |_| true) {
        let c = graph.class_of(n);
        if choice.get(c).is_none() {
            choice.set(c, n);
        }
    }
    choice
}

/// The choice made of a best-node table: each class takes its best node, or
/// `fallback`'s where it has none (its cost could not be formed); then
/// pruned to what the roots need. Acyclic if every best node's children
/// were costed before it, as a bottom-up fixpoint gives, but not otherwise:
/// see `dag`'s repair.
pub fn complete(graph: &ExtractionGraph, best: &[Option<NodeId>], fallback: &Choice) -> Choice {
    let mut choice = Choice::new(graph);
    for c in graph.classes() {
        if let Some(n) = best[c.index()].or_else(|| fallback.get(c)) {
            choice.set(c, n);
        }
    }
    choice.prune(graph);
    choice
}

/// The nodes whose child classes can all be resolved bottom-up, in the
/// order they become ready: a node is ready once each of its distinct child
/// classes is resolved, and a class is resolved by the first of its nodes to
/// be ready. Nodes for which `keep` is false take no part. Nodes missing
/// from the result can never be chosen without a cycle or an unresolvable
/// class below them.
pub fn resolvable_nodes(graph: &ExtractionGraph, keep: impl Fn(NodeId) -> bool) -> Vec<NodeId> {
    let mut parents: Vec<Vec<NodeId>> = vec![Vec::new(); graph.num_classes()];
    let mut pending: Vec<u32> = vec![0; graph.num_nodes()];
    let mut ready: Vec<NodeId> = Vec::new();
    for c in graph.classes() {
        for n in graph.nodes(c).filter(|&n| keep(n)) {
            let mut distinct: Vec<ClassId> = graph.children(n).to_vec();
            distinct.sort();
            distinct.dedup();
            pending[n.index()] = distinct.len() as u32;
            for k in distinct {
                parents[k.index()].push(n);
            }
            if pending[n.index()] == 0 {
                ready.push(n);
            }
        }
    }
    let mut resolved = vec![false; graph.num_classes()];
    let mut i = 0;
    while i < ready.len() {
        let c = graph.class_of(ready[i]);
        i += 1;
        if std::mem::replace(&mut resolved[c.index()], true) {
            continue;
        }
        for &p in &parents[c.index()] {
            pending[p.index()] -= 1;
            if pending[p.index()] == 0 {
                ready.push(p);
            }
        }
    }
    ready
}
