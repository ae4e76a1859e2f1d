//! Validation against Cranelift itself: semantics (interpreter) and code
//! (compile through Cranelift's backends and regalloc2, and count).

pub use regpress_core::codegen;
pub mod oracle;
pub mod semantics;
