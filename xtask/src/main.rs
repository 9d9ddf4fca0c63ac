//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! `setup` installs what is missing, `serve` builds and serves the dashboard, `test` runs every
//! check in order (it is what CI runs), `bench` runs the browser benchmark, `fixtures`
//! regenerates `tests/data/` and `tests/bad-inputs/`, `fuzz` runs the fuzz targets,
//! `single-file` writes the self-contained coursepulse.html, `pkg` the JS package and
//! `warehouse` builds the dbt project in `warehouse/`.

mod bench;
mod fuzz;
mod offline;
mod setup;
mod test;
mod tidy;
mod warehouse;

use std::env;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

const HELP: &str = "\
usage: cargo xtask <task>

tasks:
  setup              install every missing tool (wasm32 target, clang/lld/llvm, chromium,
                     trunk, wasm-bindgen-cli, npm tools, postgresql, Java, the Python venvs);
                     fast when all present
  serve              setup, then build and serve the dashboard at http://127.0.0.1:8080
  test [--skip STEP]...
                     setup, then every check in order, failing fast; prints a timing per step
                     (steps: setup tidy fmt clippy test wasm-test wasm-engine wasm-smoke pkg trunk-build
                      single-file app-render bench-smoke e2e golden warehouse)
  bench [--smoke] [--no-build] [--reps N]
                     build the app, generate 1M/10M-row files in bench/data/ and compare CoursePulse
                     with DuckDB-WASM and hyparquet in headless Chromium (bench/run.mjs); --smoke:
                     one round on a small and a 1M-row file, with the dist/ already built
  fixtures           regenerate the committed tiny fixtures in tests/data/ and the bad-input
                     corpus in tests/bad-inputs/ (its expected.tsv is written by hand)
  fuzz [TARGET]... [--seconds N]
                     seed and run the libFuzzer targets in fuzz/ (parquet csv mapping dbt_schema state; all by
                     default) for N seconds each (default 60), one at a time; needs cargo-fuzz
                     (installed if missing) and nightly, else RUSTC_BOOTSTRAP=1 without sanitizer
  single-file [--no-build]
                     trunk build --release, then inline it (wasm, workers, CSS, sample) into
                     target/single-file/coursepulse.html, which works from file://
  pkg                build the engine as a JS package (crates/js, wasm-bindgen --target web) into pkg/
  warehouse [--adapter duckdb|postgres|spark] [DATA]...
                     build the dbt project in warehouse/ on DATA (default: the bundled sample)
                     with dbt-duckdb (default), a throwaway Postgres server or PySpark, and print
                     where the marts, the export and the per-course extracts (manifest.json) are
  ci                 what .ci/run runs: the same as `test`
";

/// Where `trunk serve` listens; the README points here.
const SERVE_ADDRESS: &str = "127.0.0.1";
const SERVE_PORT: &str = "8080";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let sh = project_shell()?;
    match args.first().map(String::as_str) {
        Some("setup") => setup::run(&sh),
        Some("serve") => serve(&sh),
        Some("test" | "ci") => test::run(&sh, &args[1..]),
        Some("bench") => bench::run(&sh, &args[1..]),
        Some("fixtures") => fixtures(&sh),
        Some("fuzz") => fuzz::run(&sh, &args[1..]),
        Some("single-file") => offline::single_file(&sh, &args[1..]),
        Some("pkg") => offline::pkg(&sh),
        Some("warehouse") => warehouse::run(&sh, &args[1..]),
        None | Some("help" | "-h" | "--help") => {
            print!("{HELP}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{HELP}"),
    }
}

/// `cargo xtask serve`: the dashboard at http://127.0.0.1:8080, rebuilt when sources change.
fn serve(sh: &Shell) -> Result<()> {
    setup::run(sh)?;
    fetch_crates(sh)?;
    println!("serving the dashboard at http://{SERVE_ADDRESS}:{SERVE_PORT} (Ctrl-C stops it)");
    trunk_cmd(
        sh,
        &[
            "serve",
            "--release",
            "--address",
            SERVE_ADDRESS,
            "--port",
            SERVE_PORT,
        ],
    )
    .run()
    .context("trunk serve failed")?;
    Ok(())
}

/// `cargo xtask fixtures`: regenerates the tiny committed Parquet/CSV files.
fn fixtures(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo run -p coursepulse-fixtures -- tiny tests/data")
        .run()
        .context("generating tests/data with coursepulse-fixtures failed")?;
    cmd!(
        sh,
        "cargo run -p coursepulse-fixtures -- bad-inputs tests/bad-inputs"
    )
    .run()
    .context("generating tests/bad-inputs with coursepulse-fixtures failed")?;
    Ok(())
}

/// The workspace root (xtask's manifest lives one level below it).
pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A shell in the workspace root with cargo's bin directory on PATH, so tools that `setup` has
/// just installed are found even where `~/.cargo/env` was never sourced.
fn project_shell() -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    let path = prepend_path(&sh, &cargo_home(&sh).join("bin"))?;
    sh.set_var("PATH", path);
    Ok(sh)
}

/// `$CARGO_HOME`, or `~/.cargo` where it is unset (as rustup does).
pub(crate) fn cargo_home(sh: &Shell) -> PathBuf {
    match sh.var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => PathBuf::from(sh.var_os("HOME").unwrap_or_default()).join(".cargo"),
    }
}

/// The shell's PATH with `dir` in front.
fn prepend_path(sh: &Shell, dir: &Path) -> Result<std::ffi::OsString> {
    let current = sh.var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(dir.to_path_buf()).chain(env::split_paths(&current));
    env::join_paths(dirs).context("a PATH entry contains ':'")
}

/// Downloads every crate in Cargo.lock, so that trunk (`offline = true` in Trunk.toml, which
/// makes it call `cargo --offline`) finds them all.
pub(crate) fn fetch_crates(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo fetch")
        .quiet()
        .run()
        .context("cargo fetch failed: is crates.io reachable?")?;
    Ok(())
}

/// A trunk command with binaryen's wasm-opt from npm (node_modules/.bin) first on PATH: trunk
/// looks wasm-opt up on PATH and, offline, accepts only the version Trunk.toml pins.
pub(crate) fn trunk_cmd<'a>(sh: &'a Shell, args: &[&str]) -> xshell::Cmd<'a> {
    let node_bin = project_root().join("node_modules").join(".bin");
    let path =
        prepend_path(sh, &node_bin).unwrap_or_else(|_| sh.var_os("PATH").unwrap_or_default());
    cmd!(sh, "trunk --skip-version-check {args...}").env("PATH", path)
}
