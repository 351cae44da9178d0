//! Times `telecov::io::load_scenario`, `telecov::evaluate` and both
//! together on a scenario directory, the same three figures as criterion's
//! `demo/load`, `demo/evaluate` and `demo/load_and_evaluate`, and also the
//! CPU time the process spends per iteration (all threads), which a busy
//! machine disturbs less than the wall clock.
//!
//! ```text
//! telecov-peer-timing SCENARIO_DIR [REPS]    # prints JSON
//! ```

use std::time::Instant;

/// User + system CPU seconds of this process (all threads), from /proc.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name (which is in parentheses)
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    (ticks(11) + ticks(12)) / 100.0 // USER_HZ
}

fn stats(wall: &mut [f64], cpu_total: f64) -> String {
    wall.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = wall.len();
    let median = if n % 2 == 1 { wall[n / 2] } else { 0.5 * (wall[n / 2 - 1] + wall[n / 2]) };
    format!(
        "{{\"best_s\": {:.6}, \"median_s\": {:.6}, \"cpu_per_iter_s\": {:.6}, \"reps\": {}}}",
        wall[0],
        median,
        cpu_total / n as f64,
        n
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: telecov-peer-timing SCENARIO_DIR [REPS]");
    let reps: usize = args.next().map(|r| r.parse().expect("REPS")).unwrap_or(10);
    // warm-up: file cache, allocator, thread pool
    let scenario = telecov::io::load_scenario(&dir).expect("load");
    telecov::evaluate(&scenario).expect("evaluate");

    let mut out = Vec::new();
    for name in ["load", "evaluate", "load_and_evaluate"] {
        let mut wall = Vec::with_capacity(reps);
        let c0 = cpu_s();
        for _ in 0..reps {
            let t0 = Instant::now();
            match name {
                "load" => drop(std::hint::black_box(telecov::io::load_scenario(&dir).expect("load"))),
                "evaluate" => drop(std::hint::black_box(telecov::evaluate(&scenario).expect("evaluate"))),
                _ => {
                    let s = telecov::io::load_scenario(&dir).expect("load");
                    drop(std::hint::black_box(telecov::evaluate(&s).expect("evaluate")));
                }
            }
            wall.push(t0.elapsed().as_secs_f64());
        }
        let cpu = cpu_s() - c0;
        out.push(format!("\"{name}\": {}", stats(&mut wall, cpu)));
    }
    println!(
        "{{\"threads\": {}, {}}}",
        rayon_threads(),
        out.join(", ")
    );
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}
