//! The `regpress` command line.

use crate::compare::{self, Config, Isas, Row, CRANELIFT_SPEED};
use crate::corpus::{self, CorpusFile};
use crate::extract::{self, EXTRACTORS};
use crate::pipeline::Settings;
use crate::rules::{Limits, RuleSet};
use crate::validate::codegen::{CodeMetrics, TARGETS};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// regpress: register-pressure-aware extraction for Cranelift's mid-end.
///
/// Every output is checked: it must pass Cranelift's verifier, agree with
/// the original in cranelift-interpreter, and compile through Cranelift's
/// own backends and regalloc2.
#[derive(Parser, Debug)]
#[command(name = "regpress", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compare Cranelift's own mid-end (opt_level=speed) with ours, per
    /// function and in total: spills, reloads, moves, machine instructions,
    /// code bytes, frame size. Without PATHs, runs the built-in kernels.
    Compare {
        /// `.clif` files, `.wasm` or `.wat` modules (each defined function
        /// translated to CLIF by wasmtime 48.0.8 at opt level `none`, as
        /// `wasmtime compile --emit-clif` does), or directories of them
        /// (searched recursively).
        paths: Vec<PathBuf>,
        /// Keep the CLIF translated from each module in DIR/<module>/.
        #[arg(long, value_name = "DIR")]
        keep_clif: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Extractors, comma separated: `cranelift` (Cranelift's own cost,
        /// the baseline), `tree`, `dag`, `pressure`, `exact`.
        #[arg(long, default_value = "cranelift,pressure", value_delimiter = ',')]
        extractor: Vec<String>,
        /// Rule sets, comma separated; each is `default`, `default+reassoc`, … .
        #[arg(long, default_value = "default", value_delimiter = ',')]
        rules: Vec<String>,
        /// Targets, comma separated.
        #[arg(long, default_value = "x86_64,aarch64", value_delimiter = ',')]
        target: Vec<String>,
        /// Skip the interpreter checks (run lines and random inputs).
        #[arg(long)]
        no_semantics: bool,
        /// Random inputs per function for the differential check.
        #[arg(long, default_value_t = 8)]
        random_inputs: usize,
        /// Print one row per function, not only totals.
        #[arg(long)]
        per_function: bool,
        /// Write every row to this file, as JSON lines or CSV (by extension:
        /// `.json`/`.jsonl` or `.csv`).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Output format on standard output.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Run extractors on extraction-gym e-graphs (egraph-serialize JSON) and
    /// print one JSON line per file and extractor:
    /// `{"file", "extractor", "dag_cost", "tree_cost", "micros"}`. Each
    /// result is checked as extraction-gym does: roots chosen, every
    /// reachable class chosen, no cycle.
    Gym {
        /// JSON files or directories (searched recursively).
        paths: Vec<PathBuf>,
        /// Extractors, comma separated.
        #[arg(long, default_value = "dag", value_delimiter = ',')]
        extractor: Vec<String>,
    },
    /// Optimise every function of a `.clif` file and write a drop-in
    /// replacement: the same header (`test`, `set`, `target` lines), the
    /// same functions in the same order, each followed by its `; run:`
    /// lines. The file's own flags and targets apply; an output function
    /// that would not verify, or not compile where its input does, on any
    /// of the file's targets is replaced by its input, with a warning.
    Optimize {
        /// Input `.clif` file, or a `.wasm`/`.wat` module (translated by
        /// wasmtime; the output then holds every defined function).
        input: PathBuf,
        /// For a module: keep its translated CLIF in DIR.
        #[arg(long, value_name = "DIR")]
        keep_clif: Option<PathBuf>,
        /// Output file (`-` for standard output).
        #[arg(short, long, default_value = "-")]
        output: String,
        #[command(flatten)]
        common: Common,
        /// Target to optimise for. Default: the file's first `target` line,
        /// or x86_64 if it has none. A file that names targets can only be
        /// optimised for one of them.
        #[arg(long)]
        target: Option<String>,
        /// Extractor.
        #[arg(long, default_value = "cranelift")]
        extractor: String,
        /// Rule set (`default`, `default+reassoc`, …).
        #[arg(long, default_value = "default")]
        rules: String,
    },
    /// Translate `.wasm`/`.wat` modules to CLIF as wasmtime 48.0.8 hands each
    /// function to Cranelift's mid-end (opt level `none`, as `wasmtime
    /// compile -O opt-level=0 --emit-clif` does), one file per defined
    /// function, without optimising or compiling anything else.
    Translate {
        /// Modules, or directories of them (searched recursively).
        paths: Vec<PathBuf>,
        /// Where to write: OUT/<module>/wasm[0]--function[N].clif.
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
    },
    /// Count the machine instructions executed per kernel call on x86_64
    /// (valgrind's callgrind over JIT-compiled code): cranelift-speed, then
    /// every extractor × rule set, each kernel on its published test vector.
    /// Without PATHs, runs the built-in kernels.
    Exec(crate::exec::ExecArgs),
    /// Enumerate every extraction of small functions (given, or generated
    /// with `--generate N`), compile each through Cranelift and regalloc2,
    /// and report the true minimum spills+reloads and machine instructions,
    /// and where every extractor lands against it.
    Oracle(crate::oracle::OracleArgs),
    /// Write Markdown tables and SVG plots into a directory (default
    /// `report/`) from `compare` rows, criterion results, `gym` lines and
    /// instruction counts.
    Report(crate::report::ReportArgs),
    /// Compare our pipeline with the `cranelift` extractor against
    /// Cranelift's own mid-end (`opt_level=speed`), per function and target:
    /// list the functions whose machine instructions exceed Cranelift's by
    /// more than `--over` percent, and whether Cranelift's CLIF is shorter
    /// too (a rewrite we miss) or only its machine code (placement and
    /// register allocation), with the opcodes that differ.
    Fidelity(crate::fidelity::FidelityArgs),
    /// Run Cranelift's own benchmark programs (sightglass: WASI modules
    /// with `bench.start`/`bench.end`) in wasmtime 48.0.8, stock and with
    /// regpress's code for every function, served through wasmtime's
    /// incremental compilation cache. Counts the instructions retired
    /// between `bench.start` and `bench.end` under callgrind, checks each
    /// run's stdout and stderr against the expected files (a mismatch is a
    /// miscompile: exit status 2), and reports functions served by
    /// regpress. DIR defaults to ../shared/corpus/sightglass.
    Sightglass(crate::sightglass::SightglassArgs),
    /// The measured half of `exec`, run under callgrind by `exec` itself.
    #[command(hide = true)]
    ExecWorker(crate::exec::WorkerArgs),
    /// One sightglass run, under callgrind, by `sightglass` itself.
    #[command(hide = true)]
    SightglassWorker(crate::sightglass::run::WorkerArgs),
}

/// Settings shared by the commands.
#[derive(clap::Args, Debug)]
struct Common {
    /// Maximum saturation iterations.
    #[arg(long, default_value_t = Limits::default().iterations)]
    max_iterations: usize,
    /// Maximum e-nodes during saturation.
    #[arg(long, default_value_t = Limits::default().nodes)]
    max_nodes: usize,
    /// Maximum saturation time per function, in milliseconds.
    #[arg(long, default_value_t = Limits::default().time.as_millis() as u64)]
    max_millis: u64,
    /// Refuse functions with more CLIF instructions than this.
    #[arg(long, default_value_t = Settings::default().max_insts)]
    max_insts: usize,
    /// `regalloc`: checked mode. Every extractor but `dag` has its output
    /// compiled through Cranelift's backend and regalloc2 beside `dag`'s,
    /// and keeps it only if it has no more spills+reloads and no more
    /// machine instructions; otherwise `dag`'s output is used. Variants are
    /// then labelled `NAME+checked`.
    #[arg(long, value_enum, default_value_t = Check::None)]
    check: Check,
    /// Worker threads (default: all cores).
    #[arg(long, short)]
    jobs: Option<usize>,
}

impl Common {
    fn settings(&self) -> Settings {
        Settings {
            limits: Limits {
                iterations: self.max_iterations,
                nodes: self.max_nodes,
                time: Duration::from_millis(self.max_millis),
            },
            max_insts: self.max_insts,
            check_regalloc: self.check == Check::Regalloc,
            ..Settings::default()
        }
    }
}

/// What judges an extractor's output before it is kept.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum Check {
    /// Nothing: the extractor's output stands (the default, cheap path).
    None,
    /// regalloc2, through Cranelift's backend: no worse than `dag`.
    Regalloc,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    /// Human-readable tables.
    Table,
    /// One JSON object per row.
    Json,
    /// CSV with a header.
    Csv,
}

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("regpress: error: {}", one_line(&format!("{e:#}")));
            1
        }
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Compare {
            paths,
            keep_clif,
            common,
            extractor,
            rules,
            target,
            no_semantics,
            random_inputs,
            per_function,
            output,
            format,
        } => {
            // Deep recursion in the interpreter (recursive run tests) and in
            // Cranelift on huge functions needs more than rayon's default
            // stack.
            let mut pool = rayon::ThreadPoolBuilder::new().stack_size(256 << 20);
            if let Some(j) = common.jobs {
                pool = pool.num_threads(j);
            }
            let _ = pool.build_global();
            let files = load(&paths, keep_clif.as_deref())?;
            let extractors = parse_extractors(&extractor)?;
            let rule_sets = rules
                .iter()
                .map(|r| RuleSet::parse(r).map_err(|e| anyhow!(e)))
                .collect::<Result<Vec<_>>>()?;
            for t in &target {
                if !TARGETS.contains(&t.as_str()) {
                    bail!("unknown target `{t}` (expected {})", TARGETS.join(", "));
                }
            }
            let config = Config {
                targets: target,
                extractors,
                rule_sets,
                settings: common.settings(),
                random_inputs,
                semantics: !no_semantics,
            };
            let rows = compare_all(&files, &config)?;
            if let Some(path) = &output {
                write_rows(path, &rows)?;
            }
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                Format::Table => {
                    if per_function {
                        print_rows(&mut out, &rows)?;
                    }
                    print_modules(&mut out, &rows)?;
                    print_totals(&mut out, &rows)?;
                }
                Format::Json => {
                    for r in &rows {
                        writeln!(out, "{}", serde_json::to_string(r)?)?;
                    }
                }
                Format::Csv => write_csv(&mut out, &rows)?,
            }
            // Only our outputs count: a run line that fails on Cranelift's
            // own output (a libcall the interpreter cannot make) is the
            // input's, not ours.
            let failures = rows
                .iter()
                .filter(|r| r.variant != CRANELIFT_SPEED)
                .filter(|r| r.error.as_deref().is_some_and(is_semantic_failure))
                .count();
            if failures > 0 {
                eprintln!("regpress: {failures} outputs failed a semantic check");
                return Ok(2);
            }
            Ok(0)
        }
        Command::Gym { paths, extractor } => {
            let extractors = parse_extractors(&extractor)?;
            let mut files = Vec::new();
            for p in &paths {
                files.extend(corpus::files_with_extension(p, "json")?);
            }
            if files.is_empty() {
                bail!("no extraction-gym .json files given");
            }
            let mut bad = 0;
            for f in &files {
                let graph = match crate::gym::load(f) {
                    Ok(g) => g,
                    Err(e) => {
                        eprintln!("regpress: error: {}", one_line(&format!("{e:#}")));
                        bad += 1;
                        continue;
                    }
                };
                let costs = extract::NodeCosts::given(&graph);
                let problem = extract::Problem::foreign(&graph, &costs);
                for ex in &extractors {
                    let t = std::time::Instant::now();
                    let choice = ex.extract(&problem);
                    let micros = t.elapsed().as_micros() as u64;
                    let check = choice.check(&graph);
                    let (dag, tree) = if check.is_ok() {
                        (
                            crate::gym::dag_cost(&graph, &costs, &choice),
                            crate::gym::tree_cost(&graph, &costs, &choice),
                        )
                    } else {
                        bad += 1;
                        (f64::NAN, f64::NAN)
                    };
                    let line = serde_json::json!({
                        "file": f.display().to_string(),
                        "extractor": ex.name(),
                        "dag_cost": dag,
                        "tree_cost": tree,
                        "micros": micros,
                        "error": check.err().map(|e| e.to_string()),
                    });
                    println!("{line}");
                }
            }
            if bad > 0 {
                eprintln!("regpress: {bad} extractions failed the check");
                return Ok(2);
            }
            Ok(0)
        }
        Command::Exec(args) => {
            let rows = crate::exec::measure(&args)?;
            if let Some(path) = &args.output {
                crate::exec::table::write_file(path, &rows)?;
            }
            crate::exec::table::write(&mut std::io::stdout().lock(), &rows, args.format)?;
            let failures = rows.iter().filter(|r| r.error.is_some()).count();
            if failures > 0 {
                eprintln!("regpress: {failures} kernel × variant rows failed");
                return Ok(2);
            }
            Ok(0)
        }
        Command::Oracle(args) => crate::oracle::command(&args),
        Command::Fidelity(args) => crate::fidelity::command(&args),
        Command::Sightglass(args) => crate::sightglass::command(&args),
        Command::SightglassWorker(args) => {
            crate::sightglass::run::worker(&args)?;
            Ok(0)
        }
        Command::Report(args) => {
            for path in crate::report::run(&args)? {
                println!("{}", path.display());
            }
            Ok(0)
        }
        Command::Translate { paths, output } => {
            let mut modules = Vec::new();
            for p in &paths {
                let list = crate::wasm::module_files(p)?;
                if list.is_empty() {
                    bail!("{}: no .wasm or .wat files found", p.display());
                }
                modules.extend(list);
            }
            for m in &modules {
                let dir = output.join(m.file_stem().unwrap_or_default());
                let n = crate::wasm::translate(m, Some(&dir))?.len();
                println!("{}: {n} functions -> {}", m.display(), dir.display());
            }
            Ok(0)
        }
        Command::ExecWorker(args) => {
            crate::exec::worker(&args.measure, &args.manifest)?;
            Ok(0)
        }
        Command::Optimize {
            input,
            keep_clif,
            output,
            common,
            target,
            extractor,
            rules,
        } => {
            let ex = parse_extractors(std::slice::from_ref(&extractor))?
                .pop()
                .expect("one name, one extractor");
            let set = RuleSet::parse(&rules).map_err(|e| anyhow!(e))?;
            let rules = set.rules();
            let opts = crate::optimize::Options {
                target: target.as_deref(),
                extractor: &*ex,
                rules: &rules,
                settings: common.settings(),
            };
            // Cranelift recurses deeply on huge functions: run on a thread
            // with room for it, as `compare`'s workers do.
            let out = std::thread::scope(|s| {
                std::thread::Builder::new()
                    .stack_size(256 << 20)
                    .spawn_scoped(s, || {
                        if crate::wasm::is_module(&input) {
                            crate::optimize::optimize_module(&input, keep_clif.as_deref(), &opts)
                        } else {
                            crate::optimize::optimize_path(&input, &opts)
                        }
                    })
                    .expect("spawning the optimizer thread")
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            })?;
            for w in &out.warnings {
                eprintln!("regpress: warning: {w}");
            }
            if output == "-" {
                print!("{}", out.text);
            } else {
                std::fs::write(&output, &out.text).with_context(|| format!("writing {output}"))?;
            }
            Ok(0)
        }
    }
}

/// Look up extractors by name.
fn parse_extractors(names: &[String]) -> Result<Vec<Box<dyn extract::Extractor>>> {
    names
        .iter()
        .map(|e| {
            extract::by_name(e).ok_or_else(|| {
                anyhow!(
                    "unknown extractor `{e}` (expected one of {})",
                    EXTRACTORS.join(", ")
                )
            })
        })
        .collect()
}

/// Is this row error a wrong result (as opposed to a refusal)?
pub fn is_semantic_failure(e: &str) -> bool {
    e.starts_with("differential mismatch") || e.starts_with("run line failed")
}

/// The corpus files of `paths`: `.clif` files, `.wasm`/`.wat` modules (each
/// function one file, translated by wasmtime), and directories of either,
/// searched recursively. With `keep_clif`, each module's translated CLIF
/// is kept in `keep_clif/<module name>/`.
fn load(paths: &[PathBuf], keep_clif: Option<&std::path::Path>) -> Result<Vec<CorpusFile>> {
    if paths.is_empty() {
        return Ok(corpus::builtin());
    }
    let mut files = Vec::new();
    for p in paths {
        let mut list = corpus::clif_files(p)?;
        if p.is_dir() {
            list.extend(crate::wasm::module_files(p)?);
        }
        if list.is_empty() {
            bail!("{}: no .clif, .wasm or .wat files found", p.display());
        }
        for f in list {
            if crate::wasm::is_module(&f) {
                let keep = keep_clif.map(|k| k.join(f.file_stem().unwrap_or_default()));
                files.extend(crate::wasm::translate(&f, keep.as_deref())?);
            } else {
                files.push(corpus::load_file(&f)?);
            }
        }
    }
    Ok(files)
}

fn compare_all(files: &[CorpusFile], config: &Config) -> Result<Vec<Row>> {
    let isas = config
        .targets
        .iter()
        .map(|t| Isas::new(t))
        .collect::<Result<Vec<_>>>()?;
    let rules: Vec<_> = config.rule_sets.iter().map(|s| (*s, s.rules())).collect();
    let jobs: Vec<(usize, usize, usize)> = files
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| (0..f.functions.len()).map(move |i| (fi, i)))
        .flat_map(|(fi, i)| (0..isas.len()).map(move |t| (fi, i, t)))
        .collect();
    let bar = ProgressBar::new(jobs.len() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} functions×targets ({eta})",
        )
        .expect("valid template"),
    );
    if jobs.len() < 20 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // Every panic inside a comparison is caught, quietly, by `guarded`.
    let mut rows: Vec<Row> = jobs
        .par_iter()
        .progress_with(bar)
        .flat_map_iter(|&(fi, i, t)| {
            compare::compare_function(&files[fi], i, &isas[t], config, &rules)
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.target.as_str(), a.file.as_str(), a.function.as_str()).cmp(&(
            b.target.as_str(),
            b.file.as_str(),
            b.function.as_str(),
        ))
    });
    Ok(rows)
}

fn write_rows(path: &PathBuf, rows: &[Row]) -> Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => write_csv(&mut f, rows)?,
        _ => {
            for r in rows {
                writeln!(f, "{}", serde_json::to_string(r)?)?;
            }
        }
    }
    Ok(())
}

fn write_csv(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    writeln!(
        out,
        "file,function,target,variant,spills,reloads,moves,insts,bytes,spill_slots,frame_size,run_passed,run_total,diff_compared,extract_micros,fallback,error,checked_kept,check_micros,compile_micros"
    )?;
    for r in rows {
        let m = r.metrics.unwrap_or_default();
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            csv(&r.file),
            csv(&r.function),
            r.target,
            r.variant,
            m.spills,
            m.reloads,
            m.moves,
            m.insts,
            m.bytes,
            m.spill_slots,
            m.frame_size,
            r.run_passed,
            r.run_total,
            r.diff_compared,
            r.extract_micros,
            csv(r.fallback.as_deref().unwrap_or("")),
            csv(r.error.as_deref().unwrap_or("")),
            r.checked_kept.map(|k| k.to_string()).unwrap_or_default(),
            r.check_micros,
            r.compile_micros
        )?;
    }
    Ok(())
}

fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn print_rows(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    writeln!(
        out,
        "{:<44} {:<8} {:<28} {:>7} {:>7} {:>7} {:>8} {:>8} {:>6}",
        "function", "target", "variant", "spills", "reloads", "moves", "insts", "bytes", "frame"
    )?;
    for r in rows {
        let name = format!("{}:{}", short(&r.file), r.function);
        match (&r.metrics, &r.error) {
            (Some(m), None) => writeln!(
                out,
                "{:<44} {:<8} {:<28} {:>7} {:>7} {:>7} {:>8} {:>8} {:>6}",
                name,
                r.target,
                r.variant,
                m.spills,
                m.reloads,
                m.moves,
                m.insts,
                m.bytes,
                m.frame_size
            )?,
            (_, e) => writeln!(
                out,
                "{:<44} {:<8} {:<28} error: {}",
                name,
                r.target,
                r.variant,
                e.as_deref().unwrap_or("no metrics")
            )?,
        }
    }
    writeln!(out)?;
    Ok(())
}

fn short(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Totals per (target, variant) over the functions every variant compiled.
pub fn totals<'a>(
    rows: impl IntoIterator<Item = &'a Row>,
) -> BTreeMap<(String, String), (CodeMetrics, usize)> {
    // Only functions measured by every variant of their target count, so the
    // totals compare like with like.
    let mut by_func: BTreeMap<(String, String, String), Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_func
            .entry((r.target.clone(), r.file.clone(), r.function.clone()))
            .or_default()
            .push(r);
    }
    let mut out: BTreeMap<(String, String), (CodeMetrics, usize)> = BTreeMap::new();
    for group in by_func.values() {
        if group.len() < 2 || group.iter().any(|r| r.metrics.is_none()) {
            continue;
        }
        for r in group {
            let e = out
                .entry((r.target.clone(), r.variant.clone()))
                .or_default();
            e.0 += r.metrics.unwrap();
            e.1 += 1;
        }
    }
    out
}

/// The module a row's function comes from: the module file of a translated
/// `.wasm`/`.wat` function (`dir/m.wasm#wasm[0]::function[3]` → `m`), the
/// directory of a corpus file (`clif/tiktoken/f00007.clif` → `tiktoken`),
/// or the file itself for a file of many functions (`builtin:keccak.clif`
/// → `keccak`).
pub fn module_of(file: &str) -> String {
    let stem = |p: &str| {
        let name = p.rsplit(['/', ':']).next().unwrap_or(p);
        name.rsplit_once('.').map_or(name, |(s, _)| s).to_string()
    };
    if let Some((module, _)) = file.split_once('#') {
        return stem(module);
    }
    if file.starts_with("builtin:") {
        return stem(file);
    }
    let mut parts = file.rsplit('/');
    let name = parts.next().unwrap_or(file);
    // One function per file (`fNNNNN.clif`): the directory is the module.
    if name.starts_with('f')
        && name[1..]
            .trim_end_matches(".clif")
            .bytes()
            .all(|b| b.is_ascii_digit())
    {
        if let Some(dir) = parts.next() {
            return dir.to_string();
        }
    }
    stem(file)
}

/// Per module, target and variant: spills+reloads and instructions, and
/// their ratio to Cranelift `speed` on the same functions, so that a module
/// that loses cannot hide in a total. Printed when there are 1 to 60
/// modules.
fn print_modules(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    let mut by_module: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_module.entry(module_of(&r.file)).or_default().push(r);
    }
    if by_module.is_empty() || by_module.len() > 60 {
        return Ok(());
    }
    writeln!(
        out,
        "| module | target | variant | functions | spills+reloads | insts | vs speed: s+r | vs speed: insts |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    for (module, rows) in &by_module {
        let t = totals(rows.iter().copied());
        for ((target, variant), (m, n)) in &t {
            let (rs, ri) = vs_speed(&t, target, m);
            writeln!(
                out,
                "| {module} | {target} | {variant} | {n} | {} | {} | {rs} | {ri} |",
                m.spills_reloads(),
                m.insts
            )?;
        }
    }
    writeln!(out)?;
    Ok(())
}

/// Spills+reloads and instructions of `m` as ratios to Cranelift `speed`'s
/// on the same target in `t`, formatted; `-` where there is no base.
fn vs_speed(
    t: &BTreeMap<(String, String), (CodeMetrics, usize)>,
    target: &str,
    m: &CodeMetrics,
) -> (String, String) {
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.3}", a as f64 / b as f64)
        }
    };
    match t.get(&(target.to_string(), CRANELIFT_SPEED.to_string())) {
        Some((b, _)) => (
            ratio(m.spills_reloads(), b.spills_reloads()),
            ratio(m.insts, b.insts),
        ),
        None => ("-".into(), "-".into()),
    }
}

fn print_totals(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    let t = totals(rows);
    writeln!(
        out,
        "| target | variant | functions | spills | reloads | spills+reloads | moves | insts | bytes | frame | vs speed: s+r | vs speed: insts |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|")?;
    for ((target, variant), (m, n)) in &t {
        let (rs, ri) = vs_speed(&t, target, m);
        writeln!(
            out,
            "| {target} | {variant} | {n} | {} | {} | {} | {} | {} | {} | {} | {rs} | {ri} |",
            m.spills,
            m.reloads,
            m.spills_reloads(),
            m.moves,
            m.insts,
            m.bytes,
            m.frame_size
        )?;
    }
    let errors: Vec<&Row> = rows.iter().filter(|r| r.error.is_some()).collect();
    let fallbacks = rows.iter().filter(|r| r.fallback.is_some()).count();
    let run_total: usize = rows
        .iter()
        .filter(|r| r.variant != CRANELIFT_SPEED)
        .map(|r| r.run_total)
        .sum();
    let run_passed: usize = rows
        .iter()
        .filter(|r| r.variant != CRANELIFT_SPEED)
        .map(|r| r.run_passed)
        .sum();
    writeln!(
        out,
        "\nrun lines passed on our outputs: {run_passed}/{run_total}; fallbacks: {fallbacks}; rows with errors: {}",
        errors.len()
    )?;
    for r in errors.iter().take(10) {
        writeln!(
            out,
            "  {}:{} [{} {}]: {}",
            short(&r.file),
            r.function,
            r.target,
            r.variant,
            r.error.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::module_of;

    #[test]
    fn rows_are_grouped_by_module() {
        assert_eq!(module_of("/m/brotli.wasm#wasm[0]::function[3]"), "brotli");
        assert_eq!(module_of("mix.wat#wasm[0]::function[0]"), "mix");
        assert_eq!(
            module_of("../shared/corpus/wasm-extra/clif/tiktoken/f00007.clif"),
            "tiktoken"
        );
        assert_eq!(module_of("builtin:keccak.clif"), "keccak");
        assert_eq!(
            module_of("runtests/atomic-rmw-little.clif"),
            "atomic-rmw-little"
        );
    }
}
