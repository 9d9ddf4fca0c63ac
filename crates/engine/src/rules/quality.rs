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
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 12] = [
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
        }
    }

    /// Severity when the user has not chosen one.
    pub fn default_severity(self) -> Severity {
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
            | Rule::TimestampNotFuture => Severity::Warn,
        }
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

/// How many offending rows a rule tolerates before it fails.
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

    fn exceeded(self, count: u64, percent: f64) -> bool {
        match self {
            Threshold::Count(limit) => count > limit,
            Threshold::Percent(limit) => percent > limit,
        }
    }
}

/// A user's severity or threshold choice for one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleConfig {
    /// The rule configured.
    pub rule: Rule,
    /// Replaces the default severity.
    pub severity: Option<Severity>,
    /// Replaces the default threshold (0 rows).
    pub threshold: Option<Threshold>,
}

impl RuleConfig {
    /// Parses `rule=threshold[:severity]`, e.g. `unique_key=1%:warn` or `completion_in_range=10`.
    pub fn parse(text: &str) -> Result<RuleConfig> {
        let invalid = |why: &str| {
            Error::Option(format!(
                "rule setting {text:?}: {why}; expected rule=threshold[:severity], e.g. unique_key=1%:warn"
            ))
        };
        let (name, setting) = text.split_once('=').ok_or_else(|| invalid("missing '='"))?;
        let rule = Rule::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Rule::ALL.iter().map(|rule| rule.name()).collect();
            invalid(&format!("unknown rule; rules are {}", names.join(", ")))
        })?;
        let (threshold_text, severity_text) = match setting.split_once(':') {
            Some((threshold, severity)) => (threshold, Some(severity)),
            None => (setting, None),
        };
        let threshold = if threshold_text.trim().is_empty() {
            None
        } else {
            Some(
                Threshold::parse(threshold_text)
                    .ok_or_else(|| invalid("threshold is not a row count or a percentage"))?,
            )
        };
        let severity = match severity_text {
            Some(severity) => Some(
                Severity::from_name(severity)
                    .ok_or_else(|| invalid("severity must be error or warn"))?,
            ),
            None => None,
        };
        Ok(RuleConfig {
            rule,
            severity,
            threshold,
        })
    }
}

/// The outcome of one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within the threshold.
    Pass,
    /// Over the threshold, severity warn.
    Warn,
    /// Over the threshold, severity error.
    Fail,
    /// The column the rule needs is not in the data.
    Skipped,
}

/// One rule's finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityRule {
    /// Rule name, e.g. `completion_in_range`.
    pub name: &'static str,
    /// What the rule flags and what happens to those rows.
    pub description: &'static str,
    /// Severity in force.
    pub severity: Severity,
    /// Threshold in force.
    pub threshold: Threshold,
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
                let config = configs.iter().rev().find(|config| config.rule == rule);
                let severity = config
                    .and_then(|config| config.severity)
                    .unwrap_or(rule.default_severity());
                let threshold = config
                    .and_then(|config| config.threshold)
                    .unwrap_or(Threshold::Count(0));
                let count = self.counts[rule as usize];
                let percent = if total_rows == 0 {
                    0.0
                } else {
                    count as f64 * 100.0 / total_rows as f64
                };
                let status = if !self.applies[rule as usize] {
                    Status::Skipped
                } else if !threshold.exceeded(count, percent) {
                    Status::Pass
                } else if severity == Severity::Error {
                    Status::Fail
                } else {
                    Status::Warn
                };
                QualityRule {
                    name: rule.name(),
                    description: rule.description(),
                    severity,
                    threshold,
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

    #[test]
    fn rule_settings_parse() {
        let cases = [
            (
                "unique_key=1%:warn",
                Some((
                    Rule::UniqueKey,
                    Some(Threshold::Percent(1.0)),
                    Some(Severity::Warn),
                )),
            ),
            (
                "completion_in_range=10",
                Some((Rule::CompletionInRange, Some(Threshold::Count(10)), None)),
            ),
            (
                "role_clean=:error",
                Some((Rule::RoleClean, None, Some(Severity::Error))),
            ),
            ("nope=1", None),
            ("unique_key=-1%", None),
            ("unique_key=1:fatal", None),
            ("unique_key", None),
        ];
        for (text, expected) in cases {
            let parsed = RuleConfig::parse(text)
                .ok()
                .map(|config| (config.rule, config.threshold, config.severity));
            assert_eq!(parsed, expected, "{text}");
        }
    }

    #[test]
    fn thresholds_and_severities_decide_status() {
        let mut counters = QualityCounters::default();
        for rule in [
            Rule::CompletionInRange,
            Rule::UniqueKey,
            Rule::RoleClean,
            Rule::StudentIdNotNull,
        ] {
            counters.set_applies(rule);
        }
        for _ in 0..3 {
            counters.record(Rule::CompletionInRange, 2, || Sample {
                source: "f".into(),
                row: 1,
                values: BTreeMap::new(),
            });
            counters.record(Rule::UniqueKey, 2, || Sample {
                source: "f".into(),
                row: 1,
                values: BTreeMap::new(),
            });
        }
        let configs = [
            RuleConfig::parse("unique_key=5%").unwrap(),
            RuleConfig::parse("role_clean=0:error").unwrap(),
        ];
        let report = counters.evaluate(100, &configs, |_| Vec::new());
        assert_eq!(report.rule(Rule::CompletionInRange).status, Status::Fail);
        assert_eq!(
            report.rule(Rule::CompletionInRange).samples.len(),
            2,
            "samples are capped"
        );
        assert_eq!(report.rule(Rule::CompletionInRange).percent, 3.0);
        assert_eq!(
            report.rule(Rule::UniqueKey).status,
            Status::Pass,
            "3% is within 5%"
        );
        assert_eq!(report.rule(Rule::RoleClean).status, Status::Pass);
        assert_eq!(report.rule(Rule::StudentIdNotNull).status, Status::Pass);
        assert_eq!(
            report.rule(Rule::TimestampNotFuture).status,
            Status::Skipped
        );
        assert!(!report.passed);
    }
}
