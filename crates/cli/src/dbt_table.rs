//! The dbt tests' part of the quality table: one line per test, then the failing ones' samples,
//! then the tests that were not run.

use std::fmt::Write;

use coursepulse_engine::{Report, Status};

use crate::table::{sample_values, shown};

/// The dbt section (empty when no dbt schema was given).
pub fn table(report: &Report) -> String {
    let quality = &report.quality;
    let mut out = String::new();
    if quality.dbt.is_empty() && quality.dbt_unsupported.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\ndbt tests");
    for rule in &quality.dbt {
        let status = match rule.status {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skipped => "SKIP (no such column)",
        };
        let _ = writeln!(
            out,
            "  {status:<5} {} ({} on {}): {} failing",
            shown(&rule.name),
            rule.test,
            shown(&rule.column),
            rule.count
        );
    }
    for rule in quality
        .dbt
        .iter()
        .filter(|rule| matches!(rule.status, Status::Warn | Status::Fail))
    {
        let _ = writeln!(out, "\n{}:", shown(&rule.name));
        for sample in &rule.samples {
            let _ = writeln!(
                out,
                "  {} row {}: {}",
                shown(&sample.source),
                sample.row,
                sample_values(sample)
            );
        }
    }
    for test in &quality.dbt_unsupported {
        let _ = writeln!(
            out,
            "  not supported: {} (model {}{})",
            shown(&test.test),
            shown(&test.model),
            test.column
                .as_deref()
                .map(|column| format!(", column {}", shown(column)))
                .unwrap_or_default()
        );
    }
    out
}
