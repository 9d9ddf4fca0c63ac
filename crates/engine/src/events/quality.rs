//! Event quality rules: what looked wrong in the events, with counts and sample rows. Kept
//! apart from [`crate::quality::Rule`] (the rules of pair rows), which still run on the pairs.

use serde::Serialize;

/// A quality rule over raw player events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventRule {
    /// The event type is not a verb the engine knows; the event is ignored.
    UnknownEventType,
    /// The event has no learner, no video (id or title) or no readable time; it is ignored.
    MissingKey,
    /// The position is below 0 or beyond the video's duration; segments are clamped.
    PositionOutOfRange,
    /// Neither the events nor the catalogue give the video's duration: no completion.
    MissingDuration,
    /// The video's events (or the catalogue) give different durations.
    InconsistentDuration,
    /// In a file, a session's event time goes backwards (events out of order; they are sorted).
    TimeBackwards,
    /// The playhead moved further than the wall clock allows at the playback rate (or
    /// backwards) without a seek: read as an implicit seek.
    ImplausibleJump,
    /// A session ended while playing, without pause, ended or terminated: closed at the last
    /// evidenced position.
    UnclosedSession,
    /// A pause while not playing.
    OrphanPause,
    /// An event id seen before; the copy is dropped.
    DuplicateEventId,
}

impl EventRule {
    /// Every rule, in report order.
    pub const ALL: [EventRule; 10] = [
        EventRule::UnknownEventType,
        EventRule::MissingKey,
        EventRule::PositionOutOfRange,
        EventRule::MissingDuration,
        EventRule::InconsistentDuration,
        EventRule::TimeBackwards,
        EventRule::ImplausibleJump,
        EventRule::UnclosedSession,
        EventRule::OrphanPause,
        EventRule::DuplicateEventId,
    ];

    /// What the rule checks, for the report.
    pub fn description(self) -> &'static str {
        match self {
            EventRule::UnknownEventType => "event type is not a known player verb (ignored)",
            EventRule::MissingKey => "event without learner, video or readable time (ignored)",
            EventRule::PositionOutOfRange => "position below 0 or beyond the video's duration",
            EventRule::MissingDuration => "video without a duration (no completion for it)",
            EventRule::InconsistentDuration => "video with more than one duration",
            EventRule::TimeBackwards => "event time goes backwards within a session in a file",
            EventRule::ImplausibleJump => {
                "playhead moved further than the wall clock allows without a seek"
            }
            EventRule::UnclosedSession => {
                "session ended while playing (closed at the last evidenced position)"
            }
            EventRule::OrphanPause => "pause while not playing",
            EventRule::DuplicateEventId => "event id seen before (copy dropped)",
        }
    }

    /// The rule's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            EventRule::UnknownEventType => "unknown_event_type",
            EventRule::MissingKey => "missing_key",
            EventRule::PositionOutOfRange => "position_out_of_range",
            EventRule::MissingDuration => "missing_duration",
            EventRule::InconsistentDuration => "inconsistent_duration",
            EventRule::TimeBackwards => "time_backwards",
            EventRule::ImplausibleJump => "implausible_jump",
            EventRule::UnclosedSession => "unclosed_session",
            EventRule::OrphanPause => "orphan_pause",
            EventRule::DuplicateEventId => "duplicate_event_id",
        }
    }
}

/// One offending row (or video, for the duration rules).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventSample {
    /// The input it came from.
    pub file: String,
    /// Its row (1-based data row; the line in NDJSON); 0 for a finding about a whole video.
    pub row: u64,
    /// What was found.
    pub detail: String,
}

/// One rule's findings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRuleResult {
    /// The rule.
    pub rule: EventRule,
    /// What it checks.
    pub description: &'static str,
    /// Offending events (videos, for the duration rules; sessions for `unclosed_session`).
    pub count: u64,
    /// The first offenders found, at most the report's sample limit.
    pub samples: Vec<EventSample>,
}

/// Counters and samples of every event rule.
#[derive(Clone, Debug)]
pub(crate) struct EventQuality {
    pub(crate) counts: [u64; EventRule::ALL.len()],
    pub(crate) samples: [Vec<EventSample>; EventRule::ALL.len()],
    pub(crate) max_samples: usize,
}

impl EventQuality {
    pub(crate) fn new(max_samples: usize) -> EventQuality {
        EventQuality {
            counts: [0; EventRule::ALL.len()],
            samples: Default::default(),
            max_samples,
        }
    }

    /// Counts one offence; `sample` builds its sample only while samples are still wanted.
    pub(crate) fn flag(&mut self, rule: EventRule, sample: impl FnOnce() -> EventSample) {
        let index = rule as usize;
        self.counts[index] += 1;
        if self.samples[index].len() < self.max_samples {
            self.samples[index].push(sample());
        }
    }

    /// The count of one rule so far.
    pub(crate) fn count(&self, rule: EventRule) -> u64 {
        self.counts[rule as usize]
    }

    /// Every rule with its count and samples (samples sorted, so they do not depend on the
    /// order in which the findings were made within a run).
    pub(crate) fn results(&self) -> Vec<EventRuleResult> {
        EventRule::ALL
            .into_iter()
            .map(|rule| {
                let mut samples = self.samples[rule as usize].clone();
                samples.sort_by(|left, right| {
                    (&left.file, left.row, &left.detail).cmp(&(
                        &right.file,
                        right.row,
                        &right.detail,
                    ))
                });
                EventRuleResult {
                    rule,
                    description: rule.description(),
                    count: self.counts[rule as usize],
                    samples,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_offence_and_keeps_only_the_first_samples() {
        let mut quality = EventQuality::new(2);
        for row in [5, 3, 9] {
            quality.flag(EventRule::OrphanPause, || EventSample {
                file: "a.csv".into(),
                row,
                detail: "pause".into(),
            });
        }
        let results = quality.results();
        let orphan = &results[EventRule::OrphanPause as usize];
        assert_eq!(orphan.rule, EventRule::OrphanPause);
        assert_eq!(orphan.count, 3);
        let rows: Vec<u64> = orphan.samples.iter().map(|sample| sample.row).collect();
        assert_eq!(rows, [3, 5]);
        assert_eq!(quality.count(EventRule::UnknownEventType), 0);
        assert_eq!(results.len(), EventRule::ALL.len());
    }
}
