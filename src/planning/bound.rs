//! How far from optimal the greedy can be: bounds on a [`CoverageProblem`].
//!
//! The greedy (CELF, [`celf`](super::celf)) answers two questions on the
//! same instance:
//!
//! - **budget form**: at most `k` sites, the most capped coverage
//!   `f(S) = Σ_g min(cap_g, Σ_{u∈g covered by S} w_u)`;
//! - **minimum-sites form**: the fewest sites with every cap met.
//!
//! Greedy is within `1 − 1/e` of the best in the budget form and within a
//! logarithmic factor in the other, but on a given instance it is usually
//! much closer. [`budget_bound`] gives a number no set of `k` sites can
//! beat, [`min_sites_bound`] a number of sites no set meeting the caps can
//! go below; [`optimality_gap`] turns either into a certified ratio.
//!
//! # The relaxations
//!
//! Budget form, with `x_c` (site built), `y_u` (unit covered), `z_g`
//! (group's counted coverage):
//!
//! ```text
//! max Σ_g z_g   s.t.  z_g ≤ cap_g,  z_g ≤ Σ_{u∈g} w_u y_u,  y_u ≤ Σ_{c∋u} x_c,
//!                     Σ_c x_c ≤ k,  0 ≤ x, y ≤ 1
//! ```
//!
//! Minimum-sites form: `min Σ_c x_c` s.t. `Σ_{u∈g} w_u y_u ≥ cap_g`,
//! `y_u ≤ Σ_{c∋u} x_c`, `0 ≤ x, y ≤ 1`.
//!
//! Both are bounded through the **Lagrangian of the coupling**
//! `y_u ≤ Σ_{c∋u} x_c` with a price `μ_u ≥ 0` per unit. For any prices the
//! problem falls apart into independent pieces solved exactly:
//!
//! - per candidate, its price `r_c = Σ_{u∈c} μ_u`: the budget form takes
//!   the `k` dearest (`L += Σ top-k r_c`), the minimum-sites form every
//!   candidate with `r_c > 1` (`L += Σ_c min(0, 1 − r_c)`);
//! - per group, a fractional knapsack over its units by `μ_u / w_u`: the
//!   budget form buys units cheaper than 1 per person up to the cap
//!   (`L += Σ w_u (1 − μ_u/w_u)` over them), the minimum-sites form buys the
//!   cheapest units until the cap is reached (`L += Σ μ_u y_u`).
//!
//! `L(μ)` is an upper bound on the budget optimum and a lower bound on the
//! fewest sites (rounded up, since sites are whole) for **every** `μ ≥ 0`,
//! so any prices certify a bound, whatever found them; the best prices
//! give exactly the LP relaxation's value (the relaxation is linear, so
//! there is no duality gap). Two ways find prices:
//!
//! - [`BoundMethod::LinearProgram`]: the LP dual, solved by `microlp` (a
//!   pure-Rust simplex); its `μ` are then re-evaluated by `L` above, so the
//!   bound does not rest on the solver's tolerances. Exact relaxation, but
//!   the simplex grows fast with size: milliseconds for hundreds of
//!   coverage entries, seconds for some thousands, far too slow at 10^5 units
//!   × 10^4 candidates. Used when the instance has at most
//!   [`BoundOptions::lp_max_nonzeros`] coverage entries.
//! - [`BoundMethod::Lagrangian`]: projected subgradient steps on `μ` (Polyak
//!   steps towards the greedy's value, deflected, halved when the bound
//!   stalls; prices kept where they can only help). Each step costs one
//!   pass over the coverage lists and a sort of each group's units:
//!   `O(nnz + n log n)` with `nnz = Σ_c |covers[c]|`, parallel over
//!   candidates and groups: about 7 ms at 10^5 units × 10^4 candidates × 49
//!   covers on two cores, so the default 500 steps take a few seconds. It
//!   approaches the LP value from the safe side (on the tests' instances it
//!   ends within 0.2 % of it, usually equal); every step's bound is valid,
//!   so [`BoundOptions::max_iterations`] and
//!   [`BoundOptions::time_limit`] only trade tightness for time. The
//!   budget-form Lagrangian relaxing `Σ x ≤ k` instead would leave a
//!   coverage problem per step, and relaxing the caps a set-cover one:
//!   only the coupling splits into pieces solved exactly in linear time.
//!
//! Alongside either, the **single-gains** bounds cost one pass
//! ([`BoundMethod::SingleGains`]): capped coverage is subadditive, so `k`
//! sites cover at most the sum of the `k` largest single capped gains, and
//! per group at most the sum of its `k` largest single contributions; the
//! fewest sites are at least the fewest single gains adding up to the caps
//! (in total, and per group). The tightest of all is returned, with the
//! method that gave it.
//!
//! All sums run in a fixed order and ties go by index: bounds do not depend
//! on the number of threads (a `time_limit`, when it stops the work, does
//! depend on the machine).
//!
//! Units of weight `≤ 0`, units no candidate covers, and groups of cap
//! `≤ 0` cannot change the objective and are left out; a cap above what all
//! candidates together can reach counts as that reach in the budget form,
//! and makes the minimum-sites form [`Unreachable`].

use std::fmt;
use std::time::{Duration, Instant};

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOptions};
use rayon::prelude::*;

use super::greedy::{celf_among, sum_by_group, Compact, CoverageProblem};

/// Which way a [`Bound`] points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// Budget form: no set of `k` sites reaches more capped coverage than
    /// the bound.
    Maximise,
    /// Minimum-sites form: no set of sites meeting every cap has fewer sites
    /// than the bound.
    Minimise,
}

/// How a [`Bound`] was obtained (module docs: costs and validity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundMethod {
    /// Sums of single capped gains (subadditivity), or the caps themselves.
    SingleGains,
    /// Lagrangian prices found by subgradient steps.
    Lagrangian,
    /// Lagrangian prices from the LP dual (the LP relaxation's value).
    LinearProgram,
}

/// A bound on the optimum of a [`CoverageProblem`].
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// Which way the bound points.
    pub sense: Sense,
    /// The bound: an upper bound on the best capped coverage (budget form),
    /// or a lower bound on the fewest sites (minimum-sites form, a whole
    /// number: the relaxation rounded up).
    pub value: f64,
    /// What the method proved before rounding (equal to `value` in the
    /// budget form).
    pub relaxation: f64,
    /// The method that gave the tightest bound.
    pub method: BoundMethod,
    /// Subgradient steps taken (`0` for the single-gains bound and the LP).
    pub iterations: usize,
    /// Wall-clock time of the whole computation, seconds.
    pub seconds: f64,
}

/// Settings for [`budget_bound`] and [`min_sites_bound`].
#[derive(Debug, Clone, PartialEq)]
pub struct BoundOptions {
    /// The LP is solved when the instance has at most this many coverage
    /// entries (`Σ_c |covers[c]|` after dropping units that cannot count);
    /// above, the Lagrangian subgradient runs. `0`: never the LP;
    /// `usize::MAX`: always.
    pub lp_max_nonzeros: usize,
    /// Most subgradient steps.
    pub max_iterations: usize,
    /// Stop the LP solve or the subgradient after this long (the bound so
    /// far is valid; an LP stopped with no solution falls back to the
    /// subgradient). Makes the result depend on the machine when it fires.
    pub time_limit: Option<Duration>,
    /// The greedy's answer on this instance when the caller has it: its
    /// number of sites (minimum-sites form, sites meeting every cap) or its
    /// capped coverage with `k` sites (budget form). The subgradient aims at
    /// it and stops when the bound meets it; `None` runs the greedy
    /// ([`celf`](super::celf)) again. Any value some set of sites achieves
    /// keeps the bound valid.
    pub incumbent: Option<f64>,
}

impl Default for BoundOptions {
    fn default() -> Self {
        BoundOptions {
            lp_max_nonzeros: 2_000,
            max_iterations: 500,
            time_limit: None,
            incumbent: None,
        }
    }
}

/// A group whose cap no set of candidates can reach.
#[derive(Debug, Clone, PartialEq)]
pub struct UnreachableGroup {
    /// The group's index in `caps`.
    pub group: usize,
    /// Its cap.
    pub cap: f64,
    /// The weight all candidates together cover in it.
    pub reachable: f64,
}

/// The minimum-sites form has no solution: these groups stay below their
/// caps even with every candidate built.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreachable {
    /// The groups, by index.
    pub groups: Vec<UnreachableGroup>,
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "caps out of reach of all candidates:")?;
        for g in &self.groups {
            write!(
                f,
                " group {} (cap {}, reachable {})",
                g.group, g.cap, g.reachable
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Unreachable {}

/// The certified quality of a greedy answer against a [`Bound`], in
/// `[0, 1]`; `1` proves the greedy optimal.
///
/// - Budget form ([`Sense::Maximise`]): `greedy / bound`, the greedy's
///   capped coverage over the upper bound. The greedy reaches at least this
///   fraction of the best coverage any `k` sites reach (`1 − ratio` is the
///   most coverage, as a share of the optimum, it can be missing).
/// - Minimum-sites form ([`Sense::Minimise`]): `bound / greedy`, the lower
///   bound over the greedy's number of sites. The fewest sites are at least
///   this fraction of the greedy's: the greedy uses at most `1 / ratio`
///   times the fewest (and at most `greedy − bound` sites more).
///
/// A zero bound in the budget form (nothing can be gained) and zero greedy
/// sites in the minimum-sites form (nothing was needed) give `1`.
///
/// ```
/// use telecov::planning::{optimality_gap, Bound, BoundMethod, Sense};
/// let b = |sense, value| Bound {
///     sense,
///     value,
///     relaxation: value,
///     method: BoundMethod::Lagrangian,
///     iterations: 0,
///     seconds: 0.0,
/// };
/// // 90 people covered; no 5 sites cover more than 100: at least 90 % of the best
/// assert_eq!(optimality_gap(90.0, &b(Sense::Maximise, 100.0)), 0.9);
/// // 4 sites built; at least 3 are needed: at most 4/3 times the fewest
/// assert_eq!(optimality_gap(4.0, &b(Sense::Minimise, 3.0)), 0.75);
/// ```
pub fn optimality_gap(greedy: f64, bound: &Bound) -> f64 {
    let (num, den) = match bound.sense {
        Sense::Maximise => (greedy, bound.value),
        Sense::Minimise => (bound.value, greedy),
    };
    if den <= 0.0 {
        1.0
    } else {
        (num / den).clamp(0.0, 1.0)
    }
}

/// Compressed rows: row `i` is `items[start[i]..start[i + 1]]`.
struct Csr {
    start: Vec<usize>,
    items: Vec<u32>,
}

impl Csr {
    fn from_rows(rows: impl Iterator<Item = Vec<u32>>) -> Csr {
        let mut start = vec![0];
        let mut items = Vec::new();
        for r in rows {
            items.extend_from_slice(&r);
            start.push(items.len());
        }
        Csr { start, items }
    }
    fn rows(&self) -> usize {
        self.start.len() - 1
    }
    fn row(&self, i: usize) -> &[u32] {
        &self.items[self.start[i]..self.start[i + 1]]
    }
}

/// The instance reduced to what can count: kept units (positive weight,
/// covered by some candidate, in a group of positive cap), renumbered.
struct Prepared {
    w: Vec<f64>,
    group: Vec<usize>,
    /// Caps clamped to `[0, ∞)`.
    wanted: Vec<f64>,
    /// Kept weight per group.
    reach: Vec<f64>,
    /// `min(wanted, reach)`.
    cap: Vec<f64>,
    /// Kept units of each candidate, ascending, without repeats.
    cand: Csr,
    /// Kept units of each group, ascending.
    members: Csr,
}

impl Prepared {
    fn new(p: &Compact) -> Prepared {
        let n = p.weights.len();
        let ng = p.caps.len();
        let wanted: Vec<f64> = p
            .caps
            .iter()
            .map(|&c| if c > 0.0 { c } else { 0.0 })
            .collect();
        let mut covered = vec![false; n];
        for &u in &p.items {
            covered[u as usize] = true;
        }
        let mut index = vec![u32::MAX; n];
        let mut w = Vec::new();
        let mut group = Vec::new();
        let mut reach = vec![0.0; ng];
        for u in 0..n {
            let g = p.groups[u] as usize;
            let wu = p.weights[u];
            if covered[u] && wu > 0.0 && wu.is_finite() && wanted[g] > 0.0 {
                index[u] = w.len() as u32;
                w.push(wu);
                group.push(g);
                reach[g] += wu;
            }
        }
        let cap = wanted.iter().zip(&reach).map(|(a, b)| a.min(*b)).collect();
        // rows stay ascending: kept units keep their order
        let cand = Csr::from_rows((0..p.candidates()).map(|c| {
            p.covers(c)
                .iter()
                .map(|&u| index[u as usize])
                .filter(|&k| k != u32::MAX)
                .collect()
        }));
        let mut rows = vec![Vec::new(); ng];
        for (k, &g) in group.iter().enumerate() {
            rows[g].push(k as u32);
        }
        let members = Csr::from_rows(rows.into_iter());
        Prepared {
            w,
            group,
            wanted,
            reach,
            cap,
            cand,
            members,
        }
    }

    fn nonzeros(&self) -> usize {
        self.cand.items.len()
    }

    /// Per candidate, its weight per group, `(group, weight)` by group.
    fn by_group(&self, c: usize) -> Vec<(usize, f64)> {
        sum_by_group(
            self.cand
                .row(c)
                .iter()
                .map(|&u| (self.group[u as usize], self.w[u as usize]))
                .collect(),
        )
    }

    /// Single capped gains per candidate, and per group each candidate's
    /// contribution to it.
    fn single_gains(&self) -> (Vec<f64>, Vec<Vec<f64>>) {
        let per: Vec<Vec<(usize, f64)>> = (0..self.cand.rows())
            .into_par_iter()
            .with_min_len(64)
            .map(|c| self.by_group(c))
            .collect();
        let gains = per
            .iter()
            .map(|v| v.iter().map(|&(g, w)| w.min(self.cap[g])).sum())
            .collect();
        let mut contrib = vec![Vec::new(); self.cap.len()];
        for v in &per {
            for &(g, w) in v {
                contrib[g].push(w);
            }
        }
        (gains, contrib)
    }

    /// Absolute tolerance on sums of weights.
    fn tol(&self) -> f64 {
        1e-9 * self.wanted.iter().sum::<f64>().max(1.0)
    }
}

fn sorted_desc(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| b.total_cmp(a));
    v
}

/// Fewest leading values of `desc` adding up to at least `need`, or `None`.
fn fewest_reaching(desc: &[f64], need: f64) -> Option<usize> {
    if need <= 0.0 {
        return Some(0);
    }
    let mut sum = 0.0;
    for (i, v) in desc.iter().enumerate() {
        sum += v;
        if sum >= need {
            return Some(i + 1);
        }
    }
    None
}

/// The groups out of reach, if any.
fn unreachable(prep: &Prepared, caps: &[f64]) -> Option<Unreachable> {
    let groups: Vec<UnreachableGroup> = (0..caps.len())
        .filter(|&g| prep.reach[g] < prep.wanted[g] - 1e-9 * prep.wanted[g].max(1.0))
        .map(|g| UnreachableGroup {
            group: g,
            cap: caps[g],
            reachable: prep.reach[g],
        })
        .collect();
    (!groups.is_empty()).then_some(Unreachable { groups })
}

/// The Lagrangian of the coupling at prices `mu` (module docs), with a
/// subgradient, for either form.
struct Lagrangian<'a> {
    prep: &'a Prepared,
    sense: Sense,
    k: usize,
}

struct Evaluation {
    value: f64,
    /// `∂L/∂μ_u`.
    subgradient: Vec<f64>,
    /// Candidates the relaxation builds (budget form: a feasible set).
    built: Vec<usize>,
}

impl Lagrangian<'_> {
    /// Highest useful price of unit `u`: above it `L` gets no better
    /// (budget form: a unit dearer than its weight is never bought, so only
    /// the candidates' prices rise; minimum-sites form: above 1, every
    /// candidate covering the unit is built and loses what the unit's
    /// knapsack gains, or more). Keeping prices there keeps the sums small
    /// against rounding.
    fn price_cap(&self, u: usize) -> f64 {
        match self.sense {
            Sense::Maximise => self.prep.w[u],
            Sense::Minimise => 1.0,
        }
    }

    /// `L` at `mu` brought within `[0, price_cap]` (never a worse bound).
    fn certify(&self, mut mu: Vec<f64>) -> f64 {
        for (u, m) in mu.iter_mut().enumerate() {
            *m = m.clamp(0.0, self.price_cap(u));
        }
        self.evaluate(&mu).value
    }

    fn evaluate(&self, mu: &[f64]) -> Evaluation {
        let prep = self.prep;
        let price: Vec<f64> = (0..prep.cand.rows())
            .into_par_iter()
            .with_min_len(64)
            .map(|c| prep.cand.row(c).iter().map(|&u| mu[u as usize]).sum())
            .collect();
        let (built, cand_part) = match self.sense {
            Sense::Maximise => {
                let mut order: Vec<usize> = (0..price.len()).filter(|&c| price[c] > 0.0).collect();
                let k = self.k.min(order.len());
                if k < order.len() && k > 0 {
                    order.select_nth_unstable_by(k - 1, |&a, &b| {
                        price[b].total_cmp(&price[a]).then(a.cmp(&b))
                    });
                }
                order.truncate(k);
                order.sort_unstable();
                let s = order.iter().map(|&c| price[c]).sum::<f64>();
                (order, s)
            }
            Sense::Minimise => {
                let built: Vec<usize> = (0..price.len()).filter(|&c| price[c] > 1.0).collect();
                let s = built.iter().map(|&c| 1.0 - price[c]).sum::<f64>();
                (built, s)
            }
        };
        // per group: fractional knapsack by price per person
        let parts: Vec<(f64, Vec<(u32, f64)>)> = (0..prep.members.rows())
            .into_par_iter()
            .map(|g| self.knapsack(g, mu))
            .collect();
        let mut y = vec![0.0; prep.w.len()];
        let mut value = cand_part;
        for (v, ys) in &parts {
            value += v;
            for &(u, yu) in ys {
                y[u as usize] = yu;
            }
        }
        let mut count = vec![0.0; prep.w.len()];
        for &c in &built {
            for &u in prep.cand.row(c) {
                count[u as usize] += 1.0;
            }
        }
        let subgradient = match self.sense {
            Sense::Maximise => count.iter().zip(&y).map(|(x, y)| x - y).collect(),
            Sense::Minimise => y.iter().zip(&count).map(|(y, x)| y - x).collect(),
        };
        Evaluation {
            value,
            subgradient,
            built,
        }
    }

    fn knapsack(&self, g: usize, mu: &[f64]) -> (f64, Vec<(u32, f64)>) {
        let prep = self.prep;
        let cap = prep.cap[g];
        let members = prep.members.row(g);
        if cap <= 0.0 || members.is_empty() {
            return (0.0, Vec::new());
        }
        let mut items: Vec<(f64, u32)> = members
            .iter()
            .map(|&u| (mu[u as usize] / prep.w[u as usize], u))
            .filter(|&(rho, _)| self.sense == Sense::Minimise || rho < 1.0)
            .collect();
        let all: f64 = items.iter().map(|&(_, u)| prep.w[u as usize]).sum();
        if all > cap {
            items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        let mut left = cap;
        let mut value = 0.0;
        let mut ys = Vec::new();
        for (rho, u) in items {
            if left <= 0.0 {
                break;
            }
            let w = prep.w[u as usize];
            let take = w.min(left);
            left -= take;
            value += match self.sense {
                Sense::Maximise => take * (1.0 - rho),
                Sense::Minimise => take * rho,
            };
            ys.push((u, take / w));
        }
        (value, ys)
    }
}

/// Steps without a better bound before the step size is halved.
const PATIENCE: usize = 30;

/// Best prices by projected subgradient from `mu`; returns the best value
/// and the steps taken.
///
/// Polyak steps `t = η (L − target) / ‖d‖²` towards the greedy's value (or
/// a better set the relaxation builds, budget form), `η` from 2 halved
/// after [`PATIENCE`] steps without a better bound; the direction `d` is
/// the subgradient deflected by half the previous direction, without the
/// components the projection on `μ ≥ 0` would cancel; prices are kept
/// within `[0, price_cap]`.
fn subgradient(
    lag: &Lagrangian<'_>,
    mut mu: Vec<f64>,
    incumbent: f64,
    options: &BoundOptions,
    started: Instant,
    proved: impl Fn(f64) -> bool,
) -> (f64, usize) {
    let sign = match lag.sense {
        Sense::Maximise => 1.0,
        Sense::Minimise => -1.0,
    };
    // in "minimise L" terms: L' = sign·L, target = sign·incumbent
    let mut target = sign * incumbent;
    let mut best = f64::INFINITY;
    let mut eta = 2.0;
    let mut stall = 0;
    let mut steps = 0;
    let mut dir = vec![0.0; mu.len()];
    while steps < options.max_iterations {
        if options
            .time_limit
            .is_some_and(|limit| started.elapsed() >= limit)
        {
            break;
        }
        let e = lag.evaluate(&mu);
        steps += 1;
        let l = sign * e.value;
        if lag.sense == Sense::Maximise && !e.built.is_empty() {
            // the relaxation's k sites are a solution: a better target
            let v = covered_value(lag.prep, &e.built);
            target = target.max(v);
        }
        if !best.is_finite() || l < best - 1e-12 * best.abs().max(1.0) {
            best = l;
            stall = 0;
        } else {
            stall += 1;
            if stall >= PATIENCE {
                eta /= 2.0;
                stall = 0;
            }
        }
        if proved(sign * best) || eta < 1e-6 {
            break;
        }
        // descent direction of L' (sign·subgradient), deflected, with the
        // components the projection would cancel left out
        for (u, d) in dir.iter_mut().enumerate() {
            let mut g = sign * e.subgradient[u];
            if mu[u] <= 0.0 && g > 0.0 {
                g = 0.0;
            }
            *d = g + 0.5 * *d;
        }
        let norm2: f64 = dir.iter().map(|d| d * d).sum();
        if norm2 <= 0.0 {
            break;
        }
        let gap = (l - target).max(1e-6 * l.abs().max(1.0));
        let t = eta * gap / norm2;
        if std::env::var("TELECOV_TRACE").is_ok() && steps % 100 == 0 {
            eprintln!(
                "step {steps} L {l:.3} best {best:.3} {:.2} s",
                started.elapsed().as_secs_f64()
            );
        }
        for (u, m) in mu.iter_mut().enumerate() {
            *m = (*m - t * dir[u]).clamp(0.0, lag.price_cap(u));
        }
    }
    (sign * best, steps)
}

/// Capped coverage of a set, on the prepared instance.
fn covered_value(prep: &Prepared, chosen: &[usize]) -> f64 {
    let mut covered = vec![false; prep.w.len()];
    for &c in chosen {
        for &u in prep.cand.row(c) {
            covered[u as usize] = true;
        }
    }
    let mut got = vec![0.0; prep.cap.len()];
    for (u, &cov) in covered.iter().enumerate() {
        if cov {
            got[prep.group[u]] += prep.w[u];
        }
    }
    got.iter().zip(&prep.cap).map(|(g, c)| g.min(*c)).sum()
}

/// The LP dual's unit prices `μ`, or `None` when the solver fails.
fn lp_prices(
    prep: &Prepared,
    sense: Sense,
    k: usize,
    time_limit: Option<Duration>,
) -> Option<Vec<f64>> {
    let n = prep.w.len();
    let inf = f64::INFINITY;
    let mut lp = Problem::new(match sense {
        Sense::Maximise => OptimizationDirection::Minimize,
        Sense::Minimise => OptimizationDirection::Maximize,
    });
    let mu: Vec<_> = (0..n).map(|_| lp.add_var(0.0, (0.0, inf))).collect();
    let gamma_cost = match sense {
        Sense::Maximise => 1.0,
        Sense::Minimise => -1.0,
    };
    let gamma: Vec<_> = (0..n).map(|_| lp.add_var(gamma_cost, (0.0, inf))).collect();
    match sense {
        Sense::Maximise => {
            // min Σ cap (1 − β) + Σ γ + kλ + Σ δ
            // γ_u + μ_u − w_u β_g ≥ 0;  λ + δ_c − Σ_{u∈c} μ_u ≥ 0
            let beta: Vec<_> = prep
                .cap
                .iter()
                .map(|&c| lp.add_var(-c, (0.0, 1.0)))
                .collect();
            let lambda = lp.add_var(k as f64, (0.0, inf));
            for u in 0..n {
                lp.add_constraint(
                    [
                        (gamma[u], 1.0),
                        (mu[u], 1.0),
                        (beta[prep.group[u]], -prep.w[u]),
                    ],
                    ComparisonOp::Ge,
                    0.0,
                );
            }
            for c in 0..prep.cand.rows() {
                let row = prep.cand.row(c);
                if row.is_empty() {
                    continue;
                }
                let delta = lp.add_var(1.0, (0.0, inf));
                let mut terms = vec![(lambda, 1.0), (delta, 1.0)];
                terms.extend(row.iter().map(|&u| (mu[u as usize], -1.0)));
                lp.add_constraint(terms, ComparisonOp::Ge, 0.0);
            }
        }
        Sense::Minimise => {
            // max Σ cap π − Σ γ − Σ δ
            // w_u π_g − μ_u − γ_u ≤ 0;  Σ_{u∈c} μ_u − δ_c ≤ 1
            let pi: Vec<_> = prep
                .cap
                .iter()
                .map(|&c| lp.add_var(c, (0.0, inf)))
                .collect();
            for u in 0..n {
                lp.add_constraint(
                    [
                        (pi[prep.group[u]], prep.w[u]),
                        (mu[u], -1.0),
                        (gamma[u], -1.0),
                    ],
                    ComparisonOp::Le,
                    0.0,
                );
            }
            for c in 0..prep.cand.rows() {
                let row = prep.cand.row(c);
                if row.is_empty() {
                    continue;
                }
                let delta = lp.add_var(-1.0, (0.0, inf));
                let mut terms = vec![(delta, -1.0)];
                terms.extend(row.iter().map(|&u| (mu[u as usize], 1.0)));
                lp.add_constraint(terms, ComparisonOp::Le, 1.0);
            }
        }
    }
    let mut solve = SolveOptions::default();
    solve.time_limit = time_limit;
    // a solution stopped by the time limit still gives valid prices
    let solution = lp.solve_with(solve).ok()?.into_solution().ok()?;
    Some(mu.iter().map(|&v| solution.var_value(v).max(0.0)).collect())
}

/// An upper bound on the most capped coverage any `k` candidates reach.
///
/// The tightest of the single-gains bounds and either the LP relaxation
/// (small instances) or the Lagrangian subgradient (module docs).
///
/// ```
/// use telecov::planning::{budget_bound, celf, optimality_gap, BoundOptions, CoverageProblem};
/// // six people in one group; two sites of three cover everyone, but the
/// // greedy first takes the one of four in the middle
/// let p = CoverageProblem {
///     weights: vec![1.0; 6],
///     groups: vec![0; 6],
///     caps: vec![6.0],
///     covers: vec![vec![0, 1, 2], vec![3, 4, 5], vec![1, 2, 3, 4]],
/// };
/// let greedy: f64 = celf(&p, 2).iter().map(|x| x.1).sum();
/// assert_eq!(greedy, 5.0);
/// let bound = budget_bound(&p, 2, &BoundOptions::default());
/// assert!(bound.value >= 6.0 - 1e-9 && bound.value <= 6.0 + 1e-6);
/// assert!(optimality_gap(greedy, &bound) >= 5.0 / 6.0 - 1e-6);
/// ```
///
/// # Panics
///
/// When `groups` and `weights` differ in length, or a unit or group index
/// is out of range.
pub fn budget_bound(problem: &CoverageProblem, k: usize, options: &BoundOptions) -> Bound {
    budget_bound_compact(&Compact::from_problem(problem), k, options)
}

/// [`budget_bound`] on the compact form.
pub(crate) fn budget_bound_compact(problem: &Compact, k: usize, options: &BoundOptions) -> Bound {
    let started = Instant::now();
    let prep = Prepared::new(problem);
    let total: f64 = prep.cap.iter().sum();
    let done = |value: f64, relaxation: f64, method, iterations| Bound {
        sense: Sense::Maximise,
        value,
        relaxation,
        method,
        iterations,
        seconds: started.elapsed().as_secs_f64(),
    };
    if k == 0 {
        return done(0.0, 0.0, BoundMethod::SingleGains, 0);
    }
    let (gains, contrib) = prep.single_gains();
    let top_k: f64 = sorted_desc(gains).iter().take(k).sum();
    let per_group: f64 = contrib
        .into_iter()
        .zip(&prep.cap)
        .map(|(v, &cap)| sorted_desc(v).iter().take(k).sum::<f64>().min(cap))
        .sum();
    let simple = top_k.min(per_group).min(total);
    if k >= prep.cand.rows() || simple <= 0.0 {
        // every candidate built: the bound is the value itself
        let all: Vec<usize> = (0..prep.cand.rows()).collect();
        let v = if k >= prep.cand.rows() {
            covered_value(&prep, &all).min(simple)
        } else {
            simple
        };
        return done(v, v, BoundMethod::SingleGains, 0);
    }
    let lag = Lagrangian {
        prep: &prep,
        sense: Sense::Maximise,
        k,
    };
    let tol = prep.tol();
    let (value, method, iterations) = match (prep.nonzeros() <= options.lp_max_nonzeros)
        .then(|| lp_prices(&prep, Sense::Maximise, k, options.time_limit))
        .flatten()
    {
        Some(mu) => (lag.certify(mu), BoundMethod::LinearProgram, 0),
        None => {
            // the greedy is the target; start: units of groups it leaves
            // below their caps at their weight, the others free
            let (incumbent, picks) = match options.incumbent {
                Some(v) => (v, Vec::new()),
                None => {
                    let picks = celf_among(problem, None, k);
                    let v: f64 = picks.iter().map(|x| x.1).sum();
                    (v, picks.iter().map(|x| x.0).collect())
                }
            };
            let mu = if picks.is_empty() {
                prep.w.clone()
            } else {
                start_prices(&prep, &picks)
            };
            let (v, steps) = subgradient(&lag, mu, incumbent, options, started, |b| {
                b <= incumbent + tol
            });
            (v, BoundMethod::Lagrangian, steps)
        }
    };
    if value < simple {
        done(value, value, method, iterations)
    } else {
        done(simple, simple, BoundMethod::SingleGains, iterations)
    }
}

/// Budget-form starting prices: `μ_u = w_u` in groups below their caps
/// after `picks` (each person there is worth one), `0` in the others.
fn start_prices(prep: &Prepared, picks: &[usize]) -> Vec<f64> {
    let mut covered = vec![false; prep.w.len()];
    for &c in picks {
        for &u in prep.cand.row(c) {
            covered[u as usize] = true;
        }
    }
    let mut got = vec![0.0; prep.cap.len()];
    for u in 0..prep.w.len() {
        if covered[u] {
            got[prep.group[u]] += prep.w[u];
        }
    }
    (0..prep.w.len())
        .map(|u| {
            let g = prep.group[u];
            if got[g] < prep.cap[g] - 1e-9 * prep.cap[g].max(1.0) {
                prep.w[u]
            } else {
                0.0
            }
        })
        .collect()
}

/// A lower bound on the fewest candidates meeting every cap, or the groups
/// whose caps even all candidates together cannot reach.
///
/// The tightest of the single-gains bounds and either the LP relaxation
/// (small instances) or the Lagrangian subgradient (module docs), rounded
/// up to a whole number of sites.
///
/// ```
/// use telecov::planning::{celf, min_sites_bound, optimality_gap, BoundOptions, CoverageProblem};
/// let p = CoverageProblem {
///     weights: vec![1.0; 6],
///     groups: vec![0; 6],
///     caps: vec![6.0],
///     covers: vec![vec![0, 1, 2], vec![3, 4, 5], vec![1, 2, 3, 4]],
/// };
/// let greedy = celf(&p, usize::MAX).len();
/// assert_eq!(greedy, 3);
/// let bound = min_sites_bound(&p, &BoundOptions::default()).unwrap();
/// assert_eq!(bound.value, 2.0);
/// assert!((optimality_gap(greedy as f64, &bound) - 2.0 / 3.0).abs() < 1e-12);
///
/// // a cap of 7 people where only 6 live: no set of sites reaches it
/// let q = CoverageProblem { caps: vec![7.0], ..p };
/// let err = min_sites_bound(&q, &BoundOptions::default()).unwrap_err();
/// assert_eq!(err.groups[0].group, 0);
/// assert_eq!(err.groups[0].reachable, 6.0);
/// ```
///
/// # Panics
///
/// As [`budget_bound`].
pub fn min_sites_bound(
    problem: &CoverageProblem,
    options: &BoundOptions,
) -> Result<Bound, Unreachable> {
    min_sites_bound_compact(&Compact::from_problem(problem), options)
}

/// [`min_sites_bound`] on the compact form.
pub(crate) fn min_sites_bound_compact(
    problem: &Compact,
    options: &BoundOptions,
) -> Result<Bound, Unreachable> {
    let started = Instant::now();
    let prep = Prepared::new(problem);
    if let Some(err) = unreachable(&prep, &problem.caps) {
        return Err(err);
    }
    let done = |value: f64, relaxation: f64, method, iterations| Bound {
        sense: Sense::Minimise,
        value,
        relaxation,
        method,
        iterations,
        seconds: started.elapsed().as_secs_f64(),
    };
    let total: f64 = prep.cap.iter().sum();
    if total <= 0.0 {
        return Ok(done(0.0, 0.0, BoundMethod::SingleGains, 0));
    }
    let tol = prep.tol();
    let (gains, contrib) = prep.single_gains();
    // reach is at least the caps (checked), so these always answer
    let in_total = fewest_reaching(&sorted_desc(gains), total - tol).unwrap_or(0);
    let per_group = contrib
        .into_iter()
        .zip(&prep.cap)
        .map(|(v, &cap)| fewest_reaching(&sorted_desc(v), cap - 1e-9 * cap.max(1.0)).unwrap_or(0))
        .max()
        .unwrap_or(0);
    let simple = in_total.max(per_group) as f64;
    // the greedy's number of sites: the subgradient's target
    let incumbent = options
        .incumbent
        .unwrap_or_else(|| celf_among(problem, None, usize::MAX).len() as f64);
    if simple >= incumbent {
        return Ok(done(simple, simple, BoundMethod::SingleGains, 0));
    }
    let lag = Lagrangian {
        prep: &prep,
        sense: Sense::Minimise,
        k: 0,
    };
    let round = |l: f64| (l - 1e-6).ceil().max(0.0);
    let (relaxed, method, iterations) = match (prep.nonzeros() <= options.lp_max_nonzeros)
        .then(|| lp_prices(&prep, Sense::Minimise, 0, options.time_limit))
        .flatten()
    {
        Some(mu) => (lag.certify(mu), BoundMethod::LinearProgram, 0),
        None => {
            let mu = start_prices_min(&prep, total);
            let (v, steps) = subgradient(&lag, mu, incumbent, options, started, |b| {
                round(b) >= incumbent
            });
            (v, BoundMethod::Lagrangian, steps)
        }
    };
    let value = round(relaxed);
    if value > simple {
        Ok(done(value, relaxed, method, iterations))
    } else {
        Ok(done(simple, simple, BoundMethod::SingleGains, iterations))
    }
}

/// Minimum-sites starting prices `μ_u = θ w_u`, with the best `θ`:
/// `L(θ) = θ Σ cap − Σ_c max(0, θ W_c − 1)` (`W_c` a candidate's weight)
/// is concave and piecewise linear, highest at `θ = 1 / W` of the
/// candidate where the largest weights first add up to the caps.
fn start_prices_min(prep: &Prepared, total: f64) -> Vec<f64> {
    let weights = sorted_desc(
        (0..prep.cand.rows())
            .map(|c| prep.cand.row(c).iter().map(|&u| prep.w[u as usize]).sum())
            .collect(),
    );
    let mut sum = 0.0;
    let mut theta = 0.0;
    for &wc in &weights {
        if wc <= 0.0 {
            break;
        }
        theta = 1.0 / wc;
        sum += wc;
        if sum >= total {
            break;
        }
    }
    prep.w.iter().map(|w| (theta * w).min(1.0)).collect()
}

/// A best set of sites and its value, from [`exact_budget`] or
/// [`exact_min_sites`].
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The chosen candidates, ascending.
    pub chosen: Vec<usize>,
    /// Their capped coverage ([`CoverageProblem::value`]).
    pub value: f64,
    /// Whether the solver proved optimality (`false`: stopped by the time
    /// limit with this feasible set).
    pub proven: bool,
}

/// The most capped coverage of `k` candidates, by integer programming
/// (`microlp`'s branch and bound on the budget form with binary `x`).
/// For small instances (tens of candidates): the search can grow
/// exponentially. `None` when the solver fails or stops with no solution.
///
/// ```
/// use telecov::planning::{exact_budget, CoverageProblem};
/// let p = CoverageProblem {
///     weights: vec![1.0; 6],
///     groups: vec![0; 6],
///     caps: vec![6.0],
///     covers: vec![vec![0, 1, 2], vec![3, 4, 5], vec![1, 2, 3, 4]],
/// };
/// let best = exact_budget(&p, 2, None).unwrap();
/// assert_eq!((best.chosen, best.value, best.proven), (vec![0, 1], 6.0, true));
/// ```
pub fn exact_budget(
    problem: &CoverageProblem,
    k: usize,
    time_limit: Option<Duration>,
) -> Option<Optimum> {
    let prep = Prepared::new(&Compact::from_problem(problem));
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    let (x, y) = coverage_variables(&mut lp, &prep, 0.0);
    for (g, &cap) in prep.cap.iter().enumerate() {
        let members = prep.members.row(g);
        if members.is_empty() {
            continue;
        }
        let z = lp.add_var(1.0, (0.0, cap));
        let mut terms = vec![(z, 1.0)];
        terms.extend(
            members
                .iter()
                .map(|&u| (y[u as usize], -prep.w[u as usize])),
        );
        lp.add_constraint(terms, ComparisonOp::Le, 0.0);
    }
    let all: Vec<_> = x.iter().map(|&v| (v, 1.0)).collect();
    lp.add_constraint(all, ComparisonOp::Le, k as f64);
    solve_exact(problem, &lp, &x, time_limit)
}

/// The fewest candidates meeting every cap, by integer programming (as
/// [`exact_budget`]). `None` when the caps are out of reach
/// ([`min_sites_bound`] says which) or the solver fails.
///
/// ```
/// use telecov::planning::{exact_min_sites, CoverageProblem};
/// let p = CoverageProblem {
///     weights: vec![1.0; 6],
///     groups: vec![0; 6],
///     caps: vec![6.0],
///     covers: vec![vec![0, 1, 2], vec![3, 4, 5], vec![1, 2, 3, 4]],
/// };
/// assert_eq!(exact_min_sites(&p, None).unwrap().chosen, vec![0, 1]);
/// ```
pub fn exact_min_sites(problem: &CoverageProblem, time_limit: Option<Duration>) -> Option<Optimum> {
    let prep = Prepared::new(&Compact::from_problem(problem));
    if unreachable(&prep, &problem.caps).is_some() {
        return None;
    }
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let (x, y) = coverage_variables(&mut lp, &prep, 1.0);
    for (g, &cap) in prep.cap.iter().enumerate() {
        let members = prep.members.row(g);
        if members.is_empty() || cap <= 0.0 {
            continue;
        }
        let terms: Vec<_> = members
            .iter()
            .map(|&u| (y[u as usize], prep.w[u as usize]))
            .collect();
        lp.add_constraint(terms, ComparisonOp::Ge, cap);
    }
    solve_exact(problem, &lp, &x, time_limit)
}

/// Binary `x_c` (objective `x_cost`), `y_u ∈ [0, 1]` and the coupling
/// `y_u ≤ Σ_{c∋u} x_c`.
fn coverage_variables(
    lp: &mut Problem,
    prep: &Prepared,
    x_cost: f64,
) -> (Vec<microlp::Variable>, Vec<microlp::Variable>) {
    let x: Vec<_> = (0..prep.cand.rows())
        .map(|_| lp.add_binary_var(x_cost))
        .collect();
    let y: Vec<_> = (0..prep.w.len())
        .map(|_| lp.add_var(0.0, (0.0, 1.0)))
        .collect();
    let mut by_unit = vec![Vec::new(); prep.w.len()];
    for (c, &xc) in x.iter().enumerate() {
        for &u in prep.cand.row(c) {
            by_unit[u as usize].push((xc, -1.0));
        }
    }
    for (u, mut terms) in by_unit.into_iter().enumerate() {
        terms.push((y[u], 1.0));
        lp.add_constraint(terms, ComparisonOp::Le, 0.0);
    }
    (x, y)
}

fn solve_exact(
    problem: &CoverageProblem,
    lp: &Problem,
    x: &[microlp::Variable],
    time_limit: Option<Duration>,
) -> Option<Optimum> {
    let mut options = SolveOptions::default();
    options.time_limit = time_limit;
    let outcome = lp.solve_with(options).ok()?;
    let proven = outcome.is_optimal();
    let solution = outcome.into_solution().ok()?;
    let chosen: Vec<usize> = (0..x.len())
        .filter(|&c| solution.var_value(x[c]) > 0.5)
        .collect();
    let value = problem.value(&chosen);
    Some(Optimum {
        chosen,
        value,
        proven,
    })
}

/// Random instances for the tests of the planning bounds and local search,
/// as greedy.rs's test draws them: integer weights and caps, so sums and
/// ties are exact.
#[cfg(test)]
pub(crate) fn random_problem(
    rng: &mut impl rand::Rng,
    units: std::ops::Range<usize>,
    candidates: std::ops::Range<usize>,
    density: f64,
) -> CoverageProblem {
    let n_units = rng.random_range(units);
    let n_groups = rng.random_range(1..4);
    let weights: Vec<f64> = (0..n_units)
        .map(|_| rng.random_range(0..10) as f64)
        .collect();
    let groups: Vec<usize> = (0..n_units)
        .map(|_| rng.random_range(0..n_groups))
        .collect();
    let caps: Vec<f64> = (0..n_groups)
        .map(|_| rng.random_range(5..60) as f64)
        .collect();
    let covers: Vec<Vec<usize>> = (0..rng.random_range(candidates))
        .map(|_| (0..n_units).filter(|_| rng.random_bool(density)).collect())
        .collect();
    CoverageProblem {
        weights,
        groups,
        caps,
        covers,
    }
}

/// `p` with every cap cut to what all candidates together reach.
#[cfg(test)]
pub(crate) fn reachable_caps(p: &CoverageProblem) -> CoverageProblem {
    let mut covered = vec![false; p.weights.len()];
    for c in &p.covers {
        for &u in c {
            covered[u] = true;
        }
    }
    let mut reach = vec![0.0; p.caps.len()];
    for u in 0..p.weights.len() {
        if covered[u] {
            reach[p.groups[u]] += p.weights[u];
        }
    }
    CoverageProblem {
        caps: p.caps.iter().zip(&reach).map(|(c, r)| c.min(*r)).collect(),
        ..p.clone()
    }
}

/// Every subset of the candidates (at most 20 of them), by bit mask.
#[cfg(test)]
pub(crate) fn subsets(p: &CoverageProblem) -> impl Iterator<Item = Vec<usize>> + '_ {
    let m = p.covers.len();
    assert!(m <= 20);
    (0u32..1 << m).map(move |mask| (0..m).filter(|&c| mask >> c & 1 == 1).collect())
}

/// A planning-like instance: units on a `side × side` grid in communes of
/// `commune × commune` units, candidates covering a square block of
/// `block × block` units around a random centre, caps a share of what the
/// candidates reach in each commune.
#[cfg(test)]
pub(crate) fn grid_problem(
    rng: &mut impl rand::Rng,
    side: usize,
    commune: usize,
    candidates: usize,
    block: usize,
    share: f64,
) -> CoverageProblem {
    let per_row = side.div_ceil(commune);
    let weights: Vec<f64> = (0..side * side)
        .map(|_| rng.random_range(0..20) as f64)
        .collect();
    let groups: Vec<usize> = (0..side * side)
        .map(|u| (u / side / commune) * per_row + (u % side) / commune)
        .collect();
    let covers: Vec<Vec<usize>> = (0..candidates)
        .map(|_| {
            let x0 = rng.random_range(0..=side - block);
            let y0 = rng.random_range(0..=side - block);
            (y0..y0 + block)
                .flat_map(|y| (x0..x0 + block).map(move |x| y * side + x))
                .collect()
        })
        .collect();
    let mut reach = vec![0.0; per_row * per_row];
    let mut covered = vec![false; side * side];
    for c in &covers {
        for &u in c {
            covered[u] = true;
        }
    }
    for u in 0..side * side {
        if covered[u] {
            reach[groups[u]] += weights[u];
        }
    }
    let caps = reach.iter().map(|r| (r * share).floor()).collect();
    CoverageProblem {
        weights,
        groups,
        caps,
        covers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planning::greedy::celf;
    use rand::SeedableRng;

    fn lp() -> BoundOptions {
        BoundOptions {
            lp_max_nonzeros: usize::MAX,
            ..BoundOptions::default()
        }
    }

    fn lagrangian() -> BoundOptions {
        BoundOptions {
            lp_max_nonzeros: 0,
            max_iterations: 2_000,
            ..BoundOptions::default()
        }
    }

    struct Ratios {
        name: &'static str,
        sum: f64,
        worst: f64,
        count: usize,
        at_one: usize,
    }

    impl Ratios {
        fn new(name: &'static str) -> Self {
            Ratios {
                name,
                sum: 0.0,
                worst: 1.0,
                count: 0,
                at_one: 0,
            }
        }
        fn add(&mut self, r: f64) {
            self.sum += r;
            self.worst = self.worst.min(r);
            self.count += 1;
            if r >= 1.0 - 1e-9 {
                self.at_one += 1;
            }
        }
        fn print(&self) {
            println!(
                "{}: {} cases, worst {:.4}, mean {:.4}, equal {:.1} %",
                self.name,
                self.count,
                self.worst,
                self.sum / self.count.max(1) as f64,
                100.0 * self.at_one as f64 / self.count.max(1) as f64
            );
        }
    }

    #[test]
    fn greedy_optimum_and_bounds_are_ordered_on_random_instances() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut greedy_budget = Ratios::new("budget: greedy / optimum");
        let mut lp_budget = Ratios::new("budget: optimum / LP bound");
        let mut lag_budget = Ratios::new("budget: optimum / Lagrangian bound");
        let mut cert_budget = Ratios::new("budget: optimality_gap(greedy, best bound)");
        let mut greedy_sites = Ratios::new("sites: optimum / greedy");
        let mut lp_sites = Ratios::new("sites: LP bound / optimum");
        let mut lag_sites = Ratios::new("sites: Lagrangian bound / optimum");
        let mut cert_sites = Ratios::new("sites: optimality_gap(greedy, best bound)");
        let mut unreachable_seen = 0;
        for _ in 0..250 {
            let p = random_problem(&mut rng, 5..31, 3..13, 0.3);
            let all: Vec<Vec<usize>> = subsets(&p).collect();
            for k in 1..=4 {
                let greedy: f64 = celf(&p, k).iter().map(|x| x.1).sum();
                let opt = exact_budget(&p, k, None).unwrap();
                assert!(opt.proven && opt.chosen.len() <= k);
                let best = all
                    .iter()
                    .filter(|s| s.len() <= k)
                    .map(|s| p.value(s))
                    .fold(0.0, f64::max);
                assert!(
                    (opt.value - best).abs() < 1e-9,
                    "ILP {} enumeration {best}",
                    opt.value
                );
                let by_lp = budget_bound(&p, k, &lp());
                let by_lag = budget_bound(&p, k, &lagrangian());
                let by_default = budget_bound(&p, k, &BoundOptions::default());
                assert!(greedy <= opt.value + 1e-9);
                for b in [&by_lp, &by_lag, &by_default] {
                    assert_eq!(b.sense, Sense::Maximise);
                    assert!(
                        b.value >= opt.value - 1e-6,
                        "bound {b:?} below {}",
                        opt.value
                    );
                }
                // the LP value is the best the relaxation can give
                assert!(by_lag.value >= by_lp.value - 1e-6);
                if opt.value > 0.0 {
                    greedy_budget.add(greedy / opt.value);
                    lp_budget.add(opt.value / by_lp.value);
                    lag_budget.add(opt.value / by_lag.value);
                    cert_budget.add(optimality_gap(greedy, &by_default));
                }
            }
            // as drawn (caps may be out of reach), then with every cap cut to
            // what all candidates reach
            let clipped = reachable_caps(&p);
            for p in [&p, &clipped] {
                let greedy = celf(p, usize::MAX);
                let total: f64 = p.caps.iter().sum();
                let meets = |s: &[usize]| p.value(s) >= total - 1e-9;
                let enumerated = all.iter().filter(|s| meets(s)).map(|s| s.len()).min();
                let bound = min_sites_bound(p, &BoundOptions::default());
                match enumerated {
                    None => {
                        unreachable_seen += 1;
                        let err = bound.unwrap_err();
                        assert!(!err.groups.is_empty());
                        for g in &err.groups {
                            assert!(g.reachable < g.cap);
                        }
                        assert!(exact_min_sites(p, None).is_none());
                        assert!(min_sites_bound(p, &lp()).is_err());
                    }
                    Some(fewest) => {
                        let opt = exact_min_sites(p, None).unwrap();
                        assert!(opt.proven && meets(&opt.chosen));
                        assert_eq!(opt.chosen.len(), fewest);
                        let g = greedy.len();
                        assert!(meets(&greedy.iter().map(|x| x.0).collect::<Vec<_>>()));
                        let by_default = bound.unwrap();
                        let by_lp = min_sites_bound(p, &lp()).unwrap();
                        let by_lag = min_sites_bound(p, &lagrangian()).unwrap();
                        for b in [&by_lp, &by_lag, &by_default] {
                            assert_eq!(b.sense, Sense::Minimise);
                            assert!(b.value <= fewest as f64, "bound {b:?} above {fewest}");
                            assert_eq!(b.value, b.value.round());
                        }
                        assert!(by_lag.relaxation <= by_lp.relaxation + 1e-6);
                        assert!(fewest <= g);
                        // Wolsey (1982): on an integer-valued submodular
                        // cover the greedy uses at most H(d) times the
                        // fewest sites, d the largest single gain
                        let d = (0..p.covers.len())
                            .map(|c| p.value(&[c]))
                            .fold(0.0, f64::max);
                        let h: f64 = (1..=d.round() as usize).map(|i| 1.0 / i as f64).sum();
                        assert!(
                            g as f64 <= h * fewest as f64 + 1e-9,
                            "greedy {g}, optimum {fewest}, H({d}) = {h}"
                        );
                        if fewest > 0 {
                            greedy_sites.add(fewest as f64 / g as f64);
                            lp_sites.add(by_lp.value / fewest as f64);
                            lag_sites.add(by_lag.value / fewest as f64);
                            cert_sites.add(optimality_gap(g as f64, &by_default));
                        }
                    }
                }
            }
        }
        for r in [
            &greedy_budget,
            &lp_budget,
            &lag_budget,
            &cert_budget,
            &greedy_sites,
            &lp_sites,
            &lag_sites,
            &cert_sites,
        ] {
            r.print();
        }
        println!("sites: {unreachable_seen} instances with caps out of reach");
        assert!(greedy_budget.worst >= 1.0 - (-1.0f64).exp());
        assert!(greedy_sites.count > 50 && unreachable_seen > 0);
    }

    #[test]
    fn lagrangian_approaches_the_lp_on_planning_like_instances() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for (side, candidates, k) in [(30, 80, 8), (40, 150, 15)] {
            let p = grid_problem(&mut rng, side, 10, candidates, 5, 0.7);
            let greedy: f64 = celf(&p, k).iter().map(|x| x.1).sum();
            let by_lp = budget_bound(&p, k, &lp());
            let by_lag = budget_bound(
                &p,
                k,
                &BoundOptions {
                    lp_max_nonzeros: 0,
                    ..BoundOptions::default()
                },
            );
            println!(
                "budget {side}x{side}, {candidates} candidates, k {k}: greedy {greedy}, LP {:.1} ({:.3} s), Lagrangian {:.1} ({} steps, {:.3} s)",
                by_lp.value, by_lp.seconds, by_lag.value, by_lag.iterations, by_lag.seconds
            );
            assert_eq!(by_lp.method, BoundMethod::LinearProgram);
            assert!(greedy <= by_lp.value + 1e-6);
            assert!(by_lag.value >= by_lp.value - 1e-6);
            assert!(
                by_lag.value <= 1.03 * by_lp.value,
                "Lagrangian within 3 % of the LP"
            );
            let sites = celf(&p, usize::MAX).len();
            let s_lp = min_sites_bound(&p, &lp()).unwrap();
            let s_lag = min_sites_bound(
                &p,
                &BoundOptions {
                    lp_max_nonzeros: 0,
                    ..BoundOptions::default()
                },
            )
            .unwrap();
            println!(
                "sites: greedy {sites}, LP {} ({:.2}, {:.3} s), Lagrangian {} ({:.2}, {} steps, {:.3} s)",
                s_lp.value, s_lp.relaxation, s_lp.seconds, s_lag.value, s_lag.relaxation, s_lag.iterations, s_lag.seconds
            );
            assert!(s_lag.relaxation <= s_lp.relaxation + 1e-6);
            assert!(s_lp.value <= sites as f64);
            assert!(
                s_lag.relaxation >= 0.97 * s_lp.relaxation,
                "Lagrangian within 3 % of the LP"
            );
        }
    }

    /// Speed at planning scale: `cargo test --release --lib large_instance -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn large_instance_bounds_in_seconds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // 316 x 316 ≈ 10^5 units, 10^4 candidates of 7 x 7 = 49 units
        let p = grid_problem(&mut rng, 316, 32, 10_000, 7, 0.6);
        let t = Instant::now();
        let k = 300;
        let greedy: f64 = celf(&p, k).iter().map(|x| x.1).sum();
        println!(
            "greedy k = {k}: {greedy} in {:.2} s",
            t.elapsed().as_secs_f64()
        );
        let b = budget_bound(&p, k, &BoundOptions::default());
        println!(
            "budget bound {:.0} by {:?}, {} steps, {:.2} s; optimality_gap {:.4}",
            b.value,
            b.method,
            b.iterations,
            b.seconds,
            optimality_gap(greedy, &b)
        );
        let t = Instant::now();
        let sites = celf(&p, usize::MAX).len();
        println!(
            "greedy sites to meet every cap: {sites} in {:.2} s",
            t.elapsed().as_secs_f64()
        );
        let s = min_sites_bound(&p, &BoundOptions::default()).unwrap();
        println!(
            "sites bound {} ({:.1}) by {:?}, {} steps, {:.2} s; optimality_gap {:.4}",
            s.value,
            s.relaxation,
            s.method,
            s.iterations,
            s.seconds,
            optimality_gap(sites as f64, &s)
        );
        let options = crate::planning::LocalSearchOptions::default();
        let picks: Vec<usize> = celf(&p, k).iter().map(|x| x.0).collect();
        let better = crate::planning::improve_budget(&p, &picks, k, &options);
        println!(
            "1-swaps: {} -> {} ({} swaps, {} evaluations, complete {}, {:.2} s); optimality_gap {:.4}",
            better.initial_value,
            better.value,
            better.swaps,
            better.evaluations,
            better.complete,
            better.seconds,
            optimality_gap(better.value, &b)
        );
        let picks: Vec<usize> = celf(&p, usize::MAX).iter().map(|x| x.0).collect();
        let better = crate::planning::improve_min_sites(&p, &picks, &options);
        println!(
            "drops and 2-for-1: {} -> {} sites ({} dropped, {} swaps, {} evaluations, complete {}, {:.2} s); optimality_gap {:.4}",
            sites,
            better.picks.len(),
            better.dropped,
            better.swaps,
            better.evaluations,
            better.complete,
            better.seconds,
            optimality_gap(better.picks.len() as f64, &s)
        );
    }
}
