//! Population rasters: `population.tif` (GeoTIFF, WGS 84 lon/lat, as
//! WorldPop publishes) turned into demand points, reconciled with the
//! census.
//!
//! # Reading
//!
//! [`read_population_raster`] reads the first image of a GeoTIFF with the
//! pure-Rust `tiff` crate (the GeoTIFF reader `terrain.tif` shares): one
//! band of any integer or floating-point sample type, any compression the
//! crate decodes (deflate, LZW, PackBits, …).
//! The georeference comes from the `ModelPixelScale` + `ModelTiepoint` tags
//! (or a `ModelTransformation` without rotation); `GTRasterTypeGeoKey`
//! `PixelIsPoint` is honoured. Nodata cells are the `GDAL_NODATA` value
//! (tag 42113), NaN, and any negative value (WorldPop's fill is −99999).
//!
//! Refused, with an error naming the file and the tag: rotated or sheared
//! rasters, rasters that are not georeferenced, projected CRSs (reproject to
//! EPSG:4326 first), geographic CRSs other than WGS 84, several bands, cells
//! outside [-180, 180] × [-90, 90], and rasters of more than
//! [`MAX_RASTER_CELLS`] cells (refused from the header, before any pixel is
//! read).
//!
//! # From cells to demand points
//!
//! [`raster_population`] spreads each non-empty cell's people over an `n × n` grid
//! of sub-points at the centres of the cell's sub-cells, each carrying
//! `1/n²` of the cell. Each sub-point belongs to the first commune in input
//! order that contains it (boundary included), the rule the engine applies
//! to points; so a cell crossing a commune boundary is split between the
//! communes by the share of its sub-points inside each (the area share, to
//! within the sub-sampling). `n` defaults to the smallest that makes
//! sub-cells at most [`DEFAULT_SUBCELL_M`] wide.
//!
//! Sub-points in no commune are not part of the scenario (a raster is
//! usually a crop around it); their total is reported as
//! [`RasterPopulation::outside_population`].
//!
//! # Census reconciliation (dasymetric)
//!
//! A commune that carries `population` keeps its census figure: the raster
//! people inside it are rescaled by `population / raster total`, so the
//! spatial pattern inside the commune is the raster's (ratios between cells
//! are kept) and the commune's points add up to its census figure. Its
//! `households` are spread the same way (in proportion to the raster
//! people). A commune with census figures but no raster people inside (a
//! ward smaller than a sub-cell, or only nodata) gets them on one interior
//! point, with a warning. A commune without `population` keeps the raster's
//! people; without `households` its points carry none (with a warning).
//! Both the raster's and the reconciled totals are in
//! [`RasterPopulation::communes`], and communes whose raster total differs
//! from the census by more than [`RECONCILE_WARN_FRACTION`] are named in
//! warnings.

use std::path::{Path, PathBuf};

use geo::{Contains, InteriorPoint, Intersects, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use super::geotiff::{file_name, GeoTiff};
use crate::error::Location;
use crate::model::{Commune, FeatureId, PopulationPoint};
use crate::{Error, Result};

/// The largest raster accepted, in cells (width × height): 25 million, about
/// 5,000 × 5,000 (a province at WorldPop's 100 m). Crop larger rasters to
/// the scenario first.
pub const MAX_RASTER_CELLS: u64 = 25_000_000;

/// The largest number of demand points [`raster_population`] makes
/// (sub-points inside communes); a smaller sub-sampling is needed beyond.
pub const MAX_RASTER_POINTS: u64 = 20_000_000;

/// Default width of a sub-cell, metres: cells are sub-sampled on an `n × n`
/// grid with the smallest `n` that makes sub-cells at most this wide (1 for
/// WorldPop's 100 m rasters, 10 for its 1 km ones).
pub const DEFAULT_SUBCELL_M: f64 = 100.0;

/// Relative difference between a commune's raster total and its census
/// figure beyond which a warning names it (10 %).
pub const RECONCILE_WARN_FRACTION: f64 = 0.10;

/// A single-band raster on a regular lon/lat grid, north up.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationRaster {
    /// The file it was read from (for messages).
    pub path: PathBuf,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Longitude of the west edge of the first column, degrees.
    pub west_lon_deg: f64,
    /// Latitude of the north edge of the first row, degrees.
    pub north_lat_deg: f64,
    /// Cell width, degrees of longitude (> 0).
    pub cell_width_deg: f64,
    /// Cell height, degrees of latitude (> 0; rows run southward).
    pub cell_height_deg: f64,
    /// People per cell, row-major from the north-west corner; `None` for
    /// nodata.
    pub values: Vec<Option<f64>>,
}

impl PopulationRaster {
    /// The value of cell (`row`, `col`), `None` for nodata or outside.
    pub fn value(&self, row: usize, col: usize) -> Option<f64> {
        if col >= self.width {
            return None;
        }
        self.values
            .get(row.checked_mul(self.width)?.checked_add(col)?)
            .copied()
            .flatten()
    }

    /// Centre of cell (`row`, `col`), WGS 84 degrees.
    pub fn cell_centre(&self, row: usize, col: usize) -> Point<f64> {
        Point::new(
            self.west_lon_deg + (col as f64 + 0.5) * self.cell_width_deg,
            self.north_lat_deg - (row as f64 + 0.5) * self.cell_height_deg,
        )
    }

    /// Sum of the valid cells, people.
    pub fn total_population(&self) -> f64 {
        self.values.iter().flatten().sum()
    }
}

/// Options of [`raster_population`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RasterOptions {
    /// Sub-points per cell side (`n`, so `n²` per cell); `None` = the
    /// smallest `n` making sub-cells at most [`DEFAULT_SUBCELL_M`] wide,
    /// at most 32, and lowered when the raster's non-empty cells × `n²`
    /// would pass 4 × [`MAX_RASTER_POINTS`].
    pub subsamples_per_side: Option<u32>,
}

/// One commune's raster and reconciled figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterCommuneTotals {
    /// The commune's id.
    pub id: FeatureId,
    /// People of the raster inside the commune (before reconciliation).
    pub raster_population: f64,
    /// The commune's census figure, when it has one.
    pub census_population: Option<f64>,
    /// People on the commune's demand points (the census figure when there
    /// is one, else the raster's).
    pub reconciled_population: f64,
    /// Households on the commune's demand points.
    pub reconciled_households: f64,
    /// Demand points of the commune.
    pub points: usize,
}

impl RasterCommuneTotals {
    /// Raster over census (`None` without a census figure or with a zero
    /// one).
    pub fn raster_to_census_ratio(&self) -> Option<f64> {
        self.census_population
            .filter(|c| *c > 0.0)
            .map(|c| self.raster_population / c)
    }
}

/// Demand points made from a raster, with the reconciliation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterPopulation {
    /// The demand points (points mode of the contract), in raster order, then
    /// the interior points of communes the raster left empty.
    pub points: Vec<PopulationPoint>,
    /// Per commune, in input order.
    pub communes: Vec<RasterCommuneTotals>,
    /// Sum of the raster's valid cells, people.
    pub raster_total: f64,
    /// Raster people on sub-points in no commune (not in the scenario).
    pub outside_population: f64,
    /// The `n` used: `n × n` sub-points per cell.
    pub subsamples_per_side: u32,
    /// Warnings (communes far from their census, communes without raster
    /// people or households).
    pub warnings: Vec<String>,
}

/// Reads a GeoTIFF population raster (see the [module docs](self)).
///
/// ```no_run
/// let raster = telecov::io::read_population_raster("population.tif")?;
/// println!("{} × {} cells, {:.0} people", raster.width, raster.height, raster.total_population());
/// # Ok::<(), telecov::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened, [`Error::TooLarge`] beyond
/// [`MAX_RASTER_CELLS`], [`Error::Invalid`] naming the file and the tag for
/// anything unreadable or unsupported.
pub fn read_population_raster(path: impl AsRef<Path>) -> Result<PopulationRaster> {
    let path = path.as_ref();
    let tif = GeoTiff::open(path, MAX_RASTER_CELLS, "people per cell")?;
    let (width, height) = (tif.width as usize, tif.height as usize);
    let (west, north) = (tif.west_lon_deg, tif.north_lat_deg);
    let (sx, sy) = (tif.cell_width_deg, tif.cell_height_deg);
    let (samples, nodata) = tif.read_image()?;
    let values = samples.map(|v| (v.is_finite() && v >= 0.0 && !nodata.is_nodata(v)).then_some(v));
    Ok(PopulationRaster {
        path: path.to_path_buf(),
        width,
        height,
        west_lon_deg: west,
        north_lat_deg: north,
        cell_width_deg: sx,
        cell_height_deg: sy,
        values,
    })
}

/// Metres per degree of latitude (mean), for the sub-cell size only.
const M_PER_DEG: f64 = 111_320.0;

/// Demand points from a raster over `communes`, reconciled with the
/// communes' census figures (see the [module docs](self): sub-sampling,
/// assignment, dasymetric rescaling).
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use telecov::io::{raster_population, PopulationRaster, RasterOptions};
/// use telecov::model::{Commune, FeatureId};
///
/// // 2 × 1 cells of 0.01°: 100 and 300 people
/// let raster = PopulationRaster {
///     path: "population.tif".into(), width: 2, height: 1,
///     west_lon_deg: 105.0, north_lat_deg: 10.01, cell_width_deg: 0.01, cell_height_deg: 0.01,
///     values: vec![Some(100.0), Some(300.0)],
/// };
/// // one commune over both cells, census 2,000 people and 500 households
/// let commune = Commune {
///     id: FeatureId::Int(1), name: None, district: None, kind: None,
///     population: Some(2000.0), households: Some(500.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 105.0, y: 10.0), (x: 105.02, y: 10.0), (x: 105.02, y: 10.01), (x: 105.0, y: 10.01),
///     ]])),
/// };
/// let opts = RasterOptions { subsamples_per_side: Some(2) };
/// let out = raster_population(&raster, &[commune], &opts)?;
/// assert_eq!(out.communes[0].raster_population, 400.0);
/// let people: f64 = out.points.iter().map(|p| p.population).sum();
/// assert!((people - 2000.0).abs() < 1e-9);
/// // the east cell keeps three times the people of the west one
/// assert!((out.points[4].population / out.points[0].population - 3.0).abs() < 1e-12);
/// # Ok::<(), telecov::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Parameter`] for `subsamples_per_side` of 0 or above 64,
/// [`Error::TooLarge`] when the points would exceed [`MAX_RASTER_POINTS`].
pub fn raster_population(
    raster: &PopulationRaster,
    communes: &[Commune],
    options: &RasterOptions,
) -> Result<RasterPopulation> {
    let n = match options.subsamples_per_side {
        Some(n) if n == 0 || n > 64 => {
            return Err(Error::Parameter {
                name: "subsamples_per_side",
                reason: format!("must lie in 1..=64, got {n}"),
            })
        }
        Some(n) => n,
        None => {
            let mid_lat =
                raster.north_lat_deg - raster.cell_height_deg * raster.height as f64 / 2.0;
            let w_m = raster.cell_width_deg * M_PER_DEG * mid_lat.to_radians().cos();
            let h_m = raster.cell_height_deg * M_PER_DEG;
            let side = w_m.max(h_m) / DEFAULT_SUBCELL_M;
            (side.ceil() as u32).clamp(1, 32)
        }
    };
    let valid = raster.values.iter().flatten().filter(|v| **v > 0.0).count() as u64;
    // the automatic choice never asks for more sub-points than the limit
    let n = if options.subsamples_per_side.is_none() && valid > 0 {
        let fit = ((MAX_RASTER_POINTS * 4 / valid) as f64).sqrt().floor() as u32;
        n.min(fit.max(1))
    } else {
        n
    };
    let total_sub = valid * u64::from(n) * u64::from(n);
    if total_sub > MAX_RASTER_POINTS * 4 {
        return Err(Error::TooLarge(format!(
            "{}: {valid} valid cells × {n}² sub-points = {total_sub}; use fewer sub-points per side or crop the raster",
            file_name(&raster.path)
        )));
    }
    let name = file_name(&raster.path);

    // commune lookup: bounding boxes in an R-tree, first in input order wins
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = communes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            use geo::BoundingRect;
            let r = c.geometry.as_ref()?.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    let locate = |p: Point<f64>| -> Option<usize> {
        let mut best: Option<usize> = None;
        for b in tree.locate_all_at_point(&[p.x(), p.y()]) {
            let i = b.data;
            if best.is_some_and(|j| j < i) {
                continue;
            }
            let inside = communes
                .get(i)
                .and_then(|c| c.geometry.as_ref())
                .is_some_and(|g| g.intersects(&p));
            if inside {
                best = Some(i);
            }
        }
        best
    };

    // sub-points with their commune and raster people
    let share = 1.0 / f64::from(n * n);
    let rows: Vec<Vec<(Point<f64>, usize, f64)>> = {
        use rayon::prelude::*;
        (0..raster.height)
            .into_par_iter()
            .map(|row| {
                let mut out = Vec::new();
                for col in 0..raster.width {
                    // empty cells (water, fields) add nothing but points
                    let Some(v) = raster.value(row, col).filter(|v| *v > 0.0) else {
                        continue;
                    };
                    for b in 0..n {
                        for a in 0..n {
                            let p = Point::new(
                                raster.west_lon_deg
                                    + (col as f64 + (f64::from(a) + 0.5) / f64::from(n))
                                        * raster.cell_width_deg,
                                raster.north_lat_deg
                                    - (row as f64 + (f64::from(b) + 0.5) / f64::from(n))
                                        * raster.cell_height_deg,
                            );
                            if let Some(i) = locate(p) {
                                out.push((p, i, v * share));
                            }
                        }
                    }
                }
                out
            })
            .collect()
    };
    let kept: usize = rows.iter().map(Vec::len).sum();
    if kept as u64 > MAX_RASTER_POINTS {
        return Err(Error::TooLarge(format!(
            "{name}: {kept} demand points inside communes, more than {MAX_RASTER_POINTS}; use fewer sub-points per side"
        )));
    }
    let mut raster_in = vec![0.0; communes.len()];
    let mut counts = vec![0usize; communes.len()];
    for &(_, i, v) in rows.iter().flatten() {
        if let (Some(s), Some(c)) = (raster_in.get_mut(i), counts.get_mut(i)) {
            *s += v;
            *c += 1;
        }
    }
    let raster_total = raster.total_population();
    let outside_population = (raster_total - raster_in.iter().sum::<f64>()).max(0.0);

    // per commune: factors for people and households per raster person
    let mut warnings = Vec::new();
    let mut factors = vec![(1.0, 0.0); communes.len()];
    let mut extra_points = Vec::new();
    let mut totals = Vec::with_capacity(communes.len());
    for (i, c) in communes.iter().enumerate() {
        let r = raster_in.get(i).copied().unwrap_or(0.0);
        let label = format!("{name}: commune {} (id {:?})", i, c.id.to_string());
        let mut points = counts.get(i).copied().unwrap_or(0);
        let (people, households);
        if r > 0.0 {
            let fp = c.population.map_or(1.0, |p| p / r);
            let fh = match (c.households, c.population) {
                (Some(h), _) => h / r,
                (None, _) => 0.0,
            };
            if let Some(f) = factors.get_mut(i) {
                *f = (fp, fh);
            }
            people = c.population.unwrap_or(r);
            households = c.households.unwrap_or(0.0);
            if let Some(p) = c.population {
                let diff = if p > 0.0 { (r - p) / p } else { f64::INFINITY };
                if diff.abs() > RECONCILE_WARN_FRACTION {
                    warnings.push(format!(
                        "{label}: raster total {r:.0} differs from the census population {p:.0} by {:+.1} %; rescaled to the census",
                        diff * 100.0
                    ));
                }
            }
            if c.households.is_none() {
                warnings.push(format!(
                    "{label}: no households figure; its {points} raster points carry no households"
                ));
            }
        } else {
            people = c.population.unwrap_or(0.0);
            households = c.households.unwrap_or(0.0);
            if people > 0.0 || households > 0.0 {
                let location = c.geometry.as_ref().and_then(|g| {
                    g.interior_point()
                        .filter(|p| g.contains(p) || g.intersects(p))
                });
                warnings.push(format!(
                    "{label}: no raster people inside; its census {people:.0} people and {households:.0} households are put on {}",
                    if location.is_some() { "one interior point" } else { "no point (unassigned: the commune has no geometry)" }
                ));
                extra_points.push(PopulationPoint {
                    location,
                    population: people,
                    households,
                });
                points = 1;
            }
        }
        totals.push(RasterCommuneTotals {
            id: c.id.clone(),
            raster_population: r,
            census_population: c.population,
            reconciled_population: people,
            reconciled_households: households,
            points,
        });
    }
    let mut points = Vec::with_capacity(kept + extra_points.len());
    for (p, i, v) in rows.into_iter().flatten() {
        let (fp, fh) = factors.get(i).copied().unwrap_or((1.0, 0.0));
        points.push(PopulationPoint {
            location: Some(p),
            population: v * fp,
            households: v * fh,
        });
    }
    points.extend(extra_points);
    if outside_population > 0.0 {
        warnings.push(format!(
            "{name}: {outside_population:.0} of the raster's {raster_total:.0} people lie in no commune and are left out"
        ));
    }
    Ok(RasterPopulation {
        points,
        communes: totals,
        raster_total,
        outside_population,
        subsamples_per_side: n,
        warnings,
    })
}

/// File name of the raster in a scenario directory.
pub(crate) const POPULATION_TIF: &str = "population.tif";

/// Whether `dir` holds `population.tif`; refuses a directory holding both
/// it and `population.geojson` (which would be two populations).
pub(crate) fn scenario_has_raster(dir: &Path, geojson_present: bool) -> Result<bool> {
    let present = std::fs::metadata(dir.join(POPULATION_TIF)).is_ok();
    if present && geojson_present {
        return Err(Error::invalid(
            Location::file(dir.join(POPULATION_TIF)),
            "both population.geojson and population.tif are present: keep one (they would be two populations)",
        ));
    }
    Ok(present)
}

/// The demand points of the scenario's `population.tif`, reconciled with
/// the communes (default [`RasterOptions`]); warnings are appended.
pub(crate) fn scenario_raster_points(
    dir: &Path,
    communes: &[Commune],
    warnings: &mut Vec<String>,
) -> Result<Vec<PopulationPoint>> {
    let raster = read_population_raster(dir.join(POPULATION_TIF))?;
    let out = raster_population(&raster, communes, &RasterOptions::default())?;
    warnings.extend(out.warnings);
    Ok(out.points)
}
