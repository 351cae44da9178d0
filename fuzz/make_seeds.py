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
