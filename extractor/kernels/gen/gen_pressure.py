"""Generator for extractor/kernels/pressure.clif (imported by gen_kernels.py).

Each function is emitted as CLIF text together with a Python model that computes the
expected results of its run lines.
"""

import math
import os
import struct

from gen_kernels import HEADER_TARGETS, M64, OUT, Func

# --- helpers ----------------------------------------------------------------


def rotl64(x, n):
    n %= 64
    return ((x << n) | (x >> (64 - n))) & M64 if n else x


def s64(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def hx(x):
    return "0x%x" % (x & M64)


# --- 1: many simultaneously-live values ---------------------------------------

LIVE_N = 28
LIVE_K = [(0x9E3779B97F4A7C15 * (i + 1)) & M64 | 1 for i in range(LIVE_N)]
LIVE_C = [(0xD1B54A32D192ED03 ^ (i * 0x1234567)) & M64 for i in range(LIVE_N)]
LIVE_R = [(7 * i + 3) % 63 + 1 for i in range(LIVE_N)]


def live_model(a, b):
    xs = []
    for i in range(LIVE_N):
        t = (a * LIVE_K[i]) & M64
        u = (b + LIVE_C[i]) & M64
        x = rotl64(t ^ u, LIVE_R[i])
        xs.append(x)
    s = 0
    for i, x in enumerate(xs):
        s = (s + x * (i | 1)) & M64 if i % 3 else (s ^ x)
    r = s
    for x in reversed(xs):
        r = rotl64(r, 7) ^ x
        r = (r + (x >> 3)) & M64
    return r


def live_func():
    f = Func("live_many_i64", ["i64", "i64"], ["i64"],
             "28 i64 values x_i = rotl((a*K_i) ^ (b+C_i), R_i) are all consumed by a forward reduction\n"
             "and then again by a backward reduction, so all 28 are live simultaneously between the two\n"
             "passes (more than the allocatable GPRs on x86_64).")
    _, (a, b) = f.block(["i64", "i64"])
    xs = []
    for i in range(LIVE_N):
        k = f.iconst("i64", LIVE_K[i])
        t = f.emit("imul %s, %s" % (a, k))
        c = f.iconst("i64", LIVE_C[i])
        u = f.emit("iadd %s, %s" % (b, c))
        x0 = f.emit("bxor %s, %s" % (t, u))
        r = f.iconst("i64", LIVE_R[i])
        xs.append(f.emit("rotl %s, %s" % (x0, r)))
    s = f.iconst("i64", 0)
    for i, x in enumerate(xs):
        if i % 3:
            m = f.iconst("i64", i | 1)
            p = f.emit("imul %s, %s" % (x, m))
            s = f.emit("iadd %s, %s" % (s, p))
        else:
            s = f.emit("bxor %s, %s" % (s, x))
    r = s
    for x in reversed(xs):
        seven = f.iconst("i64", 7)
        rr = f.emit("rotl %s, %s" % (r, seven))
        r = f.emit("bxor %s, %s" % (rr, x))
        three = f.iconst("i64", 3)
        sh = f.emit("ushr %s, %s" % (x, three))
        r = f.emit("iadd %s, %s" % (r, sh))
    f.stmt("return %s" % r)
    for a_, b_ in [(0, 0), (1, 2), (0x123456789ABCDEF0, 0x0FEDCBA987654321), (M64, 42)]:
        f.runs.append("%%live_many_i64(%s, %s) == %s" % (hx(a_), hx(b_), hx(live_model(a_, b_))))
    return f


# --- 2: loop with many loop-invariant expressions ----------------------------


def licm_model(n, a, b):
    inv1 = (a * b) & M64
    inv2 = a ^ b
    inv3 = (a + 0x9E3779B97F4A7C15) & M64
    inv4 = (b << 3) & M64
    inv5 = rotl64((a * a) & M64, 13)
    inv6 = inv1 | inv2
    inv7 = (inv3 - inv4) & M64
    inv8 = (inv5 * inv6) & M64 | 1
    inv9 = (inv7 >> 5) ^ inv3
    inv10 = (inv9 + inv8) & M64
    i, p0, p1, p2, p3, p4, p5 = 0, a, b, 1, 0, 7, 3
    while True:
        q0 = ((p0 + inv1) & M64) ^ p1
        q1 = (rotl64(p1 ^ inv2, 5) + p2) & M64
        q2 = (p2 * inv8 + p3) & M64
        q3 = (p3 ^ inv10) + (i * inv4)
        q3 &= M64
        q4 = (p4 + (p0 & inv9)) & M64
        q5 = (p5 - inv7 + (p4 >> 1)) & M64
        i += 1
        p0, p1, p2, p3, p4, p5 = q0, q1, q2, q3, q4, q5
        if not (i < n):
            break
    return (p0 ^ p1 ^ p2 ^ p3 ^ p4 ^ p5) & M64


def licm_func():
    f = Func("licm_loop", ["i64", "i64", "i64"], ["i64"],
             "Loop (do-while, v0 iterations, at least 1) whose body recomputes 10 loop-invariant\n"
             "expressions of a=v1, b=v2 (LICM candidates) and carries 7 block params (counter + 6\n"
             "accumulators).")
    _, (n, a, b) = f.block(["i64", "i64", "i64"])
    z = f.iconst("i64", 0)
    one = f.iconst("i64", 1)
    sev = f.iconst("i64", 7)
    thr = f.iconst("i64", 3)
    f.stmt("jump block1(%s, %s, %s, %s, %s, %s, %s)" % (z, a, b, one, z, sev, thr))
    _, (i, p0, p1, p2, p3, p4, p5) = f.block(["i64"] * 7)
    e = f.emit
    inv1 = e("imul %s, %s" % (a, b))
    inv2 = e("bxor %s, %s" % (a, b))
    c = f.iconst("i64", 0x9E3779B97F4A7C15)
    inv3 = e("iadd %s, %s" % (a, c))
    c = f.iconst("i64", 3)
    inv4 = e("ishl %s, %s" % (b, c))
    aa = e("imul %s, %s" % (a, a))
    c = f.iconst("i64", 13)
    inv5 = e("rotl %s, %s" % (aa, c))
    inv6 = e("bor %s, %s" % (inv1, inv2))
    inv7 = e("isub %s, %s" % (inv3, inv4))
    t = e("imul %s, %s" % (inv5, inv6))
    c = f.iconst("i64", 1)
    inv8 = e("bor %s, %s" % (t, c))
    c = f.iconst("i64", 5)
    t = e("ushr %s, %s" % (inv7, c))
    inv9 = e("bxor %s, %s" % (t, inv3))
    inv10 = e("iadd %s, %s" % (inv9, inv8))
    t = e("iadd %s, %s" % (p0, inv1))
    q0 = e("bxor %s, %s" % (t, p1))
    t = e("bxor %s, %s" % (p1, inv2))
    c = f.iconst("i64", 5)
    t = e("rotl %s, %s" % (t, c))
    q1 = e("iadd %s, %s" % (t, p2))
    t = e("imul %s, %s" % (p2, inv8))
    q2 = e("iadd %s, %s" % (t, p3))
    t = e("bxor %s, %s" % (p3, inv10))
    t2 = e("imul %s, %s" % (i, inv4))
    q3 = e("iadd %s, %s" % (t, t2))
    t = e("band %s, %s" % (p0, inv9))
    q4 = e("iadd %s, %s" % (p4, t))
    t = e("isub %s, %s" % (p5, inv7))
    c = f.iconst("i64", 1)
    t2 = e("ushr %s, %s" % (p4, c))
    q5 = e("iadd %s, %s" % (t, t2))
    c = f.iconst("i64", 1)
    i1 = e("iadd %s, %s" % (i, c))
    cond = e("icmp ult %s, %s" % (i1, n))
    f.stmt("brif %s, block1(%s, %s, %s, %s, %s, %s, %s), block2" % (cond, i1, q0, q1, q2, q3, q4, q5))
    f.block([])
    r = e("bxor %s, %s" % (q0, q1))
    for q in (q2, q3, q4, q5):
        r = e("bxor %s, %s" % (r, q))
    f.stmt("return %s" % r)
    for args in [(1, 2, 3), (10, 0x1234, 0x5678), (100, 0x123456789ABCDEF0, M64), (37, M64, M64)]:
        f.runs.append("%%licm_loop(%s) == %s" % (", ".join(hx(x) for x in args), hx(licm_model(*args))))
    return f


# --- 3: big shared DAG --------------------------------------------------------

DAG_LEVELS = 30
DAG_C = [(0xA0761D6478BD642F * (k + 3)) & M64 for k in range(DAG_LEVELS)]


def dag_model(p, q):
    for k in range(DAG_LEVELS):
        t1 = (p * q) & M64
        t2 = p ^ q
        t3 = (p + q) & M64
        p, q = (t1 + t2) & M64, ((t3 + DAG_C[k]) & M64) ^ rotl64(t1, 17)
    return p ^ q


def dag_func():
    f = Func("shared_dag", ["i64", "i64"], ["i64"],
             "30 levels of (p, q) -> (p*q + (p^q), ((p+q)+C_k) ^ rotl(p*q, 17)): every node is used\n"
             "at least twice, so the expression DAG has ~8 nodes per level while the equivalent tree\n"
             "has ~2^30 nodes (tree cost blows up; extraction must account for sharing).")
    _, (p, q) = f.block(["i64", "i64"])
    for k in range(DAG_LEVELS):
        t1 = f.emit("imul %s, %s" % (p, q))
        t2 = f.emit("bxor %s, %s" % (p, q))
        t3 = f.emit("iadd %s, %s" % (p, q))
        np_ = f.emit("iadd %s, %s" % (t1, t2))
        c = f.iconst("i64", DAG_C[k])
        u = f.emit("iadd %s, %s" % (t3, c))
        r = f.iconst("i64", 17)
        w = f.emit("rotl %s, %s" % (t1, r))
        q = f.emit("bxor %s, %s" % (u, w))
        p = np_
    res = f.emit("bxor %s, %s" % (p, q))
    f.stmt("return %s" % res)
    for a_, b_ in [(0, 0), (1, 1), (3, 5), (0xDEADBEEFCAFEBABE, 0x0123456789ABCDEF)]:
        f.runs.append("%%shared_dag(%s, %s) == %s" % (hx(a_), hx(b_), hx(dag_model(a_, b_))))
    return f


# --- 4: mixed f64 / i64 ---------------------------------------------------------


def f2b(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def fcvt_to_sint_sat(x):
    if math.isnan(x):
        return 0
    if x >= 9223372036854775807.0:
        return (1 << 63) - 1
    if x <= -9223372036854775808.0:
        return -(1 << 63)
    return int(x)  # truncates toward zero


def mixed_model(a, b):
    sa, sb = s64(a), s64(b)
    fa, fb = float(sa), float(sb)
    s = fa + fb
    m = fa * 1.5
    den = abs(fb) + 1.0
    d = s / den
    r = math.sqrt(abs(m) + 0.25)
    y = d - r
    z = y * y
    ia = (a + b) & M64
    iz = fcvt_to_sint_sat(z) & M64
    w = a if fa < fb else b
    prod = (ia * 0x5851F42D4C957F2D) & M64
    res = ((prod + iz) & M64) ^ f2b(y) ^ w
    return res & M64


def mixed_func():
    f = Func("mixed_f64_i64", ["i64", "i64"], ["i64"],
             "Interleaved i64 and f64 arithmetic: int->float conversions, fadd/fmul/fdiv/sqrt/fabs,\n"
             "a float compare feeding an integer select, a saturating float->int conversion and a\n"
             "bitcast back to i64, so both register classes are under pressure at once.")
    _, (a, b) = f.block(["i64", "i64"])
    e = f.emit
    fa = e("fcvt_from_sint.f64 %s" % a)
    fb = e("fcvt_from_sint.f64 %s" % b)
    s = e("fadd %s, %s" % (fa, fb))
    c15 = e("f64const 0x1.8p0")
    m = e("fmul %s, %s" % (fa, c15))
    ab = e("fabs %s" % fb)
    c1 = e("f64const 0x1.0p0")
    den = e("fadd %s, %s" % (ab, c1))
    d = e("fdiv %s, %s" % (s, den))
    am = e("fabs %s" % m)
    cq = e("f64const 0x1.0p-2")
    t = e("fadd %s, %s" % (am, cq))
    r = e("sqrt %s" % t)
    y = e("fsub %s, %s" % (d, r))
    z = e("fmul %s, %s" % (y, y))
    ia = e("iadd %s, %s" % (a, b))
    iz = e("fcvt_to_sint_sat.i64 %s" % z)
    lt = e("fcmp lt %s, %s" % (fa, fb))
    w = e("select %s, %s, %s" % (lt, a, b))
    k = f.iconst("i64", 0x5851F42D4C957F2D)
    prod = e("imul %s, %s" % (ia, k))
    sm = e("iadd %s, %s" % (prod, iz))
    yb = e("bitcast.i64 %s" % y)
    x1 = e("bxor %s, %s" % (sm, yb))
    res = e("bxor %s, %s" % (x1, w))
    f.stmt("return %s" % res)
    for a_, b_ in [(0, 0), (1, 2), (100, M64 - 6), (0x123456789, 0x7FFFFFFFFFFFFFFF), (M64 - 999999, 31337)]:
        f.runs.append("%%mixed_f64_i64(%s, %s) == %s" % (hx(a_), hx(b_), hx(mixed_model(a_, b_))))
    return f


# --- 5: values live across a diamond ----------------------------------------------

BR_K = [(0xC2B2AE3D27D4EB4F * (i + 1) + i) & M64 for i in range(12)]


def branchy_model(a, b, c):
    xs = [((a ^ BR_K[i]) + rotl64(b, i + 1)) & M64 for i in range(12)]
    if c & 1:
        j = 0
        for i in range(0, 12, 2):
            j = (j + xs[i] * (i + 3)) & M64
    else:
        j = c
        for i in range(1, 12, 2):
            j = rotl64(j ^ xs[i], 9)
    r = j
    for i in range(12):
        r = (r * 0x100000001B3 + xs[i]) & M64
    return r


def branchy_func():
    f = Func("branchy_live", ["i64", "i64", "i64"], ["i64"],
             "12 values are computed before a conditional branch on (c & 1), partially consumed in\n"
             "each arm, merged through a block param, and all consumed again after the join, so they\n"
             "stay live across both arms of the diamond.")
    _, (a, b, c) = f.block(["i64", "i64", "i64"])
    e = f.emit
    xs = []
    for i in range(12):
        k = f.iconst("i64", BR_K[i])
        t = e("bxor %s, %s" % (a, k))
        r = f.iconst("i64", i + 1)
        u = e("rotl %s, %s" % (b, r))
        xs.append(e("iadd %s, %s" % (t, u)))
    one = f.iconst("i64", 1)
    bit = e("band %s, %s" % (c, one))
    f.stmt("brif %s, block1, block2" % bit)
    f.block([])
    j = f.iconst("i64", 0)
    for i in range(0, 12, 2):
        m = f.iconst("i64", i + 3)
        t = e("imul %s, %s" % (xs[i], m))
        j = e("iadd %s, %s" % (j, t))
    f.stmt("jump block3(%s)" % j)
    f.block([])
    j = c
    for i in range(1, 12, 2):
        t = e("bxor %s, %s" % (j, xs[i]))
        n9 = f.iconst("i64", 9)
        j = e("rotl %s, %s" % (t, n9))
    f.stmt("jump block3(%s)" % j)
    _, (jj,) = f.block(["i64"])
    r = jj
    for i in range(12):
        p = f.iconst("i64", 0x100000001B3)
        t = e("imul %s, %s" % (r, p))
        r = e("iadd %s, %s" % (t, xs[i]))
    f.stmt("return %s" % r)
    for args in [(0, 0, 0), (1, 2, 3), (0xFFFF0000FFFF0000, 0x1234, 0x10), (5, M64, M64)]:
        f.runs.append("%%branchy_live(%s) == %s" % (", ".join(hx(x) for x in args), hx(branchy_model(*args))))
    return f


def main():
    funcs = [live_func(), licm_func(), dag_func(), mixed_func(), branchy_func()]
    header = (";; Small hand-authored register-pressure / sharing stress functions for regpress\n"
              ";; (generated by gen/gen_pressure.py).  No published vectors: the expected values of the\n"
              ";; run lines come from the Python models in gen/gen_pressure.py, which mirror each function.\n"
              ";; All functions are scalar (i64/f64 only) and valid for x86_64 and aarch64.\n")
    text = header + "\n" + HEADER_TARGETS + "\n" + "\n".join(fn.text() for fn in funcs)
    with open(os.path.join(OUT, "pressure.clif"), "w") as fh:
        fh.write(text)
    print("pressure.clif", [(fn.name, sum(1 for l in fn.lines if l.startswith("    "))) for fn in funcs])
