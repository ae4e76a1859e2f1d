//! `exact`: DAG-optimal extraction as a mixed-integer linear program, solved
//! by CBC (through `coin_cbc`; CBC itself is built from source by the
//! `cbc-src` crate, so no system library is needed).
//!
//! The objective is `dag`'s: the sum of the chosen nodes' costs, each needed
//! class paid once. `dag` is a greedy heuristic for it; this extractor is the
//! reference that says how far from optimal the heuristic is.
//!
//! ## Formulation
//!
//! One binary `x_n` per candidate node ("n is chosen"). A class is needed
//! exactly when one of its nodes is chosen, so no separate class variable is
//! required:
//!
//! * a root class chooses exactly one node: `Σ_{n∈r} x_n = 1`;
//! * any other class chooses at most one: `Σ_{n∈c} x_n ≤ 1`;
//! * a chosen node needs each child class: `x_n ≤ Σ_{m∈k} x_m` for every
//!   distinct child class `k` of `n`;
//! * acyclicity, in two phases sharing the time limit:
//!   1. *lazy cycle cuts*: solve without acyclicity; if the optimum's
//!      choice has cycles reachable from the roots, add for each cycle of
//!      classes `c_1 → … → c_k → c_1` the cut "at most `k−1` of the nodes of
//!      `c_i` that have a child in `c_{i+1}`" (every such set of choices
//!      closes the cycle), and solve again. When an optimum has no cycle,
//!      it is optimal for the real problem. `coin_cbc` has no callbacks, so
//!      each round re-solves from scratch; on e-graphs whose cheapest choice
//!      is nearly acyclic (all of extraction-gym's but one) that is one or
//!      two rounds with the tight LP relaxation of the plain covering model.
//!   2. optionally ([`ExactExtractor::potentials`], off by default), if
//!      that has not converged within half the limit, *topological
//!      potentials* (plus the cuts found so far) for the rest: each class
//!      `c` on a cycle of the class graph gets a continuous
//!      `t_c ∈ [0, |S|−1]`, `S` its strongly connected component, and for
//!      every node `n` of `c` with a child class `k` in the same component,
//!      `t_c − t_k ≥ 1 − |S|·(1 − x_n)`. This is exact in one solve, but
//!      its big-M relaxation is weak, which is why it comes second. Edges
//!      between components can never lie on a cycle and get no row.
//!
//! ## Pre-solve
//!
//! Before the model is built, nodes that can never be part of a well-formed
//! choice are dropped: a node whose child is its own class, and (to a
//! fixpoint) a node with a child class that has no acyclic choice at all.
//! When all costs are non-negative, a node is dropped if another node of its
//! class costs no more and needs a subset of its child classes. Only classes reachable from the
//! roots through the remaining nodes enter the model.
//!
//! ## Safety
//!
//! The solve is warm-started from `dag`'s choice and bounded by a time
//! limit. Whatever CBC returns is turned into a [`Choice`], pruned and
//! checked; if it fails the check, or costs more than `dag`'s choice (a
//! time-out with a poor incumbent), `dag`'s choice is returned instead. Ties
//! also go to `dag`, whose tie-breaking keeps the program's original forms.
//! So `exact` is never wrong, and never worse than `dag`.
//!
//! CBC's preprocessing (`CglPreProcess`) is off: with it, CBC 2.10.8
//! crashed when its time limit struck at the wrong moment and returned
//! non-solutions after warm starts. A warm-started answer that is still no
//! solution is solved again without the warm start.

use super::dag::DagExtractor;
use super::{Choice, Extractor, NodeCosts, Problem};
use crate::graph::{ClassId, ExtractionGraph, NodeId};
use cbc_src as _;
use coin_cbc::{Col, Model, Sense};
use std::time::Duration;

/// Graphs with more candidate nodes than this (after pre-solve) skip the
/// MILP and return `dag`'s choice. The largest extraction-gym file we read
/// (egg/lambda_fib) has about 20,000 candidate nodes after pre-solve; a
/// 100,000-instruction CLIF function would build a model CBC cannot
/// finish within any useful time limit.
pub const MAX_MODEL_NODES: usize = 100_000;

/// See the module documentation.
#[derive(Clone, Debug)]
pub struct ExactExtractor {
    /// CBC's time limit per problem. The ILP column of extraction-gym's
    /// `REFERENCE.csv` used CBC with 10 s.
    pub time_limit: Duration,
    /// See [`MAX_MODEL_NODES`].
    pub max_model_nodes: usize,
    /// Fall back on the potential formulation when the lazy cuts have not
    /// converged in half the time limit. Off by default: with it, CBC 2.10.8
    /// (Debian's) crashed with SIGSEGV or returned ill-formed answers in our
    /// test runs under load, which a compiler pass cannot afford. Without
    /// it, the lazy phase gets the whole limit and a time-out returns
    /// `dag`'s choice.
    pub potentials: bool,
}

impl Default for ExactExtractor {
    fn default() -> Self {
        ExactExtractor {
            time_limit: Duration::from_secs(10),
            max_model_nodes: MAX_MODEL_NODES,
            potentials: false,
        }
    }
}

/// What the MILP run did, for reports and tests.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The model was too large; `dag`'s choice was returned.
    TooLarge,
    /// The roots have no acyclic choice among the pre-solved nodes (cannot
    /// happen for a graph that `dag` can solve); `dag`'s choice returned.
    NoModel,
    /// CBC's answer was missing or ill formed; `dag`'s choice returned.
    SolverFailed,
    /// The lazy cuts did not converge within the time limit (and the
    /// potential formulation is off); `dag`'s choice returned.
    TimedOut,
    /// CBC's answer was well formed; `proven` says whether CBC proved it
    /// optimal within the time limit.
    Solved {
        /// Proven optimal.
        proven: bool,
    },
}

/// The reduced problem: which nodes and classes enter the model.
struct Reduced {
    /// Per node: may be chosen.
    keep: Vec<bool>,
    /// Classes reachable from the roots through kept nodes, in discovery
    /// order.
    classes: Vec<ClassId>,
    /// Per class: strongly connected component id (among `classes`).
    scc: Vec<u32>,
    /// Size of each component.
    scc_size: Vec<u32>,
}

fn presolve(graph: &ExtractionGraph, costs: &NodeCosts) -> Option<Reduced> {
    let nc = graph.num_classes();
    let mut keep: Vec<bool> = (0..graph.num_nodes() as u32)
        .map(NodeId)
        .map(|n| !graph.children(n).contains(&graph.class_of(n)))
        .collect();
    // Resolvable classes, bottom-up: a node is usable once all its child
    // classes are resolvable. Nodes never reaching that are dropped.
    let mut usable = vec![false; graph.num_nodes()];
    let mut resolved = vec![false; nc];
    for n in super::resolvable_nodes(graph, |n| keep[n.index()]) {
        usable[n.index()] = true;
        resolved[graph.class_of(n).index()] = true;
    }
    for (k, &u) in keep.iter_mut().zip(&usable) {
        *k &= u;
    }
    // Dominated nodes: when no cost is negative, node `a` makes node `b` of
    // the same class redundant if it costs no more and needs a subset of
    // `b`'s child classes (any choice using `b` stays well formed and no
    // dearer with `a` instead). Equal nodes keep the first. Pairwise within
    // a class, so classes larger than this are left alone.
    const MAX_PAIRWISE: usize = 64;
    let nonnegative = (0..graph.num_nodes() as u32).all(|n| costs.get(NodeId(n)) >= 0.0);
    if nonnegative {
        for c in graph.classes() {
            let kept: Vec<NodeId> = graph.nodes(c).filter(|n| keep[n.index()]).collect();
            if kept.len() < 2 || kept.len() > MAX_PAIRWISE {
                continue;
            }
            let sets: Vec<Vec<ClassId>> = kept
                .iter()
                .map(|&n| {
                    let mut v = graph.children(n).to_vec();
                    v.sort();
                    v.dedup();
                    v
                })
                .collect();
            let subset =
                |a: &[ClassId], b: &[ClassId]| a.iter().all(|k| b.binary_search(k).is_ok());
            for (j, &b) in kept.iter().enumerate() {
                let dominated = kept.iter().enumerate().any(|(i, &a)| {
                    i != j
                        && keep[a.index()]
                        && costs.get(a) <= costs.get(b)
                        && subset(&sets[i], &sets[j])
                        && (costs.get(a) < costs.get(b) || sets[i].len() < sets[j].len() || i < j)
                });
                if dominated {
                    keep[b.index()] = false;
                }
            }
        }
    }
    if graph.roots.iter().any(|r| !resolved[r.index()]) {
        return None;
    }
    // Reachable classes through kept nodes.
    let mut seen = vec![false; nc];
    let mut classes = Vec::new();
    let mut stack: Vec<ClassId> = graph.roots.clone();
    while let Some(c) = stack.pop() {
        if std::mem::replace(&mut seen[c.index()], true) {
            continue;
        }
        classes.push(c);
        for n in graph.nodes(c).filter(|n| keep[n.index()]) {
            stack.extend(graph.children(n).iter().filter(|k| !seen[k.index()]));
        }
    }
    let (scc, scc_size) = components(graph, &keep, &classes);
    Some(Reduced {
        keep,
        classes,
        scc,
        scc_size,
    })
}

/// Strongly connected components of the class graph (an edge from a class
/// to each child class of each kept node), by an iterative Tarjan.
fn components(graph: &ExtractionGraph, keep: &[bool], classes: &[ClassId]) -> (Vec<u32>, Vec<u32>) {
    const NONE: u32 = u32::MAX;
    let nc = graph.num_classes();
    let succ = |c: ClassId| -> Vec<ClassId> {
        let mut v: Vec<ClassId> = graph
            .nodes(c)
            .filter(|n| keep[n.index()])
            .flat_map(|n| graph.children(n).iter().copied())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut index = vec![NONE; nc];
    let mut low = vec![0u32; nc];
    let mut on_stack = vec![false; nc];
    let mut comp = vec![NONE; nc];
    let mut sizes: Vec<u32> = Vec::new();
    let mut tarjan: Vec<ClassId> = Vec::new();
    let mut next = 0u32;
    for &start in classes {
        if index[start.index()] != NONE {
            continue;
        }
        // Frames: (class, its successors, next successor to visit).
        let mut frames: Vec<(ClassId, Vec<ClassId>, usize)> = Vec::new();
        index[start.index()] = next;
        low[start.index()] = next;
        next += 1;
        tarjan.push(start);
        on_stack[start.index()] = true;
        frames.push((start, succ(start), 0));
        while let Some(frame) = frames.last_mut() {
            let c = frame.0;
            if frame.2 < frame.1.len() {
                let k = frame.1[frame.2];
                frame.2 += 1;
                if index[k.index()] == NONE {
                    index[k.index()] = next;
                    low[k.index()] = next;
                    next += 1;
                    tarjan.push(k);
                    on_stack[k.index()] = true;
                    frames.push((k, succ(k), 0));
                } else if on_stack[k.index()] {
                    low[c.index()] = low[c.index()].min(index[k.index()]);
                }
                continue;
            }
            frames.pop();
            if let Some(parent) = frames.last() {
                let p = parent.0;
                low[p.index()] = low[p.index()].min(low[c.index()]);
            }
            if low[c.index()] == index[c.index()] {
                let id = sizes.len() as u32;
                let mut size = 0;
                loop {
                    let m = tarjan.pop().expect("c is on the stack");
                    on_stack[m.index()] = false;
                    comp[m.index()] = id;
                    size += 1;
                    if m == c {
                        break;
                    }
                }
                sizes.push(size);
            }
        }
    }
    (comp, sizes)
}

/// A cycle cut: nodes of which at most (number of classes on the cycle) − 1
/// may be chosen together; see [`class_cycle_cut`].
struct Cut {
    nodes: Vec<NodeId>,
    classes: usize,
}

/// The model's columns.
struct Columns {
    x: Vec<Option<Col>>,
    t: Vec<Option<Col>>,
}

/// Build the MILP. With `potentials`, acyclicity is enforced exactly; without,
/// only by `cuts` (the lazy phase).
fn build(
    graph: &ExtractionGraph,
    costs: &NodeCosts,
    red: &Reduced,
    cuts: &[Cut],
    potentials: bool,
    seconds: f64,
) -> (Model, Columns) {
    let mut model = Model::default();
    // CBC prints nothing on stdout at log level 0; `regpress gym` and the
    // CLI's JSON output depend on that.
    model.set_log_level(0);
    model.set_parameter("log", "0");
    model.set_parameter("slog", "0");
    // Wall-clock, not CPU time: the limit is a promise about latency.
    model.set_parameter("timeMode", "elapsed");
    model.set_parameter("sec", &format!("{:.3}", seconds.max(0.01)));
    // No CglPreProcess. With it, CBC 2.10.8 (Debian's) crashed with SIGSEGV
    // in `CglPreProcess::postProcess` when the time limit interrupted one
    // model of the `jit` suite (a 7,291-node kernel graph under
    // `default+reassoc`; 6 crashes in 6 runs, none in 3 runs without it),
    // and it returned ill-formed columns (a chosen node's child class
    // unchosen) after a warm start on 20 of 300 generated problems of at
    // most 200 model nodes, against 1 of the same 300 without it.
    model.set_parameter("preprocess", "off");
    model.set_obj_sense(Sense::Minimize);

    let mut x: Vec<Option<Col>> = vec![None; graph.num_nodes()];
    for &c in &red.classes {
        for n in graph.nodes(c).filter(|n| red.keep[n.index()]) {
            let col = model.add_binary();
            model.set_obj_coeff(col, costs.get(n));
            x[n.index()] = Some(col);
        }
    }
    let mut is_root = vec![false; graph.num_classes()];
    for r in &graph.roots {
        is_root[r.index()] = true;
    }
    let members =
        |c: ClassId| -> Vec<Col> { graph.nodes(c).filter_map(|n| x[n.index()]).collect() };
    // One node per class (exactly one for roots).
    for &c in &red.classes {
        let row = model.add_row();
        for col in members(c) {
            model.set_weight(row, col, 1.0);
        }
        if is_root[c.index()] {
            model.set_row_equal(row, 1.0);
        } else {
            model.set_row_upper(row, 1.0);
        }
    }
    let mut t: Vec<Option<Col>> = vec![None; graph.num_classes()];
    if potentials {
        for &c in &red.classes {
            let size = red.scc_size[red.scc[c.index()] as usize];
            if size > 1 {
                let col = model.add_col();
                model.set_col_lower(col, 0.0);
                model.set_col_upper(col, f64::from(size - 1));
                t[c.index()] = Some(col);
            }
        }
    }
    for &c in &red.classes {
        for n in graph.nodes(c).filter(|n| red.keep[n.index()]) {
            let xn = x[n.index()].expect("kept nodes of model classes have columns");
            let mut kids = graph.children(n).to_vec();
            kids.sort();
            kids.dedup();
            for k in kids {
                // A chosen node needs its child class: x_n - Σ x_m ≤ 0.
                let row = model.add_row();
                model.set_weight(row, xn, 1.0);
                for col in members(k) {
                    model.set_weight(row, col, -1.0);
                }
                model.set_row_upper(row, 0.0);
                if potentials && red.scc[c.index()] == red.scc[k.index()] {
                    // t_c - t_k - M x_n ≥ 1 - M, M the component's size.
                    let m = f64::from(red.scc_size[red.scc[c.index()] as usize]);
                    let (tc, tk) = (t[c.index()].unwrap(), t[k.index()].unwrap());
                    let row = model.add_row();
                    model.set_weight(row, tc, 1.0);
                    model.set_weight(row, tk, -1.0);
                    model.set_weight(row, xn, -m);
                    model.set_row_lower(row, 1.0 - m);
                }
            }
        }
    }
    for cut in cuts {
        let row = model.add_row();
        for n in &cut.nodes {
            model.set_weight(row, x[n.index()].unwrap(), 1.0);
        }
        model.set_row_upper(row, cut.classes as f64 - 1.0);
    }
    (model, Columns { x, t })
}

/// The cut of a cycle of classes `ring[0] → ring[1] → … → ring[0]`: every
/// kept node of `ring[i]` with a child in `ring[i+1]`. At most one node per
/// class is chosen, so choosing one such node in every class of the ring
/// closes a cycle: at most `ring.len() - 1` of them may be chosen. This is
/// stronger than forbidding only the nodes the solver happened to choose,
/// and so needs far fewer rounds.
fn class_cycle_cut(graph: &ExtractionGraph, keep: &[bool], ring: &[ClassId]) -> Cut {
    let mut nodes = Vec::new();
    for (i, &c) in ring.iter().enumerate() {
        let next = ring[(i + 1) % ring.len()];
        nodes.extend(
            graph
                .nodes(c)
                .filter(|n| keep[n.index()] && graph.children(*n).contains(&next)),
        );
    }
    Cut {
        nodes,
        classes: ring.len(),
    }
}

/// The cycles reachable from the roots through the nodes chosen in `sel`
/// (one per class at most), each as its chosen nodes. A depth-first search
/// reports the cycle closed by each back edge it meets.
fn cycles(graph: &ExtractionGraph, keep: &[bool], sel: &[Option<NodeId>]) -> Vec<Cut> {
    #[derive(Copy, Clone, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut mark = vec![Mark::New; graph.num_classes()];
    let mut found = Vec::new();
    for &root in &graph.roots {
        if mark[root.index()] != Mark::New || sel[root.index()].is_none() {
            continue;
        }
        // Path of (class, next child index).
        let mut path: Vec<(ClassId, usize)> = vec![(root, 0)];
        mark[root.index()] = Mark::Open;
        while let Some(&mut (c, ref mut i)) = path.last_mut() {
            let n = sel[c.index()].expect("classes on the path are chosen");
            let kids = graph.children(n);
            if *i == kids.len() {
                mark[c.index()] = Mark::Done;
                path.pop();
                continue;
            }
            let k = kids[*i];
            *i += 1;
            match mark[k.index()] {
                Mark::Done => {}
                Mark::Open => {
                    let from = path
                        .iter()
                        .position(|&(p, _)| p == k)
                        .expect("open is on path");
                    let ring: Vec<ClassId> = path[from..].iter().map(|&(p, _)| p).collect();
                    found.push(class_cycle_cut(graph, keep, &ring));
                }
                Mark::New => {
                    if sel[k.index()].is_some() {
                        mark[k.index()] = Mark::Open;
                        path.push((k, 0));
                    }
                }
            }
        }
    }
    found
}

impl ExactExtractor {
    /// Extract, and say what the MILP run did.
    ///
    /// Two phases share the time limit. First, lazily: solve without any
    /// acyclicity constraint, and while the optimum has cycles, forbid each
    /// cycle found (a cut) and solve again. On e-graphs whose cheapest
    /// choice is almost acyclic this converges in a few rounds with a tight
    /// LP relaxation. With [`ExactExtractor::potentials`], if it has not
    /// converged within half the limit, the exact potential formulation
    /// (plus the cuts found so far) gets the
    /// rest of the time.
    pub fn extract_with_outcome(&self, problem: &Problem) -> (Choice, Outcome) {
        let graph = problem.graph;
        let costs = problem.costs;
        let mut spent = Duration::ZERO;
        let limit = self.time_limit.as_secs_f64();
        let dag = DagExtractor.extract(problem);
        let dag_ok = dag.check(graph).is_ok();
        let Some(red) = presolve(graph, costs) else {
            return (dag, Outcome::NoModel);
        };
        let model_nodes: usize = red
            .classes
            .iter()
            .map(|&c| graph.nodes(c).filter(|n| red.keep[n.index()]).count())
            .sum();
        if model_nodes > self.max_model_nodes {
            return (dag, Outcome::TooLarge);
        }
        let mut cuts: Vec<Cut> = Vec::new();
        let mut result: Option<(Choice, bool)> = None;
        // Lazy phase.
        loop {
            let share = if self.potentials { 0.5 } else { 1.0 };
            // Only time spent inside CBC counts: waiting for the CBC lock
            // while another thread solves must not eat this problem's limit.
            let left = limit * share - spent.as_secs_f64();
            if left <= 0.0 {
                break;
            }
            let (mut model, cols) = build(graph, costs, &red, &cuts, false, left);
            let warm = dag_ok && warm_start(graph, &red, &dag, &cols, &mut model);
            let (mut sel, mut proven, took) = solve(graph, &red, &cols, &model);
            spent += took;
            if warm && proven && !covers(graph, &sel) {
                // CBC 2.10 can report a warm-started model solved and yet
                // hand back columns that are no solution (all zero, or a
                // chosen node's child class unchosen), seemingly when
                // nothing beats the warm start. Solve the same model again
                // without it rather than guess.
                if std::env::var_os("EXACT_DEBUG").is_some() {
                    eprintln!("exact: ill-formed warm-started answer; solving again cold");
                }
                let left = limit * share - spent.as_secs_f64();
                if left <= 0.0 {
                    break;
                }
                let (model, cols) = build(graph, costs, &red, &cuts, false, left);
                let took;
                (sel, proven, took) = solve(graph, &red, &cols, &model);
                spent += took;
            }
            if !proven {
                // Out of time (or infeasible, which a warm start rules out):
                // the relaxation's answer proves nothing.
                break;
            }
            let found = cycles(graph, &red.keep, &sel);
            if found.is_empty() {
                result = Some((choice_of(graph, &sel), true));
                break;
            }
            cuts.extend(found);
        }
        // Exact phase.
        if result.is_none() && !self.potentials {
            return (dag, Outcome::TimedOut);
        }
        if result.is_none() {
            let left = (limit - spent.as_secs_f64()).max(0.5);
            let (mut model, cols) = build(graph, costs, &red, &cuts, true, left);
            if dag_ok {
                warm_start(graph, &red, &dag, &cols, &mut model);
            }
            let (sel, proven, _) = solve(graph, &red, &cols, &model);
            result = Some((choice_of(graph, &sel), proven));
        }
        let (choice, proven) = result.expect("the exact phase always answers");
        if let Err(e) = choice.check(graph) {
            if std::env::var_os("EXACT_DEBUG").is_some() {
                eprintln!("exact: {e}");
            }
            return (dag, Outcome::SolverFailed);
        }
        if dag_ok {
            let ours = crate::gym::dag_cost(graph, costs, &choice);
            let theirs = crate::gym::dag_cost(graph, costs, &dag);
            if ours >= theirs - 1e-9 * theirs.abs().max(1.0) {
                return (dag, Outcome::Solved { proven });
            }
        }
        (choice, Outcome::Solved { proven })
    }
}

/// CBC's C interface is not safe to use from several threads at once, even
/// on separate models (`coin_cbc` serialises only the solve itself; we saw
/// crashes and garbage answers with two models built in parallel). Every
/// use of CBC, from building the raw model to freeing it, holds this lock.
static CBC: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Solve `model`: the node each model class chose, whether CBC proved it
/// optimal, and the time spent holding the CBC lock.
fn solve(
    graph: &ExtractionGraph,
    red: &Reduced,
    cols: &Columns,
    model: &Model,
) -> (Vec<Option<NodeId>>, bool, Duration) {
    let _guard = CBC.lock().unwrap_or_else(|e| e.into_inner());
    let t = std::time::Instant::now();
    let solution = model.solve();
    let proven = solution.raw().is_proven_optimal();
    (selected(graph, red, cols, &solution), proven, t.elapsed())
}

/// The node each model class chose in a solution, if any.
fn selected(
    graph: &ExtractionGraph,
    red: &Reduced,
    cols: &Columns,
    solution: &coin_cbc::Solution,
) -> Vec<Option<NodeId>> {
    let mut sel = vec![None; graph.num_classes()];
    for &c in &red.classes {
        sel[c.index()] = graph
            .nodes(c)
            .find(|n| cols.x[n.index()].is_some_and(|col| solution.col(col) > 0.5));
    }
    sel
}

/// A pruned choice from a selection (not checked).
fn choice_of(graph: &ExtractionGraph, sel: &[Option<NodeId>]) -> Choice {
    let mut choice = Choice::new(graph);
    for (c, n) in sel.iter().enumerate() {
        if let Some(n) = n {
            choice.set(ClassId(c as u32), *n);
        }
    }
    choice.prune(graph);
    choice
}

/// Give CBC `dag`'s choice as its first incumbent. Classes fixed by
/// pre-solve take their fixed node (no more expensive than `dag`'s); the
/// potentials are ranks in a topological order of the chosen classes. If
/// the adjusted choice is not well formed, no warm start is given. Returns
/// whether one was given.
fn warm_start(
    graph: &ExtractionGraph,
    red: &Reduced,
    dag: &Choice,
    cols: &Columns,
    model: &mut Model,
) -> bool {
    let mut start = dag.clone();
    for &c in &red.classes {
        if let Some(n) = start.get(c) {
            if !red.keep[n.index()] {
                match graph.nodes(c).find(|m| red.keep[m.index()]) {
                    Some(m) => start.set(c, m),
                    None => return false,
                }
            }
        }
    }
    start.prune(graph);
    if start.check(graph).is_err() {
        return false;
    }
    let order = start.topo_order(graph);
    if order
        .iter()
        .any(|c| cols.x[start.get(*c).unwrap().index()].is_none())
    {
        return false;
    }
    for &c in &order {
        let n = start.get(c).expect("ordered classes are chosen");
        model.set_col_initial_solution(cols.x[n.index()].unwrap(), 1.0);
    }
    // Potentials: rank among the chosen classes of the same component,
    // children first; unchosen classes keep 0, which every slack row allows.
    let mut count: Vec<u32> = vec![0; red.scc_size.len()];
    for &c in &order {
        if let Some(tc) = cols.t[c.index()] {
            let s = red.scc[c.index()] as usize;
            model.set_col_initial_solution(tc, f64::from(count[s]));
            count[s] += 1;
        }
    }
    true
}

/// Whether a selection is a solution of the model without acyclicity: every
/// root chosen, and every child class of a chosen node reachable from the
/// roots chosen too (cycles allowed; the lazy phase cuts those).
fn covers(graph: &ExtractionGraph, sel: &[Option<NodeId>]) -> bool {
    let mut seen = vec![false; graph.num_classes()];
    let mut stack: Vec<ClassId> = graph.roots.clone();
    while let Some(c) = stack.pop() {
        if std::mem::replace(&mut seen[c.index()], true) {
            continue;
        }
        let Some(n) = sel[c.index()] else {
            return false;
        };
        stack.extend(graph.children(n).iter().copied());
    }
    true
}

impl Extractor for ExactExtractor {
    fn name(&self) -> &'static str {
        "exact"
    }

    fn extract(&self, problem: &Problem) -> Choice {
        self.extract_with_outcome(problem).0
    }
}
