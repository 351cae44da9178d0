//! Writing reports and maps.
//!
//! - [`write_report`]: `report.json`, exactly the contract's schema
//!   ([`Report`]).
//! - [`communes_map`] / [`write_communes_map`]: `communes.geojson`, the
//!   commune polygons carrying the report's figures plus ready-made
//!   percentages (`pct_4G`, `pct_fiber`, …) for a choropleth in QGIS or
//!   geojson.io.
//! - [`sites_map`]: `sites.geojson`, every site with the range the engine
//!   used per technology and why (site `range_m`, link budget, default).
//! - [`summary_table`]: a short per-district table for a terminal.
//!
//! Files are written atomically: to a temporary file in the same folder,
//! then renamed, so an interrupted run never leaves a half-written file.

use std::fmt::Write as _;
use std::path::Path;

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use crate::model::{Scenario, Technology};
use crate::report::{pct, Report};
use crate::{Error, Result};

/// Loads the scenario in `scenario_dir`, evaluates it with `options` and
/// writes `report.json`, `communes.geojson`, `sites.geojson`
/// ([`sites_map`]), `gaps.geojson` (uncovered regions of every layer,
/// [`crate::planning::find_gaps`]), `report.html` (the interactive map and
/// tables, [`crate::io::write::html`]) and `map.png` (the 4G choropleth,
/// [`crate::io::write::map_png()`]) into `out_dir` (created if needed).
/// Returns the report.
///
/// Nothing is written unless every step before succeeds: a refused
/// scenario leaves `out_dir` untouched. `out_dir` must not be the scenario
/// directory (outputs never mix with inputs).
///
/// ```no_run
/// let report = telecov::io::output::report_scenario("data/demo", "out/demo", &telecov::Options::default())?;
/// println!("{}", telecov::io::output::summary_table(&report));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn report_scenario(
    scenario_dir: impl AsRef<Path>,
    out_dir: impl AsRef<Path>,
    options: &crate::Options,
) -> Result<Report> {
    let (scenario_dir, out_dir) = (scenario_dir.as_ref(), out_dir.as_ref());
    if let (Ok(a), Ok(b)) = (scenario_dir.canonicalize(), out_dir.canonicalize()) {
        if a == b {
            return Err(Error::Parameter {
                name: "out_dir",
                reason: format!(
                    "{} is the scenario directory; write the outputs elsewhere",
                    out_dir.display()
                ),
            });
        }
    }
    let scenario = crate::io::load_scenario(scenario_dir)?;
    let report = crate::evaluate_with(&scenario, options)?;
    let gap_options = crate::planning::GapOptions {
        engine: *options,
        ..Default::default()
    };
    let gaps = crate::planning::find_gaps(&scenario, &report, &gap_options)?;
    let page = crate::io::write::report_html(&scenario, &report, Some(&gaps))?;
    let png = crate::io::write::map_png(
        &scenario,
        &report,
        crate::planning::Layer::G4,
        crate::io::write::map_png::DEFAULT_WIDTH_PX,
    )?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    write_report(out_dir.join("report.json"), &report)?;
    write_communes_map(out_dir.join("communes.geojson"), &scenario, &report)?;
    write_atomic(
        &out_dir.join("sites.geojson"),
        sites_map(&scenario).to_string().as_bytes(),
    )?;
    crate::planning::output::write_gaps(out_dir.join("gaps.geojson"), &scenario, &gaps)?;
    write_atomic(&out_dir.join("report.html"), page.as_bytes())?;
    write_atomic(&out_dir.join("map.png"), &png)?;
    Ok(report)
}

/// Writes `bytes` to `path` atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let tmp = match dir {
        Some(d) => d.join(format!(".{name}.tmp{}", std::process::id())),
        None => Path::new(&format!(".{name}.tmp{}", std::process::id())).to_path_buf(),
    };
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Writes `report` as pretty-printed JSON to `path`.
pub fn write_report(path: impl AsRef<Path>, report: &Report) -> Result<()> {
    write_atomic(path.as_ref(), report.to_json().as_bytes())
}

fn num(v: f64) -> JsonValue {
    serde_json::Number::from_f64(v).map_or(JsonValue::Null, JsonValue::Number)
}

/// Rounds a percentage to 0.01 for display in maps.
fn pct2(v: f64) -> JsonValue {
    num((v * 100.0).round() / 100.0)
}

/// The commune polygons (WGS 84) with the report's figures as properties:
/// every field of the commune's report entry, plus `pct_2G` … `pct_5G`,
/// `pct_mobile_broadband`, `pct_fiber` (households), `pct_wifi`, and
/// `population_uncovered_mobile_broadband`. Communes without geometry are
/// written with a null geometry.
pub fn communes_map(scenario: &Scenario, report: &Report) -> FeatureCollection {
    let features = scenario
        .communes
        .iter()
        .zip(&report.communes)
        .map(|(commune, row)| {
            let mut properties = match serde_json::to_value(row) {
                Ok(JsonValue::Object(m)) => m,
                _ => JsonObject::new(),
            };
            for t in Technology::ALL {
                properties.insert(format!("pct_{t}"), pct2(row.population_covered_pct(t)));
            }
            properties.insert(
                "pct_mobile_broadband".into(),
                pct2(row.mobile_broadband_pct()),
            );
            properties.insert("pct_fiber".into(), pct2(row.fiber_pct()));
            properties.insert("pct_wifi".into(), pct2(row.wifi_pct()));
            properties.insert(
                "population_uncovered_mobile_broadband".into(),
                num(row.population - row.population_covered.mobile_broadband),
            );
            Feature {
                bbox: None,
                geometry: commune
                    .geometry
                    .as_ref()
                    .map(|g| Geometry::new(geojson::GeometryValue::from(g))),
                id: None,
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Writes [`communes_map`] to `path`.
pub fn write_communes_map(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
) -> Result<()> {
    let fc = communes_map(scenario, report);
    write_atomic(path.as_ref(), fc.to_string().as_bytes())
}

/// The sites (WGS 84 points) with what the engine made of them, for a
/// planner to audit: `id`, `operator`, `technologies`, `height_m`,
/// `commune` (id of the commune holding it, or null), `environment`,
/// `effective_range_m` (technology → metres), `range_source` (technology →
/// `range_m`, `link_budget` or `default`), `link_budget` (technology →
/// every term of the budget for link-budget layers: `model`,
/// `environment`, `frequency_mhz`, `tx_power_dbm`, `antenna_gain_dbi`,
/// `feeder_loss_db`, `eirp_dbm`, `rx_antenna_gain_dbi`, `bandwidth_mhz`,
/// `noise_figure_db`, `required_sinr_db`, `sensitivity_dbm`,
/// `interference_margin_db`, `shadow_sigma_db`, `cell_edge_probability`,
/// `shadow_margin_db`, `indoor_penetration_loss_db`, `body_loss_db`,
/// `mobile_height_m`, `radio_horizon_m`, `max_path_loss_db`) and `sectors` (each
/// with its `azimuth_deg`, `beamwidth_deg` and `effective_range_m`).
pub fn sites_map(scenario: &Scenario) -> FeatureCollection {
    use crate::engine::{audit_sites, RangeSource};
    let audits = audit_sites(scenario);
    let features = scenario
        .sites
        .iter()
        .zip(&audits)
        .map(|(site, audit)| {
            let mut effective = JsonObject::new();
            let mut source = JsonObject::new();
            let mut budget = JsonObject::new();
            for t in site.technologies.iter() {
                let Some((range_m, how)) = audit.ranges[t.index()] else {
                    continue;
                };
                effective.insert(t.to_string(), num(range_m));
                let label = match how {
                    RangeSource::SiteRange => "range_m",
                    RangeSource::Default => "default",
                    RangeSource::LinkBudget {
                        model,
                        max_path_loss_db,
                        environment,
                    } => {
                        let mut terms = serde_json::json!({
                            "model": model,
                            "environment": environment.as_str(),
                            "max_path_loss_db": num(max_path_loss_db),
                        });
                        let (link, _) = crate::propagation::SiteLink::resolve(
                            t,
                            &site.radio,
                            site.height_m,
                            environment,
                            &scenario.parameters.radio,
                        );
                        if let (Ok(link), Some(obj)) = (link, terms.as_object_mut()) {
                            let b = &link.budget;
                            for (key, value) in [
                                ("frequency_mhz", link.frequency_mhz),
                                ("tx_power_dbm", b.tx_power_dbm),
                                ("antenna_gain_dbi", b.antenna_gain_dbi),
                                ("feeder_loss_db", b.feeder_loss_db),
                                ("eirp_dbm", b.eirp_dbm()),
                                ("rx_antenna_gain_dbi", b.rx_antenna_gain_dbi),
                                ("bandwidth_mhz", b.bandwidth_mhz),
                                ("noise_figure_db", b.noise_figure_db),
                                ("required_sinr_db", b.required_sinr_db),
                                ("sensitivity_dbm", b.sensitivity_dbm()),
                                ("interference_margin_db", b.interference_margin_db),
                                ("shadow_sigma_db", b.shadow_sigma_db),
                                ("cell_edge_probability", b.cell_edge_probability),
                                ("shadow_margin_db", b.shadow_margin_db()),
                                ("indoor_penetration_loss_db", b.indoor_penetration_loss_db),
                                ("body_loss_db", b.body_loss_db),
                                ("mobile_height_m", link.mobile_height_m),
                                ("radio_horizon_m", link.horizon_m),
                            ] {
                                obj.insert(key.into(), num(value));
                            }
                        }
                        budget.insert(t.to_string(), terms);
                        "link_budget"
                    }
                };
                source.insert(t.to_string(), label.into());
            }
            let sectors: Vec<JsonValue> = site
                .sectors
                .iter()
                .map(|sec| {
                    let ranges: JsonObject = site
                        .technologies
                        .iter()
                        .map(|t| {
                            let site_range = audit.ranges[t.index()].map_or(0.0, |r| r.0);
                            (t.to_string(), num(sec.range_m.unwrap_or(site_range)))
                        })
                        .collect();
                    serde_json::json!({
                        "azimuth_deg": num(sec.azimuth_deg),
                        "beamwidth_deg": num(sec.beamwidth_deg),
                        "effective_range_m": ranges,
                    })
                })
                .collect();
            let mut properties = JsonObject::new();
            properties.insert(
                "id".into(),
                serde_json::to_value(&site.id).unwrap_or(JsonValue::Null),
            );
            properties.insert(
                "operator".into(),
                site.operator
                    .clone()
                    .map_or(JsonValue::Null, JsonValue::String),
            );
            properties.insert(
                "technologies".into(),
                site.technologies
                    .iter()
                    .map(|t| JsonValue::from(t.as_str()))
                    .collect(),
            );
            properties.insert("height_m".into(), num(site.height_m));
            properties.insert(
                "commune".into(),
                audit
                    .commune
                    .and_then(|c| serde_json::to_value(&scenario.communes[c].id).ok())
                    .unwrap_or(JsonValue::Null),
            );
            properties.insert("environment".into(), audit.environment.as_str().into());
            properties.insert("effective_range_m".into(), JsonValue::Object(effective));
            properties.insert("range_source".into(), JsonValue::Object(source));
            if !budget.is_empty() {
                properties.insert("link_budget".into(), JsonValue::Object(budget));
            }
            if !sectors.is_empty() {
                properties.insert("sectors".into(), JsonValue::Array(sectors));
            }
            Feature {
                bbox: None,
                geometry: Some(Geometry::new(geojson::GeometryValue::from(&site.location))),
                id: None,
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// A short table: one row per district (communes without a district are
/// grouped under "-"), then the total, with population, households and the
/// covered shares in percent.
pub fn summary_table(report: &Report) -> String {
    #[derive(Default)]
    struct Acc {
        communes: usize,
        pop: f64,
        hh: f64,
        tech: [f64; 4],
        mbb: f64,
        fiber: f64,
        wifi: f64,
        with_wifi: usize,
    }
    let mut groups: Vec<(String, Acc)> = Vec::new();
    for c in &report.communes {
        let key = c.district.clone().unwrap_or_else(|| "-".to_owned());
        let idx = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Acc::default()));
                groups.len() - 1
            }
        };
        let a = &mut groups[idx].1;
        a.communes += 1;
        a.pop += c.population;
        a.hh += c.households;
        for t in Technology::ALL {
            a.tech[t.index()] += c.population_covered.get(t);
        }
        a.mbb += c.population_covered.mobile_broadband;
        a.fiber += c.households_fiber_passed;
        a.wifi += c.population_wifi_covered;
        a.with_wifi += usize::from(c.wifi_points > 0);
    }
    let t = &report.totals;
    let total = Acc {
        communes: t.communes,
        pop: t.population,
        hh: t.households,
        tech: [
            t.population_covered.g2,
            t.population_covered.g3,
            t.population_covered.g4,
            t.population_covered.g5,
        ],
        mbb: t.population_covered.mobile_broadband,
        fiber: t.households_fiber_passed,
        wifi: t.population_wifi_covered,
        with_wifi: t.communes_with_wifi,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:>5} {:>11} {:>10} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "district",
        "units",
        "population",
        "households",
        "2G%",
        "3G%",
        "4G%",
        "5G%",
        "MBB%",
        "fibre%",
        "wifi%",
        "w/wifi"
    );
    let mut line = |name: &str, a: &Acc| {
        let name: String = name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "{:<24} {:>5} {:>11.0} {:>10.0} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6}",
            name,
            a.communes,
            a.pop,
            a.hh,
            pct(a.tech[0], a.pop),
            pct(a.tech[1], a.pop),
            pct(a.tech[2], a.pop),
            pct(a.tech[3], a.pop),
            pct(a.mbb, a.pop),
            pct(a.fiber, a.hh),
            pct(a.wifi, a.pop),
            a.with_wifi,
        );
    };
    for (name, a) in &groups {
        line(name, a);
    }
    line("TOTAL", &total);
    if t.unassigned_population > 0.0 || t.unassigned_households > 0.0 {
        let _ = writeln!(
            out,
            "unassigned (in no commune): {:.0} people, {:.0} households",
            t.unassigned_population, t.unassigned_households
        );
    }
    out
}
