//! The `shifts` family: rewrites of Cranelift's `shifts.isle` for `ishl`,
//! `ushr`, `sshr`, `rotl` and `rotr`.
//!
//! Shift amounts are taken modulo the shifted type's (lane) width, so a
//! rule may only look at the amount modulo that width, and an amount's
//! extension or reduction does not matter (every width divides 256).

use super::util::*;
use super::Rule;
use cranelift_codegen::ir::{types, Opcode};

const SHIFTS: &[&str] = &["ishl", "ushr", "sshr", "rotl", "rotr"];

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, y, z, k, t) = (var("?x"), var("?y"), var("?z"), var("?k"), var("?t"));
    let mut r = Vec::new();
    for op in SHIFTS {
        r.push(rw(
            &format!("shifts-{op}-zero"),
            &format!("({op} ?t ?x ?k)"),
            "?x",
            vec![is_zero("?k")],
        ));
        // Zero stays zero whatever the amount.
        r.push(rw(
            &format!("shifts-{op}-of-zero"),
            &format!("({op} ?t ?k ?x)"),
            "?k",
            vec![is_zero("?k")],
        ));
        // Extends and reductions of the amount do not matter.
        for ext in ["uextend", "sextend"] {
            r.push(rw(
                &format!("shifts-{op}-amount-{ext}"),
                &format!("({op} ?t ?x ({ext} ?u ?y))"),
                &format!("({op} ?t ?x ?y)"),
                vec![],
            ));
        }
        // An `iconcat` amount: its low half holds every meaningful bit
        // (even an i8 half can hold the largest amount for i128).
        r.push(rw(
            &format!("shifts-{op}-amount-iconcat"),
            &format!("({op} ?t ?x (iconcat ?u ?y ?z))"),
            &format!("({op} ?t ?x ?y)"),
            vec![],
        ));
        r.push(rw(
            &format!("shifts-{op}-amount-ireduce"),
            &format!("({op} ?t ?x (ireduce ?u ?y))"),
            &format!("({op} ?t ?x ?y)"),
            vec![small_int("?y")],
        ));
        // Normalise a constant amount to [0, bits).
        let opc = match *op {
            "ishl" => Opcode::Ishl,
            "ushr" => Opcode::Ushr,
            "sshr" => Opcode::Sshr,
            "rotl" => Opcode::Rotl,
            _ => Opcode::Rotr,
        };
        r.push(rw_fn(
            &format!("shifts-{op}-mask-amount"),
            &format!("({op} ?t ?x ?k)"),
            vec![
                scalar_int("?t"),
                cond(move |eg, s| match (konst_at(eg, s, k), type_at(eg, s, t)) {
                    (Some((kv, _)), Some(ty)) => kv >= ty.bits() as u64,
                    _ => false,
                }),
            ],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (kv, kt) = konst_at(eg, s, k)?;
                let amt = iconst(eg, kt, kv % ty.bits() as u64)?;
                Some(inst(eg, opc, ty, &[s[x], amt]))
            },
        ));
    }
    // All ones stays all ones under sshr and rotates.
    for op in ["sshr", "rotl", "rotr"] {
        r.push(rw(
            &format!("shifts-{op}-of-all-ones"),
            &format!("({op} ?t ?k ?x)"),
            "?k",
            vec![is_all_ones("?k")],
        ));
    }
    // (x >> k) << k  =>  x & (-1 << k)
    for inner in ["ushr", "sshr"] {
        r.push(rw_fn(
            &format!("shifts-ishl-{inner}-same"),
            &format!("(ishl ?t ({inner} ?t ?x ?k) ?k)"),
            vec![small_int("?t"), is_const("?k")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (kv, _) = konst_at(eg, s, k)?;
                let m = iconst(eg, ty, u64::MAX << (kv % ty.bits() as u64))?;
                Some(inst(eg, Opcode::Band, ty, &[s[x], m]))
            },
        ));
    }
    // (x << k) >>u k  =>  x & (ones >> k)
    r.push(rw_fn(
        "shifts-ushr-ishl-same",
        "(ushr ?t (ishl ?t ?x ?k) ?k)",
        vec![small_int("?t"), is_const("?k")],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let (kv, _) = konst_at(eg, s, k)?;
            let m = iconst(eg, ty, ones(ty) >> (kv % ty.bits() as u64))?;
            Some(inst(eg, Opcode::Band, ty, &[s[x], m]))
        },
    ));
    // (x << k) >> k on an extended value, or to a narrow type's width.
    r.push(rw_fn(
        "shifts-sshr-ishl-uextend",
        "(sshr ?t (ishl ?t (uextend ?t ?x) ?k) ?k)",
        vec![scalar_int("?t"), is_const("?k")],
        move |eg, s| {
            let wide = type_at(eg, s, t)?;
            let narrow = value_type(eg, s[x])?;
            let (kv, _) = konst_at(eg, s, k)?;
            let diff = (wide.bits() - narrow.bits()) as u64;
            if kv == diff {
                Some(inst(eg, Opcode::Sextend, wide, &[s[x]]))
            } else if kv < diff {
                Some(inst(eg, Opcode::Uextend, wide, &[s[x]]))
            } else {
                None
            }
        },
    ));
    r.push(rw_fn(
        "shifts-sshr-ishl-sextend",
        "(sshr ?t (ishl ?t (sextend ?t ?x) ?k) ?k)",
        vec![scalar_int("?t"), is_const("?k")],
        move |eg, s| {
            let wide = type_at(eg, s, t)?;
            let narrow = value_type(eg, s[x])?;
            let (kv, _) = konst_at(eg, s, k)?;
            let diff = (wide.bits() - narrow.bits()) as u64;
            (kv <= diff).then(|| inst(eg, Opcode::Sextend, wide, &[s[x]]))
        },
    ));
    for (op, ext) in [("sshr", Opcode::Sextend), ("ushr", Opcode::Uextend)] {
        r.push(rw_fn(
            &format!("shifts-{op}-ishl-narrow"),
            &format!("({op} ?t (ishl ?t ?x ?k) ?k)"),
            vec![scalar_int("?t"), is_const("?k")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (kv, _) = konst_at(eg, s, k)?;
                if kv == 0 || kv >= ty.bits() as u64 {
                    return None;
                }
                let small = match ty.bits() as u64 - kv {
                    8 => types::I8,
                    16 => types::I16,
                    32 => types::I32,
                    _ => return None,
                };
                let red = inst(eg, Opcode::Ireduce, small, &[s[x]]);
                Some(inst(eg, ext, ty, &[red]))
            },
        ));
    }
    // -(x >>u (bits-1)) == x >>s (bits-1)
    r.push(rw(
        "shifts-ineg-ushr-sign",
        "(ineg ?t (ushr ?t ?x ?k))",
        "(sshr ?t ?x ?k)",
        vec![
            small_int("?t"),
            konst_is_fn_of_type("?k", "?t", |ty| ty.bits() as u64 - 1),
        ],
    ));
    // Combining shifts by constants.
    for op in ["ishl", "ushr", "sshr"] {
        let opc = match op {
            "ishl" => Opcode::Ishl,
            "ushr" => Opcode::Ushr,
            _ => Opcode::Sshr,
        };
        r.push(rw_fn(
            &format!("shifts-{op}-{op}-const"),
            &format!("({op} ?t ({op} ?t ?x ?k1) ?k2)"),
            vec![small_int("?t"), is_const("?k1"), is_const("?k2")],
            {
                let (k1, k2) = (var("?k1"), var("?k2"));
                move |eg, s| {
                    let ty = type_at(eg, s, t)?;
                    let bits = ty.bits() as u64;
                    let (a, at) = konst_at(eg, s, k1)?;
                    let (b, _) = konst_at(eg, s, k2)?;
                    let sum = (a % bits) + (b % bits);
                    if sum < bits {
                        let amt = iconst(eg, at, sum)?;
                        Some(inst(eg, opc, ty, &[s[x], amt]))
                    } else if opc == Opcode::Sshr {
                        let amt = iconst(eg, at, bits - 1)?;
                        Some(inst(eg, opc, ty, &[s[x], amt]))
                    } else {
                        Some(iconst(eg, ty, 0)?)
                    }
                }
            },
        ));
    }
    // Rotations that undo each other, and rotations that combine.
    r.push(rw(
        "shifts-rotl-rotr-undo",
        "(rotl ?t (rotr ?t ?x ?y) ?y)",
        "?x",
        vec![],
    ));
    r.push(rw(
        "shifts-rotr-rotl-undo",
        "(rotr ?t (rotl ?t ?x ?y) ?y)",
        "?x",
        vec![],
    ));
    for (outer, inner, comb, res) in [
        ("rotl", "rotl", Opcode::Iadd, Opcode::Rotl),
        ("rotr", "rotr", Opcode::Iadd, Opcode::Rotr),
        ("rotr", "rotl", Opcode::Isub, Opcode::Rotl),
        ("rotl", "rotr", Opcode::Isub, Opcode::Rotr),
    ] {
        r.push(rw_fn(
            &format!("shifts-{outer}-{inner}-combine"),
            &format!("({outer} ?t ({inner} ?t ?x ?y) ?z)"),
            vec![same_type("?y", "?z"), scalar_int("?y")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let kt = value_type(eg, s[y])?;
                let amt = inst(eg, comb, kt, &[s[y], s[z]]);
                Some(inst(eg, res, ty, &[s[x], amt]))
            },
        ));
    }
    // (x << k1) | (x >>u k2) == rotl x k1 when k1 + k2 == bits.
    r.extend(rw_fn_comm(
        "shifts-bor-to-rotl",
        "(bor ?t (ishl ?t ?x ?k1) (ushr ?t ?x ?k2))",
        vec![scalar_int("?t"), is_const("?k1"), is_const("?k2")],
        {
            let (k1, k2) = (var("?k1"), var("?k2"));
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (a, _) = konst_at(eg, s, k1)?;
                let (b, _) = konst_at(eg, s, k2)?;
                (b == (ty.bits() as u64).wrapping_sub(a))
                    .then(|| inst(eg, Opcode::Rotl, ty, &[s[x], s[k1]]))
            }
        },
    ));
    // Distribute shifts by the same amount.
    for op in ["band", "isub", "iadd"] {
        r.push(rw(
            &format!("shifts-{op}-ishl-ishl"),
            &format!("({op} ?t (ishl ?t ?x ?z) (ishl ?t ?y ?z))"),
            &format!("(ishl ?t ({op} ?t ?x ?y) ?z)"),
            vec![],
        ));
    }
    r.push(rw(
        "shifts-ushr-band-ishl",
        "(ushr ?t (band ?t (ishl ?t ?x ?y) ?z) ?y)",
        "(band ?t ?x (ushr ?t ?z ?y))",
        vec![],
    ));
    r
}
