//! Cranelift's own `opt_level=none` against `opt_level=speed`, per module:
//! the baseline that issue-level bars such as "spills+reloads below the
//! lower of `speed`'s and `none`'s" refer to.
//!
//! Every function of the `.clif` files under the given directories (default
//! `../shared/corpus/wasm-extra/clif`; a file's module is its parent
//! directory) is compiled unchanged by Cranelift at both opt levels, on
//! both targets, through the same backend path `regpress compare` uses.
//! Prints S+R and machine instructions, and `none`'s ratio to `speed`.
//!
//! `cargo run --release -p regpress-benches --example none_baseline [DIR...]`

use anyhow::{Context as _, Result};
use regpress::validate::codegen::{build_isa, compile, CodeMetrics};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() -> Result<()> {
    let mut dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        let root = regpress::corpus::shared_corpus()
            .context("../shared/corpus is absent; give directories of .clif files")?;
        dirs.push(root.join("wasm-extra").join("clif"));
    }
    let mut files = Vec::new();
    for d in &dirs {
        files.extend(regpress::corpus::clif_files(d)?);
    }
    println!("| module | target | functions | none S+R | speed S+R | none insts | speed insts | S+R none ÷ speed | insts none ÷ speed |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for target in ["x86_64", "aarch64"] {
        let none = build_isa(target, "none")?;
        let speed = build_isa(target, "speed")?;
        // Per module: functions, `none`'s metrics, `speed`'s metrics.
        let mut sums: BTreeMap<String, (u64, CodeMetrics, CodeMetrics)> = BTreeMap::new();
        for f in &files {
            let module = f
                .parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for func in regpress::corpus::load_file(f)?.functions {
                let (Ok(a), Ok(b)) = (compile(&func, &*none), compile(&func, &*speed)) else {
                    continue;
                };
                for key in [module.clone(), "all".to_string()] {
                    let e = sums.entry(key).or_default();
                    e.0 += 1;
                    e.1 += a;
                    e.2 += b;
                }
            }
        }
        for (module, (n, a, b)) in &sums {
            println!(
                "| {module} | {target} | {n} | {} | {} | {} | {} | {:.3} | {:.4} |",
                a.spills_reloads(),
                b.spills_reloads(),
                a.insts,
                b.insts,
                a.spills_reloads() as f64 / b.spills_reloads().max(1) as f64,
                a.insts as f64 / b.insts.max(1) as f64,
            );
        }
    }
    Ok(())
}
