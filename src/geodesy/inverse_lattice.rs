//! The inverse of a transverse Mercator frame for many points of one
//! area: interpolated from exact inverses at the nodes of a lattice.
//!
//! The outlines of gap maps have tens of thousands of corners per layer,
//! each needing the inverse projection (strip metres to WGS 84), whose
//! series costs two `atan2`, a `sin_cos` and two `sinh_cosh`. The lattice
//! computes that inverse exactly at nodes [`SPACING_M`] apart and
//! interpolates between them with the tensor product of cubic Lagrange
//! polynomials (the 4 × 4 nodes around the point).
//!
//! Accuracy: the inverse is a smooth function of `(x, y) / R` away from
//! the poles, so the interpolation error is of the order of
//! `(SPACING_M / R)^4` radians times the fourth derivatives of latitude
//! and longitude in those units. The test
//! `lattice_agrees_with_the_exact_inverse` measures it from the equator to
//! 80°, up to 120 km either side of the central meridian (a strip is 1°
//! wide): under 1e−10 ° (3e−11 ° at worst, in longitude near 80°) and under
//! a micrometre on the ground, where the output files carry 1e−7 ° (about
//! 1 cm). A file written through the lattice is, but for a coordinate
//! within 1e−10 ° of a rounding boundary, the file the exact inverse
//! writes.
//! Near the poles, where longitude turns fast, and far from the central
//! meridian, a tile of the lattice is not built and its points take the
//! exact inverse.
//!
//! The nodes are built lazily, one tile of [`TILE_CELLS`]² lattice cells
//! at a time, on first use; tiles are shared between threads.

use std::sync::OnceLock;

use geo::Rect;

use super::TransverseMercator;

/// Distance between neighbouring nodes, metres.
pub(crate) const SPACING_M: f64 = 2_000.0;
/// Lattice cells per tile side.
pub(crate) const TILE_CELLS: usize = 8;
/// Nodes per tile side: one before its first cell, two after its last
/// (the cubic stencil of every point inside the tile).
const NODES: usize = TILE_CELLS + 3;
/// A tile holding a node beyond this latitude is not built: its points
/// take the exact inverse.
const MAX_LAT_DEG: f64 = 80.0;
/// A tile holding a node further than this in longitude from the central
/// meridian is not built.
const MAX_DLON_DEG: f64 = 60.0;
/// Beyond this many tiles over the extent, no lattice (every point exact).
const MAX_TILES: usize = 1 << 22;

/// Exact inverses at the nodes of one tile, `[lon, lat]` row by row, with
/// longitudes continuous around the frame's central meridian.
type Tile = Option<Box<[[f64; 2]; NODES * NODES]>>;

/// Inverse projection of one frame over one extent (strip metres), exact
/// at the lattice's nodes and interpolated between them; see the module
/// docs for its accuracy.
pub(crate) struct InverseLattice {
    frame: TransverseMercator,
    /// Strip metres of the lattice's node (0, 0).
    origin: [f64; 2],
    tiles_x: usize,
    tiles_y: usize,
    tiles: Vec<OnceLock<Tile>>,
}

impl InverseLattice {
    /// The lattice of `frame` over `extent` (strip metres); points outside
    /// it take the exact inverse.
    pub(crate) fn new(frame: TransverseMercator, extent: Option<Rect<f64>>) -> Self {
        let tile_m = SPACING_M * TILE_CELLS as f64;
        let (origin, tiles_x, tiles_y) = match extent {
            Some(e) if e.min().x.is_finite() && e.max().x.is_finite() => {
                let origin = [
                    (e.min().x / SPACING_M).floor() * SPACING_M,
                    (e.min().y / SPACING_M).floor() * SPACING_M,
                ];
                let count = |min: f64, max: f64| ((max - min) / tile_m).floor() + 1.0;
                let (nx, ny) = (count(origin[0], e.max().x), count(origin[1], e.max().y));
                if nx * ny <= MAX_TILES as f64 {
                    (origin, nx as usize, ny as usize)
                } else {
                    ([0.0, 0.0], 0, 0)
                }
            }
            _ => ([0.0, 0.0], 0, 0),
        };
        InverseLattice {
            frame,
            origin,
            tiles_x,
            tiles_y,
            tiles: (0..tiles_x * tiles_y).map(|_| OnceLock::new()).collect(),
        }
    }

    /// WGS 84 `(lon, lat)` of strip metres `xy`, the longitude kept within
    /// 180° of the central meridian (as [`inverse_near`] keeps it).
    pub(crate) fn inverse(&self, xy: [f64; 2]) -> (f64, f64) {
        let u = (xy[0] - self.origin[0]) / SPACING_M;
        let v = (xy[1] - self.origin[1]) / SPACING_M;
        let (i, j) = (u.floor(), v.floor());
        let (tx, ty) = (
            (i / TILE_CELLS as f64).floor(),
            (j / TILE_CELLS as f64).floor(),
        );
        if !(tx >= 0.0 && ty >= 0.0 && tx < self.tiles_x as f64 && ty < self.tiles_y as f64) {
            return self.exact(xy);
        }
        let (tx, ty) = (tx as usize, ty as usize);
        let tile = self.tiles[ty * self.tiles_x + tx].get_or_init(|| self.build(tx, ty));
        let Some(nodes) = tile else {
            return self.exact(xy);
        };
        // the cell within the tile; its stencil starts one node before it
        let ci = i as usize - tx * TILE_CELLS;
        let cj = j as usize - ty * TILE_CELLS;
        let (wx, wy) = (weights(u - i), weights(v - j));
        // the 4 × 4 stencil, rows NODES apart (one bounds check for all)
        let stencil = &nodes[cj * NODES + ci..][..3 * NODES + 4];
        let (mut lon, mut lat) = (0.0, 0.0);
        for (b, wy) in wy.iter().enumerate() {
            let row = &stencil[b * NODES..b * NODES + 4];
            let (mut rl, mut rp) = (0.0, 0.0);
            for (n, wx) in row.iter().zip(wx) {
                rl += wx * n[0];
                rp += wx * n[1];
            }
            lon += wy * rl;
            lat += wy * rp;
        }
        (lon, lat)
    }

    /// The exact inverse, longitude continuous around the central meridian.
    fn exact(&self, xy: [f64; 2]) -> (f64, f64) {
        inverse_near(&self.frame, xy)
    }

    /// The nodes of tile `(tx, ty)`, or `None` where interpolation is not
    /// to be trusted (near a pole, far from the central meridian).
    fn build(&self, tx: usize, ty: usize) -> Tile {
        let cm = self.frame.central_meridian_deg();
        let mut nodes = Box::new([[0.0; 2]; NODES * NODES]);
        for b in 0..NODES {
            let y = self.origin[1] + ((ty * TILE_CELLS + b) as f64 - 1.0) * SPACING_M;
            for a in 0..NODES {
                let x = self.origin[0] + ((tx * TILE_CELLS + a) as f64 - 1.0) * SPACING_M;
                let (lon, lat) = self.exact([x, y]);
                if !(lat.abs() <= MAX_LAT_DEG && (lon - cm).abs() <= MAX_DLON_DEG) {
                    return None;
                }
                nodes[b * NODES + a] = [lon, lat];
            }
        }
        Some(nodes)
    }
}

/// WGS 84 coordinates of strip metres `xy` of `frame`, with the longitude
/// kept within 180° of the frame's central meridian: continuous across the
/// antimeridian (beyond 180° for a frame centred near it, as in a scenario
/// [`super::antimeridian::unwrapped`] around 180°), where
/// [`TransverseMercator::inverse`] normalises to [−180, 180). Identical to
/// it away from 180°.
pub(crate) fn inverse_near(frame: &TransverseMercator, xy: [f64; 2]) -> (f64, f64) {
    let (lon, lat) = frame.inverse(xy);
    let cm = frame.central_meridian_deg();
    let lon = if lon - cm > 180.0 {
        lon - 360.0
    } else if lon - cm < -180.0 {
        lon + 360.0
    } else {
        lon
    };
    (lon, lat)
}

/// Cubic Lagrange weights of the nodes at −1, 0, 1, 2 for a point at `s`
/// (in [0, 1)) between nodes 0 and 1.
#[inline]
fn weights(s: f64) -> [f64; 4] {
    let (sp, sm, sm2) = (s + 1.0, s - 1.0, s - 2.0);
    [
        -s * sm * sm2 / 6.0,
        sp * sm * sm2 / 2.0,
        -sp * s * sm2 / 2.0,
        sp * s * sm / 6.0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    /// A deterministic generator of uniform numbers in [0, 1).
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// From the equator to 80°, up to 120 km either side of the central
    /// meridian: within 1e−10 ° of the exact inverse and 2 µm on the
    /// ground, on both hemispheres and at random points of many tiles.
    #[test]
    fn lattice_agrees_with_the_exact_inverse() {
        let mut next = uniform(0x9E37_79B9_7F4A_7C15);
        let (mut worst, mut worst_m): (f64, f64) = (0.0, 0.0);
        for (cm, lat0) in [
            (105.5, 0.0),
            (105.5, 10.0),
            (-70.5, -33.0),
            (12.5, 45.0),
            (24.5, 65.0),
            (-150.5, 78.0),
            (179.5, -20.0),
        ] {
            let frame = TransverseMercator::new(cm);
            let y0 = frame.forward(cm, lat0)[1];
            let extent = Rect::new(
                coord! { x: -120_000.0, y: y0 - 150_000.0 },
                coord! { x: 120_000.0, y: y0 + 150_000.0 },
            );
            let lattice = InverseLattice::new(frame, Some(extent));
            for _ in 0..4000 {
                let xy = [
                    -120_000.0 + 240_000.0 * next(),
                    y0 - 150_000.0 + 300_000.0 * next(),
                ];
                let (lon, lat) = lattice.inverse(xy);
                let (elon, elat) = lattice.exact(xy);
                if elat.abs() > MAX_LAT_DEG - 1.5 {
                    continue;
                }
                let (dlon, dlat) = ((lon - elon).abs(), (lat - elat).abs());
                worst = worst.max(dlon).max(dlat);
                // metres on the ground (a degree of latitude is 110.6 km or more)
                let ground = (dlon * elat.to_radians().cos()).hypot(dlat) * 111_700.0;
                worst_m = worst_m.max(ground);
            }
        }
        assert!(worst < 1e-10, "worst difference {worst:e}°");
        assert!(worst_m < 2e-6, "worst difference {worst_m:e} m");
        // and not trivially: the interpolation is not the exact inverse
        assert!(worst > 0.0);
    }

    /// On a node, the lattice gives the node's exact inverse; outside its
    /// extent and near a pole, the exact inverse itself.
    #[test]
    fn nodes_outside_points_and_polar_tiles_are_exact() {
        let frame = TransverseMercator::new(105.5);
        let extent = Rect::new(
            coord! { x: -50_000.0, y: 1_000_000.0 },
            coord! { x: 50_000.0, y: 1_200_000.0 },
        );
        let lattice = InverseLattice::new(frame, Some(extent));
        let node = [
            lattice.origin[0] + 5.0 * SPACING_M,
            lattice.origin[1] + 7.0 * SPACING_M,
        ];
        let (lon, lat) = lattice.inverse(node);
        let (elon, elat) = lattice.exact(node);
        assert!((lon - elon).abs() < 1e-13 && (lat - elat).abs() < 1e-13);
        for outside in [[0.0, 900_000.0], [80_000.0, 1_100_000.0], [0.0, 9e9]] {
            assert_eq!(lattice.inverse(outside), lattice.exact(outside));
        }
        // a tile reaching beyond 80° is never interpolated
        let y = frame.forward(105.5, 84.0)[1];
        let polar = InverseLattice::new(
            frame,
            Some(Rect::new(
                coord! { x: -20_000.0, y: y - 200_000.0 },
                coord! { x: 20_000.0, y: y + 20_000.0 },
            )),
        );
        let mut next = uniform(7);
        for _ in 0..500 {
            let xy = [
                -20_000.0 + 40_000.0 * next(),
                y - 20_000.0 + 40_000.0 * next(),
            ];
            assert_eq!(polar.inverse(xy), polar.exact(xy));
        }
        // a lattice without an extent is the exact inverse
        let none = InverseLattice::new(frame, None);
        assert_eq!(none.inverse(node), none.exact(node));
    }

    /// The weights reproduce cubic polynomials exactly (so the error is of
    /// fourth order) and sum to one.
    #[test]
    fn weights_reproduce_cubics() {
        let f = |x: f64| 0.3 - 1.7 * x + 2.1 * x * x - 0.9 * x * x * x;
        for k in 0..=10 {
            let s = k as f64 / 10.0;
            let w = weights(s);
            let v: f64 = (0..4).map(|n| w[n] * f(n as f64 - 1.0)).sum();
            assert!((v - f(s)).abs() < 1e-12, "at {s}");
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        }
    }
}
