//! The extraction graph: a compact, immutable view of an e-graph in flat
//! arrays, on which every extractor runs.
//!
//! It holds only *value* classes. Attribute classes (types, immediates,
//! condition codes) are folded into the node facts, so an extractor sees
//! exactly the choices that cost something. Classes and nodes are numbered
//! densely with the typed indices [`ClassId`] and [`NodeId`]; the nodes of a
//! class are contiguous, and so are the children of a node.
//!
//! Two sources build it: an egg e-graph of CLIF ([`ExtractionGraph::from_egraph`])
//! and extraction-gym's egraph-serialize JSON (`crate::gym`).

use crate::lang::{ClassKind, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::{Opcode, Type};
use egg::Language;
use std::collections::HashMap;

/// A dense index of a class in an [`ExtractionGraph`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);

/// A dense index of a node in an [`ExtractionGraph`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl ClassId {
    /// As an array index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl NodeId {
    /// As an array index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a node computes, as far as costs are concerned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Already computed: a block parameter or skeleton result. Free.
    Live,
    /// A CLIF instruction.
    Inst(Opcode),
    /// A node from a foreign (extraction-gym) graph, with its given cost.
    Foreign,
}

/// Facts about one node.
#[derive(Copy, Clone, Debug)]
pub struct NodeInfo {
    /// What it computes.
    pub kind: NodeKind,
    /// Its result type (`INVALID` for foreign nodes).
    pub ty: Type,
    /// For `iconst`, the immediate bits.
    pub imm: Option<i64>,
    /// The cost given with a foreign node (0 for CLIF nodes).
    pub given_cost: f64,
    /// Creation order in the source e-graph; later means "more rewritten".
    /// Cranelift breaks cost ties towards later values, and so do we.
    /// This is the *last* time egg added the node: a node re-derived after
    /// its operands were unioned counts as new again.
    pub age: u32,
    /// When the node first appeared in the source e-graph. Rules can
    /// re-derive a node the program already had (De Morgan turns
    /// `~a & b` into `~(a | ~b)` and back), and egg then records it once
    /// more under a new id; `age` calls it new, `born` still calls it
    /// original. `dag`'s ties and `pressure`'s "original form" mean the
    /// shape the program had, so they use this.
    pub born: u32,
}

/// The flat graph.
#[derive(Clone, Debug, Default)]
pub struct ExtractionGraph {
    class_start: Vec<u32>,
    node_class: Vec<ClassId>,
    child_start: Vec<u32>,
    children: Vec<ClassId>,
    info: Vec<NodeInfo>,
    class_const: Vec<Option<u64>>,
    class_ty: Vec<Type>,
    /// The classes whose values are demanded from outside (skeleton operands,
    /// or a gym file's roots).
    pub roots: Vec<ClassId>,
    /// For graphs built from an egg e-graph: the egg node of each node.
    pub egg_node: Vec<ClifNode>,
    /// For graphs built from an egg e-graph: the value of each live node
    /// (`Op::Value`), `u32::MAX` for the others. A dense copy of what
    /// `egg_node` holds, because elaboration asks it for every operand.
    live_value: Vec<u32>,
    /// For graphs built from an egg e-graph: the class of each canonical
    /// egg id that is a value class (`u32::MAX` elsewhere), indexed by the
    /// id. Elaboration looks up the class of every skeleton operand.
    egg_index: Vec<u32>,
    /// For foreign graphs: the name of each class and node.
    pub names: Vec<String>,
}

/// Incremental construction, one class at a time.
#[derive(Default)]
pub struct Builder {
    g: ExtractionGraph,
}

impl Builder {
    /// Start a class; nodes added next belong to it.
    pub fn begin_class(&mut self, ty: Type, konst: Option<u64>) -> ClassId {
        let id = ClassId(self.g.class_ty.len() as u32);
        self.g.class_start.push(self.g.info.len() as u32);
        self.g.class_ty.push(ty);
        self.g.class_const.push(konst);
        id
    }

    /// Add a node to the current class.
    pub fn add_node(&mut self, info: NodeInfo, children: impl IntoIterator<Item = ClassId>) {
        let class = ClassId(self.g.class_ty.len() as u32 - 1);
        self.g.node_class.push(class);
        self.g.child_start.push(self.g.children.len() as u32);
        self.g.children.extend(children);
        self.g.info.push(info);
    }

    /// Finish.
    pub fn finish(mut self, roots: Vec<ClassId>) -> ExtractionGraph {
        self.g.class_start.push(self.g.info.len() as u32);
        self.g.child_start.push(self.g.children.len() as u32);
        self.g.roots = roots;
        self.g
    }

    /// Access the graph being built (for side tables).
    pub fn graph_mut(&mut self) -> &mut ExtractionGraph {
        &mut self.g
    }
}

impl ExtractionGraph {
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_ty.len()
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.info.len()
    }

    /// All classes.
    pub fn classes(&self) -> impl Iterator<Item = ClassId> + '_ {
        (0..self.num_classes() as u32).map(ClassId)
    }

    /// The nodes of a class.
    pub fn nodes(&self, c: ClassId) -> impl ExactSizeIterator<Item = NodeId> {
        let s = self.class_start[c.index()];
        let e = self.class_start[c.index() + 1];
        (s..e).map(NodeId)
    }

    /// The class a node belongs to.
    pub fn class_of(&self, n: NodeId) -> ClassId {
        self.node_class[n.index()]
    }

    /// The operand classes of a node.
    pub fn children(&self, n: NodeId) -> &[ClassId] {
        let s = self.child_start[n.index()] as usize;
        let e = self.child_start[n.index() + 1] as usize;
        &self.children[s..e]
    }

    /// Facts about a node.
    pub fn info(&self, n: NodeId) -> &NodeInfo {
        &self.info[n.index()]
    }

    /// The type of a class's values.
    pub fn class_type(&self, c: ClassId) -> Type {
        self.class_ty[c.index()]
    }

    /// Whether `n` is a commutative operation with a constant on the left
    /// and a non-constant on the right: the form Cranelift's `cprop` rules
    /// rewrite away, because its lowerings fold an immediate only from the
    /// right (`bxor k, x` costs a register and a move on x86-64 where
    /// `bxor x, k` is one instruction).
    pub fn constant_on_left(&self, n: NodeId) -> bool {
        let NodeKind::Inst(op) = self.info(n).kind else {
            return false;
        };
        let commutative = matches!(
            op,
            Opcode::Iadd
                | Opcode::Imul
                | Opcode::Band
                | Opcode::Bor
                | Opcode::Bxor
                | Opcode::Umin
                | Opcode::Umax
                | Opcode::Smin
                | Opcode::Smax
        );
        match self.children(n) {
            &[a, b] => {
                commutative && self.class_const(a).is_some() && self.class_const(b).is_none()
            }
            _ => false,
        }
    }

    /// The constant a class is known to hold, if any.
    pub fn class_const(&self, c: ClassId) -> Option<u64> {
        self.class_const[c.index()]
    }

    /// Build from an egg e-graph, with `roots` given as egg classes.
    ///
    /// Classes are numbered in the order of their canonical egg ids, and
    /// nodes within a class in egg's (sorted) order, so the graph is
    /// deterministic for a given e-graph.
    pub fn from_egraph(egraph: &ClifEGraph, roots: &[egg::Id]) -> ExtractionGraph {
        // Creation order of each canonical node: the largest original id that
        // canonicalises to it. egg keeps every node ever added in `nodes()`.
        // (last, first) creation order of each canonical node.
        let mut age: HashMap<ClifNode, (u32, u32)> = HashMap::new();
        for (i, n) in egraph.nodes().iter().enumerate() {
            let canon = n.clone().map_children(|c| egraph.find(c));
            let i = i as u32;
            let e = age.entry(canon).or_insert((i, i));
            e.0 = e.0.max(i);
            e.1 = e.1.min(i);
        }
        let mut value_classes: Vec<egg::Id> = egraph
            .classes()
            .filter(|c| matches!(c.data.kind, ClassKind::Value(_)))
            .map(|c| c.id)
            .collect();
        value_classes.sort();
        let index: HashMap<egg::Id, ClassId> = value_classes
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, ClassId(i as u32)))
            .collect();
        let mut b = Builder::default();
        for &id in &value_classes {
            let class = &egraph[id];
            let ty = class.data.value_type().unwrap();
            b.begin_class(ty, class.data.konst);
            for node in &class.nodes {
                if let Op::Value(v) = node.op {
                    if egraph.analysis.removed.contains(&v) {
                        continue;
                    }
                }
                let kind = match node.op {
                    Op::Value(_) => NodeKind::Live,
                    Op::Inst(op) | Op::Opaque(op, _) => NodeKind::Inst(op),
                    _ => unreachable!("attribute node in a value class"),
                };
                let imm = match (node.op, node.children.get(1)) {
                    (Op::Inst(Opcode::Iconst), Some(&i)) => match egraph[i].data.kind {
                        ClassKind::Int(i) => Some(i),
                        _ => None,
                    },
                    _ => None,
                };
                let info = NodeInfo {
                    kind,
                    ty,
                    imm,
                    given_cost: 0.0,
                    age: age.get(node).map_or(0, |a| a.0),
                    born: age.get(node).map_or(0, |a| a.1),
                };
                let children: Vec<ClassId> = node
                    .operands()
                    .iter()
                    .map(|&c| index[&egraph.find(c)])
                    .collect();
                b.add_node(info, children);
                let g = b.graph_mut();
                g.egg_node.push(node.clone());
                g.live_value.push(match node.op {
                    Op::Value(v) => v.as_u32(),
                    _ => u32::MAX,
                });
            }
        }
        let mut roots: Vec<ClassId> = roots.iter().map(|&r| index[&egraph.find(r)]).collect();
        roots.sort();
        roots.dedup();
        let mut graph = b.finish(roots);
        let top = value_classes.last().map_or(0, |&id| usize::from(id) + 1);
        graph.egg_index = vec![u32::MAX; top];
        for (i, &id) in value_classes.iter().enumerate() {
            graph.egg_index[usize::from(id)] = i as u32;
        }
        graph
    }

    /// The value a live node stands for (a block parameter or skeleton
    /// result); `None` for computed nodes and for foreign graphs.
    pub fn live_value(&self, n: NodeId) -> Option<cranelift_codegen::ir::Value> {
        match self.live_value.get(n.index()) {
            Some(&v) if v != u32::MAX => Some(cranelift_codegen::ir::Value::from_u32(v)),
            _ => None,
        }
    }

    /// The class of an egg class (graphs built by `from_egraph` only).
    pub fn class_of_egg(&self, id: egg::Id) -> Option<ClassId> {
        match self.egg_index.get(usize::from(id)) {
            Some(&i) if i != u32::MAX => Some(ClassId(i)),
            _ => None,
        }
    }
}
