//! `cargo xtask test`: every check, in order, failing fast, with a timing per step and a summary.
//!
//! A step whose inputs do not exist fails and says what is missing: nothing is skipped silently
//! (only `--skip STEP`, for local work, skips, and the summary says so).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::{fetch_crates, setup, trunk_cmd};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const SMOKE_EXAMPLE: &str = "crates/engine/examples/wasm_smoke.rs";
const SMOKE_WASM: &str = "target/wasm32-unknown-unknown/release/examples/wasm_smoke.wasm";
const DIST: &str = "dist";
const BROWSER_TESTS: &str = "tests/browser.rs";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const APP_SCREENSHOT: &str = "target/xtask/app.png";
const GOLDEN_RUN: &str = "tests/golden/run.py";
const GOLDEN_REQUIREMENTS: &str = "tests/golden/requirements.txt";
const CLI_MANIFEST: &str = "crates/cli/Cargo.toml";
const CLI_BIN: &str = "target/debug/coursepulse";
const FIXTURES_BIN: &str = "target/debug/coursepulse-fixtures";
const E2E_CONFIG: &str = "tests/e2e/playwright.config.mjs";
const PLAYWRIGHT_CLI: &str = "node_modules/@playwright/test/cli.js";
const LIGHTHOUSE_CLI: &str = "node_modules/lighthouse/cli/index.js";
const LIGHTHOUSE_REPORT: &str = "target/xtask/lighthouse.json";

/// One check: a short name (for `--skip` and the summary), what it does, and how.
struct Step {
    name: &'static str,
    what: &'static str,
    run: fn(&Shell) -> Result<()>,
}

const STEPS: &[Step] = &[
    Step {
        name: "setup",
        what: "install missing tools",
        run: setup::run,
    },
    Step {
        name: "tidy",
        what: "the engine and the worker import only down their layers (xtask/src/tidy.rs)",
        run: tidy,
    },
    Step {
        name: "fmt",
        what: "cargo fmt --all --check",
        run: fmt,
    },
    Step {
        name: "clippy",
        what: "cargo clippy --workspace --all-targets -- -D warnings, and the web app for wasm32 (lean and full)",
        run: clippy,
    },
    Step {
        name: "test",
        what: "cargo test --workspace",
        run: cargo_test,
    },
    Step {
        name: "wasm-test",
        what: "wasm-bindgen-test suite (tests/browser.rs) in headless Chromium",
        run: wasm_test,
    },
    Step {
        name: "wasm-engine",
        what: "engine builds for wasm32 (release)",
        run: wasm_engine,
    },
    Step {
        name: "wasm-smoke",
        what: "wasm_smoke example runs every codec inside wasm32 under Node",
        run: wasm_smoke,
    },
    Step {
        name: "pkg",
        what: "cargo xtask pkg (the engine as a JS package); its Node tests against the CLI's JSON",
        run: crate::offline::pkg_step,
    },
    Step {
        name: "trunk-build",
        what: "trunk build --release; dist wasm imports nothing from `env`",
        run: trunk_build,
    },
    Step {
        name: "single-file",
        what: "dist/ inlined into target/single-file/coursepulse.html (e2e opens it from file://)",
        run: crate::offline::single_file_step,
    },
    Step {
        name: "app-render",
        what: "dist/ renders in headless Chromium under a sub-path",
        run: app_render,
    },
    Step {
        name: "bench-smoke",
        what: "cargo xtask bench --smoke: one round of the browser benchmark, answers checked",
        run: crate::bench::smoke,
    },
    Step {
        name: "e2e",
        what: "Playwright journeys (tests/e2e/) against dist/ in headless Chromium",
        run: e2e,
    },
    Step {
        name: "lighthouse",
        what: "Lighthouse 12.2.3 (desktop) on dist/ with the sample: performance >= 90, accessibility and best practices >= 95",
        run: lighthouse,
    },
    Step {
        name: "golden",
        what: "CLI JSON matches the DuckDB golden harness",
        run: golden,
    },
    Step {
        name: "warehouse",
        what: "dbt build on DuckDB, Postgres and Spark: every mart equals the CLI's report",
        run: crate::warehouse::parity,
    },
];

enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped(&'static str),
}

/// Runs the steps (all but those named by `--skip`), stopping at the first failure.
pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let skip = parse_skips(args)?;
    let started = Instant::now();
    let mut outcomes: Vec<(&Step, Outcome)> = Vec::new();
    let mut failure = None;
    for (index, step) in STEPS.iter().enumerate() {
        if failure.is_some() {
            outcomes.push((step, Outcome::Skipped("not run: an earlier step failed")));
            continue;
        }
        if skip.contains(&step.name) {
            outcomes.push((step, Outcome::Skipped("skipped (--skip)")));
            continue;
        }
        println!(
            "\n==> [{}/{}] {}: {}",
            index + 1,
            STEPS.len(),
            step.name,
            step.what
        );
        let step_started = Instant::now();
        let result = (step.run)(sh);
        let elapsed = step_started.elapsed();
        match result {
            Ok(()) => {
                println!("<== {} ok ({})", step.name, seconds(elapsed));
                outcomes.push((step, Outcome::Passed(elapsed)));
            }
            Err(err) => {
                println!("<== {} FAILED ({})", step.name, seconds(elapsed));
                outcomes.push((step, Outcome::Failed(elapsed)));
                failure = Some(err.context(format!("step `{}` failed", step.name)));
            }
        }
    }
    print_summary(&outcomes, started.elapsed());
    match failure {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

fn parse_skips(args: &[String]) -> Result<Vec<&'static str>> {
    let mut skip = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg != "--skip" {
            bail!("unexpected argument {arg:?}: `cargo xtask test` takes only --skip STEP");
        }
        let name = args.next().context("--skip needs a step name")?;
        let step = STEPS
            .iter()
            .find(|step| step.name == name)
            .with_context(|| {
                let names: Vec<&str> = STEPS.iter().map(|step| step.name).collect();
                format!("no step named {name:?}; steps: {}", names.join(" "))
            })?;
        skip.push(step.name);
    }
    Ok(skip)
}

fn print_summary(outcomes: &[(&Step, Outcome)], total: Duration) {
    println!("\nsummary:");
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (step, outcome) in outcomes {
        match outcome {
            Outcome::Passed(elapsed) => {
                passed += 1;
                println!("  ok      {:>8}  {}", seconds(*elapsed), step.name);
            }
            Outcome::Failed(elapsed) => {
                failed += 1;
                println!("  FAILED  {:>8}  {}", seconds(*elapsed), step.name);
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                println!("  -       {:>8}  {}: {why}", "", step.name);
            }
        }
    }
    println!("  total   {:>8}", seconds(total));
    println!("steps: {passed} passed, {failed} failed, {skipped} skipped");
}

fn seconds(elapsed: Duration) -> String {
    format!("{:.1}s", elapsed.as_secs_f64())
}

/// Fails with `what` unless `path` exists: missing inputs are errors, not silent skips.
fn require(sh: &Shell, path: &str, what: &str) -> Result<()> {
    if !sh.path_exists(path) {
        bail!("{path} does not exist: {what}");
    }
    Ok(())
}

fn tidy(sh: &Shell) -> Result<()> {
    crate::tidy::layering(&sh.current_dir())
}

fn fmt(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo fmt --all --check")
        .run()
        .context("code is not formatted: run `cargo fmt --all` (on your own crates)")
}

fn clippy(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo clippy --workspace --all-targets -- -D warnings")
        .run()
        .context("clippy found warnings")?;
    // The web app as it ships: the page and the lean worker, then the full worker's features
    // (Brotli and the event-log reader, whose load path only that build compiles).
    cmd!(
        sh,
        "cargo clippy -p coursepulse --target {WASM_TARGET} --bins --lib -- -D warnings"
    )
    .run()
    .context("clippy found warnings in the web app (wasm)")?;
    cmd!(
        sh,
        "cargo clippy -p coursepulse --target {WASM_TARGET} --bins --lib --features brotli,events -- -D warnings"
    )
    .run()
    .context("clippy found warnings in the full worker's build (wasm)")
}

fn cargo_test(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo test --workspace")
        .run()
        .context("cargo test failed")
}

/// The app's wasm tests (protocol, tables, components) in Debian's Chromium through chromedriver,
/// with the wasm-bindgen-test-runner that setup installed (`.cargo/config.toml` names it).
fn wasm_test(sh: &Shell) -> Result<()> {
    require(
        sh,
        BROWSER_TESTS,
        "the app's wasm-bindgen-test suite is needed",
    )?;
    cmd!(
        sh,
        "cargo test -p coursepulse --target {WASM_TARGET} --test browser"
    )
    .env("CHROMEDRIVER", CHROMEDRIVER)
    .run()
    .context("the wasm tests failed in headless Chromium")
}

fn wasm_engine(sh: &Shell) -> Result<()> {
    cmd!(
        sh,
        "cargo build -p coursepulse-engine --target {WASM_TARGET} --release"
    )
    .run()
    .context("the engine does not build for wasm32")
}

/// Builds the engine's wasm_smoke example and runs it under Node: no `env` imports (C compiled
/// by the wrong compiler shows up as those), and its `main` must return without trapping.
fn wasm_smoke(sh: &Shell) -> Result<()> {
    require(
        sh,
        SMOKE_EXAMPLE,
        "the engine's wasm smoke example (a `fn main()` that analyses Parquet in every codec and \
         panics on a wrong answer) is needed",
    )?;
    cmd!(
        sh,
        "cargo build -p coursepulse-engine --example wasm_smoke --target {WASM_TARGET} --release"
    )
    .run()
    .context("building the wasm_smoke example for wasm32 failed")?;
    require(sh, SMOKE_WASM, "cargo built no wasm_smoke.wasm")?;
    cmd!(sh, "node xtask/wasm_smoke.mjs {SMOKE_WASM}")
        .run()
        .context("the wasm smoke test failed")
}

/// Builds the web app as deployed (`trunk build --release`, offline) and checks its wasm.
fn trunk_build(sh: &Shell) -> Result<()> {
    fetch_crates(sh)?;
    trunk_cmd(sh, &["build", "--release"])
        .run()
        .context("trunk build --release failed")?;
    let wasm_files: Vec<_> = sh
        .read_dir(DIST)?
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    if wasm_files.is_empty() {
        bail!("trunk build wrote no .wasm into {DIST}/");
    }
    cmd!(
        sh,
        "node xtask/wasm_smoke.mjs --imports-only {wasm_files...}"
    )
    .run()
    .context("the app's wasm imports from `env`")
}

/// Serves dist/ under a sub-path and checks, in Debian's Chromium, that the app mounts with no
/// page or console errors; leaves a screenshot in target/xtask/.
fn app_render(sh: &Shell) -> Result<()> {
    require(sh, DIST, "run the trunk-build step first")?;
    cmd!(sh, "node xtask/render_smoke.mjs {DIST} {APP_SCREENSHOT}")
        .run()
        .context("the built app does not render in headless Chromium")
}

/// The end-to-end journeys (tests/e2e/, Playwright's runner from npm driving Debian's Chromium)
/// against dist/ served under a sub-path. The suite generates a dirty file with the fixtures
/// generator and compares the page's rankings with the CLI's JSON, so it builds both first; one
/// journey builds the warehouse project (the setup step's venv) and opens its extracts.
fn e2e(sh: &Shell) -> Result<()> {
    require(
        sh,
        &format!("{DIST}/index.html"),
        "the built app is needed: run the trunk-build step first",
    )?;
    require(sh, E2E_CONFIG, "the end-to-end suite is needed")?;
    require(
        sh,
        PLAYWRIGHT_CLI,
        "@playwright/test is not installed: run the setup step (npm ci)",
    )?;
    cmd!(sh, "cargo build -p coursepulse-cli -p coursepulse-fixtures")
        .run()
        .context("building the CLI and the fixtures generator failed")?;
    require(sh, CLI_BIN, "cargo built no coursepulse CLI")?;
    require(sh, FIXTURES_BIN, "cargo built no coursepulse-fixtures")?;
    // warehouse.spec.mjs builds the dbt project to open its extracts.
    require(
        sh,
        &setup::warehouse_python(),
        "the warehouse venv is needed: run the setup step",
    )?;
    cmd!(sh, "node {PLAYWRIGHT_CLI} test -c {E2E_CONFIG}")
        .run()
        .context("end-to-end journeys failed (screenshots in tests/e2e/artifacts/)")
}

/// Lighthouse's scores for the built app with the sample loaded, printed; fails under the
/// minimums (xtask/lighthouse.mjs names the audits that cost the points).
fn lighthouse(sh: &Shell) -> Result<()> {
    require(
        sh,
        &format!("{DIST}/index.html"),
        "the built app is needed: run the trunk-build step first",
    )?;
    require(
        sh,
        LIGHTHOUSE_CLI,
        "lighthouse is not installed: run the setup step (npm ci)",
    )?;
    cmd!(sh, "node xtask/lighthouse.mjs {DIST} {LIGHTHOUSE_REPORT}")
        .run()
        .context("Lighthouse scores are under the minimum (or Lighthouse could not run)")
}

/// Builds the CLI and the fixtures generator and runs the DuckDB golden harness against them.
fn golden(sh: &Shell) -> Result<()> {
    require(sh, GOLDEN_RUN, "the DuckDB golden harness is needed")?;
    require(
        sh,
        GOLDEN_REQUIREMENTS,
        "the golden harness's Python requirements (DuckDB) are needed",
    )?;
    require(sh, CLI_MANIFEST, "the coursepulse-cli crate is needed")?;
    cmd!(sh, "cargo build -p coursepulse-cli -p coursepulse-fixtures")
        .run()
        .context("building the CLI and the fixtures generator failed")?;
    require(
        sh,
        CLI_BIN,
        "coursepulse-cli must have a [[bin]] named `coursepulse`",
    )?;
    require(
        sh,
        FIXTURES_BIN,
        "coursepulse-fixtures must have a binary named `coursepulse-fixtures`",
    )?;
    cmd!(
        sh,
        ".venv/bin/python {GOLDEN_RUN} --cli {CLI_BIN} --fixtures {FIXTURES_BIN}"
    )
    .run()
    .context("the golden harness found differences (or could not run)")
}
