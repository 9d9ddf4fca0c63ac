//! `cargo xtask setup`: installs each tool the build and the tests need, only where it is
//! missing, and prints one line per tool. A second run only checks, so it takes about a second.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

/// Rust's WebAssembly target, for the web app and the engine's wasm checks.
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian packages: clang and llvm (llvm-ar) compile zstd-sys's C for wasm32 (gcc cannot target
/// wasm; see `.cargo/config.toml`), lld links, chromium runs the browser tests; postgresql
/// (initdb, pg_ctl) and Java (for PySpark) run the warehouse project's Postgres and Spark targets.
const APT_PACKAGES: [&str; 7] = [
    "clang",
    "lld",
    "llvm",
    "chromium",
    "chromium-driver",
    "postgresql",
    "openjdk-17-jre-headless",
];

/// trunk 0.22 needs a newer rustc than the toolchain here, so the version is pinned.
const TRUNK_VERSION: &str = "0.21.14";

/// What `cargo xtask test` writes under `target/` from a fresh clone: 14 GB measured
/// (`du -sh target` after `bash .ci/run` in a fresh clone, 2026-12-01), plus some margin.
const FRESH_BUILD_BYTES: u64 = 16 << 30;
const TARGET_DIR: &str = "target";

const CARGO_LOCK: &str = "Cargo.lock";
const TRUNK_TOML: &str = "Trunk.toml";
const VENV: &str = ".venv";
const GOLDEN_REQUIREMENTS: &str = "tests/golden/requirements.txt";
/// A copy of the requirements last installed into the venv, so an unchanged file skips pip.
const VENV_STAMP: &str = ".venv/coursepulse-requirements.txt";
/// The warehouse project's venv (dbt with its DuckDB, Postgres and Spark adapters, PySpark),
/// apart from the golden harness's so that neither pins the other's DuckDB.
const WAREHOUSE_VENV: &str = ".venv-warehouse";
const WAREHOUSE_REQUIREMENTS: &str = "warehouse/requirements.txt";
/// Every transitive package of the warehouse venv, pinned (`pip freeze`), used as pip constraints.
const WAREHOUSE_CONSTRAINTS: &str = "warehouse/constraints.txt";
const WAREHOUSE_STAMP: &str = ".venv-warehouse/coursepulse-requirements.txt";
/// The benchmark's native contenders (DuckDB and Polars, pinned with their dependencies).
const BENCH_VENV: &str = ".venv-bench";
const BENCH_REQUIREMENTS: &str = "bench/requirements.txt";
const BENCH_CONSTRAINTS: &str = "bench/constraints.txt";
const BENCH_STAMP: &str = ".venv-bench/coursepulse-requirements.txt";

/// Checks every tool and installs the missing ones.
pub(crate) fn run(sh: &Shell) -> Result<()> {
    let started = Instant::now();
    println!("setup: checking tools (installs only what is missing)");
    disk_space(sh)?;
    rust_target(sh)?;
    apt_packages(sh)?;
    trunk(sh)?;
    wasm_bindgen_cli(sh)?;
    node_tools(sh)?;
    python_venv(sh, VENV, GOLDEN_REQUIREMENTS, None, VENV_STAMP)?;
    python_venv(
        sh,
        WAREHOUSE_VENV,
        WAREHOUSE_REQUIREMENTS,
        Some(WAREHOUSE_CONSTRAINTS),
        WAREHOUSE_STAMP,
    )?;
    python_venv(
        sh,
        BENCH_VENV,
        BENCH_REQUIREMENTS,
        Some(BENCH_CONSTRAINTS),
        BENCH_STAMP,
    )?;
    println!("setup: done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// A full disk shows up much later as a linker "Bus error" or a half-written file, so the free
/// space is checked first. From a fresh clone (no `target/` yet) too little is an error; with a
/// build already there most of it is reused, so it is only a warning.
fn disk_space(sh: &Shell) -> Result<()> {
    let df = cmd!(sh, "df -Pk .")
        .read()
        .context("running df to check free disk space")?;
    let free_kib: u64 = df
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|field| field.parse().ok())
        .with_context(|| format!("unexpected `df -Pk .` output: {df:?}"))?;
    let free = free_kib * 1024;
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let message = format!(
        "{:.1} GiB free on the disk of {}; a test run from a fresh clone writes about {:.0} GiB \
         under target/",
        gib(free),
        sh.current_dir().display(),
        gib(FRESH_BUILD_BYTES)
    );
    if free >= FRESH_BUILD_BYTES {
        println!("  disk: {:.1} GiB free", gib(free));
    } else if sh.path_exists(TARGET_DIR) {
        println!("  disk: warning: {message} (an existing target/ is reused, so it may fit)");
    } else {
        bail!("not enough disk space: {message}. Free some space and run again");
    }
    Ok(())
}

/// The wasm-bindgen version that Cargo.lock resolved; wasm-bindgen-cli must be exactly this one.
pub(crate) fn locked_wasm_bindgen_version(sh: &Shell) -> Result<String> {
    let lock = sh.read_file(CARGO_LOCK).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == r#"name = "wasm-bindgen""# {
            let version = lines
                .next()
                .and_then(|line| line.trim().strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'));
            if let Some(version) = version {
                return Ok(version.to_owned());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package: expected the web app to depend on it")
}

fn report(tool: &str, state: &str) {
    println!("  {tool:<24} {state}");
}

fn rust_target(sh: &Shell) -> Result<()> {
    let installed = cmd!(sh, "rustup target list --installed")
        .quiet()
        .read()
        .context("rustup is needed to add the wasm32 target (install Rust with rustup)")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        report(WASM_TARGET, "present");
        return Ok(());
    }
    cmd!(sh, "rustup target add {WASM_TARGET}")
        .run()
        .with_context(|| format!("rustup target add {WASM_TARGET} failed"))?;
    report(WASM_TARGET, "installed");
    Ok(())
}

fn apt_packages(sh: &Shell) -> Result<()> {
    if cmd!(sh, "dpkg-query --version")
        .quiet()
        .ignore_stdout()
        .run()
        .is_err()
    {
        bail!(
            "dpkg-query not found: this setup knows Debian's packages only; install {} by hand",
            APT_PACKAGES.join(", ")
        );
    }
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|package| !apt_installed(sh, package))
        .collect();
    for package in APT_PACKAGES
        .iter()
        .filter(|package| !missing.contains(package))
    {
        report(package, "present");
    }
    if missing.is_empty() {
        return Ok(());
    }
    apt_get(sh, &["update", "-q"])
        .run()
        .context("apt-get update failed")?;
    apt_get(sh, &["install", "-y", "-q"])
        .args(&missing)
        .run()
        .with_context(|| format!("apt-get install {} failed", missing.join(" ")))?;
    for package in &missing {
        report(package, "installed");
    }
    Ok(())
}

fn apt_installed(sh: &Shell, package: &str) -> bool {
    let format = "--showformat=${Status}";
    cmd!(sh, "dpkg-query --show {format} {package}")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok_and(|status| status.trim() == "install ok installed")
}

/// `apt-get ARGS`, through sudo unless we are root.
fn apt_get<'a>(sh: &'a Shell, args: &[&str]) -> xshell::Cmd<'a> {
    let command = if is_root(sh) {
        sh.cmd("apt-get")
    } else {
        sh.cmd("sudo").arg("apt-get")
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive")
}

fn is_root(sh: &Shell) -> bool {
    cmd!(sh, "id -u")
        .quiet()
        .read()
        .is_ok_and(|uid| uid.trim() == "0")
}

/// `program --version`'s first line, or `None` when the program is missing or fails.
fn version_line(sh: &Shell, program: &str) -> Option<String> {
    let output = cmd!(sh, "{program} --version")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    output.lines().next().map(|line| line.trim().to_owned())
}

fn trunk(sh: &Shell) -> Result<()> {
    let wanted = format!("trunk {TRUNK_VERSION}");
    ensure_cargo_tool(sh, "trunk", "trunk", TRUNK_VERSION, &wanted)
}

fn wasm_bindgen_cli(sh: &Shell) -> Result<()> {
    let version = locked_wasm_bindgen_version(sh)?;
    check_trunk_pin(sh, &version)?;
    let wanted = format!("wasm-bindgen {version}");
    ensure_cargo_tool(sh, "wasm-bindgen", "wasm-bindgen-cli", &version, &wanted)
}

/// Trunk.toml pins wasm-bindgen too (trunk refuses a mismatch offline); both must agree.
fn check_trunk_pin(sh: &Shell, locked: &str) -> Result<()> {
    let trunk_toml = sh.read_file(TRUNK_TOML).context("reading Trunk.toml")?;
    let pinned = trunk_toml.lines().find_map(|line| {
        let value = line.trim().strip_prefix("wasm_bindgen")?.trim();
        let value = value.strip_prefix('=')?.trim();
        Some(value.trim_matches('"').to_owned())
    });
    match pinned {
        Some(pinned) if pinned == locked => Ok(()),
        Some(pinned) => bail!(
            "Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has wasm-bindgen {locked}: \
             set [tools] wasm_bindgen = \"{locked}\" in Trunk.toml"
        ),
        None => bail!("Trunk.toml has no [tools] wasm_bindgen pin: expected \"{locked}\""),
    }
}

/// Installs `krate@version` with `cargo install` unless `program --version` already prints
/// `wanted`. `--locked` first (the versions the tool was released with); where this registry
/// snapshot lacks one of those, without it.
pub(crate) fn ensure_cargo_tool(
    sh: &Shell,
    program: &str,
    krate: &str,
    version: &str,
    wanted: &str,
) -> Result<()> {
    let found = version_line(sh, program);
    if found.as_deref() == Some(wanted) {
        report(program, &format!("present ({wanted})"));
        return Ok(());
    }
    match &found {
        Some(other) => println!("  {program}: found {other:?}, want {wanted:?}: installing"),
        None => println!("  {program}: not found: installing {krate}@{version} (takes minutes)"),
    }
    let spec = format!("{krate}@{version}");
    if cmd!(sh, "cargo install {spec} --locked").run().is_err() {
        println!("  {program}: `cargo install {spec} --locked` failed; retrying without --locked");
        cmd!(sh, "cargo install {spec}")
            .run()
            .with_context(|| format!("cargo install {spec} failed"))?;
    }
    let found = version_line(sh, program);
    if found.as_deref() != Some(wanted) {
        bail!(
            "after installing {spec}, `{program} --version` prints {found:?}, not {wanted:?}: \
             is another {program} earlier on PATH?"
        );
    }
    report(program, &format!("installed ({wanted})"));
    Ok(())
}

/// package.json's devDependencies at their exact versions, into node_modules/: binaryen's
/// wasm-opt (Debian's 108 corrupts wasm-bindgen 0.2.130 output; npm has 132), playwright-core
/// and @playwright/test (driving Debian's Chromium).
fn node_tools(sh: &Shell) -> Result<()> {
    let node = version_line(sh, "node").context(
        "Node.js not found: install Node.js 20 or newer (Debian: apt-get install nodejs npm)",
    )?;
    version_line(sh, "npm").context("npm not found: install npm")?;
    // Every devDependency must be installed at exactly the version package.json names.
    let check = "const fs = require('fs');\
        const deps = JSON.parse(fs.readFileSync('package.json', 'utf8')).devDependencies || {};\
        const stale = Object.entries(deps).filter(([name, version]) => {\
          try { return JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, 'utf8')).version !== version; }\
          catch { return true; } });\
        process.exit(stale.length ? 1 : 0);";
    if cmd!(sh, "node -e {check}").quiet().run().is_ok() {
        report(
            "npm tools",
            &format!("present (package.json devDependencies; node {node})"),
        );
        return Ok(());
    }
    cmd!(sh, "npm ci --no-audit --no-fund")
        .run()
        .context("npm ci failed (package.json and package-lock.json must agree)")?;
    report("npm tools", "installed (package.json devDependencies)");
    Ok(())
}

/// The benchmark venv's Python (DuckDB and Polars), relative to the workspace root.
pub(crate) fn bench_python() -> String {
    format!("{BENCH_VENV}/bin/python")
}

/// The warehouse venv's Python, relative to the workspace root.
pub(crate) fn warehouse_python() -> String {
    format!("{WAREHOUSE_VENV}/bin/python")
}

/// `venv` with `requirements` installed (the golden harness's DuckDB, or the warehouse's dbt),
/// every package held to the versions in `constraints` when given; reinstalled only when the
/// files differ from the copy `stamp` kept of the last install.
fn python_venv(
    sh: &Shell,
    venv: &str,
    requirements_path: &str,
    constraints_path: Option<&str>,
    stamp: &str,
) -> Result<()> {
    let python = format!("{venv}/bin/python");
    let created = !sh.path_exists(&python);
    if created {
        cmd!(sh, "python3 -m venv {venv}").run().context(
            "python3 -m venv failed: Python 3 with venv is needed (Debian: python3-venv)",
        )?;
    }
    let label = format!("python {venv}");
    if !sh.path_exists(requirements_path) {
        report(
            &label,
            &format!("skipped pip install: {requirements_path} does not exist yet"),
        );
        return Ok(());
    }
    let mut installed = sh.read_file(requirements_path)?;
    let mut constraint_args = Vec::new();
    if let Some(constraints) = constraints_path {
        installed.push_str(
            &sh.read_file(constraints)
                .with_context(|| format!("{constraints} (the pinned versions) is missing"))?,
        );
        constraint_args = vec!["-c".to_owned(), constraints.to_owned()];
    }
    if !created && sh.read_file(stamp).ok().as_deref() == Some(installed.as_str()) {
        report(&label, &format!("present ({requirements_path})"));
        return Ok(());
    }
    cmd!(
        sh,
        "{python} -m pip install --quiet -r {requirements_path} {constraint_args...}"
    )
    .run()
    .with_context(|| format!("pip install -r {requirements_path} into {venv} failed"))?;
    sh.write_file(stamp, &installed)?;
    report(&label, &format!("installed ({requirements_path})"));
    Ok(())
}
