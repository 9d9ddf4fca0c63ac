//! Views: a loaded analysis answers another filter from the rows it kept, without reading its
//! inputs again (see `compute::explore`). This is what makes a filter change on a loaded
//! dashboard instant: the rows are decoded, interned and de-duplicated once, at load.

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::report::Summary;
use crate::report::rank::rounded_mean;

/// What the kept rows hold, for a size budget and the page's status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptRows {
    /// Rows kept.
    pub rows: u64,
    /// Bytes they take.
    pub bytes: u64,
}

/// The headline figures of a view's report, counted alone (see [`Analysis::view_headline`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeadlineFigures {
    /// The report's `rows.total`: the rows the filter keeps.
    pub rows: u64,
    /// The report's `summary`.
    pub summary: Summary,
}

impl Analysis {
    /// Keeps every row read from now on, compact (about 38 bytes a row), so that
    /// [`Analysis::view`] can answer any filter without reading the inputs again. Call it on a
    /// new analysis without a filter. Rows stop being kept (and [`Analysis::view`] says why)
    /// when the dataset must be read in several key passes or the rows are too many for the
    /// table's `u32` indices.
    pub fn keep_rows(&mut self) -> Result<()> {
        if !self.options.filter.is_empty() {
            return Err(Error::Option(
                "rows can only be kept by an analysis without a filter: a view filters them".into(),
            ));
        }
        if self.options.dbt.is_some() {
            return Err(Error::Option(
                "rows are not kept with dbt tests: the tests read columns the kept rows leave out"
                    .into(),
            ));
        }
        if self.aggregator.rows_total > 0 || self.aggregator.restored {
            return Err(Error::Option(
                "rows can only be kept from the first row on: this analysis has rows already"
                    .into(),
            ));
        }
        self.aggregator.keep_rows();
        Ok(())
    }

    /// The rows kept so far, or `None` when none are.
    pub fn kept_rows(&self) -> Option<KeptRows> {
        self.aggregator.rows.as_ref().map(|table| KeptRows {
            rows: table.len() as u64,
            bytes: table.bytes(),
        })
    }

    /// Builds what every view reads besides the rows (the learner pairs numbered, the copies
    /// grouped), so that the first [`Analysis::view`] does not pay for it: worth calling while
    /// nobody waits, after a load is shown. Does nothing when no rows are kept.
    pub fn prepare_views(&self) {
        if let Some(rows) = &self.aggregator.rows {
            rows.view_index();
        }
    }

    /// The rows total and summary of `self.view(filter)?.report()`, without computing the
    /// rest of the view (rankings, per-video figures, quality counts and samples): what a
    /// comparison with the previous period shows, at a fraction of a view's cost. Refused as
    /// [`Analysis::view`] refuses.
    pub fn view_headline(&self, filter: &Filter) -> Result<HeadlineFigures> {
        let mut options = self.options.clone();
        options.filter = filter.clone();
        options.validate()?;
        let Some(headline) = self.aggregator.headline(filter) else {
            return Err(self.not_kept());
        };
        Ok(HeadlineFigures {
            rows: headline.rows,
            summary: Summary {
                learners: headline.learners,
                courses: headline.courses,
                videos: headline.videos,
                mean_completion: rounded_mean(&headline.totals),
            },
        })
    }

    /// Why [`Analysis::view`] cannot answer: rows were not kept, or were dropped.
    fn not_kept(&self) -> Error {
        let reason = self
            .aggregator
            .rows_dropped
            .unwrap_or("rows were not kept (see Analysis::keep_rows)");
        Error::Option(format!(
            "this analysis cannot be filtered without reading its inputs again: {reason}"
        ))
    }

    /// The analysis a fresh read of the same inputs with `filter` would give, from the kept
    /// rows: every figure, quality count and sample row is the same. Only the samples' values
    /// may still be missing: [`Analysis::rows_to_read`] lists their rows, and
    /// [`Analysis::reread`] fills them, as after a merge. The view's pruning figures are the
    /// load's (nothing was skipped: the filter came after the read). Refused, with the reason,
    /// when rows were not kept.
    pub fn view(&self, filter: &Filter) -> Result<Analysis> {
        let mut options = self.options.clone();
        options.filter = filter.clone();
        options.validate()?;
        let Some(aggregator) = self.aggregator.explore(filter, self.options.max_samples) else {
            return Err(self.not_kept());
        };
        Ok(Analysis {
            options,
            aggregator,
            sources: self.sources.clone(),
            notes: self.notes.clone(),
            video_keyed_by_title: self.video_keyed_by_title,
            course_keyed_by_code: self.course_keyed_by_code,
            partitioning: self.partitioning.clone(),
            pruning: self.pruning,
            fingerprints: self.fingerprints.clone(),
            read_in_passes: false,
            files: self.files.clone(),
            dbt_rules: Default::default(),
            input_counts: self.input_counts.clone(),
        })
    }
}
