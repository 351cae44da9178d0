//! Gap pieces from the report's own row sweep.
//!
//! While [`super::rows`] measures a commune, it shows each traced line to a
//! [`GapRows`]: the line's weight (the height of the row it stands for),
//! the commune's spans there and, per flag bit, the intervals covered. The
//! line's uncovered intervals are the spans minus those. So the gap maps
//! see exactly the lines, shapes and traces that give `report.json` its
//! figures, and no line is traced twice.
//!
//! **Which part of a row is in a gap.** A row's traced lines are its three
//! Gauss–Legendre nodes (weights 5/18, 8/18 and 5/18 of the row's height
//! inside the commune's extent), or, where the nodes miss the commune, the
//! middle lines of its pieces between vertices (weights: the pieces'
//! heights). A point of the row is in the gap of a layer when the lines
//! uncovered there weigh at least half the row: two of the three nodes (the
//! middle one alone weighs 8/18). Where a coverage edge crosses the row
//! once, this is where the middle line crosses it, so gap outlines follow
//! coverage edges (and commune borders) to within half a row and carry no
//! slivers; a feature seen by one line only (a disc grazing the row) is
//! left out. A row in which the commune is less than half a row high (its
//! first or last) holds no gap piece, as a cell less than half inside it
//! would not. The ends of a row's gap intervals are rounded to
//! [`QUANTA`]-ths of `resolution_m` (5 cm at 50 m; intervals shorter than
//! that vanish, gaps between them narrower than that close) so that
//! regions and outlines are built on integers, exactly.
//!
//! **Measure.** A gap interval's measure is the uncovered area its lines
//! see inside it (Σ weight × uncovered length, square metres): the
//! planning module shares each commune's uncovered people among its
//! intervals in proportion to it. A commune with uncovered length but no
//! interval uncovered on half its row's weight gives its gap the row its
//! lines see most uncovered (the union of that row's uncovered intervals);
//! one where no line sees any uncovered length gives it the grid cell
//! holding its interior point ([`CommuneGap::fallback`]).

use geo::{InteriorPoint, MultiPolygon};

use super::FLAG_BITS;

/// Interval ends are rounded to `resolution_m / QUANTA`.
pub(crate) const QUANTA: i64 = 1024;

/// Part of one commune's gap in one row: the interval `[a, b]` (quanta of
/// `resolution_m`), with the measure its share of the commune's people is
/// taken by.
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
}

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

/// One traced line of a row: its weight (metres of height) and its
/// uncovered intervals per flag bit.
#[derive(Default)]
struct Line {
    weight: f64,
    uncovered: [Vec<(f64, f64)>; FLAG_BITS],
}

/// The part of a row where the uncovered intervals of `lines` (each sorted,
/// disjoint) for `bit` weigh at least `min_weight`, into `out` (sorted,
/// disjoint), `threshold` being worked out for these lines.
///
/// When the weights make it a matter of counting (any `k` of the lines
/// weigh at least `min_weight` and any `k − 1` less, each by a margin far
/// above rounding, as for a row's three nodes and half its weight: two of
/// them), the lines' ends are merged in order instead of sorted; the
/// intervals are the same.
fn at_least(
    lines: &[Line],
    bit: usize,
    threshold: Threshold,
    events: &mut Vec<(f64, f64)>,
    out: &mut Vec<(f64, f64)>,
) {
    match threshold.needed {
        Some(k) => at_least_count(lines, bit, k, out),
        None => at_least_weighted(lines, bit, threshold.min_weight, events, out),
    }
}

/// A weight a row's uncovered lines must reach ([`at_least`]), with the
/// number of its lines that reach it when the weights make it a count
/// ([`lines_needed`]): worked out once per row and weight, for every bit.
#[derive(Debug, Clone, Copy)]
struct Threshold {
    min_weight: f64,
    needed: Option<usize>,
}

impl Threshold {
    fn of(lines: &[Line], min_weight: f64) -> Self {
        Threshold {
            min_weight,
            needed: lines_needed(lines, min_weight),
        }
    }
}

/// The most lines a row is counted on ([`lines_needed`]): a row's
/// traced lines are its three nodes or the pieces between its vertices.
const MAX_LINES: usize = 8;

/// The number `k` of lines whose uncovered intervals weigh at least
/// `min_weight` wherever `k` of them meet and less wherever fewer do, with
/// a relative margin of 10⁻⁶ either way; `None` when the weights do not
/// decide it so (or there are more lines than a row's few).
fn lines_needed(lines: &[Line], min_weight: f64) -> Option<usize> {
    const MARGIN: f64 = 1e-6;
    let n = lines.len();
    if n == 0 || n > MAX_LINES || min_weight.is_nan() || min_weight <= 0.0 {
        return None;
    }
    let mut w = [0.0; MAX_LINES];
    for (w, line) in w.iter_mut().zip(lines) {
        *w = line.weight;
    }
    let w = &mut w[..n];
    if w.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
        return None;
    }
    w.sort_unstable_by(f64::total_cmp);
    // the k lightest lines reach the weight, the k − 1 heaviest do not
    (1..=n).find(|&k| {
        let lightest: f64 = w[..k].iter().sum();
        let heaviest: f64 = w[n - (k - 1)..].iter().sum();
        lightest >= min_weight * (1.0 + MARGIN) && heaviest < min_weight * (1.0 - MARGIN)
    })
}

/// [`at_least`] where `k` lines must meet (at most [`MAX_LINES`] lines):
/// the lines' interval ends merged in order (ends before starts at the
/// same abscissa, so intervals of two lines meeting end to start do not
/// overlap), the stretches where at least `k` are open into `out`.
fn at_least_count(lines: &[Line], bit: usize, k: usize, out: &mut Vec<(f64, f64)>) {
    out.clear();
    let n = lines.len().min(MAX_LINES);
    if let Some(piece) = at_least_count_single(&lines[..n], bit, k) {
        out.push(piece);
        return;
    }
    at_least_merge(&lines[..n], bit, k, out);
}

/// [`at_least_count`] by merging the lines' interval ends in order (at
/// most [`MAX_LINES`] lines), into `out` (cleared by the caller).
fn at_least_merge(lines: &[Line], bit: usize, k: usize, out: &mut Vec<(f64, f64)>) {
    let n = lines.len().min(MAX_LINES);
    // per line: its next interval, and its next event (the interval's
    // start, or its end once the start is passed; +∞ after the last)
    let mut at = [0usize; MAX_LINES];
    let mut x_next = [f64::INFINITY; MAX_LINES];
    let mut ends = [false; MAX_LINES];
    for (i, line) in lines[..n].iter().enumerate() {
        if let Some(&(a, _)) = line.uncovered[bit].first() {
            x_next[i] = a;
        }
    }
    let (mut open, mut start) = (0usize, 0.0);
    loop {
        // the next event: the least abscissa, ends first
        let mut best = usize::MAX;
        let (mut bx, mut bend) = (f64::INFINITY, false);
        for i in 0..n {
            let x = x_next[i];
            if x < bx || (x == bx && x < f64::INFINITY && ends[i] && !bend) {
                (best, bx, bend) = (i, x, ends[i]);
            }
        }
        if best == usize::MAX {
            return;
        }
        let before = open >= k;
        let intervals = &lines[best].uncovered[bit];
        if bend {
            open -= 1;
            at[best] += 1;
            ends[best] = false;
            x_next[best] = intervals.get(at[best]).map_or(f64::INFINITY, |s| s.0);
        } else {
            open += 1;
            ends[best] = true;
            x_next[best] = intervals[at[best]].1;
        }
        let after = open >= k;
        if !before && after {
            start = bx;
        } else if before && !after && bx > start {
            out.push((start, bx));
        }
    }
}

/// [`at_least_count`] where every line has a single uncovered interval
/// and they all share a point (a row uncovered across its commune, the
/// common case of a layer with few shapes): all starts then come before
/// all ends, so at least `k` are open from the `k`-th start to the
/// `k`-th end from the right, the interval the event merge gives (the
/// same two numbers). `None` when the lines are not so (or `k` is not
/// one of `1..=n`), the merge then deciding.
fn at_least_count_single(lines: &[Line], bit: usize, k: usize) -> Option<(f64, f64)> {
    let n = lines.len();
    if n > MAX_LINES || !(1..=n).contains(&k) {
        return None;
    }
    let mut starts = [0.0; MAX_LINES];
    let mut ends = [0.0; MAX_LINES];
    for (i, line) in lines.iter().enumerate() {
        let [(a, b)] = line.uncovered[bit].as_slice() else {
            return None;
        };
        (starts[i], ends[i]) = (*a, *b);
    }
    let (starts, ends) = (&mut starts[..n], &mut ends[..n]);
    starts.sort_unstable_by(f64::total_cmp);
    ends.sort_unstable_by(f64::total_cmp);
    // all starts before all ends (ties would need the merge's order)
    (starts[n - 1] < ends[0]).then_some((starts[k - 1], ends[n - k]))
}

/// [`at_least`] by weights: every interval end sorted, the weight of the
/// open lines summed along the row.
fn at_least_weighted(
    lines: &[Line],
    bit: usize,
    min_weight: f64,
    events: &mut Vec<(f64, f64)>,
    out: &mut Vec<(f64, f64)>,
) {
    out.clear();
    events.clear();
    for line in lines {
        for &(a, b) in &line.uncovered[bit] {
            events.push((a, line.weight));
            events.push((b, -line.weight));
        }
    }
    // at equal abscissae, ends before starts: touching intervals of two
    // lines do not make a point of overlap
    events.sort_unstable_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
    let (mut weight, mut open) = (0.0, 0usize);
    let mut start = 0.0;
    for &(x, d) in events.iter() {
        let before = open > 0 && weight >= min_weight;
        if d > 0.0 {
            open += 1;
            weight += d;
        } else {
            open -= 1;
            // no rounding left over once no line is open
            weight = if open == 0 { 0.0 } else { weight + d };
        }
        let after = open > 0 && weight >= min_weight;
        if !before && after {
            start = x;
        } else if before && !after && x > start {
            out.push((start, x));
        }
    }
}

/// The uncovered measure the lines of a row see of `bit` inside `[a, b]`:
/// Σ weight × uncovered length (square metres).
fn measure_in(lines: &[Line], bit: usize, a: f64, b: f64) -> f64 {
    let mut m = 0.0;
    for line in lines {
        let intervals = &line.uncovered[bit];
        let from = intervals.partition_point(|s| s.1 <= a);
        let mut len = 0.0;
        for s in &intervals[from..] {
            if s.0 >= b {
                break;
            }
            len += s.1.min(b) - s.0.max(a);
        }
        m += line.weight * len.max(0.0);
    }
    m
}

/// Rounds strip metres to quanta.
fn quantum(x: f64, res: f64) -> i64 {
    (x * QUANTA as f64 / res).round() as i64
}

/// A commune's most uncovered row so far: its measure, its index and the
/// union of its lines' uncovered intervals.
type BestRow = (f64, i64, Vec<(f64, f64)>);

/// Collects one commune's gap pieces from the lines its measure traces
/// (see the [module docs](self)): [`GapRows::row`] opens each row,
/// [`GapRows::line`] shows each traced line, [`GapRows::finish`] gives the
/// pieces.
pub(crate) struct GapRows {
    strip: u32,
    commune: u32,
    res: f64,
    /// Flag bits collected.
    bits: u8,
    out: [CommuneGap; FLAG_BITS],
    best: [BestRow; FLAG_BITS],
    /// The open row: index, height inside the commune's extent, lines.
    j: i64,
    height: f64,
    lines: Vec<Line>,
    used: usize,
    /// Bits some line of the open row leaves partly uncovered.
    seen: u8,
    /// The row after the commune's last.
    j_end: i64,
    events: Vec<(f64, f64)>,
    found: Vec<(f64, f64)>,
    /// The last row's thresholds (half its weight, any weight) and what
    /// they were worked out for: half the weight and the lines' weights
    /// (bits; NaN past the last line).
    thresholds: Option<(ThresholdKey, (Threshold, Threshold))>,
}

/// What a row's thresholds depend on ([`GapRows::thresholds`]).
type ThresholdKey = (u64, [u64; MAX_LINES]);

impl GapRows {
    /// Pieces of commune `commune` in strip `strip` for the flag bits of
    /// `bits`.
    pub(crate) fn new(strip: usize, commune: usize, res: f64, bits: u8) -> Self {
        GapRows {
            strip: strip as u32,
            commune: commune as u32,
            res,
            bits,
            out: Default::default(),
            best: Default::default(),
            j: 0,
            height: 0.0,
            lines: Vec::new(),
            used: 0,
            seen: 0,
            j_end: 0,
            events: Vec::new(),
            found: Vec::new(),
            thresholds: None,
        }
    }

    /// The rows of the commune end before row `j_end` (a hint for memory).
    pub(crate) fn rows_until(&mut self, j_end: i64) {
        self.j_end = j_end;
    }

    /// Opens row `j`, `height_m` high inside the commune's extent (closing
    /// the previous one).
    pub(crate) fn row(&mut self, j: i64, height_m: f64) {
        self.close_row();
        self.j = j;
        self.height = height_m;
    }

    /// One traced line of the open row: `weight_m` of its height, the
    /// commune's `spans` on it, the bits `full` covering it whole and, per
    /// other bit, the `covered` intervals (reordered here).
    pub(crate) fn line(
        &mut self,
        weight_m: f64,
        spans: &[(f64, f64)],
        full: u8,
        covered: &mut [Vec<(f64, f64)>; FLAG_BITS],
    ) {
        if self.used == self.lines.len() {
            self.lines.push(Line::default());
        }
        let line = &mut self.lines[self.used];
        self.used += 1;
        line.weight = weight_m;
        for (bit, buf) in covered.iter_mut().enumerate() {
            line.uncovered[bit].clear();
            if (self.bits >> bit) & 1 == 1 && (full >> bit) & 1 == 0 {
                subtract(spans, buf, &mut line.uncovered[bit]);
                if !line.uncovered[bit].is_empty() {
                    self.seen |= 1 << bit;
                }
            }
        }
    }

    /// The pieces of the row just swept, and the most uncovered row.
    fn close_row(&mut self) {
        let lines = &self.lines[..self.used];
        let seen = std::mem::take(&mut self.seen);
        self.used = 0;
        // a row no line leaves uncovered adds neither piece nor measure
        if lines.is_empty() || seen == 0 {
            return;
        }
        let (res, strip, commune, j) = (self.res, self.strip, self.commune, self.j);
        // half the row's weight, with room for rounding
        let half = 0.5 * self.height * (1.0 - 1e-9);
        let holds_pieces = self.height >= 0.5 * res;
        // rows of the same height and lines (most of a commune's) share
        // their thresholds: worked out once
        let weights = |lines: &[Line]| -> Option<[f64; MAX_LINES]> {
            let mut w = [f64::NAN; MAX_LINES];
            for (w, line) in w.iter_mut().zip(lines) {
                *w = line.weight;
            }
            (lines.len() <= MAX_LINES).then_some(w)
        };
        let key = weights(lines).map(|w| (half.to_bits(), w.map(f64::to_bits)));
        let (half, any) = match self.thresholds {
            Some((k, t)) if key == Some(k) => t,
            _ => {
                let t = (
                    Threshold::of(lines, half),
                    Threshold::of(lines, f64::MIN_POSITIVE),
                );
                self.thresholds = key.map(|k| (k, t));
                t
            }
        };
        for b in 0..FLAG_BITS {
            // a bit no line leaves uncovered adds neither piece nor measure
            if (seen >> b) & 1 == 0 {
                continue;
            }
            if holds_pieces {
                at_least(lines, b, half, &mut self.events, &mut self.found);
                let pieces = &mut self.out[b].pieces;
                if pieces.capacity() == 0 && !self.found.is_empty() {
                    // a commune's rows ahead, as a first guess
                    pieces.reserve((self.j_end - j).clamp(1, 1 << 16) as usize);
                }
                for &g in &self.found {
                    let m = measure_in(lines, b, g.0, g.1);
                    push_piece(pieces, strip, commune, j, g, m, res, false);
                }
            }
            let m = measure_in(lines, b, f64::NEG_INFINITY, f64::INFINITY);
            if m > self.best[b].0 {
                let best = &mut self.best[b];
                at_least(lines, b, any, &mut self.events, &mut best.2);
                best.0 = m;
                best.1 = j;
            }
        }
    }

    /// The commune's pieces per flag bit (empty for a bit not collected),
    /// each with its fallback when some line saw an uncovered length (else
    /// the fallback is [`interior_cell`], left to the caller: most
    /// communes are covered whole on most layers).
    pub(crate) fn finish(mut self) -> [CommuneGap; FLAG_BITS] {
        self.close_row();
        let (res, strip, commune) = (self.res, self.strip, self.commune);
        for (b, gap) in self.out.iter_mut().enumerate() {
            if (self.bits >> b) & 1 == 0 {
                continue;
            }
            let (m, j, ref union) = self.best[b];
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
            }
        }
        self.out
    }
}

/// The fallback of a commune whose lines see nothing uncovered (a commune
/// thinner than the lines' spacing, or rounding): the grid cell holding an
/// interior point of `polygon` (strip metres of `strip`).
pub(crate) fn interior_cell(
    strip: usize,
    commune: usize,
    polygon: &MultiPolygon<f64>,
    res: f64,
) -> Piece {
    let p = polygon
        .interior_point()
        .map_or([0.0, 0.0], |p| [p.x(), p.y()]);
    let (i, j) = ((p[0] / res).floor() as i64, (p[1] / res).floor() as i64);
    Piece {
        strip: strip as u32,
        commune: commune as u32,
        j,
        a: i * QUANTA,
        b: (i + 1) * QUANTA,
        measure: 1.0,
    }
}

/// Appends `[a, b]` (metres) to a commune's pieces of row `j`, rounded to
/// quanta: merged with the previous piece when they touch, dropped when
/// shorter than a quantum. `widen` keeps such a piece one quantum wide.
#[allow(clippy::too_many_arguments)]
fn push_piece(
    out: &mut Vec<Piece>,
    strip: u32,
    commune: u32,
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
        strip,
        commune,
        j,
        a: qa,
        b: qb,
        measure,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Three Gauss–Legendre lines of an 18 m row, bit 0 uncovered on each.
    fn nodes(uncovered: [Vec<(f64, f64)>; 3]) -> Vec<Line> {
        uncovered
            .into_iter()
            .zip([5.0, 8.0, 5.0])
            .map(|(u, weight)| {
                let mut line = Line {
                    weight,
                    ..Line::default()
                };
                line.uncovered[0] = u;
                line
            })
            .collect()
    }

    #[test]
    fn half_the_weight_is_two_of_three_nodes() {
        let lines = nodes([
            vec![(0.0, 4.0), (10.0, 12.0)],
            vec![(2.0, 6.0), (11.0, 11.5)],
            vec![(3.0, 8.0), (12.0, 13.0)],
        ]);
        let (mut ev, mut out) = (Vec::new(), Vec::new());
        at_least(
            &lines,
            0,
            Threshold::of(&lines, 9.0 * (1.0 - 1e-9)),
            &mut ev,
            &mut out,
        );
        // the middle line with either other, or the two outer ones
        assert_eq!(out, vec![(2.0, 6.0), (11.0, 11.5)]);
        // any line (intervals of two lines meeting end to start stay apart)
        at_least(
            &lines,
            0,
            Threshold::of(&lines, f64::MIN_POSITIVE),
            &mut ev,
            &mut out,
        );
        assert_eq!(out, vec![(0.0, 8.0), (10.0, 12.0), (12.0, 13.0)]);
        // all three
        at_least(
            &lines,
            0,
            Threshold::of(&lines, 18.0 * (1.0 - 1e-9)),
            &mut ev,
            &mut out,
        );
        assert_eq!(out, vec![(3.0, 4.0)]);
        // the middle line alone weighs less than half
        let lines = nodes([vec![], vec![(0.0, 5.0)], vec![]]);
        at_least(
            &lines,
            0,
            Threshold::of(&lines, 9.0 * (1.0 - 1e-9)),
            &mut ev,
            &mut out,
        );
        assert!(out.is_empty());
        // the two outer lines make half
        let lines = nodes([vec![(0.0, 5.0)], vec![], vec![(1.0, 6.0)]]);
        at_least(
            &lines,
            0,
            Threshold::of(&lines, 9.0 * (1.0 - 1e-9)),
            &mut ev,
            &mut out,
        );
        assert_eq!(out, vec![(1.0, 5.0)]);
        // touching ends of two lines are no overlap
        let lines = nodes([vec![(0.0, 1.0)], vec![(1.0, 2.0)], vec![]]);
        at_least(
            &lines,
            0,
            Threshold::of(&lines, 9.0 * (1.0 - 1e-9)),
            &mut ev,
            &mut out,
        );
        assert!(out.is_empty());
        // measure: weight × length
        let lines = nodes([vec![(0.0, 1.0)], vec![(0.0, 2.0)], vec![]]);
        let m = measure_in(&lines, 0, 0.5, 10.0);
        assert!((m - (5.0 * 0.5 + 8.0 * 1.5)).abs() < 1e-12);
    }

    proptest::proptest! {
        /// Counting the lines gives the intervals that summing their
        /// weights gives, ties of ends and starts included (abscissae on
        /// a coarse lattice, so they coincide often).
        #[test]
        fn counting_lines_agrees_with_summing_weights(
            raw in proptest::collection::vec(
                proptest::collection::vec((0u8..40, 1u8..6), 0..5),
                1..4,
            ),
            height in 0.5f64..200.0,
        ) {
            let mut lines: Vec<Line> = Vec::new();
            let weights: &[f64] = match raw.len() {
                1 => &[1.0],
                2 => &[0.4, 0.6],
                _ => &[5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0],
            };
            for (steps, w) in raw.iter().zip(weights) {
                // sorted, disjoint (touching allowed) intervals
                let mut x = 0.0;
                let mut uncovered = Vec::new();
                for &(skip, len) in steps {
                    let a = x + f64::from(skip % 3) * 0.5;
                    let b = a + f64::from(len) * 0.5;
                    uncovered.push((a, b));
                    x = b;
                }
                let mut line = Line { weight: w * height, ..Line::default() };
                line.uncovered[0] = uncovered;
                lines.push(line);
            }
            let total: f64 = lines.iter().map(|l| l.weight).sum();
            for min_weight in [f64::MIN_POSITIVE, 0.5 * height * (1.0 - 1e-9), total * (1.0 - 1e-9)] {
                let (mut ev, mut counted, mut summed) = (Vec::new(), Vec::new(), Vec::new());
                at_least(&lines, 0, Threshold::of(&lines, min_weight), &mut ev, &mut counted);
                at_least_weighted(&lines, 0, min_weight, &mut ev, &mut summed);
                proptest::prop_assert_eq!(&counted, &summed);
            }
            // three nodes and half the row: two of them, by counting
            if lines.len() == 3 {
                proptest::prop_assert_eq!(lines_needed(&lines, 0.5 * height * (1.0 - 1e-9)), Some(2));
            }
        }
    }

    proptest::proptest! {
        /// Lines of one interval each: the shortcut gives what the merge
        /// of their ends gives, for every count, whether the intervals
        /// share a point or not (ends on a coarse lattice, so starts and
        /// ends coincide often).
        #[test]
        fn single_intervals_shortcut_agrees_with_the_merge(
            raw in proptest::collection::vec((0u8..12, 1u8..8), 1..=MAX_LINES),
            hole in proptest::bool::ANY,
        ) {
            let mut lines: Vec<Line> = Vec::new();
            for (i, &(a, len)) in raw.iter().enumerate() {
                let a = f64::from(a) * 0.5;
                let mut line = Line { weight: 1.0, ..Line::default() };
                line.uncovered[0] = vec![(a, a + f64::from(len) * 0.5)];
                // a second interval sends the line to the merge
                if hole && i == 0 {
                    line.uncovered[0].push((40.0, 41.0));
                }
                lines.push(line);
            }
            for k in 1..=lines.len() + 1 {
                let (mut fast, mut merged) = (Vec::new(), Vec::new());
                at_least_count(&lines, 0, k, &mut fast);
                at_least_merge(&lines, 0, k, &mut merged);
                proptest::prop_assert_eq!(&fast, &merged, "k = {}", k);
            }
        }
    }

    #[test]
    fn a_commune_less_than_half_a_row_high_falls_back_to_its_row() {
        let square = |h: f64| -> MultiPolygon<f64> {
            geo::wkt!(MULTIPOLYGON(((0.0 0.0, 100.0 0.0, 100.0 1.0, 0.0 1.0, 0.0 0.0))))
                .map_coords(|c| geo::Coord { x: c.x, y: c.y * h })
        };
        use geo::MapCoords;
        // a 20 m high commune on 50 m rows, uncovered on [10, 60] of its
        // one traced line: no piece, its row as the fallback
        let mut g = GapRows::new(0, 3, 50.0, 1);
        g.row(0, 20.0);
        let mut covered: [Vec<(f64, f64)>; FLAG_BITS] = Default::default();
        covered[0] = vec![(0.0, 10.0), (60.0, 100.0)];
        g.line(20.0, &[(0.0, 100.0)], 0, &mut covered);
        let out = g.finish();
        assert!(out[0].pieces.is_empty());
        // 10 m and 60 m in 50/1024 m quanta: 204.8 and 1228.8, rounded
        assert_eq!(out[0].fallback.len(), 1);
        let f = out[0].fallback[0];
        assert_eq!((f.commune, f.j, f.a, f.b), (3, 0, 205, 1229));
        // bits not collected give nothing
        assert_eq!(out[1], CommuneGap::default());
        // 30 m high: its piece
        let mut g = GapRows::new(0, 3, 50.0, 1);
        g.row(0, 30.0);
        covered[0] = vec![(0.0, 10.0), (60.0, 100.0)];
        g.line(30.0, &[(0.0, 100.0)], 0, &mut covered);
        let out = g.finish();
        assert_eq!(out[0].pieces.len(), 1);
        assert_eq!(out[0].pieces[0].measure, 30.0 * 50.0);
        // covered whole: nothing; the interior point's cell stands for it
        let mut g = GapRows::new(0, 3, 50.0, 1);
        g.row(0, 30.0);
        g.line(30.0, &[(0.0, 100.0)], 1, &mut covered);
        let out = g.finish();
        assert_eq!(out[0], CommuneGap::default());
        let cell = interior_cell(0, 3, &square(30.0), 50.0);
        assert_eq!((cell.j, cell.a, cell.b), (0, QUANTA, 2 * QUANTA));
    }
}
