//! Corpora: CLIF files from disk or built in, with their `; run:` lines.

use anyhow::{anyhow, Result};
use cranelift_codegen::ir::Endianness;
use cranelift_codegen::ir::Function;
use cranelift_reader::{parse_run_command, parse_test, IsaSpec, ParseOptions, RunCommand};
use std::path::{Path, PathBuf};

/// One parsed `.clif` file.
pub struct CorpusFile {
    /// Where it came from (a path, or `builtin:NAME`).
    pub path: String,
    /// Its functions, in order.
    pub functions: Vec<Function>,
    /// The run commands of each function.
    pub run_commands: Vec<Vec<RunCommand>>,
    /// Does the file say `test interpret`? Only then are its run lines
    /// meant for cranelift-interpreter (`test run` alone means native
    /// execution, which may recurse deeper than an interpreter can).
    pub interpret: bool,
    /// The file's header, verbatim: every line before its first function
    /// (`test`, `set` and `target` lines, and comments).
    pub header: String,
    /// The ISAs the file's `target` lines name, built with its `set` flags,
    /// or those flags alone when it names no target.
    pub isa_spec: IsaSpec,
}

impl CorpusFile {
    /// Every function of the file but the one at `index`: what a function
    /// under test may call.
    pub fn others(&self, index: usize) -> Vec<&Function> {
        self.functions
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != index)
            .map(|(_, f)| f)
            .collect()
    }

    /// The byte order the file's functions mean by "native": its first
    /// target's, or little-endian when it names none (the interpreter's
    /// default on the machines regpress runs on).
    pub fn endianness(&self) -> Endianness {
        match &self.isa_spec {
            IsaSpec::Some(isas) => isas
                .first()
                .map(|isa| isa.endianness())
                .unwrap_or(Endianness::Little),
            IsaSpec::None(_) => Endianness::Little,
        }
    }
}

/// The kernels shipped with regpress (see `extractor/kernels/`).
pub const BUILTIN: &[(&str, &str)] = &[
    ("blake3.clif", include_str!("../kernels/blake3.clif")),
    ("chacha20.clif", include_str!("../kernels/chacha20.clif")),
    ("keccak.clif", include_str!("../kernels/keccak.clif")),
    ("sha256.clif", include_str!("../kernels/sha256.clif")),
    ("pressure.clif", include_str!("../kernels/pressure.clif")),
];

/// Parse CLIF text. Errors are one line: `PATH:LINE: message`.
pub fn parse(path: &str, text: &str) -> Result<CorpusFile> {
    let test = parse_test(text, ParseOptions::default())
        .map_err(|e| anyhow!("{path}:{}: {}", e.location.line_number, e.message))?;
    let interpret = test.commands.iter().any(|c| c.command == "interpret");
    let header = header_lines(text);
    let mut functions = Vec::new();
    let mut run_commands = Vec::new();
    for (func, details) in test.functions {
        let cmds = details
            .comments
            .iter()
            .filter_map(|c| run_command(c.text, &func.signature))
            .collect();
        run_commands.push(cmds);
        functions.push(func);
    }
    Ok(CorpusFile {
        path: path.to_string(),
        functions,
        run_commands,
        interpret,
        header,
        isa_spec: test.isa_spec,
    })
}

/// `text` split at its functions: the header (every line before the first
/// line that starts with `function`) and each function's text, from its
/// `function` line to the next one's.
pub fn split_functions(text: &str) -> (&str, Vec<&str>) {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("function") {
            starts.push(offset);
        }
        offset += line.len();
    }
    let header = &text[..starts.first().copied().unwrap_or(text.len())];
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    let pieces = starts.iter().zip(ends).map(|(&a, b)| &text[a..b]).collect();
    (header, pieces)
}

/// The lines of `text` before its first `function`, each with its newline.
fn header_lines(text: &str) -> String {
    let mut header = split_functions(text).0.to_string();
    if !header.is_empty() && !header.ends_with('\n') {
        header.push('\n');
    }
    header
}

/// The run command in comment `text`, if it is one that cranelift-reader
/// parses; others are dropped, as the reader's errors are.
///
/// The reader panics, instead of returning an error, on a hex literal wider
/// than the vector type it is given for (a 16-byte literal for an `i16x4`
/// argument): it expands the literal to the type's size and asserts that it
/// fits. Such commands are skipped before parsing (found by the `clif_text`
/// fuzz target), and a panic that still escapes the reader is caught.
fn run_command(text: &str, sig: &cranelift_codegen::ir::Signature) -> Option<RunCommand> {
    let narrow_vector = sig
        .params
        .iter()
        .chain(&sig.returns)
        .filter(|p| p.value_type.is_vector())
        .map(|p| p.value_type.bytes() as usize)
        .min();
    if let Some(bytes) = narrow_vector {
        let too_wide = text.split("0x").skip(1).any(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_hexdigit() || *c == '_')
                .filter(|c| c.is_ascii_hexdigit())
                .count()
                > 2 * bytes
        });
        if too_wide && bytes < 16 {
            return None;
        }
    }
    std::panic::catch_unwind(|| parse_run_command(text, sig))
        .ok()?
        .ok()
        .flatten()
}

/// The built-in kernels.
pub fn builtin() -> Vec<CorpusFile> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            parse(&format!("builtin:{name}"), text).expect("built-in kernels parse")
        })
        .collect()
}

/// Every `.clif` file under `path` (a file or a directory), sorted.
pub fn clif_files(path: &Path) -> Result<Vec<PathBuf>> {
    files_with_extension(path, "clif")
}

/// Every file named `*.EXT` under `path` (a file, taken as is, or a
/// directory, searched recursively), sorted.
pub fn files_with_extension(path: &Path, ext: &str) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| anyhow!("{}: {e}", dir.display()))? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Read and parse one file.
pub fn load_file(path: &Path) -> Result<CorpusFile> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

/// `../shared/corpus` relative to the workspace, if present.
pub fn shared_corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}
