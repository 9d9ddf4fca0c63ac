//! Measures views of kept rows: `cargo run --release -p coursepulse-engine --example
//! view_timing -- FILE.parquet` reads the file once without keeping rows and once keeping them,
//! then times the view index and views of the kept rows (the first course, the days holding the
//! middle half of the rows, the busiest 30 days, and everything again) and their headline
//! figures alone (`view_headline`, what a period comparison needs) against reads of the file
//! with the same filters.

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
    let (_, prepared) = timed(|| load.prepare_views());
    println!("prepare_views (pair ids, copy groups, rows by course and day): {prepared:.2?}");
    let course = load.courses_seen().into_iter().next().unwrap_or_default();
    // Date ranges from where the rows are (a dirty far-future date would make a range of the
    // span empty): the days holding the middle half of the rows, and the busiest 30 days.
    let daily = load.report().daily;
    let total: u64 = daily.iter().map(|day| day.views).sum();
    let mut seen = 0;
    let mut quartiles = Vec::new();
    for day in &daily {
        seen += day.views;
        if quartiles.len() < 2 && seen * 4 >= total * (quartiles.len() as u64 * 2 + 1) {
            quartiles.push(day.date.clone());
        }
    }
    let (from, to) = match &quartiles[..] {
        [from, to] => (from.clone(), to.clone()),
        _ => return Err("the file has no dates".into()),
    };
    let busiest = (0..daily.len().saturating_sub(29))
        .max_by_key(|start| {
            daily[*start..*start + 30]
                .iter()
                .map(|day| day.views)
                .sum::<u64>()
        })
        .ok_or("the file has fewer than 30 days")?;
    let date_filter = |from: &str, to: &str| -> Result<Filter, coursepulse_engine::Error> {
        Ok(Filter {
            from_micros: Some(range_start_micros(from)?),
            to_micros: Some(range_end_micros(to)?),
            ..Filter::default()
        })
    };
    let filters = [
        (
            format!("course {course}"),
            Filter {
                courses: vec![course.clone()],
                ..Filter::default()
            },
        ),
        (
            format!("middle half of the rows, {from} to {to}"),
            date_filter(&from, &to)?,
        ),
        (
            format!(
                "busiest 30 days, {} to {}",
                daily[busiest].date,
                daily[busiest + 29].date
            ),
            date_filter(&daily[busiest].date, &daily[busiest + 29].date)?,
        ),
        ("everything".to_owned(), Filter::default()),
    ];
    for (name, filter) in &filters {
        let (view, viewed) = timed(|| load.view(filter));
        let view = view?;
        let (view_report, reported) = timed(|| view.report());
        let (headline, headlined) = timed(|| load.view_headline(filter));
        let headline = headline?;
        let (read_back, reread) = timed(|| read(filter, false));
        let same = serde_json::to_string(&view_report.summary)?
            == serde_json::to_string(&read_back?.report().summary)?
            && headline.summary == view_report.summary
            && headline.rows == view_report.rows.total;
        println!(
            "{name}: view {viewed:.2?} + report {reported:.2?} ({} sample rows to read); headline figures alone {headlined:.2?}; read with the filter {reread:.2?}; same summary: {same}",
            view.rows_to_read().len()
        );
    }
    Ok(())
}
