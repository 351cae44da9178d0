//! `report.json` and the terminal table.

use std::fmt::Write as _;
use std::path::Path;

use super::write_atomic;
use crate::model::Technology;
use crate::report::{pct, Report};
use crate::Result;

/// Writes `report` as pretty-printed JSON to `path`.
pub fn write_report(path: impl AsRef<Path>, report: &Report) -> Result<()> {
    write_atomic(path.as_ref(), report.to_json().as_bytes())
}

/// A short table: one row per district (communes without a district are
/// grouped under "-"), then the total, with population, households and the
/// covered shares in percent.
pub fn summary_table(report: &Report) -> String {
    #[derive(Default)]
    struct Acc {
        communes: usize,
        pop: f64,
        hh: f64,
        tech: [f64; 4],
        mbb: f64,
        fiber: f64,
        wifi: f64,
        with_wifi: usize,
    }
    let mut groups: Vec<(String, Acc)> = Vec::new();
    for c in &report.communes {
        let key = c.district.clone().unwrap_or_else(|| "-".to_owned());
        let idx = match groups.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                groups.push((key, Acc::default()));
                groups.len() - 1
            }
        };
        let a = &mut groups[idx].1;
        a.communes += 1;
        a.pop += c.population;
        a.hh += c.households;
        for t in Technology::ALL {
            a.tech[t.index()] += c.population_covered.get(t);
        }
        a.mbb += c.population_covered.mobile_broadband;
        a.fiber += c.households_fiber_passed;
        a.wifi += c.population_wifi_covered;
        a.with_wifi += usize::from(c.wifi_points > 0);
    }
    let t = &report.totals;
    let total = Acc {
        communes: t.communes,
        pop: t.population,
        hh: t.households,
        tech: [
            t.population_covered.g2,
            t.population_covered.g3,
            t.population_covered.g4,
            t.population_covered.g5,
        ],
        mbb: t.population_covered.mobile_broadband,
        fiber: t.households_fiber_passed,
        wifi: t.population_wifi_covered,
        with_wifi: t.communes_with_wifi,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:>5} {:>11} {:>10} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "district",
        "units",
        "population",
        "households",
        "2G%",
        "3G%",
        "4G%",
        "5G%",
        "MBB%",
        "fibre%",
        "wifi%",
        "w/wifi"
    );
    let mut line = |name: &str, a: &Acc| {
        let name: String = name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "{:<24} {:>5} {:>11.0} {:>10.0} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6}",
            name,
            a.communes,
            a.pop,
            a.hh,
            pct(a.tech[0], a.pop),
            pct(a.tech[1], a.pop),
            pct(a.tech[2], a.pop),
            pct(a.tech[3], a.pop),
            pct(a.mbb, a.pop),
            pct(a.fiber, a.hh),
            pct(a.wifi, a.pop),
            a.with_wifi,
        );
    };
    for (name, a) in &groups {
        line(name, a);
    }
    line("TOTAL", &total);
    if t.unassigned_population > 0.0 || t.unassigned_households > 0.0 {
        let _ = writeln!(
            out,
            "unassigned (in no commune): {:.0} people, {:.0} households",
            t.unassigned_population, t.unassigned_households
        );
    }
    out
}
