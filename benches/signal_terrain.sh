#!/usr/bin/env bash
# Signal-level mode over terrain: the demo with a synthetic 30 m DEM (delta
# and mountain variants), `telecov coverage --signal` as a whole process,
# against the terrain-free demo. Each terrain copy is run once first to
# fill its footprint cache, so the timed runs hold the range mode's warm
# cost plus the signal mode (whose terrain rays are never cached); a
# second timed line without --signal gives the range mode alone.
#
#   benches/signal_terrain.sh
#
# Scenarios are copied under $CARGO_TARGET_DIR/signal-terrain-bench
# (data/demo is never changed). Prints wall time, CPU time (user +
# system), peak RSS and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q --bin telecov --example add_terrain
bin=$target/release
work=$target/signal-terrain-bench
rm -rf "$work"; mkdir -p "$work"
run() {
    echo "$1 | $(uptime | sed 's/.*load average: //')"
    shift
    /usr/bin/time -f "  %e s wall, %U s user + %S s system CPU, %M KB peak" "$bin/telecov" coverage "$@" >/dev/null
}
run "terrain-free demo, --signal" data/demo --out "$work/o_free" --signal
run "terrain-free demo" data/demo --out "$work/o_free"
for kind in delta mountain; do
    cp -r data/demo "$work/$kind"
    "$bin/examples/add_terrain" "$work/$kind" --kind "$kind" --cell-m 30 >/dev/null
    "$bin/telecov" coverage "$work/$kind" --out "$work/o_$kind" >/dev/null
    run "$kind 30 m, warm cache, --signal" "$work/$kind" --out "$work/o_$kind" --signal
    run "$kind 30 m, warm cache" "$work/$kind" --out "$work/o_$kind"
done
