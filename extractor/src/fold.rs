//! Constant folding, the analysis half of the `cprop` rule family.
//!
//! Folding lives in the e-class analysis rather than in rewrites: whenever a
//! node's operands are all known constants, the node's class learns its
//! constant and [`ClifAnalysis::modify`](crate::lang::ClifAnalysis) adds an
//! `iconst` to it. Every fold here must agree bit for bit with
//! cranelift-interpreter; the differential tests check that.

use crate::lang::{mask, sext, ClassKind, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{Opcode, Type};

/// The constant a node computes, if its operands are constants.
///
/// `ty` is the node's result type (an integer type of at most 64 bits).
/// Returns the result zero-extended from `ty`'s width.
pub fn fold(egraph: &ClifEGraph, node: &ClifNode, ty: Type) -> Option<u64> {
    let op = match node.op {
        Op::Inst(op) => op,
        _ => return None,
    };
    if op == Opcode::Iconst {
        return match egraph[node.children[1]].data.kind {
            ClassKind::Int(i) => Some(mask(ty, i as u64)),
            _ => None,
        };
    }
    let args = node.operands();
    let mut vals = [0u64; 3];
    let mut tys = [ty; 3];
    for (i, &a) in args.iter().enumerate().take(3) {
        let d = &egraph[a].data;
        vals[i] = d.konst?;
        tys[i] = d.value_type()?;
    }
    let bits = ty.bits();
    let (x, y) = (vals[0], vals[1]);
    let sx = sext(tys[0], x);
    let sy = sext(tys[1], y);
    let r = match (op, args.len()) {
        (Opcode::Iadd, 2) => x.wrapping_add(y),
        (Opcode::Isub, 2) => x.wrapping_sub(y),
        (Opcode::Imul, 2) => x.wrapping_mul(y),
        (Opcode::Ineg, 1) => x.wrapping_neg(),
        (Opcode::Band, 2) => x & y,
        (Opcode::Bor, 2) => x | y,
        (Opcode::Bxor, 2) => x ^ y,
        (Opcode::Bnot, 1) => !x,
        (Opcode::Ishl, 2) => x.wrapping_shl(amount(y, bits)),
        (Opcode::Ushr, 2) => mask(ty, x).wrapping_shr(amount(y, bits)),
        (Opcode::Sshr, 2) => (sx >> amount(y, bits)) as u64,
        (Opcode::Rotl, 2) => rotate(ty, x, amount(y, bits), true),
        (Opcode::Rotr, 2) => rotate(ty, x, amount(y, bits), false),
        (Opcode::Uextend, 1) => mask(tys[0], x),
        (Opcode::Sextend, 1) => sx as u64,
        (Opcode::Ireduce, 1) => x,
        (Opcode::Iabs, 1) => sx.wrapping_abs() as u64,
        (Opcode::Smin, 2) => sx.min(sy) as u64,
        (Opcode::Smax, 2) => sx.max(sy) as u64,
        (Opcode::Umin, 2) => x.min(y),
        (Opcode::Umax, 2) => x.max(y),
        (Opcode::Popcnt, 1) => mask(ty, x).count_ones() as u64,
        (Opcode::Clz, 1) => (mask(ty, x).leading_zeros() - (64 - bits)) as u64,
        (Opcode::Ctz, 1) => {
            if mask(ty, x) == 0 {
                bits as u64
            } else {
                x.trailing_zeros() as u64
            }
        }
        (Opcode::Icmp, 2) => {
            let cc = match egraph[node.children[1]].data.kind {
                ClassKind::Cond(cc) => cc,
                _ => return None,
            };
            icmp(cc, tys[0], x, y) as u64
        }
        (Opcode::Select, 3) => {
            if vals[0] != 0 {
                vals[1]
            } else {
                vals[2]
            }
        }
        _ => return None,
    };
    Some(mask(ty, r))
}

/// Shift amounts are taken modulo the shifted type's width, as in CLIF.
fn amount(y: u64, bits: u32) -> u32 {
    (y % bits as u64) as u32
}

fn rotate(ty: Type, x: u64, n: u32, left: bool) -> u64 {
    let bits = ty.bits();
    let x = mask(ty, x);
    if n == 0 {
        return x;
    }
    let n = if left { n } else { bits - n };
    mask(ty, (x << n) | (x >> (bits - n)))
}

/// Evaluate an integer comparison on constants of type `ty`.
pub fn icmp(cc: IntCC, ty: Type, x: u64, y: u64) -> bool {
    let (ux, uy) = (mask(ty, x), mask(ty, y));
    let (sx, sy) = (sext(ty, x), sext(ty, y));
    match cc {
        IntCC::Equal => ux == uy,
        IntCC::NotEqual => ux != uy,
        IntCC::SignedLessThan => sx < sy,
        IntCC::SignedGreaterThanOrEqual => sx >= sy,
        IntCC::SignedGreaterThan => sx > sy,
        IntCC::SignedLessThanOrEqual => sx <= sy,
        IntCC::UnsignedLessThan => ux < uy,
        IntCC::UnsignedGreaterThanOrEqual => ux >= uy,
        IntCC::UnsignedGreaterThan => ux > uy,
        IntCC::UnsignedLessThanOrEqual => ux <= uy,
    }
}
