//! `regpress exec`: machine instructions actually executed per kernel call,
//! on x86_64, for Cranelift's pipeline and each of ours.
//!
//! How a count is made, exactly and without compile-time noise:
//!
//! 1. `regpress exec` runs itself (`regpress exec-worker`) under
//!    `valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no
//!    --toggle-collect=regpress_exec_drive --dump-instr=yes`.
//! 2. The worker JIT-compiles every corpus file once per variant
//!    ([`crate::jit`]), runs every `; run:` line natively (the test vectors
//!    must pass), and keeps every module alive so that no code address is
//!    reused. All of this runs uninstrumented.
//! 3. It then switches callgrind's instrumentation on
//!    ([`valgrind::start_instrumentation`]) and, for each kernel × variant,
//!    calls the kernel's test-vector wrapper N times from
//!    [`regpress_exec_drive`], the only function whose execution is
//!    collected. Each wrapper call writes the published input into a fresh
//!    stack buffer, calls the kernel once, and compares the output with the
//!    published one; the driver checks that every call returned 1.
//! 4. The parent reads callgrind's per-instruction profile and, for each
//!    kernel × variant, sums the instructions executed at addresses inside
//!    that module's kernel code (the kernel and the functions it calls; not
//!    the wrapper, not the trampoline, not the driver), and divides by the
//!    number of calls callgrind saw enter the kernel. Re-initialising the
//!    state and checking the output happen in the wrapper's own code, so
//!    they are excluded by address, not subtracted.

pub mod callgrind;
pub mod table;
pub mod valgrind;

use crate::corpus::{self, CorpusFile};
use crate::extract::{self, EXTRACTORS};
use crate::jit::{JitFile, JitFunction, MidEnd, Slot};
use crate::pipeline::Settings;
use crate::rules::{Limits, RuleSet};
use anyhow::{anyhow, bail, Context as _, Result};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{Function, InstructionData};
use cranelift_reader::{Comparison, RunCommand};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The rule sets of issue 5, in report order.
pub const RULE_SETS: &[&str] = &["default", "default+reassoc", "default+reassoc+demorgan"];

/// The symbol of the measured driver ([`regpress_exec_drive`]), given to
/// callgrind's `--toggle-collect`.
pub const DRIVER_SYMBOL: &str = "regpress_exec_drive";

/// The variant name of Cranelift's own pipeline (as in `regpress compare`).
pub use crate::compare::CRANELIFT_SPEED;

/// One way to produce machine code for a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Cranelift 0.135's mid-end at `opt_level=speed`.
    CraneliftSpeed,
    /// Our pipeline, then `opt_level=none`.
    Ours {
        /// Extractor name (one of [`EXTRACTORS`]).
        extractor: String,
        /// Rule set.
        rules: RuleSet,
    },
}

impl Variant {
    /// `cranelift-speed` or `EXTRACTOR/RULES`, as `regpress compare` names
    /// variants.
    pub fn name(&self) -> String {
        match self {
            Variant::CraneliftSpeed => CRANELIFT_SPEED.to_string(),
            Variant::Ours { extractor, rules } => format!("{extractor}/{}", rules.name()),
        }
    }
}

/// Cranelift's pipeline first, then every extractor × rule set
/// (extractor-major).
pub fn variants(extractors: &[&str], rule_sets: &[RuleSet]) -> Vec<Variant> {
    let mut out = vec![Variant::CraneliftSpeed];
    for ex in extractors {
        for rules in rule_sets {
            out.push(Variant::Ours {
                extractor: ex.to_string(),
                rules: *rules,
            });
        }
    }
    out
}

/// Every variant of issue 5: `cranelift-speed`, then each of
/// [`EXTRACTORS`] under each of [`RULE_SETS`].
pub fn all_variants() -> Vec<Variant> {
    let sets: Vec<RuleSet> = RULE_SETS
        .iter()
        .map(|s| RuleSet::parse(s).expect("built-in rule set names parse"))
        .collect();
    variants(EXTRACTORS, &sets)
}

/// JIT-compile `file` as `variant` produces it.
pub fn compile(file: &CorpusFile, variant: &Variant, settings: &Settings) -> Result<JitFile> {
    match variant {
        Variant::CraneliftSpeed => JitFile::compile(file, MidEnd::Cranelift),
        Variant::Ours { extractor, rules } => {
            let ex = extract::by_name(extractor).ok_or_else(|| {
                anyhow!(
                    "unknown extractor `{extractor}` (expected one of {})",
                    EXTRACTORS.join(", ")
                )
            })?;
            let rules = rules.rules();
            JitFile::compile(
                file,
                MidEnd::Regpress {
                    extractor: &*ex,
                    rules: &rules,
                    settings,
                },
            )
        }
    }
}

/// A kernel and the test-vector wrapper that exercises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelCase {
    /// The kernel's CLIF name, e.g. `%blake3_compress_loop`.
    pub kernel: String,
    /// Its wrapper, e.g. `%blake3_test_loop`: no parameters, one integer
    /// result, a `; run: %wrapper() == 1` line, exactly one call, to the
    /// kernel.
    pub wrapper: String,
}

/// The functions each function of `file` calls (by CLIF name), one entry
/// per call instruction.
pub fn callees(func: &Function) -> Vec<String> {
    let mut out = Vec::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let fr = match func.dfg.insts[inst] {
                InstructionData::Call { func_ref, .. } => func_ref,
                _ => continue,
            };
            let name = &func.dfg.ext_funcs[fr].name;
            out.push(name.display(Some(&func.params)).to_string());
        }
    }
    out
}

/// Every kernel of `file` that has a test-vector wrapper, with its first
/// wrapper, in file order of the wrappers.
pub fn kernel_cases(file: &CorpusFile) -> Vec<KernelCase> {
    let mut out: Vec<KernelCase> = Vec::new();
    for (func, cmds) in file.functions.iter().zip(&file.run_commands) {
        let sig = &func.signature;
        let shape = sig.params.is_empty()
            && sig.returns.len() == 1
            && sig.returns[0].value_type.is_int()
            && sig.returns[0].value_type.bits() <= 64;
        if !shape || !cmds.iter().any(is_vector_check) {
            continue;
        }
        let calls = callees(func);
        let [kernel] = calls.as_slice() else { continue };
        let defined = file.functions.iter().any(|f| f.name.to_string() == *kernel);
        if defined && !out.iter().any(|c| c.kernel == *kernel) {
            out.push(KernelCase {
                kernel: kernel.clone(),
                wrapper: func.name.to_string(),
            });
        }
    }
    out
}

/// Is this `; run:` line `%f() == 1`?
pub fn is_vector_check(cmd: &RunCommand) -> bool {
    match cmd {
        RunCommand::Run(inv, Comparison::Equals, expected) => {
            inv.args.is_empty() && expected.len() == 1 && is_one(&expected[0])
        }
        _ => false,
    }
}

fn is_one(v: &DataValue) -> bool {
    matches!(
        v,
        DataValue::I8(1) | DataValue::I16(1) | DataValue::I32(1) | DataValue::I64(1)
    )
}

/// The measured loop: call `wrapper` (no parameters, one integer result)
/// `calls` times and count the calls that returned 1. Callgrind collects
/// events only while this function runs (`--toggle-collect`).
#[no_mangle]
#[inline(never)]
pub fn regpress_exec_drive(wrapper: &JitFunction, calls: u64) -> u64 {
    let ty = wrapper.signature().returns[0].value_type;
    let mut slots = [Slot::default()];
    let mut passed = 0;
    for _ in 0..calls {
        // SAFETY: a kernel case's wrapper takes no arguments and works on
        // its own stack frame (checked when the case was found: no
        // parameters, one integer result).
        unsafe { wrapper.call_slots(&mut slots) };
        if is_one(&DataValue::read_from_slice_ne(&slots[0].0, ty)) {
            passed += 1;
        }
    }
    passed
}

/// Measurement settings shared by `regpress exec` and its worker.
#[derive(clap::Args, Debug, Clone)]
pub struct MeasureArgs {
    /// `.clif` files or directories; only functions with a test-vector
    /// wrapper (`; run: %w() == 1`, calling one kernel) are measured.
    /// Default: the built-in kernels.
    pub paths: Vec<PathBuf>,
    /// Kernel calls measured per kernel × variant.
    #[arg(long, default_value_t = 100)]
    pub calls: u64,
    /// Extractors, comma separated (default: every extractor).
    #[arg(long, value_delimiter = ',')]
    pub extractor: Vec<String>,
    /// Rule sets, comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = RULE_SETS.iter().map(|s| s.to_string()))]
    pub rules: Vec<String>,
    /// Only kernels whose name contains this.
    #[arg(long)]
    pub kernel: Option<String>,
    /// Maximum saturation iterations.
    #[arg(long, default_value_t = Limits::default().iterations)]
    pub max_iterations: usize,
    /// Maximum e-nodes during saturation.
    #[arg(long, default_value_t = Limits::default().nodes)]
    pub max_nodes: usize,
    /// Maximum saturation time per function, in milliseconds. High by
    /// default so that the iteration and node limits decide, not the speed
    /// of a machine running Valgrind.
    #[arg(long, default_value_t = 600_000)]
    pub max_millis: u64,
    /// Refuse functions with more CLIF instructions than this.
    #[arg(long, default_value_t = Settings::default().max_insts)]
    pub max_insts: usize,
}

impl MeasureArgs {
    fn settings(&self) -> Settings {
        Settings {
            limits: Limits {
                iterations: self.max_iterations,
                nodes: self.max_nodes,
                time: Duration::from_millis(self.max_millis),
            },
            max_insts: self.max_insts,
            ..Settings::default()
        }
    }

    /// The variants asked for; unknown names are one-line errors.
    fn variants(&self) -> Result<Vec<Variant>> {
        let names: Vec<&str> = if self.extractor.is_empty() {
            EXTRACTORS.to_vec()
        } else {
            self.extractor.iter().map(String::as_str).collect()
        };
        for n in &names {
            if extract::by_name(n).is_none() {
                bail!(
                    "unknown extractor `{n}` (expected one of {})",
                    EXTRACTORS.join(", ")
                );
            }
        }
        let sets = self
            .rules
            .iter()
            .map(|r| RuleSet::parse(r).map_err(|e| anyhow!(e)))
            .collect::<Result<Vec<_>>>()?;
        Ok(variants(&names, &sets))
    }

    fn files(&self) -> Result<Vec<CorpusFile>> {
        if self.paths.is_empty() {
            return Ok(corpus::builtin());
        }
        let mut files = Vec::new();
        for p in &self.paths {
            let list = corpus::clif_files(p)?;
            if list.is_empty() {
                bail!("{}: no .clif files found", p.display());
            }
            for f in list {
                files.push(corpus::load_file(&f)?);
            }
        }
        Ok(files)
    }

    /// The same settings as command-line arguments, for the worker.
    fn to_args(&self) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec![
            "--calls".into(),
            self.calls.to_string().into(),
            "--rules".into(),
            self.rules.join(",").into(),
            "--max-iterations".into(),
            self.max_iterations.to_string().into(),
            "--max-nodes".into(),
            self.max_nodes.to_string().into(),
            "--max-millis".into(),
            self.max_millis.to_string().into(),
            "--max-insts".into(),
            self.max_insts.to_string().into(),
        ];
        if !self.extractor.is_empty() {
            a.push("--extractor".into());
            a.push(self.extractor.join(",").into());
        }
        if let Some(k) = &self.kernel {
            a.push("--kernel".into());
            a.push(k.into());
        }
        a.extend(self.paths.iter().map(|p| p.as_os_str().to_owned()));
        a
    }
}

/// What the worker measured for one kernel × variant: everything but the
/// callgrind counts, which the parent adds.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    /// The corpus file (`builtin:NAME` or a path).
    pub file: String,
    /// The kernel's CLIF name.
    pub kernel: String,
    /// The wrapper that was called.
    pub wrapper: String,
    /// The variant's name.
    pub variant: String,
    /// Wrapper calls made.
    pub calls: u64,
    /// Wrapper calls that returned 1.
    pub passed_calls: u64,
    /// The kernel's entry address.
    pub entry: u64,
    /// Code ranges counted as the kernel's: the kernel and every function of
    /// the file it calls.
    pub ranges: Vec<(u64, u64)>,
    /// The kernel's code bytes.
    pub code_bytes: u64,
    /// `; run:` lines of the functions that call this kernel, passed natively.
    pub run_passed: usize,
    /// Those lines in total.
    pub run_total: usize,
    /// Why saturation stopped on the kernel (ours only).
    pub stop: Option<String>,
    /// Why our pipeline kept the kernel's input, if it did.
    pub fallback: Option<String>,
    /// A compile error or a failed test vector, one line.
    pub error: Option<String>,
}

/// One row of the report: a kernel × variant with its executed count.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Row {
    /// The corpus file.
    pub file: String,
    /// The kernel's name, without `%`.
    pub kernel: String,
    /// The variant's name.
    pub variant: String,
    /// Instructions executed in the kernel's code per call, if measured.
    pub insts_per_call: Option<f64>,
    /// Is `insts_per_call` a whole number (the same count every call)?
    pub exact: bool,
    /// `insts_per_call` over cranelift-speed's, same kernel.
    pub vs_speed: Option<f64>,
    /// Instructions executed in the kernel's code, all calls.
    pub insts_total: u64,
    /// Calls callgrind saw enter the kernel.
    pub kernel_calls: u64,
    /// The kernel's code bytes.
    pub code_bytes: u64,
    /// `; run:` lines passed natively / in total (the kernel's callers).
    pub run_passed: usize,
    /// See `run_passed`.
    pub run_total: usize,
    /// Why saturation stopped (ours only).
    pub stop: Option<String>,
    /// Why our pipeline kept its input, if it did.
    pub fallback: Option<String>,
    /// What went wrong, one line.
    pub error: Option<String>,
}

/// `regpress exec-worker`: compile, validate, then measure under
/// callgrind; write the [`Measurement`]s as JSON to `manifest`.
pub fn worker(args: &MeasureArgs, manifest: &Path) -> Result<()> {
    if valgrind::running_on_valgrind() == 0 {
        bail!("exec-worker must run under callgrind; use `regpress exec`");
    }
    let settings = args.settings();
    let variants = args.variants()?;
    let files = args.files()?;
    // Every module stays alive until the profile is written, so that no
    // code address is ever reused by another variant.
    let mut live: Vec<JitFile> = Vec::new();
    let mut planned: Vec<(Option<usize>, Measurement)> = Vec::new();
    for file in &files {
        let cases: Vec<KernelCase> = kernel_cases(file)
            .into_iter()
            .filter(|c| args.kernel.as_deref().is_none_or(|k| c.kernel.contains(k)))
            .collect();
        if cases.is_empty() {
            continue;
        }
        for variant in &variants {
            eprintln!(
                "regpress exec: compiling {} as {}",
                file.path,
                variant.name()
            );
            let base = |case: &KernelCase| Measurement {
                file: file.path.clone(),
                kernel: case.kernel.clone(),
                wrapper: case.wrapper.clone(),
                variant: variant.name(),
                calls: 0,
                passed_calls: 0,
                entry: 0,
                ranges: Vec::new(),
                code_bytes: 0,
                run_passed: 0,
                run_total: 0,
                stop: None,
                fallback: None,
                error: None,
            };
            let jit = match compile(file, variant, &settings) {
                Ok(j) => j,
                Err(e) => {
                    let e = format!("{e:#}");
                    for case in &cases {
                        let mut m = base(case);
                        m.error = Some(e.lines().next().unwrap_or("").to_string());
                        planned.push((None, m));
                    }
                    continue;
                }
            };
            for case in &cases {
                let mut m = base(case);
                check_callers(file, &jit, case, &mut m);
                let kernel = jit
                    .function(&case.kernel)
                    .expect("cases name file functions");
                m.entry = kernel.code().start as u64;
                m.code_bytes = kernel.code().len() as u64;
                let own = reachable(file, &case.kernel);
                m.ranges = jit
                    .functions()
                    .iter()
                    .filter(|f| own.iter().any(|n| n == f.name()))
                    .map(|f| (f.code().start as u64, f.code().end as u64))
                    .collect();
                // Cases measured in one module must not share code, or one
                // case's calls would be counted in another's ranges.
                if let Some(other) = cases.iter().find(|c| {
                    c.kernel != case.kernel
                        && reachable(file, &c.kernel).iter().any(|n| own.contains(n))
                }) {
                    m.error = Some(format!(
                        "{} and {} share code; measure them one at a time (--kernel)",
                        case.kernel, other.kernel
                    ));
                }
                if let Some(r) = kernel.report() {
                    m.stop = Some(r.saturation.stop.clone());
                    m.fallback = r.fallback.clone();
                }
                let index = m.error.is_none().then_some(live.len());
                planned.push((index, m));
            }
            live.push(jit);
        }
    }
    if planned.is_empty() {
        bail!("no kernel with a test-vector wrapper (`; run: %w() == 1`) to measure");
    }
    eprintln!(
        "regpress exec: measuring {} kernel × variant pairs",
        planned.len()
    );
    valgrind::start_instrumentation();
    for (index, m) in &mut planned {
        let Some(i) = *index else { continue };
        let wrapper = live[i]
            .function(&m.wrapper)
            .expect("cases name file functions");
        m.calls = args.calls;
        m.passed_calls = regpress_exec_drive(wrapper, args.calls);
        if m.passed_calls != m.calls {
            m.error = Some(format!(
                "{} returned 1 in {} of {} calls",
                m.wrapper, m.passed_calls, m.calls
            ));
        }
    }
    let out: Vec<&Measurement> = planned.iter().map(|(_, m)| m).collect();
    std::fs::write(manifest, serde_json::to_string(&out)?)
        .with_context(|| format!("writing {}", manifest.display()))?;
    drop(live);
    Ok(())
}

/// `kernel` and every function of `file` it calls, directly or not.
fn reachable(file: &CorpusFile, kernel: &str) -> Vec<String> {
    let mut seen = vec![kernel.to_string()];
    let mut i = 0;
    while i < seen.len() {
        if let Some(f) = file
            .functions
            .iter()
            .find(|f| f.name.to_string() == seen[i])
        {
            for callee in callees(f) {
                if !seen.contains(&callee) {
                    seen.push(callee);
                }
            }
        }
        i += 1;
    }
    seen
}

/// Run the `; run:` lines of every function that calls the case's kernel,
/// natively; record the counts and the first failure.
fn check_callers(file: &CorpusFile, jit: &JitFile, case: &KernelCase, m: &mut Measurement) {
    for (func, cmds) in file.functions.iter().zip(&file.run_commands) {
        if !callees(func).contains(&case.kernel) {
            continue;
        }
        for cmd in cmds {
            m.run_total += 1;
            // SAFETY: run lines pass integers and floats only; a wrapper
            // that calls a kernel gives it a buffer in its own frame.
            match unsafe { jit.run_command(cmd) } {
                Ok(()) => m.run_passed += 1,
                Err(e) => {
                    m.error.get_or_insert_with(|| {
                        format!(
                            "run line failed in the JIT: {cmd}: {}",
                            e.lines().next().unwrap_or("")
                        )
                    });
                }
            }
        }
    }
}

/// Arguments of `regpress exec`.
#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    /// What to measure.
    pub measure: MeasureArgs,
    /// The valgrind executable.
    #[arg(long, default_value = "valgrind")]
    pub valgrind: PathBuf,
    /// Keep callgrind's profile, its log and the worker's manifest in this
    /// directory (default: a temporary directory, removed afterwards).
    #[arg(long)]
    pub keep: Option<PathBuf>,
    /// Write every row to this file, as JSON lines or CSV (by extension:
    /// `.json`/`.jsonl` or `.csv`).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = table::Format::Table)]
    pub format: table::Format,
}

/// Arguments of the hidden `regpress exec-worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    /// What to measure.
    pub measure: MeasureArgs,
    /// Where to write the measurements (JSON).
    #[arg(long)]
    pub manifest: PathBuf,
}

/// `regpress exec`: run the worker under callgrind and turn its profile
/// into rows (cranelift-speed first for each kernel).
pub fn measure(args: &ExecArgs) -> Result<Vec<Row>> {
    if std::env::consts::ARCH != "x86_64" {
        bail!(
            "regpress exec counts instructions on x86_64 hosts only (this is {})",
            std::env::consts::ARCH
        );
    }
    if args.measure.calls == 0 {
        bail!("--calls must be at least 1");
    }
    // Refuse bad names here, not after Valgrind has started.
    args.measure.variants()?;
    args.measure.files()?;
    let version = std::process::Command::new(&args.valgrind)
        .arg("--version")
        .output()
        .map_err(|e| {
            anyhow!(
                "cannot run {}: {e} (install valgrind, or pass --valgrind PATH)",
                args.valgrind.display()
            )
        })?;
    if !version.status.success() {
        bail!("{} --version failed", args.valgrind.display());
    }
    let (dir, temporary) = match &args.keep {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("regpress-exec-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_worker(args, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn run_worker(args: &ExecArgs, dir: &Path) -> Result<Vec<Row>> {
    let profile_path = dir.join("callgrind.out");
    let log_path = dir.join("valgrind.log");
    let manifest = dir.join("manifest.json");
    let exe = std::env::current_exe().context("locating the regpress executable")?;
    let mut cmd = std::process::Command::new(&args.valgrind);
    cmd.arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", profile_path.display()))
        .arg(format!("--log-file={}", log_path.display()))
        .args([
            "--instr-atstart=no",
            "--collect-atstart=no",
            &format!("--toggle-collect={DRIVER_SYMBOL}"),
            "--dump-instr=yes",
            "--dump-line=no",
            "--compress-strings=no",
            "--compress-pos=no",
        ])
        .arg(&exe)
        .arg("exec-worker")
        .arg("--manifest")
        .arg(&manifest)
        .args(args.measure.to_args());
    let status = cmd
        .status()
        .with_context(|| format!("starting {}", args.valgrind.display()))?;
    if !status.success() {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let last = log
            .lines()
            .rev()
            .find(|l| l.contains("error") || l.contains("Error"))
            .unwrap_or("");
        bail!("the callgrind worker failed ({status}) {last}");
    }
    let text = std::fs::read_to_string(&manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    let measured: Vec<Measurement> =
        serde_json::from_str(&text).context("reading the worker's measurements")?;
    let profile_text = std::fs::read_to_string(&profile_path)
        .with_context(|| format!("reading {}", profile_path.display()))?;
    let profile = callgrind::parse(&profile_text)?;
    Ok(rows(&measured, &profile))
}

/// Combine the worker's measurements with the profile.
pub fn rows(measured: &[Measurement], profile: &callgrind::Profile) -> Vec<Row> {
    let mut out: Vec<Row> = measured
        .iter()
        .map(|m| {
            let mut row = Row {
                file: m.file.clone(),
                kernel: m.kernel.trim_start_matches('%').to_string(),
                variant: m.variant.clone(),
                insts_per_call: None,
                exact: false,
                vs_speed: None,
                insts_total: 0,
                kernel_calls: 0,
                code_bytes: m.code_bytes,
                run_passed: m.run_passed,
                run_total: m.run_total,
                stop: m.stop.clone(),
                fallback: m.fallback.clone(),
                error: m.error.clone(),
            };
            if m.calls == 0 {
                return row;
            }
            row.insts_total = m.ranges.iter().map(|&(a, b)| profile.ir_in(a..b)).sum();
            row.kernel_calls = profile.calls_to(m.entry);
            if row.kernel_calls == 0 {
                row.error
                    .get_or_insert_with(|| "callgrind saw no call enter the kernel".into());
            } else {
                row.insts_per_call = Some(row.insts_total as f64 / row.kernel_calls as f64);
                row.exact = row.insts_total.is_multiple_of(row.kernel_calls);
            }
            row
        })
        .collect();
    let speed: BTreeMap<(String, String), f64> = out
        .iter()
        .filter(|r| r.variant == CRANELIFT_SPEED)
        .filter_map(|r| Some(((r.file.clone(), r.kernel.clone()), r.insts_per_call?)))
        .collect();
    for r in &mut out {
        if let (Some(x), Some(&s)) = (
            r.insts_per_call,
            speed.get(&(r.file.clone(), r.kernel.clone())),
        ) {
            r.vs_speed = (s > 0.0).then(|| x / s);
        }
    }
    out
}
