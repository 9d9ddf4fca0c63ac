//! Sessions and watched segments: one pair's events, in replay order, through a player state
//! machine.
//!
//! A session ends at a change of session id, after an inactivity gap, after `ended` or
//! `terminated`, or before a `load`. Within it, play opens a segment, pause/ended/terminated
//! close it, a seek closes it and reopens it at the target, and a heartbeat (or any event with a
//! position) that moved further than the wall clock allows at the playback rate, or backwards,
//! is an implicit seek. A session that ends while playing closes at the last evidenced position,
//! never beyond. Segments are clamped to `[0, duration]`.

use crate::events::collect::{Event, NONE};
use crate::events::fields::Verb;
use crate::events::intervals::{self, Segment};
use crate::events::quality::EventRule;

/// Seconds the playhead may run ahead of the wall clock × rate (players report late).
const JUMP_SLACK_SECONDS: f64 = 2.0;
/// Share the playhead may run ahead of the wall clock × rate.
const JUMP_SLACK_SHARE: f64 = 0.1;
/// Seconds the playhead may step back without counting as a seek (players round).
const BACKWARD_SLACK_SECONDS: f64 = 1.0;
/// Seconds beyond the duration a position may be without being out of range.
const END_SLACK_SECONDS: f64 = 1.0;

/// What one pair's events add up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PairWatch {
    /// Disjoint, ascending watched islands (clamped to the duration when it is known).
    pub(crate) islands: Vec<Segment>,
    /// Segments before the union (re-watches counted again).
    pub(crate) segments: u64,
    /// Seconds watched, re-watches included.
    pub(crate) watch_seconds: f64,
    /// The furthest position watched.
    pub(crate) furthest: f64,
    pub(crate) sessions: u64,
    /// Whether an `ended` event (or a segment reaching the end) was seen.
    pub(crate) reached_end: bool,
    /// The time of the last event.
    pub(crate) last_time: i64,
}

/// A finding the caller turns into a quality sample: the rule and the event it is about.
pub(crate) type Finding = (EventRule, usize, String);

/// Replays one pair's events (sorted by [`Event::replay_order`], copies removed) into its
/// watched islands; findings are pushed with the index of their event in `events`.
pub(crate) fn replay(
    events: &[Event],
    duration: Option<f64>,
    gap_micros: i64,
    played: &[Vec<Segment>],
    findings: &mut Vec<Finding>,
) -> PairWatch {
    let mut watch = PairWatch::default();
    let mut segments: Vec<Segment> = Vec::new();
    let mut start = 0;
    while start < events.len() {
        let end = session_end(events, start, gap_micros);
        let session = Session {
            events: &events[start..end],
            offset: start,
            duration,
        };
        let (session_segments, reached_end) = session.segments(findings);
        let played_segments = session.played_segments(played);
        let chosen = if played_segments.is_empty() {
            session_segments
        } else {
            played_segments
        };
        for segment in chosen {
            if let Some(segment) = intervals::clamp(segment, duration) {
                watch.segments += 1;
                watch.watch_seconds += segment.1 - segment.0;
                watch.furthest = watch.furthest.max(segment.1);
                segments.push(segment);
            }
        }
        watch.reached_end |= reached_end;
        watch.sessions += 1;
        start = end;
    }
    watch.last_time = events.last().map_or(i64::MIN, |event| event.time);
    intervals::union(&mut segments);
    if let (Some(duration), Some(last)) = (duration, segments.last()) {
        watch.reached_end |= last.1 >= duration - END_SLACK_SECONDS;
    }
    watch.islands = segments;
    watch
}

/// The index after the session that starts at `start`.
fn session_end(events: &[Event], start: usize, gap_micros: i64) -> usize {
    let mut index = start + 1;
    while index < events.len() {
        let (previous, event) = (&events[index - 1], &events[index]);
        let new_session = event.session != previous.session
            || event.time.saturating_sub(previous.time) > gap_micros
            || previous.verb.ends_session()
            || event.verb == Verb::Load;
        if new_session {
            break;
        }
        index += 1;
    }
    index
}

/// One session's events.
struct Session<'a> {
    events: &'a [Event],
    /// The index of its first event in the pair's events (for findings).
    offset: usize,
    duration: Option<f64>,
}

/// The player as the events show it.
struct Player {
    /// Where the open segment started, while playing.
    playing_from: Option<f64>,
    /// The last position an event showed.
    position: f64,
    time: i64,
    rate: f64,
}

impl Session<'_> {
    /// The session's segments (unclamped) and whether it reached the end.
    fn segments(&self, findings: &mut Vec<Finding>) -> (Vec<Segment>, bool) {
        let mut segments = Vec::new();
        let mut reached_end = false;
        let first = &self.events[0];
        let mut player = Player {
            playing_from: None,
            position: position(first).unwrap_or(0.0),
            time: first.time,
            rate: 1.0,
        };
        for (index, event) in self.events.iter().enumerate() {
            let at = self.offset + index;
            if let (Some(value), Some(duration)) = (position(event), self.duration)
                && (value < 0.0 || value > duration + END_SLACK_SECONDS)
            {
                findings.push((
                    EventRule::PositionOutOfRange,
                    at,
                    format!("position {value} of {duration} s"),
                ));
            }
            match event.verb {
                Verb::Play | Verb::Heartbeat => {
                    let target = position(event).unwrap_or(player.position);
                    if player.playing_from.is_some() {
                        player.advance(event, target, &mut segments, findings, at);
                    } else {
                        player.playing_from = Some(target);
                        player.position = target;
                    }
                }
                Verb::RateChange => {
                    if player.playing_from.is_some()
                        && let Some(target) = position(event)
                    {
                        player.advance(event, target, &mut segments, findings, at);
                    }
                }
                Verb::Seek => {
                    // With a seek target, the event's position is where the seek started;
                    // without one, it is the target.
                    let (from, to) = match finite(event.seek_to) {
                        Some(to) => (finite(event.seek_from).or(position(event)), Some(to)),
                        None => (finite(event.seek_from), position(event)),
                    };
                    if player.playing_from.is_some() {
                        let from = from.unwrap_or(player.position);
                        player.advance(event, from, &mut segments, findings, at);
                        player.close(&mut segments);
                        if let Some(to) = to {
                            player.playing_from = Some(to);
                        }
                    }
                    if let Some(to) = to {
                        player.position = to;
                    }
                }
                Verb::Pause | Verb::Ended | Verb::Terminated => {
                    let target = position(event).or_else(|| {
                        (event.verb == Verb::Ended)
                            .then_some(self.duration)
                            .flatten()
                    });
                    if player.playing_from.is_some() {
                        if let Some(target) = target {
                            player.advance(event, target, &mut segments, findings, at);
                        }
                        player.close(&mut segments);
                    } else if event.verb == Verb::Pause {
                        findings.push((
                            EventRule::OrphanPause,
                            at,
                            "pause while not playing".into(),
                        ));
                    }
                    if let Some(target) = target {
                        player.position = target;
                    }
                    reached_end |= event.verb == Verb::Ended;
                }
                Verb::Load => {
                    player.position = position(event).unwrap_or(player.position);
                }
                Verb::Unknown => {}
            }
            player.time = event.time;
            if let Some(rate) = finite(event.rate) {
                player.rate = rate;
            }
        }
        if player.playing_from.is_some() {
            let last = self.offset + self.events.len() - 1;
            findings.push((
                EventRule::UnclosedSession,
                last,
                "session ended while playing".into(),
            ));
            player.close(&mut segments);
        }
        (segments, reached_end)
    }

    /// The session's xAPI `played-segments`, if an event carries them: statements repeat the
    /// session's segments so far, so the longest list (by total length) is the session's.
    fn played_segments(&self, played: &[Vec<Segment>]) -> Vec<Segment> {
        let total = |segments: &Vec<Segment>| -> f64 {
            segments.iter().map(|(start, end)| end - start).sum()
        };
        self.events
            .iter()
            .filter(|event| event.played != NONE)
            .map(|event| &played[event.played as usize])
            .max_by(|left, right| {
                total(left)
                    .total_cmp(&total(right))
                    .then_with(|| left.len().cmp(&right.len()))
            })
            .cloned()
            .unwrap_or_default()
    }
}

impl Player {
    /// Moves the playhead to `target` while playing: within what the wall clock allows it
    /// extends the open segment; otherwise the segment closes at the last evidenced position
    /// and a new one opens at `target` (an implicit seek).
    fn advance(
        &mut self,
        event: &Event,
        target: f64,
        segments: &mut Vec<Segment>,
        findings: &mut Vec<Finding>,
        at: usize,
    ) {
        let elapsed = (event.time - self.time).max(0) as f64 / 1e6;
        let allowed = elapsed * self.rate * (1.0 + JUMP_SLACK_SHARE) + JUMP_SLACK_SECONDS;
        let moved = target - self.position;
        if moved > allowed || moved < -BACKWARD_SLACK_SECONDS {
            findings.push((
                EventRule::ImplausibleJump,
                at,
                format!(
                    "{moved:.1} s in {elapsed:.1} s of wall clock at rate {}",
                    self.rate
                ),
            ));
            self.close(segments);
            self.playing_from = Some(target);
            self.position = target;
        } else {
            // A small step back is rounding, not a re-watch: the evidence stays where it was.
            self.position = self.position.max(target);
        }
    }

    /// Closes the open segment at the last evidenced position.
    fn close(&mut self, segments: &mut Vec<Segment>) {
        if let Some(from) = self.playing_from.take()
            && self.position > from
        {
            segments.push((from, self.position));
        }
    }
}

fn finite(value: f32) -> Option<f64> {
    value.is_finite().then_some(f64::from(value))
}

fn position(event: &Event) -> Option<f64> {
    finite(event.position)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;
    const GAP: i64 = 30 * 60 * SECOND;

    /// An event of verb `verb` at wall-clock second `at`, playhead `position`.
    fn event(verb: Verb, at: i64, position: f32) -> Event {
        Event {
            time: at * SECOND,
            id_hash: 0,
            pair: 0,
            session: NONE,
            sequence: u32::MAX,
            position,
            seek_from: f32::NAN,
            seek_to: f32::NAN,
            rate: f32::NAN,
            played: NONE,
            row: 0,
            file: 0,
            verb,
        }
    }

    fn seek(at: i64, from: f32, to: f32) -> Event {
        Event {
            seek_from: from,
            seek_to: to,
            ..event(Verb::Seek, at, f32::NAN)
        }
    }

    fn check(
        events: &[Event],
        duration: f64,
        islands: &[Segment],
        rules: &[EventRule],
    ) -> PairWatch {
        let mut findings = Vec::new();
        let watch = replay(events, Some(duration), GAP, &[], &mut findings);
        assert_eq!(watch.islands, islands);
        let found: Vec<EventRule> = findings.iter().map(|finding| finding.0).collect();
        assert_eq!(found, rules);
        watch
    }

    #[test]
    fn the_issue_example_is_half_watched_not_complete() {
        // play 0-30 s, seek to 120, play to 180 (ended), duration 180.
        let events = [
            event(Verb::Play, 0, 0.0),
            event(Verb::Heartbeat, 30, 30.0),
            seek(30, 30.0, 120.0),
            event(Verb::Ended, 90, 180.0),
        ];
        let watch = check(&events, 180.0, &[(0.0, 30.0), (120.0, 180.0)], &[]);
        let completion = 100.0 * intervals::length(&watch.islands) / 180.0;
        assert_eq!(completion, 50.0);
        assert!(watch.reached_end);
        assert_eq!(watch.furthest, 180.0);
        assert_eq!(watch.sessions, 1);
    }

    #[test]
    fn a_heartbeat_beyond_the_wall_clock_is_an_implicit_seek() {
        let events = [
            event(Verb::Play, 0, 0.0),
            event(Verb::Heartbeat, 10, 10.0),
            event(Verb::Heartbeat, 20, 100.0),
            event(Verb::Pause, 30, 110.0),
        ];
        check(
            &events,
            200.0,
            &[(0.0, 10.0), (100.0, 110.0)],
            &[EventRule::ImplausibleJump],
        );
    }

    #[test]
    fn double_speed_is_plausible_at_its_rate() {
        let mut faster = event(Verb::RateChange, 0, 0.0);
        faster.rate = 2.0;
        let events = [
            event(Verb::Play, 0, 0.0),
            faster,
            event(Verb::Heartbeat, 10, 20.0),
            event(Verb::Pause, 20, 40.0),
        ];
        let watch = check(&events, 100.0, &[(0.0, 40.0)], &[]);
        assert_eq!(watch.watch_seconds, 40.0);
    }

    #[test]
    fn an_unclosed_session_closes_at_the_last_evidence() {
        // Plays, reports 50 s, then nothing: it closes at 50, not at the duration.
        let events = [event(Verb::Play, 0, 0.0), event(Verb::Heartbeat, 50, 50.0)];
        let watch = check(
            &events,
            300.0,
            &[(0.0, 50.0)],
            &[EventRule::UnclosedSession],
        );
        assert!(!watch.reached_end);
    }

    #[test]
    fn sessions_split_at_gaps_and_rewatches_count_once() {
        let hour = 3600;
        let events = [
            event(Verb::Play, 0, 0.0),
            event(Verb::Pause, 60, 60.0),
            event(Verb::Play, hour, 30.0),
            event(Verb::Pause, hour + 60, 90.0),
        ];
        let watch = check(&events, 100.0, &[(0.0, 90.0)], &[]);
        assert_eq!(watch.sessions, 2);
        assert_eq!(watch.watch_seconds, 120.0);
        assert_eq!(watch.segments, 2);
    }

    #[test]
    fn orphan_pauses_and_positions_out_of_range_are_found() {
        let events = [
            event(Verb::Pause, 0, 5.0),
            event(Verb::Play, 1, 5.0),
            event(Verb::Pause, 2, 6.0),
            event(Verb::Play, 3, -4.0),
        ];
        check(
            &events,
            100.0,
            &[(5.0, 6.0)],
            &[
                EventRule::OrphanPause,
                EventRule::PositionOutOfRange,
                EventRule::UnclosedSession,
            ],
        );
    }

    #[test]
    fn played_segments_replace_the_state_machine() {
        let mut statement = event(Verb::Terminated, 10, 40.0);
        statement.played = 0;
        let played = vec![vec![(0.0, 30.0), (20.0, 40.0)]];
        let mut findings = Vec::new();
        let watch = replay(&[statement], Some(80.0), GAP, &played, &mut findings);
        assert_eq!(watch.islands, [(0.0, 40.0)]);
        assert_eq!(watch.watch_seconds, 50.0);
    }
}
