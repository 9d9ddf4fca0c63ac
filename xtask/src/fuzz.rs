//! `cargo xtask fuzz [TARGET]... [--seconds N]`: seeds each libFuzzer target's corpus from the
//! fixture files and the bad-input corpus, then runs it for N seconds (one target at a time, one
//! process), printing libFuzzer's final statistics.
//!
//! cargo-fuzz needs nightly (`-Zsanitizer=address`); with only stable installed, the targets run
//! with `RUSTC_BOOTSTRAP=1` and no sanitizer. Crashes land in `fuzz/artifacts/TARGET/`; inputs on
//! which a dependency's decoder panicked (caught by the engine, so not crashes) are kept, one per
//! panic location, in `fuzz/artifacts/TARGET/decoder-panics/` for upstream reports.

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

const TARGETS: [&str; 5] = ["parquet", "csv", "mapping", "dbt_schema", "state"];
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const SEEDS: &str = "target/xtask/fuzz-seeds";
/// Inputs larger than this are not generated (seeds are smaller; bigger inputs only run slower).
const MAX_LEN: &str = "65536";

/// Column-mapping seeds: a header (name:type-letter) and `--map` lines, as the target reads them.
const MAPPING_SEEDS: &[&str] = &[
    "student_id,video_id,completion_rate_percent:f",
    "event_id:i,student_id,course_id,course_code,video_id,video_title,role,completion_rate_percent:f,last_updated_at:i,watched_at:s",
    "learner,clip,pct:f\nstudent=learner\nvideo=clip\ncompletion=pct",
    "id,learner,pct:s,course\nstudent=learner\ncompletion=pct\nevent_id=none\ncourse_code=course",
    "\u{feff}Student_ID ,VIDEO_TITLE,completion:l\nvideo=student_id",
    "user_id:i,videoid:i,completion_rate:f,user_type,timestamp:d\nrole=user_type",
];

/// dbt schema seeds: the shapes dbt writes (tests and data_tests, arguments, config) and broken ones.
const DBT_SEEDS: &[&str] = &[
    "version: 2\nmodels:\n  - name: watch_logs\n    columns:\n      - name: event_id\n        description: One row per event\n        tests: [not_null, unique]\n",
    "models:\n  - name: m\n    columns:\n      - name: role\n        data_tests:\n          - accepted_values:\n              values: [Student, Instructor]\n              config: {severity: warn}\n",
    "models:\n  - name: m\n    columns:\n      - name: completion_rate_percent\n        tests:\n          - dbt_expectations.expect_column_values_to_be_between:\n              arguments: {min_value: 0, max_value: 100, strictly: true}\n",
    "models:\n  - name: m\n    tests:\n      - dbt_utils.unique_combination_of_columns: {combination_of_columns: [a, b]}\n    columns:\n      - name: email\n        tests: [{relationships: {to: ref('x'), field: id}}, not_null]\n",
    "models:\n  - name: m\n    columns: [\n      - oops\n",
    "&a [*a, {b: !!str 1}]\n",
];

pub(crate) fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let (targets, seconds) = parse_args(args)?;
    crate::setup::ensure_cargo_tool(
        sh,
        "cargo-fuzz",
        "cargo-fuzz",
        CARGO_FUZZ_VERSION,
        &format!("cargo-fuzz {CARGO_FUZZ_VERSION}"),
    )?;
    let nightly = cmd!(sh, "rustup run nightly rustc --version")
        .quiet()
        .ignore_stderr()
        .read()
        .is_ok();
    if !nightly {
        println!("no nightly toolchain: building with RUSTC_BOOTSTRAP=1 and no sanitizer");
    }
    seed_files(sh)?;
    for target in targets {
        let corpus = format!("fuzz/corpus/{target}");
        seed_corpus(sh, target, Path::new(&corpus))?;
        let panics = crate::project_root().join(format!("fuzz/artifacts/{target}/decoder-panics"));
        let max_time = format!("-max_total_time={seconds}");
        let max_len = format!("-max_len={MAX_LEN}");
        println!("\n==> fuzzing {target} for {seconds} s (corpus {corpus})");
        let libfuzzer_args = [max_time.as_str(), max_len.as_str(), "-print_final_stats=1"];
        let command = if nightly {
            cmd!(
                sh,
                "cargo +nightly fuzz run --debug-assertions {target} {corpus} -- {libfuzzer_args...}"
            )
        } else {
            cmd!(
                sh,
                "cargo fuzz run --sanitizer none --debug-assertions {target} {corpus} -- {libfuzzer_args...}"
            )
            .env("RUSTC_BOOTSTRAP", "1")
        };
        command
            .env("COURSEPULSE_FUZZ_PANICS", &panics)
            .run()
            .with_context(|| {
                format!("fuzz target {target} found a crash: see fuzz/artifacts/{target}/")
            })?;
        if let Ok(found) = sh.read_dir(&panics) {
            for message in found
                .iter()
                .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
            {
                print!("caught decoder panic: {}", sh.read_file(message)?);
            }
        }
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(Vec<&'static str>, u64)> {
    let mut targets = Vec::new();
    let mut seconds = 60;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--seconds" {
            let value = args.next().context("--seconds needs a number")?;
            seconds = value
                .parse()
                .with_context(|| format!("--seconds {value:?} is not a number of seconds"))?;
        } else if let Some(target) = TARGETS.iter().find(|target| *target == arg) {
            targets.push(*target);
        } else {
            bail!(
                "unexpected argument {arg:?}: `cargo xtask fuzz [TARGET]... [--seconds N]`, \
                 targets: {}",
                TARGETS.join(" ")
            );
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    Ok((targets, seconds))
}

/// Small fixture files in every encoding (the generator's suite at 300 rows) and the tiny files.
fn seed_files(sh: &Shell) -> Result<()> {
    cmd!(
        sh,
        "cargo run --quiet -p coursepulse-fixtures -- suite {SEEDS} --rows 300"
    )
    .run()
    .context("generating fuzz seeds with coursepulse-fixtures failed")
}

/// Saved states of the tiny fixtures (one file, and two files in two runs), written by the CLI.
fn seed_states(sh: &Shell, corpus: &Path) -> Result<()> {
    let one = corpus.join("seed-tiny.state");
    let two = corpus.join("seed-tiny-twice.state");
    for (state, files) in [
        (&one, vec!["tests/data/tiny.csv"]),
        (&two, vec!["tests/data/tiny.csv"]),
        (&two, vec!["tests/data/tiny-snappy.parquet"]),
    ] {
        cmd!(
            sh,
            "cargo run --quiet -p coursepulse-cli -- report {files...} --state {state} --format json --now 2026-01-01"
        )
        .ignore_stdout()
        .ignore_status()
        .run()
        .context("writing a state seed with the CLI failed")?;
    }
    anyhow::ensure!(
        one.exists() && two.exists(),
        "the CLI wrote no state seeds into {}",
        corpus.display()
    );
    println!("seeded 2 states into {}", corpus.display());
    Ok(())
}

/// Copies the seeds that fit `target` into its corpus folder (existing entries are kept).
fn seed_corpus(sh: &Shell, target: &str, corpus: &Path) -> Result<()> {
    sh.create_dir(corpus)?;
    let text_seeds = match target {
        "mapping" => Some(MAPPING_SEEDS),
        "dbt_schema" => Some(DBT_SEEDS),
        _ => None,
    };
    if target == "state" {
        return seed_states(sh, corpus);
    }
    if let Some(seeds) = text_seeds {
        for (index, seed) in seeds.iter().enumerate() {
            sh.write_file(corpus.join(format!("seed-{index}")), seed)?;
        }
        return Ok(());
    }
    let mut copied = 0;
    for dir in [SEEDS, "tests/data", "tests/bad-inputs"] {
        for path in sh.read_dir(dir)? {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let is_parquet = name.ends_with(".parquet");
            let wanted = match target {
                "parquet" => is_parquet,
                _ => !is_parquet && path.is_file() && name != "expected.tsv",
            };
            // Big seeds slow every mutation down; the suite at 300 rows stays small.
            let small = std::fs::metadata(&path).is_ok_and(|meta| meta.len() <= 65_536);
            if wanted && small {
                sh.copy_file(&path, corpus.join(format!("seed-{name}")))?;
                copied += 1;
            }
        }
    }
    println!("seeded {copied} files into {}", corpus.display());
    Ok(())
}
