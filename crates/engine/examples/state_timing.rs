//! Measures an incremental state: `cargo run --release -p coursepulse-engine --example
//! state_timing -- FILE.parquet` prints the time to analyse the file, the state's size, and
//! the time to save and to restore it.

use std::time::Instant;

use coursepulse_engine::{Analysis, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: state_timing FILE.parquet")?;
    let bytes = bytes::Bytes::from(std::fs::read(&path)?);
    let started = Instant::now();
    let mut analysis = Analysis::new(Options::default())?;
    analysis.add_parquet(&path, bytes)?;
    let analysed = started.elapsed();
    let started = Instant::now();
    let state = analysis.save_state()?;
    let saved = started.elapsed();
    let started = Instant::now();
    let restored = Analysis::load_state(&state, Options::default())?;
    let loaded = started.elapsed();
    let report = restored.report();
    println!(
        "{path}: {} rows, {} unique keys kept; analysed in {analysed:.2?}; state {:.1} MB ({:.1} bytes per row), saved in {saved:.2?}, loaded in {loaded:.2?}",
        report.rows.total,
        report.rows.total - report.rows.duplicates_removed,
        state.len() as f64 / 1e6,
        state.len() as f64 / report.rows.total.max(1) as f64,
    );
    Ok(())
}
