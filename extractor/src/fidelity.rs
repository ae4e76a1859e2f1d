//! The fidelity fuzzer: does our pipeline with the `cranelift` extractor
//! ever need more machine instructions than Cranelift's own mid-end?
//!
//! The `cranelift` extractor is the baseline every other result is
//! measured against, so it must be Cranelift wherever Cranelift is better.
//! A rule audit (`extractor/audit/RULES.md`) says which rules were ported;
//! this module asks the question from the other side, on code: it makes
//! functions, compiles each with Cranelift (`Context::compile` at
//! `opt_level=speed`) and with our pipeline (default rules, `cranelift`
//! extractor, then Cranelift's backend at `opt_level=none`), on x86_64 and
//! aarch64, and reports every function where Cranelift's code is smaller.
//! Such a function points at a rule we miss.
//!
//! Functions come from two sources ([`case`]):
//!
//! * the random generator ([`crate::generate`]), small configurations;
//! * **idioms** ([`IDIOMS`]): the shapes compilers emit for operations that
//!   wasm and C lack or spell out — byte swaps of every width, rotates
//!   written as shift pairs, min/max and abs through `select`, extension
//!   chains, masks, compare chains, division by constants — each with
//!   random types, constants and operand orders.
//!
//! Differences that are understood and accepted are listed in [`KNOWN`],
//! each with its reason; [`known`] tells them apart. The bounded
//! proptest (`tests/fidelity.rs`) and the cargo-fuzz target
//! (`fuzz/fuzz_targets/fidelity.rs`) both fail on any other.

use crate::extract;
use crate::generate::{self, Config};
use crate::pipeline::{self, Settings};
use crate::rules::{Rule, RuleSet};
use crate::validate::codegen;
use arbitrary::Unstructured;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::OwnedTargetIsa;

/// The idiom templates, by name.
pub const IDIOMS: &[&str] = &[
    "bswap",
    "rotate",
    "minmax-select",
    "abs-select",
    "extend-chain",
    "mask",
    "compare-chain",
    "const-division",
];

/// An accepted difference: a name, the test that recognises it in a
/// finding, and why Cranelift's code is smaller.
pub struct Known {
    /// Short name.
    pub name: &'static str,
    /// Whether a finding is this difference.
    pub matches: fn(&Finding) -> bool,
    /// Why Cranelift's code is smaller, and why it is accepted.
    pub reason: &'static str,
}

/// The accepted differences.
pub const KNOWN: &[Known] = &[Known {
    name: "constant-offset-form",
    matches: |f| {
        f.ours_clif <= f.theirs_clif + 2
            && f.opcodes.split(' ').all(|o| {
                ["iadd:", "isub:", "ineg:", "iconst:"]
                    .iter()
                    .any(|p| o.starts_with(p))
            })
    },
    reason: "forms of adding a constant that tie in Cranelift's cost (x + k and x - (-k); \
             -(x - 1) and 1 - x): Cranelift rewrites as it inserts, so when an operand \
             simplifies first it never builds the other form, while saturation builds both \
             and the newest wins, whose constant or operand may not be shared with another \
             use: one or two more instructions",
}];

/// One function to check.
#[derive(Clone, Debug)]
pub struct Case {
    /// An idiom of [`IDIOMS`] or `generated`.
    pub source: &'static str,
    /// The function's CLIF text.
    pub text: String,
}

impl Case {
    /// The parsed function.
    ///
    /// # Panics
    /// If the text does not parse (a template bug).
    pub fn function(&self) -> Function {
        match cranelift_reader::parse_functions(&self.text) {
            Ok(mut fs) if fs.len() == 1 => fs.remove(0),
            r => panic!(
                "fidelity case does not parse ({:?}):\n{}",
                r.err(),
                self.text
            ),
        }
    }
}

/// Draw a case: half the time an idiom, else a small generated function.
pub fn case(u: &mut Unstructured) -> Case {
    let pick = u.int_in_range(0..=2 * IDIOMS.len() - 1).unwrap_or(0);
    if pick >= IDIOMS.len() {
        let cfg = Config {
            max_insts: 40,
            max_params: 4,
            max_returns: 2,
        };
        return Case {
            source: "generated",
            text: generate::generate_text(u, cfg),
        };
    }
    let source = IDIOMS[pick];
    Case {
        source,
        text: idiom(source, u),
    }
}

/// A draw from `u` (0 once it runs dry).
fn below(u: &mut Unstructured, n: u64) -> u64 {
    if n <= 1 {
        0
    } else {
        u.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

fn pick<'a>(u: &mut Unstructured, xs: &[&'a str]) -> &'a str {
    xs[below(u, xs.len() as u64) as usize]
}

fn bits_of(ty: &str) -> u32 {
    ty.trim_start_matches('i').parse().unwrap_or(64)
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Builds one block's body, numbering values from `v{params}` on.
struct Body {
    lines: Vec<String>,
    next: u32,
}

impl Body {
    fn new(params: u32) -> Body {
        Body {
            lines: Vec::new(),
            next: params,
        }
    }
    fn inst(&mut self, rhs: String) -> String {
        let v = format!("v{}", self.next);
        self.next += 1;
        self.lines.push(format!("    {v} = {rhs}"));
        v
    }
    fn iconst(&mut self, ty: &str, value: u64) -> String {
        self.inst(format!("iconst.{ty} {}", value & mask(bits_of(ty))))
    }
    /// Join `vs` with `op` in a random tree shape and order.
    fn fold(&mut self, u: &mut Unstructured, op: &str, mut vs: Vec<String>) -> String {
        while vs.len() > 1 {
            let i = below(u, vs.len() as u64) as usize;
            let a = vs.remove(i);
            let j = below(u, vs.len() as u64) as usize;
            let b = vs.remove(j);
            let r = self.inst(format!("{op} {a}, {b}"));
            vs.push(r);
        }
        vs.pop().expect("one value")
    }
    /// `op a, b` with the operands in a random order when `op` commutes.
    fn either(&mut self, u: &mut Unstructured, op: &str, a: &str, b: &str) -> String {
        if below(u, 2) == 0 {
            self.inst(format!("{op} {a}, {b}"))
        } else {
            self.inst(format!("{op} {b}, {a}"))
        }
    }
    fn function(self, params: &[&str], rets: &[(String, String)]) -> String {
        let sig: Vec<String> = params.to_vec().iter().map(|t| t.to_string()).collect();
        let bparams: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, t)| format!("v{i}: {t}"))
            .collect();
        let rtys: Vec<&str> = rets.iter().map(|(_, t)| t.as_str()).collect();
        let rvals: Vec<&str> = rets.iter().map(|(v, _)| v.as_str()).collect();
        format!(
            "function %idiom({}) -> {} {{\nblock0({}):\n{}\n    return {}\n}}\n",
            sig.join(", "),
            rtys.join(", "),
            bparams.join(", "),
            self.lines.join("\n"),
            rvals.join(", ")
        )
    }
}

const INTS: &[&str] = &["i8", "i16", "i32", "i64"];
const WIDE: &[&str] = &["i16", "i32", "i64"];

/// The CLIF text of one instance of the idiom `name`.
///
/// # Panics
/// If `name` is not in [`IDIOMS`].
pub fn idiom(name: &str, u: &mut Unstructured) -> String {
    match name {
        "bswap" => bswap(u),
        "rotate" => rotate(u),
        "minmax-select" => minmax(u),
        "abs-select" => abs(u),
        "extend-chain" => extend_chain(u),
        "mask" => masks(u),
        "compare-chain" => compare_chain(u),
        "const-division" => const_division(u),
        other => panic!("unknown idiom {other}"),
    }
}

/// A byte swap as shifts and masks: each byte moved to its mirrored place
/// by a shift, masked, and the pieces or-ed together in any order.
fn bswap(u: &mut Unstructured) -> String {
    let ty = pick(u, WIDE);
    let bits = bits_of(ty);
    let mut b = Body::new(1);
    let mut pieces = Vec::new();
    let bytes = bits / 8;
    for i in 0..bytes {
        let from = i * 8;
        let to = bits - 8 - from;
        let piece = if to > from {
            let k = b.iconst(ty, (to - from) as u64);
            let s = b.inst(format!("ishl v0, {k}"));
            if to + 8 == bits {
                s
            } else {
                let m = b.iconst(ty, 0xff << to);
                b.either(u, "band", &s, &m)
            }
        } else {
            let k = b.iconst(ty, (from - to) as u64);
            let s = b.inst(format!("ushr v0, {k}"));
            if to == 0 {
                s
            } else {
                let m = b.iconst(ty, 0xff << to);
                b.either(u, "band", &s, &m)
            }
        };
        pieces.push(piece);
    }
    let r = b.fold(u, "bor", pieces);
    b.function(&[ty], &[(r, ty.to_string())])
}

/// A rotate as a pair of shifts whose amounts add to the width.
fn rotate(u: &mut Unstructured) -> String {
    let ty = pick(u, INTS);
    let bits = bits_of(ty) as u64;
    let k = 1 + below(u, bits - 1);
    let mut b = Body::new(1);
    let (left, right) = if below(u, 2) == 0 {
        (k, bits - k)
    } else {
        (bits - k, k)
    };
    let kl = b.iconst(ty, left);
    let kr = b.iconst(ty, right);
    let l = b.inst(format!("ishl v0, {kl}"));
    let r = b.inst(format!("ushr v0, {kr}"));
    let op = pick(u, &["bor", "bxor", "iadd"]);
    let out = b.either(u, op, &l, &r);
    b.function(&[ty], &[(out, ty.to_string())])
}

/// Minimum or maximum through a compare and a select.
fn minmax(u: &mut Unstructured) -> String {
    let ty = pick(u, INTS);
    let cc = pick(u, &["slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]);
    let mut b = Body::new(2);
    let c = b.inst(format!("icmp {cc} v0, v1"));
    let out = if below(u, 2) == 0 {
        b.inst(format!("select {c}, v0, v1"))
    } else {
        b.inst(format!("select {c}, v1, v0"))
    };
    b.function(&[ty, ty], &[(out, ty.to_string())])
}

/// Absolute value through a sign test and a select (or the shift-xor
/// form).
fn abs(u: &mut Unstructured) -> String {
    let ty = pick(u, INTS);
    let mut b = Body::new(1);
    let out = match below(u, 3) {
        0 | 1 => {
            let zero = b.iconst(ty, 0);
            let cc = pick(u, &["slt", "sle", "sgt", "sge"]);
            let c = if below(u, 2) == 0 {
                b.inst(format!("icmp {cc} v0, {zero}"))
            } else {
                b.inst(format!("icmp {cc} {zero}, v0"))
            };
            let n = b.inst("ineg v0".to_string());
            if below(u, 2) == 0 {
                b.inst(format!("select {c}, {n}, v0"))
            } else {
                b.inst(format!("select {c}, v0, {n}"))
            }
        }
        _ => {
            let k = b.iconst(ty, bits_of(ty) as u64 - 1);
            let s = b.inst(format!("sshr v0, {k}"));
            let x = b.either(u, "bxor", "v0", &s);
            b.inst(format!("isub {x}, {s}"))
        }
    };
    b.function(&[ty], &[(out, ty.to_string())])
}

/// Extensions and reductions in a row, and their shift and mask spellings.
fn extend_chain(u: &mut Unstructured) -> String {
    let from = pick(u, &["i8", "i16", "i32"]);
    let wider: Vec<&str> = INTS
        .iter()
        .copied()
        .filter(|t| bits_of(t) > bits_of(from))
        .collect();
    let mid = pick(u, &wider);
    let top_choices: Vec<&str> = INTS
        .iter()
        .copied()
        .filter(|t| bits_of(t) >= bits_of(mid))
        .collect();
    let top = pick(u, &top_choices);
    let mut b = Body::new(1);
    let (out, ty) = match below(u, 5) {
        0 => {
            let e1 = pick(u, &["sextend", "uextend"]);
            let e2 = pick(u, &["sextend", "uextend"]);
            let a = b.inst(format!("{e1}.{mid} v0"));
            if top == mid {
                (a, mid)
            } else {
                (b.inst(format!("{e2}.{top} {a}")), top)
            }
        }
        1 => {
            // Extend then reduce back, or to an intermediate width.
            let e = pick(u, &["sextend", "uextend"]);
            let a = b.inst(format!("{e}.{top} v0"));
            let narrow: Vec<&str> = INTS
                .iter()
                .copied()
                .filter(|t| bits_of(t) < bits_of(top))
                .collect();
            let to = pick(u, &narrow);
            (b.inst(format!("ireduce.{to} {a}")), to)
        }
        2 => {
            // Sign extension of the low bits by a shift pair.
            let a = b.inst(format!("uextend.{top} v0"));
            let k = b.iconst(top, (bits_of(top) - bits_of(from)) as u64);
            let s = b.inst(format!("ishl {a}, {k}"));
            (b.inst(format!("sshr {s}, {k}")), top)
        }
        3 => {
            // Zero extension of the low bits by a mask.
            let a = b.inst(format!("sextend.{top} v0"));
            let m = b.iconst(top, mask(bits_of(from)));
            (b.either(u, "band", &a, &m), top)
        }
        _ => {
            // A compare's result widened, as a boolean.
            let zero = b.iconst(from, 0);
            let cc = pick(u, &["eq", "ne", "slt", "ult"]);
            let c = b.inst(format!("icmp {cc} v0, {zero}"));
            (b.inst(format!("uextend.{top} {c}")), top)
        }
    };
    b.function(&[from], &[(out, ty.to_string())])
}

/// Masks on masks, and masks after shifts.
fn masks(u: &mut Unstructured) -> String {
    let ty = pick(u, INTS);
    let bits = bits_of(ty);
    let mut b = Body::new(1);
    let c = |u: &mut Unstructured| -> u64 {
        match below(u, 4) {
            0 => mask(bits),
            1 => 0,
            2 => mask(1 + below(u, bits as u64 - 1) as u32),
            _ => u.arbitrary::<u64>().unwrap_or(0),
        }
    };
    let out = match below(u, 4) {
        0 | 1 => {
            let op = pick(u, &["band", "bor", "bxor"]);
            let c1 = c(u);
            let k1 = b.iconst(ty, c1);
            let a = b.either(u, op, "v0", &k1);
            let c2 = c(u);
            let k2 = b.iconst(ty, c2);
            b.either(u, op, &a, &k2)
        }
        2 => {
            let n = b.inst("bnot v0".to_string());
            let op = pick(u, &["band", "bor", "bxor"]);
            b.either(u, op, "v0", &n)
        }
        _ => {
            let sh = 1 + below(u, bits as u64 - 1);
            let k = b.iconst(ty, sh);
            let s = b.inst(format!("ushr v0, {k}"));
            let m = b.iconst(ty, mask(bits - sh as u32));
            b.either(u, "band", &s, &m)
        }
    };
    b.function(&[ty], &[(out, ty.to_string())])
}

/// Two compares of the same operands combined, or a compare's result
/// compared, negated or selected on.
fn compare_chain(u: &mut Unstructured) -> String {
    let ty = pick(u, INTS);
    const CCS: &[&str] = &[
        "eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge",
    ];
    let mut b = Body::new(2);
    let (out, rty) = match below(u, 4) {
        0 | 1 => {
            let c1 = pick(u, CCS);
            let c2 = pick(u, CCS);
            let a = b.inst(format!("icmp {c1} v0, v1"));
            let x = if below(u, 2) == 0 {
                b.inst(format!("icmp {c2} v0, v1"))
            } else {
                b.inst(format!("icmp {c2} v1, v0"))
            };
            let op = pick(u, &["band", "bor", "bxor"]);
            (b.either(u, op, &a, &x), "i8")
        }
        2 => {
            let c1 = pick(u, CCS);
            let a = b.inst(format!("icmp {c1} v0, v1"));
            let k = b.iconst("i8", below(u, 2));
            let cc = pick(u, &["eq", "ne"]);
            (b.inst(format!("icmp {cc} {a}, {k}")), "i8")
        }
        _ => {
            let c1 = pick(u, CCS);
            let a = b.inst(format!("icmp {c1} v0, v1"));
            let one = b.iconst(ty, 1);
            let zero = b.iconst(ty, 0);
            let out = if below(u, 2) == 0 {
                b.inst(format!("select {a}, {one}, {zero}"))
            } else {
                b.inst(format!("select {a}, {zero}, {one}"))
            };
            return b.function(&[ty, ty], &[(out, ty.to_string())]);
        }
    };
    b.function(&[ty, ty], &[(out, rty.to_string())])
}

/// Division and remainder by a constant.
fn const_division(u: &mut Unstructured) -> String {
    let ty = pick(u, &["i32", "i64"]);
    let op = pick(u, &["udiv", "sdiv", "urem", "srem"]);
    let mut d = match below(u, 3) {
        0 => 1u64 << below(u, bits_of(ty) as u64),
        1 => 2 + below(u, 30),
        _ => u.arbitrary::<u64>().unwrap_or(7),
    } & mask(bits_of(ty));
    if d == 0 {
        d = 3;
    }
    if op.starts_with('s') && d == mask(bits_of(ty)) {
        // −1 traps on the minimum dividend; keep the case trap-free.
        d = 5;
    }
    let mut b = Body::new(1);
    let k = b.iconst(ty, d);
    let out = b.inst(format!("{op} v0, {k}"));
    b.function(&[ty], &[(out, ty.to_string())])
}

/// One function compiled both ways on one target.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Target name.
    pub target: &'static str,
    /// Machine instructions of our pipeline's output.
    pub ours: u64,
    /// Machine instructions of Cranelift's own compile.
    pub theirs: u64,
    /// CLIF instructions of our pipeline's output.
    pub ours_clif: usize,
    /// CLIF instructions after Cranelift's mid-end (`Context::optimize`).
    pub theirs_clif: usize,
    /// The opcodes whose count differs between our output and Cranelift's
    /// optimised CLIF, as `opcode:ours/theirs`, for a finding's report.
    pub opcodes: String,
    /// Our output and Cranelift's optimised CLIF, as text.
    pub texts: (String, String),
}

impl Finding {
    /// Whether Cranelift's code is smaller.
    pub fn worse(&self) -> bool {
        self.ours > self.theirs
    }

    /// Whether Cranelift's code is smaller *and* its mid-end left fewer
    /// CLIF instructions: the mark of a rewrite we miss. Where our CLIF is
    /// no longer than Cranelift's yet the machine code is, the difference
    /// lies in where values are placed and how regalloc2 treats them
    /// (elaboration order, operand order), not in a rule.
    pub fn missing_rule(&self) -> bool {
        self.worse() && self.ours_clif > self.theirs_clif
    }
}

/// Instructions in `func`'s layout.
fn clif_insts(func: &Function) -> usize {
    func.layout
        .blocks()
        .map(|b| func.layout.block_insts(b).count())
        .sum()
}

/// Cranelift's mid-end alone at `isa`'s opt level.
fn cranelift_optimized(
    func: &Function,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
) -> Option<Function> {
    let mut ctx = cranelift_codegen::Context::for_function(func.clone());
    ctx.optimize(
        isa,
        &mut cranelift_codegen::control::ControlPlane::default(),
    )
    .ok()?;
    Some(ctx.func)
}

/// Opcode counts of `func`.
fn opcodes(func: &Function) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for b in func.layout.blocks() {
        for i in func.layout.block_insts(b) {
            *m.entry(func.dfg.insts[i].opcode().to_string()).or_default() += 1;
        }
    }
    m
}

/// `opcode:ours/theirs` for every opcode whose counts differ.
fn opcode_difference(ours: &Function, theirs: &Function) -> String {
    let (a, b) = (opcodes(ours), opcodes(theirs));
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{k}:{}/{}", a.get(k).unwrap_or(&0), b.get(k).unwrap_or(&0)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The entry of [`KNOWN`] that `finding` is, if any.
pub fn known(finding: &Finding) -> Option<&'static Known> {
    KNOWN.iter().find(|k| (k.matches)(finding))
}

/// The two pipelines, built once.
pub struct Fidelity {
    isas: Vec<(&'static str, OwnedTargetIsa, OwnedTargetIsa)>,
    rules: Vec<Rule>,
}

impl Default for Fidelity {
    fn default() -> Self {
        Self::new()
    }
}

impl Fidelity {
    /// The `speed` and `none` ISAs of both targets, and the default rules.
    pub fn new() -> Fidelity {
        Fidelity {
            isas: codegen::TARGETS
                .iter()
                .map(|&t| {
                    (
                        t,
                        codegen::build_isa(t, "speed").expect("the speed ISA builds"),
                        codegen::build_isa(t, "none").expect("the none ISA builds"),
                    )
                })
                .collect(),
            rules: RuleSet::DEFAULT.rules(),
        }
    }

    /// Compile `func` both ways on every target where Cranelift compiles
    /// it. `Err` if our pipeline refuses it or its output does not compile
    /// where Cranelift's does (a bug either way).
    pub fn check(&self, func: &Function) -> Result<Vec<Finding>, String> {
        let ex = extract::cranelift::CraneliftExtractor;
        let mut out = Vec::new();
        for (target, speed, none) in &self.isas {
            // Cranelift's backend panics on some inputs it cannot compile
            // (i128 arguments on x86_64); such a target is skipped.
            let theirs = crate::panics::catch_quietly(|| codegen::compile(func, &**speed));
            let Ok(Ok(theirs)) = theirs else {
                continue;
            };
            let o = pipeline::optimize(func, &**none, &ex, &self.rules, &Settings::default())
                .map_err(|e| format!("{target}: refused: {e}"))?;
            let ours = codegen::compile(&o.func, &**none)
                .map_err(|e| format!("{target}: our output does not compile: {e:#}"))?;
            let optimized = cranelift_optimized(func, &**speed).ok_or_else(|| {
                format!("{target}: Cranelift's optimize fails where its compile does not")
            })?;
            out.push(Finding {
                target,
                ours: ours.insts,
                theirs: theirs.insts,
                ours_clif: clif_insts(&o.func),
                theirs_clif: clif_insts(&optimized),
                opcodes: opcode_difference(&o.func, &optimized),
                texts: (
                    o.func.display().to_string(),
                    optimized.display().to_string(),
                ),
            });
        }
        Ok(out)
    }
}

/// Arguments of `regpress fidelity`.
#[derive(clap::Args, Debug)]
pub struct FidelityArgs {
    /// `.clif` files or directories of them (searched recursively).
    #[arg(required = true)]
    pub paths: Vec<std::path::PathBuf>,
    /// List the functions whose machine instructions exceed Cranelift's by
    /// more than this many percent.
    #[arg(long, default_value_t = 3.0)]
    pub over: f64,
    /// Also print, for each function listed, our output and Cranelift's
    /// optimised CLIF for the first target listed.
    #[arg(long)]
    pub show: bool,
}

/// How a listed function differs from Cranelift's.
fn kind(f: &Finding) -> String {
    if let Some(k) = known(f) {
        format!("known: {}", k.name)
    } else if f.missing_rule() {
        "rule: Cranelift's CLIF is shorter".into()
    } else {
        "placement: our CLIF is no longer".into()
    }
}

/// `regpress fidelity`: every function of the inputs through both
/// pipelines; a Markdown table of those over the bar, with what kind of
/// difference each is. Returns the exit code: 0 (listing is not failing).
pub fn command(args: &FidelityArgs) -> anyhow::Result<i32> {
    use rayon::prelude::*;
    let mut functions = Vec::new();
    for p in &args.paths {
        for f in crate::corpus::clif_files(p)? {
            let file = crate::corpus::load_file(&f)?;
            for func in file.functions {
                functions.push((file.path.clone(), func));
            }
        }
    }
    let fidelity = Fidelity::new();
    let bar = indicatif::ProgressBar::new(functions.len() as u64);
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(256 << 20)
        .build()?;
    let results: Vec<_> = pool.install(|| {
        functions
            .par_iter()
            .map(|(path, func)| {
                let r = fidelity.check(func);
                bar.inc(1);
                (path, func, r)
            })
            .collect()
    });
    bar.finish_and_clear();
    let (mut pairs, mut errors) = (0, 0);
    let mut listed = Vec::new();
    for (path, func, r) in &results {
        match r {
            Ok(findings) => {
                pairs += findings.len();
                for f in findings {
                    if f.ours as f64 > f.theirs as f64 * (1.0 + args.over / 100.0) {
                        listed.push((path, func, f.clone()));
                    }
                }
            }
            Err(e) => {
                errors += 1;
                eprintln!("regpress: {path}:{}: {e}", func.name);
            }
        }
    }
    println!(
        "{} functions, {pairs} function × target pairs compared, {errors} errors; {} pairs over Cranelift's machine instructions by more than {}%:\n",
        functions.len(),
        listed.len(),
        args.over
    );
    println!("| function | target | Cranelift insts | ours | ratio | CLIF Cranelift / ours | kind | opcodes ours/theirs |");
    println!("|---|---|---:|---:|---:|---:|---|---|");
    listed.sort_by(|a, b| {
        (b.2.ours as f64 / b.2.theirs.max(1) as f64)
            .total_cmp(&(a.2.ours as f64 / a.2.theirs.max(1) as f64))
    });
    for (path, func, f) in &listed {
        println!(
            "| {}:{} | {} | {} | {} | {:.3} | {} / {} | {} | {} |",
            path.rsplit("corpus/").next().unwrap_or(path),
            func.name,
            f.target,
            f.theirs,
            f.ours,
            f.ours as f64 / f.theirs.max(1) as f64,
            f.theirs_clif,
            f.ours_clif,
            kind(f),
            f.opcodes
        );
    }
    if args.show {
        for (path, func, f) in &listed {
            println!(
                "\n{path}:{} ({}), ours:\n{}\nCranelift's:\n{}",
                func.name, f.target, f.texts.0, f.texts.1
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every idiom parses and verifies for many byte strings.
    #[test]
    fn idioms_are_valid_clif() {
        let isa = codegen::build_isa("x86_64", "none").unwrap();
        for name in IDIOMS {
            for seed in 0..40u8 {
                let bytes: Vec<u8> = (0..64)
                    .map(|i| seed.wrapping_mul(31).wrapping_add(i * 7))
                    .collect();
                let case = Case {
                    source: "t",
                    text: idiom(name, &mut Unstructured::new(&bytes)),
                };
                let f = case.function();
                cranelift_codegen::verify_function(&f, &*isa)
                    .unwrap_or_else(|e| panic!("{name}: {e}\n{}", case.text));
            }
        }
    }

    /// The 32-bit byte swap idiom is one `bswap` under both pipelines.
    #[test]
    fn bswap_idiom_matches_cranelift() {
        let mut b = Body::new(1);
        let _ = &mut b;
        let text = bswap(&mut Unstructured::new(&[1, 0, 0, 0, 0, 0, 0, 0]));
        let case = Case {
            source: "bswap",
            text,
        };
        let f = Fidelity::new().check(&case.function()).unwrap();
        assert!(!f.is_empty());
        assert!(f.iter().all(|x| !x.worse()), "{f:?}\n{}", case.text);
    }
}
