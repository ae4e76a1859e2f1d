//! Running one sightglass program: WASI preview 1, the `bench` host
//! functions, captured output; and the worker that does it under callgrind.
//!
//! The contract is sightglass's (`../shared/corpus/sightglass/README.md`):
//! the program is a WASI command whose folder is pre-opened as `.`, it reads
//! its input from there, and it calls `bench.start` and `bench.end` around
//! the measured region. Here the folder is pre-opened read-only (the shared
//! corpus is not ours to write), the program's only argument is its file
//! name, its environment is empty and its random numbers are a fixed
//! sequence, so that two runs of the same code execute the same
//! instructions.
//!
//! Under callgrind (`--instr-atstart=no --collect-atstart=no`),
//! `bench.start` switches instrumentation on and toggles collection on, and
//! `bench.end` toggles it off, so the profile's total is exactly the
//! instructions retired between them: the program's code and whatever host
//! code its WASI calls run there, for every variant alike.

use crate::exec::valgrind;
use anyhow::{anyhow, bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// Most bytes of stdout or stderr kept from one run.
const OUTPUT_CAPACITY: usize = 64 << 20;

/// One program of the suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// Its name: the folder for a `benchmark.wasm`, else the file stem
    /// (`blake3-scalar`, `shootout-keccak`, `tinygo-json`).
    pub name: String,
    /// The `.wasm` file.
    pub wasm: PathBuf,
}

impl Program {
    /// The folder it runs in.
    pub fn dir(&self) -> &Path {
        self.wasm.parent().unwrap_or(Path::new("."))
    }

    /// `<stem>.<stream>.expected` beside the program.
    pub fn expected(&self, stream: &str) -> PathBuf {
        let stem = self.wasm.file_stem().unwrap_or_default().to_string_lossy();
        self.dir().join(format!("{stem}.{stream}.expected"))
    }
}

/// Every program under `dir` (each `.wasm`), sorted by name. A program
/// without expected output files (sightglass ships none for `richards`) is
/// checked against stock wasmtime's output instead ([`Outcome::check`]).
pub fn programs(dir: &Path) -> Result<Vec<Program>> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    let mut out = Vec::new();
    for wasm in crate::corpus::files_with_extension(dir, "wasm")? {
        let stem = wasm.file_stem().unwrap_or_default().to_string_lossy();
        let name = if stem == "benchmark" {
            wasm.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| stem.to_string())
        } else {
            stem.to_string()
        };
        out.push(Program { name, wasm });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What a run printed and how it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// Bytes written to stdout.
    pub stdout: Vec<u8>,
    /// Bytes written to stderr.
    pub stderr: Vec<u8>,
    /// The exit status (`proc_exit`, or 0 when `_start` returns).
    pub exit: i32,
    /// A trap or host error, if the run did not end normally.
    pub error: Option<String>,
    /// Calls of `bench.start` and of `bench.end`.
    pub starts: u32,
    /// Calls of `bench.end`.
    pub ends: u32,
}

impl Outcome {
    /// Whether `program` has expected output files.
    pub fn has_expected(program: &Program) -> bool {
        program.expected("stdout").is_file()
    }

    /// Does the output match the program's expected files (or, for a
    /// program without them, `reference`: stock wasmtime's run), and did it
    /// exit normally? `Err` says how it differs, in one line.
    pub fn check(&self, program: &Program, reference: Option<&Outcome>) -> Result<(), String> {
        if let Some(e) = &self.error {
            return Err(format!("did not finish: {e}"));
        }
        if self.exit != 0 {
            return Err(format!("exit status {}", self.exit));
        }
        for (stream, got) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let (want, from) = if Self::has_expected(program) {
                let path = program.expected(stream);
                (
                    std::fs::read(&path).unwrap_or_default(),
                    path.display().to_string(),
                )
            } else if let Some(r) = reference {
                let want = if stream == "stdout" {
                    &r.stdout
                } else {
                    &r.stderr
                };
                (want.clone(), "stock wasmtime's".to_string())
            } else {
                // Stock itself, for a program without expected files:
                // nothing to compare with but its exit status.
                continue;
            };
            if *got != want {
                return Err(format!(
                    "{stream} differs from {from} ({} bytes, expected {})",
                    got.len(),
                    want.len()
                ));
            }
        }
        if self.starts != 1 || self.ends != 1 {
            return Err(format!(
                "bench.start called {} times and bench.end {} times (expected once each)",
                self.starts, self.ends
            ));
        }
        Ok(())
    }
}

struct Host {
    wasi: WasiP1Ctx,
    starts: u32,
    ends: u32,
}

/// Run `program` from an artifact compiled by an engine at `opt` (see
/// [`super::serve::config`]).
pub fn run(artifact: &[u8], opt: wasmtime::OptLevel, program: &Program) -> Result<Outcome> {
    let engine =
        wasmtime::Engine::new(&super::serve::config(opt)?).map_err(|e| anyhow!("wasmtime: {e}"))?;
    // SAFETY: the artifact was made by `Engine::precompile_module` in this
    // process or by this same executable, with the same configuration.
    let module = unsafe { wasmtime::Module::deserialize(&engine, artifact) }
        .map_err(|e| anyhow!("loading the compiled module: {e}"))?;
    let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let file_name = program
        .wasm
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let wasi = wasmtime_wasi::WasiCtxBuilder::new()
        .args(&[file_name])
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .secure_random(wasmtime_wasi::Deterministic::new(vec![
            0x5a, 0x17, 0xc3, 0x88,
        ]))
        .insecure_random(wasmtime_wasi::Deterministic::new(vec![0x3c, 0xe1, 0x42]))
        .insecure_random_seed(0x5167_6c61_7373)
        .preopened_dir(program.dir(), ".", wasmtime_wasi::FsPerms::ReadOnly)
        .map_err(|e| anyhow!("pre-opening {}: {e}", program.dir().display()))?
        .build_p1();
    let mut store = wasmtime::Store::new(
        &engine,
        Host {
            wasi,
            starts: 0,
            ends: 0,
        },
    );
    let mut linker: wasmtime::Linker<Host> = wasmtime::Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |h: &mut Host| &mut h.wasi)
        .map_err(|e| anyhow!("wasmtime-wasi: {e}"))?;
    linker
        .func_wrap(
            "bench",
            "start",
            |mut caller: wasmtime::Caller<'_, Host>| {
                caller.data_mut().starts += 1;
                valgrind::start_instrumentation();
                valgrind::toggle_collect();
            },
        )
        .map_err(|e| anyhow!("wasmtime: {e}"))?;
    linker
        .func_wrap("bench", "end", |mut caller: wasmtime::Caller<'_, Host>| {
            valgrind::toggle_collect();
            caller.data_mut().ends += 1;
        })
        .map_err(|e| anyhow!("wasmtime: {e}"))?;
    let result = linker
        .instantiate(&mut store, &module)
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    let (exit, error) = match result {
        Ok(()) => (0, None),
        Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
            Some(exit) => (exit.0, None),
            None => (-1, Some(first_line(&format!("{e:#}")).to_string())),
        },
    };
    let host = store.into_data();
    Ok(Outcome {
        stdout: stdout.contents().to_vec(),
        stderr: stderr.contents().to_vec(),
        exit,
        error,
        starts: host.starts,
        ends: host.ends,
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Arguments of the hidden `regpress sightglass-worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    /// The compiled module (`Engine::precompile_module`'s bytes).
    #[arg(long)]
    pub artifact: PathBuf,
    /// The opt level of the engine that compiled it: `none` or `speed`.
    #[arg(long)]
    pub opt_level: String,
    /// The program's `.wasm` (for its folder and expected output).
    #[arg(long)]
    pub wasm: PathBuf,
    /// Where to write the [`Outcome`] (JSON).
    #[arg(long)]
    pub outcome: PathBuf,
}

/// The worker: run the artifact once and write what happened.
pub fn worker(args: &WorkerArgs) -> Result<()> {
    let opt = match args.opt_level.as_str() {
        "none" => wasmtime::OptLevel::None,
        "speed" => wasmtime::OptLevel::Speed,
        other => bail!("unknown opt level `{other}` (expected none or speed)"),
    };
    let artifact = std::fs::read(&args.artifact)
        .with_context(|| format!("reading {}", args.artifact.display()))?;
    let program = Program {
        name: String::new(),
        wasm: args.wasm.clone(),
    };
    let outcome = run(&artifact, opt, &program)?;
    std::fs::write(&args.outcome, serde_json::to_vec(&outcome)?)
        .with_context(|| format!("writing {}", args.outcome.display()))?;
    Ok(())
}

/// The opt level's name as the worker takes it.
pub fn opt_level_name(opt: wasmtime::OptLevel) -> &'static str {
    match opt {
        wasmtime::OptLevel::None => "none",
        _ => "speed",
    }
}

/// Run `artifact` under callgrind through the worker; return the outcome
/// and the instructions retired between `bench.start` and `bench.end`.
pub fn measure(
    valgrind: &Path,
    artifact: &[u8],
    opt: wasmtime::OptLevel,
    program: &Program,
    scratch: &Path,
) -> Result<(Outcome, u64)> {
    let artifact_path = scratch.join("module.cwasm");
    let outcome_path = scratch.join("outcome.json");
    let profile = scratch.join("callgrind.out");
    let log = scratch.join("valgrind.log");
    for p in [&outcome_path, &profile] {
        let _ = std::fs::remove_file(p);
    }
    std::fs::write(&artifact_path, artifact)
        .with_context(|| format!("writing {}", artifact_path.display()))?;
    let exe = std::env::current_exe().context("locating the regpress executable")?;
    let status = std::process::Command::new(valgrind)
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", profile.display()))
        .arg(format!("--log-file={}", log.display()))
        // The format `exec::callgrind::parse` reads.
        .args([
            "--instr-atstart=no",
            "--collect-atstart=no",
            "--dump-instr=yes",
            "--dump-line=no",
            "--compress-strings=no",
            "--compress-pos=no",
        ])
        .arg(&exe)
        .arg("sightglass-worker")
        .arg("--artifact")
        .arg(&artifact_path)
        .arg("--opt-level")
        .arg(opt_level_name(opt))
        .arg("--wasm")
        .arg(&program.wasm)
        .arg("--outcome")
        .arg(&outcome_path)
        .status()
        .with_context(|| format!("starting {}", valgrind.display()))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        bail!("the callgrind worker failed ({status}): {last}");
    }
    let outcome: Outcome = serde_json::from_slice(
        &std::fs::read(&outcome_path)
            .with_context(|| format!("reading {}", outcome_path.display()))?,
    )
    .context("reading the worker's outcome")?;
    let text = std::fs::read_to_string(&profile)
        .with_context(|| format!("reading {}", profile.display()))?;
    Ok((outcome, crate::exec::callgrind::parse(&text)?.total()))
}
