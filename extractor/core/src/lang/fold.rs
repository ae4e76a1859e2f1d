//! Constant folding, the analysis half of the `cprop` rule family.
//!
//! Folding lives in the e-class analysis rather than in rewrites: whenever a
//! node's operands are all known constants, the node's class learns its
//! constant and [`ClifAnalysis::modify`](crate::lang::ClifAnalysis) adds an
//! `iconst` to it. Every fold here must agree bit for bit with
//! cranelift-interpreter; the differential tests check that.

use crate::lang::{mask, sext, ClassKind, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::{Ieee128, Ieee16, Ieee32, Ieee64};
use cranelift_codegen::ir::types;
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
        // `cprop.isle` folds `bswap` of 16, 32 and 64 bits only.
        (Opcode::Bswap, 1) => match bits {
            16 => (x as u16).swap_bytes() as u64,
            32 => (x as u32).swap_bytes() as u64,
            64 => x.swap_bytes(),
            _ => return None,
        },
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
        // All ones where the operand is non-zero.
        (Opcode::Bmask, 1) => {
            if mask(tys[0], x) != 0 {
                u64::MAX
            } else {
                0
            }
        }
        (Opcode::Bitselect, 3) => (vals[0] & vals[1]) | (!vals[0] & vals[2]),
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

/// The IEEE operations the float folds need, over Cranelift's own immediate
/// types (so the bits agree with what Cranelift would fold).
trait Ieee: Copy + std::ops::Neg<Output = Self> {
    fn of(bits: u128) -> Self;
    fn to(self) -> u128;
    fn min(self, o: Self) -> Self;
    fn max(self, o: Self) -> Self;
    fn abs(self) -> Self;
    fn copysign(self, o: Self) -> Self;
    fn is_nan(self) -> bool;
}

macro_rules! ieee {
    ($t:ty, $bits:ty) => {
        impl Ieee for $t {
            fn of(bits: u128) -> Self {
                <$t>::with_bits(bits as $bits)
            }
            fn to(self) -> u128 {
                self.bits() as u128
            }
            fn min(self, o: Self) -> Self {
                self.minimum(o)
            }
            fn max(self, o: Self) -> Self {
                self.maximum(o)
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn copysign(self, o: Self) -> Self {
                <$t>::copysign(self, o)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}
ieee!(Ieee16, u16);
ieee!(Ieee32, u32);
ieee!(Ieee64, u64);
ieee!(Ieee128, u128);

/// Folds every float type has in `cprop.isle`: `fmin`/`fmax` (unless the
/// result is NaN), `fneg`, `fabs`, `fcopysign` (always: they only move the
/// sign bit).
fn sign_ops<F: Ieee>(op: Opcode, a: &[u128]) -> Option<u128> {
    let x = F::of(*a.first()?);
    let non_nan = |f: F| (!f.is_nan()).then(|| f.to());
    match (op, a.len()) {
        (Opcode::Fmin, 2) => non_nan(x.min(F::of(a[1]))),
        (Opcode::Fmax, 2) => non_nan(x.max(F::of(a[1]))),
        (Opcode::Fneg, 1) => Some((-x).to()),
        (Opcode::Fabs, 1) => Some(x.abs().to()),
        (Opcode::Fcopysign, 2) => Some(x.copysign(F::of(a[1])).to()),
        _ => None,
    }
}

/// The IEEE bits a node of scalar float type `ty` computes, if its operands
/// are constants and Cranelift's `cprop.isle` folds it.
///
/// Only what Cranelift folds is folded: arithmetic, square root and rounding
/// on `f32`/`f64` when the result is not a NaN (Cranelift leaves NaN bit
/// patterns to the target); `fmin`/`fmax`/`fneg`/`fabs`/`fcopysign` on every
/// float type; `fcvt_from_uint`/`fcvt_from_sint` of an integer constant to
/// `f32`/`f64`.
pub fn fold_float(egraph: &ClifEGraph, node: &ClifNode, ty: Type) -> Option<u128> {
    if let Some(bits) = crate::lang::constants::float_bits(egraph, node) {
        return Some(bits);
    }
    let Op::Inst(op) = node.op else {
        return None;
    };
    let args = node.operands();
    if matches!(op, Opcode::FcvtFromUint | Opcode::FcvtFromSint) {
        let d = &egraph[*args.first()?].data;
        let (k, it) = (d.konst?, d.value_type()?);
        let signed = op == Opcode::FcvtFromSint;
        return match ty {
            types::F32 if signed => Some(Ieee32::with_float(sext(it, k) as f32).to()),
            types::F32 => Some(Ieee32::with_float(k as f32).to()),
            types::F64 if signed => Some(Ieee64::with_float(sext(it, k) as f64).to()),
            types::F64 => Some(Ieee64::with_float(k as f64).to()),
            _ => None,
        };
    }
    let vals: Vec<u128> = args
        .iter()
        .map(|&a| egraph[a].data.fconst)
        .collect::<Option<_>>()?;
    if vals.is_empty() {
        return None;
    }
    match ty {
        types::F16 => sign_ops::<Ieee16>(op, &vals),
        types::F128 => sign_ops::<Ieee128>(op, &vals),
        types::F32 => sign_ops::<Ieee32>(op, &vals).or_else(|| {
            let x = Ieee32::of(vals[0]);
            let y = vals.get(1).map(|&b| Ieee32::of(b));
            arith(op, x, y).and_then(|f| (!f.is_nan()).then(|| f.to()))
        }),
        types::F64 => sign_ops::<Ieee64>(op, &vals).or_else(|| {
            let x = Ieee64::of(vals[0]);
            let y = vals.get(1).map(|&b| Ieee64::of(b));
            arith(op, x, y).and_then(|f| (!f.is_nan()).then(|| f.to()))
        }),
        _ => None,
    }
}

/// `f32`/`f64` arithmetic and rounding, as Cranelift's immediates compute it.
fn arith<F>(op: Opcode, x: F, y: Option<F>) -> Option<F>
where
    F: FloatArith,
{
    Some(match (op, y) {
        (Opcode::Fadd, Some(y)) => x + y,
        (Opcode::Fsub, Some(y)) => x - y,
        (Opcode::Fmul, Some(y)) => x * y,
        (Opcode::Fdiv, Some(y)) => x / y,
        (Opcode::Sqrt, None) => x.sqrt(),
        (Opcode::Ceil, None) => x.ceil(),
        (Opcode::Floor, None) => x.floor(),
        (Opcode::Trunc, None) => x.trunc(),
        (Opcode::Nearest, None) => x.round_ties_even(),
        _ => return None,
    })
}

/// Arithmetic Cranelift's `Ieee32`/`Ieee64` implement.
trait FloatArith:
    Sized
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
{
    fn sqrt(self) -> Self;
    fn ceil(self) -> Self;
    fn floor(self) -> Self;
    fn trunc(self) -> Self;
    fn round_ties_even(self) -> Self;
}

macro_rules! float_arith {
    ($t:ty) => {
        impl FloatArith for $t {
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            fn trunc(self) -> Self {
                <$t>::trunc(self)
            }
            fn round_ties_even(self) -> Self {
                <$t>::round_ties_even(self)
            }
        }
    };
}
float_arith!(Ieee32);
float_arith!(Ieee64);

#[cfg(test)]
mod tests {
    use crate::import::import;
    use crate::testing;
    use cranelift_codegen::ir::Value;

    /// Import `body` (no rules: folding is the analysis) and say whether
    /// values `a` and `b` share a class.
    fn same(params: &str, body: &str, a: u32, b: u32) -> bool {
        let text = format!("function %f({params}) {{\nblock0:\n{body}\n    return\n}}");
        let file = testing::parse("t.clif", &text).unwrap();
        let imported = import(&file.functions[0]);
        let class = |v: u32| {
            imported
                .egraph
                .find(imported.value_class[&Value::from_u32(v)])
        };
        class(a) == class(b)
    }

    #[test]
    fn f32_and_f64_arithmetic_folds_unless_nan() {
        assert!(same(
            "",
            "v1 = f32const 0x1.8\n v2 = f32const 0x2.4\n v3 = fadd v1, v2\n v4 = f32const 0x3.c",
            3,
            4
        ));
        assert!(same(
            "",
            "v1 = f64const 0x9.0\n v2 = sqrt v1\n v3 = f64const 0x3.0",
            2,
            3
        ));
        // inf - inf is a NaN: Cranelift leaves it to the target.
        assert!(!same(
            "",
            "v1 = f64const +Inf\n v2 = fsub v1, v1\n v3 = f64const +NaN",
            2,
            3
        ));
    }

    #[test]
    fn every_float_type_folds_sign_operations_only() {
        assert!(same(
            "",
            "v1 = f16const 0x1.0\n v2 = fneg v1\n v3 = f16const -0x1.0",
            2,
            3
        ));
        assert!(same(
            "",
            "v1 = f128const -0x1.0\n v2 = fabs v1\n v3 = f128const 0x1.0",
            2,
            3
        ));
        // f16 arithmetic is not folded by Cranelift.
        assert!(!same(
            "",
            "v1 = f16const 0x1.0\n v2 = fadd v1, v1\n v3 = f16const 0x2.0",
            2,
            3
        ));
        // fmin of a NaN is not folded; fmin(-0, +0) is -0.
        assert!(!same(
            "",
            "v1 = f32const +NaN\n v2 = f32const 0x1.0\n v3 = fmin v1, v2\n v4 = f32const +NaN",
            3,
            4
        ));
        assert!(same(
            "",
            "v1 = f32const -0x0.0\n v2 = f32const 0x0.0\n v3 = fmin v2, v1",
            3,
            1
        ));
    }

    #[test]
    fn int_to_float_conversions_fold() {
        assert!(same(
            "",
            "v1 = iconst.i8 -1\n v2 = fcvt_from_sint.f64 v1\n v3 = f64const -0x1.0",
            2,
            3
        ));
        assert!(same(
            "",
            "v1 = iconst.i8 -1\n v2 = fcvt_from_uint.f32 v1\n v3 = f32const 0x1.fe00000p7",
            2,
            3
        ));
        assert!(!same(
            "",
            "v1 = iconst.i8 -1\n v2 = fcvt_from_uint.f32 v1\n v3 = f32const -0x1.0",
            2,
            3
        ));
    }

    #[test]
    fn bmask_and_bitselect_fold() {
        assert!(same(
            "",
            "v1 = iconst.i16 0\n v2 = bmask.i8 v1\n v3 = iconst.i8 0",
            2,
            3
        ));
        assert!(same(
            "",
            "v1 = iconst.i16 0x100\n v2 = bmask.i32 v1\n v3 = iconst.i32 -1",
            2,
            3
        ));
        assert!(same(
            "",
            "v1 = iconst.i8 0x0f\n v2 = iconst.i8 0x35\n v3 = iconst.i8 0xc3\n v4 = bitselect v1, v2, v3\n v5 = iconst.i8 0xc5",
            4,
            5
        ));
    }

    #[test]
    fn bswap_folds_on_16_32_64_bits() {
        assert!(same(
            "",
            "v1 = iconst.i32 0x1122_3344\n v2 = bswap v1\n v3 = iconst.i32 0x4433_2211",
            2,
            3
        ));
        assert!(same(
            "",
            "v1 = iconst.i16 0x1122\n v2 = bswap v1\n v3 = iconst.i16 0x2211",
            2,
            3
        ));
    }
}
