//! Rewrite rules, one file per family, and bounded saturation.
//!
//! The families mirror Cranelift 0.135's `opts/*.isle`: `cprop`,
//! `arithmetic`, `bitops`, `shifts`, `icmp`, `extends`, `selects`.
//! (`remat` is not a rewrite here: it is a placement decision and lives in
//! [`crate::elaborate`].) Two opt-in sets hold rules Cranelift had to revert
//! because its extraction could not see their cost: `reassoc`
//! (wasmtime #7466/#8518, reverted by #12116) and `demorgan` (#12127).
//!
//! Saturation is bounded in iterations, e-nodes and time. A bound that is hit
//! stops rewriting early: every class still holds its original node, so the
//! result is correct, only less optimised.

pub mod arithmetic;
pub mod bitops;
pub mod bounded;
pub mod cprop;
pub mod demorgan;
pub mod extends;
pub mod float;
pub mod icmp;
pub mod reassoc;
pub mod selects;
pub mod shifts;
pub mod spaceship;
mod util;
pub mod vector;

pub use util::*;

use crate::lang::{ClifAnalysis, ClifEGraph, ClifNode};
use std::time::Duration;

/// One rewrite.
pub type Rule = egg::Rewrite<ClifNode, ClifAnalysis>;

/// Which rules to run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct RuleSet {
    /// The default families (Cranelift 0.135's rules).
    pub default: bool,
    /// The reverted reassociation rules.
    pub reassoc: bool,
    /// The reverted De Morgan rules.
    pub demorgan: bool,
}

impl RuleSet {
    /// Cranelift's default rules only.
    pub const DEFAULT: RuleSet = RuleSet {
        default: true,
        reassoc: false,
        demorgan: false,
    };

    /// Parse `default`, `default+reassoc`, `default+reassoc+demorgan`,
    /// `none`, … (components joined by `+`).
    pub fn parse(s: &str) -> Result<RuleSet, String> {
        let mut set = RuleSet {
            default: false,
            reassoc: false,
            demorgan: false,
        };
        for part in s.split('+') {
            match part.trim() {
                "default" => set.default = true,
                "reassoc" => set.reassoc = true,
                "demorgan" => set.demorgan = true,
                "none" => {}
                other => {
                    return Err(format!(
                        "unknown rule set `{other}` (expected default, reassoc, demorgan or none, joined by +)"
                    ))
                }
            }
        }
        Ok(set)
    }

    /// The canonical name, e.g. `default+reassoc`.
    pub fn name(&self) -> String {
        let mut parts = Vec::new();
        if self.default {
            parts.push("default");
        }
        if self.reassoc {
            parts.push("reassoc");
        }
        if self.demorgan {
            parts.push("demorgan");
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join("+")
        }
    }

    /// The rewrites of this set.
    pub fn rules(&self) -> Vec<Rule> {
        let mut rules = Vec::new();
        if self.default {
            for family in DEFAULT_FAMILIES {
                rules.extend(family_rules(family).expect("known family"));
            }
        }
        if self.reassoc {
            rules.extend(reassoc::rules());
        }
        if self.demorgan {
            rules.extend(demorgan::rules());
        }
        rules
    }
}

/// The default families, in order.
pub const DEFAULT_FAMILIES: &[&str] = &[
    "cprop",
    "arithmetic",
    "bitops",
    "shifts",
    "icmp",
    "extends",
    "selects",
    "float",
    "vector",
    "spaceship",
];

/// The rewrites of one family by name (default families and the opt-in sets).
pub fn family_rules(name: &str) -> Option<Vec<Rule>> {
    Some(match name {
        "cprop" => cprop::rules(),
        "arithmetic" => arithmetic::rules(),
        "bitops" => bitops::rules(),
        "shifts" => shifts::rules(),
        "icmp" => icmp::rules(),
        "extends" => extends::rules(),
        "selects" => selects::rules(),
        "float" => float::rules(),
        "vector" => vector::rules(),
        "spaceship" => spaceship::rules(),
        "reassoc" => reassoc::rules(),
        "demorgan" => demorgan::rules(),
        _ => return None,
    })
}

/// Bounds on saturation.
#[derive(Copy, Clone, Debug, serde::Serialize)]
pub struct Limits {
    /// Maximum rewrite iterations.
    pub iterations: usize,
    /// Maximum e-nodes; rewriting stops once the e-graph reaches it (see
    /// [`bounded`] for how far past it the e-graph can get).
    pub nodes: usize,
    /// Maximum wall time for saturation.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            iterations: crate::tunables::SATURATION_ITERATIONS,
            nodes: crate::tunables::SATURATION_NODES,
            time: crate::tunables::SATURATION_TIME,
        }
    }
}

/// What saturation did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SaturationReport {
    /// Iterations run.
    pub iterations: usize,
    /// E-nodes at the end.
    pub nodes: usize,
    /// E-classes at the end.
    pub classes: usize,
    /// Why it stopped: `saturated`, `iterations`, `nodes`, `time`, …
    pub stop: String,
}

/// Run `rules` on `egraph` within `limits`.
pub fn saturate(
    egraph: ClifEGraph,
    rules: &[Rule],
    limits: &Limits,
) -> (ClifEGraph, SaturationReport) {
    // Node limit scales with the input: a big function may grow to a few
    // times its size, never without bound.
    let runner = egg::Runner::default()
        .with_egraph(egraph)
        .with_iter_limit(limits.iterations)
        .with_node_limit(limits.nodes)
        .with_time_limit(limits.time)
        .with_scheduler(bounded::NodeBoundedScheduler::new(limits.nodes))
        .run(rules);
    let stop = match &runner.stop_reason {
        Some(egg::StopReason::Saturated) => "saturated".to_string(),
        Some(egg::StopReason::IterationLimit(_)) => "iterations".to_string(),
        Some(egg::StopReason::NodeLimit(_)) => "nodes".to_string(),
        Some(egg::StopReason::TimeLimit(_)) => "time".to_string(),
        Some(egg::StopReason::Other(s)) => s.clone(),
        None => "none".to_string(),
    };
    let report = SaturationReport {
        iterations: runner.iterations.len(),
        nodes: runner.egraph.total_size(),
        classes: runner.egraph.number_of_classes(),
        stop,
    };
    (runner.egraph, report)
}
