//! Uncovered regions from row intervals, measured as the report does.
//!
//! **Rows, lines and pieces.** Each commune's gap pieces come from the
//! report's own row sweep ([`crate::engine::gap_rows`]): on the rows of its
//! strip's grid (row `j` = `[j·res, (j+1)·res)`, `res` = `resolution_m`),
//! the lines the report traces give, per layer, the uncovered intervals; a
//! point of a row is in the gap when the lines uncovered there weigh at
//! least half the row (two of its three Gauss–Legendre lines), so gap
//! outlines follow coverage edges and commune borders to within half a
//! row. The coverage command collects them while it measures the report;
//! a gap map asked for on its own sweeps each commune once the same way.
//!
//! **People.** A gap interval's measure is the uncovered area its lines
//! see inside it (Σ weight × uncovered length). Each commune's uncovered
//! people `U` (its population minus the covered figure of `report.json`,
//! [`super::cells::uncovered_of`]) and households are shared among its gap
//! intervals in proportion to that measure, so the gaps of a commune add
//! up to `U` exactly (within rounding): the uncovered people of the
//! commune's partly covered fringe go to its gap intervals. A commune with
//! uncovered people but no interval uncovered on half its row's weight
//! gives its gap the row it sees most uncovered (the union of that row's
//! uncovered intervals); one where no line sees any uncovered length (a
//! commune thinner than the lines' spacing, or rounding) gives it the grid
//! cell holding its interior point.
//!
//! **The planner's sweep.** [`sweep_commune`] sweeps a commune on the three
//! Gauss–Legendre lines of every whole row of the grid ([`LINES`]) for the
//! planner's demand cells ([`super::cells`]).
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

use geo::MultiPolygon;

use super::outline::Run;
use crate::engine::gap_rows::subtract;
pub(crate) use crate::engine::gap_rows::{CommuneGap, Piece, QUANTA};
use crate::engine::probe::Probe;
use crate::engine::FLAG_BITS;

/// The report's sampling lines of a row: (fraction of the row height,
/// weight), three-point Gauss–Legendre.
pub(crate) const LINES: [(f64, f64); 3] = [
    (0.5 - 0.387_298_334_620_741_7, 5.0 / 18.0),
    (0.5, 8.0 / 18.0),
    (0.5 + 0.387_298_334_620_741_7, 5.0 / 18.0),
];

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
    let mut figures = vec![(0.0, 0.0); n];
    let mut fallbacks = Vec::new();
    let mut lists = Vec::with_capacity(communes.len());
    for (mut gap, pop, hh) in communes {
        if let Some(c) = gap.fallback.first().map(|p| p.commune as usize) {
            figures[c] = (pop, hh);
            fallbacks.append(&mut gap.fallback);
        }
        lists.push(gap.pieces);
    }
    let mut pieces = by_row(lists);
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

/// The pieces of `lists` (each commune's, in any order) in the order of
/// [`piece_key`] (whose keys are unique: a commune's pieces of one row are
/// disjoint), each list freed once placed. Each piece is copied once,
/// into the slot of its row (strip by strip, row by row: counted first),
/// and only the few pieces of one row (those of the communes it crosses)
/// are sorted among themselves: linear in the pieces, where a sort of them
/// all would move each about log₂ of their number times.
fn by_row(lists: Vec<Vec<Piece>>) -> Vec<Piece> {
    // the rows each strip's pieces span
    let mut spans: Vec<(u32, i64, i64)> = Vec::new();
    // (the strip of the last piece first: a commune's pieces share one)
    let mut last = 0;
    for p in lists.iter().flatten() {
        if spans.get(last).is_none_or(|s| s.0 != p.strip) {
            match spans.iter().position(|s| s.0 == p.strip) {
                Some(k) => last = k,
                None => {
                    last = spans.len();
                    spans.push((p.strip, p.j, p.j));
                }
            }
        }
        let s = &mut spans[last];
        s.1 = s.1.min(p.j);
        s.2 = s.2.max(p.j);
    }
    spans.sort_unstable_by_key(|s| s.0);
    // the first slot of each strip's rows
    let mut base = Vec::with_capacity(spans.len());
    let mut rows = 0usize;
    for s in &spans {
        base.push(rows);
        rows += (s.2 - s.1) as usize + 1;
    }
    let total: usize = lists.iter().map(Vec::len).sum();
    if rows > 4 * total + 1024 {
        // rows far more than pieces (a few pieces far apart): a sort
        let mut all: Vec<Piece> = Vec::with_capacity(total);
        for mut list in lists {
            all.append(&mut list);
        }
        all.sort_unstable_by_key(piece_key);
        return all;
    }
    let slot = |p: &Piece| -> usize {
        let z = spans.partition_point(|s| s.0 < p.strip);
        base[z] + (p.j - spans[z].1) as usize
    };
    // pieces per row, then the first place of each row
    let mut start = vec![0usize; rows + 1];
    for p in lists.iter().flatten() {
        start[slot(p) + 1] += 1;
    }
    for r in 0..rows {
        start[r + 1] += start[r];
    }
    let mut out = vec![
        Piece {
            strip: 0,
            commune: 0,
            j: 0,
            a: 0,
            b: 0,
            measure: 0.0,
        };
        total
    ];
    let mut next = start.clone();
    for list in lists {
        for p in list {
            let r = slot(&p);
            out[next[r]] = p;
            next[r] += 1;
        }
    }
    for r in 0..rows {
        let row = &mut out[start[r]..start[r + 1]];
        if row.len() > 1 {
            row.sort_unstable_by_key(|p| (p.a, p.b, p.commune));
        }
    }
    out
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
    let pieces = &mut pieces[..kept];
    let mut has: Vec<u32> = pieces.iter().map(|p| p.commune).collect();
    has.sort_unstable();
    has.dedup();
    // the few fallbacks of this strip's communes without a piece, merged
    // into the sorted pieces (the pieces kept where they are when there
    // is none)
    let extra: Vec<Piece> = fallbacks
        .iter()
        .filter(|f| f.strip == strip && has.binary_search(&f.commune).is_err())
        .copied()
        .collect();
    let mut with_extra;
    let merged: &mut [Piece] = if extra.is_empty() {
        pieces
    } else {
        with_extra = [&pieces[..], &extra].concat();
        // both parts sorted: the merge sort merges them
        with_extra.sort_by_key(piece_key);
        &mut with_extra
    };
    // each commune's figures shared by measure
    let mut total = vec![0.0; figures.len()];
    for p in merged.iter() {
        total[p.commune as usize] += p.measure;
    }
    pieces_to_regions(merged, |p| {
        let c = p.commune as usize;
        let share = if total[c] > 0.0 {
            p.measure / total[c]
        } else {
            0.0
        };
        (figures[c].0 * share, figures[c].1 * share)
    })
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
    // each region's runs counted first, then listed in lists of their
    // number (a large region's list is not grown, and copied, by doubling)
    let mut slot: Vec<u32> = vec![u32::MAX; runs.len()];
    let mut sizes: Vec<usize> = Vec::new();
    for k in 0..runs.len() {
        let r = find(&mut parent, k);
        if slot[r] == u32::MAX {
            slot[r] = sizes.len() as u32;
            sizes.push(0);
        }
        sizes[slot[r] as usize] += 1;
    }
    let mut out: Vec<Vec<usize>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for k in 0..runs.len() {
        let r = find(&mut parent, k);
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

/// The regions of gap pieces sorted by strip, row, start, each piece's
/// people and households given by `figures`: pieces of one row that
/// overlap or touch form a run, runs form regions ([`regions`]). Regions
/// come by strip, then by their first run.
pub(crate) fn pieces_to_regions(
    pieces: &[Piece],
    figures: impl Fn(&Piece) -> (f64, f64),
) -> Vec<Region> {
    const NONE: u32 = u32::MAX;
    let mut out = Vec::new();
    // per commune, its place in the region's list being gathered (NONE
    // when not in it): the figures summed in the pieces' order, then the
    // list sorted by commune, as sorting every piece by commune and
    // merging neighbours gave them
    let communes_len = pieces
        .iter()
        .map(|p| p.commune as usize + 1)
        .max()
        .unwrap_or(0);
    let mut place = vec![NONE; communes_len];
    let mut start = 0;
    while start < pieces.len() {
        let strip = pieces[start].strip;
        let mut end = start;
        while end < pieces.len() && pieces[end].strip == strip {
            end += 1;
        }
        let in_strip = &pieces[start..end];
        // runs (at most one a piece), each with the range of its pieces
        let mut runs: Vec<Run> = Vec::with_capacity(in_strip.len());
        let mut first: Vec<usize> = Vec::with_capacity(in_strip.len() + 1);
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
                    let (people, homes) = figures(p);
                    population += people;
                    households += homes;
                    let at = &mut place[p.commune as usize];
                    if *at == NONE {
                        *at = communes.len() as u32;
                        communes.push((p.commune, people, homes));
                    } else {
                        let c = &mut communes[*at as usize];
                        c.1 += people;
                        c.2 += homes;
                    }
                }
            }
            for c in &communes {
                place[c.0 as usize] = NONE;
            }
            // (communes are unique: any sort gives this order)
            communes.sort_unstable_by_key(|c| c.0);
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

    /// `by_row` gives the order of a sort by `piece_key`, with pieces of
    /// several strips and communes, rows in any order within a list, and
    /// both when it counts rows and when rows far outnumber the pieces.
    #[test]
    fn pieces_by_row_are_in_the_order_of_a_sort() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for spread in [40, 10_000_000] {
            let mut lists: Vec<Vec<Piece>> = Vec::new();
            for commune in 0..30u32 {
                let strip = (commune % 3) * 7;
                let mut list = Vec::new();
                for _ in 0..next(60) {
                    let a = next(1000) as i64 * 10;
                    list.push(Piece {
                        strip,
                        commune,
                        j: next(spread) as i64 - (spread / 2) as i64,
                        a,
                        b: a + 1 + next(9) as i64,
                        measure: next(100) as f64,
                    });
                }
                // a commune's pieces of one row are disjoint: keys unique
                list.sort_unstable_by_key(piece_key);
                list.dedup_by_key(|p| (p.j, p.a));
                // in any order
                list.reverse();
                lists.push(list);
            }
            let mut sorted: Vec<Piece> = lists.iter().flatten().copied().collect();
            sorted.sort_by_key(piece_key);
            assert!(sorted.len() > 500);
            assert_eq!(by_row(lists), sorted, "spread {spread}");
        }
        assert!(by_row(Vec::new()).is_empty());
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

    fn piece(commune: u32, j: i64, a: i64, b: i64, measure: f64) -> Piece {
        Piece {
            strip: 0,
            commune,
            j,
            a,
            b,
            measure,
        }
    }

    /// People as much as a piece's measure, households a quarter of it.
    fn by_measure(p: &Piece) -> (f64, f64) {
        (p.measure, p.measure / 4.0)
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
        let r = pieces_to_regions(&pieces, by_measure);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].runs, vec![run(0, 0, 9), run(1, 0, 9)]);
        assert_eq!(r[0].population, 6.0);
        assert_eq!(r[0].communes, vec![(0, 2.0, 0.5), (1, 4.0, 1.0)]);
        assert_eq!(r[1].communes, vec![(2, 7.0, 1.75)]);
    }

    /// Each region's communes and figures are those of sorting all its
    /// pieces by commune and merging neighbours (sums in the pieces'
    /// order, bit for bit): random pieces of many communes over several
    /// strips, interleaved along the rows.
    #[test]
    fn region_communes_are_those_of_sorting_the_pieces() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let mut next = |m: u64| rng.random_range(0..m);
        for round in 0..40 {
            let mut pieces: Vec<Piece> = (0..300 + next(400))
                .map(|_| {
                    let a = next(60) as i64 * 4;
                    Piece {
                        strip: next(1 + round % 3) as u32,
                        commune: next(2 + round) as u32,
                        j: next(40) as i64,
                        a,
                        b: a + 1 + next(6) as i64,
                        measure: next(1000) as f64 / 7.0,
                    }
                })
                .collect();
            pieces.sort_by_key(|p| (p.strip, p.j, p.a, p.b, p.commune));
            let regions = pieces_to_regions(&pieces, by_measure);
            // the pieces of each region: those of its strip and rows
            // overlapping or touching its runs
            for r in &regions {
                let mut want: Vec<(u32, f64, f64)> = pieces
                    .iter()
                    .filter(|p| {
                        p.strip == r.strip
                            && r.runs
                                .iter()
                                .any(|q| q.j == p.j && p.a <= q.b && q.a <= p.b)
                    })
                    .map(|p| (p.commune, p.measure, p.measure / 4.0))
                    .collect();
                want.sort_by_key(|c| c.0);
                want.dedup_by(|next, kept| {
                    if next.0 == kept.0 {
                        kept.1 += next.1;
                        kept.2 += next.2;
                        true
                    } else {
                        false
                    }
                });
                let bits = |v: &[(u32, f64, f64)]| -> Vec<(u32, u64, u64)> {
                    v.iter()
                        .map(|c| (c.0, c.1.to_bits(), c.2.to_bits()))
                        .collect()
                };
                assert_eq!(bits(&r.communes), bits(&want), "round {round}");
            }
            let people: f64 = regions.iter().map(|r| r.population).sum();
            let all: f64 = pieces.iter().map(|p| p.measure).sum();
            assert!((people - all).abs() <= 1e-9 * all);
        }
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
                        at(1, piece(0, 0, 0, wide, 1.0)),
                        at(1, piece(0, 1, 0, wide, 1.0)),
                    ],
                    vec![at(1, piece(0, 5, 0, wide, 1.0))],
                ),
                10.0,
                4.0,
            ),
            // strip 1: commune 1, one narrow run only: its fallback stands
            (
                gap(
                    vec![at(1, piece(1, 0, 3 * wide, 3 * wide + 1, 1.0))],
                    vec![at(1, piece(1, 7, 9 * wide, 10 * wide, 1.0))],
                ),
                3.0,
                1.0,
            ),
            // strip 0: commune 2 with its fallback alone (no piece in the strip)
            (
                gap(Vec::new(), vec![at(0, piece(2, 2, 0, wide, 1.0))]),
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
