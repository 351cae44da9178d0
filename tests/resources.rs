//! Resource measurements that need large generated inputs, ignored by
//! default. To measure the peak memory of loading a scenario:
//!
//! ```text
//! cargo test --release --test resources --no-run
//! TELECOV_LOAD_DIR=/tmp/bigpop /usr/bin/time -v \
//!     target/release/deps/resources-* --ignored --exact load_scenario_from_env
//! ```
//!
//! and read "Maximum resident set size". With `TELECOV_EVALUATE=1` the
//! scenario is evaluated too.

/// Loads the scenario directory named by `TELECOV_LOAD_DIR`, printing what
/// it holds, and evaluates it when `TELECOV_EVALUATE` is set.
#[test]
#[ignore = "a measurement on a generated scenario; see the file's docs"]
fn load_scenario_from_env() {
    let dir = std::env::var("TELECOV_LOAD_DIR").expect("TELECOV_LOAD_DIR names a scenario");
    let s = telecov::io::load_scenario(&dir).expect("the scenario loads");
    println!(
        "{} communes, {} demand points",
        s.communes.len(),
        s.population.as_ref().map_or(0, Vec::len)
    );
    if std::env::var_os("TELECOV_EVALUATE").is_some() {
        let r = telecov::evaluate(&s).expect("the scenario evaluates");
        println!(
            "{} people in communes, {} unassigned",
            r.totals.population, r.totals.unassigned_population
        );
    }
}
