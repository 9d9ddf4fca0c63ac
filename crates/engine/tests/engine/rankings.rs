//! Learner rankings people can trust: the minimum number of videos for the top and bottom lists.

use coursepulse_engine::{Analysis, LearnerRow, Options, Report};

const HEADER: &str = "event_id,student_id,course_code,video_id,role,completion_rate_percent";

/// S1 watched one video (100 %), S2 three (90 % on average), S3 three (20 %), S4 one (5 %).
fn dataset() -> String {
    let rows = [
        "1,S1,CSC101,V1,Student,100",
        "2,S2,CSC101,V1,Student,90",
        "3,S2,CSC101,V2,Student,90",
        "4,S2,CSC101,V3,Student,90",
        "5,S3,CSC101,V1,Student,20",
        "6,S3,CSC101,V2,Student,20",
        "7,S3,CSC101,V3,Student,20",
        "8,S4,CSC101,V1,Student,5",
    ];
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

fn analyse(min_videos: u64) -> Report {
    let options = Options {
        top_n: 2,
        min_videos,
        ..Options::default()
    };
    let mut analysis = Analysis::new(options).unwrap();
    analysis
        .add_csv("rankings.csv", dataset().as_bytes())
        .unwrap();
    analysis.report()
}

fn ids(rows: &[LearnerRow]) -> Vec<(Option<u64>, &str)> {
    rows.iter()
        .map(|row| (row.rank, row.student_id.as_str()))
        .collect()
}

#[test]
fn the_default_minimum_of_one_video_ranks_every_learner() {
    let report = analyse(1);
    assert_eq!(
        ids(&report.learners_top),
        [(Some(1), "S1"), (Some(2), "S2")]
    );
    assert_eq!(
        ids(&report.learners_bottom),
        [(Some(1), "S4"), (Some(2), "S3")]
    );
}

#[test]
fn a_minimum_of_three_videos_keeps_one_video_learners_out_of_top_and_bottom() {
    let report = analyse(3);
    assert_eq!(
        ids(&report.learners_top),
        [(Some(1), "S2"), (Some(2), "S3")]
    );
    assert_eq!(
        ids(&report.learners_bottom),
        [(Some(1), "S3"), (Some(2), "S2")]
    );
    // The full ranking still lists everyone, ranked over everyone.
    assert_eq!(report.learners.len(), 4);
    assert_eq!(report.learners[0].student_id, "S1");
}

#[test]
fn a_minimum_of_zero_videos_is_refused_with_a_message() {
    let options = Options {
        min_videos: 0,
        ..Options::default()
    };
    let error = Analysis::new(options).expect_err("min_videos 0 must be refused");
    assert!(
        error.to_string().contains("minimum number of videos"),
        "{error}"
    );
}
