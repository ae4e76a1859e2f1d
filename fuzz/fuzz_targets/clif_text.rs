//! Arbitrary text into the whole pipeline: parse, check the input, optimise
//! with every extractor and rule set. Anything but a panic is fine: bad
//! input must come back as an error, and an accepted function must come out
//! verifying.
#![no_main]

use cranelift_codegen::isa::OwnedTargetIsa;
use libfuzzer_sys::fuzz_target;
use regpress::extract::{Extractor, EXTRACTORS};
use regpress::pipeline::{check_input, optimize};
use regpress::rules::{Rule, RuleSet};
use regpress::validate::codegen::build_isa;
use regpress::validate::oracle::{checking_extractor, checking_settings, RULE_SETS};
use std::sync::OnceLock;

struct Setup {
    isa: OwnedTargetIsa,
    extractors: Vec<Box<dyn Extractor>>,
    rules: Vec<Vec<Rule>>,
}

// The extractors and rules are built once: libFuzzer runs one process.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| Setup {
        isa: build_isa("x86_64", "none").expect("x86_64 is built in"),
        extractors: EXTRACTORS
            .iter()
            .map(|n| checking_extractor(n).expect("listed extractors exist"))
            .collect(),
        rules: RULE_SETS
            .iter()
            .map(|s| RuleSet::parse(s).expect("known rule set").rules())
            .collect(),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = regpress::corpus::parse("fuzz.clif", text) else {
        return;
    };
    let setup = setup();
    let settings = checking_settings();
    for func in &file.functions {
        if check_input(func, &*setup.isa, &settings).is_err() {
            continue;
        }
        for ex in &setup.extractors {
            for rules in &setup.rules {
                let out = optimize(func, &*setup.isa, &**ex, rules, &settings)
                    .expect("check_input accepted the function");
                if let Err(e) = cranelift_codegen::verify_function(&out.func, &*setup.isa) {
                    panic!(
                        "{}: output does not verify: {e}\n{}",
                        ex.name(),
                        out.func.display()
                    );
                }
            }
        }
    }
});
