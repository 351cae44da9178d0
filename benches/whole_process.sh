#!/usr/bin/env bash
# Whole-process benchmarks: the commands as a user runs them, from process
# start to exit, every file they write, with peak resident memory.
#
#   benches/whole_process.sh [--runs N] [--cases demo,city16,city64,vietnam] [--plan]
#
# Builds the release examples, writes the synthetic cities it needs once
# (generate_demo --scale 16 / 64 / --vietnam, resolution_m = 100) under
# $CITIES (default target/bench-cities), then times each case N times
# (default 5; 3 for the Vietnam-sized case) with /usr/bin/time and prints
# the minimum and median wall time and the largest peak RSS, one line per
# case, as a Markdown table for BENCHMARKS.md (BIN=DIR times the binaries
# of DIR instead, e.g. an earlier build). --plan also times
# `plan --target 5G=50 --tech 4G,5G` on the demo and the 16× city.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
cases=demo,city16,city64,vietnam
with_plan=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --cases) cases=$2; shift 2 ;;
        --plan) with_plan=1; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-target}
cities=${CITIES:-$target/bench-cities}
[[ -n ${BIN:-} ]] || cargo build --release --examples -q
bin=${BIN:-$target/release/examples}
mkdir -p "$cities"

scenario_of() {
    case $1 in
        demo) echo data/demo ;;
        city16) [[ -d $cities/city16 ]] || "$bin/generate_demo" --scale 16 --resolution-m 100 --out "$cities/city16" >/dev/null
                echo "$cities/city16" ;;
        city64) [[ -d $cities/city64 ]] || "$bin/generate_demo" --scale 64 --resolution-m 100 --out "$cities/city64" >/dev/null
                echo "$cities/city64" ;;
        vietnam) [[ -d $cities/vietnam ]] || "$bin/generate_demo" --vietnam --resolution-m 100 --out "$cities/vietnam" >/dev/null
                 echo "$cities/vietnam" ;;
        *) echo "unknown case $1" >&2; exit 2 ;;
    esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# time_it LABEL N COMMAND...: N runs, min / median wall, largest peak RSS
time_it() {
    local label=$1 n=$2
    shift 2
    local walls=() peak=0
    for ((i = 1; i <= n; i++)); do
        rm -rf "$tmp/out"
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/log" 2>&1 || {
            echo "run failed: $*" >&2
            cat "$tmp/log" >&2
            exit 1
        }
        read -r wall kb <"$tmp/time"
        walls+=("$wall")
        ((kb > peak)) && peak=$kb
    done
    local sorted min med bytes
    sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
    min=$(head -n 1 <<<"$sorted")
    med=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
    bytes=$(du -sb "$tmp/out" 2>/dev/null | cut -f1)
    printf '| %s | %d | %.2f | %.2f | %.0f | %.1f |\n' "$label" "$n" "$min" "$med" \
        "$(awk -v k="$peak" 'BEGIN{print k/1024}')" "$(awk -v b="${bytes:-0}" 'BEGIN{print b/1e6}')"
}

echo "| command | runs | wall min (s) | wall median (s) | peak RSS (MiB) | written (MB) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
IFS=, read -ra list <<<"$cases"
for c in "${list[@]}"; do
    dir=$(scenario_of "$c")
    n=$runs
    [[ $c == vietnam && $runs -gt 3 ]] && n=3
    time_it "coverage $c" "$n" "$bin/coverage" "$dir" --out "$tmp/out"
done
if [[ $with_plan == 1 ]]; then
    for c in demo city16; do
        dir=$(scenario_of "$c")
        time_it "plan $c --target 5G=50 --tech 4G,5G" 3 \
            "$bin/plan" "$dir" --out "$tmp/out" --target 5G=50 --tech 4G,5G
    done
fi
