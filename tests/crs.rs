//! Scenarios whose files are in another coordinate reference system
//! (`crs` in scenario.toml; the `proj` feature).
//!
//! With the feature: a scenario and its twin, every position transformed by
//! PROJ to VN-2000 / UTM zone 48N (EPSG:3405) or to a PROJ string, give the
//! same report within 0.05 percentage points; positions written by an
//! independent transverse Mercator (the crate's Krüger series, checked
//! against published values) and an independent Helmert transformation
//! load back to where they were; bad CRSs and positions are refused by
//! name. Without it: a CRS other than WGS 84 is refused, naming the feature.

use std::path::Path;

use serde_json::Value;
use telecov::io::load_scenario;

/// A one-commune scenario in WGS 84, with a site and a wifi point.
fn write_small(dir: &Path, toml: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("communes.geojson"),
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": 1, "population": 1000, "households": 250},
            "geometry": {"type": "Polygon", "coordinates":
              [[[105.77, 10.02], [105.79, 10.02], [105.79, 10.04], [105.77, 10.04], [105.77, 10.02]]]}}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("wifi.geojson"),
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": "W1", "range_m": 300},
            "geometry": {"type": "Point", "coordinates": [105.78, 10.03]}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("scenario.toml"), toml).unwrap();
}

#[test]
fn wgs84_names_read_as_longitude_latitude() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    write_small(&plain, "");
    let expected = telecov::evaluate(&load_scenario(&plain).unwrap()).unwrap();
    for name in ["EPSG:4326", "epsg:4326", "OGC:CRS84", "WGS84", "wgs 84"] {
        let dir = tmp.path().join("named");
        write_small(&dir, &format!("crs = {name:?}\n"));
        let scenario = load_scenario(&dir).unwrap();
        // longitude first, whatever EPSG:4326's official axis order says
        assert_eq!(scenario.wifi[0].location.x(), 105.78, "{name}");
        let report = telecov::evaluate(&scenario).unwrap();
        assert_eq!(report.to_json(), expected.to_json(), "{name}");
        // report.json's parameters stay the contract's
        let json: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert!(json["parameters"].get("crs").is_none(), "{name}");
    }
}

#[test]
fn crs_must_be_a_string() {
    let tmp = tempfile::tempdir().unwrap();
    write_small(tmp.path(), "crs = 3405\n");
    let err = load_scenario(tmp.path()).unwrap_err().to_string();
    assert!(
        err.starts_with("scenario.toml: property \"crs\": must be a string"),
        "{err}"
    );
}

#[cfg(not(feature = "proj"))]
#[test]
fn another_crs_needs_the_proj_feature() {
    let tmp = tempfile::tempdir().unwrap();
    for crs in [
        "EPSG:3405",
        "+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs",
    ] {
        write_small(tmp.path(), &format!("crs = {crs:?}\n"));
        let err = load_scenario(tmp.path()).unwrap_err();
        assert!(matches!(err, telecov::Error::Invalid { .. }), "{err:?}");
        let err = err.to_string();
        assert!(
            err.starts_with("scenario.toml: property \"crs\": "),
            "{err}"
        );
        assert!(err.contains("--features proj"), "{err}");
        assert!(err.contains(crs), "{err}");
    }
}

#[test]
fn projected_coordinates_without_crs_get_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    write_small(tmp.path(), "");
    std::fs::write(
        tmp.path().join("wifi.geojson"),
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": "W1"},
            "geometry": {"type": "Point", "coordinates": [585000.0, 1108000.0]}}]}"#,
    )
    .unwrap();
    let err = load_scenario(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("wifi.geojson: feature 0"), "{err}");
    assert!(err.contains("`crs` in scenario.toml"), "{err}");
}

#[cfg(feature = "proj")]
mod with_proj {
    use super::*;
    use proj::Proj;
    use telecov::geodesy::TransverseMercator;
    use telecov::model::{FeatureId, Technology};
    use telecov::Report;

    fn demo_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo")
    }

    const UTM48N_PROJ_STRING: &str = "+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs";

    /// `v` with every position (array of numbers) passed through `f`.
    fn map_positions(v: &mut Value, f: &mut dyn FnMut(f64, f64) -> (f64, f64)) {
        if let Value::Array(items) = v {
            if items.len() >= 2 && items.iter().all(Value::is_number) {
                let (x, y) = f(items[0].as_f64().unwrap(), items[1].as_f64().unwrap());
                items[0] = Value::from(x);
                items[1] = Value::from(y);
            } else {
                for item in items {
                    map_positions(item, f);
                }
            }
        }
    }

    /// Copies the scenario in `src` to `dst` with every position of its
    /// GeoJSON files and of the x / y columns of `sites.csv` passed
    /// through `f`, and `crs` first in scenario.toml.
    fn write_twin(src: &Path, dst: &Path, crs: &str, f: &mut dyn FnMut(f64, f64) -> (f64, f64)) {
        std::fs::create_dir_all(dst).unwrap();
        let mut toml = format!("crs = {crs:?}\n");
        for entry in std::fs::read_dir(src).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            if name.ends_with(".geojson") {
                let mut doc: Value = serde_json::from_str(&text).unwrap();
                for feature in doc["features"].as_array_mut().unwrap() {
                    if let Some(c) = feature["geometry"].get_mut("coordinates") {
                        map_positions(c, f);
                    }
                }
                std::fs::write(dst.join(&name), serde_json::to_string(&doc).unwrap()).unwrap();
            } else if name == "sites.csv" {
                // columns: id, x, y, ...
                let mut out = String::new();
                for (i, line) in text.lines().enumerate() {
                    if i == 0 {
                        out.push_str(line);
                    } else {
                        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
                        let (x, y) = f(cells[1].parse().unwrap(), cells[2].parse().unwrap());
                        cells[1] = x.to_string();
                        cells[2] = y.to_string();
                        out.push_str(&cells.join(","));
                    }
                    out.push('\n');
                }
                std::fs::write(dst.join(&name), out).unwrap();
            } else if name == "scenario.toml" {
                toml.push_str(&text);
            }
        }
        std::fs::write(dst.join("scenario.toml"), toml).unwrap();
    }

    /// WGS 84 lon/lat → `crs` by PROJ (easting, northing).
    fn proj_from_wgs84(crs: &str) -> impl FnMut(f64, f64) -> (f64, f64) {
        let p = Proj::new_known_crs("EPSG:4326", crs, None).unwrap();
        move |lon, lat| p.convert((lon, lat)).unwrap()
    }

    /// The largest difference, in percentage points, between the two
    /// reports' figures of every commune and layer (and the totals).
    fn worst_pp(a: &Report, b: &Report) -> f64 {
        assert_eq!(a.communes.len(), b.communes.len());
        let mut worst: f64 = 0.0;
        for (x, y) in a.communes.iter().zip(&b.communes) {
            assert_eq!(x.id, y.id);
            let mut pairs = vec![
                (x.mobile_broadband_pct(), y.mobile_broadband_pct()),
                (x.fiber_pct(), y.fiber_pct()),
                (x.wifi_pct(), y.wifi_pct()),
            ];
            for t in Technology::ALL {
                pairs.push((x.population_covered_pct(t), y.population_covered_pct(t)));
            }
            for (p, q) in pairs {
                worst = worst.max((p - q).abs());
            }
            assert_eq!(x.wifi_points, y.wifi_points, "commune {}", x.id);
            assert_eq!(x.sites, y.sites, "commune {}", x.id);
        }
        let mut totals = vec![
            (a.mobile_broadband_pct(), b.mobile_broadband_pct()),
            (a.fiber_pct(), b.fiber_pct()),
        ];
        for t in Technology::ALL {
            totals.push((a.population_covered_pct(t), b.population_covered_pct(t)));
        }
        for (p, q) in totals {
            worst = worst.max((p - q).abs());
        }
        worst
    }

    /// The acceptance test: the demo written in VN-2000 / UTM zone 48N
    /// gives the report of its WGS 84 twin within 0.05 points.
    #[test]
    fn demo_in_vn2000_utm48n_gives_the_report_of_its_wgs84_twin() {
        let tmp = tempfile::tempdir().unwrap();
        let twin = tmp.path().join("vn2000");
        write_twin(
            &demo_dir(),
            &twin,
            "EPSG:3405",
            &mut proj_from_wgs84("EPSG:3405"),
        );
        // the twin really is in metres
        let text = std::fs::read_to_string(twin.join("sites.geojson")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let x = doc["features"][0]["geometry"]["coordinates"][0]
            .as_f64()
            .unwrap();
        assert!((100_000.0..900_000.0).contains(&x), "{x}");

        let wgs84 = load_scenario(demo_dir()).unwrap();
        let vn2000 = load_scenario(&twin).unwrap();
        assert_eq!(vn2000.parameters.crs.as_deref(), Some("EPSG:3405"));
        // positions come back to within a millimetre or so
        let mut worst_deg: f64 = 0.0;
        for (a, b) in wgs84.sites.iter().zip(&vn2000.sites) {
            worst_deg = worst_deg
                .max((a.location.x() - b.location.x()).abs())
                .max((a.location.y() - b.location.y()).abs());
        }
        assert!(worst_deg < 1e-7, "{worst_deg}");

        let a = telecov::evaluate(&wgs84).unwrap();
        let b = telecov::evaluate(&vn2000).unwrap();
        let worst = worst_pp(&a, &b);
        eprintln!(
            "demo, WGS 84 vs VN-2000 / UTM 48N: worst difference {worst:.2e} points \
             over {} communes × 8 layers; positions within {worst_deg:.1e}°",
            a.communes.len()
        );
        assert!(worst <= 0.05, "{worst}");
        assert_eq!(a.totals.sites, b.totals.sites);
        // report.json echoes the CRS the files were in
        let json: Value = serde_json::from_str(&b.to_json()).unwrap();
        assert_eq!(json["parameters"]["crs"], "EPSG:3405");
        let json: Value = serde_json::from_str(&a.to_json()).unwrap();
        assert!(json["parameters"].get("crs").is_none());
        // written back, the scenario is WGS 84 and says nothing of a CRS
        let back = tmp.path().join("back");
        telecov::io::write_scenario(&back, &vn2000).unwrap();
        let toml = std::fs::read_to_string(back.join("scenario.toml")).unwrap();
        assert!(!toml.contains("crs"), "{toml}");
        assert_eq!(load_scenario(&back).unwrap().sites, vn2000.sites);
    }

    /// Points mode and `sites.csv`, in a CRS given as a PROJ string.
    #[test]
    fn points_and_site_csv_given_by_a_proj_string() {
        let demo = load_scenario(demo_dir()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let wgs84_dir = tmp.path().join("wgs84");
        // demand points: one at each site (some covered by it, some not
        // depending on the layers) and a grid over the city
        let mut points = Vec::new();
        for s in &demo.sites {
            points.push(format!(
                r#"{{"type":"Feature","properties":{{"population":10,"households":3}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}}"#,
                s.location.x() + 0.003,
                s.location.y()
            ));
        }
        for i in 0..40 {
            for j in 0..40 {
                let (lon, lat) = (105.25 + 0.0175 * f64::from(i), 9.95 + 0.0125 * f64::from(j));
                points.push(format!(
                    r#"{{"type":"Feature","properties":{{"population":5,"households":1.5}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
                ));
            }
        }
        let mut csv = String::from("id,x,y,technology,range_m\n");
        for s in &demo.sites {
            for t in s.technologies.iter() {
                let range = s.range_m.get(t).unwrap_or(1000.0);
                csv.push_str(&format!(
                    "{},{},{},{t},{range}\n",
                    s.id,
                    s.location.x(),
                    s.location.y()
                ));
            }
        }
        std::fs::create_dir_all(&wgs84_dir).unwrap();
        for f in [
            "communes.geojson",
            "fiber.geojson",
            "wifi.geojson",
            "scenario.toml",
        ] {
            std::fs::copy(demo_dir().join(f), wgs84_dir.join(f)).unwrap();
        }
        std::fs::write(
            wgs84_dir.join("population.geojson"),
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                points.join(",\n")
            ),
        )
        .unwrap();
        std::fs::write(wgs84_dir.join("sites.csv"), csv).unwrap();

        let twin = tmp.path().join("utm");
        write_twin(
            &wgs84_dir,
            &twin,
            UTM48N_PROJ_STRING,
            &mut proj_from_wgs84(UTM48N_PROJ_STRING),
        );
        let a_scenario = load_scenario(&wgs84_dir).unwrap();
        let b_scenario = load_scenario(&twin).unwrap();
        assert_eq!(a_scenario.sites.len(), demo.sites.len());
        assert_eq!(b_scenario.sites.len(), demo.sites.len());
        let a = telecov::evaluate(&a_scenario).unwrap();
        let b = telecov::evaluate(&b_scenario).unwrap();
        let worst = worst_pp(&a, &b);
        eprintln!(
            "points mode and sites.csv, WGS 84 vs UTM 48N PROJ string: worst {worst:.2e} points"
        );
        assert!(worst <= 0.05, "{worst}");
        assert_eq!(
            a.totals.unassigned_population,
            b.totals.unassigned_population
        );
    }

    // ---- positions against independent references ----

    /// WGS 84 semi-major axis and flattening (also VN-2000's ellipsoid).
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_223_563;

    /// UTM zone 48N from WGS 84 lon/lat by the crate's own Krüger series
    /// (k0 = 1 frame on 105°E, scaled by 0.9996, false easting 500 km).
    fn utm48n(lon: f64, lat: f64) -> (f64, f64) {
        let [x, y] = TransverseMercator::new(105.0).forward(lon, lat);
        (500_000.0 + 0.9996 * x, 0.9996 * y)
    }

    fn to_ecef(lon: f64, lat: f64) -> [f64; 3] {
        let e2 = F * (2.0 - F);
        let (l, p) = (lon.to_radians(), lat.to_radians());
        let n = A / (1.0 - e2 * p.sin().powi(2)).sqrt();
        [
            n * p.cos() * l.cos(),
            n * p.cos() * l.sin(),
            n * (1.0 - e2) * p.sin(),
        ]
    }

    /// Geodetic lon/lat of a geocentric position (Bowring's iteration,
    /// converged far below a millimetre).
    fn from_ecef([x, y, z]: [f64; 3]) -> (f64, f64) {
        let e2 = F * (2.0 - F);
        let p = x.hypot(y);
        let mut lat = (z / (p * (1.0 - e2))).atan();
        for _ in 0..10 {
            let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
            let h = p / lat.cos() - n;
            lat = (z / (p * (1.0 - e2 * n / (n + h)))).atan();
        }
        (y.atan2(x).to_degrees(), lat.to_degrees())
    }

    /// WGS 84 → VN-2000 lon/lat: the exact inverse of EPSG's "VN-2000 to
    /// WGS 84 (1)", the transformation PROJ picks (accuracy 1 m): a
    /// coordinate-frame Helmert, tx -192.873, ty -39.382, tz -111.202 m,
    /// rx 0.00205", ry 0.0005", rz -0.00335", scale +0.0188 ppm, applied to
    /// geocentric positions on the WGS 84 ellipsoid (VN-2000 uses it too).
    fn wgs84_to_vn2000(lon: f64, lat: f64) -> (f64, f64) {
        let t = [-192.873, -39.382, -111.202];
        let arcsec = std::f64::consts::PI / (180.0 * 3600.0);
        let (rx, ry, rz) = (0.00205 * arcsec, 0.0005 * arcsec, -0.00335 * arcsec);
        let s = 1.0 + 0.0188e-6;
        // coordinate frame: X_wgs = T + s·R·X_vn, R = [[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]]
        let r = [[1.0, rz, -ry], [-rz, 1.0, rx], [ry, -rx, 1.0]];
        let w = to_ecef(lon, lat);
        let d = [w[0] - t[0], w[1] - t[1], w[2] - t[2]];
        // solve s·R·X = d (R is close to the identity: Cramer's rule)
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
            - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
        let col = |k: usize| -> f64 {
            let mut m = r;
            for (row, v) in m.iter_mut().zip(d) {
                row[k] = v;
            }
            (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
                / det
        };
        from_ecef([col(0) / s, col(1) / s, col(2) / s])
    }

    /// Places in Vietnam (inside VN-2000's area of use), lon, lat: Can
    /// Tho, Hanoi, Ho Chi Minh City, Da Lat (east of zone 48, in its
    /// extension), Dien Bien Phu, Ca Mau.
    const PLACES: [(f64, f64); 6] = [
        (105.7851, 10.0299),
        (105.8542, 21.0285),
        (106.6297, 10.8231),
        (108.4583, 11.9404),
        (103.0166, 21.3856),
        (105.1524, 9.1769),
    ];

    /// A scenario whose wifi points are `PLACES` written by `f` in `crs`;
    /// returns the distance in metres of each loaded point from its place.
    fn load_places(crs: &str, f: impl Fn(f64, f64) -> (f64, f64)) -> Vec<f64> {
        let tmp = tempfile::tempdir().unwrap();
        write_small(tmp.path(), &format!("crs = {crs:?}\n"));
        // the commune too must be in the CRS: a square around Can Tho
        let (x0, y0) = f(105.77, 10.02);
        let ring = format!(
            "[[{x0}, {y0}], [{}, {y0}], [{}, {}], [{x0}, {}], [{x0}, {y0}]]",
            x0 + 2000.0,
            x0 + 2000.0,
            y0 + 2000.0,
            y0 + 2000.0
        );
        std::fs::write(
            tmp.path().join("communes.geojson"),
            format!(
                r#"{{"type": "FeatureCollection", "features": [{{"type": "Feature",
                "properties": {{"id": 1, "population": 1000, "households": 250}},
                "geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}]}}"#
            ),
        )
        .unwrap();
        let features: Vec<String> = PLACES
            .iter()
            .enumerate()
            .map(|(i, &(lon, lat))| {
                let (x, y) = f(lon, lat);
                format!(
                    r#"{{"type": "Feature", "properties": {{"id": {i}}}, "geometry": {{"type": "Point", "coordinates": [{x}, {y}]}}}}"#
                )
            })
            .collect();
        std::fs::write(
            tmp.path().join("wifi.geojson"),
            format!(
                r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        let scenario = load_scenario(tmp.path()).unwrap();
        let mut errors_m = Vec::new();
        for (w, &(lon, lat)) in scenario.wifi.iter().zip(&PLACES) {
            let dx = (w.location.x() - lon) * lat.to_radians().cos() * 111_320.0;
            let dy = (w.location.y() - lat) * 110_574.0;
            errors_m.push(dx.hypot(dy));
        }
        assert_eq!(scenario.wifi.len(), PLACES.len());
        errors_m
    }

    fn worst(errors_m: &[f64]) -> f64 {
        errors_m.iter().copied().fold(0.0, f64::max)
    }

    #[test]
    fn positions_match_independent_references() {
        // UTM 48N / WGS 84 by code and by PROJ string against Krüger
        let code = worst(&load_places("EPSG:32648", utm48n));
        let string = worst(&load_places(UTM48N_PROJ_STRING, utm48n));
        // VN-2000 / UTM 48N against an independent Helmert + Krüger. PROJ
        // picks, point by point, the most accurate EPSG transformation
        // whose area holds it: "VN-2000 to WGS 84 (1)" in the south (Can
        // Tho, Ho Chi Minh City), others elsewhere, which differ from it
        // by less than a metre.
        let vn2000 = load_places("EPSG:3405", |lon, lat| {
            let (l, p) = wgs84_to_vn2000(lon, lat);
            utm48n(l, p)
        });
        let south = vn2000[0].max(vn2000[2]);
        eprintln!(
            "reference positions, worst error: EPSG:32648 {code:.1e} m, PROJ string \
             {string:.1e} m, EPSG:3405 {south:.1e} m where PROJ uses VN-2000 to WGS 84 (1), \
             {:.2} m elsewhere in Vietnam",
            worst(&vn2000)
        );
        assert!(code < 1e-3, "{code}");
        assert!(string < 1e-3, "{string}");
        assert!(south < 1e-2, "{vn2000:?}");
        assert!(worst(&vn2000) < 1.0, "{vn2000:?}");
        // the datum shift is real: without it VN-2000 positions are
        // hundreds of metres off
        let unshifted = worst(&load_places("EPSG:3405", utm48n));
        eprintln!("EPSG:3405 read without the datum shift would be {unshifted:.0} m off");
        assert!(unshifted > 10.0, "{unshifted}");
        // the closed form on the central meridian: (500000, 0) is (105°E, 0°)
        let p = Proj::new_known_crs(UTM48N_PROJ_STRING, "EPSG:4326", None).unwrap();
        let (lon, lat) = p.convert((500_000.0_f64, 0.0_f64)).unwrap();
        assert!((lon - 105.0).abs() < 1e-12 && lat.abs() < 1e-12);
    }

    #[test]
    fn an_unknown_crs_is_refused_with_projs_message() {
        let tmp = tempfile::tempdir().unwrap();
        for crs in ["EPSG:999999", "not a CRS at all", ""] {
            write_small(tmp.path(), &format!("crs = {crs:?}\n"));
            let err = load_scenario(tmp.path()).unwrap_err();
            assert!(matches!(err, telecov::Error::Invalid { .. }), "{err:?}");
            let err = err.to_string();
            assert!(
                err.starts_with("scenario.toml: property \"crs\": "),
                "{err}"
            );
            if !crs.is_empty() {
                assert!(err.contains("PROJ"), "{err}");
                assert!(err.contains(crs), "{err}");
            }
        }
    }

    #[test]
    fn a_position_that_cannot_be_transformed_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("twin");
        write_small(&tmp.path().join("src"), "");
        write_twin(
            &tmp.path().join("src"),
            &dir,
            "EPSG:3405",
            &mut proj_from_wgs84("EPSG:3405"),
        );
        // a second wifi point far outside any transverse Mercator's domain
        let text = std::fs::read_to_string(dir.join("wifi.geojson")).unwrap();
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        let mut bad = doc["features"][0].clone();
        bad["properties"]["id"] = Value::from("W-bad");
        bad["geometry"]["coordinates"] = serde_json::json!([1e30, 1e30]);
        doc["features"].as_array_mut().unwrap().push(bad);
        std::fs::write(dir.join("wifi.geojson"), doc.to_string()).unwrap();
        let err = load_scenario(&dir).unwrap_err();
        assert!(matches!(err, telecov::Error::Invalid { .. }), "{err:?}");
        let err = err.to_string();
        assert!(
            err.starts_with(
                "wifi.geojson: feature 1 (id \"W-bad\"): property \"geometry\": coordinates: position"
            ),
            "{err}"
        );
        assert!(err.contains("EPSG:3405"), "{err}");

        // in a polygon, the position's path is named
        let text = std::fs::read_to_string(dir.join("communes.geojson")).unwrap();
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        doc["features"][0]["geometry"]["coordinates"][0][2] = serde_json::json!([-1e30, 5e29]);
        std::fs::write(dir.join("communes.geojson"), doc.to_string()).unwrap();
        let err = load_scenario(&dir).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "communes.geojson: feature 0 (id \"1\"): property \"geometry\": coordinates[0][2]: position"
            ),
            "{err}"
        );

        // in sites.csv: the line and the longitude column
        write_small(&dir, "crs = \"EPSG:3405\"\n");
        write_twin(
            &tmp.path().join("src"),
            &dir,
            "EPSG:3405",
            &mut proj_from_wgs84("EPSG:3405"),
        );
        std::fs::write(
            dir.join("sites.csv"),
            "id,x,y,technology\nA,585000,1108000,4G\nB,1e30,1e30,4G\n",
        )
        .unwrap();
        let err = load_scenario(&dir).unwrap_err();
        assert!(
            matches!(
                err,
                telecov::Error::Parse {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        let scenario_ok = {
            std::fs::write(
                dir.join("sites.csv"),
                "id,x,y,technology\nA,585000,1108000,4G\n",
            )
            .unwrap();
            load_scenario(&dir).unwrap()
        };
        assert_eq!(scenario_ok.sites[0].id, FeatureId::Str("A".into()));
        assert!((105.7..105.9).contains(&scenario_ok.sites[0].location.x()));
    }

    #[test]
    fn a_geojson_crs_member_must_agree_with_scenario_toml() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("twin");
        write_small(&tmp.path().join("src"), "");
        write_twin(
            &tmp.path().join("src"),
            &dir,
            "EPSG:3405",
            &mut proj_from_wgs84("EPSG:3405"),
        );
        let with_member = |name: &str| {
            let text = std::fs::read_to_string(dir.join("wifi.geojson")).unwrap();
            let mut doc: Value = serde_json::from_str(&text).unwrap();
            doc["crs"] = serde_json::json!({"type": "name", "properties": {"name": name}});
            std::fs::write(dir.join("wifi.geojson"), doc.to_string()).unwrap();
            load_scenario(&dir)
        };
        assert!(with_member("urn:ogc:def:crs:EPSG::3405").is_ok());
        let err = with_member("urn:ogc:def:crs:OGC:1.3:CRS84")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("wifi.geojson: property \"crs\""), "{err}");
        assert!(err.contains("EPSG:3405"), "{err}");
        assert!(with_member("EPSG:32648").is_err());
    }
}
