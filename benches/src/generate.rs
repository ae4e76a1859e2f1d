//! Generated CLIF functions of any size, for the scaling series.
//!
//! A function is a chain of diamonds: each segment computes pure integer
//! arithmetic in a head block, branches on one of its values, computes a
//! little more on each arm, and joins through a block parameter. Operands
//! are mostly recent values (short live ranges, as compiled code has) and
//! sometimes any earlier value (long live ranges, which make register
//! pressure); constants and shifts give Cranelift's default rules something
//! to rewrite. The generator is a fixed linear congruential sequence, so a
//! size always gives the same function.

use cranelift_codegen::ir::Function;
use std::fmt::Write as _;

/// Knuth's MMIX linear congruential generator: deterministic, no
/// dependency, and random enough to vary operands and opcodes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pure instructions in a segment's head block; each arm gets a quarter.
const HEAD_OPS: usize = 24;

/// Builds the text of one function.
struct Gen {
    rng: Lcg,
    text: String,
    next_value: usize,
    next_block: usize,
    /// Values usable in the current block, oldest first.
    pool: Vec<usize>,
    emitted: usize,
}

impl Gen {
    fn value(&mut self) -> usize {
        self.next_value += 1;
        self.next_value - 1
    }

    fn operand(&mut self, pool: &[usize]) -> usize {
        // Four in five drawn operands come from the 16 newest values.
        if self.rng.below(5) < 4 {
            let window = pool.len().min(16);
            pool[pool.len() - 1 - self.rng.below(window)]
        } else {
            pool[self.rng.below(pool.len())]
        }
    }

    /// Emit one pure instruction whose operands come from `pool`, and push
    /// its result onto it.
    fn op(&mut self, pool: &mut Vec<usize>) {
        // The first operand is the newest value, so that every result is
        // used (a generated graph is all live code, as a compiled one is);
        // the second is drawn to vary live ranges.
        // The second is never the first: `x - x`, `x ^ x` and `x & x` would
        // fold, and folded values merge classes across the whole function,
        // which compiled code does not do.
        let (&a, older) = pool.split_last().expect("pools start with the parameters");
        let b = self.operand(older);
        // Cranelift 0.135 has no `*_imm` forms: a constant operand is an
        // `iconst`, which the rules fold into shifts and multiplications.
        let (op, imm) = match self.rng.below(11) {
            0 => ("iadd", None),
            1 => ("isub", None),
            2 => ("imul", None),
            3 => ("band", None),
            4 => ("bor", None),
            5 => ("bxor", None),
            6 => ("ishl", Some(1 + self.rng.below(31))),
            7 => ("ushr", Some(1 + self.rng.below(31))),
            // No 0 or 1 constants either, for the same reason (`x * 0`,
            // `x * 1`, `x + 0` fold).
            8 => ("iconst", Some(3 + 2 * self.rng.below(16))),
            9 => ("imul", Some(2 << self.rng.below(5))),
            _ => ("iadd", Some(2 + self.rng.below(64))),
        };
        let line = match (op, imm) {
            ("iconst", Some(c)) => format!("v{} = iconst.i64 {c}", self.value()),
            (op, Some(c)) => {
                let k = self.value();
                let _ = writeln!(self.text, "    v{k} = iconst.i64 {c}");
                self.emitted += 1;
                format!("v{} = {op} v{a}, v{k}", self.value())
            }
            (op, None) => format!("v{} = {op} v{a}, v{b}", self.value()),
        };
        let v = self.next_value - 1;
        let _ = writeln!(self.text, "    {line}");
        pool.push(v);
        self.emitted += 1;
    }

    fn block(&mut self) -> usize {
        self.next_block += 1;
        self.next_block - 1
    }
}

/// CLIF text of a function with about `insts` pure instructions.
pub fn clif_text(insts: usize) -> String {
    let mut g = Gen {
        rng: Lcg(0x5eed_0000 ^ insts as u64),
        text: String::new(),
        next_value: 4,
        next_block: 1,
        pool: vec![0, 1, 2, 3],
        emitted: 0,
    };
    let _ = writeln!(
        g.text,
        "function %scale_{insts}(i64, i64, i64, i64) -> i64 {{"
    );
    let _ = writeln!(g.text, "block0(v0: i64, v1: i64, v2: i64, v3: i64):");
    while g.emitted < insts {
        let mut pool = std::mem::take(&mut g.pool);
        for _ in 0..HEAD_OPS {
            g.op(&mut pool);
        }
        let cond = g.operand(&pool);
        let (t, f, j) = (g.block(), g.block(), g.block());
        let _ = writeln!(g.text, "    brif v{cond}, block{t}, block{f}");
        for arm in [t, f] {
            let _ = writeln!(g.text, "block{arm}:");
            let mut local = pool.clone();
            for _ in 0..HEAD_OPS / 4 {
                g.op(&mut local);
            }
            let out = *local.last().expect("arms compute something");
            let _ = writeln!(g.text, "    jump block{j}(v{out})");
        }
        let p = g.value();
        let _ = writeln!(g.text, "block{j}(v{p}: i64):");
        pool.push(p);
        g.pool = pool;
    }
    // Use the newest values so that little of the function is dead.
    let mut acc = *g.pool.last().expect("nonempty");
    let tail: Vec<usize> = g.pool.iter().rev().skip(1).take(8).copied().collect();
    for v in tail {
        let r = g.value();
        let _ = writeln!(g.text, "    v{r} = bxor v{acc}, v{v}");
        acc = r;
    }
    let _ = writeln!(g.text, "    return v{acc}");
    g.text.push_str("}\n");
    g.text
}

/// The generated function of about `insts` pure instructions.
pub fn function(insts: usize) -> Function {
    let text = clif_text(insts);
    let file = regpress::corpus::parse(&format!("generated:{insts}"), &text)
        .expect("generated CLIF parses");
    file.functions.into_iter().next().expect("one function")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_functions_verify_and_grow() {
        let isa = regpress::validate::codegen::build_isa("x86_64", "none").unwrap();
        let mut last = 0;
        for n in [10, 100, 1000] {
            let f = function(n);
            cranelift_codegen::verify_function(&f, &*isa).unwrap();
            let insts = f.dfg.num_insts();
            assert!(insts > last, "{n}: {insts} instructions");
            last = insts;
        }
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(clif_text(300), clif_text(300));
        assert_ne!(clif_text(300), clif_text(301));
    }
}
