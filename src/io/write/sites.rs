//! `sites.geojson`: every site with what the engine made of it.

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use std::path::Path;

use super::geojson_kit::{write_features_indexed, Geom};
use super::{num, rounded};
use crate::engine::{audit_sites, RangeSource, SiteAudit};
use crate::model::{Scenario, Site, Technology};
use crate::Result;

/// The sites (WGS 84 points) with what the engine made of them, for a
/// planner to audit, as flat properties a GIS can style by: `id`,
/// `operator`, `technologies` (`"3G,4G"`), `height_m`, `commune` (id of the
/// commune holding it, or null), `environment`, per technology `T` it
/// carries `range_T_m` (metres, to 0.1 m), `range_source_T` (`range_m`,
/// `link_budget` or `default`) and, in link-budget mode,
/// `max_path_loss_T_db`; nested where a record adds something:
/// `link_budget` (technology →
/// every term of the budget for link-budget layers: `model`,
/// `environment`, `frequency_mhz`, `tx_power_dbm`, `antenna_gain_dbi`,
/// `feeder_loss_db`, `eirp_dbm`, `rx_antenna_gain_dbi`, `bandwidth_mhz`,
/// `noise_figure_db`, `required_sinr_db`, `sensitivity_dbm`,
/// `interference_margin_db`, `shadow_sigma_db`, `cell_edge_probability`,
/// `shadow_margin_db`, `indoor_penetration_loss_db`, `body_loss_db`,
/// `mobile_height_m`, `radio_horizon_m`, `max_path_loss_db`) and `sectors` (each
/// with its `azimuth_deg`, `beamwidth_deg` and `effective_range_m`).
pub fn sites_map(scenario: &Scenario) -> FeatureCollection {
    let audits = audit_sites(scenario);
    let features = scenario
        .sites
        .iter()
        .zip(&audits)
        .map(|(site, audit)| Feature {
            bbox: None,
            geometry: Some(Geometry::new(geojson::GeometryValue::from(&site.location))),
            id: None,
            properties: Some(site_properties(scenario, site, audit)),
            foreign_members: None,
        })
        .collect();
    FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// Writes [`sites_map`] to `path`.
pub fn write_sites_map(path: impl AsRef<Path>, scenario: &Scenario) -> Result<()> {
    write_sites_audit(path, scenario, &audit_sites(scenario))
}

/// Writes `sites.geojson` from the audits an evaluation already made
/// ([`crate::evaluate_with_sites`]), one per site in input order.
pub fn write_sites_audit(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    audits: &[SiteAudit],
) -> Result<()> {
    let len = scenario.sites.len().min(audits.len());
    write_features_indexed(path.as_ref(), len, |k| {
        let site = &scenario.sites[k];
        (
            Some(Geom::Point(&site.location)),
            SiteProperties {
                scenario,
                site,
                audit: &audits[k],
            },
        )
    })
}

/// A figure as [`rounded`] writes it: `None` (null) when not finite.
fn rounded_f64(v: f64, decimals: i32) -> Option<f64> {
    let scale = 10f64.powi(decimals);
    let r = (v * scale).round() / scale;
    r.is_finite().then_some(r)
}

/// A finite figure, or `None` (null).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The flat keys of a technology `T`: `range_T_m`, `range_source_T`,
/// `max_path_loss_T_db`, and its own name.
fn tech_keys(t: Technology) -> [&'static str; 4] {
    match t {
        Technology::G2 => ["range_2G_m", "range_source_2G", "max_path_loss_2G_db", "2G"],
        Technology::G3 => ["range_3G_m", "range_source_3G", "max_path_loss_3G_db", "3G"],
        Technology::G4 => ["range_4G_m", "range_source_4G", "max_path_loss_4G_db", "4G"],
        Technology::G5 => ["range_5G_m", "range_source_5G", "max_path_loss_5G_db", "5G"],
    }
}

/// The properties of a site's feature, serialised straight to the file's
/// text: the same keys, order (sorted, as a [`JsonObject`] keeps them)
/// and numbers as [`site_properties`], without building its tree of
/// values (a test holds the two to the same bytes).
struct SiteProperties<'a> {
    scenario: &'a Scenario,
    site: &'a Site,
    audit: &'a SiteAudit,
}

/// The technologies of a site that carry a range, in key order.
fn ranged<'a>(site: &'a Site, audit: &'a SiteAudit) -> impl Iterator<Item = Technology> + 'a {
    Technology::ALL
        .into_iter()
        .filter(move |&t| site.technologies.contains(t) && audit.ranges[t.index()].is_some())
}

impl Serialize for SiteProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (site, audit) = (self.site, self.audit);
        let budget = |t: Technology| match audit.ranges[t.index()] {
            Some((
                _,
                RangeSource::LinkBudget {
                    model,
                    max_path_loss_db,
                    environment,
                },
            )) => Some((model, max_path_loss_db, environment)),
            _ => None,
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(
            "commune",
            &audit.commune.map(|c| &self.scenario.communes[c].id),
        )?;
        map.serialize_entry("environment", audit.environment.as_str())?;
        map.serialize_entry("height_m", &finite(site.height_m))?;
        map.serialize_entry("id", &site.id)?;
        if ranged(site, audit).any(|t| budget(t).is_some()) {
            map.serialize_entry("link_budget", &LinkBudgets(site, audit))?;
        }
        for t in ranged(site, audit) {
            if let Some((_, mapl, _)) = budget(t) {
                map.serialize_entry(tech_keys(t)[2], &rounded_f64(mapl, 2))?;
            }
        }
        map.serialize_entry("operator", &site.operator)?;
        for t in ranged(site, audit) {
            let (range_m, _) = audit.ranges[t.index()].unwrap_or((0.0, RangeSource::Default));
            map.serialize_entry(tech_keys(t)[0], &rounded_f64(range_m, 1))?;
        }
        for t in ranged(site, audit) {
            let label = match audit.ranges[t.index()] {
                Some((_, RangeSource::SiteRange)) => "range_m",
                Some((_, RangeSource::LinkBudget { .. })) => "link_budget",
                _ => "default",
            };
            map.serialize_entry(tech_keys(t)[1], label)?;
        }
        if !site.sectors.is_empty() {
            map.serialize_entry("sectors", &Sectors(site, audit))?;
        }
        let mut names = String::with_capacity(12);
        for t in site.technologies.iter() {
            if !names.is_empty() {
                names.push(',');
            }
            names.push_str(t.as_str());
        }
        map.serialize_entry("technologies", &names)?;
        map.end()
    }
}

/// `link_budget`: technology → the terms of its budget, keys sorted.
struct LinkBudgets<'a>(&'a Site, &'a SiteAudit);

impl Serialize for LinkBudgets<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (site, audit) = (self.0, self.1);
        let mut map = serializer.serialize_map(None)?;
        for t in ranged(site, audit) {
            let Some((
                _,
                RangeSource::LinkBudget {
                    model,
                    max_path_loss_db,
                    environment,
                },
            )) = audit.ranges[t.index()]
            else {
                continue;
            };
            /// A term: text or a rounded figure.
            enum Term {
                Text(&'static str),
                Figure(Option<f64>),
            }
            impl Serialize for Term {
                fn serialize<S: Serializer>(
                    &self,
                    serializer: S,
                ) -> std::result::Result<S::Ok, S::Error> {
                    match self {
                        Term::Text(s) => serializer.serialize_str(s),
                        Term::Figure(v) => v.serialize(serializer),
                    }
                }
            }
            let mut terms: Vec<(&str, Term)> = vec![
                ("model", Term::Text(model)),
                ("environment", Term::Text(environment.as_str())),
                (
                    "max_path_loss_db",
                    Term::Figure(rounded_f64(max_path_loss_db, 2)),
                ),
            ];
            // the terms the engine solved the range with
            if let Some(link) = &audit.links[t.index()] {
                terms.extend(
                    link_terms(link)
                        .into_iter()
                        .map(|(key, v, d)| (key, Term::Figure(rounded_f64(v, d)))),
                );
            }
            terms.sort_unstable_by_key(|(key, _)| *key);
            struct Terms<'t>(&'t [(&'t str, Term)]);
            impl Serialize for Terms<'_> {
                fn serialize<S: Serializer>(
                    &self,
                    serializer: S,
                ) -> std::result::Result<S::Ok, S::Error> {
                    serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
                }
            }
            map.serialize_entry(tech_keys(t)[3], &Terms(&terms))?;
        }
        map.end()
    }
}

/// `sectors`: each with its azimuth, beamwidth and effective ranges.
struct Sectors<'a>(&'a Site, &'a SiteAudit);

impl Serialize for Sectors<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (site, audit) = (self.0, self.1);
        let mut seq = serializer.serialize_seq(Some(site.sectors.len()))?;
        for sec in &site.sectors {
            struct Ranges<'a>(&'a Site, &'a SiteAudit, Option<f64>);
            impl Serialize for Ranges<'_> {
                fn serialize<S: Serializer>(
                    &self,
                    serializer: S,
                ) -> std::result::Result<S::Ok, S::Error> {
                    let (site, audit, sector_range) = (self.0, self.1, self.2);
                    let mut map = serializer.serialize_map(None)?;
                    for t in Technology::ALL
                        .into_iter()
                        .filter(|&t| site.technologies.contains(t))
                    {
                        let site_range = audit.ranges[t.index()].map_or(0.0, |r| r.0);
                        map.serialize_entry(
                            tech_keys(t)[3],
                            &rounded_f64(sector_range.unwrap_or(site_range), 1),
                        )?;
                    }
                    map.end()
                }
            }
            struct Sector<'a>(&'a Site, &'a SiteAudit, &'a crate::model::Sector);
            impl Serialize for Sector<'_> {
                fn serialize<S: Serializer>(
                    &self,
                    serializer: S,
                ) -> std::result::Result<S::Ok, S::Error> {
                    let mut map = serializer.serialize_map(Some(3))?;
                    map.serialize_entry("azimuth_deg", &finite(self.2.azimuth_deg))?;
                    map.serialize_entry("beamwidth_deg", &finite(self.2.beamwidth_deg))?;
                    map.serialize_entry(
                        "effective_range_m",
                        &Ranges(self.0, self.1, self.2.range_m),
                    )?;
                    map.end()
                }
            }
            seq.serialize_element(&Sector(site, audit, sec))?;
        }
        seq.end()
    }
}

/// The terms of a link budget beside its model, environment and maximum
/// path loss: key, value, decimals written.
fn link_terms(link: &crate::propagation::LinkTerms) -> [(&'static str, f64, i32); 18] {
    let b = &link.budget;
    [
        ("frequency_mhz", link.frequency_mhz, 3),
        ("tx_power_dbm", b.tx_power_dbm, 2),
        ("antenna_gain_dbi", b.antenna_gain_dbi, 2),
        ("feeder_loss_db", b.feeder_loss_db, 2),
        ("eirp_dbm", b.eirp_dbm(), 2),
        ("rx_antenna_gain_dbi", b.rx_antenna_gain_dbi, 2),
        ("bandwidth_mhz", b.bandwidth_mhz, 3),
        ("noise_figure_db", b.noise_figure_db, 2),
        ("required_sinr_db", b.required_sinr_db, 2),
        ("sensitivity_dbm", b.sensitivity_dbm(), 2),
        ("interference_margin_db", b.interference_margin_db, 2),
        ("shadow_sigma_db", b.shadow_sigma_db, 2),
        ("cell_edge_probability", b.cell_edge_probability, 4),
        ("shadow_margin_db", b.shadow_margin_db(), 2),
        (
            "indoor_penetration_loss_db",
            b.indoor_penetration_loss_db,
            2,
        ),
        ("body_loss_db", b.body_loss_db, 2),
        ("mobile_height_m", link.mobile_height_m, 2),
        ("radio_horizon_m", link.horizon_m, 1),
    ]
}

/// The properties of a site's feature (see [`sites_map`]).
fn site_properties(scenario: &Scenario, site: &Site, audit: &SiteAudit) -> JsonObject {
    let mut effective = JsonObject::new();
    let mut source = JsonObject::new();
    let mut budget = JsonObject::new();
    let mut flat_budget = Vec::new();
    for t in site.technologies.iter() {
        let Some((range_m, how)) = audit.ranges[t.index()] else {
            continue;
        };
        effective.insert(t.to_string(), rounded(range_m, 1));
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
                    "max_path_loss_db": rounded(max_path_loss_db, 2),
                });
                // the terms the engine solved the range with
                if let (Some(link), Some(obj)) = (&audit.links[t.index()], terms.as_object_mut()) {
                    for (key, value, decimals) in link_terms(link) {
                        obj.insert(key.into(), rounded(value, decimals));
                    }
                }
                if let Some(mapl) = terms.get("max_path_loss_db") {
                    flat_budget.push((format!("max_path_loss_{t}_db"), mapl.clone()));
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
                    (t.to_string(), rounded(sec.range_m.unwrap_or(site_range), 1))
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
    let names: Vec<&str> = site.technologies.iter().map(|t| t.as_str()).collect();
    properties.insert("technologies".into(), names.join(",").into());
    properties.insert("height_m".into(), num(site.height_m));
    properties.insert(
        "commune".into(),
        audit
            .commune
            .and_then(|c| serde_json::to_value(&scenario.communes[c].id).ok())
            .unwrap_or(JsonValue::Null),
    );
    properties.insert("environment".into(), audit.environment.as_str().into());
    // flat, one column per layer (a GIS styles by `range_4G_m`)
    for (t, range) in effective {
        properties.insert(format!("range_{t}_m"), range);
    }
    for (t, how) in source {
        properties.insert(format!("range_source_{t}"), how);
    }
    properties.extend(flat_budget);
    // every term of each link budget: nested, as a record of its own
    if !budget.is_empty() {
        properties.insert("link_budget".into(), JsonValue::Object(budget));
    }
    if !sectors.is_empty() {
        properties.insert("sectors".into(), JsonValue::Array(sectors));
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, CommuneKind, FeatureId, RadioParams, Sector, SiteRange, TechSet};
    use geo::{polygon, MultiPolygon, Point};

    /// The file's properties, serialised straight, are the very bytes of
    /// the tree of values `sites_map` builds: link budgets (with and
    /// without a commune), ranges given per site and per technology,
    /// default ranges, sectors with and without their own range.
    #[test]
    fn direct_properties_are_the_bytes_of_the_value_tree() {
        let commune = Commune {
            id: FeatureId::Str("w1".into()),
            name: None,
            district: None,
            kind: Some(CommuneKind::Ward),
            population: Some(5000.0),
            households: Some(1500.0),
            geometry: Some(MultiPolygon(vec![polygon![
                (x: 105.70, y: 10.00), (x: 105.76, y: 10.00), (x: 105.76, y: 10.06),
                (x: 105.70, y: 10.06), (x: 105.70, y: 10.00)
            ]])),
        };
        let techs = |ts: &[Technology]| ts.iter().copied().collect::<TechSet>();
        let sector = |az: f64, range_m: Option<f64>| Sector {
            azimuth_deg: az,
            beamwidth_deg: 65.0,
            range_m,
        };
        let site = |id: i64, ts: &[Technology], tx: Option<f64>, range: SiteRange| Site {
            id: FeatureId::Int(id),
            operator: (id % 2 == 0).then(|| format!("op{id}")),
            technologies: techs(ts),
            height_m: 30.0 + id as f64 / 3.0,
            range_m: range,
            sectors: (0..(id % 4) as usize)
                .map(|k| sector(120.0 * k as f64 + 7.3, (k == 1).then_some(345.67)))
                .collect(),
            radio: RadioParams {
                tx_power_dbm: tx,
                ..RadioParams::default()
            },
            location: Point::new(
                105.71 + 0.01 * (id % 5) as f64,
                10.01 + 0.01 * (id % 4) as f64,
            ),
        };
        use Technology::*;
        let mut sites = Vec::new();
        for id in 0..24i64 {
            let ts: &[Technology] = match id % 4 {
                0 => &[G2, G3, G4],
                1 => &[G4, G5],
                2 => &[G3],
                _ => &[G2, G3, G4, G5],
            };
            let range = match id % 3 {
                0 => SiteRange::Unset,
                1 => SiteRange::All(812.345),
                _ => SiteRange::PerTechnology([Some(900.0), None, Some(450.25), None]),
            };
            let tx = (id % 5 != 0).then_some(40.0 + id as f64 / 4.0);
            let mut s = site(id, ts, tx, range);
            if id == 7 {
                // outside the commune: no commune, the default environment
                s.location = Point::new(105.9, 10.2);
            }
            sites.push(s);
        }
        let scenario = Scenario {
            communes: vec![commune],
            sites,
            ..Scenario::default()
        };
        let audits = crate::engine::audit_sites(&scenario);
        let mut budgets = 0;
        for (site, audit) in scenario.sites.iter().zip(&audits) {
            let tree = serde_json::to_string(&site_properties(&scenario, site, audit)).unwrap();
            let direct = serde_json::to_string(&SiteProperties {
                scenario: &scenario,
                site,
                audit,
            })
            .unwrap();
            assert_eq!(direct, tree, "site {:?}", site.id);
            budgets += usize::from(tree.contains("\"link_budget\":{"));
        }
        assert!(budgets >= 10, "{budgets} sites with link budgets");
    }
}
