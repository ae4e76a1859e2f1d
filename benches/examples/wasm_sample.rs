//! Print the paths of the wasm sample the benches use, one per line, so
//! that `regpress compare` can run on exactly the same functions:
//!
//! `regpress compare $(cargo run -q --release -p regpress-benches --example wasm_sample -- 16) …`

use regpress_benches::{mode, workload};

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(mode::wasm_sample_size);
    match workload::wasm_sample_paths(n) {
        Ok(Some(paths)) => {
            for p in paths {
                println!("{}", p.display());
            }
        }
        Ok(None) => {
            eprintln!("wasm_sample: ../shared/corpus/wasm is absent");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("wasm_sample: error: {e:#}");
            std::process::exit(1);
        }
    }
}
