//! `sites.geojson` comes from the evaluation's own resolution of ranges and
//! link budgets: the audits it returns equal a separate audit, link terms
//! included, and the terms add up to the range's maximum path loss.

use geo::{polygon, MultiPolygon, Point};
use telecov::engine::{audit_sites, RangeSource};
use telecov::model::{
    Commune, CommuneKind, FeatureId, RadioParams, Scenario, Site, SiteRange, Technology,
};

#[test]
fn evaluation_audits_equal_a_separate_audit_with_link_terms() {
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
    let site = |id: i64, tx: Option<f64>, range: SiteRange| Site {
        id: FeatureId::Int(id),
        operator: None,
        technologies: [Technology::G3, Technology::G4].into_iter().collect(),
        height_m: 30.0,
        range_m: range,
        sectors: vec![],
        radio: RadioParams {
            tx_power_dbm: tx,
            ..RadioParams::default()
        },
        location: Point::new(105.73, 10.03),
    };
    let scenario = Scenario {
        communes: vec![commune],
        sites: vec![
            site(1, Some(43.0), SiteRange::Unset),
            site(2, None, SiteRange::All(900.0)),
            // outside every commune: suburban by default
            Site {
                location: Point::new(105.9, 10.2),
                ..site(3, Some(46.0), SiteRange::Unset)
            },
        ],
        ..Scenario::default()
    };
    let (report, audits) =
        telecov::evaluate_with_sites(&scenario, &telecov::Options::default()).unwrap();
    assert_eq!(audits, audit_sites(&scenario));
    assert_eq!(report, telecov::evaluate(&scenario).unwrap());
    for (i, a) in audits.iter().enumerate() {
        for t in [Technology::G3, Technology::G4] {
            let (range_m, how) = a.ranges[t.index()].unwrap();
            match how {
                RangeSource::LinkBudget {
                    max_path_loss_db, ..
                } => {
                    let link = a.links[t.index()].as_deref().expect("link terms");
                    assert!((link.budget.max_path_loss_db() - max_path_loss_db).abs() < 1e-9);
                    assert!(range_m > 0.0 && range_m <= link.horizon_m);
                }
                _ => {
                    assert!(a.links[t.index()].is_none(), "site {i}");
                    assert_eq!(range_m, 900.0);
                }
            }
        }
    }
    assert_eq!(audits[0].commune, Some(0));
    assert_eq!(audits[2].commune, None);
}
