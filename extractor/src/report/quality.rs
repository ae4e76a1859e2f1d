//! Code quality per corpus: totals, per-module tables and bars, and the
//! distribution of per-function changes, each against Cranelift `speed`
//! on the same functions.
//!
//! A *set* is one or more `regpress compare` outputs under one label (the
//! cheap run and the checked run of one corpus, say). Only functions that
//! every variant of their target compiled enter a set's figures, so that
//! every ratio compares like with like.

use super::inputs::SpillRow;
use super::plot::{self, BarPanel};
use super::{num, SPEED};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// At most this many modules get a per-module table and bar chart; a set
/// with more (the filetests, one "module" per file) gets totals only.
const MAX_MODULES: usize = 30;

/// The two measures, in table and plot order.
const MEASURES: [&str; 2] = ["S+R", "insts"];

/// Per-function change bins, as fractions of `speed`'s count (a function
/// with no spills under `speed` and some under the variant counts as an
/// infinite increase). Equal counts are counted apart, not binned.
const BINS: [(f64, &str); 6] = [
    (-0.25, "< −25%"),
    (-0.05, "−25…−5%"),
    (0.0, "−5…0%"),
    (0.05, "0…+5%"),
    (0.25, "+5…+25%"),
    (f64::INFINITY, "> +25%"),
];

/// One function's counts under one variant: (S+R, insts).
type Counts = (u64, u64);

/// (target, module, file, function) → variant → counts.
type ByFunction<'a> = BTreeMap<(&'a str, String, &'a str, &'a str), BTreeMap<&'a str, Counts>>;

/// Write the section of one labelled set; returns nothing when the set has
/// no `speed` rows to compare with.
pub fn section(
    md: &mut String,
    label: &str,
    sources: &[PathBuf],
    rows: &[SpillRow],
    out: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    let by_fn = complete_functions(rows);
    let targets: BTreeSet<&str> = by_fn.keys().map(|k| k.0).collect();
    let variants = variants(&by_fn);
    let modules: BTreeSet<&str> = by_fn.keys().map(|k| k.1.as_str()).collect();
    let _ = writeln!(md, "\n## Code quality: `{label}`\n");
    let names: Vec<String> = sources
        .iter()
        .map(|p| format!("`{}`", p.file_name().unwrap_or_default().to_string_lossy()))
        .collect();
    let _ = writeln!(
        md,
        "From {}. Ratios are the variant's total over Cranelift `speed`'s on the same functions (those every variant of the target compiled); `fewer`/`same`/`more` count functions against `speed`.\n",
        names.join(", ")
    );
    if by_fn.is_empty() {
        md.push_str("No function has a `speed` row and a row of every variant.\n");
        return Ok(());
    }
    md.push_str("| target | variant | functions | S+R | insts | S+R ÷ speed | insts ÷ speed | S+R fewer / same / more | insts fewer / same / more |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for &t in &targets {
        for &v in std::iter::once(&SPEED).chain(&variants) {
            let (n, sum, base) = totals(&by_fn, t, None, v);
            let (sr, ins) = changes(&by_fn, t, v);
            let _ = writeln!(
                md,
                "| {t} | {v} | {n} | {} | {} | {} | {} | {} | {} |",
                sum.0,
                sum.1,
                num(ratio(sum.0, base.0), 3),
                num(ratio(sum.1, base.1), 4),
                triple(&sr),
                triple(&ins),
            );
        }
    }
    if (2..=MAX_MODULES).contains(&modules.len()) {
        module_table(md, &by_fn, &targets, &variants, &modules);
        let file = format!("modules-{}.svg", slug(label));
        let path = out.join(&file);
        plot::grouped_bars(
            &path,
            &format!("{label}: change against Cranelift speed, per module"),
            &module_panels(&by_fn, &targets, &variants, &modules),
            2,
        )?;
        written.push(path);
        let _ = writeln!(md, "\n![per-module change, {label}]({file})");
    }
    let file = format!("changes-{}.svg", slug(label));
    let path = out.join(&file);
    plot::grouped_bars(
        &path,
        &format!("{label}: functions by change against Cranelift speed (unchanged ones left out)"),
        &change_panels(&by_fn, &targets, &variants),
        2,
    )?;
    written.push(path);
    let _ = writeln!(md, "\n![per-function changes, {label}]({file})");
    Ok(())
}

/// Functions whose target has a `speed` row and a row of every variant,
/// all without error. Rows repeated across the set's files (the `speed`
/// rows of a cheap and a checked run) count once.
fn complete_functions(rows: &[SpillRow]) -> ByFunction<'_> {
    let mut variants_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in rows {
        variants_of.entry(&r.target).or_default().insert(&r.variant);
    }
    let mut by_fn: ByFunction = BTreeMap::new();
    let mut failed = BTreeSet::new();
    for r in rows {
        let key = (
            r.target.as_str(),
            crate::cli::module_of(&r.file),
            r.file.as_str(),
            r.function.as_str(),
        );
        match (r.spills_reloads, r.insts) {
            (Some(s), Some(i)) => {
                by_fn
                    .entry(key)
                    .or_default()
                    .entry(&r.variant)
                    .or_insert((s, i));
            }
            _ => {
                failed.insert(key);
            }
        }
    }
    by_fn.retain(|k, m| {
        !failed.contains(k) && m.contains_key(SPEED) && m.len() == variants_of[k.0].len()
    });
    by_fn
}

/// Every variant but `speed`, sorted.
fn variants<'a>(by_fn: &ByFunction<'a>) -> Vec<&'a str> {
    let set: BTreeSet<&str> = by_fn
        .values()
        .flat_map(|m| m.keys().copied())
        .filter(|v| *v != SPEED)
        .collect();
    set.into_iter().collect()
}

/// (functions, the variant's sums, `speed`'s sums) on target `t`, in one
/// module or all.
fn totals(by_fn: &ByFunction, t: &str, module: Option<&str>, v: &str) -> (usize, Counts, Counts) {
    let mut n = 0;
    let (mut sum, mut base) = ((0, 0), (0, 0));
    for ((tt, m, _, _), c) in by_fn {
        if *tt != t || module.is_some_and(|x| x != m) {
            continue;
        }
        let (Some(a), Some(b)) = (c.get(v), c.get(SPEED)) else {
            continue;
        };
        n += 1;
        sum = (sum.0 + a.0, sum.1 + a.1);
        base = (base.0 + b.0, base.1 + b.1);
    }
    (n, sum, base)
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Per measure: functions with fewer, the same, more than `speed`.
fn changes(by_fn: &ByFunction, t: &str, v: &str) -> ([usize; 3], [usize; 3]) {
    let mut sr = [0; 3];
    let mut ins = [0; 3];
    for ((tt, ..), c) in by_fn {
        if *tt != t {
            continue;
        }
        let (Some(a), Some(b)) = (c.get(v), c.get(SPEED)) else {
            continue;
        };
        sr[order(a.0, b.0)] += 1;
        ins[order(a.1, b.1)] += 1;
    }
    (sr, ins)
}

/// 0 = fewer, 1 = same, 2 = more.
fn order(a: u64, b: u64) -> usize {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Greater => 2,
    }
}

fn triple(c: &[usize; 3]) -> String {
    format!("{} / {} / {}", c[0], c[1], c[2])
}

/// Rows: module × target; columns: each variant's two ratios.
fn module_table(
    md: &mut String,
    by_fn: &ByFunction,
    targets: &BTreeSet<&str>,
    variants: &[&str],
    modules: &BTreeSet<&str>,
) {
    md.push_str("\nPer module, S+R ÷ speed and insts ÷ speed:\n\n| module | target | functions |");
    for v in variants {
        let _ = write!(md, " {v} S+R | {v} insts |");
    }
    md.push_str("\n|---|---|---:|");
    for _ in variants {
        md.push_str("---:|---:|");
    }
    md.push('\n');
    for m in modules.iter().map(|m| Some(*m)).chain([None]) {
        for &t in targets {
            let (n, ..) = totals(by_fn, t, m, SPEED);
            if n == 0 {
                continue;
            }
            let _ = write!(md, "| {} | {t} | {n} |", m.unwrap_or("**all**"));
            for v in variants {
                let (_, sum, base) = totals(by_fn, t, m, v);
                let _ = write!(
                    md,
                    " {} | {} |",
                    num(ratio(sum.0, base.0), 3),
                    num(ratio(sum.1, base.1), 4)
                );
            }
            md.push('\n');
        }
    }
}

/// One panel per target × measure: per module and in all, each variant's
/// change against `speed`, in percent.
fn module_panels(
    by_fn: &ByFunction,
    targets: &BTreeSet<&str>,
    variants: &[&str],
    modules: &BTreeSet<&str>,
) -> Vec<BarPanel> {
    let mut categories: Vec<String> = modules.iter().map(|m| m.to_string()).collect();
    categories.push("all".into());
    let mut panels = Vec::new();
    for &t in targets {
        for (k, measure) in MEASURES.iter().enumerate() {
            let series = variants
                .iter()
                .map(|v| {
                    let vals = modules
                        .iter()
                        .map(|m| Some(*m))
                        .chain([None])
                        .map(|m| {
                            let (_, sum, base) = totals(by_fn, t, m, v);
                            let (a, b) = if k == 0 {
                                (sum.0, base.0)
                            } else {
                                (sum.1, base.1)
                            };
                            (ratio(a, b) - 1.0) * 100.0
                        })
                        .collect();
                    (v.to_string(), vals)
                })
                .collect();
            panels.push(BarPanel {
                title: format!("{t}: {measure}"),
                y_label: "% against speed (below 0: better)".into(),
                categories: categories.clone(),
                series,
            });
        }
    }
    panels
}

/// The bin of a change from `base` to `ours`; `None` when equal.
fn bin(ours: u64, base: u64) -> Option<usize> {
    if ours == base {
        return None;
    }
    let change = if base == 0 {
        f64::INFINITY
    } else {
        (ours as f64 - base as f64) / base as f64
    };
    BINS.iter()
        .position(|(upper, _)| change < *upper)
        .or(Some(BINS.len() - 1))
}

/// One panel per target × measure: for each variant, how many functions
/// fall in each change bin.
fn change_panels(by_fn: &ByFunction, targets: &BTreeSet<&str>, variants: &[&str]) -> Vec<BarPanel> {
    let mut panels = Vec::new();
    for &t in targets {
        for (k, measure) in MEASURES.iter().enumerate() {
            let series = variants
                .iter()
                .map(|v| {
                    let mut counts = vec![0f64; BINS.len()];
                    let mut same = 0;
                    for ((tt, ..), c) in by_fn {
                        let (Some(a), Some(b)) = (c.get(v), c.get(SPEED)) else {
                            continue;
                        };
                        if *tt != t {
                            continue;
                        }
                        let (a, b) = if k == 0 { (a.0, b.0) } else { (a.1, b.1) };
                        match bin(a, b) {
                            Some(i) => counts[i] += 1.0,
                            None => same += 1,
                        }
                    }
                    (format!("{v} ({same} unchanged)"), counts)
                })
                .collect();
            panels.push(BarPanel {
                title: format!("{t}: {measure}, change per function"),
                y_label: "functions".into(),
                categories: BINS.iter().map(|(_, l)| l.to_string()).collect(),
                series,
            });
        }
    }
    panels
}

/// A label as a file-name part.
fn slug(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: &str, f: &str, func: &str, v: &str, sr: u64, insts: u64) -> SpillRow {
        SpillRow {
            target: t.into(),
            file: f.into(),
            function: func.into(),
            variant: v.into(),
            spills_reloads: Some(sr),
            insts: Some(insts),
        }
    }

    #[test]
    fn bins_split_gains_from_losses() {
        assert_eq!(bin(10, 10), None);
        assert_eq!(bin(5, 10), Some(0));
        assert_eq!(bin(9, 10), Some(1));
        assert_eq!(bin(99, 100), Some(2));
        assert_eq!(bin(101, 100), Some(3));
        assert_eq!(bin(11, 10), Some(4));
        assert_eq!(bin(3, 0), Some(5));
    }

    /// A function missing a variant, or failed under one, is left out of
    /// every figure; module ratios are over the module's functions.
    #[test]
    fn only_complete_functions_count() {
        let rows = vec![
            row("x86_64", "clif/a/f00001.clif", "%f", SPEED, 10, 100),
            row("x86_64", "clif/a/f00001.clif", "%f", "dag/default", 5, 110),
            row("x86_64", "clif/b/f00002.clif", "%g", SPEED, 4, 40),
            row("x86_64", "clif/b/f00002.clif", "%g", "dag/default", 4, 40),
            // No dag row: left out.
            row("x86_64", "clif/b/f00003.clif", "%h", SPEED, 7, 70),
        ];
        let by_fn = complete_functions(&rows);
        assert_eq!(by_fn.len(), 2);
        assert_eq!(
            totals(&by_fn, "x86_64", None, "dag/default"),
            (2, (9, 150), (14, 140))
        );
        assert_eq!(totals(&by_fn, "x86_64", Some("a"), "dag/default").0, 1);
        assert_eq!(
            changes(&by_fn, "x86_64", "dag/default"),
            ([1, 1, 0], [0, 1, 1])
        );
    }

    #[test]
    fn writes_tables_and_plots() {
        let dir = std::env::temp_dir().join(format!("regpress-quality-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = vec![
            row("x86_64", "clif/a/f00001.clif", "%f", SPEED, 10, 100),
            row("x86_64", "clif/a/f00001.clif", "%f", "dag/default", 5, 110),
            row("x86_64", "clif/b/f00002.clif", "%g", SPEED, 4, 40),
            row("x86_64", "clif/b/f00002.clif", "%g", "dag/default", 4, 40),
        ];
        let (mut md, mut written) = (String::new(), Vec::new());
        section(
            &mut md,
            "t",
            &[PathBuf::from("t.csv")],
            &rows,
            &dir,
            &mut written,
        )
        .unwrap();
        assert!(
            md.contains(
                "| x86_64 | dag/default | 2 | 9 | 150 | 0.643 | 1.0714 | 1 / 1 / 0 | 0 / 1 / 1 |"
            ),
            "{md}"
        );
        assert!(md.contains("| a | x86_64 | 1 | 0.500 | 1.1000 |"), "{md}");
        assert_eq!(written.len(), 2, "module bars and change distribution");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
