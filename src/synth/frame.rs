//! Placing copies on the globe: local planes in metres and their mapping to
//! WGS 84 degrees, one per copy of a scaled city.

use std::f64::consts::PI;

use geo::Coord;

use super::calibration::{BASE_LAT, BASE_LON, TILE_HEIGHT_M, TILE_WIDTH_M};
use super::dmath;
use super::helpers::round6;
use crate::geodesy::{WGS84_A, WGS84_E2};

/// A local plane (metres east and north of an origin) and its mapping to
/// WGS 84 degrees: latitude linear in northing, longitude scaled by the
/// parallel's radius at each latitude, which keeps areas and distances
/// within 0.1 % over a copy.
pub(super) struct Frame {
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
    pub(super) fn lonlat(&self, p: [f64; 2]) -> Coord<f64> {
        let lat = self.lat0 + p[1] / self.m_per_deg_lat;
        let lon = self.lon0 + p[0] / Self::m_per_deg_lon(lat);
        Coord {
            x: round6(lon),
            y: round6(lat),
        }
    }
}

pub(super) fn grid_columns(scale: u32) -> usize {
    let mut c = 1usize;
    while c * c < scale as usize {
        c += 1;
    }
    c
}

/// The frame of copy `tile` in a grid of `cols` columns, for copies of
/// `area_km2` each.
pub(super) fn tile_frame(tile: usize, cols: usize, area_km2: f64) -> Frame {
    let (col, row) = (tile % cols, tile / cols);
    let size = (area_km2 / 1_440.0).sqrt();
    let probe = Frame::new(BASE_LON, BASE_LAT);
    let dlat = TILE_HEIGHT_M * size / probe.m_per_deg_lat;
    let lat0 = BASE_LAT + row as f64 * dlat;
    // widest (most poleward) parallel of the row decides the spacing
    let dlon = TILE_WIDTH_M * size / Frame::m_per_deg_lon(lat0 + dlat / 2.0);
    Frame::new(BASE_LON + col as f64 * dlon, lat0)
}
