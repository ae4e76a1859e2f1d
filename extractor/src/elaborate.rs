//! Elaboration: the chosen nodes become CLIF instructions again.
//!
//! This follows Cranelift's `egraph/elaborate.rs` step for step, because the
//! baseline must be faithful: any difference in *where* values are placed
//! changes live ranges, and so spills, independently of the extractor.
//!
//! * **Scoped GVN.** We walk the dominator tree in pre-order, keeping a
//!   scoped map from class to the value that computes it. A class is
//!   computed at its first use; later uses in dominated blocks reuse it;
//!   when we backtrack out of a subtree its entries vanish, so a use in a
//!   sibling subtree computes the class again. Every use is therefore
//!   dominated by its definition.
//! * **LICM.** A node whose operands are all defined outside the current
//!   loop nest level is placed at the end of the loop's hoist block (the
//!   header's immediate dominator), and its map entry is inserted at that
//!   block's scope depth so the whole loop body sees it.
//! * **Rematerialisation.** Cheap nodes (constants, `bnot`, ALU ops with a
//!   constant operand) are re-emitted in each block that uses them, instead
//!   of being kept live across blocks: shorter live ranges for one cheap
//!   instruction.
//!
//! * **Local placement** ([`Placement::Local`], chosen only by the
//!   `pressure` extractor). A local class is never taken from the scoped
//!   map and never hoisted: it is computed in each block that uses it, and
//!   again after each call in that block. Its live ranges are then confined
//!   to a block and never cross a call. The cost is one computation per
//!   block (and per call gap) instead of one per function; the extractor
//!   decides when that trade pays.
//!
//! Elaboration never moves a skeleton instruction; it only fills in the pure
//! computations before the instruction that needs them.

use crate::extract::{Choice, OperandOrder, Placement};
use crate::graph::{ClassId, ExtractionGraph, NodeKind};
use crate::import::Imported;
use crate::lang::{ClassKind, Op};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::instructions::InstructionFormat;
use cranelift_codegen::ir::{Block, Function, Inst, InstructionData, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};
use std::collections::{HashMap, HashSet};

/// Why elaboration refused a choice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElabError {
    /// A skeleton operand's class has no chosen node.
    #[error("class {0:?} is used by the skeleton but has no chosen node")]
    Unchosen(ClassId),
    /// A chosen live value is not available where it is needed.
    #[error("chosen value {0} does not dominate its use")]
    NotDominated(Value),
}

/// A class computed at a place: the value and the block it is defined in.
#[derive(Copy, Clone, Debug)]
struct Placed {
    block: Block,
    value: Value,
}

/// A hash map whose entries live at a scope depth and vanish when that
/// scope is popped. Entries are never shadowed (`insert_if_absent`), so
/// popping just deletes what the scope added.
struct ScopedMap {
    map: HashMap<ClassId, Placed>,
    scopes: Vec<Vec<ClassId>>,
}

impl ScopedMap {
    fn new() -> Self {
        ScopedMap {
            map: HashMap::new(),
            scopes: Vec::new(),
        }
    }
    fn depth(&self) -> usize {
        self.scopes.len()
    }
    fn push(&mut self) {
        self.scopes.push(Vec::new());
    }
    fn pop(&mut self) {
        for k in self.scopes.pop().expect("scope underflow") {
            self.map.remove(&k);
        }
    }
    fn get(&self, k: ClassId) -> Option<Placed> {
        self.map.get(&k).copied()
    }
    /// Insert at scope `depth` (1-based: the scope pushed `depth`-th).
    fn insert_if_absent_at(&mut self, k: ClassId, v: Placed, depth: usize) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.map.entry(k) {
            e.insert(v);
            self.scopes[depth - 1].push(k);
        }
    }
}

struct LoopEntry {
    lp: Loop,
    hoist_block: Block,
    scope_depth: usize,
}

enum Task {
    Start(ClassId),
    /// Place the class once its operands are computed; the operands were
    /// computed in the given order of operand indices (`None`: 0, 1, …).
    Finish(ClassId, usize, Option<Vec<usize>>),
}

struct Elaborator<'a> {
    imported: &'a Imported,
    graph: &'a ExtractionGraph,
    choice: &'a Choice,
    func: Function,
    domtree: DominatorTree,
    loops: LoopAnalysis,
    scoped: ScopedMap,
    loop_stack: Vec<LoopEntry>,
    remat_copies: HashMap<(Block, ClassId), Value>,
    /// For each class, the value of its *original* placement: the first one
    /// whose operands needed no remat copy. Only that value is
    /// rematerialised (see [`Elaborator::maybe_remat`]).
    original: HashMap<ClassId, Value>,
    /// Skeleton results defined so far on the current dominator path.
    defined: HashSet<Value>,
    /// Local classes computed in the current block since its start or its
    /// last call.
    local: HashMap<ClassId, Placed>,
    /// Every instruction elaboration emitted, with the class it computes.
    trace: Vec<(Inst, ClassId)>,
    /// Sethi–Ullman register need of each chosen class, when the choice
    /// asks for that operand order.
    need: Option<Vec<u32>>,
}

/// Elaborate `choice`, and also report which class each emitted
/// instruction computes (the `pressure` extractor costs placements with it).
pub fn elaborate_traced(
    imported: &Imported,
    graph: &ExtractionGraph,
    choice: &Choice,
) -> Result<Elaborated, ElabError> {
    let mut func = imported.skeleton.clone();
    // The e-graph's pool is the function's plus the `vconst`/`f128const`
    // entries rules and folding added; chosen nodes name them by handle.
    func.dfg.constants = imported.egraph.analysis.constants.0.clone();
    let cfg = ControlFlowGraph::with_function(&func);
    let domtree = DominatorTree::with_function(&func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(&func, &cfg, &domtree);
    let mut e = Elaborator {
        imported,
        graph,
        choice,
        func,
        domtree,
        loops,
        scoped: ScopedMap::new(),
        loop_stack: Vec::new(),
        remat_copies: HashMap::new(),
        original: HashMap::new(),
        defined: HashSet::new(),
        local: HashMap::new(),
        trace: Vec::new(),
        need: (choice.operand_order() == OperandOrder::SethiUllman)
            .then(|| register_need(graph, choice)),
    };
    e.run()?;
    Ok(Elaborated {
        func: e.func,
        trace: e.trace,
    })
}

/// An elaborated function and where its pure instructions came from.
pub struct Elaborated {
    /// The complete function.
    pub func: Function,
    /// Every pure instruction elaboration emitted (remat copies included),
    /// with the class it computes, in emission order.
    pub trace: Vec<(Inst, ClassId)>,
}

/// Elaborate `choice` over `imported`'s skeleton into a complete function.
pub fn elaborate(
    imported: &Imported,
    graph: &ExtractionGraph,
    choice: &Choice,
) -> Result<Function, ElabError> {
    elaborate_traced(imported, graph, choice).map(|e| e.func)
}

impl Elaborator<'_> {
    fn class_of_value(&self, v: Value) -> ClassId {
        let v = self.func.dfg.resolve_aliases(v);
        let id = self.imported.egraph.find(self.imported.value_class[&v]);
        self.graph
            .class_of_egg(id)
            .expect("every skeleton operand is a value class")
    }

    fn run(&mut self) -> Result<(), ElabError> {
        let entry = match self.func.layout.entry_block() {
            Some(b) => b,
            None => return Ok(()),
        };
        enum Step {
            Enter(Block, Option<Block>),
            Leave(Vec<Value>),
        }
        let mut stack = vec![Step::Enter(entry, None)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(block, idom) => {
                    self.scoped.push();
                    let defined = self.elaborate_block(block, idom)?;
                    stack.push(Step::Leave(defined));
                    let children: Vec<Block> = self.domtree.children(block).collect();
                    // Visit children in the dominator tree's order.
                    for &c in children.iter().rev() {
                        stack.push(Step::Enter(c, Some(block)));
                    }
                }
                Step::Leave(defined) => {
                    for v in defined {
                        self.defined.remove(&v);
                    }
                    self.scoped.pop();
                }
            }
        }
        Ok(())
    }

    fn start_block(&mut self, block: Block, idom: Option<Block>) {
        while let Some(top) = self.loop_stack.last() {
            if self.loops.is_in_loop(block, top.lp) {
                break;
            }
            self.loop_stack.pop();
        }
        if let Some(idom) = idom {
            if let Some(lp) = self.loops.is_loop_header(block) {
                self.loop_stack.push(LoopEntry {
                    lp,
                    hoist_block: idom,
                    // The idom's scope: hoisted values are visible to the
                    // whole loop body, and vanish with the idom's subtree.
                    scope_depth: self.scoped.depth() - 1,
                });
            }
        }
    }

    /// Returns the skeleton results it defined, to forget on leaving.
    fn elaborate_block(
        &mut self,
        block: Block,
        idom: Option<Block>,
    ) -> Result<Vec<Value>, ElabError> {
        self.start_block(block, idom);
        self.local.clear();
        let mut defined = Vec::new();
        let mut next = self.func.layout.first_inst(block);
        let mut first_branch = None;
        while let Some(inst) = next {
            if self.func.dfg.insts[inst].opcode().is_branch() && first_branch.is_none() {
                first_branch = Some(inst);
            }
            let before = first_branch.unwrap_or(inst);
            let args: Vec<Value> = self.func.dfg.inst_values(inst).collect();
            let mut new_args = Vec::with_capacity(args.len());
            for arg in args {
                let class = self.class_of_value(arg);
                let mut placed = self.elaborate_class(class, before)?;
                self.maybe_remat(&mut placed, class, block, inst);
                new_args.push(placed.value);
            }
            self.func
                .dfg
                .overwrite_inst_values(inst, new_args.into_iter());
            if self.func.dfg.insts[inst].opcode().is_call() {
                // Every caller-saved register dies here: a local class used
                // after the call is recomputed rather than kept across it.
                self.local.clear();
            }
            let depth = self.scoped.depth();
            for &r in self.func.dfg.inst_results(inst) {
                self.defined.insert(r);
                defined.push(r);
                let class = self.class_of_value(r);
                self.scoped
                    .insert_if_absent_at(class, Placed { block, value: r }, depth);
            }
            next = self.func.layout.next_inst(inst);
        }
        Ok(defined)
    }

    /// Is the chosen node of `class` cheap enough to recompute per block?
    /// Mirrors Cranelift's `opts/remat.isle`.
    fn is_remat(&self, class: ClassId) -> bool {
        let n = match self.choice.get(class) {
            Some(n) => n,
            None => return false,
        };
        match self.graph.info(n).kind {
            NodeKind::Inst(op) => match op {
                Opcode::Iconst | Opcode::F32const | Opcode::F64const | Opcode::Bnot => true,
                Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor => self
                    .graph
                    .children(n)
                    .iter()
                    .any(|&k| self.graph.class_const(k).is_some()),
                _ => false,
            },
            _ => false,
        }
    }

    /// If `placed` is a remat value from another block, use (or make) a copy
    /// of it in `block`, before `before`; says whether it did.
    ///
    /// Cranelift marks the remat *value* (the result of the instruction the
    /// rules saw), not the class. Elaborating a class a second time (in
    /// another dominator subtree, or with rematerialised operands) clones
    /// that instruction, and the clone's value is not marked: uses reached
    /// through a clone keep it live across blocks. We do the same, so that
    /// the baseline's live ranges are Cranelift's.
    fn maybe_remat(
        &mut self,
        placed: &mut Placed,
        class: ClassId,
        block: Block,
        before: Inst,
    ) -> bool {
        if placed.block == block
            || !self.is_remat(class)
            || self.choice.placement(class) == Placement::Local
            || self.original.get(&class) != Some(&placed.value)
        {
            return false;
        }
        let value = match self.remat_copies.get(&(block, class)) {
            Some(&v) => v,
            None => {
                let inst = match self.func.dfg.value_def(placed.value) {
                    ValueDef::Result(inst, _) => inst,
                    _ => return false,
                };
                let copy = self.func.dfg.clone_inst(inst);
                self.func.layout.insert_inst(copy, before);
                self.trace.push((copy, class));
                let v = self.func.dfg.first_result(copy);
                self.remat_copies.insert((block, class), v);
                v
            }
        };
        *placed = Placed { block, value };
        true
    }

    /// Make `class` available before `before`, computing what is missing.
    fn elaborate_class(&mut self, class: ClassId, before: Inst) -> Result<Placed, ElabError> {
        let mut tasks = vec![Task::Start(class)];
        let mut results: Vec<Placed> = Vec::new();
        while let Some(task) = tasks.pop() {
            match task {
                Task::Start(c) => {
                    let known = match self.choice.placement(c) {
                        Placement::Cranelift => self.scoped.get(c),
                        Placement::Local => self.local.get(&c).copied(),
                    };
                    if let Some(p) = known {
                        results.push(p);
                        continue;
                    }
                    let n = self.choice.get(c).ok_or(ElabError::Unchosen(c))?;
                    if let Op::Value(v) = self.graph.egg_node[n.index()].op {
                        results.push(self.live(v, before)?);
                        continue;
                    }
                    let kids = self.graph.children(n);
                    match &self.need {
                        None => {
                            tasks.push(Task::Finish(c, kids.len(), None));
                            for &k in kids.iter().rev() {
                                tasks.push(Task::Start(k));
                            }
                        }
                        Some(need) => {
                            // Compute the neediest operand first (a stable
                            // sort keeps Cranelift's order among equals);
                            // `Finish` puts the results back in operand order.
                            let mut order: Vec<usize> = (0..kids.len()).collect();
                            order.sort_by_key(|&i| std::cmp::Reverse(need[kids[i].index()]));
                            for &i in order.iter().rev() {
                                tasks.push(Task::Start(kids[i]));
                            }
                            tasks.insert(
                                tasks.len() - kids.len(),
                                Task::Finish(c, kids.len(), Some(order)),
                            );
                        }
                    }
                }
                Task::Finish(c, nargs, order) => {
                    let at = results.len() - nargs;
                    let mut args: Vec<Placed> = results.drain(at..).collect();
                    if let Some(order) = order {
                        let mut by_operand = args.clone();
                        for (j, &i) in order.iter().enumerate() {
                            by_operand[i] = args[j];
                        }
                        args = by_operand;
                    }
                    let placed = self.place(c, args, before);
                    results.push(placed);
                }
            }
        }
        Ok(results.pop().expect("one result"))
    }

    /// A live (skeleton or parameter) value chosen for a class: it must
    /// already be available here.
    fn live(&self, v: Value, before: Inst) -> Result<Placed, ElabError> {
        let here = self.func.layout.inst_block(before).expect("placed");
        match self.func.dfg.value_def(v) {
            ValueDef::Param(b, _) if self.domtree.block_dominates(b, here) => {
                Ok(Placed { block: b, value: v })
            }
            ValueDef::Result(inst, _) if self.defined.contains(&v) => Ok(Placed {
                block: self
                    .func
                    .layout
                    .inst_block(inst)
                    .expect("defined results are placed"),
                value: v,
            }),
            _ => Err(ElabError::NotDominated(v)),
        }
    }

    /// Emit the chosen node of `c` with elaborated operands `args`.
    fn place(&mut self, c: ClassId, mut args: Vec<Placed>, before: Inst) -> Placed {
        // Hoist level: the outermost loop in which some operand is defined.
        // With no operands, hoist one level (Cranelift's rule for constants).
        let hoist_level = args
            .iter()
            .map(|a| {
                self.loop_stack
                    .iter()
                    .position(|l| !self.loops.is_in_loop(a.block, l.lp))
                    .unwrap_or(self.loop_stack.len())
            })
            .max()
            .unwrap_or(self.loop_stack.len().saturating_sub(1));
        let local = self.choice.placement(c) == Placement::Local;
        let hoist_level = if local {
            self.loop_stack.len()
        } else {
            hoist_level
        };
        let (depth, before, block) = if hoist_level == self.loop_stack.len() {
            let b = self.func.layout.inst_block(before).expect("placed");
            (self.scoped.depth(), before, b)
        } else {
            let l = &self.loop_stack[hoist_level];
            let last = self
                .func
                .layout
                .last_inst(l.hoist_block)
                .expect("terminator");
            (l.scope_depth, last, l.hoist_block)
        };
        let mut remat_arg = false;
        for (a, &k) in args
            .iter_mut()
            .zip(self.graph.children(self.choice.get(c).unwrap()))
        {
            remat_arg |= self.maybe_remat(a, k, block, before);
        }
        let n = self.choice.get(c).unwrap();
        let node = &self.graph.egg_node[n.index()];
        let egraph = &self.imported.egraph;
        let attr = |i: usize| egraph[node.children[i]].data.kind;
        let ctrl = match attr(0) {
            ClassKind::Type(t) => t,
            k => unreachable!("type attribute expected, found {k:?}"),
        };
        let data = match node.op {
            Op::Inst(op) => template(op, node.num_attributes(), attr),
            Op::Opaque(_, t) => *egraph.analysis.templates.get(t),
            _ => unreachable!("live values are not placed"),
        };
        let inst = self.func.dfg.make_inst(data);
        self.func
            .dfg
            .overwrite_inst_values(inst, args.iter().map(|a| a.value));
        self.func.dfg.make_inst_results(inst, ctrl);
        self.func.layout.insert_inst(inst, before);
        self.trace.push((inst, c));
        let value = self.func.dfg.first_result(inst);
        let placed = Placed { block, value };
        if !remat_arg {
            self.original.entry(c).or_insert(value);
        }
        if local {
            self.local.insert(c, placed);
        } else {
            self.scoped.insert_if_absent_at(c, placed, depth);
        }
        placed
    }
}

/// Sethi–Ullman register need of every chosen class reachable from the
/// roots: 0 for a live value (already in a register), 1 for a node without
/// value operands, and otherwise, with the operands' needs sorted
/// downwards, the largest `need_i + i`. Shared operands are counted in each
/// user, as the classic labelling does; it only orders operands.
fn register_need(graph: &ExtractionGraph, choice: &Choice) -> Vec<u32> {
    let mut need = vec![0u32; graph.num_classes()];
    for c in choice.topo_order(graph) {
        let Some(n) = choice.get(c) else { continue };
        if graph.info(n).kind == NodeKind::Live {
            continue;
        }
        let mut kids: Vec<u32> = graph.children(n).iter().map(|k| need[k.index()]).collect();
        kids.sort_unstable_by(|a, b| b.cmp(a));
        need[c.index()] = kids
            .iter()
            .enumerate()
            .map(|(i, &k)| k + i as u32)
            .max()
            .unwrap_or(0)
            .max(1);
    }
    need
}

/// An `InstructionData` for a transparent opcode, with placeholder operands
/// that the caller overwrites.
fn template(op: Opcode, nattr: usize, attr: impl Fn(usize) -> ClassKind) -> InstructionData {
    use cranelift_codegen::entity::packed_option::ReservedValue;
    let r = Value::reserved_value();
    match op.format() {
        InstructionFormat::UnaryImm => {
            let imm = match attr(1) {
                ClassKind::Int(i) => i,
                k => unreachable!("immediate expected, found {k:?}"),
            };
            InstructionData::UnaryImm {
                opcode: op,
                imm: Imm64::new(imm),
            }
        }
        InstructionFormat::IntCompare => {
            let cond = match attr(1) {
                ClassKind::Cond(c) => c,
                k => unreachable!("condition expected, found {k:?}"),
            };
            InstructionData::IntCompare {
                opcode: op,
                args: [r, r],
                cond,
            }
        }
        InstructionFormat::Unary => InstructionData::Unary { opcode: op, arg: r },
        InstructionFormat::Binary => InstructionData::Binary {
            opcode: op,
            args: [r, r],
        },
        InstructionFormat::Ternary => InstructionData::Ternary {
            opcode: op,
            args: [r, r, r],
        },
        f => unreachable!("{op} has format {f:?}, not transparent ({nattr} attributes)"),
    }
}
