//! "Needs attention": the figures behind the overview's second block, computed in the worker
//! from the finished report into a view model whose size does not grow with the data (a grid of
//! learner counts and a few short lists), so the page can apply any threshold without a request.

use coursepulse_engine::Report;
use serde::{Deserialize, Serialize};

/// Learners are counted by videos watched up to this many; more count as this many.
pub const MAX_MIN_VIDEOS: usize = 20;
/// The default "below this average completion" threshold, in percent.
pub const DEFAULT_THRESHOLD: u32 = 40;
/// The default minimum number of videos a learner must have watched to be listed.
pub const DEFAULT_MIN_VIDEOS: usize = 3;
/// Learners listed per minimum (the lowest, by average completion).
pub const LISTED: usize = 10;
/// Videos with fewer views than this are too thin to call "furthest below".
pub const MIN_VIDEO_VIEWS: u64 = 5;

/// What the overview needs to say who and what needs attention.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttentionView {
    /// `grid[v - 1][p]`: learners who watched `v` videos (`MAX_MIN_VIDEOS` or more in the last
    /// row) with an average completion in `[p, p + 1)` percent (100 in the last column).
    pub grid: Vec<Vec<u64>>,
    /// `lowest[m - 1]`: the `LISTED` learners with the lowest average among those with at least
    /// `m` videos, lowest first.
    pub lowest: Vec<Vec<AttentionLearner>>,
    /// The videos (with at least `MIN_VIDEO_VIEWS` views) furthest below the overall mean.
    pub videos: Vec<AttentionVideo>,
}

/// A learner in a "needs attention" list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttentionLearner {
    /// Learner id (a pseudonym when masked).
    pub student_id: String,
    /// Distinct videos watched.
    pub videos: u64,
    /// Average completion, percent.
    pub avg_completion: f64,
}

/// A video in the "furthest below the average" list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AttentionVideo {
    /// Video id.
    pub video: String,
    /// Its title, when the data has one.
    pub title: Option<String>,
    /// Its course, when the data has one.
    pub course: Option<String>,
    /// Views.
    pub views: u64,
    /// Average completion, percent.
    pub avg_completion: f64,
}

impl AttentionView {
    /// Learners with at least `min_videos` videos whose average is below `threshold` percent.
    pub fn learners_below(&self, threshold: u32, min_videos: usize) -> u64 {
        let first_row = min_videos.clamp(1, MAX_MIN_VIDEOS) - 1;
        let columns = (threshold as usize).min(101);
        self.grid
            .iter()
            .skip(first_row)
            .map(|row| row.iter().take(columns).sum::<u64>())
            .sum()
    }

    /// Up to `LISTED` learners below `threshold` with at least `min_videos` videos, lowest first.
    pub fn lowest_below(&self, threshold: u32, min_videos: usize) -> Vec<AttentionLearner> {
        let index = min_videos.clamp(1, MAX_MIN_VIDEOS) - 1;
        self.lowest
            .get(index)
            .map(|learners| {
                learners
                    .iter()
                    .filter(|learner| learner.avg_completion < f64::from(threshold))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The attention view of a finished (and, when asked, masked) report.
pub fn attention(report: &Report) -> AttentionView {
    let mut grid = vec![vec![0u64; 101]; MAX_MIN_VIDEOS];
    // Learners with an average, lowest first (ties by id, as the report's ranking breaks them).
    let mut rated: Vec<(&str, u64, f64)> = report
        .learners
        .iter()
        .filter_map(|row| {
            let avg = row.avg_completion.filter(|avg| avg.is_finite())?;
            (row.videos_watched > 0).then_some((row.student_id.as_str(), row.videos_watched, avg))
        })
        .collect();
    for &(_, videos, avg) in &rated {
        let row = (videos as usize).min(MAX_MIN_VIDEOS) - 1;
        let column = (avg.clamp(0.0, 100.0).floor() as usize).min(100);
        grid[row][column] += 1;
    }
    rated.sort_by(|a, b| a.2.total_cmp(&b.2).then_with(|| a.0.cmp(b.0)));
    let lowest = (1..=MAX_MIN_VIDEOS as u64)
        .map(|min_videos| {
            rated
                .iter()
                .filter(|(_, videos, _)| *videos >= min_videos)
                .take(LISTED)
                .map(|&(id, videos, avg)| AttentionLearner {
                    student_id: id.to_owned(),
                    videos,
                    avg_completion: avg,
                })
                .collect()
        })
        .collect();
    let mean = report.summary.mean_completion;
    let mut videos: Vec<AttentionVideo> = report
        .videos
        .iter()
        .filter(|video| video.views >= MIN_VIDEO_VIEWS)
        .filter_map(|video| {
            let avg = video.avg_completion.filter(|avg| avg.is_finite())?;
            mean.is_some_and(|mean| avg < mean).then(|| AttentionVideo {
                video: video.video_id.clone(),
                title: video.video_title.clone(),
                course: video.course_id.clone(),
                views: video.views,
                avg_completion: avg,
            })
        })
        .collect();
    videos.sort_by(|a, b| {
        a.avg_completion
            .total_cmp(&b.avg_completion)
            .then_with(|| a.video.cmp(&b.video))
    });
    videos.truncate(5);
    AttentionView {
        grid,
        lowest,
        videos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(learners: &[(u64, f64)]) -> AttentionView {
        let mut grid = vec![vec![0u64; 101]; MAX_MIN_VIDEOS];
        for &(videos, avg) in learners {
            grid[(videos as usize).min(MAX_MIN_VIDEOS) - 1][avg.floor() as usize] += 1;
        }
        AttentionView {
            grid,
            ..AttentionView::default()
        }
    }

    fn check(learners: &[(u64, f64)], threshold: u32, min_videos: usize, expected: u64) {
        assert_eq!(
            view(learners).learners_below(threshold, min_videos),
            expected,
            "below {threshold} % with at least {min_videos} videos in {learners:?}"
        );
    }

    #[test]
    fn learners_below_counts_the_threshold_exclusively_and_the_minimum_inclusively() {
        check(&[(3, 39.99), (3, 40.0), (2, 10.0)], 40, 3, 1);
        check(&[(3, 39.99), (3, 40.0), (2, 10.0)], 40, 1, 2);
        check(&[(3, 39.99), (3, 40.0), (2, 10.0)], 41, 1, 3);
        check(&[(25, 5.0), (20, 5.0)], 50, 20, 2);
        check(&[(1, 100.0)], 100, 1, 0);
        check(&[], 40, 3, 0);
    }

    #[test]
    fn lowest_below_keeps_only_learners_under_the_threshold() {
        let attention = AttentionView {
            lowest: vec![
                vec![
                    AttentionLearner {
                        student_id: "a".into(),
                        videos: 1,
                        avg_completion: 10.0,
                    },
                    AttentionLearner {
                        student_id: "b".into(),
                        videos: 4,
                        avg_completion: 45.0,
                    },
                ];
                MAX_MIN_VIDEOS
            ],
            ..AttentionView::default()
        };
        let ids = |list: Vec<AttentionLearner>| {
            list.into_iter()
                .map(|learner| learner.student_id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(attention.lowest_below(40, 3)), ["a"]);
        assert_eq!(ids(attention.lowest_below(50, 99)), ["a", "b"]);
    }
}
