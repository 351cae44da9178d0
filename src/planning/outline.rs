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
//! OGC allows. Only the corners where the direction changes are kept.
//!
//! Cost: the edges (about four per run) are built boundary by boundary in
//! row order, each boundary's few sorted among themselves; the walk finds
//! each edge's successor by a galloping search a few places away. No sort
//! of all the edges, no Boolean operations, nothing per grid cell.

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
    walk(&edges_by_row(runs))
}

/// The edges of `runs` (sorted by row, then start) in row order: by the
/// row boundary they start on, then by [`Edge`]'s order. Each boundary's
/// few edges are sorted among themselves; the rows come in order, so no
/// sort of all the edges is needed.
fn edges_by_row(runs: &[Run]) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::with_capacity(4 * runs.len());
    // the runs of the row below the boundary (`below_j`), empty when that
    // row has none
    let mut below: &[Run] = &[];
    let mut below_j = 0;
    let mut k = 0;
    while k < runs.len() || !below.is_empty() {
        // the next boundary: the top of the row below, else the bottom of
        // the next row
        let y = if below.is_empty() {
            runs[k].j
        } else {
            below_j + 1
        };
        let mut end = k;
        while end < runs.len() && runs[end].j == y {
            end += 1;
        }
        let above = &runs[k..end];
        k = end;
        let start = edges.len();
        for r in below {
            edges.push(Edge {
                from: (r.a, y),
                to: (r.a, y - 1),
                dir: SOUTH,
            });
        }
        for r in above {
            edges.push(Edge {
                from: (r.b, y),
                to: (r.b, y + 1),
                dir: NORTH,
            });
        }
        boundary(y, below, above, &mut edges);
        // (one boundary: the same order as by abscissa)
        edges[start..].sort_unstable();
        below = above;
        below_j = y;
    }
    edges
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

/// Links the edges (in row order, [`edges_by_row`]) into rings, turning
/// right at pinches; the ring with the positive area first.
///
/// Each edge has one next edge (the one leaving its end, the right turn at
/// a pinch), so the rings are the cycles of that succession, found from
/// any of their edges. They are listed, and each walked from, by their
/// least edge in [`Edge`]'s order (by start column, then row): the rings,
/// their order and their first corners do not depend on the order the
/// edges are stored in.
fn walk(edges: &[Edge]) -> Vec<Vec<(i64, i64)>> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    // each edge's next edge, and each cycle's least edge
    let mut next = vec![NONE; n];
    let mut least_edges: Vec<usize> = Vec::new();
    for first in 0..n {
        if next[first] != NONE {
            continue;
        }
        let mut least = first;
        let mut k = first;
        loop {
            let e = edges[k];
            if e < edges[least] {
                least = k;
            }
            let lo = first_from(edges, k, e.to);
            let outs = &edges[lo..n.min(lo + 2)];
            let m = match outs.iter().take_while(|x| x.from == e.to).count() {
                0 => break,
                1 => lo,
                // a pinch: the right turn
                _ if outs[1].dir == (e.dir + 3) % 4 => lo + 1,
                _ => lo,
            };
            next[k] = m;
            if next[m] != NONE || m == first {
                break;
            }
            k = m;
        }
        least_edges.push(least);
    }
    least_edges.sort_unstable_by(|&a, &b| edges[a].cmp(&edges[b]));
    let mut used = vec![false; n];
    let mut rings: Vec<(i128, Vec<(i64, i64)>)> = Vec::new();
    // each ring's corners gathered here (at most a corner an edge), then
    // kept in a vector of their number (not grown by doubling)
    let mut ring = Vec::with_capacity(n);
    for first in least_edges {
        if used[first] {
            continue;
        }
        ring.clear();
        let mut k = first;
        loop {
            used[k] = true;
            let m = next[k];
            if m == NONE {
                break;
            }
            if edges[m].dir != edges[k].dir {
                ring.push(edges[k].to);
            }
            if m == first || used[m] {
                break;
            }
            k = m;
        }
        if ring.len() >= 4 {
            rings.push((area2(&ring), ring.to_vec()));
        }
    }
    // the shell first (the only ring turning counter-clockwise), holes in
    // the order found
    if let Some(s) = rings.iter().position(|r| r.0 > 0) {
        rings[..=s].rotate_right(1);
    }
    rings.into_iter().map(|r| r.1).collect()
}

/// The index of the first edge starting at or after `to` in `edges` (in
/// row order: by row boundary, then abscissa), found by galloping from
/// `k`: the edge that follows another starts on the same boundary or the
/// next one up or down, a few places away in that order, so the search
/// costs the logarithm of the distance rather than of the whole list. The
/// same index as a binary search over all of `edges`.
fn first_from(edges: &[Edge], k: usize, to: (i64, i64)) -> usize {
    let before = |i: usize| by_row(edges[i].from) < by_row(to);
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
    lo + edges[lo..hi].partition_point(|x| by_row(x.from) < by_row(to))
}

/// A vertex's place in row order: its row boundary, then its abscissa.
fn by_row(v: (i64, i64)) -> (i64, i64) {
    (v.1, v.0)
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
        // the closing vertex's room taken at once, not by doubling
        let mut v: Vec<Coord<f64>> = Vec::with_capacity(r.len() + 1);
        v.extend(r.iter().map(|&(x, y)| corner(x, y)));
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
    /// list (in row order) finds, from every start and for targets before,
    /// among, between and after the edges.
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
            edges.sort_unstable_by_key(|e| by_row(e.from));
            let want = |to: (i64, i64)| edges.partition_point(|e| by_row(e.from) < by_row(to));
            for k in 0..len {
                for _ in 0..20 {
                    let to = (next(14) - 1, next(14) - 1);
                    assert_eq!(
                        first_from(&edges, k, to),
                        want(to),
                        "len {len}, k {k}, {to:?}"
                    );
                }
                let to = edges[k].from;
                assert_eq!(first_from(&edges, k, to), want(to));
            }
        }
    }

    /// The rings as they were traced from every edge sorted by start
    /// (column, then row), each walked from its first edge in that order:
    /// the reference for [`walk`], which takes the edges in row order.
    fn rings_by_sorting(runs: &[Run]) -> Vec<Vec<(i64, i64)>> {
        let mut edges = edges_by_row(runs);
        edges.sort_unstable();
        // each edge's successor by a binary search of the sorted edges
        let succ: Vec<Option<usize>> = edges
            .iter()
            .map(|e| {
                let lo = edges.partition_point(|x| x.from < e.to);
                let outs: Vec<&Edge> = edges[lo..].iter().take_while(|x| x.from == e.to).collect();
                match outs.len() {
                    0 => None,
                    1 => Some(lo),
                    _ => Some(if outs[1].dir == (e.dir + 3) % 4 {
                        lo + 1
                    } else {
                        lo
                    }),
                }
            })
            .collect();
        let mut seen = vec![false; edges.len()];
        let mut found: Vec<(i128, Vec<(i64, i64)>)> = Vec::new();
        for start in 0..edges.len() {
            if seen[start] {
                continue;
            }
            // the cycle from `start`, then its corners
            let mut cycle = vec![start];
            seen[start] = true;
            while let Some(s) = succ[*cycle.last().unwrap()].filter(|&s| !seen[s]) {
                seen[s] = true;
                cycle.push(s);
            }
            let closes = succ[*cycle.last().unwrap()] == Some(start);
            let corners: Vec<(i64, i64)> = (0..cycle.len())
                .filter(|&i| {
                    let after = cycle.get(i + 1).copied().or(closes.then_some(start));
                    after.is_some_and(|a| edges[a].dir != edges[cycle[i]].dir)
                })
                .map(|i| edges[cycle[i]].to)
                .collect();
            if corners.len() >= 4 {
                found.push((area2(&corners), corners));
            }
        }
        if let Some(s) = found.iter().position(|r| r.0 > 0) {
            found[..=s].rotate_right(1);
        }
        found.into_iter().map(|r| r.1).collect()
    }

    /// Rings built row by row are the rings of the sorted edges, corner for
    /// corner and in the same order: on random rasters of three densities
    /// (holes, pinches, several regions and missing rows together).
    #[test]
    fn rings_row_by_row_are_the_rings_of_the_sorted_edges() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for round in 0..400 {
            let p = [0.3, 0.55, 0.8][round % 3];
            let side = [5, 14, 40][(round / 3) % 3];
            let cells: Vec<(i64, i64)> = (0..side)
                .flat_map(|i| (0..side).map(move |j| (i, j)))
                .filter(|_| rng.random_bool(p))
                .collect();
            let runs = runs_of_cells(&cells);
            // every region alone, and all of them at once
            for region in crate::planning::runs::regions(&runs) {
                let part: Vec<Run> = region.iter().map(|&k| runs[k]).collect();
                assert_eq!(rings(&part), rings_by_sorting(&part), "{part:?}");
            }
            assert_eq!(rings(&runs), rings_by_sorting(&runs), "{runs:?}");
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
