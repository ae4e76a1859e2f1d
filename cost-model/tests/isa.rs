//! One ISA for modelling and measuring: the configuration `isa::build` makes
//! is wasmtime's shared settings plus Cranelift's default ISA flags, the
//! default cost model describes exactly that ISA, and the Skylake feature
//! set matches Cranelift's `skylake` preset.

use cranelift_codegen::isa;
use cranelift_codegen::settings::{self, Configurable};
use regpress_cost_model::x86_64::X86_64;
use regpress_cost_model::{calibrate, CostModel, Target, X86Features, ALL_TARGETS};
use std::str::FromStr;

/// The recipe `extractor/src/validate/codegen.rs::build_isa` used before the
/// cost model owned it, spelled out independently.
fn wasmtime_recipe(target: Target, opt_level: &str, preset: Option<&str>) -> isa::OwnedTargetIsa {
    let mut b = settings::builder();
    b.set("opt_level", opt_level).unwrap();
    b.set("preserve_frame_pointers", "true").unwrap();
    b.enable("enable_probestack").unwrap();
    b.set("probestack_strategy", "inline").unwrap();
    b.enable("enable_multi_ret_implicit_sret").unwrap();
    let triple = target_lexicon::Triple::from_str(target.triple_str()).unwrap();
    let mut ib = isa::lookup(triple).unwrap();
    if let Some(p) = preset {
        ib.enable(p).unwrap();
    }
    ib.finish(settings::Flags::new(b)).unwrap()
}

fn isa_flags(isa: &dyn isa::TargetIsa) -> Vec<String> {
    isa.isa_flags().iter().map(|v| v.to_string()).collect()
}

#[test]
fn build_is_the_measured_configuration() {
    for t in ALL_TARGETS {
        for opt in ["none", "speed"] {
            let ours = regpress_cost_model::isa::build(t, opt).unwrap();
            let reference = wasmtime_recipe(t, opt, None);
            assert_eq!(ours.flags().to_string(), reference.flags().to_string());
            assert_eq!(isa_flags(&*ours), isa_flags(&*reference), "{t:?} {opt}");
            assert_eq!(ours.triple(), reference.triple());
        }
    }
    let x86 = regpress_cost_model::isa::build(Target::X86_64, "none").unwrap();
    assert_eq!(X86Features::of_isa(&*x86), Some(X86Features::BASELINE));
}

#[test]
fn default_models_describe_the_measured_isa() {
    for t in ALL_TARGETS {
        let modelled = t.model().isa("speed").unwrap();
        let measured = regpress_cost_model::isa::build(t, "speed").unwrap();
        assert_eq!(isa_flags(&*modelled), isa_flags(&*measured), "{t:?}");
        assert_eq!(
            modelled.flags().to_string(),
            measured.flags().to_string(),
            "{t:?}"
        );
    }
}

#[test]
fn skylake_features_match_cranelifts_preset() {
    let preset = wasmtime_recipe(Target::X86_64, "none", Some("skylake"));
    assert_eq!(X86Features::of_isa(&*preset), Some(X86Features::SKYLAKE));
    let ours = X86_64::SKYLAKE.isa("none").unwrap();
    assert_eq!(X86Features::of_isa(&*ours), Some(X86Features::SKYLAKE));
}

/// The Skylake-flag model stays available and calibrated to the same bars
/// as the default one.
#[test]
fn skylake_model_matches_cranelift() {
    let r = calibrate::run_model(&X86_64::SKYLAKE, &calibrate::cases()).unwrap();
    eprintln!(
        "x86_64 skylake: {} cases, exact {:.1}%, bytes ±10% {:.1}%",
        r.cases(),
        100.0 * r.exact_fraction(),
        100.0 * r.bytes_fraction()
    );
    assert!(r.exact_fraction() >= 0.95, "{}", r.markdown());
    assert!(r.bytes_fraction() >= 0.90, "{}", r.markdown());
}

#[test]
fn bad_target_and_opt_level_are_errors() {
    assert!(Target::from_name("riscv64").is_none());
    assert_eq!(Target::from_name("aarch64"), Some(Target::Aarch64));
    match regpress_cost_model::isa::build(Target::X86_64, "fastest") {
        Ok(_) => panic!("opt_level=fastest accepted"),
        Err(e) => assert!(e.to_string().contains("opt_level"), "{e}"),
    }
}
