//! The contract's "Bad input" and "Precise rules": every refusal names the
//! file, the feature (index and id) and the property; odd but valid input
//! loads with a warning.

use std::path::Path;

use serde_json::{json, Value};
use telecov::io::load_scenario;
use telecov::model::{CommuneKind, FeatureId, Scenario, SiteRange, Technology};
use telecov::propagation::Environment;
use telecov::Error;

// ---------------------------------------------------------------------------
// Building small scenarios

/// A scenario directory under construction.
struct Dir(tempfile::TempDir);

impl Dir {
    /// A directory with one valid commune (id "c1").
    fn new() -> Self {
        let d = Dir(tempfile::tempdir().expect("temp dir"));
        d.collection("communes.geojson", vec![commune(json!("c1"), 0.0)]);
        d
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write");
    }

    fn collection(&self, name: &str, features: Vec<Value>) {
        let fc = json!({"type": "FeatureCollection", "features": features});
        self.write(name, &fc.to_string());
    }

    fn load(&self) -> Result<Scenario, Error> {
        load_scenario(self.path())
    }

    fn load_ok(&self) -> Scenario {
        match self.load() {
            Ok(s) => s,
            Err(e) => panic!("expected the scenario to load, got: {e}"),
        }
    }
}

fn feature(properties: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": properties, "geometry": geometry})
}

/// A 0.01° square with its south-west corner at (105 + dx, 21).
fn square(dx: f64) -> Value {
    let (x, y, s) = (105.0 + dx, 21.0, 0.01);
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]})
}

fn commune(id: Value, dx: f64) -> Value {
    feature(
        json!({"id": id, "name": "Phường Tân An", "population": 1000, "households": 250}),
        square(dx),
    )
}

fn point(x: f64, y: f64) -> Value {
    json!({"type": "Point", "coordinates": [x, y]})
}

fn site(id: Value) -> Value {
    feature(
        json!({"id": id, "technologies": ["4G"]}),
        point(105.005, 21.005),
    )
}

/// Sets property `key` of a feature.
fn with(mut f: Value, key: &str, value: Value) -> Value {
    f["properties"][key] = value;
    f
}

/// Removes property `key` of a feature.
fn without(mut f: Value, key: &str) -> Value {
    if let Some(p) = f["properties"].as_object_mut() {
        p.remove(key);
    }
    f
}

// ---------------------------------------------------------------------------
// Checking errors

/// Asserts an [`Error::Invalid`] at `file`, feature `index` with `id`,
/// property `property`, whose reason contains `reason`; and that the
/// message says all of it.
#[track_caller]
fn assert_invalid(
    result: Result<Scenario, Error>,
    file: &str,
    feature: Option<(usize, Option<&str>)>,
    property: &str,
    reason_part: &str,
) {
    let err = match result {
        Ok(_) => panic!("expected {file} to be refused"),
        Err(e) => e,
    };
    let message = err.to_string();
    match &err {
        Error::Invalid { location, reason } => {
            assert!(
                location.file.ends_with(file),
                "file {:?} in {message}",
                location.file
            );
            match feature {
                Some((index, id)) => {
                    let f = location
                        .feature
                        .as_ref()
                        .unwrap_or_else(|| panic!("no feature in {message}"));
                    assert_eq!(f.index, index, "{message}");
                    assert_eq!(f.id.as_deref(), id, "{message}");
                    assert!(message.contains(&format!("feature {index}")), "{message}");
                    if let Some(id) = id {
                        assert!(message.contains(&format!("{id:?}")), "{message}");
                    }
                }
                None => assert!(location.feature.is_none(), "{message}"),
            }
            assert_eq!(location.property.as_deref(), Some(property), "{message}");
            assert!(
                reason.contains(reason_part),
                "reason {reason:?} lacks {reason_part:?}"
            );
        }
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
    assert!(message.contains(file), "{message}");
    assert!(message.contains(&format!("{property:?}")), "{message}");
}

/// Asserts an [`Error::Parse`] of `file` at `line` (and a column >= 1)
/// whose message names the file, line and column.
#[track_caller]
fn assert_parse(result: Result<Scenario, Error>, file: &str, line: usize) -> usize {
    let err = match result {
        Ok(_) => panic!("expected {file} to be refused"),
        Err(e) => e,
    };
    let message = err.to_string();
    match &err {
        Error::Parse {
            path,
            line: l,
            column,
            ..
        } => {
            assert!(path.ends_with(file), "{message}");
            assert_eq!(*l, line, "{message}");
            assert!(*column >= 1, "{message}");
            assert!(message.contains(file), "{message}");
            assert!(
                message.contains(&format!("line {line}, column {column}")),
                "{message}"
            );
            *column
        }
        other => panic!("expected Error::Parse, got {other:?}"),
    }
}

#[track_caller]
fn assert_warning(s: &Scenario, parts: &[&str]) {
    assert!(
        s.warnings
            .iter()
            .any(|w| parts.iter().all(|p| w.contains(p))),
        "no warning with {parts:?} in {:#?}",
        s.warnings
    );
}

// ---------------------------------------------------------------------------
// Missing file, missing properties

#[test]
fn missing_communes_file() {
    let d = Dir::new();
    std::fs::remove_file(d.path().join("communes.geojson")).unwrap();
    d.collection("sites.geojson", vec![site(json!(1))]);
    match d.load() {
        Err(e @ Error::MissingFile { .. }) => {
            let Error::MissingFile { path } = &e else {
                unreachable!()
            };
            assert!(path.ends_with("communes.geojson"));
            assert!(e.to_string().contains("communes.geojson"));
        }
        other => panic!("expected MissingFile, got {other:?}"),
    }
}

#[test]
fn missing_optional_files_mean_none() {
    let s = Dir::new().load_ok();
    assert_eq!(s.communes.len(), 1);
    assert!(s.sites.is_empty() && s.fiber.is_empty() && s.wifi.is_empty());
    assert!(s.population.is_none());
    assert_eq!(s.parameters, Default::default());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn missing_commune_id() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![
            commune(json!("a"), 0.0),
            without(commune(json!("b"), 1.0), "id"),
        ],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((1, None)),
        "id",
        "missing",
    );
}

#[test]
fn null_commune_id_is_missing() {
    let d = Dir::new();
    d.collection("communes.geojson", vec![commune(Value::Null, 0.0)]);
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, None)),
        "id",
        "missing",
    );
}

#[test]
fn missing_commune_population() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![without(commune(json!("a"), 0.0), "population")],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "population",
        "missing",
    );
}

#[test]
fn missing_commune_households() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![without(commune(json!(17), 0.0), "households")],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("17"))),
        "households",
        "missing",
    );
}

#[test]
fn commune_population_is_optional_in_points_mode() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![without(
            without(commune(json!("a"), 0.0), "population"),
            "households",
        )],
    );
    d.collection(
        "population.geojson",
        vec![feature(
            json!({"population": 10, "households": 3}),
            point(105.005, 21.005),
        )],
    );
    let s = d.load_ok();
    assert_eq!(s.communes[0].population, None);
    assert_eq!(s.population.as_ref().map(Vec::len), Some(1));
}

#[test]
fn missing_site_technologies() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![without(site(json!("BTS-1")), "technologies")],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("BTS-1"))),
        "technologies",
        "missing",
    );
}

#[test]
fn missing_site_id() {
    let d = Dir::new();
    d.collection("sites.geojson", vec![without(site(json!(1)), "id")]);
    assert_invalid(d.load(), "sites.geojson", Some((0, None)), "id", "missing");
}

#[test]
fn missing_fiber_id() {
    let d = Dir::new();
    d.collection(
        "fiber.geojson",
        vec![feature(
            json!({"operator": "VNPT"}),
            json!({"type": "LineString", "coordinates": [[105.0, 21.0], [105.01, 21.0]]}),
        )],
    );
    assert_invalid(d.load(), "fiber.geojson", Some((0, None)), "id", "missing");
}

#[test]
fn missing_wifi_id() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"range_m": 50}), point(105.0, 21.0))],
    );
    assert_invalid(d.load(), "wifi.geojson", Some((0, None)), "id", "missing");
}

#[test]
fn missing_population_point_households() {
    let d = Dir::new();
    d.collection(
        "population.geojson",
        vec![feature(json!({"population": 10}), point(105.0, 21.0))],
    );
    assert_invalid(
        d.load(),
        "population.geojson",
        Some((0, None)),
        "households",
        "missing",
    );
}

// ---------------------------------------------------------------------------
// Wrong geometry types

#[test]
fn wrong_geometry_type_communes() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "a", "population": 1, "households": 1}),
            point(105.0, 21.0),
        )],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "geometry",
        "\"Point\"",
    );
}

#[test]
fn wrong_geometry_type_sites() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![
            site(json!("s0")),
            feature(json!({"id": "s1", "technologies": ["3G"]}), square(0.0)),
        ],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((1, Some("s1"))),
        "geometry",
        "Polygon",
    );
}

#[test]
fn wrong_geometry_type_fiber() {
    let d = Dir::new();
    d.collection(
        "fiber.geojson",
        vec![feature(json!({"id": "f"}), point(105.0, 21.0))],
    );
    assert_invalid(
        d.load(),
        "fiber.geojson",
        Some((0, Some("f"))),
        "geometry",
        "LineString",
    );
}

#[test]
fn wrong_geometry_type_wifi() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(
            json!({"id": 3}),
            json!({"type": "MultiPoint", "coordinates": [[105.0, 21.0]]}),
        )],
    );
    assert_invalid(
        d.load(),
        "wifi.geojson",
        Some((0, Some("3"))),
        "geometry",
        "MultiPoint",
    );
}

#[test]
fn wrong_geometry_type_population() {
    let d = Dir::new();
    d.collection(
        "population.geojson",
        vec![feature(
            json!({"population": 1, "households": 1}),
            square(0.0),
        )],
    );
    assert_invalid(
        d.load(),
        "population.geojson",
        Some((0, None)),
        "geometry",
        "Polygon",
    );
}

#[test]
fn geometry_collection_is_a_wrong_type() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "a", "population": 1, "households": 1}),
            json!({"type": "GeometryCollection", "geometries": [square(0.0)]}),
        )],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "geometry",
        "GeometryCollection",
    );
}

// ---------------------------------------------------------------------------
// Numbers: negative, non-finite, wrong type

#[test]
fn negative_population() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![with(commune(json!("a"), 0.0), "population", json!(-1))],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "population",
        ">= 0",
    );
}

#[test]
fn negative_households_on_a_population_point() {
    let d = Dir::new();
    d.collection(
        "population.geojson",
        vec![
            feature(
                json!({"population": 1, "households": 1}),
                point(105.0, 21.0),
            ),
            feature(
                json!({"population": 1, "households": -0.5}),
                point(105.0, 21.0),
            ),
        ],
    );
    assert_invalid(
        d.load(),
        "population.geojson",
        Some((1, None)),
        "households",
        ">= 0",
    );
}

#[test]
fn nan_token_is_a_parse_error_with_line_and_column() {
    let d = Dir::new();
    d.write(
        "communes.geojson",
        "{\"type\": \"FeatureCollection\", \"features\": [\n\
         {\"type\": \"Feature\", \"properties\": {\"id\": \"a\", \"population\": NaN, \"households\": 1},\n\
         \"geometry\": null}\n]}",
    );
    let column = assert_parse(d.load(), "communes.geojson", 2);
    assert!(column > 50, "column {column} should point at NaN");
}

#[test]
fn infinity_token_is_a_parse_error() {
    let d = Dir::new();
    d.write(
        "sites.geojson",
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"id": 1, "technologies": ["4G"], "range_m": Infinity},
            "geometry": {"type": "Point", "coordinates": [105, 21]}}]}"#,
    );
    assert_parse(d.load(), "sites.geojson", 2);
}

#[test]
fn number_beyond_f64_is_a_parse_error() {
    // 1e999 is valid JSON grammar but no f64: refused where it stands
    let d = Dir::new();
    d.write(
        "communes.geojson",
        "{\"type\": \"FeatureCollection\", \"features\": [\n\
         {\"type\": \"Feature\", \"properties\": {\"id\": \"a\", \"population\": 1e999, \"households\": 1},\n\
         \"geometry\": null}\n]}",
    );
    let err = d.load().unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    assert_parse(Err(err), "communes.geojson", 2);
}

#[test]
fn string_where_a_number_is_expected() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![with(commune(json!("a"), 0.0), "population", json!("1000"))],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "population",
        "must be a number",
    );
}

#[test]
fn boolean_where_a_number_is_expected() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "height_m", json!(true))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "height_m",
        "must be a number",
    );
}

#[test]
fn zero_height_range_and_frequency() {
    for (key, value) in [
        ("height_m", json!(0)),
        ("range_m", json!(-5)),
        ("frequency_mhz", json!(0.0)),
    ] {
        let d = Dir::new();
        d.collection("sites.geojson", vec![with(site(json!("s")), key, value)]);
        assert_invalid(d.load(), "sites.geojson", Some((0, Some("s"))), key, "> 0");
    }
}

#[test]
fn radio_parameter_of_the_wrong_type() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "tx_power_dbm", json!("43 dBm"))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "tx_power_dbm",
        "must be a number",
    );
}

#[test]
fn negative_wifi_range() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(
            json!({"id": "w", "range_m": -10}),
            point(105.0, 21.0),
        )],
    );
    assert_invalid(
        d.load(),
        "wifi.geojson",
        Some((0, Some("w"))),
        "range_m",
        "> 0",
    );
}

#[test]
fn name_of_the_wrong_type() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![with(commune(json!("a"), 0.0), "name", json!(12))],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "name",
        "must be a string",
    );
}

// ---------------------------------------------------------------------------
// Ids

#[test]
fn duplicate_string_ids() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![
            commune(json!("a"), 0.0),
            commune(json!("b"), 1.0),
            commune(json!("a"), 2.0),
        ],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((2, Some("a"))),
        "id",
        "feature 0",
    );
}

#[test]
fn integer_and_string_ids_with_the_same_digits_are_duplicates() {
    let d = Dir::new();
    d.collection("sites.geojson", vec![site(json!(5)), site(json!("5"))]);
    let result = d.load();
    let message = result.as_ref().map(|_| ()).unwrap_err().to_string();
    assert!(message.contains("feature 0"), "{message}");
    assert_invalid(
        result,
        "sites.geojson",
        Some((1, Some("5"))),
        "id",
        "duplicate",
    );
}

#[test]
fn duplicate_ids_are_per_file() {
    let d = Dir::new();
    d.collection("sites.geojson", vec![site(json!("c1"))]);
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"id": "c1"}), point(105.0, 21.0))],
    );
    d.load_ok();
}

#[test]
fn fractional_id() {
    let d = Dir::new();
    d.collection("communes.geojson", vec![commune(json!(5.5), 0.0)]);
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, None)),
        "id",
        "fractional",
    );
}

#[test]
fn boolean_id() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"id": true}), point(105.0, 21.0))],
    );
    assert_invalid(
        d.load(),
        "wifi.geojson",
        Some((0, None)),
        "id",
        "string or an integer",
    );
}

#[test]
fn ids_keep_their_json_type() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![commune(json!(31117), 0.0), commune(json!("31118"), 1.0)],
    );
    let s = d.load_ok();
    assert_eq!(s.communes[0].id, FeatureId::Int(31117));
    assert_eq!(s.communes[1].id, FeatureId::Str("31118".into()));
}

// ---------------------------------------------------------------------------
// Coordinates and rings

#[test]
fn longitude_out_of_range() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"id": "w"}), point(181.0, 21.0))],
    );
    assert_invalid(
        d.load(),
        "wifi.geojson",
        Some((0, Some("w"))),
        "geometry",
        "longitude 181",
    );
}

#[test]
fn latitude_out_of_range_in_a_ring() {
    let d = Dir::new();
    let ring = json!([[105.0, 21.0], [105.01, 21.0], [105.01, 91.0], [105.0, 21.0]]);
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "a", "population": 1, "households": 1}),
            json!({"type": "Polygon", "coordinates": [ring]}),
        )],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "geometry",
        "latitude 91",
    );
}

#[test]
fn unclosed_ring() {
    let d = Dir::new();
    let ring = json!([
        [105.0, 21.0],
        [105.01, 21.0],
        [105.01, 21.01],
        [105.0, 21.01]
    ]);
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "a", "population": 1, "households": 1}),
            json!({"type": "Polygon", "coordinates": [ring]}),
        )],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "geometry",
        "not closed",
    );
}

#[test]
fn ring_of_three_positions() {
    let d = Dir::new();
    let ring = json!([[105.0, 21.0], [105.01, 21.0], [105.0, 21.0]]);
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "a", "population": 1, "households": 1}),
            json!({"type": "MultiPolygon", "coordinates": [[ring]]}),
        )],
    );
    assert_invalid(
        d.load(),
        "communes.geojson",
        Some((0, Some("a"))),
        "geometry",
        "at least 4 positions",
    );
}

#[test]
fn line_string_of_one_position() {
    let d = Dir::new();
    d.collection(
        "fiber.geojson",
        vec![feature(
            json!({"id": "f"}),
            json!({"type": "LineString", "coordinates": [[105.0, 21.0]]}),
        )],
    );
    assert_invalid(
        d.load(),
        "fiber.geojson",
        Some((0, Some("f"))),
        "geometry",
        "at least 2 positions",
    );
}

#[test]
fn position_with_one_number() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![feature(
            json!({"id": "s", "technologies": ["2G"]}),
            json!({"type": "Point", "coordinates": [105.0]}),
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "geometry",
        "at least 2 numbers",
    );
}

// ---------------------------------------------------------------------------
// Technologies and sectors

#[test]
fn unknown_technology() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(
            site(json!("BTS-12")),
            "technologies",
            json!(["4G", "6G"]),
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("BTS-12"))),
        "technologies",
        "\"6G\"",
    );
}

#[test]
fn empty_technologies() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "technologies", json!([]))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "technologies",
        "empty",
    );
}

#[test]
fn technologies_not_an_array() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "technologies", json!("4G"))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "technologies",
        "array",
    );
}

#[test]
fn unknown_technology_in_range_object() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(
            site(json!("s")),
            "range_m",
            json!({"4G": 1000, "6G": 100}),
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "range_m.6G",
        "unknown",
    );
}

#[test]
fn two_range_entries_for_one_technology() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(
            site(json!("s")),
            "range_m",
            json!({"4G": 1000, "4g": 900}),
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "range_m.4g",
        "second entry",
    );
}

#[test]
fn empty_sectors() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "sectors", json!([]))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "sectors",
        "empty",
    );
}

#[test]
fn beamwidth_zero() {
    let d = Dir::new();
    let sectors =
        json!([{"azimuth_deg": 0, "beamwidth_deg": 120}, {"azimuth_deg": 120, "beamwidth_deg": 0}]);
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "sectors", sectors)],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "sectors[1].beamwidth_deg",
        "(0, 360]",
    );
}

#[test]
fn beamwidth_361() {
    let d = Dir::new();
    let sectors = json!([{"azimuth_deg": 0, "beamwidth_deg": 361}]);
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "sectors", sectors)],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "sectors[0].beamwidth_deg",
        "(0, 360]",
    );
}

#[test]
fn beamwidth_360_and_any_azimuth_are_accepted() {
    let d = Dir::new();
    let sectors = json!([
        {"azimuth_deg": -90, "beamwidth_deg": 360},
        {"azimuth_deg": 720, "beamwidth_deg": 65, "range_m": 800},
        {"azimuth_deg": 359.5, "beamwidth_deg": 65}
    ]);
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s")), "sectors", sectors)],
    );
    let s = d.load_ok();
    let az: Vec<f64> = s.sites[0].sectors.iter().map(|s| s.azimuth_deg).collect();
    assert_eq!(az, vec![270.0, 0.0, 359.5]);
    assert_eq!(s.sites[0].sectors[1].range_m, Some(800.0));
}

#[test]
fn sector_without_azimuth() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(
            site(json!("s")),
            "sectors",
            json!([{"beamwidth_deg": 65}]),
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s"))),
        "sectors[0].azimuth_deg",
        "missing",
    );
}

// ---------------------------------------------------------------------------
// Unparsable files, not a FeatureCollection

#[test]
fn truncated_file() {
    let d = Dir::new();
    d.write(
        "fiber.geojson",
        "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\", \"properties\": {\"id\": 1},",
    );
    assert_parse(d.load(), "fiber.geojson", 3);
}

#[test]
fn unparsable_file() {
    let d = Dir::new();
    d.write(
        "wifi.geojson",
        "{\"type\": \"FeatureCollection\",\n  features: []}",
    );
    let column = assert_parse(d.load(), "wifi.geojson", 2);
    assert_eq!(column, 3);
}

#[test]
fn empty_file() {
    let d = Dir::new();
    d.write("communes.geojson", "");
    assert_parse(d.load(), "communes.geojson", 1);
}

#[test]
fn valid_json_that_is_not_a_feature_collection() {
    let d = Dir::new();
    d.write("sites.geojson", "[1, 2, 3]");
    let err = d.load().unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("sites.geojson") && message.contains("FeatureCollection"));

    d.write(
        "sites.geojson",
        &feature(json!({"id": 1, "technologies": ["4G"]}), point(105.0, 21.0)).to_string(),
    );
    assert_invalid(d.load(), "sites.geojson", None, "type", "FeatureCollection");

    d.write("sites.geojson", r#"{"type": "FeatureCollection"}"#);
    assert_invalid(d.load(), "sites.geojson", None, "features", "features");
}

#[test]
fn feature_with_properties_that_are_not_an_object() {
    let d = Dir::new();
    d.write(
        "wifi.geojson",
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": [1], "geometry": null}]}"#,
    );
    assert_invalid(
        d.load(),
        "wifi.geojson",
        Some((0, None)),
        "properties",
        "object",
    );
}

#[test]
fn projected_crs_is_refused() {
    let d = Dir::new();
    d.write(
        "communes.geojson",
        r#"{"type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}},
            "features": []}"#,
    );
    assert_invalid(d.load(), "communes.geojson", None, "crs", "EPSG::3405");
}

// ---------------------------------------------------------------------------
// scenario.toml

#[test]
fn unknown_scenario_key() {
    let d = Dir::new();
    d.write("scenario.toml", "resolution_m = 25\nfibre_drop_m = 100\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "fibre_drop_m",
        "unknown key",
    );
}

#[test]
fn unknown_range_technology_in_scenario() {
    let d = Dir::new();
    d.write("scenario.toml", "[ranges_m]\n4G = 1500\n6G = 100\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "ranges_m.6G",
        "unknown key",
    );
}

#[test]
fn negative_resolution() {
    let d = Dir::new();
    d.write("scenario.toml", "resolution_m = -50\n");
    assert_invalid(d.load(), "scenario.toml", None, "resolution_m", "> 0");
}

#[test]
fn non_finite_scenario_value() {
    let d = Dir::new();
    d.write("scenario.toml", "[ranges_m]\n5G = nan\n");
    assert_invalid(d.load(), "scenario.toml", None, "ranges_m.5G", "finite");
}

#[test]
fn scenario_value_of_the_wrong_type() {
    let d = Dir::new();
    d.write("scenario.toml", "wifi_range_m = \"100 m\"\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "wifi_range_m",
        "must be a number",
    );
}

#[test]
fn malformed_scenario_toml() {
    let d = Dir::new();
    d.write("scenario.toml", "resolution_m = 50\nfiber_drop_m = = 3\n");
    assert_parse(d.load(), "scenario.toml", 2);
}

#[test]
fn scenario_parameters_are_read() {
    let d = Dir::new();
    d.write(
        "scenario.toml",
        "resolution_m = 25\nwifi_range_m = 80.5\n[ranges_m]\n5G = 450\n",
    );
    let p = d.load_ok().parameters;
    assert_eq!(p.resolution_m, 25.0);
    assert_eq!(p.wifi_range_m, 80.5);
    assert_eq!(p.fiber_drop_m, 150.0);
    assert_eq!(p.ranges_m.get(Technology::G5), 450.0);
    assert_eq!(p.ranges_m.get(Technology::G2), 5000.0);
}

#[test]
fn unknown_radio_key() {
    let d = Dir::new();
    d.write("scenario.toml", "[radio.4G]\ntx_power = 43\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "radio.4G.tx_power",
        "unknown key",
    );
}

#[test]
fn out_of_range_radio_value() {
    let d = Dir::new();
    d.write("scenario.toml", "[radio]\ncell_edge_probability = 90\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "radio.cell_edge_probability",
        "between 0 and 1",
    );
    d.write("scenario.toml", "[radio.5G]\nbandwidth_mhz = 0\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "radio.5G.bandwidth_mhz",
        "> 0",
    );
}

#[test]
fn unknown_environment_name() {
    let d = Dir::new();
    d.write("scenario.toml", "[environment]\nward = \"city\"\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "environment.ward",
        "unknown environment \"city\"",
    );
    d.write("scenario.toml", "[environment.communes]\nc1 = \"town\"\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "environment.communes.c1",
        "unknown environment \"town\"",
    );
}

#[test]
fn environment_of_the_wrong_type() {
    let d = Dir::new();
    d.write("scenario.toml", "[environment]\nward = 3\n");
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "environment.ward",
        "must be a string",
    );
}

#[test]
fn environment_override_for_an_unknown_commune() {
    let d = Dir::new();
    d.write(
        "scenario.toml",
        "[environment.communes]\nc1 = \"urban\"\nc2 = \"rural\"\n",
    );
    assert_invalid(
        d.load(),
        "scenario.toml",
        None,
        "environment.communes.c2",
        "no commune has this id",
    );
}

#[test]
fn unknown_site_environment() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s1")), "environment", json!("downtown"))],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s1"))),
        "environment",
        "unknown environment",
    );
}

#[test]
fn radio_and_environment_tables_are_read() {
    let d = Dir::new();
    d.write(
        "scenario.toml",
        "[radio]\nshadow_sigma_db = 6\n[radio.4G]\nfrequency_mhz = 2600\n\
         [environment]\nward = \"open\"\n[environment.communes]\nc1 = \"rural\"\n",
    );
    d.collection(
        "sites.geojson",
        vec![with(site(json!("s1")), "environment", json!("Urban"))],
    );
    let s = d.load_ok();
    let p = &s.parameters;
    assert_eq!(p.radio.shadow_sigma_db, 6.0);
    assert_eq!(p.radio.technology(Technology::G4).frequency_mhz, 2600.0);
    assert_eq!(p.radio.technology(Technology::G4).tx_power_dbm, 46.0);
    assert_eq!(p.environment.ward, Environment::Open);
    assert_eq!(p.environment.communes["c1"], Environment::Rural);
    assert_eq!(s.sites[0].radio.environment, Some(Environment::Urban));
}

// ---------------------------------------------------------------------------
// Odd but valid: accepted with a warning

#[test]
fn overlapping_communes_warn_with_both_ids_and_the_area() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![commune(json!("a"), 0.0), commune(json!("b"), 0.005)],
    );
    let s = d.load_ok();
    assert_eq!(s.communes.len(), 2);
    assert_warning(
        &s,
        &[
            "communes.geojson",
            "feature 0",
            "\"a\"",
            "feature 1",
            "\"b\"",
            "overlaps",
            "m²",
        ],
    );
}

#[test]
fn communes_sharing_a_boundary_do_not_warn() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![commune(json!("a"), 0.0), commune(json!("b"), 0.01)],
    );
    let s = d.load_ok();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn bow_tie_warns_self_intersection() {
    let d = Dir::new();
    let ring = json!([
        [105.0, 21.0],
        [105.01, 21.01],
        [105.01, 21.0],
        [105.0, 21.01],
        [105.0, 21.0]
    ]);
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "bow", "population": 10, "households": 2}),
            json!({"type": "Polygon", "coordinates": [ring]}),
        )],
    );
    let s = d.load_ok();
    assert!(s.communes[0].geometry.is_some());
    assert_warning(
        &s,
        &[
            "communes.geojson",
            "feature 0",
            "\"bow\"",
            "self-intersecting",
        ],
    );
}

#[test]
fn sliver_warns() {
    let d = Dir::new();
    // 0.0001° by 0.1°: about 11 m by 11 km
    let ring = json!([
        [105.0, 21.0],
        [105.0001, 21.0],
        [105.0001, 21.1],
        [105.0, 21.1],
        [105.0, 21.0]
    ]);
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "thin", "population": 10, "households": 2}),
            json!({"type": "Polygon", "coordinates": [ring]}),
        )],
    );
    let s = d.load_ok();
    assert_warning(&s, &["\"thin\"", "sliver", "compactness"]);
}

#[test]
fn null_commune_geometry_is_kept_with_a_warning() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![
            commune(json!("a"), 0.0),
            feature(
                json!({"id": "b", "population": 500, "households": 120}),
                Value::Null,
            ),
        ],
    );
    let s = d.load_ok();
    assert_eq!(s.communes.len(), 2);
    assert_eq!(s.communes[1].geometry, None);
    assert_eq!(s.communes[1].population, Some(500.0));
    assert_warning(
        &s,
        &["communes.geojson", "feature 1", "\"b\"", "null geometry"],
    );
}

#[test]
fn empty_commune_geometry_is_kept_with_a_warning() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![feature(
            json!({"id": "e", "population": 5, "households": 1}),
            json!({"type": "MultiPolygon", "coordinates": []}),
        )],
    );
    let s = d.load_ok();
    assert_eq!(s.communes[0].geometry, None);
    assert_warning(&s, &["\"e\"", "empty geometry"]);
}

#[test]
fn null_site_geometry_is_skipped_with_a_warning() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![
            site(json!("s0")),
            feature(json!({"id": "s1", "technologies": ["4G"]}), Value::Null),
        ],
    );
    let s = d.load_ok();
    assert_eq!(s.sites.len(), 1);
    assert_eq!(s.sites[0].id, FeatureId::Str("s0".into()));
    assert_warning(&s, &["sites.geojson", "feature 1", "\"s1\"", "skipped"]);
}

#[test]
fn null_site_geometry_still_validates_properties() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![feature(
            json!({"id": "s1", "technologies": ["7G"]}),
            Value::Null,
        )],
    );
    assert_invalid(
        d.load(),
        "sites.geojson",
        Some((0, Some("s1"))),
        "technologies",
        "7G",
    );
}

#[test]
fn null_wifi_and_fiber_geometry_are_skipped() {
    let d = Dir::new();
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"id": "w"}), Value::Null)],
    );
    d.collection(
        "fiber.geojson",
        vec![feature(json!({"id": "f"}), Value::Null)],
    );
    let s = d.load_ok();
    assert!(s.wifi.is_empty() && s.fiber.is_empty());
    assert_warning(&s, &["wifi.geojson", "\"w\"", "skipped"]);
    assert_warning(&s, &["fiber.geojson", "\"f\"", "skipped"]);
}

#[test]
fn null_population_point_is_unassigned_with_a_warning() {
    let d = Dir::new();
    d.collection(
        "population.geojson",
        vec![feature(
            json!({"population": 7, "households": 2}),
            Value::Null,
        )],
    );
    let s = d.load_ok();
    let points = s.population.as_ref().unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].location, None);
    assert_eq!(points[0].population, 7.0);
    assert_warning(&s, &["population.geojson", "feature 0", "unassigned"]);
}

#[test]
fn unknown_kind_is_kept_with_a_warning() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![
            with(commune(json!("a"), 0.0), "kind", json!("hamlet")),
            with(commune(json!("b"), 1.0), "kind", json!("Thị trấn")),
        ],
    );
    let s = d.load_ok();
    assert_eq!(
        s.communes[0].kind,
        Some(CommuneKind::Other("hamlet".into()))
    );
    assert_eq!(s.communes[1].kind, Some(CommuneKind::Town));
    assert_warning(&s, &["communes.geojson", "feature 0", "\"kind\"", "hamlet"]);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
}

#[test]
fn range_for_a_technology_the_site_lacks_warns() {
    let d = Dir::new();
    d.collection(
        "sites.geojson",
        vec![with(
            site(json!("s")),
            "range_m",
            json!({"4G": 1200, "5G": 300}),
        )],
    );
    let s = d.load_ok();
    let SiteRange::PerTechnology(r) = s.sites[0].range_m else {
        panic!("{:?}", s.sites[0].range_m)
    };
    assert_eq!(r[Technology::G4.index()], Some(1200.0));
    assert_warning(
        &s,
        &["sites.geojson", "\"s\"", "range_m.5G", "does not carry 5G"],
    );
}

#[test]
fn unknown_properties_and_files_are_ignored() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![with(
            commune(json!("a"), 0.0),
            "GID_3",
            json!({"any": [1, "thing"]}),
        )],
    );
    d.write("notes.txt", "not part of the contract");
    d.write("roads.geojson", "not even JSON");
    let s = d.load_ok();
    assert_eq!(s.communes.len(), 1);
    assert!(s.warnings.is_empty());
}

#[test]
fn optional_properties_may_be_null() {
    let d = Dir::new();
    let c = with(
        with(commune(json!("a"), 0.0), "district", Value::Null),
        "kind",
        Value::Null,
    );
    d.collection("communes.geojson", vec![c]);
    d.collection(
        "sites.geojson",
        vec![with(
            with(site(json!(1)), "range_m", Value::Null),
            "height_m",
            Value::Null,
        )],
    );
    let s = d.load_ok();
    assert_eq!(s.communes[0].district, None);
    assert_eq!(s.sites[0].range_m, SiteRange::Unset);
    assert_eq!(s.sites[0].height_m, telecov::model::DEFAULT_HEIGHT_M);
}

// ---------------------------------------------------------------------------
// No input makes the loader panic

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// The text of a valid scenario, file by file.
    fn valid_files() -> Vec<(&'static str, String)> {
        let fc = |features: Vec<Value>| {
            json!({"type": "FeatureCollection", "features": features}).to_string()
        };
        let sectors = json!([{"azimuth_deg": 30, "beamwidth_deg": 65, "range_m": 900}]);
        vec![
            (
                "communes.geojson",
                fc(vec![commune(json!("a"), 0.0), commune(json!(2), 0.005)]),
            ),
            (
                "sites.geojson",
                fc(vec![
                    with(site(json!(1)), "sectors", sectors),
                    with(site(json!("b")), "range_m", json!({"4G": 1000})),
                ]),
            ),
            (
                "fiber.geojson",
                fc(vec![feature(
                    json!({"id": "f"}),
                    json!({"type": "MultiLineString", "coordinates": [[[105.0, 21.0], [105.01, 21.0]]]}),
                )]),
            ),
            (
                "wifi.geojson",
                fc(vec![feature(
                    json!({"id": "w", "range_m": 50}),
                    point(105.0, 21.0),
                )]),
            ),
            (
                "population.geojson",
                fc(vec![feature(
                    json!({"population": 3, "households": 1}),
                    point(105.001, 21.001),
                )]),
            ),
            (
                "scenario.toml",
                "resolution_m = 50\n[ranges_m]\n4G = 2000\n".to_owned(),
            ),
        ]
    }

    fn write_all(files: &[(&'static str, String)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Replace(usize, u8),
        Delete(usize, usize),
        Insert(usize, Vec<u8>),
    }

    fn arb_edit() -> impl Strategy<Value = Edit> {
        let token = prop_oneof![
            Just(b"{".to_vec()),
            Just(b"}".to_vec()),
            Just(b"[".to_vec()),
            Just(b"]".to_vec()),
            Just(b",".to_vec()),
            Just(b":".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"null".to_vec()),
            Just(b"-1e999".to_vec()),
            Just(b"[[]]".to_vec()),
            Just(b"\\u00".to_vec()),
            Just("é".as_bytes().to_vec()),
            proptest::collection::vec(any::<u8>(), 1..4),
        ];
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
            (any::<usize>(), 1usize..20).prop_map(|(i, n)| Edit::Delete(i, n)),
            (any::<usize>(), token).prop_map(|(i, t)| Edit::Insert(i, t)),
        ]
    }

    fn apply(text: &str, edits: &[Edit]) -> Vec<u8> {
        let mut bytes = text.as_bytes().to_vec();
        for e in edits {
            let len = bytes.len().max(1);
            match e {
                Edit::Replace(i, b) => {
                    if let Some(x) = bytes.get_mut(i % len) {
                        *x = *b;
                    }
                }
                Edit::Delete(i, n) => {
                    let start = (i % len).min(bytes.len());
                    let end = (start + n).min(bytes.len());
                    bytes.drain(start..end);
                }
                Edit::Insert(i, t) => {
                    let at = (i % len).min(bytes.len());
                    bytes.splice(at..at, t.iter().copied());
                }
            }
        }
        bytes
    }

    /// Any JSON value, to put where a property or geometry is expected.
    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6..1e6f64).prop_map(Value::from),
            prop_oneof![Just(-400.0), Just(0.0), Just(360.0), Just(181.0)].prop_map(Value::from),
            "[a-zA-Z0-9 ]{0,6}".prop_map(Value::from),
            prop_oneof![Just("4G"), Just("Point"), Just("Polygon"), Just("Feature")]
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("coordinates".to_owned()),
                        Just("azimuth_deg".to_owned()),
                        Just("beamwidth_deg".to_owned()),
                        "[a-z]{1,4}",
                    ],
                    inner,
                    0..3
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn mutated_files_never_panic(
            which in 0usize..6,
            edits in proptest::collection::vec(arb_edit(), 1..6),
        ) {
            let mut files = valid_files();
            let dir = write_all(&files);
            let (name, text) = files.remove(which);
            std::fs::write(dir.path().join(name), apply(&text, &edits)).unwrap();
            // any outcome but a panic; errors name a file of the scenario
            if let Err(e) = load_scenario(dir.path()) {
                prop_assert!(e.to_string().contains(".geojson") || e.to_string().contains("scenario.toml"), "{}", e);
            }
        }

        #[test]
        fn arbitrary_values_in_features_never_panic(
            which in 0usize..5,
            key in prop_oneof![
                Just("geometry"), Just("coordinates"), Just("id"), Just("population"),
                Just("technologies"), Just("range_m"), Just("sectors"), Just("properties"),
            ],
            value in arb_json(),
        ) {
            let files = valid_files();
            let dir = write_all(&files);
            let (name, text) = &files[which];
            let mut doc: Value = serde_json::from_str(text).unwrap();
            let f = &mut doc["features"][0];
            match key {
                "geometry" | "properties" => f[key] = value,
                "coordinates" => f["geometry"]["coordinates"] = value,
                _ => f["properties"][key] = value,
            }
            std::fs::write(dir.path().join(name), doc.to_string()).unwrap();
            let _ = load_scenario(dir.path());
        }
    }

    #[test]
    fn valid_files_load() {
        let dir = write_all(&valid_files());
        let s = load_scenario(dir.path()).unwrap();
        assert_eq!(
            (s.communes.len(), s.sites.len(), s.fiber.len(), s.wifi.len()),
            (2, 2, 1, 1)
        );
        // the two communes overlap: the only warning
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    }
}

// ---------------------------------------------------------------------------
// Files read side by side: the same first error and warning order as a
// file-by-file read

#[test]
fn first_error_is_the_communes_when_sites_are_bad_too() {
    let d = Dir::new();
    d.collection(
        "communes.geojson",
        vec![without(commune(json!("c1"), 0.0), "population")],
    );
    d.collection(
        "sites.geojson",
        vec![without(site(json!("s1")), "technologies")],
    );
    d.collection(
        "wifi.geojson",
        vec![json!({"type": "Feature", "properties": {}, "geometry": null})],
    );
    for _ in 0..20 {
        assert_invalid(
            d.load(),
            "communes.geojson",
            Some((0, Some("c1"))),
            "population",
            "missing",
        );
    }
    // with the communes repaired, the sites' error comes before the wifi's
    // and the schools'
    d.collection("communes.geojson", vec![commune(json!("c1"), 0.0)]);
    d.collection(
        "schools.geojson",
        vec![feature(
            json!({"id": "k1", "connected": "yes"}),
            json!({"type": "Point", "coordinates": [105.5, 10.0]}),
        )],
    );
    for _ in 0..20 {
        assert_invalid(
            d.load(),
            "sites.geojson",
            Some((0, Some("s1"))),
            "technologies",
            "missing",
        );
    }
    // with the sites and wifi repaired, the schools' error is the one left
    d.collection("sites.geojson", vec![site(json!("s1"))]);
    d.collection("wifi.geojson", vec![]);
    for _ in 0..20 {
        assert_invalid(
            d.load(),
            "schools.geojson",
            Some((0, Some("k1"))),
            "connected",
            "true or false",
        );
    }
}

#[test]
fn warnings_come_in_file_order_then_commune_geometry() {
    let d = Dir::new();
    // communes: an unknown kind (read warning) and an overlap (geometry warning)
    d.collection(
        "communes.geojson",
        vec![
            with(commune(json!("a"), 0.0), "kind", json!("hamlet")),
            commune(json!("b"), 0.005),
        ],
    );
    let null_point = |id: &str| feature(json!({"id": id, "technologies": ["4G"]}), Value::Null);
    d.collection("sites.geojson", vec![null_point("s1")]);
    d.collection(
        "fiber.geojson",
        vec![feature(json!({"id": "f1"}), Value::Null)],
    );
    d.collection(
        "wifi.geojson",
        vec![feature(json!({"id": "w1"}), Value::Null)],
    );
    // the scorecard's layers, read beside the others: their warnings last
    d.collection(
        "schools.geojson",
        vec![feature(json!({"id": "k1"}), Value::Null)],
    );
    let expected = [
        "communes.geojson: feature 0",
        "sites.geojson: feature 0",
        "fiber.geojson: feature 0",
        "wifi.geojson: feature 0",
        "overlaps",
        "schools.geojson: feature 0",
    ];
    for _ in 0..20 {
        let s = d.load_ok();
        assert_eq!(s.warnings.len(), expected.len(), "{:#?}", s.warnings);
        for (w, part) in s.warnings.iter().zip(expected) {
            assert!(
                w.contains(part),
                "{w:?} lacks {part:?} in {:#?}",
                s.warnings
            );
        }
    }
}
