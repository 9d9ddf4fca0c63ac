//! The public accumulator: inputs are added one at a time (whole, or batch by batch), and a
//! report can be taken at any point.

use arrow_array::RecordBatch;
use arrow_schema::Schema;

use crate::aggregate::{Aggregator, BatchLayout, BatchSettings};
use crate::columns::{Field, Mapping, Scale};
use crate::decode::{self, status};
use crate::error::{Error, Result};
use crate::options::Options;
use crate::rank;
use crate::read::Format;
use crate::report::{Report, SourceInfo};

/// Valid numeric values looked at before the completion scale is inferred.
const SCALE_SAMPLE: usize = 10_000;
/// Share of sampled values within 0..=1 from which a column counts as a fraction.
const FRACTION_SHARE: f64 = 0.95;

/// One input being added: its mapping, where its columns sit, and its scale.
#[derive(Debug)]
pub struct Source {
    info: SourceInfo,
    mapping: Mapping,
    projection: Vec<usize>,
    layout: BatchLayout,
    scale: Option<Scale>,
    /// Batches held back until the scale is inferred (at most ~[`SCALE_SAMPLE`] values' worth).
    pending: Vec<RecordBatch>,
    pending_numbers: usize,
    pending_fractions: usize,
    next_row: u64,
    /// Parquet row groups (0 for CSV); set by the reader.
    pub row_groups: usize,
}

impl Source {
    /// File-schema indices of the columns to read, ascending.
    pub fn projection(&self) -> &[usize] {
        &self.projection
    }

    /// The resolved column mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.next_row - 1
    }
}

/// A dataset being analysed. Add inputs, then call [`Analysis::report`].
pub struct Analysis {
    options: Options,
    aggregator: Aggregator,
    sources: Vec<SourceInfo>,
    notes: Vec<String>,
    video_keyed_by_title: bool,
    course_keyed_by_code: bool,
}

impl Analysis {
    /// A new, empty analysis.
    pub fn new(options: Options) -> Result<Analysis> {
        options.validate()?;
        Ok(Analysis {
            options,
            aggregator: Aggregator::default(),
            sources: Vec::new(),
            notes: Vec::new(),
            video_keyed_by_title: false,
            course_keyed_by_code: false,
        })
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Changes how many rows the next [`Analysis::report`] lists (top/bottom N, per-course N,
    /// minimum views per video) without reading anything again: these options only shape the
    /// report, the accumulators do not depend on them.
    pub fn set_listing(&mut self, top_n: usize, per_course_n: usize, min_views: u64) -> Result<()> {
        let mut options = self.options.clone();
        options.top_n = top_n;
        options.per_course_n = per_course_n;
        options.min_views = min_views;
        options.validate()?;
        self.options = options;
        Ok(())
    }

    /// Starts an input with the given arrow schema: resolves the mapping and decides which
    /// columns to read. Batches given to [`Analysis::add_batch`] must hold exactly the
    /// [`Source::projection`] columns, in that order.
    pub fn begin_source(&mut self, name: &str, format: Format, schema: &Schema) -> Result<Source> {
        let mapping = Mapping::resolve(name, schema, &self.options.overrides)?;
        // Without an event id, a duplicate is a row equal in every column, so every column is read.
        let projection = if mapping.column(Field::EventId).is_some() {
            mapping.projection()
        } else {
            (0..schema.fields().len()).collect()
        };
        let batch_index =
            |file_index: usize| projection.iter().position(|index| *index == file_index);
        let columns = Field::ALL.map(|field| mapping.column(field).and_then(batch_index));
        let mut sample_columns: Vec<(usize, String)> = mapping
            .projection()
            .into_iter()
            .filter_map(|file_index| {
                Some((
                    batch_index(file_index)?,
                    schema.field(file_index).name().clone(),
                ))
            })
            .collect();
        sample_columns.sort();
        let source_index = self.aggregator.source_names.len() as u32;
        self.aggregator.source_names.push(name.to_owned());
        let layout = BatchLayout {
            columns,
            sample_columns,
            video_key: mapping.video_key(),
            course_key: mapping.course_key(),
            source: source_index,
        };
        self.aggregator
            .register_layout(&layout, self.options.now_micros.is_some());
        self.video_keyed_by_title |= mapping.video_key() == Field::VideoTitle;
        self.course_keyed_by_code |= mapping.course_key() == Field::CourseCode;
        let scale = self.options.scale.or_else(|| mapping.scale_from_name());
        let info = SourceInfo {
            name: name.to_owned(),
            format: format.name().to_owned(),
            rows: 0,
            row_groups: 0,
            mapping: Field::ALL
                .into_iter()
                .filter_map(|field| {
                    Some((
                        field.name().to_owned(),
                        mapping.column_name(field)?.to_owned(),
                    ))
                })
                .collect(),
            completion_scale: scale.unwrap_or(Scale::Percent),
            scale_inferred: false,
        };
        Ok(Source {
            info,
            mapping,
            projection,
            layout,
            scale,
            pending: Vec::new(),
            pending_numbers: 0,
            pending_fractions: 0,
            next_row: 1,
            row_groups: 0,
        })
    }

    /// Aggregates one batch of an input.
    pub fn add_batch(&mut self, source: &mut Source, batch: RecordBatch) -> Result<()> {
        if batch.num_columns() != source.projection.len() {
            return Err(Error::format(
                &source.info.name,
                format!(
                    "batch has {} columns, expected the {} projected ones",
                    batch.num_columns(),
                    source.projection.len()
                ),
            ));
        }
        if source.scale.is_some() {
            return self.aggregate(source, &batch);
        }
        // Scale unknown: look at the values, hold the batch back until enough were seen.
        if let Some(column) = source.layout.columns[Field::Completion as usize] {
            let (mut values, mut statuses) = (Vec::new(), Vec::new());
            decode::decode_completion(batch.column(column).as_ref(), &mut values, &mut statuses)
                .map_err(|error| Error::arrow(&source.info.name, error))?;
            for (value, value_status) in values.iter().zip(&statuses) {
                if *value_status == status::NUMBER {
                    source.pending_numbers += 1;
                    source.pending_fractions += usize::from((0.0..=1.0).contains(value));
                }
            }
        }
        source.pending.push(batch);
        if source.pending_numbers >= SCALE_SAMPLE {
            self.decide_scale(source)?;
        }
        Ok(())
    }

    fn decide_scale(&mut self, source: &mut Source) -> Result<()> {
        let share = if source.pending_numbers == 0 {
            0.0
        } else {
            source.pending_fractions as f64 / source.pending_numbers as f64
        };
        let scale = if source.pending_numbers > 0 && share >= FRACTION_SHARE {
            Scale::Fraction
        } else {
            Scale::Percent
        };
        if scale == Scale::Fraction {
            self.notes.push(format!(
                "{}: completion column '{}' read as a fraction (0-1, multiplied by 100) because {:.1}% of the first {} values lie within 0..1; override with scale=percent",
                source.info.name,
                source.mapping.column_name(Field::Completion).unwrap_or("?"),
                share * 100.0,
                source.pending_numbers
            ));
        }
        source.scale = Some(scale);
        source.info.completion_scale = scale;
        source.info.scale_inferred = true;
        for batch in std::mem::take(&mut source.pending) {
            self.aggregate(source, &batch)?;
        }
        Ok(())
    }

    fn aggregate(&mut self, source: &mut Source, batch: &RecordBatch) -> Result<()> {
        let factor = source.scale.unwrap_or(Scale::Percent).factor();
        let settings = BatchSettings {
            scale_factor: factor,
            now_micros: self.options.now_micros,
            max_samples: self.options.max_samples,
            filter: &self.options.filter,
        };
        self.aggregator
            .add_batch(&source.layout, batch, source.next_row, &settings)?;
        source.next_row += batch.num_rows() as u64;
        Ok(())
    }

    /// Completes an input: flushes held-back batches and records what was read.
    pub fn finish_source(&mut self, mut source: Source) -> Result<()> {
        if source.scale.is_none() {
            self.decide_scale(&mut source)?;
        }
        let name = &source.info.name;
        let mapping = &source.mapping;
        if mapping.column(Field::Role).is_none() {
            self.notes.push(format!(
                "{name}: no role column, so every row counts as a student row"
            ));
        }
        if mapping.column(Field::EventId).is_none() {
            self.notes.push(format!(
                "{name}: no event id column, so duplicates are rows equal in every column"
            ));
        }
        if mapping.column(Field::Course).is_none() && mapping.column(Field::CourseCode).is_none() {
            self.notes.push(format!(
                "{name}: no course column, so there are no per-course rankings"
            ));
        }
        source.info.rows = source.rows();
        source.info.row_groups = source.row_groups;
        self.sources.push(source.info);
        Ok(())
    }

    /// Every course key seen in the data, before any filter, sorted as the report sorts
    /// courses: what a course picker offers.
    pub fn courses_seen(&self) -> Vec<String> {
        let courses = &self.aggregator.courses;
        let mut ids: Vec<u32> = (0..courses.len() as u32).collect();
        ids.sort_by(|left, right| courses.key(*left).cmp(courses.key(*right)));
        ids.into_iter()
            .map(|id| courses.key(id).to_string())
            .collect()
    }

    /// The first and last day (`YYYY-MM-DD`, UTC) of the rows' times, before any filter; `None`
    /// when the data has no timestamp.
    pub fn date_span(&self) -> Option<(String, String)> {
        let (first, last) = self.aggregator.time_span?;
        let day = |micros: i64| {
            crate::rank::format_date(micros.div_euclid(crate::aggregate::MICROS_PER_DAY) as i32)
        };
        Some((day(first), day(last)))
    }

    /// The report over everything added so far.
    pub fn report(&self) -> Report {
        let aggregator = &self.aggregator;
        let (most_watched_learner, learners_top, learners_bottom, learners) =
            rank::learners(aggregator, &self.options);
        let (rows, summary) = rank::summary(aggregator);
        let quality =
            aggregator
                .quality
                .evaluate(aggregator.rows_total, &self.options.rules, |rule| {
                    let counts = match rule {
                        crate::quality::Rule::RoleAcceptedValues => &aggregator.other_roles,
                        crate::quality::Rule::RoleClean => &aggregator.dirty_roles,
                        _ => return Vec::new(),
                    };
                    let mut details: Vec<crate::quality::ValueCount> = counts
                        .iter()
                        .map(|(role, count)| crate::quality::ValueCount {
                            value: (*role != crate::keys::NONE)
                                .then(|| aggregator.roles.key(*role).to_string()),
                            count: *count,
                        })
                        .collect();
                    details.sort_by(|left, right| {
                        right
                            .count
                            .cmp(&left.count)
                            .then_with(|| left.value.cmp(&right.value))
                    });
                    details
                });
        Report {
            schema_version: 1,
            sources: self.sources.clone(),
            notes: self.notes.clone(),
            rows,
            summary,
            most_watched_learner,
            learners_top,
            learners_bottom,
            learners,
            videos: rank::videos(aggregator, &self.options, self.video_keyed_by_title),
            courses: rank::courses(
                aggregator,
                &self.options,
                self.video_keyed_by_title,
                self.course_keyed_by_code,
            ),
            completion_histogram: rank::histogram(aggregator),
            daily: rank::daily(aggregator),
            quality,
        }
    }
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("sources", &self.sources.len())
            .field("rows", &self.aggregator.rows_total)
            .finish()
    }
}
