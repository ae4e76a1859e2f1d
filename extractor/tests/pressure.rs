//! Register pressure: the liveness analysis, local placement in
//! elaboration, and the `pressure` extractor measured through Cranelift's
//! backend and regalloc2.

use cranelift_codegen::dominator_tree::DominatorTree;
use cranelift_codegen::flowgraph::ControlFlowGraph;
use cranelift_codegen::ir::Function;
use cranelift_codegen::loop_analysis::LoopAnalysis;
use regpress::extract::{self, Choice, Extractor, NodeCosts, OperandOrder, Placement, Problem};
use regpress::liveness::Pressure;
use regpress::pipeline::{self, Settings};
use regpress::rules::RuleSet;
use regpress::validate::{codegen, semantics};
use regpress_cost_model::Target;

fn parse(text: &str) -> Vec<Function> {
    regpress::corpus::parse("t.clif", text).unwrap().functions
}

fn pressure_of(func: &Function, target: Target) -> Pressure {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut loops = LoopAnalysis::new();
    loops.compute(func, &cfg, &domtree);
    Pressure::analyze(func, &cfg, &loops, target)
}

#[test]
fn liveness_counts_values_across_a_call() {
    // Hand-written, so the expected counts are plain: v1, v2, v3 and v0
    // are live across the call.
    let funcs = parse(
        "function %f(i64) -> i64 system_v {
            sig0 = (i64) -> i64 system_v
            fn0 = %g sig0
        block0(v0: i64):
            v10 = iconst.i64 8
            v1 = iadd v0, v10
            v2 = iadd v0, v1
            v3 = iadd v1, v2
            v4 = call fn0(v0)
            v5 = iadd v4, v1
            v6 = iadd v5, v2
            v7 = iadd v6, v3
            v8 = iadd v7, v0
            return v8
        }",
    );
    let p = pressure_of(&funcs[0], Target::X86_64);
    let (_, block) = &p.blocks[0];
    assert_eq!(block.across_calls.len(), 1);
    assert_eq!(block.across_calls[0].1.int, 4, "v0, v1, v2, v3");
    assert!(block.max_live.int >= 4);
    // 4 live across the call against 5 callee-saved x86 registers: no
    // excess, nothing hot, no crossing.
    assert_eq!(p.hot.count_ones(..), 0);
    assert!(p.crossings.is_empty());
    assert_eq!(p.spill_cost(Target::X86_64), 0.0);
}

/// Expected reloads of the only block of `body`, a function of 20 `i64`
/// parameters (more than x86-64's 14 allocatable registers) that returns
/// them all after `body`'s instructions.
fn reloads_with_twenty_live(body: &str, result: &str) -> f64 {
    let params: Vec<String> = (0..20).map(|i| format!("v{i}: i64")).collect();
    let rets: Vec<String> = (1..20).map(|i| format!("v{i}")).collect();
    let text = format!(
        "function %f({}) -> {} system_v {{\nblock0({}):\n{body}    return {result}, {}\n}}",
        vec!["i64"; 20].join(", "),
        vec!["i64"; 20].join(", "),
        params.join(", "),
        rets.join(", ")
    );
    let p = pressure_of(&parse(&text)[0], Target::X86_64);
    p.blocks[0].1.reloads[0]
}

/// A use right after the value was defined or used finds it in a
/// register: a chain of adds that each reuse `v1` and the previous sum
/// costs no more expected reloads than a single add, but it does when
/// other instructions separate the touches by more than the reuse window.
#[test]
fn uses_just_after_a_touch_are_not_charged_again() {
    let one = reloads_with_twenty_live("    v102 = iadd v0, v1\n", "v102");
    let chain = reloads_with_twenty_live(
        "    v100 = iadd v0, v1\n    v101 = iadd v100, v1\n    v102 = iadd v101, v1\n",
        "v102",
    );
    assert!(one > 0.0, "20 values live against 14 registers");
    assert!((chain - one).abs() < 1e-9, "{chain} vs {one}");
    let gap: String = (0..=regpress::liveness::REUSE_WINDOW)
        .map(|i| format!("    v{} = iconst.i64 {i}\n", 200 + i))
        .collect();
    let far = reloads_with_twenty_live(
        &format!("    v100 = iadd v0, v1\n{gap}    v101 = iadd v100, v1\n"),
        "v101",
    );
    assert!(far > one + 0.5, "{far} vs {one}");
}

#[test]
fn calls_beyond_the_callee_saved_registers_are_hot() {
    let text = call_heavy(12);
    let funcs = parse(&text);
    let f = funcs.iter().find(|f| f.name.to_string() == "%f").unwrap();
    let p = pressure_of(f, Target::X86_64);
    // The calls after the first three each have more of the twelve values
    // across them than the five callee-saved registers hold.
    assert!(!p.crossings.is_empty(), "{text}");
    let most = p
        .crossings
        .iter()
        .map(|c| p.crossing_values(c).len())
        .max()
        .unwrap();
    assert!(most >= 12, "{most} values across the busiest call\n{text}");
    assert!(p.crossings.iter().all(|c| c.excess.int > 0));
    assert!(p.spill_cost(Target::X86_64) > 0.0);
    // AArch64 preserves twice as many integer registers.
    assert!(
        p.spill_cost(Target::X86_64) > pressure_of(f, Target::Aarch64).spill_cost(Target::Aarch64)
    );
}

/// `n` cheap values (parameter plus a constant) computed before three calls
/// and each passed to a call after the last one.
fn call_heavy(n: usize) -> String {
    let mut s = String::from(
        "function %g(i64) -> i64 system_v {\nblock0(v0: i64):\n    return v0\n}\n\n\
         function %f(i64) -> i64 system_v {\n    sig0 = (i64) -> i64 system_v\n    fn0 = %g sig0\n\
         block0(v0: i64):\n",
    );
    for i in 1..=n {
        s += &format!("    v{} = iconst.i64 {}\n", 100 + i, i * 24 + 8);
        s += &format!("    v{i} = iadd v0, v{}\n", 100 + i);
    }
    // Use them once early, so elaboration computes them before the calls.
    let mut acc = 0;
    for i in 1..=n {
        s += &format!("    v{} = bxor v{acc}, v{i}\n", 200 + i);
        acc = 200 + i;
    }
    s += &format!(
        "    v300 = call fn0(v{acc})\n    v301 = call fn0(v300)\n    v302 = call fn0(v301)\n"
    );
    // Each value is an argument of its own call, so it must be in a
    // register there (not used from memory), and it lives across every
    // call before its own.
    let mut acc = 302;
    for i in 1..=n {
        s += &format!("    v{} = call fn0(v{i})\n", 500 + i);
        s += &format!("    v{} = iadd v{acc}, v{}\n", 400 + i, 500 + i);
        acc = 400 + i;
    }
    s += &format!("    return v{acc}\n}}\n");
    s
}

fn optimize(func: &Function, target: &str, extractor: &str) -> Function {
    let isa = codegen::build_isa(target, "none").unwrap();
    let ex = extract::by_name(extractor).unwrap();
    let out = pipeline::optimize(
        func,
        &*isa,
        &*ex,
        &RuleSet::DEFAULT.rules(),
        &Settings::default(),
    )
    .unwrap();
    assert!(out.report.fallback.is_none(), "{:?}", out.report.fallback);
    out.func
}

#[test]
fn pressure_recomputes_cheap_values_instead_of_spilling_them_across_calls() {
    let text = call_heavy(12);
    let funcs = parse(&text);
    let f = funcs.iter().find(|f| f.name.to_string() == "%f").unwrap();
    let g = funcs.iter().find(|f| f.name.to_string() == "%g").unwrap();
    for target in ["x86_64", "aarch64"] {
        let isa = codegen::build_isa(target, "none").unwrap();
        let dag = optimize(f, target, "dag");
        let pressure = optimize(f, target, "pressure");
        let m_dag = codegen::compile(&dag, &*isa).unwrap();
        let m_pressure = codegen::compile(&pressure, &*isa).unwrap();
        // x86-64 keeps 5 registers across a call and spills most of the
        // twelve; AArch64 keeps 10 and spills few, and relief need not pay
        // there, but it must never spill more.
        let fewer = if target == "x86_64" {
            m_pressure.spills_reloads() < m_dag.spills_reloads()
        } else {
            m_pressure.spills_reloads() <= m_dag.spills_reloads()
        };
        assert!(
            fewer,
            "{target}: pressure {} vs dag {} spills+reloads\n{}",
            m_pressure.spills_reloads(),
            m_dag.spills_reloads(),
            pressure.display()
        );
        // Same meaning.
        for x in [0i64, 1, -7, i64::MAX] {
            let arg = [cranelift_codegen::data_value::DataValue::I64(x)];
            let a = semantics::call(&[f, g], "%f", &arg);
            let b = semantics::call(&[&pressure, g], "%f", &arg);
            assert!(semantics::same(&a, &b), "{target}: {a:?} vs {b:?}");
        }
    }
}

/// Local placement recomputes a class in each block that uses it; the
/// default placement computes it once and reuses it in dominated blocks.
#[test]
fn local_placement_recomputes_per_block() {
    let funcs = parse(
        "function %f(i64, i8) -> i64 {
        block0(v0: i64, v1: i8):
            v2 = iconst.i64 40
            v3 = imul v0, v2
            store v3, v0
            brif v1, block1, block2
        block1:
            return v3
        block2:
            v4 = iadd v3, v0
            return v4
        }",
    );
    let func = &funcs[0];
    let prepared = pipeline::prepare(func, &*codegen::build_isa("x86_64", "none").unwrap());
    let staged = pipeline::stage(&prepared, &[], &Default::default());
    let costs = NodeCosts::given(&staged.graph);
    let problem = Problem::foreign(&staged.graph, &costs);
    let mut choice: Choice = extract::dag::DagExtractor.extract(&problem);
    let count = |choice: &Choice| {
        let out = regpress::elaborate::elaborate(&staged.imported, &staged.graph, choice).unwrap();
        cranelift_codegen::verify_function(&out, &*codegen::build_isa("x86_64", "none").unwrap())
            .unwrap();
        out.display().to_string().matches("imul").count()
    };
    assert_eq!(count(&choice), 1);
    let imul_class = staged
        .graph
        .classes()
        .find(|&c| {
            choice.get(c).is_some_and(|n| {
                staged.graph.info(n).kind
                    == regpress::graph::NodeKind::Inst(cranelift_codegen::ir::Opcode::Imul)
            })
        })
        .unwrap();
    choice.set_placement(imul_class, Placement::Local);
    assert_eq!(
        count(&choice),
        3,
        "block0, block1 and block2 each compute it"
    );
}

/// Sethi–Ullman order changes the order of computation, not the result.
#[test]
fn sethi_ullman_order_keeps_the_meaning() {
    let funcs = parse(
        "function %f(i32, i32, i32) -> i32 {
        block0(v0: i32, v1: i32, v2: i32):
            v3 = iadd v0, v1
            v4 = imul v1, v2
            v5 = isub v4, v0
            v6 = bxor v5, v3
            v7 = isub v3, v6
            return v7
        }",
    );
    let func = &funcs[0];
    let staged = pipeline::stage(func, &[], &Default::default());
    let costs = NodeCosts::given(&staged.graph);
    let problem = Problem::foreign(&staged.graph, &costs);
    let mut choice = extract::dag::DagExtractor.extract(&problem);
    let given = regpress::elaborate::elaborate(&staged.imported, &staged.graph, &choice).unwrap();
    choice.set_operand_order(OperandOrder::SethiUllman);
    let su = regpress::elaborate::elaborate(&staged.imported, &staged.graph, &choice).unwrap();
    assert_ne!(given.display().to_string(), su.display().to_string());
    let mut rng = semantics::Rng::new(7);
    for _ in 0..32 {
        let args: Vec<_> = (0..3)
            .map(|_| semantics::random_value(&mut rng, cranelift_codegen::ir::types::I32).unwrap())
            .collect();
        let a = semantics::call(&[&given], "%f", &args);
        let b = semantics::call(&[&su], "%f", &args);
        assert!(semantics::same(&a, &b));
    }
}

/// The schedule elaboration builds for the `pressure` extractor lists the
/// instructions of the CLIF function the pipeline emits for the same
/// choice, in the same order, with the same values: so the pressure the
/// extractor measures is that of the function it returns. Checked on the
/// kernels (loops, so LICM; calls in the pressure kernels) and on
/// generated functions, with Cranelift's placement, with every class local
/// (recomputation after calls) and in Sethi–Ullman order.
#[test]
fn schedules_list_the_elaborated_function() {
    use regpress::elaborate::Elaboration;
    use regpress::schedule::Schedule;
    let isa = codegen::build_isa("x86_64", "none").unwrap();
    let mut functions: Vec<Function> = regpress::corpus::builtin()
        .into_iter()
        .flat_map(|f| f.functions)
        .collect();
    for seed in 0..40u8 {
        let bytes: Vec<u8> = (0..512u32)
            .map(|i| {
                (i as u8)
                    .wrapping_mul(31)
                    .wrapping_add(seed.wrapping_mul(97))
            })
            .collect();
        functions.push(regpress::generate::from_bytes(&bytes));
    }
    let mut checked = 0;
    for func in &functions {
        if pipeline::check_input(func, &*isa, &Settings::default()).is_err() {
            continue;
        }
        let prepared = pipeline::prepare(func, &*isa);
        let staged = pipeline::stage(&prepared, &RuleSet::DEFAULT.rules(), &Default::default());
        let costs = NodeCosts::given(&staged.graph);
        let problem = Problem::foreign(&staged.graph, &costs);
        let dag = extract::dag::DagExtractor.extract(&problem);
        let mut local = dag.clone();
        for c in staged.graph.classes() {
            if local.get(c).is_some() {
                local.set_placement(c, Placement::Local);
            }
        }
        let mut su = dag.clone();
        su.set_operand_order(OperandOrder::SethiUllman);
        let elaboration = Elaboration::new(&staged.imported, &staged.graph);
        for choice in [&dag, &local, &su] {
            let func = elaboration.function(choice).unwrap();
            let schedule = elaboration.schedule(choice).unwrap();
            let mut from_clif = Schedule::of_function(&func);
            // `of_function` knows no classes; compare everything else.
            let mut built = schedule.clone();
            built.forget_classes();
            from_clif.forget_classes();
            assert_eq!(built, from_clif, "{}", func.display());
            checked += 1;
        }
    }
    assert!(checked >= 3 * 60, "only {checked} elaborations checked");
}

/// SHA-256's `ch` and `maj` tie between the program's forms and the
/// rewritten ones in all 64 rounds, so `pressure` weighs `dag`'s
/// extraction with ties to the newest node; on both targets it then spills
/// and reloads no more than Cranelift's own pipeline (with ties to the
/// oldest node only, x86_64 made 408 against Cranelift's 403), and emits
/// no more instructions (without folds in the objective, AArch64 took the
/// rewrite too and lost its `bic`s: 2,574 against 2,562).
#[test]
fn sha256_spills_no_more_than_cranelift() {
    let file = regpress::corpus::builtin()
        .into_iter()
        .find(|f| f.path.ends_with("sha256.clif"))
        .unwrap();
    let func = file
        .functions
        .iter()
        .find(|f| f.name.to_string() == "%sha256_compress_straight")
        .unwrap();
    for target in ["x86_64", "aarch64"] {
        let ours = optimize(func, target, "pressure");
        let none = codegen::build_isa(target, "none").unwrap();
        let speed = codegen::build_isa(target, "speed").unwrap();
        let m_ours = codegen::compile(&ours, &*none).unwrap();
        let m_cranelift = codegen::compile(func, &*speed).unwrap();
        assert!(
            m_ours.spills_reloads() <= m_cranelift.spills_reloads(),
            "{target}: pressure {} vs Cranelift {}",
            m_ours.spills_reloads(),
            m_cranelift.spills_reloads()
        );
        assert!(
            m_ours.insts <= m_cranelift.insts,
            "{target}: pressure {} vs Cranelift {} instructions",
            m_ours.insts,
            m_cranelift.insts
        );
    }
}

/// Checked mode: on every built-in kernel, both targets, under the rules
/// that reshape expressions most, `pressure`'s checked output has no more
/// spills+reloads and no more machine instructions than `dag`'s, as
/// regalloc2 measures them; and the judge's record matches what it kept.
#[test]
fn checked_mode_is_never_worse_than_dag() {
    let rules = RuleSet::parse("default+reassoc+demorgan").unwrap().rules();
    let checked = Settings {
        check_regalloc: true,
        ..Settings::default()
    };
    let plain = Settings::default();
    let pressure = extract::by_name("pressure").unwrap();
    let dag = extract::by_name("dag").unwrap();
    let mut judged = 0;
    let mut kept_dag = 0;
    for target in codegen::TARGETS {
        let isa = codegen::build_isa(target, "none").unwrap();
        for file in regpress::corpus::builtin() {
            for func in &file.functions {
                if func.name.to_string().contains("keccak_f1600_straight") {
                    continue; // the slowest under these rules; covered by `compare`
                }
                let ours = pipeline::optimize(func, &*isa, &*pressure, &rules, &checked).unwrap();
                let base = pipeline::optimize(func, &*isa, &*dag, &rules, &plain).unwrap();
                let m = codegen::compile(&ours.func, &*isa).unwrap();
                let d = codegen::compile(&base.func, &*isa).unwrap();
                assert!(
                    m.spills_reloads() <= d.spills_reloads() && m.insts <= d.insts,
                    "{} on {target}: checked {m:?} against dag {d:?}",
                    func.name
                );
                let c = ours
                    .report
                    .checked
                    .expect("checked mode records its verdict");
                assert_eq!(c.dag, (d.spills_reloads(), d.insts), "{}", func.name);
                judged += 1;
                kept_dag += usize::from(!c.kept_ours);
            }
        }
    }
    assert!(judged > 50, "only {judged} functions judged");
    eprintln!("{judged} functions judged, dag's output kept on {kept_dag}");
}
