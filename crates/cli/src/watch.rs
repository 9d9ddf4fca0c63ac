//! `coursepulse report PATH --watch`: the live mode of the command line. The inputs (a folder, a
//! manifest, files) are listed again every `--interval` seconds; only names not loaded yet are
//! read, through the same incremental add as `--state`, and the report is printed again when
//! files were added. Each listing prints one summary line on standard error. Ctrl-C (or
//! SIGTERM) ends it between two steps, with exit code 0. Event logs are watched the same way:
//! each new log is read into the events loaded so far, and the pairs it touches are derived
//! again.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use coursepulse_engine::{Analysis, EventLog, listing_change};

use crate::{OutputFormat, ReportArgs, inputs, shown};

/// What a loaded file looked like when it was read: a later listing that finds another size or
/// modification time says the file changed (it is not read again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    bytes: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let metadata = std::fs::metadata(path).ok()?;
        Some(Stamp {
            bytes: metadata.len(),
            modified: metadata.modified().ok(),
        })
    }
}

/// What one listing did.
#[derive(Debug, Default)]
struct Refresh {
    added: Vec<String>,
    skipped_known: usize,
    missing: Vec<String>,
    changed: Vec<String>,
}

/// What is watched: rows with a completion column, or player event logs.
enum Watched {
    Rows(Box<Analysis>),
    Events(Box<EventLog>),
}

/// Runs `report --watch` until Ctrl-C or `--max-refreshes`; `events` when the inputs are event
/// logs.
pub fn run(args: &ReportArgs, events: bool) -> Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot listen for Ctrl-C")?;
    }
    let mut analysis = if events {
        Watched::Events(Box::new(crate::events::open_log(args)?))
    } else {
        Watched::Rows(Box::new(crate::start_analysis(args)?))
    };
    let mut loaded: Vec<String> = Vec::new();
    let mut stamps: HashMap<String, Stamp> = HashMap::new();
    let mut listings = 0u64;
    loop {
        match refresh(args, &mut analysis, &mut loaded, &mut stamps) {
            Ok(refresh) => {
                eprintln!("coursepulse: {}", summary(&refresh, &clock_time()));
                // The first listing always prints; later ones only when the report changed.
                if listings == 0 || !refresh.added.is_empty() {
                    print_report(args, &mut analysis)?;
                }
            }
            // The first listing fails as a plain report would; a later one keeps the report
            // and the timer, as the page's live mode does.
            Err(error) if listings == 0 => return Err(error),
            Err(error) => eprintln!(
                "coursepulse: warning: the inputs could not be listed or read at {}: {}; the \
                 report above still holds, listing again in {} s",
                clock_time(),
                shown::text(&format!("{error:#}")),
                args.interval
            ),
        }
        listings += 1;
        if args.max_refreshes.is_some_and(|most| listings >= most) || !wait(args.interval, &stop) {
            break;
        }
    }
    eprintln!("coursepulse: watch ended after {listings} listings");
    Ok(ExitCode::SUCCESS)
}

/// Lists the inputs again and adds the files not loaded yet.
fn refresh(
    args: &ReportArgs,
    watched: &mut Watched,
    loaded: &mut Vec<String>,
    stamps: &mut HashMap<String, Stamp>,
) -> Result<Refresh> {
    let mut listed = crate::expand_inputs(args)?;
    // The catalogue given with --videos may sit in the watched folder: it is not a log.
    if let (Watched::Events(_), Some(videos)) = (&*watched, &args.videos) {
        let catalogue = std::fs::canonicalize(videos).ok();
        listed.retain(|input| std::fs::canonicalize(&input.path).ok() != catalogue);
    }
    let names: Vec<&str> = listed.iter().map(|input| input.name.as_str()).collect();
    let loaded_names: Vec<&str> = loaded.iter().map(String::as_str).collect();
    let change = listing_change(&names, &loaded_names);
    let changed = listed
        .iter()
        .filter(|input| {
            stamps
                .get(&input.name)
                .is_some_and(|stamp| Stamp::of(&input.path) != Some(*stamp))
        })
        .map(|input| input.name.clone())
        .collect();
    let new: Vec<inputs::Input> = change
        .added
        .iter()
        .map(|position| listed[*position].clone())
        .collect();
    let mut refresh = Refresh {
        missing: change.missing,
        changed,
        ..Refresh::default()
    };
    if new.is_empty() {
        return Ok(refresh);
    }
    let stamped: Vec<(String, Option<Stamp>)> = new
        .iter()
        .map(|input| (input.name.clone(), Stamp::of(&input.path)))
        .collect();
    // Files absorbed by an earlier run (`--state`) are recognised by content, as without
    // --watch; within a run, by name.
    let (added, known) = match watched {
        Watched::Rows(analysis) => {
            let every_name: Vec<&str> = loaded_names
                .iter()
                .copied()
                .chain(new.iter().map(|input| input.name.as_str()))
                .collect();
            crate::set_partitioning(analysis, &every_name, args)?;
            let opened = crate::open_inputs(&new, args)?;
            crate::add_opened(analysis, opened, args.state.is_some())?
        }
        Watched::Events(log) => {
            let mut added = Vec::new();
            for input in &new {
                let before = log.logs_read();
                crate::events::add_logs(log, std::slice::from_ref(input), args.events)?;
                if log.logs_read() > before {
                    added.push(input.name.clone());
                }
            }
            let known = new.len() - added.len();
            (added, known)
        }
    };
    for (name, stamp) in stamped {
        if let Some(stamp) = stamp {
            stamps.insert(name.clone(), stamp);
        }
        loaded.push(name);
    }
    refresh.skipped_known = known;
    refresh.added = added;
    if let Some(path) = &args.state {
        let state = match watched {
            Watched::Rows(analysis) => analysis.save_state()?,
            Watched::Events(log) => log.save_state(),
        };
        crate::durable::write_atomically(path, &state)?;
    }
    Ok(refresh)
}

/// Prints the report: a table followed by a blank line, or one JSON document a line.
fn print_report(args: &ReportArgs, watched: &mut Watched) -> Result<()> {
    let text = match watched {
        Watched::Rows(analysis) => {
            let report = analysis.report();
            match args.format {
                OutputFormat::Json => serde_json::to_string(&report)? + "\n",
                OutputFormat::Table => crate::table::report(&report, args.all_learners) + "\n",
            }
        }
        Watched::Events(log) => {
            let events = log.report()?;
            match args.format {
                OutputFormat::Json => serde_json::to_string(&events)? + "\n",
                OutputFormat::Table => crate::events_table(args, &events) + "\n",
            }
        }
    };
    crate::write_stdout(&text)
}

/// "refreshed at 09:00:00 UTC: 1 new file (date=2025-03-03/part-0.parquet); ..." for a listing.
fn summary(refresh: &Refresh, time: &str) -> String {
    let mut parts = vec![format!(
        "refreshed at {time}: {} new file{}{}",
        refresh.added.len(),
        if refresh.added.len() == 1 { "" } else { "s" },
        listed_names(&refresh.added)
    )];
    if refresh.skipped_known > 0 {
        parts.push(format!(
            "{} already in the state file (same content)",
            refresh.skipped_known
        ));
    }
    if !refresh.missing.is_empty() {
        parts.push(format!(
            "{} no longer listed, still counted{}",
            refresh.missing.len(),
            listed_names(&refresh.missing)
        ));
    }
    if !refresh.changed.is_empty() {
        parts.push(format!(
            "{} changed since read, not read again (run again to read them){}",
            refresh.changed.len(),
            listed_names(&refresh.changed)
        ));
    }
    parts.join("; ")
}

/// " (a, b, c)" or " (a, b, c, … 7 files)"; names escaped for the terminal.
fn listed_names(names: &[String]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = names.iter().take(3).map(|name| shown::text(name)).collect();
    if names.len() > 3 {
        format!(" ({}, … {} files)", shown.join(", "), names.len())
    } else {
        format!(" ({})", shown.join(", "))
    }
}

/// Waits `seconds` unless Ctrl-C comes first; false when it did.
fn wait(seconds: u64, stop: &AtomicBool) -> bool {
    let step = Duration::from_millis(100);
    let mut left = Duration::from_secs(seconds);
    while !left.is_zero() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let slept = step.min(left);
        std::thread::sleep(slept);
        left -= slept;
    }
    !stop.load(Ordering::Relaxed)
}

/// The wall-clock time of day, `HH:MM:SS UTC`.
fn clock_time() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let of_day = seconds % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_names_new_missing_and_changed_files() {
        let names = |list: &[&str]| list.iter().map(|name| (*name).to_owned()).collect();
        let quiet = Refresh::default();
        assert_eq!(
            summary(&quiet, "09:00:00 UTC"),
            "refreshed at 09:00:00 UTC: 0 new files"
        );
        let busy = Refresh {
            added: names(&["a.csv"]),
            skipped_known: 2,
            missing: names(&["b.csv", "c.csv", "d.csv", "e.csv"]),
            changed: names(&["f\u{1b}[2J.csv"]),
        };
        let line = summary(&busy, "09:00:00 UTC");
        assert!(
            line.starts_with("refreshed at 09:00:00 UTC: 1 new file (a.csv); "),
            "{line}"
        );
        assert!(line.contains("2 already in the state file"), "{line}");
        assert!(
            line.contains("4 no longer listed, still counted (b.csv, c.csv, d.csv, … 4 files)"),
            "{line}"
        );
        assert!(
            line.contains("1 changed since read, not read again"),
            "{line}"
        );
        assert!(
            !line.contains('\u{1b}'),
            "names cannot drive the terminal: {line}"
        );
    }
}
