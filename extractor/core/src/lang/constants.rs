//! Constants of every type, built the way Cranelift's mid-end builds them.
//!
//! `iconst` only exists for scalar integers of at most 64 bits. Cranelift's
//! rules still produce constants of other types through two ISLE
//! constructors, `iconst_u` and `iconst_s` (`prelude_opt.isle`): an `i128`
//! constant is an extended 64-bit `iconst`, and a 128-bit vector constant is
//! a `splat` of a lane constant, which `cprop.isle` then turns into a
//! `vconst`. This module builds the same shapes in our e-graph, plus the
//! `vconst` and float-constant nodes, whose immediates live in an
//! instruction template or in the function's constant pool.
//!
//! The e-graph owns a copy of the function's constant pool ([`Constants`]):
//! a rule that makes a `vconst` or an `f128const` inserts its bytes there,
//! and skeleton simplification hands the pool back to the function, so the
//! handles in the templates stay valid in the output.

use crate::lang::{mask, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::immediates::{Ieee128, Ieee16, Ieee32, Ieee64, V128Imm};
use cranelift_codegen::ir::{types, ConstantData, ConstantPool, InstructionData, Opcode, Type};
use egg::Id;
use std::fmt;

/// The constant pool of the function being optimised, as the e-graph sees it.
#[derive(Clone)]
pub struct Constants(pub ConstantPool);

impl Default for Constants {
    fn default() -> Self {
        Constants(ConstantPool::new())
    }
}

impl fmt::Debug for Constants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Constants({} entries)", self.0.len())
    }
}

/// Is `t` a 128-bit SIMD vector type (Cranelift's `ty_vec128`)?
pub fn is_vec128(t: Type) -> bool {
    t.is_vector() && !t.is_dynamic_vector() && t.bits() == 128
}

fn type_leaf(egraph: &mut ClifEGraph, t: Type) -> Id {
    egraph.add(ClifNode::leaf(Op::Type(t)))
}

fn unary(egraph: &mut ClifEGraph, op: Opcode, t: Type, x: Id) -> Id {
    let ty = type_leaf(egraph, t);
    egraph.add(ClifNode::new(Op::Inst(op), [ty, x]))
}

/// `iconst.t k` for a scalar integer type of at most 64 bits; `k` must fit.
fn scalar_iconst(egraph: &mut ClifEGraph, t: Type, k: u64) -> Id {
    debug_assert!(t.is_int() && t.bits() <= 64 && mask(t, k) == k);
    let ty = type_leaf(egraph, t);
    let imm = egraph.add(ClifNode::leaf(Op::Int(k as i64)));
    egraph.add(ClifNode::new(Op::Inst(Opcode::Iconst), [ty, imm]))
}

/// Cranelift's `iconst_u t k`: `None` when `k` does not fit the (lane) type
/// or the type has no constant form.
pub fn iconst_u(egraph: &mut ClifEGraph, t: Type, k: u64) -> Option<Id> {
    if t.is_int() && t.bits() <= 64 {
        return (mask(t, k) == k).then(|| scalar_iconst(egraph, t, k));
    }
    if t == types::I128 {
        let low = scalar_iconst(egraph, types::I64, k);
        return Some(unary(egraph, Opcode::Uextend, t, low));
    }
    if is_vec128(t) && t.lane_type().is_int() {
        let lane = iconst_u(egraph, t.lane_type(), k)?;
        return Some(splat(egraph, t, lane));
    }
    None
}

/// Cranelift's `iconst_s t k`: `None` when `k` is not representable in the
/// (lane) type.
pub fn iconst_s(egraph: &mut ClifEGraph, t: Type, k: i64) -> Option<Id> {
    if t.is_int() && t.bits() <= 64 {
        let bits = mask(t, k as u64);
        return (crate::lang::sext(t, bits) == k).then(|| scalar_iconst(egraph, t, bits));
    }
    if t == types::I128 {
        let low = scalar_iconst(egraph, types::I64, k as u64);
        return Some(unary(egraph, Opcode::Sextend, t, low));
    }
    if is_vec128(t) && t.lane_type().is_int() {
        let lane = iconst_s(egraph, t.lane_type(), k)?;
        return Some(splat(egraph, t, lane));
    }
    None
}

/// Cranelift's `cmp_true t`: 1 for a scalar comparison result, all ones for
/// a vector one. `t` is the comparison's *result* type.
pub fn cmp_true(egraph: &mut ClifEGraph, t: Type) -> Option<Id> {
    if is_vec128(t) {
        iconst_s(egraph, t, -1)
    } else if t.is_int() {
        iconst_u(egraph, t, 1)
    } else {
        None
    }
}

/// `splat.t lane`. When `lane` is a known constant the class also gets the
/// equivalent `vconst` (Cranelift's `cprop.isle` splat rule), so a constant
/// built after saturation is just as cheap as one rewritten during it.
pub fn splat(egraph: &mut ClifEGraph, t: Type, lane: Id) -> Id {
    let id = unary(egraph, Opcode::Splat, t, lane);
    let lane_data = egraph[lane].data;
    let bits = match lane_data.value_type() {
        Some(lt) if lt.is_int() => lane_data.konst.map(|k| k as u128),
        Some(_) => lane_data.fconst,
        None => None,
    };
    if let (Some(bits), Some(lt)) = (bits, lane_data.value_type()) {
        if let Some(v) = splat_bits(t, lt, bits).map(|b| vconst(egraph, t, b)) {
            egraph.union(id, v);
        }
    }
    id
}

/// The 128 bits of `splat.t` of a lane of type `lane` holding `bits`.
pub fn splat_bits(t: Type, lane: Type, bits: u128) -> Option<u128> {
    if !is_vec128(t) || lane.bits() == 0 || lane.bits() > 64 || lane.bits() != t.lane_bits() {
        return None;
    }
    let w = lane.bits();
    let bits = bits & ((1u128 << w) - 1);
    Some((0..128 / w).fold(0u128, |acc, i| acc | (bits << (i * w))))
}

/// A `vconst.t` node with the given little-endian 128 bits.
pub fn vconst(egraph: &mut ClifEGraph, t: Type, bits: u128) -> Id {
    let data = ConstantData::from(V128Imm(bits.to_le_bytes()));
    let handle = egraph.analysis.constants.0.insert(data);
    let template = egraph
        .analysis
        .templates
        .intern(InstructionData::UnaryConst {
            opcode: Opcode::Vconst,
            constant_handle: handle,
        });
    let ty = type_leaf(egraph, t);
    egraph.add(ClifNode::new(Op::Opaque(Opcode::Vconst, template), [ty]))
}

/// A float constant node (`f16const`, `f32const`, `f64const` or
/// `f128const`) of scalar float type `t` with IEEE bits `bits`.
pub fn fconst(egraph: &mut ClifEGraph, t: Type, bits: u128) -> Option<Id> {
    let data = match t {
        types::F16 => InstructionData::UnaryIeee16 {
            opcode: Opcode::F16const,
            imm: Ieee16::with_bits(bits as u16),
        },
        types::F32 => InstructionData::UnaryIeee32 {
            opcode: Opcode::F32const,
            imm: Ieee32::with_bits(bits as u32),
        },
        types::F64 => InstructionData::UnaryIeee64 {
            opcode: Opcode::F64const,
            imm: Ieee64::with_bits(bits as u64),
        },
        types::F128 => {
            let data = ConstantData::from(Ieee128::with_bits(bits));
            InstructionData::UnaryConst {
                opcode: Opcode::F128const,
                constant_handle: egraph.analysis.constants.0.insert(data),
            }
        }
        _ => return None,
    };
    let op = data.opcode();
    let template = egraph.analysis.templates.intern(data);
    // Import records an instruction's controlling type, and the float
    // constants have none (`INVALID`): use the same, so that a folded
    // constant and an imported one are the same node.
    let ctrl = if op.constraints().is_polymorphic() {
        t
    } else {
        types::INVALID
    };
    let ty = type_leaf(egraph, ctrl);
    Some(egraph.add(ClifNode::new(Op::Opaque(op, template), [ty])))
}

/// The IEEE bits of a float-constant node, if it is one.
pub fn float_bits(egraph: &ClifEGraph, node: &ClifNode) -> Option<u128> {
    let Op::Opaque(_, t) = node.op else {
        return None;
    };
    match *egraph.analysis.templates.get(t) {
        InstructionData::UnaryIeee16 { imm, .. } => Some(imm.bits() as u128),
        InstructionData::UnaryIeee32 { imm, .. } => Some(imm.bits() as u128),
        InstructionData::UnaryIeee64 { imm, .. } => Some(imm.bits() as u128),
        InstructionData::UnaryConst {
            opcode: Opcode::F128const,
            constant_handle,
        } => {
            let data = egraph.analysis.constants.0.get(constant_handle);
            Ieee128::try_from(data).ok().map(|f| f.bits())
        }
        _ => None,
    }
}

/// Is `op` one of the float-constant opcodes?
pub fn is_float_const(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::F16const | Opcode::F32const | Opcode::F64const | Opcode::F128const
    )
}

/// The 128 bits of a `vconst` node, if it is one.
pub fn vconst_bits(egraph: &ClifEGraph, node: &ClifNode) -> Option<u128> {
    let Op::Opaque(Opcode::Vconst, t) = node.op else {
        return None;
    };
    match *egraph.analysis.templates.get(t) {
        InstructionData::UnaryConst {
            constant_handle, ..
        } => {
            let bytes: [u8; 16] = egraph
                .analysis
                .constants
                .0
                .get(constant_handle)
                .as_slice()
                .try_into()
                .ok()?;
            Some(u128::from_le_bytes(bytes))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iconst_u_and_s_follow_cranelift_shapes() {
        let mut eg = ClifEGraph::default();
        assert!(iconst_u(&mut eg, types::I8, 256).is_none());
        assert!(iconst_s(&mut eg, types::I8, 128).is_none());
        let k = iconst_s(&mut eg, types::I8, -1).unwrap();
        assert_eq!(eg[k].data.konst, Some(0xff));
        // i128: an extended i64 constant.
        let w = iconst_u(&mut eg, types::I128, 5).unwrap();
        assert!(eg[w]
            .nodes
            .iter()
            .any(|n| n.op == Op::Inst(Opcode::Uextend)));
        // Vectors: a splat, whose class also holds the vconst.
        let v = cmp_true(&mut eg, types::I32X4).unwrap();
        eg.rebuild();
        let bits = eg[eg.find(v)]
            .nodes
            .iter()
            .find_map(|n| vconst_bits(&eg, n));
        assert_eq!(bits, Some(u128::MAX));
        assert!(iconst_u(&mut eg, types::F32X4, 0).is_none());
    }

    #[test]
    fn splat_bits_repeat_the_lane() {
        assert_eq!(
            splat_bits(types::I16X8, types::I16, 0x1234),
            Some(0x1234_1234_1234_1234_1234_1234_1234_1234)
        );
        assert_eq!(splat_bits(types::I16X8, types::I32, 0x1234), None);
    }
}
