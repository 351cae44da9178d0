#!/usr/bin/env python3
"""telecov against the GeoPandas peer, on one machine in one run.

    python benches/peer/compare.py [SCENARIO_DIR] [--reps N] [--out DIR] [--no-bench] [--no-build]
                                   [--exact] [--peer-resolution-m R]

1. builds telecov's `coverage` example (release) and runs it on the
   scenario (every file of the command), timing the whole process, in
   turn with the peer's runs (step 3): round by round, each round
   swapping which of the two goes first;
2. runs `cargo bench --bench coverage -- '^demo/'` (demo scenario only):
   criterion's `demo/evaluate` (load excluded) and `demo/load_and_evaluate`
   (load included) are telecov's two figures;
3. runs the peer N times (separate processes, alternating with telecov's
   runs) and keeps the best and the median of its load, compute and
   load + compute times and its peak RSS;
4. compares per-commune percentages (people; households for fibre) of
   telecov's report.json with the peer's: worst and mean absolute
   difference per layer, in percentage points;
5. with --exact, also runs the peer's exact polygon overlay once and gives
   both grid methods' distance from it (investigation of differences);
6. unless --no-timing, times telecov's load and evaluation once more with
   the small harness in timing/ (wall clock and CPU time per iteration,
   all threads), for CPU-time ratios that a busy machine disturbs less.

Prints a summary and writes DIR/results.json and DIR/results.md
(default DIR: out/peer). Run it through compare.sh, which prepares the venv.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAYERS = ["2G", "3G", "4G", "5G", "mobile_broadband", "fiber", "wifi"]


def sh(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def run_process(argv, cwd=None):
    """Runs one process, timed the same way for telecov and the peer: wall
    time from the spawn to the reaping of that process itself, its CPU time
    and peak resident memory from its own resource usage (`wait4`), no
    wrapper process in between. Its output goes to a temporary file (read
    back only on failure). Returns (seconds, cpu_seconds, peak_mib,
    exit_code, output)."""
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace") if proc.returncode != 0 else ""
    # ru_maxrss is in KiB on Linux
    return (elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0,
            proc.returncode, output)


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")


def machine():
    info = {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    for key, cmd in (("rustc", ["rustc", "--version"]), ("commit", ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])):
        try:
            info[key] = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            info[key] = None
    try:
        dirty = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock", "benches/coverage.rs", "examples"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        info["telecov_uncommitted_changes"] = bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        info["telecov_uncommitted_changes"] = None
    info["loadavg_start"] = os.getloadavg()
    return info


def telecov_pct(c, layer):
    if layer == "fiber":
        d = c["households"]
        n = c["households_fiber_passed"]
    elif layer == "wifi":
        d = c["population"]
        n = c["population_wifi_covered"]
    else:
        d = c["population"]
        n = c["population_covered"][layer]
    return None if d <= 0 else 100.0 * n / d


def agreement(report, peer):
    """Worst and mean |telecov - peer| per layer, percentage points."""
    by_id = {c["id"]: c for c in peer["communes"]}
    out = {}
    for layer in LAYERS:
        diffs = []
        for c in report["communes"]:
            p = by_id.get(str(c["id"]))
            t = telecov_pct(c, layer)
            if p is None or t is None or p["pct"][layer] is None:
                continue
            diffs.append((abs(t - p["pct"][layer]), t, p["pct"][layer], c, p))
        if not diffs:
            continue
        worst = max(diffs, key=lambda d: d[0])
        big = [d for d in diffs if d[4]["cells"] >= 1000]
        out[layer] = {
            "communes": len(diffs),
            "mean_pp": sum(d[0] for d in diffs) / len(diffs),
            "worst_pp": worst[0],
            "worst_commune": {
                "id": str(worst[3]["id"]),
                "name": worst[3].get("name"),
                "cells": worst[4]["cells"],
                "area_km2": worst[3].get("area_km2"),
                "telecov_pct": worst[1],
                "peer_pct": worst[2],
            },
            "over_0_5_pp": sum(d[0] > 0.5 for d in diffs),
            "worst_pp_communes_ge_1000_cells": max((d[0] for d in big), default=None),
        }
        tot = report["totals"]
        if layer == "fiber":
            t_total = 100.0 * tot["households_fiber_passed"] / tot["households"]
        elif layer == "wifi":
            t_total = 100.0 * tot["population_wifi_covered"] / tot["population"]
        else:
            t_total = 100.0 * tot["population_covered"][layer] / tot["population"]
        out[layer]["total_telecov_pct"] = t_total
        out[layer]["total_peer_pct"] = peer["totals_pct"][layer]
        out[layer]["total_diff_pp"] = abs(t_total - peer["totals_pct"][layer])
    return out


def criterion_estimate(name):
    path = os.path.join(target_dir(), "criterion", "demo", name, "new", "estimates.json")
    with open(path) as f:
        e = json.load(f)
    med = e["median"]
    return {
        "median_s": med["point_estimate"] / 1e9,
        "ci_s": [med["confidence_interval"]["lower_bound"] / 1e9, med["confidence_interval"]["upper_bound"] / 1e9],
        "mean_s": e["mean"]["point_estimate"] / 1e9,
    }


def summarise(values):
    return {"best": min(values), "median": statistics.median(values), "all": values}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", nargs="?", default=os.path.join(ROOT, "data", "demo"))
    ap.add_argument("--reps", type=int, default=3, help="rounds: runs of the telecov command and of the peer, alternately (default 3)")
    ap.add_argument("--out", default=os.path.join(ROOT, "out", "peer"))
    ap.add_argument("--no-bench", action="store_true", help="skip cargo bench (telecov: process times only)")
    ap.add_argument("--exact", action="store_true", help="also run the peer's exact overlay")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--no-timing", action="store_true", help="skip the timing/ harness (CPU times)")
    ap.add_argument("--timing-reps", type=int, default=10, help="iterations of the timing/ harness")
    ap.add_argument(
        "--peer-resolution-m", type=float, default=None,
        help="the peer's grid spacing (default: the scenario's, as telecov); for investigation only",
    )
    a = ap.parse_args()
    if a.reps < 1:
        ap.error("--reps must be at least 1")
    scenario = os.path.abspath(a.scenario)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    is_demo = os.path.samefile(scenario, os.path.join(ROOT, "data", "demo"))
    info = machine()
    info["scenario"] = os.path.relpath(scenario, ROOT) if scenario.startswith(ROOT) else scenario
    print(f"== machine: {info.get('cpu')} x{info['cpus']}, load average {info['loadavg_start']}")

    # 1. the telecov command (release example) and the peer, whole
    # processes, run alternately: both see the machine in the same state
    # (on a shared virtual machine its speed drifts by tens of per cent
    # within minutes), and each round swaps which of the two goes first
    if not a.no_build:
        sh(["cargo", "build", "--release", "--quiet", "--example", "coverage"], cwd=ROOT)
    exe = os.path.join(target_dir(), "release", "examples", "coverage")
    tel_dir = os.path.join(out, "telecov")
    if os.path.isdir(tel_dir):
        shutil.rmtree(tel_dir)
    proc_times, proc_cpu, proc_rss = [], [], []

    def run_telecov():
        t, cpu, rss_mib, code, output = run_process([exe, scenario, "--out", tel_dir], cwd=ROOT)
        proc_times.append(t)
        proc_cpu.append(cpu)
        proc_rss.append(rss_mib)
        if code != 0:
            sys.exit(f"telecov failed:\n{output}")

    py = sys.executable
    peer_runs, peer_process = [], []

    def run_peer(i, peer_resolution):
        path = os.path.join(out, f"peer_{i}.json")
        # the peer's whole process writes what the command writes: the
        # figures and the two maps (communes with percentages, gap regions)
        maps = os.path.join(out, f"peer_maps_{i}")
        t, _, _, code, output = run_process(
            [py, os.path.join(HERE, "peer_coverage.py"), scenario, "--resolution-m", str(peer_resolution),
             "--out", path, "--maps", maps])
        if code != 0:
            sys.exit(f"the peer failed:\n{output}")
        peer_process.append(t)
        with open(path) as f:
            peer_runs.append(json.load(f))

    report = None
    for i in range(a.reps):
        if i % 2 == 0:
            run_telecov()
            if report is None:
                # the report (the same every run) and the scenario's
                # resolution as telecov read it, for the peer's grid
                with open(os.path.join(tel_dir, "report.json")) as f:
                    report = json.load(f)
                resolution = report["parameters"]["resolution_m"]
                peer_resolution = a.peer_resolution_m or resolution
            run_peer(i, peer_resolution)
        else:
            run_peer(i, peer_resolution)
            run_telecov()
    telecov = {"process_s": summarise(proc_times), "process_cpu_s": summarise(proc_cpu),
               "peak_rss_mib": max(proc_rss)}
    print(f"== telecov coverage command (load, evaluate, gap maps, every file): "
          f"best {min(proc_times):.3f} s over {a.reps} runs, alternating with the peer's")

    # 2. criterion: demo/evaluate, demo/load_and_evaluate
    if is_demo and not a.no_bench:
        sh(["cargo", "bench", "--quiet", "--bench", "coverage", "--", "^demo/", "--noplot"], cwd=ROOT)
        for name in ("load", "evaluate", "load_and_evaluate"):
            telecov[name] = criterion_estimate(name)
    elif not is_demo:
        print("== not the demo scenario: criterion figures skipped (benches/coverage.rs reads data/demo)")

    # 2b. the same three figures with CPU time per iteration (timing/, any scenario)
    if not a.no_timing:
        manifest = os.path.join(HERE, "timing", "Cargo.toml")
        if not a.no_build:
            # built into telecov's target directory (ignored by git), sharing its dependencies
            sh(["cargo", "build", "--release", "--quiet", "--manifest-path", manifest], cwd=ROOT,
               env={**os.environ, "CARGO_TARGET_DIR": target_dir()})
        exe_t = os.path.join(target_dir(), "release", "telecov-peer-timing")
        print("+", exe_t, scenario, str(a.timing_reps), flush=True)
        r = subprocess.run([exe_t, scenario, str(a.timing_reps)], capture_output=True, text=True, check=True)
        telecov["timing"] = json.loads(r.stdout)

    # 3. the peer's figures
    peer = {
        k: summarise([p["timings_s"][k] for p in peer_runs])
        for k in ("import", "load", "compute", "load_and_compute", "load_cpu", "compute_cpu", "maps")
    }
    peer["process_s"] = summarise(peer_process)
    peer["resolution_m"] = peer_resolution
    peer["peak_rss_mib"] = max(p["peak_rss_mib"] for p in peer_runs)
    peer["grid_points"] = peer_runs[0]["grid_points"]
    peer["crs"] = peer_runs[0]["crs"]
    peer["versions"] = peer_runs[0]["versions"]

    # 4. agreement
    agree = agreement(report, peer_runs[0])
    wifi = {
        "telecov_communes_with_wifi": report["totals"]["communes_with_wifi"],
        "peer_communes_with_wifi": peer_runs[0]["communes_with_wifi"],
        "communes_with_different_wifi_points": sum(
            1
            for c, p in zip(report["communes"], peer_runs[0]["communes"])
            if c["wifi_points"] != p["wifi_points"]
        ),
    }

    exact = None
    if a.exact:
        path = os.path.join(out, "peer_exact.json")
        sh([py, os.path.join(HERE, "peer_coverage.py"), scenario, "--demand", "exact", "--out", path])
        with open(path) as f:
            ex = json.load(f)
        ex_as_peer = dict(ex)
        exact = {
            "compute_s": ex["timings_s"]["compute"],
            "telecov_vs_exact": agreement(report, ex_as_peer),
            # the peer's grid against the exact overlay, through the same code
            "peer_grid_vs_exact": agreement(
                {
                    "communes": [
                        {
                            "id": c["id"],
                            "name": c["name"],
                            "population": 1.0,
                            "households": 1.0,
                            "population_covered": {l: (c["pct"][l] or 0.0) / 100 for l in LAYERS[:5]},
                            "households_fiber_passed": (c["pct"]["fiber"] or 0.0) / 100,
                            "population_wifi_covered": (c["pct"]["wifi"] or 0.0) / 100,
                        }
                        for c in peer_runs[0]["communes"]
                    ],
                    "totals": report["totals"],
                },
                ex_as_peer,
            ),
        }

    # ratios (peer / telecov)
    ratio = {}
    if "evaluate" in telecov:
        ratio["load_excluded"] = peer["compute"]["median"] / telecov["evaluate"]["median_s"]
        ratio["load_included"] = peer["load_and_compute"]["median"] / telecov["load_and_evaluate"]["median_s"]
    ratio["process"] = peer["process_s"]["median"] / telecov["process_s"]["median"]
    # round by round (the two runs of a round side by side in time)
    paired = sorted(q / t for t, q in zip(proc_times, peer_process))
    ratio["process_per_round"] = {"median": statistics.median(paired), "min": paired[0], "max": paired[-1]}
    info["loadavg_end"] = os.getloadavg()

    results = {
        "machine": info,
        "resolution_m": resolution,
        "telecov": telecov,
        "peer": peer,
        "ratio_peer_over_telecov": ratio,
        "agreement_pp": agree,
        "wifi_communes": wifi,
        "exact": exact,
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    md = markdown(results, a.reps)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    print()
    print(md)
    print(f"written: {out}/results.json, {out}/results.md")


def ms(s):
    return f"{s * 1e3:.0f} ms" if s < 1 else f"{s:.2f} s"


def markdown(r, reps):
    m, t, p, q = r["machine"], r["telecov"], r["peer"], r["ratio_peer_over_telecov"]
    lines = [
        f"- **Date:** {m['date_utc']}; commit {m.get('commit')}"
        f"{' with uncommitted changes to telecov' if m.get('telecov_uncommitted_changes') else ''}; "
        f"scenario `{m['scenario']}` at {r['resolution_m']:g} m"
        + ("" if p["resolution_m"] == r["resolution_m"] else f" (**peer at {p['resolution_m']:g} m**)"),
        f"- **Machine:** {m.get('cpu')}, {m['cpus']} vCPU, {m.get('mem_gib')} GiB; {m.get('rustc')}; "
        f"Python {m['python']}, GeoPandas {p['versions']['geopandas']}, Shapely {p['versions']['shapely']} "
        f"(GEOS {p['versions']['geos']}); load average at start / end "
        f"{m['loadavg_start'][0]:.1f} / {m['loadavg_end'][0]:.1f}",
        "",
        "| figure | telecov | peer | peer / telecov |",
        "| --- | --- | --- | --- |",
    ]
    if "evaluate" in t:
        e, le = t["evaluate"], t["load_and_evaluate"]
        lines += [
            f"| load | {ms(t['load']['median_s'])} | {ms(p['load']['median'])} (best {ms(p['load']['best'])}) | "
            f"{p['load']['median'] / t['load']['median_s']:.1f}× |",
            f"| evaluate, load excluded | {ms(e['median_s'])} [{ms(e['ci_s'][0])}, {ms(e['ci_s'][1])}] | "
            f"{ms(p['compute']['median'])} (best {ms(p['compute']['best'])}) | **{q['load_excluded']:.1f}×** |",
            f"| load + evaluate | {ms(le['median_s'])} [{ms(le['ci_s'][0])}, {ms(le['ci_s'][1])}] | "
            f"{ms(p['load_and_compute']['median'])} (best {ms(p['load_and_compute']['best'])}) | "
            f"**{q['load_included']:.1f}×** |",
        ]
    lines += [
        f"| **whole process**, the figure a user sees (telecov: the `coverage` command, start to exit, "
        f"every file it writes: report.json, communes.geojson/.csv, sites.geojson, gaps.geojson, "
        f"scorecard.json/.csv, report.html, map.png; peer: Python start, imports "
        f"({ms(p['import']['median'])}), load, compute, its report and its two maps "
        f"({ms(p['maps']['median'])}): communes and gap regions) | "
        f"{ms(t['process_s']['median'])}, peak {t['peak_rss_mib']:.0f} MiB | "
        f"{ms(p['process_s']['median'])}, peak {p['peak_rss_mib']:.0f} MiB | **{q['process']:.1f}×** |",
        "",
        f"The two ran alternately, {reps} rounds (each round swaps which goes first); round by round, "
        f"the peer's time over telecov's: median {q['process_per_round']['median']:.1f}×, "
        f"{q['process_per_round']['min']:.1f}× to {q['process_per_round']['max']:.1f}×.",
        "",
        f"CPU time (user + system): telecov's whole process {ms(t['process_cpu_s']['median'])} "
        f"(both cores); peer load {ms(p['load_cpu']['median'])}, compute {ms(p['compute_cpu']['median'])} "
        f"(one core).",
    ]
    if "timing" in t:
        h = t["timing"]
        lines += [
            "",
            f"telecov through `benches/peer/timing` ({h['evaluate']['reps']} iterations each, {h['threads']} threads): "
            f"load {ms(h['load']['median_s'])}, evaluate {ms(h['evaluate']['median_s'])}, "
            f"load + evaluate {ms(h['load_and_evaluate']['median_s'])} (wall, median); CPU per iteration "
            f"(all threads) load {ms(h['load']['cpu_per_iter_s'])}, evaluate {ms(h['evaluate']['cpu_per_iter_s'])}, "
            f"load + evaluate {ms(h['load_and_evaluate']['cpu_per_iter_s'])}. CPU-time ratios peer / telecov: "
            f"load excluded {p['compute_cpu']['median'] / h['evaluate']['cpu_per_iter_s']:.1f}×, load included "
            f"{(p['load_cpu']['median'] + p['compute_cpu']['median']) / h['load_and_evaluate']['cpu_per_iter_s']:.1f}×.",
        ]
    lines += [
        "",
        f"telecov: criterion median of 10 samples [95 % interval]; peer: median of {reps} runs. "
        f"Peer peak RSS {p['peak_rss_mib']:.0f} MiB; {p['grid_points']:,} cell centres in {p['crs']}.",
        "",
        "| layer | worst \\|Δ\\| (pp) | commune (cells) | mean \\|Δ\\| (pp) | communes > 0.5 pp | worst, communes ≥ 1,000 cells | total Δ (pp) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for layer, a in r["agreement_pp"].items():
        w = a["worst_commune"]
        big = a["worst_pp_communes_ge_1000_cells"]
        lines.append(
            f"| {layer} | {a['worst_pp']:.3f} | {w['name'] or w['id']} ({w['cells']:,}) | {a['mean_pp']:.3f} | "
            f"{a['over_0_5_pp']} of {a['communes']} | {'-' if big is None else f'{big:.3f}'} | {a['total_diff_pp']:.3f} |"
        )
    wf = r["wifi_communes"]
    lines += [
        "",
        f"Communes with wifi: telecov {wf['telecov_communes_with_wifi']}, peer {wf['peer_communes_with_wifi']}; "
        f"communes whose wifi point count differs: {wf['communes_with_different_wifi_points']}.",
    ]
    if r["exact"]:
        lines += [
            "",
            f"Against the peer's exact polygon overlay (compute {ms(r['exact']['compute_s'])}):",
            "",
            "| layer | telecov worst / mean (pp) | peer grid worst / mean (pp) |",
            "| --- | --- | --- |",
        ]
        for layer in LAYERS:
            te = r["exact"]["telecov_vs_exact"].get(layer)
            pe = r["exact"]["peer_grid_vs_exact"].get(layer)
            if te and pe:
                lines.append(
                    f"| {layer} | {te['worst_pp']:.3f} / {te['mean_pp']:.3f} | {pe['worst_pp']:.3f} / {pe['mean_pp']:.3f} |"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
