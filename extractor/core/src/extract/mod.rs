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
//! | `exact` | `dag`'s objective (the problem's costs), optimal by MILP (CBC), time-limited | `dag`'s choice |

pub mod costs;
pub mod cranelift;
pub mod dag;
pub mod exact;
pub mod pressure;
pub mod tree;

pub use costs::{NodeCosts, TargetCosts};

use crate::graph::{ClassId, ExtractionGraph, NodeId};
use crate::import::Imported;
use regpress_cost_model::Target;
use std::fmt;

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

/// How elaboration places a chosen class. Every extractor but `pressure`
/// leaves the default, which is Cranelift's policy.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Cranelift's: computed at its first use in dominator-tree order,
    /// reused by every dominated use, hoisted out of loops whose body does
    /// not define its operands, and (for cheap nodes) re-emitted per block.
    #[default]
    Cranelift,
    /// Computed afresh in every block that uses it, at the first use in
    /// that block, and never hoisted: no live range crosses a block
    /// boundary, at the price of one computation per using block.
    Local,
}

/// The order in which elaboration computes a node's operands.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum OperandOrder {
    /// Left to right, as Cranelift does.
    #[default]
    Given,
    /// The operand whose computation needs the most registers first
    /// (Sethi–Ullman): its temporaries are dead before the others start,
    /// so fewer values are live at once.
    SethiUllman,
}

/// One chosen node per class, or `None` for classes nobody needs, how each
/// chosen class is placed, and in what order operands are computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    chosen: Vec<Option<NodeId>>,
    placement: Vec<Placement>,
    order: OperandOrder,
}

/// Why a choice is not well formed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// A root class has no chosen node.
    #[error("root class {0:?} has no chosen node")]
    RootUnchosen(ClassId),
    /// A chosen node's child class has no chosen node.
    #[error("class {child:?}, a child of chosen node {node:?}, has no chosen node")]
    ChildUnchosen {
        /// The chosen node.
        node: NodeId,
        /// Its unchosen child.
        child: ClassId,
    },
    /// A chosen node is not in the class it was chosen for.
    #[error("node {0:?} chosen for a class it does not belong to")]
    WrongClass(NodeId),
    /// Following chosen nodes from a root comes back to a class.
    #[error("the choice is cyclic through class {0:?}")]
    Cycle(ClassId),
}

impl Choice {
    /// An empty choice for a graph.
    pub fn new(graph: &ExtractionGraph) -> Self {
        Choice {
            chosen: vec![None; graph.num_classes()],
            placement: vec![Placement::Cranelift; graph.num_classes()],
            order: OperandOrder::Given,
        }
    }

    /// The operand order elaboration follows.
    pub fn operand_order(&self) -> OperandOrder {
        self.order
    }

    /// Set the operand order elaboration follows.
    pub fn set_operand_order(&mut self, order: OperandOrder) {
        self.order = order;
    }

    /// How class `c` is to be placed.
    pub fn placement(&self, c: ClassId) -> Placement {
        self.placement[c.index()]
    }

    /// Set how class `c` is to be placed.
    pub fn set_placement(&mut self, c: ClassId, p: Placement) {
        self.placement[c.index()] = p;
    }

    /// The node chosen for a class.
    pub fn get(&self, c: ClassId) -> Option<NodeId> {
        self.chosen[c.index()]
    }

    /// Choose a node for a class.
    pub fn set(&mut self, c: ClassId, n: NodeId) {
        self.chosen[c.index()] = Some(n);
    }

    /// Forget the choice for a class.
    pub fn clear(&mut self, c: ClassId) {
        self.chosen[c.index()] = None;
    }

    /// Keep only the classes reachable from the roots through chosen nodes.
    pub fn prune(&mut self, graph: &ExtractionGraph) {
        let mut keep = vec![false; graph.num_classes()];
        let mut stack: Vec<ClassId> = graph.roots.clone();
        while let Some(c) = stack.pop() {
            if std::mem::replace(&mut keep[c.index()], true) {
                continue;
            }
            if let Some(n) = self.get(c) {
                stack.extend(graph.children(n).iter().copied());
            }
        }
        for (i, k) in keep.into_iter().enumerate() {
            if !k {
                self.chosen[i] = None;
            }
        }
    }

    /// Check the choice is well formed: roots chosen, every reachable child
    /// chosen, nodes in their classes, and no cycle.
    pub fn check(&self, graph: &ExtractionGraph) -> Result<(), ChoiceError> {
        #[derive(Copy, Clone, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; graph.num_classes()];
        // Iterative DFS; `true` marks the exit event of a class. One stack
        // serves every root: it is empty again after each.
        let mut stack: Vec<(ClassId, bool)> = Vec::new();
        for &root in &graph.roots {
            if self.get(root).is_none() {
                return Err(ChoiceError::RootUnchosen(root));
            }
            stack.push((root, false));
            while let Some((c, exit)) = stack.pop() {
                if exit {
                    mark[c.index()] = Mark::Done;
                    continue;
                }
                match mark[c.index()] {
                    Mark::Done => continue,
                    Mark::Open => return Err(ChoiceError::Cycle(c)),
                    Mark::New => {}
                }
                mark[c.index()] = Mark::Open;
                stack.push((c, true));
                let n = self.get(c).expect("pushed classes are chosen");
                if graph.class_of(n) != c {
                    return Err(ChoiceError::WrongClass(n));
                }
                for &child in graph.children(n) {
                    if self.get(child).is_none() {
                        return Err(ChoiceError::ChildUnchosen { node: n, child });
                    }
                    match mark[child.index()] {
                        Mark::Open => return Err(ChoiceError::Cycle(child)),
                        Mark::New => stack.push((child, false)),
                        Mark::Done => {}
                    }
                }
            }
        }
        Ok(())
    }

    /// The chosen classes reachable from the roots, children before parents.
    /// The choice must be well formed.
    pub fn topo_order(&self, graph: &ExtractionGraph) -> Vec<ClassId> {
        let mut seen = vec![false; graph.num_classes()];
        let mut order = Vec::new();
        for &root in &graph.roots {
            let mut stack = vec![(root, false)];
            while let Some((c, exit)) = stack.pop() {
                if exit {
                    order.push(c);
                    continue;
                }
                if std::mem::replace(&mut seen[c.index()], true) {
                    continue;
                }
                stack.push((c, true));
                if let Some(n) = self.get(c) {
                    for &child in graph.children(n).iter().rev() {
                        if !seen[child.index()] {
                            stack.push((child, false));
                        }
                    }
                }
            }
        }
        order
    }
}

/// Anything that turns an extraction graph into a choice.
pub trait Extractor: Send + Sync {
    /// The name used on the command line and in reports.
    fn name(&self) -> &'static str;

    /// Choose. The result must pass [`Choice::check`].
    fn extract(&self, problem: &Problem) -> Choice;
}

/// The names of every extractor, in report order.
pub const EXTRACTORS: &[&str] = &["cranelift", "tree", "dag", "pressure", "exact"];

/// Look up an extractor by name.
pub fn by_name(name: &str) -> Option<Box<dyn Extractor>> {
    match name {
        "cranelift" => Some(Box::new(cranelift::CraneliftExtractor)),
        "tree" => Some(Box::new(tree::TreeExtractor)),
        "dag" => Some(Box::new(dag::DagExtractor)),
        "pressure" => Some(Box::new(pressure::PressureExtractor)),
        "exact" => Some(Box::new(exact::ExactExtractor::default())),
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
pub(crate) fn resolvable_nodes(
    graph: &ExtractionGraph,
    keep: impl Fn(NodeId) -> bool,
) -> Vec<NodeId> {
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

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.chosen.iter().enumerate() {
            if let Some(n) = n {
                writeln!(f, "c{i} -> n{}", n.0)?;
            }
        }
        Ok(())
    }
}
