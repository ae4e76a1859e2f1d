//! The e-graph's language: CLIF pure instructions, with types and immediates.
//!
//! Every value-producing node has the same shape: its first child is a
//! *type attribute* class (the instruction's controlling type), followed by
//! its immediates as attribute classes where the rules need to see them, then
//! its value operands. Writing types and immediates as children, rather than
//! folding them into the operator, lets rules be plain egg patterns that are
//! polymorphic over type:
//!
//! ```text
//! (iadd ?t ?x (iconst ?t 0))      =>  ?x
//! (icmp ?t eq ?x ?x)              =>  (iconst i8 1)
//! ```
//!
//! Attribute classes (`Type`, `Int`, `Cond`) are never values: extraction
//! skips them and elaboration reads them back as immediates.
//!
//! Instructions whose format the rules do not need to see into (loads, lane
//! operations, float constants, …) become [`Op::Opaque`] nodes: their
//! `InstructionData` is interned as a template with its value operands
//! cleared, so they round-trip exactly and GVN still merges them.
//!
//! The e-graph analysis ([`ClifAnalysis`]) folds constants as classes are
//! made, so the language, its constant pool ([`constants`]) and its folder
//! ([`fold`]) form one module: nothing outside it is needed to build or
//! read a [`ClifEGraph`].

pub mod constants;
pub mod fold;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::instructions::InstructionFormat;
use cranelift_codegen::ir::{InstructionData, Opcode, Type, Value};
use egg::{Id, Language};
use smallvec::SmallVec;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Index of an interned opaque instruction template, see [`Templates`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateId(pub u32);

/// The operator of an e-node.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// Attribute: a CLIF type.
    Type(Type),
    /// Attribute: an integer immediate, as the bits Cranelift stores in an
    /// `Imm64` (for `iconst`, zero-extended from the controlling type).
    Int(i64),
    /// Attribute: an integer condition code.
    Cond(IntCC),
    /// A value the e-graph does not compute: a block parameter or a result of
    /// a skeleton (side-effecting) instruction. Children: `[type]`.
    Value(Value),
    /// A pure instruction in a format the rules understand (`Unary`,
    /// `Binary`, `Ternary`, `UnaryImm`, `IntCompare`).
    /// Children: `[type, (imm | cond)?, args...]`.
    Inst(Opcode),
    /// Any other pure instruction. Children: `[type, args...]`.
    Opaque(Opcode, TemplateId),
}

impl Op {
    /// The CLIF opcode computed by this node, if it computes one.
    pub fn opcode(&self) -> Option<Opcode> {
        match *self {
            Op::Inst(op) | Op::Opaque(op, _) => Some(op),
            _ => None,
        }
    }

    /// Is this an attribute (type, immediate, condition) rather than a value?
    pub fn is_attribute(&self) -> bool {
        matches!(self, Op::Type(_) | Op::Int(_) | Op::Cond(_))
    }

    /// A total order key. `Type` and `IntCC` have no `Ord` of their own, so
    /// we build an injective integer key from their public properties.
    fn key(&self) -> (u8, u64) {
        match *self {
            Op::Type(t) => (0, type_key(t)),
            Op::Int(i) => (1, i as u64),
            Op::Cond(c) => (2, c as u64),
            Op::Value(v) => (3, v.as_u32() as u64),
            Op::Inst(op) => (4, op as u64),
            Op::Opaque(op, t) => (5, ((op as u64) << 32) | t.0 as u64),
        }
    }
}

/// An injective key for a CLIF type, built only from its public properties.
pub fn type_key(t: Type) -> u64 {
    ((t.is_dynamic_vector() as u64) << 24)
        | ((t.log2_lane_count() as u64) << 16)
        | ((t.lane_type().is_float() as u64) << 12)
        | ((t.lane_type().is_int() as u64) << 11)
        | t.lane_bits() as u64
}

/// Does the e-graph model this format transparently (as [`Op::Inst`])?
pub fn is_transparent_format(format: InstructionFormat) -> bool {
    matches!(
        format,
        InstructionFormat::Unary
            | InstructionFormat::Binary
            | InstructionFormat::Ternary
            | InstructionFormat::UnaryImm
            | InstructionFormat::IntCompare
    )
}

/// An e-node: an operator and its children classes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClifNode {
    /// The operator.
    pub op: Op,
    /// Children: attributes first, then value operands.
    pub children: SmallVec<[Id; 4]>,
}

impl ClifNode {
    /// A leaf attribute or operator with the given children.
    pub fn new(op: Op, children: impl IntoIterator<Item = Id>) -> Self {
        ClifNode {
            op,
            children: children.into_iter().collect(),
        }
    }

    /// A leaf node.
    pub fn leaf(op: Op) -> Self {
        ClifNode {
            op,
            children: SmallVec::new(),
        }
    }

    /// How many leading children are attributes (type, immediate, cond)?
    pub fn num_attributes(&self) -> usize {
        match self.op {
            Op::Type(_) | Op::Int(_) | Op::Cond(_) => 0,
            Op::Value(_) | Op::Opaque(..) => 1,
            Op::Inst(op) => match op.format() {
                InstructionFormat::UnaryImm | InstructionFormat::IntCompare => 2,
                _ => 1,
            },
        }
    }

    /// The value operands of this node (children after the attributes).
    pub fn operands(&self) -> &[Id] {
        &self.children[self.num_attributes().min(self.children.len())..]
    }

    /// The type attribute child, if this node computes a value.
    pub fn type_child(&self) -> Option<Id> {
        match self.op {
            Op::Value(_) | Op::Inst(_) | Op::Opaque(..) => self.children.first().copied(),
            _ => None,
        }
    }
}

impl PartialOrd for ClifNode {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ClifNode {
    fn cmp(&self, other: &Self) -> Ordering {
        self.op
            .key()
            .cmp(&other.op.key())
            .then_with(|| self.children.cmp(&other.children))
    }
}

impl Language for ClifNode {
    type Discriminant = (u8, u64);

    fn discriminant(&self) -> Self::Discriminant {
        self.op.key()
    }

    fn matches(&self, other: &Self) -> bool {
        self.op == other.op && self.children.len() == other.children.len()
    }

    fn children(&self) -> &[Id] {
        &self.children
    }

    fn children_mut(&mut self) -> &mut [Id] {
        &mut self.children
    }
}

impl fmt::Display for ClifNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            Op::Type(t) => write!(f, "{t}"),
            Op::Int(i) => write!(f, "{i}"),
            Op::Cond(c) => write!(f, "{c}"),
            Op::Value(v) => write!(f, "{v}"),
            Op::Inst(op) => write!(f, "{op}"),
            Op::Opaque(op, t) => write!(f, "{op}#{}", t.0),
        }
    }
}

/// Parsing of pattern text: `i32` is a type, `-1`/`42` an immediate, `eq`,
/// `slt`, … a condition code, and an opcode name an [`Op::Inst`].
impl egg::FromOp for ClifNode {
    type Error = String;

    fn from_op(op: &str, children: Vec<Id>) -> Result<Self, Self::Error> {
        let leaf = |o: Op| {
            if children.is_empty() {
                Ok(ClifNode::leaf(o))
            } else {
                Err(format!("`{op}` is a leaf and takes no children"))
            }
        };
        if let Ok(i) = op.parse::<i64>() {
            return leaf(Op::Int(i));
        }
        if let Some(t) = parse_type(op) {
            return leaf(Op::Type(t));
        }
        if let Ok(c) = IntCC::from_str(op) {
            return leaf(Op::Cond(c));
        }
        match Opcode::from_str(op) {
            Ok(opc) if is_transparent_format(opc.format()) => {
                Ok(ClifNode::new(Op::Inst(opc), children))
            }
            Ok(_) => Err(format!("`{op}` is not in a format rules can match")),
            Err(_) => Err(format!("unknown operator `{op}` in pattern")),
        }
    }
}

/// Parse a scalar CLIF type name.
pub fn parse_type(s: &str) -> Option<Type> {
    use cranelift_codegen::ir::types::*;
    Some(match s {
        "i8" => I8,
        "i16" => I16,
        "i32" => I32,
        "i64" => I64,
        "i128" => I128,
        "f16" => F16,
        "f32" => F32,
        "f64" => F64,
        "f128" => F128,
        _ => return None,
    })
}

/// Interned templates of [`Op::Opaque`] instructions.
///
/// A template is the instruction's `InstructionData` with every value operand
/// replaced by `Value::reserved_value()`, so two instructions with the same
/// opcode, immediates and flags share a template and GVN can merge them.
#[derive(Default, Debug, Clone)]
pub struct Templates {
    data: Vec<InstructionData>,
    index: HashMap<InstructionData, TemplateId>,
}

impl Templates {
    /// Intern a template.
    pub fn intern(&mut self, data: InstructionData) -> TemplateId {
        if let Some(&id) = self.index.get(&data) {
            return id;
        }
        let id = TemplateId(self.data.len() as u32);
        self.data.push(data);
        self.index.insert(data, id);
        id
    }

    /// The template for an id.
    pub fn get(&self, id: TemplateId) -> &InstructionData {
        &self.data[id.0 as usize]
    }
}

/// What an e-class is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClassKind {
    /// A type attribute.
    Type(Type),
    /// An immediate attribute.
    Int(i64),
    /// A condition-code attribute.
    Cond(IntCC),
    /// A value of this type.
    Value(Type),
}

/// Per-class facts: what the class is, and its constant value if known.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ClassData {
    /// What the class is.
    pub kind: ClassKind,
    /// For integer value classes: the constant bits (zero-extended from the
    /// type's width), if the class is known to be constant.
    pub konst: Option<u64>,
    /// For scalar float value classes: the IEEE bits, if the class is known
    /// to be a constant (see [`crate::lang::fold::fold_float`]).
    pub fconst: Option<u128>,
}

impl ClassData {
    /// The value type, if this is a value class.
    pub fn value_type(&self) -> Option<Type> {
        match self.kind {
            ClassKind::Value(t) => Some(t),
            _ => None,
        }
    }
}

/// The e-graph analysis: class kinds, types, and constant folding.
#[derive(Default, Debug, Clone)]
pub struct ClifAnalysis {
    /// Interned templates of opaque instructions.
    pub templates: Templates,
    /// Skeleton results whose defining instruction was simplified away
    /// (e.g. a division of two constants). Their [`Op::Value`] leaves stay
    /// in the e-graph, merged with what replaced them, but must never be
    /// chosen: the extraction graph leaves them out.
    pub removed: std::collections::HashSet<Value>,
    /// The function's constant pool, extended by rules that build `vconst`
    /// or `f128const` nodes (see [`crate::lang::constants`]).
    pub constants: crate::lang::constants::Constants,
}

/// The e-graph type used throughout regpress.
pub type ClifEGraph = egg::EGraph<ClifNode, ClifAnalysis>;

/// The result type of `op` with controlling type `ctrl`.
pub fn result_type(op: Opcode, ctrl: Type) -> Type {
    op.constraints().result_type(0, ctrl)
}

/// Mask `bits` to the width of integer type `ty` (no-op for 64+ bits).
pub fn mask(ty: Type, bits: u64) -> u64 {
    let w = ty.bits();
    if w >= 64 {
        bits
    } else {
        bits & ((1u64 << w) - 1)
    }
}

/// Sign-extend the low `ty.bits()` bits of `bits` to 64.
pub fn sext(ty: Type, bits: u64) -> i64 {
    let w = ty.bits();
    if w >= 64 || w == 0 {
        bits as i64
    } else {
        let s = 64 - w;
        ((bits << s) as i64) >> s
    }
}

impl egg::Analysis<ClifNode> for ClifAnalysis {
    type Data = ClassData;

    fn make(egraph: &mut egg::EGraph<ClifNode, Self>, enode: &ClifNode, _id: Id) -> ClassData {
        let kind = match enode.op {
            Op::Type(t) => ClassKind::Type(t),
            Op::Int(i) => ClassKind::Int(i),
            Op::Cond(c) => ClassKind::Cond(c),
            Op::Value(_) | Op::Inst(_) | Op::Opaque(..) => {
                let ctrl = match egraph[enode.children[0]].data.kind {
                    ClassKind::Type(t) => t,
                    k => panic!("first child of {enode} is {k:?}, not a type"),
                };
                match enode.op.opcode() {
                    Some(op) => ClassKind::Value(result_type(op, ctrl)),
                    None => ClassKind::Value(ctrl),
                }
            }
        };
        let konst = match kind {
            ClassKind::Value(ty) if ty.is_int() && ty.bits() <= 64 => {
                crate::lang::fold::fold(egraph, enode, ty)
            }
            _ => None,
        };
        let fconst = match kind {
            ClassKind::Value(ty) if ty.is_float() && !ty.is_vector() => {
                crate::lang::fold::fold_float(egraph, enode, ty)
            }
            _ => None,
        };
        ClassData {
            kind,
            konst,
            fconst,
        }
    }

    fn merge(&mut self, a: &mut ClassData, b: ClassData) -> egg::DidMerge {
        debug_assert_eq!(a.kind, b.kind, "merged classes of different kinds");
        let floats = match (a.fconst, b.fconst) {
            (None, Some(k)) => {
                a.fconst = Some(k);
                egg::DidMerge(true, false)
            }
            (Some(x), Some(y)) => {
                debug_assert_eq!(x, y, "merged classes with different float constants");
                egg::DidMerge(false, false)
            }
            (Some(_), None) => egg::DidMerge(false, true),
            (None, None) => egg::DidMerge(false, false),
        };
        floats
            | match (a.konst, b.konst) {
                (None, Some(k)) => {
                    a.konst = Some(k);
                    egg::DidMerge(true, false)
                }
                (Some(x), Some(y)) => {
                    debug_assert_eq!(x, y, "merged classes with different constants");
                    egg::DidMerge(false, false)
                }
                (Some(_), None) => egg::DidMerge(false, true),
                (None, None) => egg::DidMerge(false, false),
            }
    }

    fn modify(egraph: &mut egg::EGraph<ClifNode, Self>, id: Id) {
        // A class proven constant gets an `iconst` node, so that extraction
        // can always choose the constant (cost 1) over the computation.
        let data = egraph[id].data;
        if let (Some(k), ClassKind::Value(ty)) = (data.konst, data.kind) {
            let already = egraph[id]
                .nodes
                .iter()
                .any(|n| n.op == Op::Inst(Opcode::Iconst));
            if !already {
                let t = egraph.add(ClifNode::leaf(Op::Type(ty)));
                let i = egraph.add(ClifNode::leaf(Op::Int(k as i64)));
                let c = egraph.add(ClifNode::new(Op::Inst(Opcode::Iconst), [t, i]));
                egraph.union(id, c);
            }
        }
        // Likewise a class proven to be a float constant gets the constant.
        if let (Some(bits), ClassKind::Value(ty)) = (data.fconst, data.kind) {
            let already = egraph[id].nodes.iter().any(|n| {
                n.op.opcode()
                    .is_some_and(crate::lang::constants::is_float_const)
            });
            if !already {
                if let Some(c) = crate::lang::constants::fconst(egraph, ty, bits) {
                    egraph.union(id, c);
                }
            }
        }
    }
}
