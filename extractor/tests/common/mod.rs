//! Helpers shared by the integration tests that drive the `regpress`
//! binary.

use std::process::Command;

/// Run the `regpress` binary with `args`: its exit code (-1 if killed by a
/// signal), standard output and standard error.
pub fn regpress(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regpress"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
