//! Print the calibration report for every target as markdown.
//!
//! `cargo run -p regpress-cost-model --example calibrate [--json] [--all]`
//! (`--all` lists every case, not only misses).

use regpress_cost_model::calibrate;
use regpress_cost_model::ALL_TARGETS;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let all = args.iter().any(|a| a == "--all");
    let cases = calibrate::cases();
    if let Some(i) = args.iter().position(|a| a == "--show") {
        // Print the CLIF and vcode of the named cases (and their baselines).
        let names = &args[i + 1..];
        for t in ALL_TARGETS {
            let isa = regpress_cost_model::backend::isa(t, "none")?;
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
        let r = calibrate::run(t, &cases)?;
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
