//! What an extractor hands to elaboration: one node per needed class
//! ([`Choice`]), how each chosen class is placed ([`Placement`]), and the
//! order in which operands are computed ([`OperandOrder`]).
//!
//! This module sits below both `extract`, which makes choices, and
//! `elaborate`, which turns them into CLIF, so that neither imports the
//! other for the vocabulary they share.

use crate::graph::{ClassId, ExtractionGraph, NodeId};
use std::fmt;

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
