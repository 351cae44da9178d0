#!/bin/sh
# Runs every fuzz target in turn, each for a bounded time, one at a time, at
# low priority. Usage (from the repository root):
#
#     [TIMEOUT=S] fuzz/run_all.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default: 600 s per target, all targets, a 10 s per-input timeout
# (libFuzzer counts wall time: on a machine busy with other work, where this
# low-priority fuzzer waits for the CPU, raise TIMEOUT so that waiting is not
# reported as a hang). Needs a nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz`). Crashes go to
# fuzz/artifacts/TARGET/, the grown corpus to fuzz/corpus/TARGET/ (both
# ignored by git; seeds live in fuzz/seeds/TARGET/), and libFuzzer's log of
# each target to fuzz/logs/TARGET.log.
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
timeout=${TIMEOUT:-10}
[ $# -gt 0 ] && shift
targets=${*:-"pipeline communes sites population scenario_toml fiber wifi sites_csv population_tif"}
cargo +nightly fuzz build -s none -a
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t" "logs/$t"
    # -jobs=1 runs the fuzzer as one child process whose output libFuzzer
    # writes to fuzz-0.log in the working directory.
    (cd "logs/$t" && RAYON_NUM_THREADS=1 nice -n 19 "../../$bin/$t" \
        "../../corpus/$t" "../../seeds/$t" \
        -max_total_time="$secs" -jobs=1 -workers=1 -timeout="$timeout" \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="../../artifacts/$t/" >/dev/null 2>&1 || true)
    cp "logs/$t/fuzz-0.log" "logs/$t.log"
    echo "$t: $(grep -E '^Done|stat::number_of_executed_units' "logs/$t.log" | tail -2 | tr '\n' ' ')"
    ls "artifacts/$t"
done
