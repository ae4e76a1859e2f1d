//! The interface through which elaboration writes its decisions.
//!
//! Two emitters implement it: the one in `elaborate` that builds CLIF, and
//! [`crate::schedule::ScheduleBuilder`], which records only what liveness
//! needs. Both see the same calls in the same order, so a schedule lists
//! exactly the instructions the CLIF would hold.

use crate::graph::{ClassId, NodeId};
use cranelift_codegen::ir::{Inst, Value};

/// Where elaboration writes what it decides. The elaborator itself only
/// reads the skeleton; an emitter turns its decisions into an output.
pub trait Emit {
    /// Emit class `c`'s chosen node `n` with operand values `args`,
    /// immediately before skeleton instruction `before` (so after whatever
    /// was emitted before it earlier). Returns the new value.
    fn emit(&mut self, c: ClassId, n: NodeId, args: &[Value], before: Inst) -> Value;

    /// Emit a copy of the instruction that defined `v` (a value this
    /// emitter returned) immediately before `before`. Returns the copy's
    /// value.
    fn copy(&mut self, v: Value, c: ClassId, before: Inst) -> Value;

    /// Skeleton instruction `inst` now uses `args`: all of its values in
    /// `DataFlowGraph::inst_values` order, branch arguments included.
    fn set_operands(&mut self, inst: Inst, args: &[Value]);
}
