//! The `demorgan` opt-in set: the De Morgan rules Cranelift reverted
//! (wasmtime #12127), in both directions, plus the `bnot`-of-`bxor` forms.
//! All of these hold bitwise, so for every integer and integer-vector type.

use super::util::*;
use super::Rule;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    let pairs = [
        // ~(x & y) <=> ~x | ~y
        (
            "demorgan-bnot-band",
            "(bnot ?t (band ?t ?x ?y))",
            "(bor ?t (bnot ?t ?x) (bnot ?t ?y))",
        ),
        // ~(x | y) <=> ~x & ~y
        (
            "demorgan-bnot-bor",
            "(bnot ?t (bor ?t ?x ?y))",
            "(band ?t (bnot ?t ?x) (bnot ?t ?y))",
        ),
        // ~(x & ~y) <=> ~x | y   (the and-not form)
        (
            "demorgan-bnot-band-not",
            "(bnot ?t (band ?t ?x (bnot ?t ?y)))",
            "(bor ?t (bnot ?t ?x) ?y)",
        ),
        // ~(x | ~y) <=> ~x & y   (the or-not form)
        (
            "demorgan-bnot-bor-not",
            "(bnot ?t (bor ?t ?x (bnot ?t ?y)))",
            "(band ?t (bnot ?t ?x) ?y)",
        ),
        // ~(x ^ y) <=> ~x ^ y
        (
            "demorgan-bnot-bxor",
            "(bnot ?t (bxor ?t ?x ?y))",
            "(bxor ?t (bnot ?t ?x) ?y)",
        ),
    ];
    let mut r = Vec::new();
    for (name, a, b) in pairs {
        r.push(rw(&format!("{name}-fwd"), a, b, vec![]));
        r.push(rw(&format!("{name}-rev"), b, a, vec![]));
    }
    r
}
