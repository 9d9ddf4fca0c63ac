//! Data-quality rules in the style of `dbt test`: each rule counts offending rows over all rows
//! read, has a severity and a threshold, and keeps a few offending rows as samples.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Result};

/// A data-quality rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `student_id` is NULL.
    StudentIdNotNull,
    /// The video key is NULL.
    VideoNotNull,
    /// The course key is NULL.
    CourseNotNull,
    /// Completion is NULL (or empty text).
    CompletionNotNull,
    /// Completion is text that is not a number.
    CompletionNumeric,
    /// Completion is NaN.
    CompletionNotNan,
    /// Completion is a number outside 0..=100 after scale conversion.
    CompletionInRange,
    /// The event id is NULL (such rows are never treated as duplicates).
    EventIdNotNull,
    /// Extra copies of a unique key (event id, else the whole row).
    UniqueKey,
    /// Role is NULL or not Student after trim/lower.
    RoleAcceptedValues,
    /// Role is Student after trim/lower but not spelled exactly `Student`.
    RoleClean,
    /// A watch or update timestamp lies in the future.
    TimestampNotFuture,
    /// The completion scale contradicts the values: read as percent, all lie within 0..1; read
    /// as a fraction, some lie above 1.
    CompletionScale,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 13] = [
        Rule::StudentIdNotNull,
        Rule::VideoNotNull,
        Rule::CourseNotNull,
        Rule::CompletionNotNull,
        Rule::CompletionNumeric,
        Rule::CompletionNotNan,
        Rule::CompletionInRange,
        Rule::EventIdNotNull,
        Rule::UniqueKey,
        Rule::RoleAcceptedValues,
        Rule::RoleClean,
        Rule::TimestampNotFuture,
        Rule::CompletionScale,
    ];

    /// The rule's name in reports and options.
    pub fn name(self) -> &'static str {
        match self {
            Rule::StudentIdNotNull => "student_id_not_null",
            Rule::VideoNotNull => "video_not_null",
            Rule::CourseNotNull => "course_not_null",
            Rule::CompletionNotNull => "completion_not_null",
            Rule::CompletionNumeric => "completion_numeric",
            Rule::CompletionNotNan => "completion_not_nan",
            Rule::CompletionInRange => "completion_in_range",
            Rule::EventIdNotNull => "event_id_not_null",
            Rule::UniqueKey => "unique_key",
            Rule::RoleAcceptedValues => "role_accepted_values",
            Rule::RoleClean => "role_clean",
            Rule::TimestampNotFuture => "timestamp_not_future",
            Rule::CompletionScale => "completion_scale",
        }
    }

    /// Parses a rule name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|rule| rule.name() == name.trim())
    }

    /// One sentence on what the rule flags.
    pub fn description(self) -> &'static str {
        match self {
            Rule::StudentIdNotNull => {
                "Rows without a student id: they cannot be attributed to a learner."
            }
            Rule::VideoNotNull => {
                "Rows without a video: they count for learners' averages but not for any video."
            }
            Rule::CourseNotNull => {
                "Rows without a course: they are left out of per-course rankings."
            }
            Rule::CompletionNotNull => {
                "Rows without a completion value: left out of every average."
            }
            Rule::CompletionNumeric => {
                "Completion stored as text that is not a number: left out of every average."
            }
            Rule::CompletionNotNan => "Completion is NaN: left out of every average.",
            Rule::CompletionInRange => {
                "Completion outside 0-100 % after scale conversion: left out of every average."
            }
            Rule::EventIdNotNull => "Rows without an event id: they cannot be de-duplicated.",
            Rule::UniqueKey => {
                "Extra copies of the same record (event id, else the whole row): one copy is kept."
            }
            Rule::RoleAcceptedValues => {
                "Rows whose role is not Student (after trim and lower-casing): excluded from metrics."
            }
            Rule::RoleClean => {
                "Student rows whose role is spelled differently from 'Student' (case or spaces)."
            }
            Rule::TimestampNotFuture => "Rows with a watch or update time in the future.",
            Rule::CompletionScale => {
                "Completion values that contradict their scale: read as percent but all within 0-1 (fractions?), or read as a fraction but above 1 (percentages?). Switch the scale in the column mapping."
            }
        }
    }

    /// The severity a single-threshold setting (`rule=threshold` without `:severity`) gives the
    /// rule: the rule's severity before it had two levels, so such settings keep their meaning.
    pub fn single_level_severity(self) -> Severity {
        match self {
            Rule::StudentIdNotNull
            | Rule::VideoNotNull
            | Rule::CourseNotNull
            | Rule::CompletionNumeric
            | Rule::CompletionNotNan
            | Rule::CompletionInRange => Severity::Error,
            Rule::CompletionNotNull
            | Rule::EventIdNotNull
            | Rule::UniqueKey
            | Rule::RoleAcceptedValues
            | Rule::RoleClean
            | Rule::TimestampNotFuture
            | Rule::CompletionScale => Severity::Warn,
        }
    }

    /// The severity in force when the user has not chosen one: error (both levels apply), but
    /// warn for the scale check, which is a suspicion the user settles, not a count of bad rows.
    pub fn default_severity(self) -> Severity {
        match self {
            Rule::CompletionScale => Severity::Warn,
            _ => Severity::Error,
        }
    }

    /// The default levels, `(warn_if, error_if)`: every rule warns on its first offending row, so
    /// a 0.1 % blemish shows, and errors above the share of rows at which the extract itself is
    /// broken rather than a few records. A missing key or an unreadable completion is a broken
    /// extract above 1 %, as is a future time (a unit or time-zone slip shifts many rows). A
    /// missing completion or event id, or duplicates, are normal in small numbers (an unfinished
    /// view, an at-least-once export) and a broken extract above 5 % (a file loaded twice is 50 %).
    /// Non-student and misspelt roles are normal (instructors preview videos): only a role column
    /// where most rows are not clean students is an error.
    pub fn default_levels(self) -> (Threshold, Threshold) {
        let error_percent = match self {
            Rule::StudentIdNotNull
            | Rule::VideoNotNull
            | Rule::CourseNotNull
            | Rule::CompletionNumeric
            | Rule::CompletionNotNan
            | Rule::CompletionInRange
            | Rule::TimestampNotFuture => 1.0,
            Rule::CompletionNotNull | Rule::EventIdNotNull | Rule::UniqueKey => 5.0,
            Rule::RoleAcceptedValues | Rule::RoleClean => 50.0,
            // Not applied (severity warn): the scale check only warns.
            Rule::CompletionScale => 100.0,
        };
        (Threshold::Count(0), Threshold::Percent(error_percent))
    }
}

/// How bad a failing rule is: `Error` fails `coursepulse check`, `Warn` only reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails the quality gate.
    Error,
    /// Reported, does not fail the gate.
    Warn,
}

impl Severity {
    /// Parses `error` or `warn`.
    pub fn from_name(name: &str) -> Option<Severity> {
        match name.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warn" | "warning" => Some(Severity::Warn),
            _ => None,
        }
    }
}

/// How many offending rows a level of a rule tolerates: the level is crossed above it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// At most this many rows.
    Count(u64),
    /// At most this percentage of all rows.
    Percent(f64),
}

impl Threshold {
    /// Parses `5` (rows) or `2.5%` (percent of rows).
    pub fn parse(text: &str) -> Option<Threshold> {
        let text = text.trim();
        match text.strip_suffix('%') {
            Some(percent) => percent
                .trim()
                .parse()
                .ok()
                .filter(|value: &f64| value.is_finite() && *value >= 0.0)
                .map(Threshold::Percent),
            None => text.parse().ok().map(Threshold::Count),
        }
    }

    /// Whether `count` offending rows, `percent` of all rows, lie above the threshold. `percent`
    /// is `count * 100 / rows`, correctly rounded like the parsed limit, so a share exactly at
    /// the limit (1 row of 1,000 against `0.1%`) is not above it.
    pub fn exceeded(self, count: u64, percent: f64) -> bool {
        match self {
            Threshold::Count(limit) => count > limit,
            Threshold::Percent(limit) => percent > limit,
        }
    }
}

impl std::fmt::Display for Threshold {
    /// `0 rows`, `1 row`, `2.5%`: as people read it and (without ` rows`) as `--rule` takes it.
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Threshold::Count(1) => write!(out, "1 row"),
            Threshold::Count(rows) => write!(out, "{rows} rows"),
            Threshold::Percent(percent) => write!(out, "{percent}%"),
        }
    }
}

/// A user's choice for one rule: its severity and the thresholds of its two levels. A field
/// left `None` keeps the default (or an earlier setting's choice for the same rule).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleConfig {
    /// The rule configured.
    pub rule: Rule,
    /// Replaces the severity (with `Warn`, `error_if` is not applied, as in dbt).
    pub severity: Option<Severity>,
    /// Replaces the warn level's threshold.
    pub warn_if: Option<Threshold>,
    /// Replaces the error level's threshold.
    pub error_if: Option<Threshold>,
}

impl RuleConfig {
    /// Parses `rule=warn>T[,error>T]` (either level alone or both: warn above one threshold,
    /// error above the other, e.g. `unique_key=warn>0.1%,error>5%`) or the single-level
    /// `rule=threshold[:severity]` (e.g. `unique_key=1%:warn`, `completion_in_range=10`,
    /// `role_clean=:error`): above the threshold (default 0 rows) the rule takes the severity
    /// (default [`Rule::single_level_severity`]), and within it passes.
    pub fn parse(text: &str) -> Result<RuleConfig> {
        let invalid = |why: &str| {
            Error::Option(format!(
                "rule setting {text:?}: {why}; expected rule=warn>threshold,error>threshold or rule=threshold[:severity], e.g. unique_key=warn>0.1%,error>5% or unique_key=1%:warn"
            ))
        };
        let (name, setting) = text.split_once('=').ok_or_else(|| invalid("missing '='"))?;
        let rule = Rule::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Rule::ALL.iter().map(|rule| rule.name()).collect();
            invalid(&format!("unknown rule; rules are {}", names.join(", ")))
        })?;
        let threshold = |text: &str| {
            Threshold::parse(text)
                .ok_or_else(|| invalid("threshold is not a row count or a percentage"))
        };
        if setting.contains('>') {
            let mut config = RuleConfig {
                rule,
                severity: None,
                warn_if: None,
                error_if: None,
            };
            for level in setting.split(',') {
                let (severity, limit) = level
                    .split_once('>')
                    .ok_or_else(|| invalid("each level is warn>threshold or error>threshold"))?;
                let slot = match Severity::from_name(severity) {
                    Some(Severity::Warn) => &mut config.warn_if,
                    Some(Severity::Error) => &mut config.error_if,
                    None => return Err(invalid("a level is warn or error")),
                };
                if slot.replace(threshold(limit)?).is_some() {
                    return Err(invalid("a level is given twice"));
                }
            }
            return Ok(config);
        }
        let (threshold_text, severity_text) = match setting.split_once(':') {
            Some((threshold, severity)) => (threshold, Some(severity)),
            None => (setting, None),
        };
        let limit = if threshold_text.trim().is_empty() {
            Threshold::Count(0)
        } else {
            threshold(threshold_text)?
        };
        let severity = match severity_text {
            Some(severity) => Severity::from_name(severity)
                .ok_or_else(|| invalid("severity must be error or warn"))?,
            None => rule.single_level_severity(),
        };
        Ok(RuleConfig {
            rule,
            severity: Some(severity),
            warn_if: Some(limit),
            error_if: Some(limit),
        })
    }
}

/// The outcome of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within both thresholds.
    Pass,
    /// Above the warn threshold (and not above an error threshold in force).
    Warn,
    /// Above the error threshold, severity error.
    Fail,
    /// The column the rule needs is not in the data.
    Skipped,
}

/// Which level of a rule its offending rows crossed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Crossed {
    /// Above `warn_if`: the rule warns.
    WarnIf,
    /// Above `error_if` with severity error: the rule fails.
    ErrorIf,
}

/// A rule's severity and levels in force, and what its offending rows make of them (dbt's
/// `severity`, `warn_if` and `error_if`): with severity error, above `error_if` fails; otherwise
/// above `warn_if` warns; otherwise it passes.
pub fn judge(
    severity: Severity,
    warn_if: Threshold,
    error_if: Threshold,
    count: u64,
    percent: f64,
) -> Option<Crossed> {
    if severity == Severity::Error && error_if.exceeded(count, percent) {
        Some(Crossed::ErrorIf)
    } else if warn_if.exceeded(count, percent) {
        Some(Crossed::WarnIf)
    } else {
        None
    }
}

/// One rule's finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityRule {
    /// Rule name, e.g. `completion_in_range`.
    pub name: &'static str,
    /// What the rule flags and what happens to those rows.
    pub description: &'static str,
    /// Severity in force: `warn` means the rule never fails (`error_if` is not applied).
    pub severity: Severity,
    /// Above this the rule warns.
    pub warn_if: Threshold,
    /// Above this the rule fails (with severity error).
    pub error_if: Threshold,
    /// The level its offending rows crossed, `None` when it passed or was skipped.
    pub crossed: Option<Crossed>,
    /// Offending rows.
    pub count: u64,
    /// Offending rows as a percentage of all rows.
    pub percent: f64,
    /// Outcome.
    pub status: Status,
    /// Per distinct offending value (roles), most frequent first.
    pub details: Vec<ValueCount>,
    /// The first offending rows, with their row numbers.
    pub samples: Vec<Sample>,
}

/// A distinct offending value and how often it occurs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueCount {
    /// The raw value; `None` for NULL.
    pub value: Option<String>,
    /// Rows with it.
    pub count: u64,
}

/// One offending row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    /// The input it came from.
    pub source: String,
    /// 1-based data row number within that input.
    pub row: u64,
    /// Column name -> displayed value (NULL as `None`), for every mapped column.
    pub values: BTreeMap<String, Option<String>>,
}

/// All rules' findings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityReport {
    /// No error-severity rule failed.
    pub passed: bool,
    /// One entry per rule, in [`Rule::ALL`] order.
    pub rules: Vec<QualityRule>,
    /// Tests imported from a dbt schema file, in its order (empty without one).
    pub dbt: Vec<crate::rules::dbt::DbtRuleResult>,
    /// Tests of the dbt schema file that are not run, so none is silently ignored.
    pub dbt_unsupported: Vec<crate::rules::dbt::DbtUnsupported>,
}

impl QualityReport {
    /// The finding for `rule`.
    pub fn rule(&self, rule: Rule) -> &QualityRule {
        let index = Rule::ALL
            .iter()
            .position(|candidate| *candidate == rule)
            .unwrap_or(0);
        &self.rules[index]
    }
}

/// Running counts and samples, one slot per rule.
#[derive(Clone, Debug, Default)]
pub(crate) struct QualityCounters {
    pub(crate) counts: [u64; Rule::ALL.len()],
    pub(crate) applies: [bool; Rule::ALL.len()],
    pub(crate) samples: [Vec<Sample>; Rule::ALL.len()],
}

impl QualityCounters {
    pub(crate) fn set_applies(&mut self, rule: Rule) {
        self.applies[rule as usize] = true;
    }

    /// Sets a rule judged from evidence other than rows one by one (the scale check).
    pub(crate) fn set_finding(&mut self, rule: Rule, count: u64, applies: bool) {
        self.counts[rule as usize] = count;
        self.applies[rule as usize] = applies;
    }

    /// Counts one offending row; `sample` builds its sample only while there is room for one.
    pub(crate) fn record(
        &mut self,
        rule: Rule,
        max_samples: usize,
        sample: impl FnOnce() -> Sample,
    ) {
        self.counts[rule as usize] += 1;
        let samples = &mut self.samples[rule as usize];
        if samples.len() < max_samples {
            samples.push(sample());
        }
    }

    /// Evaluates every rule against its threshold. `details` gives per-value counts for a rule.
    pub(crate) fn evaluate(
        &self,
        total_rows: u64,
        configs: &[RuleConfig],
        mut details: impl FnMut(Rule) -> Vec<ValueCount>,
    ) -> QualityReport {
        let rules: Vec<QualityRule> = Rule::ALL
            .into_iter()
            .map(|rule| {
                let (mut warn_if, mut error_if) = rule.default_levels();
                let mut severity = rule.default_severity();
                for config in configs.iter().filter(|config| config.rule == rule) {
                    severity = config.severity.unwrap_or(severity);
                    warn_if = config.warn_if.unwrap_or(warn_if);
                    error_if = config.error_if.unwrap_or(error_if);
                }
                let count = self.counts[rule as usize];
                let percent = if total_rows == 0 {
                    0.0
                } else {
                    count as f64 * 100.0 / total_rows as f64
                };
                let applies = self.applies[rule as usize];
                let crossed = applies
                    .then(|| judge(severity, warn_if, error_if, count, percent))
                    .flatten();
                let status = match crossed {
                    _ if !applies => Status::Skipped,
                    Some(Crossed::ErrorIf) => Status::Fail,
                    Some(Crossed::WarnIf) => Status::Warn,
                    None => Status::Pass,
                };
                QualityRule {
                    name: rule.name(),
                    description: rule.description(),
                    severity,
                    warn_if,
                    error_if,
                    crossed,
                    count,
                    percent,
                    status,
                    details: if status == Status::Skipped {
                        Vec::new()
                    } else {
                        details(rule)
                    },
                    samples: self.samples[rule as usize].clone(),
                }
            })
            .collect();
        QualityReport {
            passed: rules.iter().all(|rule| rule.status != Status::Fail),
            rules,
            dbt: Vec::new(),
            dbt_unsupported: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed = (Rule, Option<Severity>, Option<Threshold>, Option<Threshold>);

    #[test]
    fn rule_settings_parse() {
        let cases: [(&str, Option<Parsed>); 12] = [
            (
                "unique_key=1%:warn",
                Some((
                    Rule::UniqueKey,
                    Some(Severity::Warn),
                    Some(Threshold::Percent(1.0)),
                    Some(Threshold::Percent(1.0)),
                )),
            ),
            (
                "completion_in_range=10",
                Some((
                    Rule::CompletionInRange,
                    Some(Severity::Error),
                    Some(Threshold::Count(10)),
                    Some(Threshold::Count(10)),
                )),
            ),
            (
                "unique_key=10",
                Some((
                    Rule::UniqueKey,
                    Some(Severity::Warn),
                    Some(Threshold::Count(10)),
                    Some(Threshold::Count(10)),
                )),
            ),
            (
                "role_clean=:error",
                Some((
                    Rule::RoleClean,
                    Some(Severity::Error),
                    Some(Threshold::Count(0)),
                    Some(Threshold::Count(0)),
                )),
            ),
            (
                "unique_key=warn>0.1%,error>5%",
                Some((
                    Rule::UniqueKey,
                    None,
                    Some(Threshold::Percent(0.1)),
                    Some(Threshold::Percent(5.0)),
                )),
            ),
            (
                "video_not_null=error>20",
                Some((Rule::VideoNotNull, None, None, Some(Threshold::Count(20)))),
            ),
            ("nope=1", None),
            ("unique_key=-1%", None),
            ("unique_key=1:fatal", None),
            ("unique_key", None),
            ("unique_key=warn>1,warn>2", None),
            ("unique_key=fatal>1", None),
        ];
        for (text, expected) in cases {
            let parsed = RuleConfig::parse(text).ok().map(|config| {
                (
                    config.rule,
                    config.severity,
                    config.warn_if,
                    config.error_if,
                )
            });
            assert_eq!(parsed, expected, "{text}");
        }
    }

    fn sample() -> Sample {
        Sample {
            source: "f".into(),
            row: 1,
            values: BTreeMap::new(),
        }
    }

    /// The status of `rule` with `count` offending rows of `total`, under `settings`.
    fn status_of(rule: Rule, count: u64, total: u64, settings: &[&str]) -> Status {
        let mut counters = QualityCounters::default();
        counters.set_applies(rule);
        for _ in 0..count {
            counters.record(rule, 2, sample);
        }
        let configs: Vec<RuleConfig> = settings
            .iter()
            .map(|text| RuleConfig::parse(text).unwrap())
            .collect();
        counters
            .evaluate(total, &configs, |_| Vec::new())
            .rule(rule)
            .status
    }

    #[test]
    fn default_levels_warn_on_a_blemish_and_fail_a_broken_extract() {
        use Status::{Fail, Pass, Warn};
        let cases = [
            // A key: warn above 0 rows, error above 1 %; exactly 1 % is not above it.
            (Rule::StudentIdNotNull, 0, 1000, Pass),
            (Rule::StudentIdNotNull, 1, 1000, Warn),
            (Rule::StudentIdNotNull, 10, 1000, Warn),
            (Rule::StudentIdNotNull, 11, 1000, Fail),
            // Duplicates: error above 5 %.
            (Rule::UniqueKey, 50, 1000, Warn),
            (Rule::UniqueKey, 51, 1000, Fail),
            // Roles: error only when most rows are not clean students.
            (Rule::RoleAcceptedValues, 500, 1000, Warn),
            (Rule::RoleAcceptedValues, 501, 1000, Fail),
            (Rule::RoleClean, 1, 3, Warn),
        ];
        for (rule, count, total, expected) in cases {
            assert_eq!(
                status_of(rule, count, total, &[]),
                expected,
                "{} with {count} of {total}",
                rule.name()
            );
        }
    }

    #[test]
    fn settings_move_either_level_and_keep_the_single_level_meaning() {
        use Status::{Fail, Pass, Warn};
        let cases: [(&[&str], u64, Status); 10] = [
            // Single level with severity error: up to the threshold passes, above it fails.
            (&["completion_in_range=10"], 10, Pass),
            (&["completion_in_range=10"], 11, Fail),
            // A single-level warn never fails, however many rows.
            (&["completion_in_range=1%:warn"], 900, Warn),
            (&["completion_in_range=1%:warn"], 10, Pass),
            // Both levels as shares: exactly at a share is within it, one row more is above.
            (&["completion_in_range=warn>0.1%,error>2%"], 1, Pass),
            (&["completion_in_range=warn>0.1%,error>2%"], 2, Warn),
            (&["completion_in_range=warn>0.1%,error>2%"], 20, Warn),
            (&["completion_in_range=warn>0.1%,error>2%"], 21, Fail),
            // One level moved, the other kept from an earlier setting or the default.
            (
                &["completion_in_range=warn>5", "completion_in_range=error>8"],
                6,
                Warn,
            ),
            (&["completion_in_range=warn>5"], 11, Fail),
        ];
        for (settings, count, expected) in cases {
            assert_eq!(
                status_of(Rule::CompletionInRange, count, 1000, settings),
                expected,
                "{settings:?} with {count} of 1000"
            );
        }
    }

    #[test]
    fn report_names_the_level_crossed_and_error_status_fails_the_gate() {
        let mut counters = QualityCounters::default();
        for rule in [Rule::CompletionInRange, Rule::UniqueKey, Rule::RoleClean] {
            counters.set_applies(rule);
        }
        for _ in 0..3 {
            counters.record(Rule::CompletionInRange, 2, sample);
            counters.record(Rule::UniqueKey, 2, sample);
        }
        let report = counters.evaluate(100, &[], |_| Vec::new());
        let in_range = report.rule(Rule::CompletionInRange);
        assert_eq!(in_range.samples.len(), 2, "samples are capped");
        assert_eq!(in_range.percent, 3.0);
        assert_eq!(
            (in_range.status, in_range.crossed),
            (Status::Fail, Some(Crossed::ErrorIf))
        );
        let unique = report.rule(Rule::UniqueKey);
        assert_eq!(
            (unique.status, unique.crossed),
            (Status::Warn, Some(Crossed::WarnIf))
        );
        assert_eq!(
            (unique.warn_if, unique.error_if),
            (Threshold::Count(0), Threshold::Percent(5.0))
        );
        assert_eq!(report.rule(Rule::RoleClean).crossed, None);
        assert_eq!(
            report.rule(Rule::TimestampNotFuture).status,
            Status::Skipped
        );
        assert!(!report.passed);
        let warned_only = counters.evaluate(
            100,
            &[RuleConfig::parse("completion_in_range=warn>0,error>3%").unwrap()],
            |_| Vec::new(),
        );
        assert!(warned_only.passed, "warnings do not fail the gate");
    }

    proptest::proptest! {
        /// At exactly a share of rows a level holds; one offending row more crosses it.
        #[test]
        fn a_share_is_crossed_by_the_row_after_it(
            total in 1u64..2_000_000,
            thousandths in 1u64..100_000,
        ) {
            let limit = thousandths as f64 / 1000.0;
            let threshold = Threshold::parse(&format!("{limit}%")).unwrap();
            // Rows at exactly the share exist when total * thousandths is a multiple of 100,000.
            let exact = (total * thousandths).is_multiple_of(100_000);
            let at = total * thousandths / 100_000;
            let percent = |count: u64| count as f64 * 100.0 / total as f64;
            proptest::prop_assert_eq!(threshold.exceeded(at, percent(at)), false);
            if at < total {
                proptest::prop_assert!(threshold.exceeded(at + 1, percent(at + 1)));
            }
            if exact && at > 0 {
                proptest::prop_assert_eq!(threshold.exceeded(at - 1, percent(at - 1)), false);
            }
        }
    }
}
