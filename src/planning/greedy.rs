//! Greedy maximum coverage with lazy re-evaluation (CELF).
//!
//! The objective is capped coverage: demand units carry weights and belong
//! to groups (communes, or the whole city); a group counts at most its cap
//! (what is missing to its target). Capped coverage is monotone and
//! submodular, so the greedy choice is within `1 − 1/e` of the best set of
//! the same size, and a candidate's gain can only shrink as others are
//! chosen: CELF keeps the candidates in a max-heap by their last known gain
//! and re-evaluates only the top until it is fresh. Ties go to the lower
//! candidate index, so results do not depend on thread count or hashing.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

/// A coverage objective the greedy can optimise.
pub(crate) trait Oracle: Sync {
    /// Number of candidates.
    fn candidates(&self) -> usize;
    /// Gain of adding candidate `c` now.
    fn gain(&self, c: usize) -> f64;
    /// Adds candidate `c`; returns the gain realised.
    fn take(&mut self, c: usize) -> f64;
    /// Whether every cap is reached (nothing more to gain).
    fn done(&self) -> bool;
}

struct Entry {
    gain: f64,
    candidate: usize,
    round: usize,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then_with(|| other.candidate.cmp(&self.candidate))
    }
}

/// Runs CELF: at most `budget` picks, stopping early when the oracle is
/// done or no candidate gains more than `min_gain`. Returns the picks in
/// order with their realised gains.
pub(crate) fn run_celf<O: Oracle>(
    oracle: &mut O,
    budget: usize,
    min_gain: f64,
) -> Vec<(usize, f64)> {
    run_celf_from(oracle, 0, budget, min_gain)
}

/// [`run_celf`] over the candidates from index `from` on only (those
/// before it known to gain nothing more: a CELF run over them ended with
/// no gain left, and gains only shrink). Candidate indices stay global.
pub(crate) fn run_celf_from<O: Oracle>(
    oracle: &mut O,
    from: usize,
    budget: usize,
    min_gain: f64,
) -> Vec<(usize, f64)> {
    let first: Vec<f64> = (from..oracle.candidates())
        .into_par_iter()
        .with_min_len(64)
        .map(|c| oracle.gain(c))
        .collect();
    let mut heap: BinaryHeap<Entry> = first
        .into_iter()
        .enumerate()
        .filter(|(_, g)| *g > min_gain)
        .map(|(k, gain)| Entry {
            gain,
            candidate: from + k,
            round: 0,
        })
        .collect();
    let mut picks = Vec::new();
    while picks.len() < budget && !oracle.done() {
        let Some(top) = heap.pop() else { break };
        if top.round == picks.len() {
            let g = oracle.take(top.candidate);
            picks.push((top.candidate, g));
            continue;
        }
        let gain = oracle.gain(top.candidate);
        if gain > min_gain {
            heap.push(Entry {
                gain,
                candidate: top.candidate,
                round: picks.len(),
            });
        }
    }
    picks
}

/// A capped weighted maximum-coverage instance with explicit coverage sets:
/// the form small instances and tests use.
///
/// ```
/// use telecov::planning::{celf, CoverageProblem};
/// let p = CoverageProblem {
///     weights: vec![5.0, 3.0, 3.0, 1.0],
///     groups: vec![0, 0, 1, 1],
///     caps: vec![8.0, 2.0],
///     covers: vec![vec![0], vec![1, 2], vec![2, 3]],
/// };
/// let picks = celf(&p, 2);
/// // candidate 1 gains 3 + min(3, cap 2) = 5, as much as candidate 0; the
/// // lower index wins the tie, then candidate 1 adds 5
/// assert_eq!(picks, vec![(0, 5.0), (1, 5.0)]);
/// assert_eq!(p.value(&[0, 1]), 10.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageProblem {
    /// Weight of each demand unit (people).
    pub weights: Vec<f64>,
    /// Group of each unit.
    pub groups: Vec<usize>,
    /// Most that counts per group (what is missing to its target).
    pub caps: Vec<f64>,
    /// Units each candidate covers.
    pub covers: Vec<Vec<usize>>,
}

impl CoverageProblem {
    /// The objective of a set of candidates: per group, the weight of the
    /// units any of them covers, capped, summed over groups.
    pub fn value(&self, chosen: &[usize]) -> f64 {
        let mut covered = vec![false; self.weights.len()];
        for &c in chosen {
            for &u in &self.covers[c] {
                covered[u] = true;
            }
        }
        let mut got = vec![0.0; self.caps.len()];
        for (u, &cov) in covered.iter().enumerate() {
            if cov {
                got[self.groups[u]] += self.weights[u];
            }
        }
        got.iter().zip(&self.caps).map(|(g, c)| g.min(*c)).sum()
    }
}

/// `(group, weight)` pairs summed per group, by group.
pub(crate) fn sum_by_group(mut v: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    v.sort_by_key(|x| x.0);
    let mut out: Vec<(usize, f64)> = Vec::new();
    for (g, w) in v {
        match out.last_mut() {
            Some(last) if last.0 == g => last.1 += w,
            _ => out.push((g, w)),
        }
    }
    out
}

/// A [`CoverageProblem`] in compressed rows, the form the bound and the
/// local search work on: the units of candidate `c` are
/// `items[start[c]..start[c + 1]]`, ascending, without repeats (a few bytes
/// per coverage entry, no list per candidate).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compact {
    /// Weight of each unit.
    pub weights: Vec<f64>,
    /// Group of each unit.
    pub groups: Vec<u32>,
    /// Most that counts per group.
    pub caps: Vec<f64>,
    /// Row starts, one per candidate and one past the last.
    pub start: Vec<usize>,
    /// Units of the candidates, row after row.
    pub items: Vec<u32>,
}

impl Compact {
    /// The compact form of `p` (each candidate's units sorted, repeats
    /// removed).
    ///
    /// # Panics
    ///
    /// When `groups` and `weights` differ in length, or a unit or group
    /// index is out of range (or beyond `u32`).
    pub fn from_problem(p: &CoverageProblem) -> Compact {
        let n = p.weights.len();
        assert_eq!(p.groups.len(), n, "one group per unit");
        assert!(
            u32::try_from(n).is_ok() && u32::try_from(p.caps.len()).is_ok(),
            "at most 2^32 units and groups"
        );
        let groups = p
            .groups
            .iter()
            .enumerate()
            .map(|(u, &g)| {
                assert!(
                    g < p.caps.len(),
                    "unit {u} in group {g} of {}",
                    p.caps.len()
                );
                g as u32
            })
            .collect();
        let mut start = Vec::with_capacity(p.covers.len() + 1);
        start.push(0);
        let mut items = Vec::with_capacity(p.covers.iter().map(Vec::len).sum());
        for cover in &p.covers {
            let from = items.len();
            for &u in cover {
                assert!(u < n, "candidate covers unit {u} of {n}");
                items.push(u as u32);
            }
            let row = &mut items[from..];
            if !row.windows(2).all(|w| w[0] < w[1]) {
                row.sort_unstable();
                let mut keep = from;
                for k in from..items.len() {
                    if k == from || items[k] != items[keep - 1] {
                        items[keep] = items[k];
                        keep += 1;
                    }
                }
                items.truncate(keep);
            }
            start.push(items.len());
        }
        Compact {
            weights: p.weights.clone(),
            groups,
            caps: p.caps.clone(),
            start,
            items,
        }
    }

    /// Number of candidates.
    pub fn candidates(&self) -> usize {
        self.start.len() - 1
    }

    /// Units of candidate `c`.
    pub fn covers(&self, c: usize) -> &[u32] {
        &self.items[self.start[c]..self.start[c + 1]]
    }

    /// Group of unit `u`.
    pub fn group(&self, u: u32) -> usize {
        self.groups[u as usize] as usize
    }

    /// [`CoverageProblem::value`].
    pub fn value(&self, chosen: &[usize]) -> f64 {
        let mut covered = vec![false; self.weights.len()];
        for &c in chosen {
            for &u in self.covers(c) {
                covered[u as usize] = true;
            }
        }
        let mut got = vec![0.0; self.caps.len()];
        for (u, &cov) in covered.iter().enumerate() {
            if cov {
                got[self.groups[u] as usize] += self.weights[u];
            }
        }
        got.iter().zip(&self.caps).map(|(g, c)| g.min(*c)).sum()
    }
}

/// Greedy (CELF) picks for a [`CoverageProblem`]: at most `budget`
/// candidates, each with its marginal gain, stopping when nothing more is
/// gained.
pub fn celf(problem: &CoverageProblem, budget: usize) -> Vec<(usize, f64)> {
    celf_among(&Compact::from_problem(problem), None, budget)
}

/// [`celf`] on the compact form, over the candidates `among` (all when
/// `None`); picks are candidate indices of the problem.
pub(crate) fn celf_among(p: &Compact, among: Option<&[usize]>, budget: usize) -> Vec<(usize, f64)> {
    struct State<'a> {
        p: &'a Compact,
        among: Option<&'a [usize]>,
        covered: Vec<bool>,
        got: Vec<f64>,
    }
    impl State<'_> {
        fn row(&self, c: usize) -> &[u32] {
            self.p.covers(self.among.map_or(c, |a| a[c]))
        }
        fn new_by_group(&self, c: usize) -> Vec<(usize, f64)> {
            let v: Vec<(usize, f64)> = self
                .row(c)
                .iter()
                .filter(|&&u| !self.covered[u as usize])
                .map(|&u| (self.p.group(u), self.p.weights[u as usize]))
                .collect();
            sum_by_group(v)
        }
    }
    impl Oracle for State<'_> {
        fn candidates(&self) -> usize {
            self.among.map_or(self.p.candidates(), <[usize]>::len)
        }
        fn gain(&self, c: usize) -> f64 {
            self.new_by_group(c)
                .iter()
                .map(|&(g, w)| w.min((self.p.caps[g] - self.got[g]).max(0.0)))
                .sum()
        }
        fn take(&mut self, c: usize) -> f64 {
            let gain = self.gain(c);
            for (g, w) in self.new_by_group(c) {
                self.got[g] += w;
            }
            let row = self.p.covers(self.among.map_or(c, |a| a[c]));
            for &u in row {
                self.covered[u as usize] = true;
            }
            gain
        }
        fn done(&self) -> bool {
            self.got.iter().zip(&self.p.caps).all(|(g, c)| g >= c)
        }
    }
    let mut state = State {
        p,
        among,
        covered: vec![false; p.weights.len()],
        got: vec![0.0; p.caps.len()],
    };
    let picks = run_celf(&mut state, budget, 0.0);
    match among {
        Some(a) => picks.into_iter().map(|(i, g)| (a[i], g)).collect(),
        None => picks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn best_by_enumeration(p: &CoverageProblem, k: usize) -> f64 {
        fn rec(
            p: &CoverageProblem,
            k: usize,
            start: usize,
            chosen: &mut Vec<usize>,
            best: &mut f64,
        ) {
            *best = best.max(p.value(chosen));
            if chosen.len() == k {
                return;
            }
            for c in start..p.covers.len() {
                chosen.push(c);
                rec(p, k, c + 1, chosen, best);
                chosen.pop();
            }
        }
        let mut best = 0.0;
        rec(p, k, 0, &mut Vec::new(), &mut best);
        best
    }

    #[test]
    fn lazy_greedy_equals_plain_greedy_and_meets_the_bound() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
        let mut worst: f64 = 1.0;
        for _ in 0..200 {
            let n_units = rng.random_range(5..30);
            let n_groups = rng.random_range(1..4);
            // integer weights and caps: sums are exact, so ties are exact too
            let weights: Vec<f64> = (0..n_units)
                .map(|_| rng.random_range(0..10) as f64)
                .collect();
            let groups: Vec<usize> = (0..n_units)
                .map(|_| rng.random_range(0..n_groups))
                .collect();
            let caps: Vec<f64> = (0..n_groups)
                .map(|_| rng.random_range(5..60) as f64)
                .collect();
            let covers: Vec<Vec<usize>> = (0..rng.random_range(3..10))
                .map(|_| (0..n_units).filter(|_| rng.random_bool(0.3)).collect())
                .collect();
            let p = CoverageProblem {
                weights,
                groups,
                caps,
                covers,
            };
            for k in 1..=3 {
                let picks = celf(&p, k);
                let chosen: Vec<usize> = picks.iter().map(|x| x.0).collect();
                let value = p.value(&chosen);
                let gains: f64 = picks.iter().map(|x| x.1).sum();
                assert!((value - gains).abs() < 1e-9, "gains add up to the value");
                // plain greedy: best marginal gain, lowest index on ties
                let mut plain: Vec<usize> = Vec::new();
                for _ in 0..k {
                    let base = p.value(&plain);
                    let mut best: Option<(f64, usize)> = None;
                    for c in 0..p.covers.len() {
                        let mut s = plain.clone();
                        s.push(c);
                        let g = p.value(&s) - base;
                        if g > 0.0 && best.is_none_or(|b| g > b.0) {
                            best = Some((g, c));
                        }
                    }
                    match best {
                        Some((_, c)) => plain.push(c),
                        None => break,
                    }
                }
                assert!((p.value(&plain) - value).abs() < 1e-9);
                let opt = best_by_enumeration(&p, k);
                if opt > 0.0 {
                    worst = worst.min(value / opt);
                }
            }
        }
        assert!(worst >= 1.0 - (-1.0f64).exp(), "ratio {worst}");
    }
}
