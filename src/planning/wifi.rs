//! Public wifi: one new point in each commune needed to reach the share of
//! communes holding one.
//!
//! Communes without a point are taken by decreasing population (input
//! order on ties) until the share is reached. Each gets its point at its
//! densest uncovered place: the uncovered unit (cell centre or demand
//! point) of the commune whose wifi disc would reach the most of the
//! commune's uncovered people, ties broken by the distance to the
//! commune's uncovered centre of mass; the point must lie in the commune
//! (first in input order, as the report counts it), else the next best is
//! taken, and failing all, a point inside the commune's outline.

use geo::{InteriorPoint, Point};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::cells::{Uncovered, Unit};
use super::plan::{fresh_id, wrapped_point, Claim, ProposedWifi};
use super::Layer;
use crate::engine::probe::{inverse_near, Probe};
use crate::model::{Scenario, WifiPoint};
use crate::report::{pct, Report};
use crate::{Options, Result};

/// How many ranked spots of a commune are tried before its outline's
/// interior point.
const TRIES: usize = 64;

pub(crate) fn plan_wifi(
    scenario: &Scenario,
    report: &Report,
    uncovered: &Uncovered,
    target_pct: f64,
    options: &Options,
    taken: &std::collections::HashSet<String>,
) -> Result<(Vec<ProposedWifi>, Claim)> {
    let n = scenario.communes.len();
    let have = report.communes.iter().filter(|c| c.wifi_points > 0).count();
    let needed_total = ((target_pct / 100.0 * n as f64) - 1e-9).ceil().max(0.0) as usize;
    let mut without: Vec<usize> = (0..n)
        .filter(|&c| report.communes[c].wifi_points == 0)
        .collect();
    without.sort_by(|&a, &b| {
        report.communes[b]
            .population
            .total_cmp(&report.communes[a].population)
            .then(a.cmp(&b))
    });
    without.truncate(needed_total.saturating_sub(have));
    without.sort_unstable();

    let probe = Probe::new(scenario, options)?;
    let all = uncovered.units(Layer::Wifi);
    let res = uncovered.resolution_m;
    let range_m = scenario.parameters.wifi_range_m;
    let mut out = Vec::new();
    let before: Vec<f64> = (0..n)
        .map(|c| report.communes[c].population_wifi_covered)
        .collect();
    let mut after = before.clone();
    let mut by_commune: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, u) in all.iter().enumerate() {
        by_commune[u.commune as usize].push(k);
    }
    for c in without {
        // the commune's units cell by cell (a run's cells one by one): as
        // many as its uncovered cells, for this commune only
        let units: Vec<Unit> = std::mem::take(&mut by_commune[c])
            .into_iter()
            .flat_map(|k| {
                let u = &all[k];
                (0..u.cells).map(move |i| u.cell_at(i, res, u.free))
            })
            .collect();
        let mine: Vec<usize> = (0..units.len()).collect();
        let mut chosen: Option<(Point<f64>, f64)> = None;
        if !mine.is_empty() {
            let strip = units[mine[0]].strip as usize;
            let frame = uncovered.frames[strip];
            let tree = RTree::bulk_load(
                mine.iter()
                    .filter(|&&k| units[k].strip as usize == strip)
                    .map(|&k| GeomWithData::new(units[k].xy, k))
                    .collect(),
            );
            let w: f64 = mine.iter().map(|&k| units[k].population).sum();
            let centre = if w > 0.0 {
                let sx: f64 = mine
                    .iter()
                    .map(|&k| units[k].population * units[k].xy[0])
                    .sum();
                let sy: f64 = mine
                    .iter()
                    .map(|&k| units[k].population * units[k].xy[1])
                    .sum();
                [sx / w, sy / w]
            } else {
                units[mine[0]].xy
            };
            // the frame's scale factor changes by under 1e-5 across a commune
            let (lon, lat) = frame.inverse(centre);
            let r = range_m * frame.forward_with_distortion(lon, lat).scale;
            let mut scored: Vec<(f64, f64, usize)> = mine
                .iter()
                .filter(|&&k| units[k].strip as usize == strip)
                .map(|&k| {
                    let p = units[k].xy;
                    let s: f64 = tree
                        .locate_within_distance(p, r * r)
                        .map(|g| units[g.data].population)
                        .sum();
                    let d2 = (p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2);
                    (s, d2, k)
                })
                .collect();
            // most people first; equal (to a part in a million) by distance
            scored.sort_by(|a, b| {
                let tie = (a.0 - b.0).abs() <= 1e-6 * a.0.abs().max(b.0.abs());
                if tie {
                    a.1.total_cmp(&b.1).then(a.2.cmp(&b.2))
                } else {
                    b.0.total_cmp(&a.0)
                }
            });
            for &(s, _, k) in scored.iter().take(TRIES) {
                let (x, y) = inverse_near(&frame, units[k].xy);
                let p = Point::new(x, y);
                if probe.locate(p) == Some(c) {
                    chosen = Some((p, s));
                    break;
                }
            }
        }
        let (location, gained) = match chosen {
            Some(x) => x,
            None => match scenario.communes[c]
                .geometry
                .as_ref()
                .and_then(|g| g.interior_point())
            {
                Some(p) => (p, 0.0),
                None => continue,
            },
        };
        after[c] += gained;
        let point = WifiPoint {
            id: fresh_id("plan-wifi", out.len() + 1, taken),
            range_m: None,
            // back in [−180, 180] from the continuous longitudes around 180°
            location: wrapped_point(location),
        };
        out.push(ProposedWifi {
            point,
            commune: c,
            people_gained: gained,
        });
    }
    let with_after = have + out.len();
    let claim = Claim {
        layer: Layer::Wifi,
        before_pct: pct(have as f64, n as f64),
        after_pct: pct(with_after as f64, n as f64),
        communes_meeting: (have, with_after),
        before,
        after,
    };
    Ok((out, claim))
}
