//! Tests of the rewrite rules, one module per family.
//!
//! Every rule (by base name; `name/N` are its commuted forms) has at least
//! one case: a small CLIF function, saturated with *only that rule*, after
//! which values that must be equal are in one class (and were not before),
//! and near misses are not. Each family also runs end to end through the
//! pipeline on a function exercising it, checked on random inputs in
//! cranelift-interpreter. `corpus` runs every rule set over the built-in
//! kernels and the filetests' run lines.

use cranelift_codegen::ir::Value;
use regpress::extract;
use regpress::import::import;
use regpress::pipeline::{self, Settings};
use regpress::rules::{self, Limits, Rule, RuleSet};
use regpress::validate::{codegen, semantics};
use std::collections::BTreeSet;

/// One rule test: CLIF block params, body (`;`-separated), and facts
/// (`v2=v0`, `v3!=v1`, comma-separated).
struct Case {
    rule: String,
    params: String,
    body: String,
    facts: String,
}

fn c(rule: &str, params: &str, body: &str, facts: &str) -> Case {
    Case {
        rule: rule.into(),
        params: params.into(),
        body: body.into(),
        facts: facts.into(),
    }
}

fn func_text(params: &str, body: &str) -> String {
    func_returning(params, body, &[])
}

/// A one-block function of `params` running `body` and returning
/// `returns` (type, value) pairs.
fn func_returning(params: &str, body: &str, returns: &[(String, String)]) -> String {
    let ps: Vec<&str> = params.split_whitespace().collect();
    let bparams: Vec<String> = ps
        .iter()
        .enumerate()
        .map(|(i, t)| format!("v{i}: {t}"))
        .collect();
    let lines: Vec<String> = body
        .split(';')
        .map(|l| format!("    {}", l.trim()))
        .collect();
    let (types, values): (Vec<&str>, Vec<&str>) = returns
        .iter()
        .map(|(t, v)| (t.as_str(), v.as_str()))
        .unzip();
    let signature = if returns.is_empty() {
        String::new()
    } else {
        format!(" -> {}", types.join(", "))
    };
    let ret = if returns.is_empty() {
        String::new()
    } else {
        format!(" {}", values.join(", "))
    };
    format!(
        "function %t({}){signature} {{\nblock0({}):\n{}\n    return{ret}\n}}\n",
        ps.join(", "),
        bparams.join(", "),
        lines.join("\n")
    )
}

fn value(s: &str) -> Value {
    let n: u32 = s.trim().trim_start_matches('v').parse().expect("vN");
    Value::from_u32(n)
}

/// The rules of `family` whose base name is `name`.
fn named(family: &[Rule], name: &str) -> Vec<Rule> {
    let rs: Vec<Rule> = family
        .iter()
        .filter(|r| {
            let n = r.name.as_str();
            n == name || n.strip_prefix(name).is_some_and(|s| s.starts_with('/'))
        })
        .cloned()
        .collect();
    assert!(!rs.is_empty(), "no rule named {name}");
    rs
}

fn base_name(n: &str) -> &str {
    n.split('/').next().unwrap()
}

/// Check one case; `Err` describes the failure.
fn check(family: &[Rule], case: &Case) -> Result<(), String> {
    let text = func_text(&case.params, &case.body);
    let file = regpress::corpus::parse("case.clif", &text).map_err(|e| format!("{e}\n{text}"))?;
    let imported = import(&file.functions[0]);
    let vc = imported.value_class.clone();
    let before = imported.egraph.clone();
    let rs = named(family, &case.rule);
    let (eg, _) = rules::saturate(imported.egraph, &rs, &Limits::default());
    for fact in case
        .facts
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        let (neg, (a, b)) = match fact.split_once("!=") {
            Some(p) => (true, p),
            None => (false, fact.split_once('=').expect("a=b or a!=b")),
        };
        let (va, vb) = (value(a), value(b));
        let (ca, cb) = (vc[&va], vc[&vb]);
        let same = eg.find(ca) == eg.find(cb);
        if neg && same {
            return Err(format!("{}: {fact} failed (merged)\n{text}", case.rule));
        }
        if !neg {
            if !same {
                return Err(format!("{}: {fact} failed (not merged)\n{text}", case.rule));
            }
            if before.find(ca) == before.find(cb) {
                return Err(format!(
                    "{}: {fact} already held before rewriting\n{text}",
                    case.rule
                ));
            }
        }
    }
    Ok(())
}

/// Run the cases of a family and check that every rule has one.
fn run_family(name: &str, cases: &[Case]) {
    let family = rules::family_rules(name).expect("family");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(e) = check(&family, case) {
            failures.push(e);
        }
    }
    let tested: BTreeSet<&str> = cases.iter().map(|c| c.rule.as_str()).collect();
    let all: BTreeSet<&str> = family.iter().map(|r| base_name(r.name.as_str())).collect();
    let untested: Vec<&&str> = all.difference(&tested).collect();
    if !untested.is_empty() {
        failures.push(format!("rules without a case: {untested:?}"));
    }
    let names: Vec<&str> = family.iter().map(|r| r.name.as_str()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "duplicate rule names in {name}");
    eprintln!(
        "{name}: {} rules ({} base names), {} cases",
        names.len(),
        all.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Optimise every function of `text` with `rules` and check it on random
/// inputs against the original; returns (instructions before, after).
fn e2e(text: &str, rules: &[Rule]) -> (usize, usize) {
    let file = regpress::corpus::parse("e2e.clif", text).unwrap();
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let ex = extract::by_name("cranelift").unwrap();
    let (mut before, mut after) = (0, 0);
    for (i, func) in file.functions.iter().enumerate() {
        let out = pipeline::optimize(func, &*isa, &*ex, rules, &Settings::default()).unwrap();
        assert!(
            out.report.fallback.is_none(),
            "fell back: {:?}",
            out.report.fallback
        );
        let d = semantics::differential(func, &out.func, &[], 200, 7 + i as u64)
            .unwrap_or_else(|e| panic!("{e}\n{}", out.func.display()));
        assert!(d.compared > 0, "nothing compared");
        let count = |f: &cranelift_codegen::ir::Function| {
            f.layout
                .blocks()
                .map(|b| f.layout.block_insts(b).count())
                .sum::<usize>()
        };
        before += count(func);
        after += count(&out.func);
    }
    (before, after)
}

const AC: &[&str] = &[
    "iadd", "imul", "band", "bor", "bxor", "umin", "umax", "smin", "smax",
];

mod harness {
    use super::*;

    #[test]
    fn commuted_forms() {
        let v = rules::commuted("(isub ?t (iadd ?t ?x ?y) (bor ?t ?x ?y))");
        assert_eq!(v.len(), 4);
        assert_eq!(v[0], "(isub ?t (iadd ?t ?x ?y) (bor ?t ?x ?y))");
        assert_eq!(rules::commuted("(icmp ?t eq ?x (bnot ?t ?x))").len(), 2);
        assert_eq!(rules::commuted("(icmp ?t slt ?x ?y)").len(), 1);
        assert_eq!(rules::commuted("(iadd ?t ?x ?x)").len(), 1);
    }

    #[test]
    fn all_sets_build_with_unique_names() {
        let set = RuleSet::parse("default+reassoc+demorgan").unwrap().rules();
        let names: BTreeSet<&str> = set.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names.len(),
            set.len(),
            "duplicate rule names across families"
        );
        eprintln!("default+reassoc+demorgan: {} rules", set.len());
    }

    #[test]
    fn rules_do_not_match_through_constant_classes() {
        // 160 + -32 folds to 128, so the class of 128 also holds that
        // `iadd`. Cranelift subsumes folded classes to the constant, so
        // `(iadd (isub x y) (iadd y z))` cannot see it there: v6 is not
        // rewritten to v0 + -32.
        let all = rules::family_rules("arithmetic").unwrap();
        let body = "v1 = iconst.i32 160; v2 = isub v0, v1; v3 = iconst.i32 128; v4 = iconst.i32 -32; v5 = iadd v1, v4; v6 = iadd v2, v3; v7 = iadd v0, v4";
        check(&all, &c("arith-isub-plus-iadd", "i32", body, "v6!=v7")).unwrap();
        // The same shape with a non-constant y does rewrite.
        let body = "v3 = isub v0, v1; v4 = iadd v1, v2; v6 = iadd v3, v4; v7 = iadd v0, v2";
        check(
            &all,
            &c("arith-isub-plus-iadd", "i32 i32 i32", body, "v6=v7"),
        )
        .unwrap();
    }

    #[test]
    fn iconst_is_never_built_for_i128() {
        // x - x on i128 would need iconst.i128: the rule must not fire.
        let all = RuleSet::DEFAULT.rules();
        let case = c(
            "arith-isub-self",
            "i128",
            "v1 = isub v0, v0; v2 = bxor v0, v0",
            "",
        );
        check(&all, &case).unwrap();
        let file =
            regpress::corpus::parse("t.clif", &func_text("i128", "v1 = isub v0, v0")).unwrap();
        let imported = import(&file.functions[0]);
        let (eg, _) = rules::saturate(imported.egraph, &all, &Limits::default());
        let cls = eg.find(imported.value_class[&value("v1")]);
        assert!(eg[cls]
            .nodes
            .iter()
            .all(|n| n.op != regpress::lang::Op::Inst(cranelift_codegen::ir::Opcode::Iconst)));
    }
}

mod cprop {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for op in AC {
            v.push(c(
                &format!("cprop-{op}-const-right"),
                "i32",
                &format!("v1 = iconst.i32 7; v2 = {op} v1, v0; v3 = {op} v0, v1"),
                "v2=v3",
            ));
            v.push(c(
                &format!("cprop-{op}-reassoc-const"),
                "i32",
                &format!(
                    "v1 = iconst.i32 3; v2 = iconst.i32 5; v3 = {op} v0, v1; v4 = {op} v3, v2; v5 = {op} v1, v2; v6 = {op} v0, v5"
                ),
                "v4=v6",
            ));
        }
        for op in ["iadd", "imul", "band", "bor", "bxor"] {
            v.push(c(
                &format!("cprop-{op}-pair-consts"),
                "i32 i32",
                &format!(
                    "v2 = iconst.i32 3; v3 = iconst.i32 5; v4 = {op} v0, v2; v5 = {op} v1, v3; v6 = {op} v4, v5; v7 = {op} v0, v1; v8 = {op} v2, v3; v9 = {op} v7, v8"
                ),
                "v6=v9",
            ));
        }
        v.push(c(
            "cprop-isub-const-left",
            "i32",
            "v1 = iconst.i32 9; v2 = isub v1, v0; v3 = isub v0, v1; v4 = ineg v3",
            "v2=v4",
        ));
        v.push(c(
            "cprop-icmp-const-left",
            "i32",
            "v1 = iconst.i32 9; v2 = icmp ult v1, v0; v3 = icmp ugt v0, v1; v4 = icmp ult v0, v1",
            "v2=v3, v2!=v4",
        ));
        let k = "v1 = iconst.i32 3; v2 = iconst.i32 5";
        v.push(c(
            "cprop-isub-isub-const",
            "i32",
            &format!("{k}; v3 = isub v0, v1; v4 = isub v3, v2; v5 = iadd v1, v2; v6 = isub v0, v5"),
            "v4=v6",
        ));
        v.push(c(
            "cprop-isub-const-isub-const",
            "i32",
            &format!("{k}; v3 = isub v1, v0; v4 = isub v3, v2; v5 = isub v1, v2; v6 = isub v5, v0"),
            "v4=v6",
        ));
        v.push(c(
            "cprop-isub-iadd-const",
            "i32",
            &format!("{k}; v3 = iadd v0, v1; v4 = isub v3, v2; v5 = isub v2, v1; v6 = isub v0, v5"),
            "v4=v6",
        ));
        v.push(c(
            "cprop-iadd-isub-const",
            "i32",
            &format!("{k}; v3 = isub v0, v1; v4 = iadd v3, v2; v5 = isub v2, v1; v6 = iadd v0, v5"),
            "v4=v6",
        ));
        v.push(c(
            "cprop-iadd-const-isub",
            "i32",
            &format!("{k}; v3 = isub v1, v0; v4 = iadd v3, v2; v5 = iadd v1, v2; v6 = isub v5, v0"),
            "v4=v6",
        ));
        v.push(c(
            "cprop-select-true",
            "i32 i32",
            "v2 = iconst.i8 4; v3 = select v2, v0, v1",
            "v3=v0, v3!=v1",
        ));
        v.push(c(
            "cprop-select-false",
            "i32 i32",
            "v2 = iconst.i8 0; v3 = select v2, v0, v1",
            "v3=v1, v3!=v0",
        ));
        for cc in ["eq", "ne"] {
            v.push(c(&format!("cprop-icmp-{cc}-iadd-const"), "i32", &format!("v1 = iconst.i32 3; v2 = iconst.i32 10; v3 = iadd v0, v1; v4 = icmp {cc} v3, v2; v5 = isub v2, v1; v6 = icmp {cc} v0, v5"), "v4=v6"));
            v.push(c(&format!("cprop-icmp-{cc}-isub-const"), "i32", &format!("v1 = iconst.i32 3; v2 = iconst.i32 10; v3 = isub v0, v1; v4 = icmp {cc} v3, v2; v5 = iadd v2, v1; v6 = icmp {cc} v0, v5"), "v4=v6"));
            v.push(c(&format!("cprop-icmp-{cc}-iadd-iadd-const"), "i32 i32", &format!("v2 = iconst.i32 3; v3 = iconst.i32 10; v4 = iadd v0, v2; v5 = iadd v1, v3; v6 = icmp {cc} v4, v5; v7 = isub v3, v2; v8 = iadd v1, v7; v9 = icmp {cc} v0, v8"), "v6=v9"));
        }
        v.push(c(
            "cprop-isub-neg-const",
            "i32",
            "v1 = iconst.i32 0xffff_ffff; v2 = isub v0, v1; v3 = iconst.i32 1; v4 = iadd v0, v3",
            "v2=v4",
        ));
        v.push(c(
            "cprop-isub-neg-const",
            "i32",
            "v1 = iconst.i32 5; v2 = isub v0, v1; v3 = iconst.i32 0xffff_fffb; v4 = iadd v0, v3",
            "v2!=v4",
        ));
        v.push(c(
            "cprop-isub-neg-const",
            "i8",
            "v1 = iconst.i8 0x80; v2 = isub v0, v1; v3 = iadd v0, v1",
            "v2=v3",
        ));
        for op in ["ishl", "ushr", "sshr"] {
            v.push(c(&format!("cprop-{op}-const-reassoc"), "i32", &format!("v1 = iconst.i32 0x8000_0001; v2 = iconst.i32 3; v3 = {op} v1, v0; v4 = {op} v3, v2; v5 = {op} v1, v2; v6 = {op} v5, v0"), "v4=v6"));
        }
        v.push(c("cprop-bnot-iadd-const", "i32", "v1 = iconst.i32 5; v2 = iadd v0, v1; v3 = bnot v2; v4 = bnot v0; v5 = iconst.i32 0xffff_fffb; v6 = iadd v4, v5", "v3=v6"));
        v
    }

    #[test]
    fn each_rule() {
        run_family("cprop", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 3
    v3 = iadd v2, v0
    v4 = iconst.i32 5
    v5 = iadd v3, v4
    v6 = iconst.i32 0xffff_ffff
    v7 = isub v5, v6
    v8 = icmp ult v2, v1
    v9 = select v8, v7, v1
    v10 = bnot v9
    v11 = iadd v10, v4
    v12 = bnot v11
    return v12
}
function %g(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 2
    v2 = imul v1, v0
    v3 = iconst.i64 6
    v4 = imul v2, v3
    v5 = iconst.i64 1
    v6 = ishl v5, v0
    v7 = ishl v6, v1
    v8 = iadd v4, v7
    return v8
}";
        let (b, a) = e2e(text, &rules::family_rules("cprop").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod arithmetic {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let z = "v1 = iconst.i32 0";
        let mut v = vec![
            c("arith-iadd-zero", "i32", &format!("{z}; v2 = iadd v0, v1"), "v2=v0"),
            c("arith-iadd-zero", "i32", "v1 = iconst.i32 1; v2 = iadd v0, v1", "v2!=v0"),
            c("arith-isub-zero", "i32", &format!("{z}; v2 = isub v0, v1"), "v2=v0"),
            c("arith-zero-isub", "i32", &format!("{z}; v2 = isub v1, v0; v3 = ineg v0"), "v2=v3"),
            c("arith-imul-one", "i64", "v1 = iconst.i64 1; v2 = imul v0, v1", "v2=v0"),
            c("arith-imul-zero", "i64", "v1 = iconst.i64 0; v2 = imul v0, v1", "v2=v1"),
            c("arith-imul-neg-one", "i16", "v1 = iconst.i16 0xffff; v2 = imul v0, v1; v3 = ineg v0", "v2=v3"),
            c("arith-imul-neg-one", "i16", "v1 = iconst.i16 0x7fff; v2 = imul v0, v1; v3 = ineg v0", "v2!=v3"),
            c("arith-isub-self", "i32", "v1 = isub v0, v0; v2 = iconst.i32 0", "v1=v2"),
            c("arith-iadd-ineg", "i32 i32", "v2 = ineg v1; v3 = iadd v0, v2; v4 = isub v0, v1", "v3=v4"),
            c("arith-ineg-iadd", "i32 i32", "v2 = ineg v1; v3 = iadd v2, v0; v4 = isub v0, v1", "v3=v4"),
            c("arith-ineg-isub", "i32 i32", "v2 = isub v1, v0; v3 = ineg v2; v4 = isub v0, v1", "v3=v4"),
            c("arith-isub-ineg", "i32 i32", "v2 = ineg v1; v3 = isub v0, v2; v4 = iadd v0, v1", "v3=v4"),
            c("arith-ineg-ineg", "i32", "v1 = ineg v0; v2 = ineg v1", "v2=v0"),
            c("arith-imul-ineg-ineg", "i32 i32", "v2 = ineg v0; v3 = ineg v1; v4 = imul v2, v3; v5 = imul v0, v1", "v4=v5"),
            c("arith-iabs-ineg", "i32", "v1 = ineg v0; v2 = iabs v1; v3 = iabs v0", "v2=v3"),
            c("arith-iabs-iabs", "i32", "v1 = iabs v0; v2 = iabs v1", "v2=v1"),
            c("arith-bnot-plus-one", "i32", "v1 = bnot v0; v2 = iconst.i32 1; v3 = iadd v1, v2; v4 = ineg v0", "v3=v4"),
            c("arith-bnot-isub-one", "i32", "v1 = iconst.i32 1; v2 = isub v0, v1; v3 = bnot v2; v4 = ineg v0", "v3=v4"),
            c("arith-bnot-iadd-neg-one", "i8", "v1 = iconst.i8 0xff; v2 = iadd v0, v1; v3 = bnot v2; v4 = ineg v0", "v3=v4"),
            c("arith-ineg-bnot", "i32", "v1 = bnot v0; v2 = ineg v1; v3 = iconst.i32 1; v4 = iadd v0, v3", "v2=v4"),
            c("arith-bnot-ineg", "i32", "v1 = ineg v0; v2 = bnot v1; v3 = iconst.i32 1; v4 = isub v0, v3", "v2=v4"),
            c("arith-neg-one-isub", "i64", "v1 = iconst.i64 -1; v2 = isub v1, v0; v3 = bnot v0", "v2=v3"),
            c("arith-isub-isub-self", "i32 i32", "v2 = isub v0, v1; v3 = isub v2, v0; v4 = ineg v1", "v3=v4"),
            c("arith-isub-isub-common-right", "i32 i32 i32", "v3 = isub v0, v2; v4 = isub v1, v2; v5 = isub v3, v4; v6 = isub v0, v1", "v5=v6"),
            c("arith-isub-isub-common-left", "i32 i32 i32", "v3 = isub v0, v1; v4 = isub v0, v2; v5 = isub v3, v4; v6 = isub v2, v1", "v5=v6"),
            c("arith-imul-two", "i32", "v1 = iconst.i32 2; v2 = imul v0, v1; v3 = iadd v0, v0", "v2=v3"),
            c("arith-imul-pow2", "i32", "v1 = iconst.i32 8; v2 = imul v0, v1; v3 = iconst.i32 3; v4 = ishl v0, v3", "v2=v4"),
            c("arith-imul-pow2", "i32", "v1 = iconst.i32 6; v2 = imul v0, v1; v3 = iconst.i32 3; v4 = ishl v0, v3", "v2!=v4"),
            c("arith-imul-pow2", "i8", "v1 = iconst.i8 0x80; v2 = imul v0, v1; v3 = iconst.i8 7; v4 = ishl v0, v3", "v2=v4"),
            c("arith-imul-ineg-const", "i32", "v1 = ineg v0; v2 = iconst.i32 3; v3 = imul v1, v2; v4 = iconst.i32 0xffff_fffd; v5 = imul v0, v4", "v3=v5"),
            c("arith-bor-const-plus-neg", "i32", "v1 = iconst.i32 12; v2 = bor v0, v1; v3 = iconst.i32 0xffff_fff4; v4 = iadd v2, v3; v5 = iconst.i32 0xffff_fff3; v6 = band v0, v5", "v4=v6"),
            c("arith-bor-const-plus-neg", "i32", "v1 = iconst.i32 12; v2 = bor v0, v1; v3 = iconst.i32 0xffff_fff5; v4 = iadd v2, v3; v5 = iconst.i32 0xffff_fff3; v6 = band v0, v5", "v4!=v6"),
            c("arith-imul-ishl-one", "i32 i32", "v2 = iconst.i32 1; v3 = ishl v2, v1; v4 = imul v0, v3; v5 = ishl v0, v1", "v4=v5"),
            c("arith-iadd-minus-bor", "i32 i32", "v2 = iadd v1, v0; v3 = bor v0, v1; v4 = isub v2, v3; v5 = band v0, v1", "v4=v5"),
            c("arith-isub-plus-y", "i32 i32", "v2 = isub v0, v1; v3 = iadd v1, v2", "v3=v0"),
            c("arith-iadd-minus-x", "i32 i32", "v2 = iadd v0, v1; v3 = isub v2, v0; v4 = isub v2, v1", "v3=v1, v4=v0"),
            c("arith-iadd-plus-ineg", "i32 i32", "v2 = iadd v1, v0; v3 = ineg v1; v4 = iadd v2, v3", "v4=v0"),
            c("arith-bor-minus-band", "i32 i32", "v2 = bor v0, v1; v3 = band v1, v0; v4 = isub v2, v3; v5 = bxor v0, v1", "v4=v5"),
            c("arith-iadd-minus-band", "i32 i32", "v2 = iadd v0, v1; v3 = band v0, v1; v4 = isub v2, v3; v5 = bor v0, v1", "v4=v5"),
            c("arith-bor-minus-bxor", "i32 i32", "v2 = bor v0, v1; v3 = bxor v0, v1; v4 = isub v2, v3; v5 = band v0, v1", "v4=v5"),
            c("arith-iadd-minus-iadd", "i32 i32 i32", "v3 = iadd v1, v0; v4 = iadd v0, v2; v5 = isub v3, v4; v6 = isub v1, v2", "v5=v6"),
            c("arith-umin-plus-umax", "i32 i32", "v2 = umin v0, v1; v3 = umax v1, v0; v4 = iadd v3, v2; v5 = iadd v0, v1", "v4=v5"),
            c("arith-smin-plus-smax", "i32 i32", "v2 = smin v0, v1; v3 = smax v0, v1; v4 = iadd v2, v3; v5 = iadd v0, v1", "v4=v5"),
            c("arith-isub-plus-iadd", "i32 i32 i32", "v3 = isub v0, v1; v4 = iadd v1, v2; v5 = iadd v3, v4; v6 = iadd v0, v2", "v5=v6"),
            c("arith-x-minus-iadd", "i32 i32", "v2 = iadd v1, v0; v3 = isub v0, v2; v4 = ineg v1", "v3=v4"),
            c("arith-iadd-iadd-isub", "i32 i32 i32", "v3 = isub v2, v0; v4 = iadd v1, v3; v5 = iadd v0, v4; v6 = iadd v1, v2", "v5=v6"),
            c("arith-ineg-imul-ineg", "i32 i32", "v2 = ineg v1; v3 = imul v2, v0; v4 = ineg v3; v5 = imul v0, v1", "v4=v5"),
            c("arith-bnot-plus-self", "i16", "v1 = bnot v0; v2 = iadd v0, v1; v3 = iconst.i16 0xffff", "v2=v3"),
            c("arith-icmp-eq-iadd-commuted", "i32 i32", "v2 = iadd v0, v1; v3 = iadd v1, v0; v4 = icmp eq v2, v3; v5 = iconst.i8 1", "v4=v5"),
            c("arith-icmp-ne-isub-self", "i32 i32", "v2 = isub v0, v1; v3 = icmp ne v0, v2; v4 = iconst.i32 0; v5 = icmp ne v1, v4", "v3=v5"),
            c("arith-icmp-eq-isub-self", "i32 i32", "v2 = isub v0, v1; v3 = icmp eq v2, v0; v4 = iconst.i32 0; v5 = icmp eq v1, v4", "v3=v5"),
            c("arith-icmp-eq-iadd-self", "i32 i32", "v2 = iadd v0, v1; v3 = icmp eq v2, v1; v4 = iconst.i32 0; v5 = icmp eq v0, v4", "v3=v5"),
            c("arith-icmp-eq-isub-self", "i64x2 i64x2", "v2 = isub v0, v1; v3 = icmp eq v2, v0; v4 = iconst.i64 0; v6 = splat.i64x2 v4; v5 = icmp eq v1, v6", "v3=v5"),
            // Cranelift writes `(eq ty (ineg ty x) (ineg ty y))`: one type
            // for the comparison's result and the negations, so i8 and
            // vectors only.
            c("arith-icmp-eq-ineg-ineg", "i8 i8", "v2 = ineg v0; v3 = ineg v1; v4 = icmp eq v2, v3; v5 = icmp eq v0, v1", "v4=v5"),
            c("arith-icmp-eq-ineg-ineg", "i32x4 i32x4", "v2 = ineg v0; v3 = ineg v1; v4 = icmp eq v2, v3; v5 = icmp eq v0, v1", "v4=v5"),
            c("arith-icmp-eq-ineg-ineg", "i32 i32", "v2 = ineg v0; v3 = ineg v1; v4 = icmp eq v2, v3; v5 = icmp eq v0, v1", "v4!=v5"),
            c("arith-smulhi-open-coded", "i32 i32", "v2 = sextend.i64 v0; v3 = sextend.i64 v1; v4 = imul v2, v3; v5 = iconst.i32 32; v6 = sshr v4, v5; v7 = smulhi v0, v1; v8 = sextend.i64 v7", "v6=v8"),
            c("arith-smulhi-open-coded", "i32 i32", "v2 = sextend.i64 v0; v3 = sextend.i64 v1; v4 = imul v2, v3; v5 = iconst.i32 31; v6 = sshr v4, v5; v7 = smulhi v0, v1; v8 = sextend.i64 v7", "v6!=v8"),
            c("arith-umulhi-open-coded", "i64 i64", "v2 = uextend.i128 v0; v3 = uextend.i128 v1; v4 = imul v2, v3; v5 = iconst.i64 64; v6 = ushr v4, v5; v7 = umulhi v0, v1; v8 = uextend.i128 v7", "v6=v8"),
            c("arith-umulhi-open-coded", "i16 i32", "v2 = uextend.i64 v0; v3 = uextend.i64 v1; v4 = imul v2, v3; v5 = iconst.i64 32; v6 = ushr v4, v5", ""),
            c("arith-icmp-eq-imul-odd-const", "i32", "v1 = iconst.i32 3; v2 = imul v0, v1; v3 = iconst.i32 12; v4 = icmp eq v2, v3; v5 = iconst.i32 4; v6 = icmp eq v0, v5", "v4=v6"),
            c("arith-icmp-eq-imul-odd-const", "i32", "v1 = iconst.i32 6; v2 = imul v0, v1; v3 = iconst.i32 12; v4 = icmp eq v2, v3; v5 = iconst.i32 2; v6 = icmp eq v0, v5", "v4!=v6"),
            c("arith-icmp-ne-imul-odd-const", "i32", "v1 = iconst.i32 5; v2 = imul v1, v0; v3 = iconst.i32 25; v4 = icmp ne v3, v2; v5 = iconst.i32 5; v6 = icmp ne v0, v5", "v4=v6"),
        ];
        let t1 = "v5 = iconst.i8 1";
        let t0 = "v5 = iconst.i8 0";
        for (name, body, k) in [
            ("sge-smax", "v2 = smax v0, v1; v4 = icmp sge v2, v0", t1),
            ("sle-smax", "v2 = smax v1, v0; v4 = icmp sle v0, v2", t1),
            ("uge-umax", "v2 = umax v0, v1; v4 = icmp uge v2, v0", t1),
            ("ule-umax", "v2 = umax v0, v1; v4 = icmp ule v0, v2", t1),
            ("sge-smin", "v2 = smin v0, v1; v4 = icmp sge v0, v2", t1),
            ("sle-smin", "v2 = smin v0, v1; v4 = icmp sle v2, v0", t1),
            ("uge-umin", "v2 = umin v0, v1; v4 = icmp uge v0, v2", t1),
            ("ule-umin", "v2 = umin v1, v0; v4 = icmp ule v2, v0", t1),
            ("sgt-smax", "v2 = smax v0, v1; v4 = icmp sgt v0, v2", t0),
            ("slt-smax", "v2 = smax v0, v1; v4 = icmp slt v2, v0", t0),
            ("ugt-umax", "v2 = umax v0, v1; v4 = icmp ugt v0, v2", t0),
            ("ult-umax", "v2 = umax v1, v0; v4 = icmp ult v2, v0", t0),
        ] {
            // One type variable for the result and the min/max: i8 fires,
            // i32 does not; vectors get all-ones / zero vectors.
            v.push(c(
                &format!("arith-icmp-{name}"),
                "i8 i8",
                &format!("{body}; {k}"),
                "v4=v5",
            ));
            v.push(c(
                &format!("arith-icmp-{name}"),
                "i32 i32",
                &format!("{body}; {k}"),
                "v4!=v5",
            ));
            let vk = if k == t1 {
                "v5 = vconst.i16x8 0xffffffffffffffffffffffffffffffff"
            } else {
                "v5 = vconst.i16x8 0x00000000000000000000000000000000"
            };
            v.push(c(
                &format!("arith-icmp-{name}"),
                "i16x8 i16x8",
                &format!("{body}; {vk}"),
                "v4=v5",
            ));
        }

        for op in ["umin", "umax", "smin", "smax"] {
            v.push(c(
                &format!("arith-{op}-self"),
                "i32",
                &format!("v1 = {op} v0, v0"),
                "v1=v0",
            ));
            v.push(c(
                &format!("arith-{op}-{op}-absorb"),
                "i32 i32",
                &format!("v2 = {op} v0, v1; v3 = {op} v0, v2"),
                "v3=v2",
            ));
        }
        for (outer, inner) in [
            ("smin", "smax"),
            ("smax", "smin"),
            ("umin", "umax"),
            ("umax", "umin"),
        ] {
            v.push(c(
                &format!("arith-{outer}-{inner}-absorb"),
                "i32 i32",
                &format!("v2 = {inner} v0, v1; v3 = {outer} v1, v2"),
                "v3=v1",
            ));
            v.push(c(
                &format!("arith-{outer}-{inner}-{outer}"),
                "i32 i32",
                &format!("v2 = {inner} v0, v1; v3 = {outer} v1, v0; v4 = {outer} v2, v3"),
                "v4=v3",
            ));
        }
        v
    }

    #[test]
    fn each_rule() {
        run_family("arithmetic", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 0
    v3 = iadd v0, v2
    v4 = iconst.i32 8
    v5 = imul v3, v4
    v6 = ineg v1
    v7 = iadd v5, v6
    v8 = isub v7, v7
    v9 = bor v7, v8
    v10 = iconst.i32 1
    v11 = imul v9, v10
    v12 = bnot v11
    v13 = iadd v12, v10
    v14 = smax v13, v0
    v15 = smin v13, v0
    v16 = iadd v14, v15
    return v16
}
function %g(i8, i8) -> i8 {
block0(v0: i8, v1: i8):
    v2 = iconst.i8 0xff
    v3 = imul v0, v2
    v4 = iconst.i8 3
    v5 = imul v3, v4
    v6 = iconst.i8 9
    v7 = icmp eq v5, v6
    v8 = isub v1, v0
    v9 = icmp ne v8, v1
    v10 = band v7, v9
    return v10
}";
        let (b, a) = e2e(text, &rules::family_rules("arithmetic").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod bitops {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = vec![
            c("bitops-bor-zero", "i32", "v1 = iconst.i32 0; v2 = bor v0, v1", "v2=v0"),
            c("bitops-bxor-zero", "i32", "v1 = iconst.i32 0; v2 = bxor v0, v1", "v2=v0"),
            c("bitops-band-all-ones", "i32", "v1 = iconst.i32 0xffff_ffff; v2 = band v0, v1", "v2=v0"),
            c("bitops-band-all-ones", "i32", "v1 = iconst.i32 0x7fff_ffff; v2 = band v0, v1", "v2!=v0"),
            c("bitops-band-all-ones", "i64", "v1 = iconst.i64 0xffff_ffff; v2 = band v0, v1", "v2!=v0"),
            c("bitops-band-zero", "i32", "v1 = iconst.i32 0; v2 = band v0, v1", "v2=v1"),
            c("bitops-bor-all-ones", "i8", "v1 = iconst.i8 0xff; v2 = bor v0, v1", "v2=v1"),
            c("bitops-bxor-all-ones", "i16", "v1 = iconst.i16 0xffff; v2 = bxor v0, v1; v3 = bnot v0", "v2=v3"),
            c("bitops-bor-self", "i32", "v1 = bor v0, v0", "v1=v0"),
            c("bitops-band-self", "i32", "v1 = band v0, v0", "v1=v0"),
            c("bitops-bxor-self", "i32", "v1 = bxor v0, v0; v2 = iconst.i32 0", "v1=v2"),
            c("bitops-bnot-bnot", "i32", "v1 = bnot v0; v2 = bnot v1", "v2=v0"),
            c("bitops-band-bnot-self", "i32", "v1 = bnot v0; v2 = band v1, v0; v3 = iconst.i32 0", "v2=v3"),
            c("bitops-bxor-bnot-self", "i32", "v1 = bnot v0; v2 = bxor v0, v1; v3 = iconst.i32 0xffff_ffff", "v2=v3"),
            c("bitops-bor-bnot-self", "i8", "v1 = bnot v0; v2 = bor v1, v0; v3 = iconst.i8 0xff", "v2=v3"),
            c("bitops-bor-band-const-complement", "i32", "v1 = iconst.i32 0xff; v2 = band v0, v1; v3 = iconst.i32 0xffff_ff00; v4 = bor v2, v3; v5 = bor v0, v3", "v4=v5"),
            c("bitops-bor-band-const-complement", "i32", "v1 = iconst.i32 0xff; v2 = band v0, v1; v3 = iconst.i32 0xffff_fe00; v4 = bor v2, v3; v5 = bor v0, v3", "v4!=v5"),
            c("bitops-sshr-bor-ineg", "i32", "v1 = ineg v0; v2 = bor v0, v1; v3 = iconst.i32 31; v4 = sshr v2, v3; v5 = bmask.i32 v0", "v4=v5"),
            c("bitops-sshr-bor-ineg", "i32", "v1 = ineg v0; v2 = bor v0, v1; v3 = iconst.i32 30; v4 = sshr v2, v3; v5 = bmask.i32 v0", "v4!=v5"),
            c("bitops-bmask-icmp", "i32 i32", "v2 = icmp ult v0, v1; v3 = bmask.i8 v2; v4 = ineg v2", "v3=v4"),
            c("bitops-sextend-bmask", "i32", "v1 = bmask.i16 v0; v2 = sextend.i64 v1; v3 = bmask.i64 v0", "v2=v3"),
            c("bitops-ireduce-bmask", "i32", "v1 = bmask.i64 v0; v2 = ireduce.i8 v1; v3 = bmask.i8 v0", "v2=v3"),
            c("bitops-bswap-bswap", "i32", "v1 = bswap v0; v2 = bswap v1", "v2=v0"),
            c("bitops-bitrev-bitrev", "i32", "v1 = bitrev v0; v2 = bitrev v1", "v2=v0"),
            c("bitops-bswap-idiom-i32", "i32", "v1 = iconst.i32 24; v2 = ishl v0, v1; v3 = iconst.i32 0xff00; v4 = band v0, v3; v5 = iconst.i32 8; v6 = ishl v4, v5; v7 = bor v2, v6; v8 = ushr v0, v5; v9 = band v8, v3; v10 = ushr v0, v1; v11 = bor v9, v10; v12 = bor v7, v11; v13 = bswap v0", "v12=v13"),
            c("bitops-bswap-idiom-i32", "i32", "v1 = iconst.i32 24; v2 = ishl v0, v1; v3 = iconst.i32 0xff00; v4 = band v0, v3; v5 = iconst.i32 8; v6 = ishl v4, v5; v7 = bor v2, v6; v8 = ushr v0, v5; v9 = band v8, v3; v10 = ushr v0, v5; v11 = bor v9, v10; v12 = bor v7, v11; v13 = bswap v0", "v12!=v13"),
            c("bitops-bswap-idiom-i64", "i64", "v1 = iconst.i64 56; v2 = ishl v0, v1; v3 = iconst.i64 0xff00; v4 = band v0, v3; v5 = iconst.i64 40; v6 = ishl v4, v5; v7 = bor v2, v6; v8 = iconst.i64 0xff_0000; v9 = band v0, v8; v10 = iconst.i64 24; v11 = ishl v9, v10; v12 = iconst.i64 0xff00_0000; v13 = band v0, v12; v14 = iconst.i64 8; v15 = ishl v13, v14; v16 = bor v11, v15; v17 = bor v7, v16; v18 = ushr v0, v14; v19 = band v18, v12; v20 = ushr v0, v10; v21 = band v20, v8; v22 = bor v19, v21; v23 = ushr v0, v5; v24 = band v23, v3; v25 = ushr v0, v1; v26 = bor v24, v25; v27 = bor v22, v26; v28 = bor v17, v27; v29 = bswap v0", "v28=v29"),
            c("bitops-icmp-eq-andnot-not", "i32 i32", "v2 = bnot v1; v3 = band v0, v2; v4 = icmp eq v3, v2; v5 = bor v1, v0; v6 = iconst.i32 0xffff_ffff; v7 = icmp eq v5, v6", "v4=v7"),
        ];
        // Truthiness wrappers around v0 (an i32), consumed three ways.
        for (w, def) in [
            ("sextend", "v9 = sextend.i64 v0"),
            ("uextend", "v9 = uextend.i64 v0"),
            ("bmask", "v9 = bmask.i16 v0"),
            ("ineg", "v9 = ineg v0"),
            ("bswap", "v9 = bswap v0"),
            ("bitrev", "v9 = bitrev v0"),
            ("popcnt", "v9 = popcnt v0"),
            ("rotl", "v9 = rotl v0, v1"),
            ("rotr", "v9 = rotr v0, v1"),
            (
                "select",
                "v7 = iconst.i32 5; v8 = iconst.i32 0; v9 = select v0, v7, v8",
            ),
            ("ne-zero", "v8 = iconst.i32 0; v9 = icmp ne v0, v8"),
        ] {
            v.push(c(
                &format!("bitops-select-truthy-{w}"),
                "i32 i32 i64 i64",
                &format!("{def}; v10 = select v9, v2, v3; v11 = select v0, v2, v3"),
                "v10=v11",
            ));
            v.push(c(
                &format!("bitops-bmask-truthy-{w}"),
                "i32 i32",
                &format!("{def}; v10 = bmask.i64 v9; v11 = bmask.i64 v0"),
                "v10=v11",
            ));
        }
        // The ne-zero consumers need a zero of the wrapper's type.
        for (w, def, zty) in [
            ("sextend", "v9 = sextend.i64 v0", "i64"),
            ("uextend", "v9 = uextend.i64 v0", "i64"),
            ("bmask", "v9 = bmask.i16 v0", "i16"),
            ("ineg", "v9 = ineg v0", "i32"),
            ("bswap", "v9 = bswap v0", "i32"),
            ("bitrev", "v9 = bitrev v0", "i32"),
            ("popcnt", "v9 = popcnt v0", "i32"),
            ("rotl", "v9 = rotl v0, v1", "i32"),
            ("rotr", "v9 = rotr v0, v1", "i32"),
            (
                "select",
                "v7 = iconst.i32 5; v8 = iconst.i32 0; v9 = select v0, v7, v8",
                "i32",
            ),
            ("ne-zero", "v8 = iconst.i32 0; v9 = icmp ne v0, v8", "i8"),
        ] {
            v.push(c(
                &format!("bitops-ne-zero-truthy-{w}"),
                "i32 i32",
                &format!("{def}; v10 = iconst.{zty} 0; v11 = icmp ne v9, v10; v12 = iconst.i32 0; v13 = icmp ne v0, v12"),
                "v11=v13",
            ));
        }
        // Negative: rotl's amount is not what is tested.
        v.push(c(
            "bitops-select-truthy-rotl",
            "i32 i32 i64 i64",
            "v9 = rotl v0, v1; v10 = select v9, v2, v3; v11 = select v1, v2, v3",
            "v10!=v11",
        ));
        // A select with a zero "true" arm is not truthy-preserving.
        v.push(c("bitops-select-truthy-select", "i32 i32 i64 i64", "v7 = iconst.i32 0; v8 = iconst.i32 5; v9 = select v0, v7, v8; v10 = select v9, v2, v3; v11 = select v0, v2, v3", "v10!=v11"));
        let plain = [
            ("bitops-band-bxor-to-bor", "v2 = band v0, v1; v3 = bxor v1, v0; v4 = bxor v2, v3; v5 = bor v0, v1"),
            ("bitops-bor-band-bnot", "v2 = band v0, v1; v3 = bnot v1; v4 = bor v3, v2; v5 = bor v0, v3"),
            ("bitops-bor-band-to-bxor", "v2 = bor v0, v1; v3 = band v0, v1; v4 = bxor v2, v3; v5 = bxor v0, v1"),
            ("bitops-bor-bor-absorb", "v2 = bor v0, v1; v4 = bor v1, v2; v5 = bor v0, v1"),
            ("bitops-band-band-absorb", "v2 = band v0, v1; v4 = band v2, v0; v5 = band v0, v1"),
            ("bitops-band-bxor-bnot", "v2 = bnot v1; v3 = bxor v2, v0; v4 = band v0, v3; v5 = band v0, v1"),
            ("bitops-band-plus-bxor", "v2 = band v0, v1; v3 = bxor v0, v1; v4 = iadd v3, v2; v5 = bor v0, v1"),
            ("bitops-bor-plus-band", "v2 = bor v0, v1; v3 = band v0, v1; v4 = iadd v2, v3; v5 = iadd v0, v1"),
            ("bitops-bor-band-absorb", "v2 = band v0, v1; v4 = bor v0, v2; v5 = bor v0, v0"),
            ("bitops-band-bor-absorb", "v2 = bor v1, v0; v4 = band v2, v0; v5 = band v0, v0"),
            ("bitops-bxor-bxor-cancel", "v2 = bxor v0, v1; v4 = bxor v2, v1; v5 = bor v0, v0"),
            ("bitops-bor-band-bnot-bxor", "v2 = band v0, v1; v3 = bxor v0, v1; v6 = bnot v3; v4 = bor v2, v6; v5 = bnot v3"),
            ("bitops-bor-plus-ineg", "v2 = bor v0, v1; v3 = ineg v1; v4 = iadd v2, v3; v6 = bnot v1; v5 = band v0, v6"),
            ("bitops-bxor-bor-bor-bnot", "v2 = bor v0, v1; v3 = bnot v1; v6 = bor v3, v0; v4 = bxor v2, v6; v5 = bnot v0"),
            ("bitops-band-bnot-bnot", "v2 = bnot v0; v3 = bnot v1; v4 = band v2, v3; v6 = bor v0, v1; v5 = bnot v6"),
            ("bitops-bor-bnot-bnot", "v2 = bnot v0; v3 = bnot v1; v4 = bor v3, v2; v6 = band v1, v0; v5 = bnot v6"),
            ("bitops-bor-bnot-bor", "v2 = bor v0, v1; v3 = bnot v2; v4 = bor v1, v3; v6 = bnot v0; v5 = bor v1, v6"),
            ("bitops-band-bnot-band", "v2 = band v0, v1; v3 = bnot v2; v4 = band v3, v1; v6 = bnot v0; v5 = band v1, v6"),
            ("bitops-bxor-bnot-bor", "v2 = bnot v0; v3 = bor v0, v1; v4 = bxor v2, v3; v6 = bnot v1; v5 = bor v0, v6"),
            ("bitops-bnot-band-bnot", "v2 = bnot v0; v3 = band v2, v1; v4 = bnot v3; v6 = bnot v1; v5 = bor v0, v6"),
            ("bitops-bnot-bor-bnot", "v2 = bnot v0; v3 = bor v1, v2; v4 = bnot v3; v6 = bnot v1; v5 = band v0, v6"),
            ("bitops-bor-bxor-self", "v2 = bxor v1, v0; v4 = bor v2, v0; v5 = bor v0, v1"),
            ("bitops-bnot-iadd-bnot", "v2 = bnot v0; v3 = iadd v2, v1; v4 = bnot v3; v5 = isub v0, v1"),
            ("bitops-bxor-bor-bxor", "v2 = bor v0, v1; v3 = bxor v1, v0; v4 = bxor v2, v3; v5 = band v0, v1"),
            ("bitops-bor-bor-bxor-same", "v2 = bor v0, v1; v3 = bxor v0, v1; v4 = bor v3, v2; v5 = bor v0, v1"),
            ("bitops-isub-bnot-bnot", "v2 = bnot v0; v3 = bnot v1; v4 = isub v2, v3; v5 = isub v1, v0"),
            ("bitops-bor-band-band-bnot", "v2 = band v0, v1; v3 = bnot v1; v6 = band v0, v3; v4 = bor v2, v6; v5 = bor v0, v0"),
            ("bitops-band-bor-bor-bnot", "v2 = bor v0, v1; v3 = bnot v1; v6 = bor v3, v0; v4 = band v2, v6; v5 = bor v0, v0"),
            ("bitops-bor-bxor-bnot", "v2 = bxor v1, v0; v3 = bnot v0; v4 = bor v2, v3; v6 = band v1, v0; v5 = bnot v6"),
            ("bitops-bor-band-bnot-self", "v2 = bnot v1; v3 = band v2, v0; v4 = bor v1, v3; v5 = bor v1, v0"),
            ("bitops-band-bor-bnot-self", "v2 = bnot v1; v3 = bor v0, v2; v4 = band v1, v3; v5 = band v1, v0"),
            ("bitops-isub-band-bnot-band", "v2 = bnot v1; v3 = band v0, v2; v6 = band v0, v1; v4 = isub v3, v6; v7 = bxor v0, v1; v5 = isub v7, v1"),
            ("bitops-isub-band-band-bnot", "v2 = bnot v1; v3 = band v0, v2; v6 = band v0, v1; v4 = isub v6, v3; v7 = bxor v0, v1; v5 = isub v1, v7"),
            ("bitops-bor-andnot-andnot", "v2 = bnot v1; v3 = band v0, v2; v6 = bnot v0; v7 = band v6, v1; v4 = bor v3, v7; v5 = bxor v0, v1"),
            ("bitops-bor-andnot-bxor", "v2 = bnot v1; v3 = band v0, v2; v6 = bxor v0, v1; v4 = bor v3, v6; v5 = bxor v0, v1"),
            ("bitops-bxor-andnot-bnot", "v2 = bnot v1; v3 = band v0, v2; v6 = bnot v0; v4 = bxor v3, v6; v7 = band v0, v1; v5 = bnot v7"),
            ("bitops-bxor-notand-self", "v2 = bnot v0; v3 = band v2, v1; v4 = bxor v3, v0; v5 = bor v0, v1"),
            ("bitops-band-bor-bnot-bxor", "v2 = bor v0, v1; v3 = bxor v0, v1; v6 = bnot v3; v4 = band v2, v6; v5 = band v0, v1"),
            ("bitops-bor-bnot-bxor-self", "v2 = bxor v0, v1; v3 = bnot v2; v4 = bor v0, v3; v6 = bnot v1; v5 = bor v0, v6"),
            ("bitops-bor-bxor-bnot-self", "v2 = bnot v0; v3 = bxor v2, v1; v4 = bor v0, v3; v6 = bnot v1; v5 = bor v0, v6"),
            ("bitops-band-bnot-bxor-self", "v2 = bxor v0, v1; v3 = bnot v2; v4 = band v0, v3; v5 = band v0, v1"),
            ("bitops-band-bxor-bnot-self", "v2 = bnot v0; v3 = bxor v2, v1; v4 = band v0, v3; v5 = band v0, v1"),
            ("bitops-bor-notand-nor", "v2 = bnot v0; v3 = band v2, v1; v6 = bor v0, v1; v7 = bnot v6; v4 = bor v3, v7; v5 = bnot v0"),
            ("bitops-band-notor-nand", "v2 = bnot v0; v3 = bor v2, v1; v6 = band v0, v1; v7 = bnot v6; v4 = band v3, v7; v5 = bnot v0"),
            ("bitops-bor-band-nor", "v2 = band v0, v1; v6 = bor v0, v1; v7 = bnot v6; v4 = bor v2, v7; v8 = bxor v0, v1; v5 = bnot v8"),
            ("bitops-bxor-notor-bxor", "v2 = bnot v0; v3 = bor v2, v1; v6 = bxor v0, v1; v4 = bxor v3, v6; v7 = bnot v1; v5 = bor v0, v7"),
        ];
        for (name, body) in plain {
            // Some cases compare with `bor v0, v0` or `band v0, v0`, which
            // these rules alone do not simplify; compare with v0 then.
            let facts = if body.ends_with("v5 = bor v0, v0") || body.ends_with("v5 = band v0, v0") {
                "v4=v0"
            } else {
                "v4=v5"
            };
            v.push(c(name, "i32 i32", body, facts));
        }
        v.push(c("bitops-bxor-band-common", "i32 i32 i32", "v3 = band v2, v0; v4 = band v1, v2; v5 = bxor v3, v4; v6 = bxor v0, v1; v7 = band v2, v6", "v5=v7"));
        v.push(c(
            "bitops-band-bor-common",
            "i32 i32 i32",
            "v3 = bor v0, v2; v4 = bor v2, v1; v5 = band v3, v4; v6 = band v0, v1; v7 = bor v6, v2",
            "v5=v7",
        ));
        v.push(c("bitops-bor-band-common", "i32 i32 i32", "v3 = band v2, v0; v4 = band v1, v2; v5 = bor v3, v4; v6 = bor v0, v1; v7 = band v6, v2", "v5=v7"));
        v.push(c("bitops-bor-bxor-bxor-self", "i32 i32 i32", "v3 = bxor v0, v1; v4 = bxor v3, v2; v5 = bor v4, v0; v6 = bxor v1, v2; v7 = bor v6, v0", "v5=v7"));
        v.push(c(
            "bitops-bor-band-bor-self",
            "i32 i32 i32",
            "v3 = bor v1, v2; v4 = band v0, v3; v5 = bor v4, v1; v6 = band v0, v2; v7 = bor v6, v1",
            "v5=v7",
        ));
        v.push(c("bitops-band-bor-band-self", "i32 i32 i32", "v3 = band v1, v2; v4 = bor v0, v3; v5 = band v4, v1; v6 = bor v0, v2; v7 = band v6, v1", "v5=v7"));
        v.push(c(
            "bitops-bor-bxor-band-self",
            "i32 i32 i32",
            "v3 = band v1, v2; v4 = bxor v0, v3; v5 = bor v4, v1; v7 = bor v0, v1",
            "v5=v7",
        ));
        v.push(c("bitops-bor-band-bxor-self", "i32 i32 i32", "v3 = bxor v0, v1; v4 = band v2, v3; v5 = bor v0, v4; v6 = band v1, v2; v7 = bor v0, v6", "v5=v7"));
        v.push(c(
            "bitops-bor-bor-bxor",
            "i32 i32 i32",
            "v3 = bor v0, v1; v4 = bxor v0, v2; v5 = bor v3, v4; v7 = bor v3, v2",
            "v5=v7",
        ));
        for (name, body) in [
            (
                "bitops-icmp-eq-bxor-common",
                "v3 = bxor v0, v2; v4 = bxor v2, v1; v5 = icmp eq v3, v4; v7 = icmp eq v0, v1",
            ),
            (
                "bitops-bor-icmp-slt-sgt",
                "v3 = icmp slt v0, v1; v4 = icmp sgt v0, v1; v5 = bor v4, v3; v7 = icmp ne v0, v1",
            ),
            (
                "bitops-bor-icmp-ult-ugt",
                "v3 = icmp ult v0, v1; v4 = icmp ugt v0, v1; v5 = bor v3, v4; v7 = icmp ne v0, v1",
            ),
            (
                "bitops-bor-icmp-slt-slt",
                "v3 = icmp slt v0, v1; v4 = icmp slt v1, v0; v5 = bor v3, v4; v7 = icmp ne v0, v1",
            ),
            (
                "bitops-bor-icmp-ult-ult",
                "v3 = icmp ult v0, v1; v4 = icmp ult v1, v0; v5 = bor v3, v4; v7 = icmp ne v0, v1",
            ),
            (
                "bitops-bor-icmp-ult-eq",
                "v3 = icmp ult v0, v1; v4 = icmp eq v1, v0; v5 = bor v3, v4; v7 = icmp ule v0, v1",
            ),
            (
                "bitops-bor-icmp-slt-eq",
                "v3 = icmp slt v0, v1; v4 = icmp eq v0, v1; v5 = bor v4, v3; v7 = icmp sle v0, v1",
            ),
        ] {
            v.push(c(name, "i32 i32 i32", body, "v5=v7"));
            v.push(c(name, "i16x8 i16x8 i16x8", body, "v5=v7"));
        }
        for (name, body) in [
            (
                "bitops-icmp-uge-band",
                "v3 = band v1, v0; v5 = icmp uge v0, v3; v7 = iconst.i8 1",
            ),
            (
                "bitops-icmp-ule-band",
                "v3 = band v0, v1; v5 = icmp ule v3, v0; v7 = iconst.i8 1",
            ),
            (
                "bitops-icmp-uge-bor",
                "v3 = bor v0, v1; v5 = icmp uge v3, v0; v7 = iconst.i8 1",
            ),
            (
                "bitops-icmp-ule-bor",
                "v3 = bor v1, v0; v5 = icmp ule v0, v3; v7 = iconst.i8 1",
            ),
        ] {
            // `(uge ty x (band ty x y))`: i8 operands and vectors only.
            v.push(c(name, "i8 i8 i8", body, "v5=v7"));
            v.push(c(name, "i32 i32 i32", body, "v5!=v7"));
            let vbody = body.replace(
                "v7 = iconst.i8 1",
                "v7 = vconst.i64x2 0xffffffffffffffffffffffffffffffff",
            );
            v.push(c(name, "i64x2 i64x2 i64x2", &vbody, "v5=v7"));
        }
        v.push(c(
            "bitops-bxor-andnot-any",
            "i64 i64 i64",
            "v3 = bnot v0; v4 = band v1, v3; v5 = bxor v2, v4; v6 = band v0, v1; v7 = bxor v2, v1; v8 = bxor v6, v7",
            "v5=v8",
        ));
        v.push(c(
            "bitops-bxor-andnot-any",
            "i64 i64 i64",
            "v3 = bnot v0; v4 = bor v1, v3; v5 = bxor v2, v4; v6 = band v0, v1; v7 = bxor v2, v1; v8 = bxor v6, v7",
            "v5!=v8",
        ));
        v.push(c(
            "bitops-bor-icmp-slt-sgt",
            "i32 i32",
            "v3 = icmp slt v0, v1; v4 = icmp sgt v1, v0; v5 = bor v3, v4; v7 = icmp ne v0, v1",
            "v5!=v7",
        ));
        v
    }

    #[test]
    fn each_rule() {
        let cases: Vec<Case> = cases()
            .into_iter()
            .filter(|c| !c.facts.is_empty())
            .collect();
        run_family("bitops", &cases);
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iconst.i32 0xffff_ffff
    v3 = bxor v0, v2
    v4 = bnot v3
    v5 = band v4, v1
    v6 = bor v5, v4
    v7 = bnot v1
    v8 = band v0, v7
    v9 = bnot v0
    v10 = band v9, v1
    v11 = bor v8, v10
    v12 = iadd v6, v11
    v13 = bxor v12, v12
    v14 = bor v12, v13
    return v14
}
function %g(i32, i64, i64) -> i64 {
block0(v0: i32, v1: i64, v2: i64):
    v3 = uextend.i64 v0
    v4 = select v3, v1, v2
    v5 = bmask.i64 v0
    v6 = iadd v4, v5
    return v6
}";
        let (b, a) = e2e(text, &rules::family_rules("bitops").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod shifts {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for op in ["ishl", "ushr", "sshr", "rotl", "rotr"] {
            v.push(c(
                &format!("shifts-{op}-zero"),
                "i32",
                &format!("v1 = iconst.i32 0; v2 = {op} v0, v1"),
                "v2=v0",
            ));
            v.push(c(
                &format!("shifts-{op}-zero"),
                "i32",
                &format!("v1 = iconst.i32 1; v2 = {op} v0, v1"),
                "v2!=v0",
            ));
            v.push(c(
                &format!("shifts-{op}-of-zero"),
                "i32",
                &format!("v1 = iconst.i64 0; v2 = {op} v1, v0"),
                "v2=v1",
            ));
            for ext in ["uextend", "sextend"] {
                v.push(c(
                    &format!("shifts-{op}-amount-{ext}"),
                    "i32 i8",
                    &format!("v2 = {ext}.i32 v1; v3 = {op} v0, v2; v4 = {op} v0, v1"),
                    "v3=v4",
                ));
            }
            v.push(c(
                &format!("shifts-{op}-amount-iconcat"),
                "i8 i16 i16",
                &format!("v3 = iconcat.i16 v1, v2; v4 = {op}.i8 v0, v3; v5 = {op}.i8 v0, v1"),
                "v4=v5",
            ));
            v.push(c(
                &format!("shifts-{op}-amount-ireduce"),
                "i32 i64",
                &format!("v2 = ireduce.i8 v1; v3 = {op} v0, v2; v4 = {op} v0, v1"),
                "v3=v4",
            ));
            v.push(c(
                &format!("shifts-{op}-amount-ireduce"),
                "i32 i128",
                &format!("v2 = ireduce.i8 v1; v3 = {op} v0, v2; v4 = {op} v0, v1"),
                "v3!=v4",
            ));
            v.push(c(
                &format!("shifts-{op}-mask-amount"),
                "i32",
                &format!(
                    "v1 = iconst.i64 35; v2 = {op} v0, v1; v3 = iconst.i64 3; v4 = {op} v0, v3"
                ),
                "v2=v4",
            ));
            v.push(c(
                &format!("shifts-{op}-mask-amount"),
                "i64",
                &format!("v1 = iconst.i8 35; v2 = {op} v0, v1; v3 = iconst.i8 3; v4 = {op} v0, v3"),
                "v2!=v4",
            ));
        }
        for op in ["sshr", "rotl", "rotr"] {
            v.push(c(
                &format!("shifts-{op}-of-all-ones"),
                "i32",
                &format!("v1 = iconst.i16 0xffff; v2 = {op} v1, v0"),
                "v2=v1",
            ));
        }
        for inner in ["ushr", "sshr"] {
            v.push(c(&format!("shifts-ishl-{inner}-same"), "i32", &format!("v1 = iconst.i32 4; v2 = {inner} v0, v1; v3 = ishl v2, v1; v4 = iconst.i32 0xffff_fff0; v5 = band v0, v4"), "v3=v5"));
        }
        v.push(c("shifts-ushr-ishl-same", "i16", "v1 = iconst.i16 4; v2 = ishl v0, v1; v3 = ushr v2, v1; v4 = iconst.i16 0x0fff; v5 = band v0, v4", "v3=v5"));
        v.push(c("shifts-sshr-ishl-uextend", "i8", "v1 = uextend.i32 v0; v2 = iconst.i32 24; v3 = ishl v1, v2; v4 = sshr v3, v2; v5 = sextend.i32 v0", "v4=v5"));
        v.push(c(
            "shifts-sshr-ishl-uextend",
            "i8",
            "v1 = uextend.i32 v0; v2 = iconst.i32 20; v3 = ishl v1, v2; v4 = sshr v3, v2",
            "v4=v1",
        ));
        v.push(c("shifts-sshr-ishl-uextend", "i8", "v1 = uextend.i32 v0; v2 = iconst.i32 25; v3 = ishl v1, v2; v4 = sshr v3, v2; v5 = sextend.i32 v0", "v4!=v5, v4!=v1"));
        v.push(c(
            "shifts-sshr-ishl-sextend",
            "i16",
            "v1 = sextend.i64 v0; v2 = iconst.i64 40; v3 = ishl v1, v2; v4 = sshr v3, v2",
            "v4=v1",
        ));
        v.push(c(
            "shifts-sshr-ishl-sextend",
            "i16",
            "v1 = sextend.i64 v0; v2 = iconst.i64 49; v3 = ishl v1, v2; v4 = sshr v3, v2",
            "v4!=v1",
        ));
        v.push(c("shifts-sshr-ishl-narrow", "i32", "v1 = iconst.i32 16; v2 = ishl v0, v1; v3 = sshr v2, v1; v4 = ireduce.i16 v0; v5 = sextend.i32 v4", "v3=v5"));
        v.push(c("shifts-ushr-ishl-narrow", "i64", "v1 = iconst.i64 32; v2 = ishl v0, v1; v3 = ushr v2, v1; v4 = ireduce.i32 v0; v5 = uextend.i64 v4", "v3=v5"));
        v.push(c("shifts-ushr-ishl-narrow", "i64", "v1 = iconst.i64 31; v2 = ishl v0, v1; v3 = ushr v2, v1; v4 = ireduce.i32 v0; v5 = uextend.i64 v4", "v3!=v5"));
        v.push(c(
            "shifts-ineg-ushr-sign",
            "i32",
            "v1 = iconst.i32 31; v2 = ushr v0, v1; v3 = ineg v2; v4 = sshr v0, v1",
            "v3=v4",
        ));
        v.push(c(
            "shifts-ineg-ushr-sign",
            "i32",
            "v1 = iconst.i32 30; v2 = ushr v0, v1; v3 = ineg v2; v4 = sshr v0, v1",
            "v3!=v4",
        ));
        for op in ["ishl", "ushr", "sshr"] {
            v.push(c(&format!("shifts-{op}-{op}-const"), "i32", &format!("v1 = iconst.i32 3; v2 = iconst.i32 36; v3 = {op} v0, v1; v4 = {op} v3, v2; v5 = iconst.i32 7; v6 = {op} v0, v5"), "v4=v6"));
        }
        v.push(c("shifts-ishl-ishl-const", "i32", "v1 = iconst.i32 20; v2 = iconst.i32 12; v3 = ishl v0, v1; v4 = ishl v3, v2; v5 = iconst.i32 0", "v4=v5"));
        v.push(c("shifts-sshr-sshr-const", "i32", "v1 = iconst.i32 20; v2 = iconst.i32 12; v3 = sshr v0, v1; v4 = sshr v3, v2; v5 = iconst.i32 31; v6 = sshr v0, v5", "v4=v6"));
        v.push(c(
            "shifts-rotl-rotr-undo",
            "i32 i32",
            "v2 = rotr v0, v1; v3 = rotl v2, v1",
            "v3=v0",
        ));
        v.push(c(
            "shifts-rotr-rotl-undo",
            "i32 i64",
            "v2 = rotl v0, v1; v3 = rotr v2, v1",
            "v3=v0",
        ));
        v.push(c(
            "shifts-rotl-rotl-combine",
            "i32 i8 i8",
            "v3 = rotl v0, v1; v4 = rotl v3, v2; v5 = iadd v1, v2; v6 = rotl v0, v5",
            "v4=v6",
        ));
        v.push(c(
            "shifts-rotl-rotl-combine",
            "i32 i8 i16",
            "v3 = rotl v0, v1; v4 = rotl v3, v2",
            "v4!=v0",
        ));
        v.push(c(
            "shifts-rotr-rotr-combine",
            "i64 i32 i32",
            "v3 = rotr v0, v1; v4 = rotr v3, v2; v5 = iadd v1, v2; v6 = rotr v0, v5",
            "v4=v6",
        ));
        v.push(c(
            "shifts-rotr-rotl-combine",
            "i64 i32 i32",
            "v3 = rotl v0, v1; v4 = rotr v3, v2; v5 = isub v1, v2; v6 = rotl v0, v5",
            "v4=v6",
        ));
        v.push(c(
            "shifts-rotl-rotr-combine",
            "i16 i32 i32",
            "v3 = rotr v0, v1; v4 = rotl v3, v2; v5 = isub v1, v2; v6 = rotr v0, v5",
            "v4=v6",
        ));
        v.push(c("shifts-bor-to-rotl", "i32", "v1 = iconst.i32 7; v2 = iconst.i32 25; v3 = ishl v0, v1; v4 = ushr v0, v2; v5 = bor v4, v3; v6 = rotl v0, v1", "v5=v6"));
        v.push(c("shifts-bor-to-rotl", "i32", "v1 = iconst.i32 7; v2 = iconst.i32 24; v3 = ishl v0, v1; v4 = ushr v0, v2; v5 = bor v4, v3; v6 = rotl v0, v1", "v5!=v6"));
        for op in ["band", "isub", "iadd"] {
            v.push(c(&format!("shifts-{op}-ishl-ishl"), "i32 i32 i32", &format!("v3 = ishl v0, v2; v4 = ishl v1, v2; v5 = {op} v3, v4; v6 = {op} v0, v1; v7 = ishl v6, v2"), "v5=v7"));
        }
        v.push(c("shifts-ushr-band-ishl", "i32 i32 i32", "v3 = ishl v0, v1; v4 = band v3, v2; v5 = ushr v4, v1; v6 = ushr v2, v1; v7 = band v0, v6", "v5=v7"));
        v
    }

    #[test]
    fn each_rule() {
        run_family("shifts", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32, i8) -> i32 {
block0(v0: i32, v1: i32, v2: i8):
    v3 = iconst.i32 7
    v4 = iconst.i32 25
    v5 = ishl v0, v3
    v6 = ushr v0, v4
    v7 = bor v5, v6
    v8 = uextend.i32 v2
    v9 = ishl v7, v8
    v10 = iconst.i32 35
    v11 = ushr v9, v10
    v12 = iconst.i32 4
    v13 = ushr v11, v12
    v14 = ishl v13, v12
    v15 = rotr v14, v1
    v16 = rotl v15, v1
    return v16
}
function %g(i64) -> i64 {
block0(v0: i64):
    v1 = iconst.i64 32
    v2 = ishl v0, v1
    v3 = sshr v2, v1
    v4 = iconst.i64 63
    v5 = ushr v3, v4
    v6 = ineg v5
    return v6
}";
        let (b, a) = e2e(text, &rules::family_rules("shifts").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod icmp {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for (cc, k) in [
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
            v.push(c(
                &format!("icmp-{cc}-self"),
                "i64",
                &format!("v1 = icmp {cc} v0, v0; v2 = iconst.i8 {k}"),
                "v1=v2",
            ));
        }
        v.push(c(
            "icmp-eq-self",
            "i128",
            "v1 = icmp eq v0, v0; v2 = iconst.i8 1",
            "v1=v2",
        ));
        for cc in ["eq", "ne"] {
            v.push(c(&format!("icmp-{cc}-iadd-common"), "i32 i32 i32", &format!("v3 = iadd v0, v2; v4 = iadd v2, v1; v5 = icmp {cc} v3, v4; v6 = icmp {cc} v0, v1"), "v5=v6"));
            v.push(c(&format!("icmp-{cc}-isub-isub"), "i32 i32 i32 i32", &format!("v4 = isub v0, v1; v5 = isub v2, v3; v6 = icmp {cc} v4, v5; v7 = iadd v0, v3; v8 = iadd v2, v1; v9 = icmp {cc} v7, v8"), "v6=v9"));
            v.push(c(&format!("icmp-{cc}-bxor-self"), "i32 i32", &format!("v2 = bxor v1, v0; v3 = icmp {cc} v2, v0; v4 = iconst.i32 0; v5 = icmp {cc} v1, v4"), "v3=v5"));
        }
        let inner = "v2 = icmp slt v0, v1";
        v.push(c(
            "icmp-ne-icmp-zero",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 0; v4 = icmp ne v2, v3"),
            "v4=v2",
        ));
        v.push(c(
            "icmp-ne-icmp-zero",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 1; v4 = icmp ne v2, v3"),
            "v4!=v2",
        ));
        v.push(c(
            "icmp-eq-icmp-one",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 1; v4 = icmp eq v2, v3"),
            "v4=v2",
        ));
        v.push(c(
            "icmp-eq-icmp-complement",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 0; v4 = icmp eq v2, v3; v5 = icmp sge v0, v1"),
            "v4=v5",
        ));
        v.push(c(
            "icmp-ne-icmp-complement",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 1; v4 = icmp ne v2, v3; v5 = icmp sge v0, v1"),
            "v4=v5",
        ));
        v.push(c(
            "icmp-ne-uextend-icmp-zero",
            "i32 i32",
            &format!("{inner}; v3 = uextend.i32 v2; v6 = iconst.i32 0; v4 = icmp ne v3, v6"),
            "v4=v2",
        ));
        v.push(c(
            "icmp-eq-uextend-icmp-one",
            "i32 i32",
            &format!("{inner}; v3 = uextend.i64 v2; v6 = iconst.i64 1; v4 = icmp eq v3, v6"),
            "v4=v2",
        ));
        v.push(c("icmp-eq-uextend-icmp-complement", "i32 i32", &format!("{inner}; v3 = uextend.i32 v2; v6 = iconst.i32 0; v4 = icmp eq v3, v6; v5 = icmp sge v0, v1"), "v4=v5"));
        v.push(c("icmp-ne-uextend-icmp-complement", "i32 i32", &format!("{inner}; v3 = uextend.i16 v2; v6 = iconst.i16 1; v4 = icmp ne v3, v6; v5 = icmp sge v0, v1"), "v4=v5"));
        v.push(c("icmp-select-uextend-icmp", "i32 i32 i64 i64", "v7 = icmp slt v0, v1; v4 = uextend.i32 v7; v5 = select v4, v2, v3; v6 = select v7, v2, v3", "v5=v6"));
        v.push(c(
            "icmp-band-icmp-one",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 1; v4 = band v2, v3"),
            "v4=v2",
        ));
        v.push(c(
            "icmp-band-icmp-one",
            "i32 i32",
            &format!("{inner}; v3 = iconst.i8 3; v4 = band v2, v3"),
            "v4!=v2",
        ));
        v.push(c(
            "icmp-band-uextend-icmp-one",
            "i32 i32",
            &format!("{inner}; v3 = uextend.i32 v2; v5 = iconst.i32 1; v4 = band v3, v5"),
            "v4=v3",
        ));
        // Extremes, on i16: 0, 0xffff, 0x8000, 0x7fff.
        for (cc, k, what, res) in [
            ("ult", "0", "zero", "v3 = iconst.i8 0"),
            ("ule", "0", "zero", "v3 = icmp eq v0, v1"),
            ("ugt", "0", "zero", "v3 = icmp ne v0, v1"),
            ("uge", "0", "zero", "v3 = iconst.i8 1"),
            ("ult", "0xffff", "umax", "v3 = icmp ne v0, v1"),
            ("ule", "0xffff", "umax", "v3 = iconst.i8 1"),
            ("ugt", "0xffff", "umax", "v3 = iconst.i8 0"),
            ("uge", "0xffff", "umax", "v3 = icmp eq v0, v1"),
            ("slt", "0x8000", "smin", "v3 = iconst.i8 0"),
            ("sle", "0x8000", "smin", "v3 = icmp eq v0, v1"),
            ("sgt", "0x8000", "smin", "v3 = icmp ne v0, v1"),
            ("sge", "0x8000", "smin", "v3 = iconst.i8 1"),
            ("slt", "0x7fff", "smax", "v3 = icmp ne v0, v1"),
            ("sle", "0x7fff", "smax", "v3 = iconst.i8 1"),
            ("sgt", "0x7fff", "smax", "v3 = iconst.i8 0"),
            ("sge", "0x7fff", "smax", "v3 = icmp eq v0, v1"),
        ] {
            v.push(c(
                &format!("icmp-{cc}-{what}"),
                "i16",
                &format!("v1 = iconst.i16 {k}; v2 = icmp {cc} v0, v1; {res}"),
                "v2=v3",
            ));
        }
        v.push(c(
            "icmp-ult-umax",
            "i16",
            "v1 = iconst.i16 0xfffe; v2 = icmp ult v0, v1; v3 = icmp ne v0, v1",
            "v2!=v3",
        ));
        v.push(c(
            "icmp-slt-smin",
            "i32",
            "v1 = iconst.i32 0x8000; v2 = icmp slt v0, v1; v3 = iconst.i8 0",
            "v2!=v3",
        ));
        for (cc, k, what, to) in [
            ("uge", "1", "one", "ne"),
            ("ult", "1", "one", "eq"),
            ("sge", "1", "one", "sgt"),
            ("slt", "1", "one", "sle"),
            ("sgt", "0xffff_ffff", "neg-one", "sge"),
            ("sle", "0xffff_ffff", "neg-one", "slt"),
        ] {
            v.push(c(&format!("icmp-{cc}-{what}-to-zero"), "i32", &format!("v1 = iconst.i32 {k}; v2 = icmp {cc} v0, v1; v3 = iconst.i32 0; v4 = icmp {to} v0, v3"), "v2=v4"));
        }
        v.push(c(
            "icmp-and-icmp-icmp",
            "i32 i32",
            "v2 = icmp sle v0, v1; v3 = icmp sge v0, v1; v4 = band v2, v3; v5 = icmp eq v0, v1",
            "v4=v5",
        ));
        v.push(c(
            "icmp-and-icmp-icmp",
            "i32 i32",
            "v2 = icmp ult v0, v1; v3 = icmp ugt v0, v1; v4 = band v2, v3; v5 = iconst.i8 0",
            "v4=v5",
        ));
        v.push(c(
            "icmp-and-icmp-icmp",
            "i32 i32",
            "v2 = icmp ult v0, v1; v3 = icmp sgt v0, v1; v4 = band v2, v3; v5 = iconst.i8 0",
            "v4!=v5",
        ));
        v.push(c(
            "icmp-or-icmp-icmp",
            "i32 i32",
            "v2 = icmp ult v0, v1; v3 = icmp eq v0, v1; v4 = bor v2, v3; v5 = icmp ule v0, v1",
            "v4=v5",
        ));
        v.push(c(
            "icmp-or-icmp-icmp",
            "i32 i32",
            "v2 = icmp slt v0, v1; v3 = icmp sge v0, v1; v4 = bor v2, v3; v5 = iconst.i8 1",
            "v4=v5",
        ));
        for (name, body) in [
            ("icmp-ugt-isub-self", "v2 = isub v0, v1; v3 = icmp ugt v2, v0; v4 = icmp ugt v1, v0"),
            ("icmp-ule-isub-self", "v2 = isub v0, v1; v3 = icmp ule v2, v0; v4 = icmp ule v1, v0"),
            ("icmp-ne-select-slt-min", "v5 = icmp slt v0, v1; v2 = select v5, v0, v1; v3 = icmp ne v2, v0; v4 = icmp sgt v0, v1"),
            ("icmp-ne-select-ult-min", "v5 = icmp ult v0, v1; v2 = select v5, v0, v1; v3 = icmp ne v0, v2; v4 = icmp ugt v0, v1"),
            ("icmp-ult-bnot-bnot", "v5 = bnot v0; v2 = bnot v1; v3 = icmp ult v5, v2; v4 = icmp ugt v0, v1"),
            ("icmp-slt-bnot-bnot", "v5 = bnot v0; v2 = bnot v1; v3 = icmp slt v5, v2; v4 = icmp sgt v0, v1"),
            ("icmp-bxor-sgt-sgt", "v5 = icmp sgt v0, v1; v2 = icmp sgt v1, v0; v3 = bxor v5, v2; v4 = icmp ne v0, v1"),
            ("icmp-bxor-sgt-slt", "v5 = icmp sgt v0, v1; v2 = icmp slt v0, v1; v3 = bxor v2, v5; v4 = icmp ne v0, v1"),
            ("icmp-bxor-slt-slt", "v5 = icmp slt v0, v1; v2 = icmp slt v1, v0; v3 = bxor v5, v2; v4 = icmp ne v0, v1"),
            ("icmp-bxor-ugt-ugt", "v5 = icmp ugt v0, v1; v2 = icmp ugt v1, v0; v3 = bxor v5, v2; v4 = icmp ne v0, v1"),
            ("icmp-bxor-ugt-ult", "v5 = icmp ugt v0, v1; v2 = icmp ult v0, v1; v3 = bxor v5, v2; v4 = icmp ne v0, v1"),
            ("icmp-bxor-ult-ult", "v5 = icmp ult v0, v1; v2 = icmp ult v1, v0; v3 = bxor v5, v2; v4 = icmp ne v0, v1"),
            ("icmp-eq-bnot-self", "v5 = bnot v0; v3 = icmp eq v0, v5; v4 = iconst.i8 0"),
            ("icmp-ne-bnot-self", "v5 = bnot v0; v3 = icmp ne v5, v0; v4 = iconst.i8 1"),
        ] {
            v.push(c(name, "i32 i32", body, "v3=v4"));
        }
        v.push(c(
            "icmp-ugt-isub-self",
            "i32 i32",
            "v2 = isub v0, v1; v3 = icmp ugt v2, v1; v4 = icmp ugt v1, v0",
            "v3!=v4",
        ));
        for (cc, which, res) in [
            ("eq", "v2", "ne"),
            ("eq", "v3", "eq"),
            ("ne", "v2", "eq"),
            ("ne", "v3", "ne"),
        ] {
            let tag = if which == "v2" { "true" } else { "false" };
            v.push(c(&format!("icmp-{cc}-select-const-{tag}"), "i16", &format!("v2 = iconst.i32 10; v3 = iconst.i32 20; v4 = select v0, v2, v3; v5 = icmp {cc} v4, {which}; v6 = iconst.i16 0; v7 = icmp {res} v0, v6"), "v5=v7"));
        }
        v.push(c("icmp-eq-select-const-true", "i16", "v2 = iconst.i32 10; v4 = select v0, v2, v2; v5 = icmp eq v4, v2; v6 = iconst.i16 0; v7 = icmp ne v0, v6", "v5!=v7"));
        v.push(c("icmp-eq-ctz-zero", "i32", "v1 = ctz v0; v2 = iconst.i32 0; v3 = icmp eq v1, v2; v4 = iconst.i32 1; v5 = band v0, v4; v6 = icmp ne v5, v2", "v3=v6"));
        v.push(c("icmp-ne-ctz-zero", "i64", "v1 = ctz v0; v2 = iconst.i64 0; v3 = icmp ne v1, v2; v4 = iconst.i64 1; v5 = band v0, v4; v6 = icmp eq v5, v2", "v3=v6"));
        v.push(c(
            "icmp-eq-clz-zero",
            "i32",
            "v1 = clz v0; v2 = iconst.i32 0; v3 = icmp eq v1, v2; v4 = icmp slt v0, v2",
            "v3=v4",
        ));
        v.push(c(
            "icmp-ne-clz-zero",
            "i8",
            "v1 = clz v0; v2 = iconst.i8 0; v3 = icmp ne v1, v2; v4 = icmp sge v0, v2",
            "v3=v4",
        ));
        // Vector forms: constant results are all-ones or zero vectors.
        v.push(c(
            "icmp-sge-self",
            "i32x4",
            "v1 = icmp sge v0, v0; v2 = vconst.i32x4 0xffffffffffffffffffffffffffffffff",
            "v1=v2",
        ));
        v.push(c(
            "icmp-ugt-self",
            "i8x16",
            "v1 = icmp ugt v0, v0; v2 = vconst.i8x16 0x00000000000000000000000000000000",
            "v1=v2",
        ));
        v.push(c(
            "icmp-bxor-ugt-ult",
            "i16x8 i16x8",
            "v5 = icmp ugt v0, v1; v2 = icmp ult v0, v1; v3 = bxor v5, v2; v4 = icmp ne v0, v1",
            "v3=v4",
        ));
        for (name, c1, c2) in [
            ("icmp-band-sgt-slt-vector", "sgt", "slt"),
            ("icmp-band-ugt-ult-vector", "ugt", "ult"),
        ] {
            v.push(c(name, "i64x2 i64x2", &format!("v2 = icmp {c1} v0, v1; v3 = icmp {c2} v0, v1; v4 = band v3, v2; v5 = vconst.i64x2 0x00000000000000000000000000000000"), "v4=v5"));
            v.push(c(name, "i64x2 i64x2", &format!("v2 = icmp {c1} v0, v1; v3 = icmp {c2} v1, v0; v4 = band v3, v2; v5 = vconst.i64x2 0x00000000000000000000000000000000"), "v4!=v5"));
        }
        // Mixed signedness against a constant: contradictory only for the
        // right sign of the constant.
        for (name, c1, c2, left, k_nonneg) in [
            ("icmp-band-sgt-ult-const-right", "sgt", "ult", false, true),
            ("icmp-band-sgt-ult-const-left", "sgt", "ult", true, false),
            ("icmp-band-slt-ugt-const-right", "slt", "ugt", false, false),
            ("icmp-band-slt-ugt-const-left", "slt", "ugt", true, true),
            ("icmp-band-ugt-slt-const-right", "ugt", "slt", false, false),
            ("icmp-band-ugt-slt-const-left", "ugt", "slt", true, true),
            ("icmp-band-ult-sgt-const-right", "ult", "sgt", false, true),
            ("icmp-band-ult-sgt-const-left", "ult", "sgt", true, false),
        ] {
            for (k, fires) in [
                (if k_nonneg { "7" } else { "-7" }, true),
                (if k_nonneg { "-7" } else { "7" }, false),
            ] {
                let args = if left { "v1, v0" } else { "v0, v1" };
                v.push(c(
                    name,
                    "i32",
                    &format!("v1 = iconst.i32 {k}; v2 = icmp {c1} {args}; v3 = icmp {c2} {args}; v4 = band v2, v3; v5 = iconst.i8 0"),
                    if fires { "v4=v5" } else { "v4!=v5" },
                ));
            }
        }
        v.push(c("icmp-band-ne-neg-one-ugt", "i32 i32", "v2 = iconst.i32 -1; v3 = icmp ne v2, v0; v4 = icmp ugt v1, v0; v5 = band v4, v3; v6 = icmp ult v0, v1", "v5=v6"));
        v.push(c("icmp-band-ne-neg-one-ult", "i32 i32", "v2 = iconst.i32 -1; v3 = icmp ne v0, v2; v4 = icmp ult v0, v1; v5 = band v3, v4; v6 = icmp ult v0, v1", "v5=v6"));
        v.push(c("icmp-band-ne-neg-one-ult", "i32 i32", "v2 = iconst.i32 -2; v3 = icmp ne v0, v2; v4 = icmp ult v0, v1; v5 = band v3, v4; v6 = icmp ult v0, v1", "v5!=v6"));
        v
    }

    #[test]
    fn each_rule() {
        run_family("icmp", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i8 {
block0(v0: i32, v1: i32):
    v2 = icmp slt v0, v1
    v3 = uextend.i32 v2
    v4 = iconst.i32 0
    v5 = icmp eq v3, v4
    v6 = icmp sle v0, v1
    v7 = icmp sge v0, v1
    v8 = band v6, v7
    v9 = bor v5, v8
    v10 = iconst.i32 1
    v11 = icmp uge v0, v10
    v12 = band v9, v11
    v13 = icmp ugt v0, v0
    v14 = bor v12, v13
    return v14
}
function %g(i16, i16) -> i8 {
block0(v0: i16, v1: i16):
    v2 = iconst.i16 0xffff
    v3 = icmp ule v0, v2
    v4 = iconst.i16 0x8000
    v5 = icmp sgt v1, v4
    v6 = band v3, v5
    return v6
}";
        let (b, a) = e2e(text, &rules::family_rules("icmp").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod extends {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = vec![
            c("extends-uextend-uextend", "i8", "v1 = uextend.i16 v0; v2 = uextend.i64 v1; v3 = uextend.i64 v0", "v2=v3"),
            c("extends-iconcat-zero-high", "i64", "v1 = iconst.i64 0; v2 = iconcat v0, v1; v3 = uextend.i128 v0", "v2=v3"),
            c("extends-iconcat-zero-high", "i64", "v1 = iconst.i64 1; v2 = iconcat v0, v1; v3 = uextend.i128 v0", "v2!=v3"),
            c("extends-iconcat-sign-high", "i64", "v1 = iconst.i64 63; v2 = sshr v0, v1; v3 = iconcat v0, v2; v4 = sextend.i128 v0", "v3=v4"),
            c("extends-iconcat-sign-high", "i64", "v1 = iconst.i64 62; v2 = sshr v0, v1; v3 = iconcat v0, v2; v4 = sextend.i128 v0", "v3!=v4"),
            c("extends-sextend-sextend", "i8", "v1 = sextend.i16 v0; v2 = sextend.i64 v1; v3 = sextend.i64 v0", "v2=v3"),
            c("extends-sextend-uextend", "i8", "v1 = uextend.i16 v0; v2 = sextend.i64 v1; v3 = uextend.i64 v0", "v2=v3"),
            c("extends-sextend-uextend", "i8", "v1 = uextend.i16 v0; v2 = sextend.i64 v1; v3 = sextend.i64 v0", "v2!=v3"),
            c("extends-sextend-icmp", "i32 i32", "v2 = icmp ult v0, v1; v3 = sextend.i64 v2; v4 = uextend.i64 v2", "v3=v4"),
            c("extends-band-uextend-mask", "i8", "v1 = uextend.i32 v0; v2 = iconst.i32 0x1ff; v3 = band v1, v2", "v3=v1"),
            c("extends-band-uextend-mask", "i8", "v1 = uextend.i32 v0; v2 = iconst.i32 0x7f; v3 = band v1, v2", "v3!=v1"),
            c("extends-band-sextend-mask", "i16", "v1 = sextend.i64 v0; v2 = iconst.i64 0xffff; v3 = band v1, v2; v4 = uextend.i64 v0", "v3=v4"),
            c("extends-band-sextend-mask", "i16", "v1 = sextend.i64 v0; v2 = iconst.i64 0x1ffff; v3 = band v1, v2; v4 = uextend.i64 v0", "v3!=v4"),
            c("extends-slt-uextend-zero", "i32", "v1 = uextend.i64 v0; v2 = iconst.i64 0; v3 = icmp slt v1, v2; v4 = iconst.i8 0", "v3=v4"),
            c("extends-sge-uextend-zero", "i8", "v1 = uextend.i16 v0; v2 = iconst.i16 0; v3 = icmp sge v1, v2; v4 = iconst.i8 1", "v3=v4"),
            c("extends-ireduce-sextend-same", "i16", "v1 = sextend.i64 v0; v2 = ireduce.i16 v1", "v2=v0"),
            c("extends-ireduce-uextend-same", "i16", "v1 = uextend.i64 v0; v2 = ireduce.i16 v1", "v2=v0"),
            c("extends-ireduce-sextend-other", "i32", "v1 = sextend.i64 v0; v2 = ireduce.i16 v1; v3 = ireduce.i16 v0", "v2=v3"),
            c("extends-ireduce-uextend-other", "i16", "v1 = uextend.i64 v0; v2 = ireduce.i32 v1; v3 = uextend.i32 v0", "v2=v3"),
            c("extends-ireduce-sextend-other", "i8", "v1 = sextend.i64 v0; v2 = ireduce.i32 v1; v3 = sextend.i32 v0", "v2=v3"),
            c("extends-band-uextend-uextend", "i8 i8", "v2 = uextend.i32 v0; v3 = uextend.i32 v1; v4 = band v2, v3; v5 = band v0, v1; v6 = uextend.i32 v5", "v4=v6"),
            c("extends-bor-uextend-uextend", "i8 i8", "v2 = uextend.i32 v0; v3 = uextend.i32 v1; v4 = bor v2, v3; v5 = bor v0, v1; v6 = uextend.i32 v5", "v4=v6"),
            c("extends-bxor-uextend-uextend", "i8 i16", "v2 = uextend.i32 v0; v3 = uextend.i32 v1; v4 = bxor v2, v3", "v4!=v2"),
            c("extends-bxor-uextend-uextend", "i16 i16", "v2 = uextend.i64 v0; v3 = uextend.i64 v1; v4 = bxor v2, v3; v5 = bxor v0, v1; v6 = uextend.i64 v5", "v4=v6"),
            c("extends-ireduce-ireduce", "i64", "v1 = ireduce.i32 v0; v2 = ireduce.i8 v1; v3 = ireduce.i8 v0", "v2=v3"),
        ];
        for (cc, body) in [
            ("eq", "v4 = icmp eq v1, v2; v5 = icmp eq v0, v3"),
            ("ne", "v4 = icmp ne v1, v2; v5 = icmp ne v0, v3"),
            ("slt", "v4 = icmp slt v1, v2; v5 = icmp slt v0, v3"),
            ("sle", "v4 = icmp sle v1, v2; v5 = icmp sle v0, v3"),
            ("sgt", "v4 = icmp sgt v1, v2; v5 = icmp sgt v0, v3"),
            ("sge", "v4 = icmp sge v1, v2; v5 = icmp sge v0, v3"),
        ] {
            v.push(c(
                &format!("extends-{cc}-sextend-zero"),
                "i8",
                &format!("v1 = sextend.i32 v0; v2 = iconst.i32 0; v3 = iconst.i8 0; {body}"),
                "v4=v5",
            ));
        }
        for op in ["ineg", "bnot"] {
            v.push(c(
                &format!("extends-ireduce-{op}"),
                "i64",
                &format!("v1 = {op} v0; v2 = ireduce.i32 v1; v3 = ireduce.i32 v0; v4 = {op} v3"),
                "v2=v4",
            ));
        }
        for op in ["iadd", "isub", "imul", "bor", "bxor", "band"] {
            v.push(c(&format!("extends-ireduce-{op}"), "i64 i64", &format!("v2 = {op} v0, v1; v3 = ireduce.i16 v2; v4 = ireduce.i16 v0; v5 = ireduce.i16 v1; v6 = {op} v4, v5"), "v3=v6"));
        }
        v
    }

    #[test]
    fn each_rule() {
        run_family("extends", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i8, i8, i64) -> i64 {
block0(v0: i8, v1: i8, v2: i64):
    v3 = uextend.i16 v0
    v4 = uextend.i64 v3
    v5 = uextend.i64 v1
    v6 = band v4, v5
    v7 = iconst.i64 0xff
    v8 = band v6, v7
    v9 = sextend.i64 v0
    v10 = iconst.i64 0
    v11 = icmp slt v9, v10
    v12 = sextend.i64 v11
    v13 = iadd v8, v12
    v14 = ireduce.i32 v2
    v15 = ireduce.i8 v14
    v16 = sextend.i64 v15
    v17 = iadd v13, v16
    return v17
}";
        let (b, a) = e2e(text, &rules::family_rules("extends").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod selects {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = vec![
            c("selects-same-arms", "i8 i32", "v2 = select v0, v1, v1", "v2=v1"),
            c(
                "selects-bitselect-same-arms",
                "i32 i32 i32",
                "v3 = bitselect v0, v1, v1; v4 = bitselect v0, v1, v2",
                "v3=v1, v4!=v1",
            ),
            c("selects-icmp-zero-nonzero", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i64 0; v4 = iconst.i64 7; v5 = select v2, v3, v4; v6 = icmp uge v0, v1; v7 = select v6, v4, v3", "v5=v7"),
            c("selects-icmp-one-zero", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i64 1; v4 = iconst.i64 0; v5 = select v2, v3, v4; v6 = uextend.i64 v2", "v5=v6"),
            c("selects-icmp-one-zero", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i8 1; v4 = iconst.i8 0; v5 = select v2, v3, v4", "v5=v2"),
            c("selects-icmp-one-zero", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i8 2; v4 = iconst.i8 0; v5 = select v2, v3, v4", "v5!=v2"),
            c("selects-icmp-all-ones-zero", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i16 0xffff; v4 = iconst.i16 0; v5 = select v2, v3, v4; v6 = bmask.i16 v2", "v5=v6"),
            c("selects-uextend-both-arms", "i8 i16 i16", "v3 = uextend.i64 v1; v4 = uextend.i64 v2; v5 = select v0, v3, v4; v6 = select v0, v1, v2; v7 = uextend.i64 v6", "v5=v7"),
            c("selects-sextend-both-arms", "i8 i16 i16", "v3 = sextend.i64 v1; v4 = sextend.i64 v2; v5 = select v0, v3, v4; v6 = select v0, v1, v2; v7 = sextend.i64 v6", "v5=v7"),
            c("selects-sextend-both-arms", "i8 i16 i8", "v3 = sextend.i64 v1; v4 = sextend.i64 v2; v5 = select v0, v3, v4", "v5!=v3"),
            c("selects-iadd-select-consts", "i8", "v1 = iconst.i32 3; v2 = iconst.i32 5; v3 = select v0, v1, v2; v4 = iconst.i32 10; v5 = iadd v3, v4; v6 = iconst.i32 13; v7 = iconst.i32 15; v8 = select v0, v6, v7", "v5=v8"),
            c("selects-nested-false", "i8 i32 i32 i32", "v4 = select v0, v2, v3; v5 = select v0, v1, v4; v6 = select v0, v1, v3", "v5=v6"),
            c("selects-nested-true", "i8 i32 i32 i32", "v4 = select v0, v1, v2; v5 = select v0, v4, v3; v6 = select v0, v1, v3", "v5=v6"),
            c("selects-nested-true", "i8 i32 i32 i32 i8", "v5 = select v4, v1, v2; v6 = select v0, v5, v3; v7 = select v0, v1, v3", "v6!=v7"),
            c("selects-eq-x-y", "i32 i32", "v2 = icmp eq v1, v0; v3 = select v2, v0, v1", "v3=v1"),
            c("selects-ne-y-x", "i32 i32", "v2 = icmp ne v0, v1; v3 = select v2, v1, v0", "v3=v1"),
            c("selects-ne-y-x", "i32 i32", "v2 = icmp ne v0, v1; v3 = select v2, v0, v1", "v3!=v1"),
            c("selects-bor-ne", "i8 i32 i32", "v3 = icmp ne v2, v1; v4 = bor v0, v3; v5 = select v4, v1, v2", "v5=v1"),
            c("selects-eq-x-bor", "i32 i32", "v2 = icmp eq v0, v1; v3 = bor v0, v1; v4 = select v2, v0, v3", "v4=v3"),
            c("selects-ne-bor-x", "i32 i32", "v2 = icmp ne v0, v1; v3 = bor v0, v1; v4 = select v2, v3, v0", "v4=v3"),
            c("selects-ne-band-y", "i32 i32", "v2 = icmp ne v0, v1; v3 = band v0, v1; v4 = select v2, v3, v1", "v4=v3"),
            c("selects-eq-y-band", "i32 i32", "v2 = icmp eq v1, v0; v3 = band v1, v0; v4 = select v2, v1, v3; v5 = band v0, v1", "v4=v5"),
            c("selects-ult-one-eq", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i8 1; v4 = icmp eq v1, v0; v5 = select v2, v3, v4; v6 = icmp ule v0, v1", "v5=v6"),
            c("selects-slt-one-sgt", "i32 i32", "v2 = icmp slt v0, v1; v3 = iconst.i8 1; v4 = icmp sgt v0, v1; v5 = select v2, v3, v4; v6 = icmp ne v0, v1", "v5=v6"),
            c("selects-ult-one-ugt", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i8 1; v4 = icmp ugt v0, v1; v5 = select v2, v3, v4; v6 = icmp ne v0, v1", "v5=v6"),
            c("selects-ult-one-ugt", "i32 i32", "v2 = icmp ult v0, v1; v3 = iconst.i8 2; v4 = icmp ugt v0, v1; v5 = select v2, v3, v4; v6 = icmp ne v0, v1", "v5!=v6"),
            c("selects-one-bor-cond", "i32 i32", "v2 = iconst.i32 1; v3 = bor v1, v0; v4 = select v0, v2, v3; v5 = select v0, v2, v1", "v4=v5"),
            c("selects-eq-isub-const", "i32 i32", "v2 = iconst.i32 5; v3 = icmp eq v0, v2; v4 = isub v1, v2; v5 = isub v1, v0; v6 = select v3, v4, v5", "v6=v5"),
        ];
        for (cc, same, swapped) in [
            ("sgt", "smax", "smin"),
            ("sge", "smax", "smin"),
            ("ugt", "umax", "umin"),
            ("uge", "umax", "umin"),
            ("slt", "smin", "smax"),
            ("sle", "smin", "smax"),
            ("ult", "umin", "umax"),
            ("ule", "umin", "umax"),
        ] {
            v.push(c(
                &format!("selects-{cc}-to-{same}"),
                "i64 i64",
                &format!("v2 = icmp {cc} v0, v1; v3 = select v2, v0, v1; v4 = {same} v0, v1"),
                "v3=v4",
            ));
            v.push(c(
                &format!("selects-{cc}-swapped-to-{swapped}"),
                "i64 i64",
                &format!("v2 = icmp {cc} v0, v1; v3 = select v2, v1, v0; v4 = {swapped} v0, v1"),
                "v3=v4",
            ));
        }
        v.push(c(
            "selects-sgt-to-smax",
            "i64 i64",
            "v2 = icmp sgt v1, v0; v3 = select v2, v0, v1; v4 = smax v0, v1",
            "v3!=v4",
        ));
        for (cc, body) in [
            ("sgt", "v2 = icmp sgt v0, v1; v4 = select v2, v0, v3"),
            ("sge", "v2 = icmp sge v0, v1; v4 = select v2, v0, v3"),
            ("sle", "v2 = icmp sle v0, v1; v4 = select v2, v3, v0"),
            ("slt", "v2 = icmp slt v0, v1; v4 = select v2, v3, v0"),
        ] {
            v.push(c(
                &format!("selects-{cc}-to-iabs"),
                "i32",
                &format!("v1 = iconst.i32 0; v3 = ineg v0; {body}; v5 = iabs v0"),
                "v4=v5",
            ));
        }
        v.push(c("selects-sgt-to-iabs", "i32", "v1 = iconst.i32 1; v3 = ineg v0; v2 = icmp sgt v0, v1; v4 = select v2, v0, v3; v5 = iabs v0", "v4!=v5"));
        v
    }

    #[test]
    fn each_rule() {
        run_family("selects", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32, i8) -> i64 {
block0(v0: i32, v1: i32, v2: i8):
    v3 = icmp sgt v0, v1
    v4 = select v3, v0, v1
    v5 = iconst.i32 0
    v6 = icmp slt v4, v5
    v7 = ineg v4
    v8 = select v6, v7, v4
    v9 = uextend.i64 v8
    v10 = uextend.i64 v1
    v11 = select v2, v9, v10
    v12 = select v2, v11, v11
    v13 = iconst.i64 1
    v14 = iconst.i64 0
    v15 = select v6, v13, v14
    v16 = iadd v12, v15
    return v16
}";
        let (b, a) = e2e(text, &rules::family_rules("selects").unwrap());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod reassoc {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for op in AC {
            v.push(c(
                &format!("reassoc-{op}-comm"),
                "i32 i32",
                &format!("v2 = {op} v0, v1; v3 = {op} v1, v0"),
                "v2=v3",
            ));
            v.push(c(
                &format!("reassoc-{op}-assoc-right"),
                "i32 i32 i32",
                &format!("v3 = {op} v0, v1; v4 = {op} v3, v2; v5 = {op} v1, v2; v6 = {op} v0, v5"),
                "v4=v6",
            ));
            v.push(c(
                &format!("reassoc-{op}-assoc-left"),
                "i32x4 i32x4 i32x4",
                &format!("v3 = {op} v0, v1; v4 = {op} v3, v2; v5 = {op} v1, v2; v6 = {op} v0, v5"),
                "v4=v6",
            ));
        }
        v.push(c(
            "reassoc-iadd-comm",
            "i32 i32",
            "v2 = isub v0, v1; v3 = isub v1, v0",
            "v2!=v3",
        ));
        v
    }

    #[test]
    fn each_rule() {
        run_family("reassoc", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
    v3 = iconst.i32 5
    v4 = iadd v0, v3
    v5 = iadd v4, v1
    v6 = iconst.i32 7
    v7 = iadd v5, v6
    v8 = imul v7, v2
    v9 = imul v2, v7
    v10 = umin v8, v9
    v11 = bxor v10, v0
    v12 = bxor v0, v11
    return v12
}";
        let mut rules = RuleSet::DEFAULT.rules();
        rules.extend(rules::family_rules("reassoc").unwrap());
        let (b, a) = e2e(text, &rules);
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod demorgan {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for (name, a, b) in [
            (
                "demorgan-bnot-band",
                "v2 = band v0, v1; v3 = bnot v2",
                "v4 = bnot v0; v5 = bnot v1; v6 = bor v4, v5",
            ),
            (
                "demorgan-bnot-bor",
                "v2 = bor v0, v1; v3 = bnot v2",
                "v4 = bnot v0; v5 = bnot v1; v6 = band v4, v5",
            ),
            (
                "demorgan-bnot-band-not",
                "v7 = bnot v1; v2 = band v0, v7; v3 = bnot v2",
                "v4 = bnot v0; v6 = bor v4, v1",
            ),
            (
                "demorgan-bnot-bor-not",
                "v7 = bnot v1; v2 = bor v0, v7; v3 = bnot v2",
                "v4 = bnot v0; v6 = band v4, v1",
            ),
            (
                "demorgan-bnot-bxor",
                "v2 = bxor v0, v1; v3 = bnot v2",
                "v4 = bnot v0; v6 = bxor v4, v1",
            ),
        ] {
            v.push(c(
                &format!("{name}-fwd"),
                "i64 i64",
                &format!("{a}; {b}"),
                "v3=v6",
            ));
            v.push(c(
                &format!("{name}-rev"),
                "i8x16 i8x16",
                &format!("{a}; {b}"),
                "v3=v6",
            ));
        }
        v.push(c(
            "demorgan-bnot-band-fwd",
            "i64 i64",
            "v2 = band v0, v1; v3 = bnot v2; v4 = bnot v0; v5 = bnot v1; v6 = band v4, v5",
            "v3!=v6",
        ));
        v
    }

    #[test]
    fn each_rule() {
        run_family("demorgan", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
    v3 = bnot v0
    v4 = bnot v1
    v5 = bor v3, v4
    v6 = band v5, v2
    v7 = band v0, v1
    v8 = bnot v7
    v9 = bxor v6, v8
    return v9
}";
        let mut rules = RuleSet::DEFAULT.rules();
        rules.extend(rules::family_rules("demorgan").unwrap());
        let (b, a) = e2e(text, &rules);
        assert!(a <= b, "worse: {b} -> {a}");
    }
}

/// Every rule set over the built-in kernels and the filetests' run lines.
mod vector {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for op in [
            "band", "bor", "bxor", "iadd", "isub", "imul", "smulhi", "umulhi", "smin", "umin",
            "smax", "umax",
        ] {
            v.push(c(
                &format!("vector-{op}-splat-splat"),
                "i32 i32",
                &format!("v2 = splat.i32x4 v0; v3 = splat.i32x4 v1; v4 = {op} v2, v3; v5 = {op} v0, v1; v6 = splat.i32x4 v5"),
                "v4=v6",
            ));
        }
        // Bitwise operators stay on float vectors.
        v.push(c(
            "vector-bxor-splat-splat",
            "f32 f32",
            "v2 = splat.f32x4 v0; v3 = splat.f32x4 v1; v4 = bxor v2, v3; v5 = bxor v0, v1; v6 = splat.f32x4 v5",
            "v4!=v6",
        ));
        for op in ["bnot", "ineg", "iabs", "popcnt"] {
            v.push(c(
                &format!("vector-{op}-splat"),
                "i16",
                &format!("v1 = splat.i16x8 v0; v2 = {op} v1; v3 = {op} v0; v4 = splat.i16x8 v3"),
                "v2=v4",
            ));
        }
        for op in ["rotl", "rotr", "ishl", "ushr", "sshr"] {
            v.push(c(
                &format!("vector-{op}-splat"),
                "i64 i32",
                &format!(
                    "v2 = splat.i64x2 v0; v3 = {op} v2, v1; v4 = {op} v0, v1; v5 = splat.i64x2 v4"
                ),
                "v3=v5",
            ));
        }
        for op in ["fcvt_from_uint", "fcvt_from_sint"] {
            v.push(c(
                &format!("vector-{op}-splat"),
                "i32",
                &format!("v1 = splat.i32x4 v0; v2 = {op}.f32x4 v1; v3 = {op}.f32 v0; v4 = splat.f32x4 v3"),
                "v2=v4",
            ));
        }
        for (op, ext) in [
            ("swiden_low", "sextend"),
            ("swiden_high", "sextend"),
            ("uwiden_low", "uextend"),
            ("uwiden_high", "uextend"),
        ] {
            v.push(c(
                &format!("vector-{op}-splat"),
                "i16",
                &format!(
                    "v1 = splat.i16x8 v0; v2 = {op} v1; v3 = {ext}.i32 v0; v4 = splat.i32x4 v3"
                ),
                "v2=v4",
            ));
        }
        v.push(c(
            "vector-splat-const",
            "i8",
            "v1 = iconst.i16 0x1234; v2 = splat.i16x8 v1; v3 = vconst.i16x8 [0x1234 0x1234 0x1234 0x1234 0x1234 0x1234 0x1234 0x1234]",
            "v2=v3",
        ));
        v.push(c(
            "vector-splat-const",
            "i8",
            "v1 = f64const 0x1.0; v2 = splat.f64x2 v1; v3 = vconst.f64x2 0x3ff00000000000003ff0000000000000",
            "v2=v3",
        ));
        v.push(c(
            "vector-splat-const",
            "i16",
            "v1 = splat.i16x8 v0; v3 = vconst.i16x8 0x00000000000000000000000000000000",
            "v1!=v3",
        ));
        v.push(c(
            "vector-scalar-to-vector-const",
            "i8",
            "v1 = iconst.i32 5; v2 = scalar_to_vector.i32x4 v1; v3 = vconst.i32x4 [5 0 0 0]",
            "v2=v3",
        ));
        v.push(c(
            "vector-scalar-to-vector-const",
            "i8",
            "v1 = f32const 0x1.0; v2 = scalar_to_vector.f32x4 v1; v3 = vconst.f32x4 0x3f800000",
            "v2=v3",
        ));
        v
    }

    #[test]
    fn each_rule() {
        run_family("vector", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i32x4 {
block0(v0: i32, v1: i32):
    v2 = splat.i32x4 v0
    v3 = splat.i32x4 v1
    v4 = iadd v2, v3
    v5 = bnot v4
    v6 = iconst.i32 3
    v7 = ishl v5, v6
    v8 = iconst.i32 9
    v9 = splat.i32x4 v8
    v10 = umax v7, v9
    return v10
}";
        let (b, a) = e2e(text, &rules::family_rules("vector").unwrap());
        assert!(a <= b, "worse: {b} -> {a}");
    }
}

mod spaceship {
    use super::*;

    pub(super) fn cases() -> Vec<Case> {
        let mut v = Vec::new();
        for (tag, lt, le, gt, ge) in [
            ("u", "ult", "ule", "ugt", "uge"),
            ("s", "slt", "sle", "sgt", "sge"),
        ] {
            let name = |what: &str| format!("spaceship-{tag}-{what}");
            // The canonical form, sign-extended to i16 as v9.
            let canon16 = format!("v7 = icmp {gt} v0, v1; v20 = icmp {lt} v0, v1; v8 = isub v7, v20; v9 = sextend.i16 v8");
            for (other, otag) in [("ne", "ne"), (gt, "gt")] {
                v.push(c(
                    &name(&format!("lt-minus-one-{otag}-uextend")),
                    "i32 i32",
                    &format!("v2 = icmp {lt} v0, v1; v3 = iconst.i16 -1; v4 = icmp {other} v0, v1; v5 = uextend.i16 v4; v6 = select v2, v3, v5; {canon16}"),
                    "v6=v9",
                ));
                v.push(c(
                    &name(&format!("lt-minus-one-{otag}-i8")),
                    "i32 i32",
                    &format!("v2 = icmp {lt} v0, v1; v3 = iconst.i8 -1; v4 = icmp {other} v0, v1; v6 = select v2, v3, v4; {canon16}"),
                    "v6=v8",
                ));
            }
            for (inner, a, b) in [(lt, -1, 1), (le, -1, 1), (gt, 1, -1), (ge, 1, -1)] {
                let body = |b: i32| {
                    format!("v2 = icmp eq v0, v1; v3 = iconst.i16 0; v4 = icmp {inner} v0, v1; v5 = iconst.i16 {a}; v10 = iconst.i16 {b}; v11 = select v4, v5, v10; v6 = select v2, v3, v11; {canon16}")
                };
                v.push(c(
                    &name(&format!("eq-zero-{inner}")),
                    "i64 i64",
                    &body(b),
                    "v6=v9",
                ));
                v.push(c(
                    &name(&format!("eq-zero-{inner}")),
                    "i64 i64",
                    &body(2 * b),
                    "v6!=v9",
                ));
            }
            for (other, otag) in [(lt, "lt"), ("ne", "ne")] {
                v.push(c(
                    &name(&format!("gt-one-ineg-{otag}")),
                    "i16 i16",
                    &format!("v2 = icmp {gt} v0, v1; v3 = iconst.i8 1; v4 = icmp {other} v0, v1; v5 = ineg v4; v6 = select v2, v3, v5; {canon16}"),
                    "v6=v8",
                ));
                v.push(c(
                    &name(&format!("gt-one-bmask-{otag}")),
                    "i16 i16",
                    &format!("v2 = icmp {gt} v0, v1; v3 = iconst.i16 1; v4 = icmp {other} v0, v1; v5 = bmask.i16 v4; v6 = select v2, v3, v5; {canon16}"),
                    "v6=v9",
                ));
            }
            for (outer, k, to, kname) in [
                ("eq", 0, "eq", "zero"),
                ("ne", 0, "ne", "zero"),
                ("slt", 0, lt, "zero"),
                ("sle", 0, le, "zero"),
                ("sgt", 0, gt, "zero"),
                ("sge", 0, ge, "zero"),
                ("eq", -1, lt, "minus-one"),
                ("ne", -1, ge, "minus-one"),
                ("eq", 1, gt, "one"),
                ("ne", 1, le, "one"),
            ] {
                let body = |k: i32| {
                    format!("v2 = icmp {gt} v0, v1; v3 = icmp {lt} v0, v1; v4 = isub v2, v3; v5 = iconst.i8 {k}; v6 = icmp {outer} v4, v5; v7 = icmp {to} v0, v1")
                };
                v.push(c(
                    &name(&format!("{outer}-{kname}")),
                    "i32 i32",
                    &body(k),
                    "v6=v7",
                ));
                v.push(c(
                    &name(&format!("{outer}-{kname}")),
                    "i32 i32",
                    &body(k + 2),
                    "v6!=v7",
                ));
            }
        }
        v
    }

    #[test]
    fn each_rule() {
        run_family("spaceship", &cases());
    }

    #[test]
    fn end_to_end() {
        let text = "
function %f(i32, i32) -> i8 {
block0(v0: i32, v1: i32):
    v2 = icmp slt v0, v1
    v3 = iconst.i32 -1
    v4 = icmp ne v0, v1
    v5 = uextend.i32 v4
    v6 = select v2, v3, v5
    v7 = iconst.i32 0
    v8 = icmp sle v6, v7
    return v8
}
function %g(i64, i64) -> i32 {
block0(v0: i64, v1: i64):
    v2 = icmp eq v0, v1
    v3 = iconst.i32 0
    v4 = icmp ugt v0, v1
    v5 = iconst.i32 1
    v6 = iconst.i32 -1
    v7 = select v4, v5, v6
    v8 = select v2, v3, v7
    return v8
}";
        let (b, a) = e2e(text, &RuleSet::DEFAULT.rules());
        assert!(a < b, "no improvement: {b} -> {a}");
    }
}

mod corpus {
    use super::*;
    use regpress::compare::check_run_lines;
    use regpress::corpus as rc;

    fn run_set(
        set: &str,
        files: &[rc::CorpusFile],
        isa: &dyn cranelift_codegen::isa::TargetIsa,
    ) -> (usize, Vec<String>) {
        let rules = RuleSet::parse(set).unwrap().rules();
        let ex = extract::by_name("cranelift").unwrap();
        let mut failures = Vec::new();
        let mut n = 0;
        for file in files {
            for (i, func) in file.functions.iter().enumerate() {
                if pipeline::check_input(func, isa, &Settings::default()).is_err() {
                    continue;
                }
                n += 1;
                let out = match pipeline::optimize(func, isa, &*ex, &rules, &Settings::default()) {
                    Ok(o) => o,
                    Err(e) => {
                        failures.push(format!("{}:{}: {e}", file.path, func.name));
                        continue;
                    }
                };
                if let Some(f) = &out.report.fallback {
                    failures.push(format!(
                        "[{set}] {}:{}: fell back: {f}",
                        file.path, func.name
                    ));
                }
                if file.interpret && !file.run_commands[i].is_empty() {
                    // Only lines that pass on the input count.
                    let (p0, t0, _) = check_run_lines(file, i, func);
                    if p0 == t0 {
                        let (p, t, first) = check_run_lines(file, i, &out.func);
                        if p != t {
                            failures.push(format!(
                                "[{set}] {}:{}: {}",
                                file.path,
                                func.name,
                                first.unwrap()
                            ));
                        }
                    }
                }
            }
        }
        (n, failures)
    }

    fn files() -> Vec<rc::CorpusFile> {
        let mut files = rc::builtin();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpus/filetests/runtests");
        if dir.is_dir() {
            for p in rc::clif_files(&dir).unwrap() {
                if let Ok(f) = rc::load_file(&p) {
                    files.push(f);
                }
            }
        } else {
            eprintln!("skipping the filetests: {} is absent", dir.display());
        }
        files
    }

    /// Slow in debug builds; run with
    /// `cargo test --release -p regpress --test rules corpus -- --ignored`.
    #[test]
    #[ignore]
    fn all_sets_keep_run_lines() {
        let isa = codegen::build_isa("x86_64", "none").unwrap();
        let files = files();
        let mut failures = Vec::new();
        for set in ["default", "default+reassoc+demorgan"] {
            let (n, f) = run_set(set, &files, &*isa);
            eprintln!("[{set}] {n} functions, {} failures", f.len());
            failures.extend(f);
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// The built-in kernels alone, with every rule set (fast enough for
    /// debug builds).
    #[test]
    fn kernels_with_all_sets() {
        let isa = codegen::build_isa("x86_64", "none").unwrap();
        let files = rc::builtin();
        let mut failures = Vec::new();
        for set in ["default", "default+reassoc+demorgan"] {
            failures.extend(run_set(set, &files, &*isa).1);
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// The rule-level differential against Cranelift's own mid-end.
///
/// One instance per Cranelift rule that `extractor/audit/status.tsv` calls
/// ported: a case of the regpress rule that ports it (the family's cases
/// above, taken in turn when several Cranelift rules share one regpress
/// rule), made into a function that returns both sides of the case's
/// equalities, so that nothing is dead. Each instance goes through
/// Cranelift's `Context::compile` at `opt_level=speed` and through our
/// pipeline with the `cranelift` extractor and the default rules, then
/// Cranelift's backend at `opt_level=none`; ours must have no more machine
/// instructions on either target, and agree with the original in the
/// interpreter. `REGPRESS_SHOW_FEWER=1` prints the instances where ours has
/// fewer: mostly cases written with commuted operands, which egg's
/// commuted patterns match and Cranelift's insertion-time rules do not.
mod against_cranelift {
    use super::*;
    use cranelift_codegen::ir::Function;

    /// The float rules' tests are unit tests in `rules/float.rs`; their
    /// instances are here.
    fn float_cases() -> Vec<Case> {
        vec![
            c(
                "float-fneg-fneg",
                "f64",
                "v1 = fneg v0; v2 = fneg v1",
                "v2=v0",
            ),
            c(
                "float-fma-fneg-fneg",
                "f64 f64 f64",
                "v3 = fneg v0; v4 = fneg v1; v5 = fma v3, v4, v2",
                "v5=v5",
            ),
            c(
                "float-fmul-fneg-fneg",
                "f64 f64",
                "v2 = fneg v0; v3 = fneg v1; v4 = fmul v2, v3",
                "v4=v4",
            ),
        ]
    }

    fn family_cases(family: &str) -> Vec<Case> {
        match family {
            "cprop" => cprop::cases(),
            "arithmetic" => arithmetic::cases(),
            "bitops" => bitops::cases(),
            "shifts" => shifts::cases(),
            "icmp" => icmp::cases(),
            "extends" => extends::cases(),
            "selects" => selects::cases(),
            "vector" => vector::cases(),
            "spaceship" => spaceship::cases(),
            "float" => float_cases(),
            other => panic!("status.tsv names an unknown test family `{other}`"),
        }
    }

    /// The values a case's equalities name (both sides, in order).
    fn equated(case: &Case) -> Vec<Value> {
        let mut out = Vec::new();
        for fact in case.facts.split(',').map(str::trim) {
            if fact.contains("!=") || fact.is_empty() {
                continue;
            }
            let (a, b) = fact.split_once('=').expect("a=b");
            for v in [value(a), value(b)] {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// The case as a function returning its equated values; `None` if it
    /// has no equality (a near-miss case).
    fn returning(case: &Case) -> Option<Function> {
        let values = equated(case);
        if values.is_empty() {
            return None;
        }
        let probe = regpress::corpus::parse("case.clif", &func_text(&case.params, &case.body))
            .unwrap_or_else(|e| panic!("{}: {e}", case.rule));
        let dfg = &probe.functions[0].dfg;
        let returns: Vec<(String, String)> = values
            .iter()
            .map(|v| (dfg.value_type(*v).to_string(), v.to_string()))
            .collect();
        let text = func_returning(&case.params, &case.body, &returns);
        let file = regpress::corpus::parse("instance.clif", &text)
            .unwrap_or_else(|e| panic!("{}: {e}\n{text}", case.rule));
        file.functions.into_iter().next()
    }

    struct Instance {
        /// `file.isle:line` of the Cranelift rule.
        key: String,
        /// The regpress rule whose case it is.
        rule: String,
        func: Function,
    }

    fn instances() -> Vec<Instance> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("audit/status.tsv");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut cases: std::collections::BTreeMap<String, Vec<Case>> = Default::default();
        let mut turn: std::collections::BTreeMap<String, usize> = Default::default();
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(key), Some("ported"), Some(detail)) = (cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let mut parts = detail.split(';').map(str::trim);
            let rule = base_name(parts.next().unwrap().split(',').next().unwrap().trim());
            let family = parts
                .find_map(|p| p.strip_prefix("test: "))
                .and_then(|t| t.split("::").next())
                .unwrap_or("float")
                .to_string();
            let family_cases = cases
                .entry(family.clone())
                .or_insert_with(|| family_cases(&family));
            let candidates: Vec<&Case> = family_cases
                .iter()
                .filter(|c| c.rule == rule && !equated(c).is_empty())
                .collect();
            assert!(
                !candidates.is_empty(),
                "{key}: no case with an equality for {rule} in {family}"
            );
            let k = turn.entry(rule.to_string()).or_default();
            let case = candidates[*k % candidates.len()];
            *k += 1;
            out.push(Instance {
                key: key.to_string(),
                rule: rule.to_string(),
                func: returning(case).expect("has an equality"),
            });
        }
        out
    }

    #[test]
    fn no_more_instructions_than_cranelift() {
        let instances = instances();
        let rules = RuleSet::DEFAULT.rules();
        let ex = extract::by_name("cranelift").unwrap();
        let mut failures = Vec::new();
        for target in ["x86_64", "aarch64"] {
            let speed = codegen::build_isa(target, "speed").unwrap();
            let none = codegen::build_isa(target, "none").unwrap();
            let (mut compared, mut fewer, mut skipped) = (0, 0, 0);
            for (i, inst) in instances.iter().enumerate() {
                // An instance Cranelift's backend cannot compile on this
                // target (a type it does not lower there) says nothing.
                let theirs =
                    regpress::panics::catch_quietly(|| codegen::compile(&inst.func, &*speed));
                let Ok(Ok(theirs)) = theirs else {
                    skipped += 1;
                    continue;
                };
                let out =
                    pipeline::optimize(&inst.func, &*none, &*ex, &rules, &Settings::default())
                        .unwrap_or_else(|e| panic!("{}: {e}", inst.key));
                let ours = match codegen::compile(&out.func, &*none) {
                    Ok(m) => m,
                    Err(e) => {
                        failures.push(format!(
                            "{} [{}] {target}: ours does not compile: {e}",
                            inst.key, inst.rule
                        ));
                        continue;
                    }
                };
                compared += 1;
                if ours.insts < theirs.insts {
                    fewer += 1;
                    if std::env::var_os("REGPRESS_SHOW_FEWER").is_some() {
                        eprintln!(
                            "{} [{}] {target}: {} against Cranelift's {}\n{}ours:\n{}",
                            inst.key,
                            inst.rule,
                            ours.insts,
                            theirs.insts,
                            inst.func.display(),
                            out.func.display()
                        );
                    }
                }
                if ours.insts > theirs.insts {
                    failures.push(format!(
                        "{} [{}] {target}: {} machine instructions against Cranelift's {}\n{}\nours:\n{}",
                        inst.key,
                        inst.rule,
                        ours.insts,
                        theirs.insts,
                        inst.func.display(),
                        out.func.display()
                    ));
                }
                if target == "x86_64" {
                    if let Err(e) =
                        semantics::differential(&inst.func, &out.func, &[], 50, 11 + i as u64)
                    {
                        failures.push(format!("{} [{}]: interpreter: {e}", inst.key, inst.rule));
                    }
                }
            }
            eprintln!(
                "{target}: {} instances, {compared} compared ({fewer} with fewer instructions than Cranelift), {skipped} that Cranelift cannot compile",
                instances.len()
            );
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}
