//! The video catalogue (`videos.csv`: video, duration, course, title): durations, courses and
//! titles for videos whose events do not carry them.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_schema::DataType;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// What the catalogue says about one video.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Entry {
    pub(crate) duration: Option<f64>,
    pub(crate) course: Option<String>,
    pub(crate) title: Option<String>,
}

/// Catalogue entries by video id and by (course, title) key (see `collect`'s video keys).
#[derive(Clone, Debug, Default)]
pub(crate) struct Catalogue {
    pub(crate) by_key: FxHashMap<String, Entry>,
}

const VIDEO: &[&str] = &["video_id", "videoid", "video", "id", "media_id"];
const DURATION: &[&str] = &[
    "duration",
    "duration_seconds",
    "video_duration",
    "length",
    "video_length",
    "length_seconds",
];
const COURSE: &[&str] = &["course_id", "courseid", "course_code", "course"];
const TITLE: &[&str] = &["video_title", "title", "video_name", "name"];

/// The key of a video without an id: its course and title.
pub(crate) fn title_key(course: Option<&str>, title: &str) -> String {
    format!("\u{1}{}\u{1f}{title}", course.unwrap_or(""))
}

/// Whether `columns` (a CSV header) are a video catalogue's: a duration and a video id or
/// title, and neither an event log's event type and position nor a completion column (rows of
/// views that carry a video's length are not a catalogue). The web app tells a dropped
/// `videos.csv` from the logs beside it by this, as the CLI is told by `--videos`.
pub fn is_video_catalogue<S: AsRef<str>>(columns: &[S]) -> bool {
    let has = |candidates: &[&str]| {
        columns.iter().any(|column| {
            let column = column.as_ref().trim().trim_start_matches('\u{feff}');
            candidates
                .iter()
                .any(|candidate| column.eq_ignore_ascii_case(candidate))
        })
    };
    has(DURATION)
        && (has(VIDEO) || has(TITLE))
        && !has(crate::columns::Field::Completion.candidates())
        && !crate::events::fields::is_event_log(columns)
}

impl Catalogue {
    /// Adds a catalogue CSV; a later entry for the same video replaces an earlier one.
    pub(crate) fn add_csv(&mut self, name: &str, bytes: &[u8]) -> Result<usize> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let (table, names) = crate::events::tabular::read_csv_table(name, bytes)?;
        let find = |candidates: &[&str]| {
            candidates.iter().find_map(|candidate| {
                names
                    .iter()
                    .position(|column| column.trim().eq_ignore_ascii_case(candidate))
            })
        };
        let (video, duration, course, title) =
            (find(VIDEO), find(DURATION), find(COURSE), find(TITLE));
        let Some(duration) = duration else {
            return Err(Error::mapping(
                name,
                format!(
                    "a video catalogue needs a duration column (looked for {}); file has: {}",
                    DURATION.join(", "),
                    names.join(", ")
                ),
            ));
        };
        if video.is_none() && title.is_none() {
            return Err(Error::mapping(
                name,
                format!(
                    "a video catalogue needs a video id or title column (looked for {}, {}); file has: {}",
                    VIDEO.join(", "),
                    TITLE.join(", "),
                    names.join(", ")
                ),
            ));
        }
        let mut entries = 0;
        for batch in &table.batches {
            let text = |column: Option<usize>| -> Result<Option<arrow_array::ArrayRef>> {
                column
                    .map(|index| {
                        arrow_cast::cast(batch.column(index), &DataType::Utf8)
                            .map_err(|error| Error::arrow(name, error))
                    })
                    .transpose()
            };
            let (videos, courses, titles) = (text(video)?, text(course)?, text(title)?);
            let durations = arrow_cast::cast(batch.column(duration), &DataType::Float64)
                .map_err(|error| Error::arrow(name, error))?;
            let durations = durations.as_primitive::<arrow_array::types::Float64Type>();
            let at = |array: &Option<arrow_array::ArrayRef>, row: usize| {
                array
                    .as_ref()
                    .filter(|array| array.is_valid(row))
                    .map(|array| array.as_string::<i32>().value(row).trim().to_owned())
                    .filter(|text| !text.is_empty())
            };
            for row in 0..batch.num_rows() {
                let entry = Entry {
                    duration: durations
                        .is_valid(row)
                        .then(|| durations.value(row))
                        .filter(|value| value.is_finite() && *value > 0.0),
                    course: at(&courses, row),
                    title: at(&titles, row),
                };
                if let Some(id) = at(&videos, row) {
                    self.by_key.insert(id, entry.clone());
                    entries += 1;
                }
                if let Some(title) = &entry.title {
                    self.by_key
                        .insert(title_key(entry.course.as_deref(), title), entry.clone());
                    entries += usize::from(at(&videos, row).is_none());
                }
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_id_and_by_course_and_title() {
        let mut catalogue = Catalogue::default();
        let csv = "video,duration,course,title\nV1,180,C1,Intro\n,95.5,C2,Intro\nV3,,C1,Outro\n";
        assert_eq!(catalogue.add_csv("videos.csv", csv.as_bytes()).unwrap(), 3);
        assert_eq!(catalogue.by_key["V1"].duration, Some(180.0));
        assert_eq!(
            catalogue.by_key[&title_key(Some("C2"), "Intro")].duration,
            Some(95.5)
        );
        assert_eq!(catalogue.by_key["V3"].duration, None);
        let error = Catalogue::default()
            .add_csv("v.csv", b"video,title\nV1,Intro\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("needs a duration column"), "{error}");
    }
}
