//! # regpress-core
//!
//! Register-pressure-aware extraction for Cranelift's mid-end, as one pass
//! that a Cranelift embedder or fork can run in place of
//! `Context::optimize`.
//!
//! Data flows through one module per stage:
//!
//! ```text
//! CLIF ─ pipeline::prepare ─► cleaned, value-numbered CLIF
//!      ─ import ─► skeleton + e-graph (lang)
//!      ─ rules ─► saturated e-graph (bounded by node and iteration limits)
//!      ─ skeleton ─► simplified skeleton (division by constants, …)
//!      ─ graph ─► ExtractionGraph (flat arrays)
//!      ─ extract ─► Choice (one node per needed class, checked)
//!      ─ elaborate ─► CLIF (scoped GVN, LICM, remat)
//!      ─ verifier ─► the output, or the input if anything failed
//! ```
//!
//! Modules only import from modules below them: `lang` (nodes, analysis,
//! constant folding) at the bottom; `graph`, `choice`, `control`, `emit`
//! and `schedule` above it; then `liveness`, `import`, `elaborate`,
//! `extract`, and `pipeline` at the top. `tests/layering.rs` checks that
//! the module graph has no cycle.
//!
//! The front door is [`optimize`]. A fork that wants to use regpress as its
//! mid-end runs it on each function, then compiles the result with an ISA
//! whose `opt_level` is `none`, so that Cranelift's own e-graph pass does
//! not run again:
//!
//! ```
//! use cranelift_codegen::control::ControlPlane;
//! use cranelift_codegen::settings::{self, Configurable};
//! use cranelift_codegen::{isa, Context};
//!
//! // The function as the fork's frontend hands it to the mid-end.
//! let func = cranelift_reader::parse_functions(
//!     "function %f(i64, i64) -> i64 {
//!      block0(v0: i64, v1: i64):
//!          v2 = iconst.i64 0
//!          v3 = iadd v0, v2
//!          v4 = imul v3, v1
//!          v5 = imul v1, v3
//!          v6 = iadd v4, v5
//!          return v6
//!      }",
//! )
//! .unwrap()
//! .remove(0);
//!
//! // The ISA the fork compiles with, at opt_level=none.
//! let mut flags = settings::builder();
//! flags.set("opt_level", "none").unwrap();
//! let isa = isa::lookup_by_name("x86_64")
//!     .unwrap()
//!     .finish(settings::Flags::new(flags))
//!     .unwrap();
//!
//! // regpress in place of Cranelift's mid-end...
//! let out = regpress_core::optimize(&func, &*isa).unwrap();
//! assert!(out.report.fallback.is_none(), "{:?}", out.report.fallback);
//! // `iadd v0, 0` is gone and the two products are one.
//! let insts = |f: &cranelift_codegen::ir::Function| {
//!     f.layout.blocks().map(|b| f.layout.block_insts(b).count()).sum::<usize>()
//! };
//! assert!(insts(&out.func) < insts(&func), "{}", out.func.display());
//!
//! // ...then Cranelift's backend and regalloc2, as usual.
//! let mut ctx = Context::for_function(out.func);
//! let code = ctx.compile(&*isa, &mut ControlPlane::default()).unwrap();
//! assert!(code.code_info().total_size > 0);
//! ```
//!
//! [`pipeline::optimize`] is the same call with the extractor, rule set and
//! limits spelled out.

pub mod choice;
pub mod codegen;
pub mod control;
pub mod division;
pub mod elaborate;
pub mod emit;
pub mod extract;
pub mod graph;
pub mod import;
pub mod lang;
pub mod liveness;
pub mod panics;
pub mod pipeline;
pub mod predict;
pub mod rules;
pub mod schedule;
pub mod skeleton;
pub mod tunables;

#[cfg(test)]
pub(crate) mod testing;

pub use pipeline::{Optimized, PipelineError, Report, Settings};

use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;

/// Optimise one function for `isa`: regpress's default rules, the
/// `pressure` extractor and the default limits.
///
/// The result verifies for `isa`. If anything inside the pass fails (a
/// limit, an ill-formed choice, an output that does not verify), the
/// result is the input after Cranelift's own cleanup passes, and
/// [`Report::fallback`] says why: a failure costs optimisation, never
/// correctness. The input is refused (`Err`) only if it does not verify,
/// has no blocks, or is over [`Settings::max_insts`].
///
/// Compile the result with an ISA whose `opt_level` is `none`.
pub fn optimize(func: &Function, isa: &dyn TargetIsa) -> Result<Optimized, PipelineError> {
    let rules = rules::RuleSet::DEFAULT.rules();
    pipeline::optimize(
        func,
        isa,
        &extract::pressure::PressureExtractor,
        &rules,
        &Settings::default(),
    )
}
