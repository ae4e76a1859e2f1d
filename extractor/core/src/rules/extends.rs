//! The `extends` family: rewrites of Cranelift's `extends.isle` for
//! `uextend`, `sextend` and `ireduce`.
//!
//! A `uextend`/`sextend` node's type child is its *result* type; the operand
//! type is the operand class's value type, which computed right-hand sides
//! read from the class data.

use super::util::*;
use super::Rule;
use crate::lang::mask;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::Opcode;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, y, t, k) = (var("?x"), var("?y"), var("?t"), var("?k"));
    let mut r = Vec::new();
    // An `iconcat` (whose type child is its operands' type, i64 for an
    // i128 result) with a zero high half is a zero extension; with the low
    // half's sign as its high half, a sign extension.
    r.push(rw(
        "extends-iconcat-zero-high",
        "(iconcat i64 ?x ?k)",
        "(uextend i128 ?x)",
        vec![is_zero("?k")],
    ));
    r.push(rw(
        "extends-iconcat-sign-high",
        "(iconcat i64 ?x (sshr i64 ?x ?k))",
        "(sextend i128 ?x)",
        vec![konst_where("?k", |k, _| k == 63)],
    ));
    r.push(rw(
        "extends-uextend-uextend",
        "(uextend ?t (uextend ?u ?x))",
        "(uextend ?t ?x)",
        vec![],
    ));
    r.push(rw(
        "extends-sextend-sextend",
        "(sextend ?t (sextend ?u ?x))",
        "(sextend ?t ?x)",
        vec![],
    ));
    r.push(rw(
        "extends-sextend-uextend",
        "(sextend ?t (uextend ?u ?x))",
        "(uextend ?t ?x)",
        vec![],
    ));
    r.push(rw(
        "extends-sextend-icmp",
        "(sextend ?t (icmp ?u ?cc ?a ?b))",
        "(uextend ?t (icmp ?u ?cc ?a ?b))",
        vec![scalar_int("?u")],
    ));
    // Masking that keeps all of a uextend's operand bits is a no-op.
    r.push(rw(
        "extends-band-uextend-mask",
        "(band ?t (uextend ?t ?x) ?k)",
        "(uextend ?t ?x)",
        vec![
            small_int("?t"),
            cond(
                move |eg, s| match (value_type(eg, s[x]), konst_at(eg, s, k)) {
                    (Some(n), Some((kv, _))) => {
                        let m = mask(n, u64::MAX);
                        kv & m == m
                    }
                    _ => false,
                },
            ),
        ],
    ));
    // Masking a sextend to its operand's width is a uextend.
    r.push(rw(
        "extends-band-sextend-mask",
        "(band ?t (sextend ?t ?x) ?k)",
        "(uextend ?t ?x)",
        vec![
            small_int("?t"),
            cond(
                move |eg, s| match (value_type(eg, s[x]), konst_at(eg, s, k)) {
                    (Some(n), Some((kv, _))) => kv == mask(n, u64::MAX),
                    _ => false,
                },
            ),
        ],
    ));
    // A zero-extended value is never negative.
    r.push(rw(
        "extends-slt-uextend-zero",
        "(icmp ?t slt (uextend ?t ?x) ?k)",
        "(iconst i8 0)",
        vec![scalar_int("?t"), is_zero("?k")],
    ));
    r.push(rw(
        "extends-sge-uextend-zero",
        "(icmp ?t sge (uextend ?t ?x) ?k)",
        "(iconst i8 1)",
        vec![scalar_int("?t"), is_zero("?k")],
    ));
    // Sign-extension preserves comparisons with zero (except unsigned ones).
    for (c, cc) in [
        ("eq", IntCC::Equal),
        ("ne", IntCC::NotEqual),
        ("slt", IntCC::SignedLessThan),
        ("sle", IntCC::SignedLessThanOrEqual),
        ("sgt", IntCC::SignedGreaterThan),
        ("sge", IntCC::SignedGreaterThanOrEqual),
    ] {
        r.push(rw_fn(
            &format!("extends-{c}-sextend-zero"),
            &format!("(icmp ?t {c} (sextend ?t ?x) ?k)"),
            vec![is_zero("?k"), small_int("?x")],
            move |eg, s| {
                let n = value_type(eg, s[x])?;
                let zero = iconst(eg, n, 0)?;
                Some(icmp(eg, cc, n, s[x], zero))
            },
        ));
    }
    // Reducing an extension.
    for ext in ["sextend", "uextend"] {
        let opc = if ext == "sextend" {
            Opcode::Sextend
        } else {
            Opcode::Uextend
        };
        r.push(rw(
            &format!("extends-ireduce-{ext}-same"),
            &format!("(ireduce ?t ({ext} ?u ?x))"),
            "?x",
            vec![same_type("?t", "?x")],
        ));
        r.push(rw_fn(
            &format!("extends-ireduce-{ext}-other"),
            &format!("(ireduce ?t ({ext} ?u ?x))"),
            vec![scalar_int("?t")],
            move |eg, s| {
                let fin = type_at(eg, s, t)?;
                let init = value_type(eg, s[x])?;
                if fin.bits() < init.bits() {
                    Some(inst(eg, Opcode::Ireduce, fin, &[s[x]]))
                } else if init.bits() < fin.bits() {
                    Some(inst(eg, opc, fin, &[s[x]]))
                } else {
                    None
                }
            },
        ));
    }
    // Bitwise ops commute with uextend.
    for (op, opc) in [
        ("band", Opcode::Band),
        ("bor", Opcode::Bor),
        ("bxor", Opcode::Bxor),
    ] {
        r.push(rw_fn(
            &format!("extends-{op}-uextend-uextend"),
            &format!("({op} ?t (uextend ?t ?x) (uextend ?t ?y))"),
            vec![same_type("?x", "?y")],
            move |eg, s| {
                let small = value_type(eg, s[x])?;
                let ty = type_at(eg, s, t)?;
                let inner = inst(eg, opc, small, &[s[x], s[y]]);
                Some(inst(eg, Opcode::Uextend, ty, &[inner]))
            },
        ));
    }
    // Reduce before operating when high bits do not affect low bits.
    for op in ["ineg", "bnot"] {
        r.push(rw(
            &format!("extends-ireduce-{op}"),
            &format!("(ireduce ?t ({op} ?u ?x))"),
            &format!("({op} ?t (ireduce ?t ?x))"),
            vec![],
        ));
    }
    for op in ["iadd", "isub", "imul", "bor", "bxor", "band"] {
        r.push(rw(
            &format!("extends-ireduce-{op}"),
            &format!("(ireduce ?t ({op} ?u ?x ?y))"),
            &format!("({op} ?t (ireduce ?t ?x) (ireduce ?t ?y))"),
            vec![],
        ));
    }
    r.push(rw(
        "extends-ireduce-ireduce",
        "(ireduce ?t (ireduce ?u ?x))",
        "(ireduce ?t ?x)",
        vec![],
    ));
    r
}
