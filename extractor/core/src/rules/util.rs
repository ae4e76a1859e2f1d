//! Helpers for writing rules: conditions and appliers over [`ClassData`].
//!
//! Every rule built here goes through one checked applier, which is the last
//! line of defence against an unsound rule:
//!
//! * an `iconst` on the right-hand side is only built for a scalar integer
//!   type of at most 64 bits, with an immediate that fits the type
//!   (zero-extended), since `iconst.i128` and vector `iconst`s are invalid
//!   CLIF;
//! * the new class is only unioned with the matched class when both are
//!   values of the same type (a mismatch is a bug in the rule: it panics in
//!   debug builds and is skipped in release builds).
//!
//! Constants are matched through the analysis (`konst`), not through literal
//! `iconst` immediates, so a rule sees every class known to be constant,
//! whatever node proved it.

use crate::lang::{mask, sext, ClassData, ClassKind, ClifAnalysis, ClifEGraph, ClifNode, Op};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Opcode, Type};
use egg::{Applier, ENodeOrVar, Id, Language, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};
use std::sync::Arc;

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

/// Parse a pattern variable (`"?x"`).
pub fn var(name: &str) -> Var {
    name.parse()
        .unwrap_or_else(|e| panic!("bad pattern variable {name}: {e}"))
}

/// A side condition of a rule.
pub type Cond = Arc<dyn Fn(&ClifEGraph, &Subst) -> bool + Send + Sync>;

/// A computed right-hand side: builds the new class, or declines.
pub type Build = Arc<dyn Fn(&mut ClifEGraph, &Subst) -> Option<Id> + Send + Sync>;

/// The type named by the class bound to `v`: a type attribute's type, or a
/// value's type.
pub fn type_at(egraph: &ClifEGraph, subst: &Subst, v: Var) -> Option<Type> {
    match egraph[subst[v]].data.kind {
        ClassKind::Type(t) | ClassKind::Value(t) => Some(t),
        _ => None,
    }
}

/// The constant of the class bound to `v` with its type, if it is one.
pub fn konst_at(egraph: &ClifEGraph, subst: &Subst, v: Var) -> Option<(u64, Type)> {
    let d = egraph[subst[v]].data;
    Some((d.konst?, d.value_type()?))
}

/// The condition code bound to `v`.
pub fn cond_at(egraph: &ClifEGraph, subst: &Subst, v: Var) -> Option<IntCC> {
    match egraph[subst[v]].data.kind {
        ClassKind::Cond(c) => Some(c),
        _ => None,
    }
}

/// Is `t` a scalar integer type of at most 64 bits (one `iconst` can make)?
pub fn is_small_int(t: Type) -> bool {
    t.is_int() && t.bits() <= 64
}

/// All-ones of type `t`, zero-extended.
pub fn ones(t: Type) -> u64 {
    mask(t, u64::MAX)
}

/// Condition: the class at `v` is a constant satisfying `pred(bits, type)`.
pub fn konst_where(v: &str, pred: impl Fn(u64, Type) -> bool + Send + Sync + 'static) -> Cond {
    let v = var(v);
    Arc::new(move |eg, s| konst_at(eg, s, v).is_some_and(|(k, t)| pred(k, t)))
}

/// Condition: the class at `v` is a known constant.
pub fn is_const(v: &str) -> Cond {
    konst_where(v, |_, _| true)
}

/// Condition: the class at `v` is not a known constant.
pub fn not_const(v: &str) -> Cond {
    let v = var(v);
    Arc::new(move |eg, s| eg[s[v]].data.konst.is_none())
}

/// Condition: the class at `v` is the constant 0.
pub fn is_zero(v: &str) -> Cond {
    konst_where(v, |k, _| k == 0)
}

/// Condition: the class at `v` is a nonzero constant.
pub fn is_nonzero(v: &str) -> Cond {
    konst_where(v, |k, _| k != 0)
}

/// Condition: the class at `v` is the constant 1.
pub fn is_one(v: &str) -> Cond {
    konst_where(v, |k, _| k == 1)
}

/// Condition: the class at `v` is the constant `n` (zero-extended bits).
pub fn is_konst(v: &str, n: u64) -> Cond {
    konst_where(v, move |k, _| k == n)
}

/// Condition: the class at `v` is all ones in its type (-1).
pub fn is_all_ones(v: &str) -> Cond {
    konst_where(v, |k, t| k == ones(t))
}

/// Condition: the type (attribute or value type) at `v` satisfies `pred`.
pub fn type_where(v: &str, pred: impl Fn(Type) -> bool + Send + Sync + 'static) -> Cond {
    let v = var(v);
    Arc::new(move |eg, s| type_at(eg, s, v).is_some_and(&pred))
}

/// Condition: the type at `v` is a scalar integer of at most 64 bits.
pub fn small_int(v: &str) -> Cond {
    type_where(v, is_small_int)
}

/// Condition: the type at `v` is a scalar integer (including i128).
pub fn scalar_int(v: &str) -> Cond {
    type_where(v, |t| t.is_int())
}

/// Condition: the types at `a` and `b` are equal.
pub fn same_type(a: &str, b: &str) -> Cond {
    let (a, b) = (var(a), var(b));
    Arc::new(move |eg, s| {
        let (ta, tb) = (type_at(eg, s, a), type_at(eg, s, b));
        ta.is_some() && ta == tb
    })
}

/// Condition: the type at `a` is strictly narrower than the type at `b`
/// (both scalar integers).
pub fn narrower(a: &str, b: &str) -> Cond {
    let (a, b) = (var(a), var(b));
    Arc::new(move |eg, s| match (type_at(eg, s, a), type_at(eg, s, b)) {
        (Some(ta), Some(tb)) => ta.is_int() && tb.is_int() && ta.bits() < tb.bits(),
        _ => false,
    })
}

/// Add a type attribute leaf.
pub fn type_leaf(egraph: &mut ClifEGraph, t: Type) -> Id {
    egraph.add(ClifNode::leaf(Op::Type(t)))
}

/// Add `iconst.t bits` (masked to `t`), or `None` unless `t` is a scalar
/// integer of at most 64 bits (the only types `iconst` can make).
pub fn iconst(egraph: &mut ClifEGraph, t: Type, bits: u64) -> Option<Id> {
    if !is_small_int(t) {
        return None;
    }
    let ty = type_leaf(egraph, t);
    let k = egraph.add(ClifNode::leaf(Op::Int(mask(t, bits) as i64)));
    Some(egraph.add(ClifNode::new(Op::Inst(Opcode::Iconst), [ty, k])))
}

/// Add a pure instruction with controlling type `t` and value operands `args`.
pub fn inst(egraph: &mut ClifEGraph, op: Opcode, t: Type, args: &[Id]) -> Id {
    let ty = type_leaf(egraph, t);
    let mut children = vec![ty];
    children.extend_from_slice(args);
    egraph.add(ClifNode::new(Op::Inst(op), children))
}

/// Add `icmp.t cc x, y` (`t` is the operand type).
pub fn icmp(egraph: &mut ClifEGraph, cc: IntCC, t: Type, x: Id, y: Id) -> Id {
    let ty = type_leaf(egraph, t);
    let c = egraph.add(ClifNode::leaf(Op::Cond(cc)));
    egraph.add(ClifNode::new(Op::Inst(Opcode::Icmp), [ty, c, x, y]))
}

/// The class of a value's type (`None` for attributes).
pub fn value_type(egraph: &ClifEGraph, id: Id) -> Option<Type> {
    egraph[id].data.value_type()
}

/// Are the `iconst`s of `ast` valid under `subst` (small scalar integer
/// type, immediate zero-extended to it)?
fn iconsts_valid(ast: &PatternAst<ClifNode>, egraph: &ClifEGraph, subst: &Subst) -> bool {
    let nodes = ast.as_ref();
    let type_of = |i: Id| -> Option<Type> {
        match &nodes[usize::from(i)] {
            ENodeOrVar::Var(v) => type_at(egraph, subst, *v),
            ENodeOrVar::ENode(n) => match n.op {
                Op::Type(t) => Some(t),
                _ => None,
            },
        }
    };
    nodes.iter().all(|n| match n {
        ENodeOrVar::ENode(node) if node.op == Op::Inst(Opcode::Iconst) => {
            let Some(t) = type_of(node.children[0]) else {
                return false;
            };
            if !is_small_int(t) {
                return false;
            }
            match &nodes[usize::from(node.children[1])] {
                ENodeOrVar::ENode(ClifNode { op: Op::Int(i), .. }) => mask(t, *i as u64) == *i as u64,
                ENodeOrVar::Var(v) => matches!(egraph[subst[*v]].data.kind, ClassKind::Int(i) if mask(t, i as u64) == i as u64),
                _ => false,
            }
        }
        _ => true,
    })
}

/// The checked applier behind every rule of this crate.
struct Checked {
    /// The left-hand side, to see which classes its inner nodes matched.
    lhs: PatternAst<ClifNode>,
    conds: Vec<Cond>,
    build: Build,
}

/// Is `op` a constant (the only node a constant class keeps in Cranelift)?
fn is_constant_op(op: &Op) -> bool {
    match op.opcode() {
        Some(op) => op == Opcode::Iconst || crate::lang::constants::is_float_const(op),
        None => true,
    }
}

/// Did the match of `lhs` under `subst` go *through* a constant class,
/// i.e. match an inner operator node in a class known to be a constant?
///
/// Cranelift's constant folding `subsume`s: a folded class holds only its
/// constant, so no rule can see the arithmetic that produced it. Our
/// analysis folds the same way but keeps the class's other nodes (egg cannot
/// drop them), and saturation would match through them: `(x - 160) + 128`
/// matching `(iadd (isub x y) (iadd y z))` through a node `iadd 160 -32` that
/// some rule put in the class of 128. Refusing such matches keeps the
/// rewrites to those Cranelift can make.
fn through_constant(lhs: &PatternAst<ClifNode>, egraph: &ClifEGraph, subst: &Subst) -> bool {
    let nodes = lhs.as_ref();
    let mut ids: Vec<Id> = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let id = match n {
            ENodeOrVar::Var(v) => subst[*v],
            ENodeOrVar::ENode(node) => {
                let inst = node.clone().map_children(|c| ids[usize::from(c)]);
                let Some(id) = egraph.lookup(inst) else {
                    return false;
                };
                let d = egraph[id].data;
                let inner = i + 1 < nodes.len();
                if inner && !is_constant_op(&node.op) && (d.konst.is_some() || d.fconst.is_some()) {
                    return true;
                }
                id
            }
        };
        ids.push(id);
    }
    false
}

impl Applier<ClifNode, ClifAnalysis> for Checked {
    fn apply_one(
        &self,
        egraph: &mut ClifEGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<ClifNode>>,
        rule_name: Symbol,
    ) -> Vec<Id> {
        if !self.conds.iter().all(|c| c(egraph, subst)) {
            return vec![];
        }
        // A constant class is final (Cranelift subsumes it): nothing to add
        // there, and nothing to match through it.
        let root = egraph[eclass].data;
        if root.konst.is_some()
            || root.fconst.is_some()
            || through_constant(&self.lhs, egraph, subst)
        {
            return vec![];
        }
        let Some(new) = (self.build)(egraph, subst) else {
            return vec![];
        };
        let (a, b) = (egraph[eclass].data.kind, egraph[new].data.kind);
        if a != b || !matches!(a, ClassKind::Value(_)) {
            debug_assert!(
                false,
                "rule {rule_name} would union a {a:?} class with a {b:?} class"
            );
            return vec![];
        }
        if let (Some(x), Some(y)) = (egraph[eclass].data.konst, egraph[new].data.konst) {
            if x != y {
                debug_assert!(false, "rule {rule_name} would union constants {x} and {y}");
                return vec![];
            }
        }
        if egraph.union(eclass, new) {
            vec![eclass]
        } else {
            vec![]
        }
    }
}

fn pattern(text: &str, rule: &str) -> Pattern<ClifNode> {
    text.parse()
        .unwrap_or_else(|e| panic!("rule {rule}: bad pattern `{text}`: {e}"))
}

/// A rule `lhs => rhs` under `conds`.
pub fn rw(name: &str, lhs: &str, rhs: &str, conds: Vec<Cond>) -> super::Rule {
    let searcher = pattern(lhs, name);
    let rhs_pat = pattern(rhs, name);
    for v in rhs_pat.vars() {
        assert!(
            searcher.vars().contains(&v),
            "rule {name}: {v} is not bound by the left-hand side"
        );
    }
    let ast = rhs_pat.ast;
    let wide = wide_constant(&ast);
    let build: Build = Arc::new(move |eg, s| {
        if iconsts_valid(&ast, eg, s) {
            return Some(eg.add_instantiation(&ast, s));
        }
        // A constant result of type i128 has no `iconst`; it is built as
        // Cranelift's `iconst_u`/`iconst_s` build it, an extended i64.
        let (ty, k) = wide?;
        match type_at(eg, s, ty)? {
            types::I128 if k >= 0 => crate::lang::constants::iconst_u(eg, types::I128, k as u64),
            types::I128 => crate::lang::constants::iconst_s(eg, types::I128, k),
            _ => None,
        }
    });
    let lhs = searcher.ast.clone();
    Rewrite::new(name, searcher, Checked { lhs, conds, build })
        .unwrap_or_else(|e| panic!("rule {name}: {e}"))
}

/// The type variable and immediate of a right-hand side that is a lone
/// `(iconst ?t K)`.
fn wide_constant(ast: &PatternAst<ClifNode>) -> Option<(Var, i64)> {
    let nodes = ast.as_ref();
    let ENodeOrVar::ENode(root) = nodes.last()? else {
        return None;
    };
    if root.op != Op::Inst(Opcode::Iconst) {
        return None;
    }
    match (
        &nodes[usize::from(root.children[0])],
        &nodes[usize::from(root.children[1])],
    ) {
        (ENodeOrVar::Var(t), ENodeOrVar::ENode(ClifNode { op: Op::Int(k), .. })) => Some((*t, *k)),
        _ => None,
    }
}

/// A rule `lhs => build(…)` under `conds`, for right-hand sides that compute
/// immediates, types or condition codes.
pub fn rw_fn(
    name: &str,
    lhs: &str,
    conds: Vec<Cond>,
    build: impl Fn(&mut ClifEGraph, &Subst) -> Option<Id> + Send + Sync + 'static,
) -> super::Rule {
    let searcher = pattern(lhs, name);
    Rewrite::new(
        name,
        searcher.clone(),
        Checked {
            lhs: searcher.ast,
            conds,
            build: Arc::new(build),
        },
    )
    .unwrap_or_else(|e| panic!("rule {name}: {e}"))
}

/// Operators whose two value operands commute.
const COMMUTATIVE: &[&str] = &[
    "iadd", "imul", "band", "bor", "bxor", "umin", "umax", "smin", "smax",
];

#[derive(Clone, PartialEq, Eq)]
enum Sexp {
    Atom(String),
    List(Vec<Sexp>),
}

fn parse_sexp(tokens: &mut std::iter::Peekable<std::vec::IntoIter<String>>) -> Sexp {
    let t = tokens.next().expect("balanced pattern");
    if t == "(" {
        let mut items = Vec::new();
        while tokens.peek().map(|s| s.as_str()) != Some(")") {
            items.push(parse_sexp(tokens));
        }
        tokens.next();
        Sexp::List(items)
    } else {
        Sexp::Atom(t)
    }
}

fn print_sexp(s: &Sexp, out: &mut String) {
    match s {
        Sexp::Atom(a) => out.push_str(a),
        Sexp::List(items) => {
            out.push('(');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                print_sexp(it, out);
            }
            out.push(')');
        }
    }
}

fn sexp_variants(s: &Sexp) -> Vec<Sexp> {
    let Sexp::List(items) = s else {
        return vec![s.clone()];
    };
    // Cartesian product of the children's variants.
    let mut acc: Vec<Vec<Sexp>> = vec![Vec::new()];
    for it in items {
        let vs = sexp_variants(it);
        acc = acc
            .into_iter()
            .flat_map(|prefix| {
                vs.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect();
    }
    let head = match items.first() {
        Some(Sexp::Atom(a)) => a.as_str(),
        _ => "",
    };
    let swap = match (head, items.len()) {
        (h, 4) if COMMUTATIVE.contains(&h) => Some((2, 3)),
        ("icmp", 5) if matches!(&items[2], Sexp::Atom(c) if c == "eq" || c == "ne") => Some((3, 4)),
        _ => None,
    };
    let mut out = Vec::new();
    for v in acc {
        if let Some((i, j)) = swap {
            let mut w = v.clone();
            w.swap(i, j);
            if !out.contains(&w) {
                out.push(w);
            }
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.into_iter().map(Sexp::List).collect()
}

/// Every operand order of `pattern` under the commutativity of `iadd`,
/// `imul`, `band`, `bor`, `bxor`, the min/max ops and `icmp eq`/`ne`
/// (the pattern as written comes first).
pub fn commuted(pattern: &str) -> Vec<String> {
    let spaced = pattern.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<String> = spaced.split_whitespace().map(String::from).collect();
    let mut it = tokens.into_iter().peekable();
    let s = parse_sexp(&mut it);
    let mut vs = sexp_variants(&s);
    // Put the pattern as written first.
    if let Some(pos) = vs.iter().position(|v| v == &s) {
        let first = vs.remove(pos);
        vs.insert(0, first);
    }
    vs.iter()
        .map(|v| {
            let mut out = String::new();
            print_sexp(v, &mut out);
            out
        })
        .collect()
}

/// `rw` for every commuted form of `lhs`; the rules are named `name`,
/// `name/1`, `name/2`, …
pub fn rw_comm(name: &str, lhs: &str, rhs: &str, conds: Vec<Cond>) -> Vec<super::Rule> {
    commuted(lhs)
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = if i == 0 {
                name.to_string()
            } else {
                format!("{name}/{i}")
            };
            rw(&n, l, rhs, conds.clone())
        })
        .collect()
}

/// `rw_fn` for every commuted form of `lhs`.
pub fn rw_fn_comm(
    name: &str,
    lhs: &str,
    conds: Vec<Cond>,
    build: impl Fn(&mut ClifEGraph, &Subst) -> Option<Id> + Send + Sync + 'static,
) -> Vec<super::Rule> {
    let build: Build = Arc::new(build);
    commuted(lhs)
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let n = if i == 0 {
                name.to_string()
            } else {
                format!("{name}/{i}")
            };
            let b = build.clone();
            rw_fn(&n, l, conds.clone(), move |eg, s| b(eg, s))
        })
        .collect()
}

/// Sign-extended value of a constant of type `t`.
pub fn signed(t: Type, k: u64) -> i64 {
    sext(t, k)
}

/// Smallest signed value of `t`, zero-extended.
pub fn smin_of(t: Type) -> u64 {
    mask(t, 1u64 << (t.bits() - 1))
}

/// Largest signed value of `t`.
pub fn smax_of(t: Type) -> u64 {
    ones(t) >> 1
}

/// A condition from a closure.
pub fn cond(f: impl Fn(&ClifEGraph, &Subst) -> bool + Send + Sync + 'static) -> Cond {
    Arc::new(f)
}

/// Condition: the constant at `k` equals `f(type at t)`.
pub fn konst_is_fn_of_type(
    k: &str,
    t: &str,
    f: impl Fn(Type) -> u64 + Send + Sync + 'static,
) -> Cond {
    let (k, t) = (var(k), var(t));
    cond(move |eg, s| match (konst_at(eg, s, k), type_at(eg, s, t)) {
        (Some((kv, _)), Some(ty)) => kv == f(ty),
        _ => false,
    })
}

/// The result type of an `icmp` whose operands have type `t`: `i8` for
/// scalars, `t` itself for vectors.
pub fn cmp_result(t: Type) -> Type {
    crate::lang::result_type(Opcode::Icmp, t)
}

/// Cranelift's constant comparison result for operand type `t`: `iconst_u
/// 0` for false, `cmp_true` (1, or all ones in each vector lane) for true.
pub fn cmp_const(egraph: &mut ClifEGraph, t: Type, truth: bool) -> Option<Id> {
    let r = cmp_result(t);
    if truth {
        crate::lang::constants::cmp_true(egraph, r)
    } else {
        crate::lang::constants::iconst_u(egraph, r, 0)
    }
}

/// Condition: the type at `v` is an integer scalar or an integer vector.
pub fn int_or_vector(v: &str) -> Cond {
    type_where(v, |t| t.lane_type().is_int())
}

/// Condition: a comparison on operands of the type at `v` has that same type
/// as its result, i.e. the operands are `i8` or a vector.
///
/// Several Cranelift rules bind one type variable both to an `icmp`'s result
/// and to an operation feeding it, as in `(sge ty (smax ty x y) x)`; they
/// only match when the two types coincide. A faithful copy keeps that limit.
pub fn cmp_shares_type(v: &str) -> Cond {
    type_where(v, |t| t.lane_type().is_int() && cmp_result(t) == t)
}

/// Rules `lhs => constant comparison result` (every commuted form), for
/// comparisons whose operand type is bound to `?t`.
pub fn rw_cmp_const(name: &str, lhs: &str, truth: bool, conds: Vec<Cond>) -> Vec<super::Rule> {
    let t = var("?t");
    rw_fn_comm(name, lhs, conds, move |eg, s| {
        let ty = type_at(eg, s, t)?;
        cmp_const(eg, ty, truth)
    })
}
