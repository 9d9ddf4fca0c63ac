//! Hive-style partitions: `key=value` directory segments of a file's path (`date=2025-03-01/`,
//! `course_code=CSC101/`) become typed constant columns appended to every batch of that file.
//!
//! A key's type is decided over every path of the dataset, so that one file's `course_id=7` and
//! another's `course_id=x7` are both text: `YYYY-MM-DD` dates become `Date32`, canonical integers
//! `Int64`, anything else `Utf8`. A file whose path lacks a key gets NULL for it.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Int64Array, StringArray, new_null_array,
};
use arrow_schema::DataType;

/// Partition keys whose date values stand in for the time of a file that has no time column of
/// its own (and then, being the rows' time, may skip the file by its date).
pub(crate) const DATE_KEYS: [&str; 4] = ["date", "day", "dt", "event_date"];

/// Hive's spelling of a NULL partition value.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// The type of one partition key, decided over all paths of the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionType {
    /// Every value is a `YYYY-MM-DD` date (days since the epoch).
    Date,
    /// Every value is a canonical integer.
    Int,
    /// Anything else.
    Text,
}

impl PartitionType {
    /// The arrow type of the column.
    pub fn data_type(self) -> DataType {
        match self {
            PartitionType::Date => DataType::Date32,
            PartitionType::Int => DataType::Int64,
            PartitionType::Text => DataType::Utf8,
        }
    }
}

/// One partition key of a dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionKey {
    /// The key as written before `=` (percent-decoded).
    pub name: String,
    /// Its type over the dataset.
    pub kind: PartitionType,
}

/// A typed partition value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionValue {
    /// The path has no segment for the key, or its value is empty or Hive's NULL marker.
    Null,
    /// Days since 1970-01-01.
    Date(i32),
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl PartitionValue {
    /// The value as the course filter and the report spell it (`None` for NULL).
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            PartitionValue::Null => None,
            PartitionValue::Date(days) => Some(crate::time::format_date(*days)),
            PartitionValue::Int(value) => Some(value.to_string()),
            PartitionValue::Text(text) => Some(text.clone()),
        }
    }

    /// A column of `rows` copies of the value, typed as `kind`.
    pub(crate) fn column(&self, kind: PartitionType, rows: usize) -> ArrayRef {
        match self {
            PartitionValue::Null => new_null_array(&kind.data_type(), rows),
            PartitionValue::Date(days) => Arc::new(Date32Array::from(vec![*days; rows])),
            PartitionValue::Int(value) => Arc::new(Int64Array::from(vec![*value; rows])),
            // A one-value dictionary: the interner sees the text once per batch, not per row.
            PartitionValue::Text(text) => Arc::new(DictionaryArray::<Int32Type>::new(
                vec![0; rows].into(),
                Arc::new(StringArray::from(vec![text.as_str()])),
            )),
        }
    }
}

/// The partition keys of a dataset, decided over all of its paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Partitioning {
    keys: Vec<PartitionKey>,
}

impl Partitioning {
    /// Decides the keys and their types over every path of the dataset (relative paths or URLs;
    /// only the directory segments count). Keys are ordered by name, so the same set of files
    /// gives the same columns in any order.
    pub fn infer<S: AsRef<str>>(paths: &[S]) -> Partitioning {
        // NULL values say nothing about the type; a key with only NULLs is text.
        let mut found: Vec<(String, Option<PartitionType>)> = Vec::new();
        for path in paths {
            for (name, value) in segments(path.as_ref()) {
                let kind = value.as_deref().map(classify);
                match found.iter_mut().find(|(known, _)| *known == name) {
                    Some((_, known_kind)) => *known_kind = widen(*known_kind, kind),
                    None => found.push((name, kind)),
                }
            }
        }
        found.sort_by(|left, right| left.0.cmp(&right.0));
        Partitioning {
            keys: found
                .into_iter()
                .map(|(name, kind)| PartitionKey {
                    name,
                    kind: kind.unwrap_or(PartitionType::Text),
                })
                .collect(),
        }
    }

    /// Keys as saved in a state.
    pub(crate) fn from_keys(keys: Vec<PartitionKey>) -> Partitioning {
        Partitioning { keys }
    }

    /// The keys, in column order.
    pub fn keys(&self) -> &[PartitionKey] {
        &self.keys
    }

    /// Whether the dataset has no partition keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The values of one path, one per key (NULL where the path lacks the key). A value that
    /// does not fit its key's type (a path that was not among those the types were decided on)
    /// is NULL.
    pub fn values(&self, path: &str) -> Vec<PartitionValue> {
        let found = segments(path);
        self.keys
            .iter()
            .map(|key| {
                let value = found
                    .iter()
                    .rev()
                    .find(|(name, _)| *name == key.name)
                    .and_then(|(_, value)| value.as_deref());
                match value {
                    None => PartitionValue::Null,
                    Some(text) => typed(text, key.kind).unwrap_or(PartitionValue::Null),
                }
            })
            .collect()
    }
}

/// The `key=value` directory segments of a path, percent-decoded; `None` for a NULL value.
fn segments(path: &str) -> Vec<(String, Option<String>)> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // Skip a URL's scheme and host: only its path can hold partitions.
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, path)| path),
        None => path,
    };
    let path = path.replace('\\', "/");
    let mut directories: Vec<&str> = path.split('/').collect();
    directories.pop();
    directories
        .into_iter()
        .filter_map(|segment| {
            let (name, value) = segment.split_once('=')?;
            let name = percent_decode(name);
            if name.is_empty() {
                return None;
            }
            let value = percent_decode(value);
            let value = (!value.is_empty() && value != HIVE_NULL).then_some(value);
            Some((name, value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |byte: u8| (byte as char).to_digit(16);
        if bytes[index] == b'%'
            && index + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[index + 1]), hex(bytes[index + 2]))
        {
            out.push((high * 16 + low) as u8);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn classify(value: &str) -> PartitionType {
    if parse_date(value).is_some() {
        PartitionType::Date
    } else if parse_int(value).is_some() {
        PartitionType::Int
    } else {
        PartitionType::Text
    }
}

/// The narrowest type holding both: equal types stay, mixed types are text, NULL adds nothing.
fn widen(left: Option<PartitionType>, right: Option<PartitionType>) -> Option<PartitionType> {
    match (left, right) {
        (Some(left), Some(right)) if left != right => Some(PartitionType::Text),
        (left, right) => left.or(right),
    }
}

fn typed(text: &str, kind: PartitionType) -> Option<PartitionValue> {
    match kind {
        PartitionType::Date => parse_date(text).map(PartitionValue::Date),
        PartitionType::Int => parse_int(text).map(PartitionValue::Int),
        PartitionType::Text => Some(PartitionValue::Text(text.to_owned())),
    }
}

/// Days since the epoch of a strict `YYYY-MM-DD` date.
fn parse_date(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = &text[range];
        part.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    i32::try_from(era * 146_097 + day_of_era - 719_468).ok()
}

/// An integer written canonically (no `+`, no leading zeros), so its text round-trips.
fn parse_int(text: &str) -> Option<i64> {
    let value: i64 = text.parse().ok()?;
    (value.to_string() == text).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        paths: &[&str],
        expected_keys: &[(&str, PartitionType)],
        path: &str,
        expected: &[PartitionValue],
    ) {
        let partitioning = Partitioning::infer(paths);
        let keys: Vec<(&str, PartitionType)> = partitioning
            .keys()
            .iter()
            .map(|key| (key.name.as_str(), key.kind))
            .collect();
        assert_eq!(keys, expected_keys, "keys of {paths:?}");
        assert_eq!(partitioning.values(path), expected, "values of {path}");
    }

    #[test]
    fn keys_are_typed_over_all_paths() {
        use PartitionType::*;
        use PartitionValue as V;
        check(
            &[
                "date=2025-03-01/part-0.parquet",
                "date=2025-03-02/part-0.parquet",
            ],
            &[("date", Date)],
            "date=2025-03-02/part-0.parquet",
            &[V::Date(20149)],
        );
        // One value that is not a date makes the key text everywhere.
        check(
            &["date=2025-03-01/a.parquet", "date=latest/a.parquet"],
            &[("date", Text)],
            "date=2025-03-01/a.parquet",
            &[V::Text("2025-03-01".into())],
        );
        check(
            &["course_id=7/x.parquet", "course_id=007/x.parquet"],
            &[("course_id", Text)],
            "course_id=7/x.parquet",
            &[V::Text("7".into())],
        );
        check(
            &["course_id=7/x.parquet", "course_id=-12/x.parquet"],
            &[("course_id", Int)],
            "course_id=-12/x.parquet",
            &[V::Int(-12)],
        );
        // Percent-decoding, missing keys, Hive's NULL marker, keys sorted by name.
        check(
            &[
                "course_code=CSC%20101/date=2025-02-28/p.parquet",
                "date=__HIVE_DEFAULT_PARTITION__/p.parquet",
            ],
            &[("course_code", Text), ("date", Date)],
            "date=__HIVE_DEFAULT_PARTITION__/p.parquet",
            &[V::Null, V::Null],
        );
        check(
            &["course_code=CSC%20101/date=2025-02-28/p.parquet"],
            &[("course_code", Text), ("date", Date)],
            "course_code=CSC%20101/date=2025-02-28/p.parquet",
            &[V::Text("CSC 101".into()), V::Date(20147)],
        );
        // A URL: the host and query do not count; the file name is not a directory.
        check(
            &["https://a=b.example/data/date=1970-01-02/x=1.parquet?sig=abc"],
            &[("date", Date)],
            "https://a=b.example/data/date=1970-01-02/x=1.parquet?sig=abc",
            &[V::Date(1)],
        );
        check(&["plain/file.parquet"], &[], "plain/file.parquet", &[]);
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(19782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-1-01"), None);
        assert_eq!(parse_date("1969-12-31"), Some(-1));
    }
}
