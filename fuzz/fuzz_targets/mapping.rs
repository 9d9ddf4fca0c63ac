//! Column mapping: the first line is a header (column names, each with a type letter after a
//! `:`), the other lines are `--map` assignments. Checks what `Mapping::resolve` promises: the
//! required fields are mapped, every index is a column of the schema, names match indices, and
//! an explicit override wins over name recognition.
#![no_main]

use std::sync::Arc;

use arrow_schema::{DataType, Field as ArrowField, Schema};
use coursepulse_engine::{Analysis, Field, Format, Mapping, Options, Override, Overrides};
use libfuzzer_sys::fuzz_target;

fn data_type(letter: &str) -> DataType {
    match letter {
        "i" => DataType::Int64,
        "f" => DataType::Float64,
        "b" => DataType::Boolean,
        "d" => DataType::Date32,
        "l" => DataType::List(Arc::new(ArrowField::new("item", DataType::Float64, true))),
        "n" => DataType::Null,
        _ => DataType::Utf8,
    }
}

/// How the engine compares column names.
fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or_default();
    let fields: Vec<ArrowField> = header
        .split(',')
        .map(|column| {
            let (name, letter) = column.rsplit_once(':').unwrap_or((column, "s"));
            ArrowField::new(name, data_type(letter), true)
        })
        .collect();
    let schema = Schema::new(fields);
    let mut overrides = Overrides::default();
    let mut explicit: Vec<(Field, Option<String>)> = Vec::new();
    for assignment in lines.take(12) {
        if overrides.parse_assignment(assignment).is_ok() {
            let (field, column) = assignment.split_once('=').unwrap();
            let field = Field::from_name(field).unwrap();
            let column = column.trim();
            let choice = (!column.is_empty() && !column.eq_ignore_ascii_case("none"))
                .then(|| column.to_owned());
            explicit.retain(|(existing, _)| *existing != field);
            explicit.push((field, choice));
        }
    }
    let Ok(mapping) = Mapping::resolve("fuzz", &schema, &overrides) else {
        return;
    };
    assert!(mapping.column(Field::Student).is_some());
    assert!(mapping.column(Field::Completion).is_some());
    assert!(mapping.column(Field::Video).is_some() || mapping.column(Field::VideoTitle).is_some());
    for field in Field::ALL {
        match mapping.column(field) {
            Some(index) => {
                assert!(index < schema.fields().len());
                assert_eq!(
                    mapping.column_name(field),
                    Some(schema.field(index).name().as_str())
                );
            }
            None => assert_eq!(mapping.column_name(field), None),
        }
    }
    for (field, choice) in &explicit {
        match choice {
            None => assert_eq!(mapping.column(*field), None, "{field} was unmapped"),
            Some(name) => {
                let index = mapping
                    .column(*field)
                    .expect("an explicit column is mapped");
                assert_eq!(normalise(schema.field(index).name()), normalise(name));
                // A column claimed explicitly is not also picked up by name for another field.
                for other in Field::ALL {
                    if other != *field && !explicit.iter().any(|(set, _)| *set == other) {
                        assert_ne!(
                            mapping.column(other),
                            Some(index),
                            "{other} took {field}'s column"
                        );
                    }
                }
            }
        }
    }
    let _ = (
        mapping.projection(),
        mapping.video_key(),
        mapping.course_key(),
        Override::Unmapped,
    );
    // The same schema through an analysis: a mapping error or a type error, never a panic.
    let mut analysis = Analysis::new(Options {
        overrides,
        ..Options::default()
    })
    .unwrap();
    if let Ok(source) = analysis.begin_source("fuzz", Format::Parquet, &schema) {
        let _ = analysis.finish_source(source);
        let _ = analysis.report();
    }
});
