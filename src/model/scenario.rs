use super::{Commune, FiberRoute, Parameters, PopulationPoint, Site, WifiPoint};
use super::{School, ServicePoint, Transmitter};

/// A complete, validated scenario: what a scenario directory holds.
///
/// Read one from disk with [`load_scenario`](crate::io::load_scenario),
/// which validates every file, or fill the fields from code (the
/// [`synth`](crate::synth) generator does); [`evaluate`](crate::evaluate)
/// checks the numbers of a scenario built in code with
/// [`Scenario::validate`] before any work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Administrative units, in input order.
    pub communes: Vec<Commune>,
    /// Mobile base stations.
    pub sites: Vec<Site>,
    /// Fibre routes.
    pub fiber: Vec<FiberRoute>,
    /// Public wifi access points.
    pub wifi: Vec<WifiPoint>,
    /// Demand points: `Some` when `population.geojson` is present (points
    /// mode), `None` to spread each commune's people uniformly.
    pub population: Option<Vec<PopulationPoint>>,
    /// Parameters in effect.
    pub parameters: Parameters,
    /// Warnings raised while loading (odd but accepted input).
    pub warnings: Vec<String>,
    // --- scorecard layers: `None` when the file is absent ---
    /// Schools (`schools.geojson`); `None` when the scenario has none.
    pub schools: Option<Vec<School>>,
    /// Public service points (`service_points.geojson`); `None` when
    /// absent.
    pub service_points: Option<Vec<ServicePoint>>,
    /// Digital terrestrial TV transmitters (`broadcast.geojson`); `None`
    /// when absent.
    pub broadcast: Option<Vec<Transmitter>>,
    /// The elevation model (`terrain.tif` or `terrain/`), when given:
    /// coverage is then terrain-shaped unless `[terrain] model = "none"`.
    pub terrain: Option<super::Terrain>,
}

impl Scenario {
    /// A scenario of `communes` with no infrastructure, people spread
    /// uniformly (no demand points), default parameters and no warnings;
    /// add the rest with the `with_` methods.
    ///
    /// ```
    /// use geo::polygon;
    /// use telecov::model::{Commune, Parameters, Scenario, Site, Technology, WifiPoint};
    /// let square = polygon![(x: 105.0, y: 21.0), (x: 105.01, y: 21.0), (x: 105.01, y: 21.01), (x: 105.0, y: 21.01)];
    /// let s = Scenario::new(vec![Commune::new(1, square, 1_000.0, 250.0)])
    ///     .with_sites(vec![Site::new(1, (105.005, 21.005), [Technology::G4]).with_range_m(3_000.0)])
    ///     .with_wifi(vec![WifiPoint::new(1, (105.002, 21.002))])
    ///     .with_parameters(Parameters { resolution_m: 100.0, ..Parameters::default() });
    /// assert!(s.population.is_none());
    /// let r = telecov::evaluate(&s).unwrap();
    /// assert_eq!(r.communes[0].population_covered.g4, 1_000.0);
    /// ```
    pub fn new(communes: Vec<Commune>) -> Self {
        Scenario {
            communes,
            ..Scenario::default()
        }
    }

    /// The scenario with mobile sites `sites`.
    pub fn with_sites(mut self, sites: Vec<Site>) -> Self {
        self.sites = sites;
        self
    }

    /// The scenario with fibre routes `fiber`.
    pub fn with_fiber(mut self, fiber: Vec<FiberRoute>) -> Self {
        self.fiber = fiber;
        self
    }

    /// The scenario with wifi access points `wifi`.
    pub fn with_wifi(mut self, wifi: Vec<WifiPoint>) -> Self {
        self.wifi = wifi;
        self
    }

    /// The scenario in points mode, its people on `points`.
    ///
    /// ```
    /// use telecov::model::{PopulationPoint, Scenario};
    /// let s = Scenario::new(vec![]).with_population(vec![PopulationPoint::new((105.0, 21.0), 3.0, 1.0)]);
    /// assert_eq!(s.population.map(|p| p.len()), Some(1));
    /// ```
    pub fn with_population(mut self, points: Vec<PopulationPoint>) -> Self {
        self.population = Some(points);
        self
    }

    /// The scenario with the schools layer `schools`.
    pub fn with_schools(mut self, schools: Vec<School>) -> Self {
        self.schools = Some(schools);
        self
    }

    /// The scenario with the public service points layer `points`.
    pub fn with_service_points(mut self, points: Vec<ServicePoint>) -> Self {
        self.service_points = Some(points);
        self
    }

    /// The scenario with the broadcast layer `transmitters`.
    pub fn with_broadcast(mut self, transmitters: Vec<Transmitter>) -> Self {
        self.broadcast = Some(transmitters);
        self
    }

    /// The scenario with parameters `parameters`.
    pub fn with_parameters(mut self, parameters: Parameters) -> Self {
        self.parameters = parameters;
        self
    }

    /// The scenario with the elevation model `dem` (hashed once; see
    /// [`super::Terrain`]).
    pub fn with_terrain(mut self, dem: super::Dem) -> Self {
        self.terrain = Some(super::Terrain::new(dem));
        self
    }

    /// Checks the numeric invariants the engine relies on, for a scenario
    /// built in code (the loader already enforces them for files): finite,
    /// non-negative people and households; positive, finite heights and
    /// ranges; beamwidths in (0, 360]; finite azimuths; non-empty technology
    /// sets; coordinates inside [-180, 180] × [-90, 90]; valid parameters.
    /// Errors name the contract file the item would come from, the feature
    /// index and id, and the property.
    ///
    /// ```
    /// use telecov::model::{Scenario, Parameters};
    /// let mut s = Scenario::default();
    /// assert!(s.validate().is_ok());
    /// s.parameters.resolution_m = f64::NAN;
    /// assert!(s.validate().unwrap_err().to_string().contains("resolution_m"));
    /// ```
    pub fn validate(&self) -> crate::Result<()> {
        use crate::error::Location;
        use crate::Error;
        use geo::CoordsIter;

        let bad = |file: &str, i: usize, id: Option<String>, prop: &str, why: String| {
            Err(Error::invalid(
                Location::file(file).feature(i, id).property(prop),
                why,
            ))
        };
        let non_negative = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v >= 0.0);
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let on_earth =
            |x: f64, y: f64| (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);

        if let Err((name, why)) = self.parameters.check() {
            return Err(Error::invalid(
                Location::file("scenario.toml").property(name),
                why,
            ));
        }
        if let Some(id) = self
            .parameters
            .environment
            .communes
            .keys()
            .find(|id| !self.communes.iter().any(|c| c.id.key() == **id))
        {
            return Err(Error::invalid(
                Location::file("scenario.toml").property(format!("environment.communes.{id}")),
                "no commune has this id".to_owned(),
            ));
        }
        if let Err((i, reason)) =
            super::capacity::check_site_operators(&self.parameters.capacity, &self.sites)
        {
            let id = Some(self.sites[i].id.key());
            return bad("sites.geojson", i, id, "operator", reason);
        }
        for (i, c) in self.communes.iter().enumerate() {
            let id = Some(c.id.key());
            for (prop, v) in [("population", c.population), ("households", c.households)] {
                if !non_negative(v) {
                    return bad(
                        "communes.geojson",
                        i,
                        id,
                        prop,
                        format!("must be a finite number >= 0, got {v:?}"),
                    );
                }
            }
            if let Some(g) = &c.geometry {
                if g.coords_iter().any(|p| !on_earth(p.x, p.y)) {
                    return bad(
                        "communes.geojson",
                        i,
                        id,
                        "geometry",
                        "coordinates outside [-180,180]×[-90,90]".into(),
                    );
                }
            }
        }
        for (i, s) in self.sites.iter().enumerate() {
            let id = Some(s.id.key());
            if s.technologies.is_empty() {
                return bad(
                    "sites.geojson",
                    i,
                    id,
                    "technologies",
                    "must not be empty".into(),
                );
            }
            if !positive(s.height_m) {
                return bad(
                    "sites.geojson",
                    i,
                    id,
                    "height_m",
                    format!("must be a finite number > 0, got {}", s.height_m),
                );
            }
            for t in super::Technology::ALL {
                if let Some(r) = s.range_m.get(t) {
                    if !positive(r) {
                        return bad(
                            "sites.geojson",
                            i,
                            id,
                            "range_m",
                            format!("must be a finite number > 0, got {r}"),
                        );
                    }
                }
            }
            for (k, sec) in s.sectors.iter().enumerate() {
                let prop = |p: &str| format!("sectors[{k}].{p}");
                if !sec.azimuth_deg.is_finite() {
                    return bad(
                        "sites.geojson",
                        i,
                        id,
                        &prop("azimuth_deg"),
                        format!("must be finite, got {}", sec.azimuth_deg),
                    );
                }
                if !(sec.beamwidth_deg > 0.0 && sec.beamwidth_deg <= 360.0) {
                    return bad(
                        "sites.geojson",
                        i,
                        id,
                        &prop("beamwidth_deg"),
                        format!("must lie in (0, 360], got {}", sec.beamwidth_deg),
                    );
                }
                if let Some(r) = sec.range_m {
                    if !positive(r) {
                        return bad(
                            "sites.geojson",
                            i,
                            id,
                            &prop("range_m"),
                            format!("must be a finite number > 0, got {r}"),
                        );
                    }
                }
            }
            let radio = [
                s.radio.tx_power_dbm,
                s.radio.antenna_gain_dbi,
                s.radio.frequency_mhz,
            ];
            if radio.iter().flatten().any(|v| !v.is_finite()) {
                return bad(
                    "sites.geojson",
                    i,
                    id,
                    "tx_power_dbm",
                    "radio parameters must be finite".into(),
                );
            }
            if !on_earth(s.location.x(), s.location.y()) {
                return bad(
                    "sites.geojson",
                    i,
                    id,
                    "geometry",
                    "coordinates outside [-180,180]×[-90,90]".into(),
                );
            }
        }
        for (i, w) in self.wifi.iter().enumerate() {
            let id = Some(w.id.key());
            if w.range_m.is_some_and(|r| !positive(r)) {
                return bad(
                    "wifi.geojson",
                    i,
                    id,
                    "range_m",
                    format!("must be a finite number > 0, got {:?}", w.range_m),
                );
            }
            if !on_earth(w.location.x(), w.location.y()) {
                return bad(
                    "wifi.geojson",
                    i,
                    id,
                    "geometry",
                    "coordinates outside [-180,180]×[-90,90]".into(),
                );
            }
        }
        for (i, f) in self.fiber.iter().enumerate() {
            if f.geometry.coords_iter().any(|p| !on_earth(p.x, p.y)) {
                return bad(
                    "fiber.geojson",
                    i,
                    Some(f.id.key()),
                    "geometry",
                    "coordinates outside [-180,180]×[-90,90]".into(),
                );
            }
        }
        // scorecard layers
        let points = self
            .schools
            .iter()
            .flatten()
            .map(|s| ("schools.geojson", s.id.key(), s.location))
            .enumerate()
            .chain(
                self.service_points
                    .iter()
                    .flatten()
                    .map(|p| ("service_points.geojson", p.id.key(), p.location))
                    .enumerate(),
            )
            .chain(
                self.broadcast
                    .iter()
                    .flatten()
                    .map(|t| ("broadcast.geojson", t.id.key(), t.location))
                    .enumerate(),
            );
        for (i, (file, id, location)) in points {
            if !on_earth(location.x(), location.y()) {
                return bad(
                    file,
                    i,
                    Some(id),
                    "geometry",
                    "coordinates outside [-180,180]×[-90,90]".into(),
                );
            }
        }
        for (i, s) in self.schools.iter().flatten().enumerate() {
            if !non_negative(s.students) {
                return bad(
                    "schools.geojson",
                    i,
                    Some(s.id.key()),
                    "students",
                    format!("must be a finite number >= 0, got {:?}", s.students),
                );
            }
        }
        for (i, t) in self.broadcast.iter().flatten().enumerate() {
            for (prop, v) in [
                ("range_m", Some(t.range_m)),
                ("erp_kw", t.erp_kw),
                ("height_m", t.height_m),
                ("frequency_mhz", t.frequency_mhz),
            ] {
                if v.is_some_and(|v| !positive(v)) {
                    return bad(
                        "broadcast.geojson",
                        i,
                        Some(t.id.key()),
                        prop,
                        format!("must be a finite number > 0, got {v:?}"),
                    );
                }
            }
        }
        for (i, p) in self.population.iter().flatten().enumerate() {
            for (prop, v) in [("population", p.population), ("households", p.households)] {
                if !non_negative(Some(v)) {
                    return bad(
                        "population.geojson",
                        i,
                        None,
                        prop,
                        format!("must be a finite number >= 0, got {v}"),
                    );
                }
            }
            if p.location.is_some_and(|l| !on_earth(l.x(), l.y())) {
                return bad(
                    "population.geojson",
                    i,
                    None,
                    "geometry",
                    "coordinates outside [-180,180]×[-90,90]".into(),
                );
            }
        }
        Ok(())
    }
}
