//! `load_scenario(write_scenario(s)) == s`: every feature kind, ids in their
//! JSON type, sectors, per-technology ranges, radio parameters, and
//! coordinates bit for bit.

use std::path::Path;

mod common;

use common::ring;
use geo::{LineString, MultiLineString, MultiPolygon, Point, Polygon};
use proptest::prelude::*;
use telecov::io::{load_scenario, write_scenario};
use telecov::model::{AccessRanges, School, ServiceKind, ServicePoint, Targets, Transmitter};
use telecov::model::{
    Commune, CommuneKind, FeatureId, FiberRoute, Parameters, PopulationPoint, RadioParams,
    Scenario, Sector, Site, SiteRange, TechRanges, TechSet, Technology, WifiPoint,
};
use telecov::propagation::{Environment, EnvironmentRules, RadioConfig};
use telecov::Error;

/// The closed ring of the rectangle of width `w` and height `h` (degrees)
/// from (`x`, `y`).
fn rect(x: f64, y: f64, w: f64, h: f64) -> LineString<f64> {
    ring(x, y, x + w, y + h)
}

/// A scenario with every kind of feature and property.
fn hand_built() -> Scenario {
    let island = Polygon::new(rect(105.9, 21.0, 0.01, 0.01), vec![]);
    let with_hole = Polygon::new(
        rect(105.84123456789012, 21.028511, 0.05, 0.04),
        vec![rect(105.85, 21.03, 0.01, 0.01)],
    );
    Scenario {
        communes: vec![
            Commune {
                id: FeatureId::Int(31117),
                name: Some("Phường Tân An \"cũ\" \\ mới".into()),
                district: Some("Ninh Kiều".into()),
                kind: Some(CommuneKind::Ward),
                population: Some(12_345.5),
                households: Some(3_086.25),
                geometry: Some(MultiPolygon(vec![with_hole, island])),
            },
            Commune {
                id: FeatureId::Str("31118".into()),
                name: None,
                district: None,
                kind: Some(CommuneKind::Town),
                population: Some(0.0),
                households: Some(0.0),
                geometry: Some(MultiPolygon(vec![Polygon::new(
                    rect(106.0, 21.0, 0.1 / 3.0, 0.1 / 7.0),
                    vec![],
                )])),
            },
        ],
        sites: vec![
            Site {
                id: FeatureId::Str("BTS-1".into()),
                operator: Some("Viettel".into()),
                technologies: TechSet::from([Technology::G2, Technology::G4, Technology::G5]),
                height_m: 42.5,
                range_m: SiteRange::PerTechnology([Some(5200.0), None, Some(1800.0), Some(450.0)]),
                sectors: vec![
                    Sector {
                        azimuth_deg: 0.0,
                        beamwidth_deg: 65.0,
                        range_m: Some(1200.0),
                    },
                    Sector {
                        azimuth_deg: 120.0,
                        beamwidth_deg: 65.0,
                        range_m: None,
                    },
                    Sector {
                        azimuth_deg: 359.9999999999999,
                        beamwidth_deg: 360.0,
                        range_m: None,
                    },
                ],
                radio: RadioParams {
                    tx_power_dbm: Some(43.0),
                    antenna_gain_dbi: Some(-1.5),
                    frequency_mhz: Some(1800.0),
                    environment: None,
                },
                location: Point::new(105.86, 21.04),
            },
            Site {
                id: FeatureId::Int(-7),
                operator: None,
                technologies: TechSet::from([Technology::G3]),
                height_m: telecov::model::DEFAULT_HEIGHT_M,
                range_m: SiteRange::All(2500.0),
                sectors: vec![],
                radio: RadioParams::default(),
                location: Point::new(0.1 + 0.2, -(1.0 / 3.0)),
            },
            Site {
                id: FeatureId::Int(i64::MAX),
                operator: None,
                technologies: TechSet::from(Technology::ALL),
                height_m: 15.0,
                range_m: SiteRange::Unset,
                sectors: vec![],
                radio: RadioParams {
                    tx_power_dbm: Some(20.0),
                    antenna_gain_dbi: None,
                    frequency_mhz: None,
                    environment: Some(Environment::Open),
                },
                location: Point::new(-180.0, 90.0),
            },
        ],
        fiber: vec![
            FiberRoute {
                id: FeatureId::Str("F-1".into()),
                operator: Some("VNPT".into()),
                geometry: MultiLineString(vec![LineString::from(vec![
                    (105.84, 21.02),
                    (105.85, 21.03),
                    (105.87, 21.03),
                ])]),
            },
            FiberRoute {
                id: FeatureId::Int(2),
                operator: None,
                geometry: MultiLineString(vec![
                    LineString::from(vec![(105.9, 21.0), (105.91, 21.01)]),
                    LineString::from(vec![(106.0, 21.0), (106.01, 21.0)]),
                ]),
            },
        ],
        wifi: vec![
            WifiPoint {
                id: FeatureId::Str("W1".into()),
                range_m: Some(75.0),
                location: Point::new(105.845, 21.031),
            },
            WifiPoint {
                id: FeatureId::Int(1),
                range_m: None,
                location: Point::new(179.99999999999997, -89.99999999999999),
            },
        ],
        population: None,
        parameters: Parameters {
            resolution_m: 25.0,
            fiber_drop_m: 120.5,
            wifi_range_m: 80.0,
            ranges_m: TechRanges {
                g2: 6000.0,
                g3: 3200.0,
                g4: 1900.0,
                g5: 0.1 + 0.2,
            },
            radio: {
                let mut r = RadioConfig {
                    shadow_sigma_db: 7.5,
                    cell_edge_probability: 0.1 + 0.2,
                    ..RadioConfig::default()
                };
                r.technology_mut(Technology::G4).tx_power_dbm = 43.0;
                r.technology_mut(Technology::G5).frequency_mhz = 1.0 / 3.0 * 1e4;
                r
            },
            environment: EnvironmentRules {
                town: Environment::Urban,
                communes: [("31118".to_owned(), Environment::Rural)].into(),
                ..EnvironmentRules::default()
            },
            // written scenarios are WGS 84: `crs` is never written
            crs: None,
            access: AccessRanges {
                telecom: 2500.0,
                postal: 1.0 / 3.0 * 1e4,
                internet_agent: 1500.0,
            },
            targets: Targets(
                [
                    ("fiber_households_pct".to_owned(), 60.0),
                    ("people_per_postal_point".to_owned(), 1.0 / 3.0 * 1e4),
                    ("mobile_broadband_commune_min_pct".to_owned(), 95.0),
                ]
                .into(),
            ),
            capacity: Default::default(),
            terrain: Default::default(),
            costs: telecov::model::Costs {
                site_usd: 1.0 / 3.0 * 1e5,
                fiber_usd_per_km: 0.0,
                ..Default::default()
            },
        },
        warnings: vec![],
        terrain: None,
        schools: Some(vec![
            School {
                id: FeatureId::Str("S1".into()),
                name: Some("Trường \"A\"".into()),
                level: Some("primary".into()),
                students: Some(640.0),
                connected: Some(true),
                location: Point::new(105.846, 21.032),
            },
            School::new(2, (105.901, 21.001)).with_connected(false),
            School::new(3, (105.902, 21.002)),
        ]),
        service_points: Some(vec![
            ServicePoint::new("T1", ServiceKind::Telecom, (105.85, 21.04)),
            ServicePoint {
                name: Some("Bưu điện".into()),
                ..ServicePoint::new(7, ServiceKind::Postal, (105.86, 21.05))
            },
            ServicePoint::new("N1", ServiceKind::InternetAgent, (105.87, 21.06)),
        ]),
        broadcast: Some(vec![
            Transmitter::new("DTT1", (105.88, 21.07), 45_000.0),
            Transmitter {
                erp_kw: Some(10.0),
                height_m: Some(1.0 / 3.0 * 300.0),
                frequency_mhz: Some(610.0),
                name: Some("Đài".into()),
                ..Transmitter::new(2, (105.89, 21.08), 12_000.5)
            },
        ]),
    }
}

fn round_trip(s: &Scenario) -> Scenario {
    let dir = tempfile::tempdir().expect("temp dir");
    write_scenario(dir.path(), s).expect("write");
    load_scenario(dir.path()).expect("load")
}

#[test]
fn hand_built_scenario_round_trips() {
    let s = hand_built();
    let back = round_trip(&s);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    assert_eq!(back, s);
}

#[test]
fn points_mode_scenario_round_trips() {
    let mut s = hand_built();
    s.communes[0].population = None;
    s.communes[1].households = None;
    s.population = Some(vec![
        PopulationPoint::new((105.86, 21.035), 4.75, 1.0),
        PopulationPoint::new((106.01, 21.01), 0.0, 0.0),
    ]);
    assert_eq!(round_trip(&s), s);
}

#[test]
fn points_mode_without_points_round_trips() {
    let mut s = hand_built();
    s.population = Some(vec![]);
    assert_eq!(round_trip(&s), s);
}

#[test]
fn minimal_scenario_round_trips() {
    let s = Scenario::new(vec![hand_built().communes.remove(1)]);
    let dir = tempfile::tempdir().unwrap();
    write_scenario(dir.path(), &s).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["communes.geojson", "scenario.toml"]);
    assert_eq!(load_scenario(dir.path()).unwrap(), s);
}

#[test]
fn null_geometries_round_trip_with_their_warnings() {
    let mut s = hand_built();
    s.communes[1].geometry = None;
    s.population = Some(vec![PopulationPoint {
        location: None,
        population: 3.0,
        households: 1.0,
    }]);
    let mut back = round_trip(&s);
    assert_eq!(back.warnings.len(), 2, "{:?}", back.warnings);
    back.warnings.clear();
    assert_eq!(back, s);
}

#[test]
fn ids_keep_their_json_type_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    write_scenario(dir.path(), &hand_built()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("communes.geojson")).unwrap();
    assert!(text.contains("\"id\":31117"), "{text}");
    assert!(text.contains("\"id\":\"31118\""), "{text}");
}

#[test]
fn written_files_are_geojson_feature_collections() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = hand_built();
    s.population = Some(vec![PopulationPoint::new((105.86, 21.035), 1.0, 1.0)]);
    write_scenario(dir.path(), &s).unwrap();
    for (name, count) in [
        ("communes.geojson", 2),
        ("sites.geojson", 3),
        ("fiber.geojson", 2),
        ("wifi.geojson", 2),
        ("population.geojson", 1),
    ] {
        let text = std::fs::read_to_string(dir.path().join(name)).unwrap();
        let fc: geojson::FeatureCollection = text.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(fc.features.len(), count, "{name}");
    }
    let toml = std::fs::read_to_string(dir.path().join("scenario.toml")).unwrap();
    for key in [
        "resolution_m",
        "fiber_drop_m",
        "wifi_range_m",
        "[ranges_m]",
        "2G",
        "5G",
    ] {
        assert!(toml.contains(key), "{key} missing from\n{toml}");
    }
}

#[test]
fn rewriting_removes_stale_optional_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = hand_built();
    s.population = Some(vec![]);
    write_scenario(dir.path(), &s).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "keep me").unwrap();
    let smaller = Scenario::new(s.communes.clone());
    write_scenario(dir.path(), &smaller).unwrap();
    for gone in [
        "sites.geojson",
        "fiber.geojson",
        "wifi.geojson",
        "population.geojson",
    ] {
        assert!(!dir.path().join(gone).exists(), "{gone} left behind");
    }
    assert!(dir.path().join("notes.txt").exists());
    assert_eq!(load_scenario(dir.path()).unwrap(), smaller);
}

#[test]
fn writer_creates_the_directory_and_leaves_no_temporary_files() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a").join("b");
    write_scenario(&dir, &hand_built()).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn writer_refuses_numbers_json_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = hand_built();
    s.sites[0].sectors[1].beamwidth_deg = f64::NAN;
    match write_scenario(dir.path(), &s) {
        Err(Error::Invalid { location, .. }) => {
            assert!(location.file.ends_with("sites.geojson"));
            assert_eq!(location.feature.as_ref().map(|f| f.index), Some(0));
            assert_eq!(
                location.property.as_deref(),
                Some("sectors[1].beamwidth_deg")
            );
        }
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
    let mut s = hand_built();
    s.wifi[1].location = Point::new(f64::INFINITY, 0.0);
    let err = write_scenario(dir.path(), &s).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("wifi.geojson")
            && message.contains("feature 1")
            && message.contains("geometry"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// Random scenarios

fn arb_id(k: usize) -> impl Strategy<Value = FeatureId> {
    // ints and strings whose keys cannot collide: strings end in "#k"
    prop_oneof![
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(move |base| {
            FeatureId::Int(base.saturating_mul(1000).saturating_add(k as i64))
        }),
        "[^#\\s][^#]{0,10}".prop_map(move |s| FeatureId::Str(format!("{s}#{k}"))),
    ]
}

/// Random but fixed-length ids, unique within a file.
fn arb_ids(n: usize) -> impl Strategy<Value = Vec<FeatureId>> {
    let unique = |ids: &Vec<FeatureId>| {
        let mut keys: Vec<String> = ids.iter().map(FeatureId::key).collect();
        keys.sort();
        keys.dedup();
        keys.len() == ids.len()
    };
    (0..n)
        .map(arb_id)
        .collect::<Vec<_>>()
        .prop_filter("unique ids", unique)
}

fn arb_kind() -> impl Strategy<Value = Option<CommuneKind>> {
    prop_oneof![
        Just(None),
        Just(Some(CommuneKind::Ward)),
        Just(Some(CommuneKind::Commune)),
        Just(Some(CommuneKind::Town)),
    ]
}

/// A commune geometry inside cell `k` (0.1° wide): a rectangle with an
/// optional hole and an optional second, disjoint rectangle.
fn arb_geometry(k: usize) -> impl Strategy<Value = MultiPolygon<f64>> {
    let x0 = 100.0 + 0.1 * k as f64;
    (
        0.0..0.005f64,
        10.0..20.0f64,
        0.005..0.05f64,
        0.005..0.05f64,
        any::<bool>(),
        proptest::option::of((0.005..0.03f64, 0.005..0.03f64)),
    )
        .prop_map(move |(dx, y, w, h, hole, second)| {
            let x = x0 + dx;
            let holes = if hole {
                vec![rect(x + w / 4.0, y + h / 4.0, w / 2.0, h / 2.0)]
            } else {
                vec![]
            };
            let mut polygons = vec![Polygon::new(rect(x, y, w, h), holes)];
            if let Some((w2, h2)) = second {
                polygons.push(Polygon::new(rect(x0 + 0.06, y, w2, h2), vec![]));
            }
            MultiPolygon(polygons)
        })
}

fn arb_point() -> impl Strategy<Value = Point<f64>> {
    (-180.0..=180.0f64, -90.0..=90.0f64).prop_map(|(x, y)| Point::new(x, y))
}

fn arb_sites() -> impl Strategy<Value = Vec<Site>> {
    (0usize..4).prop_flat_map(|n| {
        let one = (
            1u8..16,
            proptest::option::of("\\PC{0,12}"),
            0.5..100.0f64,
            0u8..3,
            proptest::collection::vec(proptest::option::of(1.0..20_000.0f64), 4),
            proptest::collection::vec(
                (
                    0.0..360.0f64,
                    0.01..=360.0f64,
                    proptest::option::of(10.0..5000.0f64),
                ),
                0..4,
            ),
            (
                proptest::option::of(-10.0..60.0f64),
                proptest::option::of(-5.0..25.0f64),
                proptest::option::of(100.0..6000.0f64),
            ),
            arb_point(),
        );
        (arb_ids(n), proptest::collection::vec(one, n)).prop_map(|(ids, sites)| {
            ids.into_iter()
                .zip(sites)
                .map(
                    |(id, (bits, operator, height_m, mode, ranges, sectors, radio, location))| {
                        let technologies = TechSet::from_bits(bits);
                        let range_m = match mode {
                            0 => SiteRange::Unset,
                            1 => SiteRange::All(ranges[0].unwrap_or(1000.0)),
                            _ => {
                                // entries only for carried technologies (others warn)
                                let mut r = [None; 4];
                                for t in technologies.iter() {
                                    r[t.index()] = ranges[t.index()];
                                }
                                SiteRange::PerTechnology(r)
                            }
                        };
                        Site {
                            id,
                            operator,
                            technologies,
                            height_m,
                            range_m,
                            sectors: sectors
                                .into_iter()
                                .map(|(azimuth_deg, beamwidth_deg, range_m)| Sector {
                                    azimuth_deg,
                                    beamwidth_deg,
                                    range_m,
                                })
                                .collect(),
                            radio: RadioParams {
                                tx_power_dbm: radio.0,
                                antenna_gain_dbi: radio.1,
                                frequency_mhz: radio.2,
                                environment: None,
                            },
                            location,
                        }
                    },
                )
                .collect()
        })
    })
}

fn arb_line() -> impl Strategy<Value = LineString<f64>> {
    proptest::collection::vec(arb_point(), 2..5)
        .prop_map(|pts| LineString(pts.into_iter().map(|p| p.0).collect()))
}

fn arb_fiber() -> impl Strategy<Value = Vec<FiberRoute>> {
    (0usize..3).prop_flat_map(|n| {
        let one = (
            proptest::option::of("[A-Za-z ]{1,8}"),
            proptest::collection::vec(arb_line(), 1..3),
        );
        (arb_ids(n), proptest::collection::vec(one, n)).prop_map(|(ids, routes)| {
            ids.into_iter()
                .zip(routes)
                .map(|(id, (operator, lines))| FiberRoute {
                    id,
                    operator,
                    geometry: MultiLineString(lines),
                })
                .collect()
        })
    })
}

fn arb_wifi() -> impl Strategy<Value = Vec<WifiPoint>> {
    (0usize..4).prop_flat_map(|n| {
        let one = (proptest::option::of(1.0..500.0f64), arb_point());
        (arb_ids(n), proptest::collection::vec(one, n)).prop_map(|(ids, points)| {
            ids.into_iter()
                .zip(points)
                .map(|(id, (range_m, location))| WifiPoint {
                    id,
                    range_m,
                    location,
                })
                .collect()
        })
    })
}

fn arb_parameters() -> impl Strategy<Value = Parameters> {
    proptest::collection::vec(0.001..1e6f64, 7).prop_map(|v| Parameters {
        resolution_m: v[0],
        fiber_drop_m: v[1],
        wifi_range_m: v[2],
        ranges_m: TechRanges {
            g2: v[3],
            g3: v[4],
            g4: v[5],
            g5: v[6],
        },
        ..Parameters::default()
    })
}

/// A random valid scenario and the number of warnings loading it gives
/// (null commune geometries and population points without location).
fn arb_scenario() -> impl Strategy<Value = (Scenario, usize)> {
    let communes = (1usize..5).prop_flat_map(|n| {
        let geometries: Vec<_> = (0..n)
            .map(|k| proptest::option::weighted(0.9, arb_geometry(k)))
            .collect();
        let props = proptest::collection::vec(
            (
                proptest::option::of(any::<String>()),
                proptest::option::of("\\PC{0,10}"),
                arb_kind(),
                proptest::option::of(0.0..1e7f64),
                proptest::option::of(0.0..1e6f64),
            ),
            n,
        );
        (arb_ids(n), geometries, props)
    });
    let population = proptest::option::of(proptest::collection::vec(
        (
            proptest::option::weighted(0.9, arb_point()),
            0.0..1e4f64,
            0.0..1e3f64,
        ),
        0..5,
    ));
    (
        communes,
        arb_sites(),
        arb_fiber(),
        arb_wifi(),
        population,
        arb_parameters(),
    )
        .prop_map(
            |((ids, geometries, props), sites, fiber, wifi, population, parameters)| {
                let points_mode = population.is_some();
                let communes: Vec<Commune> = ids
                    .into_iter()
                    .zip(geometries)
                    .zip(props)
                    .map(
                        |((id, geometry), (name, district, kind, pop, hh))| Commune {
                            id,
                            name,
                            district,
                            kind,
                            // required unless in points mode
                            population: if points_mode { pop } else { pop.or(Some(1.0)) },
                            households: if points_mode { hh } else { hh.or(Some(0.0)) },
                            geometry,
                        },
                    )
                    .collect();
                let population: Option<Vec<PopulationPoint>> = population.map(|pts| {
                    pts.into_iter()
                        .map(|(location, population, households)| PopulationPoint {
                            location,
                            population,
                            households,
                        })
                        .collect()
                });
                let warnings = communes.iter().filter(|c| c.geometry.is_none()).count()
                    + population
                        .iter()
                        .flatten()
                        .filter(|p| p.location.is_none())
                        .count();
                let scenario = Scenario {
                    communes,
                    sites,
                    fiber,
                    wifi,
                    population,
                    parameters,
                    warnings: vec![],
                    ..Scenario::default()
                };
                (scenario, warnings)
            },
        )
}

fn load_without_warnings(dir: &Path) -> (Scenario, Vec<String>) {
    let mut s = load_scenario(dir).expect("load");
    let warnings = std::mem::take(&mut s.warnings);
    (s, warnings)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_round_trip((scenario, warnings) in arb_scenario()) {
        let dir = tempfile::tempdir().unwrap();
        write_scenario(dir.path(), &scenario).unwrap();
        let (back, got) = load_without_warnings(dir.path());
        prop_assert_eq!(got.len(), warnings, "{:?}", got);
        prop_assert_eq!(back, scenario);
    }
}
