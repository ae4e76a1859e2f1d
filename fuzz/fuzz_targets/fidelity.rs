//! Bytes -> an idiom template or a small generated function -> Cranelift's
//! own compile at `opt_level=speed` against our pipeline with the
//! `cranelift` extractor, on x86_64 and aarch64 (`regpress::fidelity`).
//! A function where Cranelift's machine code is smaller *and* its mid-end
//! left fewer CLIF instructions, and which is not a listed known
//! difference, panics with both outputs: a rewrite we miss. Run with
//! `-fork=1 -ignore_crashes=1` to collect every finding of a campaign.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use regpress::fidelity::{self, Fidelity};
use std::sync::OnceLock;

fn pipelines() -> &'static Fidelity {
    static F: OnceLock<Fidelity> = OnceLock::new();
    F.get_or_init(Fidelity::new)
}

fuzz_target!(|data: &[u8]| {
    let case = fidelity::case(&mut Unstructured::new(data));
    let findings = match pipelines().check(&case.function()) {
        Ok(f) => f,
        Err(e) => panic!("[{}] {e}\n{}", case.source, case.text),
    };
    for f in findings {
        if f.missing_rule() && fidelity::known(&f).is_none() {
            panic!(
                "[{}] {}: ours {} machine / {} CLIF instructions against Cranelift's {} / {} (opcodes ours/theirs: {})\n{}\nours:\n{}\nCranelift's:\n{}",
                case.source,
                f.target,
                f.ours,
                f.ours_clif,
                f.theirs,
                f.theirs_clif,
                f.opcodes,
                case.text,
                f.texts.0,
                f.texts.1
            );
        }
    }
});
