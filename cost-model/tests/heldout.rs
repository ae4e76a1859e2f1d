//! A held-out check: the model was written against `calibrate::cases()`;
//! these cases were not part of that loop.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::*;
use cranelift_codegen::ir::Opcode;
use regpress_cost_model::calibrate::{self, Case};
use regpress_cost_model::{Cond, Expr, ALL_TARGETS};
/// Cases written after the model, not used while writing it: other
/// constants, condition codes and operand orders.
#[test]
fn model_generalises_to_held_out_cases() {
    let i = Expr::Input;
    let mut cases = vec![];
    for (k, v) in [
        (1, 100i64),
        (2, 0x7fff_ffff),
        (3, -4096),
        (4, 0xffff_0000),
        (5, 0xabc000),
        (6, 0x0f0f_0f0f),
        (7, 1 << 40),
        (8, -1),
    ] {
        for t in [I32, I64] {
            for op in [
                Opcode::Iadd,
                Opcode::Isub,
                Opcode::Band,
                Opcode::Bxor,
                Opcode::Imul,
            ] {
                cases.push(Case {
                    name: format!("h{k}_{op}.{t}"),
                    expr: Expr::node(op, t, vec![i(t), Expr::iconst(t, v)]),
                });
            }
            cases.push(Case {
                name: format!("h{k}_iconst.{t}"),
                expr: Expr::iconst(t, v),
            });
        }
    }
    for t in [I8, I32, I64] {
        for cc in [
            IntCC::NotEqual,
            IntCC::SignedLessThanOrEqual,
            IntCC::UnsignedGreaterThanOrEqual,
        ] {
            cases.push(Case {
                name: format!("hc_{cc}.{t}"),
                expr: Expr::cmp(Cond::Int(cc), t, i(t), i(t)),
            });
            cases.push(Case {
                name: format!("hs_{cc}.{t}"),
                expr: Expr::node(
                    Opcode::Select,
                    t,
                    vec![Expr::cmp(Cond::Int(cc), t, i(t), i(t)), i(t), i(t)],
                ),
            });
        }
    }
    for t in [I32, I64] {
        cases.push(Case {
            name: format!("hl_bnot_lhs.{t}"),
            expr: Expr::node(
                Opcode::Band,
                t,
                vec![Expr::node(Opcode::Bnot, t, vec![i(t)]), i(t)],
            ),
        });
        cases.push(Case {
            name: format!("hl_shl1.{t}"),
            expr: Expr::node(
                Opcode::Iadd,
                t,
                vec![
                    i(t),
                    Expr::node(Opcode::Ishl, t, vec![i(t), Expr::iconst(t, 1)]),
                ],
            ),
        });
        cases.push(Case {
            name: format!("hl_shl31.{t}"),
            expr: Expr::node(
                Opcode::Iadd,
                t,
                vec![
                    i(t),
                    Expr::node(Opcode::Ishl, t, vec![i(t), Expr::iconst(t, 31)]),
                ],
            ),
        });
        cases.push(Case {
            name: format!("hl_madd_chain.{t}"),
            expr: Expr::node(
                Opcode::Iadd,
                t,
                vec![
                    Expr::node(Opcode::Imul, t, vec![i(t), i(t)]),
                    Expr::node(Opcode::Bxor, t, vec![i(t), i(t)]),
                ],
            ),
        });
    }
    // Written after the model was moved to Cranelift's default x86 flags,
    // before these were ever compiled: the flag-sensitive lowerings (bit
    // counts, variable shifts, libcalls) in a context.
    for t in [I32, I64] {
        for op in [Opcode::Clz, Opcode::Ctz, Opcode::Popcnt] {
            cases.push(Case {
                name: format!("hf_{op}_plus.{t}"),
                expr: Expr::node(Opcode::Iadd, t, vec![Expr::node(op, t, vec![i(t)]), i(t)]),
            });
        }
        for op in [Opcode::Ushr, Opcode::Sshr, Opcode::Rotl] {
            cases.push(Case {
                name: format!("hf_{op}_xor.{t}"),
                expr: Expr::node(
                    Opcode::Bxor,
                    t,
                    vec![Expr::node(op, t, vec![i(t), i(t)]), i(t)],
                ),
            });
        }
        cases.push(Case {
            name: format!("hf_band_bnot_const.{t}"),
            expr: Expr::node(
                Opcode::Band,
                t,
                vec![
                    Expr::node(Opcode::Bnot, t, vec![i(t)]),
                    Expr::iconst(t, 0xff),
                ],
            ),
        });
    }
    for t in [F32, F64] {
        cases.push(Case {
            name: format!("hf_nearest_add.{t}"),
            expr: Expr::node(
                Opcode::Fadd,
                t,
                vec![Expr::node(Opcode::Nearest, t, vec![i(t)]), i(t)],
            ),
        });
        cases.push(Case {
            name: format!("hf_sqrt_mul.{t}"),
            expr: Expr::node(
                Opcode::Fmul,
                t,
                vec![Expr::node(Opcode::Sqrt, t, vec![i(t)]), i(t)],
            ),
        });
    }
    for tgt in ALL_TARGETS {
        let r = calibrate::run(tgt, &cases).unwrap();
        eprintln!("{}", r.markdown());
        assert!(r.exact_fraction() >= 0.95, "{}", r.markdown());
        assert!(r.bytes_fraction() >= 0.90, "{}", r.markdown());
    }
}
