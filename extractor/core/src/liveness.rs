//! Register pressure of a CLIF function, as the register allocator will
//! meet it: which values are live where, how many at once per register
//! class, and how many stay live across each call.
//!
//! This is what the `pressure` extractor measures its placements with. It
//! runs on *elaborated* CLIF, i.e. after the choice of nodes and their
//! placement are known, because elaboration — not the choice alone —
//! decides live ranges (see `elaborate.rs`: a value is computed at its first
//! use and reused by every dominated use, possibly far away).
//!
//! The analysis is SSA liveness in two linear steps. First the live-out set
//! of every block, by walking each upward-exposed use back through the
//! predecessors to its definition (block parameters are defined at the top
//! of their block; branch arguments are uses at the branch). Then one
//! backward walk per block that counts the live set after every
//! instruction. Both are linear in the function plus the total length of
//! its live ranges; the earlier dense-bitset fixpoint was quadratic and
//! took longer than elaboration itself on the wasm corpus.
//!
//! Two kinds of excess predict spills:
//!
//! * **Capacity.** More values of a class live at one point than the
//!   target has allocatable registers of that class.
//! * **Calls.** Every register the ABI does not preserve is clobbered by a
//!   call, so each value live across a call beyond the callee-saved count
//!   of its class is spilled before it and reloaded after it. On x86-64
//!   System V no float register is callee-saved at all.

pub use crate::tunables::REUSE_WINDOW;

use crate::schedule::Schedule;
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{Block, Function, Type, Value};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use fixedbitset::FixedBitSet;
use regpress_cost_model::{block_frequency, RegClass, RegisterFile, Target};
use std::ops::Range;

/// The register class a value of type `ty` occupies, and how many
/// registers of it ([`RegClass::of_type`]).
pub fn reg_class(ty: Type) -> (RegClass, u32) {
    RegClass::of_type(ty)
}

/// Registers in use, per class.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Regs {
    /// Integer registers.
    pub int: u32,
    /// Float/vector registers.
    pub float: u32,
}

impl Regs {
    /// Add `n` registers of class `class` (0 integer, 1 float).
    fn add_regs(&mut self, (class, n): (usize, u32)) {
        if class == 0 {
            self.int += n;
        } else {
            self.float += n;
        }
    }

    fn sub_regs(&mut self, (class, n): (usize, u32)) {
        if class == 0 {
            self.int -= n;
        } else {
            self.float -= n;
        }
    }

    fn max(self, o: Regs) -> Regs {
        Regs {
            int: self.int.max(o.int),
            float: self.float.max(o.float),
        }
    }

    /// How far `self` exceeds `limit`, per class (0 where it does not).
    pub fn excess(self, limit: RegisterFile) -> Regs {
        Regs {
            int: self.int.saturating_sub(limit.int),
            float: self.float.saturating_sub(limit.float),
        }
    }

    /// The count for one class.
    pub fn get(self, class: RegClass) -> u32 {
        match class {
            RegClass::Int => self.int,
            RegClass::Float => self.float,
        }
    }
}

/// Register pressure of one block.
#[derive(Clone, Debug, Default)]
pub struct BlockPressure {
    /// Loop depth of the block (0 outside loops).
    pub loop_depth: u32,
    /// Most registers live at once, per class, anywhere in the block.
    pub max_live: Regs,
    /// For each call in the block (by its index in the schedule): the
    /// registers live across it.
    pub across_calls: Vec<(u32, Regs)>,
    /// Expected reloads per class: at each instruction where more values
    /// are live than there are registers, each operand is in memory with
    /// probability `excess / live`, unless it was defined or used at most
    /// [`REUSE_WINDOW`] instructions before.
    pub reloads: [f64; 2],
    /// Expected spills per class: every rise of the excess, walking the
    /// block forwards, evicts that many more values.
    pub spills: [f64; 2],
}

/// Register pressure of a function.
#[derive(Clone, Debug)]
pub struct Pressure {
    /// Per block, in layout order.
    pub blocks: Vec<(Block, BlockPressure)>,
    /// Values live at some point of capacity excess (more values of a class
    /// live than the target has registers). Calls are reported separately,
    /// in [`Pressure::crossings`].
    pub hot: FixedBitSet,
    /// Every call with more values live across it than the callee-saved
    /// registers hold, with those values.
    pub crossings: Vec<Crossing>,
    crossing_values: Vec<Value>,
}

/// A call that clobbers more live values than the callee-saved registers
/// can keep: `excess` of the values live across it (per class) will be
/// spilled before it and reloaded after.
#[derive(Clone, Debug)]
pub struct Crossing {
    /// The block the call is in.
    pub block: Block,
    /// The call's instruction index in the schedule.
    pub inst: u32,
    /// Registers beyond the callee-saved ones, per class.
    pub excess: Regs,
    values: Range<u32>,
}

impl Pressure {
    /// The values live across a crossing call.
    pub fn crossing_values(&self, c: &Crossing) -> &[Value] {
        &self.crossing_values[c.values.start as usize..c.values.end as usize]
    }
}

/// The control flow liveness needs, in flat arrays: each block's
/// predecessors and loop depth. Elaboration adds no blocks, so one `Flow`
/// serves every elaboration of a skeleton.
pub struct Flow {
    pred_start: Vec<u32>,
    preds: Vec<Block>,
    depth: Vec<u32>,
}

impl Flow {
    /// Summarise `func`'s control flow; `cfg` and `loops` must describe it.
    pub fn new(func: &Function, cfg: &ControlFlowGraph, loops: &LoopAnalysis) -> Flow {
        let nb = func.dfg.num_blocks();
        let mut flow = Flow {
            pred_start: Vec::with_capacity(nb + 1),
            preds: Vec::new(),
            depth: vec![0; nb],
        };
        for i in 0..nb {
            let b = Block::new(i);
            flow.pred_start.push(flow.preds.len() as u32);
            if func.layout.is_block_inserted(b) {
                flow.preds.extend(cfg.pred_iter(b).map(|p| p.block));
                flow.depth[i] = loops.loop_level(b).level() as u32;
            }
        }
        flow.pred_start.push(flow.preds.len() as u32);
        flow
    }

    /// The loop depth of block `b` (0 outside loops).
    pub fn depth(&self, b: Block) -> u32 {
        self.depth[b.index()]
    }

    fn preds(&self, b: Block) -> &[Block] {
        let (s, e) = (self.pred_start[b.index()], self.pred_start[b.index() + 1]);
        &self.preds[s as usize..e as usize]
    }
}

impl Pressure {
    /// Analyse `func` for `target`. `cfg` and `loops` must describe it.
    ///
    /// Linear in the size of the function plus the total length of its
    /// live ranges (counted in blocks): live-out sets come from walking
    /// each upward-exposed use back to its definition, and which values are
    /// hot from a count of points of excess (see `HotMarks`), not from
    /// visiting every live value at every such point.
    pub fn analyze(
        func: &Function,
        cfg: &ControlFlowGraph,
        loops: &LoopAnalysis,
        target: Target,
    ) -> Pressure {
        Self::analyze_schedule(
            &Schedule::of_function(func),
            &Flow::new(func, cfg, loops),
            target,
        )
    }

    /// [`Pressure::analyze`] of a [`Schedule`] with the control flow
    /// already summarised: the `pressure` extractor analyses several
    /// elaborations of one skeleton, which all share its blocks.
    pub fn analyze_schedule(s: &Schedule, flow: &Flow, target: Target) -> Pressure {
        let regs = target.registers();
        let saved = callee_saved(target);
        let nv = s.num_values();
        let live_out = live_out_sets(s, flow);
        let mut blocks = Vec::new();
        let mut marks = HotMarks::new(nv);
        let mut live = LiveSet::new(nv);
        let mut crossings = Vec::new();
        let mut crossing_values = Vec::new();
        let mut recent = RecentUses::new();
        for sb in s.blocks() {
            let b = sb.block;
            let depth = flow.depth[b.index()];
            let mut now = Regs::default();
            for &v in live_out.of(b) {
                let v = Value::from_u32(v);
                live.insert(v);
                let r = s.regs(v);
                now.add_regs(r);
                marks.open(v);
            }
            let mut bp = BlockPressure {
                loop_depth: depth,
                max_live: now,
                across_calls: Vec::new(),
                reloads: [0.0; 2],
                spills: [0.0; 2],
            };
            let mut later_excess = now.excess(regs);
            for i in sb.insts.clone().rev() {
                // Walking backwards, a result's live range starts here.
                for &r in s.defs(i) {
                    // A use just after the definition finds it in a register.
                    bp.reloads[s.regs(r).0] -= recent.touch(r, i);
                    if live.remove(r) {
                        let regs = s.regs(r);
                        now.sub_regs(regs);
                        marks.close(r);
                    }
                }
                if s.is_call(i) {
                    bp.across_calls.push((i, now));
                    let excess = now.excess(saved);
                    if excess != Regs::default() {
                        let start = crossing_values.len() as u32;
                        crossing_values.extend_from_slice(live.members());
                        crossings.push(Crossing {
                            block: b,
                            inst: i,
                            excess,
                            values: start..crossing_values.len() as u32,
                        });
                    }
                }
                for &v in s.uses(i) {
                    if live.insert(v) {
                        let r = s.regs(v);
                        now.add_regs(r);
                        marks.open(v);
                    }
                }
                bp.max_live = bp.max_live.max(now);
                let excess = now.excess(regs);
                // Each operand is in memory with probability excess / live
                // for its class, unless it was defined or used just before:
                // the charge is taken back when the walk meets that touch.
                let mut odds = [0.0; 2];
                if excess != Regs::default() {
                    marks.point();
                    odds = [
                        excess.int as f64 / now.int.max(1) as f64,
                        excess.float as f64 / now.float.max(1) as f64,
                    ];
                }
                for &v in s.uses(i) {
                    let k = s.regs(v).0;
                    bp.reloads[k] += odds[k] - recent.touch(v, i);
                    recent.charge(v, i, odds[k]);
                }
                for (k, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
                    bp.spills[k] +=
                        later_excess.get(class).saturating_sub(excess.get(class)) as f64;
                }
                later_excess = excess;
            }
            // What is still live at the top of the block is live-in.
            for v in live.drain() {
                marks.close(v);
            }
            blocks.push((b, bp));
        }
        Pressure {
            blocks,
            hot: marks.hot,
            crossings,
            crossing_values,
        }
    }

    /// The expected cost of spilling under this pressure on `target`, in
    /// the cost model's cycles weighted by block frequency: the expected
    /// spills and reloads of capacity excess in each block, and one spill
    /// and one reload per register live across a call beyond the
    /// callee-saved ones.
    pub fn spill_cost(&self, target: Target) -> f64 {
        let saved = callee_saved(target);
        let mut total = 0.0;
        for (_, bp) in &self.blocks {
            let freq = block_frequency(bp.loop_depth) as f64;
            for (i, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
                let spill = target.spill_cost(class).scalar() as f64;
                let reload = target.reload_cost(class).scalar() as f64;
                let mut cost = bp.spills[i] * spill + bp.reloads[i] * reload;
                for (_, across) in &bp.across_calls {
                    cost += across.excess(saved).get(class) as f64 * (spill + reload);
                }
                total += freq * cost;
            }
        }
        total
    }
}

/// Registers a callee preserves, per class, as Cranelift's ABIs define
/// them: x86-64 System V keeps `rbx` and `r12`–`r15` (`rbp` is the frame
/// pointer, which wasmtime's settings preserve) and no XMM register;
/// AAPCS64 keeps `x19`–`x28` (`x29` is the frame pointer) and the low 64
/// bits of `v8`–`v15`, enough for any scalar float.
pub fn callee_saved(target: Target) -> RegisterFile {
    match target {
        Target::X86_64 => RegisterFile { int: 5, float: 0 },
        Target::Aarch64 => RegisterFile { int: 10, float: 8 },
    }
}

/// The charged uses the backward walk met in the last [`REUSE_WINDOW`]
/// instructions, so that an earlier touch of the same value (definition or
/// use) can take the charge back. A small direct-mapped table indexed by
/// value number: the window holds a few operands. Over the wasm corpus an
/// array over every value, allocated per analysis, cost 5% of `pressure`'s
/// time, and a list of the window's touches, trimmed at each instruction,
/// 3% more than this table (callgrind). Two values of the window that
/// share a slot lose the older charge's refund; with 256 slots and a
/// handful of operands in a window that is rare (the results on the
/// kernels, filetests and wasm corpus are those of the list), and it only
/// leaves the estimate where it was before the window existed.
struct RecentUses {
    /// Per slot: (value, instruction, charge); instruction `u32::MAX` when
    /// empty.
    slots: [(u32, u32, f64); Self::SLOTS],
}

impl RecentUses {
    const SLOTS: usize = 256;

    fn new() -> Self {
        RecentUses {
            slots: [(0, u32::MAX, 0.0); Self::SLOTS],
        }
    }

    /// `v` is touched at `i`: the charge of a later use of `v` within the
    /// window, which this touch takes back (and forgets). The walk visits
    /// blocks in layout order and each backwards, and instruction indices
    /// grow through the layout, so a recorded use at or after `i` and no
    /// further than the window is in this block.
    fn touch(&mut self, v: Value, i: u32) -> f64 {
        let slot = &mut self.slots[v.index() % Self::SLOTS];
        if slot.0 == v.as_u32() && slot.1 >= i && slot.1 - i <= REUSE_WINDOW {
            slot.1 = u32::MAX;
            slot.2
        } else {
            0.0
        }
    }

    /// Record that the use of `v` at `i` was charged `charge`.
    fn charge(&mut self, v: Value, i: u32, charge: f64) {
        if charge > 0.0 {
            self.slots[v.index() % Self::SLOTS] = (v.as_u32(), i, charge);
        }
    }
}

/// Which values are live at some point of excess.
///
/// Marking every live value at every such point is quadratic on the large
/// straight-line blocks of the corpus. Instead, points of excess are
/// counted, and a value is hot if the count moved between the ends of one
/// of its live intervals (the backward walk opens an interval at a value's
/// last use and closes it at its definition or the top of the block).
struct HotMarks {
    /// Points of excess so far.
    points: u64,
    /// For each value with an open interval: `points` when it was opened.
    opened: Vec<u64>,
    hot: FixedBitSet,
}

impl HotMarks {
    fn new(nv: usize) -> Self {
        HotMarks {
            points: 0,
            opened: vec![0; nv],
            hot: FixedBitSet::with_capacity(nv),
        }
    }

    fn open(&mut self, v: Value) {
        self.opened[v.index()] = self.points;
    }

    fn close(&mut self, v: Value) {
        if self.points > self.opened[v.index()] {
            self.hot.insert(v.index());
        }
    }

    /// A point of excess: every value live here is hot.
    fn point(&mut self) {
        self.points += 1;
    }
}

/// A set of values with constant-time insertion, removal and clearing
/// (a sparse set: dense members, and each member's position).
struct LiveSet {
    members: Vec<Value>,
    position: Vec<u32>,
}

impl LiveSet {
    const ABSENT: u32 = u32::MAX;

    fn new(nv: usize) -> Self {
        LiveSet {
            members: Vec::new(),
            position: vec![Self::ABSENT; nv],
        }
    }

    /// Insert `v`; says whether it was absent.
    fn insert(&mut self, v: Value) -> bool {
        if self.position[v.index()] != Self::ABSENT {
            return false;
        }
        self.position[v.index()] = self.members.len() as u32;
        self.members.push(v);
        true
    }

    /// Remove `v`; says whether it was present.
    fn remove(&mut self, v: Value) -> bool {
        let at = self.position[v.index()];
        if at == Self::ABSENT {
            return false;
        }
        self.position[v.index()] = Self::ABSENT;
        let last = self.members.pop().expect("a present member");
        if last != v {
            self.members[at as usize] = last;
            self.position[last.index()] = at;
        }
        true
    }

    /// The members, in no particular order.
    fn members(&self) -> &[Value] {
        &self.members
    }

    /// Empty the set, yielding its members.
    fn drain(&mut self) -> impl Iterator<Item = Value> + '_ {
        for v in &self.members {
            self.position[v.index()] = Self::ABSENT;
        }
        self.members.drain(..)
    }
}

/// The values live out of each block, by a backward dataflow over the
/// *global* values only: those used in some block other than the one that
/// defines them (a value used only where it is defined never crosses a
/// block boundary). Globals are numbered densely, so each block's sets are
/// a few words however many values the data-flow graph holds, and a
/// worklist propagates live-in sets to predecessors until nothing changes.
///
/// Two earlier forms were slower on the wasm corpus: dense bitsets over
/// every value of the function (its data-flow graph keeps every value the
/// import ever saw, three times as many as the schedule names), and
/// walking each upward-exposed use back to its definition, whose cost is a
/// value's live range times the predecessors of each block on it (large
/// `br_table` joins have a thousand).
///
/// A block's parameters are defined at its top, so they are never live
/// into it; the branch arguments that feed them are uses in the
/// predecessor.
/// No index.
const NIL: u32 = u32::MAX;

fn live_out_sets(s: &Schedule, flow: &Flow) -> LiveOut {
    let nb = flow.depth.len();
    let nv = s.num_values();
    // Where each value is defined, and the globals, numbered as found.
    let mut def_block: Vec<u32> = vec![u32::MAX; nv];
    let mut global: Vec<u32> = vec![NIL; nv];
    let mut globals: Vec<Value> = Vec::new();
    for sb in s.blocks() {
        let bi = sb.block.as_u32();
        for &p in s.params(sb) {
            def_block[p.index()] = bi;
        }
        for i in sb.insts.clone() {
            for &v in s.uses(i) {
                if def_block[v.index()] != bi && global[v.index()] == NIL {
                    global[v.index()] = globals.len() as u32;
                    globals.push(v);
                }
            }
            for &r in s.defs(i) {
                def_block[r.index()] = bi;
            }
        }
    }
    let words = globals.len().div_ceil(64);
    // gen: globals used in the block before any definition there (in SSA,
    // every use of a global outside its defining block); kill: globals
    // defined in the block.
    let mut gen = vec![0u64; nb * words];
    let mut kill = vec![0u64; nb * words];
    for sb in s.blocks() {
        let base = sb.block.index() * words;
        let bi = sb.block.as_u32();
        let set = |bits: &mut [u64], v: Value| {
            let g = global[v.index()];
            if g != NIL {
                bits[base + g as usize / 64] |= 1 << (g % 64);
            }
        };
        for &p in s.params(sb) {
            set(&mut kill, p);
        }
        for i in sb.insts.clone() {
            for &v in s.uses(i) {
                if def_block[v.index()] != bi {
                    set(&mut gen, v);
                }
            }
            for &r in s.defs(i) {
                set(&mut kill, r);
            }
        }
    }
    let mut live_in = gen.clone();
    let mut live_out = vec![0u64; nb * words];
    // Blocks in reverse layout order, roughly a post-order, so most
    // information flows in one sweep.
    let mut work: Vec<Block> = s.blocks().iter().map(|sb| sb.block).collect();
    let mut queued = vec![true; nb];
    while let Some(b) = work.pop() {
        queued[b.index()] = false;
        for &p in flow.preds(b) {
            let mut grew = false;
            let (pb, bb) = (p.index() * words, b.index() * words);
            for w in 0..words {
                let out = live_out[pb + w];
                let merged = out | live_in[bb + w];
                if merged != out {
                    live_out[pb + w] = merged;
                    // Only what the predecessor does not define flows on.
                    let before = live_in[pb + w];
                    let after = before | (merged & !kill[pb + w]);
                    if after != before {
                        live_in[pb + w] = after;
                        grew = true;
                    }
                }
            }
            if grew && !std::mem::replace(&mut queued[p.index()], true) {
                work.push(p);
            }
        }
    }
    // Each block's live-out values, in one array.
    let mut start = Vec::with_capacity(nb + 1);
    let mut values = Vec::new();
    for b in 0..nb {
        start.push(values.len() as u32);
        for (w, &bits) in live_out[b * words..(b + 1) * words].iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let g = w * 64 + bits.trailing_zeros() as usize;
                values.push(globals[g].as_u32());
                bits &= bits - 1;
            }
        }
    }
    start.push(values.len() as u32);
    LiveOut { start, values }
}

/// The live-out set of every block, in one array, to spare a small vector
/// per block.
struct LiveOut {
    start: Vec<u32>,
    values: Vec<u32>,
}

impl LiveOut {
    fn of(&self, b: Block) -> &[u32] {
        let (s, e) = (self.start[b.index()], self.start[b.index() + 1]);
        &self.values[s as usize..e as usize]
    }
}
