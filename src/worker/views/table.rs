//! The long tables the worker pages through: which table and rows the page asks for
//! (`TableId`, `TableQuery`, `Sort`) and the page of formatted cells it gets back (`TablePage`).

use serde::{Deserialize, Serialize};

/// The tables the worker can page through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableId {
    /// Every learner, ranked by average completion.
    Learners,
    /// Every video with its average completion.
    Videos,
    /// The videos of one course.
    CourseVideos {
        /// The course's key as shown in the courses list.
        course: String,
    },
    /// The offending rows a quality rule sampled.
    QualitySamples {
        /// The rule's name.
        rule: String,
    },
    /// The offending rows a dbt test sampled.
    DbtSamples {
        /// The test's dbt name, e.g. `not_null_watch_logs_student_id`.
        test: String,
    },
}

impl TableId {
    /// A file name for this table's CSV download.
    pub fn file_stem(&self) -> String {
        match self {
            TableId::Learners => "learners".into(),
            TableId::Videos => "videos".into(),
            TableId::CourseVideos { course } => format!("course-{}-videos", safe_stem(course)),
            TableId::QualitySamples { rule } => format!("quality-{}", safe_stem(rule)),
            TableId::DbtSamples { test } => format!("dbt-{}", safe_stem(test)),
        }
    }
}

fn safe_stem(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .take(60)
        .collect()
}

/// Which rows of a table, in which order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    /// The table.
    pub table: TableId,
    /// Column index to sort by, and direction; `None` keeps the table's natural order.
    pub sort: Option<Sort>,
    /// Case-insensitive substring over the text columns; empty matches every row.
    pub filter: String,
    /// Rows with fewer views are left out (tables with a views column only).
    pub min_views: u64,
    /// First row of the page, after filtering and sorting.
    pub offset: usize,
    /// Rows in the page.
    pub limit: usize,
}

/// A sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// Column index.
    pub column: usize,
    /// Largest first.
    pub descending: bool,
}

/// One page of a table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TablePage {
    /// Column headers.
    pub columns: Vec<Column>,
    /// The rows, already formatted for display.
    pub rows: Vec<Vec<Cell>>,
    /// Offset of the first row.
    pub offset: usize,
    /// Rows that pass the filter.
    pub matching: usize,
    /// Rows in the table.
    pub total: usize,
    /// The query answered.
    pub sort: Option<Sort>,
}

/// A column header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Label.
    pub label: String,
    /// Right-aligned and sorted numerically.
    pub numeric: bool,
}

/// A table cell. Tagged (`{"real": 3}`), not untagged: a JS number does not say whether it
/// was written from an integer, so an untagged `Real(3.0)` would come back as `Int(3)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// A count or rank.
    Int(u64),
    /// A percentage or other real number.
    Real(f64),
    /// Text.
    Text(String),
    /// NULL or not applicable.
    Empty,
}

impl Cell {
    /// The cell as displayed: integers with thousands separators, reals with 2 decimals.
    pub fn display(&self) -> String {
        match self {
            Cell::Int(value) => group_thousands(*value),
            Cell::Real(value) => format!("{value:.2}"),
            Cell::Text(text) => text.clone(),
            Cell::Empty => String::new(),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
