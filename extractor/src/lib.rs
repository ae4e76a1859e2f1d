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
pub mod corpus;
pub mod exec;
pub mod fidelity;
pub mod generate;
pub mod gym;
pub mod jit;
pub mod optimize;
pub mod oracle;
pub mod report;
pub mod sightglass;
pub mod validate;
pub mod wasm;

// The pipeline's stages live in the core crate; the tools see them under
// the same paths as before.
pub use regpress_core::lang::{constants, fold};
pub use regpress_core::{
    choice, control, division, elaborate, emit, graph, import, lang, liveness, panics, pipeline,
    predict, rules, schedule, skeleton,
};

/// Extraction: the core's extractors, and `exact`, which needs a MILP
/// solver and so lives with the tools.
pub mod extract {
    pub use regpress_core::extract::*;

    pub mod exact;

    /// The names of every extractor, in report order.
    pub const EXTRACTORS: &[&str] = &["cranelift", "tree", "dag", "pressure", "exact"];

    /// Look up an extractor by name: the core's, or `exact`.
    pub fn by_name(name: &str) -> Option<Box<dyn Extractor>> {
        match name {
            "exact" => Some(Box::new(exact::ExactExtractor::default())),
            _ => regpress_core::extract::by_name(name),
        }
    }
}
