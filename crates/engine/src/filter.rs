//! The filter: which courses and which time range a view of the dataset keeps.
//!
//! A leaf value type: the reader prunes files and row groups with it, the accumulators skip
//! rows with it, and the front ends build it from what the user typed.

/// A view of the dataset: rows outside it are skipped before anything is counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Course keys or course codes to keep; empty keeps every course. Rows without a course are
    /// dropped when this is set.
    pub courses: Vec<String>,
    /// Keep rows whose time (watched_at, else last_updated_at) is at or after this many
    /// microseconds since the epoch. Rows without a time are dropped when a bound is set.
    pub from_micros: Option<i64>,
    /// Keep rows whose time is before this many microseconds (an exclusive bound). People give
    /// the end of a range inclusively ("to 7 March"); [`crate::range_end_micros`] turns that into
    /// this bound, so every front end reads `to` the same way.
    pub to_micros: Option<i64>,
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.courses.is_empty() && self.from_micros.is_none() && self.to_micros.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_bound_or_course_makes_the_filter_non_empty() {
        assert!(Filter::default().is_empty());
        let with = |filter: Filter| assert!(!filter.is_empty(), "{filter:?}");
        with(Filter {
            courses: vec!["CSC101".into()],
            ..Filter::default()
        });
        with(Filter {
            from_micros: Some(0),
            ..Filter::default()
        });
        with(Filter {
            to_micros: Some(0),
            ..Filter::default()
        });
    }
}
