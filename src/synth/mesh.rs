//! The mesh: a jittered hexagonal mesh whose cells shrink towards the
//! centre, and the set of its cells that lie inside the city outline.

use std::f64::consts::PI;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calibration::OUTLINE_KM;
use super::dmath;
use super::helpers::{splitmix64, unit};

/// Row spacing of the hexagonal mesh, in cell widths.
const HEX_H: f64 = 0.866_025_403_784_438_6;
/// Vertical offset of the apexes of a pointy-top hexagon, in cell widths.
const HEX_APEX: f64 = 0.144_337_567_297_406_4;
pub(super) const NONE: u32 = u32::MAX;

/// Radial stretch from the mesh's parameter plane (cells of width 1) to the
/// ground (metres): cells are `small_m` wide at the centre and grow smoothly
/// to `large_m` at parameter radius `knee`.
pub(super) struct Warp {
    small_m: f64,
    large_m: f64,
    knee: f64,
    centre: [f64; 2],
}

impl Warp {
    fn radius(&self, rho: f64) -> f64 {
        let grow = self.large_m - self.small_m;
        if rho < self.knee {
            let t = rho / self.knee;
            self.small_m * rho + grow * self.knee * (t * t * t - t * t * t * t / 2.0)
        } else {
            self.small_m * self.knee + grow * self.knee / 2.0 + self.large_m * (rho - self.knee)
        }
    }

    fn inverse_radius(&self, r: f64) -> f64 {
        let (mut lo, mut hi) = (0.0, r / self.small_m + 1.0);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if self.radius(mid) < r {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    pub(super) fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        let q = [p[0] - self.centre[0], p[1] - self.centre[1]];
        let rho = (q[0] * q[0] + q[1] * q[1]).sqrt();
        if rho < 1e-12 {
            return [q[0] * self.small_m, q[1] * self.small_m];
        }
        let k = self.radius(rho) / rho;
        [q[0] * k, q[1] * k]
    }

    /// The parameter point mapped to ground point `w`.
    fn invert(&self, w: [f64; 2]) -> [f64; 2] {
        let r = (w[0] * w[0] + w[1] * w[1]).sqrt();
        if r < 1e-9 {
            return self.centre;
        }
        let k = self.inverse_radius(r) / r;
        [self.centre[0] + w[0] * k, self.centre[1] + w[1] * k]
    }
}

/// A smooth displacement field of the parameter plane: a few plane waves per
/// axis.
pub(super) struct Noise {
    waves: Vec<([f64; 2], f64, f64, usize)>,
}

impl Noise {
    pub(super) fn new(rng: &mut ChaCha8Rng, amplitude: f64, wavelengths: (f64, f64)) -> Self {
        let mut waves = Vec::new();
        for axis in 0..2 {
            for _ in 0..3 {
                let lambda = wavelengths.0 + (wavelengths.1 - wavelengths.0) * rng.random::<f64>();
                let (s, c) = dmath::sin_cos(2.0 * PI * rng.random::<f64>());
                let k = 2.0 * PI / lambda;
                let phase = 2.0 * PI * rng.random::<f64>();
                let amp = amplitude * (0.5 + 0.5 * rng.random::<f64>()) / 2.0;
                waves.push(([k * c, k * s], phase, amp, axis));
            }
        }
        Noise { waves }
    }

    fn displace(&self, p: [f64; 2]) -> [f64; 2] {
        let mut out = p;
        for &(k, phase, amp, axis) in &self.waves {
            out[axis] += amp * dmath::sin(k[0] * p[0] + k[1] * p[1] + phase);
        }
        out
    }

    /// The field sampled every `step` over the mesh's parameter box, for
    /// cheap bilinear evaluation.
    pub(super) fn lattice(&self, mesh: &Mesh, step: f64) -> Lattice {
        let nx = (mesh.cols as f64 / step).ceil() as usize + 2;
        let ny = (mesh.rows as f64 * HEX_H / step).ceil() as usize + 2;
        let mut shift = Vec::with_capacity(nx * ny);
        for j in 0..ny {
            for i in 0..nx {
                let p = [
                    mesh.origin[0] + i as f64 * step,
                    mesh.origin[1] + j as f64 * step,
                ];
                let q = self.displace(p);
                shift.push([q[0] - p[0], q[1] - p[1]]);
            }
        }
        Lattice {
            origin: mesh.origin,
            step,
            nx,
            ny,
            shift,
        }
    }
}

/// A displacement field sampled on a square lattice.
pub(super) struct Lattice {
    origin: [f64; 2],
    step: f64,
    nx: usize,
    ny: usize,
    shift: Vec<[f64; 2]>,
}

impl Lattice {
    pub(super) fn displace(&self, p: [f64; 2]) -> [f64; 2] {
        let fx = ((p[0] - self.origin[0]) / self.step).clamp(0.0, (self.nx - 2) as f64);
        let fy = ((p[1] - self.origin[1]) / self.step).clamp(0.0, (self.ny - 2) as f64);
        let (i, j) = (fx.floor() as usize, fy.floor() as usize);
        let (i, j) = (i.min(self.nx - 2), j.min(self.ny - 2));
        let (tx, ty) = (fx - i as f64, fy - j as f64);
        let at = |i: usize, j: usize| self.shift[j * self.nx + i];
        let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
        let mut out = p;
        for axis in 0..2 {
            let bottom = a[axis] + tx * (b[axis] - a[axis]);
            let top = c[axis] + tx * (d[axis] - c[axis]);
            out[axis] += bottom + ty * (top - bottom);
        }
        out
    }
}

/// The jittered hexagonal mesh of one copy, in "brick" layout: row `r` of
/// cells is shifted by half a cell when `r` is odd, and each cell is a
/// hexagon whose six corners lie on the horizontal vertex lines `r` and
/// `r + 1` at half-cell steps. Every vertex is shared by at most three cells,
/// so a union of cells never touches itself at a point.
pub(super) struct Mesh {
    pub(super) cols: usize,
    rows: usize,
    origin: [f64; 2],
    pub(super) warp: Warp,
    jitter_seed: u64,
    verts: Vec<[f64; 2]>,
}

impl Mesh {
    fn line_len(&self) -> usize {
        2 * self.cols + 2
    }

    fn vid(&self, r: usize, k: usize) -> usize {
        r * self.line_len() + k
    }

    /// Parameter-plane centre of cell `(i, r)`.
    pub(super) fn cell_param_centre(&self, i: usize, r: usize) -> [f64; 2] {
        let k0 = 2 * i + r % 2;
        [
            self.origin[0] + (k0 + 1) as f64 * 0.5,
            self.origin[1] + (r as f64 + 0.5) * HEX_H,
        ]
    }

    /// Ground position of vertex `v` (computed once, then cached).
    pub(super) fn vertex(&mut self, v: usize) -> [f64; 2] {
        let cached = self.verts[v];
        if !cached[0].is_nan() {
            return cached;
        }
        let (r, k) = (v / self.line_len(), v % self.line_len());
        let h = splitmix64(self.jitter_seed ^ ((r as u64) << 32) ^ k as u64);
        let jx = unit(h) - 0.5;
        let jy = unit(splitmix64(h)) - 0.5;
        let apex = if k % 2 == r % 2 { HEX_APEX } else { -HEX_APEX };
        let p = [
            self.origin[0] + k as f64 * 0.5 + 0.22 * jx,
            self.origin[1] + r as f64 * HEX_H + apex + 0.14 * jy,
        ];
        let w = self.warp.apply(p);
        self.verts[v] = w;
        w
    }

    /// The six corners of cell `(i, r)`, counter-clockwise from bottom-left.
    fn cell_vertices(&self, i: usize, r: usize) -> [usize; 6] {
        let k0 = 2 * i + r % 2;
        [
            self.vid(r, k0),
            self.vid(r, k0 + 1),
            self.vid(r, k0 + 2),
            self.vid(r + 1, k0 + 2),
            self.vid(r + 1, k0 + 1),
            self.vid(r + 1, k0),
        ]
    }

    /// The neighbour across each edge of cell `(i, r)` (edge `e` runs from
    /// corner `e` to corner `e + 1`), as grid indices.
    fn neighbours(&self, i: usize, r: usize) -> [Option<usize>; 6] {
        let o = r % 2;
        let at = |ii: isize, rr: isize| -> Option<usize> {
            if ii < 0 || rr < 0 || ii >= self.cols as isize || rr >= self.rows as isize {
                None
            } else {
                Some(rr as usize * self.cols + ii as usize)
            }
        };
        let (i, r, o) = (i as isize, r as isize, o as isize);
        [
            at(i + o - 1, r - 1),
            at(i + o, r - 1),
            at(i + 1, r),
            at(i + o, r + 1),
            at(i + o - 1, r + 1),
            at(i - 1, r),
        ]
    }
}

/// The cells of one copy that lie in the city.
pub(super) struct Cells {
    /// Grid index of each cell.
    pub(super) grid: Vec<usize>,
    /// Corners (mesh vertex ids), counter-clockwise.
    pub(super) corners: Vec<[usize; 6]>,
    /// Neighbour across each edge (cell index, or `NONE` outside the city).
    pub(super) nb: Vec<[u32; 6]>,
    /// Ground centroid, metres.
    pub(super) centroid: Vec<[f64; 2]>,
    /// Ground area, m².
    pub(super) area: Vec<f64>,
}

pub(super) fn point_in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Labels connected components of `member` cells (over the grid), returning
/// the component id of each grid cell (`NONE` for non-members) and sizes.
fn grid_components(mesh: &Mesh, member: &[bool]) -> (Vec<u32>, Vec<usize>) {
    let mut comp = vec![NONE; member.len()];
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for start in 0..member.len() {
        if !member[start] || comp[start] != NONE {
            continue;
        }
        let id = sizes.len() as u32;
        let mut size = 0;
        comp[start] = id;
        stack.push(start);
        while let Some(g) = stack.pop() {
            size += 1;
            for n in mesh
                .neighbours(g % mesh.cols, g / mesh.cols)
                .into_iter()
                .flatten()
            {
                if member[n] && comp[n] == NONE {
                    comp[n] = id;
                    stack.push(n);
                }
            }
        }
        sizes.push(size);
    }
    (comp, sizes)
}

/// Builds the mesh and the set of city cells for one copy, the outline
/// scaled so that the city's area is `area_m2`. Returns the mesh, the cells
/// and the outline scale factor.
pub(super) fn build_city(
    area_m2: f64,
    rng: &mut ChaCha8Rng,
    jitter_seed: u64,
) -> (Mesh, Cells, f64) {
    let outline: Vec<[f64; 2]> = OUTLINE_KM
        .iter()
        .map(|p| [p[0] * 1000.0, p[1] * 1000.0])
        .collect();
    let mut raw_area = 0.0;
    for i in 0..outline.len() {
        let (a, b) = (outline[i], outline[(i + 1) % outline.len()]);
        raw_area += a[0] * b[1] - b[0] * a[1];
    }
    raw_area /= 2.0;
    let mut factor = (area_m2 / raw_area).sqrt();
    let warp = Warp {
        small_m: 70.0,
        large_m: 300.0,
        knee: 200.0,
        centre: [0.0, 0.0],
    };
    // the parameter-plane box covering the outline at up to 1.12x its size
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for p in &outline {
        xmin = xmin.min(p[0]);
        xmax = xmax.max(p[0]);
        ymin = ymin.min(p[1]);
        ymax = ymax.max(p[1]);
    }
    let grow = 1.12 * factor;
    let (xmin, xmax, ymin, ymax) = (xmin * grow, xmax * grow, ymin * grow, ymax * grow);
    let (mut pxmin, mut pxmax, mut pymin, mut pymax) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let steps = 400;
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        for w in [
            [xmin + t * (xmax - xmin), ymin],
            [xmin + t * (xmax - xmin), ymax],
            [xmin, ymin + t * (ymax - ymin)],
            [xmax, ymin + t * (ymax - ymin)],
        ] {
            let q = warp.invert(w);
            pxmin = pxmin.min(q[0]);
            pxmax = pxmax.max(q[0]);
            pymin = pymin.min(q[1]);
            pymax = pymax.max(q[1]);
        }
    }
    // a wavy outline, its waves in proportion to the city (in mesh cells:
    // 12 cells for the Cần Thơ calibration, fewer for a smaller city)
    let relative = ((pxmax - pxmin) / 390.0).min(1.0);
    let noise_amp = 12.0 * relative;
    let noise = Noise::new(rng, noise_amp, (40.0 * relative, 120.0 * relative));
    let margin = noise_amp + 3.0;
    let origin = [pxmin - margin, pymin - margin];
    let cols = ((pxmax - pxmin + 2.0 * margin).ceil()) as usize;
    let rows = ((pymax - pymin + 2.0 * margin) / HEX_H).ceil() as usize;
    let mut mesh = Mesh {
        cols,
        rows,
        origin,
        warp,
        jitter_seed,
        verts: vec![[f64::NAN, f64::NAN]; (rows + 1) * (2 * cols + 2)],
    };
    let n = cols * rows;
    let lattice = noise.lattice(&mesh, 4.0);
    let probe: Vec<[f64; 2]> = (0..n)
        .map(|g| {
            let c = mesh.cell_param_centre(g % cols, g / cols);
            mesh.warp.apply(lattice.displace(c))
        })
        .collect();
    let mut member = vec![false; n];
    let mut cell_area = vec![f64::NAN; n];
    // scale the outline until the cleaned-up city has the wanted area
    let passes = 3;
    for pass in 0..passes {
        let ring: Vec<[f64; 2]> = outline
            .iter()
            .map(|p| [p[0] * factor, p[1] * factor])
            .collect();
        let (bx0, bx1) = (xmin / grow * factor, xmax / grow * factor);
        let (by0, by1) = (ymin / grow * factor, ymax / grow * factor);
        for g in 0..n {
            let p = probe[g];
            member[g] =
                p[0] >= bx0 && p[0] <= bx1 && p[1] >= by0 && p[1] <= by1 && point_in_ring(p, &ring);
        }
        // keep the largest piece and fill enclosed holes
        let (comp, sizes) = grid_components(&mesh, &member);
        let largest = (0..sizes.len()).max_by_key(|&c| (sizes[c], usize::MAX - c));
        for g in 0..n {
            member[g] = member[g] && Some(comp[g] as usize) == largest;
        }
        let outside: Vec<bool> = member.iter().map(|m| !m).collect();
        let (ocomp, _) = grid_components(&mesh, &outside);
        let border = ocomp[0];
        for g in 0..n {
            if outside[g] && ocomp[g] != border {
                member[g] = true;
            }
        }
        if pass + 1 == passes {
            break;
        }
        let mut area = 0.0;
        for g in 0..n {
            if member[g] {
                if cell_area[g].is_nan() {
                    let vs = mesh.cell_vertices(g % cols, g / cols);
                    let pts: Vec<[f64; 2]> = vs.iter().map(|&v| mesh.vertex(v)).collect();
                    cell_area[g] = ring_area(&pts);
                }
                area += cell_area[g];
            }
        }
        factor *= (area_m2 / area).sqrt();
    }
    let mut index = vec![NONE; n];
    let mut cells = Cells {
        grid: Vec::new(),
        corners: Vec::new(),
        nb: Vec::new(),
        centroid: Vec::new(),
        area: Vec::new(),
    };
    for g in 0..n {
        if member[g] {
            index[g] = cells.grid.len() as u32;
            cells.grid.push(g);
        }
    }
    for &g in &cells.grid {
        let (i, r) = (g % cols, g / cols);
        let vs = mesh.cell_vertices(i, r);
        let pts: Vec<[f64; 2]> = vs.iter().map(|&v| mesh.vertex(v)).collect();
        cells.area.push(ring_area(&pts));
        cells.centroid.push(ring_centroid(&pts));
        cells.corners.push(vs);
        let nbs = mesh.neighbours(i, r);
        cells.nb.push(nbs.map(|o| o.map_or(NONE, |gg| index[gg])));
    }
    (mesh, cells, factor)
}

pub(super) fn ring_area(pts: &[[f64; 2]]) -> f64 {
    let mut a = 0.0;
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        a += p[0] * q[1] - q[0] * p[1];
    }
    a / 2.0
}

fn ring_centroid(pts: &[[f64; 2]]) -> [f64; 2] {
    let (mut cx, mut cy, mut a) = (0.0, 0.0, 0.0);
    for i in 0..pts.len() {
        let (p, q) = (pts[i], pts[(i + 1) % pts.len()]);
        let cross = p[0] * q[1] - q[0] * p[1];
        a += cross;
        cx += (p[0] + q[0]) * cross;
        cy += (p[1] + q[1]) * cross;
    }
    [cx / (3.0 * a), cy / (3.0 * a)]
}

#[cfg(test)]
mod tests {
    use super::super::helpers::round6;
    use super::super::test_support::can_tho;
    use geo::GeodesicArea;

    #[test]
    fn area_matches_the_city() {
        let s = can_tho();
        let area: f64 = s
            .communes
            .iter()
            .map(|c| c.geometry.as_ref().unwrap().geodesic_area_unsigned())
            .sum::<f64>()
            / 1e6;
        assert!((area - 1440.0).abs() < 1440.0 * 0.03, "area {area} km²");
        for c in &s.communes {
            for p in c.geometry.as_ref().unwrap() {
                for q in p.exterior() {
                    assert!((105.1..106.0).contains(&q.x) && (9.8..10.45).contains(&q.y));
                    assert_eq!(q.x, round6(q.x));
                }
            }
        }
    }
}
