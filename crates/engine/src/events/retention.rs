//! Audience retention per video: the share of viewers who watched each 1 % of it, its steepest
//! drop-offs, and completion quartiles.

use serde::Serialize;

use crate::events::intervals::{Segment, covered_buckets};

/// Points of the retention curve (one per 1 % of the video).
pub(crate) const POINTS: usize = 100;
/// Drop-offs listed per video.
const DROP_OFFS: usize = 3;

/// Where the curve falls most between two neighbouring points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DropOff {
    /// The point (percent of the video) after which viewers are lost.
    pub at_percent: u32,
    /// The share of viewers lost to the next point, in percentage points.
    pub drop: f64,
}

/// The share of viewers reaching each completion quartile.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Quartiles {
    /// Percent of viewers with completion of at least 25 %.
    pub p25: f64,
    /// ... at least 50 %.
    pub p50: f64,
    /// ... at least 75 %.
    pub p75: f64,
    /// ... 100 %.
    pub p100: f64,
}

/// A retention curve being built for one video.
#[derive(Clone, Debug)]
pub(crate) struct Curve {
    counts: [u64; POINTS],
    quartile_counts: [u64; 4],
    pub(crate) viewers: u64,
}

impl Default for Curve {
    fn default() -> Self {
        Curve {
            counts: [0; POINTS],
            quartile_counts: [0; 4],
            viewers: 0,
        }
    }
}

impl Curve {
    /// Adds one viewer's watched islands and completion (percent).
    pub(crate) fn add(&mut self, islands: &[Segment], duration: f64, completion: f64) {
        self.viewers += 1;
        for (count, covered) in self
            .counts
            .iter_mut()
            .zip(covered_buckets(islands, duration, POINTS))
        {
            *count += u64::from(covered);
        }
        // A tiny tolerance: the union of clamped segments can miss 100 by a rounding error.
        for (count, quartile) in self
            .quartile_counts
            .iter_mut()
            .zip([25.0, 50.0, 75.0, 100.0])
        {
            *count += u64::from(completion >= quartile - 1e-9);
        }
    }

    /// The curve in percent of viewers, one value per 1 % of the video.
    pub(crate) fn shares(&self) -> Vec<f64> {
        self.counts
            .iter()
            .map(|count| percent(*count, self.viewers))
            .collect()
    }

    pub(crate) fn quartiles(&self) -> Quartiles {
        let [p25, p50, p75, p100] = self
            .quartile_counts
            .map(|count| percent(count, self.viewers));
        Quartiles {
            p25,
            p50,
            p75,
            p100,
        }
    }
}

/// The steepest falls of a curve, largest first (earlier first among equal ones).
pub(crate) fn drop_offs(shares: &[f64]) -> Vec<DropOff> {
    let mut drops: Vec<DropOff> = shares
        .windows(2)
        .enumerate()
        .map(|(index, pair)| DropOff {
            at_percent: index as u32,
            drop: round(pair[0] - pair[1]),
        })
        .filter(|drop| drop.drop > 0.0)
        .collect();
    drops.sort_by(|left, right| {
        right
            .drop
            .total_cmp(&left.drop)
            .then(left.at_percent.cmp(&right.at_percent))
    });
    drops.truncate(DROP_OFFS);
    drops
}

fn percent(count: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        round(100.0 * count as f64 / total as f64)
    }
}

/// Rounds to 1e-6 so that figures print and compare stably.
pub(crate) fn round(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_viewers_make_a_curve_with_its_drop_off() {
        let mut curve = Curve::default();
        curve.add(&[(0.0, 100.0)], 100.0, 100.0);
        curve.add(&[(0.0, 40.0)], 100.0, 40.0);
        let shares = curve.shares();
        assert_eq!(
            (shares[0], shares[39], shares[40], shares[99]),
            (100.0, 100.0, 50.0, 50.0)
        );
        assert_eq!(
            drop_offs(&shares),
            [DropOff {
                at_percent: 39,
                drop: 50.0
            }]
        );
        assert_eq!(
            curve.quartiles(),
            Quartiles {
                p25: 100.0,
                p50: 50.0,
                p75: 50.0,
                p100: 50.0
            }
        );
    }
}
