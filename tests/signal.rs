//! Signal-level mode: agreement with the range mode under a hard-wedge
//! pattern, levels and pattern against an independent geodesic
//! computation, SINR in closed form, conservation and thread independence.

mod common;

use common::{omni, rect, scenario, square_deg};
use geo::{Bearing, Distance, Geodesic, Point};
use telecov::engine::signal::{
    best_server_map, evaluate_signal, AntennaPattern, SignalOptions, SignalReport,
};
use telecov::model::{
    Commune, CommuneKind, PopulationPoint, RadioParams, Scenario, Sector, Site, SiteRange,
    Technology,
};
use telecov::propagation::{Environment, SiteLink};
use telecov::synth::{generate, CityConfig};
use telecov::{evaluate_with, Options, Sampling};

const LON: f64 = 105.75;
const LAT: f64 = 10.03;

/// A commune of 10,000 people and 3,000 households on a square of
/// half-side `half_deg` around (LON, LAT).
fn square_commune(id: i64, kind: CommuneKind, half_deg: f64) -> Commune {
    Commune::new(
        id,
        square_deg(Point::new(LON, LAT), half_deg),
        10_000.0,
        3_000.0,
    )
    .with_kind(kind)
}

/// A small synthetic city where a third of the sites are in link-budget
/// mode (no range, radio parameters), some sectors carry their own range,
/// and the rest keep their ranges.
fn mixed_city() -> Scenario {
    let mut s = generate(&CityConfig {
        area_km2: 80.0,
        sites: 60,
        five_g_sites: 6,
        ..CityConfig::can_tho()
    });
    s.parameters.resolution_m = 150.0;
    for (i, site) in s.sites.iter_mut().enumerate() {
        match i % 3 {
            0 => {
                site.range_m = SiteRange::Unset;
                site.radio = RadioParams {
                    tx_power_dbm: Some(40.0 + (i % 7) as f64),
                    antenna_gain_dbi: Some(15.0 + (i % 4) as f64),
                    frequency_mhz: None,
                    environment: None,
                };
            }
            1 => {
                if let Some(sec) = site.sectors.first_mut() {
                    sec.range_m = Some(700.0 + 10.0 * i as f64);
                }
            }
            _ => {}
        }
    }
    s
}

fn hard_wedge() -> SignalOptions {
    SignalOptions {
        pattern: AntennaPattern::HardWedge,
        ..SignalOptions::default()
    }
}

#[test]
fn hard_wedge_without_interference_agrees_with_range_mode_uniform() {
    let s = mixed_city();
    let range = evaluate_with(
        &s,
        &Options {
            sampling: Sampling::CellCentres,
            ..Options::default()
        },
    )
    .unwrap();
    let signal = evaluate_signal(&s, &hard_wedge()).unwrap();
    let cell_people = |c: usize| {
        // people per grid cell of commune c: the tolerance of one cell
        let pop = range.communes[c].population;
        let area_m2 = range.communes[c].area_km2 * 1e6;
        pop * (s.parameters.resolution_m.powi(2) / area_m2).min(1.0)
    };
    let mut worst = 0.0f64;
    let mut compared = 0;
    for (c, (r, g)) in range.communes.iter().zip(&signal.communes).enumerate() {
        for t in Technology::ALL {
            let a = r.population_covered.get(t);
            let b = g.figures.layers.get(t).population_covered;
            let diff = (a - b).abs();
            worst = worst.max(diff / cell_people(c).max(1e-9));
            // at most one boundary cell decided differently by rounding
            assert!(
                diff <= cell_people(c) + 1e-6,
                "commune {c} {t}: range mode {a}, signal mode {b}"
            );
            compared += 1;
        }
    }
    println!("{compared} commune-layer figures compared; worst difference {worst:.3} cells");
    let total_range = range.totals.population_covered.get(Technology::G4);
    let total_signal = signal.totals.layers.g4.population_covered;
    assert!(
        total_range > 0.3 * range.totals.population,
        "the test city is covered"
    );
    assert!(
        (total_range - total_signal).abs() <= 1e-6 * total_range.max(1.0) + 2.0 * cell_people(0)
    );
}

#[test]
fn hard_wedge_without_interference_agrees_with_range_mode_points() {
    let mut s = mixed_city();
    // one population point every ~300 m over the city
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for c in &s.communes {
        use geo::BoundingRect;
        let r = c.geometry.as_ref().unwrap().bounding_rect().unwrap();
        x0 = x0.min(r.min().x);
        y0 = y0.min(r.min().y);
        x1 = x1.max(r.max().x);
        y1 = y1.max(r.max().y);
    }
    let mut points = Vec::new();
    let step = 0.0027;
    let mut y = y0;
    while y < y1 {
        let mut x = x0;
        while x < x1 {
            points.push(PopulationPoint::new((x, y), 3.0, 1.0));
            x += step;
        }
        y += step;
    }
    s.population = Some(points);
    let range = telecov::evaluate(&s).unwrap();
    let signal = evaluate_signal(&s, &hard_wedge()).unwrap();
    assert_eq!(
        range.totals.unassigned_population,
        signal.unassigned_population
    );
    for (r, g) in range.communes.iter().zip(&signal.communes) {
        assert_eq!(r.population, g.figures.population);
        for t in Technology::ALL {
            let a = r.population_covered.get(t);
            let b = g.figures.layers.get(t).population_covered;
            // a point exactly on a range boundary may round either way
            assert!((a - b).abs() <= 3.0 + 1e-9, "{t}: {a} vs {b}");
        }
    }
}

#[test]
fn omni_sites_give_the_same_figures_under_both_patterns() {
    let mut s = mixed_city();
    for site in &mut s.sites {
        site.sectors.clear();
    }
    let a = evaluate_signal(&s, &hard_wedge()).unwrap();
    let b = evaluate_signal(&s, &SignalOptions::default()).unwrap();
    assert_eq!(a.totals.layers, b.totals.layers);
}

/// One 4G site with three sectors in a ward; best-server levels on a map
/// checked against an independent computation from geodesic distance and
/// bearing.
#[test]
fn levels_and_pattern_match_an_independent_computation() {
    let site = Site::new("S", (LON + 0.001, LAT - 0.002), [Technology::G4])
        .with_height_m(30.0)
        .with_sectors(vec![
            Sector::new(10.0, 65.0),
            Sector::new(130.0, 65.0),
            Sector::new(250.0, 90.0),
        ])
        .with_radio(RadioParams {
            tx_power_dbm: Some(43.0),
            antenna_gain_dbi: Some(17.0),
            frequency_mhz: Some(1800.0),
            environment: None,
        });
    let s = Scenario::new(vec![square_commune(1, CommuneKind::Ward, 0.02)])
        .with_sites(vec![site.clone()]);
    let options = SignalOptions {
        thresholds_dbm: vec![-100.0, -90.0],
        ..SignalOptions::default()
    };
    let map = best_server_map(&s, &options, Technology::G4, 100.0).unwrap();
    assert!(map.len() > 1000);
    let (link, _) = SiteLink::resolve(
        Technology::G4,
        &site.radio,
        30.0,
        Environment::Urban,
        &s.parameters.radio,
    );
    let link = link.unwrap();
    let mut worst = 0.0f64;
    let mut heard = 0;
    for p in &map {
        let at = Point::new(p.lon, p.lat);
        let d = Geodesic.distance(site.location, at);
        let bearing = Geodesic.bearing(site.location, at).rem_euclid(360.0);
        // the best of the three sectors, 3GPP pattern capped at 25 dB
        let best = site
            .sectors
            .iter()
            .map(|sec| {
                let off = (bearing - sec.azimuth_deg).rem_euclid(360.0);
                let off = off.min(360.0 - off);
                let a = (12.0 * (off / sec.beamwidth_deg).powi(2)).min(25.0);
                link.level_dbm(d) - a
            })
            .fold(f64::NEG_INFINITY, f64::max);
        if let Some(level) = p.level_dbm {
            heard += 1;
            if d > 50.0 {
                worst = worst.max((level - best).abs());
            }
            assert_eq!(p.covered, level >= link.design_level_dbm() - 1e-9);
        } else {
            // not heard: below every threshold and the design level
            let floor = options
                .thresholds_dbm
                .iter()
                .fold(link.design_level_dbm(), |a, b| a.min(*b));
            assert!(best < floor + 0.05, "{best} dBm not heard");
        }
    }
    println!("{heard} points heard; worst level difference {worst:.4} dB");
    assert!(heard > 500);
    assert!(worst < 0.02, "worst level difference {worst} dB");
}

#[test]
fn sinr_halfway_between_two_equal_sites_is_zero_db() {
    let mk = |id: &str, dlon: f64| {
        Site::new(id, (LON + dlon, LAT), [Technology::G4])
            .with_height_m(30.0)
            .with_radio(RadioParams {
                tx_power_dbm: Some(46.0),
                ..RadioParams::default()
            })
    };
    let points = vec![
        PopulationPoint::new((LON, LAT), 10.0, 3.0),
        PopulationPoint::new((LON - 0.0045, LAT), 5.0, 1.0),
    ];
    let s = Scenario::new(vec![square_commune(1, CommuneKind::Ward, 0.02)])
        .with_sites(vec![mk("A", -0.005), mk("B", 0.005)])
        .with_population(points);
    let options = SignalOptions {
        sinr_technology: Some(Technology::G4),
        ..SignalOptions::default()
    };
    let only_mid = {
        let mut m = s.clone();
        m.population.as_mut().unwrap().truncate(1);
        evaluate_signal(&m, &options).unwrap()
    };
    let sinr = only_mid.totals.sinr.as_ref().unwrap().mean_sinr_db.unwrap();
    // S = I: SINR = S − 10·log10(S + N) in mW, with S from the link at the
    // geodesic distance and N = −174 + 10·log10(18 MHz) + 7 dB
    let (link, _) = SiteLink::resolve(
        Technology::G4,
        &s.sites[0].radio,
        30.0,
        Environment::Urban,
        &s.parameters.radio,
    );
    let level = link
        .unwrap()
        .level_dbm(Geodesic.distance(s.sites[0].location, Point::new(LON, LAT)));
    let noise_dbm = -174.0 + 10.0 * 18e6f64.log10() + 7.0;
    let expected = level - 10.0 * (10f64.powf(level / 10.0) + 10f64.powf(noise_dbm / 10.0)).log10();
    println!("midpoint: level {level:.2} dBm, SINR {sinr:.3} dB, expected {expected:.3} dB");
    assert!(expected < 0.0 && expected > -1.0);
    assert!(
        (sinr - expected).abs() < 0.01,
        "SINR at the midpoint {sinr} dB"
    );
    // half load: I halves, SINR = +3 dB
    let half = SignalOptions {
        interferer_load: 0.5,
        ..options.clone()
    };
    let mut m = s.clone();
    m.population.as_mut().unwrap().truncate(1);
    let r = evaluate_signal(&m, &half).unwrap();
    let sinr_half = r.totals.sinr.as_ref().unwrap().mean_sinr_db.unwrap();
    let expected_half =
        level - 10.0 * (0.5 * 10f64.powf(level / 10.0) + 10f64.powf(noise_dbm / 10.0)).log10();
    assert!((sinr_half - expected_half).abs() < 0.01, "{sinr_half}");
    // near site A, SINR is well above 0
    let both = evaluate_signal(&s, &options).unwrap();
    let mean = both.totals.sinr.as_ref().unwrap().mean_sinr_db.unwrap();
    assert!(mean > sinr + 1.0, "{mean}");
}

fn all_figures_consistent(r: &SignalReport) {
    for c in &r.communes {
        let f = &c.figures;
        for t in Technology::ALL {
            let l = f.layers.get(t);
            assert!(l.population_covered <= l.population_served + 1e-6);
            assert!(l.population_served <= f.population + 1e-6);
            for w in l.population_above.windows(2) {
                assert!(w[0] + 1e-9 >= w[1], "thresholds are increasing");
            }
        }
    }
    let sum: f64 = r.communes.iter().map(|c| c.figures.population).sum();
    assert!((sum - r.totals.population).abs() <= 1e-9 * sum.max(1.0));
}

#[test]
fn everyone_is_counted_once_and_figures_nest() {
    let s = mixed_city();
    let r = evaluate_signal(&s, &SignalOptions::default()).unwrap();
    let input: f64 = s.communes.iter().map(|c| c.population.unwrap_or(0.0)).sum();
    assert!((r.totals.population - input).abs() <= 1e-9 * input);
    all_figures_consistent(&r);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let s = mixed_city();
    let options = SignalOptions {
        sinr_technology: Some(Technology::G4),
        ..SignalOptions::default()
    };
    let run = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
            .install(|| serde_json::to_string(&evaluate_signal(&s, &options).unwrap()).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
}

#[test]
fn absurd_requests_are_refused_before_work() {
    let mut s = mixed_city();
    s.parameters.resolution_m = 0.01;
    let e = evaluate_signal(&s, &SignalOptions::default()).unwrap_err();
    assert!(e.to_string().contains("resolution_m"), "{e}");
    let s = mixed_city();
    let e = best_server_map(&s, &SignalOptions::default(), Technology::G4, 0.001).unwrap_err();
    assert!(e.to_string().contains("demand points"), "{e}");
    let bad = SignalOptions {
        interferer_load: 0.0,
        ..SignalOptions::default()
    };
    assert!(evaluate_signal(&s, &bad).is_err());
    let bad = SignalOptions {
        thresholds_dbm: vec![f64::NAN],
        ..SignalOptions::default()
    };
    assert!(evaluate_signal(&s, &bad).is_err());
}

/// Across the antimeridian the signal mode hears a site on the other side,
/// as the range mode covers it, and maps stay within [−180, 180].
#[test]
fn signal_mode_crosses_the_antimeridian() {
    let commune = |id: i64, w: f64, e: f64| {
        Commune::new(id, rect(w, -16.1, e, -16.0), 10_000.0, 2_500.0).with_kind(CommuneKind::Ward)
    };
    let s = scenario(
        vec![commune(1, 179.9, 180.0), commune(2, -180.0, -179.9)],
        vec![omni(1, (179.995, -16.05), [Technology::G4], 2_000.0).with_height_m(30.0)],
        50.0,
    );
    let range = evaluate_with(
        &s,
        &Options {
            sampling: Sampling::CellCentres,
            ..Options::default()
        },
    )
    .unwrap();
    let signal = evaluate_signal(&s, &hard_wedge()).unwrap();
    let across = signal.communes[1].figures.layers.g4.population_covered;
    assert!(across > 100.0, "the site reaches across 180°: {across}");
    for (r, g) in range.communes.iter().zip(&signal.communes) {
        let a = r.population_covered.g4;
        let b = g.figures.layers.g4.population_covered;
        assert!((a - b).abs() < 1e-6 * a.max(1.0), "{a} vs {b}");
    }
    let map = best_server_map(&s, &hard_wedge(), Technology::G4, 200.0).unwrap();
    assert!(map.iter().all(|p| (-180.0..=180.0).contains(&p.lon)));
    assert!(map.iter().any(|p| p.lon < 0.0 && p.site == Some(0)));
}
