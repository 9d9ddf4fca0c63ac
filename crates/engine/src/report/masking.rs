//! PII masking: learner ids, names and e-mail addresses become stable keyed pseudonyms in the
//! report (and in `coursepulse split` extracts), after every ranking was computed on real values.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::report::Report;

/// Hex digits of the keyed hash kept in a pseudonym: 48 bits, so that among a million learners
/// the chance that two share a pseudonym is about 0.2 % (40 bits would make it about 40 %).
/// Ranking never depends on it: pseudonyms are applied to the finished report.
const PSEUDONYM_HEX_DIGITS: usize = 12;

/// Replaces learner identity with pseudonyms: `L-` + 12 hex digits of HMAC-SHA256(salt, value).
///
/// The same salt gives the same pseudonym for a value in every run and every file, so masked
/// reports and extracts can still be joined on the pseudonym; another salt gives unrelated ones.
/// An empty salt is allowed (the default key), but anyone can then hash a list of likely ids
/// (student numbers are short) and recognise them: a secret per-dataset salt is what prevents
/// that dictionary attack.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Masking {
    /// The secret key of the keyed hash.
    pub salt: String,
}

impl std::fmt::Debug for Masking {
    // The salt is a secret: it must not end up in a log through `{:?}` of the options.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masking")
            .field("salt", &format_args!("<{} bytes>", self.salt.len()))
            .finish()
    }
}

/// What kind of value a pseudonym stands for; it picks the pseudonym's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PiiKind {
    /// A learner id (`L-`).
    Learner,
    /// A person's name or user name (`N-`).
    Name,
    /// An e-mail address (`E-`).
    Email,
}

impl PiiKind {
    fn prefix(self) -> &'static str {
        match self {
            PiiKind::Learner => "L-",
            PiiKind::Name => "N-",
            PiiKind::Email => "E-",
        }
    }
}

impl Masking {
    /// A masking with this salt.
    pub fn new(salt: impl Into<String>) -> Masking {
        Masking { salt: salt.into() }
    }

    /// The pseudonym of `value`, e.g. `L-3f9a2c7d1e4b`. The hash covers the value only (not
    /// the kind), so an e-mail address used as a learner id keeps the same hex digits.
    pub fn pseudonym(&self, kind: PiiKind, value: &str) -> String {
        // HMAC accepts keys of any length, the empty one included, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.salt.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut text = String::with_capacity(2 + PSEUDONYM_HEX_DIGITS);
        text.push_str(kind.prefix());
        for byte in &digest[..PSEUDONYM_HEX_DIGITS / 2] {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        text
    }

    /// Masks one value of a column: the learner column's values are `L-` pseudonyms, values of
    /// a column that [`pii_column`] recognises are `N-` or `E-` ones, and any other value that
    /// looks like an e-mail address is an `E-` one wherever it appears.
    pub fn mask_value(&self, column_kind: Option<PiiKind>, value: &str) -> String {
        match column_kind {
            Some(kind) => self.pseudonym(kind, value),
            None if looks_like_email(value) => self.pseudonym(PiiKind::Email, value),
            None => value.to_owned(),
        }
    }

    /// Masks every learner identity in a finished report: the learner lists, the most-watched
    /// learner and the quality samples. In a sample, the learner column's values are `L-`
    /// pseudonyms; the other mapped columns (video, course, completion, role, times: what the
    /// report is about) keep their values, but for name and e-mail columns and e-mail-like
    /// values; and every column the mapping does not know (a dbt test's `sis_user_id`,
    /// `teacher_id`, a free-text note) is pseudonymised whole, `E-` for an e-mail column and
    /// `N-` otherwise, since nothing says what it holds. `learner_columns` are the names the
    /// inputs' learner columns have; the mapped columns come from the report's sources.
    pub(crate) fn mask_report(&self, report: &mut Report, learner_columns: &[String]) {
        let learners = report
            .learners_top
            .iter_mut()
            .chain(report.learners_bottom.iter_mut())
            .chain(report.learners.iter_mut())
            .chain(report.most_watched_learner.iter_mut());
        for learner in learners {
            learner.student_id = self.pseudonym(PiiKind::Learner, &learner.student_id);
        }
        let mapped = MappedColumns::of(report);
        let rules = report
            .quality
            .rules
            .iter_mut()
            .map(|rule| &mut rule.samples)
            .chain(report.quality.dbt.iter_mut().map(|rule| &mut rule.samples));
        for samples in rules {
            for sample in samples.iter_mut() {
                let source = sample.source.as_str();
                for (column, value) in sample.values.iter_mut() {
                    let kind = sample_column_kind(
                        column,
                        learner_columns.iter().any(|name| name == column),
                        mapped.contains(source, column),
                    );
                    if let Some(text) = value {
                        *text = self.mask_value(kind, text);
                    }
                }
            }
        }
    }
}

/// How a sample's column is masked: the learner column as learners, an unmapped column always
/// (by its name's kind, else as a name), a mapped one only when its name says it holds names or
/// e-mail addresses (`None`: only e-mail-like values are masked).
fn sample_column_kind(column: &str, is_learner: bool, is_mapped: bool) -> Option<PiiKind> {
    if is_learner {
        Some(PiiKind::Learner)
    } else if is_mapped {
        pii_column(column)
    } else {
        Some(pii_column(column).unwrap_or(PiiKind::Name))
    }
}

/// The columns each input's mapping uses, from the report's sources.
struct MappedColumns {
    /// (input name, column name).
    pairs: Vec<(String, String)>,
}

impl MappedColumns {
    fn of(report: &Report) -> MappedColumns {
        let pairs = report
            .sources
            .iter()
            .flat_map(|source| {
                source
                    .mapping
                    .iter()
                    .map(|(_, column)| (source.name.clone(), column.clone()))
            })
            .collect();
        MappedColumns { pairs }
    }

    /// Whether `column` is mapped in input `source`; for a sample of an input the report does
    /// not list (restored from a state), whether any input maps it.
    fn contains(&self, source: &str, column: &str) -> bool {
        let listed = self.pairs.iter().any(|(name, _)| name == source);
        self.pairs
            .iter()
            .any(|(name, mapped)| (!listed || name == source) && mapped == column)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Column names (lower-cased, `-` and spaces as `_`) that hold a person's name or login.
const NAME_COLUMNS: &[&str] = &[
    "name",
    "full_name",
    "fullname",
    "first_name",
    "firstname",
    "given_name",
    "last_name",
    "lastname",
    "surname",
    "family_name",
    "display_name",
    "username",
    "user_name",
    "login",
    "student_name",
    "learner_name",
    "instructor",
    "instructor_name",
    "teacher",
    "teacher_name",
];

/// Prefixes of `*_name` columns that name things, not people.
const THING_PREFIXES: &[&str] = &[
    "video",
    "course",
    "file",
    "module",
    "lesson",
    "section",
    "chapter",
    "program",
    "school",
    "department",
    "platform",
    "device",
    "browser",
    "os",
    "app",
    "event",
    "table",
    "column",
];

/// Whether a column, by its name, holds names or e-mail addresses: `email`, `e_mail`,
/// `student_email`, `name`, `first_name`, `learner_name`, `username`, ... but not `video_name` or
/// `course_name`. Learner id columns are known from the mapping, not from here.
pub fn pii_column(column: &str) -> Option<PiiKind> {
    let name: String = column
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|character| match character {
            '-' | ' ' | '.' => '_',
            other => other.to_ascii_lowercase(),
        })
        .collect();
    if name.contains("email") || name.contains("e_mail") || name == "mail" {
        return Some(PiiKind::Email);
    }
    if NAME_COLUMNS.contains(&name.as_str()) {
        return Some(PiiKind::Name);
    }
    let prefix = name.strip_suffix("_name")?;
    let is_thing = THING_PREFIXES
        .iter()
        .any(|thing| prefix == *thing || prefix.ends_with(&format!("_{thing}")));
    (!is_thing).then_some(PiiKind::Name)
}

/// Whether a value looks like an e-mail address: `local@domain.tld`, no spaces, one `@`.
pub fn looks_like_email(value: &str) -> bool {
    let value = value.trim();
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let (host, tld) = match domain.rsplit_once('.') {
        Some(parts) => parts,
        None => return false,
    };
    !local.is_empty()
        && !host.is_empty()
        && tld.len() >= 2
        && tld.chars().all(|character| character.is_ascii_alphabetic())
        && !domain.contains('@')
        && !value.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_stable_and_short() {
        let masking = Masking::new("course-2025");
        let first = masking.pseudonym(PiiKind::Learner, "S001");
        assert_eq!(first, masking.pseudonym(PiiKind::Learner, "S001"));
        assert_ne!(first, masking.pseudonym(PiiKind::Learner, "S002"));
        assert_ne!(
            first,
            Masking::new("other").pseudonym(PiiKind::Learner, "S001")
        );
        assert_ne!(
            first,
            Masking::default().pseudonym(PiiKind::Learner, "S001")
        );
        assert_eq!(first.len(), 2 + PSEUDONYM_HEX_DIGITS);
        assert!(first.starts_with("L-"));
        assert!(first[2..].chars().all(|c| c.is_ascii_hexdigit()));
        let email = masking.pseudonym(PiiKind::Email, "S001");
        assert_eq!(&email[2..], &first[2..], "the kind changes only the prefix");
    }

    /// Regression (issue 14): a dbt test's `sis_user_id` and `teacher_id` showed in clear in
    /// masked samples; every unmapped column is now pseudonymised.
    #[test]
    fn samples_mask_the_learner_and_every_unmapped_column() {
        let cases = [
            ("student_id", true, true, Some(PiiKind::Learner)),
            ("sis_user_id", false, false, Some(PiiKind::Name)),
            ("teacher_id", false, false, Some(PiiKind::Name)),
            ("notes", false, false, Some(PiiKind::Name)),
            ("guardian_email", false, false, Some(PiiKind::Email)),
            ("video_title", false, true, None),
            ("course_code", false, true, None),
            ("learner_name", false, true, Some(PiiKind::Name)),
        ];
        for (column, is_learner, is_mapped, expected) in cases {
            assert_eq!(
                sample_column_kind(column, is_learner, is_mapped),
                expected,
                "{column}"
            );
        }
        let mapped = MappedColumns {
            pairs: vec![
                ("a.csv".into(), "student_id".into()),
                ("a.csv".into(), "video".into()),
                ("b.csv".into(), "sis_user_id".into()),
            ],
        };
        assert!(mapped.contains("a.csv", "video"));
        assert!(
            !mapped.contains("a.csv", "sis_user_id"),
            "b's mapping is b's"
        );
        assert!(mapped.contains("b.csv", "sis_user_id"));
        assert!(mapped.contains("restored.csv", "sis_user_id"));
        assert!(!mapped.contains("restored.csv", "teacher_id"));
    }

    #[test]
    fn pseudonym_is_hmac_sha256() {
        // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?")
        // = 5bdcc146bf60754e6a042426089575c7...
        let masking = Masking::new("Jefe");
        assert_eq!(
            masking.pseudonym(PiiKind::Learner, "what do ya want for nothing?"),
            "L-5bdcc146bf60"
        );
    }

    #[test]
    fn pii_columns_are_recognised_by_name() {
        let cases = [
            ("email", Some(PiiKind::Email)),
            ("Student_Email", Some(PiiKind::Email)),
            ("e-mail", Some(PiiKind::Email)),
            ("name", Some(PiiKind::Name)),
            ("First Name", Some(PiiKind::Name)),
            ("learner_name", Some(PiiKind::Name)),
            ("guardian_name", Some(PiiKind::Name)),
            ("username", Some(PiiKind::Name)),
            ("video_name", None),
            ("course_name", None),
            ("intro_video_name", None),
            ("student_id", None),
            ("role", None),
        ];
        for (column, expected) in cases {
            assert_eq!(pii_column(column), expected, "{column}");
        }
    }

    #[test]
    fn email_like_values_are_recognised() {
        let cases = [
            ("ada@example.org", true),
            (" ada.lovelace+x@uni.ac.uk ", true),
            ("ada@localhost", false),
            ("@example.org", false),
            ("ada@@example.org", false),
            ("a b@example.org", false),
            ("S001", false),
            ("ada@example.123", false),
        ];
        for (value, expected) in cases {
            assert_eq!(looks_like_email(value), expected, "{value}");
        }
        let masking = Masking::new("k");
        assert!(
            masking
                .mask_value(None, "ada@example.org")
                .starts_with("E-")
        );
        assert_eq!(masking.mask_value(None, "CSC101"), "CSC101");
    }
}
