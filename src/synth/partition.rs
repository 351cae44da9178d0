//! Partition: cells to districts and communes by a capacity-constrained
//! power diagram, regions made connected, and their boundaries traced.

use std::collections::HashMap;
use std::f64::consts::PI;

use super::helpers::dist2;
use super::mesh::{point_in_ring, ring_area, Cells, Mesh, NONE};

/// Capacity-constrained power diagram of `members` (cell indices): each
/// cell goes to the seed minimising `|pos - seed|² - weight`; seeds move
/// towards the centroids of their cells (unless fixed) and weights grow or
/// shrink until each region holds its target area. The iterations run on
/// every fourth cell (their areas scaled up); the final assignment covers
/// all. Returns a label per member.
pub(super) fn power_partition(
    members: &[u32],
    pos: &[[f64; 2]],
    cells: &Cells,
    seeds: &mut [[f64; 2]],
    targets: &[f64],
    fixed: &[bool],
    iterations: usize,
) -> Vec<u32> {
    let n = seeds.len();
    let mut weight = vec![0.0; n];
    let sample: Vec<u32> = members.iter().copied().step_by(4).collect();
    let total: f64 = members.iter().map(|&c| cells.area[c as usize]).sum();
    let sampled: f64 = sample.iter().map(|&c| cells.area[c as usize]).sum();
    let boost = total / sampled;
    let nearest = |p: [f64; 2], seeds: &[[f64; 2]], weight: &[f64]| -> u32 {
        let mut best = f64::INFINITY;
        let mut label = 0;
        for (j, s) in seeds.iter().enumerate() {
            let d = dist2(p, *s) - weight[j];
            if d < best {
                best = d;
                label = j as u32;
            }
        }
        label
    };
    for _ in 0..iterations {
        let mut area = vec![0.0; n];
        let mut sum = vec![[0.0, 0.0]; n];
        for &c in &sample {
            let c = c as usize;
            let j = nearest(pos[c], seeds, &weight) as usize;
            let a = cells.area[c] * boost;
            area[j] += a;
            sum[j][0] += a * cells.centroid[c][0];
            sum[j][1] += a * cells.centroid[c][1];
        }
        for j in 0..n {
            if area[j] > 0.0 && !fixed[j] {
                let cen = [sum[j][0] / area[j], sum[j][1] / area[j]];
                seeds[j][0] += 0.5 * (cen[0] - seeds[j][0]);
                seeds[j][1] += 0.5 * (cen[1] - seeds[j][1]);
            }
            weight[j] += 0.5 * (targets[j] - area[j]) / PI;
        }
    }
    members
        .iter()
        .map(|&c| nearest(pos[c as usize], seeds, &weight))
        .collect()
}

/// Makes every label of `members` one connected region: smaller pieces go to
/// the neighbouring label (among `members`) they share most edges with.
/// Labels with no cell take the member cell nearest to their seed first.
pub(super) fn make_connected(
    members: &[u32],
    labels: &mut [u32],
    cells: &Cells,
    seeds: &[[f64; 2]],
    n_labels: usize,
) {
    let mut local = vec![NONE; cells.grid.len()];
    for (m, &c) in members.iter().enumerate() {
        local[c as usize] = m as u32;
    }
    // every label gets at least one cell
    for (l, seed) in seeds.iter().enumerate().take(n_labels) {
        if labels.iter().any(|&x| x as usize == l) {
            continue;
        }
        let nearest = (0..members.len())
            .min_by(|&a, &b| {
                dist2(cells.centroid[members[a] as usize], *seed)
                    .total_cmp(&dist2(cells.centroid[members[b] as usize], *seed))
                    .then(a.cmp(&b))
            })
            .expect("a region has cells");
        labels[nearest] = l as u32;
    }
    for _ in 0..50 {
        let mut comp = vec![NONE; members.len()];
        let mut comp_label = Vec::new();
        let mut comp_size = Vec::new();
        let mut stack = Vec::new();
        for start in 0..members.len() {
            if comp[start] != NONE {
                continue;
            }
            let id = comp_size.len() as u32;
            comp[start] = id;
            stack.push(start);
            let mut size = 0;
            while let Some(m) = stack.pop() {
                size += 1;
                for nb in cells.nb[members[m] as usize] {
                    if nb == NONE {
                        continue;
                    }
                    let mn = local[nb as usize];
                    if mn != NONE && comp[mn as usize] == NONE && labels[mn as usize] == labels[m] {
                        comp[mn as usize] = id;
                        stack.push(mn as usize);
                    }
                }
            }
            comp_label.push(labels[start]);
            comp_size.push(size);
        }
        let mut keep = vec![NONE; n_labels];
        for c in 0..comp_size.len() {
            let l = comp_label[c] as usize;
            if keep[l] == NONE || comp_size[c] > comp_size[keep[l] as usize] {
                keep[l] = c as u32;
            }
        }
        // for each stray piece, count the labels across its edges
        let mut votes: Vec<Vec<usize>> = vec![Vec::new(); comp_size.len()];
        for (m, &c) in members.iter().enumerate() {
            let k = comp[m] as usize;
            if keep[comp_label[k] as usize] == k as u32 {
                continue;
            }
            if votes[k].is_empty() {
                votes[k] = vec![0; n_labels];
            }
            for nb in cells.nb[c as usize] {
                if nb == NONE {
                    continue;
                }
                let mn = local[nb as usize];
                if mn != NONE && comp[mn as usize] as usize != k {
                    votes[k][labels[mn as usize] as usize] += 1;
                }
            }
        }
        let mut changed = false;
        let mut new_label = vec![NONE; comp_size.len()];
        for (k, v) in votes.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let best = (0..n_labels).max_by_key(|&l| (v[l], usize::MAX - l));
            if let Some(best) = best {
                if v[best] > 0 {
                    new_label[k] = best as u32;
                    changed = true;
                }
            }
        }
        if !changed {
            return;
        }
        for m in 0..members.len() {
            let k = comp[m] as usize;
            if new_label[k] != NONE {
                labels[m] = new_label[k];
            }
        }
    }
}

/// Traces the boundary of the union of `members` (cell indices, for which
/// `inside` holds) into polygons of mesh vertex ids: exterior rings
/// counter-clockwise, holes clockwise, first vertex not repeated.
pub(super) fn trace(
    members: &[u32],
    inside: &dyn Fn(u32) -> bool,
    cells: &Cells,
    mesh: &mut Mesh,
) -> Vec<Vec<Vec<usize>>> {
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for &c in members {
        let c = c as usize;
        for e in 0..6 {
            let nb = cells.nb[c][e];
            if nb == NONE || !inside(nb) {
                edges.push((cells.corners[c][e], cells.corners[c][(e + 1) % 6]));
            }
        }
    }
    let from: HashMap<usize, usize> = edges.iter().enumerate().map(|(i, e)| (e.0, i)).collect();
    assert_eq!(from.len(), edges.len(), "region boundary touches itself");
    let mut used = vec![false; edges.len()];
    let mut rings: Vec<Vec<usize>> = Vec::new();
    for start in 0..edges.len() {
        if used[start] {
            continue;
        }
        let mut ring = Vec::new();
        let mut e = start;
        while !used[e] {
            used[e] = true;
            ring.push(edges[e].0);
            e = from[&edges[e].1];
        }
        rings.push(ring);
    }
    let coords = |ring: &[usize], mesh: &mut Mesh| -> Vec<[f64; 2]> {
        ring.iter().map(|&v| mesh.vertex(v)).collect()
    };
    let mut polygons: Vec<Vec<Vec<usize>>> = Vec::new();
    let mut holes = Vec::new();
    for ring in rings {
        if ring_area(&coords(&ring, mesh)) > 0.0 {
            polygons.push(vec![ring]);
        } else {
            holes.push(ring);
        }
    }
    for hole in holes {
        let p = mesh.vertex(hole[0]);
        let owner = (0..polygons.len())
            .find(|&k| point_in_ring(p, &coords(&polygons[k][0], mesh)))
            .unwrap_or(0);
        polygons[owner].push(hole);
    }
    polygons
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use geo::{
        Area, BooleanOps, BoundingRect, Coord, Intersects, MultiPolygon, Validation, Winding,
    };

    use super::super::test_support::can_tho;

    #[test]
    fn polygons_are_valid_and_disjoint() {
        let s = can_tho();
        let geoms: Vec<&MultiPolygon<f64>> = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap())
            .collect();
        for (c, g) in s.communes.iter().zip(&geoms) {
            assert!(g.is_valid(), "commune {} is invalid", c.id);
            assert!(g.unsigned_area() > 0.0);
            for p in g.iter() {
                // RFC 7946 winding: exterior counter-clockwise
                assert!(p.exterior().is_ccw());
            }
        }
        for i in 0..geoms.len() {
            for j in i + 1..geoms.len() {
                let (a, b) = (geoms[i], geoms[j]);
                if !a
                    .bounding_rect()
                    .unwrap()
                    .intersects(&b.bounding_rect().unwrap())
                {
                    continue;
                }
                let overlap = a.intersection(b).unsigned_area();
                // 1e-11 square degrees is about 0.1 m²
                assert!(
                    overlap < 1e-11,
                    "{} and {} overlap",
                    s.communes[i].id,
                    s.communes[j].id
                );
            }
        }
    }

    #[test]
    fn shared_boundaries_are_identical() {
        // every edge is either on the city outline or used, reversed, by
        // exactly one other commune: no gaps, no slivers
        let s = can_tho();
        let key = |c: Coord<f64>| (c.x.to_bits(), c.y.to_bits());
        type Vertex = (u64, u64);
        let mut owner: BTreeMap<(Vertex, Vertex), usize> = BTreeMap::new();
        for (k, c) in s.communes.iter().enumerate() {
            for p in c.geometry.as_ref().unwrap() {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    for l in ring.lines() {
                        assert!(owner.insert((key(l.start), key(l.end)), k).is_none());
                    }
                }
            }
        }
        let mut shared = 0;
        let mut outline = 0;
        for (&(a, b), &k) in &owner {
            match owner.get(&(b, a)) {
                Some(&other) => {
                    assert_ne!(other, k);
                    shared += 1;
                }
                None => outline += 1,
            }
        }
        assert!(shared > 0 && outline > 0);
        // the outline edges close into one ring around the whole city
        let mut next: BTreeMap<Vertex, Vertex> = BTreeMap::new();
        for &(a, b) in owner.keys() {
            if !owner.contains_key(&(b, a)) {
                assert!(next.insert(a, b).is_none());
            }
        }
        let start = *next.keys().next().unwrap();
        let (mut at, mut steps) = (start, 0);
        loop {
            at = next[&at];
            steps += 1;
            if at == start {
                break;
            }
        }
        assert_eq!(steps, outline);
    }
}
