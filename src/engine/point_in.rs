//! Whether a point lies in a commune, for many points: each ring's edges
//! are listed by horizontal band, so that a point meets the few edges of
//! its band instead of every edge of the ring.
//!
//! The test of an edge is geo's own (`coord_pos_relative_to_ring`: the
//! winding number with the robust orientation predicate, an edge the
//! point lies on making it a boundary point), and a point only meets
//! edges whose height holds it, so the answer is that of geo's
//! `Intersects<Point>` for the polygon: inside or on the boundary, holes
//! excluded but their boundary included. The test
//! `banded_rings_answer_as_geo_does` checks it point by point, vertices
//! and edges included.

use geo::kernels::{Kernel, RobustKernel};
use geo::{Coord, LineString, MultiPolygon, Orientation, Point};

/// Where a point lies relative to one ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Inside,
    OnBoundary,
    Outside,
}

/// One ring's edges by band of height.
#[derive(Debug, Clone)]
struct BandedRing {
    /// Lowest and highest ordinate of the ring.
    y0: f64,
    y1: f64,
    /// Bands per unit of height.
    per_y: f64,
    bands: usize,
    /// Band `b`'s edges are `edges[start[b]..start[b + 1]]`.
    start: Vec<u32>,
    /// Edge `k` runs from vertex `k` to vertex `k + 1`.
    edges: Vec<u32>,
}

impl BandedRing {
    fn new(ring: &LineString<f64>) -> Self {
        let pts = &ring.0;
        let n_edges = pts.len().saturating_sub(1);
        let (mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY);
        for c in pts {
            y0 = y0.min(c.y);
            y1 = y1.max(c.y);
        }
        // about two edges per band
        let bands = (n_edges / 2).max(1);
        let per_y = if y1 > y0 {
            bands as f64 / (y1 - y0)
        } else {
            0.0
        };
        let mut banded = BandedRing {
            y0,
            y1,
            per_y,
            bands,
            start: vec![0; bands + 1],
            edges: Vec::new(),
        };
        let span = |b: &BandedRing, k: usize| {
            let (a, c) = (pts[k].y, pts[k + 1].y);
            (b.band(a.min(c)), b.band(a.max(c)))
        };
        // counted, then placed (each band's edges in ring order)
        for k in 0..n_edges {
            let (lo, hi) = span(&banded, k);
            for count in &mut banded.start[lo + 1..=hi + 1] {
                *count += 1;
            }
        }
        for b in 0..bands {
            banded.start[b + 1] += banded.start[b];
        }
        let mut next: Vec<u32> = banded.start[..bands].to_vec();
        banded.edges = vec![0; banded.start[bands] as usize];
        for k in 0..n_edges {
            let (lo, hi) = span(&banded, k);
            for slot in &mut next[lo..=hi] {
                banded.edges[*slot as usize] = k as u32;
                *slot += 1;
            }
        }
        banded
    }

    /// The band of ordinate `y` (within the ring's height): a
    /// non-decreasing function of `y`, so an edge listed in the bands of
    /// its two ends is in the band of every ordinate between them.
    fn band(&self, y: f64) -> usize {
        (((y - self.y0) * self.per_y).floor() as usize).min(self.bands - 1)
    }

    /// Where `c` lies relative to `ring` (the ring this was built from).
    fn position(&self, ring: &LineString<f64>, c: Coord<f64>) -> Position {
        let pts = &ring.0;
        match pts.len() {
            0 => return Position::Outside,
            1 => {
                return if c == pts[0] {
                    Position::OnBoundary
                } else {
                    Position::Outside
                }
            }
            _ => {}
        }
        // no edge reaches a point above or below the ring
        if !(c.y >= self.y0 && c.y <= self.y1) {
            return Position::Outside;
        }
        let b = self.band(c.y);
        let mut winding = 0i32;
        for &k in &self.edges[self.start[b] as usize..self.start[b + 1] as usize] {
            let (s, e) = (pts[k as usize], pts[k as usize + 1]);
            // geo's edge-crossing rules: an upward edge holds its start,
            // a downward edge its end, horizontal edges count only as
            // boundary, the crossing must lie strictly right of the point
            if s.y <= c.y {
                if e.y >= c.y {
                    let o = RobustKernel::orient2d(s, e, c);
                    if o == Orientation::CounterClockwise && e.y != c.y {
                        winding += 1;
                    } else if o == Orientation::Collinear && between(c.x, s.x, e.x) {
                        return Position::OnBoundary;
                    }
                }
            } else if e.y <= c.y {
                let o = RobustKernel::orient2d(s, e, c);
                if o == Orientation::Clockwise {
                    winding -= 1;
                } else if o == Orientation::Collinear && between(c.x, s.x, e.x) {
                    return Position::OnBoundary;
                }
            }
        }
        if winding == 0 {
            Position::Outside
        } else {
            Position::Inside
        }
    }
}

/// Whether `x` lies between `a` and `b`, ends included.
fn between(x: f64, a: f64, b: f64) -> bool {
    if a < b {
        x >= a && x <= b
    } else {
        x >= b && x <= a
    }
}

/// A commune's polygons with their rings banded, for point tests.
#[derive(Debug, Clone)]
pub(crate) struct BandedPolygons {
    /// Per polygon: its exterior, then its holes.
    rings: Vec<Vec<BandedRing>>,
}

impl BandedPolygons {
    pub(crate) fn new(geometry: &MultiPolygon<f64>) -> Self {
        BandedPolygons {
            rings: geometry
                .0
                .iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(BandedRing::new)
                        .collect()
                })
                .collect(),
        }
    }

    /// Whether `p` lies in `geometry` (the one this was built from), its
    /// boundary included: geo's `geometry.intersects(&p)`.
    pub(crate) fn holds(&self, geometry: &MultiPolygon<f64>, p: Point<f64>) -> bool {
        let c = p.0;
        geometry.0.iter().zip(&self.rings).any(|(polygon, rings)| {
            let (exterior, holes) = (&rings[0], &rings[1..]);
            match exterior.position(polygon.exterior(), c) {
                Position::Outside => false,
                Position::OnBoundary => true,
                Position::Inside => {
                    // the first hole that does not leave the point outside
                    // decides: inside it, out; on its boundary, in
                    for (hole, ring) in holes.iter().zip(polygon.interiors()) {
                        match hole.position(ring, c) {
                            Position::Outside => {}
                            Position::OnBoundary => return true,
                            Position::Inside => return false,
                        }
                    }
                    true
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Intersects, Polygon};

    /// A star-shaped ring of `n` vertices around `(cx, cy)` with radii
    /// from `next`, closed.
    fn star(cx: f64, cy: f64, n: usize, next: &mut impl FnMut() -> f64) -> LineString<f64> {
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.3 + 0.7 * next();
                Coord {
                    x: cx + r * t.cos(),
                    y: cy + r * t.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        LineString(pts)
    }

    #[test]
    fn banded_rings_answer_as_geo_does() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut inside = 0;
        for case in 0..40 {
            let n = 3 + case * 7;
            // a star with a hole (a smaller star), a second polygon beside
            // it, and a square on the lattice (horizontal and vertical
            // edges, vertices on the points tested)
            let shell = star(0.0, 0.0, n, &mut next);
            let hole = LineString(
                star(0.0, 0.0, n / 2 + 3, &mut next)
                    .0
                    .iter()
                    .map(|c| Coord {
                        x: 0.25 * c.x,
                        y: 0.25 * c.y,
                    })
                    .collect(),
            );
            let beside = star(2.5, 0.5, n + 1, &mut next);
            let square = LineString(vec![
                Coord { x: -2.0, y: -2.0 },
                Coord { x: -1.5, y: -2.0 },
                Coord { x: -1.5, y: -1.5 },
                Coord { x: -2.0, y: -1.5 },
                Coord { x: -2.0, y: -2.0 },
            ]);
            let mp = MultiPolygon(vec![
                Polygon::new(shell.clone(), vec![hole.clone()]),
                Polygon::new(beside.clone(), vec![]),
                Polygon::new(square, vec![]),
            ]);
            let banded = BandedPolygons::new(&mp);
            let mut points: Vec<Point<f64>> = (0..400)
                .map(|_| Point::new(-2.5 + 6.0 * next(), -2.5 + 5.0 * next()))
                .collect();
            // every vertex, edge midpoints, and points on the lattice
            for ring in [&shell, &hole, &beside] {
                for w in ring.0.windows(2) {
                    points.push(Point(w[0]));
                    points.push(Point::new(0.5 * (w[0].x + w[1].x), 0.5 * (w[0].y + w[1].y)));
                }
            }
            for i in 0..=20 {
                for j in 0..=20 {
                    points.push(Point::new(-2.5 + 0.125 * i as f64, -2.5 + 0.125 * j as f64));
                }
            }
            for p in points {
                let want = mp.intersects(&p);
                assert_eq!(banded.holds(&mp, p), want, "case {case}, {p:?}");
                inside += usize::from(want);
            }
        }
        // the points are not all on one side
        assert!(inside > 1000, "{inside}");
    }
}
