//! Targets, register classes, register-file sizes, spill/reload costs and
//! block-frequency weights.

use crate::backend;
use crate::cost::{Cost, CostModel};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A compilation target the cost model knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Target {
    /// x86-64 System V, Cranelift's `x64` backend with its default ISA flags
    /// (SSE2 only; see [`crate::isa`]).
    X86_64,
    /// AArch64 (AAPCS64), Cranelift's `aarch64` backend.
    Aarch64,
}

/// A register class as Cranelift's register allocator sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RegClass {
    /// General-purpose integer registers.
    Int,
    /// Floating-point / vector registers.
    Float,
}

impl RegClass {
    /// The register class a value of type `ty` occupies, and how many
    /// registers of it. `i128` takes two integer registers; vectors and
    /// floats one float register.
    pub fn of_type(ty: cranelift_codegen::ir::Type) -> (RegClass, u32) {
        if ty.is_float() || ty.is_vector() {
            (RegClass::Float, 1)
        } else if ty.bits() > 64 {
            (RegClass::Int, 2)
        } else {
            (RegClass::Int, 1)
        }
    }
}

/// Allocatable registers per class: the registers Cranelift's ABI hands to
/// regalloc2 in its `MachineEnv` (preferred + non-preferred sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RegisterFile {
    /// Allocatable general-purpose registers.
    pub int: u32,
    /// Allocatable float/vector registers.
    pub float: u32,
}

impl RegisterFile {
    /// Allocatable registers of `class`.
    pub fn count(&self, class: RegClass) -> u32 {
        match class {
            RegClass::Int => self.int,
            RegClass::Float => self.float,
        }
    }
}

/// All targets, in a fixed order.
pub const ALL_TARGETS: [Target; 2] = [Target::X86_64, Target::Aarch64];

impl Target {
    /// Short name (`"x86_64"`, `"aarch64"`).
    pub fn name(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64",
            Target::Aarch64 => "aarch64",
        }
    }

    /// The target named `name` (`"x86_64"` or `"aarch64"`).
    pub fn from_name(name: &str) -> Option<Target> {
        ALL_TARGETS.into_iter().find(|t| t.name() == name)
    }

    /// The target triple used to build the Cranelift ISA.
    pub fn triple_str(self) -> &'static str {
        match self {
            Target::X86_64 => "x86_64-unknown-linux-gnu",
            Target::Aarch64 => "aarch64-unknown-linux-gnu",
        }
    }

    /// The microarchitecture whose published latencies/throughputs the model
    /// uses (see [`crate::sources`]).
    pub fn microarchitecture(self) -> &'static str {
        match self {
            Target::X86_64 => "Intel Skylake (client)",
            Target::Aarch64 => "Arm Neoverse N1",
        }
    }

    /// The cost model for this target, describing the ISA
    /// [`crate::isa::build`] makes (Cranelift's default ISA flags), the one
    /// the project measures.
    pub fn model(self) -> &'static dyn CostModel {
        match self {
            Target::X86_64 => &crate::x86_64::X86_64::DEFAULT,
            Target::Aarch64 => &crate::aarch64::Aarch64,
        }
    }

    /// Allocatable registers per class, measured once per process by
    /// compiling a high-pressure function with Cranelift and collecting every
    /// physical register regalloc2 assigned (see
    /// [`measure_register_file`]). Falls back to
    /// [`Target::documented_register_file`] if the measurement fails.
    pub fn registers(self) -> RegisterFile {
        static CELLS: [OnceLock<RegisterFile>; 2] = [OnceLock::new(), OnceLock::new()];
        let i = match self {
            Target::X86_64 => 0,
            Target::Aarch64 => 1,
        };
        *CELLS[i].get_or_init(|| {
            measure_register_file(self).unwrap_or_else(|_| self.documented_register_file())
        })
    }

    /// Register counts read from Cranelift 0.135.8's ABI source, with
    /// `enable_pinned_reg` off (the default):
    ///
    /// * x86-64: `isa/x64/abi.rs`, `create_reg_env_systemv` (line 1280):
    ///   9 preferred GPRs (rsi rdi rax rcx rdx r8 r9 r10 r11) + 4 non-preferred
    ///   (rbx r12 r13 r14) + r15 when the pinned register is disabled = 14;
    ///   xmm0–xmm15 = 16.
    /// * aarch64: `isa/aarch64/abi.rs`, `create_reg_env` (line 1643):
    ///   x0–x15 + x19,x20,x22–x28 + x21 when not pinned = 26 (x16/x17 are
    ///   scratch, x18 platform, x29 fp, x30 lr); v0–v31 = 32.
    ///
    /// Used as a fallback and cross-checked against the measurement in tests.
    pub fn documented_register_file(self) -> RegisterFile {
        match self {
            Target::X86_64 => RegisterFile { int: 14, float: 16 },
            Target::Aarch64 => RegisterFile { int: 26, float: 32 },
        }
    }

    /// Cost of spilling one register of `class` to a stack slot (one store).
    ///
    /// x86-64: `mov %r, off(%rsp)` / `movsd %xmm, off(%rsp)`: 5–6 bytes;
    /// Skylake `WriteStore` / `WriteFStore` (latency 1; one cycle on the
    /// single store-data port SKLPort4). aarch64: `str x|d, [sp, #off]`: 4
    /// bytes; Neoverse N1 `WriteST` = `N1Write_1c_1L_1D` (latency 1) and, for
    /// FP registers, `STR[BHSD]ui` = `N1Write_2c_1L_1V` (latency 2), each one
    /// cycle on a two-unit pipe (0.5). Sources: LLVM's scheduling models, see
    /// [`crate::sources`].
    pub fn spill_cost(self, class: RegClass) -> Cost {
        match (self, class) {
            (Target::X86_64, RegClass::Int) => Cost {
                insts: 1,
                latency: 1.0,
                rthroughput: 1.0,
                bytes: 5,
            },
            (Target::X86_64, RegClass::Float) => Cost {
                insts: 1,
                latency: 1.0,
                rthroughput: 1.0,
                bytes: 6,
            },
            (Target::Aarch64, RegClass::Int) => Cost {
                insts: 1,
                latency: 1.0,
                rthroughput: 0.5,
                bytes: 4,
            },
            (Target::Aarch64, RegClass::Float) => Cost {
                insts: 1,
                latency: 2.0,
                rthroughput: 0.5,
                bytes: 4,
            },
        }
    }

    /// Cost of reloading one register of `class` from a stack slot (one load).
    ///
    /// x86-64 Skylake: `WriteLoad` / `WriteFLoad`, latency 5, two load ports
    /// (SKLPort23: 0.5). aarch64 Neoverse N1: `WriteLD` = `N1Write_4c_1L`
    /// (latency 4) and, for FP registers, `LDR[BHSDQ]ui` = `N1Write_5c_1I_1L`
    /// (latency 5), two load pipes (0.5). Sources: LLVM's scheduling models,
    /// see [`crate::sources`].
    pub fn reload_cost(self, class: RegClass) -> Cost {
        match (self, class) {
            (Target::X86_64, RegClass::Int) => Cost {
                insts: 1,
                latency: 5.0,
                rthroughput: 0.5,
                bytes: 5,
            },
            (Target::X86_64, RegClass::Float) => Cost {
                insts: 1,
                latency: 5.0,
                rthroughput: 0.5,
                bytes: 6,
            },
            (Target::Aarch64, RegClass::Int) => Cost {
                insts: 1,
                latency: 4.0,
                rthroughput: 0.5,
                bytes: 4,
            },
            (Target::Aarch64, RegClass::Float) => Cost {
                insts: 1,
                latency: 5.0,
                rthroughput: 0.5,
                bytes: 4,
            },
        }
    }

    /// The cost of one spill plus one reload of a `class` value whose live
    /// range sits at `loop_depth` (weighted by [`block_frequency`]).
    pub fn spill_reload_cost(self, class: RegClass, loop_depth: u32) -> f32 {
        let c = self.spill_cost(class) + self.reload_cost(class);
        c.scalar() * block_frequency(loop_depth)
    }
}

/// Largest loop depth [`block_frequency`] distinguishes.
pub const MAX_FREQUENCY_DEPTH: u32 = 10;

/// Estimated execution frequency of a block at `loop_depth`, relative to a
/// block outside any loop: `4^depth`, capped at depth
/// [`MAX_FREQUENCY_DEPTH`]. This is the weight regalloc2 0.15.2, the
/// allocator whose spills the project measures, gives a use at that depth
/// (`src/ion/liveranges.rs`, `spill_weight_from_constraint`: a hot bonus of
/// `1000 * 4^min(depth, 10)`, depth from `cfg.rs` `approx_loop_depth`), so
/// the cost model and the allocator agree on how much loops count. It is an
/// allocator heuristic, not a measured frequency.
pub fn block_frequency(loop_depth: u32) -> f32 {
    4f32.powi(loop_depth.min(MAX_FREQUENCY_DEPTH) as i32)
}

/// CLIF for a function that keeps `n` values of `class` live at once.
pub fn pressure_function(class: RegClass, n: usize) -> String {
    let (ty, op) = match class {
        RegClass::Int => ("i64", "iadd"),
        RegClass::Float => ("f64", "fadd"),
    };
    let mut s = format!("function %pressure({ty}) -> {ty} {{\nblock0(v0: {ty}):\n");
    // v1..=vn: a chain where every link stays live until the final sum.
    s += &format!("    v1 = {op} v0, v0\n");
    for i in 2..=n {
        s += &format!("    v{i} = {op} v{}, v0\n", i - 1);
    }
    let mut acc = 1;
    for i in 2..=n {
        let d = n + i;
        s += &format!("    v{d} = {op} v{acc}, v{i}\n");
        acc = d;
    }
    s += &format!("    return v{acc}\n}}\n");
    s
}

/// Measure the allocatable registers of `target` by compiling
/// [`pressure_function`] (64 simultaneously-live values per class, far more
/// than any target has registers) and collecting every physical register
/// regalloc2 assigned to an operand or used in a move. regalloc2 only ever
/// hands out registers from the `MachineEnv` Cranelift's ABI gives it, and
/// under this much pressure it uses all of them.
pub fn measure_register_file(target: Target) -> anyhow::Result<RegisterFile> {
    let isa = crate::isa::build(target, "none")?;
    let mut counts = [0u32; 2];
    for (k, class) in [RegClass::Int, RegClass::Float].into_iter().enumerate() {
        let f = backend::parse_one(&pressure_function(class, 64))?;
        let mut ctx = regalloc2::Ctx::default();
        backend::compile_with(&*isa, &f, &mut ctx)?;
        let want = match class {
            RegClass::Int => regalloc2::RegClass::Int,
            RegClass::Float => regalloc2::RegClass::Float,
        };
        let mut seen = BTreeSet::new();
        let mut note = |a: regalloc2::Allocation| {
            if let Some(p) = a.as_reg() {
                if p.class() == want {
                    seen.insert(p.index());
                }
            }
        };
        for a in &ctx.output.allocs {
            note(*a);
        }
        for (_, regalloc2::Edit::Move { from, to }) in &ctx.output.edits {
            note(*from);
            note(*to);
        }
        counts[k] = seen.len() as u32;
    }
    Ok(RegisterFile {
        int: counts[0],
        float: counts[1],
    })
}
