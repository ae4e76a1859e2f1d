//! Reading what the report is made of: `compare` rows, criterion results,
//! `regpress gym` lines, extraction-gym's `REFERENCE.csv`, and
//! `regpress-icount` CSV. Every reader refuses malformed input with a
//! one-line error naming the file and line.

use anyhow::{anyhow, bail, Context as _, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Spills plus reloads of one function under one variant.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SpillRow {
    /// Target name.
    pub target: String,
    /// File.
    pub file: String,
    /// Function.
    pub function: String,
    /// `cranelift-speed` or `EXTRACTOR/RULES`.
    pub variant: String,
    /// Spills + reloads; `None` if the row failed.
    pub spills_reloads: Option<u64>,
    /// Machine instructions; `None` if the row failed or the input has no
    /// `insts` column.
    pub insts: Option<u64>,
}

/// Split one CSV line, honouring double-quoted fields.
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// A CSV file as maps from header name to field.
fn read_csv(path: &Path) -> Result<Vec<BTreeMap<String, String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut records = csv_records(&text)
        .into_iter()
        .filter(|(_, r)| !r.trim().is_empty());
    let header = split_csv(
        records
            .next()
            .ok_or_else(|| anyhow!("{}: empty CSV file", path.display()))?
            .1,
    );
    records
        .map(|(line, r)| {
            let fields = split_csv(r);
            if fields.len() != header.len() {
                bail!(
                    "{}:{}: {} fields, the header has {}",
                    path.display(),
                    line,
                    fields.len(),
                    header.len()
                );
            }
            Ok(header.iter().cloned().zip(fields).collect())
        })
        .collect()
}

/// The records of CSV text with the line each starts on: a quoted field
/// may hold line breaks (a backend panic message, say), so records are
/// split at line breaks outside quotes only.
fn csv_records(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start, mut line, mut start_line, mut quoted) = (0, 1, 1, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '\n' => {
                if !quoted {
                    out.push((start_line, text[start..i].trim_end_matches('\r')));
                    start = i + 1;
                    start_line = line + 1;
                }
                line += 1;
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push((start_line, &text[start..]));
    }
    out
}

fn field<'a>(row: &'a BTreeMap<String, String>, name: &str, path: &Path) -> Result<&'a str> {
    row.get(name)
        .map(String::as_str)
        .ok_or_else(|| anyhow!("{}: no `{name}` column", path.display()))
}

/// Read `regpress compare -o FILE` output: CSV (`.csv`) or JSON lines.
pub fn compare_rows(path: &Path) -> Result<Vec<SpillRow>> {
    if path.extension().is_some_and(|e| e == "csv") {
        return read_csv(path)?
            .iter()
            .map(|r| {
                let error = field(r, "error", path)?;
                let num = |name: &str| -> Result<u64> {
                    let v = field(r, name, path)?;
                    v.parse()
                        .map_err(|_| anyhow!("{}: `{name}` is not a count: {v}", path.display()))
                };
                Ok(SpillRow {
                    target: field(r, "target", path)?.to_string(),
                    file: field(r, "file", path)?.to_string(),
                    function: field(r, "function", path)?.to_string(),
                    variant: field(r, "variant", path)?.to_string(),
                    spills_reloads: if error.is_empty() {
                        Some(num("spills")? + num("reloads")?)
                    } else {
                        None
                    },
                    insts: match r.get("insts") {
                        Some(_) if error.is_empty() => Some(num("insts")?),
                        _ => None,
                    },
                })
            })
            .collect();
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let at = || format!("{}:{}", path.display(), i + 1);
            let v: serde_json::Value =
                serde_json::from_str(l).map_err(|e| anyhow!("{}: {e}", at()))?;
            let s = |k: &str| -> Result<String> {
                v[k].as_str()
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{}: no string `{k}`", at()))
            };
            let m = &v["metrics"];
            let sr = match (m["spills"].as_u64(), m["reloads"].as_u64()) {
                (Some(a), Some(b)) if v["error"].is_null() => Some(a + b),
                _ => None,
            };
            Ok(SpillRow {
                target: s("target")?,
                file: s("file")?,
                function: s("function")?,
                variant: s("variant")?,
                spills_reloads: sr,
                insts: m["insts"].as_u64().filter(|_| v["error"].is_null()),
            })
        })
        .collect()
}

/// One criterion benchmark's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Bench {
    /// Group, e.g. `extract-wasm` or `scaling`.
    pub group: String,
    /// Function, e.g. `dag` or `cranelift-compile`.
    pub function: String,
    /// Parameter, e.g. the node count in `scaling`.
    pub value: Option<String>,
    /// Median time per iteration, nanoseconds.
    pub nanos: f64,
}

/// The manifest the benches write: the benchmark ids of their last run.
pub const RUN_MANIFEST: &str = "regpress-run.txt";

/// Every `*/new/benchmark.json` + `estimates.json` under `dir`, sorted by
/// id. If `dir/regpress-run.txt` exists, only the ids it lists (the last
/// run's, so that sizes from older runs do not enter a fit).
pub fn criterion(dir: &Path) -> Result<Vec<Bench>> {
    if !dir.is_dir() {
        bail!(
            "{}: no criterion results (run `cargo bench -p regpress-benches` first)",
            dir.display()
        );
    }
    let manifest = dir.join(RUN_MANIFEST);
    let keep: Option<BTreeSet<String>> = match std::fs::read_to_string(&manifest) {
        Ok(t) => Some(t.lines().map(str::to_string).collect()),
        Err(_) => None,
    };
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let p = entry?.path();
            if !p.is_dir() {
                continue;
            }
            if p.file_name().is_some_and(|n| n == "new") && p.join("benchmark.json").is_file() {
                let read = |name: &str| -> Result<serde_json::Value> {
                    let f = p.join(name);
                    let t = std::fs::read_to_string(&f)
                        .with_context(|| format!("reading {}", f.display()))?;
                    serde_json::from_str(&t).map_err(|e| anyhow!("{}: {e}", f.display()))
                };
                let b = read("benchmark.json")?;
                let e = read("estimates.json")?;
                let id = b["full_id"].as_str().unwrap_or("").to_string();
                if keep.as_ref().is_some_and(|k| !k.contains(&id)) {
                    continue;
                }
                let nanos = e["median"]["point_estimate"].as_f64().ok_or_else(|| {
                    anyhow!("{}: no median estimate", p.join("estimates.json").display())
                })?;
                out.push(Bench {
                    group: b["group_id"].as_str().unwrap_or("").to_string(),
                    function: b["function_id"].as_str().unwrap_or("").to_string(),
                    value: b["value_str"].as_str().map(str::to_string),
                    nanos,
                });
            } else {
                stack.push(p);
            }
        }
    }
    out.sort_by(|a, b| (&a.group, &a.function, &a.value).cmp(&(&b.group, &b.function, &b.value)));
    Ok(out)
}

/// Where a gym result came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// `regpress gym`, this machine.
    Ours,
    /// extraction-gym's `REFERENCE.csv` (another machine).
    Reference,
}

/// One extractor on one extraction-gym file.
#[derive(Clone, Debug, PartialEq)]
pub struct GymRow {
    /// The file, relative to the extraction-gym directory.
    pub file: String,
    /// Extractor name.
    pub extractor: String,
    /// Where it came from.
    pub source: Source,
    /// DAG cost (NaN if the extraction failed its check).
    pub dag_cost: f64,
    /// Extraction time, microseconds.
    pub micros: f64,
}

/// `.../extraction-gym/egg/x.json` → `egg/x.json`.
pub fn gym_relative(path: &str) -> String {
    match path.rfind("extraction-gym/") {
        Some(i) => path[i + "extraction-gym/".len()..].to_string(),
        None => path.to_string(),
    }
}

/// Read `regpress gym` JSON lines.
pub fn gym_lines(path: &Path) -> Result<Vec<GymRow>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let at = || format!("{}:{}", path.display(), i + 1);
            let v: serde_json::Value =
                serde_json::from_str(l).map_err(|e| anyhow!("{}: {e}", at()))?;
            Ok(GymRow {
                file: gym_relative(
                    v["file"]
                        .as_str()
                        .ok_or_else(|| anyhow!("{}: no `file`", at()))?,
                ),
                extractor: v["extractor"]
                    .as_str()
                    .ok_or_else(|| anyhow!("{}: no `extractor`", at()))?
                    .to_string(),
                source: Source::Ours,
                dag_cost: v["dag_cost"].as_f64().unwrap_or(f64::NAN),
                micros: v["micros"]
                    .as_f64()
                    .ok_or_else(|| anyhow!("{}: no `micros`", at()))?,
            })
        })
        .collect()
}

/// Read extraction-gym's `REFERENCE.csv` (`file,extractor,dag_cost,tree_cost,micros`).
pub fn reference(path: &Path) -> Result<Vec<GymRow>> {
    read_csv(path)?
        .iter()
        .map(|r| {
            let num = |name: &str| -> Result<f64> {
                let v = field(r, name, path)?;
                v.parse()
                    .map_err(|_| anyhow!("{}: `{name}` is not a number: {v}", path.display()))
            };
            Ok(GymRow {
                file: gym_relative(field(r, "file", path)?),
                extractor: field(r, "extractor", path)?.to_string(),
                source: Source::Reference,
                dag_cost: num("dag_cost")?,
                micros: num("micros")?,
            })
        })
        .collect()
}

/// One `regpress-icount` row.
#[derive(Clone, Debug, PartialEq)]
pub struct ICountRow {
    /// The function set (`kernels+wasm`, `wasm-extra`, …; `–` in files
    /// written before the column existed).
    pub set: String,
    /// `cranelift-compile`, `cranelift-optimize`, `saturate`, an
    /// extractor, or `pass-EXTRACTOR`.
    pub variant: String,
    /// Functions measured.
    pub functions: u64,
    /// Extraction-graph nodes over those functions.
    pub nodes: u64,
    /// Instructions executed.
    pub instructions: u64,
}

/// One kernel × variant row of `regpress exec -o FILE`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecRow {
    /// Kernel function name.
    pub kernel: String,
    /// `cranelift-speed` or `EXTRACTOR/RULES`.
    pub variant: String,
    /// Instructions executed per call; `None` if the row failed.
    pub insts_per_call: Option<f64>,
    /// Run lines passed and run.
    pub run: (u64, u64),
}

/// Read `regpress exec -o FILE` CSV.
pub fn exec(path: &Path) -> Result<Vec<ExecRow>> {
    read_csv(path)?
        .iter()
        .map(|r| {
            let count = |name: &str| -> Result<u64> {
                let v = field(r, name, path)?;
                v.parse()
                    .map_err(|_| anyhow!("{}: `{name}` is not a count: {v}", path.display()))
            };
            let per_call = field(r, "insts_per_call", path)?;
            Ok(ExecRow {
                kernel: field(r, "kernel", path)?.to_string(),
                variant: field(r, "variant", path)?.to_string(),
                insts_per_call: if field(r, "error", path)?.is_empty() {
                    Some(per_call.parse().map_err(|_| {
                        anyhow!(
                            "{}: `insts_per_call` is not a number: {per_call}",
                            path.display()
                        )
                    })?)
                } else {
                    None
                },
                run: (count("run_passed")?, count("run_total")?),
            })
        })
        .collect()
}

/// One function × target line of `regpress oracle`'s JSON output.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleRow {
    /// Target name.
    pub target: String,
    /// The least spills+reloads of any compiled choice.
    pub minimum: u64,
    /// The least spills+reloads of any choice compiled plainly (program
    /// order, no local recomputation).
    pub minimum_plain: u64,
    /// Extractor → its output's spills+reloads.
    pub extractors: BTreeMap<String, u64>,
}

/// Read `regpress oracle` JSON lines (lines that are not JSON objects with
/// a `function` are skipped: the command also prints a summary).
pub fn oracle(path: &Path) -> Result<Vec<OracleRow>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        if v.get("function").is_none() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let count = |k: &str| {
            v[k].as_u64()
                .ok_or_else(|| anyhow!("{}: no count `{k}`", at()))
        };
        let mut extractors = BTreeMap::new();
        if let Some(m) = v["extractors"].as_object() {
            for (name, metrics) in m {
                if let (Some(a), Some(b)) =
                    (metrics["spills"].as_u64(), metrics["reloads"].as_u64())
                {
                    extractors.insert(name.clone(), a + b);
                }
            }
        }
        out.push(OracleRow {
            target: v["target"]
                .as_str()
                .ok_or_else(|| anyhow!("{}: no `target`", at()))?
                .to_string(),
            minimum: count("min_spills_reloads")?,
            minimum_plain: count("min_spills_reloads_plain")?,
            extractors,
        });
    }
    Ok(out)
}

/// Read `regpress-icount -o FILE` CSV.
pub fn icount(path: &Path) -> Result<Vec<ICountRow>> {
    read_csv(path)?
        .iter()
        .map(|r| {
            let num = |name: &str| -> Result<u64> {
                let v = field(r, name, path)?;
                v.parse()
                    .map_err(|_| anyhow!("{}: `{name}` is not a count: {v}", path.display()))
            };
            Ok(ICountRow {
                set: r.get("set").cloned().unwrap_or_else(|| "–".into()),
                variant: field(r, "variant", path)?.to_string(),
                functions: num("functions")?,
                nodes: num("nodes")?,
                instructions: num("instructions")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_may_span_lines() {
        let r = csv_records("a,b\n1,\"x\ny\"\n2,z\n");
        assert_eq!(r, vec![(1, "a,b"), (2, "1,\"x\ny\""), (4, "2,z")]);
        assert_eq!(split_csv(r[1].1), vec!["1", "x\ny"]);
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(
            split_csv("a,\"b,c\",\"d\"\"e\","),
            vec!["a", "b,c", "d\"e", ""]
        );
    }

    #[test]
    fn gym_paths_are_relative() {
        assert_eq!(
            gym_relative("../shared/corpus/extraction-gym/egg/x.json"),
            "egg/x.json"
        );
        assert_eq!(gym_relative("egg/x.json"), "egg/x.json");
    }

    #[test]
    fn reads_compare_csv_and_refuses_short_rows() {
        let dir = std::env::temp_dir().join(format!("regpress-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("rows.csv");
        std::fs::write(
            &p,
            "file,function,target,variant,spills,reloads,error\nf,%a,x86_64,dag/default,2,3,\nf,%b,x86_64,dag/default,0,0,\"refused, too big\"\n",
        )
        .unwrap();
        let rows = compare_rows(&p).unwrap();
        assert_eq!(rows[0].spills_reloads, Some(5));
        assert_eq!(rows[1].spills_reloads, None);
        std::fs::write(&p, "file,function\nf\n").unwrap();
        let e = compare_rows(&p).unwrap_err().to_string();
        assert!(e.contains("rows.csv:2"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
