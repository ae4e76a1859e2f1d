//! `regpress sightglass`: Cranelift's own benchmark programs, run end to end
//! with regpress as wasmtime's mid-end, and the instructions they retire.
//!
//! For each program of `../shared/corpus/sightglass` and each variant:
//!
//! 1. **Compile** the module with wasmtime 48.0.8 as a library. `stock` is
//!    wasmtime as shipped (Cranelift at `opt_level=speed`); every other
//!    variant puts regpress's code for each of the module's functions into
//!    an unmodified wasmtime through its incremental compilation cache
//!    ([`serve`]).
//! 2. **Run** it under callgrind through a worker process
//!    ([`run::measure`]), counting the instructions retired between
//!    `bench.start` and `bench.end`. Compilation happens outside Valgrind;
//!    the worker only loads the compiled module.
//! 3. **Check** the run: exit status 0 and stdout and stderr equal to the
//!    expected files. A mismatch is a miscompile: the row says so and the
//!    command exits 2.
//!
//! Counts come from callgrind, so they are repeatable on a loaded machine;
//! the programs' random numbers are a fixed sequence for the same reason.

pub mod run;
pub mod serve;

use crate::pipeline::Settings;
use crate::rules::{Limits, RuleSet};
use anyhow::{anyhow, bail, Context as _, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use run::Program;
use serde::Serialize;
use serve::MidEnd;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `regpress sightglass`.
#[derive(clap::Args, Debug)]
pub struct SightglassArgs {
    /// The suite: a folder of programs, each a `.wasm` with its
    /// `<name>.stdout.expected` (default: `../shared/corpus/sightglass`).
    pub dir: Option<PathBuf>,
    /// Only programs whose name contains one of these (repeatable or comma
    /// separated), e.g. `--benchmark blake3,keccak`.
    #[arg(long, value_delimiter = ',')]
    pub benchmark: Vec<String>,
    /// Extractors, comma separated: each runs under each rule set.
    /// `NAME+check` is NAME in checked mode (`--check regalloc`).
    #[arg(long, value_delimiter = ',', default_values_t = ["cranelift", "dag", "pressure"].map(String::from))]
    pub extractor: Vec<String>,
    /// Rule sets, comma separated.
    #[arg(long, value_delimiter = ',', default_values_t = ["default", "default+reassoc+demorgan"].map(String::from))]
    pub rules: Vec<String>,
    /// Extra variants as `EXTRACTOR/RULES` (repeatable), beside the cross
    /// product above.
    #[arg(long)]
    pub variant: Vec<String>,
    /// Also run the control `cranelift-speed`: Cranelift's own mid-end on
    /// the CLIF regpress starts from, served through the cache like
    /// regpress's code. It separates the route and the input form (against
    /// `stock`) from the mid-end (against a regpress variant).
    #[arg(long)]
    pub control: bool,
    /// Run natively and check the output, without counting instructions
    /// (no Valgrind needed).
    #[arg(long)]
    pub no_count: bool,
    /// The valgrind executable.
    #[arg(long, default_value = "valgrind")]
    pub valgrind: PathBuf,
    /// Write every row to this file: CSV, or JSON lines for `.json`/`.jsonl`.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also write a Markdown table to this file: one row per program, one
    /// column per variant (instructions retired over stock's), then the
    /// totals.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Run nothing: read the rows of an earlier run's CSV (`-o`) and print
    /// and write its tables.
    #[arg(long, value_name = "CSV")]
    pub rows: Option<PathBuf>,
    /// Write each function regpress could not serve, with the reason, to
    /// this CSV file.
    #[arg(long)]
    pub fallbacks: Option<PathBuf>,
    /// Maximum saturation iterations.
    #[arg(long, default_value_t = Limits::default().iterations)]
    pub max_iterations: usize,
    /// Maximum e-nodes during saturation.
    #[arg(long, default_value_t = Limits::default().nodes)]
    pub max_nodes: usize,
    /// Maximum saturation time per function, in milliseconds. High by
    /// default so that the iteration and node limits decide.
    #[arg(long, default_value_t = 600_000)]
    pub max_millis: u64,
}

impl SightglassArgs {
    fn settings(&self) -> Settings {
        Settings {
            limits: Limits {
                iterations: self.max_iterations,
                nodes: self.max_nodes,
                time: Duration::from_millis(self.max_millis),
            },
            ..Settings::default()
        }
    }

    /// `stock` first, then the requested variants; bad names are one-line
    /// errors.
    pub fn mid_ends(&self) -> Result<Vec<MidEnd>> {
        let mut out = vec![MidEnd::Stock];
        if self.control {
            out.push(MidEnd::CraneliftSpeed);
        }
        let mut add = |extractor: &str, rules: &str| -> Result<()> {
            let (extractor, checked) = match extractor.strip_suffix(serve::CHECKED_SUFFIX) {
                Some(base) => (base, true),
                None => (extractor, false),
            };
            if crate::extract::by_name(extractor).is_none() {
                bail!(
                    "unknown extractor `{extractor}` (expected one of {})",
                    crate::extract::EXTRACTORS.join(", ")
                );
            }
            let rules = RuleSet::parse(rules).map_err(|e| anyhow!("{e}"))?;
            let m = MidEnd::Regpress {
                extractor: extractor.to_string(),
                rules,
                checked,
            };
            if !out.contains(&m) {
                out.push(m);
            }
            Ok(())
        };
        for rules in &self.rules {
            for ex in &self.extractor {
                add(ex, rules)?;
            }
        }
        for v in &self.variant {
            let (ex, rules) = v
                .split_once('/')
                .ok_or_else(|| anyhow!("--variant `{v}`: expected EXTRACTOR/RULES"))?;
            add(ex, rules)?;
        }
        Ok(out)
    }

    fn programs(&self) -> Result<Vec<Program>> {
        let dir = match &self.dir {
            Some(d) => d.clone(),
            None => crate::corpus::shared_corpus()
                .map(|c| c.join("sightglass"))
                .ok_or_else(|| {
                    anyhow!("no suite given and ../shared/corpus/sightglass not found")
                })?,
        };
        let all = run::programs(&dir)?;
        let chosen: Vec<Program> = all
            .into_iter()
            .filter(|p| {
                self.benchmark.is_empty() || self.benchmark.iter().any(|b| p.name.contains(b))
            })
            .collect();
        if chosen.is_empty() {
            bail!("{}: no programs match", dir.display());
        }
        Ok(chosen)
    }
}

/// One program × variant.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Row {
    /// Program name.
    pub benchmark: String,
    /// `stock` or `EXTRACTOR/RULES`.
    pub variant: String,
    /// Instructions retired between `bench.start` and `bench.end` (absent
    /// with `--no-count` or when the run failed).
    pub instructions: Option<u64>,
    /// `instructions` over stock's for the same program.
    pub ratio_vs_stock: Option<f64>,
    /// Exit status 0 and stdout and stderr as expected.
    pub output_ok: bool,
    /// The module's functions whose code is regpress's.
    pub functions_regpress: usize,
    /// The module's functions.
    pub functions_total: usize,
    /// Module functions recompiled unchanged whose code equals wasmtime's.
    pub identical: usize,
    /// Trampolines and other glue (Cranelift's code, as in stock).
    pub glue: usize,
    /// Seconds spent compiling the module.
    pub compile_seconds: f64,
    /// Seconds spent running it (under callgrind unless `--no-count`).
    pub run_seconds: f64,
    /// What went wrong, in one line.
    pub error: Option<String>,
}

/// A module function a variant could not serve regpress's code for.
#[derive(Clone, Debug)]
pub struct Fallback {
    /// Program name.
    pub benchmark: String,
    /// Variant name.
    pub variant: String,
    /// The function's symbol, and why.
    pub function_and_reason: String,
}

/// Run the campaign: every program × variant, stock first.
pub fn campaign(args: &SightglassArgs) -> Result<(Vec<Row>, Vec<Fallback>)> {
    let mid_ends = args.mid_ends()?;
    let programs = args.programs()?;
    if std::env::consts::ARCH != "x86_64" {
        bail!(
            "regpress sightglass compiles for and runs on x86_64 hosts only (this is {})",
            std::env::consts::ARCH
        );
    }
    if !args.no_count {
        check_valgrind(&args.valgrind)?;
    }
    let settings = args.settings();
    let scratch =
        std::env::temp_dir().join(format!("regpress-sightglass-run-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;

    let bars = MultiProgress::new();
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bars.set_draw_target(ProgressDrawTarget::hidden());
    }
    let steps = (programs.len() * mid_ends.len()) as u64;
    let campaign_bar = bars.add(ProgressBar::new(steps)).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs {msg}",
        )
        .expect("valid template"),
    );
    let function_bar = bars.add(ProgressBar::new(0)).with_style(
        ProgressStyle::with_template("    {bar:30} {pos}/{len} functions served")
            .expect("valid template"),
    );

    let mut rows = Vec::new();
    let mut fallbacks = Vec::new();
    for program in &programs {
        let wasm = std::fs::read(&program.wasm)
            .with_context(|| format!("reading {}", program.wasm.display()))?;
        let mut stock: Option<u64> = None;
        let mut stock_outcome: Option<run::Outcome> = None;
        for mid_end in &mid_ends {
            campaign_bar.set_message(format!("{} {}", program.name, mid_end.name()));
            let progress = |done: u64, total: u64| {
                function_bar.set_length(total);
                function_bar.set_position(done);
            };
            let mut row = Row {
                benchmark: program.name.clone(),
                variant: mid_end.name(),
                ..Row::default()
            };
            let started = std::time::Instant::now();
            let compiled = serve::compile(&wasm, mid_end, &settings, &progress);
            row.compile_seconds = started.elapsed().as_secs_f64();
            function_bar.set_length(0);
            match compiled {
                Err(e) => row.error = Some(format!("compile: {e}")),
                Ok(artifact) => {
                    row.functions_regpress = artifact.functions_regpress;
                    row.functions_total = artifact.functions_total;
                    row.identical = artifact.identical;
                    row.glue = artifact.glue;
                    for (f, why) in &artifact.fallbacks {
                        fallbacks.push(Fallback {
                            benchmark: program.name.clone(),
                            variant: row.variant.clone(),
                            function_and_reason: format!("{f}: {why}"),
                        });
                    }
                    let opt = mid_end.opt_level();
                    let started = std::time::Instant::now();
                    let ran = if args.no_count {
                        run::run(&artifact.bytes, opt, program).map(|o| (o, None))
                    } else {
                        run::measure(&args.valgrind, &artifact.bytes, opt, program, &scratch)
                            .map(|(o, n)| (o, Some(n)))
                    };
                    row.run_seconds = started.elapsed().as_secs_f64();
                    match ran {
                        Err(e) => row.error = Some(format!("run: {e}")),
                        Ok((outcome, count)) => {
                            match outcome.check(program, stock_outcome.as_ref()) {
                                Ok(()) => row.output_ok = true,
                                Err(e) => {
                                    row.error = Some(format!("MISCOMPILE or failed run: {e}"))
                                }
                            }
                            row.instructions = count;
                            if *mid_end == MidEnd::Stock {
                                stock_outcome = Some(outcome);
                            }
                        }
                    }
                }
            }
            if *mid_end == MidEnd::Stock {
                stock = row.instructions;
            }
            row.ratio_vs_stock = match (row.instructions, stock) {
                (Some(n), Some(s)) if s > 0 => Some(n as f64 / s as f64),
                _ => None,
            };
            if let Some(e) = &row.error {
                bars.suspend(|| {
                    eprintln!(
                        "regpress sightglass: {} {}: {e}",
                        row.benchmark, row.variant
                    )
                });
            }
            rows.push(row);
            campaign_bar.inc(1);
        }
    }
    campaign_bar.finish_and_clear();
    function_bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&scratch);
    Ok((rows, fallbacks))
}

fn check_valgrind(valgrind: &Path) -> Result<()> {
    let ok = std::process::Command::new(valgrind)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        bail!(
            "cannot run {} (install valgrind, pass --valgrind PATH, or use --no-count)",
            valgrind.display()
        );
    }
    Ok(())
}

/// `regpress sightglass`: run the campaign, print the table, write the
/// files. Exit status 2 when any run failed or printed the wrong output.
pub fn command(args: &SightglassArgs) -> Result<i32> {
    let (rows, fallbacks) = match &args.rows {
        Some(path) => (read_rows(path)?, Vec::new()),
        None => campaign(args)?,
    };
    if let Some(path) = &args.output {
        write_rows(path, &rows)?;
    }
    if let Some(path) = &args.fallbacks {
        let mut text = String::from("benchmark,variant,function_and_reason\n");
        for f in &fallbacks {
            text.push_str(&format!(
                "{},{},{}\n",
                f.benchmark,
                f.variant,
                csv_field(&f.function_and_reason)
            ));
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.markdown {
        let mut text = Vec::new();
        write_markdown(&mut text, &rows)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    write_table(&mut out, &rows)?;
    let bad = rows.iter().filter(|r| !r.output_ok).count();
    if bad > 0 {
        eprintln!("regpress sightglass: {bad} runs failed or printed the wrong output");
        return Ok(2);
    }
    Ok(0)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV columns, in order.
pub const CSV_HEADER: &str = "benchmark,variant,instructions,ratio_vs_stock,output_ok,functions_regpress,functions_total,identical,glue,compile_seconds,run_seconds,error";

/// Read the rows of a CSV written by [`write_rows`].
pub fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| anyhow!("{}: no column `{name}`", path.display()))
    };
    let [b, v, n, ok, fr, ft, id, gl] = [
        "benchmark",
        "variant",
        "instructions",
        "output_ok",
        "functions_regpress",
        "functions_total",
        "identical",
        "glue",
    ]
    .map(col);
    let (b, v, n, ok, fr, ft, id, gl) = (b?, v?, n?, ok?, fr?, ft?, id?, gl?);
    let mut rows = Vec::new();
    let mut stock: Option<u64> = None;
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let get = |c: usize| f.get(c).copied().unwrap_or("");
        let num = |c: usize| -> Result<usize> {
            get(c)
                .parse()
                .map_err(|_| anyhow!("{}:{}: bad number `{}`", path.display(), i + 2, get(c)))
        };
        let mut row = Row {
            benchmark: get(b).to_string(),
            variant: get(v).to_string(),
            instructions: get(n).parse().ok(),
            output_ok: get(ok) == "true",
            functions_regpress: num(fr)?,
            functions_total: num(ft)?,
            identical: num(id)?,
            glue: num(gl)?,
            ..Row::default()
        };
        if row.variant == "stock" {
            stock = row.instructions;
        }
        row.ratio_vs_stock = match (row.instructions, stock) {
            (Some(x), Some(s)) if s > 0 => Some(x as f64 / s as f64),
            _ => None,
        };
        rows.push(row);
    }
    Ok(rows)
}

/// Write rows as CSV, or JSON lines for `.json`/`.jsonl`.
pub fn write_rows(path: &Path, rows: &[Row]) -> Result<()> {
    let json = path
        .extension()
        .is_some_and(|e| e == "json" || e == "jsonl");
    let mut text = String::new();
    if json {
        for r in rows {
            text.push_str(&serde_json::to_string(r)?);
            text.push('\n');
        }
    } else {
        text.push_str(CSV_HEADER);
        text.push('\n');
        for r in rows {
            let opt = |v: Option<String>| v.unwrap_or_default();
            text.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{:.1},{:.1},{}\n",
                r.benchmark,
                r.variant,
                opt(r.instructions.map(|n| n.to_string())),
                opt(r.ratio_vs_stock.map(|x| format!("{x:.4}"))),
                r.output_ok,
                r.functions_regpress,
                r.functions_total,
                r.identical,
                r.glue,
                r.compile_seconds,
                r.run_seconds,
                csv_field(r.error.as_deref().unwrap_or("")),
            ));
        }
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// The table for people: one line per program × variant, then the totals
/// of each variant over the programs every variant ran correctly.
pub fn write_table(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    writeln!(
        out,
        "{:<22} {:<42} {:>15} {:>8} {:>6} {:>11}",
        "benchmark", "variant", "instructions", "vs stock", "output", "served"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<22} {:<42} {:>15} {:>8} {:>6} {:>11}",
            r.benchmark,
            r.variant,
            r.instructions.map(|n| n.to_string()).unwrap_or("-".into()),
            r.ratio_vs_stock
                .map(|x| format!("{x:.4}"))
                .unwrap_or("-".into()),
            if r.output_ok { "ok" } else { "WRONG" },
            if r.variant == "stock" {
                "-".to_string()
            } else {
                format!("{}/{}", r.functions_regpress, r.functions_total)
            },
        )?;
    }
    let totals = totals(rows);
    if !totals.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "total over {} programs correct under every variant:",
            totals[0].programs
        )?;
        for t in &totals {
            writeln!(
                out,
                "  {:<42} {:>15} {:>8.4}",
                t.variant, t.instructions, t.ratio_vs_stock
            )?;
        }
    }
    Ok(())
}

/// The variants and the programs of `rows`, each in order of first
/// appearance.
fn names(rows: &[Row]) -> (Vec<&str>, Vec<&str>) {
    let mut variants: Vec<&str> = Vec::new();
    let mut programs: Vec<&str> = Vec::new();
    for r in rows {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
        if !programs.contains(&r.benchmark.as_str()) {
            programs.push(&r.benchmark);
        }
    }
    (variants, programs)
}

/// The table for a report: one row per program with stock's count and
/// each other variant's ratio to it (`WRONG` for a run that failed or
/// printed the wrong output), the functions served, then the totals.
pub fn write_markdown(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    let (variants, programs) = names(rows);
    let others: Vec<&str> = variants.iter().copied().filter(|v| *v != "stock").collect();
    // `pressure/R` against `dag/R`, its starting point, for each rule set
    // that has both.
    let pairs: Vec<(&str, String)> = others
        .iter()
        .filter_map(|v| {
            let rules = v.strip_prefix("pressure/")?;
            let dag = format!("dag/{rules}");
            variants.contains(&dag.as_str()).then_some((*v, dag))
        })
        .collect();
    write!(out, "| program | stock: instructions |")?;
    for v in &others {
        write!(out, " {v} |")?;
    }
    for (p, d) in &pairs {
        write!(out, " {p} vs {d} |")?;
    }
    writeln!(out, " served |")?;
    write!(out, "|---|---:|")?;
    for _ in others.iter().map(|_| ()).chain(pairs.iter().map(|_| ())) {
        write!(out, "---:|")?;
    }
    writeln!(out, "---:|")?;
    let find = |p: &str, v: &str| rows.iter().find(|r| r.benchmark == p && r.variant == v);
    let cell = |r: Option<&Row>, ratio: bool| match r {
        None => "-".to_string(),
        Some(r) if !r.output_ok => "WRONG".to_string(),
        Some(r) if ratio => r
            .ratio_vs_stock
            .map(|x| format!("{x:.4}"))
            .unwrap_or("ok".into()),
        Some(r) => r.instructions.map(|n| n.to_string()).unwrap_or("ok".into()),
    };
    for p in &programs {
        write!(out, "| {p} | {} |", cell(find(p, "stock"), false))?;
        for v in &others {
            write!(out, " {} |", cell(find(p, v), true))?;
        }
        for (pv, dv) in &pairs {
            let ratio = match (find(p, pv), find(p, dv)) {
                (Some(a), Some(b)) if a.output_ok && b.output_ok => {
                    match (a.instructions, b.instructions) {
                        (Some(x), Some(y)) if y > 0 => format!("{:.4}", x as f64 / y as f64),
                        _ => "-".into(),
                    }
                }
                _ => "-".into(),
            };
            write!(out, " {ratio} |")?;
        }
        let served = others
            .iter()
            .filter_map(|v| find(p, v))
            .map(|r| (r.functions_regpress, r.functions_total))
            .min();
        match served {
            Some((a, b)) => writeln!(out, " {a}/{b} |")?,
            None => writeln!(out, " - |")?,
        }
    }
    let totals = totals(rows);
    if let Some(stock) = totals.iter().find(|t| t.variant == "stock") {
        write!(
            out,
            "| **total** ({} programs) | {} |",
            stock.programs, stock.instructions
        )?;
        let total = |v: &str| totals.iter().find(|t| t.variant == v);
        for v in &others {
            match total(v) {
                Some(t) => write!(out, " **{:.4}** |", t.ratio_vs_stock)?,
                None => write!(out, " - |")?,
            }
        }
        for (pv, dv) in &pairs {
            match (total(pv), total(dv)) {
                (Some(a), Some(b)) if b.instructions > 0 => write!(
                    out,
                    " **{:.4}** |",
                    a.instructions as f64 / b.instructions as f64
                )?,
                _ => write!(out, " - |")?,
            }
        }
        writeln!(out, " |")?;
    }
    Ok(())
}

/// One variant's sum over the programs that every variant ran correctly
/// and counted.
#[derive(Clone, Debug, PartialEq)]
pub struct Total {
    /// Variant name.
    pub variant: String,
    /// Programs summed.
    pub programs: usize,
    /// Instructions retired, summed.
    pub instructions: u64,
    /// Over stock's sum.
    pub ratio_vs_stock: f64,
}

/// Totals per variant (stock first), over the programs counted and correct
/// under every variant.
pub fn totals(rows: &[Row]) -> Vec<Total> {
    let (variants, programs) = names(rows);
    let good = |p: &str| {
        variants.iter().all(|v| {
            rows.iter().any(|r| {
                r.benchmark == p && r.variant == *v && r.output_ok && r.instructions.is_some()
            })
        })
    };
    let kept: Vec<&str> = programs.into_iter().filter(|p| good(p)).collect();
    if kept.is_empty() {
        return Vec::new();
    }
    let sum = |v: &str| -> u64 {
        rows.iter()
            .filter(|r| r.variant == v && kept.contains(&r.benchmark.as_str()))
            .filter_map(|r| r.instructions)
            .sum()
    };
    let stock = sum("stock").max(1);
    variants
        .iter()
        .map(|v| {
            let n = sum(v);
            Total {
                variant: v.to_string(),
                programs: kept.len(),
                instructions: n,
                ratio_vs_stock: n as f64 / stock as f64,
            }
        })
        .collect()
}
