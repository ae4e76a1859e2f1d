//! Calibration against Cranelift's real backends: every generated case is
//! compiled for x86-64 and aarch64 and the model's prediction compared with
//! what came out. When Cranelift's lowering changes, this test shows it.

use regpress_cost_model::calibrate;
use regpress_cost_model::ALL_TARGETS;

#[test]
fn model_matches_cranelift_backends() {
    let cases = calibrate::cases();
    assert!(cases.len() >= 300, "only {} cases", cases.len());
    for t in ALL_TARGETS {
        let r = calibrate::run(t, &cases).expect("calibration runs");
        let exact = r.exact_fraction();
        let bytes = r.bytes_fraction();
        eprintln!(
            "{}: {} cases, exact {:.1}%, bytes ±10% {:.1}%",
            t.name(),
            r.cases(),
            100.0 * exact,
            100.0 * bytes
        );
        assert!(r.cases() >= 300);
        assert!(exact >= 0.95, "{}", r.markdown());
        assert!(bytes >= 0.90, "{}", r.markdown());
        // Every case exercises a modelled lowering, not the fallback.
        let unmodelled: Vec<_> = r
            .results
            .iter()
            .filter(|c| !c.modelled)
            .map(|c| &c.name)
            .collect();
        assert!(unmodelled.is_empty(), "unmodelled: {unmodelled:?}");
    }
}
