//! Files of plans.
//!
//! - `proposed_sites.geojson`, `proposed_wifi.geojson`,
//!   `proposed_fiber.geojson`: the proposals with their gains.
//! - `coverage_curve.csv`: coverage of the whole scenario against the
//!   number of new sites.
//! - `plan.json`: the plan's summary ([`plan_json`]): claims measured by
//!   the report on the scenario with the plan, rounds, candidates, the
//!   optimality gap against the bound, the communes left short with the
//!   reason.
//! - `scenario_with_plan/`: the input scenario with every proposal added,
//!   in the scenario contract ([`crate::io::write_scenario`]); carriers a
//!   capacity plan adds are in its `scenario.toml` (`[capacity.carriers]`).

use std::fmt::Write as _;
use std::path::Path;

use geojson::{FeatureCollection, GeometryValue, JsonObject, JsonValue};

use super::geojson_kit::{write_features, Geom};
use super::{collection, feature, id_json, num, round6, write_atomic, write_gaps};
use crate::model::{Layer, Scenario};
use crate::planning::{
    BoundMethod, CapacityPlan, Plan, PlanCost, ProposedFiber, ProposedSite, ProposedWifi, Scope,
};
use crate::Result;

fn layer_map(v: &[(Layer, f64)]) -> JsonValue {
    JsonValue::Object(
        v.iter()
            .map(|(l, x)| (l.as_str().to_owned(), round6(*x)))
            .collect(),
    )
}

/// The proposed sites as GeoJSON: `id`, `order`, `technologies`,
/// `height_m`, `effective_range_m`, `people_gained` (per targeted layer),
/// `objective_gain`, `cumulative_pct` (per targeted layer), `commune`.
pub fn sites_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .sites
        .iter()
        .map(|s| {
            feature(
                Some(GeometryValue::from(&s.site.location)),
                site_properties(scenario, s),
            )
        })
        .collect();
    collection(features)
}

fn site_properties(scenario: &Scenario, s: &ProposedSite) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&s.site.id));
    p.insert("order".into(), s.order.into());
    p.insert(
        "technologies".into(),
        s.site
            .technologies
            .iter()
            .map(|t| JsonValue::from(t.as_str()))
            .collect(),
    );
    p.insert("height_m".into(), num(s.site.height_m));
    let ranges: JsonObject = crate::model::Technology::ALL
        .iter()
        .filter_map(|t| s.range_m[t.index()].map(|r| (t.as_str().to_owned(), num(r))))
        .collect();
    p.insert("effective_range_m".into(), JsonValue::Object(ranges));
    p.insert("people_gained".into(), layer_map(&s.people_gained));
    p.insert("objective_gain".into(), round6(s.objective_gain));
    p.insert("cumulative_pct".into(), layer_map(&s.cumulative_pct));
    p.insert(
        "commune".into(),
        s.commune
            .map_or(JsonValue::Null, |c| id_json(&scenario.communes[c].id)),
    );
    p
}

/// The proposed wifi points: `id`, `commune`, `commune_name`,
/// `people_gained`.
pub fn wifi_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .wifi
        .iter()
        .map(|w| {
            feature(
                Some(GeometryValue::from(&w.point.location)),
                wifi_properties(scenario, w),
            )
        })
        .collect();
    collection(features)
}

fn wifi_properties(scenario: &Scenario, w: &ProposedWifi) -> JsonObject {
    let c = &scenario.communes[w.commune];
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&w.point.id));
    p.insert("commune".into(), id_json(&c.id));
    p.insert(
        "commune_name".into(),
        c.name.clone().map_or(JsonValue::Null, JsonValue::String),
    );
    p.insert("people_gained".into(), round6(w.people_gained));
    p
}

/// The proposed fibre segments: `id`, `length_km`, `households_gained`,
/// `commune`.
pub fn fiber_geojson(scenario: &Scenario, plan: &Plan) -> FeatureCollection {
    let features = plan
        .fiber
        .iter()
        .map(|f| {
            let geometry = match f.route.geometry.0.as_slice() {
                [one] => GeometryValue::from(one),
                _ => GeometryValue::from(&f.route.geometry),
            };
            feature(Some(geometry), fiber_properties(scenario, f))
        })
        .collect();
    collection(features)
}

fn fiber_properties(scenario: &Scenario, f: &ProposedFiber) -> JsonObject {
    let mut p = JsonObject::new();
    p.insert("id".into(), id_json(&f.route.id));
    p.insert("length_km".into(), num((f.length_km * 1e6).round() / 1e6));
    p.insert("households_gained".into(), round6(f.households_gained));
    p.insert("commune".into(), id_json(&scenario.communes[f.commune].id));
    p
}

/// The coverage-versus-sites curve as CSV: `sites`, one `<layer>_pct`
/// column per targeted mobile layer (whole scenario), then
/// `communes_meeting_targets`.
pub fn curve_csv(plan: &Plan) -> String {
    let mut out = String::from("sites");
    if let Some(first) = plan.curve.first() {
        for (l, _) in &first.pct {
            let _ = write!(out, ",{l}_pct");
        }
    }
    out.push_str(",communes_meeting_targets\n");
    for p in &plan.curve {
        let _ = write!(out, "{}", p.sites);
        for (_, v) in &p.pct {
            let _ = write!(out, ",{v:.6}");
        }
        let _ = writeln!(out, ",{}", p.communes_meeting_targets);
    }
    out
}

/// The plan's summary as JSON (`plan.json`):
///
/// - `sites`, `wifi_points`, `fiber_segments`: proposals;
/// - `rounds`: site-planning rounds, each measured by the report;
///   `candidates` (first round, refills included), `refills`;
/// - `claims`: per target `layer`, `before_pct`, `after_pct`,
///   `communes_meeting_before`, `communes_meeting_after`, the figures of
///   the report before and of the report measured on `scenario_with_plan/`;
/// - `optimality` (`null` without sites): `form` (`minimum_sites` or
///   `budget`), `candidates`, `units`, `greedy_sites`, `sites` (kept),
///   `greedy_value`, `value` (people covered towards the targets, capped),
///   `local_search` (`kept`, `dropped`, `swaps`, `added`, `complete`,
///   `seconds`), `bound` (`value`, `relaxation`, `method`: `single_gains`,
///   `lagrangian` or `linear_program`, `iterations`, `seconds`; `null` when
///   none), `greedy_gap` and `gap` (bound / sites in the minimum-sites
///   form, value / bound in the budget form; `1` = optimal);
/// - `unreached`: per commune (or whole-scenario target) still short,
///   `layer`, `commune` (id, `null` for a whole-scenario target),
///   `commune_name`, `covered_pct`, `target_pct` and `reason`
///   (`max_sites`, `candidates_file`, `out_of_reach`, `rounds`);
/// - `cost`: what the plan costs at `[costs]` ([`cost_json`]).
pub fn plan_json(scenario: &Scenario, plan: &Plan) -> JsonValue {
    plan_json_with(scenario, plan, None)
}

/// The `cost` object of `plan.json`: `currency` (`"USD"`), the counts
/// (`carriers` added, `sites`, `wifi_points`, `fiber_km`), each action's
/// cost (`carriers_usd`, `sites_usd`, `wifi_points_usd`, `fiber_usd`: count
/// × the unit cost of `[costs]`) and `total_usd`, their sum.
pub fn cost_json(cost: &PlanCost) -> JsonValue {
    serde_json::json!({
        "currency": "USD",
        "carriers": cost.carriers,
        "sites": cost.sites,
        "wifi_points": cost.wifi_points,
        "fiber_km": round6(cost.fiber_km),
        "carriers_usd": round6(cost.carriers_usd),
        "sites_usd": round6(cost.sites_usd),
        "wifi_points_usd": round6(cost.wifi_points_usd),
        "fiber_usd": round6(cost.fiber_usd),
        "total_usd": round6(cost.total_usd),
    })
}

/// The `capacity` object of `plan.json`: `target_pct`, `scope` (`commune`
/// or `total`), `before_pct` and `after_pct` (residents within capacity,
/// whole scenario, measured by the capacity study before and on
/// `scenario_with_plan/`), `communes_meeting_before`,
/// `communes_meeting_after`, `rounds`, `carriers` (per sector: `site_id`,
/// `sector` (`null`: omni), `technology`, `carriers_before`,
/// `carriers_after`, `utilisation_before`, `people_gained`, `round`),
/// `sites` (`id`, `lon`, `lat`, `relieves_site_id`, `relieves_sector`,
/// `technology`, `utilisation_before`, `round`) and `short` (`commune` id
/// or `null` for `@total`, `pct`, `unserved_pct`, `reason`: `unserved`,
/// `max_sites`, `interference`, `no_action` or `rounds`, see
/// [`crate::planning::capacity_plan::CapacityShort::reason`]).
pub fn capacity_plan_json(scenario: &Scenario, capacity: &CapacityPlan) -> JsonValue {
    let (before_pct, after_pct) = capacity.claim_pct();
    let (meeting_before, meeting_after) = capacity.communes_meeting();
    let carriers: Vec<JsonValue> = capacity
        .carriers
        .iter()
        .map(|c| {
            serde_json::json!({
                "site_id": id_json(&c.site_id),
                "sector": c.sector,
                "technology": c.technology.as_str(),
                "carriers_before": c.carriers.0,
                "carriers_after": c.carriers.1,
                "utilisation_before": round6(c.utilisation_before),
                "people_gained": round6(c.people_gained),
                "round": c.round,
            })
        })
        .collect();
    let sites: Vec<JsonValue> = capacity
        .sites
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": id_json(&s.site.id),
                "lon": num(s.site.location.x()),
                "lat": num(s.site.location.y()),
                "relieves_site_id": id_json(&s.relieves.0),
                "relieves_sector": s.relieves.1,
                "technology": s.relieves.2.as_str(),
                "utilisation_before": round6(s.utilisation_before),
                "round": s.round,
            })
        })
        .collect();
    let short: Vec<JsonValue> = capacity
        .short
        .iter()
        .map(|u| {
            serde_json::json!({
                "commune": u.commune.map_or(JsonValue::Null, |c| id_json(&scenario.communes[c].id)),
                "pct": round6(u.pct),
                "unserved_pct": round6(u.unserved_pct),
                "reason": u.reason,
            })
        })
        .collect();
    serde_json::json!({
        "target_pct": round6(capacity.target.pct),
        "scope": match capacity.target.scope {
            Scope::EachCommune => "commune",
            Scope::Total => "total",
        },
        "before_pct": round6(before_pct),
        "after_pct": round6(after_pct),
        "communes_meeting_before": meeting_before,
        "communes_meeting_after": meeting_after,
        "rounds": capacity.rounds,
        "carriers": carriers,
        "sites": sites,
        "short": short,
    })
}

/// [`plan_json`] with the capacity plan made on top of `plan` (its
/// `capacity` object, its actions in `cost`).
pub fn plan_json_with(
    scenario: &Scenario,
    plan: &Plan,
    capacity: Option<&CapacityPlan>,
) -> JsonValue {
    let claims: Vec<JsonValue> = plan
        .claims
        .iter()
        .map(|c| {
            serde_json::json!({
                "layer": c.layer.as_str(),
                "before_pct": round6(c.before_pct),
                "after_pct": round6(c.after_pct),
                "communes_meeting_before": c.communes_meeting.0,
                "communes_meeting_after": c.communes_meeting.1,
            })
        })
        .collect();
    let optimality = plan.optimality.as_ref().map_or(JsonValue::Null, |o| {
        let ls = &o.local_search;
        let bound = o.bound.as_ref().map_or(JsonValue::Null, |b| {
            serde_json::json!({
                "value": round6(b.value),
                "relaxation": round6(b.relaxation),
                "method": match b.method {
                    BoundMethod::SingleGains => "single_gains",
                    BoundMethod::Lagrangian => "lagrangian",
                    BoundMethod::LinearProgram => "linear_program",
                },
                "iterations": b.iterations,
                "seconds": round6(b.seconds),
            })
        });
        serde_json::json!({
            "form": o.form.as_str(),
            "candidates": o.candidates,
            "units": o.units,
            "greedy_sites": o.greedy_sites,
            "sites": o.sites,
            "greedy_value": round6(o.greedy_value),
            "value": round6(o.value),
            "local_search": {
                "kept": o.local_search_kept,
                "dropped": ls.dropped,
                "swaps": ls.swaps,
                "added": ls.added,
                "complete": ls.complete,
                "seconds": round6(ls.seconds),
            },
            "bound": bound,
            "greedy_gap": o.greedy_gap.map_or(JsonValue::Null, round6),
            "gap": o.gap.map_or(JsonValue::Null, round6),
        })
    });
    let unreached: Vec<JsonValue> = plan
        .unreached
        .iter()
        .map(|u| {
            let commune = u.commune.map(|c| &scenario.communes[c]);
            serde_json::json!({
                "layer": u.layer.as_str(),
                "commune": commune.map_or(JsonValue::Null, |c| id_json(&c.id)),
                "commune_name": commune.and_then(|c| c.name.clone()),
                "covered_pct": round6(u.covered_pct),
                "target_pct": round6(u.target_pct),
                "reason": u.reason.as_str(),
            })
        })
        .collect();
    serde_json::json!({
        "sites": plan.sites.len(),
        "wifi_points": plan.wifi.len(),
        "fiber_segments": plan.fiber.len(),
        "rounds": plan.rounds,
        "candidates": plan.candidates,
        "refills": plan.refills,
        "claims": claims,
        "optimality": optimality,
        "unreached": unreached,
        "cost": cost_json(&crate::planning::plan_cost(&scenario.parameters.costs, plan, capacity)),
        "capacity": capacity.map_or(JsonValue::Null, |c| capacity_plan_json(scenario, c)),
    })
}

/// Writes every output of a plan into `out_dir` (created if needed):
/// `gaps.geojson`, `proposed_sites.geojson`, `proposed_wifi.geojson`,
/// `proposed_fiber.geojson`, `coverage_curve.csv`, `plan.json` and
/// `scenario_with_plan/`.
pub fn write_plan(out_dir: impl AsRef<Path>, scenario: &Scenario, plan: &Plan) -> Result<()> {
    write_plan_with(out_dir, scenario, plan, None)
}

/// [`write_plan`] with a capacity plan made on top of `plan` (in
/// `plan.json`; `plan.scenario_with_plan` should be the capacity plan's).
pub fn write_plan_with(
    out_dir: impl AsRef<Path>,
    scenario: &Scenario,
    plan: &Plan,
    capacity: Option<&CapacityPlan>,
) -> Result<()> {
    let out_dir = out_dir.as_ref();
    std::fs::create_dir_all(out_dir).map_err(|e| crate::Error::io(out_dir, e))?;
    write_gaps(out_dir.join("gaps.geojson"), scenario, &plan.gaps)?;
    write_features(
        &out_dir.join("proposed_sites.geojson"),
        plan.sites.iter().map(|s| {
            (
                Some(Geom::Point(&s.site.location)),
                site_properties(scenario, s),
            )
        }),
    )?;
    write_features(
        &out_dir.join("proposed_wifi.geojson"),
        plan.wifi.iter().map(|w| {
            (
                Some(Geom::Point(&w.point.location)),
                wifi_properties(scenario, w),
            )
        }),
    )?;
    write_features(
        &out_dir.join("proposed_fiber.geojson"),
        plan.fiber.iter().map(|f| {
            (
                Some(Geom::MultiLine(&f.route.geometry)),
                fiber_properties(scenario, f),
            )
        }),
    )?;
    write_atomic(
        &out_dir.join("coverage_curve.csv"),
        curve_csv(plan).as_bytes(),
    )?;
    let json =
        serde_json::to_vec_pretty(&plan_json_with(scenario, plan, capacity)).map_err(|e| {
            crate::Error::Parameter {
                name: "plan.json",
                reason: e.to_string(),
            }
        })?;
    write_atomic(&out_dir.join("plan.json"), &json)?;
    super::write_scenario(out_dir.join("scenario_with_plan"), &plan.scenario_with_plan)
}
