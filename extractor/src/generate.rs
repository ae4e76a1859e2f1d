//! A generator of valid random CLIF functions, driven by an
//! [`arbitrary::Unstructured`] byte source, for differential testing and
//! fuzzing of the whole pipeline.
//!
//! The generator writes CLIF *text* and parses it with `cranelift-reader`:
//! text is the one interface whose rules (value numbering, block
//! parameters, immediates) every Cranelift tool agrees on, and a failing
//! case can be printed and replayed as a `.clif` file as it is.
//!
//! Validity holds by construction: every operand is taken from a scope of
//! values that dominate the current point (arms and loop bodies open a
//! scope and close it on exit; values flow out only through block
//! parameters), every loop has a counter that stops it after at most
//! [`MAX_TRIP`] iterations, and every immediate is masked to its type. A
//! byte source that runs dry continues with a generator seeded from the
//! bytes drawn so far, so every byte string, the empty one included, gives
//! a function, always the same one.
//!
//! What it produces, on purpose:
//! - multi-block functions: if/else diamonds with merge parameters and loops
//!   with loop-carried block parameters, nested up to [`MAX_DEPTH`];
//! - integer types `i8` to `i128` and `f32`/`f64`;
//! - shared subexpressions (earlier pure instructions replayed verbatim) and
//!   operands drawn from the whole scope, which keeps many values live;
//! - *pressure bursts*: a run of values that all stay live until a final
//!   chain folds them together;
//! - constants in every immediate range the cost model distinguishes (see
//!   [`CONSTANTS`]);
//! - the pure operators regpress models, stack-slot loads and stores, and
//!   trapping operators (division, `fcvt_to_sint`, `uadd_overflow_trap`,
//!   `trapz`) whose traps must survive optimisation.

use arbitrary::Unstructured;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::Function;
use std::collections::HashSet;
use std::fmt::Write as _;

/// Loops stop after at most this many iterations.
pub const MAX_TRIP: u64 = 8;

/// Loops and diamonds nest at most this deep.
pub const MAX_DEPTH: usize = 3;

/// At most this many values go into one digest.
const MAX_DIGEST: usize = 24;

/// Bytes in the function's one stack slot.
const SLOT_BYTES: u32 = 32;

/// Integer constants the cost model tells apart: zero, small values, the
/// aarch64 12-bit immediate and its 12-bit-shifted form, 16-bit move-wide
/// chunks, the x86 sign-extended imm32 boundaries, full 64-bit values,
/// negatives, and logical (bitmask-encodable) immediates, next to values
/// that are none of these.
pub const CONSTANTS: &[u64] = &[
    0,
    1,
    2,
    3,
    7,
    8,
    31,
    32,
    63,
    64,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xfff,
    0x1000,
    0x1001,
    0xfff000,
    0x123000,
    0x1000000,
    0xffff,
    0x10000,
    0xffff0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
    (-2i64) as u64,
    (-4096i64) as u64,
    (-0x8000_0000i64) as u64,
    (-0x8000_0001i64) as u64,
    0x5555_5555_5555_5555,
    0x3333_3333_3333_3333,
    0x0f0f_0f0f_0f0f_0f0f,
    0x00ff_00ff_00ff_00ff,
    0x0000_ffff_ffff_0000,
    0xff00,
    0x1234_5678_9abc_def0,
    0x0000_1234_0000_0000,
];

/// A scalar type the generator uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Ty {
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
}

const INTS: &[Ty] = &[Ty::I8, Ty::I16, Ty::I32, Ty::I64, Ty::I128];
/// Integer types a branch, `select` condition or loop counter may have.
const NARROW_INTS: &[Ty] = &[Ty::I8, Ty::I16, Ty::I32, Ty::I64];
/// Types a signature may use: Cranelift's backends refuse `i128` arguments
/// and results without LLVM ABI extensions (and panic on them).
const SIG: &[Ty] = &[Ty::I8, Ty::I16, Ty::I32, Ty::I64, Ty::F32, Ty::F64];
const ALL: &[Ty] = &[
    Ty::I8,
    Ty::I16,
    Ty::I32,
    Ty::I64,
    Ty::I128,
    Ty::F32,
    Ty::F64,
];

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::I8 => "i8",
            Ty::I16 => "i16",
            Ty::I32 => "i32",
            Ty::I64 => "i64",
            Ty::I128 => "i128",
            Ty::F32 => "f32",
            Ty::F64 => "f64",
        }
    }
    fn bits(self) -> u32 {
        match self {
            Ty::I8 => 8,
            Ty::I16 => 16,
            Ty::I32 | Ty::F32 => 32,
            Ty::I64 | Ty::F64 => 64,
            Ty::I128 => 128,
        }
    }
    fn is_float(self) -> bool {
        matches!(self, Ty::F32 | Ty::F64)
    }
}

/// Size knobs.
#[derive(Copy, Clone, Debug)]
pub struct Config {
    /// Upper bound on generated instructions (approximate: a region may
    /// finish its last construct past it).
    pub max_insts: usize,
    /// Upper bound on function parameters.
    pub max_params: usize,
    /// Upper bound on return values.
    pub max_returns: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_insts: 120,
            max_params: 5,
            max_returns: 3,
        }
    }
}

/// A byte source that never fails. Once the bytes run out it continues
/// with a SplitMix64 generator seeded from everything drawn so far, so a
/// short input still gives a varied function (zeros would repeat the same
/// choice) and the same bytes always give the same function.
struct Src<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    state: u64,
}

impl Src<'_, '_> {
    fn mix(&mut self, x: u64) -> u64 {
        self.state = (self.state ^ x).wrapping_mul(0x100_0000_01b3);
        x
    }
    fn prng(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else if self.u.is_empty() {
            (self.prng() % n as u64) as usize
        } else {
            let x = self.u.int_in_range(0..=n - 1).unwrap_or(0);
            self.mix(x as u64) as usize
        }
    }
    /// True with probability about `num/den`.
    fn chance(&mut self, num: u32, den: u32) -> bool {
        (self.below(den as usize) as u32) < num
    }
    fn bits(&mut self) -> u64 {
        if self.u.is_empty() {
            self.prng()
        } else {
            let x = self.u.arbitrary().unwrap_or(0);
            self.mix(x)
        }
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// A replayable pure instruction: its result type and right-hand side.
struct Expr {
    /// Index in the scope of its result (its operands come before it).
    at: usize,
    ty: Ty,
    rhs: String,
}

struct Gen<'a, 'b> {
    src: Src<'a, 'b>,
    cfg: Config,
    out: String,
    next_value: u32,
    next_block: u32,
    /// Values that dominate the current point, oldest first.
    scope: Vec<(u32, Ty)>,
    /// The `iconst` results among them, so that operations on constants
    /// (constant folding) are common rather than rare.
    consts: Vec<(u32, Ty)>,
    /// Pure instructions whose operands are all in scope.
    exprs: Vec<Expr>,
    insts: usize,
    uses_stack: bool,
    /// Values used as an operand so far.
    used: HashSet<u32>,
}

/// Generate CLIF text for one function named `%fuzz`.
pub fn generate_text(u: &mut Unstructured, cfg: Config) -> String {
    let mut g = Gen {
        src: Src {
            u,
            state: 0xcbf2_9ce4_8422_2325,
        },
        cfg,
        out: String::new(),
        next_value: 0,
        next_block: 1,
        scope: Vec::new(),
        consts: Vec::new(),
        exprs: Vec::new(),
        insts: 0,
        uses_stack: false,
        used: HashSet::new(),
    };
    g.function()
}

/// Generate one function from `u`. Never fails: an exhausted source gives
/// a small function.
///
/// # Panics
/// Only if the generated text fails to parse, which is a generator bug.
pub fn generate(u: &mut Unstructured, cfg: Config) -> Function {
    let text = generate_text(u, cfg);
    parse(&text)
}

/// Generate one function from raw bytes with the default [`Config`].
pub fn from_bytes(bytes: &[u8]) -> Function {
    generate(&mut Unstructured::new(bytes), Config::default())
}

/// Parse generated text. A failure is a generator bug, so it panics with
/// the text.
fn parse(text: &str) -> Function {
    match cranelift_reader::parse_functions(text) {
        Ok(mut fs) if fs.len() == 1 => fs.remove(0),
        Ok(fs) => panic!("generator produced {} functions:\n{text}", fs.len()),
        Err(e) => panic!("generator produced unparsable CLIF ({e}):\n{text}"),
    }
}

impl Gen<'_, '_> {
    fn function(&mut self) -> String {
        let nparams = 1 + self.src.below(self.cfg.max_params.max(1));
        let params: Vec<Ty> = (0..nparams).map(|_| self.src.pick(SIG)).collect();
        // The first result is a digest of every value nothing else used, so
        // that (almost) nothing the generator wrote is dead code.
        let nrets = self.src.below(self.cfg.max_returns.max(1));
        let mut rets = vec![Ty::I64];
        rets.extend((0..nrets).map(|_| self.src.pick(SIG)));
        self.uses_stack = self.src.chance(1, 2);
        let budget = 4 + self.src.below(self.cfg.max_insts.saturating_sub(4) + 1);

        let names = |ts: &[Ty]| ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
        let mut head = format!(
            "function %fuzz({}) -> {} {{\n",
            names(&params),
            names(&rets)
        );
        if self.uses_stack {
            let _ = writeln!(head, "    ss0 = explicit_slot {SLOT_BYTES}");
        }
        let param_vals: Vec<u32> = params.iter().map(|&t| self.fresh(t)).collect();
        let _ = writeln!(
            self.out,
            "block0({}):",
            param_vals
                .iter()
                .zip(&params)
                .map(|(v, t)| format!("v{v}: {}", t.name()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if self.uses_stack {
            // Zero the slot so that loads never read undefined bytes.
            let z = self.def_raw(Ty::I64, "iconst.i64 0".into());
            for off in (0..SLOT_BYTES).step_by(8) {
                let a = self.slot_addr(off);
                self.line(format!("store notrap aligned v{z}, v{a}"));
            }
        }
        self.region(0, budget);
        let mut rvals: Vec<u32> = rets[1..].iter().map(|&t| self.operand(t)).collect();
        rvals.insert(0, self.digest(0));
        self.line(format!(
            "return {}",
            rvals
                .iter()
                .map(|v| format!("v{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        head.push_str(&self.out);
        head.push_str("}\n");
        head
    }

    /// A new value number of type `t`, in scope from now on.
    fn fresh(&mut self, t: Ty) -> u32 {
        let v = self.next_value;
        self.next_value += 1;
        self.scope.push((v, t));
        v
    }

    fn line(&mut self, s: String) {
        self.insts += 1;
        // Every `vN` right of the `=` is a use.
        let rhs = s.split_once(" = ").map_or(s.as_str(), |(_, r)| r);
        for word in rhs.split(|c: char| !c.is_ascii_alphanumeric()) {
            if let Some(n) = word.strip_prefix('v').and_then(|d| d.parse().ok()) {
                self.used.insert(n);
            }
        }
        let _ = writeln!(self.out, "    {s}");
    }

    /// The address of byte `off` of the stack slot. It stays out of the
    /// scope: an address is not a number the program should compute with.
    fn slot_addr(&mut self, off: u32) -> u32 {
        let v = self.next_value;
        self.next_value += 1;
        self.line(format!("v{v} = stack_addr.i64 ss0+{off}"));
        v
    }

    /// Define a value with an instruction that is not replayed.
    fn def_raw(&mut self, t: Ty, rhs: String) -> u32 {
        let v = self.fresh(t);
        self.line(format!("v{v} = {rhs}"));
        v
    }

    /// Define a pure value, remembered for replay as a shared subexpression.
    fn def(&mut self, t: Ty, rhs: String) -> u32 {
        let v = self.def_raw(t, rhs.clone());
        self.exprs.push(Expr {
            at: self.scope.len() - 1,
            ty: t,
            rhs,
        });
        v
    }

    /// An `i64` folding together the unused values defined since the scope
    /// had `mark` values (at most [`MAX_DIGEST`], the latest), so that
    /// they are live: each is converted to `i64` and mixed in.
    fn digest(&mut self, mark: usize) -> u32 {
        let unused: Vec<(u32, Ty)> = self.scope[mark.min(self.scope.len())..]
            .iter()
            .filter(|(v, _)| !self.used.contains(v))
            .copied()
            .collect();
        let skip = unused.len().saturating_sub(MAX_DIGEST);
        let mut acc: Option<u32> = None;
        for (v, t) in unused.into_iter().skip(skip) {
            let x = self.widen_to_i64(v, t);
            acc = Some(match acc {
                None => x,
                Some(a) => {
                    let op = self.src.pick(&["bxor", "iadd", "isub", "bxor"]);
                    self.def(Ty::I64, format!("{op} v{a}, v{x}"))
                }
            });
        }
        match acc {
            Some(a) => a,
            None => self.operand(Ty::I64),
        }
    }

    /// `v` (of type `t`) as an `i64`, bits preserved where they fit.
    fn widen_to_i64(&mut self, v: u32, t: Ty) -> u32 {
        match t {
            Ty::I64 => v,
            Ty::I8 | Ty::I16 | Ty::I32 => self.def(Ty::I64, format!("uextend.i64 v{v}")),
            Ty::I128 => self.def(Ty::I64, format!("ireduce.i64 v{v}")),
            Ty::F64 => self.def(Ty::I64, format!("bitcast.i64 v{v}")),
            Ty::F32 => {
                let i = self.def(Ty::I32, format!("bitcast.i32 v{v}"));
                self.def(Ty::I64, format!("uextend.i64 v{i}"))
            }
        }
    }

    /// Close a scope opened when the scope had `mark` values.
    fn close(&mut self, mark: usize) {
        // Value numbers grow with the scope, so the values leaving it are
        // exactly those numbered from its `mark`th on.
        if let Some(&(first_gone, _)) = self.scope.get(mark) {
            self.consts.retain(|&(v, _)| v < first_gone);
        }
        self.scope.truncate(mark);
        self.exprs.retain(|e| e.at < mark);
    }

    fn new_block(&mut self) -> u32 {
        let b = self.next_block;
        self.next_block += 1;
        b
    }

    /// An operand of type `t`: usually an existing value (recent ones for
    /// chains, any for long live ranges), sometimes a new constant or
    /// conversion.
    fn operand(&mut self, t: Ty) -> u32 {
        let candidates: Vec<u32> = self
            .scope
            .iter()
            .filter(|(_, ty)| *ty == t)
            .map(|(v, _)| *v)
            .collect();
        if candidates.is_empty() || self.src.chance(1, 8) {
            return self.make(t);
        }
        if self.src.chance(1, 5) {
            let konst: Vec<u32> = self
                .consts
                .iter()
                .filter(|(_, ty)| *ty == t)
                .map(|(v, _)| *v)
                .collect();
            if !konst.is_empty() {
                return self.src.pick(&konst);
            }
        }
        if self.src.chance(1, 2) {
            let recent = candidates.len().min(4);
            candidates[candidates.len() - 1 - self.src.below(recent)]
        } else {
            self.src.pick(&candidates)
        }
    }

    /// A new value of type `t` that needs no operand of type `t`.
    fn make(&mut self, t: Ty) -> u32 {
        match t {
            Ty::I128 => {
                let c = self.constant(Ty::I64);
                let ext = if self.src.chance(1, 2) {
                    "sextend"
                } else {
                    "uextend"
                };
                self.def(t, format!("{ext}.i128 v{c}"))
            }
            Ty::F32 | Ty::F64 => {
                if self.src.chance(1, 2) {
                    self.float_constant(t)
                } else {
                    let ity = if t == Ty::F32 { Ty::I32 } else { Ty::I64 };
                    let from = self.existing_or_constant(ity);
                    self.def(t, format!("bitcast.{} v{from}", t.name()))
                }
            }
            _ => {
                // An existing value of another integer type, converted, or a
                // constant.
                let other: Vec<(u32, Ty)> = self
                    .scope
                    .iter()
                    .filter(|(_, ty)| !ty.is_float() && *ty != t)
                    .copied()
                    .collect();
                if !other.is_empty() && self.src.chance(1, 2) {
                    let (v, from) = self.src.pick(&other);
                    self.convert(v, from, t)
                } else {
                    self.constant(t)
                }
            }
        }
    }

    fn existing_or_constant(&mut self, t: Ty) -> u32 {
        let c: Vec<u32> = self
            .scope
            .iter()
            .filter(|(_, ty)| *ty == t)
            .map(|(v, _)| *v)
            .collect();
        if c.is_empty() {
            self.constant(t)
        } else {
            self.src.pick(&c)
        }
    }

    /// Integer `v` of type `from` as type `to` (both integers).
    fn convert(&mut self, v: u32, from: Ty, to: Ty) -> u32 {
        if from.bits() > to.bits() {
            self.def(to, format!("ireduce.{} v{v}", to.name()))
        } else {
            let ext = if self.src.chance(1, 2) {
                "sextend"
            } else {
                "uextend"
            };
            self.def(to, format!("{ext}.{} v{v}", to.name()))
        }
    }

    /// An `iconst` of integer type `t` (for `i128`, an extended `i64`).
    fn constant(&mut self, t: Ty) -> u32 {
        if t == Ty::I128 {
            return self.make(t);
        }
        let raw = match self.src.below(8) {
            0..=4 => self.src.pick(CONSTANTS),
            5 => 1u64 << self.src.below(64),
            6 => (1u64 << self.src.below(64)).wrapping_sub(1),
            _ => self.src.bits(),
        };
        let raw = if self.src.chance(1, 8) {
            raw.wrapping_neg()
        } else {
            raw
        };
        let masked = if t.bits() >= 64 {
            raw
        } else {
            raw & ((1u64 << t.bits()) - 1)
        };
        let v = self.def(t, format!("iconst.{} {masked:#x}", t.name()));
        self.consts.push((v, t));
        v
    }

    fn float_constant(&mut self, t: Ty) -> u32 {
        let special32: &[u32] = &[
            0,
            0x8000_0000,
            0x3f80_0000,
            0xbf80_0000,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0000,
            0x7fa0_0001,
            0x0000_0001,
            0x4f00_0000,
        ];
        let special64: &[u64] = &[
            0,
            0x8000_0000_0000_0000,
            0x3ff0_0000_0000_0000,
            0x7ff0_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0x7ff4_0000_0000_0001,
            0x43e0_0000_0000_0000,
            1,
        ];
        let text = if t == Ty::F32 {
            let b = if self.src.chance(1, 2) {
                self.src.pick(special32)
            } else {
                self.src.bits() as u32
            };
            format!("f32const {}", Ieee32::with_bits(b))
        } else {
            let b = if self.src.chance(1, 2) {
                self.src.pick(special64)
            } else {
                self.src.bits()
            };
            format!("f64const {}", Ieee64::with_bits(b))
        };
        self.def(t, text)
    }

    /// A condition value (an integer of at most 64 bits).
    fn condition(&mut self) -> u32 {
        if self.src.chance(2, 3) {
            self.compare()
        } else {
            let t = self.src.pick(NARROW_INTS);
            self.operand(t)
        }
    }

    fn compare(&mut self) -> u32 {
        if self.src.chance(1, 4) {
            let t = self.src.pick(&[Ty::F32, Ty::F64]);
            let cc = self.src.pick(&[
                "eq", "ne", "lt", "le", "gt", "ge", "uno", "ord", "ueq", "one", "ult", "ule",
                "ugt", "uge",
            ]);
            let (a, b) = (self.operand(t), self.operand(t));
            self.def(Ty::I8, format!("fcmp {cc} v{a}, v{b}"))
        } else {
            let t = self.src.pick(INTS);
            let cc = self.src.pick(&[
                "eq", "ne", "slt", "sge", "sgt", "sle", "ult", "uge", "ugt", "ule",
            ]);
            let (a, b) = (self.operand(t), self.operand(t));
            self.def(Ty::I8, format!("icmp {cc} v{a}, v{b}"))
        }
    }

    /// A sequence of constructs using about `budget` instructions.
    fn region(&mut self, depth: usize, budget: usize) {
        let stop = self.insts + budget;
        while self.insts < stop {
            let left = stop - self.insts;
            match self.src.below(24) {
                0 | 1 if depth < MAX_DEPTH && left >= 8 => self.diamond(depth, left / 2),
                2 | 3 if depth < MAX_DEPTH && left >= 8 => self.looped(depth, left / 2),
                4 if left >= 8 => {
                    let n = 6 + self.src.below(left.min(24) - 5);
                    self.burst(n)
                }
                5 | 6 => self.replay(),
                _ => self.instruction(),
            }
        }
    }

    /// Re-emit an earlier pure instruction: a shared subexpression.
    fn replay(&mut self) {
        if self.exprs.is_empty() {
            return self.instruction();
        }
        let i = self.src.below(self.exprs.len());
        let (ty, rhs) = (self.exprs[i].ty, self.exprs[i].rhs.clone());
        self.def(ty, rhs);
    }

    /// Many values live at once: define `n` values, then fold them all.
    fn burst(&mut self, n: usize) {
        let t = self.src.pick(INTS);
        let vals: Vec<u32> = (0..n / 2)
            .map(|_| {
                let op = self
                    .src
                    .pick(&["iadd", "isub", "imul", "bxor", "band", "bor"]);
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(t, format!("{op} v{a}, v{b}"))
            })
            .collect();
        let mut acc = self.operand(t);
        for v in vals.into_iter().rev() {
            let op = self.src.pick(&["iadd", "bxor", "isub", "imul"]);
            acc = self.def(t, format!("{op} v{acc}, v{v}"));
        }
    }

    /// `brif c, then, else`; both arms jump to a merge block with params.
    fn diamond(&mut self, depth: usize, budget: usize) {
        let c = self.condition();
        // The first merge parameter carries the digest of each arm.
        let mut merge_tys = vec![Ty::I64];
        merge_tys.extend((0..self.src.below(4)).map(|_| self.src.pick(ALL)));
        let (bt, be, bm) = (self.new_block(), self.new_block(), self.new_block());
        self.line(format!("brif v{c}, block{bt}, block{be}"));
        for b in [bt, be] {
            let _ = writeln!(self.out, "block{b}:");
            let mark = self.scope.len();
            self.region(depth + 1, budget / 2);
            let mut args: Vec<u32> = merge_tys[1..].iter().map(|&t| self.operand(t)).collect();
            args.insert(0, self.digest(mark));
            self.line(format!("jump {}", call(bm, &args)));
            self.close(mark);
        }
        let params: Vec<u32> = merge_tys.iter().map(|&t| self.fresh(t)).collect();
        let _ = writeln!(self.out, "{}:", header(bm, &params, &merge_tys));
    }

    /// A loop with a counter and loop-carried values:
    ///
    /// ```text
    ///     jump head(start, inits...)
    /// head(c, xs...):
    ///     body
    ///     c2 = iadd c, 1
    ///     brif (icmp ult c2, limit), head(c2, ys...), exit(ys...)
    /// exit(zs...):
    /// ```
    ///
    /// `limit` is a constant or a function value masked to 0..=7, and the
    /// counter starts below [`MAX_TRIP`], so the loop runs at most
    /// [`MAX_TRIP`] times.
    fn looped(&mut self, depth: usize, budget: usize) {
        let ct = self.src.pick(NARROW_INTS);
        // The first carried value is the digest of the body.
        let mut carried = vec![Ty::I64];
        carried.extend((0..self.src.below(3)).map(|_| self.src.pick(ALL)));
        let start = self.src.below(MAX_TRIP as usize);
        let start = self.def(ct, format!("iconst.{} {start}", ct.name()));
        let limit = if self.src.chance(1, 2) {
            let l = self.src.below(MAX_TRIP as usize + 1);
            self.def(ct, format!("iconst.{} {l}", ct.name()))
        } else {
            let x = self.operand(ct);
            let m = self.def(ct, format!("iconst.{} 7", ct.name()));
            self.def(ct, format!("band v{x}, v{m}"))
        };
        let one = self.def(ct, format!("iconst.{} 1", ct.name()));
        let inits: Vec<u32> = carried.iter().map(|&t| self.operand(t)).collect();
        let (head, exit) = (self.new_block(), self.new_block());
        self.line(format!("jump block{head}(v{start}, {})", list(&inits)));
        let mark = self.scope.len();
        let c = self.fresh(ct);
        let xs: Vec<u32> = carried.iter().map(|&t| self.fresh(t)).collect();
        let mut all = vec![c];
        all.extend(&xs);
        let mut tys = vec![ct];
        tys.extend(&carried);
        let _ = writeln!(self.out, "block{head}({}):", typed(&all, &tys));
        self.region(depth + 1, budget);
        let mut ys: Vec<u32> = carried[1..].iter().map(|&t| self.operand(t)).collect();
        ys.insert(0, self.digest(mark + 1));
        let c2 = self.def_raw(ct, format!("iadd v{c}, v{one}"));
        let more = self.def_raw(Ty::I8, format!("icmp ult v{c2}, v{limit}"));
        self.line(format!(
            "brif v{more}, block{head}(v{c2}, {}), block{exit}({})",
            list(&ys),
            list(&ys)
        ));
        self.close(mark);
        let zs: Vec<u32> = carried.iter().map(|&t| self.fresh(t)).collect();
        let _ = writeln!(self.out, "{}:", header(exit, &zs, &carried));
    }

    /// One instruction of a random kind.
    fn instruction(&mut self) {
        let t = self.src.pick(ALL);
        if t.is_float() {
            return self.float_instruction(t);
        }
        let n = t.name();
        let wide = t == Ty::I128;
        match self.src.below(14) {
            0..=3 => {
                let ops: &[&str] = if wide {
                    &[
                        "iadd", "isub", "imul", "band", "bor", "bxor", "ishl", "ushr", "sshr",
                        "rotl", "rotr",
                    ]
                } else {
                    &[
                        "iadd", "isub", "imul", "band", "bor", "bxor", "ishl", "ushr", "sshr",
                        "rotl", "rotr", "smin", "smax", "umin", "umax", "umulhi", "smulhi",
                    ]
                };
                let op = self.src.pick(ops);
                let a = self.operand(t);
                let b = if matches!(op, "ishl" | "ushr" | "sshr" | "rotl" | "rotr")
                    && self.src.chance(1, 2)
                {
                    let at = self.src.pick(INTS);
                    self.operand(at)
                } else {
                    self.operand(t)
                };
                self.def(t, format!("{op} v{a}, v{b}"));
            }
            4 => {
                let ops: &[&str] = if wide {
                    &["bnot", "ineg", "clz", "ctz", "popcnt"]
                } else if t == Ty::I8 {
                    &["bnot", "ineg", "iabs", "clz", "ctz", "popcnt", "bitrev"]
                } else {
                    &[
                        "bnot", "ineg", "iabs", "clz", "ctz", "popcnt", "bitrev", "bswap",
                    ]
                };
                let op = self.src.pick(ops);
                let a = self.operand(t);
                self.def(t, format!("{op} v{a}"));
            }
            5 => {
                self.compare();
            }
            6 => {
                let c = self.condition();
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(t, format!("select v{c}, v{a}, v{b}"));
            }
            7 => {
                let c = self.constant(t);
                let a = self.operand(t);
                let op = self
                    .src
                    .pick(&["iadd", "isub", "band", "bor", "bxor", "imul"]);
                self.def(t, format!("{op} v{a}, v{c}"));
            }
            8 => {
                let from = self.src.pick(INTS);
                if from != t {
                    let v = self.operand(from);
                    self.convert(v, from, t);
                } else {
                    let a = self.operand(t);
                    let b = self.src.pick(INTS);
                    self.def(b, format!("bmask.{} v{a}", b.name()));
                }
            }
            9 if !wide => {
                // Trapping division: the divisor is sometimes zero.
                let op = self.src.pick(&["udiv", "sdiv", "urem", "srem"]);
                let a = self.operand(t);
                let b = if self.src.chance(1, 3) {
                    let d = self.operand(t);
                    let one = self.def(t, format!("iconst.{n} 1"));
                    self.def(t, format!("bor v{d}, v{one}"))
                } else {
                    self.operand(t)
                };
                self.def_raw(t, format!("{op} v{a}, v{b}"));
            }
            10 if self.uses_stack => {
                let off = self.src.below((SLOT_BYTES - t.bits() / 8) as usize + 1) as u32;
                if self.src.chance(1, 2) {
                    let v = self.operand(t);
                    let a = self.slot_addr(off);
                    self.line(format!("store notrap v{v}, v{a}"));
                } else {
                    let a = self.slot_addr(off);
                    self.def_raw(t, format!("load.{n} notrap v{a}"));
                }
            }
            // aarch64 has no `bitselect.i128`.
            11 if !wide => {
                let c = self.condition();
                let m = self.same_type_mask(c, t);
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(t, format!("bitselect v{m}, v{a}, v{b}"));
            }
            12 if t == Ty::I64 || t == Ty::I32 => {
                if self.src.chance(1, 2) {
                    let (a, b) = (self.operand(t), self.operand(t));
                    self.def_raw(t, format!("uadd_overflow_trap v{a}, v{b}, user1"));
                } else {
                    let c = self.operand(t);
                    let op = self.src.pick(&["trapz", "trapnz"]);
                    self.line(format!("{op} v{c}, user2"));
                }
            }
            13 if t == Ty::I64 => {
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(Ty::I128, format!("iconcat v{a}, v{b}"));
            }
            _ => {
                let (a, b) = (self.operand(t), self.operand(t));
                let op = self.src.pick(&["iadd", "isub", "bxor"]);
                self.def(t, format!("{op} v{a}, v{b}"));
            }
        }
    }

    /// A value of type `t` made from condition `c` (bitselect needs a mask of
    /// the operands' type).
    fn same_type_mask(&mut self, c: u32, t: Ty) -> u32 {
        let ct = self
            .scope
            .iter()
            .find(|(v, _)| *v == c)
            .map(|(_, ty)| *ty)
            .unwrap_or(t);
        if ct == t {
            c
        } else {
            self.def(t, format!("bmask.{} v{c}", t.name()))
        }
    }

    fn float_instruction(&mut self, t: Ty) {
        let n = t.name();
        match self.src.below(9) {
            0..=2 => {
                let op =
                    self.src
                        .pick(&["fadd", "fsub", "fmul", "fdiv", "fmin", "fmax", "fcopysign"]);
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(t, format!("{op} v{a}, v{b}"));
            }
            3 => {
                let op = self
                    .src
                    .pick(&["fneg", "fabs", "sqrt", "ceil", "floor", "trunc", "nearest"]);
                let a = self.operand(t);
                self.def(t, format!("{op} v{a}"));
            }
            4 => {
                let (a, b, c) = (self.operand(t), self.operand(t), self.operand(t));
                self.def(t, format!("fma v{a}, v{b}, v{c}"));
            }
            5 => {
                let it = self.src.pick(&[Ty::I32, Ty::I64]);
                let x = self.operand(it);
                self.def(t, format!("fcvt_from_sint.{n} v{x}"));
            }
            6 => {
                let it = self.src.pick(&[Ty::I32, Ty::I64]);
                let x = self.operand(t);
                if self.src.chance(1, 2) {
                    self.def(it, format!("fcvt_to_sint_sat.{} v{x}", it.name()));
                } else {
                    // Traps on NaN and out-of-range values.
                    self.def_raw(it, format!("fcvt_to_sint.{} v{x}", it.name()));
                }
            }
            7 => {
                let c = self.condition();
                let (a, b) = (self.operand(t), self.operand(t));
                self.def(t, format!("select v{c}, v{a}, v{b}"));
            }
            _ => {
                let other = if t == Ty::F32 { Ty::F64 } else { Ty::F32 };
                let x = self.operand(other);
                let op = if t == Ty::F64 { "fpromote" } else { "fdemote" };
                self.def(t, format!("{op}.{n} v{x}"));
            }
        }
    }
}

fn list(vs: &[u32]) -> String {
    vs.iter()
        .map(|v| format!("v{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `blockN(v1, v2)`, or `blockN` without arguments.
fn call(block: u32, args: &[u32]) -> String {
    if args.is_empty() {
        format!("block{block}")
    } else {
        format!("block{block}({})", list(args))
    }
}

/// `blockN(v1: t1, …)`, or `blockN` without parameters.
fn header(block: u32, vs: &[u32], ts: &[Ty]) -> String {
    if vs.is_empty() {
        format!("block{block}")
    } else {
        format!("block{block}({})", typed(vs, ts))
    }
}

fn typed(vs: &[u32], ts: &[Ty]) -> String {
    vs.iter()
        .zip(ts)
        .map(|(v, t)| format!("v{v}: {}", t.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::settings;

    fn verify(f: &Function) {
        let flags = settings::Flags::new(settings::builder());
        if let Err(e) = cranelift_codegen::verifier::verify_function(f, &flags) {
            panic!("{f}\n{e}");
        }
    }

    #[test]
    fn empty_and_constant_sources_give_valid_functions() {
        for bytes in [vec![], vec![0u8; 100], vec![0xff; 1000], vec![0x55; 3000]] {
            verify(&from_bytes(&bytes));
        }
    }

    #[test]
    fn pseudo_random_sources_give_valid_functions() {
        let mut rng = crate::validate::semantics::Rng::new(7);
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len * 13).map(|_| rng.next_u64() as u8).collect();
            verify(&from_bytes(&bytes));
        }
    }
}
