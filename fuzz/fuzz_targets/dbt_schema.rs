//! Any text as a dbt `schema.yml`: `DbtSchema::parse` returns rules or an error naming where,
//! never panics; parsed rules then run over a small dataset (every test, masked samples).
#![no_main]

use coursepulse_engine::{Analysis, DbtCheck, DbtSchema, Masking, Options};
use libfuzzer_sys::fuzz_target;

const DATA: &str = "event_id,student_id,email,course_code,video_id,role,completion_rate_percent\n\
1,S1,a@x.org,CSC101,V1,Student,80\n\
1,S1,a@x.org,CSC101,V1,Student,90\n\
2,,,,,TA,abc\n\
3,S3,b@x.org,MTH201,V2,student ,130\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let schema = match DbtSchema::parse(text) {
        Ok(schema) => schema,
        Err(error) => {
            let message = error.to_string();
            assert!(message.starts_with("invalid option: dbt schema: "), "{message}");
            return;
        }
    };
    for test in &schema.tests {
        if let DbtCheck::Between { min, max, .. } = &test.check {
            assert!(min.is_some() || max.is_some());
        }
    }
    let tests = schema.tests.len();
    let options = Options {
        dbt: Some(schema),
        masking: Some(Masking::new("fuzz")),
        max_samples: 3,
        ..Options::default()
    };
    let mut analysis = Analysis::new(options).unwrap();
    analysis.add_csv("fuzz.csv", DATA.as_bytes()).unwrap();
    let report = analysis.report();
    assert_eq!(report.quality.dbt.len(), tests);
    for rule in &report.quality.dbt {
        assert!(rule.samples.len() <= 3);
        for sample in &rule.samples {
            for value in sample.values.values().flatten() {
                assert!(!value.contains("@x.org"), "an address escaped masking: {value}");
            }
        }
    }
});
