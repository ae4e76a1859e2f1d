//! The shape of a node as the cost model sees it.
//!
//! An extractor describes a candidate node by its Cranelift [`Opcode`], its
//! controlling [`Type`], any immediate it carries, and the *shape* of each of
//! its operands. Operand shapes are what make costs context dependent: a
//! constant operand may fit an immediate field, a shift operand may fold into a
//! shifted-register form, a multiply feeding an add may fuse into `madd`, and
//! so on. Nothing in this module refers to e-graph types, so any extractor that
//! knows opcodes, types and immediates can use it.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, Opcode, Type};
use serde::Serialize;

/// A condition code carried by a comparison node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// Integer comparison condition (`icmp`).
    Int(IntCC),
    /// Floating-point comparison condition (`fcmp`).
    Float(FloatCC),
}

/// How one operand of a node is supplied.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OperandShape {
    /// The operand is an ordinary value already in a register.
    Reg,
    /// The operand is an `iconst` (integer value, sign-extended to `i64`) used
    /// only by this node. If the target can encode it as an immediate no
    /// instruction is charged for it; otherwise its materialisation is charged
    /// to the consumer.
    Const(i64),
    /// The operand is an `f32const`/`f64const` (raw IEEE bits) used only by
    /// this node.
    FConst(u64),
    /// The operand is a shift by a constant (`ishl`/`ushr`/`sshr` of a value
    /// by `amount`) folded into the consumer (aarch64 shifted-register form,
    /// x86-64 `lea` scale).
    FoldedShift {
        /// The shift opcode: `Ishl`, `Ushr` or `Sshr`.
        op: Opcode,
        /// Shift amount in bits.
        amount: u8,
    },
    /// The operand is a `uextend`/`sextend` from `from` folded into the
    /// consumer (aarch64 extended-register form).
    FoldedExtend {
        /// `true` for `sextend`, `false` for `uextend`.
        signed: bool,
        /// The narrow source type.
        from: Type,
    },
    /// The operand is an `imul` of two registers folded into the consumer
    /// (aarch64 `madd`/`msub`).
    FoldedMul,
    /// The operand is `iadd(y, imm)` folded into the consumer as an address
    /// displacement (x86-64 three-component `lea base + index + disp`).
    FoldedAddImm(i64),
    /// The operand is a `bnot` of a register folded into the consumer
    /// (aarch64 `bic`/`orn`/`eon`, x86-64 BMI1 `andn`).
    FoldedNot,
    /// The operand is a comparison of two registers folded into the consumer
    /// (`select` of `icmp`/`fcmp` becomes compare + `csel`/`cmov`).
    FoldedCmp(Cond),
}

impl OperandShape {
    /// Number of register inputs this operand shape consumes from outside the
    /// folded pattern (a folded `imul` reads two registers, a constant none).
    pub fn register_inputs(&self) -> usize {
        match self {
            OperandShape::Reg => 1,
            OperandShape::Const(_) | OperandShape::FConst(_) => 0,
            OperandShape::FoldedShift { .. }
            | OperandShape::FoldedExtend { .. }
            | OperandShape::FoldedNot
            | OperandShape::FoldedAddImm(_) => 1,
            OperandShape::FoldedMul | OperandShape::FoldedCmp(_) => 2,
        }
    }
}

/// A node together with the shapes of its operands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeShape {
    /// The CLIF opcode.
    pub opcode: Opcode,
    /// The controlling (result) type. For comparisons this is the type of the
    /// compared operands, not the `i8` result.
    pub ty: Type,
    /// The type of the first operand when it differs from `ty` (the source
    /// of an extend, reduce or conversion; the `i8` condition of a `select`).
    pub arg_ty: Option<Type>,
    /// The immediate carried by the node itself: the value of an `iconst`,
    /// the raw bits of an `f32const`/`f64const`.
    pub imm: Option<i64>,
    /// The condition code of an `icmp`/`fcmp`.
    pub cond: Option<Cond>,
    /// One shape per value operand, in CLIF operand order.
    pub operands: Vec<OperandShape>,
}

impl NodeShape {
    /// A node whose operands are all plain registers.
    pub fn new(opcode: Opcode, ty: Type, arity: usize) -> Self {
        NodeShape {
            opcode,
            ty,
            arg_ty: None,
            imm: None,
            cond: None,
            operands: vec![OperandShape::Reg; arity],
        }
    }

    /// A node with explicitly given operand shapes.
    pub fn with_operands(opcode: Opcode, ty: Type, operands: Vec<OperandShape>) -> Self {
        NodeShape {
            opcode,
            ty,
            arg_ty: None,
            imm: None,
            cond: None,
            operands,
        }
    }

    /// Builder: set the node's own immediate.
    pub fn imm(mut self, imm: i64) -> Self {
        self.imm = Some(imm);
        self
    }

    /// Builder: set the first operand's type (see [`NodeShape::arg_ty`]).
    pub fn arg_ty(mut self, t: Type) -> Self {
        self.arg_ty = Some(t);
        self
    }

    /// The first operand's type (`ty` unless [`NodeShape::arg_ty`] is set).
    pub fn first_arg_type(&self) -> Type {
        self.arg_ty.unwrap_or(self.ty)
    }

    /// Builder: set the node's condition code.
    pub fn cond(mut self, cond: Cond) -> Self {
        self.cond = Some(cond);
        self
    }

    /// Operand `i`'s shape (`Reg` when out of range).
    pub fn operand(&self, i: usize) -> &OperandShape {
        self.operands.get(i).unwrap_or(&OperandShape::Reg)
    }

    /// The type of the value this node produces.
    pub fn result_type(&self) -> Type {
        match self.opcode {
            Opcode::Icmp | Opcode::Fcmp => types::I8,
            _ => self.ty,
        }
    }
}

/// An expression tree: a pattern whose cost can be asked as a whole.
///
/// Leaves are register inputs or single-use constants; interior nodes carry
/// the same information as a [`NodeShape`] minus the operand shapes, which
/// the cost model derives by deciding which children fold into their parent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Expr {
    /// A value of the given type already in a register (a function input in
    /// the calibration harness).
    Input(#[serde(serialize_with = "ser_type")] Type),
    /// A node applied to sub-expressions.
    Node {
        /// The CLIF opcode.
        #[serde(serialize_with = "ser_opcode")]
        opcode: Opcode,
        /// The controlling type (see [`NodeShape::ty`]).
        #[serde(serialize_with = "ser_type")]
        ty: Type,
        /// The node's own immediate (see [`NodeShape::imm`]).
        imm: Option<i64>,
        /// The node's condition code, if any.
        #[serde(serialize_with = "ser_cond")]
        cond: Option<Cond>,
        /// Operands in CLIF order.
        args: Vec<Expr>,
    },
}

impl Expr {
    /// A node without immediate or condition.
    pub fn node(opcode: Opcode, ty: Type, args: Vec<Expr>) -> Expr {
        Expr::Node {
            opcode,
            ty,
            imm: None,
            cond: None,
            args,
        }
    }

    /// An `iconst` of type `ty`.
    pub fn iconst(ty: Type, value: i64) -> Expr {
        Expr::Node {
            opcode: Opcode::Iconst,
            ty,
            imm: Some(value),
            cond: None,
            args: vec![],
        }
    }

    /// An `f32const`/`f64const` with raw bits `bits`.
    pub fn fconst(ty: Type, bits: u64) -> Expr {
        let opcode = if ty == types::F32 {
            Opcode::F32const
        } else {
            Opcode::F64const
        };
        Expr::Node {
            opcode,
            ty,
            imm: Some(bits as i64),
            cond: None,
            args: vec![],
        }
    }

    /// An `icmp`/`fcmp` node.
    pub fn cmp(cond: Cond, ty: Type, a: Expr, b: Expr) -> Expr {
        let opcode = match cond {
            Cond::Int(_) => Opcode::Icmp,
            Cond::Float(_) => Opcode::Fcmp,
        };
        Expr::Node {
            opcode,
            ty,
            imm: None,
            cond: Some(cond),
            args: vec![a, b],
        }
    }

    /// The type of the value this expression produces.
    pub fn result_type(&self) -> Type {
        match self {
            Expr::Input(t) => *t,
            Expr::Node { opcode, ty, .. } => match opcode {
                Opcode::Icmp | Opcode::Fcmp => types::I8,
                _ => *ty,
            },
        }
    }

    /// The node's shape with every operand a plain register (`None` for an
    /// input leaf).
    pub fn shape(&self) -> Option<NodeShape> {
        match self {
            Expr::Input(_) => None,
            Expr::Node {
                opcode,
                ty,
                imm,
                cond,
                args,
            } => Some(NodeShape {
                opcode: *opcode,
                ty: *ty,
                arg_ty: args.first().map(|a| a.result_type()).filter(|t| t != ty),
                imm: *imm,
                cond: *cond,
                operands: vec![OperandShape::Reg; args.len()],
            }),
        }
    }
}

fn ser_type<S: serde::Serializer>(t: &Type, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

fn ser_opcode<S: serde::Serializer>(o: &Opcode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&o.to_string())
}

fn ser_cond<S: serde::Serializer>(c: &Option<Cond>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        None => s.serialize_none(),
        Some(Cond::Int(cc)) => s.serialize_str(&cc.to_string()),
        Some(Cond::Float(cc)) => s.serialize_str(&cc.to_string()),
    }
}
