//! Print Cranelift's own `opt_level=speed` mid-end output for every function
//! of a file (a debugging aid for comparing with `regpress optimize`).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = regpress::corpus::load_file(std::path::Path::new(&args[1])).unwrap();
    let isas = regpress::compare::Isas::new(args.get(2).map_or("x86_64", |s| s)).unwrap();
    for f in &file.functions {
        let out = regpress::compare::cranelift_optimized(f, &isas.speed).unwrap();
        println!("{}", out.display());
    }
}
