//! Issue 14, item 4: with masking on, quality samples show no column the mapping does not know
//! in clear (a dbt test's `sis_user_id`, `teacher_id`), in the table and in JSON.

use super::{coursepulse, write};

#[test]
fn masked_samples_pseudonymise_every_unmapped_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "logs.csv",
        b"student_id,video_id,completion_rate_percent,sis_user_id,teacher_id\n\
          S1,V1,150,SIS-777001,T-ADA-42\n\
          S2,V1,80,SIS-777001,T-ADA-42\n\
          S3,V2,-5,SIS-777003,T-ADA-42\n",
    );
    let schema = write(
        dir.path(),
        "schema.yml",
        b"version: 2\nmodels:\n  - name: logs\n    columns:\n      - name: sis_user_id\n        tests: [unique]\n      - name: teacher_id\n        tests: [unique]\n",
    );
    let (csv, schema) = (csv.to_str().unwrap(), schema.to_str().unwrap());
    let run = |extra: &[&str]| {
        let mut args = vec!["report", "--now", "2026-01-01", csv, "--dbt-schema", schema];
        args.extend_from_slice(extra);
        let output = coursepulse(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // Unmasked, the samples do show those columns: the check below can find them.
    let clear = run(&["--format", "json"]);
    for value in ["SIS-777001", "T-ADA-42", "S1"] {
        assert!(clear.contains(value), "{value} not in the unmasked report");
    }
    let masking = coursepulse_engine::Masking::new("k");
    for extra in [
        &["--salt", "k", "--format", "json"][..],
        &["--salt", "k"][..],
    ] {
        let masked = run(extra);
        for value in ["SIS-777001", "SIS-777003", "T-ADA-42"] {
            assert!(
                !masked.contains(value),
                "{extra:?}: {value} in clear:\n{masked}"
            );
        }
        if extra.contains(&"json") {
            let report: serde_json::Value = serde_json::from_str(&masked).unwrap();
            let samples = &report["quality"]["dbt"][0]["samples"][0]["values"];
            assert_eq!(
                samples["sis_user_id"],
                masking.pseudonym(coursepulse_engine::PiiKind::Name, "SIS-777001")
            );
            let learner = samples["student_id"].as_str().unwrap();
            assert!(
                ["S1", "S2"]
                    .map(|id| masking.pseudonym(coursepulse_engine::PiiKind::Learner, id))
                    .contains(&learner.to_owned()),
                "{learner}"
            );
            // Mapped columns other than the learner keep their values.
            assert_eq!(samples["video_id"], "V1");
        }
    }
}
