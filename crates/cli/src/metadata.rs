//! `--metadata` in table output: each file's metadata and the lineage of every metric.

use std::fmt::Write;

use coursepulse_engine::Report;

use crate::table::shown;

/// The metadata and lineage sections, as text.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nFiles");
    for file in &report.files {
        let _ = writeln!(
            out,
            "  {} ({}, {} bytes, {} rows, {} row groups)",
            shown(&file.name),
            file.format,
            file.size,
            file.rows,
            file.row_groups
        );
        let _ = writeln!(out, "    fingerprint  {}", file.fingerprint);
        if !file.compression.is_empty() {
            let _ = writeln!(out, "    compression  {}", file.compression.join(", "));
        }
        if let Some(writer) = &file.created_by {
            let _ = writeln!(out, "    created by   {}", shown(writer));
        }
        for column in &file.columns {
            let description = column
                .description
                .as_deref()
                .map(|text| format!("  {}", shown(text)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    - {}: {}{description}",
                shown(&column.name),
                column.data_type
            );
        }
    }
    let _ = writeln!(out, "\nLineage ({} rows in)", report.lineage.rows_in);
    for family in &report.lineage.metrics {
        let steps: Vec<String> = family
            .steps
            .iter()
            .filter(|step| step.rows > 0)
            .map(|step| format!("-{} {}", step.rows, step.step))
            .collect();
        let _ = writeln!(
            out,
            "  {:<17} {} in {} = {} used",
            family.metric,
            family.rows_in,
            if steps.is_empty() {
                "(nothing dropped)".to_owned()
            } else {
                steps.join(" ")
            },
            family.rows_used
        );
    }
    out
}
