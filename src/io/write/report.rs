//! `report.json` and the terminal table.

use std::fmt::Write as _;
use std::path::Path;

use super::write_atomic;
use crate::model::Layer;
use crate::report::{GroupFigures, Report};
use crate::Result;

/// Writes `report` as pretty-printed JSON to `path`.
pub fn write_report(path: impl AsRef<Path>, report: &Report) -> Result<()> {
    write_atomic(path.as_ref(), report.to_json().as_bytes())
}

/// A short table: one row per district (communes without a district are
/// grouped under "-"), then the total, with population, households and the
/// covered shares in percent.
pub fn summary_table(report: &Report) -> String {
    let (groups, total) = report.district_figures();
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
    let mut line = |name: &str, g: &GroupFigures| {
        let name: String = name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "{:<24} {:>5} {:>11.0} {:>10.0} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>6}",
            name,
            g.communes,
            g.population,
            g.households,
            g.pct(Layer::G2),
            g.pct(Layer::G3),
            g.pct(Layer::G4),
            g.pct(Layer::G5),
            g.pct(Layer::MobileBroadband),
            g.pct(Layer::Fiber),
            g.pct(Layer::Wifi),
            g.communes_with_wifi,
        );
    };
    for g in &groups {
        line(g.name.as_deref().unwrap_or("-"), g);
    }
    line("TOTAL", &total);
    let t = &report.totals;
    if t.unassigned_population > 0.0 || t.unassigned_households > 0.0 {
        let _ = writeln!(
            out,
            "unassigned (in no commune): {:.0} people, {:.0} households",
            t.unassigned_population, t.unassigned_households
        );
    }
    out
}
