//! Checks the hand-written CLIF kernels in `extractor/kernels/`:
//!
//! * every file parses (`cranelift_reader::parse_test`) and every function verifies;
//! * every `; run:` line is executed with `cranelift-interpreter` (all functions of the
//!   file are in the function store, so the test-vector wrappers can call the kernels);
//! * each crypto kernel file has a passing `== 1` published-vector check for both its
//!   `_straight` and its `_loop` variant;
//! * every Keccak lane of the all-zero-state permutation matches an independent Rust
//!   implementation of Keccak-f[1600] below;
//! * every function compiles with Cranelift (`opt_level=speed`) for x86_64 and aarch64.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::Function;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{isa, verify_function, Context};
use cranelift_control::ControlPlane;
use cranelift_interpreter::environment::FunctionStore;
use cranelift_interpreter::interpreter::{Interpreter, InterpreterState};
use cranelift_interpreter::step::ControlFlow;
use cranelift_reader::{parse_run_command, parse_test, Comparison, ParseOptions, RunCommand};
use target_lexicon::Triple;

const FUEL: u64 = 50_000_000;
const CRYPTO_FILES: [&str; 4] = ["blake3.clif", "chacha20.clif", "keccak.clif", "sha256.clif"];

fn kernels_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("kernels")
}

fn clif_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(kernels_dir())
        .expect("extractor/kernels exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "clif"))
        .collect();
    files.sort();
    files
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Parses a kernel file and returns its functions together with their comment texts.
fn load(path: &std::path::Path) -> (Vec<Function>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let test = parse_test(&text, ParseOptions::default())
        .unwrap_or_else(|e| panic!("{}: parse error: {e}", path.display()));
    let mut funcs = Vec::new();
    let mut comments = Vec::new();
    for (func, details) in test.functions {
        comments.push(
            details
                .comments
                .iter()
                .map(|c| c.text.to_string())
                .collect(),
        );
        funcs.push(func);
    }
    (funcs, comments)
}

fn inst_count(func: &Function) -> usize {
    func.layout
        .blocks()
        .map(|b| func.layout.block_insts(b).count())
        .sum()
}

/// Calls `name` (e.g. `%blake3_test_straight`) with a fresh interpreter whose function
/// store holds every function of the file.
fn interpret(funcs: &[Function], name: &str, args: &[DataValue]) -> Result<Vec<DataValue>, String> {
    let mut store = FunctionStore::default();
    for f in funcs {
        store.add(f.name.to_string(), f);
    }
    let state = InterpreterState::default().with_function_store(store);
    let mut interp = Interpreter::new(state).with_fuel(Some(FUEL));
    match interp.call_by_name(name, args) {
        Ok(ControlFlow::Return(vals)) => Ok(vals.to_vec()),
        Ok(ControlFlow::Trap(trap)) => Err(format!("{name} trapped: {trap:?}")),
        Ok(other) => Err(format!("{name}: unexpected control flow {other:?}")),
        Err(e) => Err(format!("{name}: interpreter error: {e} ({e:?})")),
    }
}

fn flags() -> settings::Flags {
    settings::Flags::new(settings::builder())
}

#[test]
fn kernels_parse_verify_and_pass_run_lines() {
    let files = clif_files();
    let names: BTreeSet<String> = files.iter().map(|p| file_name(p)).collect();
    for required in CRYPTO_FILES.iter().chain(["pressure.clif"].iter()) {
        assert!(names.contains(*required), "missing kernels/{required}");
    }

    let flags = flags();
    let mut failures = Vec::new();
    // file -> set of variants ("straight"/"loop") with a passing `== 1` vector check
    let mut vector_passes: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let mut total_runs = 0;

    for path in &files {
        let fname = file_name(path);
        let (funcs, comments) = load(path);
        assert!(!funcs.is_empty(), "{fname}: no functions");
        println!("{fname}:");
        for (func, comments) in funcs.iter().zip(&comments) {
            let name = func.name.to_string();
            if let Err(errors) = verify_function(func, &flags) {
                panic!("{fname}: {name} fails to verify:\n{errors}");
            }
            let mut runs = 0;
            for text in comments {
                let cmd = match parse_run_command(text, &func.signature) {
                    Ok(Some(cmd)) => cmd,
                    Ok(None) => continue,
                    Err(e) => panic!("{fname}: {name}: bad run line {text:?}: {e}"),
                };
                let (RunCommand::Run(inv, _, _) | RunCommand::Print(inv)) = &cmd;
                assert!(
                    inv.func == "default" || format!("%{}", inv.func) == name,
                    "{fname}: run line {text:?} is attached to {name}"
                );
                runs += 1;
                total_runs += 1;
                match cmd.run(|_, args| interpret(&funcs, &name, args)) {
                    Ok(()) => {
                        if let RunCommand::Run(inv, Comparison::Equals, expected) = &cmd {
                            let is_vector_check = inv.func.contains("_test_")
                                && inv.args.is_empty()
                                && expected.len() == 1
                                && expected[0].bitwise_eq(&DataValue::I32(1));
                            if is_vector_check {
                                let variant = if inv.func.ends_with("_straight") {
                                    "straight"
                                } else if inv.func.ends_with("_loop") {
                                    "loop"
                                } else {
                                    "other"
                                };
                                vector_passes
                                    .entry(fname.clone())
                                    .or_default()
                                    .insert(variant);
                            }
                        }
                    }
                    Err(e) => failures.push(format!("{fname}: {e}")),
                }
            }
            println!(
                "  {name:<34} {:>6} insts {:>3} blocks {runs} run lines",
                inst_count(func),
                func.layout.blocks().count()
            );
        }
    }

    assert!(
        failures.is_empty(),
        "failing run lines:\n{}",
        failures.join("\n")
    );
    assert!(total_runs > 0);
    for file in CRYPTO_FILES {
        let got = vector_passes.get(file).cloned().unwrap_or_default();
        for variant in ["straight", "loop"] {
            assert!(
                got.contains(variant),
                "{file}: no passing `== 1` test-vector check for the {variant} variant"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Independent Keccak-f[1600] (FIPS 202 step mappings, written index-by-index)
// ---------------------------------------------------------------------------

fn keccak_f1600_reference(a: &mut [u64; 25]) {
    // Round constants from the rc(t) LFSR (FIPS 202 algorithm 5).
    fn rc_bit(t: usize) -> u64 {
        if t.is_multiple_of(255) {
            return 1;
        }
        // Bit i of `r` is R[i] (FIPS 202 numbers the bit string from the left).
        let mut r: u16 = 1; // R = 10000000
        for _ in 0..(t % 255) {
            r <<= 1; // R = 0 || R
            let r8 = (r >> 8) & 1;
            r ^= r8 | (r8 << 4) | (r8 << 5) | (r8 << 6);
            r &= 0xff; // Trunc8
        }
        (r & 1) as u64
    }
    let idx = |x: usize, y: usize| x + 5 * y;
    for ir in 0..24 {
        // theta
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = (0..5).fold(0, |acc, y| acc ^ a[idx(x, y)]);
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[idx(x, y)] ^= d;
            }
        }
        // rho
        let (mut x, mut y) = (1usize, 0usize);
        for t in 0..24u32 {
            let off = ((t + 1) * (t + 2) / 2) % 64;
            a[idx(x, y)] = a[idx(x, y)].rotate_left(off);
            (x, y) = (y, (2 * x + 3 * y) % 5);
        }
        // pi
        let old = *a;
        for x in 0..5 {
            for y in 0..5 {
                a[idx(x, y)] = old[idx((x + 3 * y) % 5, x)];
            }
        }
        // chi
        let old = *a;
        for x in 0..5 {
            for y in 0..5 {
                a[idx(x, y)] =
                    old[idx(x, y)] ^ (!old[idx((x + 1) % 5, y)] & old[idx((x + 2) % 5, y)]);
            }
        }
        // iota
        let mut rc = 0u64;
        for j in 0..7 {
            rc |= rc_bit(j + 7 * ir) << ((1 << j) - 1);
        }
        a[0] ^= rc;
    }
}

#[test]
fn keccak_reference_matches_published_lane() {
    let mut a = [0u64; 25];
    keccak_f1600_reference(&mut a);
    assert_eq!(a[0], 0xF1258F7940E1DDE7);
}

#[test]
fn keccak_every_lane_matches_reference() {
    let mut expected = [0u64; 25];
    keccak_f1600_reference(&mut expected);
    let (funcs, _) = load(&kernels_dir().join("keccak.clif"));
    for variant in ["straight", "loop"] {
        let name = format!("%keccak_zero_lane_{variant}");
        for (i, want) in expected.iter().enumerate() {
            let got = interpret(&funcs, &name, &[DataValue::I64(i as i64)]).unwrap();
            assert!(
                got.len() == 1 && got[0].bitwise_eq(&DataValue::I64(*want as i64)),
                "{name}: lane {i}: got {got:?}, want {want:#018x}"
            );
        }
    }
}

#[test]
fn kernels_compile_for_x86_64_and_aarch64() {
    let mut builder = settings::builder();
    builder.set("opt_level", "speed").unwrap();
    let shared = settings::Flags::new(builder);
    for triple in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        let isa = isa::lookup(Triple::from_str(triple).unwrap())
            .unwrap_or_else(|e| panic!("{triple}: {e}"))
            .finish(shared.clone())
            .unwrap_or_else(|e| panic!("{triple}: {e}"));
        for path in clif_files() {
            let fname = file_name(&path);
            let (funcs, _) = load(&path);
            for func in funcs {
                let name = func.name.to_string();
                let mut ctx = Context::for_function(func);
                let size = match ctx.compile(&*isa, &mut ControlPlane::default()) {
                    Ok(code) => code.code_buffer().len(),
                    Err(e) => panic!("{triple}: {fname}: {name} failed to compile: {:?}", e.inner),
                };
                println!("{triple:<26} {name:<34} {size:>7} bytes");
            }
        }
    }
}
