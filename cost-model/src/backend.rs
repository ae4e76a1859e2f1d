//! Thin driver around Cranelift's real backends: compile a function for an
//! ISA built by [`crate::isa`] and measure what came out.
//!
//! Everything the calibration and the register-file measurement know about
//! the backends comes through here.

use anyhow::{anyhow, Context as _, Result};
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa;
use cranelift_control::ControlPlane;
use serde::Serialize;

/// What compiling one function produced.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Measurement {
    /// Machine instruction lines in the vcode disassembly (labels, blank
    /// lines and the zero-size `unwind`/`uninit` pseudo-instructions
    /// excluded).
    pub insts: u32,
    /// `code_buffer().len()`: instruction bytes plus islands and constants.
    pub bytes: u32,
    /// Bytes of machine code attributed to CLIF instructions that carry a
    /// source location (the calibration harness marks only its sink store,
    /// so this is that store's encoded size).
    pub marked_bytes: u32,
    /// The mnemonic (first word) of every counted instruction line.
    pub mnemonics: Vec<String>,
    /// The full vcode disassembly.
    pub vcode: String,
}

/// Whether a vcode disassembly line is a real machine instruction.
pub fn is_inst_line(line: &str) -> bool {
    let t = line.trim();
    // A label is a single token ending in ':' (pseudo-instruction sequences
    // such as x64's `movss ..; jz $next; movss ..; $next:` are instructions).
    let is_label = t.ends_with(':') && !t.contains(char::is_whitespace);
    !(t.is_empty()
        || is_label
        || t.starts_with("unwind ")
        || t.starts_with("uninit ")
        || t.starts_with(';'))
}

/// Compile `func` for `isa` and measure it. `regalloc` receives the
/// allocator's context so callers can inspect its output.
pub fn compile_with(
    isa: &dyn isa::TargetIsa,
    func: &Function,
    regalloc: &mut regalloc2::Ctx,
) -> Result<Measurement> {
    let mut cfg = cranelift_codegen::flowgraph::ControlFlowGraph::new();
    cfg.compute(func);
    let mut domtree = cranelift_codegen::dominator_tree::DominatorTree::new();
    domtree.compute(func, &cfg);
    let code = isa
        .compile_function(func, &domtree, regalloc, true, &mut ControlPlane::default())
        .map_err(|e| anyhow!("compile {}: {e:?}", func.name))?;
    let vcode = code.vcode.clone().unwrap_or_default();
    let mnemonics: Vec<String> = vcode
        .lines()
        .filter(|l| is_inst_line(l))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    let marked_bytes = code
        .buffer
        .get_srclocs_sorted()
        .iter()
        .filter(|s| !s.loc.is_default())
        .map(|s| s.end - s.start)
        .sum();
    Ok(Measurement {
        insts: mnemonics.len() as u32,
        marked_bytes,
        bytes: code.buffer.data().len() as u32,
        mnemonics,
        vcode,
    })
}

/// Parse CLIF text holding exactly one function.
pub fn parse_one(clif: &str) -> Result<Function> {
    let mut fs = cranelift_reader::parse_functions(clif).context("parsing generated CLIF")?;
    if fs.len() != 1 {
        return Err(anyhow!("expected one function, got {}", fs.len()));
    }
    Ok(fs.remove(0))
}

/// Parse and compile one CLIF function for `isa`.
pub fn compile_clif(isa: &dyn isa::TargetIsa, clif: &str) -> Result<Measurement> {
    let f = parse_one(clif)?;
    compile_with(isa, &f, &mut regalloc2::Ctx::default())
}
