//! dbt `schema.yml` import: the column tests of a dbt schema file (`not_null`, `unique`,
//! `accepted_values`, `dbt_expectations.expect_column_values_to_be_between`) as extra quality
//! rules, and the column descriptions for the metadata panel. The caller hands over the text.

use yaml_rust2::{Yaml, YamlLoader};

use crate::error::{Error, Result};
use crate::rules::quality::{Sample, Severity, Status};

/// More tests than this are refused: a real schema file has hundreds, not tens of thousands.
const MAX_TESTS: usize = 10_000;

/// The quality rules and descriptions of a dbt schema file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DbtSchema {
    /// Supported column tests, in file order.
    pub tests: Vec<DbtTest>,
    /// Tests this engine cannot run, listed in the report rather than silently ignored.
    pub unsupported: Vec<DbtUnsupported>,
    /// Column name -> description, from `columns: [{name, description}]`.
    pub descriptions: Vec<(String, String)>,
}

/// One column test.
#[derive(Clone, Debug, PartialEq)]
pub struct DbtTest {
    /// The model the test belongs to.
    pub model: String,
    /// The column tested (matched case-insensitively against the input's columns).
    pub column: String,
    /// What is checked.
    pub check: DbtCheck,
    /// `config: {severity: warn}` makes a failure a warning; dbt's default is error.
    pub severity: Severity,
}

/// What a column test checks.
#[derive(Clone, Debug, PartialEq)]
pub enum DbtCheck {
    /// No NULL.
    NotNull,
    /// No value occurs twice (NULLs are ignored, as in dbt).
    Unique,
    /// Every non-NULL value, as text, is one of these.
    AcceptedValues(Vec<String>),
    /// Every non-NULL value is a number within the bounds (inclusive unless `strictly`).
    Between {
        /// Lower bound.
        min: Option<f64>,
        /// Upper bound.
        max: Option<f64>,
        /// Bounds are exclusive.
        strictly: bool,
    },
}

impl DbtCheck {
    /// The dbt test name.
    pub fn name(&self) -> &'static str {
        match self {
            DbtCheck::NotNull => "not_null",
            DbtCheck::Unique => "unique",
            DbtCheck::AcceptedValues(_) => "accepted_values",
            DbtCheck::Between { .. } => "dbt_expectations.expect_column_values_to_be_between",
        }
    }
}

/// A test the engine does not run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DbtUnsupported {
    /// The model.
    pub model: String,
    /// The column, when it is a column test.
    pub column: Option<String>,
    /// The test's name as written.
    pub test: String,
}

impl DbtTest {
    /// The name dbt would give the test, e.g. `not_null_watch_logs_student_id`.
    pub fn test_name(&self) -> String {
        let short = match &self.check {
            DbtCheck::Between { .. } => "expect_column_values_to_be_between",
            other => other.name(),
        };
        format!("{short}_{}_{}", self.model, self.column)
    }
}

impl DbtSchema {
    /// Parses a dbt schema file. A YAML syntax error names its line and column; a test whose
    /// arguments are wrong names where it is (`models[0].columns[2].tests[1]`). A file that
    /// would expand through aliases beyond 200,000 values or nest deeper than 64 levels is
    /// refused before it is built (a few hundred bytes could otherwise take gigabytes).
    pub fn parse(text: &str) -> Result<DbtSchema> {
        crate::rules::yaml_shape::check(text)
            .map_err(|why| Error::Option(format!("dbt schema: refused at {why}")))?;
        let documents = YamlLoader::load_from_str(text).map_err(|error| {
            let marker = error.marker();
            Error::Option(format!(
                "dbt schema: invalid YAML at line {}, column {}: {}",
                marker.line(),
                marker.col() + 1,
                error.info()
            ))
        })?;
        let mut schema = DbtSchema::default();
        let Some(document) = documents.first() else {
            return Err(invalid(
                "the file is empty; expected `version: 2` and `models:`",
            ));
        };
        if !matches!(document, Yaml::Hash(_)) {
            return Err(invalid("expected a mapping with `models:` at the top"));
        }
        let models = match &document["models"] {
            Yaml::Array(models) => models.as_slice(),
            Yaml::BadValue | Yaml::Null => &[],
            _ => return Err(invalid("`models` must be a list")),
        };
        for (model_index, model) in models.iter().enumerate() {
            let place = format!("models[{model_index}]");
            let model_name = text_of(&model["name"])
                .ok_or_else(|| invalid(&format!("{place}: a model needs a `name`")))?;
            for (test, _) in tests_of(model) {
                schema.unsupported.push(DbtUnsupported {
                    model: model_name.clone(),
                    column: None,
                    test: test_name(test).unwrap_or_else(|| "?".to_owned()),
                });
            }
            let columns = match &model["columns"] {
                Yaml::Array(columns) => columns.as_slice(),
                Yaml::BadValue | Yaml::Null => &[],
                _ => return Err(invalid(&format!("{place}: `columns` must be a list"))),
            };
            for (column_index, column) in columns.iter().enumerate() {
                let place = format!("{place}.columns[{column_index}]");
                let column_name = text_of(&column["name"])
                    .ok_or_else(|| invalid(&format!("{place}: a column needs a `name`")))?;
                if let Some(description) = text_of(&column["description"]) {
                    schema.descriptions.push((column_name.clone(), description));
                }
                for (test, test_index) in tests_of(column) {
                    let place = format!("{place}.tests[{test_index}]");
                    let name = test_name(test).ok_or_else(|| {
                        invalid(&format!(
                            "{place}: a test must be a name or a one-key mapping"
                        ))
                    })?;
                    let arguments = arguments_of(test, &name);
                    let check = match name.as_str() {
                        "not_null" => Some(DbtCheck::NotNull),
                        "unique" => Some(DbtCheck::Unique),
                        "accepted_values" => Some(accepted_values(arguments, &place)?),
                        "dbt_expectations.expect_column_values_to_be_between" => {
                            Some(between(arguments, &place)?)
                        }
                        _ => None,
                    };
                    match check {
                        Some(check) => schema.tests.push(DbtTest {
                            model: model_name.clone(),
                            column: column_name.clone(),
                            check,
                            severity: severity_of(test, &name, &place)?,
                        }),
                        None => schema.unsupported.push(DbtUnsupported {
                            model: model_name.clone(),
                            column: Some(column_name.clone()),
                            test: name,
                        }),
                    }
                    if schema.tests.len() + schema.unsupported.len() > MAX_TESTS {
                        return Err(invalid(&format!("more than {MAX_TESTS} tests")));
                    }
                }
            }
        }
        Ok(schema)
    }
}

fn invalid(why: &str) -> Error {
    Error::Option(format!("dbt schema: {why}"))
}

fn text_of(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn number_of(value: &Yaml) -> Option<f64> {
    match value {
        Yaml::Integer(number) => Some(*number as f64),
        Yaml::Real(text) | Yaml::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The tests of a model or column: `data_tests` (dbt 1.8+) and `tests`, with their positions.
fn tests_of(node: &Yaml) -> Vec<(&Yaml, usize)> {
    ["data_tests", "tests"]
        .iter()
        .filter_map(|key| node[*key].as_vec())
        .flat_map(|tests| tests.iter().enumerate().map(|(index, test)| (test, index)))
        .collect()
}

fn test_name(test: &Yaml) -> Option<String> {
    match test {
        Yaml::String(name) => Some(name.trim().to_owned()),
        Yaml::Hash(hash) if hash.len() == 1 => hash.keys().next().and_then(text_of),
        _ => None,
    }
}

/// A test's arguments: under its name, or under `arguments:` there (dbt 1.10+).
fn arguments_of<'a>(test: &'a Yaml, name: &str) -> &'a Yaml {
    let body = &test[name];
    match &body["arguments"] {
        Yaml::Hash(_) => &body["arguments"],
        _ => body,
    }
}

fn severity_of(test: &Yaml, name: &str, place: &str) -> Result<Severity> {
    let body = &test[name];
    let configured = [&body["config"]["severity"], &body["severity"]]
        .into_iter()
        .find_map(text_of);
    match configured {
        None => Ok(Severity::Error),
        Some(text) => Severity::from_name(&text)
            .ok_or_else(|| invalid(&format!("{place}: severity {text:?} is not error or warn"))),
    }
}

fn accepted_values(arguments: &Yaml, place: &str) -> Result<DbtCheck> {
    let values = arguments["values"]
        .as_vec()
        .ok_or_else(|| invalid(&format!("{place}: accepted_values needs `values: [...]`")))?;
    let values = values
        .iter()
        .map(|value| {
            text_of(value)
                .ok_or_else(|| invalid(&format!("{place}: accepted values must be plain values")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DbtCheck::AcceptedValues(values))
}

fn between(arguments: &Yaml, place: &str) -> Result<DbtCheck> {
    let bound = |key: &str| -> Result<Option<f64>> {
        match &arguments[key] {
            Yaml::BadValue | Yaml::Null => Ok(None),
            value => number_of(value)
                .filter(|number| !number.is_nan())
                .map(Some)
                .ok_or_else(|| invalid(&format!("{place}: {key} must be a number"))),
        }
    };
    let (min, max) = (bound("min_value")?, bound("max_value")?);
    if min.is_none() && max.is_none() {
        return Err(invalid(&format!(
            "{place}: expect_column_values_to_be_between needs min_value or max_value"
        )));
    }
    let strictly = matches!(arguments["strictly"], Yaml::Boolean(true));
    Ok(DbtCheck::Between { min, max, strictly })
}

/// One dbt test's finding.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DbtRuleResult {
    /// The name dbt gives the test, e.g. `not_null_watch_logs_student_id`.
    pub name: String,
    /// `not_null`, `unique`, `accepted_values` or
    /// `dbt_expectations.expect_column_values_to_be_between`.
    pub test: &'static str,
    /// The model in the schema file.
    pub model: String,
    /// The column tested.
    pub column: String,
    /// Severity from the test's `config`, else error.
    pub severity: Severity,
    /// Failures as `dbt test` counts them: offending rows, except for `unique`, where it is the
    /// number of distinct values that occur more than once.
    pub count: u64,
    /// Offending rows as a percentage of all rows (for `unique`: repeated rows).
    pub percent: f64,
    /// `pass` when nothing fails, else `fail` or `warn` by severity; `skipped` when no input has
    /// the column.
    pub status: Status,
    /// The first offending rows (mapped columns plus the tested one).
    pub samples: Vec<Sample>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "\
version: 2
models:
  - name: watch_logs
    tests:
      - dbt_utils.unique_combination_of_columns:
          combination_of_columns: [student_id, video_id]
    columns:
      - name: event_id
        description: One row per watch event
        tests: [not_null, unique]
      - name: role
        data_tests:
          - accepted_values:
              values: ['Student', 'Instructor', 1]
              config:
                severity: warn
      - name: completion_rate_percent
        tests:
          - dbt_expectations.expect_column_values_to_be_between:
              arguments: {min_value: 0, max_value: 100.5}
          - relationships:
              to: ref('learners')
              field: id
";

    #[test]
    fn column_tests_parse_and_unknown_ones_are_listed() {
        let schema = DbtSchema::parse(SCHEMA).unwrap();
        let tests: Vec<(String, Severity)> = schema
            .tests
            .iter()
            .map(|test| (test.test_name(), test.severity))
            .collect();
        assert_eq!(
            tests,
            vec![
                ("not_null_watch_logs_event_id".to_owned(), Severity::Error),
                ("unique_watch_logs_event_id".to_owned(), Severity::Error),
                ("accepted_values_watch_logs_role".to_owned(), Severity::Warn),
                (
                    "expect_column_values_to_be_between_watch_logs_completion_rate_percent"
                        .to_owned(),
                    Severity::Error
                ),
            ]
        );
        assert_eq!(
            schema.tests[2].check,
            DbtCheck::AcceptedValues(vec!["Student".into(), "Instructor".into(), "1".into()])
        );
        assert_eq!(
            schema.tests[3].check,
            DbtCheck::Between {
                min: Some(0.0),
                max: Some(100.5),
                strictly: false
            }
        );
        let unsupported: Vec<(Option<&str>, &str)> = schema
            .unsupported
            .iter()
            .map(|test| (test.column.as_deref(), test.test.as_str()))
            .collect();
        assert_eq!(
            unsupported,
            vec![
                (None, "dbt_utils.unique_combination_of_columns"),
                (Some("completion_rate_percent"), "relationships"),
            ]
        );
        assert_eq!(
            schema.descriptions,
            vec![("event_id".to_owned(), "One row per watch event".to_owned())]
        );
    }

    #[test]
    fn bad_schemas_say_where() {
        let cases = [
            ("models:\n  - name: a\n    columns: [\n", "line 4"),
            ("models:\n  - name: a\n   bad: [1\n", "line "),
            ("", "empty"),
            ("- 1\n", "expected a mapping"),
            ("models: 3\n", "`models` must be a list"),
            (
                "models:\n  - columns: []\n",
                "models[0]: a model needs a `name`",
            ),
            (
                "models:\n  - name: m\n    columns:\n      - name: c\n        tests: [accepted_values]\n",
                "models[0].columns[0].tests[0]: accepted_values needs `values: [...]`",
            ),
            (
                "models:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - dbt_expectations.expect_column_values_to_be_between: {min_value: x}\n",
                "min_value must be a number",
            ),
            (
                "models:\n  - name: m\n    columns:\n      - name: c\n        tests:\n          - not_null: {config: {severity: fatal}}\n",
                "severity \"fatal\"",
            ),
        ];
        for (text, expected) in cases {
            let error = DbtSchema::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
