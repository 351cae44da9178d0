//! Elevation: a digital elevation model (DEM) made of one or more regular
//! WGS 84 longitude/latitude grids of terrain heights, read by
//! `io::read::dem` (`terrain.tif`, or a `terrain/` folder of SRTM `.hgt`
//! tiles) or made by `synth::dem`.
//!
//! Heights are metres above sea level as the source gives them (SRTM and
//! Copernicus GLO-30 are relative to the EGM96 / EGM2008 geoids; the
//! difference does not matter to diffraction over a profile, which only
//! sees differences of height).
//!
//! # Interpolation
//!
//! [`Dem::height_m`] interpolates bilinearly between the four samples
//! around the point. It is `None` outside every grid and where a sample
//! with a non-zero weight is nodata (a void of SRTM, the `GDAL_NODATA`
//! value of a GeoTIFF). A grid answers over its [`DemExtent`]: between its
//! outer samples (`.hgt` tiles, whose edge samples lie on the integer
//! degrees and are shared with the neighbouring tile, so two tiles agree
//! on their seam), or out to the edges of its cells (a GeoTIFF's pixels,
//! the outer half cell holding the edge sample's value). Where grids
//! overlap, the first in the [`Dem`]'s order with data there answers.

use std::collections::HashMap;

use geo::{coord, Rect};

use crate::error::{Error, Result};

/// Tolerance on grid bounds, degrees (about 0.1 mm): a point on a tile's
/// edge computed with rounding still falls inside.
const EDGE_TOLERANCE_DEG: f64 = 1e-9;

/// Where a grid gives heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemExtent {
    /// Over its cells: each sample is the centre of a cell (a GeoTIFF's
    /// pixels); in the outer half cell the edge sample's value is held.
    CellEdges,
    /// Between its outer samples only (SRTM `.hgt` tiles, whose samples lie
    /// on the tile's edges).
    SampleHull,
}

/// Where the samples of a [`DemGrid`] lie: a regular lon/lat lattice, north
/// up (rows run south, columns east).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemLayout {
    /// Columns (samples per row), ≥ 1.
    pub width: usize,
    /// Rows, ≥ 1.
    pub height: usize,
    /// Longitude of the first (western) column of samples, degrees.
    pub first_lon_deg: f64,
    /// Latitude of the first (northern) row of samples, degrees.
    pub first_lat_deg: f64,
    /// Spacing of the columns, degrees of longitude (> 0).
    pub step_lon_deg: f64,
    /// Spacing of the rows, degrees of latitude (> 0; rows run south).
    pub step_lat_deg: f64,
    /// Where the grid gives heights.
    pub extent: DemExtent,
}

impl DemLayout {
    /// The area the grid answers for: west, south, east, north (degrees).
    fn edges(&self) -> [f64; 4] {
        let (hx, hy) = match self.extent {
            DemExtent::CellEdges => (self.step_lon_deg / 2.0, self.step_lat_deg / 2.0),
            DemExtent::SampleHull => (0.0, 0.0),
        };
        let last_lon = self.first_lon_deg + (self.width - 1) as f64 * self.step_lon_deg;
        let last_lat = self.first_lat_deg - (self.height - 1) as f64 * self.step_lat_deg;
        [
            self.first_lon_deg - hx,
            last_lat - hy,
            last_lon + hx,
            self.first_lat_deg + hy,
        ]
    }
}

/// One regular grid of terrain heights (see the [module docs](crate::model::dem)).
#[derive(Debug, Clone, PartialEq)]
pub struct DemGrid {
    layout: DemLayout,
    /// Row-major from the north-west sample; NaN for nodata.
    heights_m: Vec<f32>,
    /// West, south, east, north.
    edges: [f64; 4],
}

impl DemGrid {
    /// A grid of `heights_m` (metres, row-major from the north-west sample,
    /// NaN for nodata) laid out as `layout`.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] naming the field: an empty grid, a
    /// [`DemExtent::SampleHull`] grid of a single row or column (it has no
    /// area), steps not finite and positive, a grid reaching outside
    /// [-180, 180] × [-90, 90], or `heights_m` of the wrong length.
    pub fn new(layout: DemLayout, heights_m: Vec<f32>) -> Result<Self> {
        let bad = |name: &'static str, reason: String| Error::Parameter { name, reason };
        if layout.width == 0 || layout.height == 0 {
            return Err(bad(
                "width",
                format!(
                    "{} × {} samples: the grid is empty",
                    layout.width, layout.height
                ),
            ));
        }
        if layout.extent == DemExtent::SampleHull && (layout.width < 2 || layout.height < 2) {
            return Err(bad(
                "width",
                format!(
                    "{} × {} samples: a grid answering between its samples needs at least 2 × 2",
                    layout.width, layout.height
                ),
            ));
        }
        for (name, step) in [
            ("step_lon_deg", layout.step_lon_deg),
            ("step_lat_deg", layout.step_lat_deg),
        ] {
            if !(step.is_finite() && step > 0.0) {
                return Err(bad(
                    name,
                    format!("must be a finite number > 0, got {step}"),
                ));
            }
        }
        let edges = layout.edges();
        let [w, s, e, n] = edges;
        let tol = 1e-6;
        if !(w >= -180.0 - tol && e <= 180.0 + tol && s >= -90.0 - tol && n <= 90.0 + tol) {
            return Err(bad(
                "first_lon_deg",
                format!("the grid spans [{w}, {e}] × [{s}, {n}], outside [-180, 180] × [-90, 90]"),
            ));
        }
        let cells = layout.width.checked_mul(layout.height);
        if cells != Some(heights_m.len()) {
            return Err(bad(
                "heights_m",
                format!(
                    "{} heights for {} × {} samples",
                    heights_m.len(),
                    layout.width,
                    layout.height
                ),
            ));
        }
        Ok(DemGrid {
            layout,
            heights_m,
            edges,
        })
    }

    /// Where the samples lie.
    pub fn layout(&self) -> &DemLayout {
        &self.layout
    }

    /// The samples, metres, row-major from the north-west; NaN for nodata.
    pub fn heights_m(&self) -> &[f32] {
        &self.heights_m
    }

    /// The area this grid answers for (see [`DemExtent`]).
    pub fn bounds(&self) -> Rect<f64> {
        let [w, s, e, n] = self.edges;
        Rect::new(coord! { x: w, y: s }, coord! { x: e, y: n })
    }

    /// The sample at (`row`, `col`), `None` outside or for nodata.
    pub fn sample(&self, row: usize, col: usize) -> Option<f64> {
        if row >= self.layout.height || col >= self.layout.width {
            return None;
        }
        let v = *self.heights_m.get(row * self.layout.width + col)?;
        (!v.is_nan()).then_some(f64::from(v))
    }

    /// Whether (`lon_deg`, `lat_deg`) lies in [`DemGrid::bounds`].
    pub fn contains(&self, lon_deg: f64, lat_deg: f64) -> bool {
        let [w, s, e, n] = self.edges;
        lon_deg >= w - EDGE_TOLERANCE_DEG
            && lon_deg <= e + EDGE_TOLERANCE_DEG
            && lat_deg >= s - EDGE_TOLERANCE_DEG
            && lat_deg <= n + EDGE_TOLERANCE_DEG
    }

    /// The bilinear height at (`lon_deg`, `lat_deg`), metres; `None` outside
    /// the grid or where a sample with a non-zero weight is nodata.
    pub fn height_m(&self, lon_deg: f64, lat_deg: f64) -> Option<f64> {
        if !self.contains(lon_deg, lat_deg) {
            return None;
        }
        let h = self.height_inside_m(lon_deg, lat_deg);
        (!h.is_nan()).then_some(h)
    }

    /// [`DemGrid::height_m`] for a point known to lie in
    /// [`DemGrid::bounds`]: the same value, NaN where that is `None`
    /// (nodata with a non-zero weight). The hot path of radial sweeps.
    #[inline]
    pub fn height_inside_m(&self, lon_deg: f64, lat_deg: f64) -> f64 {
        let l = &self.layout;
        // fractional column and row, held to the outer samples (≥ 0, so
        // truncation is the floor)
        let fx = ((lon_deg - l.first_lon_deg) / l.step_lon_deg).clamp(0.0, (l.width - 1) as f64);
        let fy = ((l.first_lat_deg - lat_deg) / l.step_lat_deg).clamp(0.0, (l.height - 1) as f64);
        let c0 = (fx as usize).min(l.width.saturating_sub(2));
        let r0 = (fy as usize).min(l.height.saturating_sub(2));
        let c1 = (c0 + 1).min(l.width - 1);
        let r1 = (r0 + 1).min(l.height - 1);
        let tx = fx - c0 as f64;
        let ty = fy - r0 as f64;
        let w = l.width;
        let at = |r: usize, c: usize| f64::from(self.heights_m[r * w + c]);
        let mut sum = 0.0;
        for (r, c, wt) in [
            (r0, c0, (1.0 - tx) * (1.0 - ty)),
            (r0, c1, tx * (1.0 - ty)),
            (r1, c0, (1.0 - tx) * ty),
            (r1, c1, tx * ty),
        ] {
            if wt > 0.0 {
                sum += wt * at(r, c);
            }
        }
        sum
    }

    /// The original [`DemGrid::height_m`], kept for the equality test of
    /// [`DemGrid::height_inside_m`].
    #[cfg(test)]
    fn height_reference_m(&self, lon_deg: f64, lat_deg: f64) -> Option<f64> {
        if !self.contains(lon_deg, lat_deg) {
            return None;
        }
        let l = &self.layout;
        // fractional column and row, held to the outer samples
        let fx = ((lon_deg - l.first_lon_deg) / l.step_lon_deg).clamp(0.0, (l.width - 1) as f64);
        let fy = ((l.first_lat_deg - lat_deg) / l.step_lat_deg).clamp(0.0, (l.height - 1) as f64);
        let c0 = (fx.floor() as usize).min(l.width.saturating_sub(2));
        let r0 = (fy.floor() as usize).min(l.height.saturating_sub(2));
        let c1 = (c0 + 1).min(l.width - 1);
        let r1 = (r0 + 1).min(l.height - 1);
        let tx = fx - c0 as f64;
        let ty = fy - r0 as f64;
        let mut sum = 0.0;
        for (r, c, w) in [
            (r0, c0, (1.0 - tx) * (1.0 - ty)),
            (r0, c1, tx * (1.0 - ty)),
            (r1, c0, (1.0 - tx) * ty),
            (r1, c1, tx * ty),
        ] {
            if w > 0.0 {
                sum += w * self.sample(r, c)?;
            }
        }
        Some(sum)
    }
}

/// A digital elevation model: one or more [`DemGrid`]s (see the
/// [module docs](crate::model::dem)).
///
/// ```
/// use telecov::model::{Dem, DemExtent, DemGrid, DemLayout};
/// // 2 × 2 samples, 0.01° apart, answering between them
/// let layout = DemLayout {
///     width: 2, height: 2, first_lon_deg: 105.0, first_lat_deg: 10.01,
///     step_lon_deg: 0.01, step_lat_deg: 0.01, extent: DemExtent::SampleHull,
/// };
/// let dem = Dem::from(DemGrid::new(layout, vec![0.0, 10.0, 20.0, 30.0])?);
/// // the centre: the mean of the four samples
/// assert!((dem.height_m(105.005, 10.005).unwrap() - 15.0).abs() < 1e-9);
/// assert_eq!(dem.height_m(104.9, 10.005), None);
/// assert_eq!(dem.cell_size_deg(), (0.01, 0.01));
/// # Ok::<(), telecov::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dem {
    grids: Vec<DemGrid>,
    /// Grids touching each 1° cell (keyed by the floor of lon, lat), in
    /// order.
    index: HashMap<(i32, i32), Vec<u32>>,
    bounds: Rect<f64>,
}

impl Dem {
    /// A DEM of `grids`; where they overlap, the first with data answers.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] when `grids` is empty.
    pub fn new(grids: Vec<DemGrid>) -> Result<Self> {
        let first = grids.first().ok_or_else(|| Error::Parameter {
            name: "grids",
            reason: "a DEM needs at least one grid".into(),
        })?;
        let mut b = first.edges;
        let mut index: HashMap<(i32, i32), Vec<u32>> = HashMap::new();
        for (i, g) in grids.iter().enumerate() {
            let [w, s, e, n] = g.edges;
            b = [b[0].min(w), b[1].min(s), b[2].max(e), b[3].max(n)];
            let cell = |v: f64| v.floor() as i32;
            for x in cell(w - EDGE_TOLERANCE_DEG)..=cell(e + EDGE_TOLERANCE_DEG) {
                for y in cell(s - EDGE_TOLERANCE_DEG)..=cell(n + EDGE_TOLERANCE_DEG) {
                    index.entry((x, y)).or_default().push(i as u32);
                }
            }
        }
        Ok(Dem {
            grids,
            index,
            bounds: Rect::new(coord! { x: b[0], y: b[1] }, coord! { x: b[2], y: b[3] }),
        })
    }

    /// The grids, in order.
    pub fn grids(&self) -> &[DemGrid] {
        &self.grids
    }

    /// The bilinear terrain height at (`lon_deg`, `lat_deg`), metres above
    /// sea level; `None` outside every grid or on nodata.
    pub fn height_m(&self, lon_deg: f64, lat_deg: f64) -> Option<f64> {
        if !(lon_deg.is_finite() && lat_deg.is_finite()) {
            return None;
        }
        let key = (lon_deg.floor() as i32, lat_deg.floor() as i32);
        self.index
            .get(&key)?
            .iter()
            .filter_map(|&i| self.grids.get(i as usize))
            .find_map(|g| g.height_m(lon_deg, lat_deg))
    }

    /// The grid that answers for every point of the box `[w, e] × [s, n]`
    /// (degrees): the first grid in order that meets the box, when it
    /// holds all of it. Over such a box [`DemGrid::height_inside_m`] gives
    /// [`Dem::height_m`] (NaN for `None`) without the lookup.
    pub fn grid_holding(&self, w: f64, s: f64, e: f64, n: f64) -> Option<&DemGrid> {
        let meets = |g: &DemGrid| {
            let [gw, gs, ge, gn] = g.edges;
            gw <= e + EDGE_TOLERANCE_DEG
                && ge >= w - EDGE_TOLERANCE_DEG
                && gs <= n + EDGE_TOLERANCE_DEG
                && gn >= s - EDGE_TOLERANCE_DEG
        };
        let g = self.grids.iter().find(|g| meets(g))?;
        let [gw, gs, ge, gn] = g.edges;
        (gw <= w && ge >= e && gs <= s && gn >= n).then_some(g)
    }

    /// The bounding box of all grids (heights may be missing inside it:
    /// between tiles, on nodata).
    pub fn bounds(&self) -> Rect<f64> {
        self.bounds
    }

    /// The finest sample spacing of the grids, (longitude, latitude)
    /// degrees.
    pub fn cell_size_deg(&self) -> (f64, f64) {
        self.grids
            .iter()
            .fold((f64::INFINITY, f64::INFINITY), |(x, y), g| {
                (x.min(g.layout.step_lon_deg), y.min(g.layout.step_lat_deg))
            })
    }
}

impl From<DemGrid> for Dem {
    fn from(grid: DemGrid) -> Self {
        // one grid: never empty
        Dem::new(vec![grid]).unwrap_or_else(|_| unreachable!())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 × 2 samples 0.5° apart from (10, 21), heights 10·col + 100·row.
    fn grid(extent: DemExtent) -> DemGrid {
        let layout = DemLayout {
            width: 3,
            height: 2,
            first_lon_deg: 10.0,
            first_lat_deg: 21.0,
            step_lon_deg: 0.5,
            step_lat_deg: 0.5,
            extent,
        };
        DemGrid::new(layout, vec![0.0, 10.0, 20.0, 100.0, 110.0, 120.0]).unwrap()
    }

    #[test]
    fn bilinear_is_exact_on_a_plane() {
        // h = 20·(lon − 10) + 200·(21 − lat)
        let g = grid(DemExtent::SampleHull);
        for (lon, lat) in [
            (10.0, 21.0),
            (10.25, 20.9),
            (10.7, 20.5),
            (11.0, 20.6),
            (10.5, 20.75),
        ] {
            let want = 20.0 * (lon - 10.0) + 200.0 * (21.0 - lat);
            let got = g.height_m(lon, lat).unwrap();
            assert!((got - want).abs() < 1e-9, "({lon}, {lat}): {got} vs {want}");
        }
        assert_eq!(g.height_m(11.01, 20.6), None);
        assert_eq!(g.height_m(10.5, 21.01), None);
        let b = g.bounds();
        assert_eq!(
            (b.min().x, b.min().y, b.max().x, b.max().y),
            (10.0, 20.5, 11.0, 21.0)
        );
    }

    #[test]
    fn cell_edges_hold_the_edge_samples() {
        let g = grid(DemExtent::CellEdges);
        let b = g.bounds();
        assert_eq!(
            (b.min().x, b.min().y, b.max().x, b.max().y),
            (9.75, 20.25, 11.25, 21.25)
        );
        // north-west corner cell: the sample itself
        assert_eq!(g.height_m(9.8, 21.2), Some(0.0));
        // east edge, between the rows: held column, interpolated rows
        assert!((g.height_m(11.2, 20.75).unwrap() - 70.0).abs() < 1e-9);
        assert_eq!(g.height_m(11.3, 20.75), None);
    }

    #[test]
    fn nodata_only_matters_with_weight() {
        let layout = *grid(DemExtent::SampleHull).layout();
        let g = DemGrid::new(layout, vec![0.0, 10.0, f32::NAN, 100.0, 110.0, 120.0]).unwrap();
        assert_eq!(g.sample(0, 2), None);
        assert_eq!(g.height_m(10.75, 20.75), None);
        assert_eq!(g.height_m(11.0, 20.6), None);
        // on the column west of the void: its weight is 0
        assert!((g.height_m(10.5, 20.75).unwrap() - 60.0).abs() < 1e-9);
    }

    #[test]
    fn first_grid_with_data_answers() {
        let a = grid(DemExtent::SampleHull);
        let layout = *a.layout();
        let b = DemGrid::new(layout, vec![1.0; 6]).unwrap();
        let holed = DemGrid::new(layout, vec![f32::NAN; 6]).unwrap();
        let dem = Dem::new(vec![holed, b, a]).unwrap();
        assert_eq!(dem.height_m(10.3, 20.8), Some(1.0));
        assert_eq!(dem.height_m(f64::NAN, 20.8), None);
        assert!(Dem::new(Vec::new()).is_err());
    }

    #[test]
    fn the_fast_path_is_the_lookup() {
        let layout = *grid(DemExtent::CellEdges).layout();
        let g = DemGrid::new(layout, vec![0.0, 10.0, f32::NAN, 100.0, 110.0, 120.5]).unwrap();
        let dem = Dem::from(g.clone());
        let inner = dem.grid_holding(9.8, 20.3, 11.2, 21.2).unwrap();
        assert!(dem.grid_holding(9.7, 20.3, 11.2, 21.2).is_none());
        for i in 0..=40 {
            for j in 0..=30 {
                let (lon, lat) = (9.8 + i as f64 * 0.035, 20.3 + j as f64 * 0.03);
                let fast = inner.height_inside_m(lon, lat);
                let want = dem.height_m(lon, lat);
                assert_eq!(want, g.height_reference_m(lon, lat));
                match want {
                    Some(h) => assert_eq!(fast.to_bits(), h.to_bits(), "({lon}, {lat})"),
                    None => assert!(fast.is_nan(), "({lon}, {lat})"),
                }
            }
        }
    }

    #[test]
    fn refusals_name_the_field() {
        let mut layout = *grid(DemExtent::SampleHull).layout();
        let e = DemGrid::new(layout, vec![0.0; 5]).unwrap_err().to_string();
        assert!(e.contains("heights_m"), "{e}");
        layout.step_lat_deg = 0.0;
        let e = DemGrid::new(layout, vec![0.0; 6]).unwrap_err().to_string();
        assert!(e.contains("step_lat_deg"), "{e}");
        layout.step_lat_deg = 0.5;
        layout.first_lon_deg = 179.5;
        let e = DemGrid::new(layout, vec![0.0; 6]).unwrap_err().to_string();
        assert!(e.contains("first_lon_deg"), "{e}");
        layout.first_lon_deg = 10.0;
        layout.width = 1;
        let e = DemGrid::new(layout, vec![0.0; 2]).unwrap_err().to_string();
        assert!(e.contains("width"), "{e}");
    }
}
