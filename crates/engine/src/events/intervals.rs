//! Watched intervals: the union of segments (gaps and islands), its length, and which points of
//! a video it covers.

/// A watched stretch of a video, in seconds, `start <= end`.
pub(crate) type Segment = (f64, f64);

/// Sorts and merges `segments` in place into disjoint, ascending islands; touching or
/// overlapping segments join, empty ones are dropped.
pub(crate) fn union(segments: &mut Vec<Segment>) {
    segments.retain(|(start, end)| end > start);
    segments.sort_by(|left, right| left.0.total_cmp(&right.0).then(left.1.total_cmp(&right.1)));
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    for &(start, end) in segments.iter() {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    *segments = merged;
}

/// The total length of disjoint segments.
pub(crate) fn length(islands: &[Segment]) -> f64 {
    islands.iter().map(|(start, end)| end - start).sum()
}

/// Clamps a segment to `[0, duration]`; `None` when nothing of it is left.
pub(crate) fn clamp(segment: Segment, duration: Option<f64>) -> Option<Segment> {
    let upper = duration.unwrap_or(f64::INFINITY);
    let start = segment.0.max(0.0).min(upper);
    let end = segment.1.max(0.0).min(upper);
    (end > start).then_some((start, end))
}

/// For each of the `buckets` equal parts of `[0, duration]`, whether the islands cover its
/// midpoint (an island `[start, end)` covers `start <= x < end`; the last one its end too).
pub(crate) fn covered_buckets(islands: &[Segment], duration: f64, buckets: usize) -> Vec<bool> {
    let mut covered = vec![false; buckets];
    if duration.is_nan() || duration <= 0.0 {
        return covered;
    }
    let mut island = 0;
    for (bucket, flag) in covered.iter_mut().enumerate() {
        let point = (bucket as f64 + 0.5) * duration / buckets as f64;
        while island < islands.len() && islands[island].1 <= point {
            island += 1;
        }
        *flag = islands
            .get(island)
            .is_some_and(|(start, end)| *start <= point && point < *end);
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_joins_overlapping_and_touching_segments() {
        let cases: [(Vec<Segment>, Vec<Segment>); 4] = [
            (vec![], vec![]),
            (
                vec![(10.0, 20.0), (0.0, 5.0), (5.0, 8.0)],
                vec![(0.0, 8.0), (10.0, 20.0)],
            ),
            (
                vec![(0.0, 30.0), (10.0, 20.0), (25.0, 40.0)],
                vec![(0.0, 40.0)],
            ),
            (vec![(3.0, 3.0), (7.0, 9.0)], vec![(7.0, 9.0)]),
        ];
        for (mut segments, expected) in cases {
            union(&mut segments);
            assert_eq!(segments, expected);
        }
    }

    #[test]
    fn the_issue_example_covers_half_the_video() {
        let mut segments = vec![(0.0, 30.0), (120.0, 180.0)];
        union(&mut segments);
        assert_eq!(100.0 * length(&segments) / 180.0, 50.0);
    }

    #[test]
    fn clamping_keeps_segments_inside_the_video() {
        assert_eq!(clamp((-5.0, 10.0), Some(100.0)), Some((0.0, 10.0)));
        assert_eq!(clamp((90.0, 130.0), Some(100.0)), Some((90.0, 100.0)));
        assert_eq!(clamp((120.0, 130.0), Some(100.0)), None);
        assert_eq!(clamp((5.0, 130.0), None), Some((5.0, 130.0)));
    }

    #[test]
    fn buckets_are_covered_by_their_midpoints() {
        let covered = covered_buckets(&[(0.0, 30.0), (120.0, 180.0)], 180.0, 100);
        // Bucket 16's midpoint is 29.7 s (covered), bucket 17's 31.5 s (not).
        assert!(covered[16] && !covered[17]);
        assert!(!covered[66] && covered[67] && covered[99]);
        assert_eq!(covered.iter().filter(|flag| **flag).count(), 17 + 33);
        assert!(
            covered_buckets(&[(0.0, 1.0)], 0.0, 4)
                .iter()
                .all(|flag| !flag)
        );
    }
}
