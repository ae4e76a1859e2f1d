//! Printing `regpress exec` rows: a Markdown matrix (variants × kernels),
//! CSV, or JSON lines.

use super::{Row, CRANELIFT_SPEED};
use anyhow::Result;
use std::io::Write;

/// Output format on standard output.
#[derive(Copy, Clone, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// A Markdown table: one row per variant, one column per kernel, each
    /// cell `insts/call (ratio to cranelift-speed)`, and a total column.
    Table,
    /// One JSON object per row.
    Json,
    /// CSV with a header.
    Csv,
}

/// Write rows in `format`.
pub fn write(out: &mut impl Write, rows: &[Row], format: Format) -> Result<()> {
    match format {
        Format::Table => markdown(out, rows),
        Format::Json => json_lines(out, rows),
        Format::Csv => csv(out, rows),
    }
}

/// Write rows to a file, as CSV (`.csv`) or JSON lines (anything else).
pub fn write_file(path: &std::path::Path, rows: &[Row]) -> Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path)
            .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?,
    );
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => csv(&mut f, rows)?,
        _ => json_lines(&mut f, rows)?,
    }
    f.flush()?;
    Ok(())
}

fn json_lines(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    for r in rows {
        writeln!(out, "{}", serde_json::to_string(r)?)?;
    }
    Ok(())
}

fn csv(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    writeln!(
        out,
        "file,kernel,variant,insts_per_call,exact,vs_speed,insts_total,kernel_calls,code_bytes,run_passed,run_total,stop,fallback,error"
    )?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            field(&r.file),
            field(&r.kernel),
            field(&r.variant),
            r.insts_per_call.map(number).unwrap_or_default(),
            r.exact,
            r.vs_speed.map(|v| format!("{v:.4}")).unwrap_or_default(),
            r.insts_total,
            r.kernel_calls,
            r.code_bytes,
            r.run_passed,
            r.run_total,
            field(r.stop.as_deref().unwrap_or("")),
            field(r.fallback.as_deref().unwrap_or("")),
            field(r.error.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A count: whole numbers without decimals.
fn number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn markdown(out: &mut impl Write, rows: &[Row]) -> Result<()> {
    let mut kernels: Vec<&str> = Vec::new();
    let mut variants: Vec<&str> = Vec::new();
    for r in rows {
        if !kernels.contains(&r.kernel.as_str()) {
            kernels.push(&r.kernel);
        }
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    let cell = |k: &str, v: &str| rows.iter().find(|r| r.kernel == k && r.variant == v);
    // The total compares like with like: kernels every variant measured.
    let complete: Vec<&str> = kernels
        .iter()
        .copied()
        .filter(|k| {
            variants
                .iter()
                .all(|v| cell(k, v).is_some_and(|r| r.insts_per_call.is_some()))
        })
        .collect();
    write!(out, "| variant |")?;
    for k in &kernels {
        write!(out, " {k} |")?;
    }
    writeln!(out, " total ({} kernels) |", complete.len())?;
    write!(out, "|---|")?;
    for _ in &kernels {
        write!(out, "---|")?;
    }
    writeln!(out, "---|")?;
    let total = |v: &str| -> f64 {
        complete
            .iter()
            .filter_map(|k| cell(k, v)?.insts_per_call)
            .sum()
    };
    let speed_total = total(CRANELIFT_SPEED);
    for v in &variants {
        write!(out, "| {v} |")?;
        for k in &kernels {
            match cell(k, v) {
                Some(r) => match (r.insts_per_call, r.vs_speed) {
                    (Some(x), Some(s)) if *v != CRANELIFT_SPEED => {
                        write!(out, " {} ({s:.3}) |", number(x))?
                    }
                    (Some(x), _) => write!(out, " {} |", number(x))?,
                    (None, _) => write!(out, " error |")?,
                },
                None => write!(out, " - |")?,
            }
        }
        let t = total(v);
        if *v == CRANELIFT_SPEED || speed_total == 0.0 {
            writeln!(out, " {} |", number(t))?;
        } else {
            writeln!(out, " {} ({:.3}) |", number(t), t / speed_total)?;
        }
    }
    let errors: Vec<&Row> = rows.iter().filter(|r| r.error.is_some()).collect();
    let fallbacks = rows.iter().filter(|r| r.fallback.is_some()).count();
    let inexact = rows
        .iter()
        .filter(|r| r.insts_per_call.is_some() && !r.exact)
        .count();
    let (passed, total_runs) = rows
        .iter()
        .fold((0, 0), |(p, t), r| (p + r.run_passed, t + r.run_total));
    writeln!(
        out,
        "\nrun lines passed in the JIT: {passed}/{total_runs}; fallbacks: {fallbacks}; \
         counts that differ between calls: {inexact}; rows with errors: {}",
        errors.len()
    )?;
    for r in errors.iter().take(10) {
        writeln!(
            out,
            "  {} [{}]: {}",
            r.kernel,
            r.variant,
            r.error.as_deref().unwrap_or("")
        )?;
    }
    Ok(())
}
