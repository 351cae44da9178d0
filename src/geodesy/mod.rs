//! The Earth: WGS 84 constants, transverse Mercator frames in 1°-wide
//! longitude strips (metres inside, WGS 84 at the boundary), scenarios
//! around the antimeridian, and commune areas on the ellipsoid.
//!
//! Every computation of telecov that turns degrees into metres goes through
//! this module; the constants of the Earth are defined here once.

pub mod antimeridian;
mod area;
pub(crate) mod inverse_lattice;
mod transverse_mercator;

pub use area::commune_area_m2;
pub use transverse_mercator::{
    metres_to_degrees_bound, Projected, Strips, TransverseMercator, MAX_STRIP_WIDTH_DEG,
};

/// WGS 84 semi-major axis, metres.
pub const WGS84_A: f64 = 6_378_137.0;
/// WGS 84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// WGS 84 first eccentricity squared, `f·(2 − f)` (NIMA TR8350.2's
/// 0.00669437999014, to the last bit of its decimal expansion).
pub const WGS84_E2: f64 = 6.694_379_990_141_316e-3;
/// Mean Earth radius (IUGG R1 = (2a + b)/3 of WGS 84), metres: the scale
/// factor corrections of the strips' frames use it.
pub const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;
