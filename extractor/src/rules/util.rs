//! Helpers for writing rules: conditions and appliers over [`ClassData`].

use crate::lang::{ClassData, ClifEGraph};
use egg::{Id, Subst, Var};

/// The analysis data of the class bound to `var`.
pub fn data_of(egraph: &ClifEGraph, subst: &Subst, var: &str) -> ClassData {
    let v: Var = var.parse().expect("valid pattern variable");
    egraph[subst[v]].data
}

/// A condition: the class bound to `var` is a constant satisfying `pred`
/// (which sees the constant's bits and the class's data).
pub fn konst_is(
    var: &'static str,
    pred: impl Fn(u64, &ClassData) -> bool + Send + Sync + 'static,
) -> impl Fn(&mut ClifEGraph, Id, &Subst) -> bool {
    move |egraph, _, subst| {
        let d = data_of(egraph, subst, var);
        d.konst.is_some_and(|k| pred(k, &d))
    }
}
