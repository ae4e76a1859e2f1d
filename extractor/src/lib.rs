//! # regpress
//!
//! Register-pressure-aware extraction for Cranelift's mid-end.
//!
//! Data flows through one module per stage:
//!
//! ```text
//! .clif ─ import ─► skeleton + e-graph (lang)
//!        ─ rules ─► saturated e-graph (bounded)
//!        ─ graph ─► ExtractionGraph (flat arrays)
//!        ─ extract ─► Choice (one node per needed class, checked)
//!        ─ elaborate ─► CLIF (scoped GVN, LICM, remat)
//!        ─ validate ─► verifier, interpreter, Cranelift codegen metrics
//! ```
//!
//! [`pipeline::optimize`] runs the stages for one function; the `regpress`
//! binary runs them over corpora.
//!
//! ```
//! use regpress::{corpus, extract, pipeline, rules::RuleSet, validate::codegen};
//! let file = corpus::parse("example.clif", "
//!     function %f(i32) -> i32 {
//!     block0(v0: i32):
//!         v1 = iconst.i32 0
//!         v2 = iadd v0, v1
//!         return v2
//!     }").unwrap();
//! let isa = codegen::build_isa("x86_64", "none").unwrap();
//! let ex = extract::by_name("cranelift").unwrap();
//! let out = pipeline::optimize(&file.functions[0], &*isa, &*ex,
//!     &RuleSet::DEFAULT.rules(), &pipeline::Settings::default()).unwrap();
//! assert!(out.report.fallback.is_none());
//! ```

pub mod cli;
pub mod compare;
pub mod constants;
pub mod corpus;
pub mod division;
pub mod elaborate;
pub mod exec;
pub mod extract;
pub mod fold;
pub mod generate;
pub mod graph;
pub mod gym;
pub mod import;
pub mod jit;
pub mod lang;
pub mod liveness;
pub mod oracle;
pub mod pipeline;
pub mod predict;
pub mod report;
pub mod rules;
pub mod schedule;
pub mod skeleton;
pub mod validate;
