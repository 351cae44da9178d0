//! `report.html` in a real browser: headless Chromium driven through
//! chromedriver's WebDriver HTTP API (W3C), on localhost.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages
//! `chromium chromium-driver`; `CHROMIUM` and `CHROMEDRIVER` name other
//! binaries). Without them the tests are skipped with a message, unless
//! the `CI` environment variable is set: then they fail. With
//! `TELECOV_SCREENSHOTS=DIR` the pages' screenshots are saved there.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use geo::{polygon, LineString, MultiLineString, MultiPolygon, Point};
use serde_json::{json, Value};
use telecov::model::*;
use telecov::planning::{find_gaps, GapOptions, Layer};
use telecov::Report;

/// One browser at a time: the machine is small.
static BROWSER: Mutex<()> = Mutex::new(());

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn binaries() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromium = find("CHROMIUM", "/usr/bin/chromium");
    let driver = find("CHROMEDRIVER", "/usr/bin/chromedriver");
    let missing: Vec<String> = [&chromium, &driver]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some((chromium, driver));
    }
    let message = format!(
        "browser test: {} missing (Debian: apt-get install chromium chromium-driver)",
        missing.join(" and ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI is set, so this is a failure");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// A chromedriver process and one Chromium session.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Option<Browser> {
        let (chromium, driver_bin) = binaries()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            agent,
            _profile: profile,
        };
        let t0 = Instant::now();
        loop {
            let ready = browser
                .agent
                .get(format!("{}/status", browser.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "chromedriver not ready after 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1400,900",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!(
            "--user-data-dir={}",
            browser._profile.path().display()
        )])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let created = browser.raw("POST", "/session", Some(caps));
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        Some(browser)
    }

    /// One WebDriver command; returns its `value`, panics on a WebDriver
    /// error.
    fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.base, path);
        let response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .expect("a WebDriver answer");
        let v: Value = serde_json::from_str(&text).expect("WebDriver JSON");
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if let Some(err) = value.get("error") {
            panic!("{method} {path}: {err}: {}", value["message"]);
        }
        value
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
    }

    fn open(&self, file: &Path) {
        let url = format!("file://{}", file.display());
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn exec(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn find(&self, css: &str) -> Vec<String> {
        let found = self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn one(&self, css: &str) -> String {
        let all = self.find(css);
        assert_eq!(all.len(), 1, "{css}: {} elements", all.len());
        all[0].clone()
    }

    fn attribute(&self, element: &str, name: &str) -> Option<String> {
        self.cmd("GET", &format!("/element/{element}/attribute/{name}"), None)
            .as_str()
            .map(str::to_owned)
    }

    fn click(&self, element: &str) {
        self.cmd("POST", &format!("/element/{element}/click"), None);
    }

    fn text(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn actions(&self, actions: Value) {
        self.cmd("POST", "/actions", Some(json!({ "actions": actions })));
        self.cmd("DELETE", "/actions", None);
    }

    /// Browser console entries since the last call.
    fn logs(&self) -> Vec<Value> {
        self.cmd("POST", "/se/log", Some(json!({"type": "browser"})))
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("TELECOV_SCREENSHOTS") else {
            return;
        };
        let b64 = self.cmd("GET", "/screenshot", None);
        let bytes = base64_decode(b64.as_str().unwrap_or_default());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join(name), bytes).unwrap();
    }

    fn view_box(&self) -> [f64; 4] {
        let vb = self.attribute(&self.one("#map"), "viewBox").unwrap();
        let v: Vec<f64> = vb.split_whitespace().map(|x| x.parse().unwrap()).collect();
        [v[0], v[1], v[2], v[3]]
    }

    fn select_layer(&self, layer: Layer) {
        self.click(&self.one(&format!("#layer option[value=\"{}\"]", layer.as_str())));
        let shown = self.exec("return document.getElementById('layer').value");
        assert_eq!(shown, layer.as_str());
    }

    /// `(data-commune-id, fill)` of every commune shape, in page order.
    fn fills(&self) -> Vec<(String, String)> {
        let v = self.exec(
            "return Array.from(document.querySelectorAll('[data-commune-id]'))\
             .map(e => [e.getAttribute('data-commune-id'), e.getAttribute('fill')])",
        );
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The legend as the page shows it: `(lo, hi, fill)` per class, and
    /// the no-data fill.
    fn legend(&self) -> (Vec<(f64, f64, String)>, String) {
        let mut classes = Vec::new();
        let mut nodata = String::new();
        for li in self.find("#legend li[data-fill]") {
            let fill = self.attribute(&li, "data-fill").unwrap();
            match (
                self.attribute(&li, "data-lo"),
                self.attribute(&li, "data-hi"),
            ) {
                (Some(lo), Some(hi)) => {
                    classes.push((lo.parse().unwrap(), hi.parse().unwrap(), fill))
                }
                _ => nodata = fill,
            }
        }
        assert!(classes.len() >= 2 && !nodata.is_empty());
        (classes, nodata)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= (val(*c) as u32) << (18 - 6 * i);
        }
        out.extend(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The share the page should show for a commune and a layer (`None`: no
/// one to cover), computed from the report's own fields.
fn expected_pct(report: &Report, i: usize, layer: Layer) -> Option<f64> {
    let c = &report.communes[i];
    let (part, whole) = match layer {
        Layer::Fiber => (c.households_fiber_passed, c.households),
        Layer::Wifi => (c.population_wifi_covered, c.population),
        Layer::MobileBroadband => (c.population_covered.mobile_broadband, c.population),
        l => (
            c.population_covered.get(l.technology().unwrap()),
            c.population,
        ),
    };
    (whole > 0.0).then(|| 100.0 * part / whole)
}

/// The legend fill for a share, by the legend's own bounds.
fn legend_fill(legend: &(Vec<(f64, f64, String)>, String), pct: Option<f64>) -> String {
    let (classes, nodata) = legend;
    let Some(p) = pct else {
        return nodata.clone();
    };
    let top = classes.iter().map(|c| c.1).fold(0.0, f64::max);
    classes
        .iter()
        .find(|(lo, hi, _)| *lo <= p && (p < *hi || (*hi == top && p <= top)))
        .map(|c| c.2.clone())
        .unwrap_or_else(|| panic!("no legend class holds {p}"))
}

/// Every commune has its shape, each with the fill the legend gives its
/// share of `layer`.
fn check_fills(b: &Browser, scenario: &Scenario, report: &Report, layer: Layer) {
    let legend = b.legend();
    let fills = b.fills();
    let ids: Vec<String> = scenario.communes.iter().map(|c| c.id.key()).collect();
    let mut page_ids: Vec<String> = fills.iter().map(|f| f.0.clone()).collect();
    page_ids.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(page_ids, want, "one shape per commune");
    for (i, id) in ids.iter().enumerate() {
        let fill = &fills.iter().find(|f| &f.0 == id).unwrap().1;
        let want = legend_fill(&legend, expected_pct(report, i, layer));
        assert_eq!(
            fill,
            &want,
            "{layer}: commune {id} at {:?} %",
            expected_pct(report, i, layer)
        );
    }
}

fn assert_no_console_errors(b: &Browser) {
    let severe: Vec<Value> = b
        .logs()
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    // the channel works: an error the page logs is seen
    b.exec("console.error('telecov-probe')");
    assert!(
        b.logs()
            .iter()
            .any(|e| e["level"] == "SEVERE" && e["message"].to_string().contains("telecov-probe")),
        "the browser log did not report a console error"
    );
}

fn square(id: &str, name: &str, x: f64, y: f64, pop: f64) -> Commune {
    let d = 0.02;
    Commune {
        id: FeatureId::Str(id.into()),
        name: Some(name.into()),
        district: Some("Quận <i>Một</i>".into()),
        kind: Some(CommuneKind::Ward),
        population: Some(pop),
        households: Some(pop / 4.0),
        geometry: Some(MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d), (x: x, y: y),
        ]])),
    }
}

fn site(id: i64, x: f64, y: f64, techs: &[Technology], range_m: f64, sectors: Vec<Sector>) -> Site {
    Site {
        id: FeatureId::Int(id),
        operator: None,
        technologies: techs.iter().copied().collect(),
        height_m: DEFAULT_HEIGHT_M,
        range_m: SiteRange::All(range_m),
        sectors,
        radio: RadioParams::default(),
        location: Point::new(x, y),
    }
}

/// Commune A is wholly covered by a 2G + 4G site, B lies 20 km from any
/// site, C is about two thirds covered by a three-sector 3G + 4G site and
/// crossed by fibre, D has nobody.
fn small_scenario() -> Scenario {
    let mut s = Scenario {
        communes: vec![
            square("A\"1", "Phường <b>An</b> & \"Hòa\"", 105.70, 10.00, 4000.0),
            square("B-2", "Xã Bình", 105.90, 10.00, 3000.0),
            square("C-3", "Xã Cồn", 105.80, 10.00, 2000.0),
            square("D-4", "Bãi bồi", 105.92, 10.00, 0.0),
        ],
        sites: vec![
            site(
                1,
                105.71,
                10.01,
                &[Technology::G2, Technology::G4],
                3000.0,
                vec![],
            ),
            site(
                2,
                105.81,
                10.01,
                &[Technology::G3, Technology::G4],
                1000.0,
                [0.0, 120.0, 240.0]
                    .iter()
                    .map(|&a| Sector {
                        azimuth_deg: a,
                        beamwidth_deg: 120.0,
                        range_m: None,
                    })
                    .collect(),
            ),
        ],
        fiber: vec![FiberRoute {
            id: FeatureId::Str("F1".into()),
            operator: None,
            geometry: MultiLineString(vec![LineString::from(vec![
                (105.80, 10.01),
                (105.82, 10.01),
            ])]),
        }],
        wifi: vec![WifiPoint {
            id: FeatureId::Str("W1".into()),
            range_m: None,
            location: Point::new(105.705, 10.005),
        }],
        ..Scenario::default()
    };
    s.parameters.resolution_m = 50.0;
    s
}

#[test]
fn small_scenario_page_in_chromium() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(b) = Browser::start() else {
        return;
    };
    let scenario = small_scenario();
    let report = telecov::evaluate(&scenario).unwrap();
    // what the scenario was built for
    let pct = |i: usize, l: Layer| expected_pct(&report, i, l);
    assert!(pct(0, Layer::G4).unwrap() > 99.999);
    assert_eq!(pct(0, Layer::G3), Some(0.0));
    assert_eq!(pct(1, Layer::G4), Some(0.0));
    let c4 = pct(2, Layer::G4).unwrap();
    assert!((50.0..75.0).contains(&c4), "{c4}");
    assert_eq!(pct(3, Layer::G4), None);
    let gaps = find_gaps(&scenario, &report, &GapOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    telecov::io::write::write_report_html(&page, &scenario, &report, Some(&gaps)).unwrap();
    b.open(&page);

    // 4G first: A in the top class, B in the bottom one, D grey
    let legend = b.legend();
    let top = legend_fill(&legend, Some(100.0));
    let bottom = legend_fill(&legend, Some(0.0));
    assert_ne!(top, bottom);
    let a = b.one("path[data-commune-id='A\"1']");
    let bb = b.one("path[data-commune-id='B-2']");
    assert_eq!(b.attribute(&a, "fill").unwrap(), top);
    assert_eq!(b.attribute(&bb, "fill").unwrap(), bottom);
    check_fills(&b, &scenario, &report, Layer::G4);
    b.screenshot("small-4G.png");

    // every layer: fills follow the figures; A drops to the bottom class
    // on 3G (its site has none)
    for layer in Layer::ALL {
        b.select_layer(layer);
        check_fills(&b, &scenario, &report, layer);
        let unit = b.text(&b.one("#legend-unit"));
        let of = if layer == Layer::Fiber {
            "households"
        } else {
            "residents"
        };
        assert_eq!(unit, format!("% of {of}"));
    }
    b.select_layer(Layer::G3);
    assert_eq!(b.attribute(&a, "fill").unwrap(), bottom);
    b.select_layer(Layer::G4);
    assert_eq!(b.attribute(&a, "fill").unwrap(), top);

    // gaps: only the shown layer's, hidden by the check box
    let visible_gaps = || {
        b.exec(
            "return Array.from(document.querySelectorAll('#gaps path'))\
             .filter(g => g.style.display !== 'none').map(g => g.dataset.layer)",
        )
    };
    let shown = visible_gaps();
    assert!(!shown.as_array().unwrap().is_empty());
    assert!(shown.as_array().unwrap().iter().all(|l| l == "4G"));
    b.click(&b.one("#show-gaps"));
    assert!(visible_gaps().as_array().unwrap().is_empty());
    b.click(&b.one("#show-gaps"));

    // a click on A: its figures in the panel, its name as text
    b.click(&a);
    let info = b.text(&b.one("#info"));
    assert!(info.contains("Phường <b>An</b> & \"Hòa\""), "panel: {info}");
    assert!(info.contains("100.00 %"), "panel: {info}");
    assert!(info.contains("4,000"), "panel: {info}");
    // no markup from the input became markup in the page
    let injected =
        b.exec("return document.querySelectorAll('#districts i, #info b, #communes b').length");
    assert_eq!(injected, 0);
    let table = b.text(&b.one("#districts"));
    assert!(table.contains("Quận <i>Một</i>"), "table: {table}");

    // zoom buttons, wheel and drag move the view; wedges at street zoom
    let home = b.view_box();
    assert!(home[2] > 12_000.0, "{home:?}");
    assert_eq!(b.find("#wedges path").len(), 0);
    b.click(&b.one("#zoom-in"));
    let v = b.view_box();
    assert!(
        (v[2] - home[2] / 2.0).abs() < 1.0,
        "{v:?} after zoom-in from {home:?}"
    );
    b.click(&b.one("#zoom-in"));
    // site 2's three sectors at 4G (site 1 and the wifi point are out of
    // view); none at 2G, which site 2 lacks
    assert_eq!(b.find("#wedges path").len(), 3);
    b.select_layer(Layer::G2);
    assert_eq!(b.find("#wedges path").len(), 0);
    b.select_layer(Layer::G4);
    b.screenshot("small-street.png");
    b.click(&b.one("#zoom-home"));
    let map = b.one("#map");
    let before = b.view_box();
    b.actions(json!([{"type": "wheel", "id": "wheel", "actions": [
        {"type": "scroll", "x": 0, "y": 0, "deltaX": 0, "deltaY": -400,
         "origin": {ELEMENT: map}}
    ]}]));
    let after = b.view_box();
    assert!(
        after[2] < before[2] * 0.8,
        "{after:?} after wheel from {before:?}"
    );
    b.actions(
        json!([{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
        "actions": [
            {"type": "pointerMove", "duration": 0, "x": 0, "y": 0, "origin": {ELEMENT: map}},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerMove", "duration": 200, "x": 150, "y": 60, "origin": "pointer"},
            {"type": "pointerUp", "button": 0}
        ]}]),
    );
    let dragged = b.view_box();
    let m = after[2]
        / b.exec("return document.getElementById('map').getBoundingClientRect().width")
            .as_f64()
            .unwrap();
    assert!(
        (after[0] - dragged[0] - 150.0 * m).abs() < 3.0 * m,
        "{dragged:?} after drag from {after:?}"
    );
    assert!(
        (after[1] - dragged[1] - 60.0 * m).abs() < 3.0 * m,
        "{dragged:?} after drag from {after:?}"
    );
    assert_eq!(dragged[2], after[2]);

    assert_no_console_errors(&b);
}

#[test]
fn demo_page_in_chromium() {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(b) = Browser::start() else {
        return;
    };
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo");
    let scenario = telecov::io::load_scenario(demo).unwrap();
    let report = telecov::evaluate(&scenario).unwrap();
    let gaps = find_gaps(&scenario, &report, &GapOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    telecov::io::write::write_report_html(&page, &scenario, &report, Some(&gaps)).unwrap();
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 5_000_000, "report.html of the demo: {size} bytes");
    eprintln!("report.html of the demo: {size} bytes");
    b.open(&page);
    assert_eq!(scenario.communes.len(), 83);
    check_fills(&b, &scenario, &report, Layer::G4);
    b.screenshot("demo-4G.png");
    for layer in [Layer::Fiber, Layer::G5, Layer::Wifi] {
        b.select_layer(layer);
        check_fills(&b, &scenario, &report, layer);
    }
    b.select_layer(Layer::Fiber);
    // the district table has the demo's nine districts and the total
    let rows = b.find("#districts tbody tr");
    assert_eq!(rows.len(), 9);
    let total = b.text(&b.one("#districts tfoot tr"));
    assert!(total.contains("1,235,171"), "{total}");
    // a click on a commune (one whose box centre is its own) fills the panel
    let id = b.exec(
        "return Array.from(document.querySelectorAll('[data-commune-id]')).map(p => {\
           const r = p.getBoundingClientRect();\
           return [p, document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)];\
         }).filter(([p, hit]) => p === hit).map(([p]) => p.getAttribute('data-commune-id'))[0]",
    );
    let id = id
        .as_str()
        .expect("a commune whose box centre is inside it");
    let commune = scenario.communes.iter().find(|c| c.id.key() == id).unwrap();
    b.click(&b.one(&format!("path[data-commune-id='{id}']")));
    let info = b.text(&b.one("#info"));
    assert!(info.contains(commune.name.as_deref().unwrap()), "{info}");
    b.screenshot("demo-fiber.png");
    // street zoom: wedges of the 4G layer
    b.select_layer(Layer::G4);
    for _ in 0..3 {
        b.click(&b.one("#zoom-in"));
    }
    assert!(b.view_box()[2] < telecov::io::write::html::STREET_ZOOM_M);
    assert!(!b.find("#wedges path").is_empty());
    b.screenshot("demo-street.png");
    assert_no_console_errors(&b);
}
