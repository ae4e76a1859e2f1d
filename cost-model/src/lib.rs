//! # regpress-cost-model
//!
//! The project's single answer to "what does this cost on this target".
//!
//! * [`Target`] names a target (x86-64, aarch64) and knows its register
//!   file ([`Target::registers`], measured from what Cranelift's ABI hands
//!   regalloc2), its spill and reload costs and, via
//!   [`block_frequency`], how much work in loops counts.
//! * [`NodeShape`] / [`OperandShape`] describe a node in context: opcode,
//!   type, immediates and how each operand is supplied (register, constant,
//!   folded shift / extend / multiply / not / compare).
//! * [`CostModel`] answers "what does this node cost" ([`CostModel::cost`],
//!   [`CostModel::lower`] with mnemonics), "can this operand fold into that
//!   consumer" ([`CostModel::fold`], [`CostModel::can_fold`]) and "what does
//!   this pattern cost" ([`CostModel::pattern_cost`] over an [`Expr`]).
//! * [`isa`] builds the one Cranelift ISA the project models and measures
//!   (wasmtime's settings, Cranelift's default ISA flags; [`X86Features`]
//!   selects another x86-64 extension set, e.g. Skylake's).
//! * [`calibrate`] measures the model against Cranelift's real backends.
//! * [`sources`] documents where latencies and throughputs come from.

#![deny(missing_docs)]

pub mod aarch64;
pub mod backend;
pub mod calibrate;
pub mod cost;
pub mod isa;
pub mod shape;
pub mod sources;
pub mod target;
pub mod x86_64;

pub use cost::{Cost, CostModel, Lowering, MachInst};
pub use isa::X86Features;
pub use shape::{Cond, Expr, NodeShape, OperandShape};
pub use target::{block_frequency, RegClass, RegisterFile, Target, ALL_TARGETS};
