//! The `vector` family: Cranelift's `vector.isle` (an operation on splats is
//! a splat of the scalar operation, which opens the scalar rules to it) and
//! the vector-constant rules of `cprop.isle` (a `splat` or
//! `scalar_to_vector` of a constant is a `vconst`).
//!
//! A `splat`'s type child is the vector type; the lane operand has the lane
//! type. Right-hand sides compute the lane type, so they are built in code.

use super::util::*;
use super::Rule;
use crate::lang::constants::{is_vec128, splat, splat_bits, vconst};
use crate::lang::result_type;
use cranelift_codegen::ir::Opcode;

/// Binary operators whose splat operands lift out; the flag says whether
/// Cranelift excludes float vectors (bitwise operators, which backends do
/// not implement on scalar floats).
const BINARY: &[(Opcode, bool)] = &[
    (Opcode::Band, true),
    (Opcode::Bor, true),
    (Opcode::Bxor, true),
    (Opcode::Iadd, false),
    (Opcode::Isub, false),
    (Opcode::Imul, false),
    (Opcode::Smulhi, false),
    (Opcode::Umulhi, false),
    (Opcode::Smin, false),
    (Opcode::Umin, false),
    (Opcode::Smax, false),
    (Opcode::Umax, false),
];

/// Unary operators, with the same flag.
const UNARY: &[(Opcode, bool)] = &[
    (Opcode::Bnot, true),
    (Opcode::Ineg, false),
    (Opcode::Iabs, false),
    (Opcode::Popcnt, false),
];

/// Shifts and rotates: only the first operand is a vector.
const SHIFTS: &[Opcode] = &[
    Opcode::Rotl,
    Opcode::Rotr,
    Opcode::Ishl,
    Opcode::Ushr,
    Opcode::Sshr,
];

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, y, t) = (var("?x"), var("?y"), var("?t"));
    let mut r = Vec::new();
    let not_float = || type_where("?t", |t| t.is_vector() && !t.lane_type().is_float());
    let vector = || type_where("?t", |t| t.is_vector());
    for &(op, int_only) in BINARY {
        r.push(rw_fn(
            &format!("vector-{op}-splat-splat"),
            &format!("({op} ?t (splat ?t ?x) (splat ?t ?y))"),
            vec![if int_only { not_float() } else { vector() }],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let lane = inst(eg, op, ty.lane_type(), &[s[x], s[y]]);
                Some(splat(eg, ty, lane))
            },
        ));
    }
    for &(op, int_only) in UNARY {
        r.push(rw_fn(
            &format!("vector-{op}-splat"),
            &format!("({op} ?t (splat ?t ?x))"),
            vec![if int_only { not_float() } else { vector() }],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let lane = inst(eg, op, ty.lane_type(), &[s[x]]);
                Some(splat(eg, ty, lane))
            },
        ));
    }
    for &op in SHIFTS {
        r.push(rw_fn(
            &format!("vector-{op}-splat"),
            &format!("({op} ?t (splat ?t ?x) ?y)"),
            vec![vector()],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let lane = inst(eg, op, ty.lane_type(), &[s[x], s[y]]);
                Some(splat(eg, ty, lane))
            },
        ));
    }
    // Conversions and widenings of a splat: the type child is the
    // instruction's controlling type, the result type follows from it.
    for (op, lane_op) in [
        (Opcode::FcvtFromUint, Opcode::FcvtFromUint),
        (Opcode::FcvtFromSint, Opcode::FcvtFromSint),
        (Opcode::SwidenLow, Opcode::Sextend),
        (Opcode::SwidenHigh, Opcode::Sextend),
        (Opcode::UwidenLow, Opcode::Uextend),
        (Opcode::UwidenHigh, Opcode::Uextend),
    ] {
        r.push(rw_fn(
            &format!("vector-{op}-splat"),
            &format!("({op} ?t (splat ?s ?x))"),
            vec![vector()],
            move |eg, s| {
                let wide = result_type(op, type_at(eg, s, t)?);
                let lane = inst(eg, lane_op, wide.lane_type(), &[s[x]]);
                Some(splat(eg, wide, lane))
            },
        ));
    }
    // A splat of a constant is a vconst.
    r.push(rw_fn(
        "vector-splat-const",
        "(splat ?t ?x)",
        vec![type_where("?t", is_vec128)],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let d = eg[s[x]].data;
            let lane = d.value_type()?;
            let bits = if lane.is_int() {
                d.konst? as u128
            } else {
                d.fconst?
            };
            let bits = splat_bits(ty, lane, bits)?;
            Some(vconst(eg, ty, bits))
        },
    ));
    // `scalar_to_vector` of a constant: the constant in lane 0, zeros
    // elsewhere. Integer constants only into integer vectors.
    r.push(rw_fn(
        "vector-scalar-to-vector-const",
        "(scalar_to_vector ?t ?x)",
        vec![type_where("?t", is_vec128)],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let d = eg[s[x]].data;
            let lane = d.value_type()?;
            let bits = if lane.is_int() {
                if !ty.lane_type().is_int() {
                    return None;
                }
                d.konst? as u128
            } else if lane.bits() <= 64 {
                d.fconst?
            } else {
                return None;
            };
            Some(vconst(eg, ty, bits))
        },
    ));
    r
}
