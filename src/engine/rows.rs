//! Row integration of uniform demand.
//!
//! A commune's people are spread evenly over its area, so the share of them a
//! layer covers is the share of the commune's area it covers. This module
//! measures both areas on horizontal lines: at a line, the commune is a set
//! of spans (edge crossings paired even–odd) and each coverage shape an
//! interval or two ([`super::shapes`]); the covered length is the length of
//! the union of the layer's intervals inside the spans, exact along the line.
//! The commune is cut into slices `resolution_m` high, each split further
//! at the polygon's vertices so that within a slice the commune's width
//! varies linearly; each slice is sampled on two lines (Gauss–Legendre
//! nodes). The commune's area therefore comes out exact, and the covered area
//! carries only the quadrature error on the curved and angular edges of the
//! coverage shapes: on a 1,900-cell square commune with a disc of 800 m, a
//! worst error of 0.04 percentage point against 0.57 for counting cell
//! centres (test `grid_aligned_small_commune_is_measured_exactly`).
//! Sampling lines do not depend on the shapes, so the estimate is monotone:
//! adding a site never lowers a figure.

use geo::MultiPolygon;
use rstar::primitives::Line;
use rstar::AABB;

use super::shapes::{corridor_interval, covered_length, Cell};
use super::{scale_at, ZoneIndex, FLAG_BITS, FLAG_FIBER, FLAG_MOBILE_BROADBAND, FLAG_WIFI};

/// Area of a commune and the area of it that each flag bit covers, in grid
/// square metres (the same frame for both, so their ratio is the share).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Measure {
    /// Area of the commune.
    pub area: f64,
    /// Covered area per flag bit.
    pub covered: [f64; FLAG_BITS],
}

/// Where a slice is sampled (fraction of its height) and with what weight:
/// two-point Gauss–Legendre, exact for widths that vary as cubics within a
/// slice. The nodes do not depend on the coverage shapes, so adding a shape
/// can only add covered length: the estimate is monotone.
const NODES: [(f64, f64); 2] = [
    (0.5 - 0.288_675_134_594_812_9, 0.5),
    (0.5 + 0.288_675_134_594_812_9, 0.5),
];

/// One line in the middle of a slice.
const MIDPOINT: [(f64, f64); 1] = [(0.5, 1.0)];

/// A non-horizontal polygon edge for the scanline sweep.
struct Edge {
    y_lo: f64,
    y_hi: f64,
    x_at_lo: f64,
    slope: f64,
}

/// Measures `polygon` (grid metres of `index`'s frame) against the shapes of
/// `index`, on lines `resolution_m` apart split at the polygon's vertices.
pub(crate) fn measure(
    polygon: &MultiPolygon<f64>,
    index: &ZoneIndex,
    resolution_m: f64,
) -> Measure {
    let mut edges: Vec<Edge> = Vec::new();
    let mut breaks: Vec<f64> = Vec::new();
    for ring in polygon
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    {
        for l in ring.lines() {
            breaks.push(l.start.y);
            if l.start.y == l.end.y {
                continue;
            }
            let (lo, hi) = if l.start.y < l.end.y {
                (l.start, l.end)
            } else {
                (l.end, l.start)
            };
            edges.push(Edge {
                y_lo: lo.y,
                y_hi: hi.y,
                x_at_lo: lo.x,
                slope: (hi.x - lo.x) / (hi.y - lo.y),
            });
        }
    }
    if edges.is_empty() {
        return Measure::default();
    }
    let y_min = edges.iter().map(|e| e.y_lo).fold(f64::INFINITY, f64::min);
    let y_max = edges
        .iter()
        .map(|e| e.y_hi)
        .fold(f64::NEG_INFINITY, f64::max);
    let j0 = (y_min / resolution_m).floor() as i64 + 1;
    let j1 = (y_max / resolution_m).ceil() as i64 - 1;
    breaks.extend((j0..=j1).map(|j| j as f64 * resolution_m));
    breaks.retain(|y| *y >= y_min && *y <= y_max);
    let x_min = edges
        .iter()
        .map(|e| e.x_at_lo.min(e.x_at_lo + (e.y_hi - e.y_lo) * e.slope))
        .fold(f64::INFINITY, f64::min);
    let x_max = edges
        .iter()
        .map(|e| e.x_at_lo.max(e.x_at_lo + (e.y_hi - e.y_lo) * e.slope))
        .fold(f64::NEG_INFINITY, f64::max);
    let covered_whole = layers_covering_box(index, [x_min, y_min], [x_max, y_max]);
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();
    edges.sort_by(|a, b| a.y_lo.total_cmp(&b.y_lo));

    let mut m = Measure::default();
    let mut active: Vec<usize> = Vec::new();
    let mut next_edge = 0;
    let mut xs: Vec<f64> = Vec::new();
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut bufs: [Vec<(f64, f64)>; FLAG_BITS] = Default::default();
    for w in breaks.windows(2) {
        let (a, b) = (w[0], w[1]);
        let h = b - a;
        if h <= 0.0 {
            continue;
        }
        // a slice much thinner than a row (cut off by a vertex) is sampled on
        // its middle line alone: the commune's width is linear in it, so its
        // area stays exact, and its share of the coverage error is tiny
        let nodes: &[(f64, f64)] = if h < 0.25 * resolution_m {
            &MIDPOINT
        } else {
            &NODES
        };
        for &(offset, weight) in nodes {
            let y = a + offset * h;
            let h = weight * h;
            while next_edge < edges.len() && edges[next_edge].y_lo <= y {
                active.push(next_edge);
                next_edge += 1;
            }
            active.retain(|&i| edges[i].y_hi > y);
            xs.clear();
            for &i in &active {
                let e = &edges[i];
                xs.push(e.x_at_lo + (y - e.y_lo) * e.slope);
            }
            if xs.len() < 2 {
                continue;
            }
            xs.sort_by(f64::total_cmp);
            spans.clear();
            spans.extend(
                xs.chunks_exact(2)
                    .map(|p| (p[0], p[1]))
                    .filter(|s| s.1 > s.0),
            );
            let Some(&(x_lo, _)) = spans.first() else {
                continue;
            };
            let x_hi = spans.last().map_or(x_lo, |s| s.1);
            let width: f64 = spans.iter().map(|s| s.1 - s.0).sum();
            m.area += h * width;
            let full = trace_line(index, y, x_lo, x_hi, covered_whole, &mut bufs);
            for (bit, buf) in bufs.iter_mut().enumerate() {
                if (full >> bit) & 1 == 1 {
                    m.covered[bit] += h * width;
                } else if !buf.is_empty() {
                    m.covered[bit] += h * covered_length(buf, &spans);
                    buf.clear();
                }
            }
        }
    }
    m
}

/// Collects, per flag bit, the intervals of the line `y` (between `x_lo` and
/// `x_hi`, the ends of the commune's spans) that the strip's shapes cover.
/// Returns the mask of bits that one interval covers entirely: their
/// buffers are left empty and the whole width counts as covered. Each
/// technology has its own tree, and its search stops as soon as one shape
/// covers the whole line (the common case in a well-covered city).
pub(super) fn trace_line(
    index: &ZoneIndex,
    y: f64,
    x_lo: f64,
    x_hi: f64,
    covered_whole: u8,
    bufs: &mut [Vec<(f64, f64)>; FLAG_BITS],
) -> u8 {
    let env = AABB::from_corners([x_lo, y], [x_hi, y]);
    let mut full = covered_whole;
    let add = |bufs: &mut [Vec<(f64, f64)>; FLAG_BITS], bits: u8, a: f64, b: f64, full: &mut u8| {
        let todo = bits & !*full;
        if todo == 0 {
            return;
        }
        let covers = a <= x_lo && b >= x_hi;
        for (bit, buf) in bufs.iter_mut().enumerate() {
            if (todo >> bit) & 1 == 1 {
                if covers {
                    buf.clear();
                } else {
                    buf.push((a, b));
                }
            }
        }
        if covers {
            *full |= todo;
        }
    };
    // the exhaustive baseline offers every shape; the exact traces are the
    // same, only the candidate search differs
    for (bit, layer) in index.layers.iter().enumerate() {
        if (full >> bit) & 1 == 1 {
            continue;
        }
        let cells: Box<dyn Iterator<Item = &Cell>> = if index.exhaustive {
            Box::new(layer.iter())
        } else {
            Box::new(layer.locate_in_envelope_intersecting(&env))
        };
        for c in cells {
            c.intervals(y, |a, b| add(bufs, 1 << bit, a, b, &mut full));
            if (full >> bit) & 1 == 1 && !index.exhaustive {
                break;
            }
        }
    }
    // mobile broadband: full when one of 3G, 4G, 5G is, else their union
    let mbb = FLAG_MOBILE_BROADBAND.trailing_zeros() as usize;
    if full & 0b1110 != 0 {
        full |= FLAG_MOBILE_BROADBAND;
    } else {
        let (tech, rest) = bufs.split_at_mut(mbb);
        for buf in &tech[1..4] {
            rest[0].extend_from_slice(buf);
        }
    }
    let wifi_cells: Box<dyn Iterator<Item = &Cell>> = if index.exhaustive {
        Box::new(index.wifi.iter())
    } else {
        Box::new(index.wifi.locate_in_envelope_intersecting(&env))
    };
    for c in wifi_cells {
        c.intervals(y, |a, b| add(bufs, FLAG_WIFI, a, b, &mut full));
    }
    let reach = index.fiber_drop_m * scale_at(x_lo.abs().max(x_hi.abs())) * (1.0 + 1e-9);
    let wide = AABB::from_corners([x_lo - reach, y - reach], [x_hi + reach, y + reach]);
    let segments: Box<dyn Iterator<Item = &Line<[f64; 2]>>> = if index.exhaustive {
        Box::new(index.fiber.iter())
    } else {
        Box::new(index.fiber.locate_in_envelope_intersecting(&wide))
    };
    for seg in segments {
        let drop = index.fiber_drop_m * scale_at(0.5 * (seg.from[0] + seg.to[0]));
        if let Some((a, b)) = corridor_interval(seg.from, seg.to, drop, y) {
            add(bufs, FLAG_FIBER, a, b, &mut full);
        }
    }
    full
}

/// The technology bits of which one convex shape (a disc, or a wedge of at
/// most 180°) holds the whole box: every line through the commune is then
/// covered entirely by that one shape, which is what the line search would
/// find, so skipping it changes nothing but the time.
pub(super) fn layers_covering_box(index: &ZoneIndex, min: [f64; 2], max: [f64; 2]) -> u8 {
    if index.exhaustive {
        return 0;
    }
    let corners = [min, [max[0], min[1]], max, [min[0], max[1]]];
    let env = AABB::from_corners(min, max);
    let mut bits = 0u8;
    for (bit, layer) in index.layers.iter().enumerate() {
        let holds = layer.locate_in_envelope_intersecting(&env).any(|c| {
            c.wedge.is_none_or(|w| w.half_deg <= 90.0) && corners.iter().all(|p| c.serves(*p))
        });
        if holds {
            bits |= 1 << bit;
        }
    }
    bits
}
