//! The flat frame of the pictures (`report.html`, `map.png`): a local
//! equirectangular projection centred on the communes.
//!
//! `x` is metres east of the centre, `y` metres *south* of it (screen
//! order: down), north up. Longitudes are taken relative to the centre and
//! wrapped to ±180°, so a scenario around the antimeridian stays in one
//! piece. Distances are true along meridians and along the central
//! parallel; along other parallels they are off by `cos φ / cos φ₀ − 1`,
//! about 0.1 % at 10° N for a city 50 km tall: good for a picture and a
//! scale bar, not for measuring (the report does that in its own frames).

use geo::CoordsIter;

use crate::model::Scenario;

/// Metres per degree of latitude on the mean sphere.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// The projection of a scenario's pictures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    lon0: f64,
    lat0: f64,
    kx: f64,
    /// Projected extent of the communes (of every feature when no commune
    /// has a geometry): `[min_x, min_y, max_x, max_y]`, metres.
    pub extent: [f64; 4],
}

fn wrap(d: f64) -> f64 {
    let s = d + 180.0;
    // within a turn already (nearly always): no remainder to take, and
    // the same result
    if (0.0..360.0).contains(&s) {
        s - 180.0
    } else {
        s.rem_euclid(360.0) - 180.0
    }
}

impl Frame {
    /// The frame of `scenario`: centred on its communes (or, without any
    /// commune geometry, on its other features; else on 0° 0°).
    pub fn new(scenario: &Scenario) -> Frame {
        let communes = || {
            scenario
                .communes
                .iter()
                .filter_map(|c| c.geometry.as_ref())
                .flat_map(|g| g.coords_iter())
        };
        let others = || {
            scenario
                .sites
                .iter()
                .map(|s| s.location.0)
                .chain(scenario.wifi.iter().map(|w| w.location.0))
                .chain(scenario.fiber.iter().flat_map(|f| f.geometry.coords_iter()))
        };
        let mut coords: Box<dyn Iterator<Item = geo::Coord<f64>>> = Box::new(communes());
        let mut first = communes().next();
        if first.is_none() {
            coords = Box::new(others());
            first = others().next();
        }
        let Some(first) = first else {
            return Frame {
                lon0: 0.0,
                lat0: 0.0,
                kx: M_PER_DEG,
                extent: [-500.0, -500.0, 500.0, 500.0],
            };
        };
        let mut b = [f64::INFINITY, f64::INFINITY, -f64::INFINITY, -f64::INFINITY];
        for c in coords {
            let dx = wrap(c.x - first.x);
            b = [b[0].min(dx), b[1].min(c.y), b[2].max(dx), b[3].max(c.y)];
        }
        let lon0 = wrap(first.x + (b[0] + b[2]) / 2.0);
        let lat0 = (b[1] + b[3]) / 2.0;
        let kx = M_PER_DEG * lat0.to_radians().cos().max(0.01);
        let mut frame = Frame {
            lon0,
            lat0,
            kx,
            extent: [0.0; 4],
        };
        let [x0, y0] = frame.xy(first.x + b[0], b[3]);
        let [x1, y1] = frame.xy(first.x + b[2], b[1]);
        // at least a metre wide and tall
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (hw, hh) = (((x1 - x0) / 2.0).max(0.5), ((y1 - y0) / 2.0).max(0.5));
        frame.extent = [cx - hw, cy - hh, cx + hw, cy + hh];
        frame
    }

    /// Projected position of a WGS 84 longitude/latitude, metres
    /// (`x` east, `y` south).
    pub fn xy(&self, lon: f64, lat: f64) -> [f64; 2] {
        [
            wrap(lon - self.lon0) * self.kx,
            -(lat - self.lat0) * M_PER_DEG,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, FeatureId};
    use geo::{polygon, MultiPolygon};

    fn square(x: f64, y: f64, d: f64) -> Commune {
        Commune {
            id: FeatureId::Int(1),
            name: None,
            district: None,
            kind: None,
            population: Some(1.0),
            households: Some(1.0),
            geometry: Some(MultiPolygon(vec![polygon![
                (x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d), (x: x, y: y),
            ]])),
        }
    }

    #[test]
    fn wrap_takes_the_remainder_only_when_it_changes_something() {
        let reference = |d: f64| (d + 180.0).rem_euclid(360.0) - 180.0;
        let mut d = -1_000.0;
        while d < 1_000.0 {
            assert_eq!(wrap(d).to_bits(), reference(d).to_bits(), "{d}");
            d += 0.731;
        }
        for d in [
            -540.0,
            -180.0,
            -179.999_999_999_999_9,
            0.0,
            -0.0,
            179.999_999_999_999_97,
            180.0,
            540.0,
            1e-300,
        ] {
            assert_eq!(wrap(d).to_bits(), reference(d).to_bits(), "{d}");
        }
        assert!(wrap(f64::NAN).is_nan());
    }

    #[test]
    fn metres_north_up_and_across_the_antimeridian() {
        // 0.1° at 60° N: 11.1 km tall, 5.55 km wide
        let s = Scenario {
            communes: vec![square(10.0, 60.0, 0.1)],
            ..Scenario::default()
        };
        let f = Frame::new(&s);
        let [x0, y0, x1, y1] = f.extent;
        assert!(((y1 - y0) - 11_119.5).abs() < 1.0, "{}", y1 - y0);
        // along the central parallel, 60.05° N
        let wide = 0.1 * M_PER_DEG * 60.05f64.to_radians().cos();
        assert!(((x1 - x0) - wide).abs() < 0.01, "{} vs {wide}", x1 - x0);
        // north is up (smaller y)
        assert!(f.xy(10.05, 60.1)[1] < f.xy(10.05, 60.0)[1]);
        // a square across 180°: one piece, 0.2° wide
        let s = Scenario {
            communes: vec![square(179.9, -17.0, 0.1), square(-180.0, -17.0, 0.1)],
            ..Scenario::default()
        };
        let f = Frame::new(&s);
        let w = f.extent[2] - f.extent[0];
        let expect = 0.2 * M_PER_DEG * 16.95f64.to_radians().cos();
        assert!((w - expect).abs() < 0.01, "{w} vs {expect}");
        // an empty scenario still has a frame
        let f = Frame::new(&Scenario::default());
        assert!(f.extent[2] > f.extent[0]);
    }
}
