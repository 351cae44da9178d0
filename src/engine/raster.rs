//! The signal-level mode on a regular WGS 84 longitude/latitude grid: the
//! best-server level, the SINR and the serving site of one technology
//! layer per pixel, as plain data for a GeoTIFF writer
//! (`io::write::write_signal_rasters`).
//!
//! # The grid
//!
//! North up, rows from north to south, columns from west to east. Its
//! top-left corner is the north-west corner of the communes' bounding box;
//! it has as many columns and rows as it takes to cover the box (the last
//! column and row may reach a little beyond).
//!
//! Pixels are square on the ground at the scenario's *mean latitude* φm,
//! the middle of the communes' bounding box in latitude: `resolution_m`
//! metres along the meridian and along the parallel there,
//!
//! ```text
//! pixel height = resolution_m / M(φm)            (radians of latitude)
//! pixel width  = resolution_m / (N(φm) · cos φm)  (radians of longitude)
//! ```
//!
//! with M and N the WGS 84 radii of curvature in the meridian and the prime
//! vertical ([`pixel_size_deg`]). North–south the pixel is `resolution_m`
//! everywhere to within the change of M (under 0.1 % over 5° of latitude);
//! east–west it narrows as cos φ / cos φm away from φm (0.3 % at 0.2° from
//! φm at 10° N, 1.5 % at 1°).
//!
//! # Pixels
//!
//! A pixel belongs to the first commune, in input order, that holds its
//! centre (the scanline rule of [`super::demand::grid_rows`] on the grid's
//! lattice: a centre exactly on an edge shared by two communes goes to one
//! of them). A pixel of no commune is *nodata*. A commune too small to hold
//! any pixel centre has no pixel.
//!
//! A pixel's values are those the signal mode gives a demand point at its
//! centre (the receive path of [`super::signal::evaluate_signal`], in the
//! transverse Mercator frame of its commune's strip): the best-server
//! level in dBm, the serving site (ties: the first in input order), and,
//! when the layer is [`SignalOptions::sinr_technology`], the SINR in dB.
//! Levels are stored as `f32` (steps of at most 1e-5 dB at −100 dBm).
//!
//! Across the antimeridian the grid is built on continuous longitudes (as
//! the engine unwraps them) and its west edge is given in [−180, 180): the
//! east edge may lie beyond 180°.
//!
//! # Limits
//!
//! The number of pixels (width × height) is checked against
//! [`SignalOptions::max_demand_points`] before the indexes are built or any
//! pixel is allocated; a finer grid is refused with the resolution that
//! would fit. A raster takes 8 bytes a pixel, 12 with SINR.
//!
//! ```
//! use telecov::engine::raster::signal_raster;
//! use telecov::engine::signal::SignalOptions;
//! use telecov::model::Technology;
//! use telecov::synth::{generate, CityConfig};
//!
//! let scenario = generate(&CityConfig { area_km2: 60.0, sites: 20, five_g_sites: 2, ..CityConfig::can_tho() });
//! let raster = signal_raster(&scenario, &SignalOptions::default(), Technology::G4, 250.0).unwrap();
//! assert_eq!(raster.level_dbm.len(), raster.width * raster.height);
//! // pixels are 250 m on the ground at the mean latitude: about 0.00225° of latitude
//! assert!((raster.transform.pixel_height_deg - 0.002262).abs() < 1e-5);
//! let inside = (0..raster.height)
//!     .flat_map(|r| (0..raster.width).map(move |c| (r, c)))
//!     .filter(|&(r, c)| raster.pixel(r, c).is_some())
//!     .count();
//! assert!(inside > 0 && inside <= raster.width * raster.height);
//! ```

use geo::{BoundingRect, Coord, MapCoords, Rect};
use rayon::prelude::*;

use super::demand::{grid_rows, refuse_oversized_grid};
use super::rect_union;
use super::signal::{SignalIndex, SignalOptions, POINTS_PER_QUERY};
use crate::geodesy::{WGS84_A, WGS84_E2};
use crate::model::{Scenario, Technology};
use crate::{Error, Result};

/// [`SignalRaster::site`] of a pixel outside every commune (nodata).
pub const OUTSIDE: u32 = u32::MAX;

/// [`SignalRaster::site`] of a pixel inside a commune that no site layer of
/// the technology reaches.
pub const NO_SERVER: u32 = u32::MAX - 1;

/// Where a north-up WGS 84 raster lies: its top-left corner and pixel size,
/// degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoTransform {
    /// Longitude of the west edge of the first column.
    pub west_lon_deg: f64,
    /// Latitude of the north edge of the first row.
    pub north_lat_deg: f64,
    /// Pixel width, degrees of longitude (> 0).
    pub pixel_width_deg: f64,
    /// Pixel height, degrees of latitude (> 0; rows run southward).
    pub pixel_height_deg: f64,
}

impl GeoTransform {
    /// Centre of pixel (`row`, `col`) as (longitude, latitude), degrees
    /// (longitude possibly beyond 180° on a grid crossing the antimeridian).
    pub fn pixel_centre(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.west_lon_deg + (col as f64 + 0.5) * self.pixel_width_deg,
            self.north_lat_deg - (row as f64 + 0.5) * self.pixel_height_deg,
        )
    }

    /// The six coefficients of GDAL's geotransform: west edge, pixel width,
    /// 0, north edge, 0, −pixel height.
    pub fn gdal(&self) -> [f64; 6] {
        [
            self.west_lon_deg,
            self.pixel_width_deg,
            0.0,
            self.north_lat_deg,
            0.0,
            -self.pixel_height_deg,
        ]
    }
}

/// Values of one pixel inside a commune.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RasterPixel {
    /// Index of the serving site in the scenario (`None`: no site in reach).
    pub site: Option<usize>,
    /// Best-server level, dBm (`None`: no site in reach).
    pub level_dbm: Option<f32>,
    /// SINR of the best server, dB (SINR layer with a server only).
    pub sinr_db: Option<f32>,
}

/// The signal mode of one technology layer on a WGS 84 grid (see the
/// module docs). Pixel `(row, col)` is at index `row · width + col` of each
/// layer.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRaster {
    /// The technology layer.
    pub technology: Technology,
    /// The requested ground size of a pixel at the mean latitude, metres.
    pub resolution_m: f64,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Top-left corner and pixel size.
    pub transform: GeoTransform,
    /// The technology's design level, dBm: a pixel is covered when its level
    /// reaches it.
    pub design_level_dbm: f64,
    /// Best-server level, dBm; NaN outside every commune and where no site
    /// is in reach.
    pub level_dbm: Vec<f32>,
    /// SINR of the best server, dB, when the layer is
    /// [`SignalOptions::sinr_technology`]; NaN where the level is.
    pub sinr_db: Option<Vec<f32>>,
    /// Index of the serving site in the scenario; [`NO_SERVER`] inside a
    /// commune with no site in reach, [`OUTSIDE`] outside every commune.
    pub site: Vec<u32>,
}

impl SignalRaster {
    /// The pixel (`row`, `col`) holding (`lon`, `lat`), degrees (west and
    /// north edges included); `None` off the grid.
    pub fn pixel_at(&self, lon: f64, lat: f64) -> Option<(usize, usize)> {
        let g = &self.transform;
        let x = (lon - g.west_lon_deg).rem_euclid(360.0) / g.pixel_width_deg;
        let y = (g.north_lat_deg - lat) / g.pixel_height_deg;
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        let (col, row) = (x.floor() as usize, y.floor() as usize);
        (col < self.width && row < self.height).then_some((row, col))
    }

    /// The values of pixel (`row`, `col`); `None` outside every commune (or
    /// off the grid).
    pub fn pixel(&self, row: usize, col: usize) -> Option<RasterPixel> {
        if col >= self.width || row >= self.height {
            return None;
        }
        let k = row * self.width + col;
        let site = self.site[k];
        if site == OUTSIDE {
            return None;
        }
        let finite = |v: f32| (!v.is_nan()).then_some(v);
        Some(RasterPixel {
            site: (site != NO_SERVER).then_some(site as usize),
            level_dbm: finite(self.level_dbm[k]),
            sinr_db: self.sinr_db.as_ref().and_then(|s| finite(s[k])),
        })
    }
}

/// Width and height, degrees of longitude and latitude, of a pixel
/// `resolution_m` metres square on the WGS 84 ellipsoid at latitude
/// `lat_deg` (the width is capped at 360°, reached only at a pole).
///
/// ```
/// use telecov::engine::raster::pixel_size_deg;
/// let (w, h) = pixel_size_deg(100.0, 0.0);
/// // 1° of longitude is 111.32 km on the equator, 1° of latitude 110.57 km
/// assert!((w - 100.0 / 111_319.49).abs() < 1e-9);
/// assert!((h - 100.0 / 110_574.28).abs() < 1e-9);
/// ```
pub fn pixel_size_deg(resolution_m: f64, lat_deg: f64) -> (f64, f64) {
    let (n, m, cos) = radii(lat_deg);
    (
        (resolution_m / (n * cos)).to_degrees().min(360.0),
        (resolution_m / m).to_degrees(),
    )
}

/// Radius of curvature in the prime vertical N, in the meridian M, and
/// cos φ (never negative).
fn radii(lat_deg: f64) -> (f64, f64, f64) {
    let (sin, cos) = lat_deg.to_radians().sin_cos();
    let w2 = 1.0 - WGS84_E2 * sin * sin;
    let n = WGS84_A / w2.sqrt();
    let m = WGS84_A * (1.0 - WGS84_E2) / (w2 * w2.sqrt());
    (n, m, cos.max(0.0))
}

/// The best-server level, serving site and (for the SINR layer) SINR of
/// layer `technology` on a WGS 84 grid of `resolution_m` pixels over the
/// communes' bounding box (see the module docs).
///
/// Refuses, before any work, a `resolution_m` that is not a positive
/// finite number, a scenario that does not validate, options out of range,
/// and a grid of more than [`SignalOptions::max_demand_points`] pixels
/// ([`Error::TooLarge`], naming the resolution that would fit): the pixels
/// are counted before the indexes are built or any pixel is allocated.
/// Results do not depend on the number of threads.
pub fn signal_raster(
    scenario: &Scenario,
    options: &SignalOptions,
    technology: Technology,
    resolution_m: f64,
) -> Result<SignalRaster> {
    if !(resolution_m.is_finite() && resolution_m > 0.0) {
        return Err(Error::Parameter {
            name: "resolution_m",
            reason: format!("must be a finite number > 0, got {resolution_m}"),
        });
    }
    scenario.validate()?;
    let unwrapped = super::antimeridian::unwrapped(scenario);
    let scenario = unwrapped.as_ref().unwrap_or(scenario);
    if scenario.communes.len() >= NO_SERVER as usize || scenario.sites.len() >= NO_SERVER as usize {
        return Err(Error::TooLarge(format!(
            "a signal raster indexes communes and sites with 32-bit numbers: {} communes and {} sites are too many",
            scenario.communes.len(),
            scenario.sites.len()
        )));
    }
    let bbox = scenario
        .communes
        .iter()
        .filter_map(|c| c.geometry.as_ref()?.bounding_rect())
        .reduce(rect_union)
        .ok_or_else(|| Error::Parameter {
            name: "communes",
            reason: "no commune has a geometry: a signal raster has nothing to cover".into(),
        })?;
    let (width, height, transform) = grid_of(bbox, resolution_m, options.max_demand_points)?;

    let index = SignalIndex::new(scenario, options)?;
    let t = technology.index();
    let with_sinr = options.sinr_technology == Some(technology);
    let n = width * height;
    // the commune of each pixel first, then its serving site
    let mut site = owners(scenario, &transform, width, height);
    let mut level_dbm = vec![f32::NAN; n];
    let mut sinr_db = with_sinr.then(|| vec![f32::NAN; n]);

    let row = |j: usize, site: &mut [u32], level: &mut [f32], mut sinr: Option<&mut [f32]>| {
        let (_, lat) = transform.pixel_centre(j, 0);
        let mut near = Vec::new();
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(POINTS_PER_QUERY);
        let mut cols: Vec<usize> = Vec::with_capacity(POINTS_PER_QUERY);
        let mut i = 0;
        while i < width {
            // a run of up to POINTS_PER_QUERY pixels of one strip
            let Some(strip) = strip_of(&index, site[i]) else {
                if site[i] != OUTSIDE {
                    site[i] = NO_SERVER;
                }
                i += 1;
                continue;
            };
            let frame = index.prepared.indexes[strip].frame;
            points.clear();
            cols.clear();
            while i < width && cols.len() < POINTS_PER_QUERY {
                if site[i] != OUTSIDE {
                    if strip_of(&index, site[i]) != Some(strip) {
                        break;
                    }
                    let (lon, _) = transform.pixel_centre(j, i);
                    points.push(frame.forward(lon, lat));
                    cols.push(i);
                }
                i += 1;
            }
            index.candidates(strip, t, &points, &mut near);
            for (&p, &col) in points.iter().zip(&cols) {
                let r = index.receive_from(&near, t, p);
                match r.best {
                    Some((l, s)) => {
                        site[col] = s as u32;
                        level[col] = l as f32;
                        if let (Some(sinr), Some(v)) = (sinr.as_deref_mut(), r.sinr_db) {
                            sinr[col] = v as f32;
                        }
                    }
                    None => site[col] = NO_SERVER,
                }
            }
        }
    };
    let rows = site
        .par_chunks_mut(width)
        .zip(level_dbm.par_chunks_mut(width));
    match sinr_db.as_mut() {
        Some(sinr) => rows
            .zip(sinr.par_chunks_mut(width))
            .enumerate()
            .for_each(|(j, ((s, l), q))| row(j, s, l, Some(q))),
        None => rows.enumerate().for_each(|(j, (s, l))| row(j, s, l, None)),
    }

    let mut transform = transform;
    if transform.west_lon_deg >= 180.0 {
        transform.west_lon_deg -= 360.0;
    }
    Ok(SignalRaster {
        technology,
        resolution_m,
        width,
        height,
        transform,
        design_level_dbm: index.levels[t].design_dbm,
        level_dbm,
        sinr_db,
        site,
    })
}

/// The strip of the commune `owner` of a pixel (`None` outside).
fn strip_of(index: &SignalIndex<'_>, owner: u32) -> Option<usize> {
    if owner == OUTSIDE || owner == NO_SERVER {
        return None;
    }
    index.prepared.commune_strip[owner as usize]
}

/// The grid of `resolution_m` pixels over `bbox`, refused beyond `limit`
/// pixels before anything is allocated.
fn grid_of(bbox: Rect<f64>, resolution_m: f64, limit: u64) -> Result<(usize, usize, GeoTransform)> {
    let mean_lat = 0.5 * (bbox.min().y + bbox.max().y);
    let (pixel_width_deg, pixel_height_deg) = pixel_size_deg(resolution_m, mean_lat);
    // the box on the ground at the mean latitude, for the estimate (tiny
    // resolutions make it infinite, never NaN)
    let (n, m, cos) = radii(mean_lat);
    let (dlon, dlat) = (bbox.width(), bbox.height());
    let area_m2 = dlon.to_radians() * n * cos * dlat.to_radians() * m;
    const WHAT: &str = "a WGS 84 signal raster";
    const LIMIT: &str = "SignalOptions::max_demand_points";
    refuse_oversized_grid(WHAT, area_m2, resolution_m, limit, LIMIT)?;
    let width = (dlon / pixel_width_deg).ceil().max(1.0);
    let height = (dlat / pixel_height_deg).ceil().max(1.0);
    if width * height > limit as f64 || width > u32::MAX as f64 || height > u32::MAX as f64 {
        return Err(Error::TooLarge(format!(
            "{WHAT} of resolution_m = {resolution_m} needs {width} × {height} pixels, more than the limit of {limit} ({LIMIT}) or 2³² a side; use a coarser resolution_m"
        )));
    }
    Ok((
        width as usize,
        height as usize,
        GeoTransform {
            west_lon_deg: bbox.min().x,
            north_lat_deg: bbox.max().y,
            pixel_width_deg,
            pixel_height_deg,
        },
    ))
}

/// The commune of every pixel (the first in input order holding its
/// centre), [`OUTSIDE`] for none.
fn owners(scenario: &Scenario, g: &GeoTransform, width: usize, height: usize) -> Vec<u32> {
    // each commune's pixel centres, by scanline in pixel coordinates, where
    // the centre of pixel (row j, column i) is (i + ½, j + ½)
    let per_commune: Vec<Vec<super::demand::GridRow>> = scenario
        .communes
        .par_iter()
        .map(|c| {
            let Some(geometry) = c.geometry.as_ref() else {
                return Vec::new();
            };
            let in_pixels = geometry.map_coords(|p| Coord {
                x: (p.x - g.west_lon_deg) / g.pixel_width_deg,
                y: (g.north_lat_deg - p.y) / g.pixel_height_deg,
            });
            grid_rows(&in_pixels, 1.0)
        })
        .collect();
    let mut owner = vec![OUTSIDE; width * height];
    for (c, rows) in per_commune.iter().enumerate() {
        for r in rows {
            let Ok(j) = usize::try_from(r.j) else {
                continue;
            };
            if j >= height {
                continue;
            }
            let line = &mut owner[j * width..(j + 1) * width];
            for &(i0, i1) in &r.spans {
                let i0 = i0.clamp(0, width as i64) as usize;
                let i1 = i1.clamp(0, width as i64) as usize;
                for o in &mut line[i0..i1] {
                    if *o == OUTSIDE {
                        *o = c as u32;
                    }
                }
            }
        }
    }
    owner
}
