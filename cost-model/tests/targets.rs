//! The two targets differ where the hardware (and Cranelift's lowering)
//! differs: immediate ranges, fusion, register files.

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::Opcode;
use regpress_cost_model::x86_64::X86_64;
use regpress_cost_model::{
    block_frequency, CostModel, Expr, NodeShape, OperandShape, RegClass, Target,
};

fn add_const(v: i64) -> NodeShape {
    NodeShape::with_operands(
        Opcode::Iadd,
        I64,
        vec![OperandShape::Reg, OperandShape::Const(v)],
    )
}

#[test]
fn immediate_ranges_differ() {
    let a = Target::Aarch64.model();
    let x = Target::X86_64.model();
    // 4095 is a 12-bit immediate on aarch64 and a 32-bit displacement on x86.
    assert_eq!(a.cost(&add_const(4095)).insts, 1);
    assert_eq!(x.cost(&add_const(4095)).insts, 1);
    // 4096*4096+1 fits neither aarch64 form: movz + movk + add.
    let big = 4096 * 4096 + 1;
    let l = a.lower(&add_const(big));
    assert_eq!(l.mnemonics(), vec!["movz", "movk", "add"]);
    // ... but is a sign-extended 32-bit immediate for x86's lea.
    assert_eq!(x.cost(&add_const(big)).insts, 1);
    // A full 64-bit constant: movabs + lea on x86, movz + 3×movk + add on aarch64.
    let full = 0x1234_5678_9abc_def0;
    assert_eq!(
        x.lower(&add_const(full)).mnemonics(),
        vec!["movabsq", "leaq"]
    );
    assert_eq!(a.cost(&add_const(full)).insts, 5);
    // Negated immediates flip add to sub on aarch64.
    assert_eq!(a.lower(&add_const(-16)).mnemonics(), vec!["sub"]);
    // Logical immediates: a replicated pattern folds into `and` on aarch64.
    let and = NodeShape::with_operands(
        Opcode::Band,
        I64,
        vec![
            OperandShape::Reg,
            OperandShape::Const(0x00ff_00ff_00ff_00ff),
        ],
    );
    assert_eq!(a.cost(&and).insts, 1);
    assert_eq!(x.cost(&and).insts, 1, "x86 loads it from the constant pool");
    assert!(x.cost(&and).bytes > a.cost(&and).bytes);
}

#[test]
fn madd_fuses_only_on_aarch64() {
    let mul = NodeShape::new(Opcode::Imul, I64, 2);
    let add = NodeShape::new(Opcode::Iadd, I64, 2);
    let a = Target::Aarch64.model();
    let x = Target::X86_64.model();
    assert_eq!(a.fold(&add, 0, &mul), Some(OperandShape::FoldedMul));
    assert!(a.can_fold(Opcode::Iadd, I64, 1, &mul));
    assert_eq!(x.fold(&add, 0, &mul), None);
    let pattern = Expr::node(
        Opcode::Iadd,
        I64,
        vec![
            Expr::node(Opcode::Imul, I64, vec![Expr::Input(I64), Expr::Input(I64)]),
            Expr::Input(I64),
        ],
    );
    assert_eq!(a.pattern_cost(&pattern).insts, 1);
    assert_eq!(a.lower_pattern(&pattern).mnemonics(), vec!["madd"]);
    assert_eq!(x.pattern_cost(&pattern).insts, 2);
    // isub(c, imul) is msub; isub(imul, c) does not fuse.
    let sub = NodeShape::new(Opcode::Isub, I64, 2);
    assert!(a.fold(&sub, 1, &mul).is_some());
    assert!(a.fold(&sub, 0, &mul).is_none());
}

#[test]
fn other_fusions() {
    let a = Target::Aarch64.model();
    let x = Target::X86_64.model();
    let shl3 = NodeShape::with_operands(
        Opcode::Ishl,
        I64,
        vec![OperandShape::Reg, OperandShape::Const(3)],
    );
    let shl9 = NodeShape::with_operands(
        Opcode::Ishl,
        I64,
        vec![OperandShape::Reg, OperandShape::Const(9)],
    );
    let add = NodeShape::new(Opcode::Iadd, I64, 2);
    // Shifted-register operand on aarch64 for any amount; lea scale 1..3 on x86.
    assert!(a.fold(&add, 1, &shl9).is_some());
    assert!(x.fold(&add, 1, &shl3).is_some());
    assert!(x.fold(&add, 1, &shl9).is_none());
    // bic/orn/eon on aarch64; on x86 only BMI1's andn, which the measured
    // (default-flag) ISA does not have.
    let not = NodeShape::new(Opcode::Bnot, I32, 1);
    let skylake = &X86_64::SKYLAKE;
    for op in [Opcode::Band, Opcode::Bor, Opcode::Bxor] {
        assert!(a.can_fold(op, I32, 1, &not));
        assert!(!x.can_fold(op, I32, 1, &not));
        assert_eq!(skylake.can_fold(op, I32, 1, &not), op == Opcode::Band);
    }
    // Extended-register operand.
    let ext = NodeShape::new(Opcode::Uextend, I64, 1).arg_ty(I32);
    assert!(a.can_fold(Opcode::Iadd, I64, 1, &ext));
    assert!(!x.can_fold(Opcode::Iadd, I64, 1, &ext));
}

/// `may_fold` is the opcode-level filter of `fold`: wherever `fold` finds
/// a fold, for any of a spread of shapes, `may_fold` says it may.
#[test]
fn may_fold_admits_every_fold() {
    use cranelift_codegen::ir::condcodes::IntCC;
    use regpress_cost_model::Cond;
    let ops = [
        Opcode::Iadd,
        Opcode::Isub,
        Opcode::Imul,
        Opcode::Band,
        Opcode::Bor,
        Opcode::Bxor,
        Opcode::Bnot,
        Opcode::Ishl,
        Opcode::Ushr,
        Opcode::Uextend,
        Opcode::Sextend,
        Opcode::Icmp,
        Opcode::Fcmp,
        Opcode::Select,
    ];
    let operand_sets = [
        vec![OperandShape::Reg, OperandShape::Reg],
        vec![OperandShape::Reg, OperandShape::Const(1)],
        vec![OperandShape::Reg, OperandShape::Const(3)],
        vec![OperandShape::Reg, OperandShape::Const(16)],
        vec![OperandShape::Reg],
        vec![OperandShape::Reg, OperandShape::Reg, OperandShape::Reg],
    ];
    let skylake = &X86_64::SKYLAKE;
    let models: [&dyn CostModel; 3] = [Target::X86_64.model(), Target::Aarch64.model(), skylake];
    let mut folds = 0;
    for model in models {
        for consumer in ops {
            for producer in ops {
                for ty in [I32, I64] {
                    for operands in &operand_sets {
                        let p = NodeShape::with_operands(producer, ty, operands.clone())
                            .arg_ty(I32)
                            .cond(Cond::Int(IntCC::SignedLessThan));
                        for c_operands in &operand_sets {
                            let c = NodeShape::with_operands(consumer, ty, c_operands.clone());
                            for idx in 0..c_operands.len() {
                                if model.fold(&c, idx, &p).is_some() {
                                    folds += 1;
                                    assert!(
                                        model.may_fold(consumer, producer),
                                        "{:?}: {consumer} folds {producer}",
                                        model.target()
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(folds > 0);
}

#[test]
fn register_files_come_from_cranelift() {
    for t in [Target::X86_64, Target::Aarch64] {
        let measured = regpress_cost_model::target::measure_register_file(t).expect("compiles");
        assert_eq!(measured, t.documented_register_file(), "{t:?}");
        assert_eq!(t.registers(), measured);
    }
    assert_eq!(Target::X86_64.registers().count(RegClass::Int), 14);
    assert_eq!(Target::X86_64.registers().count(RegClass::Float), 16);
    assert_eq!(Target::Aarch64.registers().count(RegClass::Int), 26);
    assert_eq!(Target::Aarch64.registers().count(RegClass::Float), 32);
    assert!(Target::Aarch64.registers().int > Target::X86_64.registers().int);
}

#[test]
fn spill_costs_and_frequency() {
    assert_eq!(block_frequency(0), 1.0);
    // regalloc2's loop weight: ×4 per level, capped at depth 10.
    assert_eq!(block_frequency(2), 16.0);
    assert_eq!(block_frequency(50), block_frequency(10));
    assert!(block_frequency(10) > block_frequency(9));
    for t in [Target::X86_64, Target::Aarch64] {
        for c in [RegClass::Int, RegClass::Float] {
            assert!(t.reload_cost(c).latency >= 4.0);
            assert!(t.spill_reload_cost(c, 1) > t.spill_reload_cost(c, 0));
        }
    }
}

/// The x86-64 model follows the ISA flags: the default (measured) flags have
/// no LZCNT, BMI1/2 or POPCNT, the Skylake preset has them all.
#[test]
fn x86_lowering_follows_isa_flags() {
    let base = Target::X86_64.model();
    let sky = &X86_64::SKYLAKE;
    let un = |op| NodeShape::new(op, I32, 1);
    assert_eq!(sky.lower(&un(Opcode::Clz)).mnemonics(), vec!["lzcntl"]);
    assert_eq!(
        base.lower(&un(Opcode::Clz)).mnemonics(),
        vec!["movq", "bsrl", "cmovel", "movl", "subl"]
    );
    assert_eq!(sky.lower(&un(Opcode::Ctz)).mnemonics(), vec!["tzcntl"]);
    assert_eq!(base.cost(&un(Opcode::Ctz)).insts, 3);
    assert_eq!(sky.cost(&un(Opcode::Popcnt)).insts, 1);
    assert_eq!(base.cost(&un(Opcode::Popcnt)).insts, 17);
    let shl = NodeShape::new(Opcode::Ishl, I64, 2);
    assert_eq!(sky.lower(&shl).mnemonics(), vec!["shlxq"]);
    assert!(base.cost(&shl).insts > 1, "count must go through %cl");
    let fma = NodeShape::new(Opcode::Fma, cranelift_codegen::ir::types::F64, 3);
    assert_eq!(sky.cost(&fma).insts, 1);
    assert!(base.lower(&fma).mnemonics().contains(&"call"));
    // aarch64 has one ISA level; its lowering does not depend on x86 flags.
    assert_eq!(Target::Aarch64.model().cost(&un(Opcode::Clz)).insts, 1);
}
