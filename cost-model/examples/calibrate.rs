//! Print the calibration report for every target as markdown.
//!
//! `cargo run -p regpress-cost-model --example calibrate [--json] [--all] [--x86-skylake]`
//! (`--all` lists every case, not only misses; `--x86-skylake` calibrates
//! the x86-64 model of Cranelift's `skylake` preset instead of the default
//! flags the project measures).

use regpress_cost_model::calibrate;
use regpress_cost_model::ALL_TARGETS;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let all = args.iter().any(|a| a == "--all");
    let skylake = args.iter().any(|a| a == "--x86-skylake");
    let model = |t: regpress_cost_model::Target| -> &'static dyn regpress_cost_model::CostModel {
        match t {
            regpress_cost_model::Target::X86_64 if skylake => {
                &regpress_cost_model::x86_64::X86_64::SKYLAKE
            }
            _ => t.model(),
        }
    };
    let cases = calibrate::cases();
    if let Some(i) = args.iter().position(|a| a == "--show") {
        // Print the CLIF and vcode of the named cases (and their baselines).
        let names = &args[i + 1..];
        for t in ALL_TARGETS {
            let isa = model(t).isa("none")?;
            for c in cases.iter().filter(|c| names.contains(&c.name)) {
                let (clif, base) = calibrate::render(c);
                let m = regpress_cost_model::backend::compile_clif(&*isa, &clif)?;
                let b = regpress_cost_model::backend::compile_clif(&*isa, &base)?;
                println!(
                    "=== {} {} ({} bytes, baseline {} bytes)\n{clif}{}",
                    t.name(),
                    c.name,
                    m.bytes,
                    b.bytes,
                    m.vcode
                );
            }
        }
        return Ok(());
    }
    for t in ALL_TARGETS {
        let r = calibrate::run_model(model(t), &cases)?;
        if json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else if all {
            for c in &r.results {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.name(),
                    c.name,
                    c.predicted_insts,
                    c.actual_insts,
                    c.predicted_bytes,
                    c.actual_bytes,
                    c.predicted_mnemonics.join(" "),
                    c.actual_mnemonics.join(" ")
                );
            }
        } else {
            println!("{}", r.markdown());
        }
    }
    Ok(())
}
