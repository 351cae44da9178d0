//! Commune areas against the geodesic area (geo's Karney algorithm).

use geo::GeodesicArea;
use telecov::geodesy::commune_area_m2;

#[test]
fn commune_area_agrees_with_the_geodesic_area() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let scenario = telecov::io::load_scenario(dir).unwrap();
    let mut worst = 0.0f64;
    for c in &scenario.communes {
        let g = c.geometry.as_ref().unwrap();
        let exact = g.geodesic_area_unsigned();
        worst = worst.max((commune_area_m2(g) - exact).abs() / exact);
    }
    assert!(worst < 1e-6, "worst relative difference {worst:e}");
    // a 1.8° × 1° box at 20° N with a hole, 0.9° off its own meridian at
    // its edges, where the scale-factor correction is 1.2e-4 of the area:
    // densified (edges of 0.01°), it goes through the frame
    let ring = |x0: f64, y0: f64, x1: f64, y1: f64| {
        let mut pts = Vec::new();
        let n = ((x1 - x0) / 0.01).round() as usize;
        let m = ((y1 - y0) / 0.01).round() as usize;
        pts.extend((0..n).map(|i| (x0 + (x1 - x0) * i as f64 / n as f64, y0)));
        pts.extend((0..m).map(|j| (x1, y0 + (y1 - y0) * j as f64 / m as f64)));
        pts.extend((0..n).map(|i| (x1 - (x1 - x0) * i as f64 / n as f64, y1)));
        pts.extend((0..m).map(|j| (x0, y1 - (y1 - y0) * j as f64 / m as f64)));
        pts.push((x0, y0));
        geo::LineString::from(pts)
    };
    let g = geo::MultiPolygon(vec![geo::Polygon::new(
        ring(104.0, 20.0, 105.8, 21.0),
        vec![ring(104.5, 20.3, 104.9, 20.6)],
    )]);
    let exact = g.geodesic_area_unsigned();
    let rel = (commune_area_m2(&g) - exact).abs() / exact;
    assert!(rel < 2e-6, "relative difference {rel:e}");
    // its four-corner version has geodesic edges of 190 km: geodesic area
    let corners = geo::LineString::from(vec![
        (104.0, 20.0),
        (105.8, 20.0),
        (105.8, 21.0),
        (104.0, 21.0),
        (104.0, 20.0),
    ]);
    let g = geo::MultiPolygon(vec![geo::Polygon::new(corners, vec![])]);
    assert_eq!(commune_area_m2(&g), g.geodesic_area_unsigned());
}
