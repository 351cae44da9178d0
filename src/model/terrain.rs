//! Terrain for coverage: the scenario's elevation model with its digest,
//! the `[terrain]` table of `scenario.toml`, and terrain-shaped footprints
//! as plain data.
//!
//! A [`Footprint`] is the region around a site where the path loss stays
//! within a layer's allowed loss, found by the engine
//! ([`crate::engine::footprint`]) on radial rays. It is stored in polar
//! form: `rays` equal angular sub-sectors starting at `first_azimuth_deg`
//! (true azimuth, clockwise from north), each `step_deg` wide, and per
//! sub-sector the covered distance intervals (ground metres from the
//! site). The region is the union of the annular sectors
//! `{ azimuth in sub-sector k, distance in [a, b] }`: star-shaped per ray,
//! with shadows as gaps along a ray (a ray can be in, out, in again).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, OnceLock, RwLock};

use serde::{Deserialize, Serialize};

use super::{Dem, Environment};

/// Which terrain model shapes coverage (`[terrain] model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TerrainModel {
    /// `"delta-bullington"` (the default when a DEM is present): the
    /// empirical median loss plus the Bullington diffraction loss of the
    /// actual terrain profile in excess of the same path over the smooth
    /// Earth (see [`crate::propagation::terrain_loss`]).
    #[default]
    #[serde(rename = "delta-bullington")]
    DeltaBullington,
    /// `"none"`: ignore the DEM; coverage is discs and wedges.
    #[serde(rename = "none")]
    None,
}

/// Whether clutter stands on the terrain profile (`[terrain] clutter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Clutter {
    /// `"none"` (the default): bare terrain, today's footprints.
    #[default]
    #[serde(rename = "none")]
    None,
    /// `"commune"`: the representative clutter height of the kind of the
    /// site's commune (`clutter_urban_m`, `clutter_suburban_m`,
    /// `clutter_rural_m`) stands on every intermediate point of the site's
    /// rays (see [`crate::propagation::terrain_loss::RayLoss::with_clutter_m`]).
    #[serde(rename = "commune")]
    Commune,
}

/// The `[terrain]` table of `scenario.toml`.
///
/// ```toml
/// [terrain]
/// model = "delta-bullington"   # or "none"
/// k_factor = 1.3333333333      # effective Earth radius factor (4/3)
/// clutter = "none"             # or "commune"
/// clutter_urban_m = 15.0       # wards (phường)
/// clutter_suburban_m = 10.0    # towns (thị trấn) and other kinds
/// clutter_rural_m = 0.0        # communes (xã)
/// ```
///
/// The clutter heights default to the representative clutter heights of
/// ITU-R P.1812-6 (Table 2, also P.2108-1's defaults): open/rural 0 m,
/// suburban 10 m, urban/trees/forest 15 m (dense urban 20 m, water 0 m).
/// A site's whole footprint takes the height of its own commune's kind
/// (the environment its empirical model is chosen for); sites in open
/// land (`Environment::Open`) have none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TerrainParameters {
    /// The terrain model (`model`).
    pub model: TerrainModel,
    /// Effective Earth radius factor `k` (`k_factor`, 0.5 – 4; 4/3).
    pub k_factor: f64,
    /// Clutter on the profile (`clutter`; `"none"`).
    pub clutter: Clutter,
    /// Clutter height of urban communes (wards), m (`clutter_urban_m`,
    /// 0 – 100; 15).
    pub clutter_urban_m: f64,
    /// Clutter height of suburban communes (towns and other kinds), m
    /// (`clutter_suburban_m`, 0 – 100; 10).
    pub clutter_suburban_m: f64,
    /// Clutter height of rural communes, m (`clutter_rural_m`, 0 – 100; 0).
    pub clutter_rural_m: f64,
}

impl Default for TerrainParameters {
    fn default() -> Self {
        TerrainParameters {
            model: TerrainModel::DeltaBullington,
            k_factor: 4.0 / 3.0,
            clutter: Clutter::None,
            clutter_urban_m: 15.0,
            clutter_suburban_m: 10.0,
            clutter_rural_m: 0.0,
        }
    }
}

impl TerrainParameters {
    /// Whether every value is the default (then `report.json` does not
    /// echo the table).
    pub fn is_default(&self) -> bool {
        *self == TerrainParameters::default()
    }

    /// Checks `k_factor` and the clutter heights, naming the first out of
    /// range.
    pub fn check(&self) -> Result<(), (String, String)> {
        if !(self.k_factor.is_finite() && (0.5..=4.0).contains(&self.k_factor)) {
            return Err((
                "terrain.k_factor".into(),
                format!("must be a number in [0.5, 4], got {}", self.k_factor),
            ));
        }
        for (name, v) in [
            ("clutter_urban_m", self.clutter_urban_m),
            ("clutter_suburban_m", self.clutter_suburban_m),
            ("clutter_rural_m", self.clutter_rural_m),
        ] {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err((
                    format!("terrain.{name}"),
                    format!("must be a height in [0, 100] m, got {v}"),
                ));
            }
        }
        Ok(())
    }

    /// The clutter height on the rays of a site in `environment`, m: 0
    /// without clutter (`clutter = "none"`) or in open land.
    pub fn clutter_height_m(&self, environment: Environment) -> f64 {
        match (self.clutter, environment) {
            (Clutter::None, _) | (Clutter::Commune, Environment::Open) => 0.0,
            (Clutter::Commune, Environment::Urban) => self.clutter_urban_m,
            (Clutter::Commune, Environment::Suburban) => self.clutter_suburban_m,
            (Clutter::Commune, Environment::Rural) => self.clutter_rural_m,
        }
    }
}

/// Decodes an elevation model when it is first needed (see
/// [`Terrain::deferred`]).
pub type DemLoader = Arc<dyn Fn() -> crate::error::Result<Dem> + Send + Sync>;

/// A scenario's elevation model with a BLAKE3 digest of its content: what
/// footprints are keyed by. Two terrains are equal when their digests are.
///
/// The model is either held from the start ([`Terrain::new`], the digest
/// of its layouts and samples) or decoded on first use
/// ([`Terrain::deferred`]: the scenario loader digests the files' bytes,
/// and a run that finds every footprint in a cache never decodes the
/// DEM).
#[derive(Clone)]
pub struct Terrain {
    dem: Arc<OnceLock<Arc<Dem>>>,
    loader: Option<DemLoader>,
    digest: [u8; 32],
    footprints: Arc<FootprintStore>,
}

impl std::fmt::Debug for Terrain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terrain")
            .field("digest", &self.digest)
            .field("decoded", &self.is_decoded())
            .field("footprints", &self.footprints.len())
            .finish()
    }
}

impl PartialEq for Terrain {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest
    }
}

impl Terrain {
    /// The terrain of `dem`, hashing its samples once.
    pub fn new(dem: Dem) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(b"telecov.dem/1");
        for g in dem.grids() {
            let l = g.layout();
            h.update(&(l.width as u64).to_le_bytes());
            h.update(&(l.height as u64).to_le_bytes());
            for v in [
                l.first_lon_deg,
                l.first_lat_deg,
                l.step_lon_deg,
                l.step_lat_deg,
            ] {
                h.update(&v.to_le_bytes());
            }
            h.update(format!("{:?}", l.extent).as_bytes());
            let mut buf = Vec::with_capacity(4 * 65536);
            for chunk in g.heights_m().chunks(65536) {
                buf.clear();
                for v in chunk {
                    buf.extend_from_slice(&v.to_le_bytes());
                }
                h.update(&buf);
            }
        }
        let cell = OnceLock::new();
        let _ = cell.set(Arc::new(dem));
        Terrain {
            dem: Arc::new(cell),
            loader: None,
            digest: *h.finalize().as_bytes(),
            footprints: Arc::default(),
        }
    }

    /// A terrain decoded by `loader` when first needed ([`Terrain::dem`]),
    /// known until then by `digest`, which must change whenever what
    /// `loader` returns does (the scenario loader hashes the elevation
    /// files' bytes).
    pub fn deferred(digest: [u8; 32], loader: DemLoader) -> Self {
        Terrain {
            dem: Arc::default(),
            loader: Some(loader),
            digest,
            footprints: Arc::default(),
        }
    }

    /// The elevation model, decoded on first use for a deferred terrain
    /// (and kept by every clone).
    ///
    /// # Errors
    ///
    /// The loader's error (a file that cannot be read or decoded, or that
    /// changed since the scenario was loaded); never for [`Terrain::new`].
    pub fn dem(&self) -> crate::error::Result<&Dem> {
        if let Some(dem) = self.dem.get() {
            return Ok(dem);
        }
        let loader = self
            .loader
            .as_ref()
            .ok_or_else(|| crate::error::Error::Parameter {
                name: "terrain",
                reason: "the elevation model was neither given nor loadable".into(),
            })?;
        let dem = loader()?;
        let _ = self.dem.set(Arc::new(dem));
        self.dem
            .get()
            .map(|d| &**d)
            .ok_or_else(|| crate::error::Error::Parameter {
                name: "terrain",
                reason: "the elevation model could not be kept".into(),
            })
    }

    /// Whether the elevation model is in memory (a deferred terrain is
    /// not until a footprint had to be computed).
    pub fn is_decoded(&self) -> bool {
        self.dem.get().is_some()
    }

    /// BLAKE3 digest of the DEM's content.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The footprints known for this terrain (computed in this process or
    /// loaded from a cache), shared by every clone of the terrain: a
    /// re-evaluation of the same scenario, or of a plan built on it,
    /// recomputes only the site layers it has not seen.
    pub fn footprints(&self) -> &FootprintStore {
        &self.footprints
    }
}

/// The footprints of one terrain, by key (see
/// [`crate::engine::footprint::footprint_key`]).
#[derive(Debug, Default)]
pub struct FootprintStore {
    map: RwLock<HashMap<[u8; 32], StoredFootprint, BuildHasherDefault<DigestHasher>>>,
}

/// The hasher of [`FootprintStore`]'s keys: they are BLAKE3 digests,
/// already uniformly spread, so their first eight bytes serve as the hash
/// (no second hash of 32 bytes per lookup). A cache folder crafted to
/// hold colliding keys could only slow lookups down: a key is compared
/// whole.
#[derive(Debug, Default, Clone, Copy)]
pub struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(1) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }

    fn write_usize(&mut self, _length: usize) {
        // the length prefix of a 32-byte key: the same for every key
    }
}

/// A stored footprint and whether it came from a cache on disk.
#[derive(Debug, Clone)]
struct StoredFootprint {
    footprint: Arc<Footprint>,
    from_disk: bool,
}

impl FootprintStore {
    /// The footprint of `key`, if known.
    pub fn get(&self, key: &[u8; 32]) -> Option<Arc<Footprint>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        map.get(key).map(|s| s.footprint.clone())
    }

    /// The footprints of `keys`, in order ([`FootprintStore::get`] of
    /// each, under one lock).
    pub fn get_all<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k [u8; 32]>,
    ) -> Vec<Option<Arc<Footprint>>> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        keys.into_iter()
            .map(|key| map.get(key).map(|s| s.footprint.clone()))
            .collect()
    }

    /// Records `footprint` under `key`; `from_disk` marks one read from a
    /// cache (not to be written back).
    pub fn insert(&self, key: [u8; 32], footprint: Arc<Footprint>, from_disk: bool) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.insert(
            key,
            StoredFootprint {
                footprint,
                from_disk,
            },
        );
    }

    /// Records every footprint of `found` under its key ([`FootprintStore::insert`]
    /// of each, under one lock).
    pub fn insert_all(&self, found: Vec<([u8; 32], Arc<Footprint>)>, from_disk: bool) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        map.reserve(found.len());
        map.extend(found.into_iter().map(|(key, footprint)| {
            (
                key,
                StoredFootprint {
                    footprint,
                    from_disk,
                },
            )
        }));
    }

    /// How many footprints are known.
    pub fn len(&self) -> usize {
        self.map.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The footprints computed in this process (not read from disk), sorted
    /// by key.
    pub fn fresh(&self) -> Vec<([u8; 32], Arc<Footprint>)> {
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<([u8; 32], Arc<Footprint>)> = map
            .iter()
            .filter(|(_, s)| !s.from_disk)
            .map(|(k, s)| (*k, s.footprint.clone()))
            .collect();
        v.sort_by_key(|e| e.0);
        v
    }

    /// Marks every footprint as on disk (after a cache write).
    pub fn mark_stored(&self) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        for s in map.values_mut() {
            s.from_disk = true;
        }
    }
}

/// A terrain-shaped footprint in polar form (see the
/// [module docs](crate::model::terrain)).
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// True azimuth of the first sub-sector's counter-clockwise edge,
    /// degrees clockwise from north.
    pub first_azimuth_deg: f64,
    /// Angular width of each sub-sector, degrees (> 0).
    pub step_deg: f64,
    /// The farthest covered distance, ground metres.
    pub range_m: f64,
    /// Number of rays.
    rays: u32,
    /// First ray of each run of neighbouring rays holding the same
    /// intervals: increasing from 0, below `rays`. Runs are maximal (two
    /// neighbouring runs differ), so a footprint has one form.
    run_first_ray: Vec<u32>,
    /// Start of each run's intervals in `intervals_m`; one more entry than
    /// runs, the last `intervals_m.len()`.
    run_offsets: Vec<u32>,
    /// Covered `[from, to]` distances of every run, ground metres, in
    /// increasing order and disjoint within a run.
    intervals_m: Vec<[f32; 2]>,
}

/// Whether `order` holds between every two neighbours of `v` (one pass
/// without early exit: it vectorises).
fn increasing(v: &[u32], order: impl Fn(u32, u32) -> bool) -> bool {
    v.windows(2).fold(true, |ok, w| ok & order(w[0], w[1]))
}

impl Footprint {
    /// The footprint of `rays` (each ray's covered `[from, to]` distances,
    /// ground metres), neighbouring rays with the same intervals kept once.
    ///
    /// ```
    /// use telecov::model::Footprint;
    /// // four quarter-circle rays: three covered to 800 m, one shadowed
    /// let rays: [&[[f32; 2]]; 4] = [&[[0.0, 800.0]], &[[0.0, 800.0]], &[[0.0, 300.0]], &[[0.0, 800.0]]];
    /// let fp = Footprint::from_rays(0.0, 90.0, 800.0, rays);
    /// assert_eq!(fp.rays(), 4);
    /// assert_eq!(fp.runs(), 3);
    /// assert_eq!(fp.ray(2), &[[0.0, 300.0]]);
    /// assert!(fp.is_well_formed());
    /// ```
    pub fn from_rays<'r>(
        first_azimuth_deg: f64,
        step_deg: f64,
        range_m: f64,
        rays: impl IntoIterator<Item = &'r [[f32; 2]]>,
    ) -> Footprint {
        let mut fp = Footprint {
            first_azimuth_deg,
            step_deg,
            range_m,
            rays: 0,
            run_first_ray: Vec::new(),
            run_offsets: vec![0],
            intervals_m: Vec::new(),
        };
        for ray in rays {
            fp.push_ray(ray);
        }
        fp
    }

    /// Appends one ray (a new run unless it holds the last run's
    /// intervals).
    pub(crate) fn push_ray(&mut self, ray: &[[f32; 2]]) {
        let last = self.run_first_ray.len();
        let same = last > 0 && self.run_intervals(last - 1) == ray;
        if !same {
            self.run_first_ray.push(self.rays);
            self.intervals_m.extend_from_slice(ray);
            self.run_offsets.push(self.intervals_m.len() as u32);
        }
        self.rays += 1;
    }

    /// Appends a run of `rays` rays holding `intervals` as it is stored
    /// (not merged with the last run: [`Footprint::is_well_formed`] says
    /// whether the runs are maximal and the whole is usable).
    pub(crate) fn push_run(&mut self, rays: u32, intervals: impl IntoIterator<Item = [f32; 2]>) {
        self.run_first_ray.push(self.rays);
        self.intervals_m.extend(intervals);
        self.run_offsets.push(self.intervals_m.len() as u32);
        self.rays = self.rays.saturating_add(rays);
    }

    /// Room for `runs` more runs and `intervals` more intervals.
    pub(crate) fn reserve(&mut self, runs: usize, intervals: usize) {
        self.run_first_ray.reserve(runs);
        self.run_offsets.reserve(runs);
        self.intervals_m.reserve(intervals);
    }

    /// Number of rays (sub-sectors).
    pub fn rays(&self) -> usize {
        self.rays as usize
    }

    /// Number of runs: maximal groups of neighbouring rays holding the
    /// same intervals (one for a footprint the terrain left whole).
    pub fn runs(&self) -> usize {
        self.run_first_ray.len()
    }

    /// The first ray of each run, increasing from 0.
    pub fn run_first_rays(&self) -> &[u32] {
        &self.run_first_ray
    }

    /// How many rays run `r` spans (0 past the last run).
    pub fn run_rays(&self, r: usize) -> usize {
        match (self.run_first_ray.get(r), self.run_first_ray.get(r + 1)) {
            (Some(&a), Some(&b)) => (b - a) as usize,
            (Some(&a), None) => self.rays() - a as usize,
            _ => 0,
        }
    }

    /// The covered intervals of every ray of run `r` (empty past the last).
    pub fn run_intervals(&self, r: usize) -> &[[f32; 2]] {
        match (self.run_offsets.get(r), self.run_offsets.get(r + 1)) {
            (Some(&a), Some(&b)) => self.intervals_m.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The run holding ray `k` (`None` past the last ray).
    pub fn run_of_ray(&self, k: usize) -> Option<usize> {
        (k < self.rays()).then(|| {
            self.run_first_ray
                .partition_point(|&f| f as usize <= k)
                .saturating_sub(1)
        })
    }

    /// The covered intervals of ray `k` (empty past the last).
    pub fn ray(&self, k: usize) -> &[[f32; 2]] {
        self.run_of_ray(k).map_or(&[], |r| self.run_intervals(r))
    }

    /// Whether the footprint is well formed: runs starting at ray 0, their
    /// first rays increasing and below the ray count, neighbouring runs
    /// different, offsets increasing from 0 to the number of intervals,
    /// intervals finite, ordered, disjoint and within `[0, range_m]`,
    /// angles finite with the rays spanning at most 360°. A footprint read
    /// from a cache is used only if it is.
    pub fn is_well_formed(&self) -> bool {
        let n = self.rays();
        let runs = self.runs();
        if n == 0
            || !self.first_azimuth_deg.is_finite()
            || !(self.step_deg.is_finite() && self.step_deg > 0.0)
            || n as f64 * self.step_deg > 360.0 + 1e-6
            || !(self.range_m.is_finite() && self.range_m >= 0.0)
            || self.run_first_ray.first() != Some(&0)
            || !increasing(&self.run_first_ray, |a, b| a < b)
            || self.run_first_ray.last().is_some_and(|&f| f as usize >= n)
            || self.run_offsets.len() != runs + 1
            || self.run_offsets.first() != Some(&0)
            || self.run_offsets.last().copied() != Some(self.intervals_m.len() as u32)
            || !increasing(&self.run_offsets, |a, b| a <= b)
        {
            return false;
        }
        // every interval finite, its ends in order within the range (one
        // pass without early exit: it vectorises)
        let limit = self.range_m as f32 * (1.0 + 1e-6) + 1e-3;
        let bounded = self.intervals_m.iter().fold(true, |ok, &[a, b]| {
            ok & a.is_finite() & b.is_finite() & (0.0 <= a) & (a <= b) & (b <= limit)
        });
        // within a run the intervals follow each other; neighbouring runs
        // differ (runs are maximal)
        let iv = &self.intervals_m;
        let offsets = &self.run_offsets;
        bounded
            && offsets.windows(2).enumerate().all(|(r, w)| {
                let ray = &iv[w[0] as usize..w[1] as usize];
                ray.windows(2).all(|p| p[0][1] <= p[1][0])
                    && (r == 0 || iv[offsets[r - 1] as usize..w[0] as usize] != *ray)
            })
    }

    /// Whether the point at true azimuth `azimuth_deg` and ground distance
    /// `distance_m` from the site is covered (edges included).
    pub fn covers(&self, azimuth_deg: f64, distance_m: f64) -> bool {
        let n = self.rays();
        if n == 0 || !(azimuth_deg.is_finite() && distance_m.is_finite()) {
            return false;
        }
        let u = (azimuth_deg - self.first_azimuth_deg).rem_euclid(360.0);
        let k = (u / self.step_deg).floor() as usize;
        let k = if k == n && u <= n as f64 * self.step_deg * (1.0 + 1e-12) {
            n - 1
        } else {
            k
        };
        let tol = 1e-6 * distance_m.abs() + 1e-6;
        k < n
            && self
                .ray(k)
                .iter()
                .any(|&[a, b]| f64::from(a) - tol <= distance_m && distance_m <= f64::from(b) + tol)
    }

    /// The area of the footprint, m² (the annular sectors' sum).
    pub fn area_m2(&self) -> f64 {
        let half_step = self.step_deg.to_radians() / 2.0;
        // ray by ray, each run's rays in turn
        (0..self.runs())
            .flat_map(|r| std::iter::repeat_n(self.run_intervals(r), self.run_rays(r)))
            .flatten()
            .map(|&[a, b]| half_step * (f64::from(b).powi(2) - f64::from(a).powi(2)))
            .sum()
    }

    /// Whether every ray covers exactly `[0, range_m]`: the terrain
    /// changed nothing, and the disc or wedge stands for it.
    pub fn is_unshaped(&self) -> bool {
        let r = self.range_m as f32;
        self.runs() == 1 && self.run_intervals(0) == [[0.0, r]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disc_has_the_area_of_a_disc_and_bad_offsets_are_refused() {
        let n = 90;
        let whole: &[[f32; 2]] = &[[0.0, 100.0]];
        let fp = Footprint::from_rays(0.0, 4.0, 100.0, std::iter::repeat_n(whole, n));
        assert!(fp.is_well_formed());
        assert_eq!((fp.rays(), fp.runs()), (n, 1));
        assert!(fp.is_unshaped());
        let disc = std::f64::consts::PI * 100.0 * 100.0;
        assert!((fp.area_m2() - disc).abs() < 1e-6 * disc);
        // runs as stored: an empty run, two neighbouring runs alike,
        // unordered intervals or more rays than the circle holds are
        // refused
        let runs = |parts: &[(u32, &[[f32; 2]])]| {
            let mut fp = Footprint::from_rays(0.0, 4.0, 100.0, []);
            for &(rays, intervals) in parts {
                fp.push_run(rays, intervals.iter().copied());
            }
            fp
        };
        let half: &[[f32; 2]] = &[[0.0, 50.0]];
        let good = runs(&[(5, half), (85, whole)]);
        assert!(good.is_well_formed());
        assert_eq!((good.rays(), good.runs()), (90, 2));
        assert_eq!(
            (good.run_rays(0), good.run_rays(1), good.run_rays(2)),
            (5, 85, 0)
        );
        assert_eq!(
            (good.ray(4), good.ray(5), good.ray(89)),
            (half, whole, whole)
        );
        assert_eq!(good.ray(90), &[] as &[[f32; 2]]);
        assert!(!runs(&[(0, half), (90, whole)]).is_well_formed());
        assert!(!runs(&[(5, half), (85, half)]).is_well_formed());
        assert!(!runs(&[(5, &[[60.0, 70.0], [10.0, 20.0]]), (85, whole)]).is_well_formed());
        assert!(!runs(&[(5, half), (86, whole)]).is_well_formed());
        // an interval beyond the range, or an angle too wide
        let far: &[[f32; 2]] = &[[50.0, 200.0]];
        let bad = Footprint::from_rays(0.0, 4.0, 100.0, [whole, far, whole]);
        assert!(!bad.is_well_formed());
        let mut bad = fp;
        bad.step_deg = 5.0;
        assert!(!bad.is_well_formed());
    }

    #[test]
    fn k_factor_is_checked() {
        let mut p = TerrainParameters::default();
        assert!(p.check().is_ok());
        p.k_factor = 0.1;
        assert_eq!(p.check().unwrap_err().0, "terrain.k_factor");
    }

    #[test]
    fn clutter_heights_by_kind_and_checked() {
        let mut p = TerrainParameters::default();
        // none by default: every kind bare
        for env in [
            Environment::Urban,
            Environment::Suburban,
            Environment::Rural,
        ] {
            assert_eq!(p.clutter_height_m(env), 0.0);
        }
        p.clutter = Clutter::Commune;
        assert_eq!(p.clutter_height_m(Environment::Urban), 15.0);
        assert_eq!(p.clutter_height_m(Environment::Suburban), 10.0);
        assert_eq!(p.clutter_height_m(Environment::Rural), 0.0);
        assert_eq!(p.clutter_height_m(Environment::Open), 0.0);
        p.clutter_rural_m = -1.0;
        assert_eq!(p.check().unwrap_err().0, "terrain.clutter_rural_m");
        p.clutter_rural_m = 4.0;
        p.clutter_urban_m = f64::NAN;
        assert_eq!(p.check().unwrap_err().0, "terrain.clutter_urban_m");
    }
}
