//! Skeleton simplification, after saturation: what Cranelift's
//! `opts/skeleton.isle` does to side-effecting instructions.
//!
//! Skeleton instructions are not in the e-graph, so they are not rewritten
//! by rules. Instead, once the e-graph has learnt what it can, we look at
//! each conditional branch and trap and ask its condition's class:
//!
//! * a known constant: `brif` becomes a `jump`; a trap that can never fire
//!   is removed;
//! * a "truthy" form (`uextend x`, `sextend x`, `bmask x`, `ineg x`,
//!   `bswap x`, `bitrev x`, `popcnt x`, `rotl/rotr x _`, `icmp ne x 0`,
//!   `select x k 0` with `k ≠ 0`): test `x` instead;
//! * a branch to a block that only traps becomes a conditional trap and a
//!   jump;
//! * a branch on `ctz x`/`clz x` tests the low bit / the sign of `x`.
//!
//! Other skeleton instructions that cannot trap are replaced by pure values:
//! divisions and remainders by constants ([`crate::division`]),
//! `uadd_overflow_trap` of constants whose sum fits or of two zero-extended
//! values; and a `br_table` on a constant index becomes a jump.
//!
//! Rewriting a branch can make blocks unreachable; we remove them, as
//! Cranelift does, so that elaboration sees the new CFG.

use crate::import::Imported;
use crate::lang::{mask, ClassKind, ClifNode, Op};
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    Block, BlockCall, Function, Inst, InstBuilder, InstructionData, Opcode, TrapCode, Type, Value,
};
use egg::Id;
use std::collections::HashMap;

/// Counts of what was simplified.
#[derive(Copy, Clone, Debug, Default, serde::Serialize)]
pub struct SkeletonStats {
    /// Branches and traps with a constant condition resolved.
    pub constant: usize,
    /// Conditions replaced by a truthy operand.
    pub truthy: usize,
    /// Branches to trap-only blocks turned into conditional traps.
    pub to_trap: usize,
    /// Divisions and remainders by a constant replaced by arithmetic.
    pub division: usize,
    /// `uadd_overflow_trap`s that cannot trap, replaced by an add.
    pub add_trap: usize,
    /// `br_table`s on a constant index turned into jumps.
    pub br_table: usize,
    /// Branches on `ctz`/`clz` turned into bit tests.
    pub count_zeros: usize,
    /// Loads replaced by an earlier load or store of the same address, and
    /// stores removed as dead or idempotent, found by Cranelift's alias
    /// analysis once rewriting has made equal addresses one value.
    pub memory: usize,
}

impl std::ops::AddAssign for SkeletonStats {
    fn add_assign(&mut self, o: SkeletonStats) {
        self.constant += o.constant;
        self.truthy += o.truthy;
        self.to_trap += o.to_trap;
        self.division += o.division;
        self.add_trap += o.add_trap;
        self.br_table += o.br_table;
        self.count_zeros += o.count_zeros;
        self.memory += o.memory;
    }
}

/// Simplify the skeleton of `imported` in place.
pub fn simplify(imported: &mut Imported) -> SkeletonStats {
    // The control flow computed for the old skeleton would not describe
    // the new one.
    imported.control = None;
    let mut stats = SkeletonStats {
        memory: resolve_memory(imported),
        ..SkeletonStats::default()
    };
    // A value naming each class that has one, to re-point conditions at.
    let mut class_value = class_values(imported);
    let mut cfg_changed = false;
    let blocks: Vec<Block> = imported.skeleton.layout.blocks().collect();
    for block in blocks {
        let insts: Vec<Inst> = imported.skeleton.layout.block_insts(block).collect();
        for inst in insts {
            let op = imported.skeleton.dfg.insts[inst].opcode();
            if matches!(
                op,
                Opcode::Udiv | Opcode::Sdiv | Opcode::Urem | Opcode::Srem
            ) {
                if resolve_division(imported, inst) {
                    stats.division += 1;
                }
                continue;
            }
            if op == Opcode::UaddOverflowTrap {
                if resolve_add_trap(imported, inst) {
                    stats.add_trap += 1;
                }
                continue;
            }
            if op == Opcode::BrTable {
                if resolve_br_table(imported, inst) {
                    stats.br_table += 1;
                    cfg_changed = true;
                }
                continue;
            }
            if !matches!(op, Opcode::Brif | Opcode::Trapz | Opcode::Trapnz) {
                continue;
            }
            // Strip truthy wrappers as far as they go. The e-graph may hold
            // cycles of them (`a = uextend b` and `b = ireduce a` merged),
            // so never visit a class twice.
            let mut visited = std::collections::HashSet::new();
            loop {
                let cond = imported.skeleton.dfg.inst_args(inst)[0];
                let class = imported.egraph.find(imported.value_class[&cond]);
                if !visited.insert(class) {
                    break;
                }
                let Some(inner) = truthy(imported, class) else {
                    break;
                };
                let inner = imported.egraph.find(inner);
                let v = match class_value.get(&inner) {
                    Some(&v) => v,
                    None => {
                        // A class the rules made (`uextend (bor a b)` from
                        // `bor (uextend a) (uextend b)`) has no value of
                        // the function yet: give it one, as Cranelift
                        // names every value it builds.
                        let Some(v) = name_class(imported, inner) else {
                            break;
                        };
                        class_value.insert(inner, v);
                        v
                    }
                };
                imported.skeleton.dfg.inst_args_mut(inst)[0] = v;
                stats.truthy += 1;
            }
            let cond = imported.skeleton.dfg.inst_args(inst)[0];
            let konst = imported.egraph[imported.value_class[&cond]].data.konst;
            let func = &mut imported.skeleton;
            match (op, konst) {
                (Opcode::Brif, Some(k)) => {
                    let blocks = destinations(func, inst);
                    let taken = if k != 0 { blocks[0] } else { blocks[1] };
                    set_jump(func, inst, taken);
                    stats.constant += 1;
                    cfg_changed = true;
                }
                (Opcode::Trapz, Some(k)) if k != 0 => {
                    func.layout.remove_inst(inst);
                    stats.constant += 1;
                }
                (Opcode::Trapnz, Some(0)) => {
                    func.layout.remove_inst(inst);
                    stats.constant += 1;
                }
                (Opcode::Brif, None) if branch_to_trap(func, inst) => {
                    stats.to_trap += 1;
                    cfg_changed = true;
                }
                (Opcode::Brif, None) if test_low_or_sign_bit(imported, inst) => {
                    stats.count_zeros += 1;
                }
                _ => {}
            }
        }
    }
    if cfg_changed {
        remove_unreachable(&mut imported.skeleton);
    }
    stats
}

/// A division or remainder by a constant that cannot trap becomes pure
/// arithmetic (see [`crate::division`]). The instruction leaves the
/// skeleton; its result's class is merged with the replacement and its live
/// leaf is marked removed.
fn resolve_division(imported: &mut Imported, inst: Inst) -> bool {
    let func = &imported.skeleton;
    let op = func.dfg.insts[inst].opcode();
    let [x, y] = [0, 1].map(|i| {
        imported
            .egraph
            .find(imported.value_class[&func.dfg.inst_args(inst)[i]])
    });
    let result = func.dfg.first_result(inst);
    let ty = func.dfg.value_type(result);
    let (kx, ky) = (imported.egraph[x].data.konst, imported.egraph[y].data.konst);
    let Some(d) = ky.filter(|_| crate::division::handles(ty)) else {
        return false;
    };
    let Some(replacement) = crate::division::replace(&mut imported.egraph, op, ty, x, kx, d) else {
        return false;
    };
    replace_result(imported, inst, replacement);
    true
}

/// Remove skeleton instruction `inst`, whose single result now lives in
/// class `replacement`.
fn replace_result(imported: &mut Imported, inst: Inst, replacement: Id) {
    let result = imported.skeleton.dfg.first_result(inst);
    let leaf = imported.value_class[&result];
    imported.egraph.union(leaf, replacement);
    imported.egraph.analysis.removed.insert(result);
    imported.egraph.rebuild();
    imported.skeleton.layout.remove_inst(inst);
}

/// The lowest-numbered value naming each e-class that has one.
fn class_values(imported: &Imported) -> HashMap<Id, Value> {
    let mut out: HashMap<Id, Value> = HashMap::new();
    for (&v, &id) in &imported.value_class {
        let e = out.entry(imported.egraph.find(id)).or_insert(v);
        if v.as_u32() < e.as_u32() {
            *e = v;
        }
    }
    out
}

/// A new value of the skeleton's function standing for `class`, defined by
/// an instruction outside the layout, as every pure value of the skeleton
/// is (elaboration computes it from its class). `None` if the class has no
/// value type.
fn name_class(imported: &mut Imported, class: Id) -> Option<Value> {
    let ty = imported.egraph[class].data.value_type()?;
    let dfg = &mut imported.skeleton.dfg;
    // The defining instruction only gives the value its type: nothing
    // reads it, since the value's class decides what is elaborated.
    let inst = dfg.make_inst(cranelift_codegen::ir::InstructionData::UnaryImm {
        opcode: Opcode::Iconst,
        imm: 0.into(),
    });
    dfg.make_inst_results(inst, ty);
    let v = dfg.first_result(inst);
    imported.value_class.insert(v, class);
    Some(v)
}

/// Redundant loads and dead stores, as Cranelift's mid-end finds them.
///
/// `pipeline::prepare` already runs Cranelift's alias analysis on the
/// input, but Cranelift runs it again inside its e-graph pass, on values
/// that rewriting has made canonical: two loads from `p + 8` and from
/// `(p + 4) + 4` are one load there. Saturation gives the same
/// canonicalisation in e-classes, so the analysis runs here on a copy of
/// the skeleton whose memory operands name one value per e-class; each load
/// it replaces becomes, in the e-graph, the value that replaced it, and each
/// store it removes leaves the skeleton. Returns how many it changed.
fn resolve_memory(imported: &mut Imported) -> usize {
    let rep = class_values(imported);
    let mut copy = imported.skeleton.clone();
    let insts: Vec<Inst> = copy
        .layout
        .blocks()
        .flat_map(|b| copy.layout.block_insts(b).collect::<Vec<_>>())
        .collect();
    let mut memory_ops = 0;
    for &inst in &insts {
        let op = copy.dfg.insts[inst].opcode();
        if !(op.can_load() || op.can_store()) {
            continue;
        }
        memory_ops += 1;
        for arg in copy.dfg.inst_args_mut(inst) {
            if let Some(&id) = imported.value_class.get(arg) {
                if let Some(&r) = rep.get(&imported.egraph.find(id)) {
                    *arg = r;
                }
            }
        }
    }
    if memory_ops < 2 {
        return 0;
    }
    let mut ctx = cranelift_codegen::Context::for_function(copy);
    ctx.compute_cfg();
    ctx.compute_domtree();
    if ctx.replace_redundant_loads().is_err() {
        return 0;
    }
    let mut changed = 0;
    for inst in insts {
        if ctx.func.layout.inst_block(inst).is_some() {
            continue;
        }
        changed += 1;
        if imported.skeleton.dfg.insts[inst].opcode().can_load() {
            let result = imported.skeleton.dfg.first_result(inst);
            let to = ctx.func.dfg.resolve_aliases(result);
            let Some(&class) = imported.value_class.get(&to) else {
                // Not a value of the function: leave the load be.
                changed -= 1;
                continue;
            };
            let class = imported.egraph.find(class);
            replace_result(imported, inst, class);
        } else {
            imported.skeleton.layout.remove_inst(inst);
        }
    }
    changed
}

/// `uadd_overflow_trap` that cannot overflow (`skeleton.isle`): of two
/// constants whose sum fits, the sum; of two values zero-extended to the
/// result type, a plain `iadd`.
fn resolve_add_trap(imported: &mut Imported, inst: Inst) -> bool {
    let func = &imported.skeleton;
    let [a, b] = [0, 1].map(|i| {
        imported
            .egraph
            .find(imported.value_class[&func.dfg.inst_args(inst)[i]])
    });
    let ty = func.dfg.value_type(func.dfg.first_result(inst));
    let eg = &imported.egraph;
    let replacement = match (eg[a].data.konst, eg[b].data.konst) {
        (Some(x), Some(y)) => match x.checked_add(y).filter(|&s| mask(ty, s) == s) {
            Some(sum) => add_iconst(&mut imported.egraph, ty, sum),
            None => return false,
        },
        _ => {
            let widened = |c: Id| {
                eg[c].nodes.iter().any(|n| {
                    n.op == Op::Inst(Opcode::Uextend)
                        && eg[n.children[0]].data.kind == ClassKind::Type(ty)
                })
            };
            if !(widened(a) && widened(b)) {
                return false;
            }
            let t = imported.egraph.add(ClifNode::leaf(Op::Type(ty)));
            imported
                .egraph
                .add(ClifNode::new(Op::Inst(Opcode::Iadd), [t, a, b]))
        }
    };
    replace_result(imported, inst, replacement);
    true
}

/// `br_table` on a constant index jumps to that entry (or the default).
fn resolve_br_table(imported: &mut Imported, inst: Inst) -> bool {
    let func = &mut imported.skeleton;
    let InstructionData::BranchTable { arg, table, .. } = func.dfg.insts[inst] else {
        return false;
    };
    let class = imported.egraph.find(imported.value_class[&arg]);
    let Some(index) = imported.egraph[class].data.konst else {
        return false;
    };
    let jt = &func.dfg.jump_tables[table];
    let dest = usize::try_from(index)
        .ok()
        .and_then(|i| jt.as_slice().get(i).copied())
        .unwrap_or_else(|| jt.default_block());
    set_jump(func, inst, dest);
    true
}

/// A `brif` on `ctz x` (or `ireduce (ctz x)`) tests the low bit of `x`
/// instead, and one on `clz x` its sign (`icmp.isle`): a one-cycle test in
/// place of a count.
fn test_low_or_sign_bit(imported: &mut Imported, inst: Inst) -> bool {
    let cond = imported.skeleton.dfg.inst_args(inst)[0];
    let class = imported.egraph.find(imported.value_class[&cond]);
    let eg = &imported.egraph;
    let count = |c: Id| {
        eg[c].nodes.iter().find_map(|n| match n.op {
            Op::Inst(op @ (Opcode::Ctz | Opcode::Clz)) => Some((op, n.operands()[0])),
            _ => None,
        })
    };
    let found = count(class).or_else(|| {
        eg[class].nodes.iter().find_map(|n| match n.op {
            Op::Inst(Opcode::Ireduce) => count(eg.find(n.operands()[0])),
            _ => None,
        })
    });
    let Some((op, x)) = found else {
        return false;
    };
    let Some(ty) = eg[x].data.value_type() else {
        return false;
    };
    let eg = &mut imported.egraph;
    let zero = add_iconst(eg, ty, 0);
    let tested = if op == Opcode::Ctz {
        let one = add_iconst(eg, ty, 1);
        let t = eg.add(ClifNode::leaf(Op::Type(ty)));
        let low = eg.add(ClifNode::new(Op::Inst(Opcode::Band), [t, x, one]));
        icmp_node(eg, IntCC::Equal, ty, low, zero)
    } else {
        icmp_node(eg, IntCC::SignedGreaterThanOrEqual, ty, x, zero)
    };
    eg.rebuild();
    let v = fresh_value(imported, tested);
    imported.skeleton.dfg.inst_args_mut(inst)[0] = v;
    true
}

fn icmp_node(eg: &mut crate::lang::ClifEGraph, cc: IntCC, ty: Type, a: Id, b: Id) -> Id {
    let t = eg.add(ClifNode::leaf(Op::Type(ty)));
    let c = eg.add(ClifNode::leaf(Op::Cond(cc)));
    eg.add(ClifNode::new(Op::Inst(Opcode::Icmp), [t, c, a, b]))
}

/// A new value standing for `class` in skeleton operands. Elaboration reads
/// only its class; the placeholder instruction defining it is never placed.
fn fresh_value(imported: &mut Imported, class: Id) -> Value {
    let func = &mut imported.skeleton;
    let ty = imported.egraph[class]
        .data
        .value_type()
        .expect("a value class");
    let placeholder = func.dfg.make_inst(InstructionData::UnaryImm {
        opcode: Opcode::Iconst,
        imm: cranelift_codegen::ir::immediates::Imm64::new(0),
    });
    func.dfg.make_inst_results(placeholder, ty);
    let v = func.dfg.first_result(placeholder);
    imported.value_class.insert(v, class);
    v
}

fn add_iconst(egraph: &mut crate::lang::ClifEGraph, ty: Type, bits: u64) -> Id {
    let t = egraph.add(ClifNode::leaf(Op::Type(ty)));
    let k = egraph.add(ClifNode::leaf(Op::Int(bits as i64)));
    egraph.add(ClifNode::new(Op::Inst(Opcode::Iconst), [t, k]))
}

/// If `class` holds a truthy wrapper around another value, that value.
fn truthy(imported: &Imported, class: Id) -> Option<Id> {
    let eg = &imported.egraph;
    let zero = |id: Id| eg[id].data.konst == Some(0);
    let nonzero = |id: Id| eg[id].data.konst.is_some_and(|k| k != 0);
    eg[class].nodes.iter().find_map(|n: &ClifNode| {
        let ops = n.operands();
        match n.op {
            Op::Inst(
                Opcode::Uextend
                | Opcode::Sextend
                | Opcode::Bmask
                | Opcode::Ineg
                | Opcode::Bswap
                | Opcode::Bitrev
                | Opcode::Popcnt
                | Opcode::Rotl
                | Opcode::Rotr,
            ) => Some(ops[0]),
            Op::Inst(Opcode::Select) if nonzero(ops[1]) && zero(ops[2]) => Some(ops[0]),
            Op::Inst(Opcode::Icmp)
                if eg[n.children[1]].data.kind == ClassKind::Cond(IntCC::NotEqual)
                    && zero(ops[1]) =>
            {
                Some(ops[0])
            }
            _ => None,
        }
        // Never loop on a class that is its own truthy operand.
        .filter(|&x| eg.find(x) != eg.find(class))
    })
}

/// The trap code of a block that does nothing but trap.
fn just_trap(func: &Function, block: Block) -> Option<TrapCode> {
    let first = func.layout.first_inst(block)?;
    if func.layout.last_inst(block) != Some(first) {
        return None;
    }
    match func.dfg.insts[first] {
        InstructionData::Trap {
            opcode: Opcode::Trap,
            code,
        } => Some(code),
        _ => None,
    }
}

/// `brif c, trap_block, b` → `trapnz c; jump b` (and the mirror image).
fn branch_to_trap(func: &mut Function, inst: Inst) -> bool {
    let dests = destinations(func, inst);
    let cond = func.dfg.inst_args(inst)[0];
    let pool = &func.dfg.value_lists;
    let (then_b, else_b) = (dests[0].block(pool), dests[1].block(pool));
    let (code, nz, other) = if let Some(code) = just_trap(func, then_b) {
        (code, true, dests[1])
    } else if let Some(code) = just_trap(func, else_b) {
        (code, false, dests[0])
    } else {
        return false;
    };
    let mut pos = FuncCursor::new(func).at_inst(inst);
    if nz {
        pos.ins().trapnz(cond, code);
    } else {
        pos.ins().trapz(cond, code);
    }
    set_jump(func, inst, other);
    true
}

fn destinations(func: &Function, inst: Inst) -> Vec<BlockCall> {
    func.dfg.insts[inst]
        .branch_destination(&func.dfg.jump_tables, &func.dfg.exception_tables)
        .to_vec()
}

/// Turn a branch into `jump dest` (the branch has no results).
fn set_jump(func: &mut Function, inst: Inst, dest: BlockCall) {
    func.dfg.insts[inst] = InstructionData::Jump {
        opcode: Opcode::Jump,
        destination: dest,
    };
}

fn remove_unreachable(func: &mut Function) {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let dead: Vec<Block> = func
        .layout
        .blocks()
        .filter(|&b| !domtree.is_reachable(b))
        .collect();
    for b in dead {
        func.layout.remove_block_and_insts(b);
    }
}
