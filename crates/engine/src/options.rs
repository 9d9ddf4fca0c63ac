//! Analysis options: ranking sizes, scale and mapping overrides, quality thresholds, the clock.

use crate::columns::{Overrides, Scale};
use crate::error::{Error, Result};
use crate::quality::RuleConfig;

/// Everything a caller can tune. `Options::default()` gives the documented defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many learners in the top and bottom lists (default 10).
    pub top_n: usize,
    /// How many most and least engaged videos per course (default 3).
    pub per_course_n: usize,
    /// Minimum views for a video to appear in the per-video list (default 1).
    pub min_views: u64,
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top_n: 10,
            per_course_n: 3,
            min_views: 1,
            scale: None,
            overrides: Overrides::default(),
            now_micros: None,
            max_samples: 20,
            rules: Vec::new(),
            batch_size: 64 * 1024,
        }
    }
}

impl Options {
    /// Checks values a user could get wrong.
    pub fn validate(&self) -> Result<()> {
        if self.top_n == 0 {
            return Err(Error::Option("top N must be at least 1".into()));
        }
        if self.per_course_n == 0 {
            return Err(Error::Option("per-course N must be at least 1".into()));
        }
        if self.batch_size == 0 {
            return Err(Error::Option("batch size must be at least 1".into()));
        }
        Ok(())
    }
}
