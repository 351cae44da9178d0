#!/usr/bin/env bash
# Terrain timings: the demo with a synthetic 30 m DEM (delta and mountain
# variants), every site layer terrain-shaped, as `telecov coverage` runs
# it: cold (no cache), warm (its own cache), and the terrain-free demo.
# With --city64 DIR also a copy of that 64x city with a 90 m mountain DEM.
#
#   benches/terrain.sh [--city64 /path/to/city64]
#
# Scenarios are copied under $CARGO_TARGET_DIR/terrain-bench (data/demo is
# never changed). Prints wall time, CPU time (user + system: what two idle
# cores would share), peak RSS and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
city64=
[[ ${1:-} == --city64 ]] && city64=$2
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q --bin telecov --example add_terrain
bin=$target/release
work=$target/terrain-bench
rm -rf "$work"; mkdir -p "$work"
run() {
    echo "$1 | $(uptime | sed 's/.*load average: //')"
    shift
    /usr/bin/time -f "  %e s wall, %U s user + %S s system CPU, %M KB peak" "$bin/telecov" coverage "$@" >/dev/null
}
run "terrain-free demo" data/demo --out "$work/o_free"
for kind in delta mountain; do
    cp -r data/demo "$work/$kind"
    "$bin/examples/add_terrain" "$work/$kind" --kind "$kind" --cell-m 30
    run "$kind 30 m, cold" "$work/$kind" --out "$work/o_$kind"
    run "$kind 30 m, warm" "$work/$kind" --out "$work/o_$kind"
done
if [[ -n $city64 ]]; then
    cp -r "$city64" "$work/city64"
    "$bin/examples/add_terrain" "$work/city64" --kind mountain --cell-m 90
    run "city64 mountain 90 m, cold" "$work/city64" --out "$work/o_city64"
fi
