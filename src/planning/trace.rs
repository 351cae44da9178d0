//! Outlines of sets of grid cells, by tracing the cell-grid boundary.
//!
//! Every side of a cell whose neighbour across it is not in the set is a
//! boundary edge, directed with the set on its left; the edges link up into
//! closed rings, counter-clockwise around the outside and clockwise around
//! holes. Where two cells of the set touch only at a corner, the walk turns
//! right, which joins them: each 4-connected component then has exactly one
//! outer ring, and rings meet other rings at most at single corners (valid
//! OGC polygons: a hole may touch the shell or another hole at a point).
//! Only the corners where the direction changes are kept. Cost: linear in
//! the number of cells, no Boolean operations.

use std::collections::HashMap;

use geo::{Coord, LineString, Polygon};

/// Directions: east, north, west, south.
const STEP: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// A fast hasher for lattice keys (multiply–rotate, as in rustc's
/// `FxHasher`); iteration order is never used, only lookups.
#[derive(Default, Clone, Copy)]
pub(crate) struct LatticeHasher(u64);

impl std::hash::Hasher for LatticeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }
}

/// Hash map / set builder for lattice keys.
pub(crate) type Fast = std::hash::BuildHasherDefault<LatticeHasher>;

/// The 4-connected components of a set of cells (sorted, unique), each a
/// list of indices into `cells`, in order of their first cell.
pub(crate) fn components(cells: &[(i64, i64)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    fn union(p: &mut [usize], a: usize, b: usize) {
        let (a, b) = (find(p, a), find(p, b));
        if a != b {
            p[a.max(b)] = a.min(b);
        }
    }
    // sorted by (i, j): the cell above is the next one; the cell to the
    // right is found by a pointer that only moves forward
    let mut right = 0;
    for (k, &(i, j)) in cells.iter().enumerate() {
        if cells.get(k + 1) == Some(&(i, j + 1)) {
            union(&mut parent, k, k + 1);
        }
        while right < cells.len() && cells[right] < (i + 1, j) {
            right += 1;
        }
        if cells.get(right) == Some(&(i + 1, j)) {
            union(&mut parent, k, right);
        }
    }
    let mut slot: Vec<Option<usize>> = vec![None; cells.len()];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for k in 0..cells.len() {
        let r = find(&mut parent, k);
        let s = *slot[r].get_or_insert_with(|| {
            out.push(Vec::new());
            out.len() - 1
        });
        out[s].push(k);
    }
    out
}

/// The outline of one 4-connected set of cells as a polygon whose
/// vertices are passed through `corner` (lattice corner `(i, j)` →
/// coordinate). Returns `None` for an empty set.
pub(crate) fn outline(
    cells: &[(i64, i64)],
    corner: impl Fn(i64, i64) -> Coord<f64>,
) -> Option<Polygon<f64>> {
    let rings = rings(cells);
    let mut shell: Option<Vec<(i64, i64)>> = None;
    let mut holes = Vec::new();
    for r in rings {
        if signed_area2(&r) > 0 && shell.is_none() {
            shell = Some(r);
        } else {
            holes.push(r);
        }
    }
    let to_ls = |r: &[(i64, i64)]| {
        let mut v: Vec<Coord<f64>> = r.iter().map(|&(i, j)| corner(i, j)).collect();
        v.push(v[0]);
        LineString(v)
    };
    let shell = shell?;
    Some(Polygon::new(
        to_ls(&shell),
        holes.iter().map(|h| to_ls(h)).collect(),
    ))
}

/// Twice the signed area of a lattice ring (positive counter-clockwise).
fn signed_area2(r: &[(i64, i64)]) -> i64 {
    let n = r.len();
    (0..n)
        .map(|k| {
            let (a, b) = (r[k], r[(k + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// The boundary rings of a set of cells, corners only (no closing vertex).
pub(crate) fn rings(cells: &[(i64, i64)]) -> Vec<Vec<(i64, i64)>> {
    let set: std::collections::HashSet<(i64, i64), Fast> = cells.iter().copied().collect();
    // directed edges: start corner, direction; interior on the left
    let mut edges: Vec<((i64, i64), u8)> = Vec::new();
    for &(i, j) in cells {
        if !set.contains(&(i, j - 1)) {
            edges.push(((i, j), 0));
        }
        if !set.contains(&(i + 1, j)) {
            edges.push(((i + 1, j), 1));
        }
        if !set.contains(&(i, j + 1)) {
            edges.push(((i + 1, j + 1), 2));
        }
        if !set.contains(&(i - 1, j)) {
            edges.push(((i, j + 1), 3));
        }
    }
    edges.sort_unstable();
    let mut out_of: HashMap<(i64, i64), [Option<usize>; 2], Fast> =
        HashMap::with_capacity_and_hasher(edges.len(), Fast::default());
    for (k, (start, _)) in edges.iter().enumerate() {
        let e = out_of.entry(*start).or_insert([None, None]);
        if e[0].is_none() {
            e[0] = Some(k);
        } else {
            e[1] = Some(k);
        }
    }
    let mut used = vec![false; edges.len()];
    let mut rings = Vec::new();
    for first in 0..edges.len() {
        if used[first] {
            continue;
        }
        let mut ring = Vec::new();
        let mut k = first;
        loop {
            used[k] = true;
            let (start, dir) = edges[k];
            let end = (
                start.0 + STEP[dir as usize].0,
                start.1 + STEP[dir as usize].1,
            );
            let outs = out_of.get(&end).copied().unwrap_or([None, None]);
            let mut options = [usize::MAX; 2];
            let mut n_options = 0;
            for &m in outs.iter().flatten() {
                if !used[m] || m == first {
                    options[n_options] = m;
                    n_options += 1;
                }
            }
            let next = match n_options {
                0 => break,
                1 => options[0],
                // a corner where cells touch diagonally: turn right
                _ if edges[options[0]].1 == (dir + 3) % 4 => options[0],
                _ => options[1],
            };
            if edges[next].1 != dir {
                ring.push(end);
            }
            if next == first {
                break;
            }
            k = next;
        }
        if ring.len() >= 3 {
            rings.push(ring);
        }
    }
    rings
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Validation};

    fn poly(cells: &[(i64, i64)]) -> Polygon<f64> {
        let mut c = cells.to_vec();
        c.sort_unstable();
        outline(&c, |i, j| Coord {
            x: i as f64,
            y: j as f64,
        })
        .unwrap()
    }

    #[test]
    fn square_block() {
        let cells: Vec<(i64, i64)> = (0..3).flat_map(|i| (0..2).map(move |j| (i, j))).collect();
        let p = poly(&cells);
        assert_eq!(p.exterior().0.len(), 5);
        assert_eq!(p.signed_area(), 6.0);
        assert!(p.is_valid());
    }

    #[test]
    fn ring_with_hole_and_pinch_is_valid() {
        // a U whose tips touch diagonally at corner (2, 2), enclosing cell (1, 1)
        let cells = [(0, 0), (1, 0), (2, 0), (2, 1), (0, 1), (0, 2), (1, 2)];
        let p = poly(&cells);
        assert_eq!(p.interiors().len(), 1);
        assert_eq!(p.unsigned_area(), 7.0);
        assert!(p.is_valid(), "{p:?}");
        // the opposite diagonal: (1, 2) and (2, 1) replaced by (2, 2) and (1, 1) missing
        let cells = [
            (0, 0),
            (1, 0),
            (2, 0),
            (0, 1),
            (2, 1),
            (0, 2),
            (1, 2),
            (2, 2),
            (3, 3),
            (3, 2),
        ];
        let mut c = cells.to_vec();
        c.sort_unstable();
        assert_eq!(components(&c).len(), 1);
        let p = poly(&cells);
        assert_eq!(p.unsigned_area(), 10.0);
        assert!(p.is_valid(), "{p:?}");
    }

    #[test]
    fn checkerboard_pieces_are_separate_components() {
        let mut cells = vec![(0, 0), (1, 1), (2, 0), (5, 5), (5, 6)];
        cells.sort_unstable();
        let comps = components(&cells);
        assert_eq!(comps.len(), 4);
    }

    #[test]
    fn random_sets_trace_to_valid_polygons_of_the_right_area() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let mut cells: Vec<(i64, i64)> = (0..12)
                .flat_map(|i| (0..12).map(move |j| (i, j)))
                .filter(|_| rng.random_bool(0.6))
                .collect();
            cells.sort_unstable();
            for comp in components(&cells) {
                let part: Vec<(i64, i64)> = comp.iter().map(|&k| cells[k]).collect();
                let p = poly(&part);
                assert_eq!(p.unsigned_area(), part.len() as f64);
                assert!(p.is_valid(), "{part:?}");
            }
        }
    }
}
