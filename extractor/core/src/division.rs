//! Division and remainder by a constant, as Cranelift's skeleton rules do it
//! (`opts/arithmetic.isle`, `opts/cprop.isle`, with the magic numbers of
//! `opts/div_const.rs`).
//!
//! A `udiv`/`sdiv`/`urem`/`srem` whose divisor is a known constant that
//! makes it unable to trap is replaced by pure arithmetic:
//!
//! * constant operands fold (except `MIN / -1`, which traps);
//! * `x / 1 = x`, `x % 1 = 0`, `x srem -1 = 0`;
//! * powers of two (of either sign for the signed operations) become shifts
//!   and masks;
//! * other 32- and 64-bit divisors multiply by a "magic" reciprocal (Hacker's
//!   Delight, chapter 10) and shift.
//!
//! The sequences are exactly Cranelift's, including which intermediate
//! results it leaves to its shift-by-zero cleanup rules, so that the
//! baseline computes what Cranelift computes. The magic numbers are computed
//! here from the published algorithms; tests check them against known
//! values and the interpreter checks every rewrite end to end.

use crate::lang::constants::{iconst_s, iconst_u};
use crate::lang::{mask, sext, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::{types, Opcode, Type};
use egg::Id;

/// The multiplier and shift for unsigned division by a constant.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UnsignedMagic {
    /// Multiply the dividend by this (high half of the product).
    pub mul_by: u64,
    /// Whether the multiplier overflowed the word: add the dividend back.
    pub do_add: bool,
    /// Shift right by this afterwards.
    pub shift_by: u32,
}

/// The multiplier and shift for signed division by a constant.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SignedMagic {
    /// Multiply the dividend by this (signed high half of the product).
    pub mul_by: i64,
    /// Shift right (arithmetically) by this afterwards.
    pub shift_by: u32,
}

/// All ones in a `bits`-wide word, as a `u128`.
fn word_mask(bits: u32) -> u128 {
    (1u128 << bits) - 1
}

/// Unsigned magic number for dividing `bits`-bit words by `d` (not 0, not a
/// power of two): the smallest shift for which a `bits + 1`-bit multiplier
/// gives exact quotients for every dividend.
pub fn unsigned_magic(d: u64, bits: u32) -> UnsignedMagic {
    let m = word_mask(bits);
    let d = d as u128 & m;
    assert!(d > 1, "no magic number for {d}");
    let half = 1u128 << (bits - 1);
    // The largest dividend whose remainder by d is d - 1.
    let nc = m - ((m + 1 - d) % d);
    let mut p = bits - 1;
    let (mut q1, mut r1) = (half / nc, half % nc);
    let (mut q2, mut r2) = ((half - 1) / d, (half - 1) % d);
    let mut add = false;
    loop {
        p += 1;
        if r1 >= nc - r1 {
            q1 = (2 * q1 + 1) & m;
            r1 = 2 * r1 - nc;
        } else {
            q1 = (2 * q1) & m;
            r1 *= 2;
        }
        if r2 + 1 >= d - r2 {
            add |= q2 >= half - 1;
            q2 = (2 * q2 + 1) & m;
            r2 = 2 * r2 + 1 - d;
        } else {
            add |= q2 >= half;
            q2 = (2 * q2) & m;
            r2 = 2 * r2 + 1;
        }
        let delta = d - 1 - r2;
        if !(p < 2 * bits && (q1 < delta || (q1 == delta && r1 == 0))) {
            break;
        }
    }
    UnsignedMagic {
        mul_by: ((q2 + 1) & m) as u64,
        do_add: add,
        shift_by: p - bits,
    }
}

/// Signed magic number for dividing `bits`-bit words by `d` (not 0, not a
/// power of two of either sign).
pub fn signed_magic(d: i64, bits: u32) -> SignedMagic {
    let m = word_mask(bits);
    let half = 1u128 << (bits - 1);
    let ad = d.unsigned_abs() as u128 & m;
    assert!(ad > 1, "no magic number for {d}");
    let t = half + (d < 0) as u128;
    // |nc|: the largest dividend magnitude whose remainder is |d| - 1.
    let anc = t - 1 - t % ad;
    let mut p = bits - 1;
    let (mut q1, mut r1) = (half / anc, half % anc);
    let (mut q2, mut r2) = (half / ad, half % ad);
    loop {
        p += 1;
        q1 = (2 * q1) & m;
        r1 *= 2;
        if r1 >= anc {
            q1 = (q1 + 1) & m;
            r1 -= anc;
        }
        q2 = (2 * q2) & m;
        r2 *= 2;
        if r2 >= ad {
            q2 = (q2 + 1) & m;
            r2 -= ad;
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let magic = (q2 + 1) & m;
    let magic = if d < 0 {
        magic.wrapping_neg() & m
    } else {
        magic
    };
    SignedMagic {
        mul_by: sext_bits(magic as u64, bits),
        shift_by: p - bits,
    }
}

fn sext_bits(x: u64, bits: u32) -> i64 {
    let s = 64 - bits;
    ((x << s) as i64) >> s
}

/// The class computing `op x, d` where `d` is the divisor's constant bits
/// (zero-extended from `ty`), or `None` when Cranelift keeps the division.
/// `kx` is the dividend's constant, if known.
pub fn replace(
    egraph: &mut ClifEGraph,
    op: Opcode,
    ty: Type,
    x: Id,
    kx: Option<u64>,
    d: u64,
) -> Option<Id> {
    if !ty.is_int() || ty.bits() > 64 || d == 0 {
        return None;
    }
    let bits = ty.bits();
    let sd = sext(ty, d);
    let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
    let smin = sext(ty, mask(ty, 1u64 << (bits - 1)));
    // Constant dividend: fold (cprop.isle), unless it would trap.
    if let Some(a) = kx {
        let sa = sext(ty, a);
        let folded = match op {
            Opcode::Udiv => Some(a / d),
            Opcode::Urem => Some(a % d),
            Opcode::Sdiv if !(sa == smin && sd == -1) => Some(sa.wrapping_div(sd) as u64),
            Opcode::Srem => Some(sa.wrapping_rem(sd) as u64),
            _ => None,
        };
        if let Some(k) = folded {
            return iconst_u(egraph, ty, mask(ty, k));
        }
    }
    let pow2 = d.is_power_of_two();
    let neg_pow2 = (sd.wrapping_neg() as u64).is_power_of_two();
    match op {
        Opcode::Udiv | Opcode::Sdiv if (signed && sd == 1) || (!signed && d == 1) => Some(x),
        Opcode::Urem if d == 1 => iconst_u(egraph, ty, 0),
        Opcode::Srem if sd == 1 || sd == -1 => iconst_u(egraph, ty, 0),
        Opcode::Udiv if pow2 => {
            let k = iconst_u(egraph, ty, d.trailing_zeros() as u64)?;
            Some(bin(egraph, Opcode::Ushr, ty, x, k))
        }
        Opcode::Urem if pow2 => {
            let low = iconst_u(egraph, ty, d - 1)?;
            Some(bin(egraph, Opcode::Band, ty, x, low))
        }
        Opcode::Sdiv if pow2 && d.trailing_zeros() < bits - 1 => {
            Some(signed_pow2_quotient(egraph, ty, x, d.trailing_zeros())?)
        }
        Opcode::Sdiv if neg_pow2 && sd != -1 => {
            let q = signed_pow2_quotient(egraph, ty, x, sd.trailing_zeros())?;
            Some(un(egraph, Opcode::Ineg, ty, q))
        }
        Opcode::Srem if pow2 || neg_pow2 => {
            let k = sd.trailing_zeros();
            let t3 = round_toward_zero(egraph, ty, x, k)?;
            let m = iconst_s(egraph, ty, (1i64 << k).wrapping_neg())?;
            let t4 = bin(egraph, Opcode::Band, ty, t3, m);
            Some(bin(egraph, Opcode::Isub, ty, x, t4))
        }
        _ if bits != 32 && bits != 64 => None,
        Opcode::Udiv | Opcode::Urem if !pow2 => {
            let q = unsigned_magic_quotient(egraph, ty, x, d)?;
            if op == Opcode::Udiv {
                Some(q)
            } else {
                let dk = iconst_u(egraph, ty, d)?;
                remainder(egraph, ty, x, q, dk)
            }
        }
        Opcode::Sdiv | Opcode::Srem if !pow2 && !neg_pow2 => {
            let q = signed_magic_quotient(egraph, ty, x, sd)?;
            if op == Opcode::Sdiv {
                Some(q)
            } else {
                let dk = iconst_s(egraph, ty, sd)?;
                remainder(egraph, ty, x, q, dk)
            }
        }
        _ => None,
    }
}

fn un(egraph: &mut ClifEGraph, op: Opcode, ty: Type, a: Id) -> Id {
    let t = egraph.add(ClifNode::leaf(Op::Type(ty)));
    egraph.add(ClifNode::new(Op::Inst(op), [t, a]))
}

fn bin(egraph: &mut ClifEGraph, op: Opcode, ty: Type, a: Id, b: Id) -> Id {
    let t = egraph.add(ClifNode::leaf(Op::Type(ty)));
    egraph.add(ClifNode::new(Op::Inst(op), [t, a, b]))
}

/// A shift by a constant; by zero it is the operand itself (Cranelift's
/// `x >> 0 = x` rule cleans up the shifts its sequences make).
fn shift(egraph: &mut ClifEGraph, op: Opcode, ty: Type, x: Id, by: u32) -> Option<Id> {
    if by == 0 {
        return Some(x);
    }
    let k = iconst_u(egraph, ty, by as u64)?;
    Some(bin(egraph, op, ty, x, k))
}

/// `x + ((x >>s (k - 1)) >>u (bits - k))`: `x` biased so that an arithmetic
/// shift by `k` rounds toward zero.
fn round_toward_zero(egraph: &mut ClifEGraph, ty: Type, x: Id, k: u32) -> Option<Id> {
    let t1 = shift(egraph, Opcode::Sshr, ty, x, k - 1)?;
    let t2 = shift(egraph, Opcode::Ushr, ty, t1, ty.bits() - k)?;
    Some(bin(egraph, Opcode::Iadd, ty, x, t2))
}

/// `x / 2^k`, signed, rounding toward zero.
fn signed_pow2_quotient(egraph: &mut ClifEGraph, ty: Type, x: Id, k: u32) -> Option<Id> {
    let t3 = round_toward_zero(egraph, ty, x, k)?;
    let k = iconst_s(egraph, ty, k as i64)?;
    Some(bin(egraph, Opcode::Sshr, ty, t3, k))
}

/// `x - q * d`.
fn remainder(egraph: &mut ClifEGraph, ty: Type, x: Id, q: Id, d: Id) -> Option<Id> {
    let tt = bin(egraph, Opcode::Imul, ty, q, d);
    Some(bin(egraph, Opcode::Isub, ty, x, tt))
}

fn unsigned_magic_quotient(egraph: &mut ClifEGraph, ty: Type, x: Id, d: u64) -> Option<Id> {
    let magic = unsigned_magic(d, ty.bits());
    let m = iconst_u(egraph, ty, magic.mul_by)?;
    let q0 = bin(egraph, Opcode::Umulhi, ty, x, m);
    if magic.do_add {
        let q1 = bin(egraph, Opcode::Isub, ty, x, q0);
        let q2 = shift(egraph, Opcode::Ushr, ty, q1, 1)?;
        let q3 = bin(egraph, Opcode::Iadd, ty, q0, q2);
        if magic.shift_by == 0 {
            Some(q3)
        } else {
            shift(egraph, Opcode::Ushr, ty, q3, magic.shift_by - 1)
        }
    } else {
        shift(egraph, Opcode::Ushr, ty, q0, magic.shift_by)
    }
}

fn signed_magic_quotient(egraph: &mut ClifEGraph, ty: Type, x: Id, d: i64) -> Option<Id> {
    let bits = ty.bits();
    let magic = signed_magic(d, bits);
    let m = iconst_s(egraph, ty, magic.mul_by)?;
    let q1 = bin(egraph, Opcode::Smulhi, ty, x, m);
    let q2 = if d > 0 && magic.mul_by < 0 {
        bin(egraph, Opcode::Iadd, ty, q1, x)
    } else if d < 0 && magic.mul_by > 0 {
        bin(egraph, Opcode::Isub, ty, q1, x)
    } else {
        q1
    };
    let q3 = shift(egraph, Opcode::Sshr, ty, q2, magic.shift_by)?;
    let t1 = shift(egraph, Opcode::Ushr, ty, q3, bits - 1)?;
    Some(bin(egraph, Opcode::Iadd, ty, q3, t1))
}

/// Is `ty` one of the integer types `replace` handles?
pub fn handles(ty: Type) -> bool {
    matches!(ty, types::I8 | types::I16 | types::I32 | types::I64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_magic_numbers_match_hackers_delight() {
        let u = |d, b| unsigned_magic(d, b);
        assert_eq!(
            u(3, 32),
            UnsignedMagic {
                mul_by: 0xAAAA_AAAB,
                do_add: false,
                shift_by: 1
            }
        );
        assert_eq!(
            u(7, 32),
            UnsignedMagic {
                mul_by: 0x2492_4925,
                do_add: true,
                shift_by: 3
            }
        );
        assert_eq!(
            u(10, 32),
            UnsignedMagic {
                mul_by: 0xCCCC_CCCD,
                do_add: false,
                shift_by: 3
            }
        );
        assert_eq!(
            u(7, 64),
            UnsignedMagic {
                mul_by: 0x2492_4924_9249_2493,
                do_add: true,
                shift_by: 3
            }
        );
    }

    #[test]
    fn signed_magic_numbers_match_hackers_delight() {
        let s = |d, b| signed_magic(d, b);
        assert_eq!(
            s(3, 32),
            SignedMagic {
                mul_by: 0x5555_5556,
                shift_by: 0
            }
        );
        assert_eq!(
            s(5, 32),
            SignedMagic {
                mul_by: 0x6666_6667,
                shift_by: 1
            }
        );
        assert_eq!(
            s(7, 32),
            SignedMagic {
                mul_by: 0x9249_2493u32 as i32 as i64,
                shift_by: 2
            }
        );
        assert_eq!(
            s(-5, 32),
            SignedMagic {
                mul_by: 0x9999_9999u32 as i32 as i64,
                shift_by: 1
            }
        );
        assert_eq!(
            s(3, 64),
            SignedMagic {
                mul_by: 0x5555_5555_5555_5556,
                shift_by: 0
            }
        );
    }

    /// Every magic number divides exactly, over a spread of dividends.
    #[test]
    fn magic_numbers_divide_exactly() {
        let xs32: Vec<u32> = (0..2000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .chain([0, 1, u32::MAX, u32::MAX - 1, 1 << 31, (1 << 31) - 1])
            .collect();
        for d in (3u32..200)
            .filter(|d| !d.is_power_of_two())
            .chain([641, 0xFFFF_FFFF, 0x8000_0001])
        {
            let m = unsigned_magic(d as u64, 32);
            for &x in &xs32 {
                let hi = ((x as u64 * m.mul_by) >> 32) as u32;
                let q = if m.do_add {
                    let t = ((x - hi) >> 1) + hi;
                    t >> m.shift_by.saturating_sub(1)
                } else {
                    hi >> m.shift_by
                };
                assert_eq!(q, x / d, "{x} / {d}");
            }
        }
        for d in
            (-200i32..200).filter(|d| d.unsigned_abs() > 1 && !d.unsigned_abs().is_power_of_two())
        {
            let m = signed_magic(d as i64, 32);
            for &x in &xs32 {
                let x = x as i32;
                let mut q = ((x as i64 * m.mul_by) >> 32) as i32;
                if d > 0 && m.mul_by < 0 {
                    q = q.wrapping_add(x);
                } else if d < 0 && m.mul_by > 0 {
                    q = q.wrapping_sub(x);
                }
                q >>= m.shift_by;
                q += ((q as u32) >> 31) as i32;
                assert_eq!(q, x.wrapping_div(d), "{x} / {d}");
            }
        }
    }
}
