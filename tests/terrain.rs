//! Terrain-shaped coverage: a flat DEM gives the terrain-free report, a
//! ridge shadows what lies behind it (checked point by point against the
//! full delta-Bullington method on independently sampled profiles),
//! raising an antenna never shrinks coverage, results do not depend on the
//! number of threads, footprints are cached and a bad cache is ignored,
//! a cached run never decodes the DEM and an edited or damaged DEM is
//! never served from the cache, and clutter only ever shrinks a footprint
//! (none: the bare footprint bit for bit).

mod common;

use common::{communes_box, dem, dem_grid, demo};

use geo::{Destination, Geodesic, Point};
use proptest::prelude::*;
use telecov::engine::footprint::{compute_footprint, FootprintRequest, RayModel};
use telecov::model::{
    Commune, Dem, DemGrid, Layer, RadioParams, Scenario, Technology, Terrain, TerrainModel,
    TerrainParameters,
};
use telecov::propagation::{DeltaBullington, Environment, RadioConfig, SiteLink, TerrainProfile};

const LON: f64 = 105.0;
const LAT: f64 = 10.0;
/// One arc-second, degrees (about 30 m).
const ARCSEC: f64 = 1.0 / 3600.0;

#[test]
fn a_flat_dem_reproduces_the_terrain_free_report() {
    let base = demo();
    let plain = telecov::evaluate(&base).unwrap();
    let (w, s, e, n) = communes_box(&base);
    let pad = 0.08;
    let flat = dem(w - pad, s - pad, e + pad, n + pad, ARCSEC, |_, _| 2.5);
    let with = base.clone().with_terrain(flat);
    let terrain = with.terrain.clone().unwrap();
    let shaped = telecov::evaluate(&with).unwrap();
    // every site layer got its footprint
    assert!(terrain.footprints().len() >= with.sites.len());
    let mut worst: f64 = 0.0;
    for (a, b) in plain.communes.iter().zip(&shaped.communes) {
        assert_eq!(a.id, b.id);
        for layer in Layer::ALL {
            let pa = telecov::report::pct(a.covered_population(layer), a.population);
            let pb = telecov::report::pct(b.covered_population(layer), b.population);
            worst = worst.max((pa - pb).abs());
            assert!(
                (pa - pb).abs() <= 0.1,
                "commune {:?} {layer:?}: {pa} % without terrain, {pb} % over flat ground",
                a.id
            );
        }
    }
    eprintln!("flat DEM: worst commune difference {worst:.6} pp");
}

/// A site at (LON, LAT), two 1 km villages 2 km east and west of it, and
/// (optionally) a 120 m ridge 1 km east, running north–south.
fn ridge_scenario(ridge: bool, points: bool) -> Scenario {
    let site = Point::new(LON, LAT);
    let east = Geodesic.destination(site, 90.0, 2000.0);
    let west = Geodesic.destination(site, 270.0, 2000.0);
    let communes = vec![
        Commune::new(1, common::square_m(east, 1000.0), 1000.0, 250.0),
        Commune::new(2, common::square_m(west, 1000.0), 1000.0, 250.0),
    ];
    let sites = vec![common::omni(1, site, [Technology::G4], 3000.0).with_height_m(30.0)];
    let mut s = common::scenario(communes, sites, 25.0);
    if points {
        // a 40 m lattice of demand points over both villages
        let mut pts = Vec::new();
        for c in &s.communes {
            use geo::BoundingRect;
            let r = c.geometry.as_ref().unwrap().bounding_rect().unwrap();
            let step = 40.0 / 111_000.0;
            let mut y = r.min().y + step / 2.0;
            while y < r.max().y {
                let mut x = r.min().x + step / 2.0;
                while x < r.max().x {
                    pts.push(telecov::model::PopulationPoint::new((x, y), 1.0, 0.0));
                    x += step;
                }
                y += step;
            }
        }
        s.population = Some(pts);
    }
    s.with_terrain(Dem::from(ridge_grid(ridge)))
}

/// The DEM of [`ridge_scenario`]: flat at 5 m, with (optionally) a 120 m
/// ridge 1 km east of the site running north–south.
fn ridge_grid(ridge: bool) -> DemGrid {
    let ridge_lon = Geodesic.destination(Point::new(LON, LAT), 90.0, 1000.0).x();
    let height = move |lon: f64, _lat: f64| {
        let off_m = (lon - ridge_lon) * 111_320.0 * LAT.to_radians().cos();
        if ridge {
            5.0 + 120.0 * (-(off_m / 100.0).powi(2)).exp()
        } else {
            5.0
        }
    };
    dem_grid(
        LON - 0.05,
        LAT - 0.05,
        LON + 0.05,
        LAT + 0.05,
        ARCSEC,
        height,
    )
}

#[test]
fn a_ridge_shadows_the_village_behind_it_and_only_that() {
    let without = Scenario {
        terrain: None,
        ..ridge_scenario(true, false)
    };
    let free = telecov::evaluate(&without).unwrap();
    let flat = telecov::evaluate(&ridge_scenario(false, false)).unwrap();
    let ridged = telecov::evaluate(&ridge_scenario(true, false)).unwrap();
    let pct = |r: &telecov::Report, i: usize| r.communes[i].population_covered_pct(Technology::G4);
    // without terrain, or over flat ground, both villages are covered
    for r in [&free, &flat] {
        assert!((pct(r, 0) - 100.0).abs() < 1e-9, "{}", pct(r, 0));
        assert!((pct(r, 1) - 100.0).abs() < 1e-9, "{}", pct(r, 1));
    }
    // behind the ridge: most of the village lost; the other side unchanged
    assert!(pct(&ridged, 0) < 50.0, "east village {} %", pct(&ridged, 0));
    assert!((pct(&ridged, 1) - pct(&flat, 1)).abs() < 1e-9);
}

/// The schools' connections by 4G follow the terrain-shaped coverage,
/// in the library's scorecard and in the command's `scorecard.json` (which
/// tests them against the report's own indexes) alike.
#[test]
fn a_school_behind_a_ridge_is_not_connected_by_the_site_it_cannot_hear() {
    use telecov::model::School;
    use telecov::scorecard::scorecard;
    let site = Point::new(LON, LAT);
    let with_schools = |s: Scenario| Scenario {
        schools: Some(vec![
            School::new("east", Geodesic.destination(site, 90.0, 2000.0)),
            School::new("west", Geodesic.destination(site, 270.0, 2000.0)),
        ]),
        ..s
    };
    let value = |card: &telecov::scorecard::Scorecard, i: i64| {
        let c = card
            .communes
            .iter()
            .find(|c| c.id == telecov::model::FeatureId::from(i))
            .unwrap();
        let (_, v) = c
            .indicators
            .iter()
            .find(|(n, _)| *n == "schools_connected_pct")
            .unwrap();
        v.value.unwrap()
    };
    let options = telecov::Options::default();
    for (ridge, east) in [(false, 100.0), (true, 0.0)] {
        let s = with_schools(ridge_scenario(ridge, false));
        let report = telecov::evaluate(&s).unwrap();
        let card = scorecard(&s, &report, &options).unwrap();
        assert_eq!(
            (value(&card, 1), value(&card, 2)),
            (east, 100.0),
            "ridge {ridge}"
        );

        // the command on the same scenario written to disk
        let dir = tempfile::tempdir().unwrap();
        let (scenario_dir, out) = (dir.path().join("scenario"), dir.path().join("out"));
        telecov::io::write_scenario(&scenario_dir, &s).unwrap();
        telecov::synth::dem::write_terrain_tif(&scenario_dir, &ridge_grid(ridge)).unwrap();
        telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
        let text = std::fs::read_to_string(out.join("scorecard.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let written = |id: i64| {
            json["communes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .unwrap()["indicators"]["schools_connected_pct"]["value"]
                .as_f64()
                .unwrap()
        };
        assert_eq!((written(1), written(2)), (east, 100.0), "ridge {ridge}");
        assert_eq!(
            json["city"]["indicators"]["schools_connected_pct"]["value"].as_f64(),
            Some((east + 100.0) / 2.0)
        );
    }
}

#[test]
fn covered_points_match_the_full_method_on_their_own_profiles() {
    let s = ridge_scenario(true, true);
    let terrain = s.terrain.clone().unwrap();
    let site = s.sites[0].clone();
    let report = telecov::evaluate(&s).unwrap();
    // each point against the full method on its own profile (200 points
    // along the geodesic), leaving out points within 2 dB of the edge
    // (where the sampling may decide either way): the footprint holds the
    // sure ones and not the others, and the report counts between the
    // two
    let environment = telecov::engine::site_environment(&s, &site, None);
    let (link, _) = SiteLink::resolve(
        Technology::G4,
        &site.radio,
        site.height_m,
        environment,
        &RadioConfig::default(),
    );
    let link = link.unwrap();
    let allowed = link.path_loss_unbounded_db(3000.0);
    let model = DeltaBullington::new(link.frequency_mhz, 4.0 / 3.0).unwrap();
    let request = FootprintRequest {
        site: &site,
        technology: Technology::G4,
        range_m: 3000.0,
        sector: None,
        environment,
        allowed_db: None,
    };
    let (fp, _) =
        compute_footprint(&terrain, &TerrainParameters::default(), &request, &link).unwrap();
    let (mut sure_in, mut sure_out, mut unsure) = (0usize, 0usize, 0usize);
    for p in s.population.as_ref().unwrap() {
        let at = p.location.unwrap();
        let d = geo::Distance::distance(&Geodesic, site.location, at);
        let bearing = geo::Bearing::bearing(&Geodesic, site.location, at);
        if d > 3000.0 {
            assert!(!fp.covers(bearing, d));
            sure_out += 1;
            continue;
        }
        // an independent profile: 200 points along the geodesic
        let n = 200;
        let mut dist = Vec::new();
        let mut hts = Vec::new();
        for i in 0..=n {
            let di = d * i as f64 / n as f64;
            let q = Geodesic.destination(site.location, bearing, di);
            dist.push(di / 1000.0);
            hts.push(terrain.dem().unwrap().height_m(q.x(), q.y()).unwrap());
        }
        let profile = TerrainProfile::new(dist.clone(), hts.clone()).unwrap();
        let smooth = TerrainProfile::new(dist, vec![hts[0]; n + 1]).unwrap();
        let actual = model
            .bullington(&profile, hts[0] + 30.0, hts[n] + 1.5)
            .loss_db;
        let reference = model
            .bullington(&smooth, hts[0] + 30.0, hts[0] + 1.5)
            .loss_db;
        let margin = allowed - link.path_loss_unbounded_db(d) - (actual - reference).max(0.0);
        let held = fp.covers(bearing, d);
        if margin > 2.0 {
            assert!(held, "{at:?}: margin {margin} dB, not in the footprint");
            sure_in += 1;
        } else if margin < -2.0 {
            assert!(!held, "{at:?}: margin {margin} dB, in the footprint");
            sure_out += 1;
        } else {
            unsure += 1;
        }
    }
    let covered = report.totals.population_covered.g4;
    let total = (sure_in + sure_out + unsure) as f64;
    assert!(
        sure_out > 100 && sure_in > 100,
        "{sure_in} in, {sure_out} out"
    );
    assert!(
        covered >= sure_in as f64 && covered <= (sure_in + unsure) as f64,
        "report covers {covered} of {total}; the method: {sure_in} surely, {unsure} near the edge"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Raising a link-budget site's antenna (its allowed loss fixed) never
    /// uncovers a point of a ray over any terrain: the covered intervals at
    /// the lower height lie within those at the higher one.
    #[test]
    fn raising_the_antenna_never_shrinks_coverage(
        bumps in proptest::collection::vec((0.0..3000.0f64, 0.0..150.0f64, 30.0..400.0f64), 0..6),
        h in 10.0..60.0f64,
        raise in 1.0..40.0f64,
        tech in prop_oneof![Just(Technology::G2), Just(Technology::G4), Just(Technology::G5)],
        env in prop_oneof![Just(Environment::Urban), Just(Environment::Suburban), Just(Environment::Rural)],
    ) {
        let radio = RadioParams { tx_power_dbm: Some(43.0), ..RadioParams::default() };
        let link = |height: f64| {
            SiteLink::resolve(tech, &radio, height, env, &RadioConfig::default()).0.unwrap()
        };
        let (low, high) = (link(h), link(h + raise));
        // the empirical models themselves change with height (TR 38.901
        // UMi below 25 m, UMa above): the property is the terrain's, so
        // only pairs whose terrain-free loss does not grow are tried
        prop_assume!((1..=300).all(|i| {
            let d = i as f64 * 10.0;
            high.path_loss_unbounded_db(d) <= low.path_loss_unbounded_db(d)
        }));
        let allowed = low.budget.max_path_loss_db();
        let range_m = 3000.0;
        let a = RayModel::new(&low, allowed, 4.0 / 3.0, range_m, 30.0).unwrap();
        let b = RayModel::new(&high, allowed, 4.0 / 3.0, range_m, 30.0).unwrap();
        let heights: Vec<f64> = (0..=a.samples())
            .map(|j| {
                let d = a.distance_m(j);
                bumps.iter().map(|(c, hh, w)| hh * (-((d - c) / w).powi(2)).exp()).sum::<f64>()
            })
            .collect();
        let (mut ia, mut ib, mut scratch) = (Vec::new(), Vec::new(), Vec::new());
        a.covered(&heights, &mut scratch, &mut ia);
        b.covered(&heights, &mut scratch, &mut ib);
        for &[lo, hi] in &ia {
            // every covered sample of the low ray is covered by the high one
            for j in 0..=a.samples() {
                let d = a.distance_m(j) as f32;
                if d >= lo && d <= hi {
                    prop_assert!(
                        ib.iter().any(|&[l, u]| l <= d + 1e-3 && d <= u + 1e-3),
                        "{d} m covered at {h} m, not at {} m: {ia:?} vs {ib:?}", h + raise
                    );
                }
            }
        }
    }
}

#[test]
fn a_higher_antenna_sees_more_of_the_valley_behind_a_ridge() {
    let mut areas = Vec::new();
    for height_m in [15.0, 30.0, 60.0, 120.0] {
        let mut s = ridge_scenario(true, false);
        s.sites[0].height_m = height_m;
        s.sites[0].radio.tx_power_dbm = Some(43.0);
        s.sites[0].range_m = telecov::model::SiteRange::Unset;
        let terrain = s.terrain.clone().unwrap();
        let site = s.sites[0].clone();
        let request = FootprintRequest {
            site: &site,
            technology: Technology::G4,
            range_m: 3000.0,
            sector: None,
            environment: Environment::Rural,
            allowed_db: Some(150.0),
        };
        let link = SiteLink::resolve(
            Technology::G4,
            &site.radio,
            height_m,
            Environment::Rural,
            &RadioConfig::default(),
        )
        .0
        .unwrap();
        let (fp, outside) =
            compute_footprint(&terrain, &TerrainParameters::default(), &request, &link).unwrap();
        assert!(!outside);
        assert!(fp.is_well_formed());
        areas.push(fp.area_m2());
    }
    assert!(areas.windows(2).all(|w| w[0] <= w[1]), "{areas:?}");
    assert!(areas[0] < areas[3], "{areas:?}");
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    // a fresh terrain each time: nothing shared between the runs
    let run = |threads: usize| {
        common::on_threads(threads, || {
            telecov::evaluate(&common::demo_over_mountains()).unwrap()
        })
    };
    let one = run(1);
    let two = run(2);
    let three = run(3);
    assert_eq!(one, two);
    assert_eq!(one, three);
    // and the mountains do change the figures
    let plain = telecov::evaluate(&demo()).unwrap();
    assert!(one.totals.population_covered.g2 < plain.totals.population_covered.g2);
}

#[test]
fn the_indexed_sweep_over_mountains_equals_the_exhaustive_one() {
    // the sweep's shortcuts (a footprint's covered core holding a
    // commune's box, a chain of footprints checked stretch by stretch)
    // against every shape offered to every line, figure for figure
    use telecov::engine::{Lookup, Options};
    let s = common::demo_over_mountains();
    let indexed = telecov::evaluate(&s).unwrap();
    let exhaustive = telecov::evaluate_with(
        &s,
        &Options {
            lookup: Lookup::Exhaustive,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(indexed.to_json(), exhaustive.to_json());
    // footprints cover some communes in part
    assert!(indexed
        .communes
        .iter()
        .any(|c| c.population_covered.g4 > 0.0 && c.population_covered.g4 < c.population));
}

#[test]
fn model_none_ignores_the_dem() {
    let mut s = ridge_scenario(true, false);
    s.parameters.terrain.model = TerrainModel::None;
    let r = telecov::evaluate(&s).unwrap();
    assert!((r.communes[0].population_covered_pct(Technology::G4) - 100.0).abs() < 1e-9);
}

/// The ridge scenario written to `dir` with a `[terrain]` table holding
/// `good` (loaded and returned), after checking that each of `bad` (a
/// line and the key it must name) is refused naming scenario.toml and the
/// key. `dir` is left with the `good` table.
fn terrain_table(dir: &std::path::Path, good: &str, bad: &[(&str, &str)]) -> Scenario {
    telecov::io::write_scenario(dir, &ridge_scenario(false, false)).unwrap();
    let toml = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    for (bad, key) in bad {
        std::fs::write(&toml, format!("{text}\n[terrain]\n{bad}\n")).unwrap();
        let err = telecov::io::load_scenario(dir).unwrap_err().to_string();
        assert!(
            err.contains(key) && err.contains("scenario.toml"),
            "{bad}: {err}"
        );
    }
    std::fs::write(&toml, format!("{text}\n[terrain]\n{good}\n")).unwrap();
    telecov::io::load_scenario(dir).unwrap()
}

#[test]
fn the_terrain_table_is_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = terrain_table(
        dir.path(),
        "model = \"none\"\nk_factor = 1.0",
        &[
            ("model = \"itm\"", "terrain.model"),
            ("k_factor = 9", "terrain.k_factor"),
            ("clutter = 3", "terrain.clutter"),
        ],
    );
    assert_eq!(s.parameters.terrain.model, TerrainModel::None);
    assert_eq!(s.parameters.terrain.k_factor, 1.0);
    let toml = dir.path().join("scenario.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = &text[..text.rfind("\n[terrain]").unwrap()];
    // a terrain.tif is read with the scenario
    std::fs::write(&toml, text).unwrap();
    let grid = telecov::synth::dem::mountain_terrain(
        geo::Rect::new((LON - 0.05, LAT - 0.05), (LON + 0.05, LAT + 0.05)),
        3.0 * ARCSEC,
        3,
    )
    .unwrap();
    telecov::synth::dem::write_terrain_tif(dir.path(), &grid).unwrap();
    let s = telecov::io::load_scenario(dir.path()).unwrap();
    let t: &Terrain = s.terrain.as_ref().unwrap();
    // decoded when first asked for, to the samples written
    assert!(!t.is_decoded());
    assert_eq!(t.dem().unwrap().grids(), [grid].as_slice());
    assert!(t.is_decoded());
}

#[test]
fn footprints_are_cached_reused_and_a_damaged_cache_is_ignored() {
    use telecov::io::footprint_cache::{load_footprints, CACHE_DIR};
    let dir = tempfile::tempdir().unwrap();
    let scenario_dir = dir.path().join("scenario");
    let out = dir.path().join("out");
    let s = ridge_scenario(true, false);
    telecov::io::write_scenario(&scenario_dir, &s).unwrap();
    let grid = telecov::synth::dem::mountain_terrain(
        geo::Rect::new((LON - 0.05, LAT - 0.05), (LON + 0.05, LAT + 0.05)),
        ARCSEC,
        11,
    )
    .unwrap();
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &grid).unwrap();
    let options = telecov::Options::default();
    let first = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    let cache = out.join(CACHE_DIR);
    let packs = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut v = Vec::new();
        for d in std::fs::read_dir(dir).unwrap() {
            for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
                v.push(f.unwrap().path());
            }
        }
        v
    };
    assert_eq!(packs(&cache).len(), 1);
    // a fresh load of the scenario finds its one footprint in the cache
    let again = telecov::io::load_scenario(&scenario_dir).unwrap();
    let t = again.terrain.as_ref().unwrap();
    let found = load_footprints(&cache, t).unwrap();
    assert_eq!((found.loaded, found.rejected), (1, 0));
    assert!(t.footprints().fresh().is_empty());
    // the second run computes nothing new (no new pack) and agrees
    let second = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    assert_eq!(first, second);
    assert_eq!(packs(&cache).len(), 1);
    // flipped bits: the entry is refused, recomputed, and the run agrees
    let pack = packs(&cache).pop().unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&pack, &bytes).unwrap();
    let fresh = telecov::io::load_scenario(&scenario_dir).unwrap();
    let found = load_footprints(&cache, fresh.terrain.as_ref().unwrap()).unwrap();
    assert_eq!((found.loaded, found.rejected), (0, 1));
    let third = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    assert_eq!(first, third);
    // the recomputed pack has the same name: it replaced the damaged one
    assert_eq!(packs(&cache).len(), 1);
    let fresh = telecov::io::load_scenario(&scenario_dir).unwrap();
    let found = load_footprints(&cache, fresh.terrain.as_ref().unwrap()).unwrap();
    assert_eq!((found.loaded, found.rejected), (1, 0));
    // a changed antenna is another key: the cached footprint is not used
    let mut higher = s.clone();
    higher.sites[0].height_m = 45.0;
    telecov::io::write_scenario(&scenario_dir, &higher).unwrap();
    let fourth = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    assert_eq!(packs(&cache).len(), 2);
    assert_ne!(
        fourth.communes[0].population_covered.g4,
        first.communes[0].population_covered.g4
    );
}

#[test]
fn a_plan_reads_the_existing_sites_footprints_from_the_cache() {
    use telecov::io::footprint_cache::{load_for_scenario, store_for_scenario};
    use telecov::planning::{plan, PlanOptions, Target};
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let options = PlanOptions {
        targets: vec!["4G=100".parse::<Target>().unwrap()],
        max_sites: Some(3),
        ..PlanOptions::default()
    };
    // a first plan computes every footprint and keeps them
    let s = ridge_scenario(true, false);
    assert_eq!(
        load_for_scenario(Some(&cache), &s).unwrap().unwrap().loaded,
        0
    );
    let first = plan(&s, &options).unwrap();
    let store = s.terrain.as_ref().unwrap().footprints();
    let computed = store.fresh().len();
    assert!(computed >= 1, "the existing site's footprint");
    assert_eq!(store_for_scenario(Some(&cache), &s).unwrap(), computed);
    // the same plan again: every footprint read from the cache, none
    // computed, the same plan
    let again = ridge_scenario(true, false);
    let found = load_for_scenario(Some(&cache), &again).unwrap().unwrap();
    assert_eq!((found.loaded, found.rejected), (computed, 0));
    let second = plan(&again, &options).unwrap();
    assert!(again
        .terrain
        .as_ref()
        .unwrap()
        .footprints()
        .fresh()
        .is_empty());
    assert_eq!(first.sites, second.sites);
    assert_eq!(first.claims, second.claims);
    // no terrain shaping, no cache: nothing loaded or stored
    let none = Scenario {
        terrain: None,
        ..ridge_scenario(true, false)
    };
    assert_eq!(load_for_scenario(Some(&cache), &none).unwrap(), None);
    assert_eq!(store_for_scenario(None, &s).unwrap(), 0);
}

#[test]
fn a_cached_run_does_not_decode_the_dem_and_an_edited_dem_is_not_served_from_the_cache() {
    use telecov::io::footprint_cache::{load_footprints, CACHE_DIR};
    let dir = tempfile::tempdir().unwrap();
    let scenario_dir = dir.path().join("scenario");
    let out = dir.path().join("out");
    let s = ridge_scenario(false, false);
    telecov::io::write_scenario(&scenario_dir, &s).unwrap();
    let bbox = geo::Rect::new((LON - 0.05, LAT - 0.05), (LON + 0.05, LAT + 0.05));
    let grid = telecov::synth::dem::mountain_terrain(bbox, ARCSEC, 11).unwrap();
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &grid).unwrap();
    let options = telecov::Options::default();
    let first = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    let cache = out.join(CACHE_DIR);
    // everything cached: the evaluation never decodes the DEM, and agrees
    let again = telecov::io::load_scenario(&scenario_dir).unwrap();
    let t = again.terrain.as_ref().unwrap();
    let found = load_footprints(&cache, t).unwrap();
    assert!(found.loaded >= 1);
    let report = telecov::evaluate(&again).unwrap();
    assert!(!t.is_decoded(), "every footprint came from the cache");
    assert_eq!(
        report.communes[0].population_covered,
        first.communes[0].population_covered
    );
    // the same DEM written again (same bytes): the same key
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &grid).unwrap();
    let same = telecov::io::load_scenario(&scenario_dir).unwrap();
    assert_eq!(same.terrain.as_ref().unwrap().digest(), t.digest());
    // an edited DEM: a 250 m wall across the ridge's valley, no longer the
    // same digest, nothing loaded from the cache, the footprints computed
    // from the new heights
    let mut heights = grid.heights_m().to_vec();
    let layout = *grid.layout();
    for (k, h) in heights.iter_mut().enumerate() {
        let lon = layout.first_lon_deg + (k % layout.width) as f64 * layout.step_lon_deg;
        if (lon - (LON + 0.01)).abs() < 0.001 {
            *h += 250.0;
        }
    }
    let edited = telecov::model::DemGrid::new(layout, heights).unwrap();
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &edited).unwrap();
    let changed = telecov::io::load_scenario(&scenario_dir).unwrap();
    let ct = changed.terrain.as_ref().unwrap();
    assert_ne!(ct.digest(), t.digest());
    assert_eq!(load_footprints(&cache, ct).unwrap().loaded, 0);
    let recomputed = telecov::evaluate(&changed).unwrap();
    assert!(ct.is_decoded());
    assert!(!ct.footprints().fresh().is_empty());
    // and the run with the cache agrees with a run without one
    let direct = telecov::evaluate(&telecov::io::load_scenario(&scenario_dir).unwrap()).unwrap();
    assert_eq!(recomputed, direct);
    let via_cache = telecov::report_scenario(&scenario_dir, &out, &options).unwrap();
    assert_eq!(via_cache, direct);
}

#[test]
fn clutter_never_enlarges_a_footprint_and_none_is_the_bare_footprint() {
    use telecov::model::Clutter;
    let bbox = geo::Rect::new((LON - 0.05, LAT - 0.05), (LON + 0.05, LAT + 0.05));
    let grid = telecov::synth::dem::mountain_terrain(bbox, ARCSEC, 5).unwrap();
    let terrain = Terrain::new(Dem::from(grid));
    let site = common::omni(1, Point::new(LON, LAT), [Technology::G4], 2500.0).with_height_m(25.0);
    let request = FootprintRequest {
        site: &site,
        technology: Technology::G4,
        range_m: 2500.0,
        sector: Some((40.0, 120.0)),
        environment: Environment::Urban,
        allowed_db: None,
    };
    let link = SiteLink::resolve(
        Technology::G4,
        &site.radio,
        site.height_m,
        Environment::Urban,
        &RadioConfig::default(),
    )
    .0
    .unwrap();
    let bare = TerrainParameters::default();
    let footprint =
        |p: &TerrainParameters| compute_footprint(&terrain, p, &request, &link).unwrap().0;
    let today = footprint(&bare);
    // "commune" with zero heights, and "none" with any: the bare footprint,
    // bit for bit, under the same key
    let zero = TerrainParameters {
        clutter: Clutter::Commune,
        clutter_urban_m: 0.0,
        clutter_suburban_m: 0.0,
        clutter_rural_m: 0.0,
        ..bare
    };
    let none_but_heights = TerrainParameters {
        clutter_urban_m: 30.0,
        ..bare
    };
    for p in [zero, none_but_heights] {
        assert_eq!(footprint(&p), today);
        assert_eq!(
            telecov::engine::footprint::footprint_key(&terrain, &p, &request, &link),
            telecov::engine::footprint::footprint_key(&terrain, &bare, &request, &link)
        );
    }
    // rising clutter: nested footprints (every ray's covered set within
    // the previous one's, checked at points along each ray), shrinking
    let mut previous = today.clone();
    let mut areas = vec![today.area_m2()];
    for urban_m in [3.0, 10.0, 20.0] {
        let p = TerrainParameters {
            clutter: Clutter::Commune,
            clutter_urban_m: urban_m,
            ..bare
        };
        let fp = footprint(&p);
        assert!(fp.is_well_formed());
        assert_eq!(fp.rays(), previous.rays());
        assert_ne!(
            telecov::engine::footprint::footprint_key(&terrain, &p, &request, &link),
            telecov::engine::footprint::footprint_key(&terrain, &bare, &request, &link)
        );
        for k in 0..fp.rays() {
            let az = fp.first_azimuth_deg + (k as f64 + 0.5) * fp.step_deg;
            for i in 0..=500 {
                let d = 2500.0 * i as f64 / 500.0;
                if fp.covers(az, d) {
                    assert!(
                        previous.covers(az, d),
                        "clutter {urban_m} m covers ray {k} at {d} m, less clutter did not"
                    );
                }
            }
        }
        areas.push(fp.area_m2());
        previous = fp;
    }
    assert!(areas.windows(2).all(|w| w[1] <= w[0]), "{areas:?}");
    // 20 m of buildings around a 25 m mast: much of the sector is lost
    assert!(areas[3] < 0.8 * areas[0], "{areas:?}");
}

#[test]
fn the_clutter_keys_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = terrain_table(
        dir.path(),
        "clutter = \"commune\"\nclutter_urban_m = 20\nclutter_rural_m = 4.5",
        &[
            ("clutter = \"clutter.tif\"", "terrain.clutter"),
            ("clutter_urban_m = -3", "terrain.clutter_urban_m"),
            ("clutter_suburban_m = \"10\"", "terrain.clutter_suburban_m"),
            ("clutter_forest_m = 20", "terrain.clutter_forest_m"),
        ],
    );
    let t = s.parameters.terrain;
    assert_eq!(t.clutter, telecov::model::Clutter::Commune);
    assert_eq!(
        (t.clutter_urban_m, t.clutter_suburban_m, t.clutter_rural_m),
        (20.0, 10.0, 4.5)
    );
    assert_eq!(t.clutter_height_m(Environment::Rural), 4.5);
}

#[test]
fn a_dem_changed_after_loading_or_undecodable_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario_dir = dir.path().join("scenario");
    let s = ridge_scenario(false, false);
    telecov::io::write_scenario(&scenario_dir, &s).unwrap();
    let bbox = geo::Rect::new((LON - 0.05, LAT - 0.05), (LON + 0.05, LAT + 0.05));
    let grid = telecov::synth::dem::mountain_terrain(bbox, 3.0 * ARCSEC, 2).unwrap();
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &grid).unwrap();
    // loaded (digest taken), then another DEM written before the heights
    // are needed: the evaluation refuses it, naming the file
    let loaded = telecov::io::load_scenario(&scenario_dir).unwrap();
    let other = telecov::synth::dem::mountain_terrain(bbox, 3.0 * ARCSEC, 3).unwrap();
    telecov::synth::dem::write_terrain_tif(&scenario_dir, &other).unwrap();
    let err = telecov::evaluate(&loaded).unwrap_err().to_string();
    assert!(
        err.contains("terrain.tif") && err.contains("changed"),
        "{err}"
    );
    // a terrain.tif cut short: refused (when loading or when its heights
    // are read), naming the file, and no report is written
    let tif = scenario_dir.join("terrain.tif");
    let bytes = std::fs::read(&tif).unwrap();
    std::fs::write(&tif, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = dir.path().join("out");
    let err = telecov::report_scenario(&scenario_dir, &out, &telecov::Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("terrain.tif"), "{err}");
    assert!(!out.join("report.json").exists());
}
