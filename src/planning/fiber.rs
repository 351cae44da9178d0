//! Fibre extensions: new segments that pass the households beyond drop
//! distance until the households target is met.
//!
//! Uncovered households are gathered in square blocks of
//! `fiber_drop_m·√2`, so a route reaching a block's centre passes every
//! household of the block. Blocks are taken by decreasing households (per
//! commune in input order for a per-commune target, all together for a
//! total), and each is joined by a straight segment from its centre to the
//! nearest point of the network, the existing routes and the segments
//! already proposed (a greedy spanning tree of the gap clusters hung on the
//! existing network). Every household within drop distance of a new segment
//! counts as passed, whichever commune it lives in. With no route at all
//! in the strip, the first block is joined to the next one.

use geo::{Coord, LineString, MultiLineString};
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree, AABB};

use super::cells::{gained, reached, Remaining, RowIndex, Uncovered};
use super::gaps::push_segments;
use super::plan::{fresh_id, Claim, ProposedFiber, Scope, Target};
use super::Layer;
use crate::engine::probe::{inverse_near, wrapped};
use crate::model::{FiberRoute, Scenario};
use crate::report::{pct, Report};
use crate::Result;

/// Segments shorter than this (metres) are not worth proposing.
const MIN_SEGMENT_M: f64 = 1.0;

struct Block {
    strip: usize,
    centre: [f64; 2],
    households: f64,
    commune: usize,
}

pub(crate) fn plan_fiber(
    scenario: &Scenario,
    report: &Report,
    uncovered: &Uncovered,
    target: &Target,
    max_segments: usize,
    taken: &std::collections::HashSet<String>,
) -> Result<(Vec<ProposedFiber>, Claim, Option<String>)> {
    let n = scenario.communes.len();
    let drop_m = scenario.parameters.fiber_drop_m;
    let units = uncovered.units(Layer::Fiber);
    let strips = uncovered.frames.len();
    let side = drop_m * std::f64::consts::SQRT_2;

    // blocks per (commune, strip, row, column), weight = households, each
    // block's sum in the order of its cells (a run's one by one); memory
    // per block, not per cell
    let res = uncovered.resolution_m;
    let mut keyed: std::collections::BTreeMap<(usize, u32, i64, i64), f64> = Default::default();
    for u in units {
        for k in 0..u.cells {
            let c = u.cell_at(k, res, u.free);
            let key = (
                c.commune as usize,
                c.strip,
                (c.xy[1] / side).floor() as i64,
                (c.xy[0] / side).floor() as i64,
            );
            *keyed.entry(key).or_insert(0.0) += c.households;
        }
    }
    let mut blocks: Vec<Block> = Vec::new();
    for (key, w) in keyed {
        match blocks.last_mut() {
            Some(b)
                if b.commune == key.0
                    && b.strip == key.1 as usize
                    && b.centre == [(key.3 as f64 + 0.5) * side, (key.2 as f64 + 0.5) * side] =>
            {
                b.households += w
            }
            _ => blocks.push(Block {
                strip: key.1 as usize,
                centre: [(key.3 as f64 + 0.5) * side, (key.2 as f64 + 0.5) * side],
                households: w,
                commune: key.0,
            }),
        }
    }
    // order: per commune (input order) by households, or all by households
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by(|&a, &b| {
        let by_commune = if target.scope == Scope::EachCommune {
            blocks[a].commune.cmp(&blocks[b].commune)
        } else {
            std::cmp::Ordering::Equal
        };
        by_commune
            .then(blocks[b].households.total_cmp(&blocks[a].households))
            .then(a.cmp(&b))
    });

    // the network and the demand, per strip
    let mut network: Vec<RTree<GeomWithData<Line<[f64; 2]>, usize>>> = uncovered
        .frames
        .iter()
        .map(|frame| {
            let mut segs = Vec::new();
            for (k, route) in scenario.fiber.iter().enumerate() {
                for ls in &route.geometry.0 {
                    push_segments(ls, frame, k, &mut segs);
                }
            }
            RTree::bulk_load(segs)
        })
        .collect();
    let demand = RowIndex::new(units, strips, uncovered.resolution_m);
    // sub-points of each unit not yet passed
    let mut remaining = Remaining::new(units);
    let before: Vec<f64> = (0..n)
        .map(|c| report.communes[c].households_fiber_passed)
        .collect();
    let mut after = before.clone();
    let goal = |c: usize| target.pct / 100.0 * report.communes[c].households;
    let total_goal = target.pct / 100.0 * report.totals.households;
    let mut out: Vec<ProposedFiber> = Vec::new();
    let mut note = None;
    for (pos, &b) in order.iter().enumerate() {
        let block = &blocks[b];
        let c = block.commune;
        let met = match target.scope {
            Scope::EachCommune => {
                after[c] >= goal(c) - 1e-9 * report.communes[c].households.max(1.0)
            }
            Scope::Total => after.iter().sum::<f64>() >= total_goal * (1.0 - 1e-12),
        };
        if met {
            continue;
        }
        // households of the block still to pass
        let z = block.strip;
        let half = 0.5 * side;
        let env = AABB::from_corners(
            [block.centre[0] - half, block.centre[1] - half],
            [block.centre[0] + half, block.centre[1] + half],
        );
        let (lo, hi) = (env.lower(), env.upper());
        let mut left = 0.0;
        for k in demand.in_box(units, z, lo, hi) {
            remaining.for_cells(&units[k], k, res, |c, _, free| {
                if (lo[0]..=hi[0]).contains(&c.xy[0]) {
                    left += gained(c, c.households, free);
                }
            });
        }
        if left <= 0.0 {
            continue;
        }
        if out.len() >= max_segments {
            note = Some(format!(
                "fiber target {} %: stopped at the limit of {max_segments} new segments",
                target.pct
            ));
            break;
        }
        let p = block.centre;
        let q = match network[z].nearest_neighbor(&p) {
            Some(seg) => closest_point(seg.geom(), p),
            None => {
                // no route in the strip: join the next block of the order, or
                // cross this block
                let next = order[pos + 1..].iter().find(|&&o| blocks[o].strip == z);
                match next {
                    Some(&o) => blocks[o].centre,
                    None => [p[0] + half, p[1]],
                }
            }
        };
        let frame = uncovered.frames[z];
        let scale = frame
            .forward_with_distortion(frame.inverse(p).0, frame.inverse(p).1)
            .scale;
        let length_grid = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        let line = if length_grid < MIN_SEGMENT_M * scale {
            // the network already reaches the centre: the block's remaining
            // households are off the centre line; a short cross segment
            Line::new([p[0] - half, p[1]], [p[0] + half, p[1]])
        } else {
            Line::new(q, p)
        };
        // pass the households within drop distance of the new segment
        let reach = drop_m * scale * (1.0 - 1e-9);
        let wide = AABB::from_corners(
            [
                line.from[0].min(line.to[0]) - reach,
                line.from[1].min(line.to[1]) - reach,
            ],
            [
                line.from[0].max(line.to[0]) + reach,
                line.from[1].max(line.to[1]) + reach,
            ],
        );
        let slack = if uncovered.points_mode {
            0.0
        } else {
            uncovered.resolution_m * std::f64::consts::FRAC_1_SQRT_2
        };
        let wide = AABB::from_corners(
            [wide.lower()[0] - slack, wide.lower()[1] - slack],
            [wide.upper()[0] + slack, wide.upper()[1] + slack],
        );
        let dist = |p: [f64; 2]| line.distance_2(&p).sqrt();
        let mut gained_total = 0.0;
        for k in demand.in_box(units, z, wide.lower(), wide.upper()) {
            if remaining.is_empty(k) {
                continue;
            }
            let mut hits = Vec::new();
            remaining.for_cells(&units[k], k, res, |c, i, free| {
                let hit = reached(c, res, free, dist(c.xy), reach, dist);
                if hit != 0 {
                    let w = gained(c, c.households, hit);
                    gained_total += w;
                    after[c.commune as usize] += w;
                    hits.push((i, hit));
                }
            });
            let u = &units[k];
            if u.cells == 1 {
                for (_, hit) in hits {
                    remaining.take_bits(k, hit);
                }
            } else if !hits.is_empty() {
                remaining.take_run(u, k, |free| {
                    for (i, hit) in hits {
                        free.remove_cell_bits(i, hit);
                    }
                });
            }
        }
        let length_m = ((line.from[0] - line.to[0]).powi(2) + (line.from[1] - line.to[1]).powi(2))
            .sqrt()
            / scale;
        network[z].insert(GeomWithData::new(line, usize::MAX));
        let [a, b] = [line.from, line.to].map(|xy| {
            let (x, y) = inverse_near(&frame, xy);
            Coord { x, y }
        });
        out.push(ProposedFiber {
            route: FiberRoute {
                id: fresh_id("plan-fiber", out.len() + 1, taken),
                operator: None,
                geometry: cut_line(a, b),
            },
            length_km: length_m / 1e3,
            households_gained: gained_total,
            commune: c,
        });
    }
    let meets = |v: &[f64]| {
        (0..n)
            .filter(|&c| v[c] >= goal(c) - 1e-9 * report.communes[c].households.max(1.0))
            .count()
    };
    let claim = Claim {
        layer: Layer::Fiber,
        before_pct: pct(before.iter().sum(), report.totals.households),
        after_pct: pct(after.iter().sum(), report.totals.households),
        communes_meeting: (meets(&before), meets(&after)),
        before,
        after,
    };
    Ok((out, claim, note))
}

/// The segment from `a` to `b` (continuous longitudes, possibly beyond
/// ±180°) in [−180, 180], cut at the antimeridian as RFC 7946 §3.1.9 asks
/// when it crosses it (two lines meeting at ±180°). A segment within
/// [−180, 180] is kept bit for bit.
fn cut_line(a: Coord<f64>, b: Coord<f64>) -> MultiLineString<f64> {
    // which copy of [−180, 180] a longitude is in: −1, 0 or 1
    let side = |x: f64| -> f64 {
        if x > 180.0 {
            1.0
        } else if x < -180.0 {
            -1.0
        } else {
            0.0
        }
    };
    let at = |c: Coord<f64>| Coord {
        x: wrapped(c.x).clamp(-180.0, 180.0),
        y: c.y,
    };
    let (ka, kb) = (side(a.x), side(b.x));
    if ka == kb {
        return MultiLineString(vec![LineString(vec![at(a), at(b)])]);
    }
    // a planned segment is far shorter than 360°: the sides are neighbours
    let m = if ka.max(kb) > 0.0 { 180.0 } else { -180.0 };
    let t = (m - a.x) / (b.x - a.x);
    let y = a.y + t * (b.y - a.y);
    let on = |k: f64| Coord {
        x: (m - 360.0 * k).clamp(-180.0, 180.0),
        y,
    };
    let parts = [
        LineString(vec![at(a), on(ka)]),
        LineString(vec![on(kb), at(b)]),
    ];
    MultiLineString(parts.into_iter().filter(|l| l.0[0] != l.0[1]).collect())
}

/// The point of segment `s` closest to `p`.
fn closest_point(s: &Line<[f64; 2]>, p: [f64; 2]) -> [f64; 2] {
    let (a, b) = (s.from, s.to);
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    if len2 == 0.0 {
        return a;
    }
    let t = (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0);
    [a[0] + t * d[0], a[1] + t * d[1]]
}
