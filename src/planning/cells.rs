//! Uncovered demand per layer, cell by cell, measured as the report does:
//! the planner's demand units (gap maps are drawn from row runs, `runs.rs`).
//!
//! **Uniform demand.** Each commune is swept on the global lattice of its
//! strip (cells `[i·res, (i+1)·res) × [j·res, (j+1)·res)`), two
//! Gauss–Legendre lines per row (the report measures shares on three, with
//! exact row areas; the cells' figures are normalised to the report's
//! below). On each line the commune's spans and the engine's exact coverage
//! intervals (the same traces as the report's row integration) give, per
//! cell, the commune's area and its uncovered area per layer. Each commune's uncovered people `U` (its population minus the
//! covered figure of `report.json`) are then shared among its cells in
//! proportion to their uncovered area, so the cells of a commune add up to
//! `U` exactly (within floating-point rounding): conservation holds by
//! construction and the spatial pattern is the measured one.
//!
//! **Point demand.** Each uncovered point (assigned to a commune, as the
//! report assigns it) is one unit carrying its own people and households.

use geo::{MultiPolygon, Point};

use super::runs::subtract;
use rayon::prelude::*;

use super::Layer;
use crate::engine::probe::Probe;
use crate::engine::FLAG_BITS;
use crate::geodesy::TransverseMercator;
use crate::model::Scenario;
use crate::report::Report;
use crate::{Error, Options, Result};

/// Gauss–Legendre nodes of a row (fractions of the row height), each with
/// half the row's weight.
const NODES: [f64; 2] = [0.5 - 0.288_675_134_594_812_9, 0.5 + 0.288_675_134_594_812_9];

/// A demand point located: commune, strip, strip metres, coverage flags.
type Located = (usize, usize, [f64; 2], u8);

/// One unit of uncovered demand of one layer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Strip of the unit.
    pub strip: u32,
    /// Cell column on the strip's lattice.
    pub i: i64,
    /// Cell row on the strip's lattice.
    pub j: i64,
    /// Where the demand sits, strip metres (cell centre, or the point).
    pub xy: [f64; 2],
    /// Commune (index in the scenario).
    pub commune: u32,
    /// Uncovered people of the unit.
    pub population: f64,
    /// Uncovered households of the unit.
    pub households: f64,
    /// Share of the cell's area in the commune that is uncovered (1 for a
    /// point).
    pub share: f64,
    /// Sub-points of the unit not covered before planning (bit
    /// `32·r + c` = the point at `x = (i + (c + ½)/32)·res` on the row's
    /// Gauss–Legendre line `r`; bit 0 alone for a point): its people are
    /// spread over them. Filled by
    /// [`Uncovered::with_sub_points`], else every bit.
    pub free: u64,
}

/// Uncovered demand of every layer.
pub(crate) struct Uncovered {
    /// Grid spacing, metres.
    pub resolution_m: f64,
    /// Frame of each strip.
    pub frames: Vec<TransverseMercator>,
    /// Whether demand is given as points.
    pub points_mode: bool,
    /// Units per layer ([`Layer::bit`] order), sorted by strip, row, column,
    /// commune (input order within a cell).
    pub layers: [Vec<Unit>; FLAG_BITS],
}

/// The uncovered figure of `layer` in commune `c` of the report: people and
/// households.
pub(crate) fn uncovered_of(report: &Report, c: usize, layer: Layer) -> (f64, f64) {
    let row = &report.communes[c];
    let (pop, hh) = (row.population, row.households);
    let share = |part: f64, whole: f64| {
        if whole > 0.0 {
            (1.0 - part / whole).clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    match layer {
        Layer::Fiber => {
            let u_hh = (hh - row.households_fiber_passed).max(0.0);
            (pop * share(row.households_fiber_passed, hh), u_hh)
        }
        _ => {
            let covered = row.covered_population(layer);
            let u = (pop - covered).max(0.0);
            (u, hh * share(covered, pop))
        }
    }
}

/// Per-cell measure of one commune: area in the commune and uncovered area
/// per flag bit.
struct CellMeasure {
    i: i64,
    j: i64,
    area: f64,
    uncovered: [f64; FLAG_BITS],
}

impl Uncovered {
    /// Measures the uncovered demand of every layer of `scenario`, whose
    /// report is `report` (from [`crate::evaluate_with`] with `options`).
    pub(crate) fn measure(scenario: &Scenario, report: &Report, options: &Options) -> Result<Self> {
        if report.communes.len() != scenario.communes.len() {
            return Err(Error::Parameter {
                name: "report",
                reason: format!(
                    "the report has {} communes but the scenario {}; pass the report of this scenario",
                    report.communes.len(),
                    scenario.communes.len()
                ),
            });
        }
        let probe = Probe::new(scenario, options)?;
        let res = scenario.parameters.resolution_m;
        let frames: Vec<TransverseMercator> = (0..probe.strips()).map(|z| probe.frame(z)).collect();
        let mut layers: [Vec<Unit>; FLAG_BITS] = Default::default();
        match &scenario.population {
            Some(points) => {
                let evaluated: Vec<Option<Located>> = points
                    .par_iter()
                    .with_min_len(256)
                    .map(|pt| {
                        let loc = pt.location?;
                        let c = probe.locate(loc)?;
                        let z = probe.commune_strip(c)?;
                        let xy = frames[z].forward(loc.x(), loc.y());
                        Some((c, z, xy, probe.flags(z, xy)))
                    })
                    .collect();
                for (pt, e) in points.iter().zip(&evaluated) {
                    let Some((c, z, xy, f)) = *e else { continue };
                    for (b, units) in layers.iter_mut().enumerate() {
                        if (f >> b) & 1 == 1 {
                            continue;
                        }
                        units.push(Unit {
                            strip: z as u32,
                            i: (xy[0] / res).floor() as i64,
                            j: (xy[1] / res).floor() as i64,
                            xy,
                            commune: c as u32,
                            population: pt.population,
                            households: pt.households,
                            share: 1.0,
                            free: 1,
                        });
                    }
                }
            }
            None => {
                let projected: Vec<Option<(usize, MultiPolygon<f64>)>> =
                    (0..scenario.communes.len())
                        .into_par_iter()
                        .map(|c| probe.project_commune(c))
                        .collect();
                let area_m2: f64 = projected
                    .iter()
                    .flatten()
                    .map(|(_, p)| geo::Area::unsigned_area(p))
                    .sum();
                crate::demand::refuse_oversized_grid(
                    "a gap grid",
                    area_m2,
                    res,
                    options.max_demand_cells,
                    "Options::max_demand_cells",
                )?;
                let per_commune: Vec<Vec<CellMeasure>> = projected
                    .par_iter()
                    .map(|p| match p {
                        Some((z, polygon)) => measure_commune(&probe, *z, polygon, res),
                        None => Vec::new(),
                    })
                    .collect();
                for (c, cells) in per_commune.iter().enumerate() {
                    let Some((z, polygon)) = &projected[c] else {
                        continue;
                    };
                    for layer in Layer::ALL {
                        let b = layer.bit();
                        let (u_pop, u_hh) = uncovered_of(report, c, layer);
                        if u_pop <= 0.0 && u_hh <= 0.0 {
                            continue;
                        }
                        push_commune_units(
                            &mut layers[b],
                            cells,
                            b,
                            c,
                            *z,
                            polygon,
                            res,
                            u_pop,
                            u_hh,
                        );
                    }
                }
            }
        }
        layers.par_iter_mut().for_each(|units| {
            units.par_sort_by(|a, b| {
                (a.strip, a.j, a.i, a.commune).cmp(&(b.strip, b.j, b.i, b.commune))
            });
        });
        Ok(Uncovered {
            resolution_m: res,
            frames,
            points_mode: scenario.population.is_some(),
            layers,
        })
    }

    /// The units of one layer.
    pub(crate) fn units(&self, layer: Layer) -> &[Unit] {
        &self.layers[layer.bit()]
    }
}

/// Sub-points of a cell: the two Gauss–Legendre lines of the row that the
/// cells are measured on, each sampled at `SUB_X` points (the claims of a
/// plan agree with the report re-measured on the planned scenario: 0.0001
/// percentage point for fibre on the demo, worst commune 0.17).
const SUB_X: usize = 32;
/// Number of sub-points of a cell (one bit each in a `u64`).
const SUB_N: usize = 2 * SUB_X;

/// Whether a unit stands for a whole cell (not a point).
fn is_cell(u: &Unit, points_mode: bool, res: f64) -> bool {
    !points_mode && u.xy == [(u.i as f64 + 0.5) * res, (u.j as f64 + 0.5) * res]
}

/// Sub-point `k` of a cell unit, strip metres.
fn sub_point(u: &Unit, res: f64, k: usize) -> [f64; 2] {
    let (row, col) = (k / SUB_X, k % SUB_X);
    [
        (u.i as f64 + (col as f64 + 0.5) / SUB_X as f64) * res,
        (u.j as f64 + NODES[row]) * res,
    ]
}

/// The sub-points among `free` within `reach_m` of a shape's core, given
/// the distance `dist_m` of the unit's point to it and `dist_of` for other
/// points. A point unit is its bit 0.
pub(crate) fn reached(
    u: &Unit,
    points_mode: bool,
    res: f64,
    free: u64,
    dist_m: f64,
    reach_m: f64,
    dist_of: impl Fn([f64; 2]) -> f64,
) -> u64 {
    if !is_cell(u, points_mode, res) {
        return if dist_m <= reach_m { free & 1 } else { 0 };
    }
    let half_diagonal = res * std::f64::consts::FRAC_1_SQRT_2;
    if dist_m + half_diagonal <= reach_m {
        return free;
    }
    if dist_m - half_diagonal > reach_m {
        return 0;
    }
    let mut hit = 0u64;
    for k in 0..SUB_N {
        if (free >> k) & 1 == 1 && dist_of(sub_point(u, res, k)) <= reach_m {
            hit |= 1 << k;
        }
    }
    hit
}

/// The people (or households) a unit gains when the sub-points `hit` of
/// its still-free ones are covered.
pub(crate) fn gained(u: &Unit, weight: f64, hit: u64) -> f64 {
    weight * f64::from(hit.count_ones()) / f64::from(u.free.count_ones().max(1))
}

impl Uncovered {
    /// Marks, for the units of `layer` whose cell is partly covered, which
    /// sub-points existing infrastructure already covers (by the engine's
    /// point test), so that a new shape gains only the uncovered part.
    pub(crate) fn with_sub_points(
        &mut self,
        scenario: &Scenario,
        options: &Options,
        layer: Layer,
    ) -> Result<()> {
        let probe = Probe::new(scenario, options)?;
        let (points_mode, res, b) = (self.points_mode, self.resolution_m, layer.bit());
        self.layers[b]
            .par_iter_mut()
            .with_min_len(256)
            .for_each(|u| {
                if !is_cell(u, points_mode, res) || u.share >= 0.999 {
                    return;
                }
                let mut free = 0u64;
                for k in 0..SUB_N {
                    if (probe.flags(u.strip as usize, sub_point(u, res, k)) >> b) & 1 == 0 {
                        free |= 1 << k;
                    }
                }
                // no sub-point is free: the uncovered part is a sliver between
                // them; spread it over the whole cell
                u.free = if free == 0 { u64::MAX } else { free };
            });
        Ok(())
    }
}

/// Shares a commune's uncovered figures among its cells (see the module
/// docs) and appends the units.
#[allow(clippy::too_many_arguments)]
fn push_commune_units(
    out: &mut Vec<Unit>,
    cells: &[CellMeasure],
    b: usize,
    c: usize,
    z: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
    u_pop: f64,
    u_hh: f64,
) {
    let total: f64 = cells.iter().map(|m| m.uncovered[b]).sum();
    let unit = |m: &CellMeasure, share: f64| Unit {
        strip: z as u32,
        i: m.i,
        j: m.j,
        xy: [(m.i as f64 + 0.5) * res, (m.j as f64 + 0.5) * res],
        commune: c as u32,
        population: u_pop * share,
        households: u_hh * share,
        share: if m.area > 0.0 {
            (m.uncovered[b] / m.area).min(1.0)
        } else {
            1.0
        },
        free: u64::MAX,
    };
    if total <= 0.0 {
        // nothing measurable is uncovered but the report says otherwise (a
        // commune without measurable area, or rounding): one unit at a
        // representative point keeps the figure
        use geo::InteriorPoint;
        let p = polygon
            .interior_point()
            .unwrap_or_else(|| Point::new(0.0, 0.0));
        let m = CellMeasure {
            i: (p.x() / res).floor() as i64,
            j: (p.y() / res).floor() as i64,
            area: 0.0,
            uncovered: [0.0; FLAG_BITS],
        };
        let mut u = unit(&m, 1.0);
        u.xy = [p.x(), p.y()];
        u.share = 1.0;
        u.free = 1;
        out.push(u);
        return;
    }
    for m in cells {
        if m.uncovered[b] > 0.0 {
            out.push(unit(m, m.uncovered[b] / total));
        }
    }
}

/// Measures one commune (strip metres) cell by cell.
fn measure_commune(
    probe: &Probe<'_>,
    z: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
) -> Vec<CellMeasure> {
    let mut edges: Vec<[f64; 4]> = Vec::new();
    for ring in polygon
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
    {
        for l in ring.lines() {
            if l.start.y != l.end.y {
                edges.push([l.start.x, l.start.y, l.end.x, l.end.y]);
            }
        }
    }
    if edges.is_empty() {
        return Vec::new();
    }
    let (mut x_min, mut y_min, mut x_max, mut y_max) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for e in &edges {
        x_min = x_min.min(e[0]).min(e[2]);
        x_max = x_max.max(e[0]).max(e[2]);
        y_min = y_min.min(e[1]).min(e[3]);
        y_max = y_max.max(e[1]).max(e[3]);
    }
    let all_bits = (1u8 << FLAG_BITS) - 1;
    let whole = probe.covering_box(z, [x_min, y_min], [x_max, y_max]);
    if whole & all_bits == all_bits {
        return Vec::new();
    }
    // sort edges by their lower y for an active-edge sweep
    edges.sort_by(|a, b| a[1].min(a[3]).total_cmp(&b[1].min(b[3])));
    let i0 = (x_min / res).floor() as i64;
    let n_cols = ((x_max / res).floor() as i64 - i0 + 1).max(1) as usize;
    let j0 = (y_min / res).floor() as i64;
    let j1 = (y_max / res).floor() as i64;
    let mut out = Vec::new();
    let mut row: Vec<[f64; FLAG_BITS + 1]> = vec![[0.0; FLAG_BITS + 1]; n_cols];
    let mut touched: Vec<usize> = Vec::new();
    let mut bufs: [Vec<(f64, f64)>; FLAG_BITS] = Default::default();
    let mut xs: Vec<f64> = Vec::new();
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let mut gaps: Vec<(f64, f64)> = Vec::new();
    let mut active: Vec<usize> = Vec::new();
    let mut next_edge = 0;
    let h = 0.5 * res;
    for j in j0..=j1 {
        for node in NODES {
            let y = (j as f64 + node) * res;
            if y <= y_min || y >= y_max {
                continue;
            }
            while next_edge < edges.len() && edges[next_edge][1].min(edges[next_edge][3]) <= y {
                active.push(next_edge);
                next_edge += 1;
            }
            active.retain(|&k| edges[k][1].max(edges[k][3]) > y);
            xs.clear();
            for &k in &active {
                let [ax, ay, bx, by] = edges[k];
                if (ay <= y) != (by <= y) {
                    xs.push(ax + (y - ay) * (bx - ax) / (by - ay));
                }
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
            let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
                continue;
            };
            let (x_lo, x_hi) = (first.0, last.1);
            let full = probe.trace(z, y, x_lo, x_hi, whole, &mut bufs);
            for &(a, b) in &spans {
                spread(&mut row, &mut touched, i0, res, a, b, h, FLAG_BITS);
            }
            for (bit, buf) in bufs.iter_mut().enumerate() {
                if (full >> bit) & 1 == 0 {
                    subtract(&spans, buf, &mut gaps);
                    for &(a, b) in &gaps {
                        spread(&mut row, &mut touched, i0, res, a, b, h, bit);
                    }
                }
                buf.clear();
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for &k in &touched {
            let v = row[k];
            if v[FLAG_BITS] > 0.0 && v[..FLAG_BITS].iter().any(|u| *u > 0.0) {
                let mut uncovered = [0.0; FLAG_BITS];
                for (u, x) in uncovered.iter_mut().zip(&v) {
                    // an uncovered length cannot exceed the span it lies in
                    *u = x.min(v[FLAG_BITS]);
                }
                out.push(CellMeasure {
                    i: i0 + k as i64,
                    j,
                    area: v[FLAG_BITS],
                    uncovered,
                });
            }
            row[k] = [0.0; FLAG_BITS + 1];
        }
        touched.clear();
    }
    out
}

/// Adds `h ·|[a, b] ∩ column|` to slot `slot` of every column `[a, b]` meets.
#[allow(clippy::too_many_arguments)]
fn spread(
    row: &mut [[f64; FLAG_BITS + 1]],
    touched: &mut Vec<usize>,
    i0: i64,
    res: f64,
    a: f64,
    b: f64,
    h: f64,
    slot: usize,
) {
    let n = row.len() as i64;
    let c0 = ((a / res).floor() as i64 - i0).clamp(0, n - 1);
    let c1 = ((b / res).floor() as i64 - i0).clamp(0, n - 1);
    for c in c0..=c1 {
        let lo = ((c + i0) as f64 * res).max(a);
        let hi = ((c + i0 + 1) as f64 * res).min(b);
        if hi > lo {
            row[c as usize][slot] += (hi - lo) * h;
            touched.push(c as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreading_splits_at_columns() {
        let mut row = vec![[0.0; FLAG_BITS + 1]; 4];
        let mut touched = Vec::new();
        // columns of 10 m starting at i0 = 2 (x from 20 m)
        spread(&mut row, &mut touched, 2, 10.0, 25.0, 47.0, 2.0, 0);
        assert_eq!(row[0][0], 10.0);
        assert_eq!(row[1][0], 20.0);
        assert_eq!(row[2][0], 14.0);
        assert_eq!(row[3][0], 0.0);
    }
}
