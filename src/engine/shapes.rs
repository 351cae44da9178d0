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
///
/// For tracing, the footprint's runs (neighbouring rays with the same
/// intervals, [`Footprint::runs`]) are walked, and the tangent of every run edge's
/// grid azimuth is kept: a line is then walked run by run without a
/// trigonometric call per ray.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Polar {
    pub footprint: Arc<Footprint>,
    pub scale: f64,
    pub first_deg: f64,
    /// `tan` of each edge's grid azimuth.
    tan_edge: Vec<f64>,
    /// Per run, the ground radius within which its rays are covered from
    /// the site on: the end of a first interval starting at 0 (0 when it
    /// does not); times `scale` on the grid ([`Polar::inner`]). Where a line's stretch through a run lies within it, the
    /// stretch is covered whole and passed without looking at the run's
    /// intervals (the same numbers: see [`Polar::intervals`]).
    inner_run: Vec<f32>,
    /// The square of the largest grid inner radius: no window reaching
    /// further from the site is inside every run's inner radius.
    inner_max2: f64,
    /// The smallest grid inner radius when the rays close the circle (else
    /// 0): a window nearer the site than it is inside every run's inner
    /// radius whatever its azimuths.
    inner_min: f64,
    /// The smallest grid inner radius over each block of runs, per level
    /// of [`BLOCKS`] (`runs / size` blocks, whole blocks only): where a
    /// line's stretch through a whole block lies within it, the walk passes
    /// the block at once (each of its runs would have passed its stretch
    /// whole). The large blocks are tried first, the small ones where a
    /// large one does not fit.
    block_inner: [Vec<f64>; 2],
}

/// Runs per block of [`Polar::block_inner`], large then small (the large a
/// multiple of the small: a large block starts where a small one does).
const BLOCKS: [usize; 2] = [32, 4];

/// Rays between exact angles in [`edge_tangents`].
const RESEED: usize = 16;

/// `tan` of the grid azimuths `first_deg + k · step_deg` of the edges at
/// ray indices `ks` (ascending), with one `sin_cos` per [`RESEED`] rays
/// instead of a `tan` per edge: between exact angles the direction is
/// turned by the step's rotation (a few units in the last place after
/// [`RESEED`] turns), and a direction within 10⁻³ of the east–west axis,
/// where the tangent's sign hangs on its cosine, takes an exact `tan`.
fn edge_tangents(first_deg: f64, step_deg: f64, ks: impl Iterator<Item = usize>) -> Vec<f64> {
    let angle = |k: usize| (first_deg + k as f64 * step_deg).to_radians();
    let (rs, rc) = step_deg.to_radians().sin_cos();
    // the last edge's ray, its direction and the turns since an exact one
    let mut last: Option<(usize, f64, f64, usize)> = None;
    ks.map(|k| {
        let (s, c, turns) = match last {
            Some((k0, s0, c0, turns)) if k >= k0 && turns + (k - k0) <= RESEED => {
                let (mut s, mut c) = (s0, c0);
                for _ in k0..k {
                    (s, c) = (s * rc + c * rs, c * rc - s * rs);
                }
                (s, c, turns + (k - k0))
            }
            _ => {
                let (s, c) = angle(k).sin_cos();
                (s, c, 0)
            }
        };
        last = Some((k, s, c, turns));
        if c.abs() < 1e-3 {
            angle(k).tan()
        } else {
            s / c
        }
    })
    .collect()
}

/// The edges of a footprint's runs, degrees from its first ray edge:
/// edge `i` of the `runs + 1` at the first ray of run `i` times the step,
/// the last at the rays' span (each computed as `k · step`, like the
/// rays' own edges).
#[derive(Clone, Copy)]
struct Edges<'a> {
    firsts: &'a [u32],
    rays: usize,
    step: f64,
}

impl Edges<'_> {
    /// Edge `i` (`0 ≤ i ≤ runs`).
    #[inline]
    fn at(&self, i: usize) -> f64 {
        match self.firsts.get(i) {
            Some(&k) => f64::from(k) * self.step,
            None => self.rays as f64 * self.step,
        }
    }

    /// How many of the edges `from..=runs` satisfy `holds`, which holds
    /// for a first stretch of them.
    #[inline]
    fn count(&self, from: usize, holds: impl Fn(f64) -> bool) -> usize {
        let firsts = self.firsts.get(from..).unwrap_or(&[]);
        let c = firsts.partition_point(|&k| holds(f64::from(k) * self.step));
        if c == firsts.len() && holds(self.rays as f64 * self.step) {
            c + 1
        } else {
            c
        }
    }

    /// How many of the runs' first edges (`0..runs`) satisfy `holds`,
    /// which holds for a first stretch of them.
    #[inline]
    fn count_starts(&self, holds: impl Fn(f64) -> bool) -> usize {
        self.firsts
            .partition_point(|&k| holds(f64::from(k) * self.step))
    }
}

impl Polar {
    /// The footprint placed with its first ray edge at grid azimuth
    /// `first_deg`, ground metres times `scale` on the grid.
    pub fn new(footprint: Arc<Footprint>, scale: f64, first_deg: f64) -> Self {
        let n = footprint.rays();
        let step = footprint.step_deg;
        // the footprint's runs are the walk's: each edge at `k · step`
        let firsts = footprint.run_first_rays();
        let edge_rays = firsts.iter().skip(1).map(|&k| k as usize);
        let tan_edge = edge_tangents(
            first_deg,
            step,
            std::iter::once(0)
                .chain(edge_rays)
                .chain((n > 0).then_some(n)),
        );
        let inner_run: Vec<f32> = (0..firsts.len())
            .map(|r| match footprint.run_intervals(r).first() {
                Some(&[0.0, b]) => b,
                _ => 0.0,
            })
            .collect();
        let grid = |b: f32| f64::from(b) * scale;
        let inner_max2 = inner_run
            .iter()
            .fold(0.0f64, |m, &b| m.max(grid(b)))
            .powi(2);
        let closed = n > 0 && (n as f64 * step - 360.0).abs() <= 1e-9;
        let inner_min = if closed {
            inner_run.iter().fold(f64::INFINITY, |m, &b| m.min(grid(b)))
        } else {
            0.0
        };
        let block_inner = BLOCKS.map(|size| {
            inner_run
                .chunks_exact(size)
                .map(|c| c.iter().fold(f64::INFINITY, |m, &b| m.min(grid(b))))
                .collect()
        });
        Polar {
            footprint,
            scale,
            first_deg,
            tan_edge,
            inner_run,
            inner_max2,
            inner_min,
            block_inner,
        }
    }

    /// The edges of the runs (see [`Edges`]).
    #[inline]
    fn edges(&self) -> Edges<'_> {
        Edges {
            firsts: self.footprint.run_first_rays(),
            rays: self.footprint.rays(),
            step: self.footprint.step_deg,
        }
    }

    /// The grid radius within which run `r`'s rays are covered from the
    /// site on (0 when they are not).
    #[inline]
    fn inner(&self, r: usize) -> f64 {
        f64::from(self.inner_run[r]) * self.scale
    }

    /// Whether the window `t_lo ≤ x − cx ≤ t_hi` of the line `y − cy = dy`
    /// lies inside the inner radius of every run it crosses (with a margin
    /// far above rounding), so that the walk of [`Polar::intervals`] would
    /// pass a piece covering the whole window: a few angles and a minimum
    /// over the runs instead of the walk. `false` when unsure (a window
    /// leaving the rays' span).
    fn covers_window(&self, t_lo: f64, t_hi: f64, dy: f64) -> bool {
        if t_lo.is_nan() || t_hi.is_nan() || t_lo > t_hi {
            return false;
        }
        // the farthest point of a segment from the site is one of its ends
        let far2 = t_lo.abs().max(t_hi.abs()).powi(2) + dy * dy;
        if far2.is_nan() || far2 >= self.inner_max2 {
            return false;
        }
        // nearer than every run's inner radius: no angle needed (the test
        // below would pass, the smallest radius being no larger than the
        // one it finds)
        if far2 <= self.inner_min * self.inner_min * (1.0 - 1e-9) {
            return true;
        }
        // the window's azimuths, as the walk measures them
        let ady = dy.abs().max(1e-9);
        let (p0, p1) = (t_lo.atan2(ady).to_degrees(), t_hi.atan2(ady).to_degrees());
        let (a0, a1) = if dy >= 0.0 {
            (p0, p1)
        } else {
            (180.0 - p1, 180.0 - p0)
        };
        let ua = (a0 - self.first_deg).rem_euclid(360.0);
        self.inner_over(ua, ua + (a1 - a0))
            .is_some_and(|inner| far2 <= inner * inner * (1.0 - 1e-9))
    }

    /// Whether the box from `lo` to `hi` (offsets from the site, grid
    /// metres) lies inside the inner radius of every run its azimuths
    /// meet, with a margin far above rounding: then every window of every
    /// line through the box is one [`Polar::covers_window`] passes whole
    /// (its farthest point is no farther than the box's farthest corner,
    /// and its azimuths lie within the box's, padded here by 10⁻⁷°), so
    /// the shape covers every line through the box entirely.
    pub(crate) fn covers_box(&self, lo: [f64; 2], hi: [f64; 2]) -> bool {
        let fx = lo[0].abs().max(hi[0].abs());
        let fy = lo[1].abs().max(hi[1].abs());
        let far2 = fx * fx + fy * fy;
        if far2.is_nan() || far2 >= self.inner_max2 {
            return false;
        }
        if far2 <= self.inner_min * self.inner_min * (1.0 - 1e-8) {
            return true;
        }
        const PAD_DEG: f64 = 1e-7;
        let (ua, ub) = if lo[0] <= 0.0 && hi[0] >= 0.0 && lo[1] <= 0.0 && hi[1] >= 0.0 {
            // the site inside the box: every azimuth
            (0.0, 360.0)
        } else {
            // a box beside the site spans at most 180° of azimuth: its
            // corners' azimuths measured from the first one's
            let u = |x: f64, y: f64| (x.atan2(y).to_degrees() - self.first_deg).rem_euclid(360.0);
            let u0 = u(lo[0], lo[1]);
            let (mut d_min, mut d_max) = (0.0f64, 0.0f64);
            for (x, y) in [(hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])] {
                let d = (u(x, y) - u0 + 180.0).rem_euclid(360.0) - 180.0;
                d_min = d_min.min(d);
                d_max = d_max.max(d);
            }
            let ua = (u0 + d_min - PAD_DEG).rem_euclid(360.0);
            (ua, ua + (d_max - d_min) + 2.0 * PAD_DEG)
        };
        self.inner_over(ua, ub)
            .is_some_and(|inner| far2 <= inner * inner * (1.0 - 1e-8))
    }

    /// The smallest inner radius of the runs whose closed angular ranges
    /// meet `[ua, ub]` (degrees from the first ray edge, `0 ≤ ua ≤ ub`);
    /// past 360° the range wraps round to the first run when the rays
    /// close the circle. `None` when the range leaves the rays' span.
    fn inner_over(&self, ua: f64, ub: f64) -> Option<f64> {
        let runs = self.footprint.runs();
        if runs == 0 || ua.is_nan() || ub.is_nan() || ua > ub {
            return None;
        }
        let edges = self.edges();
        let span = edges.at(runs);
        // every run whose closed angular range meets [a, b] (within span)
        let min_over = |a: f64, b: f64| {
            let first = edges.count(1, |e| e < a).min(runs - 1);
            let last = edges.count_starts(|e| e <= b).saturating_sub(1).max(first);
            self.inner_min_over(first, last)
        };
        if ub <= span {
            return Some(min_over(ua, ub));
        }
        // past the last edge: only a closed circle goes on (a range of a
        // whole turn or more meets every run)
        let closed = (span - 360.0).abs() <= 1e-9;
        if !closed {
            return None;
        }
        if ub - ua >= 360.0 {
            return Some(min_over(0.0, span));
        }
        Some(min_over(ua.min(span), span).min(min_over(0.0, ub - 360.0)))
    }

    /// The smallest inner radius of runs `first..=last`: the blocks
    /// ([`BLOCKS`]) that lie within whole by their minimum, the runs at
    /// either end one by one (the same minimum as run by run).
    fn inner_min_over(&self, first: usize, last: usize) -> f64 {
        let mut m = f64::INFINITY;
        let mut r = first;
        'runs: while r <= last {
            for (size, blocks) in BLOCKS.iter().zip(&self.block_inner) {
                if r.is_multiple_of(*size) && r + size <= last + 1 {
                    if let Some(&b) = blocks.get(r / size) {
                        m = m.min(b);
                        r += size;
                        continue 'runs;
                    }
                }
            }
            m = m.min(self.inner(r));
            r += 1;
        }
        m
    }

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
    /// `out` (touching pieces merged). Only the runs that meet the window
    /// `t_lo ≤ x − cx ≤ t_hi` are walked; each is passed whole, as the
    /// walk of the whole line would pass it.
    fn intervals(
        &self,
        cx: f64,
        dy: f64,
        radius: f64,
        (t_lo, t_hi): (f64, f64),
        mut out: impl FnMut(f64, f64),
    ) {
        let fp = &*self.footprint;
        let runs = self.footprint.runs();
        if runs == 0 || dy.abs() > radius {
            return;
        }
        let h = (radius * radius - dy * dy).max(0.0).sqrt();
        if t_hi < -h || t_lo > h || t_hi < t_lo {
            return;
        }
        // along the line, ψ = atan(t / |dy|) with t = x − cx rises from −ψh
        // to ψh; the point's azimuth is ψ north of the site, 180° − ψ south
        // (so t = |dy|·tan(azimuth) north, −|dy|·tan(azimuth) south)
        let ady = dy.abs().max(1e-9);
        let north = dy >= 0.0;
        let psi_h = h.atan2(ady).to_degrees();
        let psi_start = if t_lo > -h {
            t_lo.atan2(ady).to_degrees()
        } else {
            -psi_h
        };
        let psi_end = if t_hi < h {
            t_hi.atan2(ady).to_degrees()
        } else {
            psi_h
        };
        let edges = self.edges();
        let span = edges.at(runs);
        let az0 = if north { psi_start } else { 180.0 - psi_start };
        let mut u = (az0 - self.first_deg).rem_euclid(360.0);
        if !north && u == 0.0 {
            u = 360.0;
        }
        let sign = if north { ady } else { -ady };
        let t_edge = |e: usize| (sign * self.tan_edge[e]).clamp(-h, h);
        // degrees left to the end of the chord and to the end of the window
        let mut left = psi_h - psi_start;
        let mut left_window = psi_end - psi_start;
        // the run the walk starts in (None: the gap outside a sector)
        let mut run = if north {
            (u < span).then(|| (edges.count(0, |e| e <= u).max(1) - 1).min(runs - 1))
        } else {
            (u <= span).then(|| edges.count(1, |e| e < u).min(runs - 1))
        };
        // where the first run begins on the line: its edge when that lies
        // on the chord, else the chord's end
        let mut t0 = match run {
            Some(r) => {
                let (edge, back) = if north {
                    (r, u - edges.at(r))
                } else {
                    (r + 1, edges.at(r + 1) - u)
                };
                if back < psi_start + psi_h {
                    t_edge(edge)
                } else {
                    -h
                }
            }
            None => -h,
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
        let mut guard = 2 * runs + 8;
        while left_window > 0.0 && guard > 0 {
            guard -= 1;
            // a whole block of runs ahead, its stretch within the block's
            // smallest inner radius: passed at once, as its runs would be
            // one by one (the same whole test, with a radius no larger than
            // any of theirs, on a stretch holding each of theirs)
            if let Some(r) = run {
                let mut skipped = false;
                for (&size, blocks) in BLOCKS.iter().zip(&self.block_inner) {
                    let (block, edge, next) = if north {
                        (
                            (r % size == 0 && r + size < runs).then_some(r / size),
                            r + size,
                            r + size,
                        )
                    } else {
                        (
                            ((r + 1) % size == 0 && r >= size).then_some(r / size),
                            (r + 1).saturating_sub(size),
                            r.saturating_sub(size),
                        )
                    };
                    let Some(&b) = block.and_then(|k| blocks.get(k)) else {
                        continue;
                    };
                    let room = if north {
                        edges.at(edge) - u
                    } else {
                        u - edges.at(edge)
                    };
                    if room < left && room < left_window {
                        let t1 = t_edge(edge);
                        let x = (b * b - dy * dy) * (1.0 - 1e-15);
                        if b > ady && t0 * t0 <= x && t1 * t1 <= x {
                            if t0 < t1 {
                                emit(cx + t0, cx + t1, &mut out);
                            }
                            t0 = t1;
                            left -= room;
                            left_window -= room;
                            u = edges.at(edge);
                            run = Some(next);
                            skipped = true;
                            break;
                        }
                    }
                }
                if skipped {
                    continue;
                }
            }
            // the room (degrees) to the end of the run and the edge there
            let (room, edge) = match (run, north) {
                (Some(r), true) => ((edges.at(r + 1) - u).max(0.0), r + 1),
                (Some(r), false) => ((u - edges.at(r)).max(0.0), r),
                (None, true) => (360.0 - u, 0),
                (None, false) => (u - span, runs),
            };
            let t1 = if room < left { t_edge(edge) } else { h };
            // the stretch [t0, t1] within the run's inner radius b: its
            // pieces below are [max(−tb, t0), min(−0, t1)] and [max(0, t0),
            // min(tb, t1)] with tb = √(b² − dy²) as rounded there, which
            // join into [t0, t1] exactly when t0² and t1² are below
            // b² − dy² by a margin of some rounding errors (then |t| < tb
            // however tb rounds); its later intervals start beyond b and
            // add nothing. No square root for the common case.
            let whole = run.is_some_and(|r| {
                let b = self.inner(r);
                let x = (b * b - dy * dy) * (1.0 - 1e-15);
                b > ady && t0 * t0 <= x && t1 * t1 <= x
            });
            if whole {
                if t0 < t1 {
                    emit(cx + t0, cx + t1, &mut out);
                }
            } else if let Some(r) = run {
                for &[a, b] in fp.run_intervals(r) {
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
            if room >= left_window {
                break;
            }
            t0 = t1;
            left -= room;
            left_window -= room;
            // on to the next run (or the gap outside the sector)
            (u, run) = match (run, north) {
                (Some(r), true) if r + 1 < runs => (edges.at(r + 1), Some(r + 1)),
                (Some(_), true) if span < 360.0 => (span, None),
                (_, true) => (0.0, Some(0)),
                (Some(r), false) if r > 0 => (edges.at(r), Some(r - 1)),
                (Some(_), false) if span < 360.0 => (360.0, None),
                (_, false) => (span, Some(runs - 1)),
            };
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
    /// the disc and the wedge; shared by the copies of the shape in each
    /// technology's tree).
    pub polar: Option<Arc<Polar>>,
    /// Lower-left corner of the shape's bounding box (the wedge's own box,
    /// not its disc's, padded by a hair so that edge points stay inside).
    pub min: [f64; 2],
    /// Upper-right corner of the bounding box.
    pub max: [f64; 2],
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
        let first_deg = footprint.first_azimuth_deg + convergence_deg;
        self.polar = Some(Arc::new(Polar::new(footprint, scale, first_deg)));
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

    /// The intervals of the line at ordinate `y` inside the shape that may
    /// meet `[x_lo, x_hi]`: those of [`Cell::intervals`], except that a
    /// terrain-shaped footprint walks only the part of the line near the
    /// window (its pieces there are the same; others may be left out), and
    /// a window inside the covered core of the runs it crosses is passed
    /// as the one piece `[x_lo, x_hi]` (the same covered length).
    pub fn intervals_near(&self, y: f64, x_lo: f64, x_hi: f64, out: impl FnMut(f64, f64)) {
        match &self.polar {
            Some(polar) => {
                let [cx, cy] = self.centre;
                let (t_lo, t_hi, dy) = (x_lo - cx, x_hi - cx, y - cy);
                if polar.covers_window(t_lo, t_hi, dy) {
                    // the walk would pass one piece holding the window
                    let mut out = out;
                    return out(x_lo, x_hi);
                }
                polar.intervals(cx, dy, self.radius, (t_lo, t_hi), out)
            }
            None => self.intervals(y, out),
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
            return polar.intervals(cx, dy, self.radius, (f64::NEG_INFINITY, f64::INFINITY), out);
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
                envelope: AABB::from_corners(c.min, c.max),
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

    /// The shapes whose boxes meet `envelope`, gathered in the order of
    /// [`ShapeTree::locate_in_envelope_intersecting`] without its
    /// iterator's stack ([`super::walk`]).
    pub fn intersecting(&self, envelope: &AABB<[f64; 2]>) -> Vec<&Cell> {
        let mut out = Vec::new();
        super::walk::intersecting(&self.tree, envelope, |s| {
            out.extend(self.cells.get(s.index));
            std::ops::ControlFlow::Continue(())
        });
        out
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
    Capsule::new(a, b, d).interval(y)
}

/// The corridor within distance `d` of the segment `a`–`b` (a capsule): its
/// two end discs and the rectangle its normal offsets sweep, worked out
/// once for the many lines that cross it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capsule {
    ends: [[f64; 2]; 2],
    d: f64,
    /// The rectangle's corners, in order (none for a segment of no length).
    corners: Option<[[f64; 2]; 4]>,
}

impl Capsule {
    pub(crate) fn new(a: [f64; 2], b: [f64; 2], d: f64) -> Self {
        let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
        let len = (ex * ex + ey * ey).sqrt();
        let corners = (len > 0.0).then(|| {
            let (nx, ny) = (-ey / len * d, ex / len * d);
            [
                [a[0] + nx, a[1] + ny],
                [b[0] + nx, b[1] + ny],
                [b[0] - nx, b[1] - ny],
                [a[0] - nx, a[1] - ny],
            ]
        });
        Capsule {
            ends: [a, b],
            d,
            corners,
        }
    }

    /// The interval of the line at ordinate `y` inside the corridor, if any
    /// (inlined into the row sweep's loop over a line's corridors).
    #[inline(always)]
    pub(crate) fn interval(&self, y: f64) -> Option<(f64, f64)> {
        let d = self.d;
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        // the two end discs
        for p in self.ends {
            let dy = y - p[1];
            if dy.abs() <= d {
                let h = (d * d - dy * dy).max(0.0).sqrt();
                lo = lo.min(p[0] - h);
                hi = hi.max(p[0] + h);
            }
        }
        // the rectangle swept by the segment's normal offsets
        if let Some(corners) = &self.corners {
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

    /// A footprint of `n` rays: runs of whole rays, shadowed rays, rays
    /// with holes and empty rays, over `span_deg` from `first_deg`.
    fn patchy(n: u32, first_deg: f64, span_deg: f64) -> Footprint {
        footprint_of_rays(n, first_deg, span_deg, |k| match (k / 5) % 4 {
            0 => vec![[0.0, 80.0]],
            1 => vec![[0.0, 20.0 + (k % 10) as f32], [45.0, 70.0]],
            2 => vec![],
            _ => vec![[10.0 + (k % 3) as f32 * 15.0, 80.0]],
        })
    }

    /// Shadowed footprints placed in a strip frame: rays, first ray edge
    /// and span (degrees), scale factor, grid convergence (degrees); two
    /// full circles (one turned), two sectors.
    const PLACED: [(u32, f64, f64, f64, f64); 4] = [
        (240, 0.0, 360.0, 1.0, 0.0),
        (240, 33.3, 360.0, 1.0003, 0.7),
        (97, 20.0, 120.0, 1.0004, 0.3),
        (150, 250.0, 200.0, 0.9996, -0.2),
    ];

    /// A footprint of `n` rays over `span_deg` from `first_deg`, ending
    /// short of 80 m by up to 11 m, every 23rd ray shadowed over `hole`
    /// and every 23rd (offset by 6) holding the one interval `odd(end)`.
    fn shadowed(
        n: u32,
        first_deg: f64,
        span_deg: f64,
        hole: [f32; 2],
        odd: impl Fn(f32) -> [f32; 2],
    ) -> Footprint {
        footprint_of_rays(n, first_deg, span_deg, |k| {
            let end = 80.0 - ((k * 7919) % 13) as f32 * 0.9;
            match k % 23 {
                5 => vec![[0.0, hole[0]], [hole[1], end]],
                11 => vec![odd(end)],
                _ => vec![[0.0, end]],
            }
        })
    }

    /// A footprint of `n` rays of 80 m over `span_deg` from `first_deg`,
    /// ray `k` covering the intervals `ray(k)`.
    fn footprint_of_rays(
        n: u32,
        first_deg: f64,
        span_deg: f64,
        ray: impl Fn(u32) -> Vec<[f32; 2]>,
    ) -> Footprint {
        let rays: Vec<Vec<[f32; 2]>> = (0..n).map(ray).collect();
        Footprint::from_rays(
            first_deg,
            span_deg / n as f64,
            80.0,
            rays.iter().map(Vec::as_slice),
        )
    }

    #[test]
    fn footprint_traces_match_point_tests() {
        // full circle and sectors (one crossing north, one wider than
        // 180°), with runs of equal rays merged and single rays alone
        for (n, first, span, scale) in [
            (72, 0.0, 360.0, 1.0),
            (40, 10.0, 360.0, 1.001),
            (23, 300.0, 120.0, 1.0),
            (50, 100.0, 250.0, 0.999),
        ] {
            let fp = Arc::new(patchy(n, first, span));
            assert!(fp.is_well_formed());
            let c = Cell::new([10.0, -5.0], 80.0 * scale, 1, None).with_footprint(
                fp.clone(),
                scale,
                0.0,
            );
            // the walk goes by the footprint's runs, fewer than its rays
            let polar = c.polar.as_ref().expect("footprint placed");
            assert!(fp.runs() < fp.rays());
            assert_eq!(polar.inner_run.len(), fp.runs());
            for y in [
                -84.0, -60.0, -31.3, -7.0, -5.001, -4.9, 0.0, 12.5, 40.0, 70.0, 74.99,
            ] {
                let (t, s) = (traced_length(&c, y), sampled_length(&c, y));
                assert!((t - s).abs() < 0.05, "{n} rays, y {y}: {t} vs {s}");
                // a window of the line: the same covered length inside it
                for (lo, hi) in [(-100.0, 200.0), (0.0, 30.0), (-60.0, -20.0), (12.0, 12.5)] {
                    let mut near = Vec::new();
                    c.intervals_near(y, lo, hi, |a, b| near.push((a, b)));
                    let mut all = Vec::new();
                    c.intervals(y, |a, b| all.push((a, b)));
                    let got = covered_length(&mut near, &[(lo, hi)]);
                    let want = covered_length(&mut all, &[(lo, hi)]);
                    assert!(
                        (got - want).abs() < 1e-9,
                        "y {y} [{lo}, {hi}]: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn stretches_within_a_runs_inner_radius_give_the_same_numbers_as_its_intervals() {
        // gentle terrain (rays ending a little short of the range, some with
        // a shadow), a patchy footprint, sectors: the walk with the runs'
        // inner radii passes exactly the intervals of the walk without them
        let gentle = |n: u32, first: f64, span: f64| {
            footprint_of_rays(n, first, span, |k| {
                let end = 80.0 - ((k * 7919) % 13) as f32 * 0.37;
                if k % 17 == 3 {
                    vec![[0.0, end - 30.0], [end - 20.0, end]]
                } else {
                    vec![[0.0, end]]
                }
            })
        };
        let (mut runs_used, mut blocks_used) = (0usize, 0usize);
        for (fp, scale, convergence) in [
            (gentle(240, 0.0, 360.0), 1.0, 0.0),
            (gentle(97, 20.0, 120.0), 1.0004, 0.3),
            (gentle(150, 250.0, 200.0), 0.9996, -0.2),
            (patchy(72, 0.0, 360.0), 1.0, 0.0),
            (patchy(50, 100.0, 250.0), 0.999, 0.1),
        ] {
            let fp = Arc::new(fp);
            assert!(fp.is_well_formed());
            let c = Cell::new([10.0, -5.0], 80.0 * scale, 1, None).with_footprint(
                fp,
                scale,
                convergence,
            );
            let fast = Polar::clone(c.polar.as_ref().unwrap());
            let mut plain = fast.clone();
            plain.inner_run.iter_mut().for_each(|r| *r = 0.0);
            plain.inner_min = 0.0;
            for blocks in &mut plain.block_inner {
                blocks.iter_mut().for_each(|r| *r = 0.0);
            }
            runs_used += fast.inner_run.iter().filter(|&&r| r > 0.0).count();
            // the smallest inner radius of a stretch of runs, whole blocks
            // read by their minimum: the same as run by run, for every
            // stretch (some of these footprints hold several blocks)
            let runs = fast.footprint.runs();
            for first in 0..runs {
                for last in first..runs {
                    let by_run = (first..=last).fold(f64::INFINITY, |m, r| m.min(fast.inner(r)));
                    assert_eq!(
                        fast.inner_min_over(first, last).to_bits(),
                        by_run.to_bits(),
                        "runs {first}..={last} of {runs}"
                    );
                }
            }
            blocks_used += usize::from(runs >= 2 * BLOCKS[0]);
            for i in 0..=170 {
                let dy = -84.0 + i as f64 * 0.997;
                for window in [
                    (f64::NEG_INFINITY, f64::INFINITY),
                    (-30.0, 45.0),
                    (5.0, 6.0),
                    (-79.0, -2.0),
                ] {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    fast.intervals(10.0, dy, 80.0 * scale, window, |x, y| a.push((x, y)));
                    plain.intervals(10.0, dy, 80.0 * scale, window, |x, y| b.push((x, y)));
                    assert_eq!(a, b, "dy {dy} window {window:?}");
                }
            }
        }
        assert!(runs_used > 100);
        assert!(blocks_used >= 2);
    }

    #[test]
    fn a_window_inside_the_covered_core_is_what_the_walk_covers() {
        // footprints with shadows, sectors and rays ending short of the
        // range; many windows: whenever the shortcut says "covered", the
        // walk's pieces hold the whole window, and it says so often
        let shadowed = |n: u32, first: f64, span: f64| {
            shadowed(n, first, span, [25.0, 31.0], |end| [3.0, end])
        };
        let (mut said, mut checked) = (0usize, 0usize);
        let placed = PLACED.map(|(n, first, span, scale, convergence)| {
            (shadowed(n, first, span), scale, convergence)
        });
        for (fp, scale, convergence) in
            placed
                .into_iter()
                .chain([(patchy(72, 0.0, 360.0), 1.0, 0.0)])
        {
            let c = Cell::new([10.0, -5.0], 80.0 * scale, 1, None).with_footprint(
                Arc::new(fp),
                scale,
                convergence,
            );
            let polar = c.polar.as_ref().unwrap();
            for i in 0..=200 {
                let dy = -82.0 + i as f64 * 0.8123;
                for j in 0..40 {
                    let lo = -80.0 + j as f64 * 3.7;
                    for width in [0.5, 6.0, 23.0, 61.0] {
                        let (t_lo, t_hi) = (lo, lo + width);
                        let mut walked = Vec::new();
                        polar.intervals(10.0, dy, 80.0 * scale, (t_lo, t_hi), |a, b| {
                            walked.push((a, b))
                        });
                        // the window's length the walk leaves out (an
                        // edge at a whole multiple of 90° rounds a hair
                        // off the line's foot, which no figure sees)
                        let window = [(10.0 + t_lo, 10.0 + t_hi)];
                        let missed = width - covered_length(&mut walked, &window);
                        checked += 1;
                        if polar.covers_window(t_lo, t_hi, dy) {
                            said += 1;
                            assert!(missed < 1e-9, "dy {dy} window [{t_lo}, {t_hi}]: {walked:?}");
                            // what the shape passes then
                            let mut near = Vec::new();
                            c.intervals_near(dy - 5.0, 10.0 + t_lo, 10.0 + t_hi, |a, b| {
                                near.push((a, b))
                            });
                            assert_eq!(near, vec![(10.0 + t_lo, 10.0 + t_hi)]);
                        }
                    }
                }
            }
        }
        assert!(said * 10 > checked, "{said} of {checked} windows shortcut");
    }

    #[test]
    fn a_box_inside_the_covered_core_is_covered_on_every_line() {
        // boxes beside the site, around it and across the first ray edge,
        // on shadowed disc and sector footprints: whenever the box test
        // says "covered", every window of every line through the box is
        // one the window test passes and the walk covers; and it says so
        // for a good share of the boxes near the site
        let shadowed =
            |n: u32, first: f64, span: f64| shadowed(n, first, span, [45.0, 51.0], |_| [0.0, 38.0]);
        let (mut said, mut near) = (0usize, 0usize);
        for (n, first, span, scale, convergence) in PLACED {
            let fp = shadowed(n, first, span);
            let c = Cell::new([10.0, -5.0], 80.0 * scale, 1, None).with_footprint(
                Arc::new(fp),
                scale,
                convergence,
            );
            let polar = c.polar.as_ref().unwrap();
            for i in 0..24 {
                for j in 0..24 {
                    let lo = [-60.0 + i as f64 * 5.0, -60.0 + j as f64 * 5.0];
                    for size in [[3.0, 4.0], [11.0, 7.0], [25.0, 19.0]] {
                        let hi = [lo[0] + size[0], lo[1] + size[1]];
                        near += usize::from(lo[0].abs().max(hi[0].abs()) < 30.0);
                        if !polar.covers_box(lo, hi) {
                            continue;
                        }
                        said += 1;
                        for l in 0..=8 {
                            let dy = lo[1] + (hi[1] - lo[1]) * l as f64 / 8.0;
                            for (a, b) in [(0.0, 1.0), (0.0, 0.3), (0.6, 1.0), (0.25, 0.75)] {
                                let t_lo = lo[0] + (hi[0] - lo[0]) * a;
                                let t_hi = lo[0] + (hi[0] - lo[0]) * b;
                                assert!(
                                    polar.covers_window(t_lo, t_hi, dy),
                                    "box {lo:?}-{hi:?}, line {dy}, window [{t_lo}, {t_hi}]"
                                );
                                let mut walked = Vec::new();
                                polar.intervals(10.0, dy, 80.0 * scale, (t_lo, t_hi), |x, y| {
                                    walked.push((x, y))
                                });
                                let window = [(10.0 + t_lo, 10.0 + t_hi)];
                                let missed = (t_hi - t_lo) - covered_length(&mut walked, &window);
                                assert!(missed < 1e-9, "box {lo:?}-{hi:?}: {walked:?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(
            said * 4 > near,
            "{said} boxes covered of {near} near the site"
        );
        // a box reaching past the shortest ray's core is not covered
        let c = Cell::new([0.0, 0.0], 80.0, 1, None).with_footprint(
            Arc::new(shadowed(240, 0.0, 360.0)),
            1.0,
            0.0,
        );
        let polar = c.polar.as_ref().unwrap();
        assert!(polar.covers_box([-20.0, -20.0], [20.0, 20.0]));
        assert!(!polar.covers_box([-30.0, -30.0], [30.0, 30.0]));
        // beyond the sector's rays: never covered
        let sector = Cell::new([0.0, 0.0], 80.0, 1, None).with_footprint(
            Arc::new(shadowed(97, 20.0, 120.0)),
            1.0,
            0.0,
        );
        let polar = sector.polar.as_ref().unwrap();
        assert!(polar.covers_box([10.0, 1.0], [20.0, 10.0]));
        assert!(!polar.covers_box([-20.0, 1.0], [-10.0, 10.0]));
        assert!(!polar.covers_box([-5.0, -5.0], [5.0, 5.0]));
    }

    #[test]
    fn a_window_nearer_than_every_inner_radius_is_covered_without_angles() {
        // a full circle whose rays are covered from the site to 30–80 m,
        // and the same rays as a 300° sector
        for (span, closed) in [(360.0, true), (300.0, false)] {
            let fp = footprint_of_rays(120, 10.0, span, |k| {
                vec![[0.0, 30.0 + (k % 7) as f32 * 8.0]]
            });
            let polar = Polar::new(Arc::new(fp), 1.0, 10.0);
            assert_eq!(polar.inner_min, if closed { 30.0 } else { 0.0 });
            // windows within 30 m of the site, any direction: covered (and
            // the walk agrees) on the circle; on the sector only where the
            // window's azimuths stay inside it, which the angles decide
            for dy in [-29.0, -12.0, 0.5, 20.0] {
                let h = (29.9f64 * 29.9 - dy * dy).sqrt();
                let mut walked = Vec::new();
                polar.intervals(0.0, dy, 80.0, (-h, h), |a, b| walked.push((a, b)));
                let whole = walked.iter().any(|&(a, b)| a <= -h && b >= h);
                assert_eq!(whole, closed || dy < 0.0, "span {span}, dy {dy}");
                assert_eq!(
                    polar.covers_window(-h, h, dy),
                    whole,
                    "span {span}, dy {dy}"
                );
                assert_eq!(
                    polar.covers_box([-h, dy - 0.1], [h, dy]),
                    whole,
                    "span {span}, dy {dy}"
                );
            }
            assert!(!polar.covers_window(-45.0, 45.0, 0.0));
        }
    }

    #[test]
    fn stepped_edge_tangents_are_the_exact_ones() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut worst = 0.0f64;
        for _ in 0..200 {
            let first = rng.random_range(-400.0..400.0);
            let n = rng.random_range(8..3000usize);
            let step = rng.random_range(10.0..360.0) / n as f64;
            // ascending edges, gaps of one ray mostly, some longer
            let mut ks = vec![0usize];
            while *ks.last().unwrap() < n {
                let gap = if rng.random_bool(0.8) {
                    1
                } else {
                    rng.random_range(2..40)
                };
                ks.push((ks.last().unwrap() + gap).min(n));
            }
            let got = edge_tangents(first, step, ks.iter().copied());
            for (&k, &t) in ks.iter().zip(&got) {
                let exact = (first + k as f64 * step).to_radians().tan();
                assert_eq!(t.signum(), exact.signum(), "k {k}: {t} vs {exact}");
                worst = worst.max(((t - exact) / exact.abs().max(1.0)).abs());
            }
        }
        assert!(worst < 1e-11, "worst relative error {worst:e}");
    }

    #[test]
    fn union_within_spans() {
        let mut v = vec![(5.0, 8.0), (0.0, 3.0), (2.0, 4.0), (10.0, 20.0)];
        // union = [0,4] ∪ [5,8] ∪ [10,20]; spans [1,6] ∪ [7,12]
        let got = covered_length(&mut v, &[(1.0, 6.0), (7.0, 12.0)]);
        assert_eq!(got, 3.0 + 1.0 + 1.0 + 2.0);
    }
}
