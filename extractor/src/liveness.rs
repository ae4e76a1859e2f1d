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
//! The analysis is classic SSA liveness: a backward dataflow over blocks to
//! a fixpoint (live-in = uses ∪ (live-out − defs); live-out = the union of
//! the successors' live-ins, block parameters excluded, branch arguments
//! counted as uses at the branch), then one backward walk per block that
//! counts the live set after every instruction.
//!
//! Two kinds of excess predict spills:
//!
//! * **Capacity.** More values of a class live at one point than the
//!   target has allocatable registers of that class.
//! * **Calls.** Every register the ABI does not preserve is clobbered by a
//!   call, so each value live across a call beyond the callee-saved count
//!   of its class is spilled before it and reloaded after it. On x86-64
//!   System V no float register is callee-saved at all.

use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::{Block, Function, Inst, Type, Value};
use cranelift_codegen::loop_analysis::LoopAnalysis;
use fixedbitset::FixedBitSet;
use regpress_cost_model::{block_frequency, RegClass, RegisterFile, Target};

/// The register class a value of type `ty` occupies, and how many
/// registers of it. `i128` takes two integer registers; vectors and floats
/// one float register.
pub fn reg_class(ty: Type) -> (RegClass, u32) {
    if ty.is_float() || ty.is_vector() {
        (RegClass::Float, 1)
    } else if ty.bits() > 64 {
        (RegClass::Int, 2)
    } else {
        (RegClass::Int, 1)
    }
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
    fn add(&mut self, ty: Type) {
        match reg_class(ty) {
            (RegClass::Int, n) => self.int += n,
            (RegClass::Float, n) => self.float += n,
        }
    }

    fn sub(&mut self, ty: Type) {
        match reg_class(ty) {
            (RegClass::Int, n) => self.int -= n,
            (RegClass::Float, n) => self.float -= n,
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
    /// For each call in the block: the registers live across it.
    pub across_calls: Vec<(Inst, Regs)>,
    /// Expected reloads per class: at each instruction where more values
    /// are live than there are registers, each operand is in memory with
    /// probability `excess / live`.
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
    /// Values live at some point of capacity excess, or across a call beyond
    /// the callee-saved registers: the values whose live ranges make spills.
    pub hot: FixedBitSet,
    /// For each value (by index), the expected spill cost its live range
    /// carries, frequency-weighted: at a point with `e` registers of excess
    /// among `l` live, each live value of that class is the one spilled
    /// with probability `e / l`.
    pub hotness: Vec<f64>,
}

impl Pressure {
    /// Analyse `func` for `target`. `cfg` and `loops` must describe it.
    pub fn analyze(
        func: &Function,
        cfg: &ControlFlowGraph,
        loops: &LoopAnalysis,
        target: Target,
    ) -> Pressure {
        let regs = target.registers();
        let saved = callee_saved(target);
        let nv = func.dfg.num_values();
        let nb = func.dfg.num_blocks();
        let mut uses = vec![FixedBitSet::with_capacity(nv); nb];
        let mut defs = vec![FixedBitSet::with_capacity(nv); nb];
        for b in func.layout.blocks() {
            let (u, d) = (&mut uses[b.index()], &mut defs[b.index()]);
            for &p in func.dfg.block_params(b) {
                d.insert(p.index());
            }
            for inst in func.layout.block_insts(b) {
                for v in func.dfg.inst_values(inst) {
                    let v = func.dfg.resolve_aliases(v);
                    if !d.contains(v.index()) {
                        u.insert(v.index());
                    }
                }
                for &r in func.dfg.inst_results(inst) {
                    d.insert(r.index());
                }
            }
        }
        // Post-order over the CFG makes the backward problem converge in a
        // few sweeps (one more than the loop nesting depth).
        let order: Vec<Block> = post_order(func, cfg);
        let mut live_in = vec![FixedBitSet::with_capacity(nv); nb];
        let mut live_out = vec![FixedBitSet::with_capacity(nv); nb];
        let mut changed = true;
        while changed {
            changed = false;
            for &b in &order {
                let mut out = FixedBitSet::with_capacity(nv);
                for s in cfg.succ_iter(b) {
                    out.union_with(&live_in[s.index()]);
                    for &p in func.dfg.block_params(s) {
                        out.set(p.index(), false);
                    }
                }
                let mut inn = out.clone();
                inn.difference_with(&defs[b.index()]);
                inn.union_with(&uses[b.index()]);
                if inn != live_in[b.index()] {
                    live_in[b.index()] = inn;
                    changed = true;
                }
                live_out[b.index()] = out;
            }
        }
        let mut blocks = Vec::new();
        let mut hot = FixedBitSet::with_capacity(nv);
        let mut hotness = vec![0.0f64; nv];
        let class_index = |ty: Type| match reg_class(ty).0 {
            RegClass::Int => 0,
            RegClass::Float => 1,
        };
        let per = |class: RegClass| {
            (
                target.spill_cost(class).scalar() as f64,
                target.reload_cost(class).scalar() as f64,
            )
        };
        let costs = [per(RegClass::Int), per(RegClass::Float)];
        // Charge every live value of a class its share of an excess.
        let mut charge = |live: &FixedBitSet, excess: Regs, now: Regs, weight: [f64; 2]| {
            for v in live.ones() {
                let i = class_index(func.dfg.value_type(Value::from_u32(v as u32)));
                let class = [RegClass::Int, RegClass::Float][i];
                let (e, l) = (excess.get(class) as f64, now.get(class) as f64);
                if e > 0.0 {
                    hotness[v] += weight[i] * e / l;
                }
            }
        };
        for b in func.layout.blocks() {
            let freq = block_frequency(loops.loop_level(b).level() as u32) as f64;
            let mut live = live_out[b.index()].clone();
            let mut now = Regs::default();
            for v in live.ones() {
                now.add(func.dfg.value_type(Value::from_u32(v as u32)));
            }
            let mut bp = BlockPressure {
                loop_depth: loops.loop_level(b).level() as u32,
                max_live: now,
                across_calls: Vec::new(),
                reloads: [0.0; 2],
                spills: [0.0; 2],
            };
            let mut later_excess = now.excess(regs);
            for inst in func.layout.block_insts(b).rev() {
                for &r in func.dfg.inst_results(inst) {
                    if live.contains(r.index()) {
                        live.set(r.index(), false);
                        now.sub(func.dfg.value_type(r));
                    }
                }
                if func.dfg.insts[inst].opcode().is_call() {
                    bp.across_calls.push((inst, now));
                    if now.excess(saved) != Regs::default() {
                        hot.union_with(&live);
                        let w = [
                            freq * (costs[0].0 + costs[0].1),
                            freq * (costs[1].0 + costs[1].1),
                        ];
                        charge(&live, now.excess(saved), now, w);
                    }
                }
                for v in func.dfg.inst_values(inst) {
                    let v = func.dfg.resolve_aliases(v);
                    if !live.contains(v.index()) {
                        live.insert(v.index());
                        now.add(func.dfg.value_type(v));
                    }
                }
                bp.max_live = bp.max_live.max(now);
                let excess = now.excess(regs);
                if excess != Regs::default() {
                    hot.union_with(&live);
                    charge(&live, excess, now, [freq * costs[0].1, freq * costs[1].1]);
                    for (i, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
                        let (e, l) = (excess.get(class) as f64, now.get(class) as f64);
                        if e > 0.0 {
                            let uses = func
                                .dfg
                                .inst_values(inst)
                                .filter(|&v| reg_class(func.dfg.value_type(v)).0 == class)
                                .count() as f64;
                            bp.reloads[i] += uses * e / l;
                        }
                    }
                }
                for (i, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
                    bp.spills[i] +=
                        later_excess.get(class).saturating_sub(excess.get(class)) as f64;
                }
                later_excess = excess;
            }
            blocks.push((b, bp));
        }
        Pressure {
            blocks,
            hot,
            hotness,
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

/// Blocks reachable from the entry, in CFG post-order.
fn post_order(func: &Function, cfg: &ControlFlowGraph) -> Vec<Block> {
    let Some(entry) = func.layout.entry_block() else {
        return Vec::new();
    };
    let mut seen = FixedBitSet::with_capacity(func.dfg.num_blocks());
    let mut order = Vec::new();
    let mut stack: Vec<(Block, bool)> = vec![(entry, false)];
    while let Some((b, done)) = stack.pop() {
        if done {
            order.push(b);
            continue;
        }
        if seen.contains(b.index()) {
            continue;
        }
        seen.insert(b.index());
        stack.push((b, true));
        for s in cfg.succ_iter(b) {
            if !seen.contains(s.index()) {
                stack.push((s, false));
            }
        }
    }
    order
}
