//! Putting regpress's machine code into an unmodified wasmtime, through its
//! incremental compilation cache.
//!
//! # The route
//!
//! With `Config::enable_incremental_compilation(store)`, wasmtime 48 hands
//! every function it compiles (the module's own functions and its
//! trampolines alike) to Cranelift's `Context::compile_with_cache`. That
//! call hashes the function *as wasmtime built it*, before any Cranelift
//! pass, together with the ISA's name, triple and every shared and ISA
//! flag, and asks the store for that key. On a hit it deserialises the
//! stored stencil with `try_finish_recompile`, which re-applies the
//! function's *own* external-name table, and never looks at the function
//! again. So a store that answers each key with the serialised stencil of
//! regpress's version of that function makes wasmtime link and run our
//! code, with no change to wasmtime.
//!
//! The store is told the key only, never the function. Two compilations
//! of the module close that gap:
//!
//! 1. **Recording.** wasmtime compiles the module at `opt_level=none`
//!    with `emit_clif` on and a store that never hits. For each function it
//!    asks the store (`get`), compiles, offers the result (`insert`), and
//!    then writes the function's CLIF file. Compilation is sequential here
//!    (the `parallel-compilation` feature is off), so the CLIF file that
//!    appears between two `get`s is the function of the first of them.
//!    Each recorded function has wasmtime's own stencil for it and its
//!    CLIF: the mid-end's input, as in `../shared/corpus/wasm`.
//! 2. **Serving.** For each recorded function regpress optimises the CLIF
//!    ([`crate::pipeline::optimize`]), compiles the result with Cranelift's
//!    backend at `opt_level=none` and the same flags
//!    ([`crate::validate::codegen::build_isa`]), and serialises the
//!    stencil. A second compilation of the module, with the same settings,
//!    is answered from those stencils **by position**: the n-th question
//!    gets the n-th recorded function's stencil. The second pass writes its
//!    CLIF files too, and the n-th file of both passes must name the same
//!    symbol, or the artifact is refused ([`check_same_order`]).
//!
//! Why by position and not by key: the keys of one function differ between
//! the two passes. wasmtime reuses its Cranelift contexts, and
//! `Function::clear` leaves the data-flow graph's exception tables in
//! place (array-to-wasm trampolines make one each), so a function's key
//! also hashes the leftovers of whatever the context compiled before, and
//! that differs once some questions are answered from the cache. The
//! leftovers are never referenced by the function's instructions, so they
//! do not change its code; they only make the key useless as a name.
//!
//! # Why the served code is linked right
//!
//! A stencil names callees by index into the function's external-name
//! table (`UserExternalNameRef`), and `try_finish_recompile` resolves those
//! indices with *wasmtime's* table. Our function is parsed from the CLIF
//! text, whose table is rebuilt in order of first mention. Both tables list
//! the names in the order the function's `fnN` declarations were made, but
//! nothing promises it. So every function is first compiled unchanged (the
//! *identity*): its stencil must equal, byte for byte, the one wasmtime
//! itself offered to the store in the recording pass. That proves the
//! tables, the flags and the compile path agree for that function; one
//! that differs is not served regpress's code but Cranelift's own
//! `opt_level=speed` compilation of it, and is counted.
//!
//! # Settings
//!
//! Both passes, and the stock engine it is compared with, translate for
//! [`TARGET`] without host feature detection, as the corpora were made, so
//! that the ISA regpress compiles with ([`crate::validate::codegen::build_isa`]:
//! Cranelift's default ISA flags plus wasmtime's frame-pointer, stack-probe
//! and implicit-sret settings) is wasmtime's.

use crate::compare::guarded;
use crate::corpus;
use crate::extract;
use crate::pipeline::{self, Settings};
use crate::rules::RuleSet;
use crate::validate::codegen;
use anyhow::{anyhow, bail, Context as _, Result};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::incremental_cache::serialize_compiled;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The triple every engine here compiles for (no host feature detection).
pub const TARGET: &str = crate::wasm::TRANSLATION_TARGET;

/// Where each function's machine code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MidEnd {
    /// wasmtime 48.0.8 as shipped: Cranelift at `opt_level=speed`.
    Stock,
    /// The control: Cranelift's own mid-end at `opt_level=speed` run on
    /// the recorded CLIF (the mid-end's input, as regpress sees it) and
    /// served through the cache like regpress's code. Against `stock` it
    /// measures the route and the input form; against a regpress variant,
    /// the mid-end alone.
    CraneliftSpeed,
    /// regpress's pipeline with this extractor and rule set, then
    /// Cranelift's backend at `opt_level=none`.
    Regpress {
        /// Extractor name.
        extractor: String,
        /// Rule set.
        rules: RuleSet,
        /// Checked mode (`--check regalloc`): regalloc2 judges each
        /// function's output against `dag`'s.
        checked: bool,
    },
}

/// Appended to an extractor's name for checked mode: `pressure+check`.
pub const CHECKED_SUFFIX: &str = "+check";

impl MidEnd {
    /// `stock`, or `EXTRACTOR/RULES` as elsewhere in regpress.
    pub fn name(&self) -> String {
        match self {
            MidEnd::Stock => "stock".to_string(),
            MidEnd::CraneliftSpeed => crate::compare::CRANELIFT_SPEED.to_string(),
            MidEnd::Regpress {
                extractor,
                rules,
                checked,
            } => {
                let check = if *checked { CHECKED_SUFFIX } else { "" };
                format!("{extractor}{check}/{}", rules.name())
            }
        }
    }

    /// The opt level wasmtime's engine is configured with: the artifact
    /// must be loaded by an engine with the same one.
    pub fn opt_level(&self) -> wasmtime::OptLevel {
        match self {
            MidEnd::Stock => wasmtime::OptLevel::Speed,
            MidEnd::CraneliftSpeed | MidEnd::Regpress { .. } => wasmtime::OptLevel::None,
        }
    }
}

/// The engine configuration of every compile and run here.
pub fn config(opt: wasmtime::OptLevel) -> Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    config
        .target(TARGET)
        .map_err(|e| anyhow!("wasmtime: {e}"))?;
    config.cranelift_opt_level(opt);
    Ok(config)
}

/// A compiled module, ready to run, and how its code was made.
#[derive(Clone, Debug, Default)]
pub struct Artifact {
    /// wasmtime's serialised module (`Engine::precompile_module`).
    pub bytes: Vec<u8>,
    /// The module's own functions.
    pub functions_total: usize,
    /// Those whose code is regpress's.
    pub functions_regpress: usize,
    /// Trampolines and other glue wasmtime compiles besides the module's
    /// functions (served Cranelift's `opt_level=speed` code, as stock).
    pub glue: usize,
    /// Functions recompiled unchanged whose stencil equals wasmtime's.
    pub identical: usize,
    /// Each module function not served regpress's code, with the reason.
    pub fallbacks: Vec<(String, String)>,
}

/// Compile `wasm` as `mid_end` makes it. `progress` is called once per
/// function served.
///
/// The module's `name` section is dropped first, for every variant alike:
/// names change no code, but wasmtime names each CLIF file after the
/// function, and a name holding `/` (or too long for a file name) makes
/// `emit_clif` panic.
pub fn compile(
    wasm: &[u8],
    mid_end: &MidEnd,
    settings: &Settings,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Artifact> {
    let stripped = crate::wasm::without_names(wasm)?;
    let wasm = stripped.as_slice();
    match mid_end {
        MidEnd::Stock => {
            let engine = wasmtime::Engine::new(&config(wasmtime::OptLevel::Speed)?)
                .map_err(|e| anyhow!("wasmtime: {e}"))?;
            let bytes = engine
                .precompile_module(wasm)
                .map_err(|e| anyhow!("wasmtime: {}", first_line(&format!("{e:#}"))))?;
            Ok(Artifact {
                bytes,
                ..Artifact::default()
            })
        }
        MidEnd::CraneliftSpeed | MidEnd::Regpress { .. } => {
            let scratch = Scratch::new()?;
            let recorded = record(wasm, &scratch.0)?;
            let Served { stencils, artifact } = serve_all(&recorded, mid_end, settings, progress)?;
            let second = Scratch::new()?;
            let store = Arc::new(Server {
                stencils,
                ledger: Recorder {
                    dir: second.0.clone(),
                    state: Mutex::new(RecorderState::default()),
                },
            });
            let mut config = config(wasmtime::OptLevel::None)?;
            config.emit_clif(&second.0);
            config
                .enable_incremental_compilation(store.clone())
                .map_err(|e| anyhow!("wasmtime: {e}"))?;
            let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow!("wasmtime: {e}"))?;
            let bytes = engine
                .precompile_module(wasm)
                .map_err(|e| anyhow!("wasmtime: {}", first_line(&format!("{e:#}"))))?;
            drop(engine);
            let mut state = std::mem::take(&mut *store.ledger.state.lock().expect("lock"));
            store.ledger.collect(&mut state);
            check_same_order(&recorded, &state)?;
            Ok(Artifact { bytes, ..artifact })
        }
    }
}

/// The serving pass must have compiled the recorded functions in the
/// recorded order: the n-th CLIF file of each pass names the same symbol.
/// Otherwise a function may have been given another's code, and the
/// artifact is refused.
fn check_same_order(recorded: &[Recorded], served: &RecorderState) -> Result<()> {
    if let Some(e) = &served.error {
        bail!("serving pass: {e}");
    }
    let name = |r: &Recorded| {
        r.clif
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_owned())
    };
    if served.functions.len() != recorded.len() {
        bail!(
            "serving pass compiled {} functions, the recording pass {}",
            served.functions.len(),
            recorded.len()
        );
    }
    for (i, (a, b)) in recorded.iter().zip(&served.functions).enumerate() {
        if name(a).is_none() || name(a) != name(b) {
            bail!(
                "serving pass: function {i} is {:?}, recorded as {:?}",
                name(b),
                name(a)
            );
        }
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// A temporary directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "regpress-sightglass-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("REGPRESS_KEEP_SCRATCH").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One function of the recording pass.
#[derive(Debug)]
struct Recorded {
    /// Its cache key (kept for diagnostics: keys do not survive a second
    /// compilation, see the module documentation).
    key: Vec<u8>,
    /// The stencil wasmtime offered the store for it.
    theirs: Option<Vec<u8>>,
    /// Its CLIF file (after wasmtime's `opt_level=none` compile: the
    /// mid-end's input).
    clif: Option<PathBuf>,
}

/// The recording store: answers nothing, remembers the order of keys and
/// which CLIF file appeared after each.
#[derive(Debug)]
struct Recorder {
    dir: PathBuf,
    state: Mutex<RecorderState>,
}

#[derive(Debug, Default)]
struct RecorderState {
    seen: HashSet<OsString>,
    functions: Vec<Recorded>,
    error: Option<String>,
}

impl Recorder {
    /// Give the CLIF files that appeared since the last call to the last
    /// function asked for.
    fn collect(&self, state: &mut RecorderState) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            state.error = Some(format!("cannot read {}", self.dir.display()));
            return;
        };
        let new: Vec<OsString> = entries
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .filter(|n| !state.seen.contains(n))
            .collect();
        match (new.as_slice(), state.functions.last_mut()) {
            ([], None) => {}
            ([name], Some(last)) if last.clif.is_none() => {
                last.clif = Some(self.dir.join(name));
            }
            _ => {
                state.error.get_or_insert_with(|| {
                    format!(
                        "{} new CLIF files after function {} of the recording pass",
                        new.len(),
                        state.functions.len()
                    )
                });
            }
        }
        state.seen.extend(new);
    }
}

impl wasmtime::CacheStore for Recorder {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let mut state = self.state.lock().expect("recorder lock");
        self.collect(&mut state);
        state.functions.push(Recorded {
            key: key.to_vec(),
            theirs: None,
            clif: None,
        });
        None
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut state = self.state.lock().expect("recorder lock");
        match state.functions.last_mut() {
            Some(last) if last.key == key && last.theirs.is_none() => last.theirs = Some(value),
            _ => {
                state
                    .error
                    .get_or_insert_with(|| "a stencil offered for a key not just asked".into());
            }
        }
        true
    }
}

/// The recording pass: every function wasmtime compiles, in order.
fn record(wasm: &[u8], dir: &Path) -> Result<Vec<Recorded>> {
    let recorder = Arc::new(Recorder {
        dir: dir.to_path_buf(),
        state: Mutex::new(RecorderState::default()),
    });
    let mut config = config(wasmtime::OptLevel::None)?;
    config.emit_clif(dir);
    config
        .enable_incremental_compilation(recorder.clone())
        .map_err(|e| anyhow!("wasmtime: {e}"))?;
    let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow!("wasmtime: {e}"))?;
    engine
        .precompile_module(wasm)
        .map_err(|e| anyhow!("wasmtime: {}", first_line(&format!("{e:#}"))))?;
    drop(engine);
    let mut state = std::mem::take(&mut *recorder.state.lock().expect("recorder lock"));
    recorder.collect(&mut state);
    if let Some(e) = state.error {
        bail!("recording pass: {e}");
    }
    if let Some(i) = state
        .functions
        .iter()
        .position(|f| f.clif.is_none() || f.theirs.is_none())
    {
        bail!("recording pass: function {i} has no CLIF file or no stencil");
    }
    Ok(state.functions)
}

/// Is this CLIF file one of the module's own functions (not glue)?
fn is_module_function(clif: &Path) -> bool {
    clif.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("wasm[0]--function["))
}

/// The stencils to serve, in recording order, and what making them found.
struct Served {
    stencils: Vec<Vec<u8>>,
    artifact: Artifact,
}

/// What happened to one recorded function.
struct One {
    stencil: Vec<u8>,
    module_function: bool,
    identical: bool,
    fallback: Option<(String, String)>,
}

fn serve_all(
    recorded: &[Recorded],
    mid_end: &MidEnd,
    settings: &Settings,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Served> {
    let none = codegen::build_isa("x86_64", "none")?;
    let speed = codegen::build_isa("x86_64", "speed")?;
    let ours = match mid_end {
        MidEnd::Regpress {
            extractor, rules, ..
        } => Some((
            extract::by_name(extractor).ok_or_else(|| {
                anyhow!(
                    "unknown extractor `{extractor}` (expected one of {})",
                    extract::EXTRACTORS.join(", ")
                )
            })?,
            rules.rules(),
        )),
        _ => None,
    };
    let ours = ours.as_ref().map(|(ex, rules)| (&**ex, rules.as_slice()));
    let settings = &Settings {
        check_regalloc: matches!(mid_end, MidEnd::Regpress { checked: true, .. }),
        ..settings.clone()
    };
    let done = AtomicUsize::new(0);
    let total = recorded.len() as u64;
    let ones: Vec<One> = recorded
        .par_iter()
        .map(|r| {
            let one = serve_one(r, &*none, &*speed, ours, settings);
            progress(done.fetch_add(1, Ordering::Relaxed) as u64 + 1, total);
            one
        })
        .collect::<Result<_>>()?;
    let mut artifact = Artifact::default();
    let mut stencils = Vec::with_capacity(ones.len());
    for one in ones {
        if one.module_function {
            artifact.functions_total += 1;
            if one.fallback.is_none() {
                artifact.functions_regpress += 1;
            }
        } else {
            artifact.glue += 1;
        }
        artifact.identical += usize::from(one.identical && one.module_function);
        artifact.fallbacks.extend(one.fallback);
        stencils.push(one.stencil);
    }
    Ok(Served { stencils, artifact })
}

/// Compile `func` with `isa` (running Cranelift's own passes at the ISA's
/// opt level) and serialise the stencil as the cache stores it.
fn stencil(func: &Function, isa: &dyn TargetIsa) -> Result<Vec<u8>, String> {
    guarded("Cranelift's backend", || {
        let mut ctx = cranelift_codegen::Context::for_function(func.clone());
        let compiled = ctx
            .compile_stencil(isa, &mut ControlPlane::default())
            .map_err(|e| format!("{e:?}"))?;
        serialize_compiled(compiled).1.map_err(|e| e.to_string())
    })
}

fn serve_one(
    r: &Recorded,
    none: &dyn TargetIsa,
    speed: &dyn TargetIsa,
    ours: Option<(&dyn extract::Extractor, &[crate::rules::Rule])>,
    settings: &Settings,
) -> Result<One> {
    let path = r.clif.as_ref().expect("checked by record");
    let module_function = is_module_function(path);
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().replace("--", "::"))
        .unwrap_or_default();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = corpus::parse(&name, &text)?;
    let [func] = file.functions.as_slice() else {
        bail!("{}: expected one function", path.display());
    };
    let theirs = r.theirs.as_deref().expect("checked by record");
    // Only a module function can be served regpress's code, so only its
    // identity is checked; glue gets Cranelift's code either way.
    let identity = module_function.then(|| stencil(func, none));
    let identical = identity
        .as_ref()
        .is_some_and(|i| i.as_deref().is_ok_and(|s| s == theirs));
    let fall_back = |reason: String| -> Result<One> {
        let stencil = stencil(func, speed).map_err(|e| anyhow!("{name}: {e}"))?;
        Ok(One {
            stencil,
            module_function,
            identical,
            fallback: module_function.then(|| (name.clone(), reason)),
        })
    };
    let Some((ex, rules)) = ours.filter(|_| module_function) else {
        // Glue, or the control: Cranelift's own code, served.
        let mut one = fall_back(String::new())?;
        one.fallback = None;
        return Ok(one);
    };
    if !identical {
        return fall_back(match identity {
            Some(Err(e)) => format!("recompiled unchanged, Cranelift fails: {e}"),
            _ => "recompiled unchanged, its code differs from wasmtime's".to_string(),
        });
    }
    let optimized = guarded("pipeline", || {
        pipeline::optimize(func, none, ex, rules, settings).map_err(|e| e.to_string())
    });
    let out = match optimized {
        Ok(o) => o.func,
        Err(e) => return fall_back(format!("regpress: {e}")),
    };
    match stencil(&out, none) {
        Ok(stencil) => Ok(One {
            stencil,
            module_function,
            identical,
            fallback: None,
        }),
        Err(e) => fall_back(format!("our output does not compile: {e}")),
    }
}

/// The serving store: answers the n-th question with the n-th recorded
/// function's stencil, and keeps a ledger of what it was asked, so that the
/// order can be checked afterwards.
#[derive(Debug)]
struct Server {
    stencils: Vec<Vec<u8>>,
    ledger: Recorder,
}

impl wasmtime::CacheStore for Server {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let position = {
            let mut state = self.ledger.state.lock().expect("ledger lock");
            self.ledger.collect(&mut state);
            state.functions.push(Recorded {
                key: key.to_vec(),
                theirs: None,
                clif: None,
            });
            state.functions.len() - 1
        };
        self.stencils
            .get(position)
            .map(|s| Cow::Borrowed(s.as_slice()))
    }

    fn insert(&self, _key: &[u8], _value: Vec<u8>) -> bool {
        false
    }
}
