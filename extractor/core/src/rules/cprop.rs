//! The `cprop` family: the rewrites of Cranelift's `cprop.isle` that
//! constant folding (in the analysis, see [`crate::lang::fold`]) does not cover.
//!
//! * constants move to the right of commutative operators (and of `isub`
//!   and `icmp`, by negating or swapping the condition);
//! * chains with constants reassociate so the constants meet and fold;
//! * `select` on a constant condition picks its arm;
//! * `x - k` becomes `x + (-k)` when `-k` is the smaller immediate;
//! * `==`/`!=` move a constant addend across the comparison;
//! * `~(x + k)` becomes `~x + (-k)`.

use super::util::*;
use super::Rule;
use crate::lang::mask;
use cranelift_codegen::ir::condcodes::CondCode;
use cranelift_codegen::ir::Opcode;

/// Commutative and associative operators.
const AC_OPS: &[&str] = &[
    "iadd", "imul", "band", "bor", "bxor", "umin", "umax", "smin", "smax",
];

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let (x, k, t) = (var("?x"), var("?k"), var("?t"));
    let mut r = Vec::new();
    for op in AC_OPS {
        // (op k x) => (op x k)
        r.push(rw(
            &format!("cprop-{op}-const-right"),
            &format!("({op} ?t ?k ?x)"),
            &format!("({op} ?t ?x ?k)"),
            vec![is_const("?k"), not_const("?x")],
        ));
        // (op (op x k1) k2) => (op x (op k1 k2))
        r.push(rw(
            &format!("cprop-{op}-reassoc-const"),
            &format!("({op} ?t ({op} ?t ?x ?k1) ?k2)"),
            &format!("({op} ?t ?x ({op} ?t ?k1 ?k2))"),
            vec![is_const("?k1"), is_const("?k2"), not_const("?x")],
        ));
    }
    for op in ["iadd", "imul", "band", "bor", "bxor"] {
        // ((a op B) op (c op D)) => ((a op c) op (B op D))
        r.push(rw(
            &format!("cprop-{op}-pair-consts"),
            &format!("({op} ?t ({op} ?t ?a ?b) ({op} ?t ?c ?d))"),
            &format!("({op} ?t ({op} ?t ?a ?c) ({op} ?t ?b ?d))"),
            vec![
                is_const("?b"),
                is_const("?d"),
                not_const("?a"),
                not_const("?c"),
            ],
        ));
    }
    // k - x => -(x - k)
    r.push(rw(
        "cprop-isub-const-left",
        "(isub ?t ?k ?x)",
        "(ineg ?t (isub ?t ?x ?k))",
        vec![is_const("?k"), not_const("?x")],
    ));
    // icmp cc k x => icmp swap(cc) x k
    r.push(rw_fn(
        "cprop-icmp-const-left",
        "(icmp ?t ?cc ?k ?x)",
        vec![is_const("?k"), not_const("?x")],
        {
            let cc = var("?cc");
            move |eg, s| {
                let c = cond_at(eg, s, cc)?.swap_args();
                let ty = type_at(eg, s, t)?;
                Some(icmp(eg, c, ty, s[x], s[k]))
            }
        },
    ));
    // isub chains with constants.
    let consts = || vec![is_const("?k1"), is_const("?k2"), not_const("?x")];
    r.push(rw(
        "cprop-isub-isub-const",
        "(isub ?t (isub ?t ?x ?k1) ?k2)",
        "(isub ?t ?x (iadd ?t ?k1 ?k2))",
        consts(),
    ));
    r.push(rw(
        "cprop-isub-const-isub-const",
        "(isub ?t (isub ?t ?k1 ?x) ?k2)",
        "(isub ?t (isub ?t ?k1 ?k2) ?x)",
        consts(),
    ));
    r.push(rw(
        "cprop-isub-iadd-const",
        "(isub ?t (iadd ?t ?x ?k1) ?k2)",
        "(isub ?t ?x (isub ?t ?k2 ?k1))",
        consts(),
    ));
    r.push(rw(
        "cprop-iadd-isub-const",
        "(iadd ?t (isub ?t ?x ?k1) ?k2)",
        "(iadd ?t ?x (isub ?t ?k2 ?k1))",
        consts(),
    ));
    r.push(rw(
        "cprop-iadd-const-isub",
        "(iadd ?t (isub ?t ?k1 ?x) ?k2)",
        "(isub ?t (iadd ?t ?k1 ?k2) ?x)",
        consts(),
    ));
    // select on a constant condition.
    r.push(rw(
        "cprop-select-true",
        "(select ?t ?c ?x ?y)",
        "?x",
        vec![is_nonzero("?c")],
    ));
    r.push(rw(
        "cprop-select-false",
        "(select ?t ?c ?x ?y)",
        "?y",
        vec![is_zero("?c")],
    ));
    // x == k2 - k1 for x + k1 == k2 (and !=, and x - k1).
    for cc in ["eq", "ne"] {
        r.push(rw(
            &format!("cprop-icmp-{cc}-iadd-const"),
            &format!("(icmp ?t {cc} (iadd ?t ?x ?k1) ?k2)"),
            &format!("(icmp ?t {cc} ?x (isub ?t ?k2 ?k1))"),
            consts(),
        ));
        r.push(rw(
            &format!("cprop-icmp-{cc}-isub-const"),
            &format!("(icmp ?t {cc} (isub ?t ?x ?k1) ?k2)"),
            &format!("(icmp ?t {cc} ?x (iadd ?t ?k2 ?k1))"),
            consts(),
        ));
        r.push(rw(
            &format!("cprop-icmp-{cc}-iadd-iadd-const"),
            &format!("(icmp ?t {cc} (iadd ?t ?x ?k1) (iadd ?t ?y ?k2))"),
            &format!("(icmp ?t {cc} ?x (iadd ?t ?y (isub ?t ?k2 ?k1)))"),
            vec![
                is_const("?k1"),
                is_const("?k2"),
                not_const("?x"),
                not_const("?y"),
            ],
        ));
    }
    // x - k => x + (-k) when -k is the smaller unsigned immediate.
    r.push(rw_fn(
        "cprop-isub-neg-const",
        "(isub ?t ?x ?k)",
        vec![
            small_int("?t"),
            not_const("?x"),
            konst_where("?k", |k, ty| {
                let s = signed(ty, k);
                (s.wrapping_neg() as u64) < (s as u64)
            }),
        ],
        move |eg, s| {
            let (kv, kt) = konst_at(eg, s, k)?;
            let ty = type_at(eg, s, t)?;
            if kt != ty {
                return None;
            }
            let neg = iconst(eg, ty, mask(ty, kv.wrapping_neg()))?;
            Some(inst(eg, Opcode::Iadd, ty, &[s[x], neg]))
        },
    ));
    // Shifts of constants by a constant: ((A op b) op C) => ((A op C) op b).
    for op in ["ishl", "ushr", "sshr"] {
        r.push(rw(
            &format!("cprop-{op}-const-reassoc"),
            &format!("({op} ?t ({op} ?t ?a ?b) ?c)"),
            &format!("({op} ?t ({op} ?t ?a ?c) ?b)"),
            vec![is_const("?a"), is_const("?c"), not_const("?b")],
        ));
    }
    // ~(x + k) => ~x + (-k)
    r.push(rw_fn(
        "cprop-bnot-iadd-const",
        "(bnot ?t (iadd ?t ?x ?k))",
        vec![small_int("?t"), is_const("?k"), not_const("?x")],
        move |eg, s| {
            let ty = type_at(eg, s, t)?;
            let (kv, _) = konst_at(eg, s, k)?;
            let nx = inst(eg, Opcode::Bnot, ty, &[s[x]]);
            let nk = iconst(eg, ty, kv.wrapping_neg())?;
            Some(inst(eg, Opcode::Iadd, ty, &[nx, nk]))
        },
    ));
    r
}
