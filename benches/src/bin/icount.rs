//! `regpress-icount`: instructions executed by extraction, and by
//! Cranelift's own full compile of the same functions, counted by
//! valgrind's callgrind. Instruction counts are far steadier than wall
//! time on a shared machine, which is why Cranelift's maintainers compare
//! compile time in them.
//!
//! The parent runs itself once per variant under
//! `valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no
//! --toggle-collect=regpress_icount_measure`. The worker loads and stages
//! the functions uninstrumented, switches instrumentation on (a callgrind
//! client request, as `regpress exec` does), and runs the variant once
//! over every function inside [`regpress_icount_measure`], the only
//! function whose instructions are collected. The profile's total is the
//! count; it is read with `regpress::exec::callgrind`.

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};
use regpress::exec::{callgrind, valgrind};
use regpress_benches::workload::{self, Isas, StagedFunction, CRANELIFT_COMPILE};
use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;

/// The symbol given to callgrind's `--toggle-collect`.
const MEASURE_SYMBOL: &str = "regpress_icount_measure";

/// The variant that re-runs import, saturation and graph building.
const SATURATE: &str = "saturate";

/// Count the instructions executed by each extractor, by saturation, and
/// by Cranelift's full compile (opt_level=speed), over the built-in kernels
/// and a wasm sample, on x86_64. Writes CSV:
/// `variant,functions,nodes,instructions,ratio_to_compile`.
#[derive(Parser, Debug)]
#[command(name = "regpress-icount")]
struct Cli {
    #[command(subcommand)]
    worker: Option<Worker>,
    /// Functions sampled from ../shared/corpus/wasm (0: none; the corpus
    /// size, 881, or more: every function).
    #[arg(long, default_value_t = 16)]
    wasm: usize,
    /// Leave the built-in kernels out (e.g. `--no-kernels --wasm 881`:
    /// exactly the wasm corpus).
    #[arg(long)]
    no_kernels: bool,
    /// Variants to measure, comma separated (default: cranelift-compile,
    /// saturate and every benchmarked extractor). `cranelift-compile` is
    /// always measured: the ratios are to it.
    #[arg(long, value_delimiter = ',')]
    variants: Vec<String>,
    /// The valgrind executable.
    #[arg(long, default_value = "valgrind")]
    valgrind: PathBuf,
    /// Write the CSV here as well as to standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Worker {
    /// Run one variant (under callgrind; started by the parent).
    #[command(hide = true)]
    Worker {
        /// `cranelift-compile`, `saturate` or an extractor name.
        variant: String,
        /// As the parent's `--wasm`.
        #[arg(long)]
        wasm: usize,
        /// As the parent's `--no-kernels`.
        #[arg(long)]
        no_kernels: bool,
    },
}

fn main() {
    match run(Cli::parse()) {
        Ok(()) => {}
        Err(e) => {
            let msg = format!("{e:#}");
            eprintln!(
                "regpress-icount: error: {}",
                msg.lines().next().unwrap_or("")
            );
            std::process::exit(1);
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Some(Worker::Worker {
        variant,
        wasm,
        no_kernels,
    }) = cli.worker
    {
        return worker(&variant, wasm, no_kernels);
    }
    let mut variants = vec![CRANELIFT_COMPILE.to_string()];
    if cli.variants.is_empty() {
        variants.push(SATURATE.to_string());
        variants.extend(workload::benched_names().map(str::to_string));
    } else {
        variants.extend(
            cli.variants
                .iter()
                .filter(|v| v.as_str() != CRANELIFT_COMPILE)
                .cloned(),
        );
    }
    let dir = std::env::temp_dir().join(format!("regpress-icount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rows = Vec::new();
    for v in &variants {
        eprintln!("regpress-icount: measuring {v}");
        rows.push(measure(&cli, v, &dir)?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let compile = rows[0].3 as f64;
    let mut csv = String::from("variant,functions,nodes,instructions,ratio_to_compile\n");
    for (v, f, n, i) in &rows {
        csv.push_str(&format!("{v},{f},{n},{i},{:.4}\n", *i as f64 / compile));
    }
    print!("{csv}");
    if let Some(p) = &cli.output {
        std::fs::write(p, &csv).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Run one variant under callgrind: (variant, functions, nodes, count).
fn measure(cli: &Cli, variant: &str, dir: &std::path::Path) -> Result<(String, usize, usize, u64)> {
    let profile = dir.join(format!("{variant}.callgrind"));
    let log = dir.join(format!("{variant}.log"));
    let exe = std::env::current_exe().context("locating regpress-icount")?;
    let out = std::process::Command::new(&cli.valgrind)
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", profile.display()))
        .arg(format!("--log-file={}", log.display()))
        .args([
            "--instr-atstart=no",
            "--collect-atstart=no",
            &format!("--toggle-collect={MEASURE_SYMBOL}"),
            "--dump-instr=yes",
            "--dump-line=no",
            "--compress-strings=no",
            "--compress-pos=no",
        ])
        .arg(&exe)
        .args(["worker", variant, "--wasm", &cli.wasm.to_string()])
        .args(cli.no_kernels.then_some("--no-kernels"))
        .output()
        .with_context(|| format!("starting {}", cli.valgrind.display()))?;
    if !out.status.success() {
        bail!(
            "the callgrind worker for {variant} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut fields = stdout.split_whitespace();
    let functions: usize = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let nodes: usize = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = std::fs::read_to_string(&profile)
        .with_context(|| format!("reading {}", profile.display()))?;
    let count = callgrind::parse(&text)?.total();
    if count == 0 {
        bail!("callgrind collected nothing for {variant}: was {MEASURE_SYMBOL} inlined?");
    }
    Ok((variant.to_string(), functions, nodes, count))
}

/// The worker: stage uninstrumented, then measure one pass of `variant`.
fn worker(variant: &str, wasm: usize, no_kernels: bool) -> Result<()> {
    let isas = Isas::new()?;
    let rules = workload::default_rules();
    let mut functions = if no_kernels {
        Vec::new()
    } else {
        workload::kernels().functions
    };
    if wasm > 0 {
        match workload::wasm_sample(wasm)? {
            Some(set) => functions.extend(set.functions),
            None => eprintln!("regpress-icount: ../shared/corpus/wasm absent, kernels only"),
        }
    }
    // Valgrind slows the uninstrumented staging too: without a generous
    // time limit, saturation would stop earlier than natively and each
    // worker would measure a slightly different graph. Iteration and node
    // limits decide instead, as in `regpress exec`.
    let mut settings = regpress::pipeline::Settings::default();
    settings.limits.time = std::time::Duration::from_secs(600);
    let staged = workload::stage_with(&functions, &isas, &rules, &settings);
    let extractor = regpress::extract::by_name(variant);
    if extractor.is_none() && variant != CRANELIFT_COMPILE && variant != SATURATE {
        bail!("unknown variant `{variant}`");
    }
    let job = Job {
        variant,
        staged: &staged,
        contexts: std::cell::RefCell::new(workload::contexts(&staged)),
        extractor: extractor.as_deref(),
        isas: &isas,
        rules: &rules,
    };
    valgrind::start_instrumentation();
    black_box(regpress_icount_measure(&job));
    let nodes: usize = staged.iter().map(|s| s.staged.graph.num_nodes()).sum();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {nodes}", staged.len())?;
    Ok(())
}

/// Everything the measured function needs, built before it runs.
struct Job<'a> {
    variant: &'a str,
    staged: &'a [StagedFunction],
    contexts: std::cell::RefCell<Vec<cranelift_codegen::Context>>,
    extractor: Option<&'a dyn regpress::extract::Extractor>,
    isas: &'a Isas,
    rules: &'a [regpress::rules::Rule],
}

/// The measured work: one pass of the variant over every function.
/// Callgrind collects only while this runs (`--toggle-collect`), so it
/// must stay a real, named function.
#[no_mangle]
#[inline(never)]
fn regpress_icount_measure(job: &Job) -> usize {
    let mut sum = 0;
    if let Some(ex) = job.extractor {
        for s in job.staged {
            black_box(workload::extract(s, ex));
            sum += 1;
        }
    } else if job.variant == SATURATE {
        for s in job.staged {
            sum += workload::saturate(&s.prepared, job.rules);
        }
    } else {
        for ctx in job.contexts.borrow_mut().iter_mut() {
            sum += workload::cranelift_compile(ctx, &*job.isas.speed);
        }
    }
    sum
}
