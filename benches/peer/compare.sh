#!/usr/bin/env sh
# telecov against the GeoPandas peer, one command (see README.md here):
#   benches/peer/compare.sh [SCENARIO_DIR] [--reps N] [--out DIR] [--no-bench] [--exact]
# Creates benches/peer/.venv from requirements.txt on first use, then runs
# compare.py (release build, telecov report and criterion figures, peer runs,
# agreement) and writes out/peer/results.{json,md}. Respects CARGO_TARGET_DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.txt"
fi
exec "$venv/bin/python" "$here/compare.py" "$@"
