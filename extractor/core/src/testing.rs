//! Parsing CLIF text in the core's unit tests.

use cranelift_codegen::ir::Function;

/// The functions of one parsed CLIF text.
pub struct Parsed {
    /// In file order.
    pub functions: Vec<Function>,
}

/// Parse `text` (named `name` in errors).
pub fn parse(name: &str, text: &str) -> anyhow::Result<Parsed> {
    let functions =
        cranelift_reader::parse_functions(text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok(Parsed { functions })
}
