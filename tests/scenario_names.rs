//! Files one edit away from a scenario file's name are refused by name,
//! not silently ignored; other files are left alone.

use std::path::Path;

fn demo_copy(dir: &Path) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    for f in [
        "communes.geojson",
        "sites.geojson",
        "wifi.geojson",
        "scenario.toml",
    ] {
        std::fs::copy(demo.join(f), dir.join(f)).unwrap();
    }
}

#[test]
fn near_misses_are_refused_with_the_right_name() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    for (wrong, right) in [
        ("fibre.geojson", "fiber.geojson"),
        ("Fiber.geojson", "fiber.geojson"),
        ("site.geojson", "sites.geojson"),
        ("Communes.geojson", "communes.geojson"),
        ("sites.cvs", "sites.csv"),
        ("scenaro.toml", "scenario.toml"),
        ("populations.geojson", "population.geojson"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        demo_copy(dir.path());
        std::fs::copy(demo.join("fiber.geojson"), dir.path().join(wrong)).unwrap();
        let e = telecov::io::load_scenario(dir.path())
            .expect_err(wrong)
            .to_string();
        assert!(
            e.contains(wrong) && e.contains(&format!("did you mean {right}?")),
            "{wrong}: {e}"
        );
    }
}

#[test]
fn other_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    demo_copy(dir.path());
    for other in [
        "README.md",
        "notes.txt",
        "roads.geojson",
        "fiber_2019.geojson.bak",
    ] {
        std::fs::write(dir.path().join(other), "not read").unwrap();
    }
    let s = telecov::io::load_scenario(dir.path()).expect("loads");
    assert_eq!(s.communes.len(), 83);
    assert!(s.fiber.is_empty());
}

#[test]
fn fibre_is_a_layer_name_too() {
    assert_eq!(
        "fibre=80".parse::<telecov::planning::Target>().unwrap(),
        "fiber=80".parse::<telecov::planning::Target>().unwrap()
    );
}
