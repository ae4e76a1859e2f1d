//! Semantics: interpret the original and the output with
//! cranelift-interpreter and demand bitwise-equal results (traps included).

use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{types, Endianness, Function, Type};
use cranelift_interpreter::environment::FunctionStore;
use cranelift_interpreter::interpreter::{Interpreter, InterpreterState};
use cranelift_interpreter::step::ControlFlow;
use cranelift_reader::RunCommand;
use std::cell::Cell;

/// Instruction budget for one interpreted call.
pub const FUEL: u64 = 2_000_000;

/// What one interpreted call did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Returned these values.
    Returned(Vec<DataValue>),
    /// Trapped with this code (as text).
    Trapped(String),
    /// The interpreter could not run it (unsupported op, fuel, …).
    Unsupported(String),
}

thread_local! {
    /// The byte order "native" memory accesses use in [`call`].
    static NATIVE: Cell<Endianness> = const { Cell::new(Endianness::Little) };
}

/// Run `f` with interpreted calls on this thread treating native-endian
/// memory accesses as `endianness`: a file that names a big-endian target
/// (s390x) means big-endian by them, and must be interpreted so.
pub fn with_endianness<R>(endianness: Endianness, f: impl FnOnce() -> R) -> R {
    /// Puts the previous byte order back, also if `f` unwinds.
    struct Restore(Endianness);
    impl Drop for Restore {
        fn drop(&mut self) {
            NATIVE.with(|n| n.set(self.0));
        }
    }
    let _restore = Restore(NATIVE.with(|n| n.replace(endianness)));
    f()
}

/// Call `name` with `args`, with `funcs` as the callable functions.
pub fn call(funcs: &[&Function], name: &str, args: &[DataValue]) -> Outcome {
    let mut store = FunctionStore::default();
    for f in funcs {
        store.add(f.name.to_string(), f);
    }
    let mut state = InterpreterState::default().with_function_store(store);
    state.native_endianness = NATIVE.with(Cell::get);
    let mut interp = Interpreter::new(state).with_fuel(Some(FUEL));
    // The interpreter panics on some inputs (a `notrap` access to an address
    // a random pointer argument made up, an unimplemented op): that is "could
    // not run", not a result.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        interp.call_by_name(name, args)
    }));
    let result = match result {
        Ok(r) => r,
        Err(_) => return Outcome::Unsupported("interpreter panicked".into()),
    };
    match result {
        Ok(ControlFlow::Return(vals)) => Outcome::Returned(vals.into_iter().collect()),
        Ok(ControlFlow::Trap(t)) => Outcome::Trapped(format!("{t:?}")),
        Ok(other) => Outcome::Unsupported(format!("unexpected control flow {other:?}")),
        Err(e) => Outcome::Unsupported(e.to_string()),
    }
}

/// Bitwise equality of outcomes (NaN payloads included).
pub fn same(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Returned(x), Outcome::Returned(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| bits_eq(p, q))
        }
        (Outcome::Trapped(x), Outcome::Trapped(y)) => x == y,
        (Outcome::Unsupported(x), Outcome::Unsupported(y)) => x == y,
        _ => false,
    }
}

fn bits_eq(a: &DataValue, b: &DataValue) -> bool {
    match (a, b) {
        (DataValue::F32(x), DataValue::F32(y)) => x.bits() == y.bits(),
        (DataValue::F64(x), DataValue::F64(y)) => x.bits() == y.bits(),
        (DataValue::F16(x), DataValue::F16(y)) => x.bits() == y.bits(),
        (DataValue::F128(x), DataValue::F128(y)) => x.bits() == y.bits(),
        _ => a == b,
    }
}

/// Run one `; run:` command against the function called `name` (one of
/// `funcs`). As in Cranelift's runtest, the name in the command itself is
/// informational: the command always applies to the function it annotates.
pub fn run_command(funcs: &[&Function], name: &str, cmd: &RunCommand) -> Result<(), String> {
    cmd.run(|_, args| match call(funcs, name, args) {
        Outcome::Returned(v) => Ok(v),
        Outcome::Trapped(t) => Err(format!("trapped: {t}")),
        Outcome::Unsupported(e) => Err(e),
    })
}

/// A small deterministic PRNG (SplitMix64), so inputs are reproducible.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// An interesting integer: edge values half the time.
    fn int_bits(&mut self) -> u64 {
        const EDGES: [u64; 8] = [0, 1, 2, u64::MAX, 0x7f, 0x80, 0x7fff_ffff, 0x8000_0000];
        let r = self.next_u64();
        if r.is_multiple_of(2) {
            EDGES[(r >> 8) as usize % EDGES.len()]
        } else {
            self.next_u64() >> ((r >> 1) % 64)
        }
    }
}

/// A random argument of type `ty`, or `None` if we cannot make one.
pub fn random_value(rng: &mut Rng, ty: Type) -> Option<DataValue> {
    let b = rng.int_bits();
    Some(match ty {
        types::I8 => DataValue::I8(b as i8),
        types::I16 => DataValue::I16(b as i16),
        types::I32 => DataValue::I32(b as i32),
        types::I64 => DataValue::I64(b as i64),
        types::I128 => DataValue::I128(((rng.int_bits() as i128) << 64) | b as i128),
        types::F32 => DataValue::F32(cranelift_codegen::ir::immediates::Ieee32::with_bits(
            rng.next_u64() as u32,
        )),
        types::F64 => DataValue::F64(cranelift_codegen::ir::immediates::Ieee64::with_bits(
            rng.next_u64(),
        )),
        t if t.is_vector() && t.bits() == 128 => {
            let mut bytes = [0u8; 16];
            for chunk in bytes.chunks_mut(8) {
                chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
            DataValue::V128(bytes)
        }
        _ => return None,
    })
}

/// The result of a differential check.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct DiffReport {
    /// Inputs on which both sides were compared.
    pub compared: usize,
    /// Inputs skipped because the original could not be interpreted.
    pub skipped: usize,
}

/// Interpret `original` and `optimized` (same name and signature) on
/// `inputs` random argument lists. `others` are the other functions of the
/// file, callable by both. Any difference is an error describing it.
pub fn differential(
    original: &Function,
    optimized: &Function,
    others: &[&Function],
    inputs: usize,
    seed: u64,
) -> Result<DiffReport, String> {
    let mut rng = Rng::new(seed);
    let mut report = DiffReport::default();
    let params: Vec<Type> = original
        .signature
        .params
        .iter()
        .map(|p| p.value_type)
        .collect();
    let name = original.name.to_string();
    let mut with_orig: Vec<&Function> = others.to_vec();
    with_orig.push(original);
    let mut with_opt: Vec<&Function> = others.to_vec();
    with_opt.push(optimized);
    for _ in 0..inputs {
        let args: Option<Vec<DataValue>> =
            params.iter().map(|&t| random_value(&mut rng, t)).collect();
        let Some(args) = args else {
            report.skipped += 1;
            continue;
        };
        let a = call(&with_orig, &name, &args);
        if matches!(a, Outcome::Unsupported(_)) {
            report.skipped += 1;
            continue;
        }
        let b = call(&with_opt, &name, &args);
        if !same(&a, &b) {
            return Err(format!(
                "{name}({}) gave {a:?} originally but {b:?} after optimisation",
                args.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        report.compared += 1;
    }
    Ok(report)
}
