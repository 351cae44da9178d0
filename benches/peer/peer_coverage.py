#!/usr/bin/env python3
"""Per-commune coverage of a telecov scenario with GeoPandas and Shapely 2.

An independent peer of telecov's range mode with uniform demand, for
side-by-side comparison (see README.md in this folder):

    python peer_coverage.py SCENARIO_DIR [--resolution-m R] [--demand grid|exact] --out peer.json

Rules (contract v1, ../shared/SCENARIO.md):

* Geometry is projected to the UTM zone of the scenario (GeoPandas
  ``estimate_utm_crs`` + ``to_crs``). Every radius is multiplied by the UTM
  point scale factor at its site (at the route's centroid for fibre) and
  every sector azimuth is turned by the meridian convergence, so ranges
  are ground metres and azimuths true north, clockwise.
* Range of a site layer: the sector's ``range_m``, else the site's
  ``range_m`` (a number or a per-technology object), else the
  ``[ranges_m]`` default. The link budget is not implemented: a site with
  ``tx_power_dbm`` that would need it is refused.
* Sectors are wedges (apex at the site, arc from azimuth - beamwidth/2 to
  azimuth + beamwidth/2), omnidirectional layers discs, fibre routes lines
  buffered by ``fiber_drop_m``, wifi points discs of their ``range_m`` or
  ``wifi_range_m``. Curves are polygons with 128 segments per full turn
  (``quad_segs=32``): radii are short by at most 1 - cos(pi/128) = 0.03 %.
* Each technology layer is the ``shapely.union_all`` of its shapes;
  mobile broadband is 3G or 4G or 5G.
* Uniform demand (``--demand grid``, the default): people and households
  are spread evenly over each commune and sampled at the centres of a
  ``resolution_m`` grid in the UTM frame (lattice ((i+1/2)r, (j+1/2)r)),
  tested with ``shapely.contains_xy`` / ``intersects_xy`` in bulk (numpy
  arrays, no Python loop over points). A cell centre belongs to the first
  commune in input order containing it; a commune holding no cell centre
  keeps its people on its representative point. The covered share of a
  commune is the covered share of its cell centres (households: the same
  share, as they are spread the same way).
* ``--demand exact`` (for investigation, not the comparison figure):
  the share is area(commune & layer) / area(commune) by polygon overlay.

Load (reading the five files) and compute (everything else) are timed
separately (wall clock, and CPU time of the process) and written to the
output JSON with the peak resident memory.
Writing the output is not timed.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyproj  # noqa: E402
import shapely  # noqa: E402

try:
    import tomllib  # Python 3.11+
except ModuleNotFoundError:  # pragma: no cover
    sys.exit("Python 3.11 or later is required (tomllib)")

T_IMPORTED = time.perf_counter()

TECHS = ["2G", "3G", "4G", "5G"]
LAYERS = TECHS + ["mobile_broadband", "fiber", "wifi"]
QUAD_SEGS = 32  # segments per quarter circle
STEP_DEG = 90.0 / QUAD_SEGS  # arc step of wedges, the same as the discs'
DEFAULTS = {
    "resolution_m": 50.0,
    "fiber_drop_m": 150.0,
    "wifi_range_m": 100.0,
    "ranges_m": {"2G": 5000.0, "3G": 3000.0, "4G": 2000.0, "5G": 600.0},
}


class Refused(Exception):
    pass


# --------------------------------------------------------------------- load


def read_optional(path):
    if os.path.exists(path):
        return gpd.read_file(path)
    return None


def load(scenario_dir):
    """Reads the scenario's files: GeoDataFrames and the parameters."""
    params = json.loads(json.dumps(DEFAULTS))
    toml_path = os.path.join(scenario_dir, "scenario.toml")
    if os.path.exists(toml_path):
        with open(toml_path, "rb") as f:
            toml = tomllib.load(f)
        for key in ("resolution_m", "fiber_drop_m", "wifi_range_m"):
            if key in toml:
                params[key] = float(toml[key])
        for tech, r in toml.get("ranges_m", {}).items():
            params["ranges_m"][tech] = float(r)
        ignored = set(toml) - {"resolution_m", "fiber_drop_m", "wifi_range_m", "ranges_m"}
        params["ignored_toml_keys"] = sorted(ignored)
    if os.path.exists(os.path.join(scenario_dir, "population.geojson")):
        raise Refused("population.geojson (points demand) is not implemented by the peer")
    communes = gpd.read_file(os.path.join(scenario_dir, "communes.geojson"))
    sites = read_optional(os.path.join(scenario_dir, "sites.geojson"))
    fiber = read_optional(os.path.join(scenario_dir, "fiber.geojson"))
    wifi = read_optional(os.path.join(scenario_dir, "wifi.geojson"))
    return params, communes, sites, fiber, wifi


# ------------------------------------------------------------------ compute


def local_factors(crs, points_wgs84):
    """UTM point scale factor and meridian convergence (degrees) at points."""
    lon = shapely.get_x(points_wgs84)
    lat = shapely.get_y(points_wgs84)
    f = pyproj.Proj(crs).get_factors(lon, lat)
    # The grid bearing of true north is -meridian_convergence.
    return np.asarray(f.meridional_scale), np.asarray(f.meridian_convergence)


def wedges(x, y, radius, azimuth_grid_deg, beamwidth_deg):
    """Wedge polygons (apex + arc) for arrays of sectors, built in one go."""
    n_arc = np.ceil(beamwidth_deg / STEP_DEG).astype(np.int64) + 1  # arc vertices
    n_ring = n_arc + 2  # apex, arc, apex again
    start = np.repeat(np.cumsum(n_ring) - n_ring, n_ring)
    k = np.arange(n_ring.sum()) - start  # vertex number within its ring
    ring = np.repeat(np.arange(len(x)), n_ring)
    arc_k = np.clip(k - 1, 0, None)
    frac = arc_k / (n_arc[ring] - 1)
    bearing = np.radians(azimuth_grid_deg[ring] - beamwidth_deg[ring] / 2 + frac * beamwidth_deg[ring])
    is_apex = (k == 0) | (k == n_ring[ring] - 1)
    r = np.where(is_apex, 0.0, radius[ring])
    coords = np.column_stack([x[ring] + r * np.sin(bearing), y[ring] + r * np.cos(bearing)])
    rings = shapely.linearrings(coords, indices=ring)
    return shapely.polygons(rings)


def site_shapes(sites, sites_utm, crs, params):
    """Per technology, the array of coverage polygons (wedges and discs)."""
    shapes = {t: [] for t in TECHS}
    if sites is None or len(sites) == 0:
        return shapes
    ok = ~(sites.geometry.isna() | sites.geometry.is_empty)
    sites, sites_utm = sites[ok], sites_utm[ok]
    k, conv = local_factors(crs, sites.geometry.values)
    base = pd.DataFrame(
        {
            "site": np.arange(len(sites)),
            "x": shapely.get_x(sites_utm.geometry.values),
            "y": shapely.get_y(sites_utm.geometry.values),
            "k": k,
            "conv": conv,
            "range_m": sites["range_m"].values if "range_m" in sites else None,
            "tx": sites["tx_power_dbm"].values if "tx_power_dbm" in sites else np.nan,
            "sectors": sites["sectors"].values if "sectors" in sites else None,
            "technology": sites["technologies"].values,
        }
    )
    # one row per site and technology
    st = base.explode("technology", ignore_index=True)

    def site_range(v, tech):
        if isinstance(v, dict):
            return v.get(tech, np.nan)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return np.nan
        return float(v)

    st["site_range"] = np.array(
        [site_range(v, t) for v, t in zip(st["range_m"], st["technology"])], dtype=float
    )
    st["default_range"] = st["technology"].map(params["ranges_m"]).astype(float)
    has_sectors = st["sectors"].map(lambda s: isinstance(s, (list, np.ndarray)) and len(s) > 0)

    # omnidirectional layers: discs
    omni = st[~has_sectors]
    r = omni["site_range"].fillna(omni["default_range"])
    need_budget = omni["site_range"].isna() & omni["tx"].notna()
    # sectorised layers: one row per site, technology and sector
    sec = st[has_sectors].explode("sectors", ignore_index=True)
    sec_props = pd.DataFrame.from_records(
        sec["sectors"].tolist(), columns=["azimuth_deg", "beamwidth_deg", "range_m"]
    ).astype(float)
    sec = pd.concat([sec.drop(columns=["sectors", "range_m"]), sec_props.set_axis(sec.index)], axis=1)
    sec_r = sec["range_m"].fillna(sec["site_range"]).fillna(sec["default_range"])
    need_budget_sec = sec["range_m"].isna() & sec["site_range"].isna() & sec["tx"].notna()
    if need_budget.any() or need_budget_sec.any():
        raise Refused(
            "a site gives tx_power_dbm and no range_m for a technology: "
            "the link budget is not implemented by the peer"
        )

    discs = shapely.buffer(
        shapely.points(omni["x"].values, omni["y"].values),
        (r * omni["k"]).values,
        quad_segs=QUAD_SEGS,
    )
    bw = sec["beamwidth_deg"].values
    full = bw >= 360.0
    sec_shapes = np.empty(len(sec), dtype=object)
    if (~full).any():
        s = ~full
        sec_shapes[s] = wedges(
            sec["x"].to_numpy(float)[s],
            sec["y"].to_numpy(float)[s],
            (sec_r * sec["k"]).to_numpy(float)[s],
            (sec["azimuth_deg"] - sec["conv"]).to_numpy(float)[s],
            bw[s],
        )
    if full.any():
        sec_shapes[full] = shapely.buffer(
            shapely.points(sec["x"].values[full], sec["y"].values[full]),
            (sec_r * sec["k"]).values[full],
            quad_segs=QUAD_SEGS,
        )
    for t in TECHS:
        shapes[t] = np.concatenate(
            [discs[(omni["technology"] == t).values], sec_shapes[(sec["technology"] == t).values]]
        )
    return shapes


def fiber_shape(fiber, fiber_utm, crs, params):
    if fiber is None or len(fiber) == 0:
        return shapely.Polygon()
    ok = ~(fiber_utm.geometry.isna() | fiber_utm.geometry.is_empty)
    geoms = fiber_utm.geometry.values[ok]
    centroids = gpd.GeoSeries(shapely.centroid(geoms), crs=crs).to_crs(4326).values
    k, _ = local_factors(crs, centroids)
    return shapely.union_all(shapely.buffer(geoms, params["fiber_drop_m"] * k, quad_segs=QUAD_SEGS))


def wifi_shape(wifi, wifi_utm, crs, params):
    if wifi is None or len(wifi) == 0:
        return shapely.Polygon()
    ok = ~(wifi.geometry.isna() | wifi.geometry.is_empty)
    k, _ = local_factors(crs, wifi.geometry.values[ok])
    if "range_m" in wifi:
        r = wifi["range_m"].astype(float).fillna(params["wifi_range_m"]).values[ok]
    else:
        r = np.full(ok.sum(), params["wifi_range_m"])
    return shapely.union_all(shapely.buffer(wifi_utm.geometry.values[ok], r * k, quad_segs=QUAD_SEGS))


def grid_demand(communes_utm, resolution_m):
    """Cell centres of a global lattice, each in the first commune holding it.

    Returns x, y, commune index per centre (loop over communes, vectorised
    over each commune's centres)."""
    geoms = communes_utm.geometry.values
    xs, ys, labels = [], [], []
    bounds = shapely.bounds(geoms)
    minx, miny = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    i0, j0 = math.floor(minx / resolution_m - 0.5), math.floor(miny / resolution_m - 0.5)
    ni = math.ceil(np.nanmax(bounds[:, 2]) / resolution_m) - i0 + 1
    taken = np.zeros((math.ceil(np.nanmax(bounds[:, 3]) / resolution_m) - j0 + 1, ni), dtype=bool)
    for c, g in enumerate(geoms):
        if g is None or g.is_empty:
            continue
        bx0, by0, bx1, by1 = bounds[c]
        ia = math.floor(bx0 / resolution_m - 0.5) - i0
        ib = math.ceil(bx1 / resolution_m - 0.5) - i0
        ja = math.floor(by0 / resolution_m - 0.5) - j0
        jb = math.ceil(by1 / resolution_m - 0.5) - j0
        ii, jj = np.meshgrid(np.arange(ia, ib + 1), np.arange(ja, jb + 1))
        x = (ii + i0 + 0.5) * resolution_m
        y = (jj + j0 + 0.5) * resolution_m
        shapely.prepare(g)
        inside = shapely.intersects_xy(g, x, y) & ~taken[jj, ii]
        taken[jj[inside], ii[inside]] = True
        xs.append(x[inside])
        ys.append(y[inside])
        labels.append(np.full(inside.sum(), c, dtype=np.int64))
    x, y, lab = (np.concatenate(a) if a else np.empty(0) for a in (xs, ys, labels))
    return x, y, lab.astype(np.int64)


class Stages:
    """CPU seconds per stage of the computation (for the README's breakdown)."""

    def __init__(self):
        self.times, self.t = {}, time.process_time()

    def __call__(self, name):
        now = time.process_time()
        self.times[name] = self.times.get(name, 0.0) + now - self.t
        self.t = now


def compute(params, communes, sites, fiber, wifi, resolution_m, demand):
    lap = Stages()
    crs = communes.estimate_utm_crs()
    communes_utm = communes.to_crs(crs)
    sites_utm = sites.to_crs(crs) if sites is not None else None
    fiber_utm = fiber.to_crs(crs) if fiber is not None else None
    wifi_utm = wifi.to_crs(crs) if wifi is not None else None
    lap("project")

    # coverage layers
    layer_geom = {}
    shapes = site_shapes(sites, sites_utm, crs, params)
    lap("site shapes")
    for t, arr in shapes.items():
        layer_geom[t] = shapely.union_all(arr) if len(arr) else shapely.Polygon()
    lap("site layers union")
    layer_geom["fiber"] = fiber_shape(fiber, fiber_utm, crs, params)
    lap("fibre buffer + union")
    layer_geom["wifi"] = wifi_shape(wifi, wifi_utm, crs, params)
    lap("wifi buffer + union")

    n = len(communes)
    share = {}
    cells = np.zeros(n, dtype=np.int64)
    if demand == "grid":
        x, y, lab = grid_demand(communes_utm, resolution_m)
        cells = np.bincount(lab, minlength=n)
        # communes holding no cell centre: their representative point
        geoms = communes_utm.geometry.values
        lonely = np.flatnonzero((cells == 0) & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
        rep = shapely.point_on_surface(geoms[lonely])
        x = np.concatenate([x, shapely.get_x(rep)])
        y = np.concatenate([y, shapely.get_y(rep)])
        lab = np.concatenate([lab, lonely])
        weight = np.bincount(lab, minlength=n).astype(float)
        lap("grid cell centres in communes")
        hit = {}
        for layer in TECHS + ["fiber", "wifi"]:
            g = layer_geom[layer]
            shapely.prepare(g)
            hit[layer] = shapely.intersects_xy(g, x, y)
        hit["mobile_broadband"] = hit["3G"] | hit["4G"] | hit["5G"]
        with np.errstate(invalid="ignore", divide="ignore"):
            for layer in LAYERS:
                share[layer] = np.bincount(lab, weights=hit[layer], minlength=n) / weight
        lap("point tests + shares")
    else:  # exact overlay
        layer_geom["mobile_broadband"] = shapely.union_all(
            [layer_geom["3G"], layer_geom["4G"], layer_geom["5G"]]
        )
        geoms = communes_utm.geometry.values
        area = shapely.area(geoms)
        with np.errstate(invalid="ignore", divide="ignore"):
            for layer in LAYERS:
                share[layer] = shapely.area(shapely.intersection(geoms, layer_geom[layer])) / area
        lap("exact overlay")

    # wifi points per commune: first commune in input order holding it (boundary included)
    wifi_points = np.zeros(n, dtype=np.int64)
    if wifi is not None and len(wifi):
        tree = shapely.STRtree(communes.geometry.values)
        pt, cm = tree.query(wifi.geometry.values, predicate="intersects")
        if len(pt):
            first = pd.Series(cm).groupby(pt).min().values
            wifi_points = np.bincount(first, minlength=n)
    lap("wifi points per commune")

    return {
        "crs": crs.to_string(),
        "crs_obj": crs,
        "communes_utm": communes_utm,
        "layer_geom": layer_geom,
        "cells": cells,
        "share": share,
        "wifi_points": wifi_points,
        "stages_cpu_s": lap.times,
    }


# --------------------------------------------------------------------- maps


def write_maps(out_dir, communes, result):
    """What telecov's ``coverage`` command also writes, the GeoPandas way:
    ``communes.geojson`` with a percentage column per layer, and
    ``gaps.geojson``: per layer, the communes minus the layer's coverage,
    exploded into regions, each with its people and households (uniform
    density per commune, apportioned by an overlay with the communes)."""
    os.makedirs(out_dir, exist_ok=True)
    out = communes.copy()
    for layer in LAYERS:
        out[f"pct_{layer}"] = 100.0 * np.nan_to_num(result["share"][layer])
    out.to_file(os.path.join(out_dir, "communes.geojson"), driver="GeoJSON")

    cu = result["communes_utm"][["id", "population", "households", "geometry"]].copy()
    cu["commune_area"] = cu.geometry.area
    land = shapely.union_all(cu.geometry.values)
    layer_geom = dict(result["layer_geom"])
    if "mobile_broadband" not in layer_geom:
        layer_geom["mobile_broadband"] = shapely.union_all(
            [layer_geom["3G"], layer_geom["4G"], layer_geom["5G"]]
        )
    frames = []
    for layer in LAYERS:
        gap = shapely.difference(land, layer_geom[layer])
        regions = gpd.GeoDataFrame(geometry=[gap], crs=cu.crs).explode(index_parts=False)
        regions = regions[regions.geometry.area > 0].reset_index(drop=True)
        regions["gap"] = np.arange(len(regions))
        pieces = gpd.overlay(cu, regions, how="intersection", keep_geom_type=True)
        share = pieces.geometry.area / pieces["commune_area"]
        pieces["people"] = pieces["population"].astype(float) * share
        pieces["hh"] = pieces["households"].astype(float) * share
        sums = pieces.groupby("gap")[["people", "hh"]].sum()
        regions["layer"] = layer
        regions["population"] = sums["people"].reindex(regions["gap"]).fillna(0.0).values
        regions["households"] = sums["hh"].reindex(regions["gap"]).fillna(0.0).values
        regions["area_km2"] = regions.geometry.area / 1e6
        regions = regions.sort_values("population", ascending=False)
        regions["rank"] = np.arange(1, len(regions) + 1)
        frames.append(regions.drop(columns="gap"))
    gaps = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=cu.crs).to_crs(4326)
    gaps.to_file(os.path.join(out_dir, "gaps.geojson"), driver="GeoJSON")


# ------------------------------------------------------------------- output


def report(scenario_dir, params, communes, result, resolution_m, demand, t):
    pop = communes["population"].astype(float).values
    hh = communes["households"].astype(float).values
    out_communes = []
    for c in range(len(communes)):
        pct = {}
        for layer in LAYERS:
            v = result["share"][layer][c]
            pct[layer] = None if not np.isfinite(v) else 100.0 * float(v)
        out_communes.append(
            {
                "id": str(communes["id"].iloc[c]),
                "name": communes["name"].iloc[c] if "name" in communes else None,
                "population": float(pop[c]),
                "households": float(hh[c]),
                "cells": int(result["cells"][c]),
                "pct": pct,
                "wifi_points": int(result["wifi_points"][c]),
            }
        )
    totals = {}
    for layer in LAYERS:
        w = hh if layer == "fiber" else pop
        s = np.nan_to_num(result["share"][layer])
        totals[layer] = 100.0 * float((w * s).sum() / w.sum()) if w.sum() > 0 else None
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "schema": "telecov.peer/1",
        "scenario": os.path.abspath(scenario_dir),
        "demand": demand,
        "parameters": {k: params[k] for k in ("fiber_drop_m", "wifi_range_m", "ranges_m")}
        | {"resolution_m": resolution_m},
        "crs": result["crs"],
        "grid_points": int(result["cells"].sum()),
        "timings_s": t,
        "stages_cpu_s": result["stages_cpu_s"],
        "peak_rss_mib": peak_kib / 1024.0,
        "versions": {
            "python": sys.version.split()[0],
            "geopandas": gpd.__version__,
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "pyproj": pyproj.__version__,
        },
        "totals_pct": totals,
        "communes_with_wifi": int((result["wifi_points"] > 0).sum()),
        "communes": out_communes,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--resolution-m", type=float, default=None, help="default: scenario.toml")
    ap.add_argument("--demand", choices=["grid", "exact"], default="grid")
    ap.add_argument("--out", required=True)
    ap.add_argument("--maps", metavar="DIR", help="also write communes.geojson and gaps.geojson into DIR")
    a = ap.parse_args()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        params, communes, sites, fiber, wifi = load(a.scenario)
        t1, c1 = time.perf_counter(), time.process_time()
        res = a.resolution_m or params["resolution_m"]
        result = compute(params, communes, sites, fiber, wifi, res, a.demand)
        t2, c2 = time.perf_counter(), time.process_time()
        if a.maps:
            write_maps(a.maps, communes, result)
        t3 = time.perf_counter()
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return 2
    t = {
        "import": T_IMPORTED - T_START,
        "load": t1 - t0,
        "compute": t2 - t1,
        "load_and_compute": t2 - t0,
        "maps": t3 - t2,
        "load_cpu": c1 - c0,
        "compute_cpu": c2 - c1,
    }
    for key in ("crs_obj", "communes_utm", "layer_geom"):
        result.pop(key)
    doc = report(a.scenario, params, communes, result, res, a.demand, t)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    print(
        f"peer: {len(communes)} communes, {doc['grid_points']} grid points at {res:g} m ({doc['crs']}); "
        f"load {t['load']:.3f} s, compute {t['compute']:.3f} s, peak RSS {doc['peak_rss_mib']:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
