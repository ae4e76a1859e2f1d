//! Costs, machine-instruction descriptions and the [`CostModel`] trait.

use crate::shape::{Expr, NodeShape, OperandShape};
use crate::target::Target;
use cranelift_codegen::ir::{Opcode, Type};
use cranelift_codegen::isa::OwnedTargetIsa;
use serde::Serialize;
use std::ops::Add;

/// The summary cost of a node or pattern on one target.
///
/// * `insts` — machine instructions Cranelift emits (as counted in its vcode
///   disassembly, including register moves its lowering forces, e.g. to fixed
///   registers).
/// * `latency` — cycles from the register inputs being ready to the result
///   being ready (the dependent chain through the sequence; materialising a
///   constant is off that chain).
/// * `rthroughput` — reciprocal throughput in cycles: the sum of the
///   per-instruction reciprocal throughputs (a resource bound assuming the
///   sequence competes with itself).
/// * `bytes` — encoded code bytes, including trap stubs and constant-pool
///   entries the node needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// Machine instruction count.
    pub insts: u32,
    /// Latency in cycles along the input-to-result chain.
    pub latency: f32,
    /// Reciprocal throughput in cycles.
    pub rthroughput: f32,
    /// Encoded size in bytes.
    pub bytes: u32,
}

impl Cost {
    /// The zero cost (a node that folds away entirely).
    pub const ZERO: Cost = Cost {
        insts: 0,
        latency: 0.0,
        rthroughput: 0.0,
        bytes: 0,
    };

    /// A single scalar summarising the cost for an extractor that wants one
    /// number: reciprocal throughput plus a quarter of the latency plus a
    /// small size term. Weighted by block frequency by the caller. The
    /// weights are a modelling convention, not a published figure (see
    /// [`crate::sources`]).
    pub fn scalar(&self) -> f32 {
        self.rthroughput + 0.25 * self.latency + 0.01 * self.bytes as f32
    }

    /// Scale every component that accumulates over executions (latency and
    /// throughput) by `freq`; instruction count and bytes are static and
    /// stay as they are.
    pub fn weighted(&self, freq: f32) -> Cost {
        Cost {
            insts: self.insts,
            latency: self.latency * freq,
            rthroughput: self.rthroughput * freq,
            bytes: self.bytes,
        }
    }
}

impl Add for Cost {
    type Output = Cost;
    /// Sequential composition: counts, sizes, throughputs and latencies add.
    fn add(self, o: Cost) -> Cost {
        Cost {
            insts: self.insts + o.insts,
            latency: self.latency + o.latency,
            rthroughput: self.rthroughput + o.rthroughput,
            bytes: self.bytes + o.bytes,
        }
    }
}

/// One machine instruction of a lowering.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MachInst {
    /// Mnemonic as Cranelift's vcode printer spells it (e.g. `addq`, `madd`).
    pub mnemonic: String,
    /// Encoded bytes (0 for pseudo-instructions that emit nothing).
    pub bytes: u32,
    /// Latency in cycles.
    pub latency: f32,
    /// Reciprocal throughput in cycles.
    pub rthroughput: f32,
    /// Whether this instruction lies on the chain from the node's register
    /// inputs to its result (constant materialisation does not).
    pub on_path: bool,
}

impl MachInst {
    /// An instruction on the input-to-result path.
    pub fn new(mnemonic: impl Into<String>, bytes: u32, latency: f32, rthroughput: f32) -> Self {
        MachInst {
            mnemonic: mnemonic.into(),
            bytes,
            latency,
            rthroughput,
            on_path: true,
        }
    }

    /// Mark the instruction as off the input-to-result path.
    pub fn off_path(mut self) -> Self {
        self.on_path = false;
        self
    }
}

/// The machine instructions a node (or pattern) lowers to, plus bytes that
/// are not instructions (constant-pool entries, trap stubs).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Lowering {
    /// Instructions in emission order.
    pub insts: Vec<MachInst>,
    /// Extra bytes emitted out of line (constant pool, trap islands).
    pub extra_bytes: u32,
    /// Whether this lowering was modelled exactly from Cranelift's rules
    /// (`false` when the model fell back to a generic estimate).
    pub modelled: bool,
}

impl Lowering {
    /// An empty, modelled lowering.
    pub fn new() -> Self {
        Lowering {
            insts: Vec::new(),
            extra_bytes: 0,
            modelled: true,
        }
    }

    /// Append an instruction.
    pub fn push(&mut self, inst: MachInst) -> &mut Self {
        self.insts.push(inst);
        self
    }

    /// Append all instructions of another lowering.
    pub fn extend(&mut self, other: Lowering) -> &mut Self {
        self.insts.extend(other.insts);
        self.extra_bytes += other.extra_bytes;
        self.modelled &= other.modelled;
        self
    }

    /// The mnemonics, in order.
    pub fn mnemonics(&self) -> Vec<&str> {
        self.insts.iter().map(|i| i.mnemonic.as_str()).collect()
    }

    /// Summarise into a [`Cost`].
    pub fn cost(&self) -> Cost {
        Cost {
            insts: self.insts.len() as u32,
            latency: self
                .insts
                .iter()
                .filter(|i| i.on_path)
                .map(|i| i.latency)
                .sum(),
            rthroughput: self.insts.iter().map(|i| i.rthroughput).sum(),
            bytes: self.insts.iter().map(|i| i.bytes).sum::<u32>() + self.extra_bytes,
        }
    }
}

/// The project's single answer to "what does this cost on this target".
///
/// Implemented per target by [`crate::x86_64::X86_64`] and
/// [`crate::aarch64::Aarch64`]; obtain one with [`Target::model`].
pub trait CostModel: Send + Sync {
    /// The target this model describes.
    fn target(&self) -> Target;

    /// The Cranelift ISA whose lowering this model describes, at
    /// `opt_level`. Calibration compiles with exactly this ISA; for
    /// [`Target::model`] it is [`crate::isa::build`], the ISA the project
    /// measures.
    fn isa(&self, opt_level: &str) -> anyhow::Result<OwnedTargetIsa> {
        crate::isa::build(self.target(), opt_level)
    }

    /// The machine instructions Cranelift emits for `node` with the given
    /// operand shapes (folded operands are included in the node's lowering;
    /// the folded producer's own register inputs are not).
    fn lower(&self, node: &NodeShape) -> Lowering;

    /// If the producer `operand` (with its own operand shapes) can be folded
    /// into operand slot `idx` of `consumer`, return the shape the consumer
    /// should see for that slot. Only the other operand shapes of `consumer`
    /// are consulted (so a second foldable operand is rejected when the
    /// instruction has room for only one).
    fn fold(&self, consumer: &NodeShape, idx: usize, operand: &NodeShape) -> Option<OperandShape>;

    /// Whether a `producer` node may fold into some operand of a
    /// `consumer` node at all, from their opcodes alone: `false` only where
    /// [`CostModel::fold`] is `None` for every shape, so callers can skip
    /// building shapes for the pairs that never fold.
    fn may_fold(&self, consumer: Opcode, producer: Opcode) -> bool;

    /// The summary cost of `node`.
    fn cost(&self, node: &NodeShape) -> Cost {
        self.lower(node).cost()
    }

    /// Whether `operand` folds into slot `idx` of a `consumer` node of type
    /// `ty` whose other operands are registers.
    fn can_fold(&self, consumer: Opcode, ty: Type, idx: usize, operand: &NodeShape) -> bool {
        let arity = match consumer {
            Opcode::Select | Opcode::Fma => 3,
            Opcode::Bnot | Opcode::Ineg | Opcode::Uextend | Opcode::Sextend => 1,
            _ => 2,
        };
        let c = NodeShape::new(consumer, ty, arity);
        self.fold(&c, idx, operand).is_some()
    }

    /// Cost of the folded producer's node when it is *not* folded and is
    /// instead computed into a register — convenience for comparing "fold"
    /// against "don't fold".
    fn unfolded_cost(&self, operand: &NodeShape) -> Cost {
        self.cost(operand)
    }

    /// The lowering of a whole pattern: children fold into their parent when
    /// [`CostModel::fold`] allows (left to right), constants become
    /// [`OperandShape::Const`] operands, and every other child is lowered on
    /// its own first.
    fn lower_pattern(&self, expr: &Expr) -> Lowering {
        lower_pattern_with(self, expr).0
    }

    /// The summary cost of a pattern: instruction counts, bytes and
    /// throughputs add; latency is the node's own latency plus the slowest
    /// child's.
    fn pattern_cost(&self, expr: &Expr) -> Cost {
        lower_pattern_with(self, expr).1
    }
}

/// Shared implementation of [`CostModel::lower_pattern`]; returns the
/// lowering and a cost whose latency follows the tree's critical path.
fn lower_pattern_with<M: CostModel + ?Sized>(m: &M, expr: &Expr) -> (Lowering, Cost) {
    let Expr::Node { args, .. } = expr else {
        return (Lowering::new(), Cost::ZERO);
    };
    let mut node = expr.shape().expect("node");
    // Constant operands first, so that the fold decisions below see them
    // (an instruction with an immediate has no room for a folded operand).
    for (i, a) in args.iter().enumerate() {
        match a {
            Expr::Node {
                opcode: Opcode::Iconst,
                imm: Some(v),
                ..
            } => node.operands[i] = OperandShape::Const(*v),
            Expr::Node {
                opcode: Opcode::F32const | Opcode::F64const,
                imm: Some(v),
                ..
            } => node.operands[i] = OperandShape::FConst(*v as u64),
            _ => {}
        }
    }
    // Then the other operands, left to right.
    let mut pending: Vec<&Expr> = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Expr::Input(_) => {}
            Expr::Node {
                opcode: Opcode::Iconst | Opcode::F32const | Opcode::F64const,
                imm: Some(_),
                ..
            } => {}
            Expr::Node { args: sub, .. } => {
                let mut child = a.shape().expect("node");
                for (j, s) in sub.iter().enumerate() {
                    if let Expr::Node {
                        opcode: Opcode::Iconst,
                        imm: Some(v),
                        ..
                    } = s
                    {
                        child.operands[j] = OperandShape::Const(*v);
                    }
                }
                match m.fold(&node, i, &child) {
                    Some(shape) => {
                        node.operands[i] = shape;
                        // The folded child's non-constant sub-operands are
                        // computed separately.
                        for (j, s) in sub.iter().enumerate() {
                            if !matches!(child.operands[j], OperandShape::Const(_)) {
                                pending.push(s);
                            }
                        }
                    }
                    None => pending.push(a),
                }
            }
        }
    }
    let mut out = Lowering::new();
    let mut cost = Cost::ZERO;
    let mut max_child_lat: f32 = 0.0;
    for p in pending {
        let (l, c) = lower_pattern_with(m, p);
        out.extend(l);
        cost = cost + Cost { latency: 0.0, ..c };
        max_child_lat = max_child_lat.max(c.latency);
    }
    let own = m.lower(&node);
    let own_cost = own.cost();
    out.extend(own);
    cost = cost + own_cost;
    cost.latency = own_cost.latency + max_child_lat;
    (out, cost)
}
