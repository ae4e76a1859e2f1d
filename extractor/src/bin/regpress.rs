fn main() {
    std::process::exit(regpress::cli::main());
}
