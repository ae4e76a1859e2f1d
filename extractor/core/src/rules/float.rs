//! The `float` family: sign-manipulation identities from Cranelift's
//! `arithmetic.isle` that are exact in IEEE arithmetic (negation only flips
//! the sign bit, so two negations cancel and a product of two negated
//! operands equals the product of the operands).

use super::Rule;
use egg::rewrite as rw;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    vec![
        rw!("float-fneg-fneg"; "(fneg ?t (fneg ?t ?x))" => "?x"),
        rw!("float-fma-fneg-fneg"; "(fma ?t (fneg ?t ?x) (fneg ?t ?y) ?z)" => "(fma ?t ?x ?y ?z)"),
        rw!("float-fmul-fneg-fneg"; "(fmul ?t (fneg ?t ?x) (fneg ?t ?y))" => "(fmul ?t ?x ?y)"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::import::import;
    use crate::rules::{saturate, Limits};
    use crate::testing;
    use cranelift_codegen::ir::Value;

    fn merged(text: &str, a: u32, b: u32) -> bool {
        let file = testing::parse("t.clif", text).unwrap();
        let imported = import(&file.functions[0]);
        let (eg, _) = saturate(imported.egraph, &super::rules(), &Limits::default());
        let class = |v: u32| eg.find(imported.value_class[&Value::from_u32(v)]);
        class(a) == class(b)
    }

    #[test]
    fn fneg_fneg_cancels() {
        let f = "function %f(f64) -> f64 {\nblock0(v0: f64):\n v1 = fneg v0\n v2 = fneg v1\n return v2\n}";
        assert!(merged(f, 2, 0));
        assert!(!merged(f, 1, 0));
    }

    #[test]
    fn fma_and_fmul_of_two_negations() {
        let f = "function %f(f32, f32, f32) -> f32, f32 {\nblock0(v0: f32, v1: f32, v2: f32):\n v3 = fneg v0\n v4 = fneg v1\n v5 = fma v3, v4, v2\n v6 = fma v0, v1, v2\n v7 = fmul v3, v4\n v8 = fmul v0, v1\n v9 = fmul v3, v1\n return v5, v7\n}";
        assert!(merged(f, 5, 6));
        assert!(merged(f, 7, 8));
        assert!(!merged(f, 9, 8));
    }
}
