//! `regpress optimize` writes a drop-in replacement for its input: over
//! Cranelift's own filetests, the output keeps the header, keeps the
//! meaning (every run line that passes on the input passes on the output,
//! and random inputs agree), and compiles under the file's own flags
//! wherever the input does, without printing a panic.
//!
//! These read `../shared/corpus/filetests` and skip with a message when it
//! is absent.

mod common;

use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::Flags;
use cranelift_reader::IsaSpec;
use rayon::prelude::*;
use regpress::corpus::{self, CorpusFile};
use regpress::extract;
use regpress::optimize::{optimize_file, Options};
use regpress::rules::RuleSet;
use regpress::validate::{codegen, semantics};
use std::path::{Path, PathBuf};

fn filetests(dir: &str) -> Option<Vec<PathBuf>> {
    let Some(root) = corpus::shared_corpus() else {
        eprintln!("skipping: ../shared/corpus is absent");
        return None;
    };
    Some(corpus::clif_files(&root.join("filetests").join(dir)).unwrap())
}

/// The input's functions and the output's, parsed.
fn optimized(path: &Path) -> (CorpusFile, CorpusFile) {
    let text = std::fs::read_to_string(path).unwrap();
    let input = corpus::parse(&path.display().to_string(), &text).unwrap();
    let ex = extract::by_name("cranelift").unwrap();
    let rules = RuleSet::DEFAULT.rules();
    let opts = Options {
        target: None,
        extractor: &*ex,
        rules: &rules,
        settings: Default::default(),
    };
    let out = optimize_file(&input, &text, &opts).unwrap();
    let output = corpus::parse("out.clif", &out.text)
        .unwrap_or_else(|e| panic!("{}: the output does not parse: {e}", path.display()));
    (input, output)
}

#[test]
fn interpret_files_keep_their_meaning() {
    let Some(files) = filetests("runtests") else {
        return;
    };
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .any(|l| l.trim() == "test interpret")
        })
        .collect();
    assert!(files.len() > 300, "only {} interpret files", files.len());
    // Per file: (run lines passing on the input, of them passing on the
    // output, random inputs compared, mismatches as text).
    // Recursive run tests go deep in the interpreter: give it room.
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(256 << 20)
        .build()
        .unwrap();
    let results: Vec<(usize, usize, usize, Vec<String>)> = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let (input, output) = optimized(path);
                let mut mismatches = Vec::new();
                assert_eq!(input.header, output.header, "{}", path.display());
                assert_eq!(input.functions.len(), output.functions.len());
                let (mut passing, mut kept, mut compared) = (0, 0, 0);
                for (i, (f, g)) in input.functions.iter().zip(&output.functions).enumerate() {
                    semantics::with_endianness(input.endianness(), || {
                        let on_input = input.others(i).into_iter().chain([f]).collect::<Vec<_>>();
                        let on_output = output.others(i).into_iter().chain([g]).collect::<Vec<_>>();
                        let name = f.name.to_string();
                        for cmd in &input.run_commands[i] {
                            if semantics::run_command(&on_input, &name, cmd).is_ok() {
                                passing += 1;
                                match semantics::run_command(&on_output, &name, cmd) {
                                    Ok(()) => kept += 1,
                                    Err(e) => mismatches.push(format!(
                                        "{}: {cmd}: passes on the input, not on the output: {e}",
                                        path.display()
                                    )),
                                }
                            }
                        }
                        match semantics::differential(f, g, &input.others(i), 6, 0x0b7 ^ i as u64) {
                            Ok(d) => compared += d.compared,
                            Err(e) => mismatches.push(format!("{}: {e}", path.display())),
                        }
                    });
                }
                (passing, kept, compared, mismatches)
            })
            .collect()
    });
    let passing: usize = results.iter().map(|r| r.0).sum();
    let kept: usize = results.iter().map(|r| r.1).sum();
    let compared: usize = results.iter().map(|r| r.2).sum();
    let mismatches: Vec<&String> = results.iter().flat_map(|r| &r.3).collect();
    eprintln!(
        "{} interpret files: {kept}/{passing} passing run lines kept, {compared} random inputs compared, {} mismatches",
        files.len(),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    assert!(
        passing > 10_000,
        "only {passing} run lines pass on the inputs"
    );
    assert_eq!(kept, passing);
}

/// x86_64 and AArch64 ISAs with the file's own shared flags.
fn isas_with_file_flags(file: &CorpusFile) -> Vec<OwnedTargetIsa> {
    let flags: Flags = match &file.isa_spec {
        IsaSpec::None(flags) => flags.clone(),
        IsaSpec::Some(isas) => isas[0].flags().clone(),
    };
    codegen::TARGETS
        .iter()
        .map(|t| {
            isa::lookup_by_name(t)
                .unwrap()
                .finish(flags.clone())
                .unwrap()
        })
        .collect()
}

#[test]
fn outputs_keep_headers_and_compile_where_inputs_do() {
    let (Some(run), Some(egraph)) = (filetests("runtests"), filetests("egraph")) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("regpress-optimize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = run.into_iter().chain(egraph).collect();
    let failures: Vec<String> = files
        .par_iter()
        .enumerate()
        .flat_map_iter(|(n, path)| {
            let out_path = dir.join(format!("{n}.clif"));
            let (code, _, stderr) = common::regpress(&[
                "optimize",
                path.to_str().unwrap(),
                "-o",
                out_path.to_str().unwrap(),
            ]);
            let mut failures = Vec::new();
            if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
                failures.push(format!(
                    "{}: panic text on stderr: {stderr}",
                    path.display()
                ));
            }
            if code != 0 {
                failures.push(format!("{}: exit {code}: {stderr}", path.display()));
                return failures.into_iter();
            }
            let input = corpus::load_file(path).unwrap();
            let output = match corpus::load_file(&out_path) {
                Ok(o) => o,
                Err(e) => {
                    failures.push(format!("{}: output does not parse: {e}", path.display()));
                    return failures.into_iter();
                }
            };
            if input.header != output.header {
                failures.push(format!("{}: header changed", path.display()));
            }
            for isa in isas_with_file_flags(&input) {
                for (f, g) in input.functions.iter().zip(&output.functions) {
                    if codegen::lowers(f, &*isa).is_ok() {
                        if let Err(e) = codegen::lowers(g, &*isa) {
                            failures.push(format!(
                                "{}: {} compiles for {} on the input, not the output: {e}",
                                path.display(),
                                f.name,
                                isa.triple().architecture
                            ));
                        }
                    }
                }
            }
            failures.into_iter()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{} files optimised, {} failures",
        files.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
