//! The pure part of reading in shares: how many workers a load starts, which of a load's files
//! a share worker is handed (and its share counted on them), the messages between the
//! coordinator and a share worker, and the words for a worker that died.

use std::ops::Range;

use coursepulse_engine::Share;
use serde::{Deserialize, Serialize};

use crate::worker::protocol::Settings;

/// The most workers one load starts (the bound: beyond it, memory grows faster than
/// the time falls on the machines we know).
pub const MAX_WORKERS: usize = 8;

/// Workers a load uses when the address does not say (`workers=`): one. Measured on this
/// 2-core machine, idle, 2026-12-07 (`node bench/run.mjs --only coursepulse,app,app1`), two
/// workers were slower than one: 1.39 s against 0.88 s at 1M rows (3 rounds), 9.42 s against
/// 9.17 s at 10M (1 round). Until the coordinator's cost (the part's save, transfer and merge,
/// the samples read again) is profiled and cut, reading in shares is asked for: `workers=auto`
/// (every core, [`worker_count`]'s rule) or `workers=N`.
pub const DEFAULT_WORKERS: usize = 1;

/// `workers=auto`, as [`parse_workers`] returns it: as many workers as the cores and rows are
/// worth.
pub const AUTO_WORKERS: usize = 0;

/// A `workers=` value (of the page's address, handed on in the worker script's): `auto`
/// ([`AUTO_WORKERS`]), or a count clamped to 1..=[`MAX_WORKERS`]; `None` when it is neither
/// (then ignored, as the address's other bad values are).
pub fn parse_workers(value: &str) -> Option<usize> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("auto") {
        return Some(AUTO_WORKERS);
    }
    value
        .parse::<u64>()
        .ok()
        .map(|count| count.clamp(1, MAX_WORKERS as u64) as usize)
}

/// A count as [`parse_workers`] reads it back: the page hands its `workers=` to the worker in
/// the worker script's address, where `auto` must stay `auto` (a `0` would read as one worker).
pub fn workers_value(count: usize) -> String {
    if count == AUTO_WORKERS {
        "auto".to_owned()
    } else {
        count.to_string()
    }
}

/// The `workers=` of a query string (`?workers=2&x=y`, the `?` optional).
pub fn workers_in_query(query: &str) -> Option<usize> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| *key == "workers")
        .find_map(|(_, value)| parse_workers(value))
}

/// The fewest rows a worker is started for, unless a count is asked for: starting one (its wasm
/// fetched from the cache and compiled) and merging its part costs about what reading this many
/// rows does, so a smaller load is read sooner on one worker.
pub const MIN_ROWS_PER_WORKER: u64 = 250_000;

/// How many workers read a load of `rows` rows in `row_groups` row groups: the count asked for
/// (`workers=N`), [`DEFAULT_WORKERS`] when none is, and for `workers=auto` the cores the browser
/// reports (`cores`, 0 when it does not say) but no more than one per [`MIN_ROWS_PER_WORKER`]
/// rows; at most [`MAX_WORKERS`], never more than the row groups, at least one.
pub fn worker_count(cores: usize, asked: Option<usize>, row_groups: usize, rows: u64) -> usize {
    let wanted = match asked {
        None => DEFAULT_WORKERS,
        Some(AUTO_WORKERS) => {
            let worth = (rows / MIN_ROWS_PER_WORKER).min(MAX_WORKERS as u64) as usize;
            cores.min(worth)
        }
        Some(count) => count,
    };
    wanted.clamp(1, MAX_WORKERS).min(row_groups.max(1))
}

/// The files of a load's `files` (a count) that `share` reads, and the share counted on those
/// files alone: what its worker is handed, so that it opens (reads the footer of) only the
/// files it reads. A file without row groups between the share's ends is kept.
pub fn share_files(share: Share, files: usize) -> (Range<usize>, Share) {
    let first = share.start.0.min(files);
    let end = if share.end.1 == 0 {
        share.end.0
    } else {
        share.end.0 + 1
    }
    .clamp(first, files);
    let rebased = Share {
        start: (0, share.start.1),
        end: (share.end.0.saturating_sub(first), share.end.1),
    };
    (first..end, rebased)
}

/// What the coordinator sends a share worker, as `{ share: ShareJob, files: [File] }` (the
/// `File` of each input, in order: a handle, not a copy of its bytes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareJob {
    /// The load's settings and clock: the share worker's options are the coordinator's.
    pub settings: Settings,
    /// The clock the coordinator's options were made with.
    pub now_micros: i64,
    /// Every name the dataset has, for its hive partitions.
    pub names: Vec<String>,
    /// Whether the rows are kept for instant filters (as the coordinator keeps them).
    pub keep_rows: bool,
    /// The inputs the share reads, in the load's order.
    pub inputs: Vec<ShareInput>,
    /// The share, counted on `inputs`: its first (file, row group) and the one after it.
    pub start: (usize, usize),
    /// See `start`.
    pub end: (usize, usize),
}

/// One input of a share (its `File` is sent beside the job).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareInput {
    /// The name the engine sees.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What a share worker says, as `{ share_report: ShareReport, part: Uint8Array }` (`part` with
/// `Done` only, its buffer transferred).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShareReport {
    /// Row groups read so far, and their bytes as the footer gives them.
    Progress {
        /// Row groups read.
        groups_done: u64,
        /// Their bytes.
        bytes_done: u64,
    },
    /// The share is read: its analysis is the `part` beside this.
    Done {
        /// Bytes fetched from each input, in the job's order.
        bytes_read: Vec<u64>,
    },
    /// The share could not be read (the coordinator reads the load again on one worker, which
    /// names the input and the place in the words a one-worker load uses).
    Failed {
        /// Why.
        message: String,
    },
}

/// What the page is told when an analysis worker dies with `detail` (its error event's
/// message): the same words whichever worker it was.
pub fn worker_failed(detail: &str) -> String {
    // A wasm allocation failure aborts as `unreachable`; by far the likeliest cause.
    let hint = if detail.contains("unreachable") {
        " (most likely it ran out of memory: the browser gives a worker at most 4 GB)"
    } else {
        ""
    };
    format!("The analysis worker failed: {detail}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_passed_on_to_the_worker_reads_back_as_asked() {
        for asked in ["auto", "AUTO", "1", "2", "8", "64"] {
            let count = parse_workers(asked).expect("a valid value");
            let passed = format!("?workers={}&x=1", workers_value(count));
            assert_eq!(workers_in_query(&passed), Some(count), "workers={asked}");
        }
    }

    #[test]
    fn workers_asked_for_are_clamped_and_bad_values_ignored() {
        for (value, expected) in [
            ("1", Some(1)),
            ("2", Some(2)),
            (" 8 ", Some(8)),
            ("0", Some(1)),
            ("64", Some(8)),
            ("auto", Some(AUTO_WORKERS)),
            (" AUTO", Some(AUTO_WORKERS)),
            ("99999999999999999999", None),
            ("two", None),
            ("", None),
            ("-1", None),
        ] {
            assert_eq!(parse_workers(value), expected, "workers={value}");
        }
        assert_eq!(workers_in_query("?src=sample&workers=2"), Some(2));
        assert_eq!(workers_in_query("workers=x&workers=3"), Some(3));
        assert_eq!(workers_in_query("?src=a.parquet"), None);
        assert_eq!(workers_in_query("?networkers=2"), None);
    }

    #[test]
    fn the_count_is_the_cores_at_most_eight_never_more_than_the_row_groups() {
        const MILLION: u64 = 1_000_000;
        let auto = Some(AUTO_WORKERS);
        for (cores, asked, groups, rows, expected) in [
            // Unless asked, one worker (see DEFAULT_WORKERS).
            (2, None, 10, MILLION, 1),
            (16, None, 100, 10 * MILLION, 1),
            // `auto`: every core, as the rows are worth.
            (2, auto, 10, MILLION, 2),
            (16, auto, 100, 10 * MILLION, 8),
            (0, auto, 10, MILLION, 1),
            (4, auto, 3, MILLION, 3),
            (4, auto, 0, 0, 1),
            // Small loads are read sooner on one worker, or on as many as their rows are worth.
            (2, auto, 10, 20_000, 1),
            (8, auto, 100, 3 * MIN_ROWS_PER_WORKER, 3),
            (2, auto, 10, 2 * MIN_ROWS_PER_WORKER, 2),
            // A count asked for is used whatever the rows.
            (2, Some(1), 10, MILLION, 1),
            (2, Some(4), 10, 20_000, 4),
            (2, Some(4), 2, MILLION, 2),
            (1, Some(8), 100, 100, 8),
        ] {
            assert_eq!(
                worker_count(cores, asked, groups, rows),
                expected,
                "{cores} cores, {asked:?} asked, {groups} row groups, {rows} rows"
            );
        }
    }

    fn share(start: (usize, usize), end: (usize, usize)) -> Share {
        Share { start, end }
    }

    #[test]
    fn a_share_is_handed_only_the_files_it_reads() {
        for (cut, files, range, rebased) in [
            // The whole of one file.
            (share((0, 0), (1, 0)), 1, 0..1, share((0, 0), (1, 0))),
            // From inside file 1 to inside file 3.
            (share((1, 2), (3, 1)), 5, 1..4, share((0, 2), (2, 1))),
            // To the start of file 3: file 3 is not read.
            (share((1, 0), (3, 0)), 5, 1..3, share((0, 0), (2, 0))),
            // The last share ends after every file.
            (share((2, 1), (4, 0)), 4, 2..4, share((0, 1), (2, 0))),
            // Inside one file.
            (share((0, 3), (0, 5)), 1, 0..1, share((0, 3), (0, 5))),
        ] {
            assert_eq!(
                share_files(cut, files),
                (range, rebased),
                "{cut:?} of {files} files"
            );
        }
    }

    #[test]
    fn worker_deaths_are_worded_as_before_with_the_memory_hint_for_an_abort() {
        assert_eq!(
            worker_failed("RuntimeError: unreachable"),
            "The analysis worker failed: RuntimeError: unreachable (most likely it ran out of \
             memory: the browser gives a worker at most 4 GB)"
        );
        assert_eq!(
            worker_failed("it stopped unexpectedly"),
            "The analysis worker failed: it stopped unexpectedly"
        );
    }

    #[test]
    fn messages_round_trip() {
        let job = ShareJob {
            settings: Settings::default(),
            now_micros: 1_700_000_000_000_000,
            names: vec!["date=2025-03-01/a.parquet".into()],
            keep_rows: true,
            inputs: vec![ShareInput {
                name: "a.parquet".into(),
                size: 42,
            }],
            start: (0, 1),
            end: (1, 0),
        };
        let text = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<ShareJob>(&text).unwrap(), job);
        for report in [
            ShareReport::Progress {
                groups_done: 3,
                bytes_done: 9,
            },
            ShareReport::Done {
                bytes_read: vec![1, 2],
            },
            ShareReport::Failed {
                message: "bad".into(),
            },
        ] {
            let text = serde_json::to_string(&report).unwrap();
            assert_eq!(serde_json::from_str::<ShareReport>(&text).unwrap(), report);
        }
    }
}
