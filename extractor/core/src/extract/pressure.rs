//! `pressure`: amortised reuse, then placement against register pressure.
//!
//! Counting a shared value once (`dag`) is the right objective for the
//! *number* of computations, but it is blind to the other half of the cost:
//! a value computed once and reused far away occupies a register all the way
//! there. In Cranelift's pipeline that distance is made by elaboration, not
//! by the choice of nodes: scoped GVN reuses a value in every dominated
//! block, and LICM hoists loop invariants into the preheader, where they stay
//! live for the whole loop. On the wasm corpus, `opt_level=none` (no GVN, no
//! LICM) spills 23% less than `speed` on the same code.
//!
//! So this extractor decides two things:
//!
//! 1. **Which node** computes each class: `dag`'s choice (the problem's
//!    costs, shared values paid once, ties to the original form), except
//!    that where many classes tie between forms it may take the rewritten
//!    forms, and where values are hot it may go back to the form the
//!    program had (rewrites such as reassociation keep the cost and move
//!    the live ranges).
//! 2. **Where** cheap classes are placed: Cranelift's placement (reuse,
//!    hoist), or [`Placement::Local`] (recompute in each using block and
//!    after each call, never hoist).
//!
//! The objective is expected cycles, weighted by block frequency
//! (`4^loop depth`, regalloc2's own weight): the cost-model cost of every
//! instruction elaboration emits, plus the expected spill and reload cost
//! of the resulting register pressure ([`Pressure::spill_cost`]: capacity
//! excess per block and per class, and values live across calls beyond the
//! callee-saved registers).
//!
//! It is measured, not guessed: the base choice is elaborated (into a
//! [`Schedule`], the same instructions the pipeline's CLIF will have) and
//! liveness runs on the result ([`Pressure`]). The moves: first, where
//! many classes tie between different forms, `dag`'s extraction with ties
//! to the newest node (Cranelift's rule) instead of the oldest, if the
//! objective prefers it; then, at each call with more values across it
//! than the callee-saved registers hold, the cheapest values to recompute
//! from operands available anyway are candidates to become local, and the
//! relief model (`extract/relief.rs`) decides which: from the base's
//! schedule and liveness alone, it predicts which values regalloc2 would
//! spill at each call (the cheapest to spill, which are often not the
//! candidates), what relieving a set of candidates saves there, and what
//! their recomputation and its operands cost. The best prefix of the
//! candidates, ranked by what each is predicted to change alone, is kept
//! if its prediction is a gain ([`Explained::relief`]).
//! Then, where many hot values (live where the target runs out of
//! registers) chose a re-expression, they go back to their original forms,
//! kept only if a measurement says so. A limit on graph size bounds the
//! time;
//! hitting it leaves `dag`'s placement, which is always correct.

use super::dag::{self, TiedChoice, Ties};
pub use super::relief::ReliefPrediction;
use super::relief::{Base, ReliefModel, Scan};
use super::{Choice, Extractor, Placement, Problem, TargetCosts};
use crate::elaborate::Elaboration;
use crate::graph::{ClassId, ExtractionGraph, NodeId, NodeKind};
use crate::liveness::{reg_class, Flow, Pressure};
use crate::schedule::Schedule;
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::{Opcode, Value};
use fixedbitset::FixedBitSet;
use regpress_cost_model::RegClass;
use regpress_cost_model::{block_frequency, Target};

pub use crate::tunables::{CHEAP, FORM_TIES_MIN, FORM_TIES_SHARE, NODE_LIMIT, ORIGINAL_FORMS_MIN};

/// See the module documentation.
pub struct PressureExtractor;

/// One evaluated decision.
struct Evaluation {
    /// The expected spill and reload cycles ([`Pressure::spill_cost`]).
    spill: f64,
    /// Per class: the frequency-weighted number of times elaboration
    /// computes it. The objective's instruction part is the sum of each
    /// class's node cost times this; comparisons need the costs only of
    /// the classes where two evaluations differ.
    weight: Vec<f64>,
    pressure: Pressure,
    /// The first value elaboration created (the skeleton's come before).
    base: usize,
    /// For each value elaboration created (indexed from `base`): the class
    /// it computes and the frequency of the block it is computed in.
    class_of: Vec<(ClassId, f64)>,
    /// The elaborated instructions.
    schedule: Schedule,
    /// Classes the target's lowering folds into every user ([`folded`]):
    /// they cost no instruction of their own.
    folded: FixedBitSet,
}

impl Evaluation {
    /// The class and block frequency of a value elaboration created.
    fn class_of(&self, v: usize) -> Option<(ClassId, f64)> {
        self.class_of.get(v.checked_sub(self.base)?).copied()
    }
}

/// What stays fixed while placements change: the skeleton's control flow.
/// Elaboration adds no blocks, so the skeleton's CFG and loops are the
/// elaborated function's, and one [`Elaboration`] and [`Flow`] serve every
/// evaluation.
struct Context<'a> {
    problem: &'a Problem<'a>,
    /// The target's cost of each node (the objective's instruction part).
    costs: TargetCosts<'a>,
    target: Target,
    elaboration: Elaboration<'a>,
    flow: Flow,
}

impl Context<'_> {
    fn evaluate(&self, choice: &Choice) -> Option<Evaluation> {
        let schedule = self.elaboration.schedule(choice).ok()?;
        let pressure = Pressure::analyze_schedule(&schedule, &self.flow, self.target);
        let base = self.elaboration.skeleton().dfg.num_values();
        let mut class_of = vec![(ClassId(0), 0.0); schedule.num_values() - base];
        for sb in schedule.blocks() {
            let freq = block_frequency(self.flow.depth(sb.block)) as f64;
            for i in sb.insts.clone() {
                if let (Some(c), &[v]) = (schedule.class(i), schedule.defs(i)) {
                    class_of[v.index() - base] = (c, freq);
                }
            }
        }
        let mut weight = vec![0.0; self.problem.graph.num_classes()];
        for &(c, freq) in &class_of {
            weight[c.index()] += freq;
        }
        Some(Evaluation {
            spill: pressure.spill_cost(self.target),
            weight,
            pressure,
            base,
            class_of,
            schedule,
            folded: folded(self.problem.graph, &self.costs, self.target, choice),
        })
    }

    /// Whether choice `a` (evaluated as `ea`) has a lower objective than
    /// `b` (evaluated as `eb`): expected spill cycles plus, per class, its
    /// node's cost times how often it is computed. Classes computed as
    /// often, by the same node, cancel; only the others are costed.
    fn better(&self, a: &Choice, ea: &Evaluation, b: &Choice, eb: &Evaluation) -> bool {
        let (delta, scale) = self.delta(a, ea, b, eb);
        delta < -1e-9 * scale.max(1.0)
    }

    /// The objective of `a` minus that of `b`, and the size of `b`'s
    /// objective without node costs (a scale for comparisons).
    fn delta(&self, a: &Choice, ea: &Evaluation, b: &Choice, eb: &Evaluation) -> (f64, f64) {
        let mut delta = ea.spill - eb.spill;
        let mut scale = eb.spill;
        for c in self.problem.graph.classes() {
            let (wa, wb) = (ea.weight[c.index()], eb.weight[c.index()]);
            scale += wb;
            let (na, nb) = (a.get(c), b.get(c));
            let (fa, fb) = (ea.folded.contains(c.index()), eb.folded.contains(c.index()));
            if wa == wb && na == nb && fa == fb {
                continue;
            }
            let cost = |n: Option<NodeId>, folded: bool| match n {
                Some(n) if !folded => self.costs.get(n),
                _ => 0.0,
            };
            delta += cost(na, fa) * wa - cost(nb, fb) * wb;
        }
        (delta, scale)
    }

    /// The relief of `candidates` worth taking, by [`ReliefModel`]'s
    /// prediction from `eval` (the evaluation of `choice`), with the
    /// batch's prediction: the candidates ranked by what each is predicted
    /// to change alone, and the prefix of that ranking predicted to gain
    /// most. `None` if no prefix gains.
    fn relieve(
        &self,
        choice: &Choice,
        eval: &Evaluation,
        candidates: &[ClassId],
    ) -> Option<(Choice, ReliefPrediction)> {
        let model = self.relief_model(eval, candidates);
        let cost = |c: ClassId| match choice.get(c) {
            Some(n) if !eval.folded.contains(c.index()) => self.costs.get(n),
            _ => 0.0,
        };
        // Candidates in order of what each is predicted to change on its
        // own, then the prefix of that order with the best prediction. A
        // prefix, not only the candidates that pay alone: relieved values
        // that share an operand (the values a function computes from one
        // parameter) pay once between them for keeping it live across the
        // call, which none of them pays for alone.
        let mut scan = Scan::new(&model);
        let mut alone: Vec<(f64, usize)> = (0..model.len())
            .map(|k| {
                scan.clear();
                (scan.push(k, &cost).total(), k)
            })
            .collect();
        alone.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let order: Vec<usize> = alone.iter().map(|a| a.1).collect();
        let mut kept = ReliefPrediction::default();
        let mut len = 0;
        scan.clear();
        for (n, &k) in order.iter().enumerate() {
            let p = scan.push(k, &cost);
            if p.total() < kept.total() {
                kept = p;
                len = n + 1;
            }
        }
        let take = &order[..len];
        if take.is_empty() {
            return None;
        }
        let mut trial = choice.clone();
        for &k in take {
            self.make_local(&mut trial, model.class(k));
        }
        Some((trial, kept))
    }

    /// [`ReliefModel`] of the choice evaluated as `eval`, for `candidates`.
    fn relief_model(&self, eval: &Evaluation, candidates: &[ClassId]) -> ReliefModel {
        let class_of = |v: Value| eval.class_of(v.index()).map(|(c, _)| c);
        ReliefModel::new(
            &Base {
                schedule: &eval.schedule,
                pressure: &eval.pressure,
                flow: &self.flow,
                target: self.target,
                class_of: &class_of,
                weight: &eval.weight,
            },
            candidates,
        )
    }

    /// Classes worth making local: at each call with `e` more values live
    /// across it than the callee-saved registers hold, the `e` cheapest
    /// recomputable values of that register class. Recomputing them after
    /// the call lets everything else stay in registers.
    ///
    /// Why not share the excess out: with six values across a call and five
    /// registers, an even share charges each a sixth of one spill and
    /// reload, less than any recomputation costs, yet recomputing any one
    /// of them removes the spill. (An even share of capacity excess was an
    /// earlier rule; git history has what each rule measured.)
    fn candidates(&self, choice: &Choice, eval: &Evaluation) -> Vec<ClassId> {
        let graph = self.problem.graph;
        let mut out = Vec::new();
        let mut options: Vec<(f64, ClassId)> = Vec::new();
        for crossing in &eval.pressure.crossings {
            for class in [RegClass::Int, RegClass::Float] {
                let e = crossing.excess.get(class) as usize;
                if e == 0 {
                    continue;
                }
                options.clear();
                for &v in eval.pressure.crossing_values(crossing) {
                    let Some((c, freq)) = eval.class_of(v.index()) else {
                        continue;
                    };
                    if reg_class(graph.class_type(c)).0 != class
                        || choice.placement(c) != Placement::Cranelift
                        || !self.recomputable(graph, choice, c)
                    {
                        continue;
                    }
                    let Some(n) = choice.get(c) else { continue };
                    options.push((freq * self.costs.get(n), c));
                }
                options.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                options.dedup_by_key(|o| o.1);
                out.extend(options.iter().take(e).map(|o| o.1));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The current choice with every hot class that chose a rewritten node
    /// put back to its oldest node (the form the program had; see
    /// `dag`'s ties), operands filled in the same way where they were not
    /// chosen. `None` if fewer than `min` classes go back, or the result is
    /// ill-formed.
    fn original_forms(&self, choice: &Choice, eval: &Evaluation, min: usize) -> Option<Choice> {
        let graph = self.problem.graph;
        let mut trial = choice.clone();
        // Hot classes put back to their original form.
        let mut back = 0usize;
        let mut stack: Vec<ClassId> = Vec::new();
        for v in eval.pressure.hot.ones() {
            let Some((c, _)) = eval.class_of(v) else {
                continue;
            };
            if let Some(old) = re_expressed_original(graph, &trial, c) {
                trial.set(c, old);
                back += 1;
                stack.extend(graph.children(old));
            }
        }
        if back < min.max(1) {
            return None;
        }
        while let Some(k) = stack.pop() {
            if trial.get(k).is_none() {
                let old = oldest(graph, k)?;
                trial.set(k, old);
                stack.extend(graph.children(old));
            }
        }
        trial.prune(graph);
        trial.check(graph).ok()?;
        // Going back must not compute more: the forms this move is for
        // (reassociation, De Morgan) cost the same, and the trial would
        // otherwise be an elaboration spent on undoing simplifications.
        let cost = |c: &Choice| -> f64 {
            graph
                .classes()
                .filter_map(|k| c.get(k))
                .map(|n| self.problem.costs.get(n))
                .sum()
        };
        if cost(&trial) > cost(choice) {
            return None;
        }
        Some(trial)
    }

    /// Make `c` local, with its constant operands: a constant left in
    /// Cranelift's placement is computed once per block and reused, so it
    /// would stay live across the very calls its user is recomputed after.
    fn make_local(&self, choice: &mut Choice, c: ClassId) {
        choice.set_placement(c, Placement::Local);
        let graph = self.problem.graph;
        if let Some(n) = choice.get(c) {
            for &k in graph.children(n) {
                if graph.class_const(k).is_some()
                    && choice
                        .get(k)
                        .is_some_and(|m| matches!(graph.info(m).kind, NodeKind::Inst(_)))
                {
                    choice.set_placement(k, Placement::Local);
                }
            }
        }
    }

    fn recomputable(&self, graph: &ExtractionGraph, choice: &Choice, c: ClassId) -> bool {
        let Some(n) = choice.get(c) else {
            return false;
        };
        if !matches!(graph.info(n).kind, NodeKind::Inst(_)) || self.costs.get(n) > CHEAP {
            return false;
        }
        graph.children(n).iter().all(|&k| {
            graph.class_const(k).is_some()
                || choice.placement(k) == Placement::Local
                || choice
                    .get(k)
                    .is_some_and(|m| graph.info(m).kind == NodeKind::Live)
        })
    }
}

/// Whether node `now` re-expresses node `old` in the same algebra (the
/// same opcode with other operands, as reassociation and commutation give,
/// or another bitwise or additive operation, as De Morgan and negation
/// give). Only such rewrites keep the instruction count and move live
/// ranges; the others the rules make are simplifications (constant folding,
/// narrowing, min/max for select), and going back on them costs
/// instructions for nothing. On the wasm corpus under the default rules,
/// nine in ten hot classes with a rewritten node were simplifications.
/// The oldest node of class `c`: the form the program had (see `dag`'s
/// ties).
fn oldest(graph: &ExtractionGraph, c: ClassId) -> Option<NodeId> {
    graph.nodes(c).min_by_key(|&n| graph.info(n).born)
}

/// The original form of class `c`, if `choice` computes `c` with a node
/// that re-expresses it ([`re_expression`]) rather than with it.
fn re_expressed_original(graph: &ExtractionGraph, choice: &Choice, c: ClassId) -> Option<NodeId> {
    let now = choice.get(c)?;
    let old = oldest(graph, c)?;
    (now != old && re_expression(graph, now, old)).then_some(old)
}

fn re_expression(graph: &ExtractionGraph, now: NodeId, old: NodeId) -> bool {
    let (NodeKind::Inst(a), NodeKind::Inst(b)) = (graph.info(now).kind, graph.info(old).kind)
    else {
        return false;
    };
    let family = |op: Opcode| match op {
        Opcode::Band | Opcode::Bor | Opcode::Bxor | Opcode::Bnot => 1,
        Opcode::Iadd | Opcode::Isub | Opcode::Ineg => 2,
        _ => 0,
    };
    a == b || (family(a) != 0 && family(a) == family(b))
}

/// The classes of `choice` that the target's lowering folds into every
/// user, so that they emit no instruction of their own: `band x (bnot y)`
/// is one `bic` on AArch64, `iadd x (ishl y 2)` one shifted-register add,
/// `select (icmp ..)` a compare and a conditional move. Node costs are per
/// node and cannot see this; without it the objective priced SHA-256's
/// `(e & f) ^ (~e & g)` one instruction per round dearer than it is on
/// AArch64 and took the rewrite (+64 instructions, notes.md §6.3).
///
/// Decided per class on the choice, not per elaborated instance: a class
/// is folded when its chosen node is an instruction, the extraction
/// graph's roots (the skeleton's operands: loads, stores, branches, which
/// the cost model does not fold into) do not include it, and every chosen
/// node that uses it folds it ([`TargetCosts::folds`]). A consumer folds at
/// most one operand, its first that folds, as the lowerings match one
/// pattern per instruction.
fn folded(
    graph: &ExtractionGraph,
    costs: &TargetCosts,
    target: Target,
    choice: &Choice,
) -> FixedBitSet {
    let nc = graph.num_classes();
    let model = target.model();
    // Classes whose chosen node could fold somewhere: the producers the
    // cost models know (`CostModel::fold`). Checking the opcode first keeps
    // the shapes out of the common case.
    let foldable = |n: NodeId| {
        matches!(
            graph.info(n).kind,
            NodeKind::Inst(
                Opcode::Bnot
                    | Opcode::Ishl
                    | Opcode::Imul
                    | Opcode::Uextend
                    | Opcode::Sextend
                    | Opcode::Iadd
                    | Opcode::Icmp
                    | Opcode::Fcmp
            )
        )
    };
    let mut folded = FixedBitSet::with_capacity(nc);
    for c in graph.classes() {
        if choice.get(c).is_some_and(foldable) {
            folded.insert(c.index());
        }
    }
    if folded.is_clear() {
        return folded;
    }
    for &r in &graph.roots {
        folded.set(r.index(), false);
    }
    for c in graph.classes() {
        let Some(consumer) = choice.get(c) else {
            continue;
        };
        let mut folded_one = false;
        for (idx, &k) in graph.children(consumer).iter().enumerate() {
            if !folded.contains(k.index()) {
                continue;
            }
            let producer = choice.get(k).expect("a chosen node's operands are chosen");
            let may = match (graph.info(consumer).kind, graph.info(producer).kind) {
                (NodeKind::Inst(c), NodeKind::Inst(p)) => model.may_fold(c, p),
                _ => false,
            };
            if !folded_one && may && costs.folds(consumer, idx, producer) {
                folded_one = true;
            } else {
                folded.set(k.index(), false);
            }
        }
    }
    folded
}

impl Extractor for PressureExtractor {
    fn name(&self) -> &'static str {
        "pressure"
    }

    fn extract(&self, problem: &Problem) -> Choice {
        self.explain(problem).choice
    }
}

/// `pressure`'s choice, with what its relief of calls was predicted to
/// change.
pub struct Explained {
    /// The choice, as [`Extractor::extract`] returns it.
    pub choice: Choice,
    /// The prediction for the relief batch it took, if it took one
    /// ([`ReliefPrediction`], against `dag`'s choice or move 0's). It is
    /// what the cheap path stakes its decision on, and what
    /// `benches/examples/model_fit.rs` checks against regalloc2.
    pub relief: Option<ReliefPrediction>,
}

impl PressureExtractor {
    /// [`Extractor::extract`], explained.
    pub fn explain(&self, problem: &Problem) -> Explained {
        let mut relief = None;
        let choice = self.choose(problem, &mut relief);
        Explained { choice, relief }
    }

    fn choose(&self, problem: &Problem, relief: &mut Option<ReliefPrediction>) -> Choice {
        let TiedChoice {
            choice: base,
            form_ties,
        } = dag::extract_with_ties(problem, Ties::Oldest);
        let Some((imported, target)) = problem.function else {
            return base;
        };
        if problem.graph.num_nodes() > NODE_LIMIT {
            return base;
        }
        // Neither move can apply without calls (relief) or at least
        // ORIGINAL_FORMS_MIN chosen nodes that re-express older ones
        // (original forms, which counts only the hot ones among them):
        // then there is nothing to measure.
        let graph = problem.graph;
        let has_call = imported.skeleton.layout.blocks().any(|b| {
            imported
                .skeleton
                .layout
                .block_insts(b)
                .any(|i| imported.skeleton.dfg.insts[i].opcode().is_call())
        });
        let enough_re_expressed = || {
            let min = ORIGINAL_FORMS_MIN.max(1);
            graph
                .classes()
                .filter(|&c| re_expressed_original(graph, &base, c).is_some())
                .take(min)
                .count()
                >= min
        };
        let weigh_ties = form_ties >= FORM_TIES_MIN
            && form_ties as f64 >= FORM_TIES_SHARE * graph.num_classes() as f64;
        if !has_call && !weigh_ties && !enough_re_expressed() {
            return base;
        }
        let elaboration = Elaboration::new(imported, problem.graph);
        let flow = Flow::new(&imported.skeleton, elaboration.cfg(), elaboration.loops());
        let cx = Context {
            problem,
            costs: TargetCosts::new(imported, problem.graph, target),
            target,
            elaboration,
            flow,
        };
        let Some(mut best) = cx.evaluate(&base) else {
            return base;
        };
        let mut choice = base;
        // A move is kept if the objective of its evaluation falls.
        let try_move = |choice: &mut Choice, best: &mut Evaluation, trial: Choice| -> bool {
            match cx.evaluate(&trial) {
                Some(e) if cx.better(&trial, &e, choice, best) => {
                    *choice = trial;
                    *best = e;
                    true
                }
                _ => false,
            }
        };
        // Move 0: Cranelift's tie rule. Where many classes tie between
        // forms (`dag` kept the program's), the same extraction with ties to
        // the newest node is the other consistent answer; the objective
        // arbitrates.
        if weigh_ties && best.spill > 0.0 {
            let newest = dag::extract_with_ties(problem, Ties::Newest).choice;
            try_move(&mut choice, &mut best, newest);
        }
        // Whether `best` still describes `choice`.
        let mut stale = false;
        // Move 1: relieve the calls with too many values across them by
        // making local the values whose relief ReliefModel predicts to pay.
        // Kept on the prediction, without elaborating it; one round (a
        // second, on the first's result, made the tuning set worse when
        // it was measured, and each costs an elaboration).
        let candidates = cx.candidates(&choice, &best);
        if !candidates.is_empty() {
            if let Some((trial, predicted)) = cx.relieve(&choice, &best, &candidates) {
                choice = trial;
                *relief = Some(predicted);
                stale = true;
            }
        }
        // Move 2: the original form where the program runs out of
        // registers. Rewrites (reassociation, De Morgan) that cost the same
        // or a little less can still lengthen live ranges; where values are
        // live at a point of capacity excess, go back to the shape the
        // program had. (After the relief of calls, which on the wasm corpus
        // is the move that pays: before it, this move was tried on 266
        // functions there and kept on 36, and dropping it improved both
        // targets slightly; the kernels under De Morgan need it.)
        if let Some(trial) = cx.original_forms(&choice, &best, ORIGINAL_FORMS_MIN) {
            // The relief was kept on its prediction: measure it before
            // comparing with it.
            if stale {
                match cx.evaluate(&choice) {
                    Some(e) => best = e,
                    None => return choice,
                }
            }
            try_move(&mut choice, &mut best, trial);
        }
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::NodeCosts;

    /// `n` values computed from a parameter before two calls and used
    /// after them: more live across the calls than x86-64 preserves.
    fn across_calls(n: usize) -> String {
        let mut s = String::from(
            "function %f(i64) -> i64 system_v {\n    sig0 = (i64) -> i64 system_v\n    fn0 = %g sig0\nblock0(v0: i64):\n",
        );
        for i in 1..=n {
            s += &format!(
                "    v{} = iconst.i64 {}\n    v{i} = iadd v0, v{}\n",
                100 + i,
                8 * i + 1,
                100 + i
            );
        }
        // Used once before the calls, so that elaboration computes them
        // there and they stay live across both.
        let mut early = 0;
        for i in 1..=n {
            s += &format!("    v{} = bxor v{early}, v{i}\n", 400 + i);
            early = 400 + i;
        }
        s += &format!("    v200 = call fn0(v{early})\n    v201 = call fn0(v200)\n");
        let mut acc = 201;
        for i in 1..=n {
            s += &format!("    v{} = bxor v{acc}, v{i}\n", 300 + i);
            acc = 300 + i;
        }
        s += &format!("    return v{acc}\n}}\n");
        s
    }

    /// Run `f` with `pressure`'s context for `staged` on x86-64, and the
    /// problem it extracts.
    fn on_x86_64<R>(
        staged: &crate::pipeline::Staged,
        f: impl FnOnce(&Context, &Problem) -> R,
    ) -> R {
        let costs = NodeCosts::given(&staged.graph);
        let problem = Problem {
            graph: &staged.graph,
            costs: &costs,
            function: Some((&staged.imported, Target::X86_64)),
        };
        let elaboration = Elaboration::new(&staged.imported, &staged.graph);
        let flow = Flow::new(
            &staged.imported.skeleton,
            elaboration.cfg(),
            elaboration.loops(),
        );
        let cx = Context {
            problem: &problem,
            costs: TargetCosts::new(&staged.imported, &staged.graph, Target::X86_64),
            target: Target::X86_64,
            elaboration,
            flow,
        };
        f(&cx, &problem)
    }

    /// The original-forms move goes back where hot classes chose a
    /// re-expression, and only when there are at least `min` of them: on
    /// `keccak_f1600_straight` under De Morgan (the case the move exists
    /// for) it proposes a trial with a low minimum and none with a minimum
    /// above the number of classes it would put back.
    #[test]
    fn original_forms_need_enough_re_expressed_hot_classes() {
        let file =
            crate::testing::parse("keccak.clif", include_str!("../../../kernels/keccak.clif"))
                .unwrap();
        let func = file
            .functions
            .iter()
            .find(|f| f.name.to_string() == "%keccak_f1600_straight")
            .unwrap();
        let isa = crate::codegen::build_isa("x86_64", "none").unwrap();
        let prepared = crate::pipeline::prepare(func, &*isa);
        let rules = crate::rules::RuleSet::parse("default+reassoc+demorgan")
            .unwrap()
            .rules();
        let staged = crate::pipeline::stage(&prepared, &rules, &Default::default());
        on_x86_64(&staged, |cx, problem| {
            let base = crate::extract::dag::DagExtractor.extract(problem);
            let eval = cx.evaluate(&base).unwrap();
            let trial = cx
                .original_forms(&base, &eval, 1)
                .expect("re-expressed hot classes");
            let changed = problem
                .graph
                .classes()
                .filter(|&c| trial.get(c) != base.get(c))
                .count();
            assert!(changed >= ORIGINAL_FORMS_MIN, "{changed}");
            assert!(cx
                .original_forms(&base, &eval, ORIGINAL_FORMS_MIN)
                .is_some());
            assert!(cx.original_forms(&base, &eval, changed + 1).is_none());
        });
    }

    /// AArch64 folds `band x (bnot y)` into one `bic`; x86-64 without BMI1
    /// does not, and a `bnot` the function also returns is computed on its
    /// own anyway.
    #[test]
    fn folded_classes_follow_the_target_and_every_user() {
        let folded_count = |body: &str, target: Target| {
            let func = &crate::testing::parse("t.clif", body).unwrap().functions[0];
            let staged = crate::pipeline::stage(func, &[], &Default::default());
            let costs = NodeCosts::given(&staged.graph);
            let problem = Problem {
                graph: &staged.graph,
                costs: &costs,
                function: Some((&staged.imported, target)),
            };
            let choice = crate::extract::dag::DagExtractor.extract(&problem);
            let target_costs = TargetCosts::new(&staged.imported, &staged.graph, target);
            folded(&staged.graph, &target_costs, target, &choice).count_ones(..)
        };
        let once = "function %f(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n v2 = bnot v0\n v3 = band v2, v1\n return v3\n}";
        let also_returned = "function %f(i64, i64) -> i64, i64 {\nblock0(v0: i64, v1: i64):\n v2 = bnot v0\n v3 = band v2, v1\n return v3, v2\n}";
        assert_eq!(folded_count(once, Target::Aarch64), 1);
        assert_eq!(folded_count(once, Target::X86_64), 0);
        assert_eq!(folded_count(also_returned, Target::Aarch64), 0);
    }

    /// Values used once, after the calls, are relieved: the prediction and
    /// a full evaluation of the relieved choice both call it a gain.
    #[test]
    fn relief_of_values_used_once_is_a_measured_gain() {
        let func = &crate::testing::parse("t.clif", &across_calls(9))
            .unwrap()
            .functions[0];
        let staged = crate::pipeline::stage(func, &[], &Default::default());
        on_x86_64(&staged, |cx, problem| {
            let base = crate::extract::dag::DagExtractor.extract(problem);
            let eval = cx.evaluate(&base).unwrap();
            let candidates = cx.candidates(&base, &eval);
            assert!(candidates.len() >= 4, "{candidates:?}");
            let (trial, predicted) = cx.relieve(&base, &eval, &candidates).expect("relief pays");
            let measured = cx
                .delta(&trial, &cx.evaluate(&trial).unwrap(), &base, &eval)
                .0;
            assert!(
                predicted.spill < 0.0 && predicted.total() < 0.0 && measured < 0.0,
                "{predicted:?} vs {measured}"
            );
        });
    }

    /// A heap base: a load used after every one of several calls. The
    /// register allocator keeps such a value in a callee-saved register
    /// and spills the values used once; relieving the heap base would save
    /// only the cheapest spill at each call and cost a load after each, so
    /// it stays where it is while the values used once are relieved.
    #[test]
    fn a_value_used_after_every_call_is_not_relieved() {
        let mut s = String::from(
            "function %f(i64) -> i64 system_v {\n    sig0 = (i64) -> i64 system_v\n    fn0 = %g sig0\nblock0(v0: i64):\n    v1 = load.i64 notrap aligned readonly can_move v0+56\n",
        );
        for i in 1..=8 {
            s += &format!(
                "    v{} = iconst.i64 {}\n    v{} = iadd v0, v{}\n",
                100 + i,
                8 * i + 1,
                10 + i,
                100 + i
            );
        }
        let mut early = 0;
        for i in 1..=8 {
            s += &format!("    v{} = bxor v{early}, v{}\n", 200 + i, 10 + i);
            early = 200 + i;
        }
        let mut arg = early;
        for i in 1..=6 {
            s += &format!(
                "    v{} = call fn0(v{arg})\n    v{} = iadd v1, v{}\n",
                300 + i,
                400 + i,
                300 + i
            );
            arg = 400 + i;
        }
        let mut acc = arg;
        for i in 1..=8 {
            s += &format!("    v{} = bxor v{acc}, v{}\n", 500 + i, 10 + i);
            acc = 500 + i;
        }
        s += &format!("    return v{acc}\n}}\n");
        let func = &crate::testing::parse("t.clif", &s).unwrap().functions[0];
        let staged = crate::pipeline::stage(func, &[], &Default::default());
        on_x86_64(&staged, |cx, problem| {
            let graph = problem.graph;
            let base = crate::extract::dag::DagExtractor.extract(problem);
            let eval = cx.evaluate(&base).unwrap();
            let candidates = cx.candidates(&base, &eval);
            let is_load = |c: ClassId| {
                base.get(c)
                    .is_some_and(|n| graph.info(n).kind == NodeKind::Inst(Opcode::Load))
            };
            let heap_base = candidates
                .iter()
                .copied()
                .find(|&c| is_load(c))
                .expect("the heap base is a candidate");
            let (trial, _) = cx
                .relieve(&base, &eval, &candidates)
                .expect("the values used once are relieved");
            assert_eq!(trial.placement(heap_base), Placement::Cranelift);
            let relieved = candidates
                .iter()
                .filter(|&&c| trial.placement(c) == Placement::Local)
                .count();
            assert!(relieved >= 3, "{relieved} of {candidates:?}");
        });
    }
}
