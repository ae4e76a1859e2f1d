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
//!
//! **Two outputs, one decision procedure.** The elaborator reads only the
//! (immutable) skeleton and writes what it decides through the [`Emit`]
//! trait: [`Elaboration::function`] builds the CLIF function the pipeline
//! returns, and [`Elaboration::schedule`] records the same instructions in
//! a compact [`Schedule`], which is all the `pressure` extractor needs to
//! measure a choice (liveness over the instruction order) and several
//! times cheaper to build than CLIF. Because both come from the same
//! elaborator, the pressure the extractor measures is the pressure of the
//! function the pipeline emits.

use crate::choice::{Choice, OperandOrder, Placement};
pub use crate::control::ControlFlow;
pub use crate::emit::Emit;
use crate::graph::{ClassId, ExtractionGraph, NodeId, NodeKind};
use crate::import::Imported;
use crate::lang::{ClassKind, Op};
use crate::schedule::{Schedule, ScheduleBuilder};
use cranelift_codegen::entity::{EntityRef, SecondaryMap};
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::instructions::InstructionFormat;
use cranelift_codegen::ir::{Block, Function, Inst, InstructionData, Opcode, Value, ValueDef};
use cranelift_codegen::loop_analysis::{Loop, LoopAnalysis};
use fixedbitset::FixedBitSet;
use fnv::FnvHashMap;

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

/// A map from class to placed value whose entries live at a scope depth
/// and vanish when that scope is popped. Entries are never shadowed
/// (`insert_if_absent_at`), so popping just deletes what the scope added.
/// Dense over classes: elaboration looks a class up for every operand.
struct ScopedMap {
    map: Vec<Option<Placed>>,
    /// What each open scope added; vectors past `depth` are kept, empty, to
    /// reuse their allocations.
    scopes: Vec<Vec<ClassId>>,
    depth: usize,
}

impl ScopedMap {
    fn new(classes: usize) -> Self {
        ScopedMap {
            map: vec![None; classes],
            scopes: Vec::new(),
            depth: 0,
        }
    }
    fn depth(&self) -> usize {
        self.depth
    }
    fn push(&mut self) {
        if self.scopes.len() == self.depth {
            self.scopes.push(Vec::new());
        }
        self.depth += 1;
    }
    fn pop(&mut self) {
        assert!(self.depth > 0, "scope underflow");
        self.depth -= 1;
        for k in self.scopes[self.depth].drain(..) {
            self.map[k.index()] = None;
        }
    }
    fn get(&self, k: ClassId) -> Option<Placed> {
        self.map[k.index()]
    }
    /// Insert at scope `depth` (1-based: the scope pushed `depth`-th).
    fn insert_if_absent_at(&mut self, k: ClassId, v: Placed, depth: usize) {
        let slot = &mut self.map[k.index()];
        if slot.is_none() {
            *slot = Some(v);
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

/// A [`ControlFlow`] that an [`Elaboration`] either borrows (the one staged
/// with the skeleton) or computed itself.
enum Flows<'a> {
    Shared(&'a ControlFlow),
    Own(Box<ControlFlow>),
}

impl std::ops::Deref for Flows<'_> {
    type Target = ControlFlow;
    fn deref(&self) -> &ControlFlow {
        match self {
            Flows::Shared(c) => c,
            Flows::Own(c) => c,
        }
    }
}

/// What stays the same across elaborations of one imported function: the
/// skeleton's control flow (elaboration adds no blocks), its dominator tree
/// and loops, and the class of every skeleton value. The `pressure`
/// extractor elaborates several choices of one function; building this once
/// saves recomputing it each time.
pub struct Elaboration<'a> {
    imported: &'a Imported,
    graph: &'a ExtractionGraph,
    /// The skeleton every elaboration starts from.
    skeleton: &'a Function,
    control: Flows<'a>,
    /// The registers each block parameter and skeleton result occupies, for
    /// schedules (0 for the other values, which schedules never name).
    skeleton_regs: Vec<u8>,
    /// The class of each skeleton value (after alias resolution); `None`
    /// for values no skeleton instruction or parameter defines.
    class_of: SecondaryMap<Value, Option<ClassId>>,
}

impl<'a> Elaboration<'a> {
    /// Prepare to elaborate choices over `imported`'s skeleton.
    pub fn new(imported: &'a Imported, graph: &'a ExtractionGraph) -> Self {
        let skeleton = &imported.skeleton;
        let control = match &imported.control {
            Some(c) => Flows::Shared(c),
            None => Flows::Own(Box::new(ControlFlow::of(skeleton))),
        };
        // Only what the skeleton names: its operands, results and block
        // parameters (most values of the function are pure and were
        // imported into the e-graph).
        let mut class_of = SecondaryMap::with_capacity(skeleton.dfg.num_values());
        let mut note = |v: Value| {
            let resolved = skeleton.dfg.resolve_aliases(v);
            if let Some(&id) = imported.value_class.get(&resolved) {
                class_of[v] = graph.class_of_egg(imported.egraph.find(id));
            }
        };
        // The registers of the values a schedule can name besides the ones
        // elaboration creates: block parameters and skeleton results
        // (skeleton operands are replaced by elaborated values).
        let mut skeleton_regs = vec![0u8; skeleton.dfg.num_values()];
        let mut defines = |v: Value| {
            skeleton_regs[v.index()] = crate::schedule::encode_regs(skeleton.dfg.value_type(v));
        };
        for b in skeleton.layout.blocks() {
            for &p in skeleton.dfg.block_params(b) {
                note(p);
                defines(p);
            }
            for inst in skeleton.layout.block_insts(b) {
                skeleton.dfg.inst_values(inst).for_each(&mut note);
                for &r in skeleton.dfg.inst_results(inst) {
                    note(r);
                    defines(r);
                }
            }
        }
        Elaboration {
            imported,
            graph,
            skeleton,
            skeleton_regs,
            control,
            class_of,
        }
    }

    /// The skeleton's control-flow graph (also the elaborated function's).
    pub fn cfg(&self) -> &ControlFlowGraph {
        &self.control.cfg
    }

    /// The skeleton's loops (also the elaborated function's).
    pub fn loops(&self) -> &LoopAnalysis {
        &self.control.loops
    }

    /// The skeleton every elaboration starts from.
    pub fn skeleton(&self) -> &Function {
        self.skeleton
    }

    /// The extraction graph choices are made in.
    pub fn graph(&self) -> &ExtractionGraph {
        self.graph
    }

    /// The function CLIF elaboration starts from: the skeleton, with the
    /// e-graph's constant pool (the function's plus the `vconst` and
    /// `f128const` entries rules and folding added; chosen nodes name them
    /// by handle).
    fn clif_start(&self) -> Function {
        let mut func = self.skeleton.clone();
        func.dfg.constants = self.imported.egraph.analysis.constants.0.clone();
        func
    }

    /// Elaborate `choice` into a complete CLIF function.
    pub fn function(&self, choice: &Choice) -> Result<Function, ElabError> {
        let emit = ClifEmitter {
            func: self.clif_start(),
            imported: self.imported,
            graph: self.graph,
        };
        Ok(self.run(choice, emit)?.func)
    }

    /// Elaborate `choice` into a [`Schedule`]: the same instructions in the
    /// same order as [`Elaboration::function`] would emit, without building
    /// CLIF.
    pub fn schedule(&self, choice: &Choice) -> Result<Schedule, ElabError> {
        let builder = ScheduleBuilder::new(self.skeleton, &self.skeleton_regs, self.graph);
        Ok(self.run(choice, builder)?.finish())
    }

    fn run<E: Emit>(&self, choice: &Choice, emit: E) -> Result<E, ElabError> {
        let graph = self.graph;
        let nv = self.skeleton.dfg.num_values();
        let mut e = Elaborator {
            cx: self,
            choice,
            emit,
            scoped: ScopedMap::new(graph.num_classes()),
            loop_stack: Vec::new(),
            remat_copies: FnvHashMap::default(),
            original: vec![None; graph.num_classes()],
            defined: FixedBitSet::with_capacity(nv),
            local: vec![None; graph.num_classes()],
            local_set: Vec::new(),
            need: (choice.operand_order() == OperandOrder::SethiUllman)
                .then(|| register_need(graph, choice)),
            tasks: Vec::new(),
            results: Vec::new(),
            operands: Vec::new(),
        };
        e.run()?;
        Ok(e.emit)
    }
}

/// Builds the CLIF function.
struct ClifEmitter<'a> {
    func: Function,
    imported: &'a Imported,
    graph: &'a ExtractionGraph,
}

impl Emit for ClifEmitter<'_> {
    fn emit(&mut self, _c: ClassId, n: NodeId, args: &[Value], before: Inst) -> Value {
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
            .overwrite_inst_values(inst, args.iter().copied());
        self.func.dfg.make_inst_results(inst, ctrl);
        self.func.layout.insert_inst(inst, before);
        self.func.dfg.first_result(inst)
    }

    fn copy(&mut self, v: Value, _c: ClassId, before: Inst) -> Value {
        let ValueDef::Result(inst, _) = self.func.dfg.value_def(v) else {
            unreachable!("only emitted values are copied")
        };
        let copy = self.func.dfg.clone_inst(inst);
        self.func.layout.insert_inst(copy, before);
        self.func.dfg.first_result(copy)
    }

    fn set_operands(&mut self, inst: Inst, args: &[Value]) {
        self.func
            .dfg
            .overwrite_inst_values(inst, args.iter().copied());
    }
}

struct Elaborator<'a, E> {
    cx: &'a Elaboration<'a>,
    choice: &'a Choice,
    emit: E,
    scoped: ScopedMap,
    loop_stack: Vec<LoopEntry>,
    remat_copies: FnvHashMap<(Block, ClassId), Value>,
    /// For each class, the value of its *original* placement: the first one
    /// whose operands needed no remat copy. Only that value is
    /// rematerialised (see [`Elaborator::maybe_remat`]).
    original: Vec<Option<Value>>,
    /// Skeleton results defined so far on the current dominator path.
    defined: FixedBitSet,
    /// Local classes computed in the current block since its start or its
    /// last call, and the list of those set (to clear them).
    local: Vec<Option<Placed>>,
    local_set: Vec<ClassId>,
    /// Sethi–Ullman register need of each chosen class, when the choice
    /// asks for that operand order.
    need: Option<Vec<u32>>,
    /// Work stacks of [`Elaborator::elaborate_class`] and the operand
    /// buffer of [`Elaborator::place`], kept to reuse their allocations.
    tasks: Vec<Task>,
    results: Vec<Placed>,
    operands: Vec<Value>,
}

/// Elaborate `choice` over `imported`'s skeleton into a complete function.
pub fn elaborate(
    imported: &Imported,
    graph: &ExtractionGraph,
    choice: &Choice,
) -> Result<Function, ElabError> {
    Elaboration::new(imported, graph).function(choice)
}

impl<E: Emit> Elaborator<'_, E> {
    /// Forget the local classes computed so far (at a block's start and
    /// after a call).
    fn clear_local(&mut self) {
        for c in self.local_set.drain(..) {
            self.local[c.index()] = None;
        }
    }

    fn class_of_value(&self, v: Value) -> ClassId {
        self.cx.class_of[v].expect("every skeleton operand is a value class")
    }

    fn run(&mut self) -> Result<(), ElabError> {
        let entry = match self.cx.skeleton.layout.entry_block() {
            Some(b) => b,
            None => return Ok(()),
        };
        enum Step {
            Enter(Block, Option<Block>),
            /// Leave a block whose skeleton results are `defined[start..]`.
            Leave(usize),
        }
        // Skeleton results defined on the current dominator path, to forget
        // when their block's subtree is left.
        let mut defined: Vec<Value> = Vec::new();
        let mut stack = vec![Step::Enter(entry, None)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(block, idom) => {
                    self.scoped.push();
                    let start = defined.len();
                    self.elaborate_block(block, idom, &mut defined)?;
                    stack.push(Step::Leave(start));
                    // Visit children in the dominator tree's order.
                    let first = stack.len();
                    stack.extend(
                        self.cx
                            .control
                            .domtree
                            .children(block)
                            .map(|c| Step::Enter(c, Some(block))),
                    );
                    stack[first..].reverse();
                }
                Step::Leave(start) => {
                    for v in defined.drain(start..) {
                        self.defined.set(v.index(), false);
                    }
                    self.scoped.pop();
                }
            }
        }
        Ok(())
    }

    fn start_block(&mut self, block: Block, idom: Option<Block>) {
        while let Some(top) = self.loop_stack.last() {
            if self.cx.control.loops.is_in_loop(block, top.lp) {
                break;
            }
            self.loop_stack.pop();
        }
        if let Some(idom) = idom {
            if let Some(lp) = self.cx.control.loops.is_loop_header(block) {
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

    /// Appends the skeleton results it defines to `defined`, to forget on
    /// leaving.
    fn elaborate_block(
        &mut self,
        block: Block,
        idom: Option<Block>,
        defined: &mut Vec<Value>,
    ) -> Result<(), ElabError> {
        self.start_block(block, idom);
        self.clear_local();
        let skeleton = &self.cx.skeleton;
        let mut first_branch = None;
        let mut new_args: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
        for inst in skeleton.layout.block_insts(block) {
            let opcode = skeleton.dfg.insts[inst].opcode();
            if opcode.is_branch() && first_branch.is_none() {
                first_branch = Some(inst);
            }
            let before = first_branch.unwrap_or(inst);
            new_args.clear();
            for arg in skeleton.dfg.inst_values(inst) {
                let class = self.class_of_value(arg);
                let mut placed = self.elaborate_class(class, before)?;
                self.maybe_remat(&mut placed, class, block, inst);
                new_args.push(placed.value);
            }
            self.emit.set_operands(inst, &new_args);
            if opcode.is_call() {
                // Every caller-saved register dies here: a local class used
                // after the call is recomputed rather than kept across it.
                self.clear_local();
            }
            let depth = self.scoped.depth();
            for &r in skeleton.dfg.inst_results(inst) {
                self.defined.insert(r.index());
                defined.push(r);
                let class = self.class_of_value(r);
                self.scoped
                    .insert_if_absent_at(class, Placed { block, value: r }, depth);
            }
        }
        Ok(())
    }

    /// Is the chosen node of `class` cheap enough to recompute per block?
    /// Mirrors Cranelift's `opts/remat.isle`.
    fn is_remat(&self, class: ClassId) -> bool {
        let n = match self.choice.get(class) {
            Some(n) => n,
            None => return false,
        };
        match self.cx.graph.info(n).kind {
            NodeKind::Inst(op) => match op {
                Opcode::Iconst | Opcode::F32const | Opcode::F64const | Opcode::Bnot => true,
                Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor => self
                    .cx
                    .graph
                    .children(n)
                    .iter()
                    .any(|&k| self.cx.graph.class_const(k).is_some()),
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
            || self.original[class.index()] != Some(placed.value)
        {
            return false;
        }
        let value = match self.remat_copies.get(&(block, class)) {
            Some(&v) => v,
            None => {
                let v = self.emit.copy(placed.value, class, before);
                self.remat_copies.insert((block, class), v);
                v
            }
        };
        *placed = Placed { block, value };
        true
    }

    /// Make `class` available before `before`, computing what is missing.
    fn elaborate_class(&mut self, class: ClassId, before: Inst) -> Result<Placed, ElabError> {
        // The stacks are fields only to keep their allocations from one call
        // to the next; each call starts and ends with them empty.
        let mut tasks = std::mem::take(&mut self.tasks);
        let mut results = std::mem::take(&mut self.results);
        tasks.clear();
        results.clear();
        tasks.push(Task::Start(class));
        let outcome = self.run_tasks(&mut tasks, &mut results, before);
        self.tasks = tasks;
        self.results = results;
        outcome
    }

    fn run_tasks(
        &mut self,
        tasks: &mut Vec<Task>,
        results: &mut Vec<Placed>,
        before: Inst,
    ) -> Result<Placed, ElabError> {
        while let Some(task) = tasks.pop() {
            match task {
                Task::Start(c) => {
                    let known = match self.choice.placement(c) {
                        Placement::Cranelift => self.scoped.get(c),
                        Placement::Local => self.local[c.index()],
                    };
                    if let Some(p) = known {
                        results.push(p);
                        continue;
                    }
                    let n = self.choice.get(c).ok_or(ElabError::Unchosen(c))?;
                    if let Some(v) = self.cx.graph.live_value(n) {
                        results.push(self.live(v, before)?);
                        continue;
                    }
                    let kids = self.cx.graph.children(n);
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
                    if let Some(order) = order {
                        let computed: Vec<Placed> = results[at..].to_vec();
                        for (j, &i) in order.iter().enumerate() {
                            results[at + i] = computed[j];
                        }
                    }
                    let placed = self.place(c, &mut results[at..], before);
                    results.truncate(at);
                    results.push(placed);
                }
            }
        }
        Ok(results.pop().expect("one result"))
    }

    /// A live (skeleton or parameter) value chosen for a class: it must
    /// already be available here.
    fn live(&self, v: Value, before: Inst) -> Result<Placed, ElabError> {
        let skeleton = &self.cx.skeleton;
        let here = skeleton.layout.inst_block(before).expect("placed");
        match skeleton.dfg.value_def(v) {
            ValueDef::Param(b, _) if self.cx.control.domtree.block_dominates(b, here) => {
                Ok(Placed { block: b, value: v })
            }
            ValueDef::Result(inst, _) if self.defined.contains(v.index()) => Ok(Placed {
                block: skeleton
                    .layout
                    .inst_block(inst)
                    .expect("defined results are placed"),
                value: v,
            }),
            _ => Err(ElabError::NotDominated(v)),
        }
    }

    /// Emit the chosen node of `c` with elaborated operands `args`.
    fn place(&mut self, c: ClassId, args: &mut [Placed], before: Inst) -> Placed {
        // Hoist level: the outermost loop in which some operand is defined.
        // With no operands, hoist one level (Cranelift's rule for constants).
        let hoist_level = args
            .iter()
            .map(|a| {
                self.loop_stack
                    .iter()
                    .position(|l| !self.cx.control.loops.is_in_loop(a.block, l.lp))
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
        let skeleton = &self.cx.skeleton;
        let (depth, before, block) = if hoist_level == self.loop_stack.len() {
            let b = skeleton.layout.inst_block(before).expect("placed");
            (self.scoped.depth(), before, b)
        } else {
            let l = &self.loop_stack[hoist_level];
            let last = skeleton
                .layout
                .last_inst(l.hoist_block)
                .expect("terminator");
            (l.scope_depth, last, l.hoist_block)
        };
        let n = self.choice.get(c).expect("placed classes are chosen");
        let mut remat_arg = false;
        for (a, &k) in args.iter_mut().zip(self.cx.graph.children(n)) {
            remat_arg |= self.maybe_remat(a, k, block, before);
        }
        let mut operands = std::mem::take(&mut self.operands);
        operands.clear();
        operands.extend(args.iter().map(|a| a.value));
        let value = self.emit.emit(c, n, &operands, before);
        self.operands = operands;
        let placed = Placed { block, value };
        if !remat_arg {
            self.original[c.index()].get_or_insert(value);
        }
        if local {
            self.local[c.index()] = Some(placed);
            self.local_set.push(c);
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
