//! Which input columns a `split` extract keeps and how each is masked: the mapped columns, the
//! split column and `--keep` ones, deny by default; identifier-like columns must be decided.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use arrow_schema::{DataType, Schema};
use coursepulse_engine::{Field, Mapping, PiiKind, pii_column};

use super::{SplitBy, SplitPlan};
use crate::inputs::Input;
use crate::shown;

/// Instructor column names, compared case-insensitively.
pub const INSTRUCTOR_COLUMNS: &[&str] = &[
    "instructor",
    "instructor_id",
    "instructor_name",
    "instructor_email",
    "teacher",
    "teacher_id",
    "teacher_name",
];

/// How one kept column is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnTreatment {
    Keep,
    /// Every value becomes a pseudonym of this kind (the column becomes text).
    Mask(PiiKind),
    /// A text column: values that look like e-mail addresses become `E-` pseudonyms.
    MaskEmails,
}

/// What one input's extracts hold.
#[derive(Clone, Debug)]
pub struct ColumnPlan {
    /// The split column's index in the input.
    pub key: usize,
    /// The kept columns' indices in the input, ascending, with their treatment.
    pub kept: Vec<(usize, ColumnTreatment)>,
    /// Names of the columns left out.
    pub dropped: Vec<String>,
}

/// Words that make a column name look like it identifies or describes a person.
const PERSON_WORDS: &[&str] = &[
    "user",
    "users",
    "username",
    "student",
    "learner",
    "teacher",
    "instructor",
    "person",
    "member",
    "account",
    "employee",
    "staff",
    "sis",
    "login",
    "owner",
    "author",
    "grader",
    "reviewer",
    "advisor",
    "parent",
    "guardian",
    "customer",
    "contact",
    "ssn",
    "phone",
    "mobile",
    "ip",
    "address",
    "email",
    "mail",
];
/// Words that make a column name look like an identifier of anything.
const ID_WORDS: &[&str] = &[
    "id", "ids", "uid", "uuid", "guid", "key", "number", "num", "no", "nr",
];
/// Run-together names ending in `id` that are ordinary words.
const NOT_IDS: &[&str] = &[
    "paid", "valid", "invalid", "void", "avoid", "android", "grid", "hybrid", "rapid", "solid",
    "fluid", "liquid", "humid", "vivid",
];

fn words(column: &str) -> (String, Vec<String>) {
    // camelCase boundaries become word boundaries: studentId -> student_id.
    let mut name = String::new();
    let mut previous_lower = false;
    for character in column.trim().trim_start_matches('\u{feff}').chars() {
        if character.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = character.is_ascii_lowercase() || character.is_ascii_digit();
        name.push(match character {
            '-' | ' ' | '.' => '_',
            other => other.to_ascii_lowercase(),
        });
    }
    let words = name
        .split('_')
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect();
    (name.replace('_', ""), words)
}

/// Whether a column's name says it identifies a person: names and e-mail addresses
/// ([`pii_column`]), `sis_user_id`, `teacher_id`, `studentNumber`, `ip_address`, ...
pub fn person_identifier(column: &str) -> bool {
    if pii_column(column).is_some() {
        return true;
    }
    let (compact, words) = words(column);
    words
        .iter()
        .any(|word| PERSON_WORDS.contains(&word.as_str()))
        || [
            "userid",
            "studentid",
            "learnerid",
            "teacherid",
            "instructorid",
            "username",
        ]
        .iter()
        .any(|run| compact.contains(run))
}

/// Whether a column's name looks like an identifier (of a person or anything else): every
/// [`person_identifier`], and names with a word such as id, uid, uuid, guid, key, number or no
/// (`session_id`, `device_key`, `deviceId`, `userid`).
pub fn identifier_like(column: &str) -> bool {
    if person_identifier(column) {
        return true;
    }
    let (compact, words) = words(column);
    words.iter().any(|word| ID_WORDS.contains(&word.as_str()))
        || (compact.len() > 2 && compact.ends_with("id") && !NOT_IDS.contains(&compact.as_str()))
}

/// The split column and what happens to every column of one input.
pub fn plan_columns(input: &Input, schema: &Schema, plan: &SplitPlan<'_>) -> Result<ColumnPlan> {
    let name = shown::text(&input.name);
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mapping = Mapping::resolve(&input.name, schema, plan.overrides)
        .map_err(|error| input.engine_error(error))
        .context("split keeps only mapped columns, so it needs the column mapping (use --map field=COLUMN)")?;
    let key = match plan.by {
        SplitBy::Course => mapping
            .column(Field::CourseCode)
            .or_else(|| mapping.column(Field::Course))
            .with_context(|| {
                format!(
                    "{name}: no course column: looked for {}{}",
                    [Field::CourseCode.candidates(), Field::Course.candidates()]
                        .concat()
                        .join(", "),
                    file_has(input, &columns)
                )
            })?,
        SplitBy::Instructor => INSTRUCTOR_COLUMNS
            .iter()
            .find_map(|candidate| {
                columns
                    .iter()
                    .position(|c| c.trim().eq_ignore_ascii_case(candidate))
            })
            .with_context(|| {
                format!(
                    "{name}: no instructor column: looked for {}{}",
                    INSTRUCTOR_COLUMNS.join(", "),
                    file_has(input, &columns)
                )
            })?,
    };
    let find = |wanted: &str| {
        columns
            .iter()
            .position(|column| column.trim().eq_ignore_ascii_case(wanted.trim()))
    };
    let mut kept: BTreeSet<usize> = mapping.projection().into_iter().collect();
    kept.insert(key);
    let mapped = kept.clone();
    for wanted in plan.keep {
        let index = find(wanted)
            .with_context(|| format!("{name}: --keep {wanted}: the file has no such column"))?;
        if plan
            .drop
            .iter()
            .any(|drop| drop.trim().eq_ignore_ascii_case(wanted.trim()))
        {
            bail!("--keep {wanted} and --drop {wanted}: choose one");
        }
        kept.insert(index);
    }
    for wanted in plan.drop {
        let index = find(wanted)
            .with_context(|| format!("{name}: --drop {wanted}: the file has no such column"))?;
        if index == key {
            bail!("--drop {wanted}: it is the column split by, which every extract keeps");
        }
        kept.remove(&index);
    }
    let explicitly_dropped = |column: &str| {
        plan.drop
            .iter()
            .any(|drop| drop.trim().eq_ignore_ascii_case(column.trim()))
    };
    let undecided: Vec<&str> = columns
        .iter()
        .enumerate()
        .filter(|(index, column)| {
            !kept.contains(index) && !explicitly_dropped(column) && identifier_like(column)
        })
        .map(|(_, column)| *column)
        .collect();
    if !undecided.is_empty() {
        bail!(
            "{name}: split keeps only mapped columns, and would leave out {} whose names look like identifiers; say what to do with each: --keep COLUMN (masked unless --no-mask) or --drop COLUMN",
            undecided.join(", ")
        );
    }
    let learner = mapping.column(Field::Student);
    let kept = kept
        .into_iter()
        .map(|index| {
            let field = schema.field(index);
            let column = field.name().as_str();
            let treatment = if plan.masking.is_none() {
                ColumnTreatment::Keep
            } else if Some(index) == learner {
                ColumnTreatment::Mask(PiiKind::Learner)
            } else if index == key && plan.by == SplitBy::Instructor {
                ColumnTreatment::Mask(pii_column(column).unwrap_or(PiiKind::Name))
            } else if let Some(kind) = pii_column(column) {
                ColumnTreatment::Mask(kind)
            } else if !mapped.contains(&index) && person_identifier(column) {
                // A kept `sis_user_id` or `teacher_id` is a person's identity too.
                ColumnTreatment::Mask(PiiKind::Name)
            } else if is_text(field.data_type()) {
                ColumnTreatment::MaskEmails
            } else {
                ColumnTreatment::Keep
            };
            (index, treatment)
        })
        .collect::<Vec<_>>();
    let dropped = columns
        .iter()
        .enumerate()
        .filter(|(index, _)| !kept.iter().any(|(kept, _)| kept == index))
        .map(|(_, column)| (*column).to_owned())
        .collect();
    Ok(ColumnPlan { key, kept, dropped })
}

/// "; file has: a, b" for a file the user named; nothing for one reached through a manifest,
/// whose content errors do not quote.
fn file_has(input: &Input, columns: &[&str]) -> String {
    if input.manifest.is_some() {
        String::new()
    } else {
        format!("; file has: {}", columns.join(", "))
    }
}

pub fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(column: &str, expected: (bool, bool)) {
        assert_eq!(
            (identifier_like(column), person_identifier(column)),
            expected,
            "{column}: (identifier_like, person_identifier)"
        );
    }

    #[test]
    fn identifier_like_column_names() {
        let cases = [
            ("sis_user_id", (true, true)),
            ("teacher_id", (true, true)),
            ("TeacherID", (true, true)),
            ("studentNumber", (true, true)),
            ("userid", (true, true)),
            ("email", (true, true)),
            ("first_name", (true, true)),
            ("ip_address", (true, true)),
            ("session_id", (true, false)),
            ("deviceId", (true, false)),
            ("module_key", (true, false)),
            ("lessonid", (true, false)),
            ("duration_seconds", (false, false)),
            ("paid", (false, false)),
            ("device", (false, false)),
            ("course_name", (false, false)),
            ("score", (false, false)),
        ];
        for (column, expected) in cases {
            check(column, expected);
        }
    }
}
