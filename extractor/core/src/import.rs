//! Import: a CLIF function becomes a *skeleton* plus an e-graph of pure values.
//!
//! The split follows Cranelift's mid-end (`is_pure_for_egraph`): an
//! instruction is pure when it has exactly one result and neither loads
//! (unless the load is `readonly notrap can_move`), stores, traps, calls,
//! branches nor has other side effects. Pure instructions leave the layout
//! and live only in the e-graph; everything else stays where it was, in its
//! block and order. Skeleton results and block parameters enter the e-graph
//! as [`Op::Value`] leaves, so pure values can use them.
//!
//! Because e-graph insertion hash-conses, identical pure instructions
//! anywhere in the function land in one class. That is global value
//! numbering; elaboration later decides where (and how often) each class is
//! computed so that every use is dominated by a definition.

use crate::lang::{is_transparent_format, ClifEGraph, ClifNode, Op};
use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::entity::packed_option::ReservedValue;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::instructions::InstructionFormat;
use cranelift_codegen::ir::{Function, Inst, InstructionData, Opcode, Value, ValueDef};
use egg::Id;
use fnv::FnvHashMap;
use std::collections::HashMap;

/// A function split into its skeleton and the e-graph of its pure values.
pub struct Imported {
    /// The function with every pure instruction removed from the layout.
    /// Skeleton instructions still name the original values; elaboration
    /// rewrites their operands.
    pub skeleton: Function,
    /// The e-graph of pure values.
    pub egraph: ClifEGraph,
    /// The e-class of every value the function defines (params, skeleton
    /// results and pure results). Not canonical: call `egraph.find`.
    pub value_class: FnvHashMap<Value, Id>,
    /// What the importer saw.
    pub stats: ImportStats,
    /// The skeleton's control flow, once the skeleton is final:
    /// `pipeline::stage` sets it after the skeleton's simplification, and
    /// elaboration uses it instead of recomputing it. `None` until then
    /// (elaboration then computes its own). Whoever changes the skeleton's
    /// control flow after it is set must reset it.
    pub control: Option<crate::control::ControlFlow>,
}

/// Counts from import.
#[derive(Copy, Clone, Debug, Default, serde::Serialize)]
pub struct ImportStats {
    /// Pure instructions moved into the e-graph.
    pub pure: usize,
    /// Of those, the ones the rules cannot see into (opaque templates).
    pub opaque: usize,
    /// Instructions left in the skeleton.
    pub skeleton: usize,
    /// Skeleton instructions removed because a dominating twin exists.
    pub merged: usize,
}

/// Mirror of Cranelift's `is_pure_for_egraph`.
pub fn is_pure(func: &Function, inst: Inst) -> bool {
    let data = &func.dfg.insts[inst];
    let op = data.opcode();
    let is_pure_load = match *data {
        InstructionData::Load {
            opcode: Opcode::Load,
            flags,
            ..
        } => {
            let flags = &func.dfg.mem_flags[flags];
            flags.readonly() && flags.notrap() && flags.can_move()
        }
        _ => false,
    };
    let one_result = func.dfg.inst_results(inst).len() == 1;
    one_result
        && has_fixed_args(op)
        && (is_pure_load || (!op.can_load() && !trivially_has_side_effects(op)))
}

/// Split `func` (which must have no unreachable blocks) into a skeleton and
/// an e-graph.
pub fn import(func: &Function) -> Imported {
    let mut skeleton = func.clone();
    let cfg = ControlFlowGraph::with_function(&skeleton);
    let domtree = DominatorTree::with_function(&skeleton, &cfg);
    let mut egraph = ClifEGraph::default();
    // Float and vector constants name entries of this pool; rules that make
    // new ones extend it (see `constants`).
    egraph.analysis.constants = crate::lang::constants::Constants(func.dfg.constants.clone());
    let mut value_class = FnvHashMap::default();
    let mut stats = ImportStats::default();
    let mut pure_insts = Vec::new();
    let mut merged = Vec::new();
    let mut mergeable: HashMap<MergeKey, Vec<Inst>> = HashMap::new();

    // Reverse post-order visits every definition before its uses (SSA
    // dominance), except block params, which we add as we enter each block.
    let rpo: Vec<_> = domtree.cfg_rpo().copied().collect();
    for &block in &rpo {
        for &param in skeleton.dfg.block_params(block) {
            let id = add_leaf(&mut egraph, &skeleton, param);
            value_class.insert(param, id);
        }
        for inst in skeleton.layout.block_insts(block) {
            if is_pure(&skeleton, inst) {
                let (node, opaque) = pure_node(&mut egraph, &skeleton, inst, &value_class);
                let id = egraph.add(node);
                value_class.insert(skeleton.dfg.first_result(inst), id);
                pure_insts.push(inst);
                stats.pure += 1;
                stats.opaque += opaque as usize;
            } else if let Some(prev) = merge_with(
                &skeleton,
                &domtree,
                &mut egraph,
                &value_class,
                &mut mergeable,
                inst,
            ) {
                // A dominating twin computes the same result or trap.
                if let (Some(&r), Some(&p)) = (
                    skeleton.dfg.inst_results(inst).first(),
                    skeleton.dfg.inst_results(prev).first(),
                ) {
                    value_class.insert(r, value_class[&p]);
                }
                merged.push(inst);
                stats.merged += 1;
            } else {
                for &r in skeleton.dfg.inst_results(inst) {
                    let id = add_leaf(&mut egraph, &skeleton, r);
                    value_class.insert(r, id);
                }
                stats.skeleton += 1;
            }
        }
    }
    for inst in pure_insts.into_iter().chain(merged) {
        skeleton.layout.remove_inst(inst);
    }
    egraph.rebuild();
    Imported {
        skeleton,
        egraph,
        value_class,
        stats,
        control: None,
    }
}

/// Add an [`Op::Value`] leaf for a value computed outside the e-graph.
fn add_leaf(egraph: &mut ClifEGraph, func: &Function, v: Value) -> Id {
    let ty = egraph.add(ClifNode::leaf(Op::Type(func.dfg.value_type(v))));
    egraph.add(ClifNode::new(Op::Value(v), [ty]))
}

/// The e-node for a pure instruction; the flag says whether it is opaque.
fn pure_node(
    egraph: &mut ClifEGraph,
    func: &Function,
    inst: Inst,
    value_class: &FnvHashMap<Value, Id>,
) -> (ClifNode, bool) {
    let data = func.dfg.insts[inst];
    let op = data.opcode();
    let ctrl = func.dfg.ctrl_typevar(inst);
    let mut children = vec![egraph.add(ClifNode::leaf(Op::Type(ctrl)))];
    let transparent = is_transparent_format(op.format());
    let node_op = if transparent {
        match data {
            InstructionData::UnaryImm { imm, .. } => {
                children.push(egraph.add(ClifNode::leaf(Op::Int(imm.bits()))));
            }
            InstructionData::IntCompare { cond, .. } => {
                children.push(egraph.add(ClifNode::leaf(Op::Cond(cond))));
            }
            _ => {}
        }
        Op::Inst(op)
    } else {
        let t = egraph.analysis.templates.intern(template_of(data));
        Op::Opaque(op, t)
    };
    for &arg in func.dfg.inst_args(inst) {
        let arg = func.dfg.resolve_aliases(arg);
        let id = *value_class.get(&arg).unwrap_or_else(|| {
            panic!(
                "{arg} used by {} before its definition was imported ({:?})",
                func.dfg.display_inst(inst),
                func.dfg.value_def(arg) as ValueDef
            )
        });
        children.push(id);
    }
    (ClifNode::new(node_op, children), !transparent)
}

/// Key of a mergeable skeleton instruction: its template, controlling type
/// and operand classes.
type MergeKey = (InstructionData, cranelift_codegen::ir::Type, Vec<Id>);

/// Cranelift's `is_mergeable_for_egraph`: at most one result, no memory
/// access, and only idempotent side effects (a trap that a dominating twin
/// would already have raised).
fn is_mergeable(func: &Function, inst: Inst) -> bool {
    let op = func.dfg.insts[inst].opcode();
    func.dfg.inst_results(inst).len() <= 1
        && !op.can_load()
        && !op.can_store()
        && (!trivially_has_side_effects(op) || op.side_effects_idempotent())
        && has_fixed_args(op)
}

/// Cranelift's `trivially_has_side_effects`.
fn trivially_has_side_effects(op: Opcode) -> bool {
    op.is_call()
        || op.is_branch()
        || op.is_terminator()
        || op.is_return()
        || op.can_trap()
        || op.other_side_effects()
        || op.can_store()
}

/// Formats holding a value list cannot be templated. None is pure or
/// mergeable today; keep them in the skeleton should that change.
fn has_fixed_args(op: Opcode) -> bool {
    !matches!(
        op.format(),
        InstructionFormat::Call
            | InstructionFormat::CallIndirect
            | InstructionFormat::MultiAry
            | InstructionFormat::TryCall
            | InstructionFormat::TryCallIndirect
            | InstructionFormat::Jump
            | InstructionFormat::Brif
            | InstructionFormat::BranchTable
    )
}

/// An instruction's `InstructionData` with every value operand cleared:
/// equal for instructions that differ only in their operands.
fn template_of(data: InstructionData) -> InstructionData {
    let mut template = data;
    let mut scratch = cranelift_codegen::ir::ValueListPool::new();
    for a in template.arguments_mut(&mut scratch) {
        *a = Value::reserved_value();
    }
    template
}

/// Skeleton GVN: if `inst` is mergeable and an identical instruction on the
/// same operand classes dominates it, return that instruction; otherwise
/// remember `inst` for later twins.
fn merge_with(
    func: &Function,
    domtree: &DominatorTree,
    egraph: &mut ClifEGraph,
    value_class: &FnvHashMap<Value, Id>,
    seen: &mut HashMap<MergeKey, Vec<Inst>>,
    inst: Inst,
) -> Option<Inst> {
    if !is_mergeable(func, inst) {
        return None;
    }
    let template = template_of(func.dfg.insts[inst]);
    let args: Vec<Id> = func
        .dfg
        .inst_args(inst)
        .iter()
        .map(|&a| egraph.find(value_class[&func.dfg.resolve_aliases(a)]))
        .collect();
    let key = (template, func.dfg.ctrl_typevar(inst), args);
    let block = func.layout.inst_block(inst).expect("in layout");
    let twins = seen.entry(key).or_default();
    // Blocks are visited in reverse post-order, so a dominating twin in the
    // same block comes earlier in it.
    let dominating = twins
        .iter()
        .copied()
        .find(|&t| domtree.block_dominates(func.layout.inst_block(t).expect("in layout"), block));
    if dominating.is_none() {
        twins.push(inst);
    }
    dominating
}
