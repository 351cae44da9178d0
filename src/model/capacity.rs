//! Busy-hour demand of a capacity study (`[capacity]` and
//! `[capacity.operators]` in scenario.toml) as plain data. The study itself
//! is [`crate::engine::capacity`]; the spectral efficiency of a link is in
//! [`crate::propagation::spectral_efficiency`].
//!
//! # Keys and defaults
//!
//! | key | default | meaning |
//! | --- | --- | --- |
//! | `subscribers_per_resident` | 0.85 | mobile-data subscribers per resident, all operators together |
//! | `busy_hour_active_share` | 0.10 | share of subscribers active at once in the busy hour |
//! | `busy_hour_mbps` | 2.0 | demand of one active user in the busy hour, Mbps |
//! | `monthly_gb` | — | instead of `busy_hour_mbps`: data per subscriber per month, GB (10⁹ bytes) |
//! | `busy_hour_traffic_share` | — | with `monthly_gb`: share of a day's traffic carried in the busy hour |
//! | `technology_share` | `{ "4G" = 0.7, "5G" = 0.2, "3G" = 0.1 }` | where demand goes when the technology serves the point |
//! | `throughput_thresholds_mbps` | `[5, 10, 25]` | the thresholds of `people_at_least_mbps` |
//! | `[capacity.operators]` | none (one network) | market share of each operator, summing to 1 |
//! | `max_carriers` | 3 | most carriers a sector may hold on one technology when a plan adds carriers |
//! | `[capacity.carriers]` | none (one carrier everywhere) | carriers per sector, by site id and technology (below) |
//!
//! The defaults are assumptions of this crate, not measured figures: they
//! are of the order of published national figures for Vietnam (more than
//! one active SIM per inhabitant, so 0.85 stands for the share of residents
//! who are data subscribers once multi-SIM users are counted once) and of
//! the busy-hour rules of thumb of radio dimensioning (10 % of subscribers
//! active, 2 Mbps each). Replace them with the operator's own figures
//! (subscribers, GB per month, busy-hour share) when known.
//!
//! Published Vietnamese figures to calibrate a study with (as reported in
//! the press, not primary tables): 71 million mobile broadband
//! subscriptions in October 2021 (Ministry of Information and
//! Communications, Department of Telecommunications, reported by OpenGov
//! Asia), about 0.72 per resident for some 98.5 million residents, below
//! the 0.85 default; subscriptions by technology in 2020: 4G 89.42 %, 3G
//! 10.05 %, 5G 0.54 % (same source); about 1.9 GB of mobile data per user
//! per month in 2019 (VietNamNet), far below the busy-hour default (2 Mbps
//! for 10 % of subscribers is, at a busy-hour share of 8 %, some 34 GB a
//! month), a figure that has grown since and for which no recent citable
//! value was found: the demand defaults stay assumptions.
//!
//! With `monthly_gb` and `busy_hour_traffic_share` the busy-hour mean rate of
//! one subscriber is `monthly_gb · 8000 Mb / 30 days · busy_hour_traffic_share
//! / 3600 s`, and one active user's demand is that rate divided by
//! `busy_hour_active_share` (so the offered load per resident does not depend
//! on the active share).
//!
//! # Carriers
//!
//! A sector carries one carrier of `[radio.<tech>] bandwidth_mhz` on each
//! technology unless `[capacity.carriers]` says otherwise:
//!
//! ```toml
//! [capacity.carriers]
//! "S-12" = { "4G" = [2, 1, 1] }   # one count per sector, in the site's `sectors` order
//! 17 = { "4G" = 2, "5G" = 3 }     # one count: every sector of the site (or the omni site)
//! ```
//!
//! Keys are site ids (an integer id and the same digits as a string are the
//! same site); counts are whole numbers >= 1. A sector with `n` carriers
//! has `n` times the capacity of one: each carrier is as wide as
//! `bandwidth_mhz` and transmits at the site's power, so its coverage and
//! SINR are those of the first (the link budget and the signal mode are
//! unchanged; carriers are capacity only). `max_carriers` (default 3, e.g.
//! 3 × 20 MHz of LTE over the 1800, 2100 and 2600 MHz bands) bounds what a
//! capacity plan adds, not what the table may hold. The loader refuses an
//! unknown site id, or a count list whose length is neither 1 nor the
//! site's number of sectors.
//!
//! # Operators
//!
//! Without `[capacity.operators]` every site belongs to one network, whatever
//! its `operator` property says. With it, a resident's traffic is shared
//! among the operators by market share and goes to that operator's sites
//! only, and every site must carry an `operator` that the table names: a
//! site without one, or with another, is refused (naming the file and the
//! feature) rather than guessed at.
//!
//! ```
//! use telecov::model::{CapacityConfig, Parameters, Technology};
//! let p: Parameters = toml::from_str(
//!     "[capacity]\nmonthly_gb = 15\nbusy_hour_traffic_share = 0.08\n\
//!      technology_share = { \"4G\" = 1 }\n[capacity.operators]\nViettel = 0.6\nVNPT = 0.4",
//! )
//! .unwrap();
//! let c = &p.capacity;
//! // 15 GB · 8000 / 30 · 0.08 / 3600 = 0.0889 Mbps per subscriber, / 0.10 active
//! assert!((c.user_demand_mbps() - 0.8889).abs() < 1e-4);
//! assert_eq!(c.technology_share[Technology::G4.index()], 1.0);
//! // by name (TOML tables are read in key order)
//! assert_eq!(c.operators, vec![("VNPT".to_owned(), 0.4), ("Viettel".to_owned(), 0.6)]);
//! assert_eq!(Parameters::default().capacity, CapacityConfig::default());
//! ```

use serde::{Deserialize, Serialize};

use super::Technology;

/// Default SIM-based data subscribers per resident (an assumption, see the
/// module docs).
pub const DEFAULT_SUBSCRIBERS_PER_RESIDENT: f64 = 0.85;
/// Default share of subscribers active in the busy hour (an assumption).
pub const DEFAULT_BUSY_HOUR_ACTIVE_SHARE: f64 = 0.10;
/// Default demand of one active user in the busy hour, Mbps (an assumption).
pub const DEFAULT_BUSY_HOUR_MBPS: f64 = 2.0;
/// Days in the month of `monthly_gb`.
pub const DAYS_PER_MONTH: f64 = 30.0;

/// How an active user's busy-hour demand is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Demand {
    /// `busy_hour_mbps`: the demand of one active user, Mbps.
    BusyHourMbps(f64),
    /// `monthly_gb` and `busy_hour_traffic_share`.
    Monthly {
        /// Data per subscriber per month, GB.
        monthly_gb: f64,
        /// Share of a day's traffic in the busy hour.
        busy_hour_traffic_share: f64,
    },
}

/// `[capacity]`: the busy-hour demand of a capacity study (see the module
/// docs for the keys, defaults and rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CapacityToml", into = "CapacityToml")]
pub struct CapacityConfig {
    /// Data subscribers per resident, all operators together (0.85).
    pub subscribers_per_resident: f64,
    /// Share of subscribers active in the busy hour (0.10).
    pub busy_hour_active_share: f64,
    /// One active user's demand.
    pub demand: Demand,
    /// Share of demand per technology, by [`Technology::index`] (2G is
    /// always 0: it carries no data here).
    pub technology_share: [f64; 4],
    /// Thresholds of `people_at_least_mbps`, Mbps (5, 10, 25).
    pub throughput_thresholds_mbps: Vec<f64>,
    /// Operators and market shares, by name; empty: one network.
    pub operators: Vec<(String, f64)>,
    /// Most carriers a capacity plan may give a sector on one technology
    /// (`max_carriers`, 3).
    pub max_carriers: u32,
    /// Carriers per sector where not one (`[capacity.carriers]`), in site
    /// id order then technology.
    pub carriers: Vec<SiteCarriers>,
}

/// Default of `max_carriers`: most carriers per sector and technology a
/// capacity plan may reach (an assumption: three LTE bands, e.g. 1800,
/// 2100 and 2600 MHz, of one carrier each).
pub const DEFAULT_MAX_CARRIERS: u32 = 3;

/// Carriers of one site on one technology (`[capacity.carriers]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteCarriers {
    /// The site's id ([`super::FeatureId::key`]).
    pub site_id: String,
    /// The technology.
    pub technology: Technology,
    /// One count per sector in the site's `sectors` order, or one count
    /// for every sector (and for an omni site).
    pub carriers: Vec<u32>,
}

impl SiteCarriers {
    /// Carriers of sector `sector` (index in the site's `sectors`; 0 for an
    /// omni site).
    pub fn of_sector(&self, sector: usize) -> u32 {
        match self.carriers.as_slice() {
            [one] => *one,
            many => many.get(sector).copied().unwrap_or(1),
        }
    }
}

impl Default for CapacityConfig {
    fn default() -> Self {
        CapacityConfig {
            subscribers_per_resident: DEFAULT_SUBSCRIBERS_PER_RESIDENT,
            busy_hour_active_share: DEFAULT_BUSY_HOUR_ACTIVE_SHARE,
            demand: Demand::BusyHourMbps(DEFAULT_BUSY_HOUR_MBPS),
            technology_share: [0.0, 0.1, 0.7, 0.2],
            throughput_thresholds_mbps: vec![5.0, 10.0, 25.0],
            operators: Vec::new(),
            max_carriers: DEFAULT_MAX_CARRIERS,
            carriers: Vec::new(),
        }
    }
}

impl CapacityConfig {
    /// Demand of one active user in the busy hour, Mbps.
    pub fn user_demand_mbps(&self) -> f64 {
        match self.demand {
            Demand::BusyHourMbps(m) => m,
            Demand::Monthly {
                monthly_gb,
                busy_hour_traffic_share,
            } => {
                monthly_gb * 8000.0 / DAYS_PER_MONTH * busy_hour_traffic_share
                    / 3600.0
                    / self.busy_hour_active_share
            }
        }
    }

    /// Carriers of every sector with more than one, by (site id,
    /// technology index), for lookups.
    pub fn carrier_table(&self) -> std::collections::HashMap<(&str, usize), &SiteCarriers> {
        self.carriers
            .iter()
            .map(|c| ((c.site_id.as_str(), c.technology.index()), c))
            .collect()
    }

    /// Sets the carriers of sector `sector` of site `site_id` (with
    /// `sectors` sectors; 0 for an omni site) on `technology` to `n`,
    /// keeping the other sectors' counts.
    ///
    /// ```
    /// use telecov::model::{CapacityConfig, Technology};
    /// let mut c = CapacityConfig::default();
    /// c.set_carriers("S-1", Technology::G4, 3, 1, 2);
    /// assert_eq!(c.carriers[0].carriers, vec![1, 2, 1]);
    /// c.set_carriers("S-1", Technology::G4, 3, 1, 1);
    /// assert!(c.carriers.is_empty()); // back to one carrier everywhere
    /// ```
    pub fn set_carriers(
        &mut self,
        site_id: &str,
        technology: Technology,
        sectors: usize,
        sector: usize,
        n: u32,
    ) {
        let count = sectors.max(1);
        let at = self
            .carriers
            .iter()
            .position(|c| c.site_id == site_id && c.technology == technology);
        let mut list = match at {
            Some(i) => {
                let c = &self.carriers[i];
                (0..count).map(|k| c.of_sector(k)).collect()
            }
            None => vec![1; count],
        };
        if let Some(x) = list.get_mut(sector) {
            *x = n;
        }
        let all_one = list.iter().all(|&x| x == 1);
        let list = if list.windows(2).all(|w| w[0] == w[1]) {
            vec![list[0]]
        } else {
            list
        };
        match (at, all_one) {
            (Some(i), true) => {
                self.carriers.remove(i);
            }
            (Some(i), false) => self.carriers[i].carriers = list,
            (None, true) => {}
            (None, false) => {
                self.carriers.push(SiteCarriers {
                    site_id: site_id.to_owned(),
                    technology,
                    carriers: list,
                });
                self.carriers.sort_by(|a, b| {
                    (a.site_id.as_str(), a.technology.index())
                        .cmp(&(b.site_id.as_str(), b.technology.index()))
                });
            }
        }
    }

    /// Active users per resident in the busy hour.
    pub fn active_users_per_resident(&self) -> f64 {
        self.subscribers_per_resident * self.busy_hour_active_share
    }

    /// The market share of `operator` (`None` when operators are given and
    /// it is not one of them; 1 without operators).
    pub fn market_share(&self, operator: Option<&str>) -> Option<f64> {
        if self.operators.is_empty() {
            return Some(1.0);
        }
        let name = operator?;
        self.operators
            .iter()
            .find(|(o, _)| o == name)
            .map(|&(_, s)| s)
    }

    /// Checks every value, naming the first bad key (`capacity.monthly_gb`
    /// style) with the reason.
    pub fn check(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, reason: String| Err((format!("capacity.{key}"), reason));
        let s = self.subscribers_per_resident;
        if !(s.is_finite() && s >= 0.0) {
            return bad(
                "subscribers_per_resident",
                format!("must be a finite number >= 0, got {s}"),
            );
        }
        let a = self.busy_hour_active_share;
        if !(a > 0.0 && a <= 1.0) {
            return bad(
                "busy_hour_active_share",
                format!("must lie in (0, 1], got {a}"),
            );
        }
        match self.demand {
            Demand::BusyHourMbps(m) if !(m.is_finite() && m > 0.0) => {
                return bad(
                    "busy_hour_mbps",
                    format!("must be a finite number > 0, got {m}"),
                );
            }
            Demand::Monthly {
                monthly_gb,
                busy_hour_traffic_share,
            } => {
                if !(monthly_gb.is_finite() && monthly_gb > 0.0) {
                    return bad(
                        "monthly_gb",
                        format!("must be a finite number > 0, got {monthly_gb}"),
                    );
                }
                let b = busy_hour_traffic_share;
                if !(b > 0.0 && b <= 1.0) {
                    return bad(
                        "busy_hour_traffic_share",
                        format!("must lie in (0, 1], got {b}"),
                    );
                }
            }
            Demand::BusyHourMbps(_) => {}
        }
        if let Some(t) = self
            .throughput_thresholds_mbps
            .iter()
            .find(|t| !(t.is_finite() && **t >= 0.0))
        {
            return bad(
                "throughput_thresholds_mbps",
                format!("must be finite numbers >= 0, got {t}"),
            );
        }
        shares_sum_to_one("technology_share", self.technology_share.iter().copied())?;
        if self.technology_share[Technology::G2.index()] != 0.0 {
            return bad(
                "technology_share.2G",
                "2G carries no data in a capacity study: give 3G, 4G or 5G".into(),
            );
        }
        if !self.operators.is_empty() {
            shares_sum_to_one("operators", self.operators.iter().map(|o| o.1))?;
        }
        Ok(())
    }
}

/// With `[capacity.operators]`, the first site whose `operator` is missing
/// or not in the table: its index in `sites` and the reason.
///
/// ```
/// use telecov::model::{capacity::check_site_operators, CapacityConfig, Site, Technology};
/// let mut c = CapacityConfig::default();
/// let sites = vec![
///     Site::new(1, (105.7, 10.0), [Technology::G4]).with_operator("VNPT"),
///     Site::new(2, (105.7, 10.0), [Technology::G4]),
/// ];
/// assert!(check_site_operators(&c, &sites).is_ok()); // one network
/// c.operators = vec![("VNPT".into(), 1.0)];
/// assert_eq!(check_site_operators(&c, &sites).unwrap_err().0, 1);
/// ```
pub fn check_site_operators(
    config: &CapacityConfig,
    sites: &[super::Site],
) -> Result<(), (usize, String)> {
    if config.operators.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = config.operators.iter().map(|o| o.0.as_str()).collect();
    for (i, site) in sites.iter().enumerate() {
        match site.operator.as_deref() {
            None => {
                return Err((
                    i,
                    format!(
                        "missing: scenario.toml's [capacity.operators] shares traffic among {}, so every site needs an operator",
                        names.join(", ")
                    ),
                ))
            }
            Some(o) if !names.contains(&o) => {
                return Err((
                    i,
                    format!(
                        "{o:?} is not in scenario.toml's [capacity.operators] ({})",
                        names.join(", ")
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The first `[capacity.carriers]` entry naming no site of `sites`, or
/// whose count list has neither one count nor one per sector: its site id
/// and the reason.
///
/// ```
/// use telecov::model::{capacity::check_site_carriers, CapacityConfig, Sector, Site, Technology};
/// let mut c = CapacityConfig::default();
/// let sites = vec![Site::new(1, (105.7, 10.0), [Technology::G4])
///     .with_sectors(vec![Sector::new(0.0, 120.0), Sector::new(120.0, 120.0)])];
/// c.set_carriers("1", Technology::G4, 2, 0, 2);
/// assert!(check_site_carriers(&c, &sites).is_ok());
/// c.set_carriers("9", Technology::G4, 1, 0, 2);
/// assert_eq!(check_site_carriers(&c, &sites).unwrap_err().0, "9");
/// ```
pub fn check_site_carriers(
    config: &CapacityConfig,
    sites: &[super::Site],
) -> Result<(), (String, String)> {
    if config.carriers.is_empty() {
        return Ok(());
    }
    let by_id: std::collections::HashMap<String, &super::Site> =
        sites.iter().map(|s| (s.id.key(), s)).collect();
    for c in &config.carriers {
        let Some(site) = by_id.get(&c.site_id) else {
            return Err((
                c.site_id.clone(),
                "names no site of the scenario".to_owned(),
            ));
        };
        let n = c.carriers.len();
        let sectors = site.sectors.len();
        if n != 1 && n != sectors {
            return Err((
                c.site_id.clone(),
                format!(
                    "{}: {n} counts for a site with {} sectors (give one count, or one per sector)",
                    c.technology,
                    if sectors == 0 {
                        "no".to_owned()
                    } else {
                        sectors.to_string()
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// Shares in [0, 1] summing to 1 within 1e-6.
fn shares_sum_to_one(
    key: &str,
    shares: impl Iterator<Item = f64> + Clone,
) -> Result<(), (String, String)> {
    if let Some(s) = shares.clone().find(|s| !(*s >= 0.0 && *s <= 1.0)) {
        return Err((
            format!("capacity.{key}"),
            format!("shares must lie in [0, 1], got {s}"),
        ));
    }
    let sum: f64 = shares.sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err((
            format!("capacity.{key}"),
            format!("shares must sum to 1, got {sum}"),
        ));
    }
    Ok(())
}

/// `[capacity]` as written in scenario.toml.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CapacityToml {
    #[serde(skip_serializing_if = "Option::is_none")]
    subscribers_per_resident: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    busy_hour_active_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    busy_hour_mbps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    monthly_gb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    busy_hour_traffic_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    technology_share: Option<indexmap_like::Shares>,
    #[serde(skip_serializing_if = "Option::is_none")]
    throughput_thresholds_mbps: Option<Vec<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operators: Option<indexmap_like::Shares>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_carriers: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    carriers: Option<
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, CarrierCount>>,
    >,
}

/// One count for every sector, or one per sector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum CarrierCount {
    One(f64),
    PerSector(Vec<f64>),
}

/// A carrier count: a whole number in [1, 1000].
fn whole_count(key: &str, x: f64) -> Result<u32, String> {
    if x.fract() == 0.0 && (1.0..=1000.0).contains(&x) {
        Ok(x as u32)
    } else {
        Err(format!(
            "capacity.{key}: must be a whole number in [1, 1000], got {x}"
        ))
    }
}

/// A TOML table of names to shares, in the order the reader gives them.
mod indexmap_like {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Names and shares.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub(super) struct Shares(pub(super) Vec<(String, f64)>);

    impl Serialize for Shares {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    impl<'de> Deserialize<'de> for Shares {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Shares;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a table of names to numbers")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shares, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, f64>()? {
                        out.push((k, v));
                    }
                    Ok(Shares(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

impl TryFrom<CapacityToml> for CapacityConfig {
    type Error = String;

    fn try_from(t: CapacityToml) -> Result<Self, String> {
        let d = CapacityConfig::default();
        let demand = match (t.busy_hour_mbps, t.monthly_gb, t.busy_hour_traffic_share) {
            (Some(m), _, _) => Demand::BusyHourMbps(m),
            (None, Some(monthly_gb), Some(busy_hour_traffic_share)) => Demand::Monthly {
                monthly_gb,
                busy_hour_traffic_share,
            },
            // `monthly_gb` without its share (or the share alone): refused
            // by `check` through a NaN naming the missing key
            (None, Some(monthly_gb), None) => Demand::Monthly {
                monthly_gb,
                busy_hour_traffic_share: f64::NAN,
            },
            (None, None, Some(_)) => Demand::Monthly {
                monthly_gb: f64::NAN,
                busy_hour_traffic_share: f64::NAN,
            },
            (None, None, None) => d.demand,
        };
        let technology_share = match t.technology_share {
            None => d.technology_share,
            Some(shares) => {
                let mut out = [0.0; 4];
                for (name, share) in shares.0 {
                    match name.parse::<Technology>() {
                        Ok(tech) => out[tech.index()] += share,
                        // an unknown technology: refused by `check`
                        Err(_) => out = [f64::NAN; 4],
                    }
                }
                out
            }
        };
        Ok(CapacityConfig {
            subscribers_per_resident: t
                .subscribers_per_resident
                .unwrap_or(d.subscribers_per_resident),
            busy_hour_active_share: t.busy_hour_active_share.unwrap_or(d.busy_hour_active_share),
            demand,
            technology_share,
            throughput_thresholds_mbps: t
                .throughput_thresholds_mbps
                .unwrap_or(d.throughput_thresholds_mbps),
            operators: t.operators.map(|s| s.0).unwrap_or_default(),
            max_carriers: match t.max_carriers {
                None => d.max_carriers,
                Some(x) => whole_count("max_carriers", x)?,
            },
            carriers: carriers_from_toml(t.carriers.unwrap_or_default())?,
        })
    }
}

/// `[capacity.carriers]` read: technologies named, counts whole.
fn carriers_from_toml(
    t: std::collections::BTreeMap<String, std::collections::BTreeMap<String, CarrierCount>>,
) -> Result<Vec<SiteCarriers>, String> {
    let mut out = Vec::new();
    for (site_id, per_tech) in t {
        for (tech, count) in per_tech {
            let key = format!("carriers.{site_id}.{tech}");
            let technology: Technology = tech.parse().map_err(|_| {
                format!("capacity.{key}: unknown technology (expected 3G, 4G or 5G)")
            })?;
            let carriers = match count {
                CarrierCount::One(x) => vec![whole_count(&key, x)?],
                CarrierCount::PerSector(v) if v.is_empty() => {
                    return Err(format!("capacity.{key}: an empty list of counts"))
                }
                CarrierCount::PerSector(v) => v
                    .into_iter()
                    .map(|x| whole_count(&key, x))
                    .collect::<Result<_, _>>()?,
            };
            out.push(SiteCarriers {
                site_id: site_id.clone(),
                technology,
                carriers,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.site_id.as_str(), a.technology.index()).cmp(&(b.site_id.as_str(), b.technology.index()))
    });
    Ok(out)
}

impl From<CapacityConfig> for CapacityToml {
    /// Every value written out.
    fn from(c: CapacityConfig) -> Self {
        let (busy_hour_mbps, monthly_gb, busy_hour_traffic_share) = match c.demand {
            Demand::BusyHourMbps(m) => (Some(m), None, None),
            Demand::Monthly {
                monthly_gb,
                busy_hour_traffic_share,
            } => (None, Some(monthly_gb), Some(busy_hour_traffic_share)),
        };
        let shares = Technology::ALL
            .iter()
            .filter(|t| c.technology_share[t.index()] > 0.0)
            .map(|t| (t.as_str().to_owned(), c.technology_share[t.index()]))
            .collect();
        CapacityToml {
            subscribers_per_resident: Some(c.subscribers_per_resident),
            busy_hour_active_share: Some(c.busy_hour_active_share),
            busy_hour_mbps,
            monthly_gb,
            busy_hour_traffic_share,
            technology_share: Some(indexmap_like::Shares(shares)),
            throughput_thresholds_mbps: Some(c.throughput_thresholds_mbps),
            operators: (!c.operators.is_empty()).then_some(indexmap_like::Shares(c.operators)),
            max_carriers: Some(f64::from(c.max_carriers)),
            carriers: (!c.carriers.is_empty()).then(|| {
                let mut t: std::collections::BTreeMap<_, std::collections::BTreeMap<_, _>> =
                    std::collections::BTreeMap::new();
                for sc in c.carriers {
                    let count = match sc.carriers.as_slice() {
                        [one] => CarrierCount::One(f64::from(*one)),
                        many => {
                            CarrierCount::PerSector(many.iter().map(|&x| f64::from(x)).collect())
                        }
                    };
                    t.entry(sc.site_id)
                        .or_default()
                        .insert(sc.technology.as_str().to_owned(), count);
                }
                t
            }),
        }
    }
}

/// Every key `[capacity]` may hold (for the loader's key check): the
/// defaults written out, plus the keys that have none.
pub(super) fn known_capacity_keys() -> toml::Table {
    let mut t = toml::Table::try_from(CapacityConfig::default()).unwrap_or_default();
    for key in ["monthly_gb", "busy_hour_traffic_share"] {
        t.insert(key.into(), toml::Value::Float(0.0));
    }
    t.insert("operators".into(), toml::Value::Table(toml::Table::new()));
    t.insert("carriers".into(), toml::Value::Table(toml::Table::new()));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_defaults_fill_in() {
        let c = CapacityConfig {
            demand: Demand::Monthly {
                monthly_gb: 12.0,
                busy_hour_traffic_share: 0.07,
            },
            operators: vec![("A".into(), 0.75), ("B".into(), 0.25)],
            ..CapacityConfig::default()
        };
        let text = toml::to_string(&c).unwrap();
        let back: CapacityConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, c);
        assert_eq!(
            toml::from_str::<CapacityConfig>("").unwrap(),
            CapacityConfig::default()
        );
    }

    #[test]
    fn check_names_the_bad_key() {
        let parse = |s: &str| toml::from_str::<CapacityConfig>(s).unwrap().check();
        assert!(parse("").is_ok());
        assert_eq!(
            parse("monthly_gb = 10").unwrap_err().0,
            "capacity.busy_hour_traffic_share"
        );
        assert_eq!(
            parse("technology_share = { \"4G\" = 0.5 }").unwrap_err().0,
            "capacity.technology_share"
        );
        assert_eq!(
            parse("technology_share = { \"6G\" = 1 }").unwrap_err().0,
            "capacity.technology_share"
        );
        assert_eq!(
            parse("technology_share = { \"2G\" = 1 }").unwrap_err().0,
            "capacity.technology_share.2G"
        );
        assert_eq!(
            parse("[operators]\nA = 0.5\nB = 0.4").unwrap_err().0,
            "capacity.operators"
        );
        assert_eq!(
            parse("busy_hour_active_share = 0").unwrap_err().0,
            "capacity.busy_hour_active_share"
        );
        assert!(toml::from_str::<CapacityConfig>("busy_hour = 2").is_err());
    }

    #[test]
    fn monthly_demand_is_the_busy_hour_rate() {
        let c: CapacityConfig = toml::from_str(
            "monthly_gb = 30\nbusy_hour_traffic_share = 0.1\nbusy_hour_active_share = 0.5",
        )
        .unwrap();
        // 30 GB a month = 1 GB a day = 8000 Mb; 800 Mb in the busy hour
        let per_subscriber = 800.0 / 3600.0;
        assert!((c.user_demand_mbps() - per_subscriber / 0.5).abs() < 1e-12);
        assert_eq!(c.market_share(Some("x")), Some(1.0));
    }
}
