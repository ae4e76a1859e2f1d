//! Validation against Cranelift itself: semantics (interpreter) and code
//! (compile through Cranelift's backends and regalloc2, and count).

pub mod codegen;
pub mod oracle;
pub mod semantics;
