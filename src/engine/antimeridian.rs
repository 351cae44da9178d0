//! Scenarios around the antimeridian (Fiji, Chukotka, Kiribati).
//!
//! GeoJSON longitudes jump from 180° to −180° there, so a site at 179.99° E
//! and a commune at 179.99° W, 2 km apart, would look 360° apart to the
//! strips and the indexes. [`unwrapped`] moves such a scenario to a
//! continuous longitude range (0°..360°) before the engine sees it; the
//! projection works on longitude differences, so nothing else changes.

use geo::{Coord, MapCoordsInPlace};

use crate::model::Scenario;

/// `lon`, moved to [0, 360) when it is west of Greenwich.
fn east(lon: f64) -> f64 {
    if lon < 0.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// The scenario with every longitude west of 0° moved by +360°, when that
/// makes the scenario's longitude extent (communes, sites, wifi, fibre,
/// demand points) narrower: it straddles the antimeridian rather than
/// Greenwich, and no commune or fibre route has longitudes on both sides
/// of 0° (a polar cap drawn around the pole, or anything at Greenwich).
/// `None` when the scenario is better left as it is (the usual case, which
/// costs one pass over the coordinates).
pub(crate) fn unwrapped(scenario: &Scenario) -> Option<Scenario> {
    use geo::CoordsIter;
    let mut extent = [
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut add = |lon: f64| {
        extent[0] = extent[0].min(lon);
        extent[1] = extent[1].max(lon);
        extent[2] = extent[2].min(east(lon));
        extent[3] = extent[3].max(east(lon));
    };
    // a geometry with longitudes on both sides of Greenwich (a polar cap, a
    // commune at 0°) would be torn apart by the move: leave such scenarios
    let mut straddles = false;
    let mut geometry = |coords: &mut dyn Iterator<Item = Coord<f64>>| {
        let (mut west, mut rest) = (false, false);
        for p in coords {
            add(p.x);
            west |= p.x < 0.0;
            rest |= p.x >= 0.0;
        }
        straddles |= west && rest;
    };
    for c in &scenario.communes {
        geometry(&mut c.geometry.iter().flat_map(|g| g.coords_iter()));
    }
    for f in &scenario.fiber {
        geometry(&mut f.geometry.coords_iter());
    }
    scenario.sites.iter().for_each(|s| add(s.location.x()));
    scenario.wifi.iter().for_each(|w| add(w.location.x()));
    for p in scenario.population.iter().flatten() {
        if let Some(l) = p.location {
            add(l.x());
        }
    }
    // false too when there is no coordinate at all (∞ − ∞ is NaN)
    let narrower = extent[3] - extent[2] < extent[1] - extent[0];
    if straddles || !narrower {
        return None;
    }
    let shift = |c: Coord<f64>| Coord {
        x: east(c.x),
        y: c.y,
    };
    let mut s = scenario.clone();
    for c in &mut s.communes {
        if let Some(g) = &mut c.geometry {
            g.map_coords_in_place(shift);
        }
    }
    for f in &mut s.fiber {
        f.geometry.map_coords_in_place(shift);
    }
    for site in &mut s.sites {
        site.location.map_coords_in_place(shift);
    }
    for w in &mut s.wifi {
        w.location.map_coords_in_place(shift);
    }
    for p in s.population.iter_mut().flatten() {
        if let Some(l) = &mut p.location {
            l.map_coords_in_place(shift);
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use geo::Point;

    use super::*;
    use crate::model::{FeatureId, WifiPoint};

    fn wifi(lon: f64) -> WifiPoint {
        WifiPoint {
            id: FeatureId::Int(0),
            range_m: None,
            location: Point::new(lon, 0.0),
        }
    }

    #[test]
    fn only_scenarios_around_180_are_moved() {
        let at = |lons: &[f64]| Scenario {
            wifi: lons.iter().map(|&l| wifi(l)).collect(),
            ..Scenario::default()
        };
        assert!(unwrapped(&at(&[105.0, 106.0])).is_none());
        assert!(unwrapped(&at(&[-0.5, 0.5])).is_none());
        assert!(unwrapped(&at(&[])).is_none());
        let s = unwrapped(&at(&[179.9, -179.9, -180.0])).unwrap();
        let lons: Vec<f64> = s.wifi.iter().map(|w| w.location.x()).collect();
        assert_eq!(lons[0], 179.9);
        assert!((lons[1] - 180.1).abs() < 1e-12);
        assert_eq!(lons[2], 180.0);
    }

    #[test]
    fn a_polygon_around_the_pole_is_not_moved() {
        use geo::{LineString, MultiPolygon, Polygon};
        let ring: Vec<(f64, f64)> = [-180.0, -90.0, 0.0, 90.0, 180.0, 180.0, -180.0, -180.0]
            .iter()
            .zip([89.9, 89.9, 89.9, 89.9, 89.9, 90.0, 90.0, 89.9])
            .map(|(&x, y)| (x, y))
            .collect();
        let s = Scenario {
            communes: vec![crate::model::Commune {
                id: FeatureId::Int(1),
                name: None,
                district: None,
                kind: None,
                population: Some(1.0),
                households: Some(1.0),
                geometry: Some(MultiPolygon(vec![Polygon::new(
                    LineString::from(ring),
                    vec![],
                )])),
            }],
            wifi: vec![wifi(179.0)],
            ..Scenario::default()
        };
        assert!(unwrapped(&s).is_none());
    }
}
