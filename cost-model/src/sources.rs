//! # Where the numbers come from
//!
//! The cost model has three kinds of numbers, and they come from different
//! places.
//!
//! ## 1. Which instructions, how many, how many bytes — measured
//!
//! Instruction sequences are modelled from Cranelift 0.135.8's lowering rules
//! (`cranelift-codegen/src/isa/x64/lower.isle`,
//! `cranelift-codegen/src/isa/aarch64/lower.isle` and `inst.isle`, plus the
//! constant-materialisation code in `isa/aarch64/lower/isle.rs`,
//! `load_constant_full`) and are *checked against the real backends* by
//! [`crate::calibrate`]: every case is compiled at `opt_level=none` and its
//! vcode instruction lines and code-buffer bytes compared with the
//! prediction. Pseudo-instructions that Cranelift prints on one vcode line
//! (`checked_srem_seq`, `xmm min/max seq`, `cvt_float*_to_sint*_sat_seq`,
//! the x64 float `select` sequence) count as one instruction, as the
//! calibration counts them; their byte sizes were read from the compiled
//! code.
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
//! ## 3. Latency and reciprocal throughput — published figures
//!
//! One representative microarchitecture per target:
//!
//! * **x86-64: Intel Skylake (client).** Agner Fog, *Instruction tables:
//!   Lists of instruction latencies, throughputs and micro-operation
//!   breakdowns for Intel, AMD and VIA CPUs* (Skylake section), cross-checked
//!   with uops.info measurements for Skylake and the *Intel 64 and IA-32
//!   Architectures Optimization Reference Manual*. Figures used
//!   (latency / reciprocal throughput, cycles):
//!   - ADD/SUB/AND/OR/XOR/NEG/NOT/CMP/TEST/MOV/MOVZX/MOVSX r,r|imm: 1 / 0.25
//!     (four integer ALU ports p0156)
//!   - LEA with ≤ 2 components: 1 / 0.5 (p15)
//!   - SETcc, CMOVcc: 1 / 0.5; CQO/CDQ: 1 / 0.5
//!   - SHL/SHR/SAR/ROL/ROR r,imm: 1 / 0.5 (p06); SHLX/SHRX/SARX/RORX:
//!     1 / 0.5; ANDN: 1 / 0.5
//!   - IMUL r,r and r,r,imm: 3 / 1 (p1); MUL r16: 4 / 2; MULX r64: 4 / 1
//!   - DIV r8/r16: 23 / 6; DIV r32: 26 / 6; DIV r64: 35 / 21 (lower end of
//!     Agner's 35–88 range); IDIV r32: 26 / 6; IDIV r64: 42 / 24 (lower end
//!     of 42–95)
//!   - LZCNT/TZCNT/POPCNT: 3 / 1 (p1); BSWAP r32: 1 / 0.5; BSWAP r64: 2 / 1
//!   - VADDSS/SD, VSUBSS/SD, VMULSS/SD, VFMADD*SS/SD: 4 / 0.5 (p01)
//!   - VDIVSS: 11 / 3; VDIVSD: 13–14 / 4 (14 used); VSQRTSS: 12 / 3;
//!     VSQRTSD: 15–16 / 4–6 (16 / 6 used)
//!   - VROUNDSS/SD: 8 / 1; VANDPS/VXORPS/VORPS/VANDNPS: 1 / 0.33 (p015)
//!   - VUCOMISS/SD: ≤ 3 / 1; VCVTSI2SS/SD: 5 / 1; VCVTSS2SD/SD2SS: 5 / 1;
//!     VMOVD/VMOVQ GPR→XMM: 2 / 1
//!   - Loads (reload from a stack slot): 4 cycles load-to-use for a GPR with
//!     simple addressing, 5 for XMM, two load ports (0.5); stores: one
//!     store-data port (1)
//!
//! * **aarch64: Arm Neoverse N1.** *Arm Neoverse N1 Software Optimization
//!   Guide* (instruction characteristics tables; the N1 core is a Cortex-A76
//!   derivative and the *Cortex-A76 Software Optimization Guide* gives the
//!   same integer figures). Figures used (latency / reciprocal throughput):
//!   - ALU basic, logical, MOVZ/MOVN/MOVK, conditional select/set/negate,
//!     CCMP, bitfield (UXTB/SXTB/LSL/LSR/ASR immediate), variable shifts,
//!     CLZ, RBIT, REV: 1 / 0.33 (three integer pipes I0–I2)
//!   - Arithmetic with LSL shift ≤ 4: 1 / 0.33; other shifts: 2 / 1 (M pipe);
//!     arithmetic with extended register: 2 / 1 (M)
//!   - EXTR (two-register bitfield extract): 3 / 1
//!   - MUL/MADD/MSUB (W and X forms): 2 / 1 (M); SMULH/UMULH: 3 / 1
//!   - SDIV/UDIV: W-form 5–12, X-form 5–20 cycles, not pipelined; the upper
//!     bound is used for both latency and reciprocal throughput
//!   - Branches (CBZ, B.cond): 1 / 1 (one branch pipe)
//!   - FADD/FSUB/FABS/FNEG/FMIN/FMAX: 2 / 0.5 (F0/F1); FMUL: 3 / 0.5;
//!     FMADD: 4 / 0.5; FRINT*: 3 / 0.5; FCSEL: 2 / 0.5; FCMP: 2 / 1
//!   - FDIV: S-form 7–10, D-form 7–15 latency, one divide per ≥ 7 cycles
//!     (upper latency bound and 7 used); FSQRT: S 7–9, D 7–16 (upper bound)
//!   - FCVT (precision change): 3 / 1; SCVTF from GPR: 6 / 1; FCVTZS to GPR:
//!     3 / 1; FMOV GPR↔FP: 3 / 1; FMOV/MOVI immediate: 2 / 0.5
//!   - CNT: 2 / 0.5; ADDV/ADDP (reductions): 4 / 1; UMOV: 2 / 1;
//!     ASIMD shift / SLI: 2 / 1
//!   - Loads: 4 cycles (GPR) / 5 (FP/SIMD), two load pipes (0.5); stores:
//!     0.5
//!
//! Division latencies are data dependent on both targets; the figures above
//! are the documented bounds named in each entry, not measurements of this
//! project. Nothing here was invented: where a figure is given as a range
//! the entry says which end is used.
//!
//! ## 4. Block frequency
//!
//! [`crate::block_frequency`] uses the classic static estimate of `10^depth`
//! executions for a block at loop depth `depth`, capped at depth 6 — the
//! same shape compilers (and Cranelift's own spill weights) use when no
//! profile is available.
