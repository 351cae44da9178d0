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
//!   150 m, and 32 public wifi points.
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

use std::collections::HashMap;
use std::f64::consts::PI;

use geo::{BooleanOps, Coord, LineString, MultiLineString, MultiPolygon, Point, Polygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::model::{
    Commune, CommuneKind, FeatureId, FiberRoute, Parameters, RadioParams, Scenario, Sector, Site,
    SiteRange, TechSet, Technology, WifiPoint,
};

/// Communes in one copy of the city (42 wards, 36 communes, 5 towns).
pub const COMMUNES_PER_COPY: usize = 83;

/// Districts in one copy of the city (5 urban, 4 rural).
pub const DISTRICTS_PER_COPY: usize = 9;

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
        }
    }

    /// The Cần Thơ calibration repeated `k` times (for benchmarks).
    pub fn scaled(k: u32) -> Self {
        CityConfig {
            scale: k,
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
    scenario
}

// ---------------------------------------------------------------------------
// Calibration tables
// ---------------------------------------------------------------------------

/// One district of the pattern. Population, households and area are the 2019
/// census and official figures of the corresponding Cần Thơ district; the
/// names and the geometry are invented.
struct DistrictSpec {
    name: &'static str,
    urban: bool,
    /// Number of wards (urban) or rural communes (rural), towns excluded.
    units: usize,
    towns: usize,
    population: u64,
    households: u64,
    area_km2: f64,
    /// Rough position of the district's centre, km east and north of the
    /// city centre.
    centre_km: [f64; 2],
    five_g: bool,
}

const DISTRICTS: [DistrictSpec; DISTRICTS_PER_COPY] = [
    DistrictSpec {
        name: "Quận Tân Giang",
        urban: true,
        units: 11,
        towns: 0,
        population: 280_494,
        households: 94_814,
        area_km2: 29.4,
        centre_km: [-0.8, -1.0],
        five_g: true,
    },
    DistrictSpec {
        name: "Quận Bình Hưng",
        urban: true,
        units: 8,
        towns: 0,
        population: 142_164,
        households: 41_943,
        area_km2: 70.4,
        centre_km: [-5.8, 3.3],
        five_g: false,
    },
    DistrictSpec {
        name: "Quận Phú Lợi",
        urban: true,
        units: 7,
        towns: 0,
        population: 105_393,
        households: 31_431,
        area_km2: 67.3,
        centre_km: [0.8, -4.6],
        five_g: true,
    },
    DistrictSpec {
        name: "Quận Long Thạnh",
        urban: true,
        units: 7,
        towns: 0,
        population: 128_677,
        households: 35_205,
        area_km2: 132.5,
        centre_km: [-13.5, 8.6],
        five_g: false,
    },
    DistrictSpec {
        name: "Quận Thới Xuân",
        urban: true,
        units: 9,
        towns: 0,
        population: 155_360,
        households: 41_370,
        area_km2: 121.2,
        centre_km: [-25.0, 22.8],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Mỹ An",
        urban: false,
        units: 6,
        towns: 1,
        population: 98_424,
        households: 27_159,
        area_km2: 125.6,
        centre_km: [-9.9, -4.3],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Vĩnh Lộc",
        urban: false,
        units: 12,
        towns: 1,
        population: 109_684,
        households: 29_834,
        area_km2: 266.0,
        centre_km: [-23.0, 1.1],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Đông Thạnh",
        urban: false,
        units: 9,
        towns: 1,
        population: 116_576,
        households: 30_476,
        area_km2: 320.4,
        centre_km: [-30.2, 13.8],
        five_g: false,
    },
    DistrictSpec {
        name: "Huyện Trường Phú",
        urban: false,
        units: 9,
        towns: 2,
        population: 98_399,
        households: 27_143,
        area_km2: 306.3,
        centre_km: [-37.9, 20.2],
        five_g: false,
    },
];

/// The city outline before scaling, km east and north of the centre: a
/// river bank running north-west on the north-east side, rice land to the
/// west and south.
const OUTLINE_KM: [[f64; 2]; 19] = [
    [10.0, -8.0],
    [6.0, 0.0],
    [3.0, 5.0],
    [-3.0, 10.0],
    [-10.0, 15.0],
    [-17.0, 22.0],
    [-23.0, 30.0],
    [-27.0, 34.0],
    [-36.0, 34.0],
    [-47.0, 32.0],
    [-57.0, 26.0],
    [-57.0, 18.0],
    [-48.0, 8.0],
    [-40.0, 1.0],
    [-33.0, -6.0],
    [-26.0, -12.0],
    [-14.0, -11.0],
    [-4.0, -10.0],
    [4.0, -10.0],
];

/// Roads between district seats (indices into [`DISTRICTS`]) that carry a
/// trunk fibre route.
const TRUNKS: [(usize, usize); 10] = [
    (0, 1),
    (0, 2),
    (1, 3),
    (3, 4),
    (0, 5),
    (2, 5),
    (5, 6),
    (6, 7),
    (7, 8),
    (3, 7),
];

/// Centre of the first copy, degrees (lon, lat).
const BASE_LON: f64 = 105.765;
const BASE_LAT: f64 = 10.03;
/// Room taken by one copy of 1,440 km² when tiling, metres.
const TILE_WIDTH_M: f64 = 80_000.0;
const TILE_HEIGHT_M: f64 = 56_000.0;

const NAME_FIRST: [&str; 20] = [
    "An",
    "Bình",
    "Đông",
    "Hòa",
    "Hưng",
    "Long",
    "Mỹ",
    "Nhơn",
    "Phú",
    "Phước",
    "Tân",
    "Thạnh",
    "Thới",
    "Trung",
    "Trường",
    "Vĩnh",
    "Xuân",
    "Định",
    "Thuận",
    "Giai",
];
const NAME_SECOND: [&str; 20] = [
    "An", "Bình", "Hòa", "Hưng", "Lợi", "Long", "Phú", "Thạnh", "Thới", "Xuân", "Lộc", "Khánh",
    "Thuận", "Tiến", "Đông", "Tây", "Nghĩa", "Mỹ", "Lạc", "Điền",
];

const OPERATORS: [(&str, f64); 3] = [("Viettel", 0.42), ("VNPT", 0.31), ("MobiFone", 0.27)];
const FIBER_OPERATORS: [&str; 3] = ["VNPT", "Viettel", "FPT Telecom"];

// ---------------------------------------------------------------------------
// Deterministic arithmetic
// ---------------------------------------------------------------------------

/// Elementary functions from IEEE basic operations only, so that results do
/// not depend on the platform's maths library.
mod dmath {
    use std::f64::consts::{FRAC_PI_2, LN_2, SQRT_2};

    // Cody-Waite splittings of ln 2 and pi/2 (the fdlibm constants).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const PIO2_HI: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
    const PIO2_LO: f64 = f64::from_bits(0x3dd0_b461_1a62_6331);

    /// `1 / k!` for k = 0..=20, computed at compile time.
    const INV_FACT: [f64; 21] = {
        let mut t = [1.0; 21];
        let mut k = 1;
        while k < 21 {
            t[k] = t[k - 1] / k as f64;
            k += 1;
        }
        t
    };

    fn pow2(n: i32) -> f64 {
        f64::from_bits(((n + 1023) as u64) << 52)
    }

    /// e^x.
    pub fn exp(x: f64) -> f64 {
        if x.is_nan() {
            return x;
        }
        if x > 709.0 {
            return f64::INFINITY;
        }
        if x < -708.0 {
            return 0.0;
        }
        let n = (x / LN_2).round();
        let r = (x - n * LN2_HI) - n * LN2_LO;
        let mut sum = INV_FACT[15];
        for k in (0..15).rev() {
            sum = sum * r + INV_FACT[k];
        }
        sum * pow2(n as i32)
    }

    /// Natural logarithm of a positive normal number.
    pub fn ln(x: f64) -> f64 {
        assert!(x >= f64::MIN_POSITIVE && x.is_finite(), "ln of {x}");
        let bits = x.to_bits();
        let mut e = ((bits >> 52) & 0x7ff) as i32 - 1023;
        let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
        if m > SQRT_2 {
            m /= 2.0;
            e += 1;
        }
        // ln m = 2 atanh(s), |s| < 0.172
        let s = (m - 1.0) / (m + 1.0);
        let s2 = s * s;
        let mut sum = 1.0 / 41.0;
        for k in (0..20).rev() {
            sum = sum * s2 + 1.0 / (2 * k + 1) as f64;
        }
        2.0 * s * sum + e as f64 * LN2_LO + e as f64 * LN2_HI
    }

    /// x^y for x > 0.
    pub fn pow(x: f64, y: f64) -> f64 {
        exp(y * ln(x))
    }

    /// Taylor polynomials on |r| <= pi/4.
    fn sin_poly(r: f64) -> f64 {
        let r2 = r * r;
        let mut sum = INV_FACT[19];
        for k in (0..9).rev() {
            let c = INV_FACT[2 * k + 1];
            sum = sum * -r2 + c;
        }
        sum * r
    }

    fn cos_poly(r: f64) -> f64 {
        let r2 = r * r;
        let mut sum = INV_FACT[20];
        for k in (0..10).rev() {
            sum = sum * -r2 + INV_FACT[2 * k];
        }
        sum
    }

    /// Sine and cosine of `x` radians (|x| up to about 1e6).
    pub fn sin_cos(x: f64) -> (f64, f64) {
        let k = (x / FRAC_PI_2).round();
        let r = (x - k * PIO2_HI) - k * PIO2_LO;
        let (s, c) = (sin_poly(r), cos_poly(r));
        match (k as i64).rem_euclid(4) {
            0 => (s, c),
            1 => (c, -s),
            2 => (-s, -c),
            _ => (-c, s),
        }
    }

    /// Sine of `x` radians.
    pub fn sin(x: f64) -> f64 {
        let k = (x / FRAC_PI_2).round();
        let r = (x - k * PIO2_HI) - k * PIO2_LO;
        match (k as i64).rem_euclid(4) {
            0 => sin_poly(r),
            1 => cos_poly(r),
            2 => -sin_poly(r),
            _ => -cos_poly(r),
        }
    }
}

/// SplitMix64: a bijective mixer used to derive seeds and hash coordinates.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in `[0, 1)` from a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// An independent random stream for one purpose of one copy.
fn stream(tile_seed: u64, purpose: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(splitmix64(tile_seed ^ splitmix64(purpose)))
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * dmath::ln(u1)).sqrt() * dmath::sin_cos(2.0 * PI * u2).1
}

fn lognormal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    dmath::exp(sigma * normal(rng))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Splits `total` into integers proportional to `weights` (largest
/// remainder, ties to the lower index). The parts sum to `total` exactly.
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 {
        let mut even = vec![0.0; weights.len()];
        even.iter_mut().for_each(|w| *w = 1.0);
        return apportion(total, &even);
    }
    let quotas: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<u64> = quotas.iter().map(|q| q.floor() as u64).collect();
    let assigned: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = quotas[a] - quotas[a].floor();
        let fb = quotas[b] - quotas[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    let mut left = total.saturating_sub(assigned);
    let mut i = 0;
    while left > 0 {
        parts[order[i % order.len()]] += 1;
        left -= 1;
        i += 1;
    }
    parts
}

fn dist2(a: [f64; 2], b: [f64; 2]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    dx * dx + dy * dy
}

// ---------------------------------------------------------------------------
// Placing copies on the globe
// ---------------------------------------------------------------------------

const WGS84_A: f64 = 6_378_137.0;
const WGS84_E2: f64 = 6.694_379_990_141_316e-3;

/// A local plane (metres east and north of an origin) and its mapping to
/// WGS 84 degrees: latitude linear in northing, longitude scaled by the
/// parallel's radius at each latitude, which keeps areas and distances
/// within 0.1 % over a copy.
struct Frame {
    lon0: f64,
    lat0: f64,
    m_per_deg_lat: f64,
}

impl Frame {
    fn new(lon0: f64, lat0: f64) -> Self {
        let s = dmath::sin(lat0.to_radians());
        let w = 1.0 - WGS84_E2 * s * s;
        let m = WGS84_A * (1.0 - WGS84_E2) / (w * w.sqrt());
        Frame {
            lon0,
            lat0,
            m_per_deg_lat: m * PI / 180.0,
        }
    }

    fn m_per_deg_lon(lat: f64) -> f64 {
        let (s, c) = dmath::sin_cos(lat.to_radians());
        WGS84_A * c / (1.0 - WGS84_E2 * s * s).sqrt() * PI / 180.0
    }

    /// Plane metres to (lon, lat) rounded to 1e-6 degree.
    fn lonlat(&self, p: [f64; 2]) -> Coord<f64> {
        let lat = self.lat0 + p[1] / self.m_per_deg_lat;
        let lon = self.lon0 + p[0] / Self::m_per_deg_lon(lat);
        Coord {
            x: round6(lon),
            y: round6(lat),
        }
    }
}

fn grid_columns(scale: u32) -> usize {
    let mut c = 1usize;
    while c * c < scale as usize {
        c += 1;
    }
    c
}

/// The frame of copy `tile` in a grid of `cols` columns, for copies of
/// `area_km2` each.
fn tile_frame(tile: usize, cols: usize, area_km2: f64) -> Frame {
    let (col, row) = (tile % cols, tile / cols);
    let size = (area_km2 / 1_440.0).sqrt();
    let probe = Frame::new(BASE_LON, BASE_LAT);
    let dlat = TILE_HEIGHT_M * size / probe.m_per_deg_lat;
    let lat0 = BASE_LAT + row as f64 * dlat;
    // widest (most poleward) parallel of the row decides the spacing
    let dlon = TILE_WIDTH_M * size / Frame::m_per_deg_lon(lat0 + dlat / 2.0);
    Frame::new(BASE_LON + col as f64 * dlon, lat0)
}

// ---------------------------------------------------------------------------
// The mesh
// ---------------------------------------------------------------------------

/// Row spacing of the hexagonal mesh, in cell widths.
const HEX_H: f64 = 0.866_025_403_784_438_6;
/// Vertical offset of the apexes of a pointy-top hexagon, in cell widths.
const HEX_APEX: f64 = 0.144_337_567_297_406_4;
const NONE: u32 = u32::MAX;

/// Radial stretch from the mesh's parameter plane (cells of width 1) to the
/// ground (metres): cells are `small_m` wide at the centre and grow smoothly
/// to `large_m` at parameter radius `knee`.
struct Warp {
    small_m: f64,
    large_m: f64,
    knee: f64,
    centre: [f64; 2],
}

impl Warp {
    fn radius(&self, rho: f64) -> f64 {
        let grow = self.large_m - self.small_m;
        if rho < self.knee {
            let t = rho / self.knee;
            self.small_m * rho + grow * self.knee * (t * t * t - t * t * t * t / 2.0)
        } else {
            self.small_m * self.knee + grow * self.knee / 2.0 + self.large_m * (rho - self.knee)
        }
    }

    fn inverse_radius(&self, r: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, r / self.small_m + 1.0);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if self.radius(mid) < r {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        let q = [p[0] - self.centre[0], p[1] - self.centre[1]];
        let rho = (q[0] * q[0] + q[1] * q[1]).sqrt();
        if rho < 1e-12 {
            return [q[0] * self.small_m, q[1] * self.small_m];
        }
        let k = self.radius(rho) / rho;
        [q[0] * k, q[1] * k]
    }

    /// The parameter point mapped to ground point `w`.
    fn invert(&self, w: [f64; 2]) -> [f64; 2] {
        let r = (w[0] * w[0] + w[1] * w[1]).sqrt();
        if r < 1e-9 {
            return self.centre;
        }
        let k = self.inverse_radius(r) / r;
        [self.centre[0] + w[0] * k, self.centre[1] + w[1] * k]
    }
}

/// A smooth displacement field of the parameter plane: a few plane waves per
/// axis.
struct Noise {
    waves: Vec<([f64; 2], f64, f64, usize)>,
}

impl Noise {
    fn new(rng: &mut ChaCha8Rng, amplitude: f64, wavelengths: (f64, f64)) -> Self {
        let mut waves = Vec::new();
        for axis in 0..2 {
            for _ in 0..3 {
                let lambda = wavelengths.0 + (wavelengths.1 - wavelengths.0) * rng.random::<f64>();
                let (s, c) = dmath::sin_cos(2.0 * PI * rng.random::<f64>());
                let k = 2.0 * PI / lambda;
                let phase = 2.0 * PI * rng.random::<f64>();
                let amp = amplitude * (0.5 + 0.5 * rng.random::<f64>()) / 2.0;
                waves.push(([k * c, k * s], phase, amp, axis));
            }
        }
        Noise { waves }
    }

    fn displace(&self, p: [f64; 2]) -> [f64; 2] {
        let mut out = p;
        for &(k, phase, amp, axis) in &self.waves {
            out[axis] += amp * dmath::sin(k[0] * p[0] + k[1] * p[1] + phase);
        }
        out
    }

    /// The field sampled every `step` over the mesh's parameter box, for
    /// cheap bilinear evaluation.
    fn lattice(&self, mesh: &Mesh, step: f64) -> Lattice {
        let nx = (mesh.cols as f64 / step).ceil() as usize + 2;
        let ny = (mesh.rows as f64 * HEX_H / step).ceil() as usize + 2;
        let mut shift = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let p = [
                    mesh.origin[0] + i as f64 * step,
                    mesh.origin[1] + j as f64 * step,
                ];
                let q = self.displace(p);
                shift.push([q[0] - p[0], q[1] - p[1]]);
            }
        }
        Lattice {
            origin: mesh.origin,
            step,
            nx,
            ny,
            shift,
        }
    }
}

/// A displacement field sampled on a square lattice.
struct Lattice {
    origin: [f64; 2],
    step: f64,
    nx: usize,
    ny: usize,
    shift: Vec<[f64; 2]>,
}

impl Lattice {
    fn displace(&self, p: [f64; 2]) -> [f64; 2] {
        let fx = ((p[0] - self.origin[0]) / self.step).clamp(0.0, (self.nx - 2) as f64);
        let fy = ((p[1] - self.origin[1]) / self.step).clamp(0.0, (self.ny - 2) as f64);
        let (i, j) = (fx.floor() as usize, fy.floor() as usize);
        let (i, j) = (i.min(self.nx - 2), j.min(self.ny - 2));
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let at = |i: usize, j: usize| self.shift[j * self.nx + i];
        let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
        let mut out = p;
        for axis in 0..2 {
            let bottom = a[axis] + tx * (b[axis] - a[axis]);
            let top = c[axis] + tx * (d[axis] - c[axis]);
            out[axis] += bottom + ty * (top - bottom);
        }
        out
    }
}

/// The jittered hexagonal mesh of one copy, in "brick" layout: row `r` of
/// cells is shifted by half a cell when `r` is odd, and each cell is a
/// hexagon whose six corners lie on the horizontal vertex lines `r` and
/// `r + 1` at half-cell steps. Every vertex is shared by at most three cells,
/// so a union of cells never touches itself at a point.
struct Mesh {
    cols: usize,
    rows: usize,
    origin: [f64; 2],
    warp: Warp,
    jitter_seed: u64,
    verts: Vec<[f64; 2]>,
}

impl Mesh {
    fn line_len(&self) -> usize {
        2 * self.cols + 2
    }

    fn vid(&self, r: usize, k: usize) -> usize {
        r * self.line_len() + k
    }

    /// Parameter-plane centre of cell `(i, r)`.
    fn cell_param_centre(&self, i: usize, r: usize) -> [f64; 2] {
        let k0 = 2 * i + r % 2;
        [
            self.origin[0] + (k0 + 1) as f64 * 0.5,
            self.origin[1] + (r as f64 + 0.5) * HEX_H,
        ]
    }

    /// Ground position of vertex `v` (computed once, then cached).
    fn vertex(&mut self, v: usize) -> [f64; 2] {
        let cached = self.verts[v];
        if !cached[0].is_nan() {
            return cached;
        }
        let (r, k) = (v / self.line_len(), v % self.line_len());
        let h = splitmix64(self.jitter_seed ^ ((r as u64) << 32) ^ k as u64);
        let jx = unit(h) - 0.5;
        let jy = unit(splitmix64(h)) - 0.5;
        let apex = if k % 2 == r % 2 { HEX_APEX } else { -HEX_APEX };
        let p = [
            self.origin[0] + k as f64 * 0.5 + 0.22 * jx,
            self.origin[1] + r as f64 * HEX_H + apex + 0.14 * jy,
        ];
        let w = self.warp.apply(p);
        self.verts[v] = w;
        w
    }

    /// The six corners of cell `(i, r)`, counter-clockwise from bottom-left.
    fn cell_vertices(&self, i: usize, r: usize) -> [usize; 6] {
        let k0 = 2 * i + r % 2;
        [
            self.vid(r, k0),
            self.vid(r, k0 + 1),
            self.vid(r, k0 + 2),
            self.vid(r + 1, k0 + 2),
            self.vid(r + 1, k0 + 1),
            self.vid(r + 1, k0),
        ]
    }

    /// The neighbour across each edge of cell `(i, r)` (edge `e` runs from
    /// corner `e` to corner `e + 1`), as grid indices.
    fn neighbours(&self, i: usize, r: usize) -> [Option<usize>; 6] {
        let o = r % 2;
        let at = |ii: isize, rr: isize| -> Option<usize> {
            if ii < 0 || rr < 0 || ii >= self.cols as isize || rr >= self.rows as isize {
                None
            } else {
                Some(rr as usize * self.cols + ii as usize)
            }
        };
        let (i, r, o) = (i as isize, r as isize, o as isize);
        [
            at(i + o - 1, r - 1),
            at(i + o, r - 1),
            at(i + 1, r),
            at(i + o, r + 1),
            at(i + o - 1, r + 1),
            at(i - 1, r),
        ]
    }
}

/// The cells of one copy that lie in the city.
struct Cells {
    /// Grid index of each cell.
    grid: Vec<usize>,
    /// Corners (mesh vertex ids), counter-clockwise.
    corners: Vec<[usize; 6]>,
    /// Neighbour across each edge (cell index, or `NONE` outside the city).
    nb: Vec<[u32; 6]>,
    /// Ground centroid, metres.
    centroid: Vec<[f64; 2]>,
    /// Ground area, m².
    area: Vec<f64>,
}

fn point_in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Labels connected components of `member` cells (over the grid), returning
/// the component id of each grid cell (`NONE` for non-members) and sizes.
fn grid_components(mesh: &Mesh, member: &[bool]) -> (Vec<u32>, Vec<usize>) {
    let mut comp = vec![NONE; member.len()];
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for start in 0..member.len() {
        if !member[start] || comp[start] != NONE {
            continue;
        }
        let id = sizes.len() as u32;
        let mut size = 0;
        comp[start] = id;
        stack.push(start);
        while let Some(g) = stack.pop() {
            size += 1;
            for n in mesh
                .neighbours(g % mesh.cols, g / mesh.cols)
                .into_iter()
                .flatten()
            {
                if member[n] && comp[n] == NONE {
                    comp[n] = id;
                    stack.push(n);
                }
            }
        }
        sizes.push(size);
    }
    (comp, sizes)
}

/// Builds the mesh and the set of city cells for one copy, the outline
/// scaled so that the city's area is `area_m2`. Returns the mesh, the cells
/// and the outline scale factor.
fn build_city(area_m2: f64, rng: &mut ChaCha8Rng, jitter_seed: u64) -> (Mesh, Cells, f64) {
    let outline: Vec<[f64; 2]> = OUTLINE_KM
        .iter()
        .map(|p| [p[0] * 1000.0, p[1] * 1000.0])
        .collect();
    let mut raw_area = 0.0;
    for i in 0..outline.len() {
        let (a, b) = (outline[i], outline[(i + 1) % outline.len()]);
        raw_area += a[0] * b[1] - b[0] * a[1];
    }
    raw_area /= 2.0;
    let mut factor = (area_m2 / raw_area).sqrt();
    let warp = Warp {
        small_m: 70.0,
        large_m: 300.0,
        knee: 200.0,
        centre: [0.0, 0.0],
    };
    // the parameter-plane box covering the outline at up to 1.12x its size
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for p in &outline {
        xmin = xmin.min(p[0]);
        xmax = xmax.max(p[0]);
        ymin = ymin.min(p[1]);
        ymax = ymax.max(p[1]);
    }
    let grow = 1.12 * factor;
    let (xmin, xmax, ymin, ymax) = (xmin * grow, xmax * grow, ymin * grow, ymax * grow);
    let (mut pxmin, mut pxmax, mut pymin, mut pymax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let steps = 400;
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        for w in [
            [xmin + t * (xmax - xmin), ymin],
            [xmin + t * (xmax - xmin), ymax],
            [xmin, ymin + t * (ymax - ymin)],
            [xmax, ymin + t * (ymax - ymin)],
        ] {
            let q = warp.invert(w);
            pxmin = pxmin.min(q[0]);
            pxmax = pxmax.max(q[0]);
            pymin = pymin.min(q[1]);
            pymax = pymax.max(q[1]);
        }
    }
    // a wavy outline, its waves in proportion to the city (in mesh cells:
    // 12 cells for the Cần Thơ calibration, fewer for a smaller city)
    let relative = ((pxmax - pxmin) / 390.0).min(1.0);
    let noise_amp = 12.0 * relative;
    let noise = Noise::new(rng, noise_amp, (40.0 * relative, 120.0 * relative));
    let margin = noise_amp + 3.0;
    let origin = [pxmin - margin, pymin - margin];
    let cols = ((pxmax - pxmin + 2.0 * margin).ceil()) as usize;
    let rows = ((pymax - pymin + 2.0 * margin) / HEX_H).ceil() as usize;
    let mut mesh = Mesh {
        cols,
        rows,
        origin,
        warp,
        jitter_seed,
        verts: vec![[f64::NAN, f64::NAN]; (rows + 1) * (2 * cols + 2)],
    };
    let n = cols * rows;
    let lattice = noise.lattice(&mesh, 4.0);
    let probe: Vec<[f64; 2]> = (0..n)
        .map(|g| {
            let c = mesh.cell_param_centre(g % cols, g / cols);
            mesh.warp.apply(lattice.displace(c))
        })
        .collect();
    let mut member = vec![false; n];
    let mut cell_area = vec![f64::NAN; n];
    // scale the outline until the cleaned-up city has the wanted area
    let passes = 3;
    for pass in 0..passes {
        let ring: Vec<[f64; 2]> = outline
            .iter()
            .map(|p| [p[0] * factor, p[1] * factor])
            .collect();
        let (bx0, bx1) = (xmin / grow * factor, xmax / grow * factor);
        let (by0, by1) = (ymin / grow * factor, ymax / grow * factor);
        for g in 0..n {
            let p = probe[g];
            member[g] =
                p[0] >= bx0 && p[0] <= bx1 && p[1] >= by0 && p[1] <= by1 && point_in_ring(p, &ring);
        }
        // keep the largest piece and fill enclosed holes
        let (comp, sizes) = grid_components(&mesh, &member);
        let largest = (0..sizes.len()).max_by_key(|&c| (sizes[c], usize::MAX - c));
        for g in 0..n {
            member[g] = member[g] && Some(comp[g] as usize) == largest;
        }
        let outside: Vec<bool> = member.iter().map(|m| !m).collect();
        let (ocomp, _) = grid_components(&mesh, &outside);
        let border = ocomp[0];
        for g in 0..n {
            if outside[g] && ocomp[g] != border {
                member[g] = true;
            }
        }
        if pass + 1 == passes {
            break;
        }
        let mut area = 0.0;
        for g in 0..n {
            if member[g] {
                if cell_area[g].is_nan() {
                    let vs = mesh.cell_vertices(g % cols, g / cols);
                    let pts: Vec<[f64; 2]> = vs.iter().map(|&v| mesh.vertex(v)).collect();
                    cell_area[g] = ring_area(&pts);
                }
                area += cell_area[g];
            }
        }
        factor *= (area_m2 / area).sqrt();
    }
    let mut index = vec![NONE; n];
    let mut cells = Cells {
        grid: Vec::new(),
        corners: Vec::new(),
        nb: Vec::new(),
        centroid: Vec::new(),
        area: Vec::new(),
    };
    for g in 0..n {
        if member[g] {
            index[g] = cells.grid.len() as u32;
            cells.grid.push(g);
        }
    }
    for &g in &cells.grid {
        let (i, r) = (g % cols, g / cols);
        let vs = mesh.cell_vertices(i, r);
        let pts: Vec<[f64; 2]> = vs.iter().map(|&v| mesh.vertex(v)).collect();
        cells.area.push(ring_area(&pts));
        cells.centroid.push(ring_centroid(&pts));
        cells.corners.push(vs);
        let nbs = mesh.neighbours(i, r);
        cells.nb.push(nbs.map(|o| o.map_or(NONE, |gg| index[gg])));
    }
    (mesh, cells, factor)
}

fn ring_area(pts: &[[f64; 2]]) -> f64 {
    let mut a = 0.0;
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        a += p[0] * q[1] - q[0] * p[1];
    }
    a / 2.0
}

fn ring_centroid(pts: &[[f64; 2]]) -> [f64; 2] {
    let (mut cx, mut cy, mut a) = (0.0, 0.0, 0.0);
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        let cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
    }
    [cx / (3.0 * a), cy / (3.0 * a)]
}

// ---------------------------------------------------------------------------
// Partition
// ---------------------------------------------------------------------------

/// Capacity-constrained power diagram of `members` (cell indices): each
/// cell goes to the seed minimising `|pos - seed|² - weight`; seeds move
/// towards the centroids of their cells (unless fixed) and weights grow or
/// shrink until each region holds its target area. The iterations run on
/// every fourth cell (their areas scaled up); the final assignment covers
/// all. Returns a label per member.
fn power_partition(
    members: &[u32],
    pos: &[[f64; 2]],
    cells: &Cells,
    seeds: &mut [[f64; 2]],
    targets: &[f64],
    fixed: &[bool],
    iterations: usize,
) -> Vec<u32> {
    let n = seeds.len();
    let mut weight = vec![0.0; n];
    let sample: Vec<u32> = members.iter().copied().step_by(4).collect();
    let total: f64 = members.iter().map(|&c| cells.area[c as usize]).sum();
    let sampled: f64 = sample.iter().map(|&c| cells.area[c as usize]).sum();
    let boost = total / sampled;
    let nearest = |p: [f64; 2], seeds: &[[f64; 2]], weight: &[f64]| -> u32 {
        let mut best = f64::INFINITY;
        let mut label = 0;
        for (j, s) in seeds.iter().enumerate() {
            let d = dist2(p, *s) - weight[j];
            if d < best {
                best = d;
                label = j as u32;
            }
        }
        label
    };
    for _ in 0..iterations {
        let mut area = vec![0.0; n];
        let mut sum = vec![[0.0, 0.0]; n];
        for &c in &sample {
            let c = c as usize;
            let j = nearest(pos[c], seeds, &weight) as usize;
            let a = cells.area[c] * boost;
            area[j] += a;
            sum[j][0] += a * cells.centroid[c][0];
            sum[j][1] += a * cells.centroid[c][1];
        }
        for j in 0..n {
            if area[j] > 0.0 && !fixed[j] {
                let cen = [sum[j][0] / area[j], sum[j][1] / area[j]];
                seeds[j][0] += 0.5 * (cen[0] - seeds[j][0]);
                seeds[j][1] += 0.5 * (cen[1] - seeds[j][1]);
            }
            weight[j] += 0.5 * (targets[j] - area[j]) / PI;
        }
    }
    members
        .iter()
        .map(|&c| nearest(pos[c as usize], seeds, &weight))
        .collect()
}

/// Makes every label of `members` one connected region: smaller pieces go to
/// the neighbouring label (among `members`) they share most edges with.
/// Labels with no cell take the member cell nearest to their seed first.
fn make_connected(
    members: &[u32],
    labels: &mut [u32],
    cells: &Cells,
    seeds: &[[f64; 2]],
    n_labels: usize,
) {
    let mut local = vec![NONE; cells.grid.len()];
    for (m, &c) in members.iter().enumerate() {
        local[c as usize] = m as u32;
    }
    // every label gets at least one cell
    for (l, seed) in seeds.iter().enumerate().take(n_labels) {
        if labels.iter().any(|&x| x as usize == l) {
            continue;
        }
        let nearest = (0..members.len())
            .min_by(|&a, &b| {
                dist2(cells.centroid[members[a] as usize], *seed)
                    .total_cmp(&dist2(cells.centroid[members[b] as usize], *seed))
                    .then(a.cmp(&b))
            })
            .expect("a region has cells");
        labels[nearest] = l as u32;
    }
    for _ in 0..50 {
        let mut comp = vec![NONE; members.len()];
        let mut comp_label = Vec::new();
        let mut comp_size = Vec::new();
        let mut stack = Vec::new();
        for start in 0..members.len() {
            if comp[start] != NONE {
                continue;
            }
            let id = comp_size.len() as u32;
            comp[start] = id;
            stack.push(start);
            let mut size = 0;
            while let Some(m) = stack.pop() {
                size += 1;
                for nb in cells.nb[members[m] as usize] {
                    if nb == NONE {
                        continue;
                    }
                    let mn = local[nb as usize];
                    if mn != NONE && comp[mn as usize] == NONE && labels[mn as usize] == labels[m] {
                        comp[mn as usize] = id;
                        stack.push(mn as usize);
                    }
                }
            }
            comp_label.push(labels[start]);
            comp_size.push(size);
        }
        let mut keep = vec![NONE; n_labels];
        for c in 0..comp_size.len() {
            let l = comp_label[c] as usize;
            if keep[l] == NONE || comp_size[c] > comp_size[keep[l] as usize] {
                keep[l] = c as u32;
            }
        }
        // for each stray piece, count the labels across its edges
        let mut votes: Vec<Vec<usize>> = vec![Vec::new(); comp_size.len()];
        for (m, &c) in members.iter().enumerate() {
            let k = comp[m] as usize;
            if keep[comp_label[k] as usize] == k as u32 {
                continue;
            }
            if votes[k].is_empty() {
                votes[k] = vec![0; n_labels];
            }
            for nb in cells.nb[c as usize] {
                if nb == NONE {
                    continue;
                }
                let mn = local[nb as usize];
                if mn != NONE && comp[mn as usize] as usize != k {
                    votes[k][labels[mn as usize] as usize] += 1;
                }
            }
        }
        let mut changed = false;
        let mut new_label = vec![NONE; comp_size.len()];
        for (k, v) in votes.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let best = (0..n_labels).max_by_key(|&l| (v[l], usize::MAX - l));
            if let Some(best) = best {
                if v[best] > 0 {
                    new_label[k] = best as u32;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
        for m in 0..members.len() {
            let k = comp[m] as usize;
            if new_label[k] != NONE {
                labels[m] = new_label[k];
            }
        }
    }
}

/// Traces the boundary of the union of `members` (cell indices, for which
/// `inside` holds) into polygons of mesh vertex ids: exterior rings
/// counter-clockwise, holes clockwise, first vertex not repeated.
fn trace(
    members: &[u32],
    inside: &dyn Fn(u32) -> bool,
    cells: &Cells,
    mesh: &mut Mesh,
) -> Vec<Vec<Vec<usize>>> {
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for &c in members {
        let c = c as usize;
        for e in 0..6 {
            let nb = cells.nb[c][e];
            if nb == NONE || !inside(nb) {
                edges.push((cells.corners[c][e], cells.corners[c][(e + 1) % 6]));
            }
        }
    }
    let from: HashMap<usize, usize> = edges.iter().enumerate().map(|(i, e)| (e.0, i)).collect();
    assert_eq!(from.len(), edges.len(), "region boundary touches itself");
    let mut used = vec![false; edges.len()];
    let mut rings: Vec<Vec<usize>> = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        let mut ring = Vec::new();
        let mut e = start;
        while !used[e] {
            used[e] = true;
            ring.push(edges[e].0);
            e = from[&edges[e].1];
        }
        rings.push(ring);
    }
    let coords = |ring: &[usize], mesh: &mut Mesh| -> Vec<[f64; 2]> {
        ring.iter().map(|&v| mesh.vertex(v)).collect()
    };
    let mut polygons: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut holes = Vec::new();
    for ring in rings {
        if ring_area(&coords(&ring, mesh)) > 0.0 {
            polygons.push(vec![ring]);
        } else {
            holes.push(ring);
        }
    }
    for hole in holes {
        let p = mesh.vertex(hole[0]);
        let owner = (0..polygons.len())
            .find(|&k| point_in_ring(p, &coords(&polygons[k][0], mesh)))
            .unwrap_or(0);
        polygons[owner].push(hole);
    }
    polygons
}

// ---------------------------------------------------------------------------
// One copy
// ---------------------------------------------------------------------------

struct TileOut {
    communes: Vec<Commune>,
    sites: Vec<Site>,
    fiber: Vec<FiberRoute>,
    wifi: Vec<WifiPoint>,
}

/// What the later stages need to know about a commune.
struct Unit {
    district: usize,
    kind: CommuneKind,
    /// Member cells.
    cells: Vec<u32>,
    area_m2: f64,
    /// A representative point well inside the commune.
    anchor: [f64; 2],
    population: u64,
    households: u64,
    /// Polygon in plane metres (for clipping and sampling).
    plane: MultiPolygon<f64>,
}

impl Unit {
    fn density_per_km2(&self) -> f64 {
        self.population as f64 / (self.area_m2 / 1e6)
    }
}

/// Uniform point sampler over a set of cells.
struct Sampler {
    cells: Vec<u32>,
    cumulative: Vec<f64>,
}

impl Sampler {
    fn new(cells: &[u32], all: &Cells) -> Self {
        let mut acc = 0.0;
        let cumulative = cells
            .iter()
            .map(|&c| {
                acc += all.area[c as usize];
                acc
            })
            .collect();
        Sampler {
            cells: cells.to_vec(),
            cumulative,
        }
    }

    fn sample(&self, rng: &mut ChaCha8Rng, all: &Cells, mesh: &mut Mesh) -> [f64; 2] {
        let total = *self.cumulative.last().expect("cells");
        let u = rng.random::<f64>() * total;
        let k = self
            .cumulative
            .partition_point(|&x| x <= u)
            .min(self.cells.len() - 1);
        let c = self.cells[k] as usize;
        let centre = all.centroid[c];
        let corners: Vec<[f64; 2]> = all.corners[c].iter().map(|&v| mesh.vertex(v)).collect();
        let tri: Vec<f64> = (0..6)
            .map(|e| ring_area(&[centre, corners[e], corners[(e + 1) % 6]]).abs())
            .collect();
        let t = rng.random::<f64>() * tri.iter().sum::<f64>();
        let mut e = 0;
        let mut acc = tri[0];
        while acc < t && e < 5 {
            e += 1;
            acc += tri[e];
        }
        let (a, b) = (corners[e], corners[(e + 1) % 6]);
        let r1 = rng.random::<f64>().sqrt() * 0.96;
        let r2 = rng.random::<f64>();
        [
            centre[0] + r1 * ((1.0 - r2) * (a[0] - centre[0]) + r2 * (b[0] - centre[0])),
            centre[1] + r1 * ((1.0 - r2) * (a[1] - centre[1]) + r2 * (b[1] - centre[1])),
        ]
    }
}

fn to_geo_ring(
    ring: &[usize],
    mesh: &mut Mesh,
    map: &dyn Fn([f64; 2]) -> Coord<f64>,
) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.iter().map(|&v| map(mesh.vertex(v))).collect();
    pts.push(pts[0]);
    LineString::new(pts)
}

fn to_multipolygon(
    polys: &[Vec<Vec<usize>>],
    mesh: &mut Mesh,
    map: &dyn Fn([f64; 2]) -> Coord<f64>,
) -> MultiPolygon<f64> {
    MultiPolygon::new(
        polys
            .iter()
            .map(|rings| {
                let exterior = to_geo_ring(&rings[0], mesh, map);
                let interiors = rings[1..]
                    .iter()
                    .map(|r| to_geo_ring(r, mesh, map))
                    .collect();
                Polygon::new(exterior, interiors)
            })
            .collect(),
    )
}

fn plane_coord(p: [f64; 2]) -> Coord<f64> {
    Coord { x: p[0], y: p[1] }
}

fn build_tile(config: &CityConfig, tile: usize, tile_seed: u64, frame: &Frame) -> TileOut {
    let mut rng = stream(tile_seed, 1);
    let (mut mesh, cells, factor) =
        build_city(config.area_km2 * 1e6, &mut rng, splitmix64(tile_seed ^ 2));
    let all: Vec<u32> = (0..cells.grid.len() as u32).collect();

    // districts
    let district_noise = Noise::new(&mut rng, 5.0, (30.0, 90.0)).lattice(&mesh, 4.0);
    let pos: Vec<[f64; 2]> = cells
        .grid
        .iter()
        .map(|&g| {
            let c = mesh.cell_param_centre(g % mesh.cols, g / mesh.cols);
            mesh.warp.apply(district_noise.displace(c))
        })
        .collect();
    let city_area: f64 = cells.area.iter().sum();
    let spec_area: f64 = DISTRICTS.iter().map(|d| d.area_km2).sum();
    let mut dseeds: Vec<[f64; 2]> = DISTRICTS
        .iter()
        .map(|d| {
            [
                d.centre_km[0] * 1000.0 * factor,
                d.centre_km[1] * 1000.0 * factor,
            ]
        })
        .collect();
    let dtargets: Vec<f64> = DISTRICTS
        .iter()
        .map(|d| d.area_km2 / spec_area * city_area)
        .collect();
    let mut dlabels = power_partition(
        &all,
        &pos,
        &cells,
        &mut dseeds,
        &dtargets,
        &[true; DISTRICTS_PER_COPY],
        80,
    );
    make_connected(&all, &mut dlabels, &cells, &dseeds, DISTRICTS_PER_COPY);
    // each district's seat: the middle of its land
    let mut seats = [[0.0, 0.0]; DISTRICTS_PER_COPY];
    let mut district_area = [0.0; DISTRICTS_PER_COPY];
    for (&d, c) in dlabels.iter().zip(0..) {
        let (d, c) = (d as usize, c as usize);
        district_area[d] += cells.area[c];
        seats[d][0] += cells.area[c] * cells.centroid[c][0];
        seats[d][1] += cells.area[c] * cells.centroid[c][1];
    }
    for (seat, area) in seats.iter_mut().zip(&district_area) {
        *seat = [seat[0] / area, seat[1] / area];
    }

    // communes, district by district
    let commune_noise = Noise::new(&mut rng, 3.0, (14.0, 40.0)).lattice(&mesh, 2.0);
    let pos: Vec<[f64; 2]> = cells
        .grid
        .iter()
        .map(|&g| {
            let c = mesh.cell_param_centre(g % mesh.cols, g / mesh.cols);
            mesh.warp.apply(commune_noise.displace(c))
        })
        .collect();
    let mut units: Vec<Unit> = Vec::new();
    let mut district_pop = apportion(
        config.population,
        &DISTRICTS
            .iter()
            .map(|d| d.population as f64)
            .collect::<Vec<_>>(),
    )
    .into_iter();
    let mut district_hh = apportion(
        config.households,
        &DISTRICTS
            .iter()
            .map(|d| d.households as f64)
            .collect::<Vec<_>>(),
    )
    .into_iter();
    for (d, spec) in DISTRICTS.iter().enumerate() {
        let members: Vec<u32> = all
            .iter()
            .copied()
            .filter(|&c| dlabels[c as usize] as usize == d)
            .collect();
        let n = spec.units + spec.towns;
        let seat = seats[d];
        let first = members
            .iter()
            .copied()
            .min_by(|&a, &b| {
                dist2(cells.centroid[a as usize], seat)
                    .total_cmp(&dist2(cells.centroid[b as usize], seat))
                    .then(a.cmp(&b))
            })
            .expect("district has cells");
        // farthest-point seeds, denser towards the city centre in town
        let spacing_weight = |p: [f64; 2]| -> f64 {
            if spec.urban {
                let r = dist2(p, [0.0, 0.0]).sqrt();
                dmath::pow(1.0 + r / 3000.0, -2.6)
            } else {
                1.0
            }
        };
        let preference: Vec<f64> = members
            .iter()
            .map(|&c| {
                spacing_weight(cells.centroid[c as usize]) * (0.7 + 0.6 * rng.random::<f64>())
            })
            .collect();
        let mut seeds = vec![cells.centroid[first as usize]];
        let mut nearest: Vec<f64> = members
            .iter()
            .map(|&c| dist2(cells.centroid[c as usize], seeds[0]))
            .collect();
        while seeds.len() < n {
            let mut best = (f64::NEG_INFINITY, 0usize);
            for (m, (d, w)) in nearest.iter().zip(&preference).enumerate() {
                if d * w > best.0 {
                    best = (d * w, m);
                }
            }
            let s = cells.centroid[members[best.1] as usize];
            seeds.push(s);
            for (m, &c) in members.iter().enumerate() {
                nearest[m] = nearest[m].min(dist2(cells.centroid[c as usize], s));
            }
        }
        // towns: the seat, then seeds at middling distance from it
        let mut by_distance: Vec<usize> = (1..n).collect();
        by_distance.sort_by(|&a, &b| {
            dist2(seeds[a], seeds[0])
                .total_cmp(&dist2(seeds[b], seeds[0]))
                .then(a.cmp(&b))
        });
        let towns: Vec<usize> = std::iter::once(0)
            .chain(by_distance.iter().copied().skip(n / 2))
            .take(spec.towns)
            .collect();
        let kinds: Vec<CommuneKind> = (0..n)
            .map(|j| {
                if spec.urban {
                    CommuneKind::Ward
                } else if towns.contains(&j) {
                    CommuneKind::Town
                } else {
                    CommuneKind::Commune
                }
            })
            .collect();
        let district_area: f64 = members.iter().map(|&c| cells.area[c as usize]).sum();
        let raw: Vec<f64> = (0..n)
            .map(|j| {
                let r = dist2(seeds[j], [0.0, 0.0]).sqrt();
                match kinds[j] {
                    CommuneKind::Ward => {
                        dmath::pow(1.0 + r / 3000.0, 1.3) * lognormal(&mut rng, 0.3)
                    }
                    CommuneKind::Town => 0.35 * lognormal(&mut rng, 0.2),
                    _ => lognormal(&mut rng, 0.35),
                }
            })
            .collect();
        let raw_sum: f64 = raw.iter().sum();
        let targets: Vec<f64> = raw.iter().map(|w| w / raw_sum * district_area).collect();
        let mut fixed = vec![false; n];
        fixed[0] = true;
        let mut labels = power_partition(&members, &pos, &cells, &mut seeds, &targets, &fixed, 30);
        make_connected(&members, &mut labels, &cells, &seeds, n);

        // order: the seat first, then outwards
        let mut groups: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (&l, &c) in labels.iter().zip(&members) {
            groups[l as usize].push(c);
        }
        let centroid_of = |g: &[u32]| -> ([f64; 2], f64) {
            let (mut x, mut y, mut a) = (0.0, 0.0, 0.0);
            for &c in g {
                let c = c as usize;
                x += cells.area[c] * cells.centroid[c][0];
                y += cells.area[c] * cells.centroid[c][1];
                a += cells.area[c];
            }
            ([x / a, y / a], a)
        };
        let mut order: Vec<usize> = (1..n).collect();
        let seat_point = cells.centroid[first as usize];
        order.sort_by(|&a, &b| {
            let ka = (
                kinds[a] != CommuneKind::Town,
                dist2(centroid_of(&groups[a]).0, seat_point),
            );
            let kb = (
                kinds[b] != CommuneKind::Town,
                dist2(centroid_of(&groups[b]).0, seat_point),
            );
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
        });
        order.insert(0, 0);

        // population: density model, then exact integers
        let mut weights = Vec::new();
        let mut sizes = Vec::new();
        let mut district_units = Vec::new();
        for &j in &order {
            let (centroid, area) = centroid_of(&groups[j]);
            let r_city = dist2(centroid, [0.0, 0.0]).sqrt();
            let r_seat = dist2(centroid, seat_point).sqrt();
            let (density, size) = match kinds[j] {
                CommuneKind::Ward => (
                    (1.0 + 30.0 * dmath::exp(-r_city / 2500.0)
                        + 3.0 * dmath::exp(-r_seat / 2500.0))
                        * lognormal(&mut rng, 0.3),
                    3.0 + 0.4 * (1.0 - dmath::exp(-r_city / 6000.0)),
                ),
                CommuneKind::Town => (5.0 * lognormal(&mut rng, 0.2), 3.5),
                _ => (lognormal(&mut rng, 0.3), 3.65),
            };
            weights.push(area * density);
            sizes.push(size * (1.0 + 0.04 * normal(&mut rng)));
            let anchor_cell = groups[j]
                .iter()
                .copied()
                .min_by(|&a, &b| {
                    dist2(cells.centroid[a as usize], centroid)
                        .total_cmp(&dist2(cells.centroid[b as usize], centroid))
                        .then(a.cmp(&b))
                })
                .expect("commune has cells");
            let anchor = if j == 0 && groups[0].contains(&first) {
                cells.centroid[first as usize]
            } else {
                cells.centroid[anchor_cell as usize]
            };
            district_units.push(Unit {
                district: d,
                kind: kinds[j].clone(),
                cells: groups[j].clone(),
                area_m2: area,
                anchor,
                population: 0,
                households: 0,
                plane: MultiPolygon::new(Vec::new()),
            });
        }
        let pops = apportion(district_pop.next().expect("district"), &weights);
        let hh_weights: Vec<f64> = pops
            .iter()
            .zip(&sizes)
            .map(|(&p, s)| p as f64 / s)
            .collect();
        let hhs = apportion(district_hh.next().expect("district"), &hh_weights);
        for ((u, p), h) in district_units.iter_mut().zip(pops).zip(hhs) {
            u.population = p;
            u.households = h;
        }
        units.extend(district_units);
    }

    // geometry
    let mut label_of = vec![NONE; cells.grid.len()];
    for (k, u) in units.iter().enumerate() {
        for &c in &u.cells {
            label_of[c as usize] = k as u32;
        }
    }
    let mut communes = Vec::with_capacity(units.len());
    let mut names = name_pool(&mut stream(tile_seed, 3));
    let to_lonlat = |p: [f64; 2]| frame.lonlat(p);
    for (k, u) in units.iter_mut().enumerate() {
        let inside = |c: u32| label_of[c as usize] == k as u32;
        let polys = trace(&u.cells, &inside, &cells, &mut mesh);
        u.plane = to_multipolygon(&polys, &mut mesh, &plane_coord);
        let geometry = to_multipolygon(&polys, &mut mesh, &to_lonlat);
        let global = tile * COMMUNES_PER_COPY + k;
        let prefix = match u.kind {
            CommuneKind::Ward => "Phường",
            CommuneKind::Town => "Thị trấn",
            _ => "Xã",
        };
        let district = if tile == 0 {
            DISTRICTS[u.district].name.to_owned()
        } else {
            format!("{} {}", DISTRICTS[u.district].name, tile + 1)
        };
        communes.push(Commune {
            id: FeatureId::Str(format!("{}", 31117 + 3 * global)),
            name: Some(format!("{prefix} {}", names.next().expect("enough names"))),
            district: Some(district),
            kind: Some(u.kind.clone()),
            population: Some(u.population as f64),
            households: Some(u.households as f64),
            geometry: Some(geometry),
        });
    }
    let city_polys = trace(&all, &|_| true, &cells, &mut mesh);
    let city_plane = to_multipolygon(&city_polys, &mut mesh, &plane_coord);

    let sites = place_sites(config, tile, tile_seed, frame, &units, &cells, &mut mesh);
    let wifi = place_wifi(config, tile, frame, &units, &cells);
    let fiber = lay_fiber(
        config,
        tile_seed,
        frame,
        &units,
        &cells,
        &mut mesh,
        &city_plane,
    );
    TileOut {
        communes,
        sites,
        fiber,
        wifi,
    }
}

/// Vietnamese-looking place names, shuffled.
fn name_pool(rng: &mut ChaCha8Rng) -> impl Iterator<Item = String> {
    let mut names: Vec<String> = Vec::new();
    for a in NAME_FIRST {
        for b in NAME_SECOND {
            if a != b {
                names.push(format!("{a} {b}"));
            }
        }
    }
    for i in (1..names.len()).rev() {
        let j = rng.random_range(0..=i);
        names.swap(i, j);
    }
    names.into_iter()
}

// ---------------------------------------------------------------------------
// Mobile sites
// ---------------------------------------------------------------------------

fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|t| t.1).sum();
    let mut u = rng.random::<f64>() * total;
    for &(v, w) in table {
        if u < w {
            return v;
        }
        u -= w;
    }
    table[table.len() - 1].0
}

fn techs(list: &[Technology]) -> TechSet {
    list.iter().copied().collect()
}

#[derive(Clone, Copy)]
enum Antenna {
    Omni,
    Sectors(f64),
}

fn place_sites(
    config: &CityConfig,
    tile: usize,
    tile_seed: u64,
    frame: &Frame,
    units: &[Unit],
    cells: &Cells,
    mesh: &mut Mesh,
) -> Vec<Site> {
    use Technology::{G2, G3, G4, G5};
    let mut rng = stream(tile_seed, 4);
    // an area floor so every commune is reachable, the rest by population
    let floors: Vec<f64> = units
        .iter()
        .map(|u| {
            let per_site_km2 = match u.kind {
                CommuneKind::Ward => 1.0,
                CommuneKind::Town => 2.0,
                _ => 5.0,
            };
            (u.area_m2 / 1e6 / per_site_km2).ceil()
        })
        .collect();
    let floor_total: f64 = floors.iter().sum();
    let floor_counts = if floor_total as usize > config.sites {
        apportion(config.sites as u64, &floors)
    } else {
        floors.iter().map(|&f| f as u64).collect()
    };
    let rest = config.sites as u64 - floor_counts.iter().sum::<u64>();
    let by_pop = apportion(
        rest,
        &units
            .iter()
            .map(|u| u.population as f64)
            .collect::<Vec<_>>(),
    );
    let counts: Vec<usize> = floor_counts
        .iter()
        .zip(&by_pop)
        .map(|(a, b)| (a + b) as usize)
        .collect();

    let urban_mix = [
        (techs(&[G2, G3, G4]), 0.60),
        (techs(&[G3, G4]), 0.30),
        (techs(&[G4]), 0.07),
        (techs(&[G2, G3]), 0.03),
    ];
    let rural_mix = [
        (techs(&[G2, G3, G4]), 0.60),
        (techs(&[G3, G4]), 0.20),
        (techs(&[G2, G3]), 0.15),
        (techs(&[G4]), 0.05),
    ];
    struct Draft {
        unit: usize,
        at: [f64; 2],
        techs: TechSet,
        antenna: Antenna,
        spacing_m: f64,
        height_m: f64,
        operator: &'static str,
    }
    let mut drafts: Vec<Draft> = Vec::with_capacity(config.sites);
    for (k, u) in units.iter().enumerate() {
        let n = counts[k];
        if n == 0 {
            continue;
        }
        let sampler = Sampler::new(&u.cells, cells);
        let spacing_m = (u.area_m2 / n as f64).sqrt();
        let mut placed: Vec<[f64; 2]> = Vec::with_capacity(n);
        for _ in 0..n {
            // best of a few candidates: the one farthest from the sites so far
            let mut best = ([0.0, 0.0], f64::NEG_INFINITY);
            for _ in 0..10 {
                let p = sampler.sample(&mut rng, cells, mesh);
                let d = placed
                    .iter()
                    .map(|&q| dist2(p, q))
                    .fold(f64::INFINITY, f64::min);
                if d > best.1 {
                    best = (p, d);
                }
            }
            placed.push(best.0);
            let urban = u.kind == CommuneKind::Ward;
            let techs = pick(&mut rng, if urban { &urban_mix } else { &rural_mix });
            let antenna = if urban && spacing_m < 600.0 {
                pick(
                    &mut rng,
                    &[
                        (Antenna::Sectors(65.0), 0.5),
                        (Antenna::Sectors(120.0), 0.35),
                        (Antenna::Omni, 0.15),
                    ],
                )
            } else if u.kind == CommuneKind::Commune {
                pick(
                    &mut rng,
                    &[(Antenna::Sectors(120.0), 0.55), (Antenna::Omni, 0.45)],
                )
            } else {
                pick(
                    &mut rng,
                    &[(Antenna::Sectors(120.0), 0.7), (Antenna::Omni, 0.3)],
                )
            };
            let (hmin, hmax) = match u.kind {
                CommuneKind::Ward => (20.0, 35.0),
                CommuneKind::Town => (25.0, 40.0),
                _ => (30.0, 45.0),
            };
            let height_m = ((hmin + (hmax - hmin) * rng.random::<f64>()) * 2.0).round() / 2.0;
            let operator = pick(&mut rng, &OPERATORS);
            drafts.push(Draft {
                unit: k,
                at: best.0,
                techs,
                antenna,
                spacing_m,
                height_m,
                operator,
            });
        }
    }

    // the 5G pilot: densest wards of the pilot districts first
    let mut candidates: Vec<usize> = (0..drafts.len())
        .filter(|&s| {
            DISTRICTS[units[drafts[s].unit].district].five_g && drafts[s].techs.contains(G4)
        })
        .collect();
    let mut five_g = vec![false; drafts.len()];
    for _ in 0..config.five_g_sites.min(candidates.len()) {
        let weights: Vec<f64> = candidates
            .iter()
            .map(|&s| units[drafts[s].unit].density_per_km2())
            .collect();
        let total: f64 = weights.iter().sum();
        let mut u = rng.random::<f64>() * total;
        let mut k = 0;
        while k + 1 < weights.len() && u >= weights[k] {
            u -= weights[k];
            k += 1;
        }
        five_g[candidates.remove(k)] = true;
    }

    drafts
        .into_iter()
        .enumerate()
        .map(|(s, d)| {
            let mut techs = d.techs;
            if five_g[s] {
                techs.insert(G5);
            }
            let jitter = 0.85 + 0.3 * rng.random::<f64>();
            let r4 = (1.5 * d.spacing_m).clamp(450.0, 3500.0) * jitter;
            let range = |t: Technology| -> f64 {
                let r = match t {
                    G2 => (2.2 * r4).min(8000.0),
                    G3 => 1.35 * r4,
                    G4 => r4,
                    G5 => 300.0 * jitter,
                };
                (r / 10.0).round() * 10.0
            };
            let mut per = [None; 4];
            for t in techs.iter() {
                per[t.index()] = Some(range(t));
            }
            let sectors = match d.antenna {
                Antenna::Omni => Vec::new(),
                Antenna::Sectors(beam) => {
                    let turn = 40.0 * rng.random::<f64>() - 20.0;
                    (0..3)
                        .map(|k| Sector {
                            azimuth_deg: ((120.0 * k as f64 + turn + 10.0 * rng.random::<f64>()
                                - 5.0)
                                .rem_euclid(360.0)
                                * 10.0)
                                .round()
                                / 10.0
                                % 360.0,
                            beamwidth_deg: beam,
                            range_m: None,
                        })
                        .collect()
                }
            };
            let c = frame.lonlat(d.at);
            Site {
                id: FeatureId::Str(format!("BTS{:05}", tile * config.sites + s + 1)),
                operator: Some(d.operator.to_owned()),
                technologies: techs,
                height_m: d.height_m,
                range_m: SiteRange::PerTechnology(per),
                sectors,
                radio: RadioParams::default(),
                location: Point::new(c.x, c.y),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Public wifi
// ---------------------------------------------------------------------------

/// One point in the centre commune of every district (the seat: a town, or
/// the district's central ward), then one in each next-densest commune that
/// has none; only past one point per commune do communes get a second.
fn place_wifi(
    config: &CityConfig,
    tile: usize,
    frame: &Frame,
    units: &[Unit],
    cells: &Cells,
) -> Vec<WifiPoint> {
    let mut order: Vec<usize> = Vec::new();
    for d in 0..DISTRICTS_PER_COPY {
        if let Some(k) = units.iter().position(|u| u.district == d) {
            order.push(k);
        }
    }
    let mut rest: Vec<usize> = (0..units.len()).filter(|k| !order.contains(k)).collect();
    rest.sort_by(|&a, &b| {
        units[b]
            .density_per_km2()
            .total_cmp(&units[a].density_per_km2())
            .then(a.cmp(&b))
    });
    order.extend(rest);
    (0..config.wifi_points)
        .map(|i| {
            let k = order[i % order.len()];
            let round = i / order.len();
            // a later round takes another cell of the commune, spread out
            let p = if round == 0 {
                units[k].anchor
            } else {
                let own = &units[k].cells;
                let mut c = own[(round * 7919) % own.len()] as usize;
                if cells.centroid[c] == units[k].anchor {
                    c = own[(round * 7919 + 1) % own.len()] as usize;
                }
                cells.centroid[c]
            };
            let c = frame.lonlat(p);
            WifiPoint {
                id: FeatureId::Str(format!("WIFI{:04}", tile * config.wifi_points + i + 1)),
                range_m: None,
                location: Point::new(c.x, c.y),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Fibre
// ---------------------------------------------------------------------------

/// A bucket index of segments for "distance to the nearest segment" queries
/// within a fixed radius.
struct SegmentIndex {
    segments: Vec<([f64; 2], [f64; 2])>,
    bucket_m: f64,
    buckets: HashMap<(i64, i64), Vec<usize>>,
}

impl SegmentIndex {
    fn new(bucket_m: f64) -> Self {
        SegmentIndex {
            segments: Vec::new(),
            bucket_m,
            buckets: HashMap::new(),
        }
    }

    fn key(&self, x: f64) -> i64 {
        (x / self.bucket_m).floor() as i64
    }

    fn insert(&mut self, a: [f64; 2], b: [f64; 2]) {
        let id = self.segments.len();
        self.segments.push((a, b));
        for i in self.key(a[0].min(b[0]))..=self.key(a[0].max(b[0])) {
            for j in self.key(a[1].min(b[1]))..=self.key(a[1].max(b[1])) {
                self.buckets.entry((i, j)).or_default().push(id);
            }
        }
    }

    fn insert_lines(&mut self, lines: &MultiLineString<f64>) {
        for ls in lines {
            for seg in ls.lines() {
                self.insert([seg.start.x, seg.start.y], [seg.end.x, seg.end.y]);
            }
        }
    }

    /// Distance from `p` to the nearest segment, if one is within `radius`.
    fn within(&self, p: [f64; 2], radius: f64) -> bool {
        for i in self.key(p[0] - radius)..=self.key(p[0] + radius) {
            for j in self.key(p[1] - radius)..=self.key(p[1] + radius) {
                if let Some(ids) = self.buckets.get(&(i, j)) {
                    for &s in ids {
                        let (a, b) = self.segments[s];
                        if segment_dist2(p, a, b) <= radius * radius {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }
}

fn segment_dist2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    dist2(p, [a[0] + t * dx, a[1] + t * dy])
}

/// A commune's street network: one (rural) or two (urban) families of
/// parallel lines, `spacing` apart, with unit normals and offsets.
struct Streets {
    normals: Vec<[f64; 2]>,
    phase: Vec<f64>,
    factor: f64,
}

impl Streets {
    fn distance(&self, p: [f64; 2], spacing: f64) -> f64 {
        self.normals
            .iter()
            .zip(&self.phase)
            .map(|(n, ph)| {
                let t = p[0] * n[0] + p[1] * n[1] - ph * spacing;
                (t - spacing * (t / spacing).round()).abs()
            })
            .fold(f64::INFINITY, f64::min)
    }
}

fn lay_fiber(
    config: &CityConfig,
    tile_seed: u64,
    frame: &Frame,
    units: &[Unit],
    cells: &Cells,
    mesh: &mut Mesh,
    city: &MultiPolygon<f64>,
) -> Vec<FiberRoute> {
    let mut rng = stream(tile_seed, 5);
    let drop = config.fiber_drop_m;
    let mut routes = Vec::new();
    let push = |routes: &mut Vec<FiberRoute>, lines: &MultiLineString<f64>, operator: &str| {
        let geometry: MultiLineString<f64> = lines
            .iter()
            .filter_map(|ls| {
                let mut pts: Vec<Coord<f64>> = Vec::new();
                for c in ls.coords() {
                    let q = frame.lonlat([c.x, c.y]);
                    if pts.last() != Some(&q) {
                        pts.push(q);
                    }
                }
                (pts.len() >= 2).then(|| LineString::new(pts))
            })
            .collect();
        if geometry.0.is_empty() {
            return;
        }
        // numbered once all copies are built
        routes.push(FiberRoute {
            id: FeatureId::Str(String::new()),
            operator: Some(operator.to_owned()),
            geometry,
        });
    };

    // trunk routes between district seats, meandering a little
    let seat: Vec<[f64; 2]> = (0..DISTRICTS_PER_COPY)
        .map(|d| {
            units
                .iter()
                .find(|u| u.district == d)
                .map_or([0.0, 0.0], |u| u.anchor)
        })
        .collect();
    let mut trunks = SegmentIndex::new(500.0);
    let mut trunk_lines = Vec::new();
    for &(a, b) in &TRUNKS {
        let (pa, pb) = (seat[a], seat[b]);
        let len = dist2(pa, pb).sqrt();
        let normal = [-(pb[1] - pa[1]) / len, (pb[0] - pa[0]) / len];
        let amps: Vec<f64> = (1..=3)
            .map(|j| (rng.random::<f64>() - 0.5) * 0.12 / j as f64)
            .collect();
        let steps = (len / 250.0).ceil().max(1.0) as usize;
        let pts: Vec<Coord<f64>> = (0..=steps)
            .map(|s| {
                let t = s as f64 / steps as f64;
                let w: f64 = amps
                    .iter()
                    .enumerate()
                    .map(|(j, a)| a * dmath::sin(PI * (j + 1) as f64 * t))
                    .sum::<f64>()
                    * len;
                Coord {
                    x: pa[0] + t * (pb[0] - pa[0]) + w * normal[0],
                    y: pa[1] + t * (pb[1] - pa[1]) + w * normal[1],
                }
            })
            .collect();
        let clipped = city.clip(&MultiLineString::new(vec![LineString::new(pts)]), false);
        trunks.insert_lines(&clipped);
        trunk_lines.push(clipped);
    }
    for lines in &trunk_lines {
        push(&mut routes, lines, "VNPT");
    }

    // street networks, spacing calibrated on the share of households passed
    let samples_per_unit = 200;
    let mut streets = Vec::new();
    let mut samples: Vec<Vec<([f64; 2], bool)>> = Vec::new();
    let mut srng = stream(tile_seed, 6);
    for u in units {
        let families = if u.kind == CommuneKind::Commune { 1 } else { 2 };
        let (s, c) = dmath::sin_cos(PI * rng.random::<f64>());
        let mut normals = vec![[c, s]];
        if families == 2 {
            normals.push([-s, c]);
        }
        let phase = normals.iter().map(|_| rng.random::<f64>()).collect();
        let hh_density = u.households as f64 / (u.area_m2 / 1e6);
        let factor = if families == 2 { 1.0 } else { 0.6 } * dmath::pow(hh_density.max(1.0), -0.5);
        streets.push(Streets {
            normals,
            phase,
            factor,
        });
        let sampler = Sampler::new(&u.cells, cells);
        samples.push(
            (0..samples_per_unit)
                .map(|_| {
                    let p = sampler.sample(&mut srng, cells, mesh);
                    (p, trunks.within(p, drop))
                })
                .collect(),
        );
    }
    const MAX_SPACING_M: f64 = 6000.0;
    let share = |k: f64| -> f64 {
        let mut passed = 0.0;
        let mut total = 0.0;
        for ((u, st), smp) in units.iter().zip(&streets).zip(&samples) {
            let spacing = k * st.factor;
            let hit = smp
                .iter()
                .filter(|(p, near_trunk)| {
                    *near_trunk || (spacing <= MAX_SPACING_M && st.distance(*p, spacing) <= drop)
                })
                .count();
            passed += u.households as f64 * hit as f64 / smp.len() as f64;
            total += u.households as f64;
        }
        if total > 0.0 {
            passed / total
        } else {
            0.0
        }
    };
    let solve = |target: f64| -> f64 {
        let (mut lo, mut hi) = (50.0f64, 1e6f64);
        for _ in 0..32 {
            let mid = (lo * hi).sqrt();
            if share(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo * hi).sqrt()
    };
    let networks = |k: f64| -> Vec<Option<MultiLineString<f64>>> {
        units
            .par_iter()
            .zip(&streets)
            .map(|(u, st)| {
                let spacing = k * st.factor;
                (spacing <= MAX_SPACING_M).then(|| street_lines(&u.plane, st, spacing))
            })
            .collect()
    };
    // the estimate ignores the streets of neighbouring communes: measure the
    // real routes once and correct the target by the difference
    let target = config.fiber_passed_share;
    let k = solve(target);
    let first = networks(k);
    let mut index = SegmentIndex::new(500.0);
    for lines in trunk_lines.iter().chain(first.iter().flatten()) {
        index.insert_lines(lines);
    }
    let (mut passed, mut total) = (0.0, 0.0);
    for (u, smp) in units.iter().zip(&samples) {
        let hit = smp.iter().filter(|(p, _)| index.within(*p, drop)).count();
        passed += u.households as f64 * hit as f64 / smp.len() as f64;
        total += u.households as f64;
    }
    let bias = if total > 0.0 {
        passed / total - share(k)
    } else {
        0.0
    };
    let corrected = (target - bias).clamp(0.0, 1.0);
    let final_networks = if bias.abs() > 1e-9 && corrected != target {
        networks(solve(corrected))
    } else {
        first
    };
    for lines in final_networks.iter().flatten() {
        let operator = FIBER_OPERATORS[rng.random_range(0..FIBER_OPERATORS.len())];
        push(&mut routes, lines, operator);
    }
    routes
}

/// The street lines of one commune at `spacing`, clipped to its polygon.
fn street_lines(plane: &MultiPolygon<f64>, st: &Streets, spacing: f64) -> MultiLineString<f64> {
    let mut lines = Vec::new();
    let pts: Vec<[f64; 2]> = plane
        .0
        .iter()
        .flat_map(|p| p.exterior().coords())
        .map(|c| [c.x, c.y])
        .collect();
    let proj = |v: [f64; 2], a: [f64; 2]| v[0] * a[0] + v[1] * a[1];
    for (n, ph) in st.normals.iter().zip(&st.phase) {
        let dir = [-n[1], n[0]];
        let (tmin, tmax) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |acc, p| {
                (acc.0.min(proj(*p, *n)), acc.1.max(proj(*p, *n)))
            });
        let (umin, umax) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |acc, p| {
                (acc.0.min(proj(*p, dir)), acc.1.max(proj(*p, dir)))
            });
        let first = ((tmin - ph * spacing) / spacing).floor() as i64;
        let last = ((tmax - ph * spacing) / spacing).ceil() as i64;
        for m in first..=last {
            let t = ph * spacing + m as f64 * spacing;
            let a = [
                n[0] * t + dir[0] * (umin - 10.0),
                n[1] * t + dir[1] * (umin - 10.0),
            ];
            let b = [
                n[0] * t + dir[0] * (umax + 10.0),
                n[1] * t + dir[1] * (umax + 10.0),
            ];
            lines.push(LineString::new(vec![plane_coord(a), plane_coord(b)]));
        }
    }
    plane.clip(&MultiLineString::new(lines), false)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::OnceLock;

    use geo::{
        Area, BooleanOps, BoundingRect, Contains, GeodesicArea, Intersects, Validation, Winding,
    };
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn can_tho() -> &'static Scenario {
        static CITY: OnceLock<Scenario> = OnceLock::new();
        CITY.get_or_init(|| generate(&CityConfig::can_tho()))
    }

    /// Local metres around a reference point (accurate to well under 1 %
    /// across one copy of the city).
    struct Local {
        lon0: f64,
        lat0: f64,
        kx: f64,
        ky: f64,
    }

    impl Local {
        fn around(s: &Scenario) -> Self {
            let rect = s
                .communes
                .iter()
                .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
                .reduce(crate::engine::rect_union)
                .unwrap();
            let c = rect.center();
            Local {
                lon0: c.x,
                lat0: c.y,
                kx: 111_320.0 * c.y.to_radians().cos(),
                ky: 110_600.0,
            }
        }

        fn xy(&self, c: Coord<f64>) -> [f64; 2] {
            [(c.x - self.lon0) * self.kx, (c.y - self.lat0) * self.ky]
        }

        fn lonlat(&self, p: [f64; 2]) -> Coord<f64> {
            Coord {
                x: self.lon0 + p[0] / self.kx,
                y: self.lat0 + p[1] / self.ky,
            }
        }
    }

    /// Points spread uniformly over each commune (rejection sampling in the
    /// bounding box), in local metres.
    fn uniform_points(s: &Scenario, local: &Local, per_commune: usize) -> Vec<Vec<[f64; 2]>> {
        let mut rng = ChaCha8Rng::seed_from_u64(12345);
        s.communes
            .iter()
            .map(|c| {
                let g = c.geometry.as_ref().unwrap();
                let r = g.bounding_rect().unwrap();
                let mut pts = Vec::with_capacity(per_commune);
                while pts.len() < per_commune {
                    let q = Coord {
                        x: r.min().x + rng.random::<f64>() * r.width(),
                        y: r.min().y + rng.random::<f64>() * r.height(),
                    };
                    if g.contains(&Point::from(q)) {
                        pts.push(local.xy(q));
                    }
                }
                pts
            })
            .collect()
    }

    /// Household-weighted share of uniform points within `drop` of a route,
    /// per commune kind and in total.
    fn fiber_share(s: &Scenario, per_commune: usize) -> (f64, BTreeMap<String, f64>) {
        let local = Local::around(s);
        let mut index = SegmentIndex::new(500.0);
        for f in &s.fiber {
            for ls in &f.geometry {
                for seg in ls.lines() {
                    index.insert(local.xy(seg.start), local.xy(seg.end));
                }
            }
        }
        let points = uniform_points(s, &local, per_commune);
        let mut by_kind: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        let (mut passed, mut total) = (0.0, 0.0);
        for (c, pts) in s.communes.iter().zip(&points) {
            let hit = pts
                .iter()
                .filter(|p| index.within(**p, s.parameters.fiber_drop_m))
                .count() as f64
                / pts.len() as f64;
            let hh = c.households.unwrap();
            passed += hh * hit;
            total += hh;
            let e = by_kind
                .entry(c.kind.as_ref().unwrap().as_str().to_owned())
                .or_default();
            e.0 += hh * hit;
            e.1 += hh;
        }
        let by_kind = by_kind.into_iter().map(|(k, v)| (k, v.0 / v.1)).collect();
        (passed / total, by_kind)
    }

    /// Population-weighted share of uniform points served by a site layer
    /// (range and sector wedge), for 2G, 3G, 4G, 5G and mobile broadband.
    fn mobile_share(s: &Scenario, per_commune: usize) -> [f64; 5] {
        let local = Local::around(s);
        let sites: Vec<([f64; 2], &Site)> = s
            .sites
            .iter()
            .map(|site| (local.xy(site.location.0), site))
            .collect();
        let mut buckets: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
        let bucket = 2000.0;
        let key = |v: f64| (v / bucket).floor() as i64;
        for (i, (p, _)) in sites.iter().enumerate() {
            buckets.entry((key(p[0]), key(p[1]))).or_default().push(i);
        }
        let points = uniform_points(s, &local, per_commune);
        let mut covered = [0.0; 5];
        let mut total = 0.0;
        for (c, pts) in s.communes.iter().zip(&points) {
            let pop = c.population.unwrap();
            total += pop;
            for p in pts {
                let mut served = [false; 4];
                for i in key(p[0] - 8000.0)..=key(p[0] + 8000.0) {
                    for j in key(p[1] - 8000.0)..=key(p[1] + 8000.0) {
                        for &k in buckets.get(&(i, j)).map(Vec::as_slice).unwrap_or(&[]) {
                            let (q, site) = sites[k];
                            let d = dist2(*p, q).sqrt();
                            let bearing = (p[0] - q[0]).atan2(p[1] - q[1]).to_degrees();
                            let in_wedge = site.sectors.is_empty()
                                || site.sectors.iter().any(|sec| sec.contains_bearing(bearing));
                            if !in_wedge {
                                continue;
                            }
                            for t in site.technologies.iter() {
                                if d <= site.range_m.get(t).unwrap() {
                                    served[t.index()] = true;
                                }
                            }
                        }
                    }
                }
                let w = pop / pts.len() as f64;
                for t in 0..4 {
                    if served[t] {
                        covered[t] += w;
                    }
                }
                if served[1] || served[2] || served[3] {
                    covered[4] += w;
                }
            }
        }
        covered.map(|c| c / total)
    }

    #[test]
    fn totals_are_the_census_totals() {
        let s = can_tho();
        let pop: f64 = s.communes.iter().map(|c| c.population.unwrap()).sum();
        let hh: f64 = s.communes.iter().map(|c| c.households.unwrap()).sum();
        assert_eq!(pop, 1_235_171.0);
        assert_eq!(hh, 359_375.0);
        for c in &s.communes {
            let (p, h) = (c.population.unwrap(), c.households.unwrap());
            assert_eq!(p, p.round());
            assert_eq!(h, h.round());
            assert!(h > 0.0 && h < p, "{}: {p} people in {h} households", c.id);
            assert!(
                (2.6..4.4).contains(&(p / h)),
                "{}: {} per household",
                c.id,
                p / h
            );
        }
    }

    #[test]
    fn communes_districts_and_kinds() {
        let s = can_tho();
        assert_eq!(s.communes.len(), COMMUNES_PER_COPY);
        let districts: BTreeSet<_> = s.communes.iter().map(|c| c.district.clone()).collect();
        assert_eq!(districts.len(), DISTRICTS_PER_COPY);
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &s.communes {
            *kinds.entry(c.kind.as_ref().unwrap().as_str()).or_default() += 1;
        }
        assert_eq!(kinds["ward"], 42);
        assert_eq!(kinds["commune"], 36);
        assert_eq!(kinds["town"], 5);
        let ids: BTreeSet<String> = s.communes.iter().map(|c| c.id.key()).collect();
        assert_eq!(ids.len(), s.communes.len());
        assert!(ids
            .iter()
            .all(|id| id.len() == 5 && id.bytes().all(|b| b.is_ascii_digit())));
        let names: BTreeSet<_> = s.communes.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names.len(), s.communes.len());
        // wards are denser than communes on the whole
        let density = |kind: &str| {
            let (p, a) = s
                .communes
                .iter()
                .filter(|c| c.kind.as_ref().unwrap().as_str() == kind)
                .fold((0.0, 0.0), |acc, c| {
                    let a = c.geometry.as_ref().unwrap().geodesic_area_unsigned();
                    (acc.0 + c.population.unwrap(), acc.1 + a)
                });
            p / a * 1e6
        };
        assert!(density("ward") > 4.0 * density("commune"));
    }

    #[test]
    fn area_matches_the_city() {
        let s = can_tho();
        let area: f64 = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap().geodesic_area_unsigned())
            .sum::<f64>()
            / 1e6;
        assert!((area - 1440.0).abs() < 1440.0 * 0.03, "area {area} km²");
        for c in &s.communes {
            for p in c.geometry.as_ref().unwrap() {
                for q in p.exterior() {
                    assert!((105.1..106.0).contains(&q.x) && (9.8..10.45).contains(&q.y));
                    assert_eq!(q.x, round6(q.x));
                }
            }
        }
    }

    #[test]
    fn polygons_are_valid_and_disjoint() {
        let s = can_tho();
        let geoms: Vec<&MultiPolygon<f64>> = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap())
            .collect();
        for (c, g) in s.communes.iter().zip(&geoms) {
            assert!(g.is_valid(), "commune {} is invalid", c.id);
            assert!(g.unsigned_area() > 0.0);
            for p in g.iter() {
                // RFC 7946 winding: exterior counter-clockwise
                assert!(p.exterior().is_ccw());
            }
        }
        for i in 0..geoms.len() {
            for j in i + 1..geoms.len() {
                let (a, b) = (geoms[i], geoms[j]);
                if !a
                    .bounding_rect()
                    .unwrap()
                    .intersects(&b.bounding_rect().unwrap())
                {
                    continue;
                }
                let overlap = a.intersection(b).unsigned_area();
                // 1e-11 square degrees is about 0.1 m²
                assert!(
                    overlap < 1e-11,
                    "{} and {} overlap",
                    s.communes[i].id,
                    s.communes[j].id
                );
            }
        }
    }

    #[test]
    fn shared_boundaries_are_identical() {
        // every edge is either on the city outline or used, reversed, by
        // exactly one other commune: no gaps, no slivers
        let s = can_tho();
        let key = |c: Coord<f64>| (c.x.to_bits(), c.y.to_bits());
        type Vertex = (u64, u64);
        let mut owner: BTreeMap<(Vertex, Vertex), usize> = BTreeMap::new();
        for (k, c) in s.communes.iter().enumerate() {
            for p in c.geometry.as_ref().unwrap() {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    for l in ring.lines() {
                        assert!(owner.insert((key(l.start), key(l.end)), k).is_none());
                    }
                }
            }
        }
        let mut shared = 0;
        let mut outline = 0;
        for (&(a, b), &k) in &owner {
            match owner.get(&(b, a)) {
                Some(&other) => {
                    assert_ne!(other, k);
                    shared += 1;
                }
                None => outline += 1,
            }
        }
        assert!(shared > 0 && outline > 0);
        // the outline edges close into one ring around the whole city
        let mut next: BTreeMap<Vertex, Vertex> = BTreeMap::new();
        for &(a, b) in owner.keys() {
            if !owner.contains_key(&(b, a)) {
                assert!(next.insert(a, b).is_none());
            }
        }
        let start = *next.keys().next().unwrap();
        let (mut at, mut steps) = (start, 0);
        loop {
            at = next[&at];
            steps += 1;
            if at == start {
                break;
            }
        }
        assert_eq!(steps, outline);
    }

    fn commune_of(s: &Scenario, p: &Point<f64>) -> Option<usize> {
        s.communes
            .iter()
            .position(|c| c.geometry.as_ref().unwrap().contains(p))
    }

    #[test]
    fn sites_follow_the_calibration() {
        let s = can_tho();
        assert_eq!(s.sites.len(), 1990);
        let ids: BTreeSet<String> = s.sites.iter().map(|x| x.id.key()).collect();
        assert_eq!(ids.len(), s.sites.len());
        let mut per_commune = vec![0usize; s.communes.len()];
        let mut sectored = 0;
        for site in &s.sites {
            let k = commune_of(s, &site.location).expect("site in the city");
            per_commune[k] += 1;
            assert!(!site.technologies.is_empty());
            assert!((20.0..=45.0).contains(&site.height_m));
            for t in site.technologies.iter() {
                let r = site.range_m.get(t).expect("range for every layer");
                assert!((100.0..=8000.0).contains(&r));
            }
            if !site.sectors.is_empty() {
                sectored += 1;
                assert_eq!(site.sectors.len(), 3);
                for sec in &site.sectors {
                    assert!((0.0..360.0).contains(&sec.azimuth_deg));
                    assert!(sec.beamwidth_deg == 65.0 || sec.beamwidth_deg == 120.0);
                }
            }
            assert!(OPERATORS
                .iter()
                .any(|o| Some(o.0) == site.operator.as_deref()));
        }
        assert!(per_commune.iter().all(|&n| n > 0), "a commune without site");
        assert!((800..1700).contains(&sectored), "{sectored} sectored sites");
        let with = |t: Technology| {
            s.sites
                .iter()
                .filter(|x| x.technologies.contains(t))
                .count()
        };
        assert!(with(Technology::G4) > 1700);
        assert!(with(Technology::G3) > 1700);
        assert!(with(Technology::G2) > 1200);
        // denser where people are: sites per resident alike within 3x
        let density: Vec<f64> = s
            .communes
            .iter()
            .zip(&per_commune)
            .map(|(c, &n)| n as f64 / c.population.unwrap() * 1000.0)
            .collect();
        let central = &density[..11];
        assert!(
            central.iter().all(|&d| (0.5..3.0).contains(&d)),
            "{central:?}"
        );
    }

    #[test]
    fn five_g_pilot_in_two_central_districts() {
        let s = can_tho();
        let five_g: Vec<&Site> = s
            .sites
            .iter()
            .filter(|x| x.technologies.contains(Technology::G5))
            .collect();
        assert_eq!(five_g.len(), 40);
        let districts: BTreeSet<_> = five_g
            .iter()
            .map(|x| {
                s.communes[commune_of(s, &x.location).unwrap()]
                    .district
                    .clone()
            })
            .collect();
        assert_eq!(districts.len(), 2, "{districts:?}");
        assert!(districts.contains(&Some(DISTRICTS[0].name.to_owned())));
        assert!(five_g
            .iter()
            .all(|x| x.technologies.contains(Technology::G4)));
    }

    #[test]
    fn wifi_in_every_district_centre_and_distinct_communes() {
        let s = can_tho();
        assert_eq!(s.wifi.len(), 32);
        let communes: Vec<usize> = s
            .wifi
            .iter()
            .map(|w| commune_of(s, &w.location).expect("wifi in the city"))
            .collect();
        let distinct: BTreeSet<usize> = communes.iter().copied().collect();
        assert_eq!(distinct.len(), 32);
        let districts: BTreeSet<_> = communes.iter().map(|&k| &s.communes[k].district).collect();
        assert_eq!(districts.len(), DISTRICTS_PER_COPY);
        // the first commune of each district (its seat) has a point
        let mut seen = BTreeSet::new();
        for (k, c) in s.communes.iter().enumerate() {
            if seen.insert(c.district.clone()) {
                assert!(distinct.contains(&k), "seat {} has no wifi", c.id);
            }
        }
        // the others go to the densest communes without one
        let density = |k: usize| {
            let c = &s.communes[k];
            c.population.unwrap() / c.geometry.as_ref().unwrap().geodesic_area_unsigned()
        };
        let others: Vec<usize> = communes[DISTRICTS_PER_COPY..].to_vec();
        let least = others
            .iter()
            .map(|&k| density(k))
            .fold(f64::INFINITY, f64::min);
        for k in 0..s.communes.len() {
            if !distinct.contains(&k) {
                assert!(density(k) <= least * 1.01, "{} is denser", s.communes[k].id);
            }
        }
    }

    #[test]
    fn fiber_passes_sixty_percent_of_households() {
        let s = can_tho();
        let (share, by_kind) = fiber_share(s, 400);
        let km: f64 = s
            .fiber
            .iter()
            .map(|f| {
                let local = Local::around(s);
                f.geometry
                    .iter()
                    .flat_map(|ls| ls.lines())
                    .map(|l| dist2(local.xy(l.start), local.xy(l.end)).sqrt())
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 1000.0;
        println!("fibre: {km:.0} km, passed share {share:.4}, by kind {by_kind:?}");
        assert!((0.55..=0.65).contains(&share), "fibre passes {share}");
        assert!(by_kind["ward"] > by_kind["commune"]);
    }

    #[test]
    fn mobile_broadband_reaches_everyone() {
        let s = can_tho();
        let share = mobile_share(s, 300);
        println!("mobile coverage 2G/3G/4G/5G/broadband: {share:?}");
        assert!(share[4] > 0.995, "broadband {}", share[4]);
        assert!(share[2] > 0.97, "4G {}", share[2]);
        assert!(share[3] > 0.0 && share[3] < 0.3, "5G {}", share[3]);
    }

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

    #[test]
    fn deterministic_maths_is_accurate() {
        for i in -2000..2000 {
            let x = i as f64 * 0.0137;
            let (s, c) = dmath::sin_cos(x);
            assert!((s - x.sin()).abs() < 1e-14, "sin {x}");
            assert!((c - x.cos()).abs() < 1e-14, "cos {x}");
            assert!((dmath::exp(x / 3.0) / (x / 3.0).exp() - 1.0).abs() < 1e-14);
            let y = (x * 7.0).abs() + 1e-3;
            assert!((dmath::ln(y) - y.ln()).abs() < 1e-14 * y.ln().abs().max(1.0));
        }
    }

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 0.0]), vec![4, 3]);
        let parts = apportion(1_235_171, &[0.3, 0.2, 0.5, 1e-9]);
        assert_eq!(parts.iter().sum::<u64>(), 1_235_171);
    }

    #[test]
    fn local_frame_round_trip() {
        let s = can_tho();
        let local = Local::around(s);
        let p = [1234.5, -987.6];
        let back = local.xy(local.lonlat(p));
        assert!((back[0] - p[0]).abs() < 1e-6 && (back[1] - p[1]).abs() < 1e-6);
    }
}
