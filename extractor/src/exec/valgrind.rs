//! Valgrind client requests, issued from Rust.
//!
//! Valgrind recognises a fixed instruction sequence that is a no-op on real
//! hardware (four rotations of `rdi` summing to 128 bits, then
//! `xchg rbx, rbx`) and answers the request whose block `rax` points to, in
//! `rdx`. Outside Valgrind `rdx` keeps the default. The request numbers are
//! those of `valgrind.h` and `callgrind.h` (Valgrind 3.x).
//!
//! We use three: "am I under Valgrind?", callgrind's "start
//! instrumentation", so that a worker can run its compilations
//! uninstrumented (`--instr-atstart=no`, several times faster) and switch
//! instrumentation on for the measured calls only, and callgrind's "toggle
//! collection", which `regpress sightglass` calls from `bench.start` and
//! `bench.end`.

/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: usize = 0x1001;

/// `VG_USERREQ_TOOL_BASE('C','T')`: callgrind's first request.
const CALLGRIND_BASE: usize = ((b'C' as usize) << 24) | ((b'T' as usize) << 16);

/// `VG_USERREQ__TOGGLE_COLLECT`.
const TOGGLE_COLLECT: usize = CALLGRIND_BASE + 2;

/// `VG_USERREQ__START_INSTRUMENTATION`.
const START_INSTRUMENTATION: usize = CALLGRIND_BASE + 4;

#[cfg(target_arch = "x86_64")]
fn client_request(default: usize, request: usize, args: [usize; 5]) -> usize {
    let block: [usize; 6] = [request, args[0], args[1], args[2], args[3], args[4]];
    let mut result = default;
    // SAFETY: on hardware the sequence rotates `rdi` by 128 bits (a no-op)
    // and swaps `rbx` with itself; under Valgrind it reads `block` and
    // writes `rdx`. Nothing else is touched.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") result,
            in("rax") block.as_ptr(),
            inout("rdi") 0usize => _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
fn client_request(default: usize, _request: usize, _args: [usize; 5]) -> usize {
    default
}

/// How many Valgrinds this process runs under (0 natively, and always 0
/// on hosts other than x86_64).
pub fn running_on_valgrind() -> usize {
    client_request(0, RUNNING_ON_VALGRIND, [0; 5])
}

/// Ask callgrind to start instrumenting (no effect outside callgrind).
pub fn start_instrumentation() {
    client_request(0, START_INSTRUMENTATION, [0; 5]);
}

/// Ask callgrind to toggle event collection (no effect outside callgrind).
/// With `--collect-atstart=no`, the first call starts collecting.
pub fn toggle_collect() {
    client_request(0, TOGGLE_COLLECT, [0; 5]);
}
