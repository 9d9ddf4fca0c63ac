//! What the user chose (courses, dates, list sizes, mapping, masking, a dbt schema): sent with
//! every load and shown back with its dashboard, so both the page and the worker speak it.

use serde::{Deserialize, Serialize};

/// Everything that changes what is read or how rows count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Only these courses (course id or code); empty means all.
    pub courses: Vec<String>,
    /// First day included, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Learners in the top and bottom lists (0 means the default, 10).
    pub top_n: usize,
    /// Videos in each course's lists (0 means the default, 3).
    pub per_course_n: usize,
    /// Learners in the top and bottom lists have watched at least this many videos (0 or 1:
    /// every learner, the engine's default).
    #[serde(default)]
    pub min_videos: u64,
    /// `percent` or `fraction`; `None` infers it.
    pub scale: Option<String>,
    /// Column overrides: (field name, column name or `None` for "not in this data").
    pub mapping: Vec<(String, Option<String>)>,
    /// How the inputs are read: `Some(true)` as player event logs, `Some(false)` as rows with a
    /// completion column, `None` as the engine decides from each input (`is_event_input`).
    #[serde(default)]
    pub events: Option<bool>,
    /// Event-log field overrides: (event field name, as `--map` names it, column or JSON path).
    #[serde(default)]
    pub event_mapping: Vec<(String, String)>,
    /// Show learner ids (and name/email columns) as keyed pseudonyms; on by default in embeds.
    /// Carried here so that `settings::options` can hand it to the engine's masking.
    #[serde(default)]
    pub mask: bool,
    /// The pseudonyms' key, set by the user or the embedding page; `None` leaves the choice to
    /// the engine.
    #[serde(default)]
    pub salt: Option<String>,
    /// A dbt `schema.yml` whose column tests run as extra quality rules. The page reads the
    /// (small) file and carries its text, so a re-analysis or a saved state needs no file handle.
    #[serde(default)]
    pub dbt: Option<DbtFile>,
}

/// A dbt schema file the user added: its name (for messages) and its YAML text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DbtFile {
    /// The file's name, e.g. `schema.yml`.
    pub name: String,
    /// The YAML text.
    pub text: String,
}
