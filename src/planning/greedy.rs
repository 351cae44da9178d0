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

/// Greedy (CELF) picks for a [`CoverageProblem`]: at most `budget`
/// candidates, each with its marginal gain, stopping when nothing more is
/// gained.
pub fn celf(problem: &CoverageProblem, budget: usize) -> Vec<(usize, f64)> {
    struct State<'a> {
        p: &'a CoverageProblem,
        covered: Vec<bool>,
        got: Vec<f64>,
    }
    impl State<'_> {
        fn new_by_group(&self, c: usize) -> Vec<(usize, f64)> {
            let v: Vec<(usize, f64)> = self.p.covers[c]
                .iter()
                .filter(|&&u| !self.covered[u])
                .map(|&u| (self.p.groups[u], self.p.weights[u]))
                .collect();
            sum_by_group(v)
        }
    }
    impl Oracle for State<'_> {
        fn candidates(&self) -> usize {
            self.p.covers.len()
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
            for &u in &self.p.covers[c] {
                self.covered[u] = true;
            }
            gain
        }
        fn done(&self) -> bool {
            self.got.iter().zip(&self.p.caps).all(|(g, c)| g >= c)
        }
    }
    let mut state = State {
        p: problem,
        covered: vec![false; problem.weights.len()],
        got: vec![0.0; problem.caps.len()],
    };
    run_celf(&mut state, budget, 0.0)
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
