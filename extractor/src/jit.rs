//! Native execution: a corpus file's functions compiled for the host with
//! cranelift-jit, either through Cranelift's own mid-end or through ours.
//!
//! [`JitFile::compile`] takes every function of a [`CorpusFile`] (kernels
//! and the test-vector wrappers that call them by name), puts them in one
//! `JITModule`, and hands back callable [`JitFunction`]s. Code is generated
//! with the same ISA flags as [`codegen::build_isa`], so what runs is what
//! `regpress compare` measures statically:
//!
//! * [`MidEnd::Cranelift`]: the original functions at `opt_level=speed`
//!   (Cranelift's e-graph pass runs inside `Context::compile`);
//! * [`MidEnd::Regpress`]: each function through [`pipeline::optimize`],
//!   then compiled at `opt_level=none` so that Cranelift does not optimise
//!   our output again.
//!
//! Every function is called through a small generated trampoline that takes
//! one pointer to an array of 16-byte [`Slot`]s (arguments in, results out),
//! so any scalar signature can be called from Rust with one well-defined
//! `extern "C"` type. The trampolines are separate functions: their
//! instructions are outside [`JitFunction::code`].

use crate::compare::guarded;
use crate::corpus::CorpusFile;
use crate::extract::Extractor;
use crate::pipeline::{self, Settings};
use crate::rules::Rule;
use crate::validate::codegen;
use anyhow::{anyhow, bail, Result};
use cranelift_codegen::data_value::DataValue;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, ExternalName, Function, GlobalValueData, InstBuilder, MemFlagsData,
    Signature, UserExternalName, UserFuncName,
};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use cranelift_reader::RunCommand;
use std::collections::HashMap;
use std::ops::Range;

/// Which mid-end produces the code.
#[derive(Clone, Copy)]
pub enum MidEnd<'a> {
    /// Cranelift 0.135's own: the original functions at `opt_level=speed`.
    Cranelift,
    /// Ours: [`pipeline::optimize`] with this extractor and these rules,
    /// then `opt_level=none`.
    Regpress {
        /// The extractor.
        extractor: &'a dyn Extractor,
        /// The rewrites.
        rules: &'a [Rule],
        /// Saturation bounds and input limits.
        settings: &'a Settings,
    },
}

/// One argument or result, as the trampoline reads and writes it: the
/// value's bytes in native order at the start of 16 bytes (room for an
/// `i128` or a 128-bit vector).
#[derive(Copy, Clone, Debug, Default)]
#[repr(C, align(16))]
pub struct Slot(pub [u8; 16]);

/// The one Rust-side type of every trampoline.
type Trampoline = unsafe extern "C" fn(*mut Slot);

/// A compiled function of the file.
pub struct JitFunction {
    name: String,
    signature: Signature,
    code: Range<usize>,
    trampoline: Trampoline,
    report: Option<pipeline::Report>,
}

impl JitFunction {
    /// The function's CLIF name, e.g. `%blake3_test_straight`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The addresses of its machine code (the function alone, without its
    /// trampoline). Valid as long as the [`JitFile`] lives.
    pub fn code(&self) -> Range<usize> {
        self.code.clone()
    }

    /// What our pipeline did to the function (`None` for
    /// [`MidEnd::Cranelift`]): saturation stop reason, fallback, sizes.
    pub fn report(&self) -> Option<&pipeline::Report> {
        self.report.as_ref()
    }

    /// Call the function with `args`, which must match its parameters in
    /// number and type.
    ///
    /// # Safety
    /// The machine code runs unchecked: the function must be memory-safe
    /// with these arguments (pointer arguments must point to enough valid
    /// memory; the built-in test wrappers take none).
    pub unsafe fn call(&self, args: &[DataValue]) -> Result<Vec<DataValue>, String> {
        let params = &self.signature.params;
        if args.len() != params.len() {
            return Err(format!(
                "{} takes {} arguments, got {}",
                self.name,
                params.len(),
                args.len()
            ));
        }
        let mut slots = vec![Slot::default(); params.len().max(self.signature.returns.len())];
        for (i, (arg, param)) in args.iter().zip(params).enumerate() {
            if arg.ty() != param.value_type {
                return Err(format!(
                    "{}: argument {i} is {}, expected {}",
                    self.name,
                    arg.ty(),
                    param.value_type
                ));
            }
            arg.write_to_slice_ne(&mut slots[i].0);
        }
        // SAFETY: the caller vouches for the function; the slots are as many
        // as the trampoline reads and writes.
        unsafe { self.call_slots(&mut slots) };
        Ok(self
            .signature
            .returns
            .iter()
            .zip(&slots)
            .map(|(r, s)| DataValue::read_from_slice_ne(&s.0, r.value_type))
            .collect())
    }

    /// Call the function on raw slots: argument `i` in `slots[i]`, result
    /// `j` written to `slots[j]`. No allocation and no checks: the form for
    /// measurement loops.
    ///
    /// # Safety
    /// As for [`JitFunction::call`]; moreover `slots` must hold at least
    /// max(parameters, results) entries with the arguments' bytes in place.
    #[inline(always)]
    pub unsafe fn call_slots(&self, slots: &mut [Slot]) {
        debug_assert!(slots.len() >= self.signature.params.len());
        debug_assert!(slots.len() >= self.signature.returns.len());
        // SAFETY: the trampoline reads the parameters from and writes the
        // results to `slots`, which the caller sized.
        unsafe { (self.trampoline)(slots.as_mut_ptr()) }
    }
}

/// A corpus file compiled into one JIT module.
pub struct JitFile {
    // `Option` only so that `Drop` can move it into `free_memory`.
    module: Option<JITModule>,
    functions: Vec<JitFunction>,
}

impl JitFile {
    /// Compile every function of `file` for the host through `mid_end`.
    ///
    /// Errors (one line): a host without a Cranelift backend we measure
    /// (x86_64, aarch64), a function our pipeline refuses, a call to a
    /// function the file does not define, a symbol reference, a signature
    /// the trampoline cannot pass, or a Cranelift compile error.
    pub fn compile(file: &CorpusFile, mid_end: MidEnd<'_>) -> Result<JitFile> {
        let target = host_target()?;
        let isa = match mid_end {
            MidEnd::Cranelift => codegen::build_isa(target, "speed")?,
            MidEnd::Regpress { .. } => codegen::build_isa(target, "none")?,
        };
        // Our pipeline works on the original names and calls; renaming for
        // the module comes after.
        let mut reports = Vec::with_capacity(file.functions.len());
        let mut funcs = Vec::with_capacity(file.functions.len());
        for func in &file.functions {
            let (out, report) = match mid_end {
                MidEnd::Cranelift => (func.clone(), None),
                MidEnd::Regpress {
                    extractor,
                    rules,
                    settings,
                } => {
                    let out = guarded("pipeline", || {
                        pipeline::optimize(func, &*isa, extractor, rules, settings)
                            .map_err(|e| e.to_string())
                    })
                    .map_err(|e| anyhow!("{}: {e}", file.path))?;
                    (out.func, Some(out.report))
                }
            };
            funcs.push(out);
            reports.push(report);
        }

        // Owned by the result from here on, so that an error below still
        // frees the module's memory (`Drop`).
        let mut this = JitFile {
            module: Some(JITModule::new(JITBuilder::with_isa(
                isa,
                cranelift_module::default_libcall_names(),
            ))),
            functions: Vec::new(),
        };
        let module = this.module.as_mut().expect("set above");
        let mut ids: HashMap<String, FuncId> = HashMap::new();
        let mut declared = Vec::with_capacity(funcs.len());
        for func in &funcs {
            let name = func.name.to_string();
            if func
                .global_values
                .values()
                .any(|gv| matches!(gv, GlobalValueData::Symbol { .. }))
            {
                bail!(
                    "{}: {name} refers to a symbol; the JIT links functions only",
                    file.path
                );
            }
            let id = module
                .declare_function(&name, Linkage::Local, &func.signature)
                .map_err(|e| anyhow!("{}: declaring {name}: {e}", file.path))?;
            if ids.insert(name.clone(), id).is_some() {
                bail!("{}: two functions are named {name}", file.path);
            }
            declared.push(id);
        }

        let mut sizes = Vec::with_capacity(funcs.len());
        let mut ctx = Context::new();
        for (mut func, &id) in funcs.into_iter().zip(&declared) {
            let name = func.name.to_string();
            link_calls(&mut func, &ids).map_err(|e| anyhow!("{}: {name}: {e}", file.path))?;
            func.name = UserFuncName::user(0, id.as_u32());
            ctx.clear();
            ctx.func = func;
            guarded("cranelift-jit", || {
                module.define_function(id, &mut ctx).map_err(|e| match e {
                    cranelift_module::ModuleError::Compilation(e) => {
                        cranelift_codegen::print_errors::pretty_error(&ctx.func, e)
                    }
                    e => e.to_string(),
                })
            })
            .map_err(|e| anyhow!("{}: compiling {name}: {}", file.path, first_line(&e)))?;
            let size = ctx
                .compiled_code()
                .map(|c| c.code_buffer().len())
                .unwrap_or(0);
            sizes.push(size);
        }

        let mut tramps = Vec::with_capacity(declared.len());
        for (func, &id) in file.functions.iter().zip(&declared) {
            let t = trampoline(module, id, &func.signature)
                .map_err(|e| anyhow!("{}: {}: {e}", file.path, func.name))?;
            tramps.push(t);
        }
        module
            .finalize_definitions()
            .map_err(|e| anyhow!("{}: finalizing the JIT module: {e}", file.path))?;

        this.functions = file
            .functions
            .iter()
            .zip(declared.iter().zip(&sizes).zip(&tramps))
            .zip(reports)
            .map(|((func, ((&id, &size), &tramp)), report)| {
                let start = module.get_finalized_function(id) as usize;
                let tramp = module.get_finalized_function(tramp);
                JitFunction {
                    name: func.name.to_string(),
                    signature: func.signature.clone(),
                    code: start..start + size,
                    // SAFETY: `tramp` is finalized code generated by
                    // `trampoline` with the signature `fn(ptr)` in the
                    // ISA's default (C) calling convention.
                    trampoline: unsafe { std::mem::transmute::<*const u8, Trampoline>(tramp) },
                    report,
                }
            })
            .collect();
        Ok(this)
    }

    /// The file's functions, in file order.
    pub fn functions(&self) -> &[JitFunction] {
        &self.functions
    }

    /// A function by CLIF name, with or without its `%`.
    pub fn function(&self, name: &str) -> Option<&JitFunction> {
        self.functions
            .iter()
            .find(|f| f.name == name || f.name.strip_prefix('%') == Some(name))
    }

    /// Functions for which our pipeline kept its input, and why (none for
    /// [`MidEnd::Cranelift`]).
    pub fn fallbacks(&self) -> impl Iterator<Item = (&str, &str)> {
        self.functions.iter().filter_map(|f| {
            let why = f.report.as_ref()?.fallback.as_deref()?;
            Some((f.name(), why))
        })
    }

    /// Execute one `; run:` line natively.
    ///
    /// # Safety
    /// As for [`JitFunction::call`]: the function the line invokes must be
    /// memory-safe with the line's arguments.
    pub unsafe fn run_command(&self, cmd: &RunCommand) -> Result<(), String> {
        cmd.run(|name, args| {
            let f = self
                .function(name)
                .ok_or_else(|| format!("no function %{name}"))?;
            // SAFETY: forwarded from the caller.
            unsafe { f.call(args) }
        })
    }
}

impl Drop for JitFile {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: every `JitFunction` (the only holders of code
            // pointers) is owned by `self` and dropped with it; none can be
            // running, because calling one borrows `self`.
            unsafe { module.free_memory() };
        }
    }
}

/// The backend of this machine, as [`codegen::build_isa`] names it.
pub fn host_target() -> Result<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Ok("x86_64"),
        "aarch64" => Ok("aarch64"),
        other => bail!("cannot JIT on a {other} host (x86_64 or aarch64 only)"),
    }
}

/// Point every call of `func` at the module's function of the same CLIF
/// name (cranelift-module resolves `u0:ID` user names only).
fn link_calls(func: &mut Function, ids: &HashMap<String, FuncId>) -> Result<()> {
    let refs: Vec<_> = func.dfg.ext_funcs.keys().collect();
    for r in refs {
        let key = match &func.dfg.ext_funcs[r].name {
            ExternalName::TestCase(t) => t.to_string(),
            ExternalName::User(u) => func.params.user_named_funcs()[*u].to_string(),
            // Libcalls and known symbols: the JIT resolves them itself.
            ExternalName::LibCall(_) | ExternalName::KnownSymbol(_) => continue,
        };
        let id = ids
            .get(&key)
            .ok_or_else(|| anyhow!("calls {key}, which the file does not define"))?;
        let user = func.declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
        func.dfg.ext_funcs[r].name = ExternalName::User(user);
    }
    Ok(())
}

/// Define `fn(slots: ptr)` that loads the callee's arguments from
/// 16-byte slots, calls it, and stores its results back into the slots.
fn trampoline(module: &mut JITModule, callee: FuncId, sig: &Signature) -> Result<FuncId> {
    for p in sig.params.iter().chain(&sig.returns) {
        if p.purpose != ArgumentPurpose::Normal || p.value_type.bytes() > 16 {
            bail!(
                "cannot pass a {} {:?} through a trampoline",
                p.value_type,
                p.purpose
            );
        }
    }
    let ptr = module.isa().pointer_type();
    let mut tsig = Signature::new(module.isa().default_call_conv());
    tsig.params.push(AbiParam::new(ptr));
    let id = module
        .declare_anonymous_function(&tsig)
        .map_err(|e| anyhow!("declaring a trampoline: {e}"))?;
    let mut func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), tsig);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let slots = b.block_params(block)[0];
    let flags = MemFlagsData::trusted();
    let args: Vec<_> = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| b.ins().load(p.value_type, flags, slots, slot_offset(i)))
        .collect();
    let callee_ref = module.declare_func_in_func(callee, b.func);
    let call = b.ins().call(callee_ref, &args);
    let results = b.inst_results(call).to_vec();
    for (i, r) in results.into_iter().enumerate() {
        b.ins().store(flags, r, slots, slot_offset(i));
    }
    b.ins().return_(&[]);
    let config = module.isa().frontend_config();
    b.finalize(config);
    let mut ctx = Context::for_function(func);
    module
        .define_function(id, &mut ctx)
        .map_err(|e| anyhow!("compiling a trampoline: {e}"))?;
    Ok(id)
}

fn slot_offset(i: usize) -> i32 {
    (i * std::mem::size_of::<Slot>()) as i32
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}
