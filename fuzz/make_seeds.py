#!/usr/bin/env python3
"""Regenerates the seed corpus in fuzz/seeds/ from data/demo (small slices)
and from the shapes the tests use (tests/bad_input.rs, tests/contract.rs).
Run from the repository root: python3 fuzz/make_seeds.py"""
import json, os, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "fuzz" / "seeds"
demo = root / "data" / "demo"


def fc(features):
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def feat(props, geom):
    return {"type": "Feature", "properties": props, "geometry": geom}


def write(target, name, text):
    d = seeds / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


def demo_slice(name, n):
    feats = json.loads((demo / name).read_text(encoding="utf-8"))["features"]
    return feats[:n]


sq = {"type": "Polygon", "coordinates": [[[105.77, 10.02], [105.78, 10.02], [105.78, 10.03], [105.77, 10.03], [105.77, 10.02]]]}
pt = {"type": "Point", "coordinates": [105.775, 10.025]}

# communes: demo slices, test shapes (MultiPolygon, holes, null/empty geometry, bowtie, Vietnamese kinds)
communes = demo_slice("communes.geojson", 3)
write("communes", "demo1", fc(communes[:1]))
write("communes", "demo3", fc(communes))
write("communes", "multi_hole", fc([feat({"id": 1, "population": 10, "households": 3, "kind": "thị trấn"},
    {"type": "MultiPolygon", "coordinates": [sq["coordinates"] + [[[105.772, 10.022], [105.774, 10.022], [105.774, 10.024], [105.772, 10.022]]]]})]))
write("communes", "null_empty", fc([feat({"id": "a", "population": 0, "households": 0}, None),
    feat({"id": "b", "population": 5, "households": 1}, {"type": "Polygon", "coordinates": []})]))
write("communes", "bowtie_overlap", fc([feat({"id": 1, "population": 10, "households": 3},
    {"type": "Polygon", "coordinates": [[[105.77, 10.02], [105.78, 10.03], [105.78, 10.02], [105.77, 10.03], [105.77, 10.02]]]}),
    feat({"id": "2", "population": 1e6, "households": 2.5, "kind": "PHƯỜNG"}, sq)]))
write("communes", "antimeridian", fc([feat({"id": 1, "population": 10, "households": 3},
    {"type": "Polygon", "coordinates": [[[179.9, -16.1], [180, -16.1], [180, -16], [179.9, -16], [179.9, -16.1]]]}),
    feat({"id": 2, "population": 10, "households": 3},
    {"type": "Polygon", "coordinates": [[[-180, 89.8], [-179.9, 89.8], [-179.9, 89.9], [-180, 89.9], [-180, 89.8]]]})]))

# sites
sites = demo_slice("sites.geojson", 3)
write("sites", "demo3", fc(sites))
write("sites", "variants", fc([
    feat({"id": 1, "technologies": ["4g"], "range_m": 1}, pt),
    feat({"id": "2", "technologies": ["2G", "3G", "4G", "5G"], "range_m": {"2G": 100000, "5G": 10},
          "sectors": [{"azimuth_deg": -30, "beamwidth_deg": 360}, {"azimuth_deg": 725, "beamwidth_deg": 0.5, "range_m": 50}]}, pt),
    feat({"id": 3, "technologies": ["5G"], "tx_power_dbm": 40, "environment": "rural", "height_m": 200}, pt),
    feat({"id": 4, "technologies": ["3G"]}, None),
]))

# fiber
write("fiber", "demo2", fc(demo_slice("fiber.geojson", 2)))
write("fiber", "multi_null", fc([feat({"id": 1}, {"type": "MultiLineString", "coordinates": [[], [[105.77, 10.02], [105.78, 10.03]]]}),
    feat({"id": "x", "operator": "Viettel"}, None)]))

# wifi
write("wifi", "demo5", fc(demo_slice("wifi.geojson", 5)))
write("wifi", "ranges", fc([feat({"id": 1, "range_m": 0.001}, pt), feat({"id": 2, "range_m": 1e5}, pt), feat({"id": 3}, None)]))

# population
pop = [feat({"population": 10 * i, "households": 3 * i}, {"type": "Point", "coordinates": [105.77 + 0.002 * i, 10.02 + 0.001 * i]}) for i in range(8)]
write("population", "points8", fc(pop))
write("population", "null_outside", fc([feat({"population": 1.5, "households": 0}, None),
    feat({"population": 2, "households": 1}, {"type": "Point", "coordinates": [-180, 90]})]))

# scenario.toml
write("scenario_toml", "demo", (demo / "scenario.toml").read_text())
write("scenario_toml", "minimal", "resolution_m = 100\n")
write("scenario_toml", "radio", "resolution_m = 100\n[radio]\nmobile_height_m = 1.5\nshadow_sigma_db = 8\n[radio.4G]\n[environment]\nward = \"urban\"\n[environment.communes]\n31117 = \"open\"\n")

# sites.csv
write("sites_csv", "per_site", "id,lon,lat,technologies,range_m,operator\nBTS1,105.775,10.025,4G;5G,800,VNPT\n2,105.785,10.025,2G,1500,\n")
write("sites_csv", "per_cell", "site_id;lon;lat;technology;azimuth_deg;beamwidth_deg;range_m\nA;105.775;10.025;4G;0;65;500\nA;105.775;10.025;4G;120;65;500\nA;105.775;10.025;3G;240;65;900\n")

# pipeline: six files separated by NUL bytes (communes, sites, fiber, wifi, population, scenario.toml)
base = (root / "fuzz" / "src" / "lib.rs").read_text()
def const(name):
    start = base.index(f"pub const {name}: &str = r#\"") + len(f"pub const {name}: &str = r#\"")
    return base[start:base.index("\"#;", start)]
toml = "resolution_m = 100\n"
write("pipeline", "uniform", "\0".join([const("COMMUNES"), const("SITES"), const("FIBER"), const("WIFI"), "", toml]))
write("pipeline", "points", "\0".join([const("COMMUNES"), const("SITES"), const("FIBER"), const("WIFI"), const("POPULATION"), toml]))
write("pipeline", "demo_slice", "\0".join([fc(communes[:1]), fc(sites), fc(demo_slice("fiber.geojson", 1)), fc(demo_slice("wifi.geojson", 3)), "", toml]))

# population.tif: a 4 × 4 float32 GeoTIFF over the base communes (WGS 84),
# one nodata cell, written by hand (little-endian, one strip, uncompressed)
import struct
def geotiff(width, height, values, lon0, lat0, dx, dy, nodata=None):
    data = struct.pack("<%df" % len(values), *values)
    entries = []  # (tag, type, count, payload bytes)
    def short(tag, *v): entries.append((tag, 3, len(v), struct.pack("<%dH" % len(v), *v)))
    def long_(tag, *v): entries.append((tag, 4, len(v), struct.pack("<%dI" % len(v), *v)))
    def double(tag, *v): entries.append((tag, 12, len(v), struct.pack("<%dd" % len(v), *v)))
    def ascii(tag, s): b = s.encode() + b"\0"; entries.append((tag, 2, len(b), b))
    short(256, width); short(257, height); short(258, 32); short(259, 1); short(262, 1)
    long_(273, 0)  # strip offset, patched below
    short(277, 1); long_(278, height); long_(279, len(data)); short(284, 1); short(339, 3)
    double(33550, dx, dy, 0.0)
    double(33922, 0.0, 0.0, 0.0, lon0, lat0, 0.0)
    short(34735, 1, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326)
    if nodata is not None: ascii(42113, nodata)
    entries.sort()
    ifd_size = 2 + 12 * len(entries) + 4
    extra_off = 8 + ifd_size
    extra = b""
    ifd = struct.pack("<H", len(entries))
    data_off = None
    offsets = {}
    for tag, typ, count, payload in entries:
        if len(payload) > 4:
            offsets[tag] = extra_off + len(extra)
            extra += payload + (b"\0" if len(payload) % 2 else b"")
    data_off = extra_off + len(extra)
    for tag, typ, count, payload in entries:
        if tag == 273: payload = struct.pack("<I", data_off)
        if tag in offsets:
            field = struct.pack("<I", offsets[tag])
        else:
            field = payload.ljust(4, b"\0")
        ifd += struct.pack("<HHI", tag, typ, count) + field
    ifd += struct.pack("<I", 0)
    return b"II*\0" + struct.pack("<I", 8) + ifd + extra + data

write("population_tif", "grid4", geotiff(4, 4, [10, 20, 0, 5, 1.5, -99999, 7, 8, 9, 10, 11, 12, 0, 0, 3, 4],
                                         105.77, 10.03, 0.005, 0.0025, nodata="-99999"))
write("population_tif", "grid2_no_nodata", geotiff(2, 1, [100, 50], 105.775, 10.025, 0.01, 0.01))
