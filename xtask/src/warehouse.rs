//! `cargo xtask warehouse`: builds the dbt project in `warehouse/` on one adapter over DATA and
//! prints where the marts and the per-course extracts are; and the `warehouse` step of
//! `cargo xtask test`, the parity test of every mart against the CLI's report on each adapter.

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::setup;

/// The bundled sample the dashboard opens; the default DATA.
const SAMPLE: &str = "www/sample/watch-logs.parquet";
const BUILD_SCRIPT: &str = "warehouse/scripts/build.py";
const PARITY_SCRIPT: &str = "warehouse/scripts/parity.py";
const CLI_BIN: &str = "target/debug/coursepulse";
const FIXTURES_BIN: &str = "target/debug/coursepulse-fixtures";
const ADAPTERS: [&str; 3] = ["duckdb", "postgres", "spark"];
/// Rows of the generated dataset the parity test compares (10 day partitions).
const PARITY_ROWS: &str = "1000000";

/// The report options `build.py` takes, as the CLI spells them (each with a value).
const OPTIONS: [&str; 5] = ["--course", "--from", "--to", "--scale", "--min-views"];

/// `cargo xtask warehouse [--adapter duckdb|postgres|spark] [--course C]... [--from T] [--to T]
/// [--scale S] [--min-views N] [DATA]...`
pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let mut adapter = "duckdb".to_owned();
    let mut data = Vec::new();
    let mut options = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--adapter" => {
                let name = args.next().context("--adapter needs a name")?;
                if !ADAPTERS.contains(&name.as_str()) {
                    bail!(
                        "unknown adapter {name:?}: expected one of {}",
                        ADAPTERS.join(", ")
                    );
                }
                adapter = name.clone();
            }
            flag if OPTIONS.contains(&flag) => {
                let value = args
                    .next()
                    .with_context(|| format!("{flag} needs a value"))?;
                options.extend([flag.to_owned(), value.clone()]);
            }
            flag if flag.starts_with('-') => bail!(
                "unexpected flag {flag:?}: `cargo xtask warehouse` takes \
                 [--adapter duckdb|postgres|spark] [--course C]... [--from T] [--to T] \
                 [--scale percent|fraction] [--min-views N] [DATA]..."
            ),
            path => data.push(path.to_owned()),
        }
    }
    if data.is_empty() {
        data.push(SAMPLE.to_owned());
    }
    setup::run(sh)?;
    build_tools(sh)?;
    let python = setup::warehouse_python();
    let out = format!("target/warehouse/{adapter}");
    cmd!(
        sh,
        "{python} {BUILD_SCRIPT} --adapter {adapter} --cli {CLI_BIN} --out {out} {options...} {data...}"
    )
    .run()
    .with_context(|| format!("the warehouse build on {adapter} failed"))
}

/// The `warehouse` step of `cargo xtask test`: `dbt build` on DuckDB, Postgres and Spark over
/// the fixtures and a generated 1M-row dataset, every mart compared with the CLI's report.
pub(crate) fn parity(sh: &Shell) -> Result<()> {
    for script in [BUILD_SCRIPT, PARITY_SCRIPT] {
        if !sh.path_exists(script) {
            bail!("{script} does not exist: the warehouse project's scripts are needed");
        }
    }
    build_tools(sh)?;
    let python = setup::warehouse_python();
    cmd!(
        sh,
        "{python} {PARITY_SCRIPT} --cli {CLI_BIN} --fixtures {FIXTURES_BIN} --rows {PARITY_ROWS}"
    )
    .run()
    .context("the warehouse's marts differ from the CLI's report (or the test could not run)")
}

/// The CLI (for its report and `split`) and the fixtures generator.
fn build_tools(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo build -p coursepulse-cli -p coursepulse-fixtures")
        .run()
        .context("building the CLI and the fixtures generator failed")?;
    for (path, what) in [
        (CLI_BIN, "coursepulse"),
        (FIXTURES_BIN, "coursepulse-fixtures"),
    ] {
        if !sh.path_exists(path) {
            bail!("cargo built no {what} at {path}");
        }
    }
    Ok(())
}
