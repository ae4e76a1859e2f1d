//! The x86-64 cost model: what Cranelift 0.135's `x64` backend (with the
//! `skylake` preset: BMI1/2, LZCNT, POPCNT, AVX2, FMA) emits for each node
//! shape, with Intel Skylake latencies and throughputs.
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
//! * `band(x, bnot(y))` is BMI1 `andn`; no other `bnot` fuses.
//! * Shifts and rotates by a register on 8/16-bit types (and rotates on all
//!   types) need the count in `%cl`; 32/64-bit shifts use BMI2 `shlx`.
//! * Division needs `%rax`/`%rdx`; signed division checks for overflow.
//! * No `imul`+`iadd` fusion exists on x86-64.

use crate::cost::{CostModel, Lowering, MachInst};
use crate::shape::{Cond, NodeShape, OperandShape};
use crate::target::Target;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::{F32, I16, I32, I64, I8};
use cranelift_codegen::ir::{Opcode, Type};

/// The x86-64 cost model (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct X86_64;

/// Bytes of a RIP-relative constant-pool entry for a 64-bit integer constant
/// (8) plus the expected alignment padding (half the 8-byte alignment).
const POOL_I64_BYTES: u32 = 12;
/// Bytes of an XMM constant-pool entry (16) plus expected padding (half the
/// 16-byte alignment).
const POOL_XMM_BYTES: u32 = 24;

/// Skylake latency and reciprocal throughput for a mnemonic, by class.
/// Figures: Agner Fog, *Instruction tables* (Skylake), and uops.info; see
/// [`crate::sources`].
pub fn timing(mnemonic: &str) -> (f32, f32) {
    let m = mnemonic;
    match m {
        // Simple integer ALU, moves, extensions: 1 cycle, 4 ALU ports.
        _ if m.starts_with("add")
            || m.starts_with("sub")
            || m.starts_with("and") && !m.starts_with("andn") && !m.starts_with("andp")
            || m.starts_with("or") && !m.starts_with("orp")
            || m.starts_with("xor") && !m.starts_with("xorp")
            || m.starts_with("neg")
            || m.starts_with("not")
            || m.starts_with("cmp") && !m.starts_with("cmov")
            || m.starts_with("test")
            || m.starts_with("movz")
            || m.starts_with("movs") && !m.starts_with("movss") && !m.starts_with("movsd")
            || m == "movl"
            || m == "movq"
            || m == "movabsq" =>
        {
            (1.0, 0.25)
        }
        // lea with one or two components: 1 cycle, ports 1 and 5.
        "leal" | "leaq" => (1.0, 0.5),
        _ if m.starts_with("set") || m.starts_with("cmov") => (1.0, 0.5),
        "cbtw" | "cwtd" | "cltd" | "cqto" => (1.0, 0.5),
        "jz" => (1.0, 0.5),
        _ if m.starts_with("shlx") || m.starts_with("shrx") || m.starts_with("sarx") => (1.0, 0.5),
        "rorxl" | "rorxq" => (1.0, 0.5),
        // Shift/rotate by immediate: ports 0 and 6.
        "shlb" | "shlw" | "shll" | "shlq" | "shrb" | "shrw" | "shrl" | "shrq" | "sarb" | "sarw"
        | "sarl" | "sarq" | "rolb" | "rolw" | "roll" | "rolq" | "rorb" | "rorw" | "rorl"
        | "rorq" => (1.0, 0.5),
        "andnl" | "andnq" => (1.0, 0.5),
        // Multiplies: 3 cycles, port 1.
        "imulw" | "imull" | "imulq" | "imulb" | "mulb" => (3.0, 1.0),
        "mulw" => (4.0, 2.0),
        "mulxl" | "mulxq" => (4.0, 1.0),
        // Division (Agner Fog, Skylake; data-dependent, lower bound).
        "divb" | "divw" => (23.0, 6.0),
        "divl" => (26.0, 6.0),
        "divq" => (35.0, 21.0),
        "idivb" | "idivw" => (24.0, 6.0),
        "idivl" => (26.0, 6.0),
        "idivq" => (42.0, 24.0),
        // srem pseudo-sequence: cmp/jcc around an idiv.
        "checked_srem_seq" => (44.0, 25.0),
        // Bit counting: 3 cycles, port 1.
        "lzcntl" | "lzcntq" | "tzcntl" | "tzcntq" | "popcntl" | "popcntq" => (3.0, 1.0),
        "bswapl" => (1.0, 0.5),
        "bswapq" => (2.0, 1.0),
        // SSE/AVX scalar floating point.
        "vaddss" | "vaddsd" | "vsubss" | "vsubsd" | "vmulss" | "vmulsd" => (4.0, 0.5),
        "vfmadd213ss" | "vfmadd213sd" => (4.0, 0.5),
        "vdivss" => (11.0, 3.0),
        "vdivsd" => (14.0, 4.0),
        "vsqrtss" => (12.0, 3.0),
        "vsqrtsd" => (16.0, 6.0),
        "vroundss" | "vroundsd" => (8.0, 1.0),
        "vxorps" | "vxorpd" | "vandps" | "vandpd" | "vandnps" | "vandnpd" | "vorps" | "vorpd" => {
            (1.0, 0.33)
        }
        "vucomiss" | "vucomisd" => (3.0, 1.0),
        "vcvtsi2ssl" | "vcvtsi2ssq" | "vcvtsi2sdl" | "vcvtsi2sdq" => (5.0, 1.0),
        "vcvtss2sd" | "vcvtsd2ss" => (5.0, 1.0),
        "vmovd" | "vmovq" => (2.0, 1.0),
        // Pseudo-sequences, summed from their parts.
        "xmm_min_max_seq" => (8.0, 2.0),
        "movss" => (2.0, 1.0),
        "cvt_float_to_sint_sat_seq" => (10.0, 3.0),
        _ => (1.0, 0.5),
    }
}

fn mi(mn: &str, bytes: u32) -> MachInst {
    let (l, t) = timing(mn);
    MachInst::new(mn, bytes, l, t)
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
        mi(if ty == I64 { "xorq" } else { "xorl" }, rr_bytes(ty))
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
                if op == Opcode::Band && matches!(s, OperandShape::FoldedNot) {
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
                    l.push(mi("imulw", if (-128..128).contains(&s) { 4 } else { 5 }));
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
                if matches!(op, Opcode::Rotl | Opcode::Rotr) && !narrow {
                    l.push(mi(&format!("rorx{}", sfx(ty)), 6));
                } else {
                    l.push(mi(
                        &format!("{b}{}", sfx(ty)),
                        if ty.bits() == 32 { 3 } else { 4 },
                    ));
                }
            }
            (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr, _, _) if !narrow => {
                let b = match op {
                    Opcode::Ishl => "shlx",
                    Opcode::Ushr => "shrx",
                    _ => "sarx",
                };
                l.push(mi(&format!("{b}{}", sfx(ty)), 5));
            }
            (Opcode::Ishl | Opcode::Ushr | Opcode::Sshr | Opcode::Rotl | Opcode::Rotr, _, _) => {
                // Count into %cl (masked for narrow types), value moved into
                // place, shift, result moved out.
                let b = shift_name(op);
                if narrow {
                    l.push(mi("movq", 3));
                    l.push(mi("movq", 3));
                    l.push(mi("andq", 4));
                    l.push(mi(&format!("{b}{}", sfx(ty)), 3));
                    l.push(mi("movq", 3));
                } else {
                    l.push(mi("movq", 3));
                    l.push(mi(
                        &format!("{b}{}", sfx(ty)),
                        if ty == I64 { 3 } else { 2 },
                    ));
                    l.push(mi("movq", 3));
                    l.push(mi("movq", 3));
                    l.push(mi("movq", 3));
                }
            }
            (Opcode::Udiv | Opcode::Urem, _, _) => {
                if ty == I8 {
                    l.push(mi("movzbl", 4));
                    l.push(mi("divb", 3));
                    if op == Opcode::Urem {
                        l.push(mi("shrq", 4));
                    }
                } else {
                    l.push(mi("xorq", 3));
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
                        l.push(mi(if signed { "imulw" } else { "mulw" }, 3));
                    }
                    32 => {
                        l.push(mi("movq", 3));
                        l.push(if signed {
                            mi("imull", 2)
                        } else {
                            mi("mulxl", 5)
                        });
                    }
                    _ => {
                        l.push(if signed {
                            mi("imulq", 3)
                        } else {
                            mi("mulxq", 5)
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
                if narrow {
                    l.push(mi(&format!("movz{}q", sfx(ty)), 5));
                    l.push(mi("lzcntq", 5));
                    l.push(mi("subq", 4));
                } else {
                    l.push(mi(&format!("lzcnt{}", sfx(ty)), 4 + (ty == I64) as u32));
                }
            }
            Opcode::Ctz => {
                if narrow {
                    l.push(mi(&format!("movz{}l", sfx(ty)), 4));
                    l.push(mi("orl", 6));
                    l.push(mi("tzcntl", 4));
                } else {
                    l.push(mi(&format!("tzcnt{}", sfx(ty)), 4 + (ty == I64) as u32));
                }
            }
            Opcode::Popcnt => {
                if narrow {
                    l.push(mi(
                        &format!("movz{}l", sfx(ty)),
                        if ty == I8 { 4 } else { 3 },
                    ));
                    l.push(mi("popcntl", 4));
                } else {
                    l.push(mi(&format!("popcnt{}", sfx(ty)), 4 + (ty == I64) as u32));
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

    fn fcmp(&self, n: &NodeShape) -> Lowering {
        let s = if n.ty == F32 { "ss" } else { "sd" };
        let mut l = Lowering::new();
        l.push(mi(&format!("vucomi{s}"), 4));
        match n.cond {
            Some(Cond::Float(FloatCC::Equal)) | Some(Cond::Float(FloatCC::NotEqual)) => {
                l.push(mi("setnp", 4));
                l.push(mi("sete", 4));
                l.push(mi("andl", 3));
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
                let s = if ty == F32 { "ss" } else { "sd" };
                l.push(mi(&format!("vucomi{s}"), 4));
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

    fn float(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let s = if ty == F32 { "ss" } else { "sd" };
        let p = if ty == F32 { "ps" } else { "pd" };
        let mut l = Lowering::new();
        let fconst_operand = n
            .operands
            .iter()
            .any(|o| matches!(o, OperandShape::FConst(_)));
        match n.opcode {
            Opcode::Fadd | Opcode::Fsub | Opcode::Fmul | Opcode::Fdiv => {
                let b = match n.opcode {
                    Opcode::Fadd => "vadd",
                    Opcode::Fsub => "vsub",
                    Opcode::Fmul => "vmul",
                    _ => "vdiv",
                };
                if fconst_operand {
                    l.push(mi(&format!("{b}{s}"), 8));
                    l.extra_bytes += POOL_XMM_BYTES;
                } else {
                    l.push(mi(&format!("{b}{s}"), 4));
                }
            }
            Opcode::Fmin | Opcode::Fmax => {
                l.push(mi("xmm_min_max_seq", if ty == F32 { 37 } else { 39 }));
            }
            Opcode::Fcopysign => {
                if ty == F32 {
                    l.push(mi("movl", 5).off_path());
                    l.push(mi("vmovd", 4).off_path());
                } else {
                    l.push(mi("movabsq", 10).off_path());
                    l.push(mi("vmovq", 5).off_path());
                }
                l.push(mi(&format!("vandn{p}"), 4));
                l.push(mi(&format!("vand{p}"), 4));
                l.push(mi(&format!("vor{p}"), 4));
            }
            Opcode::Sqrt => {
                l.push(mi(&format!("vxor{p}"), 4).off_path());
                l.push(mi(&format!("vsqrt{s}"), 4));
            }
            Opcode::Fneg | Opcode::Fabs => {
                if ty == F32 {
                    l.push(mi("movl", 5).off_path());
                    l.push(mi("vmovd", 4).off_path());
                } else {
                    l.push(mi("movabsq", 10).off_path());
                    l.push(mi("vmovq", 5).off_path());
                }
                let b = if n.opcode == Opcode::Fneg {
                    "vxor"
                } else {
                    "vand"
                };
                l.push(mi(&format!("{b}{p}"), 4));
            }
            Opcode::Floor | Opcode::Ceil | Opcode::Trunc | Opcode::Nearest => {
                l.push(mi(&format!("vxor{p}"), 4).off_path());
                l.push(mi(&format!("vround{s}"), 6));
            }
            Opcode::Fma => {
                l.push(mi(&format!("vfmadd213{s}"), 5));
            }
            Opcode::Fpromote => {
                l.push(mi("vxorpd", 4).off_path());
                l.push(mi("vcvtss2sd", 4));
            }
            Opcode::Fdemote => {
                l.push(mi("vxorps", 4).off_path());
                l.push(mi("vcvtsd2ss", 4));
            }
            Opcode::F32const | Opcode::F64const => {
                let bits = n.imm.unwrap_or(0) as u64;
                if bits == 0 {
                    l.push(mi(&format!("vxor{p}"), 4).off_path());
                } else if ty == F32 {
                    l.push(mi("movl", 5).off_path());
                    l.push(mi("vmovd", 4).off_path());
                } else {
                    l.push(mi("movabsq", 10).off_path());
                    l.push(mi("vmovq", 5).off_path());
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
                l.push(mi(
                    if w == 64 { "vmovq" } else { "vmovd" },
                    if w == 64 { 5 } else { 4 },
                ));
                l
            }
            Opcode::FcvtFromSint => {
                let mut l = Lowering::new();
                let p = if n.ty == F32 { "ps" } else { "pd" };
                let s = if n.ty == F32 { "ss" } else { "sd" };
                let isf = if n.first_arg_type() == I64 { "q" } else { "l" };
                l.push(mi(&format!("vxor{p}"), 4).off_path());
                l.push(mi(
                    &format!("vcvtsi2{s}{isf}"),
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
            (Opcode::Band, Opcode::Bnot) if ty.bits() >= 32 && other_free => {
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
