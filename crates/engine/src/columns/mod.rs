//! Column mapping: which file column plays which role, and the completion scale.

use std::fmt;

use arrow_schema::Schema;
use serde::Serialize;

use crate::error::{Error, Result};

/// A role a column can play in the analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The learner's id (required).
    Student,
    /// The video's id; the video key when present.
    Video,
    /// The video's title; the video key when there is no id column, else a label.
    VideoTitle,
    /// The course's id; the course key when present.
    Course,
    /// The course's code (e.g. CSC101); the course key when there is no id column, else a label.
    CourseCode,
    /// Completion of the video, in percent or as a fraction (required).
    Completion,
    /// The user's role; only `Student` rows count.
    Role,
    /// The unique key of a record, used to de-duplicate.
    EventId,
    /// When the record was last updated; the latest copy of a duplicate wins.
    UpdatedAt,
    /// When the video was watched.
    WatchedAt,
}

impl Field {
    /// Every field, in mapping order.
    pub const ALL: [Field; 10] = [
        Field::Student,
        Field::Video,
        Field::VideoTitle,
        Field::Course,
        Field::CourseCode,
        Field::Completion,
        Field::Role,
        Field::EventId,
        Field::UpdatedAt,
        Field::WatchedAt,
    ];

    /// The name used in mapping overrides (`--map role=user_type`) and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Field::Student => "student",
            Field::Video => "video",
            Field::VideoTitle => "video_title",
            Field::Course => "course",
            Field::CourseCode => "course_code",
            Field::Completion => "completion",
            Field::Role => "role",
            Field::EventId => "event_id",
            Field::UpdatedAt => "updated_at",
            Field::WatchedAt => "watched_at",
        }
    }

    /// Parses a field name as written in an override.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|field| field.name() == name.trim().to_ascii_lowercase())
    }

    /// Column names recognised for this field, in order of preference (compared case-insensitively).
    pub fn candidates(self) -> &'static [&'static str] {
        match self {
            Field::Student => &[
                "student_id",
                "learner_id",
                "user_id",
                "studentid",
                "learnerid",
                "userid",
            ],
            Field::Video => &["video_id", "videoid"],
            Field::VideoTitle => &["video_title", "video_name", "videotitle"],
            Field::Course => &["course_id", "courseid"],
            Field::CourseCode => &["course_code", "coursecode", "course"],
            Field::Completion => &[
                "completion_rate_percent",
                "completion_percentage",
                "completion_percent",
                "completion_pct",
                "completion_rate",
                "completion",
                "percent_complete",
                "pct_complete",
            ],
            Field::Role => &["role", "user_role", "user_type"],
            Field::EventId => &["event_id", "id", "record_id", "view_id", "watch_id"],
            Field::UpdatedAt => &[
                "last_updated_at",
                "updated_at",
                "modified_at",
                "last_modified",
            ],
            Field::WatchedAt => &[
                "watched_at",
                "watch_timestamp",
                "event_timestamp",
                "event_time",
                "viewed_at",
                "timestamp",
                "created_at",
            ],
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How completion values are expressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 0..=100.
    Percent,
    /// 0..=1, converted to percent by multiplying by 100.
    Fraction,
}

impl Scale {
    /// Parses `percent` or `fraction` (as given to `--scale`).
    pub fn from_name(name: &str) -> Option<Scale> {
        match name.trim().to_ascii_lowercase().as_str() {
            "percent" | "pct" | "%" => Some(Scale::Percent),
            "fraction" | "ratio" => Some(Scale::Fraction),
            _ => None,
        }
    }

    /// The factor that turns a stored value into percent.
    pub fn factor(self) -> f64 {
        match self {
            Scale::Percent => 1.0,
            Scale::Fraction => 100.0,
        }
    }
}

/// The fewest completion values read as percent that, all within 0..1, make the scale check
/// warn: fewer could be a handful of genuinely low percentages.
pub const MIN_SCALE_EVIDENCE: u64 = 20;

/// The completion values of one input as stored, before the scale is applied: the evidence of
/// the scale check (counted in the pass that converts them, so no row is visited again).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ScaleCheck {
    /// Numbers read (NULL, NaN and text that is not a number left out), every row of the
    /// batches read, whatever the filter.
    pub numbers: u64,
    /// Of them, within 0..=1.
    pub within_one: u64,
    /// Of them, above 1.
    pub above_one: u64,
    /// The smallest number; `None` without numbers.
    pub min: Option<f64>,
    /// The largest number; `None` without numbers.
    pub max: Option<f64>,
}

impl ScaleCheck {
    /// Adds the numbers another batch or share of the same input read.
    pub fn merge(&mut self, other: &ScaleCheck) {
        self.numbers += other.numbers;
        self.within_one += other.within_one;
        self.above_one += other.above_one;
        let pick = |mine: Option<f64>, theirs: Option<f64>, keep: fn(f64, f64) -> f64| match (
            mine, theirs,
        ) {
            (Some(mine), Some(theirs)) => Some(keep(mine, theirs)),
            (mine, theirs) => mine.or(theirs),
        };
        self.min = pick(self.min, other.min, f64::min);
        self.max = pick(self.max, other.max, f64::max);
    }

    /// The values that contradict `scale`: under percent, every value when all of at least
    /// [`MIN_SCALE_EVIDENCE`] lie within 0..1 (fractions read as percent); under fraction, the
    /// values above 1 (percentages read as fractions). 0 when the scale fits.
    pub fn contradicting(&self, scale: Scale) -> u64 {
        match scale {
            Scale::Percent
                if self.numbers >= MIN_SCALE_EVIDENCE && self.within_one == self.numbers =>
            {
                self.numbers
            }
            Scale::Percent => 0,
            Scale::Fraction => self.above_one,
        }
    }
}

/// A user's explicit choice for one field: a column name, or "do not use this field".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Override {
    /// Use the column with this name (matched case-insensitively).
    Column(String),
    /// Leave the field unmapped even if a recognised column exists.
    Unmapped,
}

/// Explicit column choices that win over name recognition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    entries: Vec<(Field, Override)>,
}

impl Overrides {
    /// Parses `field=column` (or `field=none` to unmap), as given to `--map`.
    pub fn parse_assignment(&mut self, text: &str) -> Result<()> {
        let Some((field_name, column)) = text.split_once('=') else {
            return Err(Error::Option(format!(
                "mapping {text:?} is not of the form field=column"
            )));
        };
        let field = Field::from_name(field_name).ok_or_else(|| {
            let known: Vec<&str> = Field::ALL.iter().map(|field| field.name()).collect();
            Error::Option(format!(
                "unknown field {field_name:?} in mapping; fields are: {}",
                known.join(", ")
            ))
        })?;
        let column = column.trim();
        let choice = if column.is_empty() || column.eq_ignore_ascii_case("none") {
            Override::Unmapped
        } else {
            Override::Column(column.to_owned())
        };
        self.set(field, choice);
        Ok(())
    }

    /// Sets the choice for one field, replacing an earlier one.
    pub fn set(&mut self, field: Field, choice: Override) {
        self.entries.retain(|(existing, _)| *existing != field);
        self.entries.push((field, choice));
    }

    /// Every choice, in field order (what a saved state compares).
    pub(crate) fn sorted(&self) -> Vec<(Field, Override)> {
        let mut entries = self.entries.clone();
        entries.sort_by_key(|(field, _)| *field);
        entries
    }

    /// Whether the user chose anything (a column or "none") for the field.
    pub(crate) fn is_set(&self, field: Field) -> bool {
        self.get(field).is_some()
    }

    fn get(&self, field: Field) -> Option<&Override> {
        self.entries
            .iter()
            .find(|(existing, _)| *existing == field)
            .map(|(_, choice)| choice)
    }
}

/// The resolved mapping of one input: for each field, the index of its column in the file schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    columns: [Option<usize>; Field::ALL.len()],
    names: [Option<String>; Field::ALL.len()],
}

fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
}

impl Mapping {
    /// Resolves every field against `schema`, applying `overrides` first.
    ///
    /// Fails when the student id, the completion, or both video columns are missing, naming what
    /// was looked for and what the file has.
    pub fn resolve(source_name: &str, schema: &Schema, overrides: &Overrides) -> Result<Mapping> {
        let normalised: Vec<String> = schema
            .fields()
            .iter()
            .map(|field| normalise(field.name()))
            .collect();
        let find = |wanted: &str| {
            normalised
                .iter()
                .position(|name| *name == normalise(wanted))
        };
        let mut columns = [None; Field::ALL.len()];
        for (slot, field) in columns.iter_mut().zip(Field::ALL) {
            *slot = match overrides.get(field) {
                Some(Override::Unmapped) => None,
                Some(Override::Column(name)) => Some(find(name).ok_or_else(|| {
                    Error::mapping(
                        source_name,
                        format!(
                            "mapping {field}={name}: no such column; file has: {}",
                            list_columns(schema)
                        ),
                    )
                })?),
                None => field
                    .candidates()
                    .iter()
                    .find_map(|candidate| find(candidate)),
            };
        }
        // A column claimed explicitly must not also be picked up by name for another field.
        for field in Field::ALL {
            if let Some(Override::Column(_)) = overrides.get(field) {
                let claimed = columns[field as usize];
                for other in Field::ALL {
                    if other != field
                        && overrides.get(other).is_none()
                        && columns[other as usize] == claimed
                    {
                        columns[other as usize] = None;
                    }
                }
            }
        }
        let names = columns.map(|index| index.map(|index| schema.field(index).name().clone()));
        let mapping = Mapping { columns, names };
        let mut missing = Vec::new();
        for (fields, label) in [
            (&[Field::Student][..], "student id"),
            (&[Field::Completion][..], "completion"),
            (&[Field::Video, Field::VideoTitle][..], "video"),
        ] {
            if fields.iter().all(|field| mapping.column(*field).is_none()) {
                let looked_for: Vec<&str> = fields
                    .iter()
                    .flat_map(|field| field.candidates().iter().copied())
                    .collect();
                missing.push(format!(
                    "no {label} column: looked for {}",
                    looked_for.join(", ")
                ));
            }
        }
        if !missing.is_empty() {
            return Err(Error::mapping(
                source_name,
                format!(
                    "{}; file has: {} (map columns explicitly with field=column)",
                    missing.join("; "),
                    list_columns(schema)
                ),
            ));
        }
        Ok(mapping)
    }

    /// A mapping with no field mapped (for an input that is not read).
    pub(crate) fn empty() -> Mapping {
        Mapping {
            columns: [None; Field::ALL.len()],
            names: [const { None }; Field::ALL.len()],
        }
    }

    /// Maps `field` to the column at `index` named `name` (a fallback found after resolving).
    pub(crate) fn assign(&mut self, field: Field, index: usize, name: &str) {
        self.columns[field as usize] = Some(index);
        self.names[field as usize] = Some(name.to_owned());
    }

    /// Index of the field's column in the file schema.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns[field as usize]
    }

    /// Name of the field's column in the file.
    pub fn column_name(&self, field: Field) -> Option<&str> {
        self.names[field as usize].as_deref()
    }

    /// The field that keys videos: the id column when present, else the title.
    pub fn video_key(&self) -> Field {
        if self.column(Field::Video).is_some() {
            Field::Video
        } else {
            Field::VideoTitle
        }
    }

    /// The field that keys courses: the id column when present, else the code.
    pub fn course_key(&self) -> Field {
        if self.column(Field::Course).is_some() {
            Field::Course
        } else {
            Field::CourseCode
        }
    }

    /// The scale implied by the completion column's name (`*percent*`/`*pct*`), if any.
    pub fn scale_from_name(&self) -> Option<Scale> {
        let name = normalise(self.column_name(Field::Completion)?);
        (name.contains("percent") || name.contains("pct")).then_some(Scale::Percent)
    }

    /// Distinct schema indices of all mapped columns, ascending (the projection to read).
    pub fn projection(&self) -> Vec<usize> {
        let mut indices: Vec<usize> = self.columns.iter().flatten().copied().collect();
        indices.sort_unstable();
        indices.dedup();
        indices
    }
}

fn list_columns(schema: &Schema) -> String {
    if schema.fields().is_empty() {
        return "no columns".to_owned();
    }
    let names: Vec<&str> = schema
        .fields()
        .iter()
        .map(|field| field.name().as_str())
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field as ArrowField};

    fn schema(names: &[&str]) -> Schema {
        Schema::new(
            names
                .iter()
                .map(|name| ArrowField::new(*name, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        )
    }

    fn check(names: &[&str], overrides: &[&str], expected: &[(Field, Option<&str>)]) {
        let mut parsed = Overrides::default();
        for text in overrides {
            parsed.parse_assignment(text).unwrap();
        }
        let mapping = Mapping::resolve("test", &schema(names), &parsed).unwrap();
        for (field, column) in expected {
            assert_eq!(
                mapping.column_name(*field),
                *column,
                "field {field} for columns {names:?}"
            );
        }
    }

    #[test]
    fn recognises_common_names_case_insensitively() {
        check(
            &[
                "Student_ID",
                "VIDEO_ID",
                "video_title",
                "course_id",
                "course_code",
                "Completion_Rate_Percent",
                " Role ",
            ],
            &[],
            &[
                (Field::Student, Some("Student_ID")),
                (Field::Video, Some("VIDEO_ID")),
                (Field::VideoTitle, Some("video_title")),
                (Field::Course, Some("course_id")),
                (Field::CourseCode, Some("course_code")),
                (Field::Completion, Some("Completion_Rate_Percent")),
                (Field::Role, Some(" Role ")),
                (Field::EventId, None),
            ],
        );
        check(
            &[
                "learner_id",
                "video_title",
                "completion_percentage",
                "id",
                "updated_at",
                "timestamp",
            ],
            &[],
            &[
                (Field::Student, Some("learner_id")),
                (Field::Video, None),
                (Field::EventId, Some("id")),
                (Field::UpdatedAt, Some("updated_at")),
                (Field::WatchedAt, Some("timestamp")),
            ],
        );
    }

    #[test]
    fn overrides_win_and_can_unmap() {
        check(
            &["who", "video_id", "pct", "id", "role"],
            &["student=who", "completion=PCT", "event_id=none"],
            &[
                (Field::Student, Some("who")),
                (Field::Completion, Some("pct")),
                (Field::EventId, None),
            ],
        );
    }

    #[test]
    fn missing_required_columns_name_what_was_looked_for_and_what_the_file_has() {
        let error = Mapping::resolve(
            "f.parquet",
            &schema(&["id", "learner", "pct"]),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("no student id column: looked for student_id, learner_id"),
            "{error}"
        );
        assert!(
            error.contains("no completion column: looked for completion_rate_percent"),
            "{error}"
        );
        assert!(error.contains("no video column"), "{error}");
        assert!(error.contains("file has: id, learner, pct"), "{error}");
    }

    #[test]
    fn override_naming_a_missing_column_is_an_error() {
        let mut overrides = Overrides::default();
        overrides.parse_assignment("role=kind").unwrap();
        let error = Mapping::resolve(
            "f",
            &schema(&["student_id", "video_id", "completion"]),
            &overrides,
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("mapping role=kind: no such column"),
            "{error}"
        );
        assert!(Overrides::default().parse_assignment("colour=x").is_err());
        assert!(Overrides::default().parse_assignment("no-equals").is_err());
    }

    #[test]
    fn scale_from_name_only_for_percent_names() {
        let percent = Mapping::resolve(
            "f",
            &schema(&["student_id", "video_id", "completion_rate_percent"]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(percent.scale_from_name(), Some(Scale::Percent));
        let unknown = Mapping::resolve(
            "f",
            &schema(&["student_id", "video_id", "completion_rate"]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(unknown.scale_from_name(), None);
    }
}
