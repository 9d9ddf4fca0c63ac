//! Issue 14, item 5: tiny files built to exhaust memory (decompression bombs in three Parquet
//! codecs, a dbt "billion laughs") are refused with exit 2 and a message naming the limit, by a
//! CLI that may not map more than 1 GB.

use std::process::Command;

use super::corpus_dir;

/// Runs `coursepulse report` on corpus files under `ulimit -v` of 1 GB (address space, so a
/// bigger allocation fails at once instead of being lazily committed).
fn report_within_1_gb(inputs: &[&str]) -> std::process::Output {
    let dir = corpus_dir();
    let mut args = vec![
        "-c".to_owned(),
        "ulimit -v 1048576 && exec \"$0\" \"$@\"".to_owned(),
        env!("CARGO_BIN_EXE_coursepulse").to_owned(),
        "report".to_owned(),
        "--now".to_owned(),
        "2026-01-01".to_owned(),
    ];
    for input in inputs {
        if input.ends_with(".yml") {
            args.push("--dbt-schema".to_owned());
        }
        args.push(dir.join(input).display().to_string());
    }
    Command::new("sh").args(&args).output().expect("sh runs")
}

#[test]
fn decompression_and_alias_bombs_are_refused_in_under_1_gb() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["parquet-gzip-page-bomb.parquet"],
            "page 1 (GZIP) decompresses to more than the 30 bytes its header declares",
        ),
        (
            &["parquet-brotli-page-bomb.parquet"],
            "page 1 (BROTLI) decompresses to more than the 30 bytes its header declares",
        ),
        (
            &["parquet-lz4-page-bomb.parquet"],
            "page 1 (LZ4) decompresses to more than the 30 bytes its header declares",
        ),
        (
            &["dbt-billion-laughs.yml", "csv-bom-crlf.csv"],
            "expands to more than 200000 values through its aliases",
        ),
    ];
    let mut failures = Vec::new();
    for (inputs, message) in cases {
        let output = report_within_1_gb(inputs);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.code() != Some(2) || !stderr.contains(message) {
            failures.push(format!(
                "{inputs:?}: exit {:?}, expected 2 and {message:?}; stderr: {stderr}",
                output.status.code()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The limit is real: the same CLI under it still reads an ordinary file.
    let output = report_within_1_gb(&["csv-bom-crlf.csv"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
}
