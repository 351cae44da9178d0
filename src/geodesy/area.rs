//! Areas on the WGS 84 ellipsoid.

use geo::{BoundingRect, GeodesicArea, LineString, MultiPolygon};

use super::{TransverseMercator, MEAN_EARTH_RADIUS_M};

/// Area of a commune on the WGS 84 ellipsoid, m². A commune less than 2°
/// wide (and away from the poles) is projected to a transverse Mercator
/// frame on its own central meridian, where the area is the polygon's
/// exactly, divided by the square of the scale factor `k ≈ 1 + x²/2R²`
/// integrated in closed form (`∫∫ (1 − x²/R²) dA` from the rings' first and
/// second moments): within 10⁻⁶ of the geodesic area and about fifteen
/// times cheaper than the geodesic polygon area, which larger communes use.
pub fn commune_area_m2(g: &MultiPolygon<f64>) -> f64 {
    let Some(r) = g.bounding_rect() else {
        return 0.0;
    };
    // long edges: a geodesic edge bends away from the frame's straight
    // segment enough to matter
    let long_edge = g.0.iter().any(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|ring| ring.lines())
            .any(|l| (l.end.x - l.start.x).abs() > 0.1 || (l.end.y - l.start.y).abs() > 0.1)
    });
    if long_edge || r.width() > 2.0 || r.min().y < -80.0 || r.max().y > 80.0 {
        return g.geodesic_area_unsigned();
    }
    let frame = TransverseMercator::new(r.center().x);
    let ring_area = |ring: &LineString<f64>| -> f64 {
        let pts: Vec<[f64; 2]> = ring.0.iter().map(|c| frame.forward(c.x, c.y)).collect();
        let (mut a, mut ixx) = (0.0, 0.0);
        for w in pts.windows(2) {
            let ([x0, y0], [x1, y1]) = (w[0], w[1]);
            let cross = x0 * y1 - x1 * y0;
            a += cross;
            ixx += cross * (x0 * x0 + x0 * x1 + x1 * x1);
        }
        // signed ∫∫ (1 − x²/R²) dA over the ring
        (a / 2.0 - ixx / 12.0 / (MEAN_EARTH_RADIUS_M * MEAN_EARTH_RADIUS_M)).abs()
    };
    g.0.iter()
        .map(|p| ring_area(p.exterior()) - p.interiors().iter().map(ring_area).sum::<f64>())
        .sum()
}
