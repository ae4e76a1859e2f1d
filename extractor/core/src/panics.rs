//! Catching a backend panic without printing it.
//!
//! Some checks compile a candidate through Cranelift's backend, which
//! panics on a few inputs it cannot lower (i128 arguments on x86-64 without
//! the LLVM ABI extensions, for one). The panic is caught and the candidate
//! is refused, but Rust's default hook would still print the panic message
//! and a backtrace hint to the user's terminal, as if something had gone
//! wrong. [`catch_quietly`] silences the hook for panics raised on its own
//! thread while its closure runs; every other panic is reported as before.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many [`catch_quietly`] calls are active on this thread.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Wrap the current panic hook, once per process, so that it stays silent
/// while a [`catch_quietly`] is active on the panicking thread.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

/// Run `f`, turning a panic into `Err` with nothing printed.
///
/// ```
/// let r = regpress_core::panics::catch_quietly(|| -> u32 { panic!("backend") });
/// assert!(r.is_err());
/// assert_eq!(regpress_core::panics::catch_quietly(|| 7).unwrap(), 7);
/// ```
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    install_hook();
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result
}
