//! Synthetic terrain over a WGS 84 bounding box, deterministic from a seed,
//! for demos and tests of terrain-aware coverage: a flat delta crossed by
//! a river, canals and raised roads ([`delta_terrain`]), or mountains of
//! ridges and valleys ([`mountain_terrain`]). [`write_terrain_tif`] puts
//! one in a scenario folder as `terrain.tif`.
//!
//! Nothing here is real geography. Distances are measured in a local
//! equirectangular frame (metres east and north of the box's south-west
//! corner, the longitude scaled at the box's middle latitude): good to a
//! fraction of a percent over a province, which is all a synthetic
//! landscape needs.
//!
//! # The delta
//!
//! - the plain: 0–3 m above sea level, the mean of three long sine swells
//!   (wavelengths 4–16 km, random directions) mapped onto 0–3 m;
//! - a main river from the west edge to the east edge, meandering (two
//!   superposed sine bends), as wide as a 40th of the box's smaller side
//!   (40–800 m);
//! - canals: straight channels 20–50 m wide across the box, roughly
//!   perpendicular to the river (one per 100 km², 2 to 12);
//! - roads: straight embankments 12 m wide, 2 m above the plain, at random
//!   angles (one per 150 km², 2 to 10), with 6 m side slopes;
//! - channels are 5 m below sea level (−5 m), with 20 m banks sloping up
//!   to the plain; where a road meets a channel the channel wins (the DEM
//!   has no bridges).
//!
//! # The mountains
//!
//! Ridged multi-octave value noise: six octaves of wavelengths 16 km down
//! to 0.5 km, each folded (`1 − |2n − 1|`) into sharp crests, squared,
//! weighted 1, ½, ¼ …, summed and scaled so that heights lie in
//! 0–1,500 m. Over a 20 km box the highest crests (where the octaves
//! agree) reach 1,250–1,450 m and the valleys fall to 100–250 m, the mean
//! near 650 m.
//!
//! # Determinism
//!
//! As the synthetic city: the choices come from `ChaCha8Rng` streams seeded
//! from the seed, sines from IEEE arithmetic only, the noise from a hash of
//! the lattice coordinates; every sample depends only on the box, the
//! spacing, the seed and its own position, so the same inputs give the same
//! heights, bit for bit, whatever the number of threads.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use geo::Rect;
use rand::Rng;
use rayon::prelude::*;

use super::dmath;
use super::helpers::{splitmix64, stream, unit};
use crate::geodesy::MEAN_EARTH_RADIUS_M;
use crate::io::read::dem::{MAX_DEM_CELLS, TERRAIN_TIF};
use crate::io::write::write_dem_geotiff;
use crate::model::{DemExtent, DemGrid, DemLayout};
use crate::{Error, Result};

/// One arc-second (about 30 m), the spacing of SRTM 1″ and Copernicus
/// GLO-30: a good default for synthetic terrain.
pub const ONE_ARC_SECOND_DEG: f64 = 1.0 / 3600.0;

/// Height of the delta's channel beds, m.
pub const CHANNEL_BED_M: f64 = -5.0;
/// Height of the delta's roads above the plain, m.
pub const ROAD_RAISE_M: f64 = 2.0;
/// Highest the plain gets, m.
pub const PLAIN_MAX_M: f64 = 3.0;
/// Highest the mountains get, m.
pub const MOUNTAIN_MAX_M: f64 = 1500.0;

const BANK_M: f64 = 20.0;
const ROAD_HALF_WIDTH_M: f64 = 6.0;
const ROAD_SLOPE_M: f64 = 6.0;
/// Longest piece of a densified polyline, m.
const PIECE_M: f64 = 100.0;

/// The sample grid over a box and the local metric frame.
struct Frame {
    layout: DemLayout,
    west: f64,
    south: f64,
    /// Metres per degree of longitude (at the middle latitude), latitude.
    mx: f64,
    my: f64,
    width_m: f64,
    height_m: f64,
}

impl Frame {
    fn new(bbox: Rect<f64>, cell_size_deg: f64) -> Result<Frame> {
        let (w, s) = (bbox.min().x, bbox.min().y);
        let (e, n) = (bbox.max().x, bbox.max().y);
        let finite = [w, s, e, n].iter().all(|v| v.is_finite());
        if !(finite && w >= -180.0 && e <= 180.0 && s >= -85.0 && n <= 85.0 && e > w && n > s) {
            return Err(Error::Parameter {
                name: "bbox",
                reason: format!(
                    "[{w}, {e}] × [{s}, {n}]: expected a box of positive size inside [-180, 180] × [-85, 85]"
                ),
            });
        }
        if !(cell_size_deg.is_finite() && cell_size_deg > 0.0) {
            return Err(Error::Parameter {
                name: "cell_size_deg",
                reason: format!("must be a finite number > 0, got {cell_size_deg}"),
            });
        }
        // (a box a whole number of cells wide is not widened by rounding)
        let width = ((e - w) / cell_size_deg - 1e-9).ceil().max(1.0);
        let height = ((n - s) / cell_size_deg - 1e-9).ceil().max(1.0);
        if width * height > MAX_DEM_CELLS as f64 {
            return Err(Error::TooLarge(format!(
                "synthetic terrain: {width} × {height} samples, more than the {MAX_DEM_CELLS} a DEM may hold; use a coarser cell_size_deg"
            )));
        }
        let my = MEAN_EARTH_RADIUS_M * PI / 180.0;
        let mx = my * dmath::sin_cos(((s + n) / 2.0) * PI / 180.0).1;
        let layout = DemLayout {
            width: width as usize,
            height: height as usize,
            first_lon_deg: w + cell_size_deg / 2.0,
            first_lat_deg: n - cell_size_deg / 2.0,
            step_lon_deg: cell_size_deg,
            step_lat_deg: cell_size_deg,
            extent: DemExtent::CellEdges,
        };
        Ok(Frame {
            layout,
            west: w,
            south: s,
            mx,
            my,
            width_m: (e - w) * mx,
            height_m: (n - s) * my,
        })
    }

    /// Metres east and north of the south-west corner of sample (row, col).
    fn xy(&self, row: usize, col: usize) -> (f64, f64) {
        let l = &self.layout;
        let lon = l.first_lon_deg + col as f64 * l.step_lon_deg;
        let lat = l.first_lat_deg - row as f64 * l.step_lat_deg;
        ((lon - self.west) * self.mx, (lat - self.south) * self.my)
    }

    /// Every sample from `f(x, y)`, rows in parallel.
    fn fill(self, f: impl Fn(usize, f64, f64) -> f64 + Sync) -> Result<DemGrid> {
        let (w, h) = (self.layout.width, self.layout.height);
        let rows: Vec<Vec<f32>> = (0..h)
            .into_par_iter()
            .map(|r| {
                (0..w)
                    .map(|c| {
                        let (x, y) = self.xy(r, c);
                        f(r, x, y) as f32
                    })
                    .collect()
            })
            .collect();
        DemGrid::new(self.layout, rows.concat())
    }
}

/// A straight piece of a channel or road, in metres.
#[derive(Debug, Clone, Copy)]
struct Piece {
    a: [f64; 2],
    b: [f64; 2],
    /// Half the width of the flat part, m.
    half_width_m: f64,
}

impl Piece {
    fn distance_m(&self, p: [f64; 2]) -> f64 {
        let (dx, dy) = (self.b[0] - self.a[0], self.b[1] - self.a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((p[0] - self.a[0]) * dx + (p[1] - self.a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (qx, qy) = (self.a[0] + t * dx - p[0], self.a[1] + t * dy - p[1]);
        (qx * qx + qy * qy).sqrt()
    }

    fn y_range(&self, reach: f64) -> (f64, f64) {
        (
            self.a[1].min(self.b[1]) - self.half_width_m - reach,
            self.a[1].max(self.b[1]) + self.half_width_m + reach,
        )
    }
}

/// A polyline cut into pieces of at most [`PIECE_M`].
fn pieces(points: &[[f64; 2]], half_width_m: f64, out: &mut Vec<Piece>) {
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        let n = (len / PIECE_M).ceil().max(1.0) as usize;
        for k in 0..n {
            let t0 = k as f64 / n as f64;
            let t1 = (k + 1) as f64 / n as f64;
            out.push(Piece {
                a: [a[0] + t0 * (b[0] - a[0]), a[1] + t0 * (b[1] - a[1])],
                b: [a[0] + t1 * (b[0] - a[0]), a[1] + t1 * (b[1] - a[1])],
                half_width_m,
            });
        }
    }
}

/// For each row, the pieces that may come within `reach` of it.
fn rows_of(pieces: &[Piece], frame: &Frame, reach: f64) -> Vec<Vec<usize>> {
    let mut rows = vec![Vec::new(); frame.layout.height];
    for (i, p) in pieces.iter().enumerate() {
        let (y0, y1) = p.y_range(reach);
        // rows run south from the north edge
        let lat_of = |y: f64| frame.south + y / frame.my;
        let l = &frame.layout;
        let r_of = |y: f64| (l.first_lat_deg - lat_of(y)) / l.step_lat_deg;
        let r_first = r_of(y1).floor().max(0.0) as usize;
        let r_last = r_of(y0).ceil();
        if r_last < 0.0 {
            continue;
        }
        let r_last = (r_last as usize).min(l.height.saturating_sub(1));
        for row in rows.iter_mut().take(r_last + 1).skip(r_first) {
            row.push(i);
        }
    }
    rows
}

/// Smallest `distance − half width` from `p` to the `candidates`.
fn clearance_m(pieces: &[Piece], candidates: &[usize], p: [f64; 2]) -> f64 {
    candidates
        .iter()
        .filter_map(|&i| pieces.get(i))
        .map(|piece| piece.distance_m(p) - piece.half_width_m)
        .fold(f64::INFINITY, f64::min)
}

/// A straight line through (`x`, `y`) at `angle` radians, reaching past the
/// box on both sides.
fn line_across(frame: &Frame, x: f64, y: f64, angle: f64) -> [[f64; 2]; 2] {
    let reach = frame.width_m.hypot(frame.height_m);
    let (s, c) = dmath::sin_cos(angle);
    [
        [x - reach * c, y - reach * s],
        [x + reach * c, y + reach * s],
    ]
}

/// A flat delta: a plain of 0–3 m, a meandering river and straight canals
/// 5 m below sea level, roads raised 2 m (see the [module docs](self)),
/// sampled every `cell_size_deg` over `bbox` (lon/lat degrees).
///
/// ```
/// use geo::{coord, Rect};
/// use telecov::synth::dem::{delta_terrain, ONE_ARC_SECOND_DEG};
/// let bbox = Rect::new(coord! { x: 105.70, y: 10.00 }, coord! { x: 105.75, y: 10.04 });
/// let grid = delta_terrain(bbox, 3.0 * ONE_ARC_SECOND_DEG, 7)?;
/// assert!(grid.heights_m().iter().all(|h| (-5.0..=5.0).contains(h)));
/// # Ok::<(), telecov::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Parameter`] for a box that is empty or outside [-180, 180] ×
/// [-85, 85] or a spacing that is not > 0; [`Error::TooLarge`] beyond
/// [`MAX_DEM_CELLS`] samples.
pub fn delta_terrain(bbox: Rect<f64>, cell_size_deg: f64, seed: u64) -> Result<DemGrid> {
    let frame = Frame::new(bbox, cell_size_deg)?;
    let (wm, hm) = (frame.width_m, frame.height_m);
    let area_km2 = wm * hm / 1e6;

    // the plain: three long swells
    let mut rng = stream(seed, 0xde17a);
    let swells: Vec<(f64, f64, f64)> = (0..3)
        .map(|_| {
            let wavelength = rng.random_range(4_000.0..16_000.0);
            let (s, c) = dmath::sin_cos(rng.random_range(0.0..PI));
            let k = 2.0 * PI / wavelength;
            (k * c, k * s, rng.random_range(0.0..2.0 * PI))
        })
        .collect();

    // the river, west to east
    let mut channels = Vec::new();
    let river_half = (wm.min(hm) / 40.0).clamp(40.0, 800.0) / 2.0;
    let y0 = hm * rng.random_range(0.35..0.65);
    let amp1 = (0.08 * hm).min(1_500.0);
    let amp2 = amp1 / 3.0;
    let (l1, l2) = (
        rng.random_range(6_000.0..12_000.0),
        rng.random_range(2_000.0..4_000.0),
    );
    let (p1, p2) = (
        rng.random_range(0.0..2.0 * PI),
        rng.random_range(0.0..2.0 * PI),
    );
    let margin = 2.0 * river_half + BANK_M;
    let steps = ((wm + 2.0 * margin) / PIECE_M).ceil().max(1.0) as usize;
    let river: Vec<[f64; 2]> = (0..=steps)
        .map(|i| {
            let x = -margin + (wm + 2.0 * margin) * i as f64 / steps as f64;
            let y = y0
                + amp1 * dmath::sin(2.0 * PI * x / l1 + p1)
                + amp2 * dmath::sin(2.0 * PI * x / l2 + p2);
            [x, y]
        })
        .collect();
    pieces(&river, river_half, &mut channels);

    // canals: across the box, near-perpendicular to the river
    let n_canals = ((area_km2 / 100.0).round() as usize).clamp(2, 12);
    for _ in 0..n_canals {
        let x = rng.random_range(0.0..wm);
        let angle = PI / 2.0 + rng.random_range(-0.35..0.35);
        let half = rng.random_range(10.0..25.0);
        pieces(&line_across(&frame, x, y0, angle), half, &mut channels);
    }

    // roads: straight embankments at any angle
    let mut roads = Vec::new();
    let n_roads = ((area_km2 / 150.0).round() as usize).clamp(2, 10);
    for _ in 0..n_roads {
        let (x, y) = (rng.random_range(0.0..wm), rng.random_range(0.0..hm));
        let angle = rng.random_range(0.0..PI);
        pieces(
            &line_across(&frame, x, y, angle),
            ROAD_HALF_WIDTH_M,
            &mut roads,
        );
    }

    let channel_rows = rows_of(&channels, &frame, BANK_M);
    let road_rows = rows_of(&roads, &frame, ROAD_SLOPE_M);
    frame.fill(|row, x, y| {
        let swell: f64 = swells
            .iter()
            .map(|&(kx, ky, phase)| dmath::sin(kx * x + ky * y + phase))
            .sum::<f64>()
            / 3.0;
        let plain = PLAIN_MAX_M * (swell + 1.0) / 2.0;
        let p = [x, y];
        let empty = Vec::new();
        let road = clearance_m(&roads, road_rows.get(row).unwrap_or(&empty), p);
        let mut h = if road <= 0.0 {
            plain + ROAD_RAISE_M
        } else if road < ROAD_SLOPE_M {
            plain + ROAD_RAISE_M * (1.0 - road / ROAD_SLOPE_M)
        } else {
            plain
        };
        let channel = clearance_m(&channels, channel_rows.get(row).unwrap_or(&empty), p);
        if channel <= 0.0 {
            h = CHANNEL_BED_M;
        } else if channel < BANK_M {
            let t = channel / BANK_M;
            h = CHANNEL_BED_M + t * (h - CHANNEL_BED_M);
        }
        h
    })
}

/// Value noise on a unit lattice: smooth (C¹) between hashed values in
/// [0, 1).
fn value_noise(seed: u64, x: f64, y: f64) -> f64 {
    let (ix, iy) = (x.floor(), y.floor());
    let (tx, ty) = (x - ix, y - iy);
    let smooth = |t: f64| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (smooth(tx), smooth(ty));
    let at = |dx: i64, dy: i64| {
        let (i, j) = (ix as i64 + dx, iy as i64 + dy);
        unit(splitmix64(
            seed ^ splitmix64(i as u64 ^ splitmix64(j as u64).rotate_left(17)),
        ))
    };
    let top = at(0, 0) + sx * (at(1, 0) - at(0, 0));
    let bottom = at(0, 1) + sx * (at(1, 1) - at(0, 1));
    top + sy * (bottom - top)
}

/// Mountains: ridges and valleys of 0–1,500 m from ridged multi-octave
/// noise (see the [module docs](self)), sampled every `cell_size_deg` over
/// `bbox`.
///
/// ```
/// use geo::{coord, Rect};
/// use telecov::synth::dem::{mountain_terrain, MOUNTAIN_MAX_M};
/// let bbox = Rect::new(coord! { x: 103.8, y: 22.3 }, coord! { x: 103.9, y: 22.4 });
/// let grid = mountain_terrain(bbox, 0.001, 1)?;
/// assert!(grid.heights_m().iter().all(|h| (0.0..=MOUNTAIN_MAX_M as f32).contains(h)));
/// # Ok::<(), telecov::Error>(())
/// ```
///
/// # Errors
///
/// As [`delta_terrain`].
pub fn mountain_terrain(bbox: Rect<f64>, cell_size_deg: f64, seed: u64) -> Result<DemGrid> {
    let frame = Frame::new(bbox, cell_size_deg)?;
    const OCTAVES: usize = 6;
    const BASE_WAVELENGTH_M: f64 = 16_000.0;
    let octave_seeds: Vec<(u64, f64, f64)> = (0..OCTAVES as u64)
        .map(|k| {
            let s = splitmix64(seed ^ splitmix64(0x6d0u64 + k));
            // an offset so that the octaves' lattices do not line up
            (
                s,
                1000.0 * unit(splitmix64(s)),
                1000.0 * unit(splitmix64(s ^ 1)),
            )
        })
        .collect();
    let total_weight: f64 = (0..OCTAVES).map(|k| 0.5f64.powi(k as i32)).sum();
    frame.fill(|_, x, y| {
        let mut sum = 0.0;
        let mut weight = 1.0;
        let mut wavelength = BASE_WAVELENGTH_M;
        for &(s, ox, oy) in &octave_seeds {
            let n = value_noise(s, x / wavelength + ox, y / wavelength + oy);
            let ridge = 1.0 - (2.0 * n - 1.0).abs();
            sum += weight * ridge * ridge;
            weight *= 0.5;
            wavelength *= 0.5;
        }
        (MOUNTAIN_MAX_M * sum / total_weight).clamp(0.0, MOUNTAIN_MAX_M)
    })
}

/// Writes `grid` as `terrain.tif` in `scenario_dir` (Float32 GeoTIFF,
/// WGS 84 lon/lat, `GDAL_NODATA`; see
/// [`write_dem_geotiff`]) and returns
/// its path.
///
/// # Errors
///
/// [`Error::Io`] naming the file.
pub fn write_terrain_tif(scenario_dir: impl AsRef<Path>, grid: &DemGrid) -> Result<PathBuf> {
    let path = scenario_dir.as_ref().join(TERRAIN_TIF);
    write_dem_geotiff(&path, grid)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use geo::coord;

    use super::*;
    use crate::io::read::dem::read_scenario_dem;

    /// About 5.5 × 4.4 km near Cần Thơ.
    fn delta_box() -> Rect<f64> {
        Rect::new(
            coord! { x: 105.70, y: 10.00 },
            coord! { x: 105.75, y: 10.04 },
        )
    }

    #[test]
    fn the_delta_is_flat_with_channels_and_raised_roads() {
        let grid = delta_terrain(delta_box(), ONE_ARC_SECOND_DEG, 42).unwrap();
        let l = *grid.layout();
        assert_eq!((l.width, l.height), (180, 144));
        let h = grid.heights_m();
        let count = |f: &dyn Fn(f32) -> bool| h.iter().filter(|v| f(**v)).count();
        assert!(h.iter().all(|v| (-5.0..=5.0).contains(v)));
        let plain = count(&|v| (0.0..=3.0).contains(&v));
        let channel = count(&|v| v == -5.0);
        let raised = count(&|v| v > 3.0);
        assert!(plain > h.len() * 7 / 10, "{plain} of {}", h.len());
        assert!(
            channel > 0 && raised > 0,
            "{channel} channel, {raised} road samples"
        );
        // the river crosses from west to east: a channel sample in every column
        for c in 0..l.width {
            assert!(
                (0..l.height).any(|r| grid.sample(r, c) == Some(-5.0)),
                "column {c} has no channel"
            );
        }
    }

    #[test]
    fn mountains_stay_within_their_range() {
        // 0.2° ≈ 22 km square, 3″ samples
        let bbox = Rect::new(coord! { x: 103.7, y: 22.2 }, coord! { x: 103.9, y: 22.4 });
        let grid = mountain_terrain(bbox, 3.0 * ONE_ARC_SECOND_DEG, 3).unwrap();
        let h = grid.heights_m();
        let lo = h.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = h.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert!(lo >= 0.0 && hi <= 1500.0, "{lo}..{hi}");
        assert!(hi - lo > 600.0, "relief {lo}..{hi}");
        assert!(hi > 900.0, "highest {hi}");
        // neighbouring 3″ samples (90 m) differ by a slope, not a cliff
        let w = grid.layout().width;
        let steepest = h
            .windows(2)
            .enumerate()
            .filter(|(i, _)| (i + 1) % w != 0)
            .map(|(_, p)| (p[1] - p[0]).abs())
            .fold(0.0, f32::max);
        assert!(steepest < 200.0, "{steepest} m between neighbours");
    }

    #[test]
    fn same_seed_same_terrain() {
        let a = delta_terrain(delta_box(), 3.0 * ONE_ARC_SECOND_DEG, 5).unwrap();
        let b = delta_terrain(delta_box(), 3.0 * ONE_ARC_SECOND_DEG, 5).unwrap();
        let c = delta_terrain(delta_box(), 3.0 * ONE_ARC_SECOND_DEG, 6).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let m1 = mountain_terrain(delta_box(), 0.001, 9).unwrap();
        let m2 = mountain_terrain(delta_box(), 0.001, 9).unwrap();
        let m3 = mountain_terrain(delta_box(), 0.001, 10).unwrap();
        assert_eq!(m1, m2);
        assert_ne!(m1, m3);
    }

    #[test]
    fn bad_boxes_are_refused_by_name() {
        let inverted = Rect::new(coord! { x: 106.0, y: 10.0 }, coord! { x: 105.0, y: 10.0 });
        let e = delta_terrain(inverted, 0.001, 1).unwrap_err().to_string();
        assert!(e.contains("bbox"), "{e}");
        let e = mountain_terrain(delta_box(), 0.0, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cell_size_deg"), "{e}");
        let whole = Rect::new(coord! { x: -180.0, y: -80.0 }, coord! { x: 180.0, y: 80.0 });
        let e = delta_terrain(whole, ONE_ARC_SECOND_DEG, 1).unwrap_err();
        assert!(matches!(e, Error::TooLarge(_)), "{e}");
    }

    #[test]
    fn written_terrain_reads_back() {
        let tmp = tempfile::tempdir().unwrap();
        let grid = delta_terrain(delta_box(), 2.0 * ONE_ARC_SECOND_DEG, 11).unwrap();
        let path = write_terrain_tif(tmp.path(), &grid).unwrap();
        assert_eq!(path.file_name().unwrap(), "terrain.tif");
        let dem = read_scenario_dem(tmp.path()).unwrap().unwrap();
        let back = &dem.grids()[0];
        assert_eq!(back.layout().width, grid.layout().width);
        assert_eq!(back.layout().height, grid.layout().height);
        assert_eq!(back.heights_m(), grid.heights_m());
        let b = dem.bounds();
        assert!((b.min().x - 105.70).abs() < 1e-9 && (b.max().y - 10.04).abs() < 1e-9);
        // bilinear heights between the samples lie within the delta's range
        let h = dem.height_m(105.7234, 10.0123).unwrap();
        assert!((-5.0..=5.0).contains(&h));
    }
}
