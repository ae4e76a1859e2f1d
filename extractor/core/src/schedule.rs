//! A schedule: an elaborated function as register pressure sees it.
//!
//! Liveness needs only the order of instructions in each block, the values
//! each defines and uses, which instructions are calls, and each value's
//! type (its register class). A [`Schedule`] is exactly that, in flat
//! arrays.
//!
//! It exists because the `pressure` extractor elaborates and measures
//! several choices per function. Building CLIF for each (cloning the
//! skeleton, interning instruction data, growing the data-flow graph, linking
//! the layout) cost more than the liveness analysis itself. The elaborator
//! writes a schedule through the same [`Emit`] interface it uses for CLIF
//! ([`ScheduleBuilder`]), so a schedule lists the instructions of the
//! function the pipeline would emit for the same choice, in the same order,
//! with the same value numbers (`tests/schedule.rs` checks this against
//! [`Schedule::of_function`] of the CLIF).

use crate::emit::Emit;
use crate::graph::{ClassId, ExtractionGraph, NodeId};
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::{Block, Function, Inst, Type, Value};
use regpress_cost_model::RegClass;
use std::ops::Range;

/// One instruction of a schedule.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Entry {
    /// Start of its uses in [`Schedule::uses`]; they end where the next
    /// entry's begin.
    uses: u32,
    /// Start of its definitions in [`Schedule::defs`].
    defs: u32,
    /// Whether it is a call (clobbers the caller-saved registers).
    call: bool,
    /// The class a pure instruction computes; `None` for skeleton
    /// instructions.
    class: Option<ClassId>,
}

/// A block of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledBlock {
    /// The block.
    pub block: Block,
    /// Its parameters, as a range of [`Schedule::params`].
    params: Range<u32>,
    /// Its instructions, as a range of instruction indices.
    pub insts: Range<u32>,
}

/// An elaborated function as register pressure sees it. See the module
/// documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    blocks: Vec<ScheduledBlock>,
    params: Vec<Value>,
    /// One entry per instruction, plus a sentinel closing the last ranges.
    entries: Vec<Entry>,
    uses: Vec<Value>,
    defs: Vec<Value>,
    /// Per value: the registers it occupies ([`RegClass::of_type`] of its type), as
    /// [`encode_regs`] packs them.
    regs: Vec<u8>,
}

/// The registers a value of type `ty` occupies, packed in a byte:
/// `class index << 4 | count` (class 0 integer, 1 float and vector).
pub fn encode_regs(ty: Type) -> u8 {
    let (class, n) = RegClass::of_type(ty);
    let i = match class {
        RegClass::Int => 0,
        RegClass::Float => 1,
    };
    (i << 4) | n as u8
}

/// [`encode_regs`] of the values `func`'s layout names (block parameters,
/// operands and results), by value index; 0 for the others, which a
/// schedule never names.
pub fn named_value_regs(func: &Function) -> Vec<u8> {
    let mut regs = vec![0u8; func.dfg.num_values()];
    let mut name = |v: Value| regs[v.index()] = encode_regs(func.dfg.value_type(v));
    for block in func.layout.blocks() {
        func.dfg.block_params(block).iter().for_each(|&p| name(p));
        for inst in func.layout.block_insts(block) {
            func.dfg
                .inst_values(inst)
                .for_each(|v| name(func.dfg.resolve_aliases(v)));
            func.dfg.inst_results(inst).iter().for_each(|&r| name(r));
        }
    }
    regs
}

impl Schedule {
    fn empty(regs: Vec<u8>) -> Self {
        Schedule {
            blocks: Vec::new(),
            params: Vec::new(),
            entries: Vec::new(),
            uses: Vec::new(),
            defs: Vec::new(),
            regs,
        }
    }

    /// The schedule of any CLIF function: its layout, with aliases resolved.
    pub fn of_function(func: &Function) -> Schedule {
        let mut s = Schedule::empty(named_value_regs(func));
        for block in func.layout.blocks() {
            s.begin_block(block, func.dfg.block_params(block));
            for inst in func.layout.block_insts(block) {
                let uses = func
                    .dfg
                    .inst_values(inst)
                    .map(|v| func.dfg.resolve_aliases(v));
                let call = func.dfg.insts[inst].opcode().is_call();
                s.push(uses, func.dfg.inst_results(inst), call, None);
            }
        }
        s.finish()
    }

    fn begin_block(&mut self, block: Block, params: &[Value]) {
        let start = self.params.len() as u32;
        self.params.extend_from_slice(params);
        let at = self.entries.len() as u32;
        self.blocks.push(ScheduledBlock {
            block,
            params: start..self.params.len() as u32,
            insts: at..at,
        });
    }

    fn push(
        &mut self,
        uses: impl IntoIterator<Item = Value>,
        defs: &[Value],
        call: bool,
        class: Option<ClassId>,
    ) {
        self.entries.push(Entry {
            uses: self.uses.len() as u32,
            defs: self.defs.len() as u32,
            call,
            class,
        });
        self.uses.extend(uses);
        self.defs.extend_from_slice(defs);
        self.blocks.last_mut().expect("a block was begun").insts.end += 1;
    }

    fn finish(mut self) -> Schedule {
        self.entries.push(Entry {
            uses: self.uses.len() as u32,
            defs: self.defs.len() as u32,
            call: false,
            class: None,
        });
        self
    }

    /// The blocks, in layout order.
    pub fn blocks(&self) -> &[ScheduledBlock] {
        &self.blocks
    }

    /// The parameters of a block.
    pub fn params(&self, b: &ScheduledBlock) -> &[Value] {
        &self.params[b.params.start as usize..b.params.end as usize]
    }

    /// Number of instructions.
    pub fn num_insts(&self) -> usize {
        self.entries.len().saturating_sub(1)
    }

    /// The values instruction `i` uses (a value used twice appears twice).
    pub fn uses(&self, i: u32) -> &[Value] {
        let (s, e) = (
            self.entries[i as usize].uses,
            self.entries[i as usize + 1].uses,
        );
        &self.uses[s as usize..e as usize]
    }

    /// The values instruction `i` defines.
    pub fn defs(&self, i: u32) -> &[Value] {
        let (s, e) = (
            self.entries[i as usize].defs,
            self.entries[i as usize + 1].defs,
        );
        &self.defs[s as usize..e as usize]
    }

    /// Whether instruction `i` is a call.
    pub fn is_call(&self, i: u32) -> bool {
        self.entries[i as usize].call
    }

    /// The class a pure instruction computes (`None` for the skeleton's, and
    /// for every instruction of [`Schedule::of_function`]).
    pub fn class(&self, i: u32) -> Option<ClassId> {
        self.entries[i as usize].class
    }

    /// Number of operand uses, over all instructions.
    pub fn num_uses(&self) -> usize {
        self.uses.len()
    }

    /// Drop the class of every pure instruction, as if it had been read
    /// from CLIF (to compare with [`Schedule::of_function`]).
    pub fn forget_classes(&mut self) {
        for e in &mut self.entries {
            e.class = None;
        }
    }

    /// Number of values (an upper bound on value indices).
    pub fn num_values(&self) -> usize {
        self.regs.len()
    }

    /// The registers a value occupies: its class (0 integer, 1 float and
    /// vector) and how many ([`RegClass::of_type`]).
    pub fn regs(&self, v: Value) -> (usize, u32) {
        let r = self.regs[v.index()];
        (usize::from(r >> 4), u32::from(r & 0xf))
    }
}

/// A pure instruction emitted before a skeleton instruction, not yet in
/// order.
struct Pending {
    class: ClassId,
    uses: Range<u32>,
    /// The next instruction emitted before the same skeleton instruction.
    next: u32,
}

const NONE: u32 = u32::MAX;

/// Builds a [`Schedule`] as elaboration emits, numbering new values as
/// CLIF would (after the skeleton's, in emission order).
///
/// Elaboration emits out of order: LICM places values at the end of a loop's
/// hoist block, which was elaborated earlier. Each skeleton instruction
/// therefore keeps a list of the pure instructions emitted before it, in
/// emission order, as CLIF's layout would insert them; [`Self::finish`]
/// walks the skeleton and splices the lists in.
pub struct ScheduleBuilder<'a> {
    skeleton: &'a Function,
    /// The registers of the skeleton's block parameters and results.
    skeleton_regs: &'a [u8],
    graph: &'a ExtractionGraph,
    base: u32,
    pending: Vec<Pending>,
    pending_uses: Vec<Value>,
    /// Per skeleton instruction: first and last pending entry before it.
    before: Vec<(u32, u32)>,
    /// Per skeleton instruction: its new operands, as a range of
    /// `operands`, once elaboration set them.
    set: Vec<Option<Range<u32>>>,
    operands: Vec<Value>,
}

impl<'a> ScheduleBuilder<'a> {
    /// A builder for elaborations of `skeleton` in `graph`;
    /// `skeleton_regs` holds [`encode_regs`] of the skeleton's block
    /// parameters and results.
    pub fn new(
        skeleton: &'a Function,
        skeleton_regs: &'a [u8],
        graph: &'a ExtractionGraph,
    ) -> Self {
        let ni = skeleton.dfg.num_insts();
        ScheduleBuilder {
            skeleton,
            skeleton_regs,
            graph,
            base: skeleton.dfg.num_values() as u32,
            pending: Vec::new(),
            pending_uses: Vec::new(),
            before: vec![(NONE, NONE); ni],
            set: vec![None; ni],
            operands: Vec::new(),
        }
    }

    fn append(&mut self, class: ClassId, uses: Range<u32>, before: Inst) -> Value {
        let index = self.pending.len() as u32;
        self.pending.push(Pending {
            class,
            uses,
            next: NONE,
        });
        let list = &mut self.before[before.index()];
        if list.0 == NONE {
            list.0 = index;
        } else {
            self.pending[list.1 as usize].next = index;
        }
        list.1 = index;
        Value::from_u32(self.base + index)
    }

    /// The schedule, in layout order.
    pub fn finish(self) -> Schedule {
        let func = self.skeleton;
        let mut regs = Vec::with_capacity(self.skeleton_regs.len() + self.pending.len());
        regs.extend_from_slice(self.skeleton_regs);
        regs.extend(
            self.pending
                .iter()
                .map(|p| encode_regs(self.graph.class_type(p.class))),
        );
        let mut s = Schedule::empty(regs);
        s.entries
            .reserve(func.dfg.num_insts() + self.pending.len() + 1);
        s.uses
            .reserve(self.operands.len() + self.pending_uses.len());
        s.defs.reserve(func.dfg.num_values() + self.pending.len());
        for block in func.layout.blocks() {
            s.begin_block(block, func.dfg.block_params(block));
            for inst in func.layout.block_insts(block) {
                let mut at = self.before[inst.index()].0;
                while at != NONE {
                    let p = &self.pending[at as usize];
                    let uses = &self.pending_uses[p.uses.start as usize..p.uses.end as usize];
                    let def = Value::from_u32(self.base + at);
                    s.push(uses.iter().copied(), &[def], false, Some(p.class));
                    at = p.next;
                }
                let call = func.dfg.insts[inst].opcode().is_call();
                let results = func.dfg.inst_results(inst);
                match &self.set[inst.index()] {
                    Some(r) => {
                        let uses = &self.operands[r.start as usize..r.end as usize];
                        s.push(uses.iter().copied(), results, call, None);
                    }
                    None => {
                        // Not elaborated (a block elaboration never
                        // reached): the skeleton's own operands.
                        let uses: Vec<Value> = func
                            .dfg
                            .inst_values(inst)
                            .map(|v| func.dfg.resolve_aliases(v))
                            .collect();
                        for &v in &uses {
                            s.regs[v.index()] = encode_regs(func.dfg.value_type(v));
                        }
                        s.push(uses, results, call, None);
                    }
                }
            }
        }
        s.finish()
    }
}

impl Emit for ScheduleBuilder<'_> {
    #[inline]
    fn emit(&mut self, c: ClassId, _n: NodeId, args: &[Value], before: Inst) -> Value {
        let start = self.pending_uses.len() as u32;
        self.pending_uses.extend_from_slice(args);
        let end = self.pending_uses.len() as u32;
        self.append(c, start..end, before)
    }

    fn copy(&mut self, v: Value, c: ClassId, before: Inst) -> Value {
        let uses = self.pending[(v.as_u32() - self.base) as usize].uses.clone();
        self.append(c, uses, before)
    }

    fn set_operands(&mut self, inst: Inst, args: &[Value]) {
        let start = self.operands.len() as u32;
        self.operands.extend_from_slice(args);
        self.set[inst.index()] = Some(start..self.operands.len() as u32);
    }
}
