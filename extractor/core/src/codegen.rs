//! Compile a function with Cranelift 0.135 and measure the machine code.
//!
//! Cranelift's own pipeline is measured with an `opt_level=speed` ISA on the
//! original function; ours with an `opt_level=none` ISA on our output, so
//! that Cranelift does not optimise it again. Everything else (legalisation,
//! lowering, regalloc2, emission) is shared, so the difference is the
//! mid-end alone.

use anyhow::{anyhow, Context as _, Result};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::Context;
use regalloc2::Edit;

/// The two targets regpress measures.
pub const TARGETS: &[&str] = &["x86_64", "aarch64"];

/// Build an ISA for `target` (`x86_64` or `aarch64`) at `opt_level`
/// (`none`, `speed`, `speed_and_size`), with wasmtime's settings:
/// frame pointers kept, inline stack probes, implicit sret for many returns,
/// and Cranelift's default ISA flags.
///
/// The cost model owns this configuration
/// ([`regpress_cost_model::isa::build`]), so what it is calibrated against
/// and what regpress measures are the same ISA.
pub fn build_isa(target: &str, opt_level: &str) -> Result<OwnedTargetIsa> {
    let Some(t) = regpress_cost_model::Target::from_name(target) else {
        return Err(anyhow!(
            "unknown target `{target}` (expected x86_64 or aarch64)"
        ));
    };
    regpress_cost_model::isa::build(t, opt_level)
}

/// What the machine code of one function looks like.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeMetrics {
    /// regalloc2 moves from a register to a stack slot.
    pub spills: u64,
    /// regalloc2 moves from a stack slot to a register.
    pub reloads: u64,
    /// regalloc2 moves between registers.
    pub moves: u64,
    /// Machine instructions emitted (including prologue, epilogue and the
    /// moves above).
    pub insts: u64,
    /// Code bytes.
    pub bytes: u64,
    /// Spill slots allocated by regalloc2.
    pub spill_slots: u64,
    /// Frame size: bytes between the frame pointer and the stack pointer.
    pub frame_size: u64,
}

impl CodeMetrics {
    /// Spills plus reloads.
    pub fn spills_reloads(&self) -> u64 {
        self.spills + self.reloads
    }
}

impl std::ops::AddAssign for CodeMetrics {
    fn add_assign(&mut self, o: CodeMetrics) {
        self.spills += o.spills;
        self.reloads += o.reloads;
        self.moves += o.moves;
        self.insts += o.insts;
        self.bytes += o.bytes;
        self.spill_slots += o.spill_slots;
        self.frame_size += o.frame_size;
    }
}

/// Compile `func` with `isa` (running Cranelift's `optimize` at the ISA's
/// opt level first) and measure the result.
pub fn compile(func: &Function, isa: &dyn isa::TargetIsa) -> Result<CodeMetrics> {
    if func.layout.entry_block().is_none() {
        return Err(anyhow!("function {} has no blocks", func.name));
    }
    let mut ctx = Context::for_function(func.clone());
    let mut ctrl = ControlPlane::default();
    ctx.optimize(isa, &mut ctrl)
        .map_err(|e| {
            anyhow!(
                "{}",
                cranelift_codegen::print_errors::pretty_error(&ctx.func, e)
            )
        })
        .with_context(|| format!("optimizing {}", func.name))?;
    let mut ra = regalloc2::Ctx::default();
    let code = isa
        .compile_function(&ctx.func, &ctx.domtree, &mut ra, true, &mut ctrl)
        .map_err(|e| anyhow!("compiling {}: {e:?}", func.name))?;
    let mut m = CodeMetrics::default();
    for (_, edit) in &ra.output.edits {
        let Edit::Move { from, to } = edit;
        match (from.as_reg().is_some(), to.as_reg().is_some()) {
            (true, false) => m.spills += 1,
            (false, true) => m.reloads += 1,
            _ => m.moves += 1,
        }
    }
    m.insts = count_insts(code.vcode.as_deref().unwrap_or(""));
    m.bytes = code.buffer.data().len() as u64;
    m.spill_slots = ra.output.num_spillslots as u64;
    m.frame_size = code
        .buffer
        .frame_layout()
        .map(|f| f.frame_to_fp_offset as u64)
        .unwrap_or(0);
    Ok(m)
}

/// Count the machine instructions in Cranelift's disassembly of the final
/// VCode. The line classification is the cost model's, so that calibration
/// and measurement count the same way.
pub fn count_insts(vcode: &str) -> u64 {
    vcode
        .lines()
        .filter(|l| regpress_cost_model::backend::is_inst_line(l))
        .count() as u64
}

/// Whether Cranelift's backend compiles `func` for `isa` (without its
/// mid-end). A panic inside the backend counts as a failure, and is caught
/// without printing anything ([`crate::panics::catch_quietly`]).
pub fn lowers(func: &Function, isa: &dyn isa::TargetIsa) -> Result<(), String> {
    let run = || {
        let mut ctx = Context::for_function(func.clone());
        ctx.compute_cfg();
        ctx.compute_domtree();
        let mut ra = regalloc2::Ctx::default();
        let mut ctrl = ControlPlane::default();
        isa.compile_function(&ctx.func, &ctx.domtree, &mut ra, false, &mut ctrl)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    match crate::panics::catch_quietly(run) {
        Ok(r) => r,
        Err(_) => Err("the backend panicked".into()),
    }
}
