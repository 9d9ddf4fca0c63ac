//! Analysis options: ranking sizes, scale and mapping overrides, quality thresholds, the clock.

use crate::columns::{Overrides, Scale};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::report::masking::Masking;
use crate::rules::dbt::DbtSchema;
use crate::rules::quality::RuleConfig;

/// Everything a caller can tune. `Options::default()` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many learners in the top and bottom lists (default 10).
    pub top_n: usize,
    /// How many most and least engaged videos per course (default 3).
    pub per_course_n: usize,
    /// Minimum views for a video to appear in the per-video list (default 1).
    pub min_views: u64,
    /// Minimum distinct videos for a learner to appear in the top and bottom lists (default 1,
    /// everyone; the full ranking always lists everyone).
    pub min_videos: u64,
    /// Forces the completion scale; `None` infers it (see [`crate::Scale`]).
    pub scale: Option<Scale>,
    /// Explicit column choices.
    pub overrides: Overrides,
    /// "Now", in microseconds since the Unix epoch, for the future-timestamp rule. The engine
    /// does no IO, so the caller supplies the clock; `None` disables the rule.
    pub now_micros: Option<i64>,
    /// How many offending rows each quality rule keeps as samples (default 20).
    pub max_samples: usize,
    /// Per-rule severity and threshold overrides.
    pub rules: Vec<RuleConfig>,
    /// Rows per decoded batch (default 65,536).
    pub batch_size: usize,
    /// Restricts the dataset (every metric and quality rule) to some courses and a time range.
    pub filter: Filter,
    /// Skip files and row groups the filter proves empty without reading them (default true).
    /// Changes no figure except [`crate::Pruning`]; off reads everything, for comparison.
    pub prune: bool,
    /// The most unique keys (event ids, or whole-row hashes) held at once (default 14M: the
    /// most a 2^24-slot table holds, about 1 GB with event ids). A larger dataset is read in several passes, each de-duplicating one share of the
    /// key space (see [`crate::Analysis::key_passes`]), so memory stops growing with rows.
    pub max_keys_per_pass: u64,
    /// Replaces learner ids, names and e-mail addresses in the report by keyed pseudonyms
    /// (default `None`: clear values). Presentation only: rankings and counts are computed on the
    /// real values, so it changes no figure and no order, and a saved state holds real ids
    /// whatever this is (see [`crate::Analysis::save_state`]).
    pub masking: Option<Masking>,
    /// Column tests imported from a dbt `schema.yml` (see [`DbtSchema::parse`]), run as extra
    /// quality rules over the rows added from now on (default `None`).
    pub dbt: Option<DbtSchema>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top_n: 10,
            per_course_n: 3,
            min_views: 1,
            min_videos: 1,
            scale: None,
            overrides: Overrides::default(),
            now_micros: None,
            max_samples: 20,
            rules: Vec::new(),
            batch_size: 64 * 1024,
            filter: Filter::default(),
            prune: true,
            max_keys_per_pass: crate::compute::aggregate::MAX_RESERVED_KEYS,
            masking: None,
            dbt: None,
        }
    }
}

impl Options {
    /// Checks values a user could get wrong.
    pub fn validate(&self) -> Result<()> {
        if self.top_n == 0 {
            return Err(Error::Option("top N must be at least 1".into()));
        }
        if self.min_videos == 0 {
            return Err(Error::Option(
                "the minimum number of videos must be at least 1".into(),
            ));
        }
        if self.per_course_n == 0 {
            return Err(Error::Option("per-course N must be at least 1".into()));
        }
        if let (Some(from), Some(to)) = (self.filter.from_micros, self.filter.to_micros)
            && from >= to
        {
            return Err(Error::Option(
                "the date range is empty: its start is not before its end".into(),
            ));
        }
        if self.max_keys_per_pass == 0 {
            return Err(Error::Option(
                "the unique-key budget must be at least 1".into(),
            ));
        }
        if self.batch_size == 0 {
            return Err(Error::Option("batch size must be at least 1".into()));
        }
        Ok(())
    }
}
