//! The scorecard's layers of the synthetic city: schools, public service
//! points (telecom, postal, internet agents) and DTT transmitters, placed
//! after the rest of the city from their own random stream, so the other
//! layers are the same with or without them.
//!
//! - Schools: three per commune (a preschool, a primary and a lower
//!   secondary school), the rest by population; each at a random place
//!   inside its commune.
//! - Postal points: one per commune (the commune post office), the rest by
//!   population; telecom points and internet agents by population alone.
//! - Transmitters: per copy, one main transmitter at the population-weighted
//!   centre (range 50 km, 10 kW ERP, 200 m, 610 MHz) and one gap filler at
//!   the centre of the commune farthest from it (range 15 km, 1 kW, 80 m).

use geo::{BoundingRect, Centroid, Contains, Point};
use rand::Rng;

use super::helpers::{apportion, round6, splitmix64, stream};
use super::{CityConfig, COMMUNES_PER_COPY};
use crate::model::{Commune, FeatureId, School, ServiceKind, ServicePoint, Targets, Transmitter};

/// The department's plan figures, as the demo's `[targets]`.
pub(super) fn plan_targets() -> Targets {
    Targets(
        [
            ("fiber_households_pct", 60.0),
            ("mobile_broadband_people_pct", 100.0),
            ("mobile_broadband_communes_pct", 100.0),
            ("dtt_people_pct", 100.0),
            ("schools_connected_pct", 100.0),
            ("wifi_communes_pct", 100.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    )
}

/// A random point inside commune `c` (rejection in its box; its centroid
/// after 10,000 misses), rounded to 1e-6°.
fn inside(c: &Commune, rng: &mut rand_chacha::ChaCha8Rng) -> Point<f64> {
    let Some(g) = &c.geometry else {
        return Point::new(0.0, 0.0);
    };
    let Some(b) = g.bounding_rect() else {
        return Point::new(0.0, 0.0);
    };
    for _ in 0..10_000 {
        let x = round6(b.min().x + rng.random::<f64>() * b.width());
        let y = round6(b.min().y + rng.random::<f64>() * b.height());
        let p = Point::new(x, y);
        if g.contains(&p) {
            return p;
        }
    }
    g.centroid().map_or(Point::new(0.0, 0.0), |p| {
        Point::new(round6(p.x()), round6(p.y()))
    })
}

/// Counts per commune: `floor` each, the rest of `total` by population.
fn per_commune(total: usize, floor: usize, communes: &[Commune]) -> Vec<usize> {
    let n = communes.len();
    let rest = total.saturating_sub(floor * n) as u64;
    let weights: Vec<f64> = communes
        .iter()
        .map(|c| c.population.unwrap_or(0.0))
        .collect();
    apportion(rest, &weights)
        .into_iter()
        .map(|k| floor.min(total / n.max(1)) + k as usize)
        .collect()
}

/// The schools, service points and transmitters of the city.
pub(super) fn place_services(
    config: &CityConfig,
    communes: &[Commune],
) -> (Vec<School>, Vec<ServicePoint>, Vec<Transmitter>) {
    let seed = splitmix64(config.seed ^ 0x5c0e_ca2d);
    let copies = config.scale as usize;
    const LEVELS: [&str; 4] = ["preschool", "primary", "lower_secondary", "upper_secondary"];
    let mut rng = stream(seed, 1);
    let mut schools = Vec::new();
    let counts = per_commune(config.schools * copies, 3, communes);
    for (c, &k) in communes.iter().zip(&counts) {
        let people = c.population.unwrap_or(0.0);
        for j in 0..k {
            let location = inside(c, &mut rng);
            schools.push(School {
                id: FeatureId::Str(format!("SCH{:05}", schools.len() + 1)),
                name: None,
                level: Some(LEVELS[j % LEVELS.len()].to_owned()),
                // about a fifth of the residents are pupils
                students: Some((0.2 * people / k as f64).round()),
                connected: None,
                location,
            });
        }
    }
    let mut points = Vec::new();
    for (kind, total, floor, tag) in [
        (ServiceKind::Telecom, config.telecom_points, 0, "TEL"),
        (ServiceKind::Postal, config.postal_points, 1, "POST"),
        (ServiceKind::InternetAgent, config.internet_agents, 0, "NET"),
    ] {
        let mut rng = stream(seed, 2 + kind.index() as u64);
        let counts = per_commune(total * copies, floor, communes);
        let mut n = 0;
        for (c, &k) in communes.iter().zip(&counts) {
            for _ in 0..k {
                n += 1;
                let location = inside(c, &mut rng);
                points.push(ServicePoint {
                    id: FeatureId::Str(format!("{tag}{n:05}")),
                    kind,
                    name: None,
                    location,
                });
            }
        }
    }
    let mut transmitters = Vec::new();
    if config.broadcast_transmitters > 0 {
        for (copy, chunk) in communes.chunks(COMMUNES_PER_COPY).enumerate() {
            // population-weighted centre of the copy
            let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
            let centres: Vec<Point<f64>> = chunk
                .iter()
                .map(|c| {
                    c.geometry
                        .as_ref()
                        .and_then(|g| g.centroid())
                        .unwrap_or(Point::new(0.0, 0.0))
                })
                .collect();
            for (c, p) in chunk.iter().zip(&centres) {
                let w = c.population.unwrap_or(0.0);
                sx += w * p.x();
                sy += w * p.y();
                sw += w;
            }
            let main = Point::new(round6(sx / sw.max(1e-9)), round6(sy / sw.max(1e-9)));
            let far = centres
                .iter()
                .copied()
                .max_by(|a, b| {
                    let d =
                        |p: &Point<f64>| (p.x() - main.x()).powi(2) + (p.y() - main.y()).powi(2);
                    d(a).total_cmp(&d(b))
                })
                .unwrap_or(main);
            let far = Point::new(round6(far.x()), round6(far.y()));
            let specs = [(main, 50_000.0, 10.0, 200.0), (far, 15_000.0, 1.0, 80.0)];
            for (k, (at, range_m, erp_kw, height_m)) in specs
                .into_iter()
                .take(config.broadcast_transmitters)
                .enumerate()
            {
                transmitters.push(Transmitter {
                    id: FeatureId::Str(format!(
                        "DTT{:03}",
                        copy * config.broadcast_transmitters + k + 1
                    )),
                    name: None,
                    range_m,
                    erp_kw: Some(erp_kw),
                    height_m: Some(height_m),
                    frequency_mhz: Some(610.0),
                    location: at,
                });
            }
        }
    }
    (schools, points, transmitters)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{can_tho, commune_of};
    use super::*;

    #[test]
    fn counts_and_places_follow_the_config() {
        let s = can_tho();
        let schools = s.schools.as_deref().unwrap();
        assert_eq!(schools.len(), CityConfig::can_tho().schools);
        let points = s.service_points.as_deref().unwrap();
        let count = |k| points.iter().filter(|p| p.kind == k).count();
        assert_eq!(count(ServiceKind::Telecom), 300);
        assert_eq!(count(ServiceKind::Postal), 215);
        assert_eq!(count(ServiceKind::InternetAgent), 250);
        // every point inside the city; every commune has a post office and
        // three schools
        let mut post = vec![0; s.communes.len()];
        for p in points {
            let c = commune_of(s, &p.location).expect("inside");
            if p.kind == ServiceKind::Postal {
                post[c] += 1;
            }
        }
        assert!(post.iter().all(|&n| n >= 1));
        let mut per = vec![0; s.communes.len()];
        for x in schools {
            per[commune_of(s, &x.location).expect("inside")] += 1;
        }
        assert!(per.iter().all(|&n| n >= 3));
        assert_eq!(s.broadcast.as_ref().map(Vec::len), Some(2));
    }
}
