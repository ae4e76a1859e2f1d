//! The `selects` family: rewrites of Cranelift's `selects.isle` for scalar
//! `select`, and `bitselect` with equal arms (the other `bitselect` and
//! vector rules are left out).
//!
//! A `select` node's type child is its result type (the type of both arms);
//! its condition may be any scalar integer.

use super::util::*;
use super::Rule;
use cranelift_codegen::ir::condcodes::CondCode;
use cranelift_codegen::ir::types::I8;
use cranelift_codegen::ir::Opcode;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (t, cc, x, y, c) = (var("?t"), var("?cc"), var("?x"), var("?y"), var("?c"));
    let mut r = Vec::new();
    r.push(rw(
        "selects-same-arms",
        "(select ?t ?c ?x ?x)",
        "?x",
        vec![],
    ));
    // A bit-select between equal values is that value.
    r.push(rw(
        "selects-bitselect-same-arms",
        "(bitselect ?t ?c ?x ?x)",
        "?x",
        vec![],
    ));
    // Push a zero arm to the right: c ? 0 : k  =>  !c ? k : 0
    r.push(rw_fn(
        "selects-icmp-zero-nonzero",
        "(select ?s (icmp ?t ?cc ?x ?y) ?k0 ?k1)",
        vec![is_zero("?k0"), is_nonzero("?k1"), scalar_int("?t")],
        {
            let (s_, k0, k1) = (var("?s"), var("?k0"), var("?k1"));
            move |eg, s| {
                let c = cond_at(eg, s, cc)?.complement();
                let ty = type_at(eg, s, t)?;
                let st = type_at(eg, s, s_)?;
                let cmp = icmp(eg, c, ty, s[x], s[y]);
                Some(inst(eg, Opcode::Select, st, &[cmp, s[k1], s[k0]]))
            }
        },
    ));
    // c ? 1 : 0  =>  uextend(c) ; c ? -1 : 0  =>  bmask(c)
    r.push(rw_fn(
        "selects-icmp-one-zero",
        "(select ?s (icmp ?t ?cc ?x ?y) ?k1 ?k0)",
        vec![is_one("?k1"), is_zero("?k0"), scalar_int("?t")],
        {
            let s_ = var("?s");
            move |eg, s| {
                let c = cond_at(eg, s, cc)?;
                let ty = type_at(eg, s, t)?;
                let st = type_at(eg, s, s_)?;
                let cmp = icmp(eg, c, ty, s[x], s[y]);
                if st == I8 {
                    Some(cmp)
                } else {
                    Some(inst(eg, Opcode::Uextend, st, &[cmp]))
                }
            }
        },
    ));
    r.push(rw(
        "selects-icmp-all-ones-zero",
        "(select ?s (icmp ?t ?cc ?x ?y) ?k1 ?k0)",
        "(bmask ?s (icmp ?t ?cc ?x ?y))",
        vec![is_all_ones("?k1"), is_zero("?k0"), scalar_int("?t")],
    ));
    // select-of-icmp to min/max.
    for (c, same, swapped) in [
        ("sgt", "smax", "smin"),
        ("sge", "smax", "smin"),
        ("ugt", "umax", "umin"),
        ("uge", "umax", "umin"),
        ("slt", "smin", "smax"),
        ("sle", "smin", "smax"),
        ("ult", "umin", "umax"),
        ("ule", "umin", "umax"),
    ] {
        r.push(rw(
            &format!("selects-{c}-to-{same}"),
            &format!("(select ?t (icmp ?t {c} ?x ?y) ?x ?y)"),
            &format!("({same} ?t ?x ?y)"),
            vec![small_int("?t")],
        ));
        r.push(rw(
            &format!("selects-{c}-swapped-to-{swapped}"),
            &format!("(select ?t (icmp ?t {c} ?x ?y) ?y ?x)"),
            &format!("({swapped} ?t ?x ?y)"),
            vec![small_int("?t")],
        ));
    }
    // Lift an extension out of both arms.
    for (ext, opc) in [("uextend", Opcode::Uextend), ("sextend", Opcode::Sextend)] {
        r.push(rw_fn(
            &format!("selects-{ext}-both-arms"),
            &format!("(select ?t ?c ({ext} ?t ?x) ({ext} ?t ?y))"),
            vec![same_type("?x", "?y")],
            move |eg, s| {
                let small = value_type(eg, s[x])?;
                let ty = type_at(eg, s, t)?;
                let sel = inst(eg, Opcode::Select, small, &[s[c], s[x], s[y]]);
                Some(inst(eg, opc, ty, &[sel]))
            },
        ));
    }
    // Absolute value.
    for (name, lhs) in [
        ("sgt", "(select ?t (icmp ?t sgt ?x ?k) ?x (ineg ?t ?x))"),
        ("sge", "(select ?t (icmp ?t sge ?x ?k) ?x (ineg ?t ?x))"),
        ("sle", "(select ?t (icmp ?t sle ?x ?k) (ineg ?t ?x) ?x)"),
        ("slt", "(select ?t (icmp ?t slt ?x ?k) (ineg ?t ?x) ?x)"),
    ] {
        r.push(rw(
            &format!("selects-{name}-to-iabs"),
            lhs,
            "(iabs ?t ?x)",
            vec![is_zero("?k"), small_int("?t")],
        ));
    }
    // (c ? k1 : k2) + k3  =>  c ? k1+k3 : k2+k3
    r.push(rw(
        "selects-iadd-select-consts",
        "(iadd ?t (select ?t ?c ?k1 ?k2) ?k3)",
        "(select ?t ?c (iadd ?t ?k1 ?k3) (iadd ?t ?k2 ?k3))",
        vec![is_const("?k1"), is_const("?k2"), is_const("?k3")],
    ));
    // Nested selects on the same condition.
    r.push(rw(
        "selects-nested-false",
        "(select ?t ?d ?a (select ?t ?d ?b ?y))",
        "(select ?t ?d ?a ?y)",
        vec![],
    ));
    r.push(rw(
        "selects-nested-true",
        "(select ?t ?d (select ?t ?d ?x ?b) ?a)",
        "(select ?t ?d ?x ?a)",
        vec![],
    ));
    // Selects that collapse to one arm or to a simpler value.
    let collapse = [
        (
            "selects-eq-x-y",
            "(select ?t (icmp ?t eq ?x ?y) ?x ?y)",
            "?y",
        ),
        (
            "selects-ne-y-x",
            "(select ?t (icmp ?t ne ?x ?y) ?y ?x)",
            "?y",
        ),
        (
            "selects-bor-ne",
            "(select ?t (bor ?u ?w (icmp ?t ne ?y ?z)) ?y ?z)",
            "?y",
        ),
        (
            "selects-eq-x-bor",
            "(select ?t (icmp ?t eq ?x ?y) ?x (bor ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "selects-ne-bor-x",
            "(select ?t (icmp ?t ne ?x ?y) (bor ?t ?x ?y) ?x)",
            "(bor ?t ?x ?y)",
        ),
        (
            "selects-ne-band-y",
            "(select ?t (icmp ?t ne ?x ?y) (band ?t ?x ?y) ?y)",
            "(band ?t ?x ?y)",
        ),
        (
            "selects-eq-y-band",
            "(select ?t (icmp ?t eq ?x ?y) ?y (band ?t ?x ?y))",
            "(band ?t ?x ?y)",
        ),
    ];
    for (name, lhs, rhs) in collapse {
        r.extend(rw_comm(name, lhs, rhs, vec![]));
    }
    // Selects between a comparison and true.
    let with_one = [
        (
            "selects-ult-one-eq",
            "(select i8 (icmp ?t ult ?x ?y) ?k (icmp ?t eq ?x ?y))",
            "(icmp ?t ule ?x ?y)",
        ),
        (
            "selects-slt-one-sgt",
            "(select i8 (icmp ?t slt ?x ?y) ?k (icmp ?t sgt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "selects-ult-one-ugt",
            "(select i8 (icmp ?t ult ?x ?y) ?k (icmp ?t ugt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
    ];
    for (name, lhs, rhs) in with_one {
        r.extend(rw_comm(
            name,
            lhs,
            rhs,
            vec![is_one("?k"), scalar_int("?t")],
        ));
    }
    // c ? 1 : (c | y)  =>  c ? 1 : y
    r.extend(rw_comm(
        "selects-one-bor-cond",
        "(select ?t ?x ?k (bor ?t ?x ?y))",
        "(select ?t ?x ?k ?y)",
        vec![is_one("?k")],
    ));
    // (x == n) ? (y - n) : (y - x)  =>  y - x
    r.extend(rw_comm(
        "selects-eq-isub-const",
        "(select ?t (icmp ?t eq ?x ?n) (isub ?t ?y ?n) (isub ?t ?y ?x))",
        "(isub ?t ?y ?x)",
        vec![],
    ));
    r
}
