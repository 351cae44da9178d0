//! `sites.geojson`: every site with what the engine made of it.

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use std::path::Path;

use super::geojson_kit::{write_features_indexed, Geom};
use super::{num, rounded};
use crate::engine::{audit_sites, RangeSource, SiteAudit};
use crate::model::{Environment, Scenario, Sector, Site, Technology};
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
    write_features_indexed(
        path.as_ref(),
        len,
        |k| Some(Geom::Point(&scenario.sites[k].location)),
        |k| SiteProperties {
            scenario,
            site: &scenario.sites[k],
            audit: &audits[k],
        },
    )
}

/// The properties of a site's feature (see [`sites_map`]) as a JSON
/// object: [`SiteProperties`]' own keys and figures.
fn site_properties(scenario: &Scenario, site: &Site, audit: &SiteAudit) -> JsonObject {
    let properties = SiteProperties {
        scenario,
        site,
        audit,
    };
    match serde_json::to_value(properties) {
        Ok(JsonValue::Object(object)) => object,
        // a map of strings, options and finite numbers always serialises
        _ => JsonObject::new(),
    }
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

/// The technologies of a site that carry a range, in key order.
fn ranged<'a>(site: &'a Site, audit: &'a SiteAudit) -> impl Iterator<Item = Technology> + 'a {
    Technology::ALL
        .into_iter()
        .filter(move |&t| site.technologies.contains(t) && audit.ranges[t.index()].is_some())
}

/// The link-budget record of technology `t`: model, maximum path loss and
/// environment; `None` when its range came from elsewhere.
fn budget_of(audit: &SiteAudit, t: Technology) -> Option<(&'static str, f64, Environment)> {
    match audit.ranges[t.index()] {
        Some((
            _,
            RangeSource::LinkBudget {
                model,
                max_path_loss_db,
                environment,
            },
        )) => Some((model, max_path_loss_db, environment)),
        _ => None,
    }
}

/// The properties of a site's feature, serialised straight to the file's
/// text: keys in sorted order (the order a [`JsonObject`] keeps, so the
/// file's text is that of [`sites_map`]'s objects), numbers rounded to
/// the digits they carry.
struct SiteProperties<'a> {
    scenario: &'a Scenario,
    site: &'a Site,
    audit: &'a SiteAudit,
}

impl Serialize for SiteProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let (site, audit) = (self.site, self.audit);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(
            "commune",
            &audit.commune.map(|c| &self.scenario.communes[c].id),
        )?;
        map.serialize_entry("environment", audit.environment.as_str())?;
        map.serialize_entry("height_m", &num(site.height_m))?;
        map.serialize_entry("id", &site.id)?;
        // every term of each link budget: nested, as a record of its own
        if ranged(site, audit).any(|t| budget_of(audit, t).is_some()) {
            map.serialize_entry("link_budget", &LinkBudgets(site, audit))?;
        }
        for t in ranged(site, audit) {
            if let Some((_, mapl, _)) = budget_of(audit, t) {
                map.serialize_entry(tech_keys(t)[2], &rounded(mapl, 2))?;
            }
        }
        map.serialize_entry("operator", &site.operator)?;
        // flat, one column per layer (a GIS styles by `range_4G_m`)
        for t in ranged(site, audit) {
            let range_m = audit.ranges[t.index()].map_or(0.0, |r| r.0);
            map.serialize_entry(tech_keys(t)[0], &rounded(range_m, 1))?;
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
            let sectors: Vec<SectorProperties<'_>> = site
                .sectors
                .iter()
                .map(|sector| SectorProperties {
                    site,
                    audit,
                    sector,
                })
                .collect();
            map.serialize_entry("sectors", &sectors)?;
        }
        let names: Vec<&str> = site.technologies.iter().map(|t| t.as_str()).collect();
        map.serialize_entry("technologies", &names.join(","))?;
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
            let Some((model, max_path_loss_db, environment)) = budget_of(audit, t) else {
                continue;
            };
            let mut terms: Vec<(&str, Term)> = vec![
                ("model", Term::Text(model)),
                ("environment", Term::Text(environment.as_str())),
                (
                    "max_path_loss_db",
                    Term::Figure(rounded(max_path_loss_db, 2)),
                ),
            ];
            // the terms the engine solved the range with
            if let Some(link) = &audit.links[t.index()] {
                terms.extend(
                    link_terms(link)
                        .into_iter()
                        .map(|(key, v, decimals)| (key, Term::Figure(rounded(v, decimals)))),
                );
            }
            terms.sort_unstable_by_key(|(key, _)| *key);
            map.serialize_entry(tech_keys(t)[3], &Terms(&terms))?;
        }
        map.end()
    }
}

/// A term of a link budget (or a sector's range): text or a rounded figure.
enum Term {
    Text(&'static str),
    Figure(JsonValue),
}

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Term::Text(s) => serializer.serialize_str(s),
            Term::Figure(v) => v.serialize(serializer),
        }
    }
}

/// Terms as a JSON object, in the order given (sorted by key).
struct Terms<'t>(&'t [(&'t str, Term)]);

impl Serialize for Terms<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A sector: its azimuth, beamwidth and effective range per technology of
/// the site (its own range, else the site's).
struct SectorProperties<'a> {
    site: &'a Site,
    audit: &'a SiteAudit,
    sector: &'a Sector,
}

impl Serialize for SectorProperties<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let ranges: Vec<(&str, Term)> = Technology::ALL
            .into_iter()
            .filter(|&t| self.site.technologies.contains(t))
            .map(|t| {
                let site_range = self.audit.ranges[t.index()].map_or(0.0, |r| r.0);
                let range_m = self.sector.range_m.unwrap_or(site_range);
                (tech_keys(t)[3], Term::Figure(rounded(range_m, 1)))
            })
            .collect();
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("azimuth_deg", &num(self.sector.azimuth_deg))?;
        map.serialize_entry("beamwidth_deg", &num(self.sector.beamwidth_deg))?;
        map.serialize_entry("effective_range_m", &Terms(&ranges))?;
        map.end()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, CommuneKind, FeatureId, RadioParams, SiteRange, TechSet};
    use geo::{Point, Rect};

    /// The file's properties, serialised straight, are the very bytes of
    /// the objects `sites_map` holds (keys in their sorted order, nothing
    /// lost on the way): link budgets (with and without a commune), ranges
    /// given per site and per technology, default ranges, sectors with and
    /// without their own range.
    #[test]
    fn direct_properties_are_the_bytes_of_the_value_tree() {
        let square = Rect::new((105.70, 10.00), (105.76, 10.06)).to_polygon();
        let commune = Commune::new("w1", square, 5000.0, 1500.0).with_kind(CommuneKind::Ward);
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
