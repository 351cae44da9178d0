//! Outlines of regions given as runs: rectilinear polygons traced from the
//! ends of row intervals.
//!
//! A region is a set of [`Run`]s: in row `j` (the strip between `y = j` and
//! `y = j + 1` in row units), the interval `[a, b]` (`a < b`, integer
//! abscissae: quanta of the caller's choosing). Runs of one row are
//! disjoint and do not touch (touching runs are one run); runs of
//! consecutive rows belong together when they overlap over a positive
//! length. Its outline is made of
//!
//! - one vertical edge per run end, one row high: down the left end, up the
//!   right end;
//! - at each row boundary `y = j`, the parts of the runs of row `j` not
//!   covered by row `j − 1` (bottom edges, eastwards) and the parts of the
//!   runs of row `j − 1` not covered by row `j` (top edges, westwards),
//!   found by merging the two sorted rows.
//!
//! The interior is always on the left of an edge. At a vertex one edge
//! comes in and one goes out, except where two runs of consecutive rows
//! touch only at a corner (a pinch: two edges in, two out): there the walk
//! turns right, which keeps the two runs joined through the corner and the
//! two outside quadrants apart. Each connected region then has exactly one
//! counter-clockwise ring (the shell) and one clockwise ring per hole; a
//! hole touches the shell or another hole at most at a pinch corner, which
//! OGC allows. Only the corners where the direction changes are kept. Cost:
//! O(e log e) for `e` edges (about four per run), no Boolean operations,
//! nothing per grid cell.

use geo::{Coord, LineString, Polygon};

/// A row interval: row `j`, abscissae `[a, b]` with `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Run {
    /// Row.
    pub j: i64,
    /// Left end.
    pub a: i64,
    /// Right end.
    pub b: i64,
}

/// Directions: east, north, west, south (a right turn is `d + 3 mod 4`).
const EAST: u8 = 0;
const NORTH: u8 = 1;
const WEST: u8 = 2;
const SOUTH: u8 = 3;

/// A directed boundary edge, interior on its left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: (i64, i64),
    to: (i64, i64),
    dir: u8,
}

/// The boundary rings of one region (its runs sorted by row, then start):
/// corners only, no closing vertex, `(x, y)` with `y` a row boundary. The
/// shell (counter-clockwise) comes first, then the holes (clockwise).
/// Empty for no runs.
pub(crate) fn rings(runs: &[Run]) -> Vec<Vec<(i64, i64)>> {
    let mut edges: Vec<Edge> = Vec::with_capacity(4 * runs.len());
    for r in runs {
        edges.push(Edge {
            from: (r.a, r.j + 1),
            to: (r.a, r.j),
            dir: SOUTH,
        });
        edges.push(Edge {
            from: (r.b, r.j),
            to: (r.b, r.j + 1),
            dir: NORTH,
        });
    }
    // horizontal edges, boundary by boundary
    let mut below: &[Run] = &[];
    let mut k = 0;
    while k < runs.len() {
        let j = runs[k].j;
        let mut end = k;
        while end < runs.len() && runs[end].j == j {
            end += 1;
        }
        let row = &runs[k..end];
        if below.first().is_some_and(|r| r.j + 1 != j) {
            // a row missing between: the top of the rows below
            boundary(below[0].j + 1, below, &[], &mut edges);
            below = &[];
        }
        boundary(j, below, row, &mut edges);
        below = row;
        k = end;
    }
    if let Some(r) = below.first() {
        boundary(r.j + 1, below, &[], &mut edges);
    }
    edges.sort_unstable();
    walk(&edges)
}

/// The edges at the row boundary `y` between the runs `below` (row `y − 1`)
/// and `above` (row `y`): `above − below` eastwards, `below − above`
/// westwards.
fn boundary(y: i64, below: &[Run], above: &[Run], edges: &mut Vec<Edge>) {
    difference(above, below, |a, b| {
        edges.push(Edge {
            from: (a, y),
            to: (b, y),
            dir: EAST,
        })
    });
    difference(below, above, |a, b| {
        edges.push(Edge {
            from: (b, y),
            to: (a, y),
            dir: WEST,
        })
    });
}

/// The maximal intervals of `p` minus `q` (both sorted, disjoint).
fn difference(p: &[Run], q: &[Run], mut out: impl FnMut(i64, i64)) {
    let mut m = 0;
    for r in p {
        while m < q.len() && q[m].b <= r.a {
            m += 1;
        }
        let mut x = r.a;
        let mut n = m;
        while n < q.len() && q[n].a < r.b {
            if q[n].a > x {
                out(x, q[n].a);
            }
            x = x.max(q[n].b);
            n += 1;
        }
        if x < r.b {
            out(x, r.b);
        }
    }
}

/// Links the edges (sorted by start) into rings, turning right at pinches;
/// the ring with the positive area first.
fn walk(edges: &[Edge]) -> Vec<Vec<(i64, i64)>> {
    let mut used = vec![false; edges.len()];
    let mut rings: Vec<(i128, Vec<(i64, i64)>)> = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring = Vec::new();
        let mut k = first;
        loop {
            used[k] = true;
            let e = edges[k];
            let lo = first_from(edges, k, e.to);
            let outs = &edges[lo..edges.len().min(lo + 2)];
            let n = outs.iter().take_while(|x| x.from == e.to).count();
            let next = match n {
                0 => break,
                1 => lo,
                // a pinch: the right turn
                _ if outs[1].dir == (e.dir + 3) % 4 => lo + 1,
                _ => lo,
            };
            if edges[next].dir != e.dir {
                ring.push(e.to);
            }
            if next == first || used[next] {
                break;
            }
            k = next;
        }
        if ring.len() >= 4 {
            rings.push((area2(&ring), ring));
        }
    }
    // the shell first (the only ring turning counter-clockwise), holes in
    // the order found
    if let Some(s) = rings.iter().position(|r| r.0 > 0) {
        rings[..=s].rotate_right(1);
    }
    rings.into_iter().map(|r| r.1).collect()
}

/// The index of the first edge starting at or after `to` in `edges`
/// (sorted by start), found by galloping from `k`: the edge that follows
/// a vertical one starts one row off in the same column, a few places
/// away in that order, so the search costs the logarithm of the distance
/// rather than of the whole list. The same index as a binary search over
/// all of `edges`.
fn first_from(edges: &[Edge], k: usize, to: (i64, i64)) -> usize {
    let before = |i: usize| edges[i].from < to;
    let (mut lo, mut hi);
    if before(k) {
        // forward: the answer lies after k
        let mut step = 1;
        lo = k + 1;
        loop {
            let probe = k + step;
            if probe >= edges.len() {
                hi = edges.len();
                break;
            }
            if !before(probe) {
                hi = probe;
                break;
            }
            lo = probe + 1;
            step *= 2;
        }
    } else {
        // backward: the answer lies at or before k
        let mut step = 1;
        hi = k;
        loop {
            if step > k {
                lo = 0;
                break;
            }
            let probe = k - step;
            if before(probe) {
                lo = probe + 1;
                break;
            }
            hi = probe;
            step *= 2;
        }
    }
    lo + edges[lo..hi].partition_point(|x| x.from < to)
}

/// Twice the signed area of a ring (positive counter-clockwise).
fn area2(r: &[(i64, i64)]) -> i128 {
    let n = r.len();
    (0..n)
        .map(|k| {
            let (a, b) = (r[k], r[(k + 1) % n]);
            i128::from(a.0) * i128::from(b.1) - i128::from(b.0) * i128::from(a.1)
        })
        .sum()
}

/// The outline of one region as a polygon whose vertices are passed
/// through `corner` (`(x, y)` of a ring → coordinate); `None` for no runs.
#[cfg(test)]
pub(crate) fn outline(
    runs: &[Run],
    corner: impl Fn(i64, i64) -> Coord<f64>,
) -> Option<Polygon<f64>> {
    polygon(&rings(runs), corner)
}

/// The polygon of rings as [`rings`] gives them (shell first), vertices
/// passed through `corner`; `None` for no ring.
pub(crate) fn polygon(
    rings: &[Vec<(i64, i64)>],
    corner: impl Fn(i64, i64) -> Coord<f64>,
) -> Option<Polygon<f64>> {
    let to_ls = |r: &Vec<(i64, i64)>| {
        let mut v: Vec<Coord<f64>> = r.iter().map(|&(x, y)| corner(x, y)).collect();
        v.push(v[0]);
        LineString(v)
    };
    let (shell, holes) = rings.split_first()?;
    Some(Polygon::new(
        to_ls(shell),
        holes.iter().map(to_ls).collect(),
    ))
}

/// Whether a ring (as [`rings`] gives it) turns counter-clockwise.
#[cfg(test)]
pub(crate) fn is_shell(ring: &[(i64, i64)]) -> bool {
    area2(ring) > 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};

    /// The galloping search finds the index a binary search over the whole
    /// list finds, from every start and for targets before, among, between
    /// and after the edges.
    #[test]
    fn galloping_finds_what_a_binary_search_finds() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m) as i64
        };
        for len in [1usize, 2, 3, 7, 64, 300] {
            let mut edges: Vec<Edge> = (0..len)
                .map(|_| Edge {
                    from: (next(12), next(12)),
                    to: (0, 0),
                    dir: 0,
                })
                .collect();
            edges.sort_unstable();
            for k in 0..len {
                for _ in 0..20 {
                    let to = (next(14) - 1, next(14) - 1);
                    let want = edges.partition_point(|e| e.from < to);
                    assert_eq!(first_from(&edges, k, to), want, "len {len}, k {k}, {to:?}");
                }
                let to = edges[k].from;
                assert_eq!(
                    first_from(&edges, k, to),
                    edges.partition_point(|e| e.from < to)
                );
            }
        }
    }

    fn run(j: i64, a: i64, b: i64) -> Run {
        Run { j, a, b }
    }

    fn poly(runs: &[Run]) -> Polygon<f64> {
        outline(runs, |x, y| Coord {
            x: x as f64,
            y: y as f64,
        })
        .expect("runs")
    }

    /// Runs of a set of unit cells `(i, j)` (consecutive cells of a row
    /// joined), sorted.
    pub(crate) fn runs_of_cells(cells: &[(i64, i64)]) -> Vec<Run> {
        let mut c: Vec<(i64, i64)> = cells.iter().map(|&(i, j)| (j, i)).collect();
        c.sort_unstable();
        c.dedup();
        let mut out: Vec<Run> = Vec::new();
        for (j, i) in c {
            match out.last_mut() {
                Some(r) if r.j == j && r.b == i => r.b = i + 1,
                _ => out.push(run(j, i, i + 1)),
            }
        }
        out
    }

    #[test]
    fn rows_of_one_interval_give_a_rectangle() {
        let runs: Vec<Run> = (3..7).map(|j| run(j, -5, 12)).collect();
        let r = rings(&runs);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].len(), 4);
        let p = poly(&runs);
        assert_eq!(p.signed_area(), 17.0 * 4.0);
        assert!(p.is_valid());
        let mut corners = r[0].clone();
        corners.sort_unstable();
        assert_eq!(corners, vec![(-5, 3), (-5, 7), (12, 3), (12, 7)]);
    }

    #[test]
    fn an_l_shape_has_six_corners() {
        // a wide foot, a narrow leg on its left end
        let runs = vec![run(0, 0, 10), run(1, 0, 3), run(2, 0, 3)];
        let r = rings(&runs);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].len(), 6);
        let p = poly(&runs);
        assert_eq!(p.signed_area(), 10.0 + 6.0);
        assert!(p.is_valid());
    }

    #[test]
    fn a_ring_of_runs_has_one_hole() {
        let runs = vec![
            run(0, 0, 9),
            run(1, 0, 2),
            run(1, 7, 9),
            run(2, 0, 2),
            run(2, 7, 9),
            run(3, 0, 9),
        ];
        let r = rings(&runs);
        assert_eq!(r.len(), 2);
        assert!(is_shell(&r[0]) && !is_shell(&r[1]));
        let p = poly(&runs);
        assert_eq!(p.interiors().len(), 1);
        assert_eq!(p.unsigned_area(), 36.0 - 10.0);
        assert!(p.is_valid(), "{p:?}");
    }

    #[test]
    fn a_pinch_closing_a_hole_gives_a_valid_polygon() {
        // a U whose tips touch at the corner (5, 2), enclosing [2, 5] × [1, 2]
        let runs = vec![run(0, 0, 7), run(1, 0, 2), run(1, 5, 7), run(2, 0, 5)];
        let p = poly(&runs);
        assert_eq!(p.interiors().len(), 1, "{p:?}");
        assert_eq!(p.unsigned_area(), 7.0 + 4.0 + 5.0);
        assert!(p.is_valid(), "{p:?}");
        // mirrored: the tips touch at (2, 2)
        let runs = vec![run(0, 0, 7), run(1, 0, 2), run(1, 5, 7), run(2, 2, 7)];
        let p = poly(&runs);
        assert_eq!(p.interiors().len(), 1, "{p:?}");
        assert!(p.is_valid(), "{p:?}");
    }

    #[test]
    fn a_missing_row_closes_the_rows_below() {
        // rows 0 and 2 only: two separate rectangles' rings
        let runs = vec![run(0, 0, 4), run(2, 0, 4)];
        let r = rings(&runs);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|x| is_shell(x) && x.len() == 4));
    }

    #[test]
    fn random_rasters_trace_to_valid_polygons_of_the_right_area() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..300 {
            let p = [0.45, 0.6, 0.75][round % 3];
            let cells: Vec<(i64, i64)> = (0..14)
                .flat_map(|i| (0..14).map(move |j| (i, j)))
                .filter(|_| rng.random_bool(p))
                .collect();
            let runs = runs_of_cells(&cells);
            for region in crate::planning::runs::regions(&runs) {
                let part: Vec<Run> = region.iter().map(|&k| runs[k]).collect();
                let r = rings(&part);
                assert_eq!(r.iter().filter(|x| is_shell(x)).count(), 1, "{part:?}");
                assert!(is_shell(&r[0]));
                let poly = poly(&part);
                let cells: i64 = part.iter().map(|r| r.b - r.a).sum();
                assert_eq!(poly.unsigned_area(), cells as f64);
                assert!(poly.is_valid(), "{part:?}");
            }
        }
    }
}
