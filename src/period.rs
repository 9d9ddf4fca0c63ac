//! This period against the previous one of the same length: when the filter has both dates, the
//! headline figures of the days just before them (same courses), computed in the worker as a
//! second view of the rows it kept, so no file is read; or why they are not available.

use coursepulse_engine::{Analysis, Filter, format_date};

use crate::worker::protocol::{PeriodComparison, PeriodFigures};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Said when the previous period's rows are not in memory: the load read only the filter's rows
/// (a filtered load keeps none, nor does one of CSV files, with a dbt schema or of very many rows).
pub const UNAVAILABLE: &str = "Not available: only this period's rows were read. Periods are \
compared from the rows a load keeps in memory, which it does for Parquet files opened without \
dates or a dbt schema, up to 20 million rows; for those, clear the dates and set them again.";

/// The filter of the period just before `filter`'s, as long, with the same courses; `None`
/// unless both bounds are set and the range is not empty.
pub fn previous_filter(filter: &Filter) -> Option<Filter> {
    let (from, to) = (filter.from_micros?, filter.to_micros?);
    let length = to.checked_sub(from).filter(|length| *length > 0)?;
    Some(Filter {
        courses: filter.courses.clone(),
        from_micros: Some(from.checked_sub(length)?),
        to_micros: Some(from),
    })
}

/// The comparison for the dashboard of `view` (a view of `read`'s kept rows), or of `read`
/// itself when there is no view: `None` unless the filter has both dates. The previous period's
/// figures come from `read`'s kept rows; without them, `unavailable` says why.
pub fn comparison(read: &Analysis, view: Option<&Analysis>) -> Option<PeriodComparison> {
    let filter = &view.unwrap_or(read).options().filter;
    let previous = previous_filter(filter)?;
    let (from, to) = (previous.from_micros?, previous.to_micros?);
    let day = |micros: i64| i32::try_from(micros.div_euclid(MICROS_PER_DAY)).ok();
    let mut comparison = PeriodComparison {
        from: format_date(day(from)?),
        to: format_date(day(to - 1)?),
        days: u64::try_from((to - from + MICROS_PER_DAY - 1) / MICROS_PER_DAY).ok()?,
        previous: None,
        unavailable: None,
    };
    if read.kept_rows().is_none() {
        comparison.unavailable = Some(UNAVAILABLE.to_owned());
        return Some(comparison);
    }
    // Only the headline figures: a whole view and its report cost several times as much.
    match read.view_headline(&previous) {
        Ok(previous) => {
            comparison.previous = Some(PeriodFigures {
                mean_completion: previous.summary.mean_completion,
                learners: previous.summary.learners,
                videos: previous.summary.videos,
                rows: previous.rows,
            })
        }
        Err(error) => comparison.unavailable = Some(error.to_string()),
    }
    Some(comparison)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coursepulse_engine::{Options, Report, range_end_micros, range_start_micros};

    /// The figures a comparison shows, from a whole report.
    fn figures(report: &Report) -> PeriodFigures {
        PeriodFigures {
            mean_completion: report.summary.mean_completion,
            learners: report.summary.learners,
            videos: report.summary.videos,
            rows: report.rows.total,
        }
    }

    const CSV: &str = "student_id,video_id,course_id,watched_at,completion_rate_percent\n\
        S1,V1,C1,2025-03-01T10:00:00Z,90\n\
        S2,V1,C1,2025-03-02T10:00:00Z,50\n\
        S2,V2,C2,2025-03-03T10:00:00Z,70\n\
        S3,V2,C1,2025-03-04T10:00:00Z,20\n\
        S1,V2,C1,2025-03-05T10:00:00Z,40\n\
        S4,V3,C1,2025-03-06T23:59:59Z,100\n";

    fn dates(from: &str, to: &str, courses: &[&str]) -> Filter {
        Filter {
            courses: courses.iter().map(|course| (*course).to_owned()).collect(),
            from_micros: Some(range_start_micros(from).unwrap()),
            to_micros: Some(range_end_micros(to).unwrap()),
        }
    }

    fn read(filter: Filter, keep: bool) -> Analysis {
        let mut analysis = Analysis::new(Options {
            filter,
            ..Options::default()
        })
        .unwrap();
        if keep {
            analysis.keep_rows().unwrap();
        }
        analysis.add_csv("t.csv", CSV.as_bytes()).unwrap();
        analysis
    }

    #[test]
    fn the_previous_period_is_as_long_and_ends_where_this_one_starts() {
        let previous = previous_filter(&dates("2025-03-04", "2025-03-06", &["C1"])).unwrap();
        assert_eq!(previous, dates("2025-03-01", "2025-03-03", &["C1"]));
        // One bound, or an empty range, has no previous period of the same length.
        let open = Filter {
            to_micros: None,
            ..dates("2025-03-04", "2025-03-06", &[])
        };
        assert_eq!(previous_filter(&open), None);
        let mut empty = dates("2025-03-04", "2025-03-06", &[]);
        empty.to_micros = empty.from_micros;
        assert_eq!(previous_filter(&empty), None);
        assert_eq!(previous_filter(&Filter::default()), None);
    }

    #[test]
    fn the_previous_figures_equal_a_read_of_the_previous_dates() {
        let kept = read(Filter::default(), true);
        for (from, to, courses) in [
            ("2025-03-04", "2025-03-06", vec![]),
            ("2025-03-05", "2025-03-06", vec!["C1"]),
            ("2025-03-02", "2025-03-02", vec![]),
        ] {
            let view = kept.view(&dates(from, to, &courses)).unwrap();
            let comparison = comparison(&kept, Some(&view)).unwrap();
            let previous = previous_filter(&dates(from, to, &courses)).unwrap();
            let expected = figures(&read(previous, false).report());
            assert_eq!(comparison.previous, Some(expected), "{from}..{to}");
            assert!(
                expected.rows > 0,
                "the check must compare rows: {from}..{to}"
            );
            assert_eq!(comparison.unavailable, None);
        }
        let view = kept.view(&dates("2025-03-04", "2025-03-06", &[])).unwrap();
        let comparison = comparison(&kept, Some(&view)).unwrap();
        assert_eq!(
            (
                comparison.from.as_str(),
                comparison.to.as_str(),
                comparison.days
            ),
            ("2025-03-01", "2025-03-03", 3)
        );
    }

    #[test]
    fn without_kept_rows_the_comparison_says_why() {
        let with_dates = read(dates("2025-03-04", "2025-03-06", &[]), false);
        let comparison = comparison(&with_dates, None).unwrap();
        assert_eq!(comparison.previous, None);
        assert_eq!(comparison.unavailable.as_deref(), Some(UNAVAILABLE));
        assert_eq!(comparison.from, "2025-03-01");

        let unfiltered = read(Filter::default(), false);
        assert_eq!(
            super::comparison(&unfiltered, None),
            None,
            "no dates, no comparison"
        );
        let view = unfiltered.view(&dates("2025-03-04", "2025-03-06", &[]));
        assert!(view.is_err(), "a view needs kept rows");
    }

    #[test]
    fn no_dates_no_comparison() {
        let kept = read(Filter::default(), true);
        let view = kept.view(&dates("2025-03-04", "2025-03-06", &[])).unwrap();
        let courses_only = kept
            .view(&Filter {
                courses: vec!["C1".into()],
                ..Filter::default()
            })
            .unwrap();
        assert!(comparison(&kept, Some(&view)).is_some());
        assert_eq!(comparison(&kept, Some(&courses_only)), None);
        assert_eq!(comparison(&kept, None), None);
    }
}
