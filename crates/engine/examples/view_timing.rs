//! Measures views of kept rows: `cargo run --release -p coursepulse-engine --example
//! view_timing -- FILE.parquet` reads the file once without keeping rows and once keeping them,
//! then times views of the kept rows (the first course, the middle half of the days, and
//! everything again) against reads of the file with the same filters.

use std::time::{Duration, Instant};

use coursepulse_engine::{Analysis, Filter, Options, range_end_micros, range_start_micros};

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = work();
    (value, started.elapsed())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: view_timing FILE.parquet")?;
    let bytes = bytes::Bytes::from(std::fs::read(&path)?);
    let read = |filter: &Filter, keep: bool| -> Result<Analysis, coursepulse_engine::Error> {
        let mut analysis = Analysis::new(Options {
            filter: filter.clone(),
            ..Options::default()
        })?;
        if keep {
            analysis.keep_rows()?;
        }
        analysis.add_parquet(&path, bytes.clone())?;
        Ok(analysis)
    };
    let (_, plain) = timed(|| read(&Filter::default(), false));
    let (load, keeping) = timed(|| read(&Filter::default(), true));
    let load = load?;
    let kept = load.kept_rows().ok_or("rows were not kept")?;
    println!(
        "{path}: read {plain:.2?} without keeping rows, {keeping:.2?} keeping {} rows in {:.1} MB ({:.1} bytes a row)",
        kept.rows,
        kept.bytes as f64 / 1e6,
        kept.bytes as f64 / kept.rows.max(1) as f64
    );
    let course = load.courses_seen().into_iter().next().unwrap_or_default();
    let (first, last) = load.date_span().ok_or("the file has no dates")?;
    const DAY: i64 = 86_400_000_000;
    let (first, last) = (range_start_micros(&first)?, range_end_micros(&last)?);
    let quarter = (last - first) / 4 / DAY * DAY;
    let filters = [
        (
            format!("course {course}"),
            Filter {
                courses: vec![course.clone()],
                ..Filter::default()
            },
        ),
        (
            "middle half of the days".to_owned(),
            Filter {
                from_micros: Some(first + quarter),
                to_micros: Some(last - quarter),
                ..Filter::default()
            },
        ),
        ("everything".to_owned(), Filter::default()),
    ];
    for (name, filter) in &filters {
        let (view, viewed) = timed(|| load.view(filter));
        let view = view?;
        let (view_report, reported) = timed(|| view.report());
        let (read_back, reread) = timed(|| read(filter, false));
        let same = serde_json::to_string(&view_report.summary)?
            == serde_json::to_string(&read_back?.report().summary)?;
        println!(
            "{name}: view {viewed:.2?} + report {reported:.2?} ({} sample rows to read); read with the filter {reread:.2?}; same summary: {same}",
            view.rows_to_read().len()
        );
    }
    Ok(())
}
