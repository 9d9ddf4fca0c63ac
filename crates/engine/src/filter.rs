//! The filter: which courses and which time range a view of the dataset keeps.
//!
//! A leaf value type: the reader prunes files and row groups with it, the accumulators skip
//! rows with it, and the front ends build it from what the user typed.

use crate::error::Result;
use crate::time::{range_end_micros, range_start_micros};

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
    /// the end of a range inclusively ("to 7 March"); [`Filter::set_range`] turns that into this
    /// bound, so every front end reads `to` the same way.
    pub to_micros: Option<i64>,
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.courses.is_empty() && self.from_micros.is_none() && self.to_micros.is_none()
    }

    /// Sets the time range from what a person typed: `from` and `to` are both inclusive, each a
    /// date (`2025-03-07`, the whole day) or an RFC 3339 time (that instant). The one place the
    /// CLI flags, the JS options and the web app's URL and date inputs are read.
    pub fn set_range(&mut self, from: Option<&str>, to: Option<&str>) -> Result<()> {
        self.from_micros = from.map(range_start_micros).transpose()?;
        self.to_micros = to.map(range_end_micros).transpose()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_time_micros;

    #[test]
    fn a_range_of_one_day_keeps_that_whole_day() {
        let mut filter = Filter::default();
        filter
            .set_range(Some("2025-03-07"), Some("2025-03-07"))
            .unwrap();
        assert_eq!(
            filter.from_micros,
            Some(parse_time_micros("2025-03-07").unwrap())
        );
        assert_eq!(
            filter.to_micros,
            Some(parse_time_micros("2025-03-08").unwrap())
        );
        assert!(!filter.is_empty());
        assert!(filter.set_range(Some("yesterday"), None).is_err());
    }
}
