//! `.wasm` and `.wat` modules in: each defined function translated to CLIF
//! as wasmtime hands it to Cranelift's mid-end.
//!
//! wasmtime 48.0.8, used as a library, compiles the module with Cranelift
//! 0.135.8 (the same crate regpress links) at `opt_level=none` for
//! `x86_64-unknown-linux-gnu`, with `Config::emit_clif` writing each
//! function's CLIF after Cranelift's cleanup passes — the mid-end's input.
//! That is the route `wasmtime compile -O opt-level=0 --emit-clif DIR` takes,
//! which is how `../shared/corpus/wasm` and `wasm-extra` were made, so a
//! module translated here and the same module's corpus files are the same
//! CLIF. As there, trampolines and builtins are dropped: only the module's
//! own functions (`wasm[0]::function[N]`) are kept.
//!
//! wasmtime's compile settings (frame pointers, inline stack probes,
//! implicit sret for many returns) apply when the CLIF is compiled again,
//! through [`crate::validate::codegen::build_isa`].

use crate::corpus::{self, CorpusFile};
use anyhow::{anyhow, bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The target wasmtime translates for, as the corpora were made.
pub const TRANSLATION_TARGET: &str = "x86_64-unknown-linux-gnu";

/// The header that makes translated CLIF a file that stands alone: the
/// target wasmtime translated for and the shared flags it compiles with
/// (the same ones [`crate::validate::codegen::build_isa`] applies).
pub const CLIF_HEADER: &str = "set preserve_frame_pointers=true
set enable_probestack=true
set probestack_strategy=inline
set enable_multi_ret_implicit_sret=true
target x86_64

";

/// Is `path` a module this front end reads (by extension)?
pub fn is_module(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "wasm" || e == "wat")
}

/// The modules at `path`: the file itself if it is one, or every `.wasm`
/// and `.wat` file under a directory, searched recursively.
pub fn module_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(if is_module(path) {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let mut list = corpus::files_with_extension(path, "wasm")?;
    list.extend(corpus::files_with_extension(path, "wat")?);
    Ok(list)
}

/// The module's bytes in binary form, validated: a one-line error names
/// the file and what is wrong with it.
fn binary(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let wasm = if path.extension().is_some_and(|e| e == "wat") || !bytes.starts_with(b"\0asm") {
        if path.extension().is_some_and(|e| e == "wasm") {
            bail!("{}: not a wasm module (no `\\0asm` magic)", path.display());
        }
        wat::parse_bytes(&bytes)
            .map_err(|e| anyhow!("{}: {}", path.display(), first_line(&e.to_string())))?
            .into_owned()
    } else {
        bytes
    };
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&wasm)
        .map_err(|e| {
            anyhow!(
                "{}: invalid wasm module: {}",
                path.display(),
                first_line(&e.to_string())
            )
        })?;
    Ok(wasm)
}

/// `wasm` without its `name` custom section(s); every other section is
/// copied byte for byte.
///
/// Names change no code, but wasmtime names each CLIF file `emit_clif`
/// writes after its function, and a name holding `/` (or too long for a
/// file name) makes it panic; so every module is stripped before wasmtime
/// sees it.
pub fn without_names(wasm: &[u8]) -> Result<Vec<u8>> {
    if !wasm.starts_with(b"\0asm") {
        bail!("not a wasm module (no `\\0asm` magic)");
    }
    let mut out = Vec::with_capacity(wasm.len());
    let mut copied_header = false;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload =
            payload.map_err(|e| anyhow!("invalid wasm module: {}", first_line(&e.to_string())))?;
        if let wasmparser::Payload::Version { range, .. } = &payload {
            out.extend_from_slice(&wasm[..range.end]);
            copied_header = true;
            continue;
        }
        if let wasmparser::Payload::CustomSection(c) = &payload {
            if c.name() == "name" {
                continue;
            }
        }
        if let Some((id, range)) = payload.as_section() {
            out.push(id);
            leb128(&mut out, range.len() as u64);
            out.extend_from_slice(&wasm[range]);
        }
    }
    if !copied_header {
        bail!("not a wasm module");
    }
    Ok(out)
}

fn leb128(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The number of functions the module defines (not imports).
fn defined_functions(wasm: &[u8]) -> u64 {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::FunctionSection(s)) => Some(u64::from(s.count())),
            _ => None,
        })
        .sum()
}

/// Translate the module at `path` and parse each defined function as one
/// corpus file named `PATH#wasm[0]::function[N]`, in function order. With
/// `keep`, the CLIF files stay in that directory; otherwise they are
/// written to a temporary one and removed.
pub fn translate(path: &Path, keep: Option<&Path>) -> Result<Vec<CorpusFile>> {
    let wasm = binary(path)?;
    let total = defined_functions(&wasm);
    let (dir, temporary) = match keep {
        Some(k) => {
            std::fs::create_dir_all(k).with_context(|| format!("creating {}", k.display()))?;
            (k.to_path_buf(), false)
        }
        None => (scratch_dir()?, true),
    };
    let result = translate_into(path, &wasm, &dir, total).and_then(|()| read_functions(path, &dir));
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn scratch_dir() -> Result<PathBuf> {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "regpress-wasm-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Run wasmtime's compiler over the module, writing CLIF into `dir`, with
/// a progress bar that counts the files as they appear.
fn translate_into(path: &Path, wasm: &[u8], dir: &Path, total: u64) -> Result<()> {
    let mut config = wasmtime::Config::new();
    config
        .target(TRANSLATION_TARGET)
        .map_err(|e| anyhow!("wasmtime: {e}"))?;
    config.cranelift_opt_level(wasmtime::OptLevel::None);
    config.emit_clif(dir);
    let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow!("wasmtime: {e}"))?;
    let wasm = without_names(wasm)?;

    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} functions translated ({msg})",
        )
        .expect("valid template"),
    );
    bar.set_message(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    if total < 200 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0) as u64;
                bar.set_position(n.min(total));
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        // A panic inside wasmtime must still stop the progress thread, or
        // the scope would wait for it forever: it becomes an error.
        let r = crate::panics::catch_quietly(|| engine.precompile_module(&wasm));
        done.store(true, Ordering::Relaxed);
        r
    });
    bar.finish_and_clear();
    match result {
        Ok(r) => r.map(|_| ()).map_err(|e| {
            anyhow!(
                "{}: wasmtime: {}",
                path.display(),
                first_line(&format!("{e:#}"))
            )
        }),
        Err(panic) => Err(anyhow!(
            "{}: wasmtime panicked while translating: {}",
            path.display(),
            first_line(&crate::compare::panic_message(panic))
        )),
    }
}

/// The module's own functions among the CLIF files in `dir`, in function
/// order.
fn read_functions(path: &Path, dir: &Path) -> Result<Vec<CorpusFile>> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let p = entry?.path();
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        // wasmtime names the file after the symbol, `:` made `-`:
        // `wasm[0]--function[12].clif`, or `wasm[0]--function[12]--name.clif`
        // when the module has a name section.
        if let Some(index) = name
            .strip_prefix("wasm[0]--function[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, _)| i.parse().ok())
        {
            found.push((index, p));
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|(index, p)| {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            corpus::parse(
                &format!("{}#wasm[0]::function[{index}]", path.display()),
                &text,
            )
        })
        .collect()
}
