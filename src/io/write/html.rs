//! `report.html`: the report as one self-contained interactive page.
//!
//! The page works opened from disk with no network: the map is inline SVG
//! written here, driven by a few dozen lines of the page's own JavaScript;
//! nothing is fetched (no library, tile server or font). It shows:
//!
//! - the communes as a choropleth of one layer at a time (`2G` … `5G`,
//!   `mobile_broadband`, `fiber` in households, `wifi`; a selector switches
//!   them, 4G first), coloured by the [`legend`] classes;
//! - the gap regions of the shown layer, hatched, when a [`GapMap`] is
//!   given (a check box hides them);
//! - sites as points, and at street zoom (view narrower than
//!   [`STREET_ZOOM_M`]) their sectors as wedges from azimuth, beamwidth and
//!   the range the engine used for the shown layer's technology (mobile
//!   broadband: the longest of 3G, 4G and 5G; fibre and wifi: the site's
//!   longest), wifi points with their reach, fibre routes; proposals of a
//!   plan ([`HtmlOptions::proposals`]) in their own colour;
//! - pan (drag), zoom (wheel, buttons), a scale bar, the legend;
//! - on a click, the commune's figures in the side panel (name, district,
//!   population, households, every layer's share); under it the table of
//!   districts and the total.
//!
//! Each commune is one SVG `path` with `data-commune-id="<id>"` and its
//! current fill as `fill="#rrggbb"` (written here for the first layer and
//! updated by the script), so a test or a script can find it.
//!
//! Projection: a local equirectangular frame centred on the communes, in
//! metres rounded to 1 m, north up (true along meridians and the central
//! parallel; 0.1 % off at the edges of a 50 km city). Shapes are not
//! simplified: rounding only drops vertices that fall on the previous one.
//! Every string from the input (names, ids, districts, warnings) is
//! escaped for HTML, or JSON-encoded with `<`, `>` and `&` escaped.

use std::fmt::Write as _;
use std::path::Path;

use geo::{LineString, MultiPolygon};

use super::frame::Frame;
use super::legend::{self, class_of, layer_pct, CLASSES, NO_DATA_COLOUR};
use rayon::prelude::*;

use super::write_atomic;
use crate::engine::SiteAudit;
use crate::model::Layer;
use crate::model::{Scenario, Technology};
use crate::planning::GapMap;
use crate::report::{GroupFigures, Report};
use crate::{Error, Result};

/// Wedges and wifi reaches are drawn when the view is narrower than this,
/// metres.
pub const STREET_ZOOM_M: f64 = 12_000.0;

/// Features of a scenario that a plan added: the ones from these indices
/// on are drawn as proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Proposals {
    /// Index of the first proposed site in `scenario.sites`.
    pub sites_from: usize,
    /// Index of the first proposed wifi point in `scenario.wifi`.
    pub wifi_from: usize,
    /// Index of the first proposed fibre route in `scenario.fiber`.
    pub fiber_from: usize,
}

/// Options of [`report_html_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlOptions {
    /// Page title (default `telecov coverage report`).
    pub title: String,
    /// Layer shown first (default 4G).
    pub layer: Layer,
    /// Draw the scenario's features from these indices on as proposals
    /// (a plan's `scenario_with_plan`); the gaps are then labelled as the
    /// gaps before the plan.
    pub proposals: Option<Proposals>,
    /// The run's scorecard, shown as a table under the districts when
    /// given ([`crate::scorecard`]).
    pub scorecard: Option<crate::scorecard::Scorecard>,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: "telecov coverage report".to_owned(),
            layer: Layer::G4,
            proposals: None,
            scorecard: None,
        }
    }
}

/// `report.html` of a scenario and its report, with its gaps when given
/// ([`HtmlOptions::default`]: 4G first). See the [module docs](self).
///
/// Fails only when `report` is not the report of `scenario` (another
/// number of communes or other ids).
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use telecov::model::*;
///
/// let commune = Commune {
///     id: FeatureId::Str("31117".into()),
///     name: Some("Phường <Tân An>".into()),
///     district: None, kind: None,
///     population: Some(1000.0), households: Some(250.0),
///     geometry: Some(MultiPolygon(vec![polygon![
///         (x: 105.77, y: 10.02), (x: 105.79, y: 10.02), (x: 105.79, y: 10.04),
///         (x: 105.77, y: 10.04), (x: 105.77, y: 10.02),
///     ]])),
/// };
/// let scenario = Scenario { communes: vec![commune], ..Scenario::default() };
/// let report = telecov::evaluate(&scenario)?;
/// let page = telecov::io::write::html::report_html(&scenario, &report, None)?;
/// // no site: 0 % of 4G, the lowest class's colour
/// assert!(page.contains(r##"data-commune-id="31117" data-i="0" fill="#d73027""##));
/// assert!(page.contains("Phường &lt;Tân An&gt;") && !page.contains("<Tân An>"));
/// # Ok::<(), telecov::Error>(())
/// ```
pub fn report_html(scenario: &Scenario, report: &Report, gaps: Option<&GapMap>) -> Result<String> {
    report_html_with(scenario, report, gaps, &HtmlOptions::default())
}

/// Writes [`report_html`] to `path` (atomically).
pub fn write_report_html(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
    gaps: Option<&GapMap>,
) -> Result<()> {
    write_report_html_with(path, scenario, report, gaps, &HtmlOptions::default())
}

/// Writes [`report_html_with`] to `path` (atomically).
pub fn write_report_html_with(
    path: impl AsRef<Path>,
    scenario: &Scenario,
    report: &Report,
    gaps: Option<&GapMap>,
    options: &HtmlOptions,
) -> Result<()> {
    let page = report_html_with(scenario, report, gaps, options)?;
    write_atomic(path.as_ref(), page.as_bytes())
}

/// `report.html` with [`HtmlOptions`]. See [`report_html`].
pub fn report_html_with(
    scenario: &Scenario,
    report: &Report,
    gaps: Option<&GapMap>,
    options: &HtmlOptions,
) -> Result<String> {
    report_html_audited(scenario, report, gaps, options, None)
}

/// [`report_html_with`] on the sites' audits the engine already resolved
/// for this scenario (as `sites.geojson` writes them), when given.
pub(crate) fn report_html_audited(
    scenario: &Scenario,
    report: &Report,
    gaps: Option<&GapMap>,
    options: &HtmlOptions,
    audits: Option<&[SiteAudit]>,
) -> Result<String> {
    let parts = page_parts(
        scenario,
        report,
        gaps.is_some(),
        options,
        options.scorecard.as_ref(),
        audits,
    )?;
    let gap_paths = gaps.map(|g| parts.gap_paths(g)).unwrap_or_default();
    let mut page = String::new();
    page.reserve(parts.pieces(&gap_paths).map(str::len).sum());
    parts
        .pieces(&gap_paths)
        .for_each(|piece| page.push_str(piece));
    Ok(page)
}

/// `report.html` but for its gap regions: the page up to where they are
/// drawn and the page after them. What does not depend on the gap maps is
/// built before them, and the gaps' paths go between the two parts
/// ([`PageParts::write_with`]).
pub(crate) struct PageParts {
    /// The page up to and including the gaps' opening `<g id="gaps">`.
    head: String,
    /// The page after the gaps' paths, from their closing `</g>` on.
    tail: String,
    frame: Frame,
    /// The layer shown first: the other layers' gaps are hidden.
    layer: Layer,
}

impl PageParts {
    /// Each gap's SVG path, in the order of the gap map.
    fn gap_paths(&self, gaps: &GapMap) -> Vec<String> {
        gaps.gaps
            .par_iter()
            .map(|gap| {
                // about eight bytes a vertex (two short relative steps)
                let vertices = geo::CoordsIter::coords_count(&gap.geometry);
                let mut out = String::with_capacity(96 + 8 * vertices);
                let _ = write!(
                    out,
                    "<path data-layer=\"{}\"{} d=\"",
                    gap.layer.as_str(),
                    if gap.layer == self.layer {
                        ""
                    } else {
                        " style=\"display:none\""
                    }
                );
                polygons_path(&mut out, &gap.geometry, &self.frame);
                out.push_str("\"/>\n");
                out
            })
            .collect()
    }

    /// Writes the whole page with `gaps` (those the parts were made for:
    /// `Some` if and only if `with_gaps` was) to `w`.
    pub(crate) fn write_with(
        &self,
        w: &mut impl std::io::Write,
        gaps: Option<&GapMap>,
    ) -> std::io::Result<()> {
        let gap_paths = gaps.map(|g| self.gap_paths(g)).unwrap_or_default();
        let written = self
            .pieces(&gap_paths)
            .try_for_each(|piece| w.write_all(piece.as_bytes()));
        written
    }

    /// The page in order: its head, `gap_paths`, its tail.
    fn pieces<'s>(&'s self, gap_paths: &'s [String]) -> impl Iterator<Item = &'s str> {
        std::iter::once(self.head.as_str())
            .chain(gap_paths.iter().map(String::as_str))
            .chain(std::iter::once(self.tail.as_str()))
    }
}

/// The [`PageParts`] of [`report_html_audited`]; `with_gaps`: whether the
/// page will hold a gap map; `card`: the scorecard to show (in place of
/// `options.scorecard`).
pub(crate) fn page_parts(
    scenario: &Scenario,
    report: &Report,
    with_gaps: bool,
    options: &HtmlOptions,
    card: Option<&crate::scorecard::Scorecard>,
    audits: Option<&[SiteAudit]>,
) -> Result<PageParts> {
    check_pairing(scenario, report)?;
    let frame = Frame::new(scenario);
    let [x0, y0, x1, y1] = frame.extent;
    let margin = 0.04 * (x1 - x0).max(y1 - y0);
    let view = [
        (x0 - margin).floor(),
        (y0 - margin).floor(),
        (x1 - x0 + 2.0 * margin).ceil(),
        (y1 - y0 + 2.0 * margin).ceil(),
    ];
    let layer_k = options.layer.bit();
    let proposals = options.proposals.unwrap_or(Proposals {
        sites_from: usize::MAX,
        wifi_from: usize::MAX,
        fiber_from: usize::MAX,
    });

    // the page's data for its script built beside the page
    let page = || {
        let mut out = String::with_capacity(1 << 20);
        let title = esc(&options.title);
        let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    );
        // header: title, totals, controls
        let t = &report.totals;
        let _ = write!(
        out,
        "<header><h1>{title}</h1><p class=\"sub\">{} communes · {} residents · {} households · \
         {} sites · {} wifi points · demand {}</p>\n<div class=\"controls\">\
         <label>Layer <select id=\"layer\">",
        t.communes,
        thousands(t.population),
        thousands(t.households),
        t.sites,
        t.wifi_points,
        match report.demand {
            crate::report::DemandMode::Uniform => "spread uniformly",
            crate::report::DemandMode::Points => "from points",
        }
    );
        for l in Layer::ALL {
            let _ = write!(
                out,
                "<option value=\"{}\"{}>{}</option>",
                l.as_str(),
                if l == options.layer { " selected" } else { "" },
                option_label(l)
            );
        }
        let gaps_label = if options.proposals.is_some() {
            "gaps before the plan"
        } else {
            "gaps"
        };
        let _ = write!(
            out,
            "</select></label>\
         <label{}><input type=\"checkbox\" id=\"show-gaps\"{}> {gaps_label}</label>\
         <label><input type=\"checkbox\" id=\"show-infra\" checked> sites, fibre, wifi</label>\
         </div></header>\n<main>\n<div id=\"mapbox\">\n",
            if with_gaps {
                ""
            } else {
                " class=\"off\" title=\"no gap map\""
            },
            if with_gaps { " checked" } else { " disabled" }
        );

        // the map
        let hatch = view[2] / 1000.0;
        let _ = write!(
        out,
        "<svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{} {} {} {}\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-label=\"coverage map\">\n\
         <defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\" \
         patternTransform=\"scale({hatch:.3}) rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#000\" \
         fill-opacity=\"0.06\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#000\" \
         stroke-width=\"1.6\" stroke-opacity=\"0.5\"/></pattern></defs>\n<g id=\"communes\">\n",
        view[0], view[1], view[2], view[3]
    );
        // each commune's path drawn in parallel, joined in order
        let commune_paths: Vec<String> = scenario
            .communes
            .par_iter()
            .zip(&report.communes)
            .enumerate()
            .map(|(i, (commune, row))| {
                let mut out = String::new();
                let fill = legend::hex(legend::fill_of(row, options.layer));
                let _ = write!(
                    out,
                    "<path data-commune-id=\"{}\" data-i=\"{i}\" fill=\"{fill}\" d=\"",
                    esc(&commune.id.key())
                );
                if let Some(g) = &commune.geometry {
                    polygons_path(&mut out, g, &frame);
                }
                let name = commune.name.clone().unwrap_or_else(|| commune.id.key());
                let _ = writeln!(out, "\"><title>{}</title></path>", esc(&name));
                out
            })
            .collect();
        out.reserve(commune_paths.iter().map(String::len).sum());
        for path in commune_paths {
            out.push_str(&path);
        }
        out.push_str("</g>\n<g id=\"gaps\">\n");
        // the gaps' paths go here
        let head = std::mem::take(&mut out);
        out.push_str("</g>\n<g id=\"infra\">\n");
        for (class, range) in [
            ("fiber", 0..proposals.fiber_from.min(scenario.fiber.len())),
            (
                "fiber new",
                proposals.fiber_from.min(scenario.fiber.len())..scenario.fiber.len(),
            ),
        ] {
            if range.is_empty() {
                continue;
            }
            let _ = write!(out, "<path class=\"{class}\" d=\"");
            for route in &scenario.fiber[range] {
                for line in &route.geometry.0 {
                    line_path(&mut out, line, &frame, false);
                }
            }
            out.push_str("\"/>\n");
        }
        out.push_str("<g id=\"wedges\"></g>\n");
        let points = |out: &mut String, class: &str, pts: &mut dyn Iterator<Item = [f64; 2]>| {
            let mut d = String::new();
            for [x, y] in pts {
                let _ = write!(d, "M{} {}h0", x.round(), y.round());
            }
            if !d.is_empty() {
                let _ = writeln!(out, "<path class=\"{class}\" d=\"{d}\"/>");
            }
        };
        let site_xy = |s: &crate::model::Site| frame.xy(s.location.x(), s.location.y());
        let wifi_xy = |w: &crate::model::WifiPoint| frame.xy(w.location.x(), w.location.y());
        let split = |from: usize, len: usize| from.min(len);
        let (ss, ws) = (
            split(proposals.sites_from, scenario.sites.len()),
            split(proposals.wifi_from, scenario.wifi.len()),
        );
        points(
            &mut out,
            "sites",
            &mut scenario.sites[..ss].iter().map(site_xy),
        );
        points(
            &mut out,
            "sites new",
            &mut scenario.sites[ss..].iter().map(site_xy),
        );
        points(
            &mut out,
            "wifi",
            &mut scenario.wifi[..ws].iter().map(wifi_xy),
        );
        points(
            &mut out,
            "wifi new",
            &mut scenario.wifi[ws..].iter().map(wifi_xy),
        );
        out.push_str("</g>\n</svg>\n");

        // map furniture: zoom buttons, scale bar; then the side panel: the
        // legend, the clicked commune, districts and total
        out.push_str(
            "<div id=\"zoom\"><button id=\"zoom-in\" title=\"zoom in\">+</button>\
         <button id=\"zoom-out\" title=\"zoom out\">−</button>\
         <button id=\"zoom-home\" title=\"whole area\">⌂</button></div>\n\
         <div id=\"scale\"><div id=\"scale-bar\"></div><span id=\"scale-label\"></span></div>\n\
         </div>\n<aside id=\"panel\">\n",
        );
        let _ = write!(
            out,
            "<div id=\"legend\"><h2><span id=\"legend-layer\">{}</span> \
         <span id=\"legend-unit\">% of {}</span></h2><ul>",
            esc(legend::layer_title(options.layer)),
            legend::share_of(options.layer)
        );
        for c in CLASSES.iter().rev() {
            let hex = c.hex();
            let _ = write!(
            out,
            "<li data-lo=\"{}\" data-hi=\"{}\" data-fill=\"{hex}\"><i style=\"background:{hex}\"></i>{}</li>",
            c.lo,
            c.hi,
            c.label()
        );
        }
        let nodata = legend::hex(NO_DATA_COLOUR);
        let _ = write!(
        out,
        "<li data-nodata=\"1\" data-fill=\"{nodata}\"><i style=\"background:{nodata}\"></i>nobody to cover</li>"
    );
        if with_gaps {
            let _ = write!(out, "<li><i class=\"hatched\"></i>{gaps_label}</li>");
        }
        out.push_str(
            "<li><i class=\"dot site\"></i>site</li><li><i class=\"dot wifi\"></i>wifi point</li>\
         <li><i class=\"line fiber\"></i>fibre route</li>",
        );
        if options.proposals.is_some() {
            out.push_str(
                "<li><i class=\"dot new\"></i>proposed site / wifi</li>\
             <li><i class=\"line new\"></i>proposed fibre</li>",
            );
        }
        out.push_str(
        "</ul><p class=\"note\">Class bounds: lower included, upper excluded (100 % included).</p></div>\n\
         <h2>Commune</h2><div id=\"info\">Click a commune for its figures.</div>\n\
         <h2>Districts</h2>\n",
    );
        district_table(&mut out, report);
        if let Some(card) = card {
            scorecard_table(&mut out, card);
        }
        if !report.warnings.is_empty() {
            let _ = write!(
                out,
                "<details><summary>{} warning(s)</summary><ul class=\"warnings\">",
                report.warnings.len()
            );
            for w in report.warnings.iter().take(200) {
                let _ = write!(out, "<li>{}</li>", esc(w));
            }
            out.push_str("</ul></details>\n");
        }
        out.push_str("<p class=\"note\">Map: local equirectangular projection, north up, metres rounded to 1 m. Generated by telecov; works offline.</p></aside>\n</main>\n");

        (head, out)
    };
    let ((head, mut out), script) = rayon::join(page, || {
        page_data(scenario, report, &frame, view, layer_k, &proposals, audits)
    });
    out.reserve(script.len() + SCRIPT.len() + 128);
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"telecov-data\">{script}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
    );
    Ok(PageParts {
        head,
        tail: out,
        frame,
        layer: options.layer,
    })
}

/// The report must be the scenario's: same communes, same order.
fn check_pairing(scenario: &Scenario, report: &Report) -> Result<()> {
    let paired = scenario.communes.len() == report.communes.len()
        && scenario
            .communes
            .iter()
            .zip(&report.communes)
            .all(|(c, r)| c.id.key() == r.id.key());
    if paired {
        Ok(())
    } else {
        Err(Error::Parameter {
            name: "report",
            reason: format!(
                "is not the report of this scenario ({} communes in the report, {} in the scenario, or other ids)",
                report.communes.len(),
                scenario.communes.len()
            ),
        })
    }
}

fn option_label(l: Layer) -> &'static str {
    match l {
        Layer::MobileBroadband => "mobile broadband",
        Layer::Fiber => "fibre (households)",
        Layer::Wifi => "public wifi",
        l => l.as_str(),
    }
}

/// Everything the script needs, as JSON that can sit inside a `<script>`
/// element.
fn page_data(
    scenario: &Scenario,
    report: &Report,
    frame: &Frame,
    view: [f64; 4],
    layer_k: usize,
    proposals: &Proposals,
    audits: Option<&[SiteAudit]>,
) -> String {
    let r2 = |v: f64| (v * 100.0).round() / 100.0;
    let layers: Vec<LayerData> = Layer::ALL
        .iter()
        .map(|&l| LayerData {
            key: l.as_str(),
            label: option_label(l),
            of: legend::share_of(l),
            title: legend::layer_title(l),
        })
        .collect();
    let classes: Vec<ClassData> = CLASSES
        .iter()
        .map(|c| ClassData {
            color: c.hex(),
            hi: c.hi,
            lo: c.lo,
        })
        .collect();
    let communes: Vec<CommuneData<'_>> = report
        .communes
        .iter()
        .map(|row| {
            let shares = Layer::ALL.map(|l| layer_pct(row, l));
            CommuneData {
                area: r2(row.area_km2),
                cls: shares.map(|p| p.map_or(-1, |p| class_of(p) as i64)),
                district: row.district.as_deref(),
                hh: row.households.round(),
                id: row.id.key(),
                kind: row.kind.as_deref(),
                name: row.name.as_deref(),
                pct: shares.map(|p| p.map(r2)),
                pop: row.population.round(),
                sites: row.sites,
                wifi: row.wifi_points,
            }
        })
        .collect();
    let resolved;
    let audits = match audits {
        Some(a) if a.len() == scenario.sites.len() => a,
        _ => {
            resolved = crate::engine::audit_sites(scenario);
            &resolved[..]
        }
    };
    let sites: Vec<SiteData> = scenario
        .sites
        .iter()
        .zip(audits)
        .enumerate()
        .map(|(i, (site, audit))| {
            let [x, y] = frame.xy(site.location.x(), site.location.y());
            let ranges =
                Technology::ALL.map(|t| audit.ranges[t.index()].map_or(0.0, |r| r.0.round()));
            let sectors = site
                .sectors
                .iter()
                .map(|s| {
                    [
                        r2(s.azimuth_deg),
                        r2(s.beamwidth_deg),
                        s.range_m.map_or(0.0, f64::round),
                    ]
                })
                .collect();
            (
                x.round(),
                y.round(),
                ranges,
                sectors,
                u8::from(i >= proposals.sites_from),
            )
        })
        .collect();
    let wifi: Vec<WifiData> = scenario
        .wifi
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let [x, y] = frame.xy(w.location.x(), w.location.y());
            let r = w.range_m.unwrap_or(scenario.parameters.wifi_range_m);
            (
                x.round(),
                y.round(),
                r.round(),
                u8::from(i >= proposals.wifi_from),
            )
        })
        .collect();
    let data = PageData {
        classes,
        communes,
        layer: layer_k,
        layers,
        nodata: legend::hex(NO_DATA_COLOUR),
        sites,
        street_zoom_m: STREET_ZOOM_M,
        view,
        wifi,
    };
    script_safe(serde_json::to_string(&data).expect("page data serialises"))
}

/// The page's data, as the script reads it (keys in sorted order).
#[derive(serde::Serialize)]
struct PageData<'a> {
    classes: Vec<ClassData>,
    communes: Vec<CommuneData<'a>>,
    layer: usize,
    layers: Vec<LayerData>,
    nodata: String,
    sites: Vec<SiteData>,
    #[serde(rename = "streetZoomM")]
    street_zoom_m: f64,
    view: [f64; 4],
    wifi: Vec<WifiData>,
}

/// A layer of the page's selector.
#[derive(serde::Serialize)]
struct LayerData {
    key: &'static str,
    label: &'static str,
    of: &'static str,
    title: &'static str,
}

/// A colour class of the legend.
#[derive(serde::Serialize)]
struct ClassData {
    color: String,
    hi: f64,
    lo: f64,
}

/// A commune's figures; `pct` and `cls` per layer (`Layer::ALL` order),
/// `null` and −1 for no figure.
#[derive(serde::Serialize)]
struct CommuneData<'a> {
    area: f64,
    cls: [i64; 7],
    district: Option<&'a str>,
    hh: f64,
    id: String,
    kind: Option<&'a str>,
    name: Option<&'a str>,
    pct: [Option<f64>; 7],
    pop: f64,
    sites: usize,
    wifi: usize,
}

/// A site: x, y (frame metres), range per technology (0: none), sectors
/// (azimuth, beamwidth, range or 0), whether proposed.
type SiteData = (f64, f64, [f64; 4], Vec<[f64; 3]>, u8);

/// A wifi point: x, y, range, whether proposed.
type WifiData = (f64, f64, f64, u8);

/// The district table: one row per district (communes without one under
/// "–"), then the total; shares in percent.
fn district_table(out: &mut String, report: &Report) {
    let (groups, total) = report.district_figures();
    let t = &report.totals;
    out.push_str(
        "<table id=\"districts\"><thead><tr><th>district</th><th>units</th><th>population</th>\
         <th>house&shy;holds</th><th>2G %</th><th>3G %</th><th>4G %</th><th>5G %</th><th>MBB %</th>\
         <th>fibre % of hh</th><th>wifi %</th><th>with wifi</th></tr></thead><tbody>\n",
    );
    let row = |out: &mut String, name: &str, g: &GroupFigures, class: &str| {
        let _ = write!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(name),
            g.communes,
            thousands(g.population),
            thousands(g.households)
        );
        for l in Layer::ALL {
            let _ = write!(out, "<td>{:.1}</td>", g.pct(l));
        }
        let _ = writeln!(out, "<td>{}</td></tr>", g.communes_with_wifi);
    };
    for g in &groups {
        row(out, g.name.as_deref().unwrap_or("–"), g, "");
    }
    out.push_str("</tbody><tfoot>");
    row(out, "total", &total, " class=\"total\"");
    out.push_str("</tfoot></table>\n");
    if t.unassigned_population > 0.0 || t.unassigned_households > 0.0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">In no commune: {} residents, {} households.</p>",
            thousands(t.unassigned_population),
            thousands(t.unassigned_households)
        );
    }
}

/// The scorecard view: the city's indicators against their targets, then
/// the communes furthest behind (at most ten) with the indicators they
/// miss.
fn scorecard_table(out: &mut String, card: &crate::scorecard::Scorecard) {
    let num = |v: Option<f64>| match v {
        None => "–".to_owned(),
        Some(x) if x.abs() >= 1000.0 => thousands(x),
        Some(x) => format!("{x:.1}"),
    };
    out.push_str(
        "<h2>Scorecard</h2>\n<table id=\"scorecard\"><thead><tr><th>indicator</th><th>value</th>\
         <th>target</th><th>met</th><th>gap</th></tr></thead><tbody>\n",
    );
    for (name, i) in &card.city {
        let met = match i.met {
            None => "–",
            Some(true) => "yes",
            Some(false) => "no",
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{met}</td><td>{}</td></tr>",
            esc(&name.replace('_', " ")),
            num(i.value),
            num(i.target),
            num(i.gap)
        );
    }
    out.push_str("</tbody></table>\n");
    let behind: Vec<_> = card
        .communes
        .iter()
        .map(|c| {
            let missed: Vec<&str> = c
                .indicators
                .iter()
                .filter(|(_, i)| i.met == Some(false))
                .map(|(n, _)| *n)
                .collect();
            (c, missed)
        })
        .filter(|(_, m)| !m.is_empty())
        .take(10)
        .collect();
    if !behind.is_empty() {
        out.push_str("<p class=\"note\">Furthest behind:</p><ul class=\"warnings\">");
        for (c, missed) in behind {
            let _ = write!(
                out,
                "<li>{} ({}): {}</li>",
                esc(c.name.as_deref().unwrap_or("–")),
                esc(&c.id.to_string()),
                esc(&missed.join(", ").replace('_', " "))
            );
        }
        out.push_str("</ul>\n");
    }
}

/// Appends a number to path data, with a separator only where needed.
fn push_num(out: &mut String, v: i64) {
    if v >= 0 && out.as_bytes().last().is_some_and(u8::is_ascii_digit) {
        out.push(' ');
    }
    // most steps of a path are short: their digits pushed directly
    let a = v.unsigned_abs();
    if a < 100 {
        if v < 0 {
            out.push('-');
        }
        if a >= 10 {
            out.push(char::from(b'0' + (a / 10) as u8));
        }
        out.push(char::from(b'0' + (a % 10) as u8));
        return;
    }
    out.push_str(itoa::Buffer::new().format(v));
}

/// Appends one ring or line as `M x y l dx dy …` (`z` when `close`),
/// in whole metres; steps that round to nothing are dropped.
fn line_path(out: &mut String, line: &LineString<f64>, frame: &Frame, close: bool) {
    let mut coords = &line.0[..];
    if close && coords.len() > 1 && coords.first() == coords.last() {
        coords = &coords[..coords.len() - 1];
    }
    let mut prev: Option<(i64, i64)> = None;
    for c in coords {
        let [x, y] = frame.xy(c.x, c.y);
        let (xi, yi) = (x.round() as i64, y.round() as i64);
        match prev {
            None => {
                out.push('M');
                push_num(out, xi);
                push_num(out, yi);
                out.push('l');
            }
            Some((px, py)) if (px, py) == (xi, yi) => continue,
            Some((px, py)) => {
                push_num(out, xi - px);
                push_num(out, yi - py);
            }
        }
        prev = Some((xi, yi));
    }
    if out.ends_with('l') {
        // a single point: nothing to draw
        out.pop();
        out.push_str("h0");
    }
    if close && prev.is_some() {
        out.push('z');
    }
}

fn polygons_path(out: &mut String, g: &MultiPolygon<f64>, frame: &Frame) {
    for p in &g.0 {
        line_path(out, p.exterior(), frame, true);
        for hole in p.interiors() {
            line_path(out, hole, frame, true);
        }
    }
}

/// Escapes text for HTML content and quoted attributes.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` as
/// `\u` escapes (so no `</script>` can end it early).
fn script_safe(json: String) -> String {
    if !json.contains(['<', '>', '&']) {
        return json;
    }
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A count rounded to a whole number, with thousands separators.
fn thousands(v: f64) -> String {
    let n = v.round();
    if !n.is_finite() {
        return "–".to_owned();
    }
    let digits = format!("{}", n.abs() as u64);
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0.0 {
        out.insert(0, '-');
    }
    out
}

const CSS: &str = r##"
*{box-sizing:border-box}
html,body{margin:0;height:100%;font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222}
body{display:flex;flex-direction:column}
header{padding:6px 12px;border-bottom:1px solid #ccc;background:#fafafa}
h1{font-size:18px;margin:0}
.sub{margin:2px 0 4px;color:#555}
.controls{display:flex;gap:18px;align-items:center;flex-wrap:wrap}
.controls label.off{color:#999}
main{flex:1;display:flex;min-height:0}
#mapbox{flex:1;position:relative;min-width:0;background:#eef2f5}
#map{width:100%;height:100%;display:block;cursor:grab;touch-action:none;user-select:none}
#map:active{cursor:grabbing}
#communes path{stroke:#4d4d4d;stroke-width:.6;stroke-linejoin:round;vector-effect:non-scaling-stroke;fill-rule:evenodd}
#communes path:hover{stroke:#000;stroke-width:1.6}
#communes path.sel{stroke:#000;stroke-width:2.6}
#gaps path{fill:url(#hatch);stroke:#222;stroke-opacity:.8;stroke-width:.7;vector-effect:non-scaling-stroke;fill-rule:evenodd;pointer-events:none}
#infra{pointer-events:none}
#infra path{fill:none;vector-effect:non-scaling-stroke;stroke-linecap:round;stroke-linejoin:round}
#infra .fiber{stroke:#6a3d9a;stroke-width:1.4;stroke-opacity:.8}
#infra .sites{stroke:#222;stroke-width:3.5}
#infra .wifi{stroke:#1b7837;stroke-width:6}
#infra .new{stroke:#e7298a}
#infra .sites.new{stroke-width:6}
#infra .fiber.new{stroke-width:2.5}
#wedges path{fill:#222;fill-opacity:.07;stroke:#222;stroke-opacity:.45;stroke-width:.7}
#wedges path.wifi{fill:#1b7837;fill-opacity:.15;stroke:#1b7837}
#wedges path.new{fill:#e7298a;stroke:#e7298a}
#zoom{position:absolute;top:10px;left:10px;display:flex;flex-direction:column;gap:4px}
#zoom button{width:32px;height:32px;font-size:18px;border:1px solid #999;border-radius:4px;background:#fff;cursor:pointer}
#scale{position:absolute;right:12px;bottom:12px;background:rgba(255,255,255,.85);padding:3px 6px;border-radius:3px;font-size:12px}
#scale-bar{height:6px;border:2px solid #222;border-top:none}
#legend .note{margin:2px 0 0}
#legend ul{list-style:none;margin:2px 0 0;padding:0;columns:2;column-gap:18px;font-size:13px}
#legend li{display:flex;align-items:center;gap:7px;margin:0 0 3px;break-inside:avoid}
#legend i{display:inline-block;width:22px;height:14px;border:1px solid #666;flex:none}
#legend i.hatched{background:repeating-linear-gradient(45deg,rgba(0,0,0,.5) 0 1.5px,rgba(0,0,0,.06) 1.5px 6px)}
#legend i.dot{border:none;background:radial-gradient(circle,var(--c) 0 4px,transparent 5px)}
#legend i.site{--c:#222}#legend i.wifi{--c:#1b7837}#legend i.dot.new{--c:#e7298a}
#legend i.line{border:none;background:linear-gradient(transparent 5px,var(--c) 5px 9px,transparent 9px)}
#legend i.fiber{--c:#6a3d9a}#legend i.line.new{--c:#e7298a}
.note{color:#666;font-size:12px}
#panel{width:clamp(340px,44vw,640px);overflow:auto;padding:8px 12px;border-left:1px solid #ccc;background:#fff}
#panel h2{font-size:15px;margin:10px 0 4px}
#info table td:first-child{color:#555;padding-right:10px}
#info tr.hi{font-weight:bold;background:#fff6d5}
#districts,#scorecard{border-collapse:collapse;font-size:11.5px;width:100%}
#scorecard th,#scorecard td{padding:2px 3px;border-bottom:1px solid #e4e4e4;text-align:right}
#scorecard th:first-child,#scorecard td:first-child{text-align:left}
#districts th,#districts td{padding:2px 3px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
#districts th{white-space:normal;vertical-align:bottom}
#districts th:first-child,#districts td:first-child{text-align:left;white-space:normal;min-width:7em}
#districts tfoot td{font-weight:bold;border-top:2px solid #888}
.warnings{font-size:12px;color:#555}
"##;

const SCRIPT: &str = r##"
(() => {
"use strict";
const D = JSON.parse(document.getElementById("telecov-data").textContent);
const NS = "http://www.w3.org/2000/svg";
const $ = id => document.getElementById(id);
const svg = $("map"), sel = $("layer"), gapBox = $("show-gaps"), infraBox = $("show-infra");
const shapes = Array.from(svg.querySelectorAll("#communes [data-commune-id]"));
let view = D.view.slice(), selected = -1, drag = null;
const layerIndex = () => Math.max(0, D.layers.findIndex(l => l.key === sel.value));
const box = () => { const r = svg.getBoundingClientRect(); return [Math.max(r.width, 1), Math.max(r.height, 1)]; };
const mpp = () => view[2] / box()[0];
function fit(v) { // widen v to the map's aspect, keeping its centre
  const [w, h] = box(), a = w / h, cx = v[0] + v[2] / 2, cy = v[1] + v[3] / 2;
  const vw = Math.max(v[2], v[3] * a), vh = vw / a;
  return [cx - vw / 2, cy - vh / 2, vw, vh];
}
function paint() {
  const k = layerIndex();
  for (const p of shapes) {
    const c = D.communes[+p.dataset.i].cls[k];
    p.setAttribute("fill", c < 0 ? D.nodata : D.classes[c].color);
  }
  $("legend-layer").textContent = D.layers[k].title;
  $("legend-unit").textContent = "% of " + D.layers[k].of;
  for (const g of svg.querySelectorAll("#gaps [data-layer]"))
    g.style.display = gapBox.checked && g.dataset.layer === sel.value ? "" : "none";
  $("infra").style.display = infraBox.checked ? "" : "none";
  draw();
  show(selected);
}
function wedge(x, y, r, az, bw) {
  if (bw >= 360) return `M${x - r} ${y}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;
  const p = a => [x + r * Math.sin(a * Math.PI / 180), y - r * Math.cos(a * Math.PI / 180)];
  const [x1, y1] = p(az - bw / 2), [x2, y2] = p(az + bw / 2);
  return `M${x} ${y}L${x1} ${y1}A${r} ${r} 0 ${bw > 180 ? 1 : 0} 1 ${x2} ${y2}Z`;
}
function draw() {
  svg.setAttribute("viewBox", view.join(" "));
  const m = mpp();
  $("hatch").setAttribute("patternTransform", `scale(${m}) rotate(45)`);
  let len = 1; // scale bar: 1, 2 or 5 × 10^n metres, at most 140 px
  for (const f of [1, 2, 5]) for (let e = 0; e < 8; e++) { const l = f * 10 ** e; if (l / m <= 140 && l > len) len = l; }
  $("scale-bar").style.width = (len / m).toFixed(1) + "px";
  $("scale-label").textContent = len >= 1000 ? len / 1000 + " km" : len + " m";
  const frag = document.createDocumentFragment(), k = layerIndex();
  const add = (d, cls) => { const e = document.createElementNS(NS, "path"); e.setAttribute("d", d); if (cls) e.setAttribute("class", cls); frag.appendChild(e); };
  const inView = (x, y, r) => x + r >= view[0] && x - r <= view[0] + view[2] && y + r >= view[1] && y - r <= view[1] + view[3];
  if (infraBox.checked && view[2] <= D.streetZoomM) {
    let n = 0;
    for (const s of D.sites) {
      const r = s[2], R = k < 4 ? r[k] : k === 4 ? Math.max(r[1], r[2], r[3]) : Math.max(...r);
      if (!(R > 0) || !inView(s[0], s[1], R)) continue;
      for (const [az, bw, rs] of (s[3].length ? s[3] : [[0, 360, 0]])) add(wedge(s[0], s[1], rs > 0 ? rs : R, az, bw), s[4] ? "new" : "");
      if (++n >= 1500) break;
    }
    for (const w of D.wifi) if (inView(w[0], w[1], w[2])) add(wedge(w[0], w[1], w[2], 0, 360), w[3] ? "wifi new" : "wifi");
  }
  $("wedges").replaceChildren(frag);
}
const fmt = v => v == null ? "–" : Math.round(v).toLocaleString("en-US");
function show(i) {
  const info = $("info");
  shapes.forEach(p => p.classList.toggle("sel", +p.dataset.i === i));
  if (i < 0) { info.textContent = "Click a commune for its figures."; return; }
  const c = D.communes[i], k = layerIndex(), t = document.createElement("table");
  const row = (a, b, hi) => { const tr = t.insertRow(); tr.insertCell().textContent = a; tr.insertCell().textContent = b; if (hi) tr.className = "hi"; };
  row("name", c.name ?? "–"); row("id", c.id); row("district", c.district ?? "–"); row("kind", c.kind ?? "–");
  row("population", fmt(c.pop)); row("households", fmt(c.hh)); row("area", c.area + " km²");
  D.layers.forEach((l, j) => row(l.title + " (% of " + l.of + ")", c.pct[j] == null ? "–" : c.pct[j].toFixed(2) + " %", j === k));
  row("sites", c.sites); row("wifi points", c.wifi);
  info.replaceChildren(t);
  const p = shapes.find(p => +p.dataset.i === i); if (p) p.parentNode.appendChild(p);
}
function zoom(f, cx, cy) {
  const w = Math.min(Math.max(view[2] * f, 50), D.view[2] * 20); f = w / view[2];
  view = [cx - (cx - view[0]) * f, cy - (cy - view[1]) * f, view[2] * f, view[3] * f];
  draw();
}
const centre = () => [view[0] + view[2] / 2, view[1] + view[3] / 2];
function toMap(ev) {
  const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(svg.getScreenCTM().inverse());
  return [p.x, p.y];
}
svg.addEventListener("wheel", ev => {
  ev.preventDefault();
  const dy = ev.deltaY * (ev.deltaMode === 1 ? 33 : ev.deltaMode === 2 ? 400 : 1);
  zoom(Math.pow(1.0015, Math.max(-600, Math.min(600, dy))), ...toMap(ev));
}, { passive: false });
svg.addEventListener("pointerdown", ev => {
  if (ev.button !== 0) return;
  drag = { x: ev.clientX, y: ev.clientY, v: view.slice(), moved: false };
  svg.setPointerCapture(ev.pointerId);
});
svg.addEventListener("pointermove", ev => {
  if (!drag) return;
  const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
  if (drag.moved) { const m = mpp(); view = [drag.v[0] - dx * m, drag.v[1] - dy * m, view[2], view[3]]; draw(); }
});
svg.addEventListener("pointerup", ev => {
  if (drag && !drag.moved) {
    const t = document.elementFromPoint(ev.clientX, ev.clientY), c = t && t.closest("[data-commune-id]");
    selected = c ? +c.dataset.i : -1;
    show(selected);
  }
  drag = null;
});
$("zoom-in").addEventListener("click", () => zoom(0.5, ...centre()));
$("zoom-out").addEventListener("click", () => zoom(2, ...centre()));
$("zoom-home").addEventListener("click", () => { view = fit(D.view); draw(); });
sel.addEventListener("change", paint);
gapBox.addEventListener("change", paint);
infraBox.addEventListener("change", paint);
window.addEventListener("resize", () => { view = fit(view); draw(); });
view = fit(D.view);
paint();
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Commune, FeatureId};
    use geo::{polygon, MultiPolygon};

    #[test]
    fn escapes_and_compact_paths() {
        assert_eq!(
            esc(r#"<a href="x">Tân & 'An'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tân &amp; &#39;An&#39;&lt;/a&gt;"
        );
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>&"});
        let s = script_safe(v.to_string());
        assert!(!s.contains('<') && !s.contains('&'));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
        assert_eq!(thousands(1_235_171.4), "1,235,171");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1000.0), "-1,000");

        let frame = Frame::new(&Scenario {
            communes: vec![Commune {
                id: FeatureId::Int(1),
                name: None,
                district: None,
                kind: None,
                population: Some(1.0),
                households: Some(1.0),
                geometry: Some(MultiPolygon(vec![polygon![
                    (x: 0.0, y: 0.0), (x: 0.01, y: 0.0), (x: 0.01, y: 0.01),
                    (x: 0.0, y: 0.01), (x: 0.0, y: 0.0),
                ]])),
            }],
            ..Scenario::default()
        });
        let mut d = String::new();
        // a square of 0.01° (1113 m) with a repeated vertex
        let ring = LineString::from(vec![
            (0.0, 0.0),
            (0.01, 0.0),
            (0.01, 0.0),
            (0.01, 0.01),
            (0.0, 0.01),
            (0.0, 0.0),
        ]);
        line_path(&mut d, &ring, &frame, true);
        assert_eq!(d, "M-556 556l1112 0 0-1112-1112 0z");
    }
}
