//! The `icmp` family: rewrites of Cranelift's `icmp.isle`.
//!
//! In this e-graph an `icmp`'s type child is its *operand* type; for a scalar
//! operand type the result is `i8`, which is what every rule producing a
//! constant `i8` result checks (`scalar_int("?t")`).

use super::util::*;
use super::Rule;
use cranelift_codegen::ir::condcodes::{CondCode, IntCC};
use cranelift_codegen::ir::{types, Opcode};

/// Cranelift's decomposition of a condition into {=, <, >} bits.
fn decompose(cc: IntCC) -> (u8, Option<bool>) {
    use IntCC::*;
    match cc {
        Equal => (1, None),
        NotEqual => (6, None),
        UnsignedLessThan => (2, Some(false)),
        SignedLessThan => (2, Some(true)),
        UnsignedLessThanOrEqual => (3, Some(false)),
        SignedLessThanOrEqual => (3, Some(true)),
        UnsignedGreaterThan => (4, Some(false)),
        SignedGreaterThan => (4, Some(true)),
        UnsignedGreaterThanOrEqual => (5, Some(false)),
        SignedGreaterThanOrEqual => (5, Some(true)),
    }
}

/// The condition with the given {=, <, >} bits, or a constant (`Err`).
fn compose(bits: u8, signed: bool) -> Result<IntCC, u64> {
    use IntCC::*;
    Ok(match (bits, signed) {
        (0, _) => return Err(0),
        (7, _) => return Err(1),
        (1, _) => Equal,
        (6, _) => NotEqual,
        (2, false) => UnsignedLessThan,
        (2, true) => SignedLessThan,
        (3, false) => UnsignedLessThanOrEqual,
        (3, true) => SignedLessThanOrEqual,
        (4, false) => UnsignedGreaterThan,
        (4, true) => SignedGreaterThan,
        (5, false) => UnsignedGreaterThanOrEqual,
        (5, true) => SignedGreaterThanOrEqual,
        _ => unreachable!("three bits"),
    })
}

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, y, t, cc) = (var("?x"), var("?y"), var("?t"), var("?cc"));
    let mut r = Vec::new();
    // x cmp x.
    for (c, v) in [
        ("eq", 1),
        ("ne", 0),
        ("ugt", 0),
        ("uge", 1),
        ("sgt", 0),
        ("sge", 1),
        ("ult", 0),
        ("ule", 1),
        ("slt", 0),
        ("sle", 1),
    ] {
        r.push(rw(
            &format!("icmp-{c}-self"),
            &format!("(icmp ?t {c} ?x ?x)"),
            &format!("(iconst i8 {v})"),
            vec![scalar_int("?t")],
        ));
    }
    // Adding the same thing to both sides of == / != changes nothing.
    for c in ["eq", "ne"] {
        r.extend(rw_comm(
            &format!("icmp-{c}-iadd-common"),
            &format!("(icmp ?t {c} (iadd ?t ?a ?k) (iadd ?t ?b ?k))"),
            &format!("(icmp ?t {c} ?a ?b)"),
            vec![],
        ));
        r.push(rw(
            &format!("icmp-{c}-isub-isub"),
            &format!("(icmp ?t {c} (isub ?t ?a ?b) (isub ?t ?c ?d))"),
            &format!("(icmp ?t {c} (iadd ?t ?a ?d) (iadd ?t ?c ?b))"),
            vec![],
        ));
        // x == x ^ y  <=>  y == 0
        r.extend(rw_comm(
            &format!("icmp-{c}-bxor-self"),
            &format!("(icmp ?t {c} ?x (bxor ?t ?x ?y))"),
            &format!("(icmp ?t {c} ?y (iconst ?t 0))"),
            vec![small_int("?t")],
        ));
    }
    // Comparisons of a comparison (possibly zero-extended) with 0 or 1.
    let inner = "(icmp ?t ?cc ?x ?y)";
    for (wrap, wname) in [
        (inner.to_string(), "icmp"),
        (format!("(uextend ?u {inner})"), "uextend-icmp"),
    ] {
        let wide = if wname == "icmp" { "i8" } else { "?u" };
        r.push(rw(
            &format!("icmp-ne-{wname}-zero"),
            &format!("(icmp {wide} ne {wrap} ?k)"),
            inner,
            vec![is_zero("?k"), scalar_int("?t")],
        ));
        r.push(rw(
            &format!("icmp-eq-{wname}-one"),
            &format!("(icmp {wide} eq {wrap} ?k)"),
            inner,
            vec![is_one("?k"), scalar_int("?t")],
        ));
        for (c, kcond) in [("eq", is_zero("?k")), ("ne", is_one("?k"))] {
            r.push(rw_fn(
                &format!("icmp-{c}-{wname}-complement"),
                &format!("(icmp {wide} {c} {wrap} ?k)"),
                vec![kcond, scalar_int("?t")],
                move |eg, s| {
                    let c = cond_at(eg, s, cc)?.complement();
                    let ty = type_at(eg, s, t)?;
                    Some(icmp(eg, c, ty, s[x], s[y]))
                },
            ));
        }
    }
    r.push(rw(
        "icmp-select-uextend-icmp",
        "(select ?s (uextend ?u (icmp ?t ?cc ?x ?y)) ?a ?b)",
        "(select ?s (icmp ?t ?cc ?x ?y) ?a ?b)",
        vec![scalar_int("?t")],
    ));
    r.push(rw(
        "icmp-band-icmp-one",
        "(band i8 (icmp ?t ?cc ?x ?y) ?k)",
        "(icmp ?t ?cc ?x ?y)",
        vec![is_one("?k"), scalar_int("?t")],
    ));
    r.push(rw(
        "icmp-band-uextend-icmp-one",
        "(band ?u (uextend ?u (icmp ?t ?cc ?x ?y)) ?k)",
        "(uextend ?u (icmp ?t ?cc ?x ?y))",
        vec![is_one("?k"), scalar_int("?t")],
    ));
    // Comparisons against the extremes of the type.
    type Extreme = fn(types::Type) -> u64;
    let zero: Extreme = |_| 0;
    let umax: Extreme = ones;
    let smin: Extreme = smin_of;
    let smax: Extreme = smax_of;
    let table: [(&str, Extreme, &str, &str); 16] = [
        ("ult", zero, "zero", "(iconst i8 0)"),
        ("ule", zero, "zero", "(icmp ?t eq ?x ?k)"),
        ("ugt", zero, "zero", "(icmp ?t ne ?x ?k)"),
        ("uge", zero, "zero", "(iconst i8 1)"),
        ("ult", umax, "umax", "(icmp ?t ne ?x ?k)"),
        ("ule", umax, "umax", "(iconst i8 1)"),
        ("ugt", umax, "umax", "(iconst i8 0)"),
        ("uge", umax, "umax", "(icmp ?t eq ?x ?k)"),
        ("slt", smin, "smin", "(iconst i8 0)"),
        ("sle", smin, "smin", "(icmp ?t eq ?x ?k)"),
        ("sgt", smin, "smin", "(icmp ?t ne ?x ?k)"),
        ("sge", smin, "smin", "(iconst i8 1)"),
        ("slt", smax, "smax", "(icmp ?t ne ?x ?k)"),
        ("sle", smax, "smax", "(iconst i8 1)"),
        ("sgt", smax, "smax", "(iconst i8 0)"),
        ("sge", smax, "smax", "(icmp ?t eq ?x ?k)"),
    ];
    for (c, f, what, rhs) in table {
        r.push(rw(
            &format!("icmp-{c}-{what}"),
            &format!("(icmp ?t {c} ?x ?k)"),
            rhs,
            vec![small_int("?t"), konst_is_fn_of_type("?k", "?t", f)],
        ));
    }
    // Prefer comparing against zero.
    let neg_one: Extreme = ones;
    let one: Extreme = |_| 1;
    for (c, f, what, to) in [
        ("uge", one, "one", "ne"),
        ("ult", one, "one", "eq"),
        ("sge", one, "one", "sgt"),
        ("slt", one, "one", "sle"),
        ("sgt", neg_one, "neg-one", "sge"),
        ("sle", neg_one, "neg-one", "slt"),
    ] {
        r.push(rw(
            &format!("icmp-{c}-{what}-to-zero"),
            &format!("(icmp ?t {c} ?x ?k)"),
            &format!("(icmp ?t {to} ?x (iconst ?t 0))"),
            vec![small_int("?t"), konst_is_fn_of_type("?k", "?t", f)],
        ));
    }
    // band / bor of two comparisons of the same operands.
    for (op, name) in [("band", "and"), ("bor", "or")] {
        r.push(rw_fn(
            &format!("icmp-{name}-icmp-icmp"),
            &format!("({op} i8 (icmp ?t ?c1 ?x ?y) (icmp ?t ?c2 ?x ?y))"),
            vec![scalar_int("?t")],
            {
                let (c1, c2) = (var("?c1"), var("?c2"));
                move |eg, s| {
                    let (b1, s1) = decompose(cond_at(eg, s, c1)?);
                    let (b2, s2) = decompose(cond_at(eg, s, c2)?);
                    let signed = match (s1, s2) {
                        (Some(a), Some(b)) if a != b => return None,
                        (Some(a), _) | (_, Some(a)) => a,
                        (None, None) => false,
                    };
                    let bits = if name == "and" { b1 & b2 } else { b1 | b2 };
                    let ty = type_at(eg, s, t)?;
                    match compose(bits, signed) {
                        Ok(c) => Some(icmp(eg, c, ty, s[x], s[y])),
                        Err(k) => iconst(eg, types::I8, k),
                    }
                }
            },
        ));
    }
    // Miscellaneous facts.
    let misc = [
        (
            "icmp-ugt-isub-self",
            "(icmp ?t ugt (isub ?t ?x ?y) ?x)",
            "(icmp ?t ugt ?y ?x)",
        ),
        (
            "icmp-ule-isub-self",
            "(icmp ?t ule (isub ?t ?x ?y) ?x)",
            "(icmp ?t ule ?y ?x)",
        ),
        (
            "icmp-ne-select-slt-min",
            "(icmp ?t ne (select ?t (icmp ?t slt ?x ?y) ?x ?y) ?x)",
            "(icmp ?t sgt ?x ?y)",
        ),
        (
            "icmp-ne-select-ult-min",
            "(icmp ?t ne (select ?t (icmp ?t ult ?x ?y) ?x ?y) ?x)",
            "(icmp ?t ugt ?x ?y)",
        ),
        (
            "icmp-ult-bnot-bnot",
            "(icmp ?t ult (bnot ?t ?x) (bnot ?t ?y))",
            "(icmp ?t ugt ?x ?y)",
        ),
        (
            "icmp-slt-bnot-bnot",
            "(icmp ?t slt (bnot ?t ?x) (bnot ?t ?y))",
            "(icmp ?t sgt ?x ?y)",
        ),
        (
            "icmp-bxor-sgt-sgt",
            "(bxor i8 (icmp ?t sgt ?x ?y) (icmp ?t sgt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-sgt-slt",
            "(bxor i8 (icmp ?t sgt ?x ?y) (icmp ?t slt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-slt-slt",
            "(bxor i8 (icmp ?t slt ?x ?y) (icmp ?t slt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ugt-ugt",
            "(bxor i8 (icmp ?t ugt ?x ?y) (icmp ?t ugt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ugt-ult",
            "(bxor i8 (icmp ?t ugt ?x ?y) (icmp ?t ult ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ult-ult",
            "(bxor i8 (icmp ?t ult ?x ?y) (icmp ?t ult ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-eq-bnot-self",
            "(icmp ?t eq (bnot ?t ?x) ?x)",
            "(iconst i8 0)",
        ),
        (
            "icmp-ne-bnot-self",
            "(icmp ?t ne (bnot ?t ?x) ?x)",
            "(iconst i8 1)",
        ),
    ];
    for (name, lhs, rhs) in misc {
        r.extend(rw_comm(name, lhs, rhs, vec![scalar_int("?t")]));
    }
    // Comparing a select of two distinct constants with one of them.
    for (c, which, res) in [
        ("eq", "?k1", IntCC::NotEqual),
        ("eq", "?k2", IntCC::Equal),
        ("ne", "?k1", IntCC::Equal),
        ("ne", "?k2", IntCC::NotEqual),
    ] {
        let tag = if which == "?k1" { "true" } else { "false" };
        r.extend(rw_fn_comm(
            &format!("icmp-{c}-select-const-{tag}"),
            &format!("(icmp ?t {c} (select ?t ?c ?k1 ?k2) {which})"),
            vec![is_const("?k1"), is_const("?k2"), small_int("?c"), {
                let (k1, k2) = (var("?k1"), var("?k2"));
                cond(move |eg, s| konst_at(eg, s, k1) != konst_at(eg, s, k2))
            }],
            {
                let c = var("?c");
                move |eg, s| {
                    let ct = value_type(eg, s[c])?;
                    let zero = iconst(eg, ct, 0)?;
                    Some(icmp(eg, res, ct, s[c], zero))
                }
            },
        ));
    }
    // ctz(x) == 0 iff x & 1 != 0 ; clz(x) == 0 iff x < 0 (signed).
    for (c, to) in [("eq", IntCC::NotEqual), ("ne", IntCC::Equal)] {
        r.push(rw_fn(
            &format!("icmp-{c}-ctz-zero"),
            &format!("(icmp ?t {c} (ctz ?t ?x) ?z)"),
            vec![small_int("?t"), is_zero("?z")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let one = iconst(eg, ty, 1)?;
                let zero = iconst(eg, ty, 0)?;
                let low = inst(eg, Opcode::Band, ty, &[s[x], one]);
                Some(icmp(eg, to, ty, low, zero))
            },
        ));
    }
    for (c, to) in [("eq", "slt"), ("ne", "sge")] {
        r.push(rw(
            &format!("icmp-{c}-clz-zero"),
            &format!("(icmp ?t {c} (clz ?t ?x) ?z)"),
            &format!("(icmp ?t {to} ?x (iconst ?t 0))"),
            vec![small_int("?t"), is_zero("?z")],
        ));
    }
    r
}
