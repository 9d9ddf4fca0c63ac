//! Peak memory of one load as the page's worker does it (rows kept, so filters are answered
//! from memory): `cargo run --release -p coursepulse-engine --example load_memory --
//! FILE.parquet [--plain]` reads the file and prints the process's peak resident memory
//! (`VmHWM`, Linux) before and after the read, then after readying the kept rows for views
//! (`prepare_views`, which the page's worker does right after a load). `--plain` reads
//! without keeping rows (the CLI).

use coursepulse_engine::{Analysis, Options};

/// The process's peak resident set so far, in MB (`VmHWM` of /proc/self/status).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: load_memory FILE.parquet [--plain]")?;
    let keep = args.next().as_deref() != Some("--plain");
    let bytes = bytes::Bytes::from(std::fs::read(&path)?);
    let before = peak_mb().ok_or("no VmHWM in /proc/self/status (Linux only)")?;
    let started = std::time::Instant::now();
    let mut analysis = Analysis::new(Options::default())?;
    if keep {
        analysis.keep_rows()?;
    }
    analysis.add_parquet(&path, bytes)?;
    let elapsed = started.elapsed();
    let after = peak_mb().ok_or("no VmHWM in /proc/self/status")?;
    let kept = analysis.kept_rows().map_or_else(
        || "no rows kept".to_owned(),
        |kept| {
            format!(
                "{} rows kept in {:.1} MB",
                kept.rows,
                kept.bytes as f64 / 1e6
            )
        },
    );
    println!(
        "{path}: read in {elapsed:.2?}, {kept}; peak resident {after:.0} MB, {:.0} MB of it the read (the file's bytes, {before:.0} MB, were held before)",
        after - before
    );
    if keep {
        let started = std::time::Instant::now();
        analysis.prepare_views();
        let elapsed = started.elapsed();
        let prepared = peak_mb().ok_or("no VmHWM in /proc/self/status")?;
        println!(
            "prepare_views in {elapsed:.2?}; peak resident {prepared:.0} MB ({:+.0} MB)",
            prepared - after
        );
    }
    Ok(())
}
