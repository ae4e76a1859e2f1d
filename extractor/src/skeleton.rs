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
//!   jump.
//!
//! Rewriting a branch can make blocks unreachable; we remove them, as
//! Cranelift does, so that elaboration sees the new CFG.

use crate::import::Imported;
use crate::lang::{mask, sext, ClassKind, ClifNode, Op};
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
    /// Divisions and remainders resolved (constant operands, divisor 1).
    pub division: usize,
}

/// Simplify the skeleton of `imported` in place.
pub fn simplify(imported: &mut Imported) -> SkeletonStats {
    let mut stats = SkeletonStats::default();
    // A value naming each class that has one, to re-point conditions at.
    let mut class_value: HashMap<Id, Value> = HashMap::new();
    for (&v, &id) in &imported.value_class {
        let c = imported.egraph.find(id);
        let e = class_value.entry(c).or_insert(v);
        if v.as_u32() < e.as_u32() {
            *e = v;
        }
    }
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
                let Some(&v) = class_value.get(&imported.egraph.find(inner)) else {
                    break;
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
                _ => {}
            }
        }
    }
    if cfg_changed {
        remove_unreachable(&mut imported.skeleton);
    }
    stats
}

/// `x / 1 = x`, `x % 1 = 0`, and divisions of two constants that cannot
/// trap (divisor non-zero; not `MIN / -1` for signed ones) — Cranelift's
/// `simplify_skeleton` rules in `cprop.isle` and `arithmetic.isle`. The
/// instruction leaves the skeleton; its result's class is merged with the
/// replacement and its live leaf is marked removed.
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
    let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
    let replacement = match (kx, ky) {
        (_, Some(1)) if matches!(op, Opcode::Udiv | Opcode::Sdiv) => x,
        (_, Some(1)) => add_iconst(&mut imported.egraph, ty, 0),
        (Some(a), Some(b)) if b != 0 => {
            let (sa, sb) = (sext(ty, a), sext(ty, b));
            if signed && sb == -1 && sa == sext(ty, mask(ty, 1u64 << (ty.bits() - 1))) {
                return false;
            }
            let k = match op {
                Opcode::Udiv => a / b,
                Opcode::Urem => a % b,
                Opcode::Sdiv => sa.wrapping_div(sb) as u64,
                _ => sa.wrapping_rem(sb) as u64,
            };
            add_iconst(&mut imported.egraph, ty, mask(ty, k))
        }
        _ => return false,
    };
    let leaf = imported.value_class[&result];
    imported.egraph.union(leaf, replacement);
    imported.egraph.analysis.removed.insert(result);
    imported.egraph.rebuild();
    imported.skeleton.layout.remove_inst(inst);
    true
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
