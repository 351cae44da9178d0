//! The `telecov` command (feature `cli`, on by default): `coverage`, `plan`,
//! `generate`, `compare` and `completions`. The examples of the same names run the
//! same code with the same flags.
//!
//! ```text
//! cargo install --path .          # gives ~/.cargo/bin/telecov
//! telecov coverage [SCENARIO_DIR] [--out OUT_DIR] [--signal] [--best-server 4G] …
//! telecov plan [SCENARIO_DIR] --target 4G=99 --target wifi=100 [--max-sites N] …
//! telecov generate --out DIR [--scale K | --vietnam] [--resolution-m M]
//! telecov compare OUT_2023 OUT_2024 --out DIR   # changes.json, changes.geojson
//! telecov completions bash > /etc/bash_completion.d/telecov
//! ```
//!
//! With no scenario, `coverage` and `plan` run the bundled demo city
//! (`data/demo` of the source tree the command was built from).

pub mod compare;
pub mod coverage;
pub mod generate;
pub mod plan;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::model::Technology;

/// Telecom coverage per commune: reports, maps, gaps and plans.
#[derive(Debug, Parser)]
#[command(name = "telecov", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Coverage of a scenario: report.json, communes.geojson, sites.geojson,
    /// gaps.geojson (and, on request, the signal-level mode).
    Coverage(coverage::CoverageArgs),
    /// New sites, wifi points and fibre to reach coverage targets.
    Plan(plan::PlanArgs),
    /// Write the synthetic demo city (or a scaled copy) as a scenario folder.
    Generate(generate::GenerateArgs),
    /// What changed between two runs' output folders: changes.json and
    /// changes.geojson.
    Compare(compare::CompareArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// A mobile technology on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tech {
    /// GSM.
    #[value(name = "2G", alias = "2g")]
    G2,
    /// UMTS / HSPA.
    #[value(name = "3G", alias = "3g")]
    G3,
    /// LTE.
    #[value(name = "4G", alias = "4g")]
    G4,
    /// NR.
    #[value(name = "5G", alias = "5g")]
    G5,
}

impl From<Tech> for Technology {
    fn from(t: Tech) -> Technology {
        match t {
            Tech::G2 => Technology::G2,
            Tech::G3 => Technology::G3,
            Tech::G4 => Technology::G4,
            Tech::G5 => Technology::G5,
        }
    }
}

/// Runs the `telecov` command line and returns the process status: errors
/// are printed on standard error (file, feature and property for bad
/// input) with status 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    exit(match cli.command {
        Command::Coverage(args) => coverage::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "telecov",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    })
}

/// The process status of a command's result (the error printed first).
pub fn exit(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Starts rayon's pool, of `--threads` threads (else rayon's default:
/// `RAYON_NUM_THREADS`, or one per processor), before the command reads
/// anything: its threads are up when the scenario's files are read side by
/// side. Left to the first parallel step, the pool was started there, and
/// that step waited for its threads.
fn threads(n: Option<usize>) -> Result<(), Box<dyn std::error::Error>> {
    let builder = rayon::ThreadPoolBuilder::new();
    match n {
        Some(n) => builder.num_threads(n).build_global()?,
        // a pool already running (a command run twice in one process) is
        // the pool asked for
        None => {
            let _ = builder.build_global();
        }
    }
    Ok(())
}

/// Starts the pool ([`threads`]), then runs `command` on one of its
/// threads (`rayon::scope`): the command's parallel steps are split from a
/// pool thread, not handed from the main thread to the pool and their ends
/// handed back (the main thread waits once; half the threads' sleeps and
/// wake-ups of a run).
fn on_pool<A: Send>(
    n: Option<usize>,
    args: A,
    command: fn(A) -> Result<(), Box<dyn std::error::Error + Send + Sync>>,
) -> Result<(), Box<dyn std::error::Error>> {
    threads(n)?;
    rayon::scope(|_| command(args)).map_err(|e| e as Box<dyn std::error::Error>)
}

/// The scenario given, or the bundled demo city of the source tree.
fn scenario_or_demo(
    scenario: Option<PathBuf>,
) -> Result<PathBuf, Box<dyn std::error::Error + Send + Sync>> {
    if let Some(dir) = scenario {
        return Ok(dir);
    }
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    if demo.join("communes.geojson").is_file() {
        Ok(demo)
    } else {
        Err(format!(
            "no scenario given and the bundled demo is not at {}: give a SCENARIO_DIR, \
             or write the demo with `telecov generate --out DIR`",
            demo.display()
        )
        .into())
    }
}

/// `out/<prefix><scenario folder name>`.
fn default_out(scenario_dir: &Path, prefix: &str) -> PathBuf {
    let name = scenario_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    PathBuf::from("out").join(format!("{prefix}{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_value() {
        let mut cmd = Cli::command();
        let coverage = cmd.find_subcommand_mut("coverage").unwrap();
        let help = coverage.render_long_help().to_string();
        for v in ["2G", "3G", "4G", "5G", "3gpp", "hard-wedge"] {
            assert!(help.contains(v), "{v} missing in:\n{help}");
        }
        let plan = cmd.find_subcommand_mut("plan").unwrap();
        let help = plan.render_long_help().to_string();
        for v in ["2G", "5G", "mobile_broadband", "fiber", "wifi", "@total"] {
            assert!(help.contains(v), "{v} missing in:\n{help}");
        }
    }

    /// `--sync` is off unless given, on `coverage` and `plan` alike.
    #[test]
    fn sync_is_off_unless_asked_for() {
        let sync = |args: &[&str]| match Cli::try_parse_from(args).unwrap().command {
            Command::Coverage(a) => a.sync,
            Command::Plan(a) => a.sync,
            _ => panic!("not coverage or plan"),
        };
        assert!(!sync(&["telecov", "coverage"]));
        assert!(sync(&["telecov", "coverage", "--sync"]));
        assert!(!sync(&["telecov", "plan", "--target", "4G=99"]));
        assert!(sync(&["telecov", "plan", "--target", "4G=99", "--sync"]));
    }

    #[test]
    fn technologies_parse_in_either_case() {
        let cli = Cli::try_parse_from(["telecov", "plan", "--target", "4G=99", "--tech", "3g,4G"])
            .unwrap();
        let Command::Plan(args) = cli.command else {
            panic!("not plan")
        };
        assert_eq!(args.tech, [Tech::G3, Tech::G4]);
        assert!(
            Cli::try_parse_from(["telecov", "plan", "--target", "4G=99", "--tech", "6G"]).is_err()
        );
    }
}
