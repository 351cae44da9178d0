//! Capacity study: closed forms, conservation against the signal mode,
//! operators, thread independence, files, and a comparison with a
//! published figure for a hexagonal urban layout.

mod common;

use common::{rect, scenario};
use geo::{Destination, Distance, Geodesic, Point};
use telecov::engine::capacity::{evaluate_capacity, CapacityReport};
use telecov::engine::signal::{evaluate_signal, SignalOptions};
use telecov::model::{
    CapacityConfig, Commune, Demand, Parameters, PopulationPoint, RadioParams, Scenario, Sector,
    Site, Technology,
};
use telecov::propagation::spectral_efficiency::ShannonMapping;
use telecov::propagation::{Environment, SiteLink};

const LON: f64 = 105.78;
const LAT: f64 = 10.03;

fn lte_only() -> CapacityConfig {
    CapacityConfig {
        technology_share: [0.0, 0.0, 1.0, 0.0],
        ..CapacityConfig::default()
    }
}

fn ward(id: i64, half_deg: f64, population: f64) -> Commune {
    Commune::new(
        id,
        rect(
            LON - half_deg,
            LAT - half_deg,
            LON + half_deg,
            LAT + half_deg,
        ),
        population,
        population / 3.0,
    )
    .with_kind(telecov::model::CommuneKind::Ward)
}

fn lte_site(id: &str, at: (f64, f64)) -> Site {
    Site::new(id, at, [Technology::G4])
        .with_height_m(30.0)
        .with_radio(RadioParams {
            tx_power_dbm: Some(46.0),
            ..RadioParams::default()
        })
}

fn with_capacity(mut s: Scenario, c: CapacityConfig) -> Scenario {
    s.parameters.capacity = c;
    s
}

#[test]
fn one_sector_at_one_sinr_has_the_closed_form_capacity() {
    // one site, every resident on one point 600 m east: one SINR (the SNR)
    let site = lte_site("A", (LON, LAT));
    let at = Geodesic.destination(Point::new(LON, LAT), 90.0, 600.0);
    let s = Scenario::new(vec![ward(1, 0.02, 0.0)])
        .with_sites(vec![site])
        .with_population(vec![
            PopulationPoint::new(at, 700.0, 200.0),
            PopulationPoint::new(at, 300.0, 100.0),
        ]);
    let s = with_capacity(s, lte_only());
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    assert_eq!(r.sectors.len(), 1);
    let sec = &r.sectors[0];
    assert_eq!(sec.sector, None);
    assert!((sec.served_people - 1000.0).abs() < 1e-9);

    // the SNR from the link budget, independently
    let (link, _) = SiteLink::resolve(
        Technology::G4,
        &s.sites[0].radio,
        30.0,
        Environment::Urban,
        &s.parameters.radio,
    );
    let level = link
        .unwrap()
        .level_dbm(Geodesic.distance(s.sites[0].location, at));
    let noise_dbm = -174.0 + 10.0 * 18e6f64.log10() + 7.0;
    let snr = level - noise_dbm;
    let sinr = sec.mean_sinr_db.unwrap();
    assert!((sinr - snr).abs() < 0.01, "{sinr} vs {snr}");
    let se = ShannonMapping::of(Technology::G4).spectral_efficiency(sinr);
    assert!(se > 0.5 && se < 4.4, "in the Shannon part: {se}");
    // 18 MHz × 2 layers × (1 − 0.25) × SE
    let expected = 18.0 * 2.0 * 0.75 * se;
    let cap = sec.capacity_mbps.unwrap();
    assert!(
        (cap - expected).abs() < 1e-9 * expected,
        "{cap} vs {expected}"
    );
    // 1000 residents × 0.85 × 0.10 active × 2 Mbps
    assert!((sec.active_users - 85.0).abs() < 1e-9);
    assert!((sec.load_mbps - 170.0).abs() < 1e-9);
    assert!((sec.utilisation.unwrap() - 170.0 / cap).abs() < 1e-12);
    let per_user = sec.user_throughput_mbps.unwrap();
    assert!((per_user - 2.0f64.min(cap / 85.0)).abs() < 1e-12);
}

/// A commune close around one site: every point above SINR_max.
fn capped() -> Scenario {
    let s = scenario(
        vec![ward(1, 0.0005, 4000.0)],
        vec![lte_site("A", (LON, LAT))],
        10.0,
    );
    with_capacity(s, lte_only())
}

#[test]
fn capped_sector_capacity_is_exact_and_scales_with_bandwidth_not_demand() {
    let options = SignalOptions::default();
    let base = evaluate_capacity(&capped(), &options).unwrap();
    let sec = &base.sectors[0];
    assert!((sec.mean_spectral_efficiency.unwrap() - 4.4).abs() < 1e-12);
    assert!((sec.capacity_mbps.unwrap() - 18.0 * 2.0 * 0.75 * 4.4).abs() < 1e-9);

    // doubling the demand doubles load and utilisation, not capacity
    let mut s = capped();
    s.parameters.capacity.demand = Demand::BusyHourMbps(4.0);
    let double = evaluate_capacity(&s, &options).unwrap();
    let d = &double.sectors[0];
    assert!((d.load_mbps - 2.0 * sec.load_mbps).abs() < 1e-9 * sec.load_mbps);
    assert!((d.utilisation.unwrap() - 2.0 * sec.utilisation.unwrap()).abs() < 1e-12);
    assert_eq!(d.capacity_mbps, sec.capacity_mbps);

    // doubling the bandwidth doubles capacity (SINR 3 dB lower, still capped)
    let mut s = capped();
    s.parameters
        .radio
        .technology_mut(Technology::G4)
        .bandwidth_mhz = 36.0;
    let wide = evaluate_capacity(&s, &options).unwrap();
    let w = &wide.sectors[0];
    assert!((w.capacity_mbps.unwrap() - 2.0 * sec.capacity_mbps.unwrap()).abs() < 1e-9);
    assert!((w.load_mbps - sec.load_mbps).abs() < 1e-9);

    // layers and overhead enter as factors
    let mut s = capped();
    let t = s.parameters.radio.technology_mut(Technology::G4);
    t.mimo_layers = 4.0;
    t.overhead = 0.5;
    let r = evaluate_capacity(&s, &options).unwrap();
    assert!((r.sectors[0].capacity_mbps.unwrap() - 18.0 * 4.0 * 0.5 * 4.4).abs() < 1e-9);
}

#[test]
fn two_identical_sectors_split_a_uniform_area_evenly() {
    // one site in the middle of a square, sectors east and west
    let site = lte_site("A", (LON, LAT))
        .with_sectors(vec![Sector::new(90.0, 65.0), Sector::new(270.0, 65.0)]);
    let s = with_capacity(
        scenario(vec![ward(1, 0.004, 10_000.0)], vec![site], 10.0),
        lte_only(),
    );
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let (a, b) = (&r.sectors[0], &r.sectors[1]);
    assert_eq!((a.sector, b.sector), (Some(0), Some(1)));
    println!("loads {} and {} Mbps", a.load_mbps, b.load_mbps);
    assert!(a.load_mbps > 0.0);
    // the grid is global to the strip: symmetric to within a column
    let rel = (a.load_mbps - b.load_mbps).abs() / a.load_mbps;
    assert!(rel < 0.02, "{rel}");
    let cap_rel =
        (a.capacity_mbps.unwrap() - b.capacity_mbps.unwrap()).abs() / a.capacity_mbps.unwrap();
    assert!(cap_rel < 0.02, "{cap_rel}");
}

/// A town-sized scenario with three 3-sector sites and an omni site.
fn town(points: bool) -> Scenario {
    let sectors = || {
        vec![
            Sector::new(0.0, 65.0),
            Sector::new(120.0, 65.0),
            Sector::new(240.0, 65.0),
        ]
    };
    let sites = vec![
        lte_site("A", (LON - 0.01, LAT)).with_sectors(sectors()),
        lte_site("B", (LON + 0.01, LAT + 0.004)).with_sectors(sectors()),
        lte_site("C", (LON, LAT - 0.012)).with_sectors(sectors()),
        Site::new("D", (LON + 0.015, LAT - 0.015), [Technology::G4]).with_range_m(900.0),
    ];
    let communes = vec![ward(1, 0.02, 30_000.0), {
        let mut c = ward(2, 0.01, 5_000.0);
        c.geometry = Some(rect(LON + 0.02, LAT - 0.02, LON + 0.04, LAT + 0.02));
        c
    }];
    let mut s = scenario(communes, sites, 50.0);
    if points {
        let mut pts = Vec::new();
        for i in 0..40 {
            for j in 0..40 {
                let lon = LON - 0.02 + 0.06 * (i as f64 + 0.5) / 40.0;
                let lat = LAT - 0.02 + 0.04 * (j as f64 + 0.5) / 40.0;
                pts.push(PopulationPoint::new(
                    (lon, lat),
                    7.0 + (i * j % 5) as f64,
                    2.0,
                ));
            }
        }
        // one point in no commune
        pts.push(PopulationPoint::new((LON + 0.5, LAT), 100.0, 30.0));
        s = s.with_population(pts);
    }
    with_capacity(s, lte_only())
}

fn assert_conserved(r: &CapacityReport) {
    let served: f64 = r.sectors.iter().map(|s| s.served_people).sum();
    assert!(served <= r.totals.people * (1.0 + 1e-12));
    let people: f64 = r.communes.iter().map(|c| c.figures.people).sum();
    assert!((people - r.totals.people).abs() < 1e-9 * people);
    let within: f64 = r
        .communes
        .iter()
        .map(|c| c.figures.people_within_capacity)
        .sum();
    assert!((within - r.totals.people_within_capacity).abs() < 1e-9 * people);
    for c in r.communes.iter().map(|c| &c.figures).chain([&r.totals]) {
        assert!(c.people_within_capacity <= c.people * (1.0 + 1e-12));
        let at5 = c.people_at_least_mbps["5"];
        let at10 = c.people_at_least_mbps["10"];
        let at25 = c.people_at_least_mbps["25"];
        assert!(at25 <= at10 && at10 <= at5 && at5 <= c.people * (1.0 + 1e-12));
        if let (Some(m), Some(p10)) = (c.mean_user_throughput_mbps, c.p10_user_throughput_mbps) {
            let range = 0.0..=2.0 + 1e-12;
            assert!(range.contains(&m) && range.contains(&p10));
        }
    }
}

#[test]
fn served_people_equal_people_covered_in_signal_mode() {
    for points in [false, true] {
        let s = town(points);
        let options = SignalOptions::default();
        let cap = evaluate_capacity(&s, &options).unwrap();
        let sig = evaluate_signal(&s, &options).unwrap();
        let served: f64 = cap.sectors.iter().map(|x| x.served_people).sum();
        let covered = sig.totals.layers.g4.population_covered;
        println!("points {points}: served {served}, covered {covered}");
        assert!(covered > 1000.0);
        assert!(
            (served - covered).abs() < 1e-9 * covered,
            "{served} vs {covered}"
        );
        assert!((cap.totals.people - sig.totals.population).abs() < 1e-9 * covered);
        assert_eq!(cap.unassigned_population, sig.unassigned_population);
        for (c, g) in cap.communes.iter().zip(&sig.communes) {
            let served_c = c.figures.people;
            assert!((served_c - g.figures.population).abs() < 1e-9 * (1.0 + served_c));
        }
        assert_conserved(&cap);
    }
}

#[test]
fn within_capacity_follows_utilisation() {
    // demand so high every sector is overloaded, then so low none is
    let mut s = town(false);
    s.parameters.capacity.demand = Demand::BusyHourMbps(1000.0);
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    assert!(r
        .sectors
        .iter()
        .all(|x| x.utilisation.is_none_or(|u| u > 1.0)));
    assert_eq!(r.totals.people_within_capacity, 0.0);
    s.parameters.capacity.demand = Demand::BusyHourMbps(0.001);
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let served_carried: f64 = r
        .sectors
        .iter()
        .filter(|x| x.utilisation.is_some_and(|u| u <= 1.0))
        .map(|x| x.active_users / 0.085)
        .sum();
    assert!(
        (r.totals.people_within_capacity - served_carried).abs() < 1e-6 * served_carried,
        "{} vs {served_carried}",
        r.totals.people_within_capacity
    );
    // everyone within capacity gets the whole demand, never 5 Mbps
    let at5 = r.totals.people_at_least_mbps["5"];
    assert!(at5 == 0.0 && at5.is_sign_positive(), "{at5}");
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let s = town(true);
    let run = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| evaluate_capacity(&s, &SignalOptions::default()).unwrap())
    };
    let one = run(1);
    let four = run(4);
    assert_eq!(one, four);
    let s = town(false);
    let uniform = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| evaluate_capacity(&s, &SignalOptions::default()).unwrap())
    };
    assert_eq!(uniform(1), uniform(3));
}

#[test]
fn operators_share_traffic_by_market_share_and_do_not_interfere() {
    // two operators with identical sites at the same places
    let mut sites = Vec::new();
    for (op, suffix) in [("Viettel", "v"), ("VNPT", "n")] {
        sites.push(lte_site(&format!("A{suffix}"), (LON - 0.005, LAT)).with_operator(op));
        sites.push(lte_site(&format!("B{suffix}"), (LON + 0.005, LAT)).with_operator(op));
    }
    let mut s = scenario(vec![ward(1, 0.01, 20_000.0)], sites, 25.0);
    s.parameters.capacity = CapacityConfig {
        operators: vec![("Viettel".into(), 0.6), ("VNPT".into(), 0.4)],
        ..lte_only()
    };
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let by_id = |id: &str| {
        r.sectors
            .iter()
            .find(|x| x.site_id.key() == id)
            .unwrap()
            .clone()
    };
    let (av, an) = (by_id("Av"), by_id("An"));
    assert!((av.load_mbps / an.load_mbps - 1.5).abs() < 1e-9);
    // the same SINR for both: each hears only its own operator's sites
    assert!((av.mean_sinr_db.unwrap() - an.mean_sinr_db.unwrap()).abs() < 1e-9);
    assert!((av.capacity_mbps.unwrap() - an.capacity_mbps.unwrap()).abs() < 1e-9);
    // one network of the same sites: four co-channel sites, lower SINR
    let mut one = s.clone();
    one.parameters.capacity.operators.clear();
    let r1 = evaluate_capacity(&one, &SignalOptions::default()).unwrap();
    let sinr_one = r1.sectors[0].mean_sinr_db.unwrap();
    assert!(sinr_one < av.mean_sinr_db.unwrap(), "{sinr_one}");

    // per-operator coverage: each alone, and the union
    let cov = r.coverage_by_operator.as_ref().unwrap();
    assert_eq!(cov.operators.len(), 2);
    for o in &cov.operators {
        assert!(o.population_covered.g4 <= cov.union.g4 + 1e-9);
        assert_eq!(
            o.population_covered.g4,
            o.population_covered.mobile_broadband
        );
    }
    // identical networks cover the same people
    assert!((cov.operators[0].population_covered.g4 - cov.union.g4).abs() < 1e-9 * cov.union.g4);
}

#[test]
fn operator_coverage_is_each_network_alone() {
    // Viettel west, VNPT east, far apart: the union is the sum
    let sites = vec![
        lte_site("W", (LON - 0.03, LAT)).with_operator("Viettel"),
        lte_site("E", (LON + 0.03, LAT)).with_operator("VNPT"),
    ];
    let s = with_capacity(
        scenario(vec![ward(1, 0.04, 50_000.0)], sites, 50.0),
        lte_only(),
    );
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let cov = r.coverage_by_operator.unwrap();
    let (w, e) = (&cov.operators[0], &cov.operators[1]);
    assert_eq!(
        (w.operator.as_str(), e.operator.as_str()),
        ("Viettel", "VNPT")
    );
    assert!(w.population_covered.g4 > 0.0 && e.population_covered.g4 > 0.0);
    let sum = w.population_covered.g4 + e.population_covered.g4;
    assert!(
        (sum - cov.union.g4).abs() < 1e-9 * sum,
        "{sum} vs {}",
        cov.union.g4
    );
    assert_eq!(w.communes.len(), 1);
}

#[test]
fn operators_without_sites_operator_are_refused() {
    let sites = vec![
        lte_site("W", (LON - 0.03, LAT)).with_operator("Viettel"),
        lte_site("E", (LON + 0.03, LAT)),
    ];
    let mut s = scenario(vec![ward(1, 0.04, 50_000.0)], sites, 50.0);
    s.parameters.capacity.operators = vec![("Viettel".into(), 1.0)];
    let err = evaluate_capacity(&s, &SignalOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sites.geojson") && err.contains("feature 1") && err.contains("operator"),
        "{err}"
    );

    // the loader names the file it read
    let dir = std::env::temp_dir().join(format!("telecov-capacity-{}", std::process::id()));
    let mut s2 = s.clone();
    s2.parameters.capacity = CapacityConfig::default();
    telecov::io::write_scenario(&dir, &s2).unwrap();
    std::fs::write(
        dir.join("scenario.toml"),
        "resolution_m = 50\n[capacity.operators]\nViettel = 1\n",
    )
    .unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(
        err.contains("sites.geojson") && err.contains("feature 1") && err.contains("\"operator\""),
        "{err}"
    );
    // a listed operator, and shares that do not sum to 1
    std::fs::write(
        dir.join("scenario.toml"),
        "[capacity.operators]\nViettel = 0.7\nVNPT = 0.2\n",
    )
    .unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(
        err.contains("capacity.operators") && err.contains("sum to 1"),
        "{err}"
    );
    std::fs::write(
        dir.join("scenario.toml"),
        "[capacity]\ntechnology_share = { \"4G\" = \"all\" }\n",
    )
    .unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(err.contains("capacity.technology_share.4G"), "{err}");
    std::fs::write(
        dir.join("scenario.toml"),
        "[capacity]\nthroughput_thresholds_mbps = [5, \"x\"]\n",
    )
    .unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(err.contains("throughput_thresholds_mbps"), "{err}");
    std::fs::write(dir.join("scenario.toml"), "[radio.4G]\noverhead = 1\n").unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(err.contains("radio.4G.overhead"), "{err}");
    std::fs::write(dir.join("scenario.toml"), "[radio.5G]\nmimo_layers = 0.5\n").unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(err.contains("radio.5G.mimo_layers"), "{err}");
    std::fs::write(dir.join("scenario.toml"), "[capacity]\nbusy_hour = 2\n").unwrap();
    let err = telecov::io::load_scenario(&dir).unwrap_err().to_string();
    assert!(
        err.contains("capacity.busy_hour") && err.contains("unknown key"),
        "{err}"
    );
    // a good table loads, with the [radio.4G] capacity keys
    std::fs::write(
        dir.join("scenario.toml"),
        "[capacity]\nmonthly_gb = 15\nbusy_hour_traffic_share = 0.08\nthroughput_thresholds_mbps = [1, 2.5]\n[radio.4G]\nmimo_layers = 4\noverhead = 0.2\n",
    )
    .unwrap();
    let loaded = telecov::io::load_scenario(&dir).unwrap();
    assert_eq!(
        loaded.parameters.capacity.throughput_thresholds_mbps,
        vec![1.0, 2.5]
    );
    assert_eq!(
        loaded
            .parameters
            .radio
            .technology(Technology::G4)
            .mimo_layers,
        4.0
    );
    let r = evaluate_capacity(&loaded, &SignalOptions::default()).unwrap();
    assert!(r.totals.people_at_least_mbps.contains_key("2.5"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capacity_files_have_the_documented_shape() {
    let s = town(false);
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("telecov-capacity-out-{}", std::process::id()));
    telecov::io::write::write_capacity(&dir, &s, &r).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("capacity.json")).unwrap()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["communes", "sectors", "totals"]);
    let sector_keys = [
        "site_id",
        "sector",
        "operator",
        "technology",
        "served_people",
        "active_users",
        "load_mbps",
        "capacity_mbps",
        "utilisation",
        "mean_sinr_db",
        "mean_spectral_efficiency",
        "user_throughput_mbps",
    ];
    for sec in json["sectors"].as_array().unwrap() {
        let o = sec.as_object().unwrap();
        assert_eq!(o.len(), sector_keys.len());
        for k in sector_keys {
            assert!(o.contains_key(k), "{k}");
        }
    }
    // the omni site D
    let d = json["sectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["site_id"] == "D")
        .unwrap();
    assert!(d["sector"].is_null());
    let c = &json["communes"][0];
    for k in [
        "id",
        "people",
        "people_within_capacity",
        "pct_within_capacity",
        "mean_user_throughput_mbps",
        "p10_user_throughput_mbps",
        "people_at_least_mbps",
    ] {
        assert!(c.get(k).is_some(), "{k}");
    }
    assert_eq!(c["people_at_least_mbps"].as_object().unwrap().len(), 3);
    let map: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sectors.geojson")).unwrap()).unwrap();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len(), r.sectors.len());
    let kinds: Vec<&str> = features
        .iter()
        .map(|f| f["geometry"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "Polygon").count(), 9);
    assert_eq!(kinds.iter().filter(|k| **k == "Point").count(), 1);
    assert!(features[0]["properties"].get("utilisation").is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A hexagonal urban layout like pysim5g's: inter-site distance 800 m,
/// 800 MHz, 10 MHz, 3 sectors, interferers at 50 % load. The central
/// site's three sectors serve the hexagon around it; its area capacity is
/// set beside 2.2 bit/s/Hz/cell × 10 MHz × 3 cells per site on the same
/// hexagon. 2.2 is the IMT-Advanced *minimum requirement* for the downlink
/// cell spectral efficiency in the base-coverage urban test environment
/// (ITU-R M.2134 Table 1), which ITU-R M.2135 defines with its own layout
/// (urban macro, 500 m between sites, 2 GHz, 4×2 antennas): a yardstick of
/// the order of magnitude, not a result for this layout, and not a pysim5g
/// figure (pysim5g publishes none for it).
#[test]
fn hexagonal_urban_layout_area_capacity_against_a_published_figure() {
    let isd_m = 800.0;
    let centre = Point::new(LON, LAT);
    // two rings of hexagonal neighbours: 19 sites
    let mut at = vec![centre];
    for ring in 1..=2 {
        for k in 0..6 {
            let corner = Geodesic.destination(centre, 60.0 * k as f64, ring as f64 * isd_m);
            for step in 0..ring {
                let p = Geodesic.destination(corner, 60.0 * k as f64 + 120.0, step as f64 * isd_m);
                at.push(p);
            }
        }
    }
    assert_eq!(at.len(), 19);
    let sites: Vec<Site> = at
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Site::new(i as i64, *p, [Technology::G4])
                .with_height_m(30.0)
                .with_radio(RadioParams {
                    tx_power_dbm: Some(46.0),
                    frequency_mhz: Some(800.0),
                    ..RadioParams::default()
                })
                .with_sectors(vec![
                    Sector::new(30.0, 65.0),
                    Sector::new(150.0, 65.0),
                    Sector::new(270.0, 65.0),
                ])
        })
        .collect();
    // demand: points on the hexagon of the central site (every point
    // closer to it than to a neighbour), 20 m apart
    let mut points = Vec::new();
    let step = 20.0;
    let n = (isd_m / step) as i64;
    for i in -n..=n {
        for j in -n..=n {
            let (x, y) = (i as f64 * step, j as f64 * step);
            let p = Geodesic.destination(centre, x.atan2(y).to_degrees(), x.hypot(y));
            let d0 = Geodesic.distance(centre, p);
            if at[1..7].iter().all(|q| Geodesic.distance(*q, p) > d0) {
                points.push(PopulationPoint::new(p, 1.0, 0.3));
            }
        }
    }
    let mut s = Scenario::new(vec![ward(1, 0.03, 0.0)])
        .with_sites(sites)
        .with_population(points)
        .with_parameters(Parameters::default());
    s.parameters
        .radio
        .technology_mut(Technology::G4)
        .bandwidth_mhz = 10.0;
    s.parameters
        .radio
        .technology_mut(Technology::G4)
        .frequency_mhz = 800.0;
    s.parameters.capacity = lte_only();
    let options = SignalOptions {
        interferer_load: 0.5,
        ..SignalOptions::default()
    };
    let r = evaluate_capacity(&s, &options).unwrap();
    let central: Vec<_> = r.sectors.iter().filter(|x| x.site == 0).collect();
    let hex_km2 = 3f64.sqrt() / 2.0 * (isd_m / 1000.0).powi(2);
    let capacity: f64 = central.iter().map(|x| x.capacity_mbps.unwrap()).sum();
    let area_capacity = capacity / hex_km2;
    let reference = 2.2 * 10.0 * 3.0 / hex_km2;
    let factor = area_capacity / reference;
    let mean_se: f64 = central
        .iter()
        .map(|x| x.mean_spectral_efficiency.unwrap())
        .sum::<f64>()
        / 3.0;
    println!(
        "hexagon {hex_km2:.3} km²: area capacity {area_capacity:.1} Mbps/km² (3 sectors, {capacity:.1} Mbps), reference {reference:.1} Mbps/km², factor {factor:.2}, mean SE per layer {mean_se:.2}, mean SINR {:.1} dB",
        central.iter().map(|x| x.mean_sinr_db.unwrap()).sum::<f64>() / 3.0
    );
    // the central site serves (almost) all its hexagon
    let served: f64 = central.iter().map(|x| x.served_people).sum();
    assert!(
        served > 0.99 * r.totals.people,
        "{served} of {}",
        r.totals.people
    );
    assert!((0.5..2.0).contains(&factor), "factor {factor}");
}

/// The demo city with a capacity table (the fragment README.md documents):
/// the operators' market shares of the synthetic city's calibration, the
/// default busy-hour demand.
const DEMO_CAPACITY: &str = r#"
[capacity]
subscribers_per_resident = 0.85
busy_hour_active_share = 0.10
busy_hour_mbps = 2.0
technology_share = { "4G" = 0.7, "5G" = 0.2, "3G" = 0.1 }
[capacity.operators]
Viettel = 0.42
VNPT = 0.31
MobiFone = 0.27
"#;

#[test]
fn demo_with_a_capacity_table_shows_overloaded_sectors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let mut s = telecov::io::load_scenario(&dir).unwrap();
    let p: Parameters = toml::from_str(DEMO_CAPACITY).unwrap();
    s.parameters.capacity = p.capacity;
    s.parameters.resolution_m = 200.0;
    let r = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    assert_conserved(&r);
    let loaded: Vec<_> = r
        .sectors
        .iter()
        .filter(|x| x.utilisation.is_some())
        .collect();
    let over: Vec<_> = loaded
        .iter()
        .filter(|x| x.utilisation.unwrap() > 1.0)
        .collect();
    println!(
        "{} sectors, {} carrying load, {} overloaded; {:.1} % of residents within capacity",
        r.sectors.len(),
        loaded.len(),
        over.len(),
        r.totals.pct_within_capacity.unwrap()
    );
    for o in over.iter().take(5) {
        println!(
            "  {} {:?} {} {:?}: utilisation {:.2}",
            o.site_id,
            o.sector,
            o.technology,
            o.operator,
            o.utilisation.unwrap()
        );
    }
    assert!(!over.is_empty() && over.len() < loaded.len());
    // every operator's traffic reaches its own sites only
    for x in &r.sectors {
        assert!(x.operator.is_some());
    }
    let cov = r.coverage_by_operator.as_ref().unwrap();
    assert_eq!(cov.operators.len(), 3);
    for o in &cov.operators {
        assert!(o.population_covered.g4 <= cov.union.g4 * (1.0 + 1e-12));
        assert!(o.population_covered.mobile_broadband >= o.population_covered.g4 - 1e-9);
    }
}
