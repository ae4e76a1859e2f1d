//! `cargo bench -p regpress-benches`: saturation, every extractor, and
//! Cranelift's own full compile of the same functions, in one run.
//!
//! Groups (criterion writes each to `target/criterion/GROUP/FUNCTION/…`,
//! where `regpress report` reads them):
//!
//! * `saturate-kernels/FILE`: import + default rules + extraction graph of
//!   each built-in kernel file.
//! * `extract-SET/NAME` for the sets `kernels`, `wasm` and `wasm-extra`
//!   (samples of the two wasm corpora): all functions of the set, once
//!   each; `NAME` is an extractor (node costs + extraction, as
//!   `pipeline::optimize` times it), `pass-dag` or `pass-pressure`
//!   (regpress's whole pass, `pipeline::optimize`, from the original
//!   function), `cranelift-optimize` (`Context::optimize`, Cranelift's
//!   mid-end alone, at `opt_level=speed`) or `cranelift-compile`
//!   (`Context::compile` at `opt_level=speed`), so that each of ours is a
//!   ratio to Cranelift's whole compile and to its mid-end on the same
//!   functions.
//! * `extract-gym/NAME`: every extractor over all extraction-gym graphs.
//! * `scaling/NAME/NODES`: every extractor on generated functions whose
//!   saturated extraction graphs have NODES nodes (about 100 to 100,000).
//!
//! `REGPRESS_BENCH_QUICK=1` shortens sampling (10 samples, 1 s each) and
//! shrinks the workloads; `REGPRESS_BENCH_WASM=N` sets the size of each
//! wasm sample.

use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput};
use regpress_benches::mode;
use regpress_benches::workload::{
    self, FunctionSet, Isas, StagedFunction, CRANELIFT_COMPILE, CRANELIFT_OPTIMIZE,
    PASS_EXTRACTORS, PASS_PREFIX,
};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Criterion's output directory, set explicitly so that the run manifest
/// lands beside the results: `$REGPRESS_CRITERION_DIR`, else
/// `$CARGO_TARGET_DIR/criterion`, or the workspace's `target/criterion`.
fn output_directory() -> PathBuf {
    if let Some(dir) = std::env::var_os(mode::CRITERION_DIR_ENV) {
        return PathBuf::from(dir);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion")
}

fn criterion() -> Criterion {
    let c = Criterion::default().output_directory(&output_directory());
    let c = if mode::quick() {
        c.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
    } else {
        c
    };
    c.configure_from_args()
}

fn saturation(c: &mut Criterion, isas: &Isas, ids: &mut Vec<String>) {
    let rules = workload::default_rules();
    let mut group = c.benchmark_group("saturate-kernels");
    for file in regpress::corpus::builtin() {
        let staged = workload::stage_all(&file.functions, isas, &rules);
        let name = file.path.trim_start_matches("builtin:").to_string();
        ids.push(format!("saturate-kernels/{name}"));
        group.bench_function(name, |b| {
            b.iter(|| {
                staged
                    .iter()
                    .map(|s| workload::saturate(&s.prepared, &rules))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

/// Every extractor and Cranelift's compile over one function set.
fn function_set(c: &mut Criterion, isas: &Isas, set: &FunctionSet, ids: &mut Vec<String>) {
    let rules = workload::default_rules();
    let staged: Vec<StagedFunction> = workload::stage_all(&set.functions, isas, &rules);
    let nodes: usize = staged.iter().map(|s| s.staged.graph.num_nodes()).sum();
    eprintln!(
        "regpress-benches: {}: {} functions, {nodes} extraction-graph nodes",
        set.name,
        staged.len()
    );
    let mut group = c.benchmark_group(format!("extract-{}", set.name));
    group.throughput(Throughput::Elements(nodes as u64));
    ids.push(format!("extract-{}/{CRANELIFT_COMPILE}", set.name));
    group.bench_function(CRANELIFT_COMPILE, |b| {
        b.iter_batched_ref(
            || workload::contexts(&staged),
            |ctxs| {
                ctxs.iter_mut()
                    .map(|ctx| workload::cranelift_compile(ctx, &*isas.speed))
                    .sum::<usize>()
            },
            BatchSize::LargeInput,
        )
    });
    ids.push(format!("extract-{}/{CRANELIFT_OPTIMIZE}", set.name));
    group.bench_function(CRANELIFT_OPTIMIZE, |b| {
        b.iter_batched_ref(
            || workload::contexts(&staged),
            |ctxs| {
                ctxs.iter_mut()
                    .map(|ctx| workload::cranelift_optimize(ctx, &*isas.speed))
                    .sum::<usize>()
            },
            BatchSize::LargeInput,
        )
    });
    for ex in workload::extractors() {
        ids.push(format!("extract-{}/{}", set.name, ex.name()));
        group.bench_function(ex.name(), |b| {
            b.iter(|| {
                for s in &staged {
                    black_box(workload::extract(s, &*ex));
                }
            })
        });
    }
    // The whole pass saturates every function again: several times the
    // compile's cost, so criterion's minimum of ten samples, taken flat,
    // keeps the run within minutes.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for ex in workload::extractors()
        .into_iter()
        .filter(|e| PASS_EXTRACTORS.contains(&e.name()))
    {
        let name = format!("{PASS_PREFIX}{}", ex.name());
        ids.push(format!("extract-{}/{name}", set.name));
        group.bench_function(&name, |b| {
            b.iter(|| {
                staged
                    .iter()
                    .map(|s| workload::regpress_pass(s, &*isas.none, &*ex, &rules))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn gym(c: &mut Criterion, ids: &mut Vec<String>) {
    let graphs = match workload::gym_graphs() {
        Ok(Some(g)) => g,
        Ok(None) => {
            eprintln!(
                "regpress-benches: ../shared/corpus/extraction-gym absent, skipping extract-gym"
            );
            return;
        }
        Err(e) => {
            eprintln!("regpress-benches: skipping extract-gym: {e:#}");
            return;
        }
    };
    let mut group = c.benchmark_group("extract-gym");
    let nodes: usize = graphs.iter().map(|(_, g, _)| g.num_nodes()).sum();
    group.throughput(Throughput::Elements(nodes as u64));
    for ex in workload::extractors() {
        ids.push(format!("extract-gym/{}", ex.name()));
        group.bench_function(ex.name(), |b| {
            b.iter(|| {
                for (_, g, costs) in &graphs {
                    black_box(ex.extract(&regpress::extract::Problem::foreign(g, costs)));
                }
            })
        });
    }
    group.finish();
}

fn scaling(c: &mut Criterion, isas: &Isas, ids: &mut Vec<String>) {
    let rules = workload::default_rules();
    let mut group = c.benchmark_group("scaling");
    let extractors = workload::extractors();
    let mut too_slow = std::collections::BTreeSet::new();
    for &insts in mode::scaling_sizes() {
        let s = workload::scaling_function(insts, isas, &rules);
        let nodes = s.staged.graph.num_nodes();
        eprintln!("regpress-benches: scaling: {insts} generated instructions, {nodes} nodes");
        group.throughput(Throughput::Elements(nodes as u64));
        for ex in &extractors {
            if too_slow.contains(ex.name()) {
                continue;
            }
            let t = std::time::Instant::now();
            black_box(workload::extract(&s, &**ex));
            let once = t.elapsed();
            ids.push(format!("scaling/{}/{nodes}", ex.name()));
            group.bench_with_input(BenchmarkId::new(ex.name(), nodes), &s, |b, s| {
                b.iter(|| black_box(workload::extract(s, &**ex)))
            });
            if once > mode::scaling_budget() {
                eprintln!(
                    "regpress-benches: scaling: {} took {:.1} s once at {nodes} nodes; not run on larger sizes",
                    ex.name(),
                    once.as_secs_f64()
                );
                too_slow.insert(ex.name());
            }
        }
    }
    group.finish();
}

/// Write the ids this run measured, for `regpress report` (which then
/// ignores results left by older runs, such as sizes no longer in the
/// series).
fn write_manifest(ids: &[String]) {
    let dir = output_directory();
    let mut text = ids.join("\n");
    text.push('\n');
    if let Err(e) = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("regpress-run.txt"), text))
    {
        eprintln!("regpress-benches: cannot write the run manifest: {e}");
    }
}

fn main() {
    let mut c = criterion();
    let mut ids = Vec::new();
    let isas = Isas::new().expect("the x86_64 ISAs build");
    saturation(&mut c, &isas, &mut ids);
    function_set(&mut c, &isas, &workload::kernels(), &mut ids);
    for corpus in workload::WASM_CORPORA {
        match workload::corpus_sample(corpus, mode::wasm_sample_size()) {
            Ok(Some(set)) => function_set(&mut c, &isas, &set, &mut ids),
            Ok(None) => eprintln!(
                "regpress-benches: ../shared/corpus/{corpus} absent, skipping extract-{corpus}"
            ),
            Err(e) => eprintln!("regpress-benches: skipping extract-{corpus}: {e:#}"),
        }
    }
    gym(&mut c, &mut ids);
    scaling(&mut c, &isas, &mut ids);
    c.final_summary();
    write_manifest(&ids);
}
