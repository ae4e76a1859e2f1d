//! `regpress optimize`: a CLIF file in, a drop-in replacement out.
//!
//! The output keeps the input's header verbatim (its `test`, `set` and
//! `target` lines and leading comments) and each function's `; run:` and
//! `; print:` lines, so that it means what the input meant and is tested
//! the way the input is:
//!
//! * **Flags.** The pipeline verifies with an ISA built from the file's own
//!   `set` lines. A file that needs `enable_llvm_abi_extensions` for its
//!   `i128` arguments keeps it, and so still compiles.
//! * **Targets.** A file that names targets is optimised for the first of
//!   them (or the `--target` asked for, which must be one of them), and
//!   every output function must verify, and compile wherever its input
//!   compiles, on *each* target the file names, and on x86_64 and AArch64
//!   with the file's shared flags (those alone when it names no target). An output that fails
//!   any of these checks is replaced by its input function, with a warning:
//!   a file never silently changes meaning or stops compiling.
//! * **Byte order.** The header is what tells a reader that
//!   `atomic_rmw.i16` in a file for `s390x` is big-endian. Keeping it keeps
//!   that meaning; dropping it would silently make it little-endian.

use crate::corpus::{self, CorpusFile};
use crate::extract::Extractor;
use crate::pipeline::{self, Settings};
use crate::rules::Rule;
use crate::validate::codegen;
use anyhow::{anyhow, bail, Result};
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::Flags;
use cranelift_reader::IsaSpec;

/// How to optimise a file.
pub struct Options<'a> {
    /// The target to optimise for, if not the file's first.
    pub target: Option<&'a str>,
    /// The extractor.
    pub extractor: &'a dyn Extractor,
    /// The rules.
    pub rules: &'a [Rule],
    /// Limits.
    pub settings: Settings,
}

/// A file optimised.
pub struct Output {
    /// The output file's text.
    pub text: String,
    /// One line per function that fell back, and why.
    pub warnings: Vec<String>,
}

/// The ISAs a file is optimised for and checked on.
struct FileIsas {
    /// What the pipeline verifies and costs with.
    optimize: OwnedTargetIsa,
    /// Where every output must verify, and compile wherever its input does.
    check: Vec<OwnedTargetIsa>,
}

fn isas_of(file: &CorpusFile, target: Option<&str>) -> Result<FileIsas> {
    match &file.isa_spec {
        IsaSpec::Some(named) => {
            let optimize = match target {
                None => named[0].clone(),
                Some(t) => named
                    .iter()
                    .find(|isa| isa.triple().architecture.to_string() == t)
                    .cloned()
                    .ok_or_else(|| {
                        anyhow!(
                            "{}: the file is for {}, not {t}; optimising it for {t} could change its meaning",
                            file.path,
                            target_names(named)
                        )
                    })?,
            };
            // Also x86_64 and AArch64 with the file's shared flags: an
            // output must not stop compiling there either.
            let mut check = named.clone();
            for t in codegen::TARGETS {
                check.push(isa_with_flags(t, named[0].flags())?);
            }
            Ok(FileIsas { optimize, check })
        }
        IsaSpec::None(flags) => {
            let build = |t: &str| isa_with_flags(t, flags);
            let optimize = build(target.unwrap_or(codegen::TARGETS[0]))?;
            let check = codegen::TARGETS
                .iter()
                .map(|t| build(t))
                .collect::<Result<_>>()?;
            Ok(FileIsas { optimize, check })
        }
    }
}

fn target_names(isas: &[OwnedTargetIsa]) -> String {
    isas.iter()
        .map(|i| i.triple().architecture.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An ISA for `target` with the file's shared flags and the target's
/// default ISA flags.
fn isa_with_flags(target: &str, flags: &Flags) -> Result<OwnedTargetIsa> {
    if !codegen::TARGETS.contains(&target) {
        bail!(
            "unknown target `{target}` (expected one of {})",
            codegen::TARGETS.join(", ")
        );
    }
    let builder = isa::lookup_by_name(target).map_err(|e| anyhow!("target {target}: {e}"))?;
    builder
        .finish(flags.clone())
        .map_err(|e| anyhow!("target {target}: {e}"))
}

/// `out` as CLIF text if it can stand in for `input`, else why not: it
/// must print as CLIF that reads back, and pass [`refuse_on`] on every ISA.
fn accept(out: &Function, input: &Function, isas: &[OwnedTargetIsa]) -> Result<String, String> {
    // Some entities do not survive the pipeline in a printable form (a
    // dynamic vector type whose declaration the output lost, for one).
    let text = write_function(out);
    if let Err(e) = cranelift_reader::parse_functions(&text) {
        return Err(format!("the output does not read back as CLIF: {e}"));
    }
    match isas.iter().find_map(|isa| refuse_on(out, input, &**isa)) {
        Some(why) => Err(why),
        None => Ok(text),
    }
}

/// Why `out` cannot stand in for `input` on `isa`, if it cannot.
fn refuse_on(out: &Function, input: &Function, isa: &dyn isa::TargetIsa) -> Option<String> {
    let target = isa.triple().architecture.to_string();
    if let Err(e) = cranelift_codegen::verify_function(out, isa) {
        if cranelift_codegen::verify_function(input, isa).is_ok() {
            let first = e.0.first().map(|e| e.to_string()).unwrap_or_default();
            return Some(format!(
                "the output does not verify for {target} where the input does: {first}"
            ));
        }
    }
    if let Err(why) = codegen::lowers(out, isa) {
        if codegen::lowers(input, isa).is_ok() {
            return Some(format!(
                "the output does not compile for {target} where the input does: {why}"
            ));
        }
    }
    None
}

/// Optimise every function of `file`.
pub fn optimize_file(file: &CorpusFile, text: &str, opts: &Options) -> Result<Output> {
    let isas = isas_of(file, opts.target)?;
    let (_, pieces) = corpus::split_functions(text);
    // The input's own text for each function, if the file splits into one
    // piece per parsed function.
    let sources = (pieces.len() == file.functions.len()).then_some(&pieces);
    let mut out_text = file.header.clone();
    let mut warnings = Vec::new();
    for (i, func) in file.functions.iter().enumerate() {
        let optimized = match pipeline::optimize(
            func,
            &*isas.optimize,
            opts.extractor,
            opts.rules,
            &opts.settings,
        ) {
            // A function that does not verify for the target it is
            // optimised for (a file may hold one meant for only some of its
            // targets) is written as it came. A function over the size
            // limit, or without blocks, is an error.
            Err(e @ pipeline::PipelineError::Invalid { .. }) => {
                warnings.push(format!("{}: kept the input: {e}", func.name));
                None
            }
            Err(e) => bail!("{}: {e}", file.path),
            Ok(out) => {
                if let Some(why) = &out.report.fallback {
                    warnings.push(format!("{}: fell back: {why}", func.name));
                }
                match accept(&out.func, func, &isas.check) {
                    Ok(text) => Some(text),
                    Err(why) => {
                        warnings.push(format!("{}: kept the input: {why}", func.name));
                        None
                    }
                }
            }
        };
        if i > 0 {
            out_text.push('\n');
        }
        match (optimized, sources) {
            // The input as it was written: its own text says exactly what
            // it means, which Cranelift's writer cannot always say again.
            (None, Some(sources)) => {
                out_text.push_str(sources[i].trim_end());
                out_text.push('\n');
            }
            (optimized, _) => {
                out_text.push_str(&optimized.unwrap_or_else(|| write_function(func)));
                for line in pieces
                    .get(i)
                    .map_or("", |p| p)
                    .lines()
                    .filter(|l| is_run_line(l))
                {
                    out_text.push_str(line.trim_start());
                    out_text.push('\n');
                }
            }
        }
    }
    Ok(Output {
        text: out_text,
        warnings,
    })
}

/// `func` as CLIF text that reads back as the same function.
///
/// Cranelift 0.135's writer leaves out the memory flags of `atomic_rmw`
/// and `atomic_cas` (its reader accepts them: `atomic_rmw.i64 little add
/// v0, v1`). Without them, an access the input made little-endian reads
/// back as native-endian, which on a big-endian target such as s390x
/// changes its meaning. The flags are put back after the opcode.
pub fn write_function(func: &Function) -> String {
    use cranelift_codegen::ir::InstructionData;
    let text = func.display().to_string();
    let mut fixes: Vec<(String, String)> = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let flags = match func.dfg.insts[inst] {
                InstructionData::AtomicRmw { flags, .. }
                | InstructionData::AtomicCas { flags, .. } => func.dfg.mem_flags[flags].to_string(),
                _ => continue,
            };
            let Some(&result) = func.dfg.inst_results(inst).first() else {
                continue;
            };
            if !flags.trim().is_empty() {
                fixes.push((format!("{result} = "), flags));
            }
        }
    }
    if fixes.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16 * fixes.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fix = fixes
            .iter()
            .find(|(head, _)| trimmed.starts_with(head.as_str()));
        match fix {
            Some((head, flags)) => {
                // `vN = opcode[.type] operands`: the flags go after the
                // opcode token.
                let indent = &line[..line.len() - trimmed.len()];
                let rest = &trimmed[head.len()..];
                let op_end = rest.find(' ').unwrap_or(rest.len());
                out.push_str(indent);
                out.push_str(head);
                out.push_str(&rest[..op_end]);
                out.push_str(flags);
                out.push_str(&rest[op_end..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Is `line` a `; run:` or `; print:` line? Those are a file's tests, so
/// they are kept with the function they follow; every other comment is
/// dropped with the text it annotated.
fn is_run_line(line: &str) -> bool {
    let t = line.trim_start();
    let body = t.trim_start_matches(';').trim_start();
    t.starts_with(';') && (body.starts_with("run:") || body.starts_with("print:"))
}

/// Read, optimise and return a file, with a one-line error for anything
/// wrong with it.
pub fn optimize_path(path: &std::path::Path, opts: &Options) -> Result<Output> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    let file = corpus::parse(&path.display().to_string(), &text)?;
    optimize_file(&file, &text, opts)
}

/// Translate a `.wasm`/`.wat` module (see [`crate::wasm`]) and optimise
/// every function it defines. The output is one CLIF file: wasmtime's
/// target and flags as its header ([`crate::wasm::CLIF_HEADER`]), then the
/// functions in function order.
pub fn optimize_module(
    path: &std::path::Path,
    keep: Option<&std::path::Path>,
    opts: &Options,
) -> Result<Output> {
    let files = crate::wasm::translate(path, keep)?;
    let mut text = crate::wasm::CLIF_HEADER.to_string();
    for f in files.iter().flat_map(|f| &f.functions) {
        text.push_str(&write_function(f));
        text.push('\n');
    }
    let file = corpus::parse(&path.display().to_string(), &text)?;
    optimize_file(&file, &text, opts)
}
