//! Radio settings as plain data: the link-budget defaults of each
//! technology (`[radio]` in scenario.toml), the environment of a site and
//! the rules that choose it (`[environment]`). The maths that uses them is
//! in [`crate::propagation`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Commune, CommuneKind, Technology};

/// Thermal noise density at 290 K, dBm/Hz (the conventional rounding of
/// 10·log10(k·290 K·1000) = −173.98).
pub const THERMAL_NOISE_DBM_PER_HZ: f64 = -174.0;

/// Handset antenna height above ground, metres.
pub const DEFAULT_MOBILE_HEIGHT_M: f64 = 1.5;

/// Standard deviation of log-normal shadow fading, dB.
pub const DEFAULT_SHADOW_SIGMA_DB: f64 = 8.0;

/// Probability that the signal at the cell edge exceeds the sensitivity
/// (75 %: about 90 % of the cell area, by Jakes' formula, for σ = 8 dB and a
/// 35 dB/decade path-loss slope).
pub const DEFAULT_CELL_EDGE_PROBABILITY: f64 = 0.75;

/// The propagation environment of a site: from its `environment` property,
/// or the kind of the commune it stands in (see
/// [`EnvironmentRules`]). Written in lower case in
/// files (`"urban"`, `"suburban"`, `"rural"`, `"open"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Urban: wards (phường).
    Urban,
    /// Suburban: towns (thị trấn), and any other or missing kind.
    #[default]
    Suburban,
    /// Rural: communes (xã).
    Rural,
    /// Open land, users outdoors (never derived from a commune kind).
    Open,
}

impl<'de> serde::Deserialize<'de> for Environment {
    /// Any case, as [`Environment::parse`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Environment::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown environment {name:?} (expected urban, suburban, rural or open)"
            ))
        })
    }
}

impl Environment {
    /// Ward → urban, town → suburban, commune → rural, other → suburban.
    ///
    /// ```
    /// use telecov::model::CommuneKind;
    /// use telecov::propagation::Environment;
    /// assert_eq!(Environment::from_commune_kind(&CommuneKind::Ward), Environment::Urban);
    /// assert_eq!(Environment::from_commune_kind(&CommuneKind::parse("xã")), Environment::Rural);
    /// ```
    pub fn from_commune_kind(kind: &CommuneKind) -> Environment {
        match kind {
            CommuneKind::Ward => Environment::Urban,
            CommuneKind::Town => Environment::Suburban,
            CommuneKind::Commune => Environment::Rural,
            CommuneKind::Other(_) => Environment::Suburban,
        }
    }

    /// Parses a name, any case: `urban`, `suburban`, `rural`, `open`.
    ///
    /// ```
    /// use telecov::propagation::Environment;
    /// assert_eq!(Environment::parse("Rural"), Some(Environment::Rural));
    /// assert_eq!(Environment::parse("city"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Environment> {
        Environment::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Every environment.
    pub const ALL: [Environment; 4] = [
        Environment::Urban,
        Environment::Suburban,
        Environment::Rural,
        Environment::Open,
    ];

    /// Lower-case name: `urban`, `suburban`, `rural`, `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Urban => "urban",
            Environment::Suburban => "suburban",
            Environment::Rural => "rural",
            Environment::Open => "open",
        }
    }

    /// Mean indoor depth of a user, metres (0 outdoors): the mean of the
    /// minimum of two uniform draws on 0–25 m (urban, suburban) or 0–10 m
    /// (rural), as in 3GPP TR 38.901 §7.4.3.
    pub fn indoor_depth_m(self) -> Option<f64> {
        match self {
            Environment::Urban | Environment::Suburban => Some(25.0 / 3.0),
            Environment::Rural => Some(10.0 / 3.0),
            Environment::Open => None,
        }
    }
}

/// The default radio parameters of one technology (see the table in the
/// [`crate::propagation`] docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TechnologyDefaults {
    /// Carrier frequency, MHz.
    pub frequency_mhz: f64,
    /// Transmit power at the antenna port, over the whole carrier, dBm.
    pub tx_power_dbm: f64,
    /// Base-station antenna gain, dBi.
    pub antenna_gain_dbi: f64,
    /// Feeder, jumper and combiner loss, dB.
    pub feeder_loss_db: f64,
    /// Carrier bandwidth the power is spread over, MHz.
    pub bandwidth_mhz: f64,
    /// Handset noise figure, dB.
    pub noise_figure_db: f64,
    /// Wideband SINR the cell-edge service needs, dB.
    pub required_sinr_db: f64,
    /// Margin for the noise rise from other cells' load, dB.
    pub interference_margin_db: f64,
    /// Loss from the user's body, dB.
    pub body_loss_db: f64,
    /// Spatial layers (MIMO streams) a sector carrier sends to one user,
    /// ≥ 1: a capacity study's multiplier (2G 1, 3G 1, 4G 2, 5G 4).
    pub mimo_layers: f64,
    /// Share of the carrier's resources spent on control and reference
    /// signals, in [0, 1): a capacity study's loss (0.25 for 2G to 4G, an
    /// LTE rule of thumb: 3 of 14 control symbols plus reference signals;
    /// 0.14 for 5G, the FR1 downlink overhead of 3GPP TS 38.306 §4.1.2).
    pub overhead: f64,
}

impl TechnologyDefaults {
    /// The defaults of `tech`.
    pub const fn of(tech: Technology) -> TechnologyDefaults {
        match tech {
            Technology::G2 => TechnologyDefaults {
                frequency_mhz: 900.0,
                tx_power_dbm: 43.0,
                antenna_gain_dbi: 15.0,
                feeder_loss_db: 3.0,
                bandwidth_mhz: 0.2,
                noise_figure_db: 10.0,
                required_sinr_db: 9.0,
                interference_margin_db: 2.0,
                body_loss_db: 3.0,
                mimo_layers: 1.0,
                overhead: 0.25,
            },
            Technology::G3 => TechnologyDefaults {
                frequency_mhz: 2100.0,
                tx_power_dbm: 43.0,
                antenna_gain_dbi: 18.0,
                feeder_loss_db: 3.0,
                bandwidth_mhz: 3.84,
                noise_figure_db: 7.0,
                required_sinr_db: -3.0,
                interference_margin_db: 3.0,
                body_loss_db: 3.0,
                mimo_layers: 1.0,
                overhead: 0.25,
            },
            Technology::G4 => TechnologyDefaults {
                frequency_mhz: 1800.0,
                tx_power_dbm: 46.0,
                antenna_gain_dbi: 18.0,
                feeder_loss_db: 1.0,
                bandwidth_mhz: 18.0,
                noise_figure_db: 7.0,
                required_sinr_db: -3.0,
                interference_margin_db: 3.0,
                body_loss_db: 0.0,
                mimo_layers: 2.0,
                overhead: 0.25,
            },
            Technology::G5 => TechnologyDefaults {
                frequency_mhz: 3500.0,
                tx_power_dbm: 53.0,
                antenna_gain_dbi: 24.0,
                feeder_loss_db: 0.0,
                bandwidth_mhz: 98.28,
                noise_figure_db: 8.0,
                required_sinr_db: -3.0,
                interference_margin_db: 3.0,
                body_loss_db: 0.0,
                mimo_layers: 4.0,
                overhead: 0.14,
            },
        }
    }

    /// Handset sensitivity over the carrier, dBm:
    /// −174 + 10·log10(bandwidth in Hz) + noise figure + required SINR.
    pub fn sensitivity_dbm(&self) -> f64 {
        sensitivity_dbm(
            self.bandwidth_mhz,
            self.noise_figure_db,
            self.required_sinr_db,
        )
    }
}

/// Receiver sensitivity, dBm: −174 + 10·log10(bandwidth in Hz) + noise
/// figure + required SINR.
pub fn sensitivity_dbm(bandwidth_mhz: f64, noise_figure_db: f64, required_sinr_db: f64) -> f64 {
    THERMAL_NOISE_DBM_PER_HZ
        + 10.0 * (bandwidth_mhz * 1e6).log10()
        + noise_figure_db
        + required_sinr_db
}

/// Default front-to-back ratio of a sector antenna, dB: the cap `Am` of
/// the 3GPP horizontal pattern (TR 36.814 Table A.2.1.1-2 uses 25 dB for
/// macro sites; TR 38.901 Table 7.3-1 uses 30 dB).
pub const DEFAULT_FRONT_TO_BACK_DB: f64 = 25.0;

/// Link-budget settings: the radio defaults of each technology and the
/// terms common to all of them. `[radio]` and `[radio.2G]` … `[radio.5G]`
/// in scenario.toml; every key is optional and takes the value of
/// [`TechnologyDefaults::of`] or the module constants.
///
/// ```
/// use telecov::model::{Parameters, Technology};
/// let p: Parameters = toml::from_str(
///     "[radio]\nshadow_sigma_db = 6\n[radio.4G]\ntx_power_dbm = 43\nfrequency_mhz = 2600",
/// )
/// .unwrap();
/// let lte = p.radio.technology(Technology::G4);
/// assert_eq!(lte.tx_power_dbm, 43.0);
/// assert_eq!(lte.frequency_mhz, 2600.0);
/// assert_eq!(lte.antenna_gain_dbi, 18.0); // not set: the default
/// assert_eq!(p.radio.shadow_sigma_db, 6.0);
/// assert_eq!(p.radio.technology(Technology::G2).frequency_mhz, 900.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "RadioToml", into = "RadioToml")]
pub struct RadioConfig {
    /// Handset antenna height above ground, metres (1.5).
    pub mobile_height_m: f64,
    /// Handset antenna gain, dBi (0).
    pub rx_antenna_gain_dbi: f64,
    /// Standard deviation of log-normal shadow fading, dB (8).
    pub shadow_sigma_db: f64,
    /// Probability that the cell-edge signal exceeds the sensitivity
    /// despite shadowing, in (0, 1) (0.75).
    pub cell_edge_probability: f64,
    /// Front-to-back ratio of sector antennas, dB: the cap of the
    /// horizontal pattern in signal-level mode (25).
    pub front_to_back_db: f64,
    /// Radio defaults per technology, in [`Technology::ALL`] order.
    pub technologies: [TechnologyDefaults; 4],
}

impl Default for RadioConfig {
    fn default() -> Self {
        RadioConfig {
            mobile_height_m: DEFAULT_MOBILE_HEIGHT_M,
            rx_antenna_gain_dbi: 0.0,
            shadow_sigma_db: DEFAULT_SHADOW_SIGMA_DB,
            cell_edge_probability: DEFAULT_CELL_EDGE_PROBABILITY,
            front_to_back_db: DEFAULT_FRONT_TO_BACK_DB,
            technologies: Technology::ALL.map(TechnologyDefaults::of),
        }
    }
}

impl RadioConfig {
    /// The radio defaults of `tech`.
    pub fn technology(&self, tech: Technology) -> &TechnologyDefaults {
        &self.technologies[tech.index()]
    }

    /// Mutable radio defaults of `tech`.
    pub fn technology_mut(&mut self, tech: Technology) -> &mut TechnologyDefaults {
        &mut self.technologies[tech.index()]
    }

    /// Checks every value, naming the first bad one (`radio.4G.bandwidth_mhz`
    /// style) with the reason.
    pub fn check(&self) -> Result<(), (String, String)> {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let non_negative = |v: f64| v.is_finite() && v >= 0.0;
        let finite = |v: f64| v.is_finite();
        let rules: [Rule<'_>; 4] = [
            (
                "mobile_height_m",
                self.mobile_height_m,
                &positive,
                "a finite number > 0",
            ),
            (
                "rx_antenna_gain_dbi",
                self.rx_antenna_gain_dbi,
                &finite,
                "a finite number",
            ),
            (
                "shadow_sigma_db",
                self.shadow_sigma_db,
                &non_negative,
                "a finite number >= 0",
            ),
            (
                "front_to_back_db",
                self.front_to_back_db,
                &non_negative,
                "a finite number >= 0",
            ),
        ];
        for (name, v, ok, what) in rules {
            if !ok(v) {
                return Err((format!("radio.{name}"), format!("must be {what}, got {v}")));
            }
        }
        let p = self.cell_edge_probability;
        if !(p > 0.0 && p < 1.0) {
            return Err((
                "radio.cell_edge_probability".into(),
                format!("must lie strictly between 0 and 1, got {p}"),
            ));
        }
        for tech in Technology::ALL {
            let t = self.technology(tech);
            let rules: [Rule<'_>; 9] = [
                (
                    "frequency_mhz",
                    t.frequency_mhz,
                    &positive,
                    "a finite number > 0",
                ),
                ("tx_power_dbm", t.tx_power_dbm, &finite, "a finite number"),
                (
                    "antenna_gain_dbi",
                    t.antenna_gain_dbi,
                    &finite,
                    "a finite number",
                ),
                (
                    "feeder_loss_db",
                    t.feeder_loss_db,
                    &non_negative,
                    "a finite number >= 0",
                ),
                (
                    "bandwidth_mhz",
                    t.bandwidth_mhz,
                    &positive,
                    "a finite number > 0",
                ),
                (
                    "noise_figure_db",
                    t.noise_figure_db,
                    &non_negative,
                    "a finite number >= 0",
                ),
                (
                    "required_sinr_db",
                    t.required_sinr_db,
                    &finite,
                    "a finite number",
                ),
                (
                    "interference_margin_db",
                    t.interference_margin_db,
                    &non_negative,
                    "a finite number >= 0",
                ),
                (
                    "body_loss_db",
                    t.body_loss_db,
                    &non_negative,
                    "a finite number >= 0",
                ),
            ];
            let at_least_one = |v: f64| v.is_finite() && v >= 1.0;
            let share = |v: f64| (0.0..1.0).contains(&v);
            let capacity_rules: [Rule<'_>; 2] = [
                (
                    "mimo_layers",
                    t.mimo_layers,
                    &at_least_one,
                    "a finite number >= 1",
                ),
                ("overhead", t.overhead, &share, "a number in [0, 1)"),
            ];
            for (name, v, ok, what) in rules.into_iter().chain(capacity_rules) {
                if !ok(v) {
                    return Err((
                        format!("radio.{tech}.{name}"),
                        format!("must be {what}, got {v}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A check: key, value, test, what the test wants.
type Rule<'a> = (&'static str, f64, &'a dyn Fn(f64) -> bool, &'static str);

/// `[radio.<tech>]`: every key optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TechToml {
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency_mhz: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_power_dbm: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    antenna_gain_dbi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    feeder_loss_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bandwidth_mhz: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    noise_figure_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    required_sinr_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interference_margin_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_loss_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mimo_layers: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    overhead: Option<f64>,
}

impl TechToml {
    fn resolve(self, tech: Technology) -> TechnologyDefaults {
        let d = TechnologyDefaults::of(tech);
        TechnologyDefaults {
            frequency_mhz: self.frequency_mhz.unwrap_or(d.frequency_mhz),
            tx_power_dbm: self.tx_power_dbm.unwrap_or(d.tx_power_dbm),
            antenna_gain_dbi: self.antenna_gain_dbi.unwrap_or(d.antenna_gain_dbi),
            feeder_loss_db: self.feeder_loss_db.unwrap_or(d.feeder_loss_db),
            bandwidth_mhz: self.bandwidth_mhz.unwrap_or(d.bandwidth_mhz),
            noise_figure_db: self.noise_figure_db.unwrap_or(d.noise_figure_db),
            required_sinr_db: self.required_sinr_db.unwrap_or(d.required_sinr_db),
            interference_margin_db: self
                .interference_margin_db
                .unwrap_or(d.interference_margin_db),
            body_loss_db: self.body_loss_db.unwrap_or(d.body_loss_db),
            mimo_layers: self.mimo_layers.unwrap_or(d.mimo_layers),
            overhead: self.overhead.unwrap_or(d.overhead),
        }
    }

    fn full(t: TechnologyDefaults) -> TechToml {
        TechToml {
            frequency_mhz: Some(t.frequency_mhz),
            tx_power_dbm: Some(t.tx_power_dbm),
            antenna_gain_dbi: Some(t.antenna_gain_dbi),
            feeder_loss_db: Some(t.feeder_loss_db),
            bandwidth_mhz: Some(t.bandwidth_mhz),
            noise_figure_db: Some(t.noise_figure_db),
            required_sinr_db: Some(t.required_sinr_db),
            interference_margin_db: Some(t.interference_margin_db),
            body_loss_db: Some(t.body_loss_db),
            mimo_layers: Some(t.mimo_layers),
            overhead: Some(t.overhead),
        }
    }
}

/// `[radio]` as written in scenario.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RadioToml {
    #[serde(skip_serializing_if = "Option::is_none")]
    mobile_height_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rx_antenna_gain_dbi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shadow_sigma_db: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell_edge_probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    front_to_back_db: Option<f64>,
    #[serde(rename = "2G", default, skip_serializing_if = "Option::is_none")]
    g2: Option<TechToml>,
    #[serde(rename = "3G", default, skip_serializing_if = "Option::is_none")]
    g3: Option<TechToml>,
    #[serde(rename = "4G", default, skip_serializing_if = "Option::is_none")]
    g4: Option<TechToml>,
    #[serde(rename = "5G", default, skip_serializing_if = "Option::is_none")]
    g5: Option<TechToml>,
}

impl From<RadioToml> for RadioConfig {
    fn from(t: RadioToml) -> Self {
        let d = RadioConfig::default();
        let techs = [t.g2, t.g3, t.g4, t.g5];
        RadioConfig {
            mobile_height_m: t.mobile_height_m.unwrap_or(d.mobile_height_m),
            rx_antenna_gain_dbi: t.rx_antenna_gain_dbi.unwrap_or(d.rx_antenna_gain_dbi),
            shadow_sigma_db: t.shadow_sigma_db.unwrap_or(d.shadow_sigma_db),
            cell_edge_probability: t.cell_edge_probability.unwrap_or(d.cell_edge_probability),
            front_to_back_db: t.front_to_back_db.unwrap_or(d.front_to_back_db),
            technologies: Technology::ALL
                .map(|tech| techs[tech.index()].unwrap_or_default().resolve(tech)),
        }
    }
}

impl From<RadioConfig> for RadioToml {
    /// Every value written out, so that the table is also the list of
    /// known keys.
    fn from(c: RadioConfig) -> Self {
        let t = |tech: Technology| Some(TechToml::full(*c.technology(tech)));
        RadioToml {
            mobile_height_m: Some(c.mobile_height_m),
            rx_antenna_gain_dbi: Some(c.rx_antenna_gain_dbi),
            shadow_sigma_db: Some(c.shadow_sigma_db),
            cell_edge_probability: Some(c.cell_edge_probability),
            front_to_back_db: Some(c.front_to_back_db),
            g2: t(Technology::G2),
            g3: t(Technology::G3),
            g4: t(Technology::G4),
            g5: t(Technology::G5),
        }
    }
}

/// Which [`Environment`] a site's link budget uses (`[environment]` in
/// scenario.toml). For each site, the first that applies: the site's own
/// `environment` property, the entry of the commune it stands in under
/// `[environment.communes]` (keyed by commune id), the rule for that
/// commune's kind, and [`EnvironmentRules::outside`] for a site in no
/// commune.
///
/// ```
/// use telecov::model::{CommuneKind, Parameters};
/// use telecov::propagation::Environment;
/// let p: Parameters = toml::from_str(
///     "[environment]\ntown = \"urban\"\n[environment.communes]\n92101 = \"open\"",
/// )
/// .unwrap();
/// let rules = &p.environment;
/// assert_eq!(rules.for_kind(Some(&CommuneKind::Town)), Environment::Urban);
/// assert_eq!(rules.for_kind(Some(&CommuneKind::Ward)), Environment::Urban);
/// assert_eq!(rules.for_kind(Some(&CommuneKind::Commune)), Environment::Rural);
/// assert_eq!(rules.communes["92101"], Environment::Open);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvironmentRules {
    /// Wards (phường): urban.
    pub ward: Environment,
    /// Towns (thị trấn): suburban.
    pub town: Environment,
    /// Communes (xã): rural.
    pub commune: Environment,
    /// Communes of another or no kind: suburban.
    pub other: Environment,
    /// Sites in no commune: suburban.
    pub outside: Environment,
    /// Per-commune overrides, keyed by commune id (an integer id is written
    /// as its digits). An id that names no commune is bad input.
    pub communes: BTreeMap<String, Environment>,
}

impl Default for EnvironmentRules {
    fn default() -> Self {
        EnvironmentRules {
            ward: Environment::Urban,
            town: Environment::Suburban,
            commune: Environment::Rural,
            other: Environment::Suburban,
            outside: Environment::Suburban,
            communes: BTreeMap::new(),
        }
    }
}

impl EnvironmentRules {
    /// The environment of a commune of `kind` (`None`: no kind given).
    pub fn for_kind(&self, kind: Option<&CommuneKind>) -> Environment {
        match kind {
            Some(CommuneKind::Ward) => self.ward,
            Some(CommuneKind::Town) => self.town,
            Some(CommuneKind::Commune) => self.commune,
            Some(CommuneKind::Other(_)) | None => self.other,
        }
    }

    /// The environment of a site standing in `commune` (`None`: in no
    /// commune) whose own `environment` property is `site_environment`.
    pub fn for_site(
        &self,
        site_environment: Option<Environment>,
        commune: Option<&Commune>,
    ) -> Environment {
        if let Some(e) = site_environment {
            return e;
        }
        match commune {
            None => self.outside,
            Some(c) => match self.communes.get(&c.id.key()) {
                Some(e) => *e,
                None => self.for_kind(c.kind.as_ref()),
            },
        }
    }

    /// Whether every rule is the default (nothing to echo).
    pub fn is_default(&self) -> bool {
        *self == EnvironmentRules::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radio_table_round_trips_and_defaults_fill_in() {
        let mut c = RadioConfig::default();
        c.technology_mut(Technology::G5).frequency_mhz = 2600.0;
        c.shadow_sigma_db = 7.0;
        let text = toml::to_string(&c).unwrap();
        let back: RadioConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, c);
        let empty: RadioConfig = toml::from_str("").unwrap();
        assert_eq!(empty, RadioConfig::default());
    }

    #[test]
    fn radio_unknown_keys_are_refused() {
        assert!(toml::from_str::<RadioConfig>("shadow_sigma = 6").is_err());
        assert!(toml::from_str::<RadioConfig>("[4G]\ntx_power = 40").is_err());
        assert!(toml::from_str::<RadioConfig>("[6G]\ntx_power_dbm = 40").is_err());
    }

    #[test]
    fn radio_check_names_the_bad_value() {
        let mut c = RadioConfig::default();
        assert!(c.check().is_ok());
        c.technology_mut(Technology::G3).bandwidth_mhz = 0.0;
        assert_eq!(c.check().unwrap_err().0, "radio.3G.bandwidth_mhz");
        let mut c = RadioConfig {
            cell_edge_probability: 1.0,
            ..Default::default()
        };
        assert_eq!(c.check().unwrap_err().0, "radio.cell_edge_probability");
        c.cell_edge_probability = 0.9;
        c.mobile_height_m = f64::NAN;
        assert_eq!(c.check().unwrap_err().0, "radio.mobile_height_m");
    }

    #[test]
    fn environment_rules_order() {
        let mut rules = EnvironmentRules::default();
        let mut c = Commune {
            id: crate::model::FeatureId::Int(7),
            name: None,
            district: None,
            kind: Some(CommuneKind::Commune),
            population: None,
            households: None,
            geometry: None,
        };
        assert_eq!(rules.for_site(None, Some(&c)), Environment::Rural);
        assert_eq!(rules.for_site(None, None), Environment::Suburban);
        rules.communes.insert("7".into(), Environment::Urban);
        assert_eq!(rules.for_site(None, Some(&c)), Environment::Urban);
        assert_eq!(
            rules.for_site(Some(Environment::Open), Some(&c)),
            Environment::Open
        );
        c.kind = None;
        c.id = crate::model::FeatureId::Int(8);
        assert_eq!(rules.for_site(None, Some(&c)), Environment::Suburban);
        assert!(!rules.is_default());
    }

    #[test]
    fn environment_names_parse() {
        let r: EnvironmentRules = toml::from_str("ward = \"open\"").unwrap();
        assert_eq!(r.ward, Environment::Open);
        assert!(toml::from_str::<EnvironmentRules>("ward = \"city\"").is_err());
        assert!(toml::from_str::<EnvironmentRules>("wards = \"urban\"").is_err());
    }
}
