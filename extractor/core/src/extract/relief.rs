//! The relief of calls, predicted the way regalloc2 decides what to spill.
//!
//! `pressure` relieves a call by making some values *local*: computed again
//! after the call instead of kept live across it. Whether that pays depends
//! on which value the register allocator would have spilled, and the first
//! estimate got that wrong. It charged one spill and one reload at every
//! call for each value beyond the callee-saved registers, and credited a
//! relieved value with exactly that. regalloc2 does not spill an arbitrary
//! value: it gives the callee-saved registers to the values whose spilling
//! would cost most (many uses, in hot blocks) and spills the cheap ones.
//! On held-out code the commonest relief candidate was the wasm heap base,
//! a load from `vmctx` used by every memory access: regalloc2 keeps it in a
//! callee-saved register, so making it local saved nothing and cost a load
//! (and often a reload of `vmctx`) in every call-free stretch that used it.
//!
//! The model here:
//!
//! * **What a value costs to spill** (its *weight*): one store where it is
//!   defined, plus one reload in every call-free stretch other than its
//!   own that uses it, each at that block's frequency. A value live across
//!   several crossing calls has that weight shared out among them.
//! * **What a crossing spills**: at a call with `e` values of a register
//!   class more than the callee-saved registers hold, the `e` with the
//!   lowest share. Their shares are what the crossing costs.
//! * **What relief changes**: the relieved values leave every crossing they
//!   were live across; the operands of their recomputations join the
//!   crossings they did not already cross (a recomputation after the call
//!   needs them after the call); each crossing spills its new cheapest `e'`.
//!   So relieving a value regalloc2 would have kept in a register saves
//!   only the share of the most expensive value it would have spilled, and
//!   relieving a value whose operand is itself spilled costs a reload of
//!   that operand per recomputation.
//! * **What relief costs in instructions**: each relieved value is
//!   computed once per call-free stretch of each block that uses it instead
//!   of where it was, and each recomputation reloads an operand as often as
//!   that operand is spilled. Constants made local with it cost nothing:
//!   the backends fold them into immediates or materialise them in one move.
//!
//! A batch of candidates is worth taking when the sum is a gain. The
//! prediction needs only the base choice's schedule and liveness: nothing
//! is elaborated.

use crate::graph::ClassId;
use crate::liveness::{Flow, Pressure};
use crate::schedule::Schedule;
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::Value;
use fixedbitset::FixedBitSet;
use regpress_cost_model::{block_frequency, RegClass, Target};

/// One register class at one crossing call: the values live across it,
/// cheapest share first, and how many of them do not fit.
struct Crossing {
    class: usize,
    values: Vec<Value>,
    excess: usize,
    /// What the base spills here: the shares of its `excess` cheapest.
    before: f64,
}

/// A candidate live across a crossing: how many of the crossing's values
/// compute it, and which of its operands are not live across the crossing
/// (and would join it if it were relieved). Each candidate keeps its
/// place in the crossing's list (`touch_slot`).
struct Toucher {
    gone: u32,
    fresh: Vec<Value>,
}

/// What relief of a set of candidates is predicted to change.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReliefPrediction {
    /// Spill and reload cycles (negative: fewer).
    pub spill: f64,
    /// Instruction cycles of the recomputations, net of the computations
    /// they replace, including reloads of spilled operands.
    pub insts: f64,
}

impl ReliefPrediction {
    /// The change of the objective.
    pub fn total(&self) -> f64 {
        self.spill + self.insts
    }
}

/// The base choice's spill weights and crossings, and its candidates'
/// recomputations. See the module documentation.
pub(super) struct ReliefModel {
    /// Per value: its weight divided by the crossings it is live across.
    share: Vec<f64>,
    /// Per value: its whole spill weight, and the crossings it is live
    /// across.
    spill_weight: Vec<(f64, u32)>,
    /// Per crossing call with excess, per register class with excess.
    crossings: Vec<Crossing>,
    /// Per crossing: the candidates live across it, in candidate order.
    touched_by: Vec<Vec<Toucher>>,
    /// Per candidate: for each crossing it touches, its place in that
    /// crossing's `touched_by`.
    touch_slot: Vec<Vec<(u32, u32)>>,
    /// Per candidate (in the order given): the frequency of each
    /// call-free stretch using it, in program order.
    stretches: Vec<Vec<f64>>,
    /// Per candidate: the sum of `stretches`, its recomputations if
    /// relieved.
    recomputations: Vec<f64>,
    /// Per candidate: the reload cost each recomputation pays for its
    /// operands, each in proportion to how often it is spilled.
    operand_reloads: Vec<f64>,
    /// Per candidate: its frequency-weighted computations in the base.
    computed: Vec<f64>,
    /// Per candidate: the values its computations use that elaboration did
    /// not create (parameters, loads, call results: kept anyway).
    operands: Vec<Vec<Value>>,
    /// The candidates' classes, in order.
    classes: Vec<ClassId>,
    /// Per candidate: the values computing it.
    values: Vec<Vec<Value>>,
    /// Per value: its register class index.
    reg_class: Vec<u8>,
    reload: [f64; 2],
}

/// What the model needs of `pressure`'s evaluation of the base choice.
pub(super) struct Base<'a> {
    pub schedule: &'a Schedule,
    pub pressure: &'a Pressure,
    pub flow: &'a Flow,
    pub target: Target,
    /// The class a value computes, for values elaboration created.
    pub class_of: &'a dyn Fn(Value) -> Option<ClassId>,
    /// The frequency-weighted number of computations of each class.
    pub weight: &'a [f64],
}

impl ReliefModel {
    /// The model of `base` for these candidates.
    pub fn new(base: &Base, candidates: &[ClassId]) -> ReliefModel {
        let s = base.schedule;
        let nv = s.num_values();
        let class_of: Vec<Option<ClassId>> =
            (0..nv).map(|v| (base.class_of)(Value::new(v))).collect();
        let reg_class: Vec<u8> = (0..nv).map(|v| s.regs(Value::new(v)).0 as u8).collect();
        let classes: Vec<ClassId> = candidates.to_vec();
        let mut slot = std::collections::HashMap::with_capacity(classes.len());
        for (k, &c) in classes.iter().enumerate() {
            slot.insert(c, k);
        }
        let mut stretches: Vec<Vec<f64>> = vec![Vec::new(); classes.len()];
        let mut last_stretch = vec![u32::MAX; classes.len()];
        let mut operands: Vec<Vec<Value>> = vec![Vec::new(); classes.len()];
        let mut values: Vec<Vec<Value>> = vec![Vec::new(); classes.len()];

        // One walk: each value's definition stretch and frequency, the
        // stretches using it, and the candidates' stretches and operands.
        const NONE: u32 = u32::MAX;
        let mut def_stretch = vec![NONE; nv];
        let mut def_freq = vec![0.0f64; nv];
        let mut last_use = vec![NONE; nv];
        let mut reloads = vec![0.0f64; nv];
        let mut stretch = 0u32;
        for sb in s.blocks() {
            let f = block_frequency(base.flow.depth(sb.block)) as f64;
            stretch += 1;
            for &p in s.params(sb) {
                def_stretch[p.index()] = stretch;
                def_freq[p.index()] = f;
            }
            for i in sb.insts.clone() {
                for &v in s.uses(i) {
                    let vi = v.index();
                    if last_use[vi] != stretch {
                        last_use[vi] = stretch;
                        if def_stretch[vi] != stretch {
                            reloads[vi] += f;
                        }
                        if let Some(&k) = class_of[vi].and_then(|c| slot.get(&c)) {
                            if last_stretch[k] != stretch {
                                last_stretch[k] = stretch;
                                stretches[k].push(f);
                            }
                        }
                    }
                }
                if let Some(&k) = s.class(i).and_then(|c| slot.get(&c)) {
                    for &v in s.uses(i) {
                        if class_of[v.index()].is_none() && !operands[k].contains(&v) {
                            operands[k].push(v);
                        }
                    }
                }
                for &d in s.defs(i) {
                    if let Some(&k) = class_of[d.index()].and_then(|c| slot.get(&c)) {
                        values[k].push(d);
                    }
                    def_stretch[d.index()] = stretch;
                    def_freq[d.index()] = f;
                }
                if s.is_call(i) {
                    stretch += 1;
                }
            }
        }
        let spill = [RegClass::Int, RegClass::Float].map(|k| base.target.spill_cost(k).scalar());
        let reload = [RegClass::Int, RegClass::Float].map(|k| base.target.reload_cost(k).scalar());
        let weight = |v: usize| {
            let k = reg_class[v] as usize;
            def_freq[v] * spill[k] as f64 + reloads[v] * reload[k] as f64
        };

        // The crossings, and how many each value is live across.
        let mut crosses = vec![0u32; nv];
        let mut crossings: Vec<Crossing> = Vec::new();
        for x in &base.pressure.crossings {
            for (k, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
                let excess = x.excess.get(class) as usize;
                if excess == 0 {
                    continue;
                }
                let values: Vec<Value> = base
                    .pressure
                    .crossing_values(x)
                    .iter()
                    .copied()
                    .filter(|v| reg_class[v.index()] as usize == k)
                    .collect();
                for v in &values {
                    crosses[v.index()] += 1;
                }
                crossings.push(Crossing {
                    class: k,
                    values,
                    excess,
                    before: 0.0,
                });
            }
        }
        let whole: Vec<(f64, u32)> = (0..nv).map(|v| (weight(v), crosses[v])).collect();
        let share: Vec<f64> = (0..nv)
            .map(|v| weight(v) / f64::from(crosses[v].max(1)))
            .collect();
        let mut spilled = vec![0u32; nv];
        let mut touches = vec![Vec::new(); classes.len()];
        for (xi, x) in crossings.iter_mut().enumerate() {
            x.values
                .sort_by(|a, b| share[a.index()].total_cmp(&share[b.index()]).then(a.cmp(b)));
            for v in x.values.iter().take(x.excess) {
                spilled[v.index()] += 1;
            }
            x.before = x.values[..x.excess].iter().map(|v| share[v.index()]).sum();
            for v in &x.values {
                if let Some(&k) = class_of[v.index()].and_then(|c| slot.get(&c)) {
                    let list: &mut Vec<u32> = &mut touches[k];
                    if list.last() != Some(&(xi as u32)) {
                        list.push(xi as u32);
                    }
                }
            }
        }
        let mut touched_by: Vec<Vec<Toucher>> = crossings.iter().map(|_| Vec::new()).collect();
        let mut touch_slot: Vec<Vec<(u32, u32)>> = vec![Vec::new(); classes.len()];
        for (k, list) in touches.iter().enumerate() {
            for &xi in list {
                touch_slot[k].push((xi, touched_by[xi as usize].len() as u32));
                let x = &crossings[xi as usize];
                let gone = x
                    .values
                    .iter()
                    .filter(|v| class_of[v.index()] == Some(classes[k]))
                    .count() as u32;
                let fresh = operands[k]
                    .iter()
                    .copied()
                    .filter(|o| reg_class[o.index()] as usize == x.class && !x.values.contains(o))
                    .collect();
                touched_by[xi as usize].push(Toucher { gone, fresh });
            }
        }
        // Per value: the share of the crossings it crosses at which it is
        // among the spilled.
        let spilled_odds: Vec<f64> = (0..nv)
            .map(|v| f64::from(spilled[v]) / f64::from(crosses[v].max(1)))
            .collect();
        let computed = classes.iter().map(|c| base.weight[c.index()]).collect();
        let reload = reload.map(|r| r as f64);
        let recomputations = stretches.iter().map(|l| l.iter().sum()).collect();
        let operand_reloads = operands
            .iter()
            .map(|ops| {
                ops.iter()
                    .map(|o| spilled_odds[o.index()] * reload[reg_class[o.index()] as usize])
                    .sum()
            })
            .collect();
        ReliefModel {
            share,
            spill_weight: whole,
            crossings,
            touched_by,
            touch_slot,
            stretches,
            recomputations,
            operand_reloads,
            computed,
            operands,
            classes,
            values,
            reg_class,
            reload,
        }
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// The class of candidate `k`.
    pub fn class(&self, k: usize) -> ClassId {
        self.classes[k]
    }
}

/// The prediction for a growing set of relieved candidates, kept up to date
/// as each is added: the crossings touched, the values gone from each and
/// the operands joining each are accumulated, so that adding a candidate
/// costs its own crossings plus one pass over the spilled ends of the
/// crossings touched so far, not a recomputation of the whole set. The
/// result for a set is the same however it was reached.
pub(super) struct Scan<'m> {
    model: &'m ReliefModel,
    relieved: FixedBitSet,
    /// The candidates relieved, in order.
    pushed: Vec<usize>,
    crossed: FixedBitSet,
    /// Per crossing: relieved values live across it.
    gone: Vec<u32>,
    /// Per crossing: operands of relieved values that join it.
    joined: Vec<Vec<Value>>,
    /// Per joining operand: the crossings it joins, in the order joined.
    joins: std::collections::HashMap<Value, Vec<u32>>,
    /// Per crossing touched: its spill change as last computed.
    delta: Vec<f64>,
    /// Crossings whose spill change must be computed again.
    dirty: Vec<u32>,
    /// Per operand of a relieved value: the reload cost of its uses by
    /// recomputations.
    uses: std::collections::HashMap<Value, f64>,
    insts: f64,
}

impl<'m> Scan<'m> {
    /// Nothing relieved yet.
    pub fn new(model: &'m ReliefModel) -> Scan<'m> {
        Scan {
            model,
            relieved: FixedBitSet::with_capacity(model.share.len()),
            pushed: Vec::new(),
            crossed: FixedBitSet::with_capacity(model.crossings.len()),
            gone: vec![0; model.crossings.len()],
            joined: vec![Vec::new(); model.crossings.len()],
            joins: std::collections::HashMap::new(),
            delta: vec![0.0; model.crossings.len()],
            dirty: Vec::new(),
            uses: std::collections::HashMap::new(),
            insts: 0.0,
        }
    }

    /// Back to nothing relieved, in time proportional to what was.
    pub fn clear(&mut self) {
        for &k in &self.pushed {
            for v in &self.model.values[k] {
                self.relieved.set(v.index(), false);
            }
        }
        self.pushed.clear();
        for x in self.crossed.ones() {
            self.gone[x] = 0;
            self.joined[x].clear();
            self.delta[x] = 0.0;
        }
        self.crossed.clear();
        self.joins.clear();
        self.uses.clear();
        self.insts = 0.0;
    }

    /// Relieve candidate `k` too, and predict the change of the whole set,
    /// with `cost` the instruction cost of one computation of a class.
    pub fn push(&mut self, k: usize, cost: &dyn Fn(ClassId) -> f64) -> ReliefPrediction {
        let m = self.model;
        // Instructions: recomputation per stretch, with a reload of each
        // operand as often as it is spilled. The constants made local with
        // a candidate cost nothing: the backends fold a constant operand
        // into its user's immediate field, or materialise it in one move,
        // as Cranelift's own elaboration rematerialises constants anyway.
        let per = cost(m.classes[k]);
        for &f in &m.stretches[k] {
            self.insts += f * (per + m.operand_reloads[k]);
        }
        self.insts -= m.computed[k] * per;
        for v in &m.values[k] {
            self.relieved.insert(v.index());
        }
        self.pushed.push(k);
        // An operand that joins crossings is spilled, if it is, once: its
        // weight (with a reload at each recomputation using it) is shared
        // out among the crossings it was live across and those it joins.
        // What changes: the crossings `k` is live across, and every
        // crossing joined by an operand whose share changes (its uses grow
        // with `k`'s recomputations, its crossings with those it joins).
        self.dirty.clear();
        for o in &m.operands[k] {
            *self.uses.entry(*o).or_insert(0.0) +=
                m.recomputations[k] * m.reload[m.reg_class[o.index()] as usize];
            if let Some(at) = self.joins.get(o) {
                self.dirty.extend_from_slice(at);
            }
        }
        for &(xi, slot) in &m.touch_slot[k] {
            let x = xi as usize;
            self.crossed.insert(x);
            self.dirty.push(xi);
            let t = &m.touched_by[x][slot as usize];
            self.gone[x] += t.gone;
            for &o in &t.fresh {
                if !self.joined[x].contains(&o) {
                    self.joined[x].push(o);
                    let at = self.joins.entry(o).or_default();
                    at.push(xi);
                    self.dirty.extend_from_slice(at);
                }
            }
        }
        self.dirty.sort_unstable();
        self.dirty.dedup();

        // Spills: each crossing a relieved value was live across spills its
        // cheapest values anew, with the relieved values gone and their
        // operands added.
        let joined_share = |o: Value| {
            let (w, n) = m.spill_weight[o.index()];
            (w + self.uses[&o]) / f64::from(n + self.joins[&o].len() as u32)
        };
        let mut joined: Vec<f64> = Vec::new();
        for &xi in &self.dirty {
            let x = xi as usize;
            let crossing = &m.crossings[x];
            let before = crossing.before;
            joined.clear();
            joined.extend(self.joined[x].iter().map(|&o| joined_share(o)));
            joined.sort_by(f64::total_cmp);
            let excess = (crossing.excess + joined.len()).saturating_sub(self.gone[x] as usize);
            // The cheapest `excess` of the remaining and joined values: a
            // merge of two sorted lists.
            let mut rest = crossing
                .values
                .iter()
                .filter(|v| !self.relieved.contains(v.index()))
                .map(|v| m.share[v.index()])
                .peekable();
            let mut added = joined.iter().copied().peekable();
            let mut after = 0.0;
            for _ in 0..excess {
                let next = match (rest.peek(), added.peek()) {
                    (Some(&a), Some(&b)) if b < a => added.next(),
                    (Some(_), _) => rest.next(),
                    (None, _) => added.next(),
                };
                match next {
                    Some(w) => after += w,
                    None => break,
                }
            }
            self.delta[x] = after - before;
        }
        // Summed in crossing order, however the crossings were reached.
        let spill = self.crossed.ones().map(|x| self.delta[x]).sum();
        ReliefPrediction {
            spill,
            insts: self.insts,
        }
    }
}
