//! The x86-64 cost model: what Cranelift 0.135's `x64` backend emits for
//! each node shape under a given set of ISA extensions ([`X86Features`]),
//! with Intel Skylake (client) latencies and throughputs.
//!
//! [`X86_64::DEFAULT`] models Cranelift's default x86-64 flags (SSE2 only),
//! the ISA the project measures; [`X86_64::SKYLAKE`] models the `skylake`
//! preset (SSE4.2, POPCNT, LZCNT, BMI1/2, AVX/AVX2, FMA). The timing figures
//! are Skylake's in both cases: the default model describes baseline x86-64
//! code running on a Skylake core.
//!
//! The instruction sequences follow `cranelift-codegen/src/isa/x64/lower.isle`
//! and are checked by [`crate::calibrate`]. Highlights:
//!
//! * `iadd` becomes `lea`, which absorbs a constant displacement (any
//!   sign-extended 32-bit value), a second `iadd` of a constant, or an
//!   `ishl` by 1–3 (scaled index). Cranelift emits the `lea` as an `add` when
//!   the destination equals an input, so its size is an `add`'s.
//! * Other ALU ops take an 8/16/32-bit immediate; a 64-bit constant that does
//!   not sign-extend from 32 bits is loaded RIP-relative from the constant
//!   pool (`iadd` uses `movabs` + `lea` instead).
//! * `band(x, bnot(y))` is `andn` with BMI1 and `not` + `and` without; no
//!   other `bnot` fuses.
//! * Shifts and rotates by a register need the count in `%cl` (plus the
//!   moves that puts in place) unless BMI2 gives `shlx`/`shrx`/`sarx` for
//!   32/64-bit shifts; rotates by a constant are `rol`/`ror`, or BMI2 `rorx`.
//! * Without LZCNT/BMI1/POPCNT, `clz` is `bsr` + `cmov`, `ctz` is `bsf` +
//!   `cmov` and `popcnt` is the 17-instruction bit-twiddling sequence.
//! * Without SSE4.1 `floor`/`ceil`/`trunc`/`nearest`, and without FMA `fma`,
//!   are library calls.
//! * Division needs `%rax`/`%rdx`; signed division checks for overflow.
//! * No `imul`+`iadd` fusion exists on x86-64.

use crate::cost::{CostModel, Lowering, MachInst};
use crate::isa::X86Features;
use crate::shape::{Cond, NodeShape, OperandShape};
use crate::target::Target;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{self, F32, I16, I32, I64, I8};
use cranelift_codegen::ir::{Opcode, Type};

/// The x86-64 cost model (see the module docs) for one set of ISA
/// extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct X86_64 {
    /// The extensions Cranelift may use (and this model assumes).
    pub features: X86Features,
}

impl X86_64 {
    /// The model of what the project measures: Cranelift's default x86-64
    /// flags ([`X86Features::BASELINE`]).
    pub const DEFAULT: X86_64 = X86_64 {
        features: X86Features::BASELINE,
    };
    /// The model of Cranelift's `skylake` preset ([`X86Features::SKYLAKE`]).
    pub const SKYLAKE: X86_64 = X86_64 {
        features: X86Features::SKYLAKE,
    };
}

impl Default for X86_64 {
    fn default() -> Self {
        X86_64::DEFAULT
    }
}

/// Bytes of a RIP-relative constant-pool entry for a 64-bit integer constant
/// (8) plus the expected alignment padding (half the 8-byte alignment).
const POOL_I64_BYTES: u32 = 12;
/// Bytes of an XMM constant-pool entry (16) plus expected padding (half the
/// 16-byte alignment).
const POOL_XMM_BYTES: u32 = 24;

/// Skylake (client) latency and reciprocal throughput (cycles) for a
/// mnemonic as Cranelift prints it (AT&T, with size suffix), or for one of
/// this model's qualified names (`name.qualifier`, e.g. `movq.gx` for a
/// GPR→XMM `movq`). SSE and VEX (`v`-prefixed) forms share a record.
///
/// Every figure is LLVM's Skylake-client scheduling model,
/// `llvm/lib/Target/X86/X86SchedSkylakeClient.td` (llvm/llvm-project); the
/// record is named on each arm. Reciprocal throughput is the busiest
/// resource's cycles over its unit count (`SKLPort0156` has 4 units,
/// `SKLPort015` 3, `SKLPort01`/`06`/`15`/`23` 2, single ports 1). See
/// [`crate::sources`], which also lists the figures that are not from a
/// published table.
pub fn timing(mnemonic: &str) -> (f32, f32) {
    let m = mnemonic;
    // SSE and AVX spellings of scalar FP instructions share LLVM records
    // (`(V?)ADDSSrr` etc.).
    let sse = m.strip_prefix('v').unwrap_or(m);
    match m {
        // WriteZero idioms (`xor r,r`, `xorps x,x`): SKLWriteZeroIdiom /
        // SKLWriteFZeroIdiom → SKLWriteZeroLatency, no execution port; one
        // uop at the issue width of 6.
        "xorl.zero" | "xorq.zero" | "xorps.zero" | "xorpd.zero" | "vxorps.zero" | "vxorpd.zero" => {
            (0.0, 1.0 / 6.0)
        }
        // CWD: SKLWriteResGroup23 (latency 2, Port06 + Port0156).
        "cwtd" => (2.0, 0.5),
        // CDQ/CQO: SKLWriteResGroup7 (Port06). CBW: SKLWriteResGroup10
        // (Port0156).
        "cltd" | "cqto" => (1.0, 0.5),
        "cbtw" => (1.0, 0.25),
        // WriteLEA: SKLPort15, latency 1.
        "leal" | "leaq" => (1.0, 0.5),
        // SETA/SETBE and CMOVA/CMOVBE read two flags: SKLWriteSETA_SETBEr /
        // SKLWriteCMOVA_CMOVBErr (latency 2, 2 cycles on Port06).
        "seta" | "setbe" | "setnbe" | "setna" => (2.0, 1.0),
        _ if m.starts_with("cmova") && !m.starts_with("cmovae") || m.starts_with("cmovbe") => {
            (2.0, 1.0)
        }
        // WriteSETCC / WriteCMOV: Port06, latency 1.
        _ if m.starts_with("set") || m.starts_with("cmov") => (1.0, 0.5),
        // WriteJump: Port06.
        "jz" | "jnz" | "jmp" => (1.0, 0.5),
        // BMI2 SHLX/SHRX/SARX/RORX are WriteShift (X86InstrShiftRotate.td,
        // bmi_shift / bmi_rotate): Port06, latency 1.
        _ if m.starts_with("shlx")
            || m.starts_with("shrx")
            || m.starts_with("sarx")
            || m.starts_with("rorx") =>
        {
            (1.0, 0.5)
        }
        // Shifts/rotates by %cl: WriteShiftCL / WriteRotateCL (latency 3,
        // 3 cycles on Port06).
        _ if m.ends_with(".cl") => (3.0, 1.5),
        // Shifts by an immediate: WriteShift; rotates by an immediate:
        // WriteRotate (X86InstrShiftRotate.td). Both Port06, latency 1.
        "shlb" | "shlw" | "shll" | "shlq" | "shrb" | "shrw" | "shrl" | "shrq" | "sarb" | "sarw"
        | "sarl" | "sarq" | "rolb" | "rolw" | "roll" | "rolq" | "rorb" | "rorw" | "rorl"
        | "rorq" => (1.0, 0.5),
        // ANDN: SKLWriteResGroup8 (Port15).
        "andnl" | "andnq" => (1.0, 0.5),
        // IMUL r,r: WriteIMul16Reg/32Reg/64Reg (Port1, latency 3); IMUL
        // r,r,imm: WriteIMul32Imm/64Imm (Port1, 3); IMUL r16,r16,imm:
        // WriteIMul16Imm (latency 4, Port1 + Port0156).
        "imull" | "imulq" | "imulw" => (3.0, 1.0),
        "imulw.imm" => (4.0, 1.0),
        // One-operand multiplies: WriteIMul8 (Port1, 3); WriteIMul16 /
        // WriteIMul32 / WriteIMul64 (latency 4, busiest port Port1 one
        // cycle). MULX: WriteMULX32/64 with the high half at WriteIMulH
        // (latency 4).
        "mulb" | "imulb" => (3.0, 1.0),
        "mulw" | "imulw.1" | "mull" | "imull.1" | "mulq" | "imulq.1" => (4.0, 1.0),
        "mulxl" | "mulxq" => (4.0, 1.0),
        // Division: WriteDiv8 / WriteIDiv8 (latency 25, SKLDivider 10
        // cycles); WriteDiv16/32/64 (latency 76, busiest port Port5 8 cycles);
        // WriteIDiv16/32/64 (latency 102, Port0156 34 cycles over 4 units).
        // LLVM's model uses one (worst-case) record for every width.
        "divb" | "idivb" => (25.0, 10.0),
        "divw" | "divl" | "divq" => (76.0, 8.0),
        "idivw" | "idivl" | "idivq" => (102.0, 8.5),
        // srem pseudo-sequence: cmp + jcc around the idiv (parts summed).
        "checked_srem_seq" => (104.0, 9.25),
        // WriteBSF / WriteBSR / WriteLZCNT / WriteTZCNT / WritePOPCNT:
        // Port1, latency 3.
        _ if m.starts_with("bsf")
            || m.starts_with("bsr")
            || m.starts_with("lzcnt")
            || m.starts_with("tzcnt")
            || m.starts_with("popcnt") =>
        {
            (3.0, 1.0)
        }
        // WriteBSWAP32: Port15, latency 1. WriteBSWAP64: latency 2, one
        // cycle each on Port06 and Port15.
        "bswapl" => (1.0, 0.5),
        "bswapq" => (2.0, 0.5),
        // Calls: CALL64r is SKLWriteResGroup45 (latency 3; Port4, Port6,
        // Port237, Port0156 one cycle each). The callee's own work is not
        // modelled.
        "call" => (3.0, 1.0),
        // Integer ALU, moves, extensions: WriteALU / WriteMove (Port0156,
        // latency 1). MOVZX/MOVSX are WriteALU (X86InstrExtension.td).
        _ if m.starts_with("add")
            || m.starts_with("sub")
            || m.starts_with("and") && !m.starts_with("andp") && !m.starts_with("andnp")
            || m.starts_with("or") && !m.starts_with("orp")
            || m.starts_with("xor") && !m.starts_with("xorp")
            || m.starts_with("neg")
            || m.starts_with("not")
            || m.starts_with("cmp")
            || m.starts_with("test")
            || m.starts_with("movz")
            || m.starts_with("movs") && !m.starts_with("movss") && !m.starts_with("movsd")
            || m == "movl"
            || m == "movq"
            || m == "movabsq"
            || m == "load_ext_name" =>
        {
            (1.0, 0.25)
        }
        _ => match sse {
            // WriteFAdd/WriteFAdd64, WriteFMul/WriteFMul64, WriteFMA: Port01,
            // latency 4.
            "addss" | "addsd" | "subss" | "subsd" | "mulss" | "mulsd" => (4.0, 0.5),
            "fmadd213ss" | "fmadd213sd" => (4.0, 0.5),
            // WriteFDiv: latency 11, SKLFPDivider 3 cycles; WriteFDiv64: 14, 4.
            "divss" => (11.0, 3.0),
            "divsd" => (14.0, 4.0),
            // WriteFSqrt: latency 12, divider 3 cycles; WriteFSqrt64: 18, 6.
            "sqrtss" => (12.0, 3.0),
            "sqrtsd" => (18.0, 6.0),
            // WriteFRnd: latency 8, 2 cycles on Port01.
            "roundss" | "roundsd" => (8.0, 1.0),
            // WriteFLogic: Port015, latency 1.
            "xorps" | "xorpd" | "andps" | "andpd" | "andnps" | "andnpd" | "orps" | "orpd" => {
                (1.0, 1.0 / 3.0)
            }
            // WriteFComX: Port0, latency 2.
            "ucomiss" | "ucomisd" => (2.0, 1.0),
            // SKLWriteResGroup60 (latency 5, Port5 + Port015): CVTSI2SS,
            // CVTSI2SD, CVTSI642SD, CVTSS2SD, CVTSD2SS.
            "cvtsi2ssl" | "cvtsi2sdl" | "cvtsi2sdq" | "cvtss2sd" | "cvtsd2ss" => (5.0, 1.0),
            // SKLWriteResGroup78 (latency 6, Port5 two cycles): CVTSI642SS.
            "cvtsi2ssq" => (6.0, 2.0),
            // WriteVecMoveFromGpr: Port5, latency 1. WriteVecMoveToGpr:
            // Port0, latency 2.
            "movd.gx" | "movq.gx" => (1.0, 1.0),
            "movd.xg" | "movq.xg" => (2.0, 1.0),
            // WriteFMoveX / WriteVecMoveX: Port015, latency 1.
            "movaps" | "movdqa" => (1.0, 1.0 / 3.0),
            // Pseudo-sequences, parts summed (see `crate::sources`):
            // ucomis + jcc + mins/maxs (WriteFCmp: 4, Port01).
            "xmm_min_max_seq" => (7.0, 2.0),
            // jcc + movss (WriteFShuffle: Port5, latency 1).
            "movss" => (2.0, 1.5),
            // cvttss2si (SKLWriteResGroup70: 6) + ucomis (2) + jcc (1) +
            // mov (1) on the common path.
            "cvt_float_to_sint_sat_seq" => (10.0, 3.0),
            // Anything else the model emits is a basic integer op.
            _ => (1.0, 0.25),
        },
    }
}

/// An instruction named `mn` (qualifiers after a `.` select the timing
/// and are dropped from the printed mnemonic).
fn mi(mn: &str, bytes: u32) -> MachInst {
    let (l, t) = timing(mn);
    let base = mn.split('.').next().unwrap_or(mn);
    MachInst::new(base, bytes, l, t)
}

/// AT&T size suffix for an integer type.
fn sfx(ty: Type) -> &'static str {
    match ty.bits() {
        8 => "b",
        16 => "w",
        32 => "l",
        _ => "q",
    }
}

/// Suffix Cranelift uses for ALU ops on `ty` (8/16-bit reg-reg ops are done
/// at 32 bits).
fn alu_sfx(ty: Type) -> &'static str {
    if ty == I64 {
        "q"
    } else {
        "l"
    }
}

/// Size of a reg-reg ALU op (`add`, `sub`, `and`, ...) on `ty`.
fn rr_bytes(ty: Type) -> u32 {
    if ty == I64 {
        3
    } else {
        2
    }
}

/// Does `v` sign-extend from 32 bits (as the operand of a `ty` op)?
fn simm32(v: i64, ty: Type) -> bool {
    if ty.bits() <= 32 {
        return true;
    }
    v == (v as i32) as i64
}

/// Value of `v` interpreted as a signed `ty`.
fn sext(v: i64, ty: Type) -> i64 {
    let b = ty.bits();
    if b >= 64 {
        v
    } else {
        (v << (64 - b)) >> (64 - b)
    }
}

/// Size of an ALU-with-immediate op: opcode + modrm + imm8/imm16/imm32,
/// REX.W for 64-bit, 0x66 for 16-bit.
fn ri_bytes(ty: Type, v: i64) -> u32 {
    let s = sext(v, ty);
    match ty.bits() {
        8 => 4,
        16 => 5,
        32 => {
            if (-128..128).contains(&s) {
                3
            } else {
                6
            }
        }
        _ => {
            if (-128..128).contains(&s) {
                4
            } else {
                7
            }
        }
    }
}

/// Materialise integer constant `v` of type `ty` into a register.
fn iconst(ty: Type, v: i64) -> Lowering {
    let mut l = Lowering::new();
    let u = if ty.bits() >= 64 {
        v as u64
    } else {
        (v as u64) & ((1u64 << ty.bits()) - 1)
    };
    let i = if u == 0 {
        mi(
            if ty == I64 { "xorq.zero" } else { "xorl.zero" },
            rr_bytes(ty),
        )
    } else if u <= u32::MAX as u64 {
        mi("movl", 5)
    } else if (u as i64) == ((u as i64) as i32) as i64 {
        mi("movq", 7)
    } else {
        mi("movabsq", 10)
    };
    l.push(i.off_path());
    l
}

impl X86_64 {
    fn int_binary(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let mut l = Lowering::new();
        let op = n.opcode;
        let rhs = n.operand(1).clone();
        let lhs = n.operand(0).clone();
        let narrow = ty.bits() < 32;
        let name = |base: &str| format!("{base}{}", alu_sfx(ty));
        match (op, &lhs, &rhs) {
            // iadd → lea (possibly absorbing a scaled index or displacement).
            (Opcode::Iadd, _, OperandShape::FoldedShift { amount, .. })
            | (Opcode::Iadd, OperandShape::FoldedShift { amount, .. }, _)
                if (1..=3).contains(amount) && !narrow =>
            {
                l.push(mi(&name("lea"), if ty == I64 { 4 } else { 3 }));
            }
            (
                Opcode::Iadd,
                _,
                OperandShape::FoldedShift { .. } | OperandShape::FoldedExtend { .. },
            )
            | (
                Opcode::Iadd,
                OperandShape::FoldedShift { .. } | OperandShape::FoldedExtend { .. },
                _,
            ) => {
                let s = if matches!(rhs, OperandShape::Reg) {
                    &lhs
                } else {
                    &rhs
                };
                l.extend(self.folded_producer(ty, s));
                l.push(mi(&name("lea"), rr_bytes(ty)));
            }
            (Opcode::Iadd, _, OperandShape::FoldedAddImm(c))
            | (Opcode::Iadd, OperandShape::FoldedAddImm(c), _) => {
                let d = if (-128..128).contains(c) { 1 } else { 4 };
                l.push(mi(&name("lea"), 3 + d + (ty == I64) as u32));
            }
            (Opcode::Iadd, _, OperandShape::FoldedMul)
            | (Opcode::Iadd, OperandShape::FoldedMul, _) => {
                l.push(mi(
                    &format!("imul{}", alu_sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
                l.push(mi(&name("lea"), if ty == I64 { 4 } else { 3 }));
            }
            (Opcode::Iadd, _, OperandShape::Const(v))
            | (Opcode::Iadd, OperandShape::Const(v), _) => {
                if narrow {
                    l.push(mi(&format!("add{}", sfx(ty)), ri_bytes(ty, *v)));
                } else if simm32(*v, ty) {
                    l.push(mi(&name("lea"), ri_bytes(ty, *v)));
                } else {
                    l.extend(iconst(ty, *v));
                    l.push(mi(&name("lea"), rr_bytes(ty)));
                }
            }
            (Opcode::Iadd, _, _) => {
                if matches!(rhs, OperandShape::Reg) && matches!(lhs, OperandShape::Reg) && !narrow {
                    l.push(mi(&name("lea"), rr_bytes(ty)));
                } else {
                    l.push(mi(&name("add"), rr_bytes(ty)));
                }
            }
            // isub/band/bor/bxor with a folded producer: compute it, then op.
            (
                Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor,
                _,
                OperandShape::FoldedShift { .. }
                | OperandShape::FoldedExtend { .. }
                | OperandShape::FoldedMul
                | OperandShape::FoldedNot,
            )
            | (
                Opcode::Band | Opcode::Bor | Opcode::Bxor,
                OperandShape::FoldedShift { .. }
                | OperandShape::FoldedExtend { .. }
                | OperandShape::FoldedMul
                | OperandShape::FoldedNot,
                _,
            ) => {
                let s = if matches!(rhs, OperandShape::Reg) {
                    &lhs
                } else {
                    &rhs
                };
                if op == Opcode::Band && matches!(s, OperandShape::FoldedNot) && self.features.bmi1
                {
                    l.push(mi(&format!("andn{}", alu_sfx(ty)), 5));
                } else {
                    l.extend(self.folded_producer(ty, s));
                    l.push(mi(&name(base_name(op)), rr_bytes(ty)));
                }
            }
            (Opcode::Isub, OperandShape::FoldedMul, _) => {
                l.push(mi(
                    &format!("imul{}", alu_sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
                l.push(mi(&name("sub"), rr_bytes(ty)));
            }
            (
                Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor,
                _,
                OperandShape::Const(v),
            )
            | (Opcode::Band | Opcode::Bor | Opcode::Bxor, OperandShape::Const(v), _) => {
                let b = base_name(op);
                if narrow {
                    l.push(mi(&format!("{b}{}", sfx(ty)), ri_bytes(ty, *v)));
                } else if simm32(*v, ty) {
                    l.push(mi(&name(b), ri_bytes(ty, *v)));
                } else {
                    l.push(mi(&name(b), 7));
                    l.extra_bytes += POOL_I64_BYTES;
                }
            }
            (Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor, _, _) => {
                l.push(mi(&name(base_name(op)), rr_bytes(ty)));
            }
            (Opcode::Imul, _, OperandShape::Const(v))
            | (Opcode::Imul, OperandShape::Const(v), _) => match ty.bits() {
                8 => {
                    l.push(mi("movq", 3));
                    l.push(mi("mulb", 6));
                    l.extra_bytes += POOL_I64_BYTES - 1;
                }
                16 => {
                    let s = sext(*v, ty);
                    l.push(mi(
                        "imulw.imm",
                        if (-128..128).contains(&s) { 4 } else { 5 },
                    ));
                }
                32 => {
                    let s = sext(*v, ty);
                    l.push(mi("imull", if (-128..128).contains(&s) { 3 } else { 6 }));
                }
                _ => {
                    if !simm32(*v, ty) {
                        l.push(mi("imulq", 8));
                        l.extra_bytes += POOL_I64_BYTES;
                    } else if (-128..128).contains(v) {
                        l.push(mi("imulq", 4));
                    } else {
                        l.push(mi("imulq", 7));
                    }
                }
            },
            (Opcode::Imul, _, _) => match ty.bits() {
                8 => {
                    l.push(mi("movq", 3));
                    l.push(mi("mulb", 3));
                }
                16 => {
                    l.push(mi("imulw", 4));
                }
                32 => {
                    l.push(mi("imull", 3));
                }
                _ => {
                    l.push(mi("imulq", 4));
                }
            },
            (
                Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr,
                _,
                OperandShape::Const(_),
            ) => {
                let b = shift_name(op);
                if matches!(op, Opcode::Rotl | Opcode::Rotr) && !narrow && self.features.bmi2 {
                    l.push(mi(&format!("rorx{}", sfx(ty)), 6));
                } else {
                    l.push(mi(
                        &format!("{b}{}", sfx(ty)),
                        if ty.bits() == 32 { 3 } else { 4 },
                    ));
                }
            }
            (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr, _, _) if !narrow && self.features.bmi2 => {
                let b = match op {
                    Opcode::Ishl => "shlx",
                    Opcode::Ushr => "shrx",
                    _ => "sarx",
                };
                l.push(mi(&format!("{b}{}", sfx(ty)), 5));
            }
            (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr, _, _) => {
                // The count is moved into %cl (and masked to the width for
                // 8/16-bit types), then the value is shifted in place. When
                // %rcx holds another live value, regalloc adds moves around
                // this; the model charges the common case where it is free.
                let b = shift_name(op);
                l.push(mi("movq", 3));
                if narrow {
                    l.push(mi("andq", 4));
                }
                l.push(mi(
                    &format!("{b}{}.cl", sfx(ty)),
                    if ty == I32 { 2 } else { 3 },
                ));
            }
            (Opcode::Udiv | Opcode::Urem, _, _) => {
                if ty == I8 {
                    l.push(mi("movzbl", 4));
                    l.push(mi("divb", 3));
                    if op == Opcode::Urem {
                        l.push(mi("shrq", 4));
                    }
                } else {
                    l.push(mi("xorq.zero", 3));
                    l.push(mi("movq", 3));
                    l.push(mi(
                        &format!("div{}", sfx(ty)),
                        if ty == I16 { 3 } else { 2 + (ty == I64) as u32 },
                    ));
                }
                // Division by zero traps in hardware (#DE); no check emitted.
                l.extra_bytes += 0;
            }
            (Opcode::Sdiv, _, _) => {
                // Sign-extend into %rdx, check for -1 divisor (overflow), idiv.
                l.push(mi("movq", 3));
                let cvt = match ty.bits() {
                    8 => "cbtw",
                    16 => "cwtd",
                    32 => "cltd",
                    _ => "cqto",
                };
                l.push(mi(
                    cvt,
                    if ty == I16 || ty == I64 {
                        2
                    } else {
                        1 + (ty == I8) as u32
                    },
                ));
                l.push(mi(
                    &format!("test{}", sfx(ty)),
                    if ty == I32 { 2 } else { 3 },
                ));
                l.push(mi("jz", 6));
                l.push(mi(
                    &format!("idiv{}", sfx(ty)),
                    if ty == I32 { 2 } else { 3 },
                ));
                l.extra_bytes += 2;
            }
            (Opcode::Srem, _, _) => {
                l.push(mi("movq", 3));
                let cvt = match ty.bits() {
                    8 => "cbtw",
                    16 => "cwtd",
                    32 => "cltd",
                    _ => "cqto",
                };
                l.push(mi(cvt, 2));
                l.push(mi("checked_srem_seq", 22));
                if ty == I8 {
                    l.push(mi("shrq", 4));
                }
            }
            (Opcode::Umulhi | Opcode::Smulhi, _, _) => {
                let signed = op == Opcode::Smulhi;
                match ty.bits() {
                    8 => {
                        l.push(mi("movq", 3));
                        l.push(mi(if signed { "imulb" } else { "mulb" }, 3));
                        l.push(mi(if signed { "sarw" } else { "shrw" }, 4));
                    }
                    16 => {
                        l.push(mi("movq", 3));
                        l.push(mi(if signed { "imulw.1" } else { "mulw" }, 3));
                    }
                    32 => {
                        l.push(mi("movq", 3));
                        l.push(if signed {
                            mi("imull.1", 2)
                        } else if self.features.bmi2 {
                            mi("mulxl", 5)
                        } else {
                            mi("mull", 2)
                        });
                    }
                    _ => {
                        l.push(if signed {
                            mi("imulq.1", 3)
                        } else if self.features.bmi2 {
                            mi("mulxq", 5)
                        } else {
                            mi("mulq", 3)
                        });
                        l.push(mi("movq", 3));
                    }
                }
            }
            (Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax, _, _) => {
                let cc = match op {
                    Opcode::Smin => "l",
                    Opcode::Smax => "ge",
                    Opcode::Umin => "b",
                    _ => "ae",
                };
                l.push(mi(
                    &format!("cmp{}", sfx(ty)),
                    if ty.bits() == 32 { 2 } else { 3 },
                ));
                l.push(mi(
                    &format!("cmov{cc}{}", alu_sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
            }
            _ => {
                l.push(mi(&name(base_name(op)), rr_bytes(ty)));
                l.modelled = false;
            }
        }
        l
    }

    /// Instructions that compute a folded producer x86-64 cannot absorb
    /// (everything except what `lea`/`andn` take).
    fn folded_producer(&self, ty: Type, s: &OperandShape) -> Lowering {
        let mut l = Lowering::new();
        match s {
            OperandShape::FoldedShift { op, .. } => {
                l.push(mi(
                    &format!("{}{}", shift_name(*op), sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
            }
            OperandShape::FoldedExtend { signed, from } => {
                l.extend(extend(*signed, *from, ty));
            }
            OperandShape::FoldedMul => {
                l.push(mi(
                    &format!("imul{}", alu_sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
            }
            OperandShape::FoldedNot => {
                l.push(mi(&format!("not{}", alu_sfx(ty)), rr_bytes(ty)));
            }
            _ => {}
        }
        l
    }

    fn int_unary(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let mut l = Lowering::new();
        let narrow = ty.bits() < 32;
        let w = if ty == I64 {
            3
        } else if ty.bits() == 32 {
            2
        } else {
            3
        };
        match n.opcode {
            Opcode::Ineg => {
                l.push(mi(&format!("neg{}", sfx(ty)), w));
            }
            Opcode::Bnot => {
                l.push(mi(&format!("not{}", sfx(ty)), w));
            }
            Opcode::Iabs => {
                l.push(mi("movq", 3));
                l.push(mi(&format!("neg{}", sfx(ty)), w));
                l.push(mi(
                    &format!("cmovs{}", alu_sfx(ty)),
                    if ty == I64 { 4 } else { 3 },
                ));
            }
            Opcode::Clz => {
                // Narrow types are zero-extended to 64 bits, counted there,
                // and the excess subtracted.
                let wide = if narrow { I64 } else { ty };
                if narrow {
                    l.push(mi(
                        &format!("movz{}q", sfx(ty)),
                        if self.features.lzcnt { 5 } else { 3 },
                    ));
                }
                if self.features.lzcnt {
                    l.push(mi(&format!("lzcnt{}", sfx(wide)), 4 + (wide == I64) as u32));
                } else {
                    // bsr gives the index of the highest set bit (undefined
                    // for 0, hence the cmov of -1); clz = bits-1 - index.
                    let s = sfx(wide);
                    l.push(mi("movq", 7).off_path());
                    l.push(mi(&format!("bsr{s}"), 3 + (wide == I64) as u32));
                    l.push(mi(&format!("cmove{s}"), 4));
                    l.push(mi("movl", 6).off_path());
                    l.push(mi(&format!("sub{s}"), 3));
                }
                if narrow {
                    l.push(mi("subq", 4));
                }
            }
            Opcode::Ctz => {
                // Narrow types get a stop bit above their width.
                if narrow {
                    l.push(mi(
                        &format!("movz{}l", sfx(ty)),
                        if self.features.bmi1 || ty == I8 { 4 } else { 3 },
                    ));
                    l.push(mi("orl", 6));
                }
                let s = if narrow { "l" } else { sfx(ty) };
                if self.features.bmi1 {
                    l.push(mi(&format!("tzcnt{s}"), 4 + (ty == I64) as u32));
                } else {
                    // bsf is undefined for 0: cmov the width in.
                    l.push(mi("movl", 5).off_path());
                    // 64-bit needs REX.W; the narrow case's registers
                    // needed REX in the compiled cases.
                    let b = if ty == I64 || narrow { 4 } else { 3 };
                    l.push(mi(&format!("bsf{s}"), b));
                    l.push(mi(&format!("cmove{s}"), b));
                }
            }
            Opcode::Popcnt => {
                let popcnt = self.features.popcnt && self.features.sse42;
                if narrow {
                    l.push(mi(
                        &format!("movz{}l", sfx(ty)),
                        if ty == I8 && popcnt { 4 } else { 3 },
                    ));
                }
                if popcnt {
                    let s = if narrow { "l" } else { sfx(ty) };
                    l.push(mi(&format!("popcnt{s}"), 4 + (ty == I64) as u32));
                } else {
                    l.extend(popcnt_sequence(ty == I64));
                }
            }
            Opcode::Bswap => {
                if ty == I16 {
                    l.push(mi("rolw", 4));
                } else {
                    l.push(mi(&format!("bswap{}", sfx(ty)), 2 + (ty == I64) as u32));
                }
            }
            _ => {
                l.push(mi("unknown", 3));
                l.modelled = false;
            }
        }
        l
    }

    fn icmp(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let mut l = Lowering::new();
        let b = match n.operand(1) {
            OperandShape::Const(v) => ri_bytes(ty, *v).min(4),
            _ if ty.bits() == 32 => 2,
            _ => 3,
        };
        l.push(mi(&format!("cmp{}", sfx(ty)), b));
        l.push(mi("set", 4));
        if let Some(last) = l.insts.last_mut() {
            last.mnemonic = format!("set{}", setcc(n.cond));
        }
        l
    }

    /// The SSE mnemonic `base`, `v`-prefixed when AVX is on (Cranelift then
    /// emits the VEX form).
    fn sse(&self, base: &str) -> String {
        if self.features.avx {
            format!("v{base}")
        } else {
            base.to_string()
        }
    }

    /// Size of a packed-logic op (`xorps`, `andpd`, ...) on `ty`'s lanes: the
    /// legacy `ps` form has no prefix (3 bytes), `pd` a 0x66 (4); VEX is 4.
    fn logic_bytes(&self, ty: Type) -> u32 {
        if self.features.avx || ty != F32 {
            4
        } else {
            3
        }
    }

    /// `ucomiss`/`ucomisd` (or the VEX forms) for `ty`.
    fn ucomis(&self, ty: Type) -> MachInst {
        let s = if ty == F32 { "ss" } else { "sd" };
        mi(&self.sse(&format!("ucomi{s}")), self.logic_bytes(ty))
    }

    /// A zeroing `xorps`/`xorpd` (dependency-breaking, off the data path).
    fn xor_zero(&self, ty: Type) -> MachInst {
        let p = if ty == F32 { "ps" } else { "pd" };
        mi(&self.sse(&format!("xor{p}.zero")), self.logic_bytes(ty)).off_path()
    }

    /// Put the bit pattern of a `ty` constant in an XMM register through a
    /// GPR (`movl`/`movabsq` + `movd`/`movq`).
    fn fconst_via_gpr(&self, ty: Type, l: &mut Lowering) {
        if ty == F32 {
            l.push(mi("movl", 5).off_path());
            l.push(mi(&self.sse("movd.gx"), 4).off_path());
        } else {
            l.push(mi("movabsq", 10).off_path());
            l.push(mi(&self.sse("movq.gx"), 5).off_path());
        }
    }

    fn fcmp(&self, n: &NodeShape) -> Lowering {
        let mut l = Lowering::new();
        l.push(self.ucomis(n.ty));
        match n.cond {
            Some(Cond::Float(FloatCC::Equal)) | Some(Cond::Float(FloatCC::NotEqual)) => {
                l.push(mi("setnp", 4));
                l.push(mi("sete", 4));
                l.push(mi("andl", 3));
            }
            Some(Cond::Float(FloatCC::GreaterThanOrEqual | FloatCC::LessThanOrEqual)) => {
                l.push(mi("setae", 4));
            }
            _ => {
                l.push(mi("seta", 4));
            }
        }
        l
    }

    fn select(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let mut l = Lowering::new();
        let is_float = ty.is_float();
        match n.operand(0) {
            OperandShape::FoldedCmp(Cond::Int(_)) => {
                let cty = n
                    .arg_ty
                    .filter(|t| t.is_int() && t.bits() > 8)
                    .unwrap_or(ty);
                l.push(mi(
                    &format!("cmp{}", sfx(cty)),
                    if cty.bits() == 32 { 2 } else { 3 },
                ));
            }
            OperandShape::FoldedCmp(Cond::Float(_)) => {
                l.push(self.ucomis(ty));
            }
            _ => {
                l.push(mi("testb", 3));
            }
        }
        if is_float {
            l.push(mi("movss", 10));
        } else {
            l.push(mi(
                &format!("cmov{}", alu_sfx(ty)),
                if ty == I64 { 4 } else { 3 },
            ));
        }
        l
    }

    /// A call to a libm routine (`floor`, `fma`, ...), as Cranelift emits it
    /// when the ISA lacks the instruction: the address is materialised
    /// (`load_ext_name`, a `movabs`) and called. The call clobbers every
    /// caller-saved register; the calibration harness keeps one value (its
    /// store address) live across it, which costs a callee-saved register
    /// (frame adjust, save, restore) and two moves. That is charged here as
    /// the typical price of one live value; the callee's own work is not
    /// modelled.
    fn libcall(&self, l: &mut Lowering) {
        l.push(mi("subq", 4).off_path());
        l.push(mi("movq", 4).off_path());
        l.push(mi("movq", 3).off_path());
        l.push(mi("load_ext_name", 10).off_path());
        l.push(mi("call", 2));
        l.push(mi("movq", 3).off_path());
        l.push(mi("movq", 4).off_path());
        l.push(mi("addq", 4).off_path());
    }

    fn float(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let s = if ty == F32 { "ss" } else { "sd" };
        let p = if ty == F32 { "ps" } else { "pd" };
        let lb = self.logic_bytes(ty);
        let mut l = Lowering::new();
        let fconst_operand = n
            .operands
            .iter()
            .any(|o| matches!(o, OperandShape::FConst(_)));
        match n.opcode {
            Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv => {
                let b = match n.opcode {
                    Opcode::Fadd => "add",
                    Opcode::Fsub => "sub",
                    Opcode::Fmul => "mul",
                    _ => "div",
                };
                // Both the legacy (F3/F2 0F xx) and the VEX encodings are 4
                // bytes, 8 with a RIP-relative constant.
                if fconst_operand {
                    l.push(mi(&self.sse(&format!("{b}{s}")), 8));
                    l.extra_bytes += POOL_XMM_BYTES;
                } else {
                    l.push(mi(&self.sse(&format!("{b}{s}")), 4));
                }
            }
            Opcode::Fmin | Opcode::Fmax => {
                l.push(mi("xmm_min_max_seq", if ty == F32 { 37 } else { 39 }));
            }
            Opcode::Fcopysign => {
                if self.features.avx {
                    self.fconst_via_gpr(ty, &mut l);
                    l.push(mi(&format!("vandn{p}"), 4));
                    l.push(mi(&format!("vand{p}"), 4));
                    l.push(mi(&format!("vor{p}"), 4));
                } else {
                    // Destructive two-operand forms: three register copies.
                    l.push(mi("movdqa", 4));
                    self.fconst_via_gpr(ty, &mut l);
                    l.push(mi("movdqa", 4).off_path());
                    l.push(mi("movdqa", 4).off_path());
                    l.push(mi(&format!("andn{p}"), lb));
                    l.push(mi(&format!("and{p}"), lb).off_path());
                    l.push(mi(&format!("or{p}"), lb));
                }
            }
            Opcode::Sqrt => {
                l.push(self.xor_zero(ty));
                l.push(mi(&self.sse(&format!("sqrt{s}")), 4));
            }
            Opcode::Fneg | Opcode::Fabs => {
                self.fconst_via_gpr(ty, &mut l);
                let b = if n.opcode == Opcode::Fneg {
                    "xor"
                } else {
                    "and"
                };
                l.push(mi(&self.sse(&format!("{b}{p}")), lb));
            }
            Opcode::Floor | Opcode::Ceil | Opcode::Trunc | Opcode::Nearest => {
                if self.features.sse41 {
                    l.push(self.xor_zero(ty));
                    l.push(mi(&self.sse(&format!("round{s}")), 6));
                } else {
                    self.libcall(&mut l);
                }
            }
            Opcode::Fma => {
                if self.features.fma && self.features.avx {
                    l.push(mi(&format!("vfmadd213{s}"), 5));
                } else {
                    self.libcall(&mut l);
                }
            }
            Opcode::Fpromote => {
                l.push(self.xor_zero(types::F64));
                l.push(mi(&self.sse("cvtss2sd"), 4));
            }
            Opcode::Fdemote => {
                l.push(self.xor_zero(F32));
                l.push(mi(&self.sse("cvtsd2ss"), 4));
            }
            Opcode::F32const | Opcode::F64const => {
                let bits = n.imm.unwrap_or(0) as u64;
                if bits == 0 {
                    l.push(self.xor_zero(ty));
                } else {
                    self.fconst_via_gpr(ty, &mut l);
                }
            }
            _ => {
                l.push(mi("unknown", 4));
                l.modelled = false;
            }
        }
        l
    }
}

/// Cranelift's population count without POPCNT (`lower.isle`, rule
/// `popcnt` at priority -1): three rounds of `x -= (t >>= 1) & 0x77..`, a
/// nibble fold, a byte mask and a multiply by `0x0101..` that sums the bytes
/// into the top one. 17 instructions (19 for 64-bit, whose masks need
/// `movabs`). Sizes are those of the compiled calibration cases.
fn popcnt_sequence(wide: bool) -> Lowering {
    let mut l = Lowering::new();
    if wide {
        let seq: [(&str, u32, bool); 19] = [
            ("movq", 3, true),
            ("shrq", 3, true),
            ("movabsq", 10, false),
            ("andq", 3, true),
            ("subq", 3, true),
            ("shrq", 3, true),
            ("andq", 3, true),
            ("subq", 3, true),
            ("shrq", 3, true),
            ("andq", 3, true),
            ("subq", 3, true),
            ("movq", 3, true),
            ("shrq", 4, true),
            ("addq", 3, true),
            ("movabsq", 10, false),
            ("andq", 3, true),
            ("movabsq", 10, false),
            ("imulq", 4, true),
            ("shrq", 4, true),
        ];
        for (m, b, on) in seq {
            l.push(if on { mi(m, b) } else { mi(m, b).off_path() });
        }
    } else {
        let seq: [(&str, u32, bool); 17] = [
            ("movq", 3, true),
            ("shrl", 3, true),
            ("movl", 5, false),
            ("andl", 3, true),
            ("subl", 3, true),
            ("shrl", 2, true),
            ("andl", 3, true),
            ("subl", 3, true),
            ("shrl", 2, true),
            ("andl", 3, true),
            ("subl", 3, true),
            ("movq", 3, true),
            ("shrl", 3, true),
            ("addl", 2, true),
            ("andl", 5, true),
            ("imull", 6, true),
            ("shrl", 3, true),
        ];
        for (m, b, on) in seq {
            l.push(if on { mi(m, b) } else { mi(m, b).off_path() });
        }
    }
    l
}

fn base_name(op: Opcode) -> &'static str {
    match op {
        Opcode::Iadd => "add",
        Opcode::Isub => "sub",
        Opcode::Band => "and",
        Opcode::Bor => "or",
        Opcode::Bxor => "xor",
        _ => "op",
    }
}

fn shift_name(op: Opcode) -> &'static str {
    match op {
        Opcode::Ishl => "shl",
        Opcode::Ushr => "shr",
        Opcode::Sshr => "sar",
        Opcode::Rotl => "rol",
        _ => "ror",
    }
}

fn setcc(c: Option<Cond>) -> &'static str {
    use cranelift_codegen::ir::condcodes::IntCC::*;
    match c {
        Some(Cond::Int(Equal)) => "e",
        Some(Cond::Int(NotEqual)) => "ne",
        Some(Cond::Int(SignedLessThan)) => "l",
        Some(Cond::Int(SignedGreaterThanOrEqual)) => "ge",
        Some(Cond::Int(SignedGreaterThan)) => "g",
        Some(Cond::Int(SignedLessThanOrEqual)) => "le",
        Some(Cond::Int(UnsignedLessThan)) => "b",
        Some(Cond::Int(UnsignedGreaterThanOrEqual)) => "ae",
        Some(Cond::Int(UnsignedGreaterThan)) => "a",
        Some(Cond::Int(UnsignedLessThanOrEqual)) => "be",
        _ => "e",
    }
}

/// `uextend`/`sextend` from `from` to `to`.
fn extend(signed: bool, from: Type, to: Type) -> Lowering {
    let mut l = Lowering::new();
    let (mn, b) = match (signed, from.bits(), to.bits()) {
        (false, 32, 64) => ("movl".to_string(), 2),
        (true, 32, 64) => ("movslq".to_string(), 3),
        (s, f, t) => {
            let d = if t == 64 { "q" } else { "l" };
            let src = if f == 8 { "b" } else { "w" };
            let b = if t == 64 || f == 8 { 4 } else { 3 };
            (format!("mov{}{src}{d}", if s { "s" } else { "z" }), b)
        }
    };
    l.push(mi(&mn, b));
    l
}

impl CostModel for X86_64 {
    fn target(&self) -> Target {
        Target::X86_64
    }

    fn isa(&self, opt_level: &str) -> anyhow::Result<cranelift_codegen::isa::OwnedTargetIsa> {
        if self.features == X86Features::BASELINE {
            crate::isa::build(Target::X86_64, opt_level)
        } else {
            crate::isa::build_x86(opt_level, self.features)
        }
    }

    fn lower(&self, n: &NodeShape) -> Lowering {
        match n.opcode {
            Opcode::Iconst => iconst(n.ty, n.imm.unwrap_or(0)),
            Opcode::Iadd
            | Opcode::Isub
            | Opcode::Imul
            | Opcode::Band
            | Opcode::Bor
            | Opcode::Bxor
            | Opcode::Ishl
            | Opcode::Ushr
            | Opcode::Sshr
            | Opcode::Rotl
            | Opcode::Rotr
            | Opcode::Udiv
            | Opcode::Sdiv
            | Opcode::Urem
            | Opcode::Srem
            | Opcode::Umulhi
            | Opcode::Smulhi
            | Opcode::Smin
            | Opcode::Smax
            | Opcode::Umin
            | Opcode::Umax => self.int_binary(n),
            Opcode::Ineg
            | Opcode::Bnot
            | Opcode::Iabs
            | Opcode::Clz
            | Opcode::Ctz
            | Opcode::Popcnt
            | Opcode::Bswap => self.int_unary(n),
            Opcode::Icmp => self.icmp(n),
            Opcode::Fcmp => self.fcmp(n),
            Opcode::Select => self.select(n),
            Opcode::Uextend | Opcode::Sextend => {
                extend(n.opcode == Opcode::Sextend, n.first_arg_type(), n.ty)
            }
            Opcode::Ireduce => Lowering::new(),
            Opcode::Bitcast => {
                let mut l = Lowering::new();
                let w = n.ty.bits().max(n.first_arg_type().bits());
                // GPR→XMM when the result is a float, XMM→GPR otherwise.
                let dir = if n.ty.is_float() { "gx" } else { "xg" };
                let m = if w == 64 { "movq" } else { "movd" };
                l.push(mi(
                    &self.sse(&format!("{m}.{dir}")),
                    if w == 64 { 5 } else { 4 },
                ));
                l
            }
            Opcode::FcvtFromSint => {
                let mut l = Lowering::new();
                let s = if n.ty == F32 { "ss" } else { "sd" };
                let isf = if n.first_arg_type() == I64 { "q" } else { "l" };
                l.push(self.xor_zero(n.ty));
                l.push(mi(
                    &self.sse(&format!("cvtsi2{s}{isf}")),
                    4 + (n.first_arg_type() == I64) as u32,
                ));
                l
            }
            Opcode::FcvtToSintSat => {
                let mut l = Lowering::new();
                let b = match (n.first_arg_type() == F32, n.ty == I32) {
                    (true, true) => 51,
                    (true, false) => 55,
                    (false, true) => 53,
                    (false, false) => 57,
                };
                l.push(mi("cvt_float_to_sint_sat_seq", b));
                l
            }
            _ if n.ty.is_float() => self.float(n),
            _ => {
                let mut l = Lowering::new();
                l.push(mi("unknown", 3));
                l.modelled = false;
                l
            }
        }
    }

    fn may_fold(&self, consumer: Opcode, producer: Opcode) -> bool {
        use Opcode::*;
        match (consumer, producer) {
            (Iadd, Ishl | Iadd) | (Select, Icmp | Fcmp) => true,
            (Band, Bnot) => self.features.bmi1,
            _ => false,
        }
    }

    fn fold(&self, consumer: &NodeShape, idx: usize, operand: &NodeShape) -> Option<OperandShape> {
        let ty = consumer.ty;
        let other_free = consumer
            .operands
            .iter()
            .enumerate()
            .all(|(i, o)| i == idx || matches!(o, OperandShape::Reg | OperandShape::Const(_)));
        match (consumer.opcode, operand.opcode) {
            // lea base + index*scale.
            (Opcode::Iadd, Opcode::Ishl) if ty.bits() >= 32 && other_free => match operand
                .operand(1)
            {
                OperandShape::Const(k) if (1..=3).contains(k) => Some(OperandShape::FoldedShift {
                    op: Opcode::Ishl,
                    amount: *k as u8,
                }),
                _ => None,
            },
            // lea base + index + disp: iadd(x, iadd(y, c)).
            (Opcode::Iadd, Opcode::Iadd) if ty.bits() >= 32 && other_free => {
                match operand.operand(1) {
                    OperandShape::Const(c) if simm32(*c, ty) => {
                        Some(OperandShape::FoldedAddImm(*c))
                    }
                    _ => None,
                }
            }
            // BMI1 andn.
            (Opcode::Band, Opcode::Bnot) if ty.bits() >= 32 && other_free && self.features.bmi1 => {
                Some(OperandShape::FoldedNot)
            }
            // select of a compare: cmp + cmov.
            (Opcode::Select, Opcode::Icmp) if idx == 0 => {
                Some(OperandShape::FoldedCmp(operand.cond.unwrap_or(Cond::Int(
                    cranelift_codegen::ir::condcodes::IntCC::Equal,
                ))))
            }
            (Opcode::Select, Opcode::Fcmp) if idx == 0 => Some(OperandShape::FoldedCmp(
                operand.cond.unwrap_or(Cond::Float(FloatCC::Equal)),
            )),
            _ => None,
        }
    }
}
