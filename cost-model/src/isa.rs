//! The one Cranelift ISA configuration the project models *and* measures.
//!
//! Calibration (this crate), the register-file measurement and every figure
//! the `regpress` crate reports (`validate::codegen::build_isa`) build their
//! `TargetIsa` here, so that what the cost model predicts and what the
//! project measures are the same machine.
//!
//! The shared settings are wasmtime's: frame pointers kept
//! (`preserve_frame_pointers`), inline stack probes
//! (`enable_probestack` + `probestack_strategy=inline`) and an implicit
//! return area for many results (`enable_multi_ret_implicit_sret`). ISA
//! extension flags are Cranelift's defaults unless a caller asks for an
//! explicit [`X86Features`] set: on x86-64 that default is SSE2 only (no
//! SSE4.1, POPCNT, LZCNT, BMI1/2, AVX or FMA); on aarch64 it is the base
//! Armv8.0 ISA.

use crate::target::Target;
use anyhow::{anyhow, Result};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use serde::Serialize;
use std::str::FromStr;

/// The x86-64 instruction-set extensions that change what Cranelift 0.135's
/// `x64` backend emits for the scalar code the cost model covers. Field
/// names follow Cranelift's `has_*` settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct X86Features {
    /// `has_sse3`.
    pub sse3: bool,
    /// `has_ssse3`.
    pub ssse3: bool,
    /// `has_sse41` (`roundss`/`roundsd` for `floor`/`ceil`/`trunc`/`nearest`).
    pub sse41: bool,
    /// `has_sse42` (needed with `popcnt` for Cranelift to use `popcnt`).
    pub sse42: bool,
    /// `has_popcnt`.
    pub popcnt: bool,
    /// `has_cmpxchg16b`.
    pub cmpxchg16b: bool,
    /// `has_avx` (VEX encodings: `vaddss` instead of `addss`).
    pub avx: bool,
    /// `has_avx2`.
    pub avx2: bool,
    /// `has_bmi1` (`andn`, `tzcnt`, `blsr`/`blsi`/`blsmsk`).
    pub bmi1: bool,
    /// `has_bmi2` (`shlx`/`shrx`/`sarx`, `rorx`, `mulx`, `bzhi`).
    pub bmi2: bool,
    /// `has_fma` (with `has_avx`: `vfmadd213ss` instead of a libcall).
    pub fma: bool,
    /// `has_lzcnt`.
    pub lzcnt: bool,
}

impl X86Features {
    /// Cranelift's default x86-64 flags: every extension off (SSE2 only).
    /// This is what the project measures.
    pub const BASELINE: X86Features = X86Features {
        sse3: false,
        ssse3: false,
        sse41: false,
        sse42: false,
        popcnt: false,
        cmpxchg16b: false,
        avx: false,
        avx2: false,
        bmi1: false,
        bmi2: false,
        fma: false,
        lzcnt: false,
    };

    /// What Cranelift's `skylake` preset turns on (`nehalem`: SSE4.2, POPCNT,
    /// CMPXCHG16B; `sandybridge`: AVX; `haswell`: AVX2, BMI1, BMI2, FMA,
    /// LZCNT; `broadwell` and `skylake` add nothing the backend reads for
    /// scalar code). `tests/isa.rs` checks this against the preset.
    pub const SKYLAKE: X86Features = X86Features {
        sse3: true,
        ssse3: true,
        sse41: true,
        sse42: true,
        popcnt: true,
        cmpxchg16b: true,
        avx: true,
        avx2: true,
        bmi1: true,
        bmi2: true,
        fma: true,
        lzcnt: true,
    };

    /// `(Cranelift setting name, value)` for every field.
    pub fn settings(&self) -> [(&'static str, bool); 12] {
        [
            ("has_sse3", self.sse3),
            ("has_ssse3", self.ssse3),
            ("has_sse41", self.sse41),
            ("has_sse42", self.sse42),
            ("has_popcnt", self.popcnt),
            ("has_cmpxchg16b", self.cmpxchg16b),
            ("has_avx", self.avx),
            ("has_avx2", self.avx2),
            ("has_bmi1", self.bmi1),
            ("has_bmi2", self.bmi2),
            ("has_fma", self.fma),
            ("has_lzcnt", self.lzcnt),
        ]
    }

    /// Read the feature set back from a built x86-64 ISA's flags (`None`
    /// for another architecture or a flag Cranelift does not report).
    pub fn of_isa(isa: &dyn isa::TargetIsa) -> Option<X86Features> {
        let flags = isa.isa_flags();
        let get = |name: &str| {
            flags
                .iter()
                .find(|v| v.name == name)
                .and_then(|v| v.as_bool())
        };
        Some(X86Features {
            sse3: get("has_sse3")?,
            ssse3: get("has_ssse3")?,
            sse41: get("has_sse41")?,
            sse42: get("has_sse42")?,
            popcnt: get("has_popcnt")?,
            cmpxchg16b: get("has_cmpxchg16b")?,
            avx: get("has_avx")?,
            avx2: get("has_avx2")?,
            bmi1: get("has_bmi1")?,
            bmi2: get("has_bmi2")?,
            fma: get("has_fma")?,
            lzcnt: get("has_lzcnt")?,
        })
    }
}

/// The ISA the project models and measures for `target` at `opt_level`
/// (`"none"`, `"speed"`, `"speed_and_size"`): wasmtime's shared settings and
/// Cranelift's default ISA flags.
pub fn build(target: Target, opt_level: &str) -> Result<OwnedTargetIsa> {
    build_inner(target, opt_level, None)
}

/// Like [`build`] for x86-64, with the extension flags set to exactly
/// `features` (used to calibrate the model under [`X86Features::SKYLAKE`]).
pub fn build_x86(opt_level: &str, features: X86Features) -> Result<OwnedTargetIsa> {
    build_inner(Target::X86_64, opt_level, Some(features))
}

fn build_inner(
    target: Target,
    opt_level: &str,
    x86: Option<X86Features>,
) -> Result<OwnedTargetIsa> {
    let mut b = settings::builder();
    b.set("opt_level", opt_level)
        .map_err(|e| anyhow!("opt_level `{opt_level}`: {e}"))?;
    b.set("preserve_frame_pointers", "true")?;
    b.enable("enable_probestack")?;
    b.set("probestack_strategy", "inline")?;
    b.enable("enable_multi_ret_implicit_sret")?;
    let flags = settings::Flags::new(b);
    let triple = target_lexicon::Triple::from_str(target.triple_str())
        .map_err(|e| anyhow!("bad triple: {e}"))?;
    let mut ib = isa::lookup(triple).map_err(|e| anyhow!("{e}"))?;
    if let Some(f) = x86 {
        for (name, on) in f.settings() {
            ib.set(name, if on { "true" } else { "false" })
                .map_err(|e| anyhow!("{name}: {e}"))?;
        }
    }
    ib.finish(flags).map_err(|e| anyhow!("{e}"))
}
