//! The `arithmetic` family: rewrites of Cranelift's `arithmetic.isle` for
//! `iadd`, `isub`, `ineg`, `imul`, `iabs` and the integer min/max, plus the
//! comparisons of their results that it simplifies.
//!
//! Patterns are written once; [`rw_comm`] adds the other operand orders of
//! commutative operators, as Cranelift lists them by hand.

use super::util::*;
use super::Rule;
use crate::lang::mask;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::Opcode;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, k, t) = (var("?x"), var("?k"), var("?t"));
    let mut r = Vec::new();
    let mut one = |name: &str, lhs: &str, rhs: &str, conds: Vec<Cond>| {
        r.push(rw(name, lhs, rhs, conds));
    };
    // Identities and annihilators.
    one(
        "arith-iadd-zero",
        "(iadd ?t ?x ?k)",
        "?x",
        vec![is_zero("?k")],
    );
    one(
        "arith-isub-zero",
        "(isub ?t ?x ?k)",
        "?x",
        vec![is_zero("?k")],
    );
    one(
        "arith-zero-isub",
        "(isub ?t ?k ?x)",
        "(ineg ?t ?x)",
        vec![is_zero("?k")],
    );
    one(
        "arith-imul-one",
        "(imul ?t ?x ?k)",
        "?x",
        vec![is_one("?k")],
    );
    one(
        "arith-imul-zero",
        "(imul ?t ?x ?k)",
        "?k",
        vec![is_zero("?k")],
    );
    one(
        "arith-imul-neg-one",
        "(imul ?t ?x ?k)",
        "(ineg ?t ?x)",
        vec![is_all_ones("?k")],
    );
    one(
        "arith-isub-self",
        "(isub ?t ?x ?x)",
        "(iconst ?t 0)",
        // i128 too: its zero is built as Cranelift builds it (`rw`).
        vec![scalar_int("?t")],
    );
    // Negation.
    one(
        "arith-iadd-ineg",
        "(iadd ?t ?x (ineg ?t ?y))",
        "(isub ?t ?x ?y)",
        vec![],
    );
    one(
        "arith-ineg-iadd",
        "(iadd ?t (ineg ?t ?y) ?x)",
        "(isub ?t ?x ?y)",
        vec![],
    );
    one(
        "arith-ineg-isub",
        "(ineg ?t (isub ?t ?y ?x))",
        "(isub ?t ?x ?y)",
        vec![],
    );
    one(
        "arith-isub-ineg",
        "(isub ?t ?x (ineg ?t ?y))",
        "(iadd ?t ?x ?y)",
        vec![],
    );
    one("arith-ineg-ineg", "(ineg ?t (ineg ?t ?x))", "?x", vec![]);
    one(
        "arith-imul-ineg-ineg",
        "(imul ?t (ineg ?t ?x) (ineg ?t ?y))",
        "(imul ?t ?x ?y)",
        vec![],
    );
    one(
        "arith-iabs-ineg",
        "(iabs ?t (ineg ?t ?x))",
        "(iabs ?t ?x)",
        vec![],
    );
    one(
        "arith-iabs-iabs",
        "(iabs ?t (iabs ?t ?x))",
        "(iabs ?t ?x)",
        vec![],
    );
    one(
        "arith-bnot-plus-one",
        "(iadd ?t (bnot ?t ?x) ?k)",
        "(ineg ?t ?x)",
        vec![is_one("?k")],
    );
    one(
        "arith-bnot-isub-one",
        "(bnot ?t (isub ?t ?x ?k))",
        "(ineg ?t ?x)",
        vec![is_one("?k")],
    );
    one(
        "arith-bnot-iadd-neg-one",
        "(bnot ?t (iadd ?t ?x ?k))",
        "(ineg ?t ?x)",
        vec![is_all_ones("?k")],
    );
    one(
        "arith-ineg-bnot",
        "(ineg ?t (bnot ?t ?x))",
        "(iadd ?t ?x (iconst ?t 1))",
        vec![small_int("?t")],
    );
    one(
        "arith-bnot-ineg",
        "(bnot ?t (ineg ?t ?x))",
        "(isub ?t ?x (iconst ?t 1))",
        vec![small_int("?t")],
    );
    one(
        "arith-neg-one-isub",
        "(isub ?t ?k ?x)",
        "(bnot ?t ?x)",
        vec![is_all_ones("?k")],
    );
    one(
        "arith-isub-isub-self",
        "(isub ?t (isub ?t ?x ?y) ?x)",
        "(ineg ?t ?y)",
        vec![],
    );
    one(
        "arith-isub-isub-common-right",
        "(isub ?t (isub ?t ?x ?z) (isub ?t ?y ?z))",
        "(isub ?t ?x ?y)",
        vec![],
    );
    one(
        "arith-isub-isub-common-left",
        "(isub ?t (isub ?t ?x ?y) (isub ?t ?x ?z))",
        "(isub ?t ?z ?y)",
        vec![],
    );
    // Strength reduction.
    one(
        "arith-imul-two",
        "(imul ?t ?x ?k)",
        "(iadd ?t ?x ?x)",
        vec![is_konst("?k", 2)],
    );
    r.push(rw_fn(
        "arith-imul-pow2",
        "(imul ?t ?x ?k)",
        vec![
            small_int("?t"),
            konst_where("?k", |k, _| k.is_power_of_two()),
        ],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let (kv, _) = konst_at(eg, s, k)?;
            let amt = iconst(eg, ty, kv.trailing_zeros() as u64)?;
            Some(inst(eg, Opcode::Ishl, ty, &[s[x], amt]))
        },
    ));
    // (-x) * k => x * (-k)
    r.push(rw_fn(
        "arith-imul-ineg-const",
        "(imul ?t (ineg ?t ?x) ?k)",
        vec![small_int("?t"), is_const("?k")],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let (kv, _) = konst_at(eg, s, k)?;
            let nk = iconst(eg, ty, kv.wrapping_neg())?;
            Some(inst(eg, Opcode::Imul, ty, &[s[x], nk]))
        },
    ));
    // (x | k) + (-k) => x & ~k
    r.push(rw_fn(
        "arith-bor-const-plus-neg",
        "(iadd ?t (bor ?t ?x ?k1) ?k2)",
        vec![small_int("?t"), is_const("?k1"), is_const("?k2")],
        {
            let (k1, k2) = (var("?k1"), var("?k2"));
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (a, _) = konst_at(eg, s, k1)?;
                let (b, _) = konst_at(eg, s, k2)?;
                if mask(ty, a.wrapping_neg()) != b {
                    return None;
                }
                let nk = iconst(eg, ty, !a)?;
                Some(inst(eg, Opcode::Band, ty, &[s[x], nk]))
            }
        },
    ));
    r.extend(rw_comm(
        "arith-imul-ishl-one",
        "(imul ?t ?x (ishl ?t ?k ?y))",
        "(ishl ?t ?x ?y)",
        vec![is_one("?k")],
    ));
    // Cancellations.
    let comm = [
        (
            "arith-iadd-minus-bor",
            "(isub ?t (iadd ?t ?x ?y) (bor ?t ?x ?y))",
            "(band ?t ?x ?y)",
        ),
        ("arith-isub-plus-y", "(iadd ?t (isub ?t ?x ?y) ?y)", "?x"),
        ("arith-iadd-minus-x", "(isub ?t (iadd ?t ?x ?y) ?x)", "?y"),
        (
            "arith-iadd-plus-ineg",
            "(iadd ?t (iadd ?t ?x ?y) (ineg ?t ?y))",
            "?x",
        ),
        (
            "arith-bor-minus-band",
            "(isub ?t (bor ?t ?x ?y) (band ?t ?x ?y))",
            "(bxor ?t ?x ?y)",
        ),
        (
            "arith-iadd-minus-band",
            "(isub ?t (iadd ?t ?x ?y) (band ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "arith-bor-minus-bxor",
            "(isub ?t (bor ?t ?x ?y) (bxor ?t ?x ?y))",
            "(band ?t ?x ?y)",
        ),
        (
            "arith-iadd-minus-iadd",
            "(isub ?t (iadd ?t ?x ?y) (iadd ?t ?x ?z))",
            "(isub ?t ?y ?z)",
        ),
        (
            "arith-umin-plus-umax",
            "(iadd ?t (umin ?t ?x ?y) (umax ?t ?x ?y))",
            "(iadd ?t ?x ?y)",
        ),
        (
            "arith-smin-plus-smax",
            "(iadd ?t (smin ?t ?x ?y) (smax ?t ?x ?y))",
            "(iadd ?t ?x ?y)",
        ),
        (
            "arith-isub-plus-iadd",
            "(iadd ?t (isub ?t ?x ?y) (iadd ?t ?y ?z))",
            "(iadd ?t ?x ?z)",
        ),
        (
            "arith-x-minus-iadd",
            "(isub ?t ?x (iadd ?t ?x ?y))",
            "(ineg ?t ?y)",
        ),
        (
            "arith-iadd-iadd-isub",
            "(iadd ?t ?x (iadd ?t ?y (isub ?t ?z ?x)))",
            "(iadd ?t ?y ?z)",
        ),
        (
            "arith-ineg-imul-ineg",
            "(ineg ?t (imul ?t (ineg ?t ?y) ?x))",
            "(imul ?t ?x ?y)",
        ),
        // min/max of equal operands and absorption.
        ("arith-umin-self", "(umin ?t ?x ?x)", "?x"),
        ("arith-umax-self", "(umax ?t ?x ?x)", "?x"),
        ("arith-smin-self", "(smin ?t ?x ?x)", "?x"),
        ("arith-smax-self", "(smax ?t ?x ?x)", "?x"),
    ];
    for (name, lhs, rhs) in comm {
        r.extend(rw_comm(name, lhs, rhs, vec![]));
    }
    for op in ["umin", "umax", "smin", "smax"] {
        r.extend(rw_comm(
            &format!("arith-{op}-{op}-absorb"),
            &format!("({op} ?t ({op} ?t ?x ?y) ?x)"),
            &format!("({op} ?t ?x ?y)"),
            vec![],
        ));
    }
    for (outer, inner) in [
        ("smin", "smax"),
        ("smax", "smin"),
        ("umin", "umax"),
        ("umax", "umin"),
    ] {
        // min(max(x, y), y) => y ; max(min(x, y), y) => y
        r.extend(rw_comm(
            &format!("arith-{outer}-{inner}-absorb"),
            &format!("({outer} ?t ({inner} ?t ?x ?y) ?y)"),
            "?y",
            vec![],
        ));
        // min(max(x, y), min(x, y)) => min(x, y), and max likewise.
        r.extend(rw_comm(
            &format!("arith-{outer}-{inner}-{outer}"),
            &format!("({outer} ?t ({inner} ?t ?x ?y) ({outer} ?t ?x ?y))"),
            &format!("({outer} ?t ?x ?y)"),
            vec![],
        ));
    }
    // (~x) + x == -1
    r.extend(rw_fn_comm(
        "arith-bnot-plus-self",
        "(iadd ?t (bnot ?t ?x) ?x)",
        vec![small_int("?t")],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            iconst(eg, ty, u64::MAX)
        },
    ));
    // Open-coded high multiplication: (x as wide * y as wide) >> half.
    for (shr, ext, hi, tag) in [
        ("sshr", "sextend", Opcode::Smulhi, "smulhi"),
        ("ushr", "uextend", Opcode::Umulhi, "umulhi"),
    ] {
        let (y, k) = (var("?y"), var("?k"));
        r.push(rw_fn(
            &format!("arith-{tag}-open-coded"),
            &format!("({shr} ?t (imul ?t ({ext} ?t ?x) ({ext} ?t ?y)) ?k)"),
            vec![],
            move |eg, s| {
                let wide = type_at(eg, s, t)?;
                let half = value_type(eg, s[x])?;
                if !wide.is_int() || half.bits() * 2 != wide.bits() || value_type(eg, s[y])? != half
                {
                    return None;
                }
                if konst_at(eg, s, k)?.0 != half.bits() as u64 {
                    return None;
                }
                let h = inst(eg, hi, half, &[s[x], s[y]]);
                let ext_op = if shr == "sshr" {
                    Opcode::Sextend
                } else {
                    Opcode::Uextend
                };
                Some(inst(eg, ext_op, wide, &[h]))
            },
        ));
    }
    // Comparisons of arithmetic. Cranelift writes some of these with one
    // type variable for the comparison's result and its operand's operation
    // (`(sge ty (smax ty x y) x)`), so they only fire when those types
    // coincide: `i8` operands or vectors (`cmp_shares_type`). The others
    // hold for every integer and vector type.
    r.extend(rw_cmp_const(
        "arith-icmp-eq-iadd-commuted",
        "(icmp ?t eq (iadd ?t ?x ?y) (iadd ?t ?y ?x))",
        true,
        vec![int_or_vector("?t")],
    ));
    for (name, lhs, cc, keep) in [
        (
            "arith-icmp-ne-isub-self",
            "(icmp ?t ne (isub ?t ?x ?y) ?x)",
            IntCC::NotEqual,
            "?y",
        ),
        (
            "arith-icmp-eq-isub-self",
            "(icmp ?t eq (isub ?t ?x ?y) ?x)",
            IntCC::Equal,
            "?y",
        ),
        (
            "arith-icmp-eq-iadd-self",
            "(icmp ?t eq (iadd ?t ?x ?y) ?y)",
            IntCC::Equal,
            "?x",
        ),
    ] {
        let keep = var(keep);
        r.extend(rw_fn_comm(
            name,
            lhs,
            vec![int_or_vector("?t")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let zero = crate::lang::constants::iconst_u(eg, ty, 0)?;
                Some(icmp(eg, cc, ty, s[keep], zero))
            },
        ));
    }
    r.extend(rw_comm(
        "arith-icmp-eq-ineg-ineg",
        "(icmp ?t eq (ineg ?t ?x) (ineg ?t ?y))",
        "(icmp ?t eq ?x ?y)",
        vec![cmp_shares_type("?t")],
    ));
    for (name, lhs, truth) in [
        // max(x, y) >= x ; x >= min(x, y)
        (
            "arith-icmp-sge-smax",
            "(icmp ?t sge (smax ?t ?x ?y) ?x)",
            true,
        ),
        (
            "arith-icmp-sle-smax",
            "(icmp ?t sle ?x (smax ?t ?x ?y))",
            true,
        ),
        (
            "arith-icmp-uge-umax",
            "(icmp ?t uge (umax ?t ?x ?y) ?x)",
            true,
        ),
        (
            "arith-icmp-ule-umax",
            "(icmp ?t ule ?x (umax ?t ?x ?y))",
            true,
        ),
        (
            "arith-icmp-sge-smin",
            "(icmp ?t sge ?x (smin ?t ?x ?y))",
            true,
        ),
        (
            "arith-icmp-sle-smin",
            "(icmp ?t sle (smin ?t ?x ?y) ?x)",
            true,
        ),
        (
            "arith-icmp-uge-umin",
            "(icmp ?t uge ?x (umin ?t ?x ?y))",
            true,
        ),
        (
            "arith-icmp-ule-umin",
            "(icmp ?t ule (umin ?t ?x ?y) ?x)",
            true,
        ),
        // x > max(x, y)
        (
            "arith-icmp-sgt-smax",
            "(icmp ?t sgt ?x (smax ?t ?x ?y))",
            false,
        ),
        (
            "arith-icmp-slt-smax",
            "(icmp ?t slt (smax ?t ?x ?y) ?x)",
            false,
        ),
        (
            "arith-icmp-ugt-umax",
            "(icmp ?t ugt ?x (umax ?t ?x ?y))",
            false,
        ),
        (
            "arith-icmp-ult-umax",
            "(icmp ?t ult (umax ?t ?x ?y) ?x)",
            false,
        ),
    ] {
        r.extend(rw_cmp_const(name, lhs, truth, vec![cmp_shares_type("?t")]));
    }
    // (x * c) == d  =>  x == d / c  when c is odd and divides d.
    for (name, cc) in [("eq", IntCC::Equal), ("ne", IntCC::NotEqual)] {
        r.extend(rw_fn_comm(
            &format!("arith-icmp-{name}-imul-odd-const"),
            &format!("(icmp ?t {name} (imul ?t ?x ?k) ?d)"),
            vec![
                small_int("?t"),
                konst_where("?k", |k, _| k % 2 == 1),
                is_const("?d"),
            ],
            {
                let d = var("?d");
                move |eg, s| {
                    let ty = type_at(eg, s, t)?;
                    let (kv, _) = konst_at(eg, s, k)?;
                    let (dv, _) = konst_at(eg, s, d)?;
                    if dv % kv != 0 {
                        return None;
                    }
                    let q = iconst(eg, ty, dv / kv)?;
                    Some(icmp(eg, cc, ty, s[x], q))
                }
            },
        ));
    }
    r
}
