//! The planner's demand units: uncovered demand per layer, cell by cell,
//! measured as the report does.
//!
//! **Uniform demand.** Each commune is swept by the same row sweep as gap
//! maps ([`super::runs::sweep_commune`]): on the report's three
//! Gauss–Legendre lines of every row of its strip's grid, the uncovered
//! intervals of each targeted layer. A unit is a grid cell
//! `[i·res, (i+1)·res) × [j·res, (j+1)·res)` that an uncovered interval
//! meets, built row by row from the intervals (a buffer as wide as the
//! commune, nothing kept per cell of the scenario): its measure is the
//! uncovered area its lines see (Σ weight × `res` × uncovered length in the
//! cell). Each commune's uncovered people `U` (its population minus the
//! covered figure of `report.json`) and households are shared among its
//! units in proportion to that measure, so the units of a commune add up to
//! `U` exactly (within rounding).
//!
//! A unit's people sit on its sub-points: [`SUB_X`] points across the cell
//! on each of the three lines, those inside an uncovered interval being
//! free (an interval too narrow to hold one frees the sub-point nearest to
//! its middle); each carries its line's weight. A new site, wifi point or
//! fibre segment gains the weighted share of the free sub-points it
//! reaches, which is what the report re-run on the same lines measures.
//! A commune whose lines see nothing uncovered but whose report does gets
//! one unit at an interior point.
//!
//! **Runs.** Whole cells side by side in a row of a commune (every
//! sub-point free, the same measure) are one unit, a run ([`Unit::cells`]):
//! the same sub-points and people as its cells, held once, each cell's
//! people the very figure it would have as a unit of its own. What sites
//! or fibre segments take of a run is kept as intervals of its sub-columns
//! per line ([`RunFree`]), so the planner's memory follows the communes'
//! rows and the uncovered regions' edges, not their cells; the wifi
//! planner, which ranks a commune's cells, takes them one commune at a
//! time.
//!
//! **Point demand.** Each uncovered point (assigned to a commune, as the
//! report assigns it) is one unit carrying its own people and households.

use geo::{InteriorPoint, MultiPolygon};
use rayon::prelude::*;

use super::runs::{sweep_commune, LINES};
use super::Layer;
use crate::engine::probe::Probe;
use crate::engine::FLAG_BITS;
use crate::geodesy::TransverseMercator;
use crate::model::Scenario;
use crate::report::Report;
use crate::{Options, Result};

/// A demand point located: commune, strip, strip metres, coverage flags.
type Located = (usize, usize, [f64; 2], u8);

/// Sub-points per line across a cell (three lines: 63 bits of a `u64`).
pub(crate) const SUB_X: usize = 21;

/// Bits of the sub-points of each line.
const LINE_BITS: [u64; 3] = [
    (1 << SUB_X) - 1,
    ((1 << SUB_X) - 1) << SUB_X,
    ((1 << SUB_X) - 1) << (2 * SUB_X),
];

/// One unit of uncovered demand of one layer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Strip of the unit.
    pub strip: u32,
    /// Cell column on the strip's grid.
    pub i: i64,
    /// Cell row on the strip's grid.
    pub j: i64,
    /// Where the demand sits, strip metres (cell centre, or the point).
    pub xy: [f64; 2],
    /// Commune (index in the scenario).
    pub commune: u32,
    /// Uncovered people of the unit.
    pub population: f64,
    /// Uncovered households of the unit.
    pub households: f64,
    /// Whether the unit is a grid cell (else a point: a demand point, or a
    /// commune's interior point).
    pub cell: bool,
    /// Sub-points of the unit not covered before planning (bit
    /// `SUB_X·r + c` = the point at `x = (i + (c + ½)/SUB_X)·res` on the
    /// row's line `r`; bit 0 alone for a point): its people are spread
    /// over them. For a run, those of each of its cells (all of them).
    pub free: u64,
    /// Cells of the unit: 1, or a run of this many whole cells of the row
    /// from column `i` (every sub-point free, the same measure and people
    /// in each): one unit instead of one per cell, `population` and
    /// `households` being each cell's.
    pub cells: u32,
}

/// Every sub-point of a cell.
pub(crate) const WHOLE: u64 = LINE_BITS[0] | LINE_BITS[1] | LINE_BITS[2];

impl Unit {
    /// Column of the unit's last cell.
    pub(crate) fn last_i(&self) -> i64 {
        self.i + i64::from(self.cells) - 1
    }

    /// Squared distance from `centre` to the unit's point, or for a run to
    /// the nearest of its cells' centres.
    pub(crate) fn distance2(&self, centre: [f64; 2], res: f64) -> f64 {
        let x = if self.cells > 1 {
            let nearest = (centre[0] / res - 0.5)
                .round()
                .clamp(self.i as f64, self.last_i() as f64);
            (nearest + 0.5) * res
        } else {
            self.xy[0]
        };
        let (dx, dy) = (x - centre[0], self.xy[1] - centre[1]);
        dx * dx + dy * dy
    }

    /// Cell `k` of a run as a cell unit of its own (the unit itself when
    /// it is one cell), its sub-points `free`.
    pub(crate) fn cell_at(&self, k: u32, res: f64, free: u64) -> Unit {
        if self.cells == 1 {
            return Unit {
                free,
                ..self.clone()
            };
        }
        let i = self.i + i64::from(k);
        Unit {
            i,
            xy: [(i as f64 + 0.5) * res, self.xy[1]],
            free,
            cells: 1,
            ..*self
        }
    }
}

/// What a run's sub-points still free are: per line, the sub-columns
/// `[a, b)` counted from its first cell's first sub-point, sorted and
/// apart. A run's state after sites covered parts of it; its size follows
/// the sites that crossed it, not its cells.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RunFree(pub [Vec<(u32, u32)>; 3]);

impl RunFree {
    /// Every sub-point of a run of `cells` cells.
    pub(crate) fn whole(cells: u32) -> Self {
        let all = vec![(0, cells * SUB_X as u32)];
        RunFree([all.clone(), all.clone(), all])
    }

    /// Per line, how many free sub-points lie in `chords` (per line, the
    /// sub-columns `[a, b)`).
    pub(crate) fn count(&self, chords: &[(u32, u32); 3]) -> [u32; 3] {
        std::array::from_fn(|line| {
            let (a, b) = chords[line];
            self.0[line]
                .iter()
                .map(|&(x, y)| y.min(b).saturating_sub(x.max(a)))
                .sum()
        })
    }

    /// Takes the sub-points of `chords` away.
    pub(crate) fn remove(&mut self, chords: &[(u32, u32); 3]) {
        for (free, &(a, b)) in self.0.iter_mut().zip(chords) {
            if a >= b {
                continue;
            }
            let mut out = Vec::with_capacity(free.len() + 1);
            for &(x, y) in free.iter() {
                if y <= a || x >= b {
                    out.push((x, y));
                    continue;
                }
                if x < a {
                    out.push((x, a));
                }
                if y > b {
                    out.push((b, y));
                }
            }
            *free = out;
        }
    }

    /// Takes the sub-points `bits` of the run's cell `k` (a cell's bits)
    /// away.
    pub(crate) fn remove_cell_bits(&mut self, k: u32, bits: u64) {
        let mut chords = [(0, 0); 3];
        for line in 0..3 {
            let mut rest = (bits >> (line * SUB_X)) & LINE_BITS[0];
            while rest != 0 {
                // one stretch of consecutive sub-points at a time
                let a = rest.trailing_zeros();
                let len = (rest >> a).trailing_ones();
                rest &= !(((1u64 << len) - 1) << a);
                let base = k * SUB_X as u32;
                chords[line] = (base + a, base + a + len);
                self.remove(&chords);
                chords[line] = (0, 0);
            }
        }
    }

    /// Whether no sub-point is free.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    /// The free sub-points of the run's cell `k`, as a cell's bits.
    pub(crate) fn cell_bits(&self, k: u32) -> u64 {
        let (lo, hi) = (k * SUB_X as u32, (k + 1) * SUB_X as u32);
        let mut bits = 0u64;
        for (line, free) in self.0.iter().enumerate() {
            for &(x, y) in free {
                let (a, b) = (x.max(lo), y.min(hi));
                if a < b {
                    let run = ((1u64 << (b - a)) - 1) << (a - lo);
                    bits |= run << (line * SUB_X);
                }
            }
        }
        bits
    }
}

/// What is still free of each unit of a layer as a planner takes demand:
/// a cell's or point's sub-points, and for a run, all of its cells' until
/// something takes part of it, then intervals ([`RunFree`]) kept for the
/// runs touched only.
pub(crate) struct Remaining {
    /// Per unit: its free bits (a run's `free` while untouched),
    /// [`Remaining::PARTLY`] for a run taken in part, 0 when nothing is
    /// left.
    bits: Vec<u64>,
    /// What is free of the runs taken in part.
    runs: std::collections::HashMap<usize, RunFree>,
}

impl Remaining {
    /// A run taken in part (no cell's bits: they use 63).
    const PARTLY: u64 = 1 << 63;

    /// Everything of `units` free.
    pub(crate) fn new(units: &[Unit]) -> Self {
        Remaining {
            bits: units.iter().map(|u| u.free).collect(),
            runs: Default::default(),
        }
    }

    /// Whether nothing of unit `k` is left.
    pub(crate) fn is_empty(&self, k: usize) -> bool {
        self.bits[k] == 0
    }

    /// The free sub-points of cell or point unit `k`.
    pub(crate) fn bits(&self, k: usize) -> u64 {
        self.bits[k]
    }

    /// Per line, the free sub-points of run `k` in `chords` (as
    /// [`RunFree::count`]).
    pub(crate) fn run_count(&self, k: usize, chords: &[(u32, u32); 3]) -> [u32; 3] {
        match self.bits[k] {
            Self::PARTLY => self.runs[&k].count(chords),
            0 => [0; 3],
            // untouched: every sub-point of the chords
            _ => chords.map(|(a, b)| b.saturating_sub(a)),
        }
    }

    /// Calls `f` for unit `u` (number `k`) cell by cell: the cell, its
    /// number in the unit and its free sub-points (a cell or point unit is
    /// its one cell).
    pub(crate) fn for_cells(
        &self,
        u: &Unit,
        k: usize,
        res: f64,
        mut f: impl FnMut(&Unit, u32, u64),
    ) {
        if u.cells == 1 {
            f(u, 0, self.bits[k]);
            return;
        }
        for i in 0..u.cells {
            let free = match self.bits[k] {
                Self::PARTLY => self.runs[&k].cell_bits(i),
                bits => bits,
            };
            f(&u.cell_at(i, res, u.free), i, free);
        }
    }

    /// Takes the sub-points `bits` of cell or point unit `k`.
    pub(crate) fn take_bits(&mut self, k: usize, bits: u64) {
        self.bits[k] &= !bits;
    }

    /// Takes from run `u` (number `k`) what `take` removes of its free
    /// sub-points.
    pub(crate) fn take_run(&mut self, u: &Unit, k: usize, take: impl FnOnce(&mut RunFree)) {
        if self.bits[k] == 0 {
            return;
        }
        let free = self
            .runs
            .entry(k)
            .or_insert_with(|| RunFree::whole(u.cells));
        take(free);
        if free.is_empty() {
            self.runs.remove(&k);
            self.bits[k] = 0;
        } else {
            self.bits[k] = Self::PARTLY;
        }
    }
}

/// The gain of a run whose cells each hold `weight` people (or
/// households) on the sub-points counted per line (`counts`, as
/// [`RunFree::count`]), each weighing its line's weight.
pub(crate) fn gained_run(weight: f64, counts: [u32; 3]) -> f64 {
    let w = 5 * counts[0] + 8 * counts[1] + 5 * counts[2];
    weight * f64::from(w) / f64::from(weight_of(WHOLE))
}

/// The sub-columns of a run that a disc of `reach_m` around `centre`
/// (strip metres) reaches, per line: `[a, b)` from the run's first cell's
/// first sub-point (empty when `a >= b`), found as [`reached_disc`] finds
/// them in a cell, from the ends of the disc's chord.
pub(crate) fn run_chords(u: &Unit, res: f64, centre: [f64; 2], reach_m: f64) -> [(u32, u32); 3] {
    let n = i64::from(u.cells) * SUB_X as i64;
    let step = res / SUB_X as f64;
    let base = u.i * SUB_X as i64;
    std::array::from_fn(|line| {
        let y = (u.j as f64 + LINES[line].0) * res;
        let dy = y - centre[1];
        if dy.abs() > reach_m {
            return (0, 0);
        }
        // sub-column g (from the run's first) sits at x = (base + g + ½)·step
        let x_of = |g: i64| ((base + g) as f64 + 0.5) * step;
        let inside = |g: i64| {
            let dx = x_of(g) - centre[0];
            (dx * dx + dy * dy).sqrt() <= reach_m
        };
        let half = (reach_m * reach_m - dy * dy).max(0.0).sqrt();
        let col = |x: f64| x / step - 0.5 - base as f64;
        let mut lo = (col(centre[0] - half).ceil() as i64).clamp(0, n);
        let mut hi = (col(centre[0] + half).floor() as i64).clamp(-1, n - 1);
        // the chord's ends settled by the distance itself
        while lo > 0 && inside(lo - 1) {
            lo -= 1;
        }
        while lo < n && lo <= hi && !inside(lo) {
            lo += 1;
        }
        while hi < n - 1 && inside(hi + 1) {
            hi += 1;
        }
        while hi >= 0 && hi >= lo && !inside(hi) {
            hi -= 1;
        }
        if hi < lo {
            (0, 0)
        } else {
            (lo as u32, (hi + 1) as u32)
        }
    })
}

/// Uncovered demand of the layers asked for.
pub(crate) struct Uncovered {
    /// Grid spacing, metres.
    pub resolution_m: f64,
    /// Frame of each strip.
    pub frames: Vec<TransverseMercator>,
    /// Whether demand is given as points.
    pub points_mode: bool,
    /// Units per layer ([`Layer::bit`] order; empty for a layer not asked
    /// for), sorted by strip, row, column, commune.
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

impl Uncovered {
    /// Measures the uncovered demand of `layers` in `scenario`, whose
    /// report is `report` (from [`crate::evaluate_with`] with `options`;
    /// the caller checks that it is this scenario's).
    pub(crate) fn measure(
        scenario: &Scenario,
        report: &Report,
        options: &Options,
        layers: &[Layer],
    ) -> Result<Self> {
        Self::measure_communes(scenario, report, options, layers, None)
    }

    /// [`Uncovered::measure`] for the communes flagged in `only` (all when
    /// `None`): the others get no units.
    pub(crate) fn measure_communes(
        scenario: &Scenario,
        report: &Report,
        options: &Options,
        layers: &[Layer],
        only: Option<&[bool]>,
    ) -> Result<Self> {
        let wanted_commune = |c: usize| only.is_none_or(|o| o.get(c).copied().unwrap_or(false));
        let probe = Probe::new(scenario, options)?;
        let res = scenario.parameters.resolution_m;
        let frames: Vec<TransverseMercator> = (0..probe.strips()).map(|z| probe.frame(z)).collect();
        let wanted = layers.iter().fold(0u8, |m, l| m | 1 << l.bit());
        let mut units: [Vec<Unit>; FLAG_BITS] = Default::default();
        match &scenario.population {
            Some(points) => {
                let evaluated: Vec<Option<Located>> = points
                    .par_iter()
                    .with_min_len(256)
                    .map(|pt| {
                        let loc = pt.location?;
                        let c = probe.locate(loc)?;
                        if !wanted_commune(c) {
                            return None;
                        }
                        let z = probe.commune_strip(c)?;
                        let xy = frames[z].forward(loc.x(), loc.y());
                        Some((c, z, xy, probe.flags(z, xy)))
                    })
                    .collect();
                for (pt, e) in points.iter().zip(&evaluated) {
                    let Some((c, z, xy, f)) = *e else { continue };
                    for (b, out) in units.iter_mut().enumerate() {
                        if (wanted >> b) & 1 == 0 || (f >> b) & 1 == 1 {
                            continue;
                        }
                        out.push(Unit {
                            strip: z as u32,
                            i: (xy[0] / res).floor() as i64,
                            j: (xy[1] / res).floor() as i64,
                            xy,
                            commune: c as u32,
                            population: pt.population,
                            households: pt.households,
                            cell: false,
                            free: 1,
                            cells: 1,
                        });
                    }
                }
            }
            None => {
                // communes swept side by side a batch at a time, each
                // batch's units appended before the next is swept: the
                // units are held once, not once per commune and again
                // gathered (a large vector grows by remapping its pages,
                // not by copying them)
                const BATCH: usize = 128;
                let n = scenario.communes.len();
                for first in (0..n).step_by(BATCH) {
                    let batch: Vec<[Vec<Unit>; FLAG_BITS]> = (first..(first + BATCH).min(n))
                        .into_par_iter()
                        .map(|c| {
                            if !wanted_commune(c) {
                                return Default::default();
                            }
                            let Some((z, polygon)) = probe.project_commune(c) else {
                                return Default::default();
                            };
                            let uncovered: [(f64, f64); FLAG_BITS] =
                                std::array::from_fn(|b| uncovered_of(report, c, Layer::ALL[b]));
                            commune_units(&probe, z, c, &polygon, res, wanted, &uncovered)
                        })
                        .collect();
                    for per_layer in batch {
                        for (all, mine) in units.iter_mut().zip(per_layer) {
                            all.extend(mine);
                        }
                    }
                }
                for all in &mut units {
                    all.shrink_to_fit();
                }
            }
        }
        // a grid cell's unit is one per commune and layer: keys are unique
        // and an in-place sort gives the stable sort's order without its
        // buffer as large as the units; points sharing a cell keep their
        // input order
        let points_mode = scenario.population.is_some();
        units.par_iter_mut().for_each(|u| {
            if points_mode {
                u.par_sort_by_key(|a| (a.strip, a.j, a.i, a.commune));
            } else {
                u.par_sort_unstable_by_key(|a| (a.strip, a.j, a.i, a.commune));
            }
        });
        Ok(Uncovered {
            resolution_m: res,
            frames,
            points_mode: scenario.population.is_some(),
            layers: units,
        })
    }

    /// The units of one layer.
    pub(crate) fn units(&self, layer: Layer) -> &[Unit] {
        &self.layers[layer.bit()]
    }
}

/// One layer's units by strip and row, to find those near a point without
/// a spatial tree: units are sorted by strip, row and column
/// ([`Uncovered::layers`]), so each row's units are one run of them. Its
/// memory follows the rows of the strips, not the units (an R-tree of the
/// units took about 80 bytes per unit).
pub(crate) struct RowIndex {
    /// Grid spacing, metres.
    res: f64,
    /// Per strip: its rows.
    strips: Vec<StripRows>,
}

/// The rows of one strip in a [`RowIndex`].
struct StripRows {
    /// First row.
    j0: i64,
    /// Where each row starts in the units (one entry more than the rows).
    starts: Vec<usize>,
    /// Most cells of a unit (a run) in each row, to find the runs starting
    /// left of a box that reach into it.
    longest: Vec<u32>,
}

impl RowIndex {
    /// Indexes `units` (sorted by strip, row and column, each on a strip
    /// below `strips`) of a grid of `res` metres.
    pub(crate) fn new(units: &[Unit], strips: usize, res: f64) -> Self {
        debug_assert!(units
            .windows(2)
            .all(|w| (w[0].strip, w[0].j, w[0].i) <= (w[1].strip, w[1].j, w[1].i)));
        let mut out = Vec::with_capacity(strips);
        let mut k = 0;
        for z in 0..strips {
            let begin = k;
            while k < units.len() && units[k].strip as usize == z {
                k += 1;
            }
            if begin == k {
                out.push(StripRows {
                    j0: 0,
                    starts: vec![begin],
                    longest: Vec::new(),
                });
                continue;
            }
            let (j0, j1) = (units[begin].j, units[k - 1].j);
            let rows = (j1 - j0 + 1) as usize;
            let mut starts = Vec::with_capacity(rows + 1);
            let mut longest = Vec::with_capacity(rows);
            let mut at = begin;
            for j in j0..=j1 {
                starts.push(at);
                let mut most = 1;
                while at < k && units[at].j == j {
                    most = most.max(units[at].cells);
                    at += 1;
                }
                longest.push(most);
            }
            starts.push(k);
            out.push(StripRows {
                j0,
                starts,
                longest,
            });
        }
        RowIndex { res, strips: out }
    }

    /// The units of strip `strip` whose point (for a run, one of its
    /// cells' centres) lies within `reach_m` of `centre` (strip metres;
    /// distance squared at most `reach_m²`, as an R-tree's
    /// `locate_within_distance`), in ascending order.
    pub(crate) fn within<'a>(
        &'a self,
        units: &'a [Unit],
        strip: usize,
        centre: [f64; 2],
        reach_m: f64,
    ) -> impl Iterator<Item = usize> + 'a {
        let reach2 = reach_m * reach_m;
        let lo = [centre[0] - reach_m, centre[1] - reach_m];
        let hi = [centre[0] + reach_m, centre[1] + reach_m];
        let res = self.res;
        self.candidates(units, strip, lo, hi)
            .filter(move |&k| units[k].distance2(centre, res) <= reach2)
    }

    /// The units of strip `strip` whose point (for a run, one of its
    /// cells' centres) lies in the box from `lo` to `hi` (strip metres,
    /// edges included, as an R-tree's `locate_in_envelope`), in ascending
    /// order.
    pub(crate) fn in_box<'a>(
        &'a self,
        units: &'a [Unit],
        strip: usize,
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> impl Iterator<Item = usize> + 'a {
        let res = self.res;
        self.candidates(units, strip, lo, hi).filter(move |&k| {
            let u = &units[k];
            let p = u.xy;
            if u.cells > 1 {
                // a cell centre of the run in [lo, hi] along x
                let first = (lo[0] / res - 0.5).ceil().max(u.i as f64);
                let x = (first + 0.5) * res;
                first <= u.last_i() as f64 && x <= hi[0] && lo[1] <= p[1] && p[1] <= hi[1]
            } else {
                lo[0] <= p[0] && p[0] <= hi[0] && lo[1] <= p[1] && p[1] <= hi[1]
            }
        })
    }

    /// The units of strip `strip` in the rows and columns of the box from
    /// `lo` to `hi` and a cell beyond on each side (a unit's point lies in
    /// its cell: the caller's test decides), in ascending order.
    fn candidates<'a>(
        &'a self,
        units: &'a [Unit],
        strip: usize,
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> impl Iterator<Item = usize> + 'a {
        let StripRows {
            j0,
            starts,
            longest,
        } = &self.strips[strip];
        let rows = starts.len() as i64 - 1;
        let cell = |v: f64| (v / self.res).floor() as i64;
        let first = (cell(lo[1]) - 1 - j0).max(0);
        let last = (cell(hi[1]) + 1 - j0).min(rows - 1);
        let (i_lo, i_hi) = (cell(lo[0]) - 1, cell(hi[0]) + 1);
        (first..=last).flat_map(move |r| {
            let (a, b) = (starts[r as usize], starts[r as usize + 1]);
            // a run of the row starting up to its longest run's length
            // left of the box may reach into it
            let start_lo = i_lo - (i64::from(longest[r as usize]) - 1);
            let from = a + units[a..b].partition_point(|u| u.i < start_lo);
            (from..b)
                .take_while(move |&k| units[k].i <= i_hi)
                .filter(move |&k| units[k].last_i() >= i_lo)
        })
    }
}

/// One cell of a row being gathered: uncovered measure and free sub-points.
#[derive(Clone, Copy, Default)]
struct Slot {
    measure: f64,
    free: u64,
}

/// The units of commune `commune` (on strip `strip`) for the flag bits of
/// `wanted` with uncovered people or households (`uncovered[b]`, from the
/// report); whole cells side by side are runs.
fn commune_units(
    probe: &Probe<'_>,
    strip: usize,
    commune: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
    wanted: u8,
    uncovered: &[(f64, f64); FLAG_BITS],
) -> [Vec<Unit>; FLAG_BITS] {
    let bits = (0..FLAG_BITS)
        .filter(|&b| (wanted >> b) & 1 == 1 && (uncovered[b].0 > 0.0 || uncovered[b].1 > 0.0))
        .fold(0u8, |m, b| m | 1 << b);
    let mut out: [Vec<Unit>; FLAG_BITS] = Default::default();
    if bits == 0 {
        return out;
    }
    let Some(bbox) = geo::BoundingRect::bounding_rect(polygon) else {
        return out;
    };
    let i0 = (bbox.min().x / res).floor() as i64;
    let n_cols = ((bbox.max().x / res).floor() as i64 - i0 + 1).max(1) as usize;
    let mut row: Vec<Slot> = vec![Slot::default(); n_cols];
    let mut touched: Vec<usize> = Vec::new();
    // a cell all of whose lines are uncovered from edge to edge (within
    // rounding of the intervals' sums)
    let whole_measure = res * res * (1.0 - 1e-12);
    sweep_commune(probe, strip, polygon, res, bits, |r| {
        for (b, units) in out.iter_mut().enumerate() {
            if (bits >> b) & 1 == 0 {
                continue;
            }
            for (line, intervals) in r.uncovered[b].iter().enumerate() {
                for &(a, c) in intervals {
                    spread(&mut row, &mut touched, i0, res, line, a, c);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            // the run being gathered: first column, cells, each cell's
            // measure
            let mut run: Option<(usize, u32, f64)> = None;
            let unit = |k: usize, cells: u32, measure: f64, free: u64| {
                let i = i0 + k as i64;
                let mid = i as f64 + 0.5 * f64::from(cells);
                Unit {
                    strip: strip as u32,
                    i,
                    j: r.j,
                    xy: [mid * res, (r.j as f64 + 0.5) * res],
                    commune: commune as u32,
                    population: measure,
                    households: 0.0,
                    cell: true,
                    free,
                    cells,
                }
            };
            for &k in &touched {
                let s = std::mem::take(&mut row[k]);
                if s.measure <= 0.0 || s.free == 0 {
                    continue;
                }
                let whole = s.free == WHOLE && s.measure >= whole_measure;
                match run {
                    Some((k0, n, m)) if whole && k0 + n as usize == k && s.measure == m => {
                        run = Some((k0, n + 1, m));
                        continue;
                    }
                    _ => {}
                }
                if let Some((k0, n, m)) = run.take() {
                    units.push(unit(k0, n, m, WHOLE));
                }
                if whole {
                    run = Some((k, 1, s.measure));
                } else {
                    units.push(unit(k, 1, s.measure, s.free));
                }
            }
            if let Some((k0, n, m)) = run {
                units.push(unit(k0, n, m, WHOLE));
            }
            touched.clear();
        }
    });
    for (b, units) in out.iter_mut().enumerate() {
        if (bits >> b) & 1 == 0 {
            continue;
        }
        let (u_pop, u_hh) = uncovered[b];
        // cell by cell, in the order of the cells (a run's measure once per
        // cell)
        let mut total = 0.0;
        for u in units.iter() {
            for _ in 0..u.cells {
                total += u.population;
            }
        }
        if total <= 0.0 {
            // nothing measurable is uncovered but the report says otherwise
            // (a commune without measurable area, or rounding): one unit at
            // a representative point keeps the figure
            let p = polygon
                .interior_point()
                .map_or([0.0, 0.0], |p| [p.x(), p.y()]);
            units.clear();
            units.push(Unit {
                strip: strip as u32,
                i: (p[0] / res).floor() as i64,
                j: (p[1] / res).floor() as i64,
                xy: p,
                commune: commune as u32,
                population: u_pop,
                households: u_hh,
                cell: false,
                free: 1,
                cells: 1,
            });
            continue;
        }
        for u in units.iter_mut() {
            let share = u.population / total;
            u.population = u_pop * share;
            u.households = u_hh * share;
        }
    }
    out
}

/// Adds the uncovered interval `[a, c]` of line `line` to the cells of the
/// row it meets: its weighted length × `res` to their measure, the
/// sub-points it holds (else the one nearest to its middle) to their free
/// ones.
fn spread(
    row: &mut [Slot],
    touched: &mut Vec<usize>,
    i0: i64,
    res: f64,
    line: usize,
    a: f64,
    c: f64,
) {
    let n = row.len() as i64;
    let weight = LINES[line].1 * res;
    let k0 = ((a / res).floor() as i64 - i0).clamp(0, n - 1);
    let k1 = ((c / res).floor() as i64 - i0).clamp(0, n - 1);
    for k in k0..=k1 {
        let left = (k + i0) as f64 * res;
        let (lo, hi) = (left.max(a), (left + res).min(c));
        if hi <= lo {
            continue;
        }
        // sub-point s sits at left + (s + ½)·res/SUB_X
        let at = |x: f64| (x - left) / res * SUB_X as f64 - 0.5;
        let first = at(lo).ceil().max(0.0) as usize;
        let last = at(hi).floor().min(SUB_X as f64 - 1.0);
        let mut free = 0u64;
        if last >= first as f64 {
            for s in first..=last as usize {
                free |= 1 << (SUB_X * line + s);
            }
        } else {
            let s = at(0.5 * (lo + hi)).round().clamp(0.0, SUB_X as f64 - 1.0) as usize;
            free |= 1 << (SUB_X * line + s);
        }
        let slot = &mut row[k as usize];
        slot.measure += weight * (hi - lo);
        slot.free |= free;
        touched.push(k as usize);
    }
}

/// Sub-point `k` of a cell unit, strip metres.
pub(crate) fn sub_point(u: &Unit, res: f64, k: usize) -> [f64; 2] {
    let (line, col) = (k / SUB_X, k % SUB_X);
    [
        (u.i as f64 + (col as f64 + 0.5) / SUB_X as f64) * res,
        (u.j as f64 + LINES[line].0) * res,
    ]
}

/// The sub-points among `free` within `reach_m` of a shape's core, given
/// the distance `dist_m` of the unit's point to it and `dist_of` for other
/// points. A point unit is its bit 0.
pub(crate) fn reached(
    u: &Unit,
    res: f64,
    free: u64,
    dist_m: f64,
    reach_m: f64,
    dist_of: impl Fn([f64; 2]) -> f64,
) -> u64 {
    if let Some(settled) = settled(u, res, free, dist_m, reach_m) {
        return settled;
    }
    let mut hit = 0u64;
    let mut rest = free;
    while rest != 0 {
        let k = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        if dist_of(sub_point(u, res, k)) <= reach_m {
            hit |= 1 << k;
        }
    }
    hit
}

/// What [`reached`] and [`reached_disc`] know without looking at sub-points,
/// from the distance `dist_m` of the unit's point: a point unit, a cell
/// wholly within reach or wholly beyond it.
fn settled(u: &Unit, res: f64, free: u64, dist_m: f64, reach_m: f64) -> Option<u64> {
    if !u.cell {
        return Some(if dist_m <= reach_m { free & 1 } else { 0 });
    }
    let half_diagonal = res * std::f64::consts::FRAC_1_SQRT_2;
    if dist_m + half_diagonal <= reach_m {
        Some(free)
    } else if dist_m - half_diagonal > reach_m {
        Some(0)
    } else {
        None
    }
}

/// [`reached`] for the disc of `reach_m` around `centre` (strip metres,
/// straight-line distance): the same sub-points, found line by line from
/// the ends of the disc's chord (on a line, the sub-points within reach are
/// consecutive, the distance growing with the column's distance from the
/// centre), each end settled by the distance itself, so a boundary cell
/// costs a few distances per line instead of one per sub-point.
pub(crate) fn reached_disc(u: &Unit, res: f64, free: u64, centre: [f64; 2], reach_m: f64) -> u64 {
    let dist = |p: [f64; 2]| ((p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)).sqrt();
    if let Some(settled) = settled(u, res, free, dist(u.xy), reach_m) {
        return settled;
    }
    let last = SUB_X - 1;
    // column (fractional) of a strip x on the cell's sub-point grid
    let col_of = |x: f64| (x / res - u.i as f64) * SUB_X as f64 - 0.5;
    let clamp = |c: f64| c.clamp(0.0, last as f64) as usize;
    let mut hit = 0u64;
    for line in 0..3 {
        let bits = (free >> (line * SUB_X)) & LINE_BITS[0];
        if bits == 0 {
            continue;
        }
        let inside = |col: usize| dist(sub_point(u, res, line * SUB_X + col)) <= reach_m;
        // the column nearest the centre, or a neighbour, is within reach
        // when any is
        let near = clamp(col_of(centre[0]).round());
        let Some(seed) = [near, near.saturating_sub(1), (near + 1).min(last)]
            .into_iter()
            .find(|&c| inside(c))
        else {
            continue;
        };
        let dy = sub_point(u, res, line * SUB_X)[1] - centre[1];
        let half = (reach_m * reach_m - dy * dy).max(0.0).sqrt();
        let mut hi = clamp(col_of(centre[0] + half).floor()).max(seed);
        while hi < last && inside(hi + 1) {
            hi += 1;
        }
        while hi > seed && !inside(hi) {
            hi -= 1;
        }
        let mut lo = clamp(col_of(centre[0] - half).ceil()).min(seed);
        while lo > 0 && inside(lo - 1) {
            lo -= 1;
        }
        while lo < seed && !inside(lo) {
            lo += 1;
        }
        let run = ((1u64 << (hi - lo + 1)) - 1) << lo;
        hit |= (run & bits) << (line * SUB_X);
    }
    hit
}

/// Weight of a set of sub-points: each counts its line's weight (5, 8, 5).
fn weight_of(bits: u64) -> u32 {
    5 * (bits & LINE_BITS[0]).count_ones()
        + 8 * (bits & LINE_BITS[1]).count_ones()
        + 5 * (bits & LINE_BITS[2]).count_ones()
}

/// The people (or households) a unit gains when the sub-points `hit` of
/// its still-free ones are covered.
pub(crate) fn gained(u: &Unit, weight: f64, hit: u64) -> f64 {
    weight * f64::from(weight_of(hit)) / f64::from(weight_of(u.free).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreading_splits_at_columns_and_frees_sub_points() {
        let mut row = vec![Slot::default(); 4];
        let mut touched = Vec::new();
        // columns of 21 m from x = 42 m (i0 = 2); the middle line (weight 8/18)
        spread(&mut row, &mut touched, 2, 21.0, 1, 45.0, 70.0);
        let w = 8.0 / 18.0 * 21.0;
        assert!((row[0].measure - w * 18.0).abs() < 1e-9);
        assert!((row[1].measure - w * 7.0).abs() < 1e-9);
        assert_eq!(row[2].measure, 0.0);
        // sub-points at 42.5, 43.5, …: from 45.5 to 62.5 in cell 0, 63.5 to
        // 69.5 in cell 1, all on line 1
        assert_eq!(row[0].free, ((1u64 << 21) - (1 << 3)) << 21);
        assert_eq!(row[1].free, ((1u64 << 7) - 1) << 21);
        // an interval between two sub-points frees the nearest
        let mut row = vec![Slot::default(); 1];
        spread(&mut row, &mut touched, 0, 21.0, 2, 3.55, 3.9);
        assert_eq!(row[0].free, 1 << (42 + 3));
    }

    #[test]
    fn disc_reach_equals_the_sub_point_by_sub_point_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let res = 100.0;
        let mut boundary = 0;
        for _ in 0..20_000 {
            let free: u64 = rng.random::<u64>() & (LINE_BITS[0] | LINE_BITS[1] | LINE_BITS[2]);
            let u = Unit {
                strip: 0,
                i: rng.random_range(-50..50),
                j: rng.random_range(-50..50),
                xy: [0.0; 2],
                commune: 0,
                population: 1.0,
                households: 0.0,
                cell: true,
                free,
                cells: 1,
            };
            let u = Unit {
                xy: [(u.i as f64 + 0.5) * res, (u.j as f64 + 0.5) * res],
                ..u
            };
            let centre = [
                rng.random_range(-6000.0..6000.0),
                rng.random_range(-6000.0..6000.0),
            ];
            let d = |p: [f64; 2]| ((p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)).sqrt();
            // reaches that end inside the cell most of the time
            let reach = (d(u.xy) + rng.random_range(-80.0..80.0)).max(0.0);
            let a = reached(&u, res, free, d(u.xy), reach, d);
            let b = reached_disc(&u, res, free, centre, reach);
            assert_eq!(
                a, b,
                "cell ({}, {}), centre {centre:?}, reach {reach}",
                u.i, u.j
            );
            boundary += usize::from(a != 0 && a != free);
        }
        assert!(boundary > 5_000, "{boundary} cells cut by the disc");
    }

    #[test]
    fn the_row_index_finds_what_a_scan_finds() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let res = 100.0;
        // cells, runs and points on three strips (the middle one empty),
        // with gaps between rows and runs along them
        let mut units = Vec::new();
        for strip in [0u32, 2] {
            for _ in 0..3_000 {
                let (i, j) = (rng.random_range(-40..40), rng.random_range(-30..30));
                let cell = rng.random_bool(0.7);
                let cells = if cell && rng.random_bool(0.3) {
                    rng.random_range(2..30)
                } else {
                    1
                };
                let xy = if cell {
                    [
                        (i as f64 + 0.5 * f64::from(cells)) * res,
                        (j as f64 + 0.5) * res,
                    ]
                } else {
                    [
                        (i as f64 + rng.random_range(0.0..1.0)) * res,
                        (j as f64 + rng.random_range(0.0..1.0)) * res,
                    ]
                };
                units.push(Unit {
                    strip,
                    i,
                    j,
                    xy,
                    commune: rng.random_range(0..3),
                    population: 1.0,
                    households: 0.0,
                    cell,
                    free: 1,
                    cells,
                });
            }
        }
        units.sort_by_key(|u| (u.strip, u.j, u.i, u.commune));
        // a run's cell centres, or the unit's point
        let points = |u: &Unit| -> Vec<[f64; 2]> {
            if u.cells == 1 {
                vec![u.xy]
            } else {
                (u.i..=u.last_i())
                    .map(|i| [(i as f64 + 0.5) * res, u.xy[1]])
                    .collect()
            }
        };
        let index = RowIndex::new(&units, 3, res);
        let (mut found, mut boxed) = (0, 0);
        for _ in 0..2_000 {
            let strip = [0, 1, 2][rng.random_range(0..3)];
            let centre = [
                rng.random_range(-5_000.0..5_000.0),
                rng.random_range(-4_000.0..4_000.0),
            ];
            let reach = rng.random_range(0.0..1_500.0);
            let got: Vec<usize> = index.within(&units, strip, centre, reach).collect();
            let want: Vec<usize> = (0..units.len())
                .filter(|&k| {
                    let u = &units[k];
                    u.strip as usize == strip
                        && points(u).iter().any(|p| {
                            let (dx, dy) = (p[0] - centre[0], p[1] - centre[1]);
                            // the nearest centre of a run, within rounding
                            dx * dx + dy * dy <= reach * reach * (1.0 + 1e-12)
                        })
                })
                .collect();
            assert_eq!(got, want, "strip {strip}, centre {centre:?}, reach {reach}");
            found += got.len();
            // a box with its edges through sub-cell positions
            let lo = [centre[0] - 0.7 * reach, centre[1] - reach];
            let hi = [centre[0] + reach, centre[1] + 0.3 * reach];
            let got: Vec<usize> = index.in_box(&units, strip, lo, hi).collect();
            let want: Vec<usize> = (0..units.len())
                .filter(|&k| {
                    units[k].strip as usize == strip
                        && points(&units[k]).iter().any(|p| {
                            (lo[0]..=hi[0]).contains(&p[0]) && (lo[1]..=hi[1]).contains(&p[1])
                        })
                })
                .collect();
            assert_eq!(got, want, "strip {strip}, box {lo:?} to {hi:?}");
            boxed += got.len();
        }
        assert!(found > 20_000, "{found} units found");
        assert!(boxed > 10_000, "{boxed} units in boxes");
    }

    #[test]
    fn a_run_gains_and_keeps_what_its_cells_would() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let res = 100.0;
        let mut partial = 0;
        for _ in 0..300 {
            let cells: u32 = rng.random_range(2..40);
            let (i, j) = (rng.random_range(-60..20), rng.random_range(-20..20));
            let run = Unit {
                strip: 0,
                i,
                j,
                xy: [
                    (i as f64 + 0.5 * f64::from(cells)) * res,
                    (j as f64 + 0.5) * res,
                ],
                commune: 0,
                population: 7.0,
                households: 2.0,
                cell: true,
                free: WHOLE,
                cells,
            };
            let parts: Vec<Unit> = (0..cells).map(|k| run.cell_at(k, res, WHOLE)).collect();
            assert!(parts
                .iter()
                .all(|c| c.population == 7.0 && c.households == 2.0));
            let mut state = RunFree::whole(cells);
            let mut rest: Vec<u64> = vec![WHOLE; cells as usize];
            // discs one after another, as a greedy places sites
            for _ in 0..6 {
                let centre = [
                    rng.random_range(-7_000.0..3_000.0),
                    rng.random_range(-2_500.0..2_500.0),
                ];
                let reach = rng.random_range(50.0..1_500.0);
                let chords = run_chords(&run, res, centre, reach);
                let got = gained_run(run.population, state.count(&chords));
                let mut want = 0.0;
                for (c, r) in parts.iter().zip(rest.iter_mut()) {
                    let hit = reached_disc(c, res, *r, centre, reach);
                    want += gained(c, c.population, hit);
                    *r &= !hit;
                }
                assert!(
                    (got - want).abs() <= 1e-9 * want.max(1.0),
                    "run at ({i}, {j}) of {cells}: {got} against {want} by cells"
                );
                // taken away by chords, and cell by cell by bits
                let mut by_bits = state.clone();
                for (k, c) in parts.iter().enumerate() {
                    let was = by_bits.cell_bits(k as u32);
                    let hit = reached_disc(c, res, was, centre, reach);
                    by_bits.remove_cell_bits(k as u32, hit);
                }
                state.remove(&chords);
                assert_eq!(by_bits, state);
                for (k, r) in rest.iter().enumerate() {
                    assert_eq!(state.cell_bits(k as u32), *r, "cell {k} of the run");
                }
                partial += usize::from(!state.is_empty() && state != RunFree::whole(cells));
            }
            assert_eq!(state.is_empty(), rest.iter().all(|&r| r == 0));
        }
        assert!(partial > 300, "{partial} runs cut in part");
    }

    #[test]
    fn gains_weigh_sub_points_by_line() {
        let u = Unit {
            strip: 0,
            i: 0,
            j: 0,
            xy: [0.5, 0.5],
            commune: 0,
            population: 18.0,
            households: 0.0,
            cell: true,
            free: LINE_BITS[0] | LINE_BITS[1] | LINE_BITS[2],
            cells: 1,
        };
        assert!((gained(&u, 18.0, u.free) - 18.0).abs() < 1e-12);
        assert!((gained(&u, 18.0, LINE_BITS[1]) - 8.0).abs() < 1e-12);
        assert!((gained(&u, 18.0, LINE_BITS[2]) - 5.0).abs() < 1e-12);
    }
}
