//! Measures what moving analyses between workers costs: `cargo run --release -p
//! coursepulse-engine --example part_timing -- FILE.parquet [SHARES]` reads the file in one
//! analysis keeping its rows, then in SHARES shares (default 2) one after another, each keeping
//! its rows, and times each share's read, [`Analysis::save_part`], [`Analysis::load_state`] and
//! the merge, as the page's workers do them. The merged report must equal the one read's.

use std::time::{Duration, Instant};

use coursepulse_engine::{Analysis, Options, ParquetFile, ReadPlan, shares};

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = work();
    (value, started.elapsed())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: part_timing FILE.parquet [SHARES]")?;
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(2);
    let bytes = bytes::Bytes::from(std::fs::read(&path)?);
    let files = vec![ParquetFile::open(&path, bytes)?];
    let options = Options {
        now_micros: Some(0),
        ..Options::default()
    };
    let (whole, one_read) = timed(|| -> coursepulse_engine::Result<Analysis> {
        let mut analysis = Analysis::new(options.clone())?;
        analysis.keep_rows()?;
        analysis.add_parquet_files(&files)?;
        Ok(analysis)
    });
    let whole = whole?;
    println!("one read keeping rows: {one_read:.2?}");
    let mut merged: Option<Analysis> = None;
    let mut slowest_share = Duration::ZERO;
    let mut after_reads = Duration::ZERO;
    for (index, share) in shares(&whole, &files, count).into_iter().enumerate() {
        let (part, read) = timed(|| -> coursepulse_engine::Result<Analysis> {
            let mut part = Analysis::new(options.clone())?;
            part.keep_rows()?;
            let mut plan = ReadPlan::for_share(&mut part, &files, &share)?;
            while let Some(step) = plan.next_step(&mut part)? {
                plan.read(&mut part, &files[step.file], step)?;
            }
            plan.finish(&mut part)?;
            Ok(part)
        });
        let part = part?;
        slowest_share = slowest_share.max(read);
        match &mut merged {
            None => println!("share {index}: read {read:.2?} (kept by the first worker)"),
            Some(merged) => {
                let (bytes, saved) = timed(|| part.save_part());
                let bytes = bytes?;
                let (moved, loaded) = timed(|| Analysis::load_state(&bytes, options.clone()));
                let moved = moved?;
                let (done, merging) = timed(|| merged.merge(moved));
                done?;
                after_reads += saved + loaded + merging;
                println!(
                    "share {index}: read {read:.2?}, save_part {saved:.2?} ({:.1} MB), load {loaded:.2?}, merge {merging:.2?}",
                    bytes.len() as f64 / 1e6
                );
                continue;
            }
        }
        merged = Some(part);
    }
    let mut merged = merged.ok_or("no shares")?;
    let (reread, rereading) = timed(|| files[0].reread(&mut merged));
    reread?;
    after_reads += rereading;
    let same = serde_json::to_string(&merged.report())? == serde_json::to_string(&whole.report())?;
    println!(
        "re-read samples {rereading:.2?}; shares in parallel would take about {:.2?} (slowest share + moving and merging) against {one_read:.2?}; same report: {same}; rows still kept: {}",
        slowest_share + after_reads,
        merged.kept_rows().is_some()
    );
    Ok(())
}
