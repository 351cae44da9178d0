//! Geometric sanity checks on commune boundaries.
//!
//! Nothing here refuses a scenario: each finding is a warning (geometry that
//! is valid GeoJSON but geometrically odd). All measures are on the WGS 84
//! ellipsoid (geo's [`GeodesicArea`]).
//!
//! | check | definition |
//! | --- | --- |
//! | self-intersection | a ring crosses or touches itself (two non-consecutive edges meet, or two consecutive edges overlap: a spike); two rings of one polygon cross or share an edge; a ring with fewer than 3 distinct positions |
//! | hole outside | an interior ring lies outside its exterior ring |
//! | sliver | a polygon whose geodesic area is below [`SLIVER_MIN_AREA_M2`], or whose Polsby–Popper compactness 4πA/P² (A area, P perimeter including holes) is below [`SLIVER_MAX_COMPACTNESS`] |
//! | overlap | two communes (or two polygons of one commune) whose interiors share more than [`OVERLAP_MIN_M2`] |
//!
//! Costs: the ring check is a sweep over each polygon's edges (geo's
//! [`Intersections`]), O((n + m) log n) for n edges and m edge pairs that
//! overlap in longitude; geo's `Validation` tests every pair of edges, which
//! is too slow for detailed boundaries of a whole country, so it serves as
//! the reference in the tests instead. Overlaps are measured only for pairs
//! whose bounding boxes overlap (found by a sweep over longitudes), with
//! geo's [`BooleanOps`] intersection, in parallel.

use std::panic::{catch_unwind, AssertUnwindSafe};

use geo::algorithm::coordinate_position::{coord_pos_relative_to_ring, CoordPos};
use geo::algorithm::sweep::{Cross, Intersections};
use geo::line_intersection::LineIntersection;
use geo::{
    BooleanOps, BoundingRect, Coord, GeodesicArea, Line, LineString, MultiPolygon, Polygon, Rect,
};
use rayon::prelude::*;

/// Polygons smaller than this are slivers, square metres.
pub const SLIVER_MIN_AREA_M2: f64 = 100.0;
/// Polygons less compact than this (Polsby–Popper 4πA/P²; 1 for a disc,
/// about 0.03 for a 1:100 rectangle) are slivers.
pub const SLIVER_MAX_COMPACTNESS: f64 = 0.01;
/// Overlaps larger than this are reported, square metres.
pub const OVERLAP_MIN_M2: f64 = 1.0;

/// Formats an area: square metres below 1 km², else km².
pub(crate) fn format_area(m2: f64) -> String {
    if m2 >= 1e6 {
        format!("{:.3} km²", m2 / 1e6)
    } else {
        format!("{m2:.1} m²")
    }
}

/// Geodesic area of a polygon, square metres (orientation does not matter).
pub(crate) fn area_m2(p: &Polygon<f64>) -> f64 {
    p.geodesic_area_signed().abs()
}

/// An edge of a polygon for the sweep: which ring, which edge.
#[derive(Debug, Clone, Copy)]
struct Edge {
    line: Line<f64>,
    ring: usize,
    index: usize,
}

impl Cross for Edge {
    type Scalar = f64;
    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// The ring's positions with consecutive repeats removed (closing position
/// included).
fn dedup_ring(ring: &LineString<f64>) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        if out.last() != Some(c) {
            out.push(*c);
        }
    }
    out
}

fn ring_name(ring: usize) -> String {
    if ring == 0 {
        "exterior ring".into()
    } else {
        format!("interior ring {}", ring - 1)
    }
}

fn at(c: Coord<f64>) -> String {
    format!("[{}, {}]", c.x, c.y)
}

/// The first ring problem of a polygon, if any (see the module table).
pub(crate) fn ring_problem(polygon: &Polygon<f64>) -> Option<String> {
    let rings: Vec<Vec<Coord<f64>>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(dedup_ring)
        .collect();
    let mut edge_counts = Vec::with_capacity(rings.len());
    let mut edges = Vec::new();
    for (r, coords) in rings.iter().enumerate() {
        // closed: n distinct positions give n edges, n + 1 coordinates
        let n = coords.len().saturating_sub(1);
        if n < 3 {
            return Some(format!(
                "{} has fewer than 3 distinct positions",
                ring_name(r)
            ));
        }
        edge_counts.push(n);
        edges.extend(coords.windows(2).enumerate().filter_map(|(i, w)| match w {
            [a, b] => Some(Edge {
                line: Line::new(*a, *b),
                ring: r,
                index: i,
            }),
            _ => None,
        }));
    }
    for (a, b, hit) in Intersections::from_iter(edges) {
        if a.ring == b.ring {
            let n = edge_counts.get(a.ring).copied().unwrap_or(0);
            let adjacent =
                (a.index + 1) % n.max(1) == b.index || (b.index + 1) % n.max(1) == a.index;
            match hit {
                LineIntersection::Collinear { intersection } => {
                    return Some(format!(
                        "{} overlaps itself (a spike or doubled edge) near {}",
                        ring_name(a.ring),
                        at(intersection.start)
                    ));
                }
                LineIntersection::SinglePoint { intersection, .. } if !adjacent => {
                    return Some(format!(
                        "{} crosses or touches itself at {}",
                        ring_name(a.ring),
                        at(intersection)
                    ));
                }
                LineIntersection::SinglePoint { .. } => {}
            }
        } else {
            let (r1, r2) = (a.ring.min(b.ring), a.ring.max(b.ring));
            match hit {
                LineIntersection::Collinear { intersection } => {
                    return Some(format!(
                        "{} and {} share an edge near {}",
                        ring_name(r1),
                        ring_name(r2),
                        at(intersection.start)
                    ));
                }
                LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                } => {
                    return Some(format!(
                        "{} and {} cross at {}",
                        ring_name(r1),
                        ring_name(r2),
                        at(intersection)
                    ));
                }
                // rings may touch at a point
                LineIntersection::SinglePoint { .. } => {}
            }
        }
    }
    // holes inside the exterior (rings do not cross here, so one vertex off
    // the exterior boundary decides)
    for (h, hole) in polygon.interiors().iter().enumerate() {
        let outside = hole
            .0
            .iter()
            .map(|c| coord_pos_relative_to_ring(*c, polygon.exterior()))
            .find(|pos| *pos != CoordPos::OnBoundary);
        if outside == Some(CoordPos::Outside) {
            return Some(format!("interior ring {h} lies outside the exterior ring"));
        }
    }
    None
}

/// Sliver measure of a polygon: `Some((area_m2, compactness))` when it is
/// one (see the module table).
pub(crate) fn sliver(polygon: &Polygon<f64>) -> Option<(f64, f64)> {
    let (perimeter, area) = polygon.geodesic_perimeter_area_signed();
    let area = area.abs();
    let compactness = if perimeter > 0.0 {
        4.0 * std::f64::consts::PI * area / (perimeter * perimeter)
    } else {
        0.0
    };
    (area < SLIVER_MIN_AREA_M2 || compactness < SLIVER_MAX_COMPACTNESS)
        .then_some((area, compactness))
}

/// Pairs `(i, j)`, `i < j`, of boxes that overlap (with positive area),
/// found by a sweep over longitudes. `None` boxes are skipped.
pub(crate) fn overlapping_boxes(boxes: &[Option<Rect<f64>>]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, Rect<f64>)> = boxes
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.map(|b| (i, b)))
        .collect();
    order.sort_by(|a, b| a.1.min().x.total_cmp(&b.1.min().x));
    let mut pairs = Vec::new();
    for (k, (i, a)) in order.iter().enumerate() {
        for (j, b) in order.iter().skip(k + 1) {
            if b.min().x >= a.max().x {
                break;
            }
            if b.min().y < a.max().y && a.min().y < b.max().y {
                pairs.push(((*i).min(*j), (*i).max(*j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Geodesic area of the intersection of `a` and `b`, square metres; `None`
/// when the geometry kernel fails on them.
pub(crate) fn overlap_m2(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Option<f64> {
    // The boolean operation is third-party code run on arbitrary (possibly
    // invalid) input: a failure there must not take the loader down.
    catch_unwind(AssertUnwindSafe(|| {
        a.intersection(b).0.iter().map(area_m2).sum::<f64>()
    }))
    .ok()
}

/// Overlaps above [`OVERLAP_MIN_M2`] among `geoms`: `(i, j, area_m2)` for
/// `i < j`, with `None` area when it could not be measured.
pub(crate) fn overlaps(geoms: &[Option<&MultiPolygon<f64>>]) -> Vec<(usize, usize, Option<f64>)> {
    let boxes: Vec<Option<Rect<f64>>> = geoms
        .iter()
        .map(|g| g.and_then(|g| g.bounding_rect()))
        .collect();
    let pairs = overlapping_boxes(&boxes);
    pairs
        .into_par_iter()
        .with_min_len(8)
        .filter_map(|(i, j)| {
            let (a, b) = (
                geoms.get(i).copied().flatten()?,
                geoms.get(j).copied().flatten()?,
            );
            match overlap_m2(a, b) {
                Some(area) if area > OVERLAP_MIN_M2 => Some((i, j, Some(area))),
                Some(_) => None,
                None => Some((i, j, None)),
            }
        })
        .collect()
}

/// The geometry findings for one commune: ring problems, holes outside,
/// slivers and overlapping parts, as messages.
pub(crate) fn commune_findings(geometry: &MultiPolygon<f64>) -> Vec<String> {
    let mut out = Vec::new();
    let multi = geometry.0.len() > 1;
    let part = |i: usize| {
        if multi {
            format!("polygon {i}: ")
        } else {
            String::new()
        }
    };
    for (i, p) in geometry.0.iter().enumerate() {
        if let Some(problem) = ring_problem(p) {
            out.push(format!("self-intersecting geometry: {}{problem}", part(i)));
        }
        if let Some((area, compactness)) = sliver(p) {
            out.push(format!(
                "sliver: {}area {}, compactness {compactness:.4} (a sliver has area < {} \
                 or Polsby-Popper compactness 4πA/P² < {SLIVER_MAX_COMPACTNESS})",
                part(i),
                format_area(area),
                format_area(SLIVER_MIN_AREA_M2),
            ));
        }
    }
    if multi {
        let parts: Vec<MultiPolygon<f64>> = geometry
            .0
            .iter()
            .map(|p| MultiPolygon(vec![p.clone()]))
            .collect();
        let refs: Vec<Option<&MultiPolygon<f64>>> = parts.iter().map(Some).collect();
        for (i, j, area) in overlaps(&refs) {
            out.push(match area {
                Some(a) => format!("polygons {i} and {j} overlap by {}", format_area(a)),
                None => {
                    format!("polygons {i} and {j} may overlap (the overlap could not be measured)")
                }
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::algorithm::validation::{InvalidPolygon, Validation};
    use geo::{coord, polygon};

    fn square(x0: f64, y0: f64, side: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + side, y: y0),
            (x: x0 + side, y: y0 + side),
            (x: x0, y: y0 + side),
            (x: x0, y: y0),
        ]
    }

    #[test]
    fn clean_square_has_no_findings() {
        let g = MultiPolygon(vec![square(105.0, 21.0, 0.01)]);
        assert!(
            commune_findings(&g).is_empty(),
            "{:?}",
            commune_findings(&g)
        );
    }

    #[test]
    fn bow_tie_crosses_itself() {
        let p = polygon![(x: 0., y: 0.), (x: 0.01, y: 0.01), (x: 0.01, y: 0.), (x: 0., y: 0.01), (x: 0., y: 0.)];
        let problem = ring_problem(&p).unwrap();
        assert!(problem.contains("crosses or touches itself"), "{problem}");
        assert!(problem.contains("[0.005, 0.005]"), "{problem}");
    }

    #[test]
    fn spike_is_found() {
        let p = polygon![(x: 0., y: 0.), (x: 0.01, y: 0.), (x: 0.02, y: 0.), (x: 0.01, y: 0.), (x: 0.01, y: 0.01), (x: 0., y: 0.)];
        assert!(ring_problem(&p).is_some());
    }

    #[test]
    fn repeated_and_collinear_vertices_are_fine() {
        let p = polygon![(x: 0., y: 0.), (x: 0.005, y: 0.), (x: 0.005, y: 0.), (x: 0.01, y: 0.), (x: 0.01, y: 0.01), (x: 0., y: 0.01), (x: 0., y: 0.)];
        assert_eq!(ring_problem(&p), None);
    }

    #[test]
    fn hole_outside_and_crossing_holes() {
        let outer = square(0.0, 0.0, 1.0);
        let outside = Polygon::new(
            outer.exterior().clone(),
            vec![square(2.0, 2.0, 0.1).exterior().clone()],
        );
        assert!(ring_problem(&outside).unwrap().contains("outside"));
        let crossing = Polygon::new(
            outer.exterior().clone(),
            vec![square(0.5, 0.5, 1.0).exterior().clone()],
        );
        assert!(ring_problem(&crossing).unwrap().contains("cross"));
        let fine = Polygon::new(
            outer.exterior().clone(),
            vec![square(0.2, 0.2, 0.1).exterior().clone()],
        );
        assert_eq!(ring_problem(&fine), None);
    }

    #[test]
    fn degenerate_ring() {
        let p = Polygon::new(
            LineString(vec![
                coord! {x: 0., y: 0.},
                coord! {x: 1., y: 0.},
                coord! {x: 1., y: 0.},
                coord! {x: 0., y: 0.},
            ]),
            vec![],
        );
        assert!(ring_problem(&p).unwrap().contains("fewer than 3"));
    }

    /// The sweep agrees with geo's `Validation` (pairwise reference) on the
    /// self-intersection of small rings.
    #[test]
    fn agrees_with_geo_validation_on_random_rings() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 7) as f64
        };
        for _ in 0..2000 {
            let n = 3 + (next() as usize % 4);
            let mut coords: Vec<Coord<f64>> =
                (0..n).map(|_| coord! {x: next(), y: next()}).collect();
            coords.dedup();
            if coords.len() < 3 || coords.first() == coords.last() {
                continue;
            }
            let first = coords[0];
            coords.push(first);
            let p = Polygon::new(LineString(coords), vec![]);
            let geo_self = p.validation_errors().iter().any(|e| {
                matches!(
                    e,
                    InvalidPolygon::SelfIntersection(_) | InvalidPolygon::TooFewPointsInRing(_)
                )
            });
            let ours = ring_problem(&p).is_some();
            // geo's pairwise test ignores spikes between consecutive edges,
            // which this module reports: ours must find at least what geo finds
            if geo_self {
                assert!(ours, "{p:?}");
            }
        }
    }

    #[test]
    fn slivers() {
        // 1 m x 50 m: 50 m² (tiny)
        let tiny = Polygon::new(
            LineString(vec![
                coord! {x: 0., y: 0.},
                coord! {x: 0.00001, y: 0.},
                coord! {x: 0.00001, y: 0.00045},
                coord! {x: 0., y: 0.00045},
                coord! {x: 0., y: 0.},
            ]),
            vec![],
        );
        assert!(sliver(&tiny).unwrap().0 < SLIVER_MIN_AREA_M2);
        // 0.001° x 1°: large, aspect ~ 1:900
        let thin = Polygon::new(
            LineString(vec![
                coord! {x: 0., y: 0.},
                coord! {x: 0.001, y: 0.},
                coord! {x: 0.001, y: 1.},
                coord! {x: 0., y: 1.},
                coord! {x: 0., y: 0.},
            ]),
            vec![],
        );
        let (area, c) = sliver(&thin).unwrap();
        assert!(area > 1e6 && c < SLIVER_MAX_COMPACTNESS);
        assert_eq!(sliver(&square(0.0, 0.0, 0.01)), None);
        // orientation does not matter
        let mut cw = square(0.0, 0.0, 0.01);
        cw.exterior_mut(|r| r.0.reverse());
        assert_eq!(sliver(&cw), None);
        assert!((area_m2(&cw) - area_m2(&square(0.0, 0.0, 0.01))).abs() < 1e-6);
    }

    #[test]
    fn overlap_pairs_by_box_then_area() {
        let a = MultiPolygon(vec![square(0.0, 0.0, 0.01)]);
        let b = MultiPolygon(vec![square(0.005, 0.0, 0.01)]); // half overlaps a
        let c = MultiPolygon(vec![square(0.01, 0.0, 0.01)]); // touches a, overlaps b
        let far = MultiPolygon(vec![square(1.0, 1.0, 0.01)]);
        let geoms = [Some(&a), Some(&b), None, Some(&c), Some(&far)];
        let found = overlaps(&geoms);
        let pairs: Vec<(usize, usize)> = found.iter().map(|(i, j, _)| (*i, *j)).collect();
        assert_eq!(pairs, vec![(0, 1), (1, 3)]);
        let half = found[0].2.unwrap();
        let expected = area_m2(&square(0.005, 0.0, 0.005).clone()) * 2.0;
        assert!(
            (half - expected).abs() / expected < 1e-3,
            "{half} vs {expected}"
        );
    }

    #[test]
    fn area_formatting() {
        assert_eq!(format_area(12.345), "12.3 m²");
        assert_eq!(format_area(2_500_000.0), "2.500 km²");
    }
}
