//! The aarch64 cost model: what Cranelift 0.135's `aarch64` backend emits
//! for each node shape, with Arm Neoverse N1 latencies and throughputs.
//!
//! The instruction sequences follow `cranelift-codegen/src/isa/aarch64/
//! lower.isle` and `inst.isle` and are checked by [`crate::calibrate`].
//! Highlights:
//!
//! * Every instruction is 4 bytes.
//! * `iadd`/`isub` take a 12-bit unsigned immediate, optionally shifted left
//!   by 12; if the *negated* constant fits, the opposite op is used.
//! * `band`/`bor`/`bxor` take a *logical immediate* (a rotated run of ones,
//!   replicated); anything else is materialised.
//! * Constants are materialised with `movz`/`movn`, a logical-immediate
//!   `orr`, or `movz`/`movn` + up to three `movk` (Cranelift's
//!   `load_constant_full` chooses the shorter of the `movz` and `movn`
//!   starts).
//! * Fusions: `iadd`/`isub` + `imul` → `madd`/`msub`; ALU op + `ishl` by a
//!   constant → shifted-register operand (only `lsl`; `ushr`/`sshr` operands
//!   are not folded); `iadd`/`isub` + `uextend`/`sextend` → extended-register
//!   operand; `band`/`bor`/`bxor` + `bnot` → `bic`/`orn`/`eon`;
//!   `select` + `icmp`/`fcmp` → `cmp` + `csel`/`fcsel`.
//! * 8- and 16-bit operations that depend on the high bits (right shifts,
//!   division, comparison, min/max) first extend their operands.

use crate::cost::{CostModel, Lowering, MachInst};
use crate::shape::{Cond, NodeShape, OperandShape};
use crate::target::Target;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, I16, I32, I64, I8};
use cranelift_codegen::ir::{Opcode, Type};

/// The aarch64 cost model (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Aarch64;

/// Neoverse N1 latency and reciprocal throughput (cycles) for a mnemonic,
/// plus operand-form qualifiers this model uses where the figures differ
/// (`add.lsl` is an add with an LSL ≤ 4 shifted-register operand,
/// `add.lsl.m` with any other shift, `add.ext` with an extended register;
/// `.w`/`.x` the 32/64-bit form; `.s`/`.d` the single/double form).
///
/// Every figure is LLVM's Neoverse N1 scheduling model,
/// `llvm/lib/Target/AArch64/AArch64SchedNeoverseN1.td` (llvm/llvm-project),
/// which cites the *Arm Neoverse N1 Software Optimization Guide*; the record
/// is named on each arm. Reciprocal throughput is the busiest resource's
/// cycles over its unit count: the integer group `N1UnitI` has 3 units (two
/// S and one M), `N1UnitM` 1, `N1UnitV` 2 (V0, V1), `N1UnitL` 2, `N1UnitB`
/// 1. See [`crate::sources`].
pub fn timing(mnemonic: &str) -> (f32, f32) {
    const I: f32 = 1.0 / 3.0;
    match mnemonic {
        // WriteI / WriteImm / WriteIS = N1Write_1c_1I: ALU basic (+flagset),
        // logical basic, conditional select/compare, count leading, reverse,
        // move immediate, bitfield move (UBFM/SBFM: uxt*/sxt*/lsl/lsr/asr
        // immediate), variable shift.
        "add" | "sub" | "and" | "orr" | "eor" | "orn" | "bic" | "eon" | "adds" | "subs"
        | "ands" | "movz" | "movn" | "movk" | "mov" | "csel" | "cset" | "csneg" | "ccmp"
        | "lsl" | "lsr" | "asr" | "uxtb" | "uxth" | "sxtb" | "sxth" | "sxtw" | "clz" | "rbit"
        | "rev16" | "rev32" | "rev64" => (1.0, I),
        // N1WriteISReg: IsCheapLSL (LSL ≤ 4) → N1Write_1c_1I; other shifts →
        // N1Write_2c_1M. Logical, shift, no flagset → N1Write_1c_1I.
        "add.lsl" | "sub.lsl" | "and.lsl" | "orr.lsl" | "eor.lsl" => (1.0, I),
        "add.lsl.m" | "sub.lsl.m" => (2.0, 1.0),
        // WriteIEReg = N1Write_2c_1M (ALU, extend and shift).
        "add.ext" | "sub.ext" => (2.0, 1.0),
        // N1WriteExtr: the ROR-immediate idiom is N1Write_1c_1I. Cranelift
        // prints both `ror #imm` and `rorv` as `extr`; RORV is a variable
        // shift (WriteIS, N1Write_1c_1I).
        "extr.ror" => (1.0, I),
        // WriteIM32 = N1Write_2c_1M; WriteIM64 = N1Write_4c3_1M.
        "madd.w" | "msub.w" => (2.0, 1.0),
        "madd.x" | "msub.x" => (4.0, 3.0),
        // SMULHrr/UMULHrr: N1Write_5c3_1M.
        "umulh" | "smulh" => (5.0, 3.0),
        // WriteID32 = N1Write_12c5_1M; WriteID64 = N1Write_20c5_1M.
        "udiv.w" | "sdiv.w" => (12.0, 5.0),
        "udiv.x" | "sdiv.x" => (20.0, 5.0),
        // WriteBr / compare and branch: N1Write_1c_1B.
        "cbz" | "b.vs" => (1.0, 1.0),
        // WriteF = N1Write_2c_1V: FP abs, arith, min/max, negate, select;
        // FMOV register.
        "fadd" | "fsub" | "fabs" | "fneg" | "fmin" | "fmax" | "fcsel" => (2.0, 0.5),
        // WriteFMul = N1Write_3c_1V.
        "fmul" => (3.0, 0.5),
        // FN?M(ADD|SUB)[HSD]rrr: N1Write_4c_1V.
        "fmadd" => (4.0, 0.5),
        // FDIVSrr/FSQRTSr: N1Write_10c7_1V0; FDIVDrr: N1Write_15c7_1V0;
        // FSQRTDr: N1Write_17c7_1V0.
        "fdiv.s" | "fsqrt.s" => (10.0, 7.0),
        "fdiv.d" => (15.0, 7.0),
        "fsqrt.d" => (17.0, 7.0),
        // FRINT[AIMNPXZ][HSD]r: N1Write_3c_1V0.
        "frintm" | "frintp" | "frintz" | "frintn" => (3.0, 1.0),
        // WriteFCmp = N1Write_2c_1V0.
        "fcmp" => (2.0, 1.0),
        // WriteFCvt = N1Write_3c_1V (FP convert, vec to vec).
        "fcvt" => (3.0, 0.5),
        // [SU]CVTF[SU][WX][HSD]ri: N1Write_6c_1M_1V0.
        "scvtf" => (6.0, 1.0),
        // FCVT[AMNPZ][SU][SU][WX][HSD]r: N1Write_4c_1V0_1V1.
        "fcvtzs" => (4.0, 1.0),
        // FMOVWSr/FMOVXDr (general to FP): N1Write_3c_1M.
        "fmov.from_gpr" => (3.0, 1.0),
        // WriteFCopy = N1Write_2c_1V1 (FP transfer, vec to general).
        "fmov.to_gpr" => (2.0, 1.0),
        // WriteFImm = N1Write_2c_1V (FP move, immediate).
        "fmov.imm" => (2.0, 0.5),
        // ASIMD move, integer immediate / ASIMD count / ASIMD arith pairwise:
        // WriteVd = N1Write_2c_1V.
        "movi" | "cnt" | "addp" => (2.0, 0.5),
        // LDR[SDQ]l (load vector reg, literal): N1Write_5c_1L.
        "ldr" => (5.0, 0.5),
        // ADDVv8i8v (ASIMD arith, reduce, 8B): N1Write_5c_1V1_1V.
        "addv" => (5.0, 1.0),
        // UMOVvi* (ASIMD transfer, element to general): N1Write_2c_1V1.
        // `mov w, v.s[0]` is an UMOV alias.
        "umov" | "mov.from_vec" => (2.0, 1.0),
        // [SU]SHRv / S[LR]Iv (ASIMD shift by immediate, basic / and insert):
        // N1Write_2c_1V1.
        "ushr" | "sli" => (2.0, 1.0),
        // Anything else the model emits is a basic integer op.
        _ => (1.0, I),
    }
}

fn mi(mn: &str) -> MachInst {
    let (l, t) = timing(mn);
    let base = mn.split('.').next().unwrap_or(mn);
    let base = if mn == "b.vs" { mn } else { base };
    MachInst::new(base, 4, l, t)
}

/// `base` with the `.w`/`.x` width qualifier of `ty` (32-bit and narrower
/// integer operations use W registers).
fn wx(base: &str, ty: Type) -> String {
    format!("{base}.{}", if ty.bits() > 32 { "x" } else { "w" })
}

fn mask(ty: Type, v: i64) -> u64 {
    if ty.bits() >= 64 {
        v as u64
    } else {
        (v as u64) & ((1u64 << ty.bits()) - 1)
    }
}

fn sext(ty: Type, v: i64) -> i64 {
    let b = ty.bits();
    if b >= 64 {
        v
    } else {
        (v << (64 - b)) >> (64 - b)
    }
}

/// Does `n` fit an `add`/`sub` immediate (12 bits, optionally `lsl #12`)?
pub fn imm12(n: u64) -> bool {
    n < 0x1000 || (n & 0xfff == 0 && n < 0x100_0000)
}

/// Is `value` a logical immediate for a `bits`-wide operation (a rotated run
/// of ones, replicated with period 2, 4, .., `bits`)?
pub fn logical_imm(value: u64, bits: u32) -> bool {
    let v = if bits == 32 {
        let v = value & 0xffff_ffff;
        v | (v << 32)
    } else {
        value
    };
    if v == 0 || v == u64::MAX {
        return false;
    }
    let mut size = 64u32;
    while size > 2 {
        let half = size / 2;
        let m = (1u64 << half) - 1;
        if (v & m) != ((v >> half) & m) {
            break;
        }
        size = half;
    }
    let m = if size == 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    };
    let e = v & m;
    // e must be a rotation of a contiguous run of ones within `size` bits.
    (0..size).any(|r| {
        let rot = if r == 0 {
            e
        } else {
            ((e >> r) | (e << (size - r))) & m
        };
        rot != 0 && rot != m && (rot & (rot + 1)) == 0
    })
}

/// Instructions Cranelift's `imm` uses to put constant `v` of `ty` in a
/// register (zero-extended): `movz`, `movn`, `orr` (logical immediate) or
/// `load_constant_full`.
pub fn materialise(ty: Type, v: i64) -> Vec<&'static str> {
    let k = mask(ty, v);
    let bits = ty.bits();
    let chunks = bits.div_ceil(16);
    let single = |x: u64| {
        (0..chunks)
            .filter(|i| (x >> (16 * i)) & 0xffff != 0)
            .count()
            <= 1
    };
    if single(k) {
        return vec!["movz"];
    }
    if bits >= 32 && single(!k & if bits == 64 { u64::MAX } else { 0xffff_ffff }) {
        return vec!["movn"];
    }
    if bits >= 32 && logical_imm(k, bits) {
        return vec!["orr"];
    }
    // load_constant_full.
    let value = k;
    let size_bits: u32 = if value >> 32 == 0 { 32 } else { 64 };
    let get = |x: u64, i: u32| ((x >> (i * 16)) & 0xffff) as u16;
    let replace =
        |old: u64, new: u16, i: u32| (old & !(0xffffu64 << (i * 16))) | ((new as u64) << (i * 16));
    let max = if size_bits == 32 {
        0xffff_ffffu64
    } else {
        u64::MAX
    };
    let mut best: Option<(usize, &'static str, u64, u32)> = None;
    for (op, base) in [("movz", 0u64), ("movn", max)] {
        let first = (0..size_bits / 16)
            .find(|&i| get(base ^ value, i) != 0)
            .unwrap_or(0);
        let running = replace(base, get(value, first), first);
        let cost = (0..4).filter(|&i| get(running ^ value, i) != 0).count();
        if best.is_none_or(|b| cost < b.0) {
            best = Some((cost, op, running, first));
        }
    }
    let (_, op, running, first) = best.expect("two candidates");
    let mut out = vec![op];
    for shift in first + 1..size_bits / 16 {
        if get(value, shift) != get(running, shift) {
            out.push("movk");
        }
    }
    out
}

fn push_const(l: &mut Lowering, ty: Type, v: i64) {
    for m in materialise(ty, v) {
        l.push(mi(m).off_path());
    }
}

fn ext_name(signed: bool, ty: Type) -> &'static str {
    match (signed, ty.bits()) {
        (false, 8) => "uxtb",
        (false, 16) => "uxth",
        (true, 8) => "sxtb",
        (true, 16) => "sxth",
        (true, 32) => "sxtw",
        _ => "mov",
    }
}

fn signed_cc(c: Option<Cond>) -> bool {
    matches!(
        c,
        Some(Cond::Int(
            IntCC::SignedLessThan
                | IntCC::SignedLessThanOrEqual
                | IntCC::SignedGreaterThan
                | IntCC::SignedGreaterThanOrEqual
        ))
    )
}

impl Aarch64 {
    fn alu(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let op = n.opcode;
        let mut l = Lowering::new();
        let name = match op {
            Opcode::Iadd => "add",
            Opcode::Isub => "sub",
            Opcode::Band => "and",
            Opcode::Bor => "orr",
            _ => "eor",
        };
        let (a, b) = (n.operand(0), n.operand(1));
        // Prefer the folded operand wherever it is.
        let other = if matches!(b, OperandShape::Reg) { a } else { b };
        match other {
            OperandShape::Const(v) => {
                let k = mask(ty, *v);
                let neg = (sext(ty, *v)).checked_neg().map(|x| x as u64);
                match op {
                    Opcode::Iadd | Opcode::Isub if imm12(k) => {
                        l.push(mi(name));
                    }
                    Opcode::Iadd | Opcode::Isub if neg.is_some_and(imm12) => {
                        l.push(mi(if op == Opcode::Iadd { "sub" } else { "add" }));
                    }
                    Opcode::Band | Opcode::Bor | Opcode::Bxor
                        if logical_imm(k, ty.bits().max(32)) =>
                    {
                        l.push(mi(name));
                    }
                    _ => {
                        push_const(&mut l, ty, *v);
                        l.push(mi(name));
                    }
                }
            }
            OperandShape::FoldedShift {
                op: Opcode::Ishl,
                amount,
            } => {
                let q = if *amount <= 4 { "lsl" } else { "lsl.m" };
                let q = if matches!(op, Opcode::Iadd | Opcode::Isub) {
                    q
                } else {
                    "lsl"
                };
                l.push(mi(&format!("{name}.{q}")));
            }
            OperandShape::FoldedShift { op: sh, .. } => {
                l.push(mi(if *sh == Opcode::Ushr { "lsr" } else { "asr" }));
                l.push(mi(name));
            }
            OperandShape::FoldedExtend { .. } => {
                l.push(mi(&format!("{name}.ext")));
            }
            OperandShape::FoldedMul => {
                l.push(mi(&wx(
                    if op == Opcode::Isub { "msub" } else { "madd" },
                    ty,
                )));
            }
            OperandShape::FoldedNot => {
                l.push(mi(match op {
                    Opcode::Band => "bic",
                    Opcode::Bor => "orn",
                    _ => "eon",
                }));
            }
            OperandShape::FoldedAddImm(c) => {
                // Not fused on aarch64: add the immediate, then the op.
                let mut inner = NodeShape::with_operands(
                    Opcode::Iadd,
                    ty,
                    vec![OperandShape::Reg, OperandShape::Const(*c)],
                );
                inner.imm = None;
                l.extend(self.alu(&inner));
                l.push(mi(name));
            }
            _ => {
                l.push(mi(name));
            }
        }
        // `imul` as the left operand of `isub` does not fuse.
        if op == Opcode::Isub && matches!(a, OperandShape::FoldedMul) {
            l.insts.clear();
            l.push(mi(&wx("madd", ty)));
            l.push(mi("sub"));
        }
        l
    }

    fn binary(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let narrow = ty.bits() < 32;
        let op = n.opcode;
        let mut l = Lowering::new();
        let rhs_const = matches!(n.operand(1), OperandShape::Const(_));
        let (u, s) = (ext_name(false, ty), ext_name(true, ty));
        match op {
            Opcode::Imul => {
                if let OperandShape::Const(v) = n.operand(1) {
                    push_const(&mut l, ty, *v);
                } else if let OperandShape::Const(v) = n.operand(0) {
                    push_const(&mut l, ty, *v);
                }
                l.push(mi(&wx("madd", ty)));
            }
            Opcode::Ishl | Opcode::Ushr | Opcode::Sshr => {
                let sh = match op {
                    Opcode::Ishl => "lsl",
                    Opcode::Ushr => "lsr",
                    _ => "asr",
                };
                if narrow && op != Opcode::Ishl {
                    l.push(mi(if op == Opcode::Ushr { u } else { s }));
                }
                if narrow && !rhs_const {
                    l.push(mi("and"));
                }
                l.push(mi(sh));
            }
            Opcode::Rotl | Opcode::Rotr => {
                if narrow {
                    if rhs_const {
                        l.push(mi(u));
                        l.push(mi("lsr"));
                        l.push(mi("lsl"));
                        l.push(mi("orr"));
                    } else {
                        if op == Opcode::Rotl {
                            l.push(mi("sub"));
                        }
                        for m in [u, "and", "sub", "sub", "lsr", "lsl", "orr"] {
                            l.push(mi(m));
                        }
                    }
                } else {
                    if op == Opcode::Rotl && !rhs_const {
                        l.push(mi("sub"));
                    }
                    l.push(mi("extr.ror"));
                }
            }
            Opcode::Udiv | Opcode::Urem | Opcode::Sdiv | Opcode::Srem => {
                let signed = matches!(op, Opcode::Sdiv | Opcode::Srem);
                let wide = if ty == I64 { ".x" } else { ".w" };
                if narrow {
                    let e = if signed { s } else { u };
                    l.push(mi(e));
                    l.push(mi(e));
                }
                l.push(mi("cbz"));
                l.extra_bytes += 4; // out-of-line `udf` trap
                if op == Opcode::Sdiv {
                    // Overflow check: INT_MIN / -1.
                    if narrow {
                        l.push(mi("lsl"));
                    }
                    l.push(mi("adds"));
                    l.push(mi("ccmp"));
                    l.push(mi("b.vs"));
                    l.extra_bytes += 4;
                }
                l.push(mi(&format!(
                    "{}{wide}",
                    if signed { "sdiv" } else { "udiv" }
                )));
                if matches!(op, Opcode::Urem | Opcode::Srem) {
                    l.push(mi(&wx("msub", ty)));
                }
            }
            Opcode::Umulhi | Opcode::Smulhi => {
                let signed = op == Opcode::Smulhi;
                if ty == I64 {
                    l.push(mi(if signed { "smulh" } else { "umulh" }));
                } else {
                    let e = if ty == I32 {
                        if signed {
                            "sxtw"
                        } else {
                            "mov"
                        }
                    } else if signed {
                        s
                    } else {
                        u
                    };
                    l.push(mi(e));
                    l.push(mi(e));
                    // i32 widens to a 64-bit multiply; i8/i16 multiply in W.
                    l.push(mi(&wx("madd", if ty == I32 { I64 } else { ty })));
                    l.push(mi(if signed { "asr" } else { "lsr" }));
                }
            }
            Opcode::Smin | Opcode::Smax | Opcode::Umin | Opcode::Umax => {
                if narrow {
                    let e = if matches!(op, Opcode::Smin | Opcode::Smax) {
                        s
                    } else {
                        u
                    };
                    l.push(mi(e));
                    l.push(mi(e));
                }
                l.push(mi("subs"));
                l.push(mi("csel"));
            }
            _ => {
                l.push(mi("add"));
                l.modelled = false;
            }
        }
        l
    }

    fn unary(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let narrow = ty.bits() < 32;
        let mut l = Lowering::new();
        let (u, s) = (ext_name(false, ty), ext_name(true, ty));
        let seq: Vec<&str> = match n.opcode {
            Opcode::Ineg => vec!["sub"],
            Opcode::Bnot => vec!["orn"],
            Opcode::Iabs if narrow => vec![s, "subs", "csneg"],
            Opcode::Iabs => vec!["subs", "csneg"],
            Opcode::Clz if narrow => vec![u, "clz", "sub"],
            Opcode::Clz => vec!["clz"],
            Opcode::Ctz if narrow => vec!["rbit", "orr", "clz"],
            Opcode::Ctz => vec!["rbit", "clz"],
            Opcode::Popcnt if ty == I8 => vec!["fmov.from_gpr", "cnt", "umov"],
            Opcode::Popcnt if ty == I16 => vec!["fmov.from_gpr", "cnt", "addp", "umov"],
            Opcode::Popcnt => vec!["fmov.from_gpr", "cnt", "addv", "umov"],
            Opcode::Bswap if ty == I16 => vec!["rev16"],
            Opcode::Bswap if ty == I32 => vec!["rev32"],
            Opcode::Bswap => vec!["rev64"],
            _ => {
                l.modelled = false;
                vec!["unknown"]
            }
        };
        for m in seq {
            l.push(mi(m));
        }
        l
    }

    fn compare(&self, ty: Type, cond: Option<Cond>, rhs: &OperandShape, l: &mut Lowering) {
        if ty.is_float() {
            l.push(mi("fcmp"));
            return;
        }
        let narrow = ty.bits() < 32;
        let signed = signed_cc(cond);
        match rhs {
            OperandShape::Const(v) => {
                let k = mask(ty, *v);
                if narrow && signed {
                    push_const(l, ty, *v);
                    l.push(mi(ext_name(true, ty)));
                } else {
                    if narrow {
                        l.push(mi(ext_name(false, ty)));
                    }
                    if !imm12(k) {
                        push_const(l, ty, *v);
                    }
                }
            }
            _ => {
                if narrow {
                    l.push(mi(ext_name(signed, ty)));
                }
            }
        }
        l.push(mi("subs"));
    }
}

impl CostModel for Aarch64 {
    fn target(&self) -> Target {
        Target::Aarch64
    }

    fn lower(&self, n: &NodeShape) -> Lowering {
        let ty = n.ty;
        let mut l = Lowering::new();
        match n.opcode {
            Opcode::Iconst => push_const(&mut l, ty, n.imm.unwrap_or(0)),
            Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor => {
                return self.alu(n)
            }
            Opcode::Imul
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
            | Opcode::Umax => return self.binary(n),
            Opcode::Ineg
            | Opcode::Bnot
            | Opcode::Iabs
            | Opcode::Clz
            | Opcode::Ctz
            | Opcode::Popcnt
            | Opcode::Bswap => return self.unary(n),
            Opcode::Icmp | Opcode::Fcmp => {
                self.compare(ty, n.cond, n.operand(1), &mut l);
                if n.opcode == Opcode::Fcmp {
                    l.insts.last_mut().expect("fcmp").mnemonic = "fcmp".into();
                }
                l.push(mi("cset"));
            }
            Opcode::Select => {
                match n.operand(0) {
                    OperandShape::FoldedCmp(c) => {
                        let cty = if matches!(c, Cond::Float(_)) {
                            ty
                        } else {
                            n.arg_ty.filter(|t| t.bits() > 8).unwrap_or(ty)
                        };
                        let cty = if matches!(c, Cond::Int(_)) && cty.is_float() {
                            I64
                        } else {
                            cty
                        };
                        self.compare(cty, Some(*c), &OperandShape::Reg, &mut l);
                        if matches!(c, Cond::Float(_)) {
                            l.insts.last_mut().expect("cmp").mnemonic = "fcmp".into();
                        }
                    }
                    _ => {
                        l.push(mi("ands"));
                    }
                }
                l.push(mi(if ty.is_float() { "fcsel" } else { "csel" }));
            }
            Opcode::Uextend | Opcode::Sextend => {
                let from = n.first_arg_type();
                l.push(mi(ext_name(n.opcode == Opcode::Sextend, from)));
            }
            Opcode::Ireduce => {}
            Opcode::Bitcast => {
                l.push(mi(if n.ty.is_float() {
                    "fmov.from_gpr"
                } else {
                    "mov.from_vec"
                }));
            }
            Opcode::FcvtFromSint => {
                l.push(mi("scvtf"));
            }
            Opcode::FcvtToSintSat => {
                l.push(mi("fcvtzs"));
            }
            Opcode::Fpromote | Opcode::Fdemote => {
                l.push(mi("fcvt"));
            }
            Opcode::F32const | Opcode::F64const => {
                fconst(ty, n.imm.unwrap_or(0) as u64, &mut l);
            }
            Opcode::Fadd
            | Opcode::Fsub
            | Opcode::Fmul
            | Opcode::Fdiv
            | Opcode::Fmin
            | Opcode::Fmax
            | Opcode::Sqrt
            | Opcode::Fneg
            | Opcode::Fabs
            | Opcode::Floor
            | Opcode::Ceil
            | Opcode::Trunc
            | Opcode::Nearest
            | Opcode::Fma
            | Opcode::Fcopysign => {
                for o in &n.operands {
                    if let OperandShape::FConst(bits) = o {
                        fconst(ty, *bits, &mut l);
                    }
                }
                let sd = if ty == F32 { ".s" } else { ".d" };
                match n.opcode {
                    Opcode::Fadd => l.push(mi("fadd")),
                    Opcode::Fsub => l.push(mi("fsub")),
                    Opcode::Fmul => l.push(mi("fmul")),
                    Opcode::Fdiv => l.push(mi(&format!("fdiv{sd}"))),
                    Opcode::Fmin => l.push(mi("fmin")),
                    Opcode::Fmax => l.push(mi("fmax")),
                    Opcode::Sqrt => l.push(mi(&format!("fsqrt{sd}"))),
                    Opcode::Fneg => l.push(mi("fneg")),
                    Opcode::Fabs => l.push(mi("fabs")),
                    Opcode::Floor => l.push(mi("frintm")),
                    Opcode::Ceil => l.push(mi("frintp")),
                    Opcode::Trunc => l.push(mi("frintz")),
                    Opcode::Nearest => l.push(mi("frintn")),
                    Opcode::Fma => l.push(mi("fmadd")),
                    _ => l.push(mi("ushr")).push(mi("sli")),
                };
            }
            _ => {
                l.push(mi("unknown"));
                l.modelled = false;
            }
        }
        l
    }

    fn may_fold(&self, consumer: Opcode, producer: Opcode) -> bool {
        use Opcode::*;
        matches!(
            (consumer, producer),
            (Select, Icmp | Fcmp)
                | (Iadd | Isub, Imul | Uextend | Sextend)
                | (Iadd | Isub | Band | Bor | Bxor, Ishl)
                | (Band | Bor | Bxor, Bnot)
        )
    }

    fn fold(&self, consumer: &NodeShape, idx: usize, operand: &NodeShape) -> Option<OperandShape> {
        let ty = consumer.ty;
        if !ty.is_int() {
            return match (consumer.opcode, operand.opcode) {
                (Opcode::Select, Opcode::Icmp | Opcode::Fcmp) if idx == 0 => {
                    operand.cond.map(OperandShape::FoldedCmp)
                }
                _ => None,
            };
        }
        let others_plain = consumer
            .operands
            .iter()
            .enumerate()
            .all(|(i, o)| i == idx || matches!(o, OperandShape::Reg));
        let commutative = matches!(
            consumer.opcode,
            Opcode::Iadd | Opcode::Band | Opcode::Bor | Opcode::Bxor
        );
        let slot_ok = idx == 1 || (idx == 0 && commutative);
        match (consumer.opcode, operand.opcode) {
            (Opcode::Iadd, Opcode::Imul) if others_plain && ty.bits() >= 32 => {
                Some(OperandShape::FoldedMul)
            }
            (Opcode::Isub, Opcode::Imul) if others_plain && idx == 1 && ty.bits() >= 32 => {
                Some(OperandShape::FoldedMul)
            }
            (
                Opcode::Iadd | Opcode::Isub | Opcode::Band | Opcode::Bor | Opcode::Bxor,
                Opcode::Ishl,
            ) if others_plain && slot_ok && ty.bits() >= 32 => match operand.operand(1) {
                OperandShape::Const(k) if (*k as u64) < ty.bits() as u64 => {
                    Some(OperandShape::FoldedShift {
                        op: Opcode::Ishl,
                        amount: *k as u8,
                    })
                }
                _ => None,
            },
            (Opcode::Iadd | Opcode::Isub, Opcode::Uextend | Opcode::Sextend)
                if others_plain && slot_ok && ty.bits() >= 32 =>
            {
                let from = operand.arg_ty?;
                (from.bits() < ty.bits()).then_some(OperandShape::FoldedExtend {
                    signed: operand.opcode == Opcode::Sextend,
                    from,
                })
            }
            (Opcode::Band | Opcode::Bor | Opcode::Bxor, Opcode::Bnot)
                if others_plain && slot_ok =>
            {
                Some(OperandShape::FoldedNot)
            }
            (Opcode::Select, Opcode::Icmp | Opcode::Fcmp) if idx == 0 => {
                operand.cond.map(OperandShape::FoldedCmp)
            }
            _ => None,
        }
    }
}

/// Materialise a float constant: `movi` for +0.0, `fmov` for an 8-bit FP
/// immediate, `movz`/`movk` + `fmov` for other f32, `ldr` (literal, 8 bytes
/// of data + 4 of padding/branch) for other f64.
fn fconst(ty: Type, bits: u64, l: &mut Lowering) {
    if bits == 0 {
        l.push(mi("movi").off_path());
    } else if fp8_imm(ty, bits) {
        l.push(mi("fmov.imm").off_path());
    } else if ty == F32 {
        for m in materialise(I32, bits as i64) {
            l.push(mi(m).off_path());
        }
        l.push(mi("fmov.from_gpr").off_path());
    } else {
        l.push(mi("ldr").off_path());
        l.extra_bytes += 12;
    }
}

/// Can `bits` be encoded as an 8-bit `fmov` immediate (±(1+m/16)·2^e,
/// e in -3..=4)?
fn fp8_imm(ty: Type, bits: u64) -> bool {
    let v = if ty == F32 {
        f32::from_bits(bits as u32) as f64
    } else {
        f64::from_bits(bits)
    };
    if v == 0.0 || !v.is_finite() {
        return false;
    }
    let a = v.abs();
    (-3..=4).any(|e| {
        let m = a / 2f64.powi(e) * 16.0 - 16.0;
        (0.0..16.0).contains(&m) && m.fract() == 0.0
    })
}
