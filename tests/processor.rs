//! The `telecov` binary on processors older than the build assumes, under
//! QEMU's user-mode emulator (`qemu-x86_64`, Debian package `qemu-user`):
//! where the build's instructions are missing it stops with a message
//! that names them, where they are all there it runs. Without the
//! emulator the tests are skipped with a message, unless the `CI`
//! environment variable is set: then they fail.
#![cfg(all(feature = "cli", target_arch = "x86_64", target_os = "linux"))]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The emulator, or `None` (skipped) when it is not installed.
fn qemu() -> Option<PathBuf> {
    let path = std::env::var_os("QEMU_X86_64")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/qemu-x86_64"));
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "processor test: {} missing (Debian: apt-get install qemu-user)",
        path.display()
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}; CI is set, so this is a failure");
    }
    eprintln!("SKIPPED {message}");
    None
}

/// `telecov ARGS` on an emulated processor of QEMU's model `cpu`.
fn run_on(qemu: &PathBuf, cpu: &str, args: &[&str]) -> Output {
    Command::new(qemu)
        .args(["-cpu", cpu, env!("CARGO_BIN_EXE_telecov")])
        .args(args)
        .output()
        .expect("the emulator starts")
}

#[test]
fn an_older_processor_gets_a_message_naming_what_it_lacks_not_a_crash() {
    // (a build for the x86-64 baseline assumes nothing to check)
    if !cfg!(target_feature = "sse4.1") {
        eprintln!("SKIPPED processor test: this build assumes no extension beyond x86-64");
        return;
    }
    let Some(qemu) = qemu() else { return };
    // QEMU's baseline model: SSE3 but no SSSE3, SSE4 or POPCNT (a processor
    // of about 2005); the command would otherwise die of SIGILL
    let out = run_on(
        &qemu,
        "qemu64",
        &["coverage", "--out", "/nonexistent/never"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        stderr.starts_with("error: this build of telecov assumes"),
        "{stderr}"
    );
    for lacking in ["ssse3", "sse4.1", "sse4.2", "popcnt"] {
        assert!(stderr.contains(lacking), "{lacking} not named in: {stderr}");
    }
    assert!(stderr.contains("target-cpu=native"), "{stderr}");
}

#[test]
fn a_processor_with_what_the_build_assumes_runs_it() {
    if cfg!(target_feature = "avx") {
        eprintln!("SKIPPED processor test: this build assumes AVX (target-cpu beyond x86-64-v2)");
        return;
    }
    let Some(qemu) = qemu() else { return };
    // Nehalem (2008): SSE4.2 and POPCNT, x86-64-v2 and nothing more
    let out = run_on(&qemu, "Nehalem", &["--version"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("telecov "));
}
