//! Capacity plans: the carriers a closed form asks for, the carrier limit
//! forcing a site, costs as the sum of actions × unit costs, and the claim
//! against a re-run of the capacity study on the written scenario.

mod common;

use common::{rect, scenario};
use telecov::engine::capacity::evaluate_capacity;
use telecov::engine::signal::SignalOptions;
use telecov::model::{
    CapacityConfig, Commune, Costs, Demand, RadioParams, Scenario, Site, Technology,
};
use telecov::planning::capacity_plan::{plan_capacity, CapacityPlanOptions};
use telecov::planning::Scope;

const LON: f64 = 105.78;
const LAT: f64 = 10.03;
/// 18 MHz × 2 layers × (1 − 0.25) × SE_max 4.4: one LTE carrier whose
/// every point is above SINR_max (TR 36.942 Table A.2.1).
const CAPPED_MBPS: f64 = 18.0 * 2.0 * 0.75 * 4.4;
const PEOPLE: f64 = 4000.0;

/// A commune close around one LTE site (every point above SINR_max), its
/// busy-hour demand set so that the sector's utilisation is `u` exactly:
/// load = people × 0.85 × 0.10 × demand = u × capacity.
fn one_sector_at(u: f64) -> Scenario {
    let site = Site::new("A", (LON, LAT), [Technology::G4])
        .with_height_m(30.0)
        .with_radio(RadioParams {
            tx_power_dbm: Some(46.0),
            ..RadioParams::default()
        });
    let ward = Commune::new(
        1,
        rect(LON - 0.0005, LAT - 0.0005, LON + 0.0005, LAT + 0.0005),
        PEOPLE,
        PEOPLE / 3.0,
    );
    let mut s = scenario(vec![ward], vec![site], 10.0);
    s.parameters.capacity = CapacityConfig {
        technology_share: [0.0, 0.0, 1.0, 0.0],
        demand: Demand::BusyHourMbps(u * CAPPED_MBPS / (PEOPLE * 0.85 * 0.10)),
        ..CapacityConfig::default()
    };
    s
}

fn options(target: &str) -> CapacityPlanOptions {
    let mut o = CapacityPlanOptions::new(target.parse().unwrap());
    o.template.technologies = [Technology::G4].into_iter().collect();
    o
}

#[test]
fn a_sector_at_one_and_a_half_times_its_capacity_gets_exactly_one_carrier() {
    let s = one_sector_at(1.5);
    let before = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    let sec = &before.sectors[0];
    assert!((sec.capacity_mbps.unwrap() - CAPPED_MBPS).abs() < 1e-9);
    assert!((sec.utilisation.unwrap() - 1.5).abs() < 1e-12);
    assert_eq!(before.totals.people_within_capacity, 0.0);

    let plan = plan_capacity(&s, &options("capacity=95")).unwrap();
    // ceil(1.5 × 1) = 2 carriers: one added, no site
    assert_eq!(plan.carriers.len(), 1);
    let a = &plan.carriers[0];
    assert_eq!(
        (a.carriers, a.sector, a.technology),
        ((1, 2), None, Technology::G4)
    );
    assert!((a.people_gained - PEOPLE).abs() < 1e-6);
    assert!(plan.sites.is_empty());
    assert_eq!(plan.rounds, 1);
    // the study on the planned scenario: capacity doubled, utilisation 0.75
    let after = &plan.after.sectors[0];
    assert_eq!(after.carriers, 2);
    assert!((after.capacity_mbps.unwrap() - 2.0 * CAPPED_MBPS).abs() < 1e-9);
    assert!((after.utilisation.unwrap() - 0.75).abs() < 1e-12);
    assert!((plan.after.totals.pct_within_capacity.unwrap() - 100.0).abs() < 1e-9);
    assert!(plan.short.is_empty());
    assert_eq!(plan.communes_meeting(), (0, 1));
    // written as [capacity.carriers]
    let c = &plan.scenario_with_plan.parameters.capacity.carriers;
    assert_eq!(c.len(), 1);
    assert_eq!(
        (c[0].site_id.as_str(), c[0].carriers.as_slice()),
        ("A", &[2][..])
    );
    // cost: one carrier at the default unit cost
    assert_eq!(plan.cost_usd(&Costs::default()), 4_000.0);

    // just within capacity: nothing to do
    let fine = plan_capacity(&one_sector_at(0.99), &options("capacity=95")).unwrap();
    assert!(fine.carriers.is_empty() && fine.sites.is_empty() && fine.rounds == 0);
}

#[test]
fn the_carrier_limit_decides_between_carriers_and_a_new_site() {
    // utilisation 2.5: ceil(2.5) = 3 carriers, allowed by max_carriers = 3
    let s = one_sector_at(2.5);
    let plan = plan_capacity(&s, &options("capacity=100@total")).unwrap();
    assert_eq!(plan.carriers.len(), 1);
    assert_eq!(plan.carriers[0].carriers, (1, 3));
    assert_eq!(plan.carriers_added(), 2);
    assert!(plan.sites.is_empty());
    assert!((plan.after.sectors[0].utilisation.unwrap() - 2.5 / 3.0).abs() < 1e-12);
    assert_eq!(plan.target.scope, Scope::Total);

    // with max_carriers = 2 no carrier count relieves it: a new site. The
    // residents spread over 2 km around the site (so the new one, half the
    // range east, takes a share of them); demand scaled to utilisation 2.5
    let wide = |u: f64| {
        let mut s = one_sector_at(1.0);
        s.communes[0] = Commune::new(
            1,
            rect(LON - 0.01, LAT - 0.01, LON + 0.01, LAT + 0.01),
            PEOPLE,
            PEOPLE / 3.0,
        );
        s.parameters.resolution_m = 50.0;
        let u0 = evaluate_capacity(&s, &SignalOptions::default())
            .unwrap()
            .sectors[0]
            .utilisation
            .unwrap();
        let Demand::BusyHourMbps(d) = s.parameters.capacity.demand else {
            unreachable!()
        };
        s.parameters.capacity.demand = Demand::BusyHourMbps(d * u / u0);
        s
    };
    let mut s = wide(2.5);
    let u = evaluate_capacity(&s, &SignalOptions::default())
        .unwrap()
        .sectors[0]
        .utilisation
        .unwrap();
    assert!((u - 2.5).abs() < 1e-9, "{u}");
    s.parameters.capacity.max_carriers = 2;
    s.parameters.costs = Costs {
        carrier_usd: 1_234.0,
        site_usd: 98_765.0,
        ..Costs::default()
    };
    // at full interferer load the new site's interference costs the
    // isolated site more capacity than it relieves (SINR falls from the
    // cap where it had none): the site is tried, measured and dropped
    let mut o = options("capacity=100@total");
    o.rounds = 1;
    let tried = plan_capacity(&s, &o).unwrap();
    assert!(tried.carriers.is_empty() && tried.sites.is_empty());
    assert!(
        tried
            .notes
            .iter()
            .any(|n| n.contains("1 new sites did not raise")),
        "{:?}",
        tried.notes
    );
    assert_eq!(tried.scenario_with_plan.sites.len(), 1);
    // short for the interference, unless unserved residents alone miss it
    assert!(!tried.short.is_empty());
    for x in &tried.short {
        let expected = if x.unserved_pct > 1e-9 {
            "unserved"
        } else {
            "interference"
        };
        assert_eq!(x.reason, expected, "{x:?}");
    }
    // with interferers almost silent, the site takes its share: kept
    o.signal.interferer_load = 1e-6;
    let plan = plan_capacity(&s, &o).unwrap();
    assert!(plan.carriers.is_empty());
    assert_eq!(plan.sites.len(), 1, "{:?}", plan.notes);
    let site = &plan.sites[0];
    assert_eq!(site.relieves.0.key(), "A");
    assert_eq!(site.relieves.2, Technology::G4);
    assert!((site.utilisation_before - 2.5).abs() < 1e-9);
    // the template's technology, the relieved site's operator (none)
    assert!(site.site.technologies.contains(Technology::G4));
    assert_eq!(plan.scenario_with_plan.sites.len(), 2);
    assert_eq!(plan.rounds, 1);
    // costs: the sum of actions × unit costs
    assert_eq!(plan.cost_usd(&s.parameters.costs), 98_765.0);
}

#[test]
fn costs_are_the_sum_of_actions_times_unit_costs() {
    // three separate wards, each with its own site at utilisation 1.5, 2.5
    // and 3.5: carriers 1 + 2 + 3 (max 4), no site
    let mut communes = Vec::new();
    let mut sites = Vec::new();
    for (k, u) in [1.5, 2.5, 3.5].into_iter().enumerate() {
        let lon = LON + 0.1 * k as f64;
        communes.push(Commune::new(
            k as i64 + 1,
            rect(lon - 0.0005, LAT - 0.0005, lon + 0.0005, LAT + 0.0005),
            PEOPLE * u,
            PEOPLE * u / 3.0,
        ));
        sites.push(
            Site::new(format!("S{k}"), (lon, LAT), [Technology::G4]).with_radio(RadioParams {
                tx_power_dbm: Some(46.0),
                ..RadioParams::default()
            }),
        );
    }
    let mut s = scenario(communes, sites, 10.0);
    s.parameters.capacity = CapacityConfig {
        technology_share: [0.0, 0.0, 1.0, 0.0],
        demand: Demand::BusyHourMbps(CAPPED_MBPS / (PEOPLE * 0.85 * 0.10)),
        max_carriers: 4,
        ..CapacityConfig::default()
    };
    s.parameters.costs.carrier_usd = 777.0;
    let plan = plan_capacity(&s, &options("capacity=99")).unwrap();
    let mut added: Vec<(String, u32, u32)> = plan
        .carriers
        .iter()
        .map(|c| (c.site_id.key(), c.carriers.0, c.carriers.1))
        .collect();
    added.sort();
    assert_eq!(
        added,
        vec![
            ("S0".to_owned(), 1, 2),
            ("S1".to_owned(), 1, 3),
            ("S2".to_owned(), 1, 4)
        ]
    );
    assert_eq!(plan.carriers_added(), 6);
    assert_eq!(plan.cost_usd(&s.parameters.costs), 6.0 * 777.0);
    // cheapest per resident first: S0 (1 carrier for 6,000 people) before
    // S1 (2 for 10,000) before S2 (3 for 14,000)
    let order: Vec<String> = plan.carriers.iter().map(|c| c.site_id.key()).collect();
    assert_eq!(order, ["S0", "S1", "S2"]);
    assert_eq!(plan.communes_meeting(), (0, 3));

    // a whole-scenario target of 40 %: the cheapest action alone (6,000 of
    // 30,000 residents is 20 %, S0 + S1 is 53 %): two actions, 3 carriers
    let plan = plan_capacity(&s, &options("capacity=40@total")).unwrap();
    assert_eq!(plan.carriers_added(), 3);
    let (_, after) = plan.claim_pct();
    assert!(
        (after - 100.0 * 16_000.0 / 30_000.0).abs() < 1e-6,
        "{after}"
    );
}

/// A 60 km² synthetic city of 40 sites, at 250 m.
fn small_city() -> telecov::model::Scenario {
    use telecov::synth::{generate, CityConfig};
    let mut s = generate(&CityConfig {
        area_km2: 60.0,
        sites: 40,
        five_g_sites: 4,
        ..CityConfig::can_tho()
    });
    s.parameters.resolution_m = 250.0;
    s
}

#[test]
fn the_claim_equals_a_rerun_on_the_written_scenario() {
    let s = small_city();
    let mut o = CapacityPlanOptions::new("capacity=95".parse().unwrap());
    o.rounds = 3;
    let plan = plan_capacity(&s, &o).unwrap();
    assert!(!plan.carriers.is_empty() || !plan.sites.is_empty());
    let (before, after) = plan.claim_pct();
    assert!(after > before, "{before} -> {after}");

    let dir = std::env::temp_dir().join(format!("telecov-capacity-plan-{}", std::process::id()));
    telecov::io::write_scenario(&dir, &plan.scenario_with_plan).unwrap();
    let back = telecov::io::load_scenario(&dir).unwrap();
    assert_eq!(
        back.parameters.capacity.carriers,
        plan.scenario_with_plan.parameters.capacity.carriers
    );
    assert_eq!(back.sites.len(), s.sites.len() + plan.sites.len());
    let rerun = evaluate_capacity(&back, &SignalOptions::default()).unwrap();
    let (claimed, measured, worst) = plan.check(&rerun);
    println!(
        "within capacity {before:.3} % -> {after:.3} %, {} carriers, {} sites, {} rounds; re-run {measured:.3} % (worst commune {worst:.2e} pp)",
        plan.carriers_added(),
        plan.sites.len(),
        plan.rounds
    );
    assert!((claimed - measured).abs() < 0.1, "{claimed} vs {measured}");
    assert!(worst < 0.1, "worst commune {worst} pp");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn carriers_in_scenario_toml_are_checked_against_the_sites() {
    let s = one_sector_at(1.5);
    let dir = std::env::temp_dir().join(format!("telecov-carriers-{}", std::process::id()));
    let write = |extra: &str| {
        telecov::io::write_scenario(&dir, &s).unwrap();
        let path = dir.join("scenario.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(extra);
        std::fs::write(&path, text).unwrap();
        telecov::io::load_scenario(&dir)
    };
    // one count for the omni site: capacity doubles
    let ok = write("\n[capacity.carriers]\nA = { \"4G\" = 2 }\n").unwrap();
    let r = evaluate_capacity(&ok, &SignalOptions::default()).unwrap();
    assert_eq!(r.sectors[0].carriers, 2);
    assert!((r.sectors[0].capacity_mbps.unwrap() - 2.0 * CAPPED_MBPS).abs() < 1e-9);
    // an unknown site, a count list that does not fit, a fraction
    for (extra, needle) in [
        (
            "\n[capacity.carriers]\nZ = { \"4G\" = 2 }\n",
            "capacity.carriers.Z",
        ),
        (
            "\n[capacity.carriers]\nA = { \"4G\" = [2, 1] }\n",
            "2 counts",
        ),
        (
            "\n[capacity.carriers]\nA = { \"4G\" = 1.5 }\n",
            "whole number",
        ),
        (
            "\n[capacity.carriers]\nA = { \"6G\" = 2 }\n",
            "unknown technology",
        ),
        ("\n[costs]\nsite_usd = -1\n", "costs.site_usd"),
        ("\n[costs]\nsites_usd = 1\n", "sites_usd"),
    ] {
        let e = write(extra).unwrap_err().to_string();
        assert!(e.contains(needle), "{extra}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn carriers_update_the_study_exactly_without_a_new_pass() {
    let mut s = small_city();
    let before = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    // two or three carriers on every overloaded sector, in turn
    let mut changed = 0;
    for (i, sc) in before.sectors.iter().enumerate() {
        if sc.utilisation.is_some_and(|u| u > 1.0) {
            let site = &s.sites[sc.site];
            let (id, n) = (site.id.key(), site.sectors.len());
            let count = 2 + (i % 2) as u32;
            s.parameters.capacity.set_carriers(
                &id,
                sc.technology,
                n,
                sc.sector.unwrap_or(0),
                count,
            );
            changed += 1;
        }
    }
    assert!(changed > 3, "{changed} overloaded sectors");
    let quick = before.with_carriers(&s);
    let full = evaluate_capacity(&s, &SignalOptions::default()).unwrap();
    // bit for bit: the same sums through the same formulas
    assert_eq!(quick.sectors, full.sectors);
    assert_eq!(quick.communes, full.communes);
    assert_eq!(quick.totals, full.totals);
    assert!(quick.totals.people_within_capacity > before.totals.people_within_capacity);
    // and the closed form of one sector: capacity × m, utilisation / m
    for (b, q) in before.sectors.iter().zip(&quick.sectors) {
        let m = f64::from(q.carriers);
        if let (Some(cb), Some(cq)) = (b.capacity_mbps, q.capacity_mbps) {
            assert!((cq - m * cb).abs() <= 1e-9 * cq);
            assert!((q.utilisation.unwrap() * m - b.utilisation.unwrap()).abs() <= 1e-9);
        }
        assert_eq!(b.load_mbps, q.load_mbps);
    }
}

#[test]
fn a_sector_at_twice_its_capacity_is_split_by_one_site_at_the_centre_of_its_demand() {
    // one sector looking east over two equal wards on its boresight, 100 m
    // and 600 m away; every point above SINR_max with interferers almost
    // silent, so SE is 4.4 everywhere and utilisation is load / capacity
    let per_m = 1.0 / 109_600.0; // degrees of longitude per metre here
    let half = 0.0002;
    let ward_at = |m: f64| {
        let x = LON + m * per_m;
        rect(x - half, LAT - half, x + half, LAT + half).0
    };
    let wards = geo::MultiPolygon(vec![ward_at(100.0).remove(0), ward_at(600.0).remove(0)]);
    let commune = Commune::new(1, wards, PEOPLE, PEOPLE / 3.0);
    let host = Site::new("H", (LON, LAT), [Technology::G4])
        .with_height_m(30.0)
        .with_range_m(2_000.0)
        .with_sectors(vec![telecov::model::Sector::new(90.0, 65.0)]);
    let mut s = scenario(vec![commune], vec![host], 5.0);
    s.parameters.capacity = CapacityConfig {
        technology_share: [0.0, 0.0, 1.0, 0.0],
        max_carriers: 1, // no carrier can help: a site must
        ..CapacityConfig::default()
    };
    let quiet = SignalOptions {
        interferer_load: 1e-6,
        ..SignalOptions::default()
    };
    // demand scaled so that the sector carries 1.9 times its capacity
    let u0 = evaluate_capacity(&s, &quiet).unwrap().sectors[0]
        .utilisation
        .unwrap();
    s.parameters.capacity.demand = Demand::BusyHourMbps(2.0 * 1.9 / u0);
    let before = evaluate_capacity(&s, &quiet).unwrap();
    let b = &before.sectors[0];
    assert!((b.utilisation.unwrap() - 1.9).abs() < 1e-9);
    assert!((b.capacity_mbps.unwrap() - CAPPED_MBPS).abs() < 1e-9);
    // the demand centre: half-way between the wards, 350 m east
    let (cx, cy) = b.demand_centre.unwrap();
    assert!(((cx - LON) / per_m - 350.0).abs() < 10.0, "{cx}");
    assert!((cy - LAT).abs() < 1e-5);

    let mut o = options("capacity=95");
    o.signal = quiet.clone();
    o.rounds = 1;
    let plan = plan_capacity(&s, &o).unwrap();
    assert!(plan.carriers.is_empty());
    assert_eq!(plan.sites.len(), 1, "{:?}", plan.notes);
    let new = &plan.sites[0].site;
    assert!((new.location.x() - cx).abs() < 1e-9 && (new.location.y() - cy).abs() < 1e-9);
    assert_eq!(new.sectors.len(), 3);
    assert_eq!(new.range_m.get(Technology::G4), Some(2_000.0));
    // the host keeps the near ward, the new site takes the far one: the
    // load is conserved and both sectors stay at SE_max, so the two
    // utilisations add up to 1.9, each within capacity
    let after = &plan.after;
    let host = &after.sectors[0];
    let taken: Vec<_> = after.sectors[1..]
        .iter()
        .filter(|x| x.load_mbps > 0.0)
        .collect();
    assert_eq!(
        taken.len(),
        1,
        "the far ward lies in one sector of the new site"
    );
    let (uh, un) = (host.utilisation.unwrap(), taken[0].utilisation.unwrap());
    assert!((uh + un - 1.9).abs() < 1e-9, "{uh} + {un}");
    assert!(uh <= 1.0 && un <= 1.0, "{uh}, {un}");
    assert!((host.load_mbps + taken[0].load_mbps - b.load_mbps).abs() < 1e-9 * b.load_mbps);
    assert!((after.totals.pct_within_capacity.unwrap() - 100.0).abs() < 1e-9);
    assert_eq!(plan.cost_usd(&Costs::default()), 63_500.0);
}
