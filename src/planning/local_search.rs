//! Local search after the greedy on a [`CoverageProblem`].
//!
//! - [`improve_min_sites`] (minimum-sites form): drops redundant sites (a
//!   site whose removal keeps the capped coverage, so every cap the set
//!   met stays met; last picked first), then tries 2-for-1 swaps: two
//!   picked sites replaced by one candidate keeping the capped coverage,
//!   dropping redundant sites again after each. The replacement is sought
//!   among the candidates reaching every group the pair leaves below its
//!   cap (where the caps were met, that is every candidate that can do
//!   it), the one gaining most. Pairs are scanned in order, going on after
//!   each swap, until a whole pass makes none: `O(s²)` pair trials per pass
//!   for `s` sites, each a pass over the pair's units and the candidates
//!   of one commune.
//! - [`improve_budget`] (budget form): 1-swaps, a picked site replaced by
//!   an unpicked candidate when the capped coverage rises, then new sites
//!   while the budget allows and some candidate still gains.
//!
//! Neither ever lowers the capped coverage nor adds sites. Moves are tried
//! in a fixed order and ties go to the lower candidate index, and each
//! candidate's gain is summed in a fixed order (candidates are scored in
//! parallel, the best kept by value then index): the result does not
//! depend on the number of threads. [`LocalSearchOptions::max_evaluations`]
//! bounds the work deterministically; the optional time limit makes the
//! result depend on the machine when it fires.
//!
//! A move is kept when it changes the coverage by more than `1e-9` of the
//! caps' sum (rounding is not coverage); the coverage kept by drops and
//! 2-for-1 swaps is the starting one within that tolerance.
//!
//! Weights are taken to be non-negative (as the plan's people are): a
//! candidate's gain is then at most its gain alone, which prunes most
//! candidates from each trial.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::greedy::{celf_among, Compact, CoverageProblem};

/// Limits for [`improve_min_sites`] and [`improve_budget`].
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSearchOptions {
    /// Most candidate evaluations (one is a pass over a candidate's units);
    /// the search stops after the move that crosses it.
    pub max_evaluations: usize,
    /// Stop after this long (makes the result depend on the machine when it
    /// fires).
    pub time_limit: Option<Duration>,
    /// Minimum-sites form: try 2-for-1 swaps only on pairs of sites whose
    /// coverage overlaps (they share a unit: near enough for one new site
    /// to stand in for both), instead of every pair, and after a swap look
    /// for redundant sites among those sharing units with the new one (a
    /// full drop pass ends the search). The second sites of a first one
    /// are those it overlaps, found through each unit's candidates and
    /// visited in their order among the sites, so a pass costs the
    /// overlaps, not every pair (`false` by default; the plan sets it).
    pub neighbour_pairs_only: bool,
}

impl Default for LocalSearchOptions {
    fn default() -> Self {
        LocalSearchOptions {
            max_evaluations: 20_000_000,
            time_limit: None,
            neighbour_pairs_only: false,
        }
    }
}

/// What a local search returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// The sites, in greedy order (each the one adding most to those
    /// before it, ties to the lower index) with that marginal gain, as
    /// [`celf`](super::celf) returns picks.
    pub picks: Vec<(usize, f64)>,
    /// Their capped coverage ([`CoverageProblem::value`]).
    pub value: f64,
    /// The starting sites' capped coverage.
    pub initial_value: f64,
    /// Sites removed as redundant (minimum-sites form).
    pub dropped: usize,
    /// Swaps made: 2-for-1 (minimum-sites form) or 1-for-1 (budget form).
    pub swaps: usize,
    /// Sites added after the swaps (budget form, when the budget allows).
    pub added: usize,
    /// Candidate evaluations spent.
    pub evaluations: usize,
    /// Whether the search ended at a local optimum (`false`: a limit
    /// stopped it).
    pub complete: bool,
    /// Wall-clock time, seconds.
    pub seconds: f64,
}

/// The set being improved: how many chosen sites cover each unit, the
/// covered weight per group.
struct State<'a> {
    p: &'a Compact,
    /// Single gains: a candidate's capped gain on its own.
    single: Vec<f64>,
    count: Vec<u32>,
    got: Vec<f64>,
    value: f64,
    chosen: Vec<usize>,
    in_set: Vec<bool>,
    tol: f64,
    evaluations: usize,
    /// Moves applied (an exact recount every 1024).
    moves: usize,
    started: Instant,
    options: &'a LocalSearchOptions,
}

/// A trial removal: the units it uncovers and the weight it takes from
/// each group.
struct Removal {
    /// `stamp[u] == epoch`: unit `u` is uncovered by the removal.
    stamp: Vec<u32>,
    /// `group_stamp[g] == epoch`: `lost[g]` is this removal's.
    group_stamp: Vec<u32>,
    epoch: u32,
    lost: Vec<f64>,
    touched: Vec<usize>,
}

impl Removal {
    fn new(units: usize, groups: usize) -> Removal {
        Removal {
            stamp: vec![0; units],
            group_stamp: vec![0; groups],
            epoch: 0,
            lost: vec![0.0; groups],
            touched: Vec::new(),
        }
    }

    fn uncovers(&self, u: usize) -> bool {
        self.stamp.get(u).is_some_and(|&s| s == self.epoch)
    }

    fn lost(&self, g: usize) -> f64 {
        match self.group_stamp.get(g) {
            Some(&s) if s == self.epoch => self.lost[g],
            _ => 0.0,
        }
    }
}

impl<'a> State<'a> {
    fn new(p: &'a Compact, picks: &[usize], options: &'a LocalSearchOptions) -> Self {
        let n = p.weights.len();
        let m = p.candidates();
        let tol = 1e-9 * p.caps.iter().map(|c| c.abs()).sum::<f64>().max(1.0);
        let mut s = State {
            p,
            single: Vec::new(),
            count: vec![0; n],
            got: vec![0.0; p.caps.len()],
            value: 0.0,
            chosen: Vec::new(),
            in_set: vec![false; m],
            tol,
            evaluations: 0,
            moves: 0,
            started: Instant::now(),
            options,
        };
        let empty = Removal::new(0, 0);
        s.single = (0..m)
            .into_par_iter()
            .with_min_len(64)
            .map_init(Vec::new, |scratch, c| s.gain(c, &empty, scratch))
            .collect();
        for &c in picks {
            assert!(c < m, "pick {c} of {m} candidates");
            if !s.in_set[c] {
                s.in_set[c] = true;
                s.chosen.push(c);
                for &u in s.p.covers(c) {
                    s.count[u as usize] += 1;
                }
            }
        }
        s.recount();
        s
    }

    /// Covered weight per group and the value, from the counts (exact sums
    /// in unit order, so no rounding drifts across moves).
    fn recount(&mut self) {
        self.got.iter_mut().for_each(|g| *g = 0.0);
        for (u, &k) in self.count.iter().enumerate() {
            if k > 0 {
                self.got[self.p.groups[u] as usize] += self.p.weights[u];
            }
        }
        self.value = self
            .got
            .iter()
            .zip(&self.p.caps)
            .map(|(g, c)| g.min(*c))
            .sum();
    }

    fn out_of_budget(&self) -> bool {
        self.evaluations >= self.options.max_evaluations
            || self
                .options
                .time_limit
                .is_some_and(|t| self.started.elapsed() >= t)
    }

    /// Marks what removing `set` uncovers; returns the value lost.
    fn trial_removal(&self, set: &[usize], r: &mut Removal) -> f64 {
        r.epoch = r.epoch.wrapping_add(1);
        if r.epoch == 0 {
            r.stamp.iter_mut().for_each(|s| *s = 0);
            r.group_stamp.iter_mut().for_each(|s| *s = 0);
            r.epoch = 1;
        }
        r.touched.clear();
        for &c in set {
            for &u in self.p.covers(c) {
                let u = u as usize;
                if r.stamp[u] == r.epoch {
                    continue;
                }
                let by_set = set
                    .iter()
                    .filter(|&&s| self.p.covers(s).binary_search(&(u as u32)).is_ok());
                if by_set.count() as u32 == self.count[u] {
                    r.stamp[u] = r.epoch;
                    let g = self.p.groups[u] as usize;
                    if r.group_stamp[g] != r.epoch {
                        r.group_stamp[g] = r.epoch;
                        r.lost[g] = 0.0;
                        r.touched.push(g);
                    }
                    r.lost[g] += self.p.weights[u];
                }
            }
        }
        r.touched
            .iter()
            .map(|&g| {
                let cap = self.p.caps[g];
                self.got[g].min(cap) - (self.got[g] - r.lost[g]).min(cap)
            })
            .sum()
    }

    /// Capped gain of adding `c` to the set less the trial removal `r`.
    fn gain(&self, c: usize, r: &Removal, scratch: &mut Vec<(usize, f64)>) -> f64 {
        scratch.clear();
        for &u in self.p.covers(c) {
            let u = u as usize;
            let free = self.count[u] == 0 || r.uncovers(u);
            if free {
                scratch.push((self.p.groups[u] as usize, self.p.weights[u]));
            }
        }
        scratch.sort_by_key(|x| x.0);
        let mut total = 0.0;
        let mut k = 0;
        while k < scratch.len() {
            let g = scratch[k].0;
            let mut w = 0.0;
            while k < scratch.len() && scratch[k].0 == g {
                w += scratch[k].1;
                k += 1;
            }
            let base = self.got[g] - r.lost(g);
            let cap = self.p.caps[g];
            total += (base + w).min(cap) - base.min(cap);
        }
        total
    }

    /// Replaces the sites `out` by `add` (in the place of the first of `out`).
    fn apply(&mut self, out: &[usize], add: Option<usize>) {
        // covered weight per group updated where a unit's cover starts or
        // ends (a full recount would cost a pass over every unit per move)
        for &c in out {
            self.in_set[c] = false;
            for &u in self.p.covers(c) {
                let u = u as usize;
                self.count[u] -= 1;
                if self.count[u] == 0 {
                    self.got[self.p.groups[u] as usize] -= self.p.weights[u];
                }
            }
        }
        let at = self
            .chosen
            .iter()
            .position(|c| out.contains(c))
            .unwrap_or(self.chosen.len());
        self.chosen.retain(|c| !out.contains(c));
        if let Some(c) = add {
            self.in_set[c] = true;
            for &u in self.p.covers(c) {
                let u = u as usize;
                if self.count[u] == 0 {
                    self.got[self.p.groups[u] as usize] += self.p.weights[u];
                }
                self.count[u] += 1;
            }
            self.chosen.insert(at.min(self.chosen.len()), c);
        }
        self.value = self
            .got
            .iter()
            .zip(&self.p.caps)
            .map(|(g, c)| g.min(*c))
            .sum();
        self.moves += 1;
        // an exact recount now and then keeps rounding from drifting
        if self.moves.is_multiple_of(1024) {
            self.recount();
        }
    }

    /// Drops sites, last chosen first, while the value stays at least
    /// `floor`; returns how many.
    fn drop_redundant(&mut self, floor: f64, r: &mut Removal) -> usize {
        self.drop_redundant_among(floor, r, |_| true)
    }

    /// [`State::drop_redundant`] over the sites `may` accepts only.
    fn drop_redundant_among(
        &mut self,
        floor: f64,
        r: &mut Removal,
        may: impl Fn(usize) -> bool,
    ) -> usize {
        let mut dropped = 0;
        let mut i = self.chosen.len();
        while i > 0 {
            i -= 1;
            let c = self.chosen[i];
            if !may(c) {
                continue;
            }
            self.evaluations += 1;
            let loss = self.trial_removal(&[c], r);
            if self.value - loss >= floor - self.tol {
                self.apply(&[c], None);
                dropped += 1;
            }
        }
        dropped
    }

    fn picks(&self) -> Vec<(usize, f64)> {
        let mut set = self.chosen.clone();
        set.sort_unstable();
        greedy_order(self.p, &set)
    }
}

/// `set` in greedy order with marginal gains (zero-gain sites last, by
/// index).
fn greedy_order(p: &Compact, set: &[usize]) -> Vec<(usize, f64)> {
    let mut out: Vec<(usize, f64)> = celf_among(p, Some(set), set.len());
    for &c in set {
        if !out.iter().any(|x| x.0 == c) {
            out.push((c, 0.0));
        }
    }
    out
}

/// Fewer sites for the same capped coverage: redundant sites dropped, then
/// 2-for-1 swaps (module docs). `picks` are the greedy's sites (repeats
/// ignored); when they meet every cap, so does the result.
///
/// ```
/// use telecov::planning::{celf, improve_min_sites, CoverageProblem, LocalSearchOptions};
/// // ten people; the greedy takes 0 (six), then 1 (three more), then 2
/// // (the last); 3 and 2 cover everyone
/// let p = CoverageProblem {
///     weights: vec![1.0; 10],
///     groups: vec![0; 10],
///     caps: vec![10.0],
///     covers: vec![
///         vec![1, 2, 3, 5, 6, 7],
///         vec![0, 4, 8],
///         vec![5, 6, 7, 8, 9],
///         vec![0, 1, 2, 3, 4],
///     ],
/// };
/// let greedy: Vec<usize> = celf(&p, usize::MAX).iter().map(|x| x.0).collect();
/// assert_eq!(greedy, vec![0, 1, 2]);
/// let better = improve_min_sites(&p, &greedy, &LocalSearchOptions::default());
/// assert_eq!(better.picks, vec![(2, 5.0), (3, 5.0)]);
/// assert_eq!((better.value, better.swaps), (10.0, 1));
/// ```
///
/// # Panics
///
/// When a pick is not a candidate index.
pub fn improve_min_sites(
    problem: &CoverageProblem,
    picks: &[usize],
    options: &LocalSearchOptions,
) -> Improvement {
    improve_min_sites_compact(&Compact::from_problem(problem), picks, options)
}

/// [`improve_min_sites`] on the compact form.
pub(crate) fn improve_min_sites_compact(
    problem: &Compact,
    picks: &[usize],
    options: &LocalSearchOptions,
) -> Improvement {
    let mut s = State::new(problem, picks, options);
    let floor = s.value;
    let initial_value = problem.value(&s.chosen);
    let mut r = Removal::new(problem.weights.len(), problem.caps.len());
    let mut dropped = s.drop_redundant(floor, &mut r);
    let mut swaps = 0;
    let mut complete = true;
    let mut scratch = Vec::new();
    // candidates touching each group, ascending
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); problem.caps.len()];
    for c in 0..problem.candidates() {
        for &u in problem.covers(c) {
            let g = problem.group(u);
            if by_group[g].last() != Some(&c) {
                by_group[g].push(c);
            }
        }
    }
    let mut short: Vec<usize> = Vec::new();
    // with `neighbour_pairs_only`: the candidates sharing a unit with each
    // candidate (on demand, for the sites)
    // (compressed rows: the candidates of unit `u` are
    // `unit_items[unit_start[u]..unit_start[u + 1]]`)
    let (unit_start, unit_items) = if options.neighbour_pairs_only {
        transpose(problem)
    } else {
        (Vec::new(), Vec::new())
    };
    let near = |p: &Compact, a: usize| -> Vec<u32> {
        let mut v: Vec<u32> = p
            .covers(a)
            .iter()
            .flat_map(|&u| {
                let u = u as usize;
                unit_items[unit_start[u]..unit_start[u + 1]].iter().copied()
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // with `neighbour_pairs_only`: the place of each site in `s.chosen`
    // (as of `pos_moves` moves), and the places of the sites overlapping
    // site `stamped_for`, ascending
    let m_all = if options.neighbour_pairs_only {
        problem.candidates()
    } else {
        0
    };
    let mut pos: Vec<u32> = vec![u32::MAX; m_all];
    let mut pos_moves = usize::MAX;
    let mut ahead: Vec<usize> = Vec::new();
    let mut stamped_for: Option<usize> = None;
    // passes over the pairs, going on after each swap, until a pass makes
    // none
    'search: loop {
        let mut changed = false;
        let mut i = 0;
        while i < s.chosen.len() {
            let mut j = i + 1;
            while j < s.chosen.len() {
                if options.neighbour_pairs_only {
                    // straight to the next site overlapping the first
                    if stamped_for != Some(s.chosen[i]) || pos_moves != s.moves {
                        if pos_moves != s.moves {
                            pos.iter_mut().for_each(|p| *p = u32::MAX);
                            for (k, &c) in s.chosen.iter().enumerate() {
                                pos[c] = k as u32;
                            }
                            pos_moves = s.moves;
                        }
                        ahead.clear();
                        ahead.extend(
                            near(problem, s.chosen[i])
                                .into_iter()
                                .map(|c| pos[c as usize])
                                .filter(|&k| k != u32::MAX)
                                .map(|k| k as usize),
                        );
                        ahead.sort_unstable();
                        stamped_for = Some(s.chosen[i]);
                    }
                    match ahead.get(ahead.partition_point(|&k| k < j)) {
                        Some(&k) => j = k,
                        None => break,
                    }
                }
                if s.out_of_budget() {
                    complete = false;
                    break 'search;
                }
                let pair = [s.chosen[i], s.chosen[j]];
                s.evaluations += 1;
                let loss = s.trial_removal(&pair, &mut r);
                let deficit = floor - (s.value - loss);
                if deficit <= s.tol {
                    // both removable together (only with odd weights: the
                    // drop pass removed every single redundant site)
                    s.apply(&pair, None);
                    dropped += 2 + s.drop_redundant(floor, &mut r);
                    changed = true;
                    j = i + 1;
                    continue;
                }
                // groups the pair leaves below their caps: the replacement
                // must reach each (all it can make up where caps were met)
                short.clear();
                short.extend(r.touched.iter().copied().filter(|&g| {
                    let cap = problem.caps[g];
                    s.got[g] - r.lost(g) < cap - 1e-9 * cap.abs().max(1.0)
                }));
                short.sort_by_key(|&g| (by_group[g].len(), g));
                let pool: &[usize] = short.first().map_or(&[], |&g| &by_group[g]);
                let mut best: Option<(f64, usize)> = None;
                for &d in pool {
                    if s.in_set[d]
                        || s.single[d] < deficit - s.tol
                        || !short[1..]
                            .iter()
                            .all(|&g| by_group[g].binary_search(&d).is_ok())
                    {
                        continue;
                    }
                    s.evaluations += 1;
                    let g = s.gain(d, &r, &mut scratch);
                    if g >= deficit - s.tol && best.is_none_or(|b| g > b.0) {
                        best = Some((g, d));
                    }
                }
                if let Some((_, d)) = best {
                    s.apply(&pair, Some(d));
                    swaps += 1;
                    // with neighbour pairs: sites sharing units with the new
                    // one, the likeliest to have become redundant (a full
                    // drop pass ends the search)
                    dropped += if options.neighbour_pairs_only {
                        let around = near(problem, d);
                        s.drop_redundant_among(floor, &mut r, |c| {
                            around.binary_search(&(c as u32)).is_ok()
                        })
                    } else {
                        s.drop_redundant(floor, &mut r)
                    };
                    changed = true;
                    j = i + 1;
                    continue;
                }
                j += 1;
            }
            i += 1;
        }
        if !changed {
            break;
        }
    }
    if options.neighbour_pairs_only && !s.out_of_budget() {
        dropped += s.drop_redundant(floor, &mut r);
    }
    let picks = s.picks();
    Improvement {
        value: problem.value(&s.chosen),
        picks,
        initial_value,
        dropped,
        swaps,
        added: 0,
        evaluations: s.evaluations,
        complete,
        seconds: s.started.elapsed().as_secs_f64(),
    }
}

/// More capped coverage with at most `budget` sites: 1-swaps, then new
/// sites while the budget allows (module docs). `picks` are the greedy's
/// sites (repeats ignored); a budget below their number counts as their
/// number.
///
/// ```
/// use telecov::planning::{celf, improve_budget, CoverageProblem, LocalSearchOptions};
/// // two sites for six people: the greedy takes the middle one (four)
/// // first; swapping it for the other half covers everyone
/// let p = CoverageProblem {
///     weights: vec![1.0; 6],
///     groups: vec![0; 6],
///     caps: vec![6.0],
///     covers: vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]],
/// };
/// let greedy: Vec<usize> = celf(&p, 2).iter().map(|x| x.0).collect();
/// assert_eq!((greedy.clone(), p.value(&greedy)), (vec![0, 1], 5.0));
/// let better = improve_budget(&p, &greedy, 2, &LocalSearchOptions::default());
/// assert_eq!(better.value, 6.0);
/// assert_eq!(better.picks, vec![(1, 3.0), (2, 3.0)]);
/// ```
///
/// # Panics
///
/// When a pick is not a candidate index.
pub fn improve_budget(
    problem: &CoverageProblem,
    picks: &[usize],
    budget: usize,
    options: &LocalSearchOptions,
) -> Improvement {
    improve_budget_compact(&Compact::from_problem(problem), picks, budget, options)
}

/// [`improve_budget`] on the compact form.
pub(crate) fn improve_budget_compact(
    problem: &Compact,
    picks: &[usize],
    budget: usize,
    options: &LocalSearchOptions,
) -> Improvement {
    let mut s = State::new(problem, picks, options);
    let initial_value = problem.value(&s.chosen);
    let m = problem.candidates();
    let mut r = Removal::new(problem.weights.len(), problem.caps.len());
    let mut swaps = 0;
    let mut added = 0;
    let mut complete = true;
    // best candidate to add after the trial removal `r`, with its gain
    let best_addition = |s: &State<'_>, r: &Removal, above: f64| -> (usize, Option<(f64, usize)>) {
        let pool: Vec<usize> = (0..m)
            .filter(|&c| !s.in_set[c] && s.single[c] > above + s.tol)
            .collect();
        let best = pool
            .par_iter()
            .with_min_len(16)
            .map_init(Vec::new, |scratch, &c| (s.gain(c, r, scratch), c))
            .filter(|&(g, _)| g > above + s.tol)
            .reduce_with(|a, b| {
                if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
                    b
                } else {
                    a
                }
            });
        (pool.len(), best)
    };
    'search: loop {
        let mut improved = false;
        for i in 0..s.chosen.len() {
            if s.out_of_budget() {
                complete = false;
                break 'search;
            }
            let a = s.chosen[i];
            s.evaluations += 1;
            let loss = s.trial_removal(&[a], &mut r);
            let (tried, best) = best_addition(&s, &r, loss);
            s.evaluations += tried;
            if let Some((_, c)) = best {
                s.apply(&[a], Some(c));
                swaps += 1;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
    let none = Removal::new(0, 0);
    while complete && s.chosen.len() < budget {
        if s.out_of_budget() {
            complete = false;
            break;
        }
        let (tried, best) = best_addition(&s, &none, 0.0);
        s.evaluations += tried;
        match best {
            Some((_, c)) => {
                s.apply(&[], Some(c));
                added += 1;
            }
            None => break,
        }
    }
    let picks = s.picks();
    Improvement {
        value: problem.value(&s.chosen),
        picks,
        initial_value,
        dropped: 0,
        swaps,
        added,
        evaluations: s.evaluations,
        complete,
        seconds: s.started.elapsed().as_secs_f64(),
    }
}

/// The candidates of each unit, in compressed rows (starts, items),
/// ascending.
fn transpose(p: &Compact) -> (Vec<usize>, Vec<u32>) {
    let n = p.weights.len();
    let mut start = vec![0usize; n + 1];
    for &u in &p.items {
        start[u as usize + 1] += 1;
    }
    for u in 0..n {
        start[u + 1] += start[u];
    }
    let mut next = start.clone();
    let mut items = vec![0u32; p.items.len()];
    for c in 0..p.candidates() {
        for &u in p.covers(c) {
            items[next[u as usize]] = c as u32;
            next[u as usize] += 1;
        }
    }
    (start, items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::bound::{grid_problem, random_problem, reachable_caps, subsets};
    use crate::planning::celf;
    use rand::SeedableRng;

    fn ids(picks: &[(usize, f64)]) -> Vec<usize> {
        picks.iter().map(|x| x.0).collect()
    }

    /// Checks the picks are consistent: gains add up to the value.
    fn consistent(p: &CoverageProblem, out: &Improvement) {
        let chosen = ids(&out.picks);
        let mut sorted = chosen.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), chosen.len(), "no repeated site");
        assert!((p.value(&chosen) - out.value).abs() < 1e-9);
        let gains: f64 = out.picks.iter().map(|x| x.1).sum();
        assert!((gains - out.value).abs() < 1e-9);
    }

    #[test]
    fn never_worse_and_often_better_on_random_instances() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let options = LocalSearchOptions::default();
        // budget form
        let (mut cases, mut raised, mut gain_sum, mut greedy_opt, mut after_opt) =
            (0, 0, 0.0, 0, 0);
        let mut worst_before: f64 = 1.0;
        let mut worst_after: f64 = 1.0;
        // minimum-sites form
        let (mut s_cases, mut reduced, mut saved, mut s_greedy_opt, mut s_after_opt) =
            (0, 0, 0, 0, 0);
        for _ in 0..300 {
            let p = random_problem(&mut rng, 5..31, 3..13, 0.3);
            let all: Vec<Vec<usize>> = subsets(&p).collect();
            for k in 1..=4 {
                let greedy = ids(&celf(&p, k));
                let before = p.value(&greedy);
                let out = improve_budget(&p, &greedy, k, &options);
                consistent(&p, &out);
                assert!(out.complete);
                assert_eq!(out.initial_value, before);
                assert!(out.picks.len() <= k);
                assert!(out.value >= before - 1e-9, "{} < {before}", out.value);
                let opt = all
                    .iter()
                    .filter(|s| s.len() <= k)
                    .map(|s| p.value(s))
                    .fold(0.0, f64::max);
                assert!(out.value <= opt + 1e-9);
                if opt > 0.0 {
                    cases += 1;
                    worst_before = worst_before.min(before / opt);
                    worst_after = worst_after.min(out.value / opt);
                    greedy_opt += usize::from(before >= opt - 1e-9);
                    after_opt += usize::from(out.value >= opt - 1e-9);
                    if out.value > before + 1e-9 {
                        raised += 1;
                        gain_sum += (out.value - before) / before.max(1.0);
                    }
                }
            }
            // the minimum-sites form where the caps can be met: as drawn,
            // then with caps cut to what the candidates reach
            let clipped = reachable_caps(&p);
            for p in [&p, &clipped] {
                let total: f64 = p.caps.iter().sum();
                let greedy = ids(&celf(p, usize::MAX));
                let meets = |s: &[usize]| p.value(s) >= total - 1e-9;
                let out = improve_min_sites(p, &greedy, &options);
                consistent(p, &out);
                assert!(out.complete);
                assert!(out.picks.len() <= greedy.len());
                assert!(out.value >= p.value(&greedy) - 1e-9);
                if meets(&greedy) {
                    assert!(meets(&ids(&out.picks)), "caps still met");
                    let fewest = all
                        .iter()
                        .filter(|s| meets(s))
                        .map(|s| s.len())
                        .min()
                        .unwrap();
                    assert!(out.picks.len() >= fewest);
                    s_cases += 1;
                    s_greedy_opt += usize::from(greedy.len() == fewest);
                    s_after_opt += usize::from(out.picks.len() == fewest);
                    if out.picks.len() < greedy.len() {
                        reduced += 1;
                        saved += greedy.len() - out.picks.len();
                    }
                }
            }
        }
        println!(
            "budget: {cases} cases, 1-swaps raised {raised} ({:.1} %, mean +{:.2} % where raised); \
             optimal {:.1} % -> {:.1} %; worst ratio {worst_before:.4} -> {worst_after:.4}",
            100.0 * raised as f64 / cases as f64,
            100.0 * gain_sum / raised.max(1) as f64,
            100.0 * greedy_opt as f64 / cases as f64,
            100.0 * after_opt as f64 / cases as f64,
        );
        println!(
            "sites: {s_cases} cases, fewer sites in {reduced} ({saved} sites saved); \
             optimal {:.1} % -> {:.1} %",
            100.0 * s_greedy_opt as f64 / s_cases as f64,
            100.0 * s_after_opt as f64 / s_cases as f64,
        );
        assert!(after_opt >= greedy_opt && s_after_opt >= s_greedy_opt);
        assert!(worst_after >= worst_before);
    }

    #[test]
    fn fixes_the_set_cover_traps() {
        let options = LocalSearchOptions::default();
        // greedy takes the big middle set, then needs both halves; the big
        // one is then redundant
        let p = CoverageProblem {
            weights: vec![1.0; 6],
            groups: vec![0; 6],
            caps: vec![6.0],
            covers: vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]],
        };
        let greedy = ids(&celf(&p, usize::MAX));
        assert_eq!(greedy, vec![0, 1, 2]);
        let out = improve_min_sites(&p, &greedy, &options);
        assert_eq!(ids(&out.picks), vec![1, 2]);
        assert_eq!((out.dropped, out.swaps, out.value), (1, 0, 6.0));
        // budget 2: greedy 0 then 1 (5 people); a 1-swap reaches 6
        let out = improve_budget(&p, &ids(&celf(&p, 2)), 2, &options);
        assert_eq!((out.value, out.swaps), (6.0, 1));

        // nothing is redundant after the greedy (0 then 1 then 2), but 0
        // and 1 together are worth 3 alone: 2-for-1 reaches the optimum, 2
        let p = CoverageProblem {
            weights: vec![1.0; 10],
            groups: vec![0; 10],
            caps: vec![10.0],
            covers: vec![
                vec![1, 2, 3, 5, 6, 7],
                vec![0, 4, 8],
                vec![5, 6, 7, 8, 9],
                vec![0, 1, 2, 3, 4],
            ],
        };
        let greedy = ids(&celf(&p, usize::MAX));
        assert_eq!(greedy, vec![0, 1, 2]);
        for c in 0..3 {
            let rest: Vec<usize> = greedy.iter().copied().filter(|&d| d != c).collect();
            assert!(p.value(&rest) < 10.0, "greedy's site {c} is needed");
        }
        let exact = crate::planning::exact_min_sites(&p, None).unwrap();
        assert_eq!(exact.chosen.len(), 2);
        let out = improve_min_sites(&p, &greedy, &options);
        assert_eq!(
            (out.picks.len(), out.swaps, out.dropped, out.value),
            (2, 1, 0, 10.0)
        );

        // the same trap in every one of three communes, with caps below
        // the communes' people: per commune, a 2-for-1 swap
        let mut weights = Vec::new();
        let mut groups = Vec::new();
        let mut covers = Vec::new();
        for g in 0..3 {
            let base = weights.len();
            weights.extend([1.0; 10]);
            groups.extend([g; 10]);
            for c in &p.covers {
                covers.push(c.iter().map(|u| u + base).collect::<Vec<_>>());
            }
        }
        let q = CoverageProblem {
            weights,
            groups,
            caps: vec![10.0, 10.0, 10.0],
            covers,
        };
        let greedy = ids(&celf(&q, usize::MAX));
        assert_eq!(greedy.len(), 9);
        let out = improve_min_sites(&q, &greedy, &options);
        assert_eq!((out.picks.len(), out.swaps, out.value), (6, 3, 30.0));
    }

    #[test]
    fn the_same_whatever_the_threads_and_limits_keep_it_valid() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let p = grid_problem(&mut rng, 40, 10, 300, 5, 0.7);
        let options = LocalSearchOptions::default();
        let greedy_k = ids(&celf(&p, 20));
        let greedy = ids(&celf(&p, usize::MAX));
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut a = improve_budget(&p, &greedy_k, 20, &options);
                let mut b = improve_min_sites(&p, &greedy, &options);
                a.seconds = 0.0;
                b.seconds = 0.0;
                (a, b)
            })
        };
        let one = run(1);
        let two = run(2);
        assert_eq!(one, two);
        println!(
            "grid 40x40, 300 candidates: budget 20 {} -> {} ({} swaps); sites {} -> {} ({} dropped, {} swaps)",
            one.0.initial_value,
            one.0.value,
            one.0.swaps,
            greedy.len(),
            one.1.picks.len(),
            one.1.dropped,
            one.1.swaps
        );
        assert!(one.0.value >= one.0.initial_value);
        // a small evaluation budget stops early, never worse
        let tight = LocalSearchOptions {
            max_evaluations: 50,
            ..LocalSearchOptions::default()
        };
        let a = improve_budget(&p, &greedy_k, 20, &tight);
        let b = improve_min_sites(&p, &greedy, &tight);
        assert!(!a.complete && !b.complete);
        assert!(a.value >= a.initial_value);
        assert!(b.value >= b.initial_value - 1e-9 && b.picks.len() <= greedy.len());
        consistent(&p, &a);
        consistent(&p, &b);
    }
}
