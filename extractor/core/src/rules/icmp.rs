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
    // x cmp x, for every integer and vector type.
    for (c, v) in [
        ("eq", true),
        ("ne", false),
        ("ugt", false),
        ("uge", true),
        ("sgt", false),
        ("sge", true),
        ("ult", false),
        ("ule", true),
        ("slt", false),
        ("sle", true),
    ] {
        r.extend(rw_cmp_const(
            &format!("icmp-{c}-self"),
            &format!("(icmp ?t {c} ?x ?x)"),
            v,
            vec![int_or_vector("?t")],
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
        // x == x ^ y  <=>  y == 0 (scalar integers, i128 included)
        let cc = if c == "eq" {
            IntCC::Equal
        } else {
            IntCC::NotEqual
        };
        r.extend(rw_fn_comm(
            &format!("icmp-{c}-bxor-self"),
            &format!("(icmp ?t {c} ?x (bxor ?t ?x ?y))"),
            vec![scalar_int("?t")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let zero = crate::lang::constants::iconst_u(eg, ty, 0)?;
                Some(icmp(eg, cc, ty, s[y], zero))
            },
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
            "(bxor ?r (icmp ?t sgt ?x ?y) (icmp ?t sgt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-sgt-slt",
            "(bxor ?r (icmp ?t sgt ?x ?y) (icmp ?t slt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-slt-slt",
            "(bxor ?r (icmp ?t slt ?x ?y) (icmp ?t slt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ugt-ugt",
            "(bxor ?r (icmp ?t ugt ?x ?y) (icmp ?t ugt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ugt-ult",
            "(bxor ?r (icmp ?t ugt ?x ?y) (icmp ?t ult ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "icmp-bxor-ult-ult",
            "(bxor ?r (icmp ?t ult ?x ?y) (icmp ?t ult ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
    ];
    for (name, lhs, rhs) in misc {
        r.extend(rw_comm(name, lhs, rhs, vec![int_or_vector("?t")]));
    }
    r.extend(rw_cmp_const(
        "icmp-eq-bnot-self",
        "(icmp ?t eq (bnot ?t ?x) ?x)",
        false,
        vec![int_or_vector("?t")],
    ));
    r.extend(rw_cmp_const(
        "icmp-ne-bnot-self",
        "(icmp ?t ne (bnot ?t ?x) ?x)",
        true,
        vec![int_or_vector("?t")],
    ));
    // a < b && a > b is false: integer vectors (scalars go through the
    // band-of-comparisons rule above).
    for (name, c1, c2) in [
        ("icmp-band-sgt-slt-vector", "sgt", "slt"),
        ("icmp-band-ugt-ult-vector", "ugt", "ult"),
    ] {
        r.extend(rw_cmp_const(
            name,
            &format!("(band ?r (icmp ?t {c1} ?x ?y) (icmp ?t {c2} ?x ?y))"),
            false,
            vec![type_where("?t", |t| {
                crate::lang::constants::is_vec128(t) && t.lane_type().is_int()
            })],
        ));
    }
    // The same with a constant operand and mixed signedness: `x >s k` and
    // `x <u k` cannot both hold when `k >= 0`, and so on. The constant is
    // read signed in its own type.
    for (name, c1, c2, k_left, k_nonneg) in [
        ("icmp-band-sgt-ult-const-right", "sgt", "ult", false, true),
        ("icmp-band-sgt-ult-const-left", "sgt", "ult", true, false),
        ("icmp-band-slt-ugt-const-right", "slt", "ugt", false, false),
        ("icmp-band-slt-ugt-const-left", "slt", "ugt", true, true),
        ("icmp-band-ugt-slt-const-right", "ugt", "slt", false, false),
        ("icmp-band-ugt-slt-const-left", "ugt", "slt", true, true),
        ("icmp-band-ult-sgt-const-right", "ult", "sgt", false, true),
        ("icmp-band-ult-sgt-const-left", "ult", "sgt", true, false),
    ] {
        let args = if k_left { "?k ?x" } else { "?x ?k" };
        r.push(rw_fn(
            name,
            &format!("(band ?r (icmp ?t {c1} {args}) (icmp ?t {c2} {args}))"),
            vec![konst_where("?k", move |k, ty| {
                (signed(ty, k) >= 0) == k_nonneg
            })],
            |eg, _| crate::lang::constants::iconst_u(eg, types::I8, 0),
        ));
    }
    // (x < y) & (x != -1) is x < y (unsigned).
    for (name, lhs, a, b) in [
        (
            "icmp-band-ne-neg-one-ugt",
            "(band ?r (icmp ?t ne ?x ?k) (icmp ?t ugt ?y ?x))",
            "?x",
            "?y",
        ),
        (
            "icmp-band-ne-neg-one-ult",
            "(band ?r (icmp ?t ne ?x ?k) (icmp ?t ult ?x ?y))",
            "?x",
            "?y",
        ),
    ] {
        let (a, b) = (var(a), var(b));
        r.extend(rw_fn_comm(
            name,
            lhs,
            vec![konst_where("?k", |k, ty| k == ones(ty))],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                Some(icmp(eg, IntCC::UnsignedLessThan, ty, s[a], s[b]))
            },
        ));
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
            vec![scalar_int("?t"), is_zero("?z")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let one = crate::lang::constants::iconst_u(eg, ty, 1)?;
                let zero = crate::lang::constants::iconst_u(eg, ty, 0)?;
                let low = inst(eg, Opcode::Band, ty, &[s[x], one]);
                Some(icmp(eg, to, ty, low, zero))
            },
        ));
    }
    for (c, to) in [
        ("eq", IntCC::SignedLessThan),
        ("ne", IntCC::SignedGreaterThanOrEqual),
    ] {
        r.push(rw_fn(
            &format!("icmp-{c}-clz-zero"),
            &format!("(icmp ?t {c} (clz ?t ?x) ?z)"),
            vec![scalar_int("?t"), is_zero("?z")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let zero = crate::lang::constants::iconst_u(eg, ty, 0)?;
                Some(icmp(eg, to, ty, s[x], zero))
            },
        ));
    }
    r
}
