//! Terrain-shaped footprints: per site layer (and sector), the region where
//! the path loss stays within the layer's allowed loss, found by radial
//! sweeps over the scenario's elevation model.
//!
//! # Rays
//!
//! A site layer of range `R` (the range the terrain-free rule gives it:
//! `range_m`, the link budget or `[ranges_m]`) is swept by rays from the
//! site, spread evenly over its sector (or the full circle), as many as
//! make neighbouring rays at most one DEM cell apart at `R`
//! (`⌈width·R / cell⌉`, at least 8). Each ray is sampled every
//! `R / ⌈R / cell⌉` metres (at most one cell), heights bilinear from the
//! DEM; positions along a ray are offsets east and north from the site
//! divided by the WGS 84 radii of curvature at the site (under 2 m off at
//! 10 km). A height the DEM does not hold (outside it, on nodata) is taken
//! as sea level, and the run's warnings say how many site layers met one.
//!
//! # Loss and the covered set
//!
//! The allowed loss is the layer's empirical loss at `R`,
//! `A = Lemp(R)` ([`crate::propagation::SiteLink::path_loss_unbounded_db`]:
//! for a link-budget layer this is its maximum allowed path loss, or less
//! where the radio horizon set `R`). A point at distance `d` along a ray is
//! covered when `Lemp(d) + excess(d) ≤ A`, `excess` being the terrain's
//! diffraction in excess of the smooth Earth
//! ([`crate::propagation::terrain_loss`], evaluated in one pass per ray).
//! With `[terrain] clutter = "commune"` the clutter height of the site's
//! commune kind stands on every intermediate point of its rays
//! ([`crate::model::TerrainParameters::clutter_height_m`]); clutter never
//! lowers a loss, so it never enlarges a footprint, and none (the
//! default) gives the bare-terrain footprint bit for bit.
//! Between samples the margin `A − Lemp − excess` is interpolated linearly,
//! so each ray holds a list of covered distance intervals. Flat terrain
//! adds nothing, every ray is `[0, R]`, and the footprint is exactly the
//! terrain-free disc or wedge.
//!
//! # The shape
//!
//! A [`Footprint`] is the union of annular sectors, one per ray (its
//! angular sub-sector times its intervals): star-shaped along each ray,
//! with shadows as gaps (a ray can be in, out and in again). The row
//! sweep traces it exactly on a horizontal line (see `shapes.rs`), like a
//! disc or a wedge; a sector's footprint only has rays inside the sector,
//! which is how sectors clip it.
//!
//! # The signal-level mode
//!
//! [`excess_rays`] runs the same sweep for the signal-level mode
//! ([`super::signal`]): the same `excess(d)` per sample, on the rays of an
//! omni footprint of the layer's range (over the full circle, whatever the
//! sectors, since a sector's back lobe is heard behind it), carried on at
//! the same spacing out to the layer's reach, and kept per sample
//! ([`ExcessRays`]) instead of cut into intervals. A point in the signal
//! mode takes its ray's value, linear between samples. For an omni layer
//! the rays and samples up to `R` are exactly the footprint's.
//!
//! # Keys and reuse
//!
//! [`footprint_key`] is the BLAKE3 hash of everything a footprint depends
//! on: the DEM's digest, `[terrain]` (model, k-factor, and the clutter
//! height on the site's rays when there is some), the site's position and
//! antenna height, the layer's technology, frequency, model, handset
//! height, range and sector, and the method's version. Footprints live in the
//! terrain's [`crate::model::FootprintStore`]; an evaluation computes only
//! those it does not find there (in parallel over site layers with
//! rayon), so a second evaluation of the same scenario, or of a plan built
//! on it, reuses them. `crate::io::footprint_cache` keeps them on disk
//! between runs.

use std::sync::Arc;

use rayon::prelude::*;

use crate::model::{Dem, DemGrid, Footprint, Site, Technology, Terrain, TerrainParameters};
use crate::propagation::terrain_loss::RayLoss;
use crate::propagation::{Environment, RadioConfig, SiteLink};

/// Version of the footprint method, part of every key: a change of method
/// makes earlier cached footprints stale.
pub const FOOTPRINT_METHOD_VERSION: u32 = 1;

/// Fewest rays of a footprint.
const MIN_RAYS: usize = 8;

/// Metres per degree of latitude and of longitude at the equator (WGS 84
/// radii of curvature are used at the site; these only size DEM cells).
const M_PER_DEG: f64 = 111_320.0;

/// What one terrain-shaped site layer needs: the site, the layer, its
/// terrain-free range and sector, and the link that gives `Lemp`.
#[derive(Debug, Clone, Copy)]
pub struct FootprintRequest<'a> {
    /// The site.
    pub site: &'a Site,
    /// The layer's technology.
    pub technology: Technology,
    /// The terrain-free range, ground metres.
    pub range_m: f64,
    /// `(azimuth_deg, beamwidth_deg)` of the sector, `None` when omni.
    pub sector: Option<(f64, f64)>,
    /// The environment the empirical model is chosen for.
    pub environment: Environment,
    /// The allowed path loss, dB: the budget's maximum for a link-budget
    /// layer; `None` for a layer with a given range, whose allowed loss is
    /// its empirical loss at that range.
    pub allowed_db: Option<f64>,
}

/// The ground size of one DEM cell near `lat_deg`, metres: the smaller of
/// its two sides.
pub fn dem_cell_m(dem: &Dem, lat_deg: f64) -> f64 {
    let (dlon, dlat) = dem.cell_size_deg();
    let x = dlon * M_PER_DEG * lat_deg.to_radians().cos().max(1e-6);
    let y = dlat * M_PER_DEG;
    x.min(y).max(0.01)
}

/// The key of a footprint (see the [module docs](self)).
pub fn footprint_key(
    terrain: &Terrain,
    parameters: &TerrainParameters,
    request: &FootprintRequest<'_>,
    link: &SiteLink,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"telecov.footprint");
    h.update(&FOOTPRINT_METHOD_VERSION.to_le_bytes());
    h.update(&terrain.digest());
    h.update(format!("{:?}", parameters.model).as_bytes());
    let (az, bw) = request.sector.unwrap_or((f64::NAN, 360.0));
    for v in [
        parameters.k_factor,
        request.site.location.x(),
        request.site.location.y(),
        link.height_m,
        link.mobile_height_m,
        link.frequency_mhz,
        request.range_m,
        request.allowed_db.unwrap_or(f64::NAN),
        az,
        bw,
    ] {
        h.update(&v.to_bits().to_le_bytes());
    }
    h.update(&[request.technology.index() as u8]);
    h.update(link.model_name().as_bytes());
    // clutter only when some stands on the rays: bare footprints keep
    // their keys
    let clutter_m = parameters.clutter_height_m(request.environment);
    if clutter_m > 0.0 {
        h.update(b"clutter");
        h.update(&clutter_m.to_bits().to_le_bytes());
    }
    *h.finalize().as_bytes()
}

/// The incremental loss along one ray of `link` (its frequency and both
/// heights), `samples` steps of `step_m`; the diffraction model's refusal
/// in words.
fn ray_loss(
    link: &SiteLink,
    k_factor: f64,
    step_m: f64,
    samples: usize,
) -> Result<RayLoss, String> {
    RayLoss::new(
        link.frequency_mhz,
        k_factor,
        step_m,
        samples,
        link.height_m,
        link.mobile_height_m,
    )
    .map_err(|e| e.to_string())
}

/// One ray's model: the Bullington pass, the empirical loss at each
/// sample and the allowed loss. Every ray of a footprint shares it; only
/// the heights differ.
#[derive(Debug, Clone)]
pub struct RayModel {
    ray: RayLoss,
    /// `Lemp` at each sample, dB.
    emp_db: Vec<f64>,
    allowed_db: f64,
    range_m: f64,
    step_m: f64,
}

impl RayModel {
    /// The ray of a layer with `link`, allowed loss `allowed_db`, swept to
    /// `range_m` in samples at most `cell_m` apart, k-factor `k_factor`.
    ///
    /// # Errors
    ///
    /// The diffraction model's refusal (frequency, heights), in words.
    pub fn new(
        link: &SiteLink,
        allowed_db: f64,
        k_factor: f64,
        range_m: f64,
        cell_m: f64,
    ) -> Result<Self, String> {
        let samples = ((range_m / cell_m).ceil() as usize).max(1);
        let step_m = range_m / samples as f64;
        let ray = ray_loss(link, k_factor, step_m, samples)?;
        let mut model = RayModel {
            ray,
            emp_db: Vec::new(),
            allowed_db,
            range_m,
            step_m,
        };
        model.emp_db = (0..=samples)
            .map(|j| link.path_loss_unbounded_db(model.distance_m(j)))
            .collect();
        Ok(model)
    }

    /// The ray with `clutter_m` metres of clutter on its intermediate
    /// points ([`RayLoss::with_clutter_m`]); the allowed loss and the
    /// empirical loss stay as they are.
    pub fn with_clutter_m(mut self, clutter_m: f64) -> Self {
        self.ray = self.ray.with_clutter_m(clutter_m);
        self
    }

    /// Number of samples after the site.
    pub fn samples(&self) -> usize {
        self.emp_db.len() - 1
    }

    /// Distance of sample `j` from the site, metres (the last is exactly
    /// the range).
    pub fn distance_m(&self, j: usize) -> f64 {
        if j >= self.ray.samples() {
            self.range_m
        } else {
            j as f64 * self.step_m
        }
    }

    /// The covered intervals of a ray with ground heights `heights_m`
    /// (`samples + 1` of them, the site's first), appended to `out`;
    /// `excess` is scratch.
    pub fn covered(&self, heights_m: &[f64], excess: &mut Vec<f64>, out: &mut Vec<[f32; 2]>) {
        self.ray.excess_db(heights_m, excess);
        let margin = |j: usize| self.allowed_db - self.emp_db[j] - excess[j];
        let mut start: Option<f64> = (margin(0) >= 0.0).then_some(0.0);
        let mut prev = margin(0);
        for j in 1..excess.len().min(self.emp_db.len()) {
            let m = margin(j);
            let (d0, d1) = (self.distance_m(j - 1), self.distance_m(j));
            match start {
                Some(from) if m < 0.0 => {
                    // leaving: where the margin crosses 0
                    let t = prev / (prev - m);
                    out.push([from as f32, (d0 + t * (d1 - d0)) as f32]);
                    start = None;
                }
                None if m >= 0.0 => {
                    let t = if prev < 0.0 { prev / (prev - m) } else { 0.0 };
                    start = Some(d0 + t * (d1 - d0));
                }
                _ => {}
            }
            prev = m;
        }
        if let Some(from) = start {
            out.push([from as f32, self.range_m as f32]);
        }
    }
}

/// Ground heights along the rays of one site: positions are offsets east
/// and north divided by the WGS 84 radii of curvature at the site, heights
/// bilinear from the DEM, sea level where the DEM holds none (and
/// [`RaySampler::outside`] then says so).
struct RaySampler<'d> {
    dem: &'d Dem,
    /// The grid holding the whole disc of the sweep, when one does.
    grid: Option<&'d DemGrid>,
    lon0: f64,
    lat0: f64,
    deg_per_m_lon: f64,
    deg_per_m_lat: f64,
    h0: f64,
    /// Whether some height was missing (outside the DEM, on nodata).
    outside: bool,
}

impl<'d> RaySampler<'d> {
    /// The sampler of rays from (`lon0`, `lat0`) out to `range_m`.
    fn new(dem: &'d Dem, lon0: f64, lat0: f64, range_m: f64) -> Self {
        // WGS 84 radii of curvature at the site
        let a = crate::geodesy::WGS84_A;
        let e2 = crate::geodesy::WGS84_E2;
        let (s, c) = lat0.to_radians().sin_cos();
        let w = (1.0 - e2 * s * s).sqrt();
        let n_m = a / w;
        let m_m = a * (1.0 - e2) / (w * w * w);
        let deg_per_m_lat = 1.0 / m_m.to_radians();
        let deg_per_m_lon = 1.0 / (n_m * c.max(1e-9)).to_radians();
        let mut outside = false;
        let h0 = dem.height_m(lon0, lat0).unwrap_or_else(|| {
            outside = true;
            0.0
        });
        // the grid answering for the whole disc, when one does: sampled
        // without the lookup (the same heights)
        let pad = 1e-7;
        let grid = dem.grid_holding(
            lon0 - range_m * deg_per_m_lon - pad,
            lat0 - range_m * deg_per_m_lat - pad,
            lon0 + range_m * deg_per_m_lon + pad,
            lat0 + range_m * deg_per_m_lat + pad,
        );
        RaySampler {
            dem,
            grid,
            lon0,
            lat0,
            deg_per_m_lon,
            deg_per_m_lat,
            h0,
            outside,
        }
    }

    /// The ground height under the site, metres.
    fn site_height_m(&self) -> f64 {
        self.h0
    }

    /// The heights at `distances_m` along the ray of true azimuth
    /// `azimuth_rad` into `heights_m` (the first, the site's, is left as
    /// it is).
    fn fill(&mut self, azimuth_rad: f64, distances_m: &[f64], heights_m: &mut [f64]) {
        let (east, north) = azimuth_rad.sin_cos();
        for (h, &d) in heights_m.iter_mut().zip(distances_m).skip(1) {
            let lon = self.lon0 + d * east * self.deg_per_m_lon;
            let lat = self.lat0 + d * north * self.deg_per_m_lat;
            let fast = self.grid.map_or(f64::NAN, |g| g.height_inside_m(lon, lat));
            *h = if fast.is_nan() {
                self.dem.height_m(lon, lat).unwrap_or_else(|| {
                    self.outside = true;
                    0.0
                })
            } else {
                fast
            };
        }
    }
}

/// The terrain's excess loss around one site layer, for the signal-level
/// mode: `excess(d)` of the footprint sweep (see the [module docs](self))
/// on rays over the full circle, stored compactly.
///
/// The rays are those of an omni footprint of range `R` (the layer's
/// terrain-free range; for a sectored layer the largest of its sectors'):
/// `⌈2π·R / cell⌉` rays (at least 8), ray `k` at true azimuth
/// `(k + ½)·360°/rays` answering for the azimuths `[k, k + 1)·360°/rays`,
/// sampled every `R / ⌈R / cell⌉` metres. A layer's sectors share them:
/// the excess depends on the path, not on the antenna pattern, and a
/// sector's back lobe is heard behind it. They run on past `R`, at the
/// same spacing, out to the layer's reach (the farthest point that can
/// still hear it), since the sweep is the same method all along.
///
/// # Storage
///
/// Each ray keeps its samples from its first to its last non-zero one
/// (the excess is 0 dB up to the first obstruction, and often after the
/// last), quantised to `1/256` dB in a `u16` (rounded: within
/// 0.002 dB; 0 dB stays exactly 0, so flat ground adds exactly nothing;
/// an excess above 255.99 dB, far below any level heard, is held at
/// 255.99 dB), plus 8 bytes per ray. At most
/// `rays × ((samples + 1) × 2 + 8)` bytes, about `4π·R·reach / cell²`
/// bytes (R = 2 km, reach 2 km, 30 m cells: 419 rays × 68 samples,
/// at most 60 kB); over the synthetic delta of the demo three quarters of
/// the samples lie before a ray's first obstruction and are not stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcessRays {
    rays: usize,
    step_deg: f64,
    step_m: f64,
    /// Samples per ray after the site.
    samples: usize,
    /// Per ray: the index of its first stored sample, and where its
    /// stored samples begin in `excess_q` (`rays + 1` entries there, the
    /// last the total).
    first: Vec<u32>,
    offsets: Vec<u32>,
    /// Stored samples, `1/256` dB.
    excess_q: Vec<u16>,
}

/// Steps of [`ExcessRays`]' quantised excess per dB.
const EXCESS_STEPS_PER_DB: f64 = 256.0;

impl ExcessRays {
    /// Number of rays.
    pub fn rays(&self) -> usize {
        self.rays
    }

    /// Number of samples per ray after the site.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Distance between samples, metres.
    pub fn step_m(&self) -> f64 {
        self.step_m
    }

    /// True azimuth of ray `k`, degrees.
    pub fn azimuth_deg(&self, k: usize) -> f64 {
        (k as f64 + 0.5) * self.step_deg
    }

    /// Bytes held by the rays (stored samples and per-ray indexes).
    pub fn bytes(&self) -> usize {
        self.excess_q.len() * std::mem::size_of::<u16>()
            + (self.first.len() + self.offsets.len()) * std::mem::size_of::<u32>()
    }

    /// Samples stored, over all rays.
    pub fn stored_samples(&self) -> usize {
        self.excess_q.len()
    }

    /// The excess of sample `j` of ray `k`, dB.
    #[inline]
    pub fn sample_db(&self, k: usize, j: usize) -> f64 {
        let from = self.offsets[k] as usize;
        let len = self.offsets[k + 1] as usize - from;
        match j.checked_sub(self.first[k] as usize) {
            Some(i) if i < len => f64::from(self.excess_q[from + i]) / EXCESS_STEPS_PER_DB,
            _ => 0.0,
        }
    }

    /// The excess loss at true azimuth `azimuth_deg` and ground distance
    /// `distance_m` from the site, dB: the ray whose sub-sector holds the
    /// azimuth (the nearest ray), linear between its samples, its last
    /// sample beyond it (past the reach, where nothing hears the layer).
    #[inline]
    pub fn excess_db(&self, azimuth_deg: f64, distance_m: f64) -> f64 {
        let k = ((azimuth_deg.rem_euclid(360.0) / self.step_deg) as usize).min(self.rays - 1);
        let t = (distance_m / self.step_m).max(0.0);
        if t >= self.samples as f64 || !t.is_finite() {
            return self.sample_db(k, self.samples);
        }
        let j = t as usize;
        let f = t - j as f64;
        let (a, b) = (self.sample_db(k, j), self.sample_db(k, j + 1));
        a + f * (b - a)
    }
}

/// The [`ExcessRays`] of a site layer at (`lon_deg`, `lat_deg`) with
/// `link`, terrain-free range `range_m` and reach `reach_m` (≥ the
/// range), and whether some of their heights lay outside the DEM (taken as
/// sea level, as for footprints). `clutter_m` metres of clutter stand on
/// the intermediate points, as on the layer's footprint rays.
///
/// # Errors
///
/// The diffraction model's refusal (frequency, heights), in words, or a
/// range that is not a positive number.
pub fn excess_rays(
    dem: &Dem,
    k_factor: f64,
    clutter_m: f64,
    (lon_deg, lat_deg): (f64, f64),
    link: &SiteLink,
    range_m: f64,
    reach_m: f64,
) -> Result<(ExcessRays, bool), String> {
    if !(range_m.is_finite() && range_m > 0.0) {
        return Err(format!("range {range_m} m"));
    }
    let reach_m = if reach_m.is_finite() {
        reach_m.max(range_m)
    } else {
        range_m
    };
    let cell_m = dem_cell_m(dem, lat_deg);
    // the footprint's sampling, carried on to the reach
    let range_samples = ((range_m / cell_m).ceil() as usize).max(1);
    let step_m = range_m / range_samples as f64;
    let samples = ((reach_m / step_m).ceil() as usize).max(range_samples);
    let ray = ray_loss(link, k_factor, step_m, samples)?.with_clutter_m(clutter_m);
    let rays = ((std::f64::consts::TAU * range_m / cell_m).ceil() as usize).max(MIN_RAYS);
    let step_deg = 360.0 / rays as f64;
    let mut sampler = RaySampler::new(dem, lon_deg, lat_deg, samples as f64 * step_m);
    let distances_m: Vec<f64> = (0..=samples).map(|j| j as f64 * step_m).collect();
    let mut heights = vec![sampler.site_height_m(); samples + 1];
    let mut excess = Vec::with_capacity(samples + 1);
    let mut first = Vec::with_capacity(rays);
    let mut offsets = Vec::with_capacity(rays + 1);
    let mut excess_q: Vec<u16> = Vec::new();
    offsets.push(0u32);
    for k in 0..rays {
        let az = ((k as f64 + 0.5) * step_deg).to_radians();
        sampler.fill(az, &distances_m, &mut heights);
        ray.excess_db(&heights, &mut excess);
        let q = |e: f64| {
            (e * EXCESS_STEPS_PER_DB)
                .round()
                .clamp(0.0, f64::from(u16::MAX)) as u16
        };
        let from = excess
            .iter()
            .position(|&e| q(e) > 0)
            .unwrap_or(excess.len());
        let to = excess
            .iter()
            .rposition(|&e| q(e) > 0)
            .map_or(from, |j| j + 1);
        first.push(from as u32);
        excess_q.extend(excess[from..to].iter().map(|&e| q(e)));
        offsets.push(excess_q.len() as u32);
    }
    excess_q.shrink_to_fit();
    Ok((
        ExcessRays {
            rays,
            step_deg,
            step_m,
            samples,
            first,
            offsets,
            excess_q,
        },
        sampler.outside,
    ))
}

/// The footprint of one site layer over `terrain` (see the
/// [module docs](self)), and whether some of its heights lay outside the
/// DEM.
///
/// # Errors
///
/// A message when the diffraction model refuses the layer's frequency or
/// heights; the caller then keeps the terrain-free shape. (A deferred
/// terrain that cannot be decoded is also a message here; [`footprints`]
/// decodes it first and returns that error as such.)
pub fn compute_footprint(
    terrain: &Terrain,
    parameters: &TerrainParameters,
    request: &FootprintRequest<'_>,
    link: &SiteLink,
) -> Result<(Footprint, bool), String> {
    let dem = terrain.dem().map_err(|e| e.to_string())?;
    let range_m = request.range_m;
    let (lon0, lat0) = (request.site.location.x(), request.site.location.y());
    let cell_m = dem_cell_m(dem, lat0);
    let (first_azimuth_deg, width_deg) = match request.sector {
        Some((az, bw)) => (az - bw.min(360.0) / 2.0, bw.min(360.0)),
        None => (0.0, 360.0),
    };
    if !(range_m.is_finite() && range_m > 0.0) {
        // nothing to sweep: one empty ray over the sector
        return Ok((
            Footprint::from_rays(first_azimuth_deg, width_deg, 0.0, [&[][..]]),
            false,
        ));
    }
    let allowed_db = request
        .allowed_db
        .unwrap_or_else(|| link.path_loss_unbounded_db(range_m));
    let model = RayModel::new(link, allowed_db, parameters.k_factor, range_m, cell_m)?
        .with_clutter_m(parameters.clutter_height_m(request.environment));
    let samples = model.samples();
    let rays = ((width_deg.to_radians() * range_m / cell_m).ceil() as usize).max(MIN_RAYS);
    let step_deg = width_deg / rays as f64;

    let mut sampler = RaySampler::new(dem, lon0, lat0, range_m);
    let mut heights = vec![sampler.site_height_m(); samples + 1];
    let mut excess = Vec::with_capacity(samples + 1);
    let mut footprint = Footprint::from_rays(first_azimuth_deg, step_deg, range_m, []);
    let mut ray: Vec<[f32; 2]> = Vec::new();
    let distances_m: Vec<f64> = (0..=samples).map(|j| model.distance_m(j)).collect();
    for k in 0..rays {
        let az = (first_azimuth_deg + (k as f64 + 0.5) * step_deg).to_radians();
        sampler.fill(az, &distances_m, &mut heights);
        ray.clear();
        model.covered(&heights, &mut excess, &mut ray);
        footprint.push_ray(&ray);
    }
    Ok((footprint, sampler.outside))
}

/// Footprints for `requests` (in order): found in the terrain's store or
/// computed, in parallel, and added to it. `None` where the layer keeps
/// its terrain-free shape (no usable link or diffraction model); the
/// warnings say which and how many met heights outside the DEM. The DEM
/// is decoded ([`Terrain::dem`]) only when some footprint is missing.
///
/// # Errors
///
/// The DEM's decoding error, when a footprint is missing and the DEM
/// cannot be decoded.
pub fn footprints(
    terrain: &Terrain,
    parameters: &TerrainParameters,
    radio: &RadioConfig,
    requests: &[FootprintRequest<'_>],
    warnings: &mut Vec<String>,
) -> crate::error::Result<Vec<Option<Arc<Footprint>>>> {
    let store = terrain.footprints();
    // links, keys and the store first: the DEM only when something is missing
    // per request: its link, key and stored footprint, or why it has none
    type Lookup = Result<(SiteLink, [u8; 32], Option<Arc<Footprint>>), String>;
    let keyed: Vec<Result<(SiteLink, [u8; 32]), String>> = requests
        .par_iter()
        .with_min_len(64)
        .map(|r| {
            let (link, _) = SiteLink::resolve(
                r.technology,
                &r.site.radio,
                r.site.height_m,
                r.environment,
                radio,
            );
            match link {
                Ok(link) => {
                    let key = footprint_key(terrain, parameters, r, &link);
                    Ok((link, key))
                }
                Err((_, e)) => Err(format!(
                    "site {:?} {}: no path-loss model ({e}); its coverage ignores the terrain",
                    r.site.id.to_string(),
                    r.technology
                )),
            }
        })
        .collect();
    // the store once for every key (not a lock per request)
    let stored = store.get_all(keyed.iter().filter_map(|k| k.as_ref().ok().map(|k| &k.1)));
    let mut stored = stored.into_iter();
    let looked_up: Vec<Lookup> = keyed
        .into_iter()
        .map(|k| k.map(|(link, key)| (link, key, stored.next().flatten())))
        .collect();
    if looked_up.iter().any(|l| matches!(l, Ok((_, _, None)))) {
        terrain.dem()?;
    }
    let results: Vec<(Option<Arc<Footprint>>, bool, Option<String>)> = requests
        .par_iter()
        .zip(looked_up)
        .with_min_len(4)
        .map(|(r, l)| {
            let (link, key) = match l {
                Ok((_, _, Some(fp))) => return (Some(fp), false, None),
                Ok((link, key, None)) => (link, key),
                Err(note) => return (None, false, Some(note)),
            };
            match compute_footprint(terrain, parameters, r, &link) {
                Ok((fp, outside)) => {
                    let fp = Arc::new(fp);
                    store.insert(key, fp.clone(), false);
                    (Some(fp), outside, None)
                }
                Err(e) => (
                    None,
                    false,
                    Some(format!(
                        "site {:?} {}: terrain diffraction not applicable ({e}); its coverage ignores the terrain",
                        r.site.id.to_string(),
                        r.technology
                    )),
                ),
            }
        })
        .collect();
    Ok(gather_layers(results, warnings))
}

/// The terrain results of each site layer (footprints or excess rays),
/// their notes moved into `warnings`, with one warning counting the layers
/// whose rays left the elevation model (their `bool`).
pub(crate) fn gather_layers<T>(
    results: Vec<(Option<T>, bool, Option<String>)>,
    warnings: &mut Vec<String>,
) -> Vec<Option<T>> {
    let mut outside = 0usize;
    let mut out = Vec::with_capacity(results.len());
    for (r, off, note) in results {
        outside += usize::from(off);
        warnings.extend(note);
        out.push(r);
    }
    if outside > 0 {
        warnings.push(format!(
            "terrain: {outside} site layers reach beyond the elevation model (or onto nodata); heights there are taken as sea level"
        ));
    }
    out
}
