//! Bytes -> a generated CLIF function -> every extractor × rule set, each
//! output checked against the original by the differential oracle (verifier,
//! x86_64 and aarch64 code generation, bitwise-equal interpreter outcomes
//! with traps). A mismatch panics with the function's text.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use regpress::generate::{generate_text, Config};
use regpress::validate::oracle::Oracle;
use std::sync::OnceLock;

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(Oracle::new)
}

fuzz_target!(|data: &[u8]| {
    // Functions of up to 64 instructions: larger ones cost more per
    // execution than they add (libFuzzer's strength is the number of runs).
    let config = Config {
        max_insts: 64,
        ..Config::default()
    };
    let text = generate_text(&mut Unstructured::new(data), config);
    let func = match cranelift_reader_parse(&text) {
        Some(f) => f,
        None => panic!("generator produced unparsable CLIF:\n{text}"),
    };
    // Inputs depend on the bytes too, so libFuzzer can steer them.
    let seed = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    if let Err(e) = oracle().check(&func, seed) {
        panic!("mismatch: {e}\n{text}");
    }
});

fn cranelift_reader_parse(text: &str) -> Option<cranelift_codegen::ir::Function> {
    regpress::corpus::parse("generated.clif", text)
        .ok()?
        .functions
        .into_iter()
        .next()
}
