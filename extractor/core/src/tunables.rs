//! Every tunable of the pipeline, in one place.
//!
//! Each constant's first doc line says what it is, its value, and the
//! measurement on the **tuning set** (`../shared/corpus/wasm`, the built-in
//! kernels and Cranelift's filetests) that chose it; the lines below give
//! the whole measurement. None was chosen on the validation set
//! (`wasm-extra`), which is reported, never tuned on. The modules that use
//! them re-export them under their old paths.
//!
//! The relief model (`extract/relief.rs`) has no constant of its own: it
//! uses the cost model's spill and reload costs and block frequencies as
//! they are. Scaling its spill term by 1.5, 2 or 3 was measured on `wasm`
//! and traded instructions for spills on x86_64 (notes.md §3.2).

use std::time::Duration;

/// **8 iterations** — saturation: most rewrite iterations per function.
/// Not swept; with [`SATURATION_NODES`] it is what bounds saturation.
pub const SATURATION_ITERATIONS: usize = 8;

/// **200,000 e-nodes** — saturation: rewriting stops once the e-graph
/// reaches it (see `rules::bounded` for how far past it a step can go).
/// Not swept; `tests/hostile.rs` checks it bounds a 100,000-instruction
/// function and rule blow-ups.
pub const SATURATION_NODES: usize = 200_000;

/// **600 s** — saturation: a wall-clock safety net per function only, so
/// that the node and iteration limits decide where saturation stops, and
/// the same input gives the same output on a loaded machine. At the former
/// 5 s, `keccak_f1600_straight` under `default+reassoc` stopped on time on
/// a loaded machine; it reaches its 8th iteration after about 11 s.
pub const SATURATION_TIME: Duration = Duration::from_secs(600);

/// **2 rounds** — skeleton: most rounds of saturation followed by skeleton
/// simplification. A skeleton simplification that turns an instruction's
/// result into a pure value (a division by a constant, an add-with-trap
/// that cannot trap) gives the rules new matches among its users, which
/// Cranelift, rewriting as it inserts, takes; a second round of
/// saturation takes them too. Chosen by the fidelity fuzzer
/// (`tests/fidelity.rs`, 9,000 cases at `PROPTEST_RNG_SEED=777`):
/// functions where Cranelift's mid-end leaves less code fell from 170 with
/// one round to 31 with two, and stay at 31 with three.
pub const SKELETON_ROUNDS: usize = 2;

/// **4 instructions** — liveness: a use this close to the value's previous touch is not charged a reload again. Chosen by `model_fit` on `wasm` (estimate ÷ regalloc2 S+R 2.17 → 1.35 on x86_64).
///
/// Two touches of a value (a definition or a use, then a use) at most
/// this many instructions apart in one block count one reload at most:
/// the value the first touch produced or reloaded is still in a register
/// at the second. Without this, the estimate charged every use of a
/// value used twice in a row (`band x, y` then `bxor t, y`) as if each
/// could miss. Measured on the wasm corpus by `benches/examples/model_fit.rs`
/// (the `cranelift` and `pressure` extractors' outputs, notes.md §6.3):
/// the estimate was 2.17x regalloc2's spills+reloads on x86_64 (1.80x on
/// aarch64), and is 1.35x (1.15x) with a window of 4; its correlation with
/// regalloc2's count per function rose from 0.718 to 0.754 (0.502 to
/// 0.527). Windows of 2 and 8 measure 1.47x and 1.25x, correlations 0.743
/// and 0.755; windows of 2 to 16 gave the same results on the kernels and
/// filetests.
pub const REUSE_WINDOW: u32 = 4;

/// **400,000 nodes** — `pressure`: larger graphs keep `dag`'s choice. Chosen for compile time of the largest `wasm` functions; not swept.
///
/// Graphs with more nodes than this keep `dag`'s placement: each round
/// elaborates the whole function, and the corpus's largest functions would
/// otherwise spend more time here than Cranelift spends compiling them.
pub const NODE_LIMIT: usize = 400_000;

/// **128 classes** — `pressure` move 2 (original forms) needs this many re-expressed hot classes. Chosen on `wasm` and the kernels (218 small trials cost 31% of the time for 13 tiny wins).
///
/// The original-forms move is tried only when at least this many hot
/// classes chose a re-expression of their original form. The move exists
/// for rule families that reshape whole expression trees (reassociation,
/// De Morgan); a few re-expressed classes (commutations and the like under
/// the default rules) rarely change pressure, and each trial costs two
/// full evaluations. Measured before this limit existed (notes.md §6.7):
/// on the wasm corpus 218 trials with 1 to 102 such classes took 31% of
/// `pressure`'s time and 13 of them were kept, each with at most 5; on
/// the kernels the two trials kept (`keccak_f1600_straight` under De
/// Morgan, both targets) had 664 and 669.
pub const ORIGINAL_FORMS_MIN: usize = 128;

/// **64 classes** — `pressure` move 0 needs this many classes tied between forms. Chosen on `wasm` (≤ 44 per function) and the kernels (128, 600); 45–128 give identical results.
///
/// Move 0 (the same extraction with ties to the newest node) is tried only
/// when `dag` saw at least this many classes tie between different forms
/// ([`TiedChoice::form_ties`]). Like [`ORIGINAL_FORMS_MIN`], a limit from
/// measurements: on the wasm corpus no function has more than 44 such
/// classes, and trying the move on every function with one or more
/// changed its totals by noise (x86_64 −24 spills+reloads and −89
/// instructions, aarch64 +85 and −123) for a second dag run and two
/// evaluations each, most of them on functions without calls that
/// otherwise need no evaluation at all; the kernels
/// where it matters have 128 (`sha256_compress_straight`, 64 rounds of
/// `ch` and `maj`) and 600 (`keccak_f1600_straight`). Any value from 45
/// to 128 gives the same results on every corpus here (notes.md §6.3).
pub const FORM_TIES_MIN: usize = 64;

/// **2%** — ... and that share of all classes. Chosen on the kernels (4.9%, 12%), `wasm` (≤ 3.3%) and the scaling series (1–1.6%, where the move doubled the time).
///
/// ... and only when those classes are at least this share of the graph's
/// classes: the move is for code whose expressions the rules reshape
/// throughout (the crypto rounds: 4.9% of `sha256_compress_straight`'s
/// classes, 12% of `keccak_f1600_straight`'s), not for a large function
/// with incidental ties, where the second `dag` run (superlinear in the
/// graph) costs most. The benchmarks' generated scaling functions have
/// 1–1.6% (148 of 9,157 classes at 12,410 nodes), and at 20,475 nodes the
/// move doubled `pressure`'s time (65.6 ms against 33.2 ms without it,
/// criterion); no wasm function has more than 3.3%.
pub const FORM_TIES_SHARE: f64 = 0.02;

/// **2.0 model cycles** — `pressure`: the most a relief candidate may cost (one ALU instruction or one load). Not swept.
///
/// A class is worth recomputing only if its node costs at most this, in the
/// cost model's cycles ([`Cost::scalar`](regpress_cost_model::Cost::scalar)):
/// one simple ALU instruction or one load, not a multiply chain.
pub const CHEAP: f64 = 2.0;

/// **250M set members** — `dag`: past this it returns the `cranelift` choice. Chosen on the kernels (20M made `keccak_f1600_straight` under De Morgan fall back).
///
/// A bound on the work of one extraction. Its measure is the size of the
/// sets formed: each costed node adds its cost set's member count, whether
/// or not the set is kept. Past this many members the extractor gives up
/// and returns the `cranelift` extractor's choice instead: a correct, less
/// optimised result in bounded time and memory.
///
/// The measure is the one the sorted-vector implementation used (which
/// wrote every member out), kept so that the same graphs fall back as
/// before. Block sharing makes the actual work a small fraction of it:
/// `keccak_f1600_straight` under `default+reassoc+demorgan`, which reaches
/// the limit, takes some 30 members counted per step of a union.
pub const WORK_LIMIT: usize = 250_000_000;
