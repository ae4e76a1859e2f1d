//! The `reassoc` opt-in set: the reassociation rules Cranelift reverted.
//!
//! wasmtime #7466 reassociated chains of `iadd`/`imul`/`band`/`bor`/`bxor`
//! so that constants and loop invariants meet (`(x + k1) + y => (x + y) +
//! k1`), and #8518 extended it to `umin`/`umax`/`smin`/`smax`; #12116
//! reverted both because Cranelift's tree-cost extraction could not tell
//! when a reassociation raised register pressure. In an e-graph, general
//! associativity and commutativity of these operators subsume those rules;
//! the saturation bounds contain the blow-up and the extractor chooses.
//! All of these hold for every integer and integer-vector type.

use super::util::*;
use super::Rule;

/// Associative and commutative operators.
const AC_OPS: &[&str] = &[
    "iadd", "imul", "band", "bor", "bxor", "umin", "umax", "smin", "smax",
];

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let mut r = Vec::new();
    for op in AC_OPS {
        r.push(rw(
            &format!("reassoc-{op}-comm"),
            &format!("({op} ?t ?a ?b)"),
            &format!("({op} ?t ?b ?a)"),
            vec![],
        ));
        r.push(rw(
            &format!("reassoc-{op}-assoc-right"),
            &format!("({op} ?t ({op} ?t ?a ?b) ?c)"),
            &format!("({op} ?t ?a ({op} ?t ?b ?c))"),
            vec![],
        ));
        r.push(rw(
            &format!("reassoc-{op}-assoc-left"),
            &format!("({op} ?t ?a ({op} ?t ?b ?c))"),
            &format!("({op} ?t ({op} ?t ?a ?b) ?c)"),
            vec![],
        ));
    }
    r
}
