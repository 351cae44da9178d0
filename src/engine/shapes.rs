//! Coverage shapes in a strip's metric frame, and their traces on a
//! horizontal line.
//!
//! A shape is a disc (omni cell, wifi point) or a wedge of a disc (sector),
//! or a corridor around a fibre segment (a "stadium": every point within the
//! drop distance of the segment). Each is convex, or for a wedge wider than
//! 180° the union of two convex parts, so its intersection with a horizontal
//! line is at most two intervals, computed in closed form. Row integration
//! ([`super::rows`]) measures coverage as lengths of unions of these
//! intervals; point evaluation uses [`Cell::serves`].
//!
//! A terrain-shaped footprint ([`crate::model::Footprint`]) is a union of
//! annular sectors around its site; its trace on a line is walked sector
//! by sector along the line (see [`Polar`]), exact, with as many
//! intervals as the terrain cuts.

use std::sync::Arc;

use rstar::{Envelope, RTree, RTreeObject, SelectionFunction, AABB};

use crate::model::Footprint;

/// A terrain-shaped footprint placed in a strip frame: the footprint, the
/// frame's scale factor at the site (ground metres → grid metres) and the
/// grid azimuth of its first ray edge (true azimuth turned by the grid
/// convergence).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Polar {
    pub footprint: Arc<Footprint>,
    pub scale: f64,
    pub first_deg: f64,
}

impl Polar {
    /// Whether the point at offset `(dx, dy)` from the site is covered.
    fn holds(&self, dx: f64, dy: f64) -> bool {
        let d = dx.hypot(dy);
        if d == 0.0 {
            return self.footprint.rays() > 0;
        }
        let fp = &*self.footprint;
        let az = dx.atan2(dy).to_degrees();
        let u = (az - self.first_deg).rem_euclid(360.0);
        let k = (u / fp.step_deg).floor() as usize;
        let n = fp.rays();
        // the far edge of the last ray belongs to it
        let k = if k == n && u <= n as f64 * fp.step_deg * (1.0 + 1e-12) {
            n - 1
        } else {
            k
        };
        if k >= n {
            return false;
        }
        let g = d / self.scale;
        let tol = 1e-9 * g + 1e-9;
        fp.ray(k)
            .iter()
            .any(|&[a, b]| f64::from(a) - tol <= g && g <= f64::from(b) + tol)
    }

    /// The covered intervals of the line `y − cy = dy` through a site at
    /// abscissa `cx`, within the disc of grid radius `radius`, passed to
    /// `out` (touching pieces merged).
    fn intervals(&self, cx: f64, dy: f64, radius: f64, mut out: impl FnMut(f64, f64)) {
        let fp = &*self.footprint;
        let n = fp.rays();
        if n == 0 || dy.abs() > radius {
            return;
        }
        let h = (radius * radius - dy * dy).max(0.0).sqrt();
        // along the line, ψ = atan(t / |dy|) with t = x − cx rises from −ψh
        // to ψh; the point's azimuth is ψ north of the site, 180° − ψ south
        let ady = dy.abs().max(1e-9);
        let north = dy >= 0.0;
        let psi_h = h.atan2(ady).to_degrees();
        let step = fp.step_deg;
        let span = n as f64 * step;
        let az0 = if north { -psi_h } else { 180.0 + psi_h };
        let mut u = (az0 - self.first_deg).rem_euclid(360.0);
        if !north && u == 0.0 {
            u = 360.0;
        }
        let mut psi = -psi_h;
        let mut left = 2.0 * psi_h;
        let t_of = |p: f64| {
            if p >= psi_h {
                h
            } else if p <= -psi_h {
                -h
            } else {
                ady * p.to_radians().tan()
            }
        };
        let mut pending: Option<(f64, f64)> = None;
        let mut emit = |lo: f64, hi: f64, out: &mut dyn FnMut(f64, f64)| match pending {
            Some((a, b)) if lo <= b && hi >= a => pending = Some((a.min(lo), b.max(hi))),
            Some((a, b)) => {
                out(a, b);
                pending = Some((lo, hi));
            }
            None => pending = Some((lo, hi)),
        };
        let mut guard = 2 * n + 8;
        while left > 0.0 && guard > 0 {
            guard -= 1;
            // the ray the walk is in and the room (degrees) to its end
            let (ray, room) = if north {
                if u < span {
                    let mut k = ((u / step).floor() as usize).min(n - 1);
                    while k + 1 < n && (k + 1) as f64 * step <= u {
                        k += 1;
                    }
                    let next = (k + 1) as f64 * step;
                    (Some(k), (next - u).max(0.0))
                } else {
                    (None, 360.0 - u)
                }
            } else if u <= span {
                let mut k = ((u / step).ceil() as usize).clamp(1, n) - 1;
                while k > 0 && k as f64 * step >= u {
                    k -= 1;
                }
                (Some(k), (u - k as f64 * step).max(0.0))
            } else {
                (None, u - span)
            };
            let adv = room.min(left);
            let (p0, p1) = (psi, psi + adv);
            if let Some(k) = ray {
                let (t0, t1) = (t_of(p0), t_of(p1));
                for &[a, b] in fp.ray(k) {
                    let (a, b) = (f64::from(a) * self.scale, f64::from(b) * self.scale);
                    if b < ady {
                        continue;
                    }
                    let tb = (b * b - dy * dy).max(0.0).sqrt();
                    let ta = if a > ady {
                        (a * a - dy * dy).max(0.0).sqrt()
                    } else {
                        0.0
                    };
                    for (lo, hi) in [(-tb, -ta), (ta, tb)] {
                        let (lo, hi) = (lo.max(t0), hi.min(t1));
                        if lo < hi {
                            emit(cx + lo, cx + hi, &mut out);
                        }
                    }
                }
            }
            psi = p1;
            left -= adv;
            if adv == room {
                // on to the next ray (or the gap outside the sector)
                if north {
                    u = match ray {
                        Some(k) => (k + 1) as f64 * step,
                        None => 0.0,
                    };
                    if u >= 360.0 {
                        u = 0.0;
                    }
                } else {
                    u = match ray {
                        Some(k) => k as f64 * step,
                        None => span,
                    };
                    if u <= 0.0 {
                        u = 360.0;
                    }
                }
            }
        }
        if let Some((a, b)) = pending {
            out(a, b);
        }
    }
}

/// A sector wedge in grid coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Wedge {
    /// Unit boresight, east component.
    pub ux: f64,
    /// Unit boresight, north component.
    pub uy: f64,
    /// Cosine of half the beamwidth.
    pub cos_half: f64,
    /// Half the beamwidth, degrees, in `(0, 180]`.
    pub half_deg: f64,
    /// Unit direction of the counter-clockwise edge (bearing azimuth − half).
    left: [f64; 2],
    /// Unit direction of the clockwise edge (bearing azimuth + half).
    right: [f64; 2],
}

impl Wedge {
    /// A wedge with grid azimuth `azimuth_deg` and full beamwidth
    /// `beamwidth_deg`.
    pub fn new(azimuth_deg: f64, beamwidth_deg: f64) -> Self {
        let a = azimuth_deg.to_radians();
        let half_deg = (beamwidth_deg / 2.0).clamp(0.0, 180.0);
        let l = (azimuth_deg - half_deg).to_radians();
        let r = (azimuth_deg + half_deg).to_radians();
        Wedge {
            ux: a.sin(),
            uy: a.cos(),
            cos_half: half_deg.to_radians().cos(),
            half_deg,
            left: [l.sin(), l.cos()],
            right: [r.sin(), r.cos()],
        }
    }
}

/// One coverage shape: a disc or a wedge of a disc, with the technologies it
/// carries (bit `i` = `Technology::ALL[i]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub centre: [f64; 2],
    pub radius: f64,
    radius2: f64,
    pub techs: u8,
    pub wedge: Option<Wedge>,
    /// The terrain-shaped footprint, when the shape has one (it lies inside
    /// the disc and the wedge).
    pub polar: Option<Polar>,
    /// Lower-left corner of the shape's bounding box (the wedge's own box,
    /// not its disc's, padded by a hair so that edge points stay inside).
    pub min: [f64; 2],
    /// Upper-right corner of the bounding box.
    pub max: [f64; 2],
    /// The same box for the index (built once: the index asks for it at
    /// every comparison while it is bulk-loaded).
    envelope: AABB<[f64; 2]>,
}

impl Cell {
    /// A shape centred at `centre` (grid metres) of grid radius `radius`.
    pub fn new(centre: [f64; 2], radius: f64, techs: u8, wedge: Option<Wedge>) -> Self {
        let (min, max) = bounding_box(centre, radius, wedge.as_ref());
        Cell {
            centre,
            radius,
            radius2: radius * radius,
            techs,
            wedge,
            polar: None,
            min,
            max,
            envelope: AABB::from_corners(min, max),
        }
    }

    /// The shape with a terrain-shaped footprint (`scale`: ground to grid
    /// metres at the site; `convergence_deg`: grid minus true azimuth).
    pub fn with_footprint(
        mut self,
        footprint: Arc<Footprint>,
        scale: f64,
        convergence_deg: f64,
    ) -> Self {
        self.polar = Some(Polar {
            first_deg: footprint.first_azimuth_deg + convergence_deg,
            footprint,
            scale,
        });
        self
    }

    /// Whether the shape is convex: a disc or a wedge of at most 180°
    /// without a terrain footprint.
    pub fn is_convex(&self) -> bool {
        self.polar.is_none() && self.wedge.is_none_or(|w| w.half_deg <= 90.0)
    }

    /// Whether the shape holds `p` (edges included; the centre is held by
    /// every wedge).
    #[inline]
    pub fn serves(&self, p: [f64; 2]) -> bool {
        let dx = p[0] - self.centre[0];
        let dy = p[1] - self.centre[1];
        let d2 = dx * dx + dy * dy;
        if d2 > self.radius2 * (1.0 + 1e-12) {
            return false;
        }
        if let Some(polar) = &self.polar {
            return polar.holds(dx, dy);
        }
        match self.wedge {
            None => true,
            Some(w) => {
                if d2 == 0.0 {
                    return true;
                }
                let d = d2.sqrt();
                dx * w.ux + dy * w.uy >= d * w.cos_half - 1e-9 * d
            }
        }
    }

    /// The intervals `[x0, x1]` of the line at ordinate `y` inside the
    /// shape, passed to `out` (at most two).
    pub fn intervals(&self, y: f64, mut out: impl FnMut(f64, f64)) {
        let [cx, cy] = self.centre;
        let dy = y - cy;
        if dy.abs() > self.radius {
            return;
        }
        if let Some(polar) = &self.polar {
            return polar.intervals(cx, dy, self.radius, out);
        }
        let half = (self.radius2 - dy * dy).max(0.0).sqrt();
        let (xa, xb) = (cx - half, cx + half);
        let w = match self.wedge {
            Some(w) if w.half_deg < 180.0 => w,
            _ => return out(xa, xb),
        };
        // A direction v = (x − cx, dy) lies clockwise of the left edge when
        // cross(left, v) <= 0 and counter-clockwise of the right edge when
        // cross(right, v) >= 0. A wedge of at most 180° is where both hold,
        // a wider one where either does; on the line each condition is a
        // half-line.
        let left = half_line(w.left, cx, dy, true);
        let right = half_line(w.right, cx, dy, false);
        let clip = |(lo, hi): (f64, f64)| (lo.max(xa), hi.min(xb));
        if w.half_deg <= 90.0 {
            let (lo, hi) = clip((left.0.max(right.0), left.1.min(right.1)));
            if lo < hi {
                out(lo, hi);
            }
        } else {
            for (lo, hi) in [clip(left), clip(right)] {
                if lo < hi {
                    out(lo, hi);
                }
            }
        }
    }
}

/// The half-line of the line at offset `dy` from a site at abscissa `cx`
/// where direction `d` has the point on its clockwise side (`clockwise`) or
/// its counter-clockwise side, edges included, as `(lo, hi)`; empty as
/// `(+∞, −∞)`.
fn half_line(d: [f64; 2], cx: f64, dy: f64, clockwise: bool) -> (f64, f64) {
    // cross(d, v) = d.x·dy − d.y·(x − cx); clockwise side: cross <= 0
    let [dx_, dy_] = d;
    let rhs = dx_ * dy;
    // clockwise: d.y·(x − cx) >= rhs; counter-clockwise: d.y·(x − cx) <= rhs
    if dy_ == 0.0 {
        let holds = if clockwise { rhs <= 0.0 } else { rhs >= 0.0 };
        return if holds {
            (f64::NEG_INFINITY, f64::INFINITY)
        } else {
            (f64::INFINITY, f64::NEG_INFINITY)
        };
    }
    let x = cx + rhs / dy_;
    if (dy_ > 0.0) == clockwise {
        (x, f64::INFINITY)
    } else {
        (f64::NEG_INFINITY, x)
    }
}

impl RTreeObject for Cell {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// A shape's box and its place in [`ShapeTree::cells`]: what the tree
/// holds (five words instead of a whole [`Cell`], so that bulk loading,
/// which moves its items many times, is several times cheaper).
#[derive(Debug, Clone, Copy)]
struct Slot {
    envelope: AABB<[f64; 2]>,
    index: usize,
}

impl RTreeObject for Slot {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The shapes of one layer with an R-tree over their boxes.
#[derive(Debug, Default)]
pub(crate) struct ShapeTree {
    tree: RTree<Slot>,
    cells: Vec<Cell>,
}

/// Selects the slots whose box contains a given box: a node whose box does
/// not contain it holds none of them.
struct HoldingBox(AABB<[f64; 2]>);

impl SelectionFunction<Slot> for HoldingBox {
    fn should_unpack_parent(&self, envelope: &AABB<[f64; 2]>) -> bool {
        envelope.contains_envelope(&self.0)
    }

    fn should_unpack_leaf(&self, leaf: &Slot) -> bool {
        leaf.envelope.contains_envelope(&self.0)
    }
}

impl ShapeTree {
    /// Indexes `cells` (the tree's order depends only on their boxes and
    /// their order).
    pub fn new(cells: Vec<Cell>) -> Self {
        let slots = cells
            .iter()
            .enumerate()
            .map(|(index, c)| Slot {
                envelope: c.envelope,
                index,
            })
            .collect();
        ShapeTree {
            tree: RTree::bulk_load(slots),
            cells,
        }
    }

    fn cells_of<'s>(
        &'s self,
        slots: impl Iterator<Item = &'s Slot> + 's,
    ) -> impl Iterator<Item = &'s Cell> + 's {
        slots.filter_map(move |s| self.cells.get(s.index))
    }

    /// The shapes whose boxes meet `envelope`.
    pub fn locate_in_envelope_intersecting<'s>(
        &'s self,
        envelope: &AABB<[f64; 2]>,
    ) -> impl Iterator<Item = &'s Cell> + 's {
        self.cells_of(self.tree.locate_in_envelope_intersecting(envelope))
    }

    /// The shapes whose boxes contain `envelope`.
    pub fn holding<'s>(&'s self, envelope: &AABB<[f64; 2]>) -> impl Iterator<Item = &'s Cell> + 's {
        self.cells_of(
            self.tree
                .locate_with_selection_function(HoldingBox(*envelope)),
        )
    }

    /// Every shape, in the tree's order.
    pub fn iter(&self) -> impl Iterator<Item = &Cell> + '_ {
        self.cells_of(self.tree.iter())
    }

    /// How many shapes the tree holds.
    pub fn size(&self) -> usize {
        self.tree.size()
    }
}

/// Bounding box of a disc, or of a wedge of it: the centre, the two ends
/// of the arc and the arc's extreme points towards east, north, west and
/// south when the wedge holds those directions. Padded by 10⁻⁹ of the
/// radius (and a nanometre) so that points the shape serves within its
/// rounding tolerance are inside.
fn bounding_box(c: [f64; 2], r: f64, wedge: Option<&Wedge>) -> ([f64; 2], [f64; 2]) {
    let pad = r * 1e-9 + 1e-9;
    let w = match wedge {
        Some(w) if w.half_deg < 180.0 => w,
        _ => {
            return (
                [c[0] - r - pad, c[1] - r - pad],
                [c[0] + r + pad, c[1] + r + pad],
            )
        }
    };
    let mut min = c;
    let mut max = c;
    let mut add = |d: [f64; 2]| {
        let p = [c[0] + r * d[0], c[1] + r * d[1]];
        for k in 0..2 {
            min[k] = min[k].min(p[k]);
            max[k] = max[k].max(p[k]);
        }
    };
    add(w.left);
    add(w.right);
    for d in [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]] {
        // the axis direction lies within the wedge (a little beyond its
        // edges counts: the box only has to hold the shape)
        if d[0] * w.ux + d[1] * w.uy >= w.cos_half - 1e-9 {
            add(d);
        }
    }
    ([min[0] - pad, min[1] - pad], [max[0] + pad, max[1] + pad])
}

/// The interval of the line at ordinate `y` within distance `d` of the
/// segment `a`–`b` (the segment's corridor), if any.
pub(crate) fn corridor_interval(a: [f64; 2], b: [f64; 2], d: f64, y: f64) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    // the two end discs
    for p in [a, b] {
        let dy = y - p[1];
        if dy.abs() <= d {
            let h = (d * d - dy * dy).max(0.0).sqrt();
            lo = lo.min(p[0] - h);
            hi = hi.max(p[0] + h);
        }
    }
    // the rectangle swept by the segment's normal offsets
    let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
    let len = (ex * ex + ey * ey).sqrt();
    if len > 0.0 {
        let (nx, ny) = (-ey / len * d, ex / len * d);
        let corners = [
            [a[0] + nx, a[1] + ny],
            [b[0] + nx, b[1] + ny],
            [b[0] - nx, b[1] - ny],
            [a[0] - nx, a[1] - ny],
        ];
        for i in 0..4 {
            let p = corners[i];
            let q = corners[(i + 1) % 4];
            if (p[1] <= y && y <= q[1]) || (q[1] <= y && y <= p[1]) {
                if p[1] == q[1] {
                    lo = lo.min(p[0].min(q[0]));
                    hi = hi.max(p[0].max(q[0]));
                } else {
                    let x = p[0] + (y - p[1]) * (q[0] - p[0]) / (q[1] - p[1]);
                    lo = lo.min(x);
                    hi = hi.max(x);
                }
            }
        }
    }
    (lo < hi).then_some((lo, hi))
}

/// Order of two interval starts. They are finite (validated input,
/// NaN-free shapes); a plain comparison sorts faster than `total_cmp`.
#[inline]
pub(crate) fn by_start(a: f64, b: f64) -> std::cmp::Ordering {
    if a < b {
        std::cmp::Ordering::Less
    } else if a > b {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// Length of the union of `intervals` that lies inside `spans` (sorted,
/// disjoint). Sorts `intervals` in place.
pub(crate) fn covered_length(intervals: &mut [(f64, f64)], spans: &[(f64, f64)]) -> f64 {
    if intervals.is_empty() || spans.is_empty() {
        return 0.0;
    }
    intervals.sort_unstable_by(|p, q| by_start(p.0, q.0));
    let mut total = 0.0;
    let mut s = 0;
    let mut merged_lo = intervals[0].0;
    let mut merged_hi = intervals[0].1;
    let mut flush = |lo: f64, hi: f64, s: &mut usize| {
        // add |[lo, hi] ∩ spans|; spans before lo are never needed again
        while *s < spans.len() && spans[*s].1 <= lo {
            *s += 1;
        }
        let mut k = *s;
        while k < spans.len() && spans[k].0 < hi {
            let a = spans[k].0.max(lo);
            let b = spans[k].1.min(hi);
            if b > a {
                total += b - a;
            }
            k += 1;
        }
    };
    for &(lo, hi) in &intervals[1..] {
        if lo <= merged_hi {
            merged_hi = merged_hi.max(hi);
        } else {
            flush(merged_lo, merged_hi, &mut s);
            merged_lo = lo;
            merged_hi = hi;
        }
    }
    flush(merged_lo, merged_hi, &mut s);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Length of the cell's trace on line y, by fine sampling of `serves`.
    fn sampled_length(c: &Cell, y: f64) -> f64 {
        let step = 0.01;
        let x0 = c.centre[0] - c.radius - 1.0;
        let n = ((2.0 * c.radius + 2.0) / step) as usize;
        (0..n)
            .filter(|i| c.serves([x0 + (*i as f64 + 0.5) * step, y]))
            .count() as f64
            * step
    }

    fn traced_length(c: &Cell, y: f64) -> f64 {
        let mut v = Vec::new();
        c.intervals(y, |a, b| v.push((a, b)));
        covered_length(&mut v, &[(-1e9, 1e9)])
    }

    #[test]
    fn wedge_traces_match_point_tests() {
        for az in [0.0, 37.0, 90.0, 135.0, 180.0, 250.0, 300.0, 359.0] {
            for bw in [30.0, 65.0, 90.0, 120.0, 179.0, 200.0, 300.0, 360.0] {
                let c = Cell::new([10.0, -20.0], 100.0, 1, Some(Wedge::new(az, bw)));
                for y in [-115.0, -60.0, -20.5, -19.5, 0.0, 40.0, 79.0] {
                    let t = traced_length(&c, y);
                    let s = sampled_length(&c, y);
                    assert!(
                        (t - s).abs() < 0.05,
                        "az {az} bw {bw} y {y}: traced {t} sampled {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn corridor_trace_matches_distance() {
        let (a, b, d) = ([0.0, 0.0], [300.0, 170.0], 40.0);
        let seg = rstar::primitives::Line::new(a, b);
        for y in [-45.0, -39.0, 0.0, 55.0, 170.0, 205.0, 209.9, 211.0] {
            use rstar::PointDistance;
            let step = 0.01;
            let n = (500.0 / step) as usize;
            let inside = (0..n)
                .filter(|i| seg.distance_2(&[-100.0 + (*i as f64 + 0.5) * step, y]) <= d * d)
                .count() as f64
                * step;
            let traced = corridor_interval(a, b, d, y).map_or(0.0, |(lo, hi)| hi - lo);
            assert!(
                (traced - inside).abs() < 0.05,
                "y {y}: {traced} vs {inside}"
            );
        }
    }

    #[test]
    fn union_within_spans() {
        let mut v = vec![(5.0, 8.0), (0.0, 3.0), (2.0, 4.0), (10.0, 20.0)];
        // union = [0,4] ∪ [5,8] ∪ [10,20]; spans [1,6] ∪ [7,12]
        let got = covered_length(&mut v, &[(1.0, 6.0), (7.0, 12.0)]);
        assert_eq!(got, 3.0 + 1.0 + 1.0 + 2.0);
    }
}
