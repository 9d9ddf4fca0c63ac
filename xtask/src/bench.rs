//! `cargo xtask bench`: the browser benchmark of issue 4 (`bench/run.mjs`) on generated files.
//!
//! The full run builds the app as deployed, generates 1M- and 10M-row Parquet files (snappy and
//! zstd) into `bench/data/`, and compares CoursePulse with DuckDB-WASM and hyparquet + JS in
//! headless Chromium. `--smoke` (a step of `cargo xtask test`) runs one round on a small file
//! and a 1M-row file with the debug binaries and the `dist/` already built, so the benchmark
//! cannot rot.

use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use crate::{fetch_crates, setup, trunk_cmd};

const DATA_DIR: &str = "bench/data";
const RUNNER: &str = "bench/run.mjs";
const NATIVE: &str = "bench/native.py";
const DIST_INDEX: &str = "dist/index.html";
const COURSES: u64 = 300;
const VIDEOS_PER_COURSE: u64 = 20;
const ROW_GROUP_ROWS: u64 = 131_072;
/// Share of rows with a defect, and of rows that copy an earlier one (the generator's defaults).
const DIRTY: &str = "0.02";
const DUPLICATES: &str = "0.01";
const FULL_REPS: u32 = 3;

/// One generated input: `rows` rows with about `rows / 100` learners.
struct DataFile {
    rows: u64,
    codec: &'static str,
    seed: u64,
}

const FULL_FILES: &[DataFile] = &[
    DataFile {
        rows: 1_000_000,
        codec: "snappy",
        seed: 1,
    },
    DataFile {
        rows: 1_000_000,
        codec: "zstd",
        seed: 2,
    },
    DataFile {
        rows: 10_000_000,
        codec: "snappy",
        seed: 3,
    },
    DataFile {
        rows: 10_000_000,
        codec: "zstd",
        seed: 4,
    },
];

const SMOKE_FILES: &[DataFile] = &[
    DataFile {
        rows: 50_000,
        codec: "zstd",
        seed: 5,
    },
    DataFile {
        rows: 1_000_000,
        codec: "snappy",
        seed: 1,
    },
];

impl DataFile {
    fn path(&self) -> String {
        let size = match self.rows {
            rows if rows % 1_000_000 == 0 => format!("{}m", rows / 1_000_000),
            rows if rows % 1_000 == 0 => format!("{}k", rows / 1_000),
            rows => rows.to_string(),
        };
        format!(
            "{DATA_DIR}/watch-{size}-{}-s{}.parquet",
            self.codec, self.seed
        )
    }
}

/// How `cargo xtask bench` was asked to run.
struct Options {
    smoke: bool,
    build: bool,
    reps: u32,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        smoke: false,
        build: true,
        reps: FULL_REPS,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => options.smoke = true,
            "--no-build" => options.build = false,
            "--reps" => {
                let value = args.next().context("--reps needs a number")?;
                options.reps = value
                    .parse()
                    .ok()
                    .filter(|reps| *reps > 0)
                    .with_context(|| format!("--reps takes a positive number, not {value:?}"))?;
            }
            other => bail!(
                "unexpected argument {other:?}: `cargo xtask bench` takes --smoke, --no-build, --reps N"
            ),
        }
    }
    Ok(options)
}

/// `cargo xtask bench [--smoke] [--no-build] [--reps N]`.
pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let options = parse(args)?;
    if options.smoke {
        return smoke(sh);
    }
    setup::run(sh)?;
    if options.build {
        fetch_crates(sh)?;
        trunk_cmd(sh, &["build", "--release"])
            .run()
            .context("trunk build --release failed")?;
    }
    cmd!(
        sh,
        "cargo build --release -p coursepulse-fixtures -p coursepulse-cli"
    )
    .run()
    .context("building the fixtures generator and the CLI (release) failed")?;
    let files = generate(sh, FULL_FILES, "target/release/coursepulse-fixtures")?;
    bench(
        sh,
        &files,
        options.reps,
        "target/release/coursepulse",
        "target/bench/results.json",
    )
}

/// The smoke version, for `cargo xtask test`: one round on a small file and a 1M-row file,
/// with the debug binaries and the dist/ that the trunk-build step made.
pub(crate) fn smoke(sh: &Shell) -> Result<()> {
    if !sh.path_exists(DIST_INDEX) {
        bail!("{DIST_INDEX} does not exist: build the app first (the trunk-build step)");
    }
    cmd!(sh, "cargo build -p coursepulse-fixtures -p coursepulse-cli")
        .run()
        .context("building the fixtures generator and the CLI failed")?;
    let files = generate(sh, SMOKE_FILES, "target/debug/coursepulse-fixtures")?;
    bench(
        sh,
        &files,
        1,
        "target/debug/coursepulse",
        "target/bench/smoke.json",
    )
}

/// Writes the files that are missing or older than the generator (same seed, same bytes).
fn generate(sh: &Shell, files: &[DataFile], generator: &str) -> Result<Vec<String>> {
    sh.create_dir(DATA_DIR)?;
    let generator_time =
        modified(sh, generator).with_context(|| format!("{generator} was not built"))?;
    let mut paths = Vec::new();
    for file in files {
        let path = file.path();
        let fresh = modified(sh, &path).is_some_and(|time| time >= generator_time);
        if !fresh {
            let rows = file.rows.to_string();
            let learners = (file.rows / 100).max(1).to_string();
            let courses = COURSES.to_string();
            let videos = VIDEOS_PER_COURSE.to_string();
            let group_rows = ROW_GROUP_ROWS.to_string();
            let seed = file.seed.to_string();
            let codec = file.codec;
            cmd!(
                sh,
                "{generator} file {path} --rows {rows} --learners {learners} --courses {courses}
                 --videos-per-course {videos} --codec {codec} --row-group-rows {group_rows}
                 --dirty {DIRTY} --duplicates {DUPLICATES} --seed {seed}"
            )
            .run()
            .with_context(|| format!("generating {path} failed"))?;
        }
        paths.push(path);
    }
    Ok(paths)
}

fn modified(sh: &Shell, path: &str) -> Option<SystemTime> {
    std::fs::metadata(sh.current_dir().join(Path::new(path)))
        .and_then(|metadata| metadata.modified())
        .ok()
}

/// The browser contenders (bench/run.mjs), then the native ones (bench/native.py: the CLI
/// against DuckDB and Polars, one thread and every core) on the same files.
fn bench(sh: &Shell, files: &[String], reps: u32, cli: &str, json: &str) -> Result<()> {
    let reps = reps.to_string();
    cmd!(
        sh,
        "node {RUNNER} --reps {reps} --cli {cli} --json {json} {files...}"
    )
    .run()
    .context("the benchmark failed or the contenders' answers differ (see above)")?;
    let python = setup::bench_python();
    if !sh.path_exists(&python) {
        bail!("{python} does not exist: run `cargo xtask setup` (it creates the benchmark's venv)");
    }
    let native_json = json.replace(".json", "-native.json");
    let note = if cli.contains("/debug/") {
        "The CLI is a debug build here (the smoke run checks answers): its times do not compare."
    } else {
        "The CLI is the release build."
    };
    cmd!(
        sh,
        "{python} {NATIVE} --cli {cli} --reps {reps} --json {native_json} --note {note} {files...}"
    )
    .run()
    .context("the native benchmark failed or DuckDB's or Polars' answers differ from the CLI's (see above)")
}
