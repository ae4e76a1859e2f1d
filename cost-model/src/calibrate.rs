//! Calibration of the cost model against Cranelift's real backends.
//!
//! [`cases`] generates small CLIF functions, one per modelled opcode × type ×
//! immediate shape × fusion pattern. Each case isolates one pattern:
//!
//! ```text
//! function %case(<pattern inputs>, <R>, i64) {
//! block0(v0.., vsink: R, vptr: i64):
//!     <pattern>          ; result vN : R
//!     store vN, vptr
//!     return
//! }
//! ```
//!
//! and is paired with a baseline of the same signature that stores `vsink`
//! instead. Storing the result (rather than returning it) leaves the
//! register allocator free to pick any destination, so the difference
//! between case and baseline is exactly the pattern's instructions plus any
//! moves *its* lowering forces (fixed registers for x86 division and shifts).
//! A top-level `iconst` is stored with `istore8` so that x86-64 does not
//! fold it into a store-immediate.
//!
//! The sink store carries a source location so that its encoded size can be
//! taken out of the byte difference (its encoding depends on the register
//! the result landed in, which is not a property of the pattern).
//!
//! Each function is compiled with Cranelift at `opt_level=none` (the
//! mid-end does not rewrite the case) and measured by [`crate::backend`]:
//! instructions are the instruction lines of the vcode disassembly, bytes the
//! length of the finished code buffer. Prediction comes from
//! [`crate::CostModel::lower_pattern`]. When Cranelift's lowering changes, this
//! comparison — and `tests/calibration.rs` — shows it.

use crate::backend::{self, Measurement};
use crate::shape::{Cond, Expr};
use crate::target::Target;
use crate::CostModel;
use anyhow::Result;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{self, F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{Opcode, Type};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;

/// One calibration case: a named pattern.
#[derive(Clone, Debug, Serialize)]
pub struct Case {
    /// Unique, human-readable name.
    pub name: String,
    /// The pattern being measured.
    pub expr: Expr,
}

/// Prediction versus measurement for one case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    /// Case name.
    pub name: String,
    /// Predicted instruction count.
    pub predicted_insts: u32,
    /// Predicted bytes.
    pub predicted_bytes: u32,
    /// Predicted mnemonics.
    pub predicted_mnemonics: Vec<String>,
    /// Measured instruction count (case minus baseline).
    pub actual_insts: i64,
    /// Measured bytes (case minus baseline).
    pub actual_bytes: i64,
    /// Mnemonics of the case function's instructions with the prefix and
    /// suffix it shares with the baseline removed.
    pub actual_mnemonics: Vec<String>,
    /// Whether the model fell back to a generic estimate.
    pub modelled: bool,
    /// The case's CLIF text.
    pub clif: String,
}

impl CaseResult {
    /// Instruction counts agree exactly.
    pub fn insts_match(&self) -> bool {
        self.predicted_insts as i64 == self.actual_insts
    }

    /// Predicted bytes within ±10% of the measurement (exact when the
    /// measurement is zero).
    pub fn bytes_within_10pct(&self) -> bool {
        let a = self.actual_bytes as f64;
        let p = self.predicted_bytes as f64;
        if a == 0.0 {
            return p == 0.0;
        }
        ((p - a) / a).abs() <= 0.10
    }
}

/// The outcome of calibrating one target.
#[derive(Clone, Debug, Serialize)]
pub struct CalibrationReport {
    /// The target.
    pub target: Target,
    /// Every case.
    pub results: Vec<CaseResult>,
}

impl CalibrationReport {
    /// Number of cases.
    pub fn cases(&self) -> usize {
        self.results.len()
    }

    /// Fraction of cases whose instruction counts match exactly.
    pub fn exact_fraction(&self) -> f64 {
        self.results.iter().filter(|r| r.insts_match()).count() as f64
            / self.results.len().max(1) as f64
    }

    /// Fraction of cases whose bytes are within ±10%.
    pub fn bytes_fraction(&self) -> f64 {
        self.results
            .iter()
            .filter(|r| r.bytes_within_10pct())
            .count() as f64
            / self.results.len().max(1) as f64
    }

    /// Cases with an instruction-count or byte miss.
    pub fn misses(&self) -> Vec<&CaseResult> {
        self.results
            .iter()
            .filter(|r| !r.insts_match() || !r.bytes_within_10pct())
            .collect()
    }

    /// A markdown summary plus a table of misses.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "## {} ({})\n\ncases: {}, exact instruction count: {:.1}%, bytes within ±10%: {:.1}%\n",
            self.target.name(),
            self.target.microarchitecture(),
            self.cases(),
            100.0 * self.exact_fraction(),
            100.0 * self.bytes_fraction()
        );
        let misses = self.misses();
        if misses.is_empty() {
            s += "No misses.\n";
            return s;
        }
        s += "| case | pred insts | actual insts | pred bytes | actual bytes | predicted | actual (vs baseline) |\n";
        s += "|---|---|---|---|---|---|---|\n";
        for r in misses {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.name,
                r.predicted_insts,
                r.actual_insts,
                r.predicted_bytes,
                r.actual_bytes,
                r.predicted_mnemonics.join(" "),
                r.actual_mnemonics.join(" ")
            );
        }
        s
    }
}

fn inp(t: Type) -> Expr {
    Expr::Input(t)
}

fn bin(op: Opcode, t: Type, a: Expr, b: Expr) -> Expr {
    Expr::node(op, t, vec![a, b])
}

fn un(op: Opcode, t: Type, a: Expr) -> Expr {
    Expr::node(op, t, vec![a])
}

/// Mask `v` to the width of `t` (values are kept as the unsigned bit
/// pattern, as CLIF prints them).
fn mask(t: Type, v: i64) -> i64 {
    if t.bits() >= 64 {
        v
    } else {
        v & ((1i64 << t.bits()) - 1)
    }
}

/// The immediate shapes every target is probed with: small, aarch64 12-bit,
/// aarch64 12-bit shifted, aarch64 logical immediate, 32-bit, negative
/// (sign-extended 32-bit on x86) and a full 64-bit constant.
pub const IMM_SHAPES: [(&str, i64); 8] = [
    ("small", 7),
    ("imm12", 4095),
    ("imm12lsl12", 0x5000),
    ("logical", 0x00ff_00ff_00ff_00ff),
    ("i32", 0x12345),
    ("neg", -2),
    ("bigneg", -0x0123_4567),
    ("i64", 0x1234_5678_9abc_def0),
];

/// Generate every calibration case (the same set for both targets).
pub fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    let mut push = |name: String, expr: Expr| {
        if !out.iter().any(|c| c.name == name) {
            out.push(Case { name, expr });
        }
    };
    let ints = [I8, I16, I32, I64];
    let binops = [
        Opcode::Iadd,
        Opcode::Isub,
        Opcode::Imul,
        Opcode::Band,
        Opcode::Bor,
        Opcode::Bxor,
        Opcode::Ishl,
        Opcode::Ushr,
        Opcode::Sshr,
        Opcode::Rotl,
        Opcode::Rotr,
        Opcode::Udiv,
        Opcode::Sdiv,
        Opcode::Urem,
        Opcode::Srem,
        Opcode::Umulhi,
        Opcode::Smulhi,
        Opcode::Smin,
        Opcode::Smax,
        Opcode::Umin,
        Opcode::Umax,
    ];
    let unops = [
        Opcode::Ineg,
        Opcode::Bnot,
        Opcode::Iabs,
        Opcode::Clz,
        Opcode::Ctz,
        Opcode::Popcnt,
        Opcode::Bswap,
    ];
    for &t in &ints {
        for &op in &binops {
            push(format!("{op}.{t}"), bin(op, t, inp(t), inp(t)));
        }
        for &op in &unops {
            if op == Opcode::Bswap && t == I8 {
                continue;
            }
            push(format!("{op}.{t}"), un(op, t, inp(t)));
        }
        // Constant operands.
        for op in [
            Opcode::Iadd,
            Opcode::Isub,
            Opcode::Imul,
            Opcode::Band,
            Opcode::Bor,
            Opcode::Bxor,
        ] {
            for (sname, v) in IMM_SHAPES {
                let v = mask(t, v);
                push(
                    format!("{op}.{t}.const_{v:#x}"),
                    bin(op, t, inp(t), Expr::iconst(t, v)),
                );
                let _ = sname;
            }
        }
        for op in [
            Opcode::Ishl,
            Opcode::Ushr,
            Opcode::Sshr,
            Opcode::Rotl,
            Opcode::Rotr,
        ] {
            push(
                format!("{op}.{t}.const_3"),
                bin(op, t, inp(t), Expr::iconst(t, 3)),
            );
        }
        // Materialising constants.
        if t != I8 {
            for (_, v) in IMM_SHAPES {
                let v = mask(t, v);
                push(format!("iconst.{t}.{v:#x}"), Expr::iconst(t, v));
            }
            push(format!("iconst.{t}.0"), Expr::iconst(t, 0));
        }
        // Comparisons and selects.
        for cc in [
            IntCC::Equal,
            IntCC::SignedLessThan,
            IntCC::UnsignedGreaterThan,
        ] {
            push(
                format!("icmp_{cc}.{t}"),
                Expr::cmp(Cond::Int(cc), t, inp(t), inp(t)),
            );
            push(
                format!("icmp_{cc}.{t}.const_10"),
                Expr::cmp(Cond::Int(cc), t, inp(t), Expr::iconst(t, 10)),
            );
            push(
                format!("select_icmp_{cc}.{t}"),
                Expr::node(
                    Opcode::Select,
                    t,
                    vec![Expr::cmp(Cond::Int(cc), t, inp(t), inp(t)), inp(t), inp(t)],
                ),
            );
        }
        push(
            format!("select.{t}"),
            Expr::node(Opcode::Select, t, vec![inp(I8), inp(t), inp(t)]),
        );
    }
    // Extends and reductions.
    for (from, to) in [
        (I8, I16),
        (I8, I32),
        (I8, I64),
        (I16, I32),
        (I16, I64),
        (I32, I64),
    ] {
        push(
            format!("uextend.{from}.{to}"),
            un(Opcode::Uextend, to, inp(from)),
        );
        push(
            format!("sextend.{from}.{to}"),
            un(Opcode::Sextend, to, inp(from)),
        );
        push(
            format!("ireduce.{to}.{from}"),
            un(Opcode::Ireduce, from, inp(to)),
        );
    }
    // Fusion patterns, on the two widths aarch64 has registers for.
    for &t in &[I32, I64] {
        let mul = |a: Expr, b: Expr| bin(Opcode::Imul, t, a, b);
        push(
            format!("fuse_madd.{t}"),
            bin(Opcode::Iadd, t, mul(inp(t), inp(t)), inp(t)),
        );
        push(
            format!("fuse_madd_rhs.{t}"),
            bin(Opcode::Iadd, t, inp(t), mul(inp(t), inp(t))),
        );
        push(
            format!("fuse_msub.{t}"),
            bin(Opcode::Isub, t, inp(t), mul(inp(t), inp(t))),
        );
        push(
            format!("nofuse_mul_sub_lhs.{t}"),
            bin(Opcode::Isub, t, mul(inp(t), inp(t)), inp(t)),
        );
        for op in [
            Opcode::Iadd,
            Opcode::Isub,
            Opcode::Band,
            Opcode::Bor,
            Opcode::Bxor,
        ] {
            for (sh, k) in [
                (Opcode::Ishl, 2),
                (Opcode::Ishl, 3),
                (Opcode::Ishl, 9),
                (Opcode::Ushr, 5),
                (Opcode::Sshr, 7),
            ] {
                push(
                    format!("fuse_{op}_{sh}{k}.{t}"),
                    bin(op, t, inp(t), bin(sh, t, inp(t), Expr::iconst(t, k))),
                );
            }
            if op != Opcode::Isub {
                push(
                    format!("fuse_{op}_ishl3_lhs.{t}"),
                    bin(
                        op,
                        t,
                        bin(Opcode::Ishl, t, inp(t), Expr::iconst(t, 3)),
                        inp(t),
                    ),
                );
            }
        }
        for op in [Opcode::Band, Opcode::Bor, Opcode::Bxor] {
            push(
                format!("fuse_{op}_bnot.{t}"),
                bin(op, t, inp(t), un(Opcode::Bnot, t, inp(t))),
            );
        }
        for op in [Opcode::Iadd, Opcode::Isub] {
            let narrow: &[Type] = if t == I64 {
                &[I8, I16, I32]
            } else {
                &[I8, I16]
            };
            for &n in narrow {
                push(
                    format!("fuse_{op}_uextend_{n}.{t}"),
                    bin(op, t, inp(t), un(Opcode::Uextend, t, inp(n))),
                );
                push(
                    format!("fuse_{op}_sextend_{n}.{t}"),
                    bin(op, t, inp(t), un(Opcode::Sextend, t, inp(n))),
                );
            }
        }
        push(
            format!("fuse_iadd_iadd_const.{t}"),
            bin(
                Opcode::Iadd,
                t,
                inp(t),
                bin(Opcode::Iadd, t, inp(t), Expr::iconst(t, 16)),
            ),
        );
        push(
            format!("fuse_select_icmp_const.{t}"),
            Expr::node(
                Opcode::Select,
                t,
                vec![
                    Expr::cmp(
                        Cond::Int(IntCC::SignedGreaterThan),
                        t,
                        inp(t),
                        Expr::iconst(t, 0),
                    ),
                    inp(t),
                    inp(t),
                ],
            ),
        );
    }
    // Floating point.
    for &t in &[F32, F64] {
        for op in [
            Opcode::Fadd,
            Opcode::Fsub,
            Opcode::Fmul,
            Opcode::Fdiv,
            Opcode::Fmin,
            Opcode::Fmax,
            Opcode::Fcopysign,
        ] {
            push(format!("{op}.{t}"), bin(op, t, inp(t), inp(t)));
        }
        for op in [
            Opcode::Sqrt,
            Opcode::Fneg,
            Opcode::Fabs,
            Opcode::Floor,
            Opcode::Ceil,
            Opcode::Trunc,
            Opcode::Nearest,
        ] {
            push(format!("{op}.{t}"), un(op, t, inp(t)));
        }
        push(
            format!("fma.{t}"),
            Expr::node(Opcode::Fma, t, vec![inp(t), inp(t), inp(t)]),
        );
        for cc in [
            FloatCC::Equal,
            FloatCC::LessThan,
            FloatCC::GreaterThanOrEqual,
        ] {
            push(
                format!("fcmp_{cc}.{t}"),
                Expr::cmp(Cond::Float(cc), t, inp(t), inp(t)),
            );
        }
        push(
            format!("select_fcmp_lt.{t}"),
            Expr::node(
                Opcode::Select,
                t,
                vec![
                    Expr::cmp(Cond::Float(FloatCC::LessThan), t, inp(t), inp(t)),
                    inp(t),
                    inp(t),
                ],
            ),
        );
        push(
            format!("select.{t}"),
            Expr::node(Opcode::Select, t, vec![inp(I8), inp(t), inp(t)]),
        );
        for it in [I32, I64] {
            push(
                format!("fcvt_from_sint.{t}.{it}"),
                un(Opcode::FcvtFromSint, t, inp(it)),
            );
            push(
                format!("fcvt_to_sint_sat.{it}.{t}"),
                un(Opcode::FcvtToSintSat, it, inp(t)),
            );
        }
        let it = if t == F32 { I32 } else { I64 };
        push(format!("bitcast.{it}.{t}"), un(Opcode::Bitcast, it, inp(t)));
        push(format!("bitcast.{t}.{it}"), un(Opcode::Bitcast, t, inp(it)));
        let consts: [(&str, f64); 3] = [("zero", 0.0), ("one", 1.0), ("tenth", 0.1)];
        for (n, c) in consts {
            let bits = if t == F32 {
                (c as f32).to_bits() as u64
            } else {
                c.to_bits()
            };
            push(format!("fconst.{t}.{n}"), Expr::fconst(t, bits));
            push(
                format!("fadd.{t}.const_{n}"),
                bin(Opcode::Fadd, t, inp(t), Expr::fconst(t, bits)),
            );
        }
    }
    push("fpromote".into(), un(Opcode::Fpromote, F64, inp(F32)));
    push("fdemote".into(), un(Opcode::Fdemote, F32, inp(F64)));
    out
}

/// Render `expr` as the body of a case function; returns (signature
/// parameter types, body lines, result value name).
fn render_body(expr: &Expr) -> (Vec<Type>, Vec<String>, String) {
    struct R {
        params: Vec<Type>,
        lines: Vec<String>,
        next: usize,
    }
    fn go(r: &mut R, e: &Expr) -> String {
        match e {
            Expr::Input(t) => {
                r.params.push(*t);
                format!("v{}", r.params.len() - 1)
            }
            Expr::Node {
                opcode,
                ty,
                imm,
                cond,
                args,
            } => {
                let names: Vec<String> = args.iter().map(|a| go(r, a)).collect();
                let v = format!("v{}", r.next);
                r.next += 1;
                let rhs = match opcode {
                    Opcode::Iconst => format!("iconst.{ty} {:#x}", mask(*ty, imm.unwrap_or(0))),
                    Opcode::F32const => {
                        format!("f32const {}", Ieee32::with_bits(imm.unwrap_or(0) as u32))
                    }
                    Opcode::F64const => {
                        format!("f64const {}", Ieee64::with_bits(imm.unwrap_or(0) as u64))
                    }
                    Opcode::Icmp | Opcode::Fcmp => {
                        let cc = match cond {
                            Some(Cond::Int(c)) => c.to_string(),
                            Some(Cond::Float(c)) => c.to_string(),
                            None => "eq".into(),
                        };
                        format!("{opcode} {cc} {}", names.join(", "))
                    }
                    Opcode::Uextend
                    | Opcode::Sextend
                    | Opcode::Ireduce
                    | Opcode::FcvtFromSint
                    | Opcode::FcvtFromUint
                    | Opcode::FcvtToSint
                    | Opcode::FcvtToUint
                    | Opcode::FcvtToSintSat
                    | Opcode::FcvtToUintSat
                    | Opcode::Fpromote
                    | Opcode::Fdemote
                    | Opcode::Bitcast => format!("{opcode}.{ty} {}", names.join(", ")),
                    _ => format!("{opcode} {}", names.join(", ")),
                };
                r.lines.push(format!("    {v} = {rhs}"));
                v
            }
        }
    }
    let mut r = R {
        params: vec![],
        lines: vec![],
        next: 100,
    };
    let res = go(&mut r, expr);
    (r.params, r.lines, res)
}

/// Unused integer parameters placed after the pattern's inputs. x86-64
/// System V passes integer arguments in `%rdi`, `%rsi`, `%rdx`, `%rcx`,
/// `%r8`, `%r9`: without padding, a two-input pattern's sink and store
/// address would sit in `%rdx` and `%rcx`, exactly the registers division
/// and shifts by a register need, and the case would pay moves that belong
/// to the harness. Padding to four integer parameters before them leaves
/// those registers to the pattern (as they usually are free in real code)
/// and keeps the sink and the address in registers (`%r8`/`%r9`), not on the
/// stack. aarch64 has eight argument registers and no fixed-register
/// instructions here, so the padding changes nothing there.
fn pad_params(params: &[Type]) -> usize {
    4 - params.iter().filter(|t| t.is_int()).count().min(4)
}

fn signature(params: &[Type], sink: Type) -> (String, String) {
    let mut tys: Vec<String> = params.iter().map(|t| t.to_string()).collect();
    let mut binds: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, t)| format!("v{i}: {t}"))
        .collect();
    for k in 0..pad_params(params) {
        tys.push("i64".into());
        binds.push(format!("v{}: i64", 92 + k));
    }
    tys.push(sink.to_string());
    tys.push("i64".into());
    binds.push(format!("v90: {sink}"));
    binds.push("v91: i64".into());
    (tys.join(", "), binds.join(", "))
}

fn store_line(val: &str, ty: Type, expr: &Expr) -> String {
    let top_iconst = matches!(
        expr,
        Expr::Node {
            opcode: Opcode::Iconst,
            ..
        }
    );
    if top_iconst && ty != types::I8 {
        format!("    @0001 istore8 {val}, v91")
    } else {
        format!("    @0001 store {val}, v91")
    }
}

/// CLIF text of the case function and its baseline.
pub fn render(case: &Case) -> (String, String) {
    let (params, lines, res) = render_body(&case.expr);
    let sink = case.expr.result_type();
    let (tys, binds) = signature(&params, sink);
    let mut f = format!("function %case({tys}) {{\nblock0({binds}):\n");
    for l in &lines {
        f += l;
        f += "\n";
    }
    f += &store_line(&res, sink, &case.expr);
    f += "\n    return\n}\n";
    let mut b = format!("function %base({tys}) {{\nblock0({binds}):\n");
    b += &store_line("v90", sink, &case.expr);
    b += "\n    return\n}\n";
    (f, b)
}

/// `case` without the longest prefix and suffix it shares with `base`.
fn strip_common(case: &[String], base: &[String]) -> Vec<String> {
    let pre = case.iter().zip(base).take_while(|(a, b)| a == b).count();
    let rest_c = &case[pre..];
    let rest_b = &base[pre.min(base.len())..];
    let suf = rest_c
        .iter()
        .rev()
        .zip(rest_b.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    rest_c[..rest_c.len() - suf].to_vec()
}

/// Calibrate `target`'s model ([`Target::model`], the ISA the project
/// measures) on the given cases.
pub fn run(target: Target, cases: &[Case]) -> Result<CalibrationReport> {
    run_model(target.model(), cases)
}

/// Calibrate any `model` on the given cases, compiling with the ISA the
/// model describes ([`crate::CostModel::isa`] at `opt_level=none`).
pub fn run_model(model: &dyn CostModel, cases: &[Case]) -> Result<CalibrationReport> {
    let target = model.target();
    let isa = model.isa("none")?;
    let mut baselines: HashMap<String, Measurement> = HashMap::new();
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        let (clif, base) = render(case);
        let b = match baselines.get(&base) {
            Some(b) => b.clone(),
            None => {
                let m = backend::compile_clif(&*isa, &base)?;
                baselines.insert(base.clone(), m.clone());
                m
            }
        };
        let m = backend::compile_clif(&*isa, &clif)
            .map_err(|e| e.context(format!("case {}", case.name)))?;
        let pred = model.lower_pattern(&case.expr);
        let cost = pred.cost();
        results.push(CaseResult {
            name: case.name.clone(),
            predicted_insts: cost.insts,
            predicted_bytes: cost.bytes,
            predicted_mnemonics: pred.mnemonics().iter().map(|s| s.to_string()).collect(),
            actual_insts: m.insts as i64 - b.insts as i64,
            // The sink store's encoding depends on which register the
            // result landed in (REX for %dil/%r8..); it is not part of the
            // pattern, so its size difference is removed.
            actual_bytes: (m.bytes as i64 - m.marked_bytes as i64)
                - (b.bytes as i64 - b.marked_bytes as i64),
            actual_mnemonics: strip_common(&m.mnemonics, &b.mnemonics),
            modelled: pred.modelled,
            clif,
        });
    }
    Ok(CalibrationReport { target, results })
}

/// Calibrate `target` on all generated [`cases`].
pub fn report(target: Target) -> Result<CalibrationReport> {
    run(target, &cases())
}
