//! The `bitops` family: rewrites of Cranelift's `bitops.isle` for `band`,
//! `bor`, `bxor`, `bnot`, `bmask`, `bswap` and `bitrev`, including the
//! "truthiness" rules (a `select`, `bmask` or `!= 0` only cares whether its
//! input is zero).

use super::util::*;
use super::Rule;
use crate::lang::mask;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::Opcode;

/// The rewrites of this family.
#[allow(clippy::vec_init_then_push)]
pub fn rules() -> Vec<Rule> {
    let t = var("?t");
    let mut r = Vec::new();
    // Identities and annihilators with constants.
    r.push(rw(
        "bitops-bor-zero",
        "(bor ?t ?x ?k)",
        "?x",
        vec![is_zero("?k")],
    ));
    r.push(rw(
        "bitops-bxor-zero",
        "(bxor ?t ?x ?k)",
        "?x",
        vec![is_zero("?k")],
    ));
    r.push(rw(
        "bitops-band-all-ones",
        "(band ?t ?x ?k)",
        "?x",
        vec![is_all_ones("?k")],
    ));
    r.push(rw(
        "bitops-band-zero",
        "(band ?t ?x ?k)",
        "?k",
        vec![is_zero("?k")],
    ));
    r.push(rw(
        "bitops-bor-all-ones",
        "(bor ?t ?x ?k)",
        "?k",
        vec![is_all_ones("?k")],
    ));
    r.push(rw(
        "bitops-bxor-all-ones",
        "(bxor ?t ?x ?k)",
        "(bnot ?t ?x)",
        vec![is_all_ones("?k")],
    ));
    // Idempotence and self-cancellation.
    r.push(rw("bitops-bor-self", "(bor ?t ?x ?x)", "?x", vec![]));
    r.push(rw("bitops-band-self", "(band ?t ?x ?x)", "?x", vec![]));
    r.push(rw(
        "bitops-bxor-self",
        "(bxor ?t ?x ?x)",
        "(iconst ?t 0)",
        // i128 too: its zero is built as Cranelift builds it (`rw`).
        vec![scalar_int("?t")],
    ));
    r.push(rw(
        "bitops-bnot-bnot",
        "(bnot ?t (bnot ?t ?x))",
        "?x",
        vec![],
    ));
    r.extend(rw_comm(
        "bitops-band-bnot-self",
        "(band ?t ?x (bnot ?t ?x))",
        "(iconst ?t 0)",
        // i128 too: its zero is built as Cranelift builds it (`rw`).
        vec![scalar_int("?t")],
    ));
    for op in ["bxor", "bor"] {
        r.extend(rw_fn_comm(
            &format!("bitops-{op}-bnot-self"),
            &format!("({op} ?t ?x (bnot ?t ?x))"),
            vec![small_int("?t")],
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                iconst(eg, ty, u64::MAX)
            },
        ));
    }
    // (x & k1) | k2 => x | k2 when k2 == ~k1.
    r.push(rw_fn(
        "bitops-bor-band-const-complement",
        "(bor ?t (band ?t ?x ?k1) ?k2)",
        vec![small_int("?t"), is_const("?k1"), is_const("?k2")],
        {
            let (x, k1, k2) = (var("?x"), var("?k1"), var("?k2"));
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let (a, _) = konst_at(eg, s, k1)?;
                let (b, _) = konst_at(eg, s, k2)?;
                (mask(ty, !a) == b).then(|| inst(eg, Opcode::Bor, ty, &[s[x], s[k2]]))
            }
        },
    ));
    // sshr(x | -x, bits-1) == bmask(x)
    r.extend(rw_comm(
        "bitops-sshr-bor-ineg",
        "(sshr ?t (bor ?t ?x (ineg ?t ?x)) ?k)",
        "(bmask ?t ?x)",
        vec![
            small_int("?t"),
            konst_is_fn_of_type("?k", "?t", |ty| ty.bits() as u64 - 1),
        ],
    ));
    // bmask of an i8 comparison is its negation.
    r.push(rw(
        "bitops-bmask-icmp",
        "(bmask i8 (icmp ?u ?cc ?a ?b))",
        "(ineg i8 (icmp ?u ?cc ?a ?b))",
        vec![scalar_int("?u")],
    ));
    // Truthiness: these wrappers are zero exactly when ?x is.
    let wrappers: Vec<(&str, &str, Vec<Cond>)> = vec![
        ("sextend", "(sextend ?w ?x)", vec![]),
        ("uextend", "(uextend ?w ?x)", vec![]),
        ("bmask", "(bmask ?w ?x)", vec![]),
        ("ineg", "(ineg ?w ?x)", vec![]),
        ("bswap", "(bswap ?w ?x)", vec![]),
        ("bitrev", "(bitrev ?w ?x)", vec![]),
        ("popcnt", "(popcnt ?w ?x)", vec![]),
        ("rotl", "(rotl ?w ?x ?r)", vec![]),
        ("rotr", "(rotr ?w ?x ?r)", vec![]),
        (
            "select",
            "(select ?w ?x ?k1 ?k2)",
            vec![is_nonzero("?k1"), is_zero("?k2")],
        ),
        ("ne-zero", "(icmp ?w ne ?x ?k0)", vec![is_zero("?k0")]),
    ];
    for (wname, wpat, wconds) in wrappers {
        let mut conds = wconds.clone();
        conds.push(small_int("?x"));
        r.push(rw(
            &format!("bitops-select-truthy-{wname}"),
            &format!("(select ?t {wpat} ?a ?b)"),
            "(select ?t ?x ?a ?b)",
            conds.clone(),
        ));
        r.push(rw(
            &format!("bitops-bmask-truthy-{wname}"),
            &format!("(bmask ?t {wpat})"),
            "(bmask ?t ?x)",
            conds.clone(),
        ));
        r.extend(rw_fn_comm(
            &format!("bitops-ne-zero-truthy-{wname}"),
            &format!("(icmp ?u ne {wpat} ?z)"),
            {
                let mut c = conds;
                c.push(is_zero("?z"));
                c
            },
            {
                let x = var("?x");
                move |eg, s| {
                    let ty = value_type(eg, s[x])?;
                    let zero = iconst(eg, ty, 0)?;
                    Some(icmp(eg, IntCC::NotEqual, ty, s[x], zero))
                }
            },
        ));
    }
    r.push(rw(
        "bitops-sextend-bmask",
        "(sextend ?t (bmask ?u ?x))",
        "(bmask ?t ?x)",
        vec![],
    ));
    r.push(rw(
        "bitops-ireduce-bmask",
        "(ireduce ?t (bmask ?u ?x))",
        "(bmask ?t ?x)",
        vec![],
    ));
    r.push(rw(
        "bitops-bswap-bswap",
        "(bswap ?t (bswap ?t ?x))",
        "?x",
        vec![],
    ));
    r.push(rw(
        "bitops-bitrev-bitrev",
        "(bitrev ?t (bitrev ?t ?x))",
        "?x",
        vec![],
    ));
    // The byte-swap idiom wasm compilers emit for `swap_bytes` (wasm has no
    // byte swap): the shifted bytes OR-ed together in the one tree shape
    // LLVM produces, as Cranelift's bitops.isle matches it. The masks and
    // shift amounts only mean a byte swap at the width they are written
    // for, hence the type conditions.
    r.push(rw(
        "bitops-bswap-idiom-i32",
        "(bor ?t (bor ?t (ishl ?t ?x (iconst ?t 24)) (ishl ?t (band ?t ?x (iconst ?t 65280)) (iconst ?t 8))) \
              (bor ?t (band ?t (ushr ?t ?x (iconst ?t 8)) (iconst ?t 65280)) (ushr ?t ?x (iconst ?t 24))))",
        "(bswap ?t ?x)",
        vec![type_where("?t", |t| t == cranelift_codegen::ir::types::I32)],
    ));
    r.push(rw(
        "bitops-bswap-idiom-i64",
        "(bor ?t \
           (bor ?t \
             (bor ?t (ishl ?t ?x (iconst ?t 56)) (ishl ?t (band ?t ?x (iconst ?t 65280)) (iconst ?t 40))) \
             (bor ?t (ishl ?t (band ?t ?x (iconst ?t 16711680)) (iconst ?t 24)) \
                     (ishl ?t (band ?t ?x (iconst ?t 4278190080)) (iconst ?t 8)))) \
           (bor ?t \
             (bor ?t (band ?t (ushr ?t ?x (iconst ?t 8)) (iconst ?t 4278190080)) \
                     (band ?t (ushr ?t ?x (iconst ?t 24)) (iconst ?t 16711680))) \
             (bor ?t (band ?t (ushr ?t ?x (iconst ?t 40)) (iconst ?t 65280)) (ushr ?t ?x (iconst ?t 56)))))",
        "(bswap ?t ?x)",
        vec![type_where("?t", |t| t == cranelift_codegen::ir::types::I64)],
    ));
    // (x | y) | x => x | y, keeping the inner node as it was matched.
    for op in ["bor", "band"] {
        let inner = format!("({op} ?t ?x ?y)");
        let lhss = [
            format!("({op} ?t {inner} ?x)"),
            format!("({op} ?t {inner} ?y)"),
            format!("({op} ?t ?x {inner})"),
            format!("({op} ?t ?y {inner})"),
        ];
        for (i, lhs) in lhss.iter().enumerate() {
            let name = format!("bitops-{op}-{op}-absorb");
            let name = if i == 0 { name } else { format!("{name}/{i}") };
            r.push(rw(&name, lhs, &inner, vec![]));
        }
    }
    // Boolean-algebra simplifications without constants.
    let plain = [
        (
            "bitops-band-bxor-to-bor",
            "(bxor ?t (band ?t ?x ?y) (bxor ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-bor-band-bnot",
            "(bor ?t (band ?t ?x ?y) (bnot ?t ?y))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-bor-band-to-bxor",
            "(bxor ?t (bor ?t ?x ?y) (band ?t ?x ?y))",
            "(bxor ?t ?x ?y)",
        ),
        (
            "bitops-band-bxor-bnot",
            "(band ?t (bxor ?t ?x (bnot ?t ?y)) ?x)",
            "(band ?t ?x ?y)",
        ),
        (
            "bitops-band-plus-bxor",
            "(iadd ?t (band ?t ?x ?y) (bxor ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-bor-plus-band",
            "(iadd ?t (bor ?t ?x ?y) (band ?t ?x ?y))",
            "(iadd ?t ?x ?y)",
        ),
        (
            "bitops-bor-band-absorb",
            "(bor ?t (band ?t ?x ?y) ?x)",
            "?x",
        ),
        (
            "bitops-band-bor-absorb",
            "(band ?t (bor ?t ?x ?y) ?x)",
            "?x",
        ),
        (
            "bitops-bxor-bxor-cancel",
            "(bxor ?t (bxor ?t ?x ?y) ?y)",
            "?x",
        ),
        (
            "bitops-bxor-band-common",
            "(bxor ?t (band ?t ?z ?x) (band ?t ?z ?y))",
            "(band ?t ?z (bxor ?t ?x ?y))",
        ),
        (
            "bitops-bor-band-bnot-bxor",
            "(bor ?t (band ?t ?x ?y) (bnot ?t (bxor ?t ?x ?y)))",
            "(bnot ?t (bxor ?t ?x ?y))",
        ),
        (
            "bitops-bor-plus-ineg",
            "(iadd ?t (bor ?t ?x ?y) (ineg ?t ?y))",
            "(band ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-band-bor-common",
            "(band ?t (bor ?t ?x ?z) (bor ?t ?y ?z))",
            "(bor ?t (band ?t ?x ?y) ?z)",
        ),
        (
            "bitops-bor-band-common",
            "(bor ?t (band ?t ?x ?z) (band ?t ?y ?z))",
            "(band ?t (bor ?t ?x ?y) ?z)",
        ),
        (
            "bitops-bxor-bor-bor-bnot",
            "(bxor ?t (bor ?t ?x ?y) (bor ?t ?x (bnot ?t ?y)))",
            "(bnot ?t ?x)",
        ),
        (
            "bitops-band-bnot-bnot",
            "(band ?t (bnot ?t ?x) (bnot ?t ?y))",
            "(bnot ?t (bor ?t ?x ?y))",
        ),
        (
            "bitops-bor-bnot-bnot",
            "(bor ?t (bnot ?t ?x) (bnot ?t ?y))",
            "(bnot ?t (band ?t ?x ?y))",
        ),
        (
            "bitops-bor-bxor-bxor-self",
            "(bor ?t (bxor ?t (bxor ?t ?x ?y) ?z) ?x)",
            "(bor ?t (bxor ?t ?y ?z) ?x)",
        ),
        (
            "bitops-bor-bnot-bor",
            "(bor ?t ?y (bnot ?t (bor ?t ?x ?y)))",
            "(bor ?t ?y (bnot ?t ?x))",
        ),
        (
            "bitops-band-bnot-band",
            "(band ?t ?y (bnot ?t (band ?t ?x ?y)))",
            "(band ?t ?y (bnot ?t ?x))",
        ),
        (
            "bitops-bxor-bnot-bor",
            "(bxor ?t (bnot ?t ?x) (bor ?t ?x ?y))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-bor-icmp-slt-sgt",
            "(bor ?r (icmp ?t slt ?x ?y) (icmp ?t sgt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "bitops-bor-icmp-ult-ugt",
            "(bor ?r (icmp ?t ult ?x ?y) (icmp ?t ugt ?x ?y))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "bitops-bor-icmp-slt-slt",
            "(bor ?r (icmp ?t slt ?x ?y) (icmp ?t slt ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "bitops-bor-icmp-ult-ult",
            "(bor ?r (icmp ?t ult ?x ?y) (icmp ?t ult ?y ?x))",
            "(icmp ?t ne ?x ?y)",
        ),
        (
            "bitops-bor-icmp-ult-eq",
            "(bor ?r (icmp ?t ult ?x ?y) (icmp ?t eq ?x ?y))",
            "(icmp ?t ule ?x ?y)",
        ),
        (
            "bitops-bor-icmp-slt-eq",
            "(bor ?r (icmp ?t slt ?x ?y) (icmp ?t eq ?x ?y))",
            "(icmp ?t sle ?x ?y)",
        ),
        (
            "bitops-bnot-band-bnot",
            "(bnot ?t (band ?t (bnot ?t ?x) ?y))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-bnot-bor-bnot",
            "(bnot ?t (bor ?t (bnot ?t ?x) ?y))",
            "(band ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-bor-bxor-self",
            "(bor ?t ?x (bxor ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-bnot-iadd-bnot",
            "(bnot ?t (iadd ?t (bnot ?t ?x) ?y))",
            "(isub ?t ?x ?y)",
        ),
        (
            "bitops-bxor-bor-bxor",
            "(bxor ?t (bor ?t ?x ?y) (bxor ?t ?x ?y))",
            "(band ?t ?x ?y)",
        ),
        (
            "bitops-bor-band-bxor-self",
            "(bor ?t ?x (band ?t ?z (bxor ?t ?x ?y)))",
            "(bor ?t ?x (band ?t ?y ?z))",
        ),
        (
            "bitops-bor-bor-bxor",
            "(bor ?t (bor ?t ?x ?y) (bxor ?t ?x ?z))",
            "(bor ?t (bor ?t ?x ?y) ?z)",
        ),
        (
            "bitops-icmp-eq-bxor-common",
            "(icmp ?t eq (bxor ?t ?x ?z) (bxor ?t ?y ?z))",
            "(icmp ?t eq ?x ?y)",
        ),
        (
            "bitops-bor-band-band-bnot",
            "(bor ?t (band ?t ?x ?y) (band ?t ?x (bnot ?t ?y)))",
            "?x",
        ),
        (
            "bitops-band-bor-bor-bnot",
            "(band ?t (bor ?t ?x ?y) (bor ?t ?x (bnot ?t ?y)))",
            "?x",
        ),
        (
            "bitops-bor-bxor-bnot",
            "(bor ?t (bxor ?t ?y ?x) (bnot ?t ?x))",
            "(bnot ?t (band ?t ?y ?x))",
        ),
        (
            "bitops-bor-band-bor-self",
            "(bor ?t (band ?t ?x (bor ?t ?y ?z)) ?y)",
            "(bor ?t (band ?t ?x ?z) ?y)",
        ),
        (
            "bitops-band-bor-band-self",
            "(band ?t (bor ?t ?x (band ?t ?y ?z)) ?y)",
            "(band ?t (bor ?t ?x ?z) ?y)",
        ),
        (
            "bitops-bor-bxor-band-self",
            "(bor ?t (bxor ?t ?x (band ?t ?y ?z)) ?y)",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-band-bor-bnot-self",
            "(band ?t ?y (bor ?t (bnot ?t ?y) ?x))",
            "(band ?t ?y ?x)",
        ),
        (
            "bitops-bor-band-bnot-self",
            "(bor ?t ?y (band ?t (bnot ?t ?y) ?x))",
            "(bor ?t ?y ?x)",
        ),
        (
            "bitops-isub-band-bnot-band",
            "(isub ?t (band ?t ?x (bnot ?t ?y)) (band ?t ?x ?y))",
            "(isub ?t (bxor ?t ?x ?y) ?y)",
        ),
        (
            "bitops-isub-band-band-bnot",
            "(isub ?t (band ?t ?x ?y) (band ?t ?x (bnot ?t ?y)))",
            "(isub ?t ?y (bxor ?t ?x ?y))",
        ),
        (
            "bitops-bor-andnot-andnot",
            "(bor ?t (band ?t ?x (bnot ?t ?y)) (band ?t (bnot ?t ?x) ?y))",
            "(bxor ?t ?x ?y)",
        ),
        (
            "bitops-bor-andnot-bxor",
            "(bor ?t (band ?t ?x (bnot ?t ?y)) (bxor ?t ?x ?y))",
            "(bxor ?t ?x ?y)",
        ),
        // (~x & y) ^ z --> (x & y) ^ (z ^ y)
        (
            "bitops-bxor-andnot-any",
            "(bxor ?t (band ?t (bnot ?t ?x) ?y) ?z)",
            "(bxor ?t (band ?t ?x ?y) (bxor ?t ?z ?y))",
        ),
        (
            "bitops-bxor-andnot-bnot",
            "(bxor ?t (band ?t ?x (bnot ?t ?y)) (bnot ?t ?x))",
            "(bnot ?t (band ?t ?x ?y))",
        ),
        (
            "bitops-bxor-notand-self",
            "(bxor ?t (band ?t (bnot ?t ?x) ?y) ?x)",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-band-bor-bnot-bxor",
            "(band ?t (bor ?t ?x ?y) (bnot ?t (bxor ?t ?x ?y)))",
            "(band ?t ?x ?y)",
        ),
        (
            "bitops-bor-bnot-bxor-self",
            "(bor ?t ?x (bnot ?t (bxor ?t ?x ?y)))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-bor-bxor-bnot-self",
            "(bor ?t ?x (bxor ?t (bnot ?t ?x) ?y))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
        (
            "bitops-band-bnot-bxor-self",
            "(band ?t ?x (bnot ?t (bxor ?t ?x ?y)))",
            "(band ?t ?x ?y)",
        ),
        (
            "bitops-band-bxor-bnot-self",
            "(band ?t ?x (bxor ?t (bnot ?t ?x) ?y))",
            "(band ?t ?x ?y)",
        ),
        (
            "bitops-bor-bor-bxor-same",
            "(bor ?t (bor ?t ?x ?y) (bxor ?t ?x ?y))",
            "(bor ?t ?x ?y)",
        ),
        (
            "bitops-isub-bnot-bnot",
            "(isub ?t (bnot ?t ?x) (bnot ?t ?y))",
            "(isub ?t ?y ?x)",
        ),
        (
            "bitops-bor-notand-nor",
            "(bor ?t (band ?t (bnot ?t ?x) ?y) (bnot ?t (bor ?t ?x ?y)))",
            "(bnot ?t ?x)",
        ),
        (
            "bitops-band-notor-nand",
            "(band ?t (bor ?t (bnot ?t ?x) ?y) (bnot ?t (band ?t ?x ?y)))",
            "(bnot ?t ?x)",
        ),
        (
            "bitops-bor-band-nor",
            "(bor ?t (band ?t ?x ?y) (bnot ?t (bor ?t ?x ?y)))",
            "(bnot ?t (bxor ?t ?x ?y))",
        ),
        (
            "bitops-bxor-notor-bxor",
            "(bxor ?t (bor ?t (bnot ?t ?x) ?y) (bxor ?t ?x ?y))",
            "(bor ?t ?x (bnot ?t ?y))",
        ),
    ];
    for (name, lhs, rhs) in plain {
        let conds = if lhs.starts_with("(icmp") || lhs.starts_with("(bor ?r (icmp") {
            vec![int_or_vector("?t")]
        } else {
            vec![]
        };
        r.extend(rw_comm(name, lhs, rhs, conds));
    }
    // (x & ~y) == ~y  <=>  (x | y) == -1
    r.extend(rw_fn_comm(
        "bitops-icmp-eq-andnot-not",
        "(icmp ?t eq (band ?t ?x (bnot ?t ?y)) (bnot ?t ?y))",
        vec![small_int("?t")],
        {
            let (x, y) = (var("?x"), var("?y"));
            move |eg, s| {
                let ty = type_at(eg, s, t)?;
                let or = inst(eg, Opcode::Bor, ty, &[s[y], s[x]]);
                let m1 = iconst(eg, ty, u64::MAX)?;
                Some(icmp(eg, IntCC::Equal, ty, or, m1))
            }
        },
    ));
    // Unsigned order facts about band/bor.
    for (name, lhs) in [
        ("bitops-icmp-uge-band", "(icmp ?t uge ?x (band ?t ?x ?y))"),
        ("bitops-icmp-ule-band", "(icmp ?t ule (band ?t ?x ?y) ?x)"),
        ("bitops-icmp-uge-bor", "(icmp ?t uge (bor ?t ?x ?y) ?x)"),
        ("bitops-icmp-ule-bor", "(icmp ?t ule ?x (bor ?t ?x ?y))"),
    ] {
        // `(uge ty x (band ty x y))`: one type for the comparison's result
        // and the `band`, so only `i8` operands and vectors match.
        r.extend(rw_cmp_const(name, lhs, true, vec![cmp_shares_type("?t")]));
    }
    r
}
