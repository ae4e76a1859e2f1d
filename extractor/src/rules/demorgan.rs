//! The `demorgan` family.

use super::Rule;

/// The rewrites of this family.
pub fn rules() -> Vec<Rule> {
    Vec::new()
}
