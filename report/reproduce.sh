#!/usr/bin/env bash
# Reproduce every table and plot of notes.md: run each measurement with the
# settings the report states, then write report/ (README.md and SVG plots).
#
#   report/reproduce.sh           full run
#   report/reproduce.sh --quick   the same steps on less work (see below)
#
# REPRODUCE_FROM="STEP NAME" resumes a run that stopped: the steps before
# that one are skipped (their outputs in the data directory and their
# lines in steps.md are kept), and the total is the sum of the steps.
# REPRODUCE_FROM=report only rewrites the report from the kept data.
#
# Needs ../shared/corpus beside the repository and valgrind (for `exec`,
# `sightglass` and `regpress-icount`). The full run writes report/ (the committed
# report), keeps raw measurements in target/report-data/ and criterion's in
# target/criterion/; report/steps.md lists each step's command and wall
# time, and is copied into report/README.md.
#
# Quick mode keeps every compare step but skips the interpreter checks of
# the filetests, generates fewer oracle functions, measures executed
# instructions on the default rules only and with 10 calls, counts compile
# instructions on 4-function samples, and runs criterion in its quick mode
# (REGPRESS_BENCH_QUICK=1). Its figures are for checking the pipeline of
# the report, not for quoting, so it writes target/report-quick/ (data in
# target/report-data-quick/, criterion in target/criterion-quick/) and
# leaves report/ alone.
set -euo pipefail

cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*)
	echo "usage: report/reproduce.sh [--quick]" >&2
	exit 2
	;;
esac

shared=../shared/corpus
for d in wasm wasm-extra filetests extraction-gym; do
	if [ ! -d "$shared/$d" ]; then
		echo "reproduce: $shared/$d is missing; the report needs ../shared beside the repository" >&2
		exit 1
	fi
done

if [ $quick = 1 ]; then
	data=target/report-data-quick out=target/report-quick criterion=target/criterion-quick
else
	data=target/report-data out=report criterion=target/criterion
fi
mkdir -p "$data" "$out"
steps=$out/steps.md
mode=$([ $quick = 1 ] && echo quick || echo full)
from=${REPRODUCE_FROM:-}
if [ -n "$from" ] && [ -f "$steps" ]; then
	# Keep the finished steps' lines, drop an old total.
	grep -v '^| all steps' "$steps" >"$steps.tmp" && mv "$steps.tmp" "$steps"
else
	from=
	{
		echo "Mode: **$mode** (\`report/reproduce.sh$([ $quick = 1 ] && echo ' --quick')\`), on a machine with $(nproc) cores."
		echo
		echo "| step | command | wall s |"
		echo "|---|---|---:|"
	} >"$steps"
fi
start_all=$(date +%s)

# step NAME OUTPUT COMMAND...: run COMMAND with its standard output in
# $data/OUTPUT, and record its wall time.
step() {
	local name=$1 out=$2
	shift 2
	if [ -n "$from" ]; then
		if [ "$name" != "$from" ]; then
			echo "reproduce: $name: kept from the stopped run" >&2
			return 0
		fi
		from=
	fi
	echo "reproduce: $name: $*" >&2
	local t0 rc=0
	t0=$(date +%s)
	"$@" >"$data/$out" || rc=$?
	echo "| $name | \`${*//|/\\|}\` | $(($(date +%s) - t0)) |" >>"$steps"
	return $rc
}

# Like step, but exit status 2 (some inputs refused, the rest measured) is
# accepted: `regpress gym` returns it for the two truncated graphs of the
# shared corpus.
step_allow2() {
	local rc=0
	step "$@" || rc=$?
	if [ $rc != 0 ] && [ $rc != 2 ]; then
		exit $rc
	fi
	if [ $rc = 2 ]; then
		echo "| $1 | exit status 2 accepted (inputs it refuses, see its standard error) | – |" >>"$steps"
	fi
}

if [ -n "$from" ]; then
	# A resumed run still builds what it runs (an unchanged tree builds
	# nothing); the build steps' times are the stopped run's.
	cargo build --release -p regpress --bin regpress
	cargo build --release -p regpress-benches --bins --examples
fi
step build build.log cargo build --release -p regpress --bin regpress
step build-benches build-benches.log cargo build --release -p regpress-benches --bins --examples
rp=target/release/regpress
sem=()
if [ $quick = 1 ]; then sem=(--no-semantics); fi

# Compile time in wall-clock (criterion) and the scaling series. First, while
# the machine has nothing else of ours to do: wall-clock is what load disturbs.
if [ $quick = 1 ]; then
	step "cargo bench (quick)" bench.log env REGPRESS_BENCH_QUICK=1 \
		REGPRESS_CRITERION_DIR="$PWD/$criterion" cargo bench -p regpress-benches
else
	step "cargo bench" bench.log cargo bench -p regpress-benches
fi

# Compile time in instructions (callgrind).
icount_n=$([ $quick = 1 ] && echo 4 || echo 16)
step "icount, kernels+wasm" icount-wasm.log target/release/regpress-icount --wasm "$icount_n" \
	--corpus wasm -o "$data/icount-wasm.csv"
step "icount, wasm-extra" icount-wasm-extra.log target/release/regpress-icount --no-kernels \
	--wasm "$icount_n" --corpus wasm-extra -o "$data/icount-wasm-extra.csv"

# Code quality, per corpus: the cheap path and the checked path.
for corpus in wasm wasm-extra; do
	step "compare $corpus" "$corpus.md" $rp compare "$shared/$corpus" --no-semantics \
		--extractor cranelift,dag,pressure -o "$data/$corpus.csv"
	step "compare $corpus, checked" "$corpus-checked.md" $rp compare "$shared/$corpus" --no-semantics \
		--extractor pressure --check regalloc -o "$data/$corpus-checked.csv"
done
step "compare filetests+kernels" filetests.md $rp compare "$shared/filetests/runtests" \
	"$shared/filetests/egraph" extractor/kernels "${sem[@]}" \
	--extractor cranelift,dag,pressure -o "$data/filetests.csv"
step "compare filetests+kernels, checked" filetests-checked.md $rp compare "$shared/filetests/runtests" \
	"$shared/filetests/egraph" extractor/kernels --no-semantics \
	--extractor pressure --check regalloc -o "$data/filetests-checked.csv"

# Fidelity: every function whose machine code exceeds Cranelift's by more
# than 3% under the `cranelift` extractor, with what kind of difference.
step "fidelity" fidelity.md $rp fidelity "$shared/wasm" "$shared/wasm-extra" \
	"$shared/filetests/runtests" "$shared/filetests/egraph" extractor/kernels

# The reverted rules: the kernels under every rule set, and wasm-extra
# under both reverted rule sets at once.
step "compare kernels, reverted rules" kernels-reverted.md $rp compare extractor/kernels --no-semantics \
	--rules default,default+reassoc,default+reassoc+demorgan \
	--extractor cranelift,dag,pressure -o "$data/kernels-reverted.csv"
step "compare kernels, reverted rules, checked" kernels-reverted-checked.md $rp compare extractor/kernels \
	--no-semantics --rules default,default+reassoc,default+reassoc+demorgan \
	--extractor pressure --check regalloc -o "$data/kernels-reverted-checked.csv"
step "compare wasm-extra, reverted rules" wasm-extra-reverted.md $rp compare "$shared/wasm-extra" \
	--no-semantics --rules default+reassoc+demorgan --extractor dag,pressure \
	-o "$data/wasm-extra-reverted.csv"
step "compare wasm-extra, reverted rules, checked" wasm-extra-reverted-checked.md $rp compare \
	"$shared/wasm-extra" --no-semantics --rules default+reassoc+demorgan \
	--extractor pressure --check regalloc -o "$data/wasm-extra-reverted-checked.csv"

# The oracle: small functions whose true minimum is known.
oracle_n=$([ $quick = 1 ] && echo 20 || echo 50)
step "oracle" oracle.jsonl $rp oracle --generate "$oracle_n" --max-seeds 300
step "oracle, 8–12 values" oracle-hard.jsonl $rp oracle --generate "$oracle_n" --max-seeds 300 \
	--values 8..12 --rules default

# extraction-gym.
step_allow2 "gym" gym.jsonl $rp gym "$shared/extraction-gym" --extractor cranelift,tree,dag,pressure

# How well the estimate predicts regalloc2, tuning against validation.
step "model fit, wasm" model-fit-wasm.md target/release/examples/model_fit --extractors dag,pressure
step "model fit, wasm-extra" model-fit-wasm-extra.md target/release/examples/model_fit \
	--extractors dag,pressure "$shared/wasm-extra/clif"
{
	echo "### Tuning set: \`wasm\`"
	echo
	cat "$data/model-fit-wasm.md"
	echo
	echo "### Validation set: \`wasm-extra\`"
	echo
	cat "$data/model-fit-wasm-extra.md"
} >"$data/model-fit.md"

# Executed instructions (callgrind over JIT-compiled kernels).
if [ $quick = 1 ]; then
	step "exec" exec.md $rp exec --rules default --extractor cranelift,dag,pressure --calls 10 \
		-o "$data/exec.csv"
else
	step "exec" exec.md $rp exec --extractor cranelift,dag,pressure -o "$data/exec.csv"
fi

# Real programs executed: sightglass in wasmtime, regpress's code served
# through its incremental cache. By default the three programs the
# reverted rules slowed; REPRODUCE_SIGHTGLASS=all runs the whole suite
# (about 1.5 hours more on 2 cores). Quick mode runs them natively and
# checks their output without counting.
sg_programs=(--benchmark blake3,keccak,xchacha20)
sg_title="blake3-scalar, shootout-keccak and shootout-xchacha20"
if [ "${REPRODUCE_SIGHTGLASS:-}" = all ]; then
	sg_programs=()
	sg_title="every program of the suite"
fi
sg_variants=(--control --extractor cranelift,dag,pressure,pressure+check
	--rules default,default+reassoc+demorgan)
if [ $quick = 1 ]; then
	sg_variants+=(--no-count)
fi
step "sightglass" sightglass.txt $rp sightglass "${sg_programs[@]}" "${sg_variants[@]}" \
	-o "$data/sightglass.csv" --markdown "$data/sightglass-table.md"
{
	echo "## Real programs executed (sightglass in wasmtime)"
	echo
	echo "Instructions retired between \`bench.start\` and \`bench.end\` (callgrind),"
	echo "$sg_title; each variant's ratio to stock wasmtime 48.0.8 (\`opt_level=speed\`);"
	echo "\`cranelift-speed\` is Cranelift's own mid-end served through the cache like"
	echo "regpress's code; \`+check\` is checked mode; served = module functions"
	echo "given regpress's code / all. Every run's output matched the expected files."
	echo
	cat "$data/sightglass-table.md"
} >"$data/sightglass.md"

echo "| all steps (sum) | | $(awk -F'|' '$4 ~ /^ *[0-9]+ *$/ {s += $4} END {print s}' "$steps") |" >>"$steps"

# The report itself.
$rp report -o "$out" \
	--compare "wasm=$data/wasm.csv" --compare "wasm=$data/wasm-checked.csv" \
	--compare "wasm-extra=$data/wasm-extra.csv" --compare "wasm-extra=$data/wasm-extra-checked.csv" \
	--compare "filetests+kernels=$data/filetests.csv" \
	--compare "filetests+kernels=$data/filetests-checked.csv" \
	--compare "kernels-reverted=$data/kernels-reverted.csv" \
	--compare "kernels-reverted=$data/kernels-reverted-checked.csv" \
	--compare "wasm-extra-reverted=$data/wasm-extra-reverted.csv" \
	--compare "wasm-extra-reverted=$data/wasm-extra-reverted-checked.csv" \
	--oracle "oracle=$data/oracle.jsonl" --oracle "oracle, 8–12 values=$data/oracle-hard.jsonl" \
	--exec "$data/exec.csv" \
	--icount "$data/icount-wasm.csv" --icount "$data/icount-wasm-extra.csv" \
	--criterion "$criterion" \
	--gym "$data/gym.jsonl" \
	--include "$data/model-fit.md" \
	--include "$data/fidelity.md" \
	--include "$data/sightglass.md" \
	--include "$steps"
echo "reproduce: done in $(($(date +%s) - start_all)) s; see $out/README.md" >&2
