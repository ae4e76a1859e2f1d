//! # Where the numbers come from
//!
//! The cost model has four kinds of numbers, and they come from different
//! places. Microarchitectures modelled: **Intel Skylake (client)** for
//! x86-64 and **Arm Neoverse N1** for aarch64 ([`crate::Target::microarchitecture`]).
//!
//! ## 1. Which instructions, how many, how many bytes — measured
//!
//! Instruction sequences are modelled from Cranelift 0.135.8's lowering rules
//! (`cranelift-codegen/src/isa/x64/lower.isle`,
//! `cranelift-codegen/src/isa/aarch64/lower.isle` and `inst.isle`, plus the
//! constant-materialisation code in `isa/aarch64/lower/isle.rs`,
//! `load_constant_full`) and are *checked against the real backends* by
//! [`crate::calibrate`], with the ISA the project measures
//! ([`crate::isa::build`]: Cranelift's default ISA flags, i.e. SSE2-only
//! x86-64). Pseudo-instructions that Cranelift prints on one vcode line
//! (`checked_srem_seq`, `xmm min/max seq`, `cvt_float*_to_sint*_sat_seq`,
//! the x64 float `select` sequence) count as one instruction, as the
//! calibration counts them; their byte sizes were read from the compiled
//! code, as were the sizes of the x64 bit-count sequences without
//! LZCNT/BMI1/POPCNT.
//!
//! ## 2. Register-file sizes — measured
//!
//! [`crate::Target::registers`] compiles a function with 64 live values per
//! class and collects the physical registers regalloc2 assigned; regalloc2
//! only assigns registers in the `MachineEnv` that Cranelift's ABI hands it
//! (`isa/x64/abi.rs` `create_reg_env_systemv`, `isa/aarch64/abi.rs`
//! `create_reg_env`). The documented counts (x86-64: 14 GPR, 16 XMM;
//! aarch64: 26 GPR, 32 V) are kept as a fallback and cross-checked in tests.
//!
//! ## 3. Latency and reciprocal throughput — LLVM's scheduling models
//!
//! Every latency and reciprocal-throughput figure in [`crate::x86_64::timing`],
//! [`crate::aarch64::timing`], [`crate::Target::spill_cost`] and
//! [`crate::Target::reload_cost`] was read, in this repository's history, from
//! LLVM's published scheduling models, cited by repository, path, commit and
//! record (each arm of the two `timing` functions names its record):
//!
//! * **Skylake:** llvm/llvm-project
//!   `llvm/lib/Target/X86/X86SchedSkylakeClient.td` (read at commits
//!   `0b7f327800ab2d86dafd9033eff989b3193c8334` and
//!   `4e56aa252fc983574e32a0cb8b73333831f66700`, identical for every record
//!   used). Instruction → record assignments that are not evident from the
//!   record's name were read from `llvm/lib/Target/X86/X86InstrExtension.td`
//!   (commit `222454ca293c0e9e25514e2fee3dacc938dcdda4`: CBW/CWD/CDQ/CQO and
//!   MOVZX/MOVSX are `WriteALU`) and `llvm/lib/Target/X86/X86InstrShiftRotate.td`
//!   (commit `019c682014393c903174cb1296c0a72ec81aa395`: SHL/SHR/SAR by an
//!   immediate are `WriteShift`, by `%cl` `WriteShiftCL`; ROL/ROR `WriteRotate`
//!   / `WriteRotateCL`; BMI2 SHLX/SHRX/SARX/RORX `WriteShift`).
//! * **Neoverse N1:** llvm/llvm-project
//!   `llvm/lib/Target/AArch64/AArch64SchedNeoverseN1.td` (commit
//!   `02cec0a4ec2edb30a6e92730ca17378b35de9596`), which cites the *Arm
//!   Neoverse N1 Software Optimization Guide*; `IsCheapLSL` ("LSL shift <= 4")
//!   from `llvm/lib/Target/AArch64/AArch64SchedPredicates.td` (commit
//!   `0b84e68d1b71295d0a28b8bae360118146afd98d`).
//!
//! Reciprocal throughput is derived from a record the way LLVM's
//! `MCSchedModel::getReciprocalThroughput` does: the largest
//! `ResourceCycles / units` over the record's resources (SKL: `SKLPort0156`
//! 4 units, `SKLPort015` 3, two-port groups 2, single ports and the dividers
//! 1; N1: `N1UnitI` 3, `N1UnitM` 1, `N1UnitV` 2, `N1UnitL` 2, `N1UnitB` 1),
//! or `NumMicroOps / IssueWidth` for a record with no resources.
//!
//! Skylake figures (latency / reciprocal throughput, cycles):
//!
//! | instructions | record | figure |
//! |---|---|---|
//! | ADD/SUB/AND/OR/XOR/NEG/NOT/CMP/TEST, MOV r,r, MOVZX/MOVSX, CBW | `WriteALU`, `WriteMove`, `SKLWriteResGroup10` | 1 / 0.25 |
//! | `xor r,r`, `xorps x,x` (zero idioms) | `SKLWriteZeroIdiom`, `SKLWriteFZeroIdiom` → `SKLWriteZeroLatency` | 0 / 0.17 |
//! | CDQ, CQO | `SKLWriteResGroup7` | 1 / 0.5 |
//! | CWD | `SKLWriteResGroup23` | 2 / 0.5 |
//! | LEA (any form) | `WriteLEA` | 1 / 0.5 |
//! | SETcc, CMOVcc (except A/BE) | `WriteSETCC`, `WriteCMOV` | 1 / 0.5 |
//! | SETA/SETBE, CMOVA/CMOVBE | `SKLWriteSETA_SETBEr`, `SKLWriteCMOVA_CMOVBErr` | 2 / 1 |
//! | Jcc | `WriteJump` | 1 / 0.5 |
//! | SHL/SHR/SAR/ROL/ROR by imm; SHLX/SHRX/SARX/RORX | `WriteShift`, `WriteRotate` | 1 / 0.5 |
//! | shifts/rotates by `%cl` | `WriteShiftCL`, `WriteRotateCL` | 3 / 1.5 |
//! | ANDN | `SKLWriteResGroup8` | 1 / 0.5 |
//! | IMUL r,r (16/32/64); IMUL r,r,imm (32/64) | `WriteIMul{16,32,64}Reg`, `WriteIMul{32,64}Imm` | 3 / 1 |
//! | IMUL r16,r16,imm | `WriteIMul16Imm` | 4 / 1 |
//! | MUL/IMUL r8 | `WriteIMul8` | 3 / 1 |
//! | MUL/IMUL r16, r32, r64 (one operand) | `WriteIMul16`, `WriteIMul32`, `WriteIMul64` | 4 / 1 |
//! | MULX (high half) | `WriteMULX32/64`, `WriteIMulH` | 4 / 1 |
//! | DIV/IDIV r8 | `WriteDiv8`, `WriteIDiv8` | 25 / 10 |
//! | DIV r16/r32/r64 | `WriteDiv16/32/64` | 76 / 8 |
//! | IDIV r16/r32/r64 | `WriteIDiv16/32/64` | 102 / 8.5 |
//! | BSF, BSR, LZCNT, TZCNT, POPCNT | `WriteBSF`, `WriteBSR`, `WriteLZCNT`, `WriteTZCNT`, `WritePOPCNT` | 3 / 1 |
//! | BSWAP r32 / r64 | `WriteBSWAP32`, `WriteBSWAP64` | 1 / 0.5, 2 / 0.5 |
//! | CALL r | `SKLWriteResGroup45` | 3 / 1 |
//! | (V)ADD/SUB/MUL SS/SD, VFMADD | `WriteFAdd(64)`, `WriteFMul(64)`, `WriteFMA` | 4 / 0.5 |
//! | (V)DIVSS / (V)DIVSD | `WriteFDiv`, `WriteFDiv64` | 11 / 3, 14 / 4 |
//! | (V)SQRTSS / (V)SQRTSD | `WriteFSqrt`, `WriteFSqrt64` | 12 / 3, 18 / 6 |
//! | (V)ROUNDSS/SD | `WriteFRnd` | 8 / 1 |
//! | (V)AND/ANDN/OR/XOR PS/PD | `WriteFLogic` | 1 / 0.33 |
//! | (V)UCOMISS/SD | `WriteFComX` | 2 / 1 |
//! | CVTSI2SS (32-bit), CVTSI2SD, CVTSS2SD, CVTSD2SS | `SKLWriteResGroup60` | 5 / 1 |
//! | CVTSI2SS (64-bit source) | `SKLWriteResGroup78` | 6 / 2 |
//! | MOVD/MOVQ GPR→XMM / XMM→GPR | `WriteVecMoveFromGpr`, `WriteVecMoveToGpr` | 1 / 1, 2 / 1 |
//! | MOVAPS/MOVDQA reg | `WriteFMoveX`, `WriteVecMoveX` | 1 / 0.33 |
//! | load (reload) GPR / XMM | `WriteLoad`, `WriteFLoad` | 5 / 0.5 |
//! | store (spill) GPR / XMM | `WriteStore`, `WriteFStore` | 1 / 1 |
//!
//! Neoverse N1 figures:
//!
//! | instructions | record | figure |
//! |---|---|---|
//! | ALU basic (+flags), logical, MOV, MOVZ/MOVN/MOVK, CSEL/CSET/CSNEG, CCMP, CLZ, RBIT, REV | `WriteI`, `WriteImm` = `N1Write_1c_1I` | 1 / 0.33 |
//! | bitfield move (UXT*/SXT*, LSL/LSR/ASR imm), variable shift (incl. RORV) | `WriteIS` = `N1Write_1c_1I` | 1 / 0.33 |
//! | ROR imm (EXTR idiom) | `N1WriteExtr` (`IsRORImmIdiomPred`) = `N1Write_1c_1I` | 1 / 0.33 |
//! | add/sub, LSL ≤ 4 shifted register; logical, shifted register | `N1WriteISReg` (`IsCheapLSL`), `(AND|BIC|EON|EOR|ORN|ORR)[WX]rs` | 1 / 0.33 |
//! | add/sub, other shifted register | `N1WriteISReg` = `N1Write_2c_1M` | 2 / 1 |
//! | add/sub, extended register | `WriteIEReg` = `N1Write_2c_1M` | 2 / 1 |
//! | MADD/MSUB/MUL W / X | `WriteIM32` = `N1Write_2c_1M`; `WriteIM64` = `N1Write_4c3_1M` | 2 / 1, 4 / 3 |
//! | SMULH/UMULH | `N1Write_5c3_1M` | 5 / 3 |
//! | SDIV/UDIV W / X | `WriteID32` = `N1Write_12c5_1M`; `WriteID64` = `N1Write_20c5_1M` | 12 / 5, 20 / 5 |
//! | B.cond, CBZ | `WriteBr`, `^[CT]BN?Z[XW]$` = `N1Write_1c_1B` | 1 / 1 |
//! | FADD/FSUB/FABS/FNEG/FMIN/FMAX/FCSEL | `WriteF` = `N1Write_2c_1V` | 2 / 0.5 |
//! | FMUL / FMADD | `WriteFMul` = `N1Write_3c_1V`; `FN?M(ADD|SUB)` = `N1Write_4c_1V` | 3 / 0.5, 4 / 0.5 |
//! | FDIV S / D | `N1Write_10c7_1V0`, `N1Write_15c7_1V0` | 10 / 7, 15 / 7 |
//! | FSQRT S / D | `N1Write_10c7_1V0`, `N1Write_17c7_1V0` | 10 / 7, 17 / 7 |
//! | FRINT* | `N1Write_3c_1V0` | 3 / 1 |
//! | FCMP | `WriteFCmp` = `N1Write_2c_1V0` | 2 / 1 |
//! | FCVT (precision) | `WriteFCvt` = `N1Write_3c_1V` | 3 / 0.5 |
//! | SCVTF from GPR | `N1Write_6c_1M_1V0` | 6 / 1 |
//! | FCVTZS to GPR | `N1Write_4c_1V0_1V1` | 4 / 1 |
//! | FMOV GPR→FP / FP→GPR / immediate | `N1Write_3c_1M`; `WriteFCopy` = `N1Write_2c_1V1`; `WriteFImm` = `N1Write_2c_1V` | 3 / 1, 2 / 1, 2 / 0.5 |
//! | MOVI, CNT, ADDP | `WriteVd` = `N1Write_2c_1V` | 2 / 0.5 |
//! | ADDV (8B) | `N1Write_5c_1V1_1V` | 5 / 1 |
//! | UMOV (and `mov w, v.s[0]`) | `N1Write_2c_1V1` | 2 / 1 |
//! | USHR, SLI (vector forms) | `N1Write_2c_1V1` | 2 / 1 |
//! | LDR literal (FP) | `N1Write_5c_1L` | 5 / 0.5 |
//! | load (reload) GPR / FP | `WriteLD` = `N1Write_4c_1L`; `LDR[BHSDQ]ui` = `N1Write_5c_1I_1L` | 4 / 0.5, 5 / 0.5 |
//! | store (spill) GPR / FP | `WriteST` = `N1Write_1c_1L_1D`; `STR[BHSD]ui` = `N1Write_2c_1L_1V` | 1 / 0.5, 2 / 0.5 |
//!
//! ### Not from a published table (labelled, not hidden)
//!
//! * **Pseudo-sequences** (x86 `xmm_min_max_seq` 7 / 2, float-`select`
//!   `movss` sequence 2 / 1.5, `cvt_float_to_sint_sat_seq` 10 / 3,
//!   `checked_srem_seq` 104 / 9.25): sums of the records of the parts the
//!   sequence is assumed to execute on its common path. The parts were taken
//!   from the printed vcode, not from Cranelift's emission code, and the
//!   path through the branches is an assumption. *Unverified.*
//! * **MOV r, imm / MOVABS**: charged `WriteMove` (1 / 0.25); the record
//!   LLVM assigns to `MOV32ri`/`MOV64ri` was not read. *Unverified* (every
//!   candidate integer-move record in the Skylake model gives 1 / 0.25).
//! * **Scalar USHR/SLI** (aarch64 `fcopysign`): charged the vector forms'
//!   record; the scalar forms' record was not read. *Unverified.*
//! * **Library calls** (x86 `floor`/`ceil`/`trunc`/`nearest` without SSE4.1,
//!   `fma` without FMA): only the `call` instruction's record is charged;
//!   the callee's own work is *not modelled* (no published figure exists for
//!   a libm routine).
//! * **Division and LEA, where sources disagree**: LLVM's Skylake model uses
//!   one worst-case record for 16/32/64-bit DIV (76) and IDIV (102) and
//!   charges every LEA 1 cycle. Agner Fog's instruction tables and uops.info
//!   report data-dependent division latencies (lower for 32-bit) and 3
//!   cycles for a three-component LEA; those documents were not consulted
//!   for this model, so their figures are not used and not quoted here.
//! * **Mnemonics the tables do not list** fall back to the basic integer
//!   record of their target (x86 `WriteALU` 1 / 0.25, N1 `N1Write_1c_1I`
//!   1 / 0.33); calibration marks a lowering that used the model's generic
//!   fallback as not modelled.
//! * [`crate::Cost::scalar`]'s weights (throughput + ¼ latency + 0.01 ×
//!   bytes) are a modelling convention for extractors that want one number,
//!   not a published figure.
//!
//! ## 4. Block frequency — regalloc2's heuristic
//!
//! [`crate::block_frequency`] is `4^depth`, capped at depth 10: the loop
//! weight regalloc2 0.15.2 gives a use (`src/ion/liveranges.rs`,
//! `spill_weight_from_constraint`: `1000 * 4^min(depth, 10)`). Using the
//! allocator's own weighting keeps the model's idea of "hot" aligned with the
//! allocator whose spills the project measures. It is a heuristic, not a
//! profile.
