//! Gap maps and infrastructure planning to coverage targets.
//!
//! Two questions follow a coverage report: *where are the people we miss?*
//! ([`find_gaps`]: uncovered demand grouped into connected regions, one
//! polygon each, ranked) and *what is the least we must build to reach a
//! target?* ([`plan`]: new BTS sites by greedy maximum coverage, one wifi
//! point per commune below target, fibre extensions), keeping every
//! existing feature fixed.
//!
//! Both work on the report's own measurement (see `runs.rs`): the
//! uncovered people of each commune, as `report.json` gives them, shared
//! among uncovered row intervals (or demand points) by their measured
//! uncovered area, so
//! a gap map conserves people exactly and a plan's claimed coverage can be
//! checked by re-running the report with the proposals added.
//!
//! A plan's claims are the report's: [`plan`] measures the report on the
//! scenario with its proposals ([`Plan::report_with_plan`]) and takes its
//! figures from it; a commune still short gets another round of sites
//! ([`PlanOptions::rounds`]). The first round's sites are improved by local
//! search where it removes sites and compared with a bound on the same
//! instance ([`Optimality`]); communes left short are listed with the
//! reason ([`Unreached`]).
//!
//! | step | file | what |
//! | --- | --- | --- |
//! | uncovered rows | `runs.rs` | row sweep on the report's three lines with the engine's exact traces; gap intervals, people shared by measure, regions across rows and communes |
//! | outlines | `outline.rs` | rectilinear rings traced from the ends of row intervals: holes, pinches |
//! | demand units | `cells.rs` | the planner's units: cells met by uncovered intervals (same sweep), sub-points on the three lines |
//! | gaps | `gaps.rs` | regions of rows / linked points, area, communes, nearest infrastructure |
//! | sites | `greedy.rs`, `sites.rs` | candidates (refilled in finer blocks where a commune is short), CELF lazy greedy on capped per-commune coverage |
//! | how far from optimal | `bound.rs` | LP / Lagrangian bounds on a `CoverageProblem`, exact ILP for small ones |
//! | after the greedy | `local_search.rs` | redundant drops, 2-for-1 and 1-for-1 swaps |
//! | capacity | `capacity_plan.rs` | `capacity=PCT` targets: carriers on overloaded sectors, then sites, measured by the capacity study round by round; the plan's cost from `[costs]` |
//! | wifi | `wifi.rs` | one point where it covers the most uncovered people |
//! | fibre | `fiber.rs` | spurs from household clusters to the nearest route |
//! | files | `io::write` (`gaps.rs`, `plan.rs`) | `gaps.geojson`, proposals, curve CSV, scenario with the plan |
//!
//! **Around the antimeridian** (Fiji, Chukotka, Kiribati), planning works
//! on the engine's unwrapped copy of the scenario (longitudes made
//! continuous, 0°..360°, before the strips see them; see
//! `engine/antimeridian.rs`), so gaps, candidates, sites, wifi points and
//! fibre spurs reach across 180° exactly as the report's coverage does:
//! the same scenario moved 10° away from 180° gives the same gaps and the
//! same plan (tests: `antimeridian_*` in `tests/planning.rs`). What comes
//! out is back in [−180, 180], as RFC 7946 asks: proposed points are moved
//! by 360° where needed, and a gap polygon or fibre segment crossing 180°
//! is cut there into parts (a MultiPolygon with one part ending at 180° and
//! one starting at −180°; a MultiLineString of two lines), which GIS tools
//! draw correctly, where polygons with longitudes beyond 180° are not
//! valid GeoJSON. A gap's `area_km2` is the ground area of its outline
//! in the strip, uncut (the polygon written, straight in longitude and
//! latitude between its corners and cut at 180°, encloses the same area to
//! about 1e-4). Scenarios cut at
//! 180° as RFC 7946 asks (communes or fibre routes with parts on both
//! sides) are accepted everywhere.

mod bound;
pub mod capacity_plan;
mod cells;
mod fiber;
mod gaps;
mod greedy;
mod local_search;
mod outline;
mod plan;
mod runs;
mod sites;
mod wifi;

pub use bound::{
    budget_bound, exact_budget, exact_min_sites, min_sites_bound, optimality_gap, Bound,
    BoundMethod, BoundOptions, Optimum, Sense, Unreachable, UnreachableGroup,
};
pub(crate) use gaps::find_gaps_probed;
pub use gaps::{find_gaps, point_flags, Gap, GapMap, GapOptions, MAX_POINT_LINK_M};
pub use greedy::{celf, CoverageProblem};
pub use local_search::{improve_budget, improve_min_sites, Improvement, LocalSearchOptions};
pub use plan::{
    claimed_figure, plan, Claim, CurvePoint, Optimality, Plan, PlanForm, PlanOptions,
    ProposedFiber, ProposedSite, ProposedWifi, Scope, SiteTemplate, Target, Unreached,
    UnreachedReason,
};

pub use capacity_plan::{
    plan_capacity, plan_cost, remeasure_coverage_claims, CapacityPlan, CapacityPlanOptions,
    CapacityTarget, PlanCost, PlanTarget,
};

pub use crate::model::Layer;
