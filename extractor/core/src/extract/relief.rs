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
    /// Per value: its whole weight, and the crossings it is live across.
    weight: Vec<(f64, u32)>,
    /// Per value: the share of the crossings it crosses at which it is
    /// among the spilled.
    spilled_odds: Vec<f64>,
    /// Per crossing call with excess, per register class with excess.
    crossings: Vec<Crossing>,
    /// Per candidate: the crossings its values are live across.
    touches: Vec<Vec<u32>>,
    /// Per candidate (in the order given): the frequency of each
    /// call-free stretch using it, by stretch number.
    stretches: Vec<Vec<(u32, f64)>>,
    /// Per candidate: its frequency-weighted computations in the base.
    computed: Vec<f64>,
    /// Per candidate: the values its computations use that elaboration did
    /// not create (parameters, loads, call results: kept anyway).
    operands: Vec<Vec<Value>>,
    /// The candidates' classes, in order.
    classes: Vec<ClassId>,
    /// Per value: the class elaboration computed it for, if any.
    class_of: Vec<Option<ClassId>>,
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
        let mut stretches = vec![Vec::new(); classes.len()];
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
                            let list: &mut Vec<(u32, f64)> = &mut stretches[k];
                            if list.last().is_none_or(|l| l.0 != stretch) {
                                list.push((stretch, f));
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
            for v in &x.values {
                if let Some(&k) = class_of[v.index()].and_then(|c| slot.get(&c)) {
                    let list: &mut Vec<u32> = &mut touches[k];
                    if list.last() != Some(&(xi as u32)) {
                        list.push(xi as u32);
                    }
                }
            }
        }
        let spilled_odds = (0..nv)
            .map(|v| f64::from(spilled[v]) / f64::from(crosses[v].max(1)))
            .collect();
        let computed = classes.iter().map(|c| base.weight[c.index()]).collect();
        ReliefModel {
            share,
            weight: whole,
            spilled_odds,
            crossings,
            touches,
            stretches,
            computed,
            operands,
            classes,
            class_of,
            values,
            reg_class,
            reload: reload.map(|r| r as f64),
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

    /// The predicted change of relieving the candidates in `take` (indices
    /// into the candidates), with `cost` the instruction cost of one
    /// computation of a class.
    pub fn predict(&self, take: &[usize], cost: &dyn Fn(ClassId) -> f64) -> ReliefPrediction {
        let mut relieved = FixedBitSet::with_capacity(self.class_of.len());
        for &k in take {
            for v in &self.values[k] {
                relieved.insert(v.index());
            }
        }

        // Instructions: recomputation per stretch, with a reload of each
        // operand as often as it is spilled. The constants made local with
        // a candidate cost nothing: the backends fold a constant operand
        // into its user's immediate field, or materialise it in one move,
        // as Cranelift's own elaboration rematerialises constants anyway.
        let mut insts = 0.0;
        for &k in take {
            let c = self.classes[k];
            let per = cost(c);
            let operand_reloads: f64 = self.operands[k]
                .iter()
                .map(|o| {
                    self.spilled_odds[o.index()] * self.reload[self.reg_class[o.index()] as usize]
                })
                .sum();
            for &(_, f) in &self.stretches[k] {
                insts += f * (per + operand_reloads);
            }
            insts -= self.computed[k] * per;
        }

        // Spills: each crossing a relieved value was live across spills its
        // cheapest values anew, with the relieved values gone and their
        // operands added.
        let mut crossed: Vec<u32> = take
            .iter()
            .flat_map(|&k| self.touches[k].iter().copied())
            .collect();
        crossed.sort_unstable();
        crossed.dedup();
        // An operand that joins crossings is spilled, if it is, once: its
        // weight (with a reload at each recomputation using it) is shared
        // out among the crossings it was live across and those it joins.
        let mut joins: std::collections::HashMap<Value, (f64, u32)> =
            std::collections::HashMap::new();
        for &xi in &crossed {
            let x = &self.crossings[xi as usize];
            let mut here: Vec<Value> = Vec::new();
            for &k in take {
                if !self.touches[k].contains(&xi) {
                    continue;
                }
                for &o in &self.operands[k] {
                    if self.reg_class[o.index()] as usize == x.class
                        && !here.contains(&o)
                        && !x.values.contains(&o)
                    {
                        here.push(o);
                    }
                }
            }
            for o in here {
                joins.entry(o).or_insert((0.0, 0)).1 += 1;
            }
        }
        for &k in take {
            let uses: f64 = self.stretches[k].iter().map(|s| s.1).sum();
            for o in &self.operands[k] {
                if let Some(j) = joins.get_mut(o) {
                    j.0 += uses * self.reload[self.reg_class[o.index()] as usize];
                }
            }
        }
        let joined_share = |o: Value| {
            let (w, n) = self.weight[o.index()];
            let (extra, joined) = joins[&o];
            (w + extra) / f64::from(n + joined)
        };
        let mut spill = 0.0;
        let mut joined: Vec<f64> = Vec::new();
        let mut joined_values: Vec<Value> = Vec::new();
        for &xi in &crossed {
            let x = &self.crossings[xi as usize];
            let before: f64 = x.values[..x.excess]
                .iter()
                .map(|v| self.share[v.index()])
                .sum();
            // The operands of the relieved values' recomputations, where
            // they were not live across the call already.
            joined_values.clear();
            let mut gone = 0;
            for &k in take {
                if !self.touches[k].contains(&xi) {
                    continue;
                }
                gone += x
                    .values
                    .iter()
                    .filter(|v| self.class_of[v.index()] == Some(self.classes[k]))
                    .count();
                for &o in &self.operands[k] {
                    if self.reg_class[o.index()] as usize == x.class
                        && !joined_values.contains(&o)
                        && !x.values.contains(&o)
                    {
                        joined_values.push(o);
                    }
                }
            }
            joined.clear();
            joined.extend(joined_values.iter().map(|&o| joined_share(o)));
            joined.sort_by(f64::total_cmp);
            let excess = (x.excess + joined.len()).saturating_sub(gone);
            // The cheapest `excess` of the remaining and joined values: a
            // merge of two sorted lists.
            let mut rest = x
                .values
                .iter()
                .filter(|v| !relieved.contains(v.index()))
                .map(|v| self.share[v.index()])
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
            spill += after - before;
        }
        ReliefPrediction { spill, insts }
    }
}
