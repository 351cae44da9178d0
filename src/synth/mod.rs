//! Deterministic synthetic cities for demos, tests and benchmarks.
//!
//! [`generate`] builds a complete [`Scenario`] (communes with population and
//! households, mobile sites, fibre routes and public wifi points) for a
//! *synthetic* city shaped and calibrated after Cần Thơ (Vietnam) as it was
//! between 2020 and 2025:
//!
//! - 83 communes in 9 districts: 5 urban districts of wards (42 wards) and
//!   4 rural districts of communes with their towns (36 communes, 5 towns),
//!   about 1,440 km² around lon 105.2–105.9, lat 9.9–10.3;
//! - the 2019 census totals, 1,235,171 residents in 359,375 households, split
//!   over the districts as in the census and over the communes by a density
//!   model (dense small wards in the centre, large sparse rural communes);
//! - 1,990 mobile sites (2G/3G/4G, a 5G pilot of 40 sites in two central
//!   districts), fibre routes passing about 60 % of households within
//!   150 m, and 32 public wifi points;
//! - for the scorecard: 480 schools, 300 telecom service points, 215 public
//!   postal points, 250 internet agents, two DTT transmitters, and the city
//!   plan's targets as `[targets]` (fibre 60 % of households; mobile
//!   broadband, DTT, schools and wifi communes 100 %).
//!
//! [`dem`] makes synthetic terrain over a box (a flat delta with channels
//! and raised roads, or mountains) and writes it as a scenario's
//! `terrain.tif`.
//!
//! Nothing here is real geography: the boundaries, names, sites and routes
//! are invented. Only the totals above (and the census residents, households
//! and area of each district) are real.
//!
//! Cần Thơ reports its 32 wifi points as "covering all 83 communes"; points
//! can lie in at most 32 communes, so the generator puts one at the seat of
//! every district and the rest in the densest communes without one, all in
//! distinct communes.
//!
//! # How the city is built
//!
//! The ground is tiled by a jittered hexagonal mesh whose cells shrink towards
//! the centre (about 70 m there, 300 m in the countryside). Every cell inside
//! a noisy city outline is given to a district, then to a commune, by a
//! capacity-constrained power diagram (Lloyd iterations with weights that
//! steer each region to its target area) evaluated on smoothly displaced
//! cell positions, which makes the boundaries wander like real ones. Each
//! commune is the union of its cells, traced from the shared mesh vertices,
//! so neighbouring communes share their boundary vertex for vertex: there are
//! no gaps, slivers or overlaps, and every polygon is valid.
//!
//! # Determinism
//!
//! The output depends only on the [`CityConfig`]. Random numbers come from
//! `ChaCha8Rng` streams seeded from [`CityConfig::seed`]; trigonometric and
//! exponential functions are evaluated with plain IEEE arithmetic (not the
//! platform's maths library); no hash-map order is ever observed; work done
//! in parallel (the copies of a scaled city, the clipping of street
//! networks) is collected in order; and every coordinate is rounded to 1e-6
//! degree. The same configuration gives the same scenario, bit for bit, on
//! every platform with IEEE 754 doubles.

mod calibration;
pub mod dem;
mod dmath;
mod fiber;
mod frame;
mod helpers;
mod mesh;
mod partition;
mod services;
mod sites;
#[cfg(test)]
mod test_support;
mod tile;
mod wifi;

use rayon::prelude::*;

use crate::model::{FeatureId, Parameters, Scenario};

pub use calibration::{COMMUNES_PER_COPY, DISTRICTS_PER_COPY};

use frame::{grid_columns, tile_frame};
use helpers::splitmix64;
use tile::{build_tile, TileOut};

/// Largest accepted [`CityConfig::scale`].
pub const MAX_SCALE: u32 = 4096;

/// Smallest accepted [`CityConfig::area_km2`]: room for 83 communes.
pub const MIN_AREA_KM2: f64 = 50.0;

/// Largest accepted [`CityConfig::area_km2`].
pub const MAX_AREA_KM2: f64 = 20_000.0;

/// What to generate. [`CityConfig::default`] is [`CityConfig::can_tho`].
///
/// The counts and totals are *per copy* of the city: with `scale = k` the
/// scenario holds `k` copies side by side (each with its own geometry, drawn
/// from its own seed, and its own ids), so every total is multiplied by `k`.
///
/// ```
/// use telecov::synth::CityConfig;
/// let config = CityConfig { seed: 7, ..CityConfig::scaled(2) };
/// assert_eq!(config.scale, 2);
/// assert_eq!(config.population, 1_235_171);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CityConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of copies of the city, `1..=MAX_SCALE`.
    pub scale: u32,
    /// Residents per copy (split exactly, as integers, over the communes).
    pub population: u64,
    /// Households per copy (split exactly, as integers, over the communes).
    pub households: u64,
    /// Land area per copy, km², in `MIN_AREA_KM2..=MAX_AREA_KM2`.
    pub area_km2: f64,
    /// Mobile sites per copy.
    pub sites: usize,
    /// Sites per copy that also carry 5G, all in the two central districts.
    pub five_g_sites: usize,
    /// Public wifi access points per copy.
    pub wifi_points: usize,
    /// Share of households the fibre routes pass, in `[0, 1]`.
    pub fiber_passed_share: f64,
    /// Longest drop from a fibre route to a household, metres; written to
    /// the scenario's parameters and used to calibrate the routes.
    pub fiber_drop_m: f64,
    // --- scorecard layers (see the `services` stage) ---
    /// Schools per copy (at least three per commune).
    pub schools: usize,
    /// Telecom service points per copy.
    pub telecom_points: usize,
    /// Public postal points per copy (at least one per commune).
    pub postal_points: usize,
    /// Public internet agents per copy.
    pub internet_agents: usize,
    /// DTT transmitters per copy (0, 1: the main one, or 2: and a gap
    /// filler).
    pub broadcast_transmitters: usize,
}

impl CityConfig {
    /// The Cần Thơ calibration: 2019 census totals (1,235,171 residents,
    /// 359,375 households), 1,440 km², 1,990 BTS sites of which 40 carry
    /// 5G, fibre passing 60 % of households within 150 m, 32 wifi points.
    pub fn can_tho() -> Self {
        CityConfig {
            seed: 92,
            scale: 1,
            population: 1_235_171,
            households: 359_375,
            area_km2: 1_440.0,
            sites: 1_990,
            five_g_sites: 40,
            wifi_points: 32,
            fiber_passed_share: 0.60,
            fiber_drop_m: 150.0,
            schools: 480,
            telecom_points: 300,
            postal_points: 215,
            internet_agents: 250,
            broadcast_transmitters: 2,
        }
    }

    /// The Cần Thơ calibration repeated `k` times (for benchmarks).
    pub fn scaled(k: u32) -> Self {
        CityConfig {
            scale: k,
            ..Self::can_tho()
        }
    }

    /// A Vietnam-sized country for scale studies: 128 copies of the city
    /// (10,624 communes) covering 331,000 km² with 96.2 million residents in
    /// 26.9 million households (2019 census), 100,000 sites (20 with 5G per
    /// copy) and 40 wifi points per copy.
    pub fn vietnam() -> Self {
        let copies = 128;
        CityConfig {
            scale: copies,
            area_km2: 331_000.0 / copies as f64,
            population: 96_200_000 / copies as u64,
            households: 26_900_000 / copies as u64,
            sites: 100_000 / copies as usize,
            five_g_sites: 20,
            wifi_points: 40,
            ..Self::can_tho()
        }
    }
}

impl Default for CityConfig {
    fn default() -> Self {
        Self::can_tho()
    }
}

/// Generates the synthetic city described by `config`.
///
/// Communes come out district by district (each district's seat first), with
/// 5-digit ids in the style of the GSO codes; sites, fibre routes and wifi
/// points follow the same order. Coordinates are WGS 84 degrees rounded to
/// 1e-6. The scenario's parameters are the defaults, with
/// `fiber_drop_m = config.fiber_drop_m`.
///
/// # Panics
///
/// When `config.scale` is 0 or above [`MAX_SCALE`], when `config.area_km2`
/// is outside [`MIN_AREA_KM2`]`..=`[`MAX_AREA_KM2`], or when the fibre share
/// or drop is out of range (share outside `[0, 1]`, drop not a finite
/// positive number).
///
/// # Example
///
/// ```
/// use telecov::model::Technology;
/// use telecov::synth::{generate, CityConfig};
///
/// let city = generate(&CityConfig::can_tho());
/// assert_eq!(city.communes.len(), 83);
/// let people: f64 = city.communes.iter().filter_map(|c| c.population).sum();
/// assert_eq!(people, 1_235_171.0);
/// assert_eq!(city.sites.len(), 1990);
/// assert_eq!(city.wifi.len(), 32);
/// let five_g = city.sites.iter().filter(|s| s.technologies.contains(Technology::G5));
/// assert_eq!(five_g.count(), 40);
/// assert_eq!(city.parameters.fiber_drop_m, 150.0);
/// ```
pub fn generate(config: &CityConfig) -> Scenario {
    assert!(
        (1..=MAX_SCALE).contains(&config.scale),
        "CityConfig::scale must be in 1..={MAX_SCALE}, got {}",
        config.scale
    );
    assert!(
        (MIN_AREA_KM2..=MAX_AREA_KM2).contains(&config.area_km2),
        "CityConfig::area_km2 must be in {MIN_AREA_KM2}..={MAX_AREA_KM2}, got {}",
        config.area_km2
    );
    assert!(
        (0.0..=1.0).contains(&config.fiber_passed_share),
        "CityConfig::fiber_passed_share must be in [0, 1]"
    );
    assert!(
        config.fiber_drop_m.is_finite() && config.fiber_drop_m > 0.0,
        "CityConfig::fiber_drop_m must be a finite number > 0"
    );
    let mut scenario = Scenario {
        parameters: Parameters {
            fiber_drop_m: config.fiber_drop_m,
            ..Parameters::default()
        },
        ..Scenario::default()
    };
    let cols = grid_columns(config.scale);
    // copies are independent: build them in parallel, keep them in order
    let tiles: Vec<TileOut> = (0..config.scale as usize)
        .into_par_iter()
        .map(|tile| {
            let frame = tile_frame(tile, cols, config.area_km2);
            let tile_seed = splitmix64(config.seed ^ splitmix64(tile as u64 ^ 0x7e1e_c0f0));
            build_tile(config, tile, tile_seed, &frame)
        })
        .collect();
    for out in tiles {
        scenario.communes.extend(out.communes);
        scenario.sites.extend(out.sites);
        scenario.fiber.extend(out.fiber);
        scenario.wifi.extend(out.wifi);
    }
    for (n, route) in scenario.fiber.iter_mut().enumerate() {
        route.id = FeatureId::Str(format!("FO{:05}", n + 1));
    }
    // the scorecard's layers and the plan's targets, from their own stream
    let (schools, points, transmitters) = services::place_services(config, &scenario.communes);
    scenario.schools = Some(schools);
    scenario.service_points = Some(points);
    scenario.broadcast = Some(transmitters);
    scenario.parameters.targets = services::plan_targets();
    scenario
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use geo::{BoundingRect, GeodesicArea, Intersects, Validation};

    use super::test_support::{can_tho, commune_of, fiber_share};
    use super::*;
    use crate::model::Technology;

    #[test]
    fn same_config_same_city() {
        let again = generate(&CityConfig::can_tho());
        assert!(again == *can_tho());
        let other = generate(&CityConfig {
            seed: 7,
            ..CityConfig::can_tho()
        });
        assert_ne!(other.communes[0].geometry, can_tho().communes[0].geometry);
        let pop: f64 = other.communes.iter().map(|c| c.population.unwrap()).sum();
        assert_eq!(pop, 1_235_171.0);
    }

    #[test]
    fn scaled_city_repeats_the_pattern() {
        let s = generate(&CityConfig::scaled(4));
        assert_eq!(s.communes.len(), 4 * COMMUNES_PER_COPY);
        assert_eq!(s.sites.len(), 4 * 1990);
        assert_eq!(s.wifi.len(), 4 * 32);
        let pop: f64 = s.communes.iter().map(|c| c.population.unwrap()).sum();
        assert_eq!(pop, 4.0 * 1_235_171.0);
        let ids: BTreeSet<String> = s.communes.iter().map(|c| c.id.key()).collect();
        assert_eq!(ids.len(), s.communes.len());
        let site_ids: BTreeSet<String> = s.sites.iter().map(|c| c.id.key()).collect();
        assert_eq!(site_ids.len(), s.sites.len());
        let fiber_ids: BTreeSet<String> = s.fiber.iter().map(|c| c.id.key()).collect();
        assert_eq!(fiber_ids.len(), s.fiber.len());
        // the first copy is the unscaled city
        assert_eq!(s.communes[..COMMUNES_PER_COPY], can_tho().communes[..]);
        // copies do not overlap
        let copy_rect = |k: usize| {
            s.communes[k * COMMUNES_PER_COPY..(k + 1) * COMMUNES_PER_COPY]
                .iter()
                .map(|c| c.geometry.as_ref().unwrap().bounding_rect().unwrap())
                .reduce(crate::engine::rect_union)
                .unwrap()
        };
        for a in 0..4 {
            for b in a + 1..4 {
                assert!(
                    !copy_rect(a).intersects(&copy_rect(b)),
                    "copies {a} and {b}"
                );
            }
        }
        let area: f64 = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap().geodesic_area_unsigned())
            .sum::<f64>()
            / 1e6;
        assert!((area - 4.0 * 1440.0).abs() < 4.0 * 1440.0 * 0.03, "{area}");
    }

    #[test]
    fn city_round_trips_through_the_contract_files() {
        let dir = tempfile::tempdir().unwrap();
        crate::io::write_scenario(dir.path(), can_tho()).unwrap();
        let back = crate::io::load_scenario(dir.path()).unwrap();
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        assert_eq!(back.communes, can_tho().communes);
        assert_eq!(back.sites, can_tho().sites);
        assert_eq!(back.fiber, can_tho().fiber);
        assert_eq!(back.wifi, can_tho().wifi);
        assert_eq!(back.parameters, can_tho().parameters);
    }

    #[test]
    fn other_calibrations() {
        let config = CityConfig {
            seed: 3,
            population: 50_000,
            households: 14_000,
            area_km2: MIN_AREA_KM2,
            sites: 60,
            five_g_sites: 0,
            wifi_points: 100,
            fiber_passed_share: 0.3,
            ..CityConfig::can_tho()
        };
        let s = generate(&config);
        assert_eq!(s.communes.len(), COMMUNES_PER_COPY);
        let pop: f64 = s.communes.iter().map(|c| c.population.unwrap()).sum();
        let hh: f64 = s.communes.iter().map(|c| c.households.unwrap()).sum();
        assert_eq!((pop, hh), (50_000.0, 14_000.0));
        assert!(s
            .communes
            .iter()
            .all(|c| c.geometry.as_ref().unwrap().is_valid()));
        let area: f64 = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap().geodesic_area_unsigned())
            .sum::<f64>()
            / 1e6;
        assert!((area - 50.0).abs() < 1.5, "{area}");
        assert_eq!(s.sites.len(), 60);
        assert!(s
            .sites
            .iter()
            .all(|x| !x.technologies.contains(Technology::G5)));
        assert_eq!(s.wifi.len(), 100);
        let places: BTreeSet<_> = s
            .wifi
            .iter()
            .map(|w| (w.location.x().to_bits(), w.location.y().to_bits()))
            .collect();
        assert_eq!(places.len(), 100);
        let with_wifi: BTreeSet<usize> = s
            .wifi
            .iter()
            .map(|w| commune_of(&s, &w.location).expect("wifi in the city"))
            .collect();
        assert_eq!(with_wifi.len(), COMMUNES_PER_COPY);
        let (share, _) = fiber_share(&s, 200);
        assert!((0.25..=0.35).contains(&share), "{share}");
    }

    #[test]
    #[should_panic(expected = "scale")]
    fn zero_scale_is_refused() {
        generate(&CityConfig::scaled(0));
    }
}
