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
use regpress_benches::workload::{
    self, Isas, StagedFunction, CRANELIFT_COMPILE, CRANELIFT_OPTIMIZE, PASS_EXTRACTORS, PASS_PREFIX,
};
use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;

/// The symbol given to callgrind's `--toggle-collect`.
const MEASURE_SYMBOL: &str = "regpress_icount_measure";

/// The variant that re-runs import, saturation and graph building.
const SATURATE: &str = "saturate";

/// Count the instructions executed by each extractor, by saturation, by
/// regpress's whole pass (`pass-dag`, `pass-pressure`), by Cranelift's
/// mid-end alone (`cranelift-optimize`) and by its full compile
/// (`cranelift-compile`), all at opt_level=speed, over the built-in
/// kernels and a sample of a wasm corpus, on x86_64. Writes CSV:
/// `set,variant,functions,nodes,instructions,ratio_to_compile,ratio_to_optimize`.
#[derive(Parser, Debug)]
#[command(name = "regpress-icount")]
struct Cli {
    #[command(subcommand)]
    worker: Option<Worker>,
    /// Functions sampled from the wasm corpus (0: none; the corpus size or
    /// more: every function).
    #[arg(long, default_value_t = 16)]
    wasm: usize,
    /// The wasm corpus sampled: `wasm` (tuning) or `wasm-extra`
    /// (validation), under ../shared/corpus.
    #[arg(long, default_value = "wasm")]
    corpus: String,
    /// Leave the built-in kernels out (e.g. `--no-kernels --wasm 881`:
    /// exactly the wasm corpus).
    #[arg(long)]
    no_kernels: bool,
    /// Variants to measure, comma separated (default: all: cranelift-compile,
    /// cranelift-optimize, saturate, every benchmarked extractor, pass-dag,
    /// pass-pressure). `cranelift-compile` and `cranelift-optimize` are
    /// always measured: the ratios are to them.
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
        /// As the parent's `--corpus`.
        #[arg(long)]
        corpus: String,
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
        corpus,
        no_kernels,
    }) = cli.worker
    {
        return worker(&variant, wasm, &corpus, no_kernels);
    }
    let mut variants = vec![
        CRANELIFT_COMPILE.to_string(),
        CRANELIFT_OPTIMIZE.to_string(),
    ];
    if cli.variants.is_empty() {
        variants.push(SATURATE.to_string());
        variants.extend(workload::benched_names().map(str::to_string));
        variants.extend(PASS_EXTRACTORS.iter().map(|e| format!("{PASS_PREFIX}{e}")));
    } else {
        variants.extend(
            cli.variants
                .iter()
                .filter(|v| !variants.contains(v))
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    let set = match (cli.no_kernels, cli.wasm) {
        (true, _) => cli.corpus.clone(),
        (false, 0) => "kernels".to_string(),
        (false, _) => format!("kernels+{}", cli.corpus),
    };
    let dir = std::env::temp_dir().join(format!("regpress-icount-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rows = Vec::new();
    for v in &variants {
        eprintln!("regpress-icount: measuring {v}");
        rows.push(measure(&cli, v, &dir)?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let compile = rows[0].3 as f64;
    let optimize = rows[1].3 as f64;
    let mut csv = String::from(
        "set,variant,functions,nodes,instructions,ratio_to_compile,ratio_to_optimize\n",
    );
    for (v, f, n, i) in &rows {
        csv.push_str(&format!(
            "{set},{v},{f},{n},{i},{:.4},{:.4}\n",
            *i as f64 / compile,
            *i as f64 / optimize
        ));
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
        .args(["--corpus", &cli.corpus])
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
fn worker(variant: &str, wasm: usize, corpus: &str, no_kernels: bool) -> Result<()> {
    let isas = Isas::new()?;
    let rules = workload::default_rules();
    let mut functions = if no_kernels {
        Vec::new()
    } else {
        workload::kernels().functions
    };
    if wasm > 0 {
        match workload::corpus_sample(corpus, wasm)? {
            Some(set) => functions.extend(set.functions),
            None => eprintln!("regpress-icount: ../shared/corpus/{corpus} absent, kernels only"),
        }
    }
    // Valgrind slows the uninstrumented staging too: without a generous
    // time limit, saturation would stop earlier than natively and each
    // worker would measure a slightly different graph. Iteration and node
    // limits decide instead, as in `regpress exec`.
    let mut settings = regpress::pipeline::Settings::default();
    settings.limits.time = std::time::Duration::from_secs(600);
    let staged = workload::stage_with(&functions, &isas, &rules, &settings);
    let pass = variant.strip_prefix(PASS_PREFIX);
    let extractor = regpress::extract::by_name(pass.unwrap_or(variant));
    let known = [CRANELIFT_COMPILE, CRANELIFT_OPTIMIZE, SATURATE].contains(&variant);
    if extractor.is_none() && !known {
        bail!("unknown variant `{variant}`");
    }
    let job = Job {
        variant,
        staged: &staged,
        contexts: std::cell::RefCell::new(workload::contexts(&staged)),
        extractor: extractor.as_deref(),
        pass: pass.is_some(),
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
    /// Time the extractor's whole pass rather than its extraction alone.
    pass: bool,
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
    if let (Some(ex), true) = (job.extractor, job.pass) {
        for s in job.staged {
            sum += workload::regpress_pass(s, &*job.isas.none, ex, job.rules);
        }
    } else if let Some(ex) = job.extractor {
        for s in job.staged {
            black_box(workload::extract(s, ex));
            sum += 1;
        }
    } else if job.variant == SATURATE {
        for s in job.staged {
            sum += workload::saturate(&s.prepared, job.rules);
        }
    } else if job.variant == CRANELIFT_OPTIMIZE {
        for ctx in job.contexts.borrow_mut().iter_mut() {
            sum += workload::cranelift_optimize(ctx, &*job.isas.speed);
        }
    } else {
        for ctx in job.contexts.borrow_mut().iter_mut() {
            sum += workload::cranelift_compile(ctx, &*job.isas.speed);
        }
    }
    sum
}
