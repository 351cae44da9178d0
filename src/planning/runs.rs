//! Uncovered regions from row intervals, measured as the report does.
//!
//! **Rows and lines.** Each commune is swept on the rows of its strip's
//! grid (row `j` = `[j·res, (j+1)·res)`, `res` = `resolution_m`), on the
//! report's three Gauss–Legendre lines per row (weights 5/18, 8/18, 5/18).
//! On each line the commune's spans and the engine's exact coverage
//! intervals (the same shapes and line traces as the report's row
//! integration, [`crate::engine::probe::LineTracer`]) give, per layer, the
//! line's uncovered intervals.
//!
//! **Which part of a row is in a gap.** A point of a row is in the gap of a
//! layer when it is uncovered on at least half of the row's weight, that is
//! on at least two of its three lines (the middle line alone weighs 8/18).
//! Where a coverage edge crosses the row once, this is where the middle
//! line crosses it, so gap outlines follow coverage edges (and commune
//! borders) to within half a row and carry no slivers; a feature seen by
//! one line only (a disc grazing the row) is left out. The gap of a row is
//! then a few intervals, whose ends are rounded to [`QUANTA`]-ths of
//! `resolution_m` (5 cm at 50 m; intervals shorter than that vanish, gaps
//! between them narrower than that close) so that regions and outlines are
//! built on integers, exactly.
//!
//! **People.** A gap interval's measure is the uncovered area the three
//! lines see inside it (Σ weight × row height × uncovered length). Each
//! commune's uncovered people `U` (its population minus the covered figure
//! of `report.json`, [`super::cells::uncovered_of`]) and households are
//! shared among its gap intervals in proportion to that measure, so the
//! gaps of a commune add up to `U` exactly (within rounding): the
//! uncovered people of the commune's partly covered fringe go to its gap
//! intervals. A commune with uncovered people but no interval uncovered on
//! two lines gives its gap the row it sees most uncovered (the union of
//! the uncovered intervals of that row's lines); one where no line sees any
//! uncovered length (a commune thinner than the lines' spacing, or
//! rounding) gives it the grid cell holding its interior point.
//!
//! **Regions.** The gap intervals of all communes of a strip are sorted by
//! row and start; in each row those that overlap or touch (neighbouring
//! communes meet at their common border) form one run. Runs of consecutive
//! rows that overlap over a positive length belong to the same region
//! (union–find over runs; a run meets the runs of the row below in one
//! merge of the two sorted rows). Two runs touching only at a corner are
//! not joined: such regions are two gaps, whose polygons may share that
//! corner. A region is therefore connected across commune borders, as the
//! uncovered area is; its people are the sum of its intervals' shares, and
//! its communes those whose intervals it holds. Outlines are traced from
//! the runs ([`super::outline`]).
//!
//! **Memory** grows with the intervals, that is with the length of the gap
//! outlines (what `gaps.geojson` writes), plus one commune's spans at a
//! time: nothing is stored per grid cell and no map is keyed by cell.

use geo::{InteriorPoint, MultiPolygon};

use super::outline::Run;
use crate::engine::probe::Probe;
use crate::engine::FLAG_BITS;

/// The report's sampling lines of a row: (fraction of the row height,
/// weight), three-point Gauss–Legendre.
pub(crate) const LINES: [(f64, f64); 3] = [
    (0.5 - 0.387_298_334_620_741_7, 5.0 / 18.0),
    (0.5, 8.0 / 18.0),
    (0.5 + 0.387_298_334_620_741_7, 5.0 / 18.0),
];

/// Interval ends are rounded to `resolution_m / QUANTA`.
pub(crate) const QUANTA: i64 = 1024;

/// The uncovered intervals of one row of a commune: per flag bit and line
/// (sorted, disjoint, strip metres). Empty for a line outside the commune,
/// a bit covered on the whole line, or a bit not asked for.
pub(crate) struct Row {
    /// Row index on the strip's grid.
    pub j: i64,
    /// Per flag bit, per line ([`LINES`] order).
    pub uncovered: [[Vec<(f64, f64)>; 3]; FLAG_BITS],
}

/// A commune's polygon edges swept upwards: its spans on a line.
struct Spans {
    /// `[x0, y0, x1, y1]` of each non-horizontal edge, by lower `y`.
    edges: Vec<[f64; 4]>,
    active: Vec<usize>,
    next: usize,
    xs: Vec<f64>,
}

impl Spans {
    /// The commune's spans on the line `y` (non-decreasing from call to
    /// call): edge crossings sorted and paired even–odd, empty ones dropped.
    fn at(&mut self, y: f64, spans: &mut Vec<(f64, f64)>) {
        let edges = &self.edges;
        while self.next < edges.len() && edges[self.next][1].min(edges[self.next][3]) <= y {
            self.active.push(self.next);
            self.next += 1;
        }
        self.active.retain(|&k| edges[k][1].max(edges[k][3]) > y);
        self.xs.clear();
        for &k in &self.active {
            let [ax, ay, bx, by] = edges[k];
            if (ay <= y) != (by <= y) {
                self.xs.push(ax + (y - ay) * (bx - ax) / (by - ay));
            }
        }
        spans.clear();
        if self.xs.len() < 2 {
            return;
        }
        self.xs.sort_by(f64::total_cmp);
        spans.extend(
            self.xs
                .chunks_exact(2)
                .map(|p| (p[0], p[1]))
                .filter(|s| s.1 > s.0),
        );
    }
}

/// Sweeps commune `polygon` (metres of strip `strip`) row by row and hands
/// each row where a line crosses the commune to `visit`, with the uncovered
/// intervals of the flag bits in `bits`. Nothing is visited when one shape
/// covers the commune's whole box for every bit asked for.
pub(crate) fn sweep_commune(
    probe: &Probe<'_>,
    strip: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
    bits: u8,
    mut visit: impl FnMut(&Row),
) {
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
    if edges.is_empty() || bits == 0 {
        return;
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
    let mut tracer = probe.line_tracer_for(strip, [x_min, y_min], [x_max, y_max], bits);
    if tracer.covered_whole() & bits == bits {
        return;
    }
    edges.sort_by(|a, b| a[1].min(a[3]).total_cmp(&b[1].min(b[3])));
    let mut sweep = Spans {
        edges,
        active: Vec::new(),
        next: 0,
        xs: Vec::new(),
    };
    let mut row = Row {
        j: 0,
        uncovered: Default::default(),
    };
    let mut bufs: [Vec<(f64, f64)>; FLAG_BITS] = Default::default();
    let mut spans: Vec<(f64, f64)> = Vec::new();
    let j0 = (y_min / res).floor() as i64;
    let j1 = (y_max / res).floor() as i64;
    for j in j0..=j1 {
        row.j = j;
        let mut crossed = false;
        for (k, &(node, _)) in LINES.iter().enumerate() {
            for lines in &mut row.uncovered {
                lines[k].clear();
            }
            let y = (j as f64 + node) * res;
            if y <= y_min || y >= y_max {
                continue;
            }
            sweep.at(y, &mut spans);
            let (Some(&(x_lo, _)), Some(&(_, x_hi))) = (spans.first(), spans.last()) else {
                continue;
            };
            crossed = true;
            let full = tracer.trace(y, x_lo, x_hi, &mut bufs);
            for (bit, buf) in bufs.iter_mut().enumerate() {
                if (bits >> bit) & 1 == 1 && (full >> bit) & 1 == 0 {
                    subtract(&spans, buf, &mut row.uncovered[bit][k]);
                }
                buf.clear();
            }
        }
        if crossed {
            visit(&row);
        }
    }
}

/// `spans` (sorted, disjoint) minus the union of `covered` (sorted in
/// place), into `out`.
pub(crate) fn subtract(
    spans: &[(f64, f64)],
    covered: &mut [(f64, f64)],
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    covered.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
    // merge the covered intervals into a disjoint union, in place
    let mut n = 0;
    for k in 0..covered.len() {
        if n > 0 && covered[k].0 <= covered[n - 1].1 {
            covered[n - 1].1 = covered[n - 1].1.max(covered[k].1);
        } else {
            covered[n] = covered[k];
            n += 1;
        }
    }
    let merged = &covered[..n];
    let mut k = 0;
    for &(s0, s1) in spans {
        while k < merged.len() && merged[k].1 <= s0 {
            k += 1;
        }
        let mut x = s0;
        let mut m = k;
        while m < merged.len() && merged[m].0 < s1 {
            if merged[m].0 > x {
                out.push((x, merged[m].0));
            }
            x = x.max(merged[m].1);
            m += 1;
        }
        if x < s1 {
            out.push((x, s1));
        }
    }
}

/// The part of a row covered by at least `min` of its three lines'
/// interval sets (each sorted, disjoint), into `out` (sorted, disjoint).
pub(crate) fn at_least(
    lines: &[Vec<(f64, f64)>; 3],
    min: i32,
    events: &mut Vec<(f64, i32)>,
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    events.clear();
    for line in lines {
        for &(a, b) in line {
            events.push((a, 1));
            events.push((b, -1));
        }
    }
    // at equal abscissae, ends before starts: touching intervals of two
    // lines do not make a point of overlap
    events.sort_unstable_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
    let mut count = 0;
    let mut start = 0.0;
    for &(x, d) in events.iter() {
        let before = count;
        count += d;
        if before < min && count >= min {
            start = x;
        } else if before >= min && count < min && x > start {
            out.push((start, x));
        }
    }
}

/// The uncovered measure the three lines of a row see inside `[a, b]`:
/// Σ weight × `res` × uncovered length (square metres).
fn measure_in(lines: &[Vec<(f64, f64)>; 3], a: f64, b: f64, res: f64) -> f64 {
    let mut m = 0.0;
    for (line, &(_, w)) in lines.iter().zip(&LINES) {
        let from = line.partition_point(|s| s.1 <= a);
        let mut len = 0.0;
        for s in &line[from..] {
            if s.0 >= b {
                break;
            }
            len += s.1.min(b) - s.0.max(a);
        }
        m += w * res * len.max(0.0);
    }
    m
}

/// Part of one commune's gap in one row: the interval `[a, b]` (quanta of
/// `resolution_m`), with its people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Piece {
    /// Strip.
    pub strip: u32,
    /// Commune (index in the scenario).
    pub commune: u32,
    /// Row.
    pub j: i64,
    /// Left end, quanta.
    pub a: i64,
    /// Right end, quanta.
    pub b: i64,
    /// Uncovered measure the lines see in the interval, m² (weights the
    /// sharing of the commune's figures).
    pub measure: f64,
    /// Uncovered people.
    pub population: f64,
    /// Uncovered households.
    pub households: f64,
}

/// Rounds strip metres to quanta.
fn quantum(x: f64, res: f64) -> i64 {
    (x * QUANTA as f64 / res).round() as i64
}

/// Appends `[a, b]` (metres) to a commune's pieces of row `j`, rounded to
/// quanta: merged with the previous piece when they touch, dropped when
/// shorter than a quantum. `widen` keeps such a piece one quantum wide.
#[allow(clippy::too_many_arguments)]
fn push_piece(
    out: &mut Vec<Piece>,
    strip: usize,
    commune: usize,
    j: i64,
    (a, b): (f64, f64),
    measure: f64,
    res: f64,
    widen: bool,
) {
    let (qa, mut qb) = (quantum(a, res), quantum(b, res));
    if qb <= qa {
        if !widen {
            return;
        }
        qb = qa + 1;
    }
    if let Some(last) = out.last_mut() {
        if last.j == j && qa <= last.b {
            last.b = last.b.max(qb);
            last.measure += measure;
            return;
        }
    }
    out.push(Piece {
        strip: strip as u32,
        commune: commune as u32,
        j,
        a: qa,
        b: qb,
        measure,
        population: 0.0,
        households: 0.0,
    });
}

/// A commune's most uncovered row so far: its measure, its index and the
/// union of its lines' uncovered intervals.
type BestRow = (f64, i64, Vec<(f64, f64)>);

/// What one commune's sweep gives a layer's gap map.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CommuneGap {
    /// Intervals uncovered on at least half of their row's weight, with
    /// their measure (people not yet shared).
    pub pieces: Vec<Piece>,
    /// The intervals standing for the commune's gap when none of `pieces`
    /// is kept: the uncovered intervals (any line) of the row its lines see
    /// most uncovered, or the grid cell of its interior point when they
    /// see nothing uncovered.
    pub fallback: Vec<Piece>,
}

/// The gap pieces of one commune for the flag bits of `bits` (see the
/// module docs for the rule).
pub(crate) fn commune_pieces(
    probe: &Probe<'_>,
    strip: usize,
    commune: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
    bits: u8,
) -> [CommuneGap; FLAG_BITS] {
    let mut out: [CommuneGap; FLAG_BITS] = Default::default();
    // per bit: the most uncovered row
    let mut best: [BestRow; FLAG_BITS] = Default::default();
    let mut events = Vec::new();
    let mut found = Vec::new();
    sweep_commune(probe, strip, polygon, res, bits, |row| {
        for (b, gap) in out.iter_mut().enumerate() {
            if (bits >> b) & 1 == 0 {
                continue;
            }
            let lines = &row.uncovered[b];
            at_least(lines, 2, &mut events, &mut found);
            for &g in &found {
                let m = measure_in(lines, g.0, g.1, res);
                push_piece(&mut gap.pieces, strip, commune, row.j, g, m, res, false);
            }
            let m = measure_in(lines, f64::NEG_INFINITY, f64::INFINITY, res);
            if m > best[b].0 {
                at_least(lines, 1, &mut events, &mut best[b].2);
                best[b].0 = m;
                best[b].1 = row.j;
            }
        }
    });
    for (b, gap) in out.iter_mut().enumerate() {
        if (bits >> b) & 1 == 0 {
            continue;
        }
        let (m, j, ref union) = best[b];
        if m > 0.0 {
            // the row seen most uncovered, shared by length
            for &(a, c) in union {
                push_piece(
                    &mut gap.fallback,
                    strip,
                    commune,
                    j,
                    (a, c),
                    c - a,
                    res,
                    true,
                );
            }
        } else {
            // nothing measurable: the grid cell of an interior point
            let p = polygon
                .interior_point()
                .map_or([0.0, 0.0], |p| [p.x(), p.y()]);
            let (i, j) = ((p[0] / res).floor() as i64, (p[1] / res).floor() as i64);
            gap.fallback.push(Piece {
                strip: strip as u32,
                commune: commune as u32,
                j,
                a: i * QUANTA,
                b: (i + 1) * QUANTA,
                measure: 1.0,
                population: 0.0,
                households: 0.0,
            });
        }
    }
    out
}

/// Runs narrower than this (quanta: half a row's height) are left out of
/// gap maps, as a cell less than half uncovered was.
pub(crate) const MIN_RUN: i64 = QUANTA / 2;

/// The regions of one layer from its communes' sweeps: `communes[k]` is a
/// commune's [`CommuneGap`] with its uncovered people and households (from
/// the report). Pieces of one row that overlap or touch form a run; runs
/// narrower than [`MIN_RUN`] are dropped; a commune left without a piece
/// gives its fallback; each commune's people and households are then shared
/// among its pieces by measure, and the runs grouped into regions
/// ([`regions`]). Regions come by strip, then by their first run.
pub(crate) fn layer_regions(communes: Vec<(CommuneGap, f64, f64)>) -> Vec<Region> {
    use rayon::prelude::*;
    let n = communes
        .iter()
        .flat_map(|c| c.0.pieces.iter().chain(&c.0.fallback))
        .map(|p| p.commune as usize + 1)
        .max()
        .unwrap_or(0);
    let total: usize = communes.iter().map(|c| c.0.pieces.len()).sum();
    let mut pieces: Vec<Piece> = Vec::with_capacity(total);
    let mut figures = vec![(0.0, 0.0); n];
    let mut fallbacks = Vec::new();
    for (mut gap, pop, hh) in communes {
        // moved, each commune's copy freed as it goes
        pieces.append(&mut gap.pieces);
        if let Some(c) = gap.fallback.first().map(|p| p.commune as usize) {
            figures[c] = (pop, hh);
            fallbacks.append(&mut gap.fallback);
        }
    }
    pieces.par_sort_unstable_by_key(piece_key);
    fallbacks.sort_unstable_by_key(piece_key);
    // strips are independent (a commune lies in one): side by side, every
    // strip with a piece or a fallback
    let mut strips: Vec<(u32, &mut [Piece])> = pieces
        .chunk_by_mut(|p, q| p.strip == q.strip)
        .map(|chunk| (chunk[0].strip, chunk))
        .collect();
    let mut only_fallbacks: Vec<u32> = fallbacks.iter().map(|f| f.strip).collect();
    only_fallbacks.dedup();
    only_fallbacks.retain(|z| strips.binary_search_by_key(z, |s| s.0).is_err());
    strips.extend(only_fallbacks.into_iter().map(|z| (z, &mut [][..])));
    strips.sort_unstable_by_key(|s| s.0);
    let (figures, fallbacks) = (&figures, &fallbacks);
    strips
        .into_par_iter()
        .map(|(strip, pieces)| strip_regions(strip, pieces, figures, fallbacks))
        .collect::<Vec<_>>()
        .concat()
}

/// The order of pieces: strip, row, start, end, commune.
fn piece_key(p: &Piece) -> (u32, i64, i64, i64, u32) {
    (p.strip, p.j, p.a, p.b, p.commune)
}

/// [`layer_regions`] of strip `strip`'s `pieces` (sorted by [`piece_key`]):
/// the pieces of narrow runs dropped, the `fallbacks` (sorted, every
/// strip's) of the strip's communes left without a piece merged in, each
/// commune's `figures` shared by measure, and the regions.
fn strip_regions(
    strip: u32,
    pieces: &mut [Piece],
    figures: &[(f64, f64)],
    fallbacks: &[Piece],
) -> Vec<Region> {
    // the pieces of runs at least MIN_RUN wide, compacted to the front
    let mut kept = 0;
    let mut k = 0;
    while k < pieces.len() {
        let p = pieces[k];
        let (mut b, mut end) = (p.b, k + 1);
        while end < pieces.len() && pieces[end].j == p.j && pieces[end].a <= b {
            b = b.max(pieces[end].b);
            end += 1;
        }
        if b - p.a >= MIN_RUN {
            pieces.copy_within(k..end, kept);
            kept += end - k;
        }
        k = end;
    }
    let pieces = &pieces[..kept];
    let mut has: Vec<u32> = pieces.iter().map(|p| p.commune).collect();
    has.sort_unstable();
    has.dedup();
    // the few fallbacks of this strip's communes without a piece, merged
    // into the sorted pieces
    let extra = fallbacks
        .iter()
        .filter(|f| f.strip == strip && has.binary_search(&f.commune).is_err());
    let mut merged = Vec::with_capacity(pieces.len());
    let mut extra = extra.peekable();
    for p in pieces {
        while let Some(f) = extra.next_if(|f| piece_key(f) < piece_key(p)) {
            merged.push(*f);
        }
        merged.push(*p);
    }
    merged.extend(extra);
    // each commune's figures shared by measure
    let mut total = vec![0.0; figures.len()];
    for p in &merged {
        total[p.commune as usize] += p.measure;
    }
    for p in &mut merged {
        let c = p.commune as usize;
        let share = if total[c] > 0.0 {
            p.measure / total[c]
        } else {
            0.0
        };
        p.population = figures[c].0 * share;
        p.households = figures[c].1 * share;
    }
    pieces_to_regions(&merged)
}

/// Calls `f` with each run of `pieces` (sorted by strip, row, start): the
/// pieces of a strip's row that overlap or touch, and their index range.
fn for_runs(pieces: &[Piece], mut f: impl FnMut(Run, std::ops::Range<usize>)) {
    let mut k = 0;
    while k < pieces.len() {
        let p = pieces[k];
        let mut run = Run {
            j: p.j,
            a: p.a,
            b: p.b,
        };
        let mut end = k + 1;
        while end < pieces.len()
            && pieces[end].strip == p.strip
            && pieces[end].j == p.j
            && pieces[end].a <= run.b
        {
            run.b = run.b.max(pieces[end].b);
            end += 1;
        }
        f(run, k..end);
        k = end;
    }
}

/// The regions of a set of runs (sorted by row, then start; disjoint and
/// not touching within a row): runs of consecutive rows overlapping over a
/// positive length are joined. Each region lists its runs (indices,
/// ascending); regions come in the order of their first run.
pub(crate) fn regions(runs: &[Run]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut below = 0..0;
    let mut k = 0;
    while k < runs.len() {
        let j = runs[k].j;
        let mut end = k;
        while end < runs.len() && runs[end].j == j {
            end += 1;
        }
        if !below.is_empty() && runs[below.start].j + 1 == j {
            let (mut p, mut q) = (below.start, k);
            while p < below.end && q < end {
                let (r, s) = (runs[p], runs[q]);
                if r.a < s.b && s.a < r.b {
                    let (x, y) = (find(&mut parent, p), find(&mut parent, q));
                    if x != y {
                        parent[x.max(y)] = x.min(y);
                    }
                }
                if r.b <= s.b {
                    p += 1;
                } else {
                    q += 1;
                }
            }
        }
        below = k..end;
        k = end;
    }
    let mut slot: Vec<u32> = vec![u32::MAX; runs.len()];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for k in 0..runs.len() {
        let r = find(&mut parent, k);
        if slot[r] == u32::MAX {
            slot[r] = out.len() as u32;
            out.push(Vec::new());
        }
        out[slot[r] as usize].push(k);
    }
    out
}

/// One region of a layer's gap map: its runs and what its pieces hold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Region {
    /// Strip.
    pub strip: u32,
    /// Runs, by row then start.
    pub runs: Vec<Run>,
    /// Uncovered people.
    pub population: f64,
    /// Uncovered households.
    pub households: f64,
    /// Per commune (ascending): its people and households in the region.
    pub communes: Vec<(u32, f64, f64)>,
}

/// The regions of gap pieces sorted by strip, row, start (people
/// shared): pieces of one row that overlap or touch form a run, runs form
/// regions ([`regions`]). Regions come by strip, then by their first run.
pub(crate) fn pieces_to_regions(pieces: &[Piece]) -> Vec<Region> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < pieces.len() {
        let strip = pieces[start].strip;
        let mut end = start;
        while end < pieces.len() && pieces[end].strip == strip {
            end += 1;
        }
        let in_strip = &pieces[start..end];
        // runs, each with the range of its pieces
        let mut runs: Vec<Run> = Vec::new();
        let mut first: Vec<usize> = Vec::new();
        for_runs(in_strip, |run, range| {
            runs.push(run);
            first.push(range.start);
        });
        first.push(in_strip.len());
        for region in regions(&runs) {
            let (mut population, mut households) = (0.0, 0.0);
            let mut communes: Vec<(u32, f64, f64)> = Vec::new();
            for &r in &region {
                for p in &in_strip[first[r]..first[r + 1]] {
                    population += p.population;
                    households += p.households;
                    communes.push((p.commune, p.population, p.households));
                }
            }
            communes.sort_by_key(|c| c.0);
            communes.dedup_by(|next, kept| {
                if next.0 == kept.0 {
                    kept.1 += next.1;
                    kept.2 += next.2;
                    true
                } else {
                    false
                }
            });
            out.push(Region {
                strip,
                runs: region.iter().map(|&r| runs[r]).collect(),
                population,
                households,
                communes,
            });
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(j: i64, a: i64, b: i64) -> Run {
        Run { j, a, b }
    }

    #[test]
    fn subtraction_of_intervals() {
        let mut cov = vec![(5.0, 7.0), (-1.0, 1.0), (6.0, 12.0)];
        let mut out = Vec::new();
        subtract(&[(0.0, 4.0), (6.0, 10.0), (11.0, 20.0)], &mut cov, &mut out);
        assert_eq!(out, vec![(1.0, 4.0), (12.0, 20.0)]);
        let mut none: Vec<(f64, f64)> = vec![];
        subtract(&[(0.0, 4.0)], &mut none, &mut out);
        assert_eq!(out, vec![(0.0, 4.0)]);
    }

    #[test]
    fn two_of_three_lines() {
        let lines = [
            vec![(0.0, 4.0), (10.0, 12.0)],
            vec![(2.0, 6.0), (11.0, 11.5)],
            vec![(3.0, 8.0), (12.0, 13.0)],
        ];
        let (mut ev, mut out) = (Vec::new(), Vec::new());
        at_least(&lines, 2, &mut ev, &mut out);
        assert_eq!(out, vec![(2.0, 6.0), (11.0, 11.5)]);
        // (intervals of two lines meeting end to start stay apart)
        at_least(&lines, 1, &mut ev, &mut out);
        assert_eq!(out, vec![(0.0, 8.0), (10.0, 12.0), (12.0, 13.0)]);
        at_least(&lines, 3, &mut ev, &mut out);
        assert_eq!(out, vec![(3.0, 4.0)]);
        // touching ends of two lines are no overlap
        let lines = [vec![(0.0, 1.0)], vec![(1.0, 2.0)], vec![]];
        at_least(&lines, 2, &mut ev, &mut out);
        assert!(out.is_empty());
        // measure: weights × row height × length
        let lines = [vec![(0.0, 1.0)], vec![(0.0, 2.0)], vec![]];
        let m = measure_in(&lines, 0.5, 10.0, 18.0);
        assert!((m - (5.0 * 0.5 + 8.0 * 1.5)).abs() < 1e-12);
    }

    #[test]
    fn regions_join_overlaps_not_corners() {
        // an L, and a run touching its foot only at a corner
        let runs = vec![
            run(0, 0, 10),
            run(1, 0, 3),
            run(1, 10, 12),
            run(2, 0, 3),
            run(2, 5, 6),
        ];
        assert_eq!(regions(&runs), vec![vec![0, 1, 3], vec![2], vec![4]]);
        // a row missing between two runs separates them
        let runs = vec![run(0, 0, 10), run(2, 0, 10)];
        assert_eq!(regions(&runs), vec![vec![0], vec![1]]);
        // a U joined by its base, whatever the order of discovery
        let runs = vec![run(0, 0, 1), run(0, 5, 6), run(1, 0, 6)];
        assert_eq!(regions(&runs), vec![vec![0, 1, 2]]);
    }

    fn piece(commune: u32, j: i64, a: i64, b: i64, population: f64) -> Piece {
        Piece {
            strip: 0,
            commune,
            j,
            a,
            b,
            measure: 1.0,
            population,
            households: population / 4.0,
        }
    }

    #[test]
    fn pieces_of_neighbouring_communes_form_one_region() {
        // commune 0 on [0, 5], commune 1 on [5, 9] over two rows; commune 2
        // apart; people conserved per commune
        let pieces = vec![
            piece(1, 0, 5, 9, 2.0),
            piece(0, 0, 0, 5, 1.0),
            piece(0, 1, 0, 5, 1.0),
            piece(1, 1, 5, 9, 2.0),
            piece(2, 1, 20, 30, 7.0),
        ];
        let mut pieces = pieces;
        pieces.sort_by_key(|p| (p.strip, p.j, p.a, p.b, p.commune));
        let r = pieces_to_regions(&pieces);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].runs, vec![run(0, 0, 9), run(1, 0, 9)]);
        assert_eq!(r[0].population, 6.0);
        assert_eq!(r[0].communes, vec![(0, 2.0, 0.5), (1, 4.0, 1.0)]);
        assert_eq!(r[1].communes, vec![(2, 7.0, 1.75)]);
    }

    #[test]
    fn layer_regions_by_strip_with_fallbacks_and_narrow_runs() {
        let at = |strip: u32, p: Piece| Piece { strip, ..p };
        let gap = |pieces: Vec<Piece>, fallback: Vec<Piece>| CommuneGap { pieces, fallback };
        let wide = QUANTA;
        let communes = vec![
            // strip 1: commune 0 with two rows; its fallback unused
            (
                gap(
                    vec![
                        at(1, piece(0, 0, 0, wide, 0.0)),
                        at(1, piece(0, 1, 0, wide, 0.0)),
                    ],
                    vec![at(1, piece(0, 5, 0, wide, 0.0))],
                ),
                10.0,
                4.0,
            ),
            // strip 1: commune 1, one narrow run only: its fallback stands
            (
                gap(
                    vec![at(1, piece(1, 0, 3 * wide, 3 * wide + 1, 0.0))],
                    vec![at(1, piece(1, 7, 9 * wide, 10 * wide, 0.0))],
                ),
                3.0,
                1.0,
            ),
            // strip 0: commune 2 with its fallback alone (no piece in the strip)
            (
                gap(Vec::new(), vec![at(0, piece(2, 2, 0, wide, 0.0))]),
                5.0,
                2.0,
            ),
        ];
        let r = layer_regions(communes);
        let strips: Vec<u32> = r.iter().map(|g| g.strip).collect();
        assert_eq!(strips, vec![0, 1, 1]);
        assert_eq!(r[0].communes, vec![(2, 5.0, 2.0)]);
        assert_eq!(r[1].runs, vec![run(0, 0, wide), run(1, 0, wide)]);
        assert_eq!(r[1].communes, vec![(0, 10.0, 4.0)]);
        assert_eq!(r[2].runs, vec![run(7, 9 * wide, 10 * wide)]);
        assert_eq!(r[2].communes, vec![(1, 3.0, 1.0)]);
        // every person once
        let people: f64 = r.iter().map(|g| g.population).sum();
        assert_eq!(people, 18.0);
    }

    /// Regions from runs against a brute-force flood fill of a raster.
    #[test]
    fn regions_match_a_flood_fill() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 16;
        for _ in 0..200 {
            let grid: Vec<Vec<bool>> = (0..n)
                .map(|_| (0..n).map(|_| rng.random_bool(0.55)).collect())
                .collect();
            // runs of the raster rows
            let mut runs = Vec::new();
            for (j, row) in grid.iter().enumerate() {
                let mut i = 0;
                while i < n {
                    if row[i] {
                        let s = i;
                        while i < n && row[i] {
                            i += 1;
                        }
                        runs.push(run(j as i64, s as i64, i as i64));
                    } else {
                        i += 1;
                    }
                }
            }
            let regions = regions(&runs);
            let mut label = vec![vec![usize::MAX; n]; n];
            for (k, region) in regions.iter().enumerate() {
                for &r in region {
                    let r = runs[r];
                    for i in r.a..r.b {
                        label[r.j as usize][i as usize] = k;
                    }
                }
            }
            // flood fill by sides: same component ⇔ same region
            let mut comp = vec![vec![usize::MAX; n]; n];
            let mut next = 0;
            for j0 in 0..n {
                for i0 in 0..n {
                    if !grid[j0][i0] || comp[j0][i0] != usize::MAX {
                        continue;
                    }
                    let mut stack = vec![(j0, i0)];
                    comp[j0][i0] = next;
                    while let Some((j, i)) = stack.pop() {
                        let mut near = vec![];
                        if j > 0 {
                            near.push((j - 1, i));
                        }
                        if i > 0 {
                            near.push((j, i - 1));
                        }
                        if j + 1 < n {
                            near.push((j + 1, i));
                        }
                        if i + 1 < n {
                            near.push((j, i + 1));
                        }
                        for (a, b) in near {
                            if grid[a][b] && comp[a][b] == usize::MAX {
                                comp[a][b] = next;
                                stack.push((a, b));
                            }
                        }
                    }
                    next += 1;
                }
            }
            assert_eq!(next, regions.len());
            for j in 0..n {
                for i in 0..n {
                    for (j2, i2) in [(j + 1, i), (j, i + 1)] {
                        if j2 < n && i2 < n && grid[j][i] && grid[j2][i2] {
                            assert_eq!(label[j][i], label[j2][i2]);
                        }
                    }
                    if grid[j][i] {
                        for j2 in 0..n {
                            for i2 in 0..n {
                                if grid[j2][i2] {
                                    assert_eq!(
                                        comp[j][i] == comp[j2][i2],
                                        label[j][i] == label[j2][i2]
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
