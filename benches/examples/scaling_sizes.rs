//! Print the scaling series: generated instructions, extraction-graph
//! classes and nodes after saturation, and the saturation stop reason.
//!
//! `cargo run --release -p regpress-benches --example scaling_sizes [N…]`

use regpress_benches::{mode, workload};

fn main() {
    let isas = workload::Isas::new().expect("x86_64 ISAs");
    let rules = workload::default_rules();
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        mode::scaling_sizes().to_vec()
    } else {
        sizes
    };
    println!("insts\tclasses\tnodes\tsaturation");
    for n in sizes {
        let s = workload::scaling_function(n, &isas, &rules);
        println!(
            "{n}\t{}\t{}\t{:?}",
            s.staged.graph.num_classes(),
            s.staged.graph.num_nodes(),
            s.staged.saturation
        );
    }
}
