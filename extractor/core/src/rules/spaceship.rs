//! The `spaceship` family: Cranelift's `spaceship.isle`.
//!
//! The many ways of writing a three-way comparison `x <=> y` (-1, 0 or 1)
//! with nested selects become one canonical form, `(x > y) - (x < y)` on
//! `i8` (sign-extended to the select's type when that is wider); then a
//! comparison of that form with -1, 0 or 1 becomes a plain comparison of
//! `x` and `y`.
//!
//! In patterns an `icmp`'s type child is its operand type (`?o`); its result
//! is `i8`. The select's type is `?t`; the constants are matched through
//! their values read signed in `?t`.

use super::util::*;
use super::Rule;
use crate::lang::ClifEGraph;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Opcode};
use egg::{Id, Subst};

/// The condition codes of one signedness: less, less-or-equal, greater,
/// greater-or-equal.
struct Order {
    tag: &'static str,
    lt: &'static str,
    le: &'static str,
    gt: &'static str,
    ge: &'static str,
}

static ORDERS: [Order; 2] = [
    Order {
        tag: "u",
        lt: "ult",
        le: "ule",
        gt: "ugt",
        ge: "uge",
    },
    Order {
        tag: "s",
        lt: "slt",
        le: "sle",
        gt: "sgt",
        ge: "sge",
    },
];

fn cc(name: &str) -> IntCC {
    use std::str::FromStr;
    IntCC::from_str(name).expect("condition code")
}

/// Condition: the constant at `v`, read signed in its type, is `n`.
fn is_signed(v: &str, n: i64) -> Cond {
    konst_where(v, move |k, t| signed(t, k) == n)
}

/// Build `(x gt y) - (x lt y)` on `i8` and sign-extend it to the type at
/// `?t` if that is wider (Cranelift's `sextend_maybe` of `spaceship_[su]`).
fn spaceship(order: &'static Order) -> impl Fn(&mut ClifEGraph, &Subst) -> Option<Id> {
    let (x, y, o, t) = (var("?x"), var("?y"), var("?o"), var("?t"));
    move |eg, s| {
        let ot = type_at(eg, s, o)?;
        let ty = type_at(eg, s, t)?;
        let gt = icmp(eg, cc(order.gt), ot, s[x], s[y]);
        let lt = icmp(eg, cc(order.lt), ot, s[x], s[y]);
        let diff = inst(eg, Opcode::Isub, types::I8, &[gt, lt]);
        if ty == types::I8 {
            Some(diff)
        } else if ty.is_int() && ty.bits() > 8 {
            Some(inst(eg, Opcode::Sextend, ty, &[diff]))
        } else {
            None
        }
    }
}

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, y, o) = (var("?x"), var("?y"), var("?o"));
    let mut r = Vec::new();
    for order in &ORDERS {
        let Order {
            tag,
            lt,
            le,
            gt,
            ge,
            ..
        } = *order;
        let name = |what: &str| format!("spaceship-{tag}-{what}");
        // x < y ? -1 : (x != y) or (x > y), possibly zero-extended.
        for other in ["ne", gt] {
            let inner = format!("(icmp ?o {other} ?x ?y)");
            for (arm, kind) in [
                (format!("(uextend ?t {inner})"), "uextend"),
                (inner.clone(), "i8"),
            ] {
                let other_tag = if other == "ne" { "ne" } else { "gt" };
                r.push(rw_fn(
                    &name(&format!("lt-minus-one-{other_tag}-{kind}")),
                    &format!("(select ?t (icmp ?o {lt} ?x ?y) ?m {arm})"),
                    vec![is_signed("?m", -1)],
                    spaceship(order),
                ));
            }
        }
        // x == y ? 0 : (x cmp y ? a : b)
        for (inner, a, b) in [(lt, -1, 1), (le, -1, 1), (gt, 1, -1), (ge, 1, -1)] {
            r.push(rw_fn(
                &name(&format!("eq-zero-{inner}")),
                &format!(
                    "(select ?t (icmp ?o eq ?x ?y) ?z (select ?t (icmp ?o {inner} ?x ?y) ?a ?b))"
                ),
                vec![is_signed("?z", 0), is_signed("?a", a), is_signed("?b", b)],
                spaceship(order),
            ));
        }
        // x > y ? 1 : -(x < y) or -(x != y), as ineg or bmask.
        for other in [lt, "ne"] {
            for neg in ["ineg", "bmask"] {
                let other_tag = if other == "ne" { "ne" } else { "lt" };
                r.push(rw_fn(
                    &name(&format!("gt-one-{neg}-{other_tag}")),
                    &format!(
                        "(select ?t (icmp ?o {gt} ?x ?y) ?p ({neg} ?t (icmp ?o {other} ?x ?y)))"
                    ),
                    vec![is_signed("?p", 1)],
                    spaceship(order),
                ));
            }
        }
        // Comparisons of the canonical form with -1, 0 and 1.
        let form = format!("(isub i8 (icmp ?o {gt} ?x ?y) (icmp ?o {lt} ?x ?y))");
        for (outer, k, to) in [
            ("eq", 0, "eq"),
            ("ne", 0, "ne"),
            ("slt", 0, lt),
            ("sle", 0, le),
            ("sgt", 0, gt),
            ("sge", 0, ge),
            ("eq", -1, lt),
            ("ne", -1, ge),
            ("eq", 1, gt),
            ("ne", 1, le),
        ] {
            let to = cc(to);
            let kname = match k {
                -1 => "minus-one",
                0 => "zero",
                _ => "one",
            };
            r.push(rw_fn(
                &name(&format!("{outer}-{kname}")),
                &format!("(icmp i8 {outer} {form} ?k)"),
                vec![is_signed("?k", k)],
                move |eg, s| {
                    let ot = type_at(eg, s, o)?;
                    Some(icmp(eg, to, ot, s[x], s[y]))
                },
            ));
        }
    }
    r
}
