//! From accumulators to the report: rankings with SQL `RANK()` semantics, per-video and
//! per-course lists, histogram and daily series.

use std::cmp::Ordering;

use rustc_hash::FxHashMap;

use crate::compute::aggregate::{Aggregator, Stats, pair_parts};
use crate::compute::keys::{Interner, NONE};
use crate::report::{
    CourseRow, CourseVideoRow, DailyRow, HistogramBin, LearnerRow, Lists, RowCounts, Summary,
    VideoRow,
};
use crate::time::format_date;

/// Averages are rounded to 9 decimals before ranking, so values equal up to floating-point
/// summation order are ties (as in the reference SQL, `ROUND(AVG(x), 9)`).
/// How long the ranked lists are: the part of the options ranking reads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Listing {
    /// Learners in the top and bottom lists.
    pub(crate) top_n: usize,
    /// Most and least engaged videos per course.
    pub(crate) per_course_n: usize,
    /// Minimum views for a video to be listed.
    pub(crate) min_views: u64,
    /// Minimum distinct videos for a learner to enter the top and bottom lists (1: everyone).
    pub(crate) min_videos: u64,
}

impl Listing {
    /// The sizes as the report states them.
    pub(crate) fn lists(&self) -> Lists {
        Lists {
            top_n: self.top_n as u64,
            per_course_n: self.per_course_n as u64,
            min_views: self.min_views,
            min_videos: self.min_videos.max(1),
        }
    }
}

pub(crate) fn round9(value: f64) -> f64 {
    (value * 1e9).round() / 1e9
}

pub(crate) fn rounded_mean(stats: &Stats) -> Option<f64> {
    stats.mean().map(round9)
}

/// `None` sorts after every value, as `NULLS LAST`.
fn cmp_desc_nulls_last(left: Option<f64>, right: Option<f64>) -> Ordering {
    match (left, right) {
        (Some(left), Some(right)) => right.total_cmp(&left),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Assigns SQL `RANK()` over `avg` to rows already sorted by it.
fn assign_ranks(rows: &mut [LearnerRow]) {
    let mut previous: Option<(f64, u64)> = None;
    for (position, row) in rows.iter_mut().enumerate() {
        let Some(avg) = row.avg_completion else {
            continue;
        };
        let rank = match previous {
            Some((previous_avg, previous_rank)) if previous_avg == avg => previous_rank,
            _ => position as u64 + 1,
        };
        row.rank = Some(rank);
        previous = Some((avg, rank));
    }
}

/// Whether a ranked row belongs to a list of `n` under SQL's `RANK() <= n`: everyone tied at the
/// cut is in, so the list may be longer than `n` (rows without an average have no rank).
fn within_cut(row: &LearnerRow, n: usize) -> bool {
    row.rank.is_some_and(|rank| rank <= n as u64)
}

/// Keeps the leading rows of a ranked list that are within the cut (see [`within_cut`]).
fn keep_within_cut(rows: &mut Vec<LearnerRow>, n: usize) {
    let kept = rows.iter().take_while(|row| within_cut(row, n)).count();
    rows.truncate(kept);
}

struct Learner {
    id: u32,
    videos_watched: u64,
    views: u64,
    avg: Option<f64>,
}

impl Learner {
    fn row(&self, students: &Interner) -> LearnerRow {
        LearnerRow {
            rank: None,
            student_id: students.key(self.id).text(),
            videos_watched: self.videos_watched,
            views: self.views,
            avg_completion: self.avg,
        }
    }
}

/// The learner lists: (most watched, top, bottom, all).
pub(crate) fn learners(
    aggregator: &Aggregator,
    listing: &Listing,
) -> (
    Option<LearnerRow>,
    Vec<LearnerRow>,
    Vec<LearnerRow>,
    Vec<LearnerRow>,
) {
    let students = &aggregator.students;
    let videos_watched = aggregator.videos_per_learner();
    let mut learners: Vec<Learner> = aggregator
        .learners
        .iter()
        .enumerate()
        .filter(|(_, stats)| stats.views > 0)
        .map(|(id, stats)| Learner {
            id: id as u32,
            videos_watched: videos_watched[id],
            views: stats.views as u64,
            avg: rounded_mean(stats),
        })
        .collect();
    let by_key = |left: &Learner, right: &Learner| students.cmp_keys(left.id, right.id);

    let most_watched = learners
        .iter()
        .min_by(|left, right| {
            right
                .videos_watched
                .cmp(&left.videos_watched)
                .then(cmp_desc_nulls_last(left.avg, right.avg))
                .then(by_key(left, right))
        })
        .map(|learner| learner.row(students));

    learners
        .sort_by(|left, right| cmp_desc_nulls_last(left.avg, right.avg).then(by_key(left, right)));
    let mut all: Vec<LearnerRow> = learners
        .iter()
        .map(|learner| learner.row(students))
        .collect();
    assign_ranks(&mut all);
    // The top and bottom lists rank only learners with enough videos (with the default minimum
    // of 1, every learner, so they are the full ranking's ends); the full ranking keeps everyone.
    // (A learner whose rows lack a video key has an average but no videos: with the default
    // minimum the lists keep such learners, as they always did.)
    let eligible =
        |videos_watched: u64| listing.min_videos <= 1 || videos_watched >= listing.min_videos;
    let top: Vec<LearnerRow> = if listing.min_videos <= 1 {
        all.iter()
            .take_while(|row| within_cut(row, listing.top_n))
            .cloned()
            .collect()
    } else {
        let mut ranked: Vec<LearnerRow> = all
            .iter()
            .filter(|row| row.avg_completion.is_some() && eligible(row.videos_watched))
            .cloned()
            .collect();
        assign_ranks(&mut ranked);
        keep_within_cut(&mut ranked, listing.top_n);
        ranked
    };

    let mut ascending: Vec<&Learner> = learners
        .iter()
        .filter(|learner| learner.avg.is_some() && eligible(learner.videos_watched))
        .collect();
    ascending.sort_by(|left, right| {
        left.avg
            .unwrap_or_default()
            .total_cmp(&right.avg.unwrap_or_default())
            .then(by_key(left, right))
    });
    let mut bottom: Vec<LearnerRow> = ascending
        .iter()
        .map(|learner| learner.row(students))
        .collect();
    assign_ranks(&mut bottom);
    keep_within_cut(&mut bottom, listing.top_n);
    (most_watched, top, bottom, all)
}

fn label(texts: &Interner, labels: &[u32], group: u32) -> Option<String> {
    labels
        .get(group as usize)
        .filter(|label| **label != NONE)
        .map(|label| texts.key(*label).text())
}

/// The title shown for a video: its label column, or the key itself when videos are keyed by title.
fn video_title(aggregator: &Aggregator, video: u32, keyed_by_title: bool) -> Option<String> {
    if keyed_by_title {
        Some(aggregator.videos.key(video).text())
    } else {
        label(&aggregator.titles, &aggregator.video_title, video)
    }
}

/// Per-video rows, best first, filtered by minimum views.
pub(crate) fn videos(
    aggregator: &Aggregator,
    listing: &Listing,
    keyed_by_title: bool,
) -> Vec<VideoRow> {
    let stats = aggregator.video_stats();
    let learners = aggregator.learners_per_video();
    let mut first_course: Vec<u32> = vec![NONE; aggregator.videos.len()];
    for (key, group) in &aggregator.course_videos {
        let (course, video) = pair_parts(*key);
        if course == NONE || group.views <= 0 {
            continue;
        }
        let current = &mut first_course[video as usize];
        if *current == NONE || aggregator.courses.key(course) < aggregator.courses.key(*current) {
            *current = course;
        }
    }
    let mut rows: Vec<(u32, VideoRow)> = stats
        .iter()
        .enumerate()
        .filter(|(_, stats)| stats.views > 0 && stats.views as u64 >= listing.min_views)
        .map(|(video, stats)| {
            let video = video as u32;
            let course = first_course[video as usize];
            (
                video,
                VideoRow {
                    video_id: aggregator.videos.key(video).text(),
                    video_title: video_title(aggregator, video, keyed_by_title),
                    course_id: (course != NONE).then(|| aggregator.courses.key(course).text()),
                    views: stats.views as u64,
                    learners: learners[video as usize],
                    avg_completion: rounded_mean(stats),
                },
            )
        })
        .collect();
    rows.sort_by(|(left_id, left), (right_id, right)| {
        cmp_desc_nulls_last(left.avg_completion, right.avg_completion).then(
            aggregator
                .videos
                .key(*left_id)
                .cmp(aggregator.videos.key(*right_id)),
        )
    });
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Per-course rows, ordered by course key, each with its top and bottom videos.
pub(crate) fn courses(
    aggregator: &Aggregator,
    listing: &Listing,
    video_keyed_by_title: bool,
    course_keyed_by_code: bool,
) -> Vec<CourseRow> {
    let learners = aggregator.learners_per_course();
    let mut videos_by_course: FxHashMap<u32, Vec<(u32, Stats)>> = FxHashMap::default();
    for (key, group) in &aggregator.course_videos {
        let (course, video) = pair_parts(*key);
        if course != NONE && group.views > 0 {
            videos_by_course
                .entry(course)
                .or_default()
                .push((video, *group));
        }
    }
    let mut course_ids: Vec<u32> = (0..aggregator.course_stats.len() as u32)
        .filter(|course| aggregator.course_stats[*course as usize].views > 0)
        .collect();
    course_ids.sort_by(|left, right| {
        aggregator
            .courses
            .key(*left)
            .cmp(aggregator.courses.key(*right))
    });
    course_ids
        .into_iter()
        .map(|course| {
            let stats = &aggregator.course_stats[course as usize];
            let videos = videos_by_course.remove(&course).unwrap_or_default();
            let mut ranked: Vec<CourseVideoRow> = Vec::new();
            let mut ranked_ids: Vec<u32> = Vec::new();
            for (video, group) in &videos {
                if let Some(avg) = rounded_mean(group) {
                    ranked_ids.push(*video);
                    ranked.push(CourseVideoRow {
                        video_id: aggregator.videos.key(*video).text(),
                        video_title: video_title(aggregator, *video, video_keyed_by_title),
                        views: group.views as u64,
                        avg_completion: avg,
                    });
                }
            }
            let mut order: Vec<usize> = (0..ranked.len()).collect();
            let by_video = |left: usize, right: usize| {
                aggregator
                    .videos
                    .key(ranked_ids[left])
                    .cmp(aggregator.videos.key(ranked_ids[right]))
            };
            order.sort_by(|left, right| {
                ranked[*right]
                    .avg_completion
                    .total_cmp(&ranked[*left].avg_completion)
                    .then(by_video(*left, *right))
            });
            let top = order
                .iter()
                .take(listing.per_course_n)
                .map(|index| ranked[*index].clone())
                .collect();
            order.sort_by(|left, right| {
                ranked[*left]
                    .avg_completion
                    .total_cmp(&ranked[*right].avg_completion)
                    .then(by_video(*left, *right))
            });
            let bottom = order
                .iter()
                .take(listing.per_course_n)
                .map(|index| ranked[*index].clone())
                .collect();
            CourseRow {
                course_id: aggregator.courses.key(course).text(),
                course_code: if course_keyed_by_code {
                    Some(aggregator.courses.key(course).text())
                } else {
                    label(&aggregator.codes, &aggregator.course_code, course)
                },
                views: stats.views as u64,
                learners: learners.get(course as usize).copied().unwrap_or(0),
                videos: videos.iter().filter(|(video, _)| *video != NONE).count() as u64,
                avg_completion: rounded_mean(stats),
                top,
                bottom,
            }
        })
        .collect()
}

/// Row counts and headline figures.
pub(crate) fn summary(aggregator: &Aggregator) -> (RowCounts, Summary) {
    let rows = RowCounts {
        total: aggregator.rows_total,
        filtered_out: aggregator.filtered_out,
        duplicates_removed: aggregator.duplicates,
        student: aggregator.totals.views as u64,
        valid_completion: aggregator.totals.valid as u64,
    };
    let video_stats = aggregator.video_stats();
    let summary = Summary {
        learners: aggregator
            .learners
            .iter()
            .filter(|stats| stats.views > 0)
            .count() as u64,
        courses: aggregator
            .course_stats
            .iter()
            .filter(|stats| stats.views > 0)
            .count() as u64,
        videos: video_stats.iter().filter(|stats| stats.views > 0).count() as u64,
        mean_completion: rounded_mean(&aggregator.totals),
    };
    (rows, summary)
}

/// Ten 10-point bins over valid completions.
pub(crate) fn histogram(aggregator: &Aggregator) -> Vec<HistogramBin> {
    aggregator
        .histogram
        .iter()
        .enumerate()
        .map(|(bin, count)| HistogramBin {
            from: bin as f64 * 10.0,
            to: bin as f64 * 10.0 + 10.0,
            count: *count as u64,
        })
        .collect()
}

/// Student rows per UTC day, in date order.
pub(crate) fn daily(aggregator: &Aggregator) -> Vec<DailyRow> {
    let mut days: Vec<(i32, Stats)> = aggregator
        .days
        .iter()
        .filter(|(_, stats)| stats.views > 0)
        .map(|(day, stats)| (*day, *stats))
        .collect();
    days.sort_by_key(|(day, _)| *day);
    days.into_iter()
        .map(|(day, stats)| DailyRow {
            date: format_date(day),
            views: stats.views as u64,
            avg_completion: rounded_mean(&stats),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_sql_rank_with_gaps() {
        let mut rows: Vec<LearnerRow> = [Some(90.0), Some(90.0), Some(80.0), None]
            .into_iter()
            .enumerate()
            .map(|(index, avg)| LearnerRow {
                rank: None,
                student_id: index.to_string(),
                videos_watched: 1,
                views: 1,
                avg_completion: avg,
            })
            .collect();
        assign_ranks(&mut rows);
        let ranks: Vec<Option<u64>> = rows.iter().map(|row| row.rank).collect();
        assert_eq!(ranks, vec![Some(1), Some(1), Some(3), None]);
    }
}
