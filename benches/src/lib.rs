//! Workloads shared by the criterion benches (`cargo bench -p
//! regpress-benches`) and the instruction counter (`regpress-icount`).
//!
//! Everything here is deterministic: the same corpus gives the same
//! functions, the same generated graphs and the same order, so that two
//! runs (or criterion and callgrind) measure the same work.

pub mod generate;
pub mod mode;
pub mod workload;
