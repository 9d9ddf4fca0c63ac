//! `coursepulse`: arguments -> engine -> printing, with exit codes for pipeline gates.

mod dbt_table;
mod durable;
mod events;
mod file_reader;
mod inputs;
mod metadata;
mod parallel;
mod shown;
mod split;
mod table;
mod watch;

use file_reader::SharedFile;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::{Args, Parser, Subcommand, ValueEnum};
use coursepulse_engine::{
    Analysis, Fingerprint, Format, Masking, Options, Overrides, ParquetFile, Partitioning, Report,
    RuleConfig, Scale,
};

/// Completion-rate rankings and data-quality flags for LMS video-watch logs (Parquet or CSV).
#[derive(Parser, Debug)]
#[command(name = "coursepulse", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the full report: rankings, per-video and per-course figures, quality.
    Report(ReportArgs),
    /// Print the quality report; exit 1 when an error-severity rule fails (a pipeline gate).
    Check(ReportArgs),
    /// Write one Parquet extract per course (or instructor) with learner ids, names and e-mail
    /// addresses masked, in hive-style folders (OUT/course_code=CSC101/part-0.parquet) plus a
    /// manifest.json: per-audience extracts for an LMS to serve behind its own login. Extracts
    /// keep only the mapped columns, the split column and --keep ones; folder names are
    /// percent-escaped, distinct even where case is ignored, and at most 255 bytes (the
    /// manifest records each folder's real value).
    Split(SplitArgs),
}

#[derive(Args, Debug)]
struct SplitArgs {
    /// Parquet inputs (files, folders or manifest.json files), split together.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Output folder; created if missing, must be empty unless --force. The output is written
    /// into a temporary folder beside it and moved into place only when complete.
    #[arg(long, short = 'o', value_name = "FOLDER")]
    out: PathBuf,
    /// One extract per course (the course code, else the course id) or per instructor column.
    #[arg(long, value_enum, default_value_t = SplitByArg::Course)]
    by: SplitByArg,
    /// Secret key of the pseudonyms (else the COURSEPULSE_SALT environment variable). Required
    /// unless --no-mask: the same salt gives the same pseudonyms in every extract and report.
    #[arg(long)]
    salt: Option<String>,
    /// Write learner ids, names and e-mail addresses in clear text.
    #[arg(long)]
    no_mask: bool,
    /// Replace the output of an earlier split: the files its manifest.json lists and nothing
    /// else (a folder holding other files is refused).
    #[arg(long)]
    force: bool,
    /// Parquet compression of the extracts: zstd or snappy.
    #[arg(long, default_value = "zstd")]
    compression: String,
    /// Column mapping override, field=column (to name the learner or course column); repeatable.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    mappings: Vec<String>,
    /// Also keep this column (not mapped to a field) in the extracts; repeatable. Extracts hold
    /// only the mapped columns (student, video, video_title, course, course_code, completion,
    /// role, event_id, updated_at, watched_at), the split column and the kept ones. With
    /// masking, a kept column whose name points to a person (a name, e-mail, login, user,
    /// student, teacher or SIS id, phone, IP address, ...) becomes pseudonyms, and e-mail
    /// addresses in any kept text column do too.
    #[arg(long = "keep", value_name = "COLUMN")]
    keep: Vec<String>,
    /// Leave this column out of the extracts; repeatable. Unmapped columns are left out anyway,
    /// but split refuses to run (exit 2, naming them) while an unmapped column whose name looks
    /// like an identifier is neither kept nor dropped by name: one with a word id, ids, uid,
    /// uuid, guid, key, number, num, no or nr (session_id, deviceId), ending in id (userid), or
    /// pointing to a person (name, e-mail, login, user, student, teacher, sis, phone, ip, ...).
    #[arg(long = "drop", value_name = "COLUMN")]
    drop: Vec<String>,
    /// Manifest entries may be absolute or lead outside the manifest's folder (by default they
    /// are refused: a manifest reads only files in its own folder and below).
    #[arg(long)]
    allow_outside_manifest: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum SplitByArg {
    Course,
    Instructor,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// Inputs, analysed together as one dataset: data files (.parquet or .csv), folders (every
    /// .parquet/.parq/.csv file in them, recursively; hive partitions like date=2025-03-01/
    /// become columns) or manifest.json files (a JSON array of at most 100,000 paths relative
    /// to the manifest, inside its folder unless --allow-outside-manifest).
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// Learners in the top and bottom lists.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Most and least engaged videos per course.
    #[arg(long, default_value_t = 3)]
    per_course: usize,
    /// Minimum views for a video to be listed.
    #[arg(long, default_value_t = 1)]
    min_views: u64,
    /// Minimum distinct videos for a learner to enter the top and bottom lists (the full
    /// ranking lists everyone).
    #[arg(long, default_value_t = 1)]
    min_videos: u64,
    /// Completion scale; inferred from the column name and values when omitted.
    #[arg(long, value_parser = parse_scale)]
    scale: Option<Scale>,
    /// Column mapping override, field=column (or field=none); repeatable.
    /// Fields: student, video, video_title, course, course_code, completion, role, event_id, updated_at, watched_at.
    /// For event logs, the event fields, field=column (a JSON path such as event.currentTime in
    /// NDJSON): learner, video, title, course, event_type, time, position, seek_from, seek_to,
    /// duration, session, sequence, rate, role, event_id, played_segments.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    mappings: Vec<String>,
    /// Quality rule levels, rule=warn>T,error>T (either or both; T rows or a percentage of rows,
    /// e.g. unique_key=warn>0.1%,error>5%), or one level, rule=T[:severity] (e.g.
    /// unique_key=1%:warn: warn above 1 %, never fail); repeatable, later settings win.
    #[arg(long = "rule", value_name = "RULE=LEVELS")]
    rules: Vec<String>,
    /// The time future timestamps are judged against (RFC 3339); defaults to the system clock.
    #[arg(long)]
    now: Option<String>,
    /// Offending rows kept per quality rule.
    #[arg(long, default_value_t = 20)]
    samples: usize,
    /// Input format for every file; by default from the extension, else sniffed.
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// Print every learner in table output (JSON always has them all).
    #[arg(long)]
    all_learners: bool,
    /// Only these courses (course id or code); repeatable. Applies to every metric and rule.
    #[arg(long = "course", value_name = "COURSE")]
    courses: Vec<String>,
    /// Only rows watched at or after this time (RFC 3339 or YYYY-MM-DD). Files and row groups
    /// whose time statistics lie outside the range are not read, nor files whose date
    /// partition is their only time and lies outside it.
    #[arg(long)]
    from: Option<String>,
    /// Only rows watched up to this time, inclusive: a date (YYYY-MM-DD) keeps its whole day,
    /// an RFC 3339 time keeps that instant, so `--from 2025-03-01 --to 2025-03-07` is a week.
    #[arg(long)]
    to: Option<String>,
    /// Read every file and row group even when the filter proves it empty (for comparison).
    #[arg(long)]
    no_prune: bool,
    /// Threads reading Parquet inputs (0: one per core). The report does not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Incremental runs: load the analysis state from FILE if it exists, add only the files it
    /// has not absorbed (recognised by content), and write the state back. The report covers
    /// every file absorbed so far. Works for event logs too (their own kind of state).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Replace learner ids, names and e-mail addresses by pseudonyms (keyed with --salt, else
    /// the COURSEPULSE_SALT environment variable, else the empty default salt).
    #[arg(long)]
    mask: bool,
    /// Secret key of the pseudonyms; implies --mask.
    #[arg(long)]
    salt: Option<String>,
    /// Also print each file's metadata (size, content hash, row groups, codecs, writer, schema)
    /// and the lineage of every metric (JSON output always has both).
    #[arg(long)]
    metadata: bool,
    /// dbt schema.yml whose column tests (not_null, unique, accepted_values,
    /// dbt_expectations.expect_column_values_to_be_between) run as extra quality rules.
    #[arg(long, value_name = "PATH")]
    dbt_schema: Option<PathBuf>,
    /// Manifest entries may be absolute or lead outside the manifest's folder (by default they
    /// are refused: a manifest reads only files in its own folder and below).
    #[arg(long)]
    allow_outside_manifest: bool,
    /// Read the inputs as player event logs (play, pause, seek, heartbeat, ended; CSV, Parquet
    /// or NDJSON with flat records or xAPI statements). Implied by --videos, by .ndjson/.jsonl
    /// inputs and by inputs with an event type and a playhead position column.
    #[arg(long)]
    events: bool,
    /// Video catalogue for event logs: a CSV with video, duration, course and title columns;
    /// its durations win over the events'.
    #[arg(long, value_name = "CSV")]
    videos: Option<PathBuf>,
    /// Event logs: minutes of inactivity that end a player session.
    #[arg(long, value_name = "MINUTES", default_value_t = coursepulse_engine::DEFAULT_SESSION_GAP_MINUTES)]
    session_gap: u32,
    /// Live mode (`report` only): keep running, list the inputs again every --interval seconds
    /// (a folder's files, a manifest's entries), read only the files not loaded yet (by name;
    /// the incremental add --state uses) and print the report again when files were added. One
    /// summary line per listing goes to standard error (new files, files no longer listed,
    /// files changed since read, which are not read again). With --format json, one report per
    /// line. With --state, the state file is written after each listing. Ctrl-C ends it.
    #[arg(long)]
    watch: bool,
    /// Seconds between two listings with --watch (at least 1).
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// Stop --watch after this many listings (tests and scripts).
    #[arg(long, hide = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_refreshes: Option<u64>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum InputFormat {
    Parquet,
    Csv,
}

fn parse_scale(text: &str) -> Result<Scale, String> {
    Scale::from_name(text)
        .ok_or_else(|| format!("{text:?} is not a scale; use percent or fraction"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // Names and values from the inputs reach messages; none may drive the terminal.
            eprintln!("coursepulse: error: {}", shown::text(&format!("{error:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Report(args) if args.watch => {
            let listed = expand_inputs(&args)?;
            let events = event_mode(&args, &listed)?;
            if events && args.dbt_schema.is_some() {
                anyhow::bail!(
                    "--dbt-schema tests columns of rows, not of event logs; leave it out for event logs"
                );
            }
            watch::run(&args, events)
        }
        Command::Report(args) => {
            if let Some(events) = analyse_events(&args)? {
                let text = match args.format {
                    OutputFormat::Json => serde_json::to_string_pretty(&events)? + "\n",
                    OutputFormat::Table => events_table(&args, &events),
                };
                write_stdout(&text)?;
                return Ok(ExitCode::SUCCESS);
            }
            let report = analyse(&args)?;
            let text = match args.format {
                OutputFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                OutputFormat::Table if args.metadata => {
                    table::report(&report, args.all_learners) + &metadata::table(&report)
                }
                OutputFormat::Table => table::report(&report, args.all_learners),
            };
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) if args.watch => {
            anyhow::bail!("--watch works with `coursepulse report`, not `check`")
        }
        Command::Check(args) => {
            let (report, text) = match analyse_events(&args)? {
                Some(events) => {
                    let text = match args.format {
                        OutputFormat::Json => {
                            let both = serde_json::json!({
                                "quality": events.report.quality,
                                "event_quality": events.events.quality,
                            });
                            serde_json::to_string_pretty(&both)? + "\n"
                        }
                        OutputFormat::Table => {
                            table::quality(&events.report) + &events::table(&events.events)
                        }
                    };
                    (events.report, text)
                }
                None => {
                    let report = analyse(&args)?;
                    let text = match args.format {
                        OutputFormat::Json => serde_json::to_string_pretty(&report.quality)? + "\n",
                        OutputFormat::Table => table::quality(&report),
                    };
                    (report, text)
                }
            };
            write_stdout(&text)?;
            Ok(if report.quality.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Split(args) => {
            let salt = args
                .salt
                .clone()
                .or_else(|| std::env::var("COURSEPULSE_SALT").ok());
            let masking = match (args.no_mask, salt) {
                (true, Some(_)) => anyhow::bail!(
                    "--no-mask writes ids in clear text, so a salt makes no sense with it; give one or the other"
                ),
                (true, None) => None,
                (false, None) => anyhow::bail!(
                    "split masks learner ids, names and e-mail addresses: give --salt SECRET (or set COURSEPULSE_SALT), or --no-mask to write them in clear text"
                ),
                (false, Some(salt)) => {
                    if salt.is_empty() {
                        eprintln!(
                            "coursepulse: warning: the salt is empty, so anyone can recompute the pseudonyms of guessed ids; use a secret per-dataset salt"
                        );
                    }
                    Some(Masking::new(salt))
                }
            };
            let mut overrides = Overrides::default();
            for mapping in &args.mappings {
                overrides.parse_assignment(mapping)?;
            }
            let inputs = inputs::expand(
                &args.files,
                inputs::ExpandOptions {
                    allow_outside_manifest: args.allow_outside_manifest,
                },
            )?;
            let plan = split::SplitPlan {
                inputs: &inputs,
                out: &args.out,
                by: match args.by {
                    SplitByArg::Course => split::SplitBy::Course,
                    SplitByArg::Instructor => split::SplitBy::Instructor,
                },
                masking,
                force: args.force,
                compression: split::compression(&args.compression)?,
                overrides: &overrides,
                keep: &args.keep,
                drop: &args.drop,
            };
            let manifest = split::split(&plan)?;
            let extracts = manifest["extracts"].as_array().map_or(0, Vec::len);
            write_stdout(&format!(
                "wrote {extracts} extracts of {} rows to {} ({}); see manifest.json\n",
                manifest["source_rows"],
                shown::path(&args.out),
                if plan.masking.is_some() {
                    "PII masked"
                } else {
                    "NOT masked"
                }
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the output; a reader that stops early (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(error).context("writing the report to standard output"))
        }
        _ => Ok(()),
    }
}

/// The report's options; `--map` names row fields here (event logs read it with
/// [`event_mapping`]).
fn options(args: &ReportArgs) -> Result<Options> {
    let mut options = options_without_mapping(args)?;
    for mapping in &args.mappings {
        options.overrides.parse_assignment(mapping)?;
    }
    Ok(options)
}

/// `--map` for event logs: event field -> column or JSON path.
fn event_mapping(args: &ReportArgs) -> Result<Vec<(coursepulse_engine::EventField, String)>> {
    args.mappings
        .iter()
        .map(|mapping| {
            let (field, column) = mapping.split_once('=').with_context(|| {
                format!("--map {mapping:?}: expected FIELD=COLUMN, such as event_type=action")
            })?;
            let field = coursepulse_engine::EventField::from_name(field).with_context(|| {
                let names: Vec<&str> = coursepulse_engine::EventField::ALL
                    .iter()
                    .map(|field| field.name())
                    .collect();
                format!(
                    "--map {mapping:?}: {:?} is not an event field; event fields: {}",
                    field.trim(),
                    names.join(", ")
                )
            })?;
            Ok((field, column.trim().to_owned()))
        })
        .collect()
}

fn options_without_mapping(args: &ReportArgs) -> Result<Options> {
    let mut options = Options {
        top_n: args.top,
        per_course_n: args.per_course,
        min_views: args.min_views,
        min_videos: args.min_videos,
        scale: args.scale,
        max_samples: args.samples,
        prune: !args.no_prune,
        ..Options::default()
    };
    options.filter.courses = args.courses.clone();
    // Both bounds inclusive, as in the web app and the JS package (`range_end_micros`).
    options.filter.from_micros = args
        .from
        .as_deref()
        .map(|text| parse_bound(text, coursepulse_engine::range_start_micros))
        .transpose()?;
    options.filter.to_micros = args
        .to
        .as_deref()
        .map(|text| parse_bound(text, coursepulse_engine::range_end_micros))
        .transpose()?;
    for rule in &args.rules {
        options.rules.push(RuleConfig::parse(rule)?);
    }
    let salt = args
        .salt
        .clone()
        .or_else(|| std::env::var("COURSEPULSE_SALT").ok());
    if args.mask || args.salt.is_some() {
        options.masking = Some(Masking::new(salt.unwrap_or_default()));
    }
    if let Some(path) = &args.dbt_schema {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", shown::path(path)))?;
        options.dbt = Some(
            coursepulse_engine::DbtSchema::parse(&text)
                .with_context(|| format!("{} is not a usable dbt schema", shown::path(path)))?,
        );
    }
    options.now_micros = Some(match &args.now {
        Some(text) => parse_time(text)?,
        None => {
            let since_epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .context("system clock is before 1970")?;
            i64::try_from(since_epoch.as_micros()).context("system clock out of range")?
        }
    });
    Ok(options)
}

fn parse_time(text: &str) -> Result<i64> {
    parse_bound(text, coursepulse_engine::parse_time_micros)
}

/// A time the user typed, read by `parse` (an instant, or a range's start or inclusive end).
fn parse_bound(text: &str, parse: fn(&str) -> coursepulse_engine::Result<i64>) -> Result<i64> {
    parse(text).with_context(|| {
        format!("{text:?} is not a time such as 2026-01-31 or 2026-01-31T09:00:00Z")
    })
}

/// The table of an event-log report: the pairs' report, the metadata when asked for, then the
/// event section.
fn events_table(args: &ReportArgs, events: &coursepulse_engine::EventReport) -> String {
    let mut text = table::report(&events.report, args.all_learners);
    if args.metadata {
        text += &metadata::table(&events.report);
    }
    text + &events::table(&events.events)
}

/// The report of event logs, when the inputs are event logs (or --events/--videos say so);
/// `None` for rows with a completion column.
fn analyse_events(args: &ReportArgs) -> Result<Option<coursepulse_engine::EventReport>> {
    let inputs = expand_inputs(args)?;
    if !event_mode(args, &inputs)? {
        return Ok(None);
    }
    if args.dbt_schema.is_some() {
        anyhow::bail!(
            "--dbt-schema tests columns of rows, not of event logs; leave it out for event logs"
        );
    }
    let mut log = events::open_log(args)?;
    events::add_logs(&mut log, &inputs, args.events)?;
    let report = log.report()?;
    if let Some(path) = &args.state {
        durable::write_atomically(path, &log.save_state())?;
    }
    Ok(Some(report))
}

/// The report's input arguments as files (folders walked, manifests read).
fn expand_inputs(args: &ReportArgs) -> Result<Vec<inputs::Input>> {
    inputs::expand(
        &args.files,
        inputs::ExpandOptions {
            allow_outside_manifest: args.allow_outside_manifest,
        },
    )
}

/// Whether the inputs are read as event logs (--events, --videos, or what the files are).
fn event_mode(args: &ReportArgs, inputs: &[inputs::Input]) -> Result<bool> {
    let mut event_mode = args.events || args.videos.is_some();
    for input in inputs {
        if event_mode {
            break;
        }
        event_mode = events::is_event_log(input)?;
    }
    Ok(event_mode)
}

fn analyse(args: &ReportArgs) -> Result<Report> {
    let inputs = expand_inputs(args)?;
    let names: Vec<&str> = inputs.iter().map(|input| input.name.as_str()).collect();
    let mut analysis = start_analysis(args)?;
    set_partitioning(&mut analysis, &names, args)?;
    let opened = open_inputs(&inputs, args)?;
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    };
    // A fresh analysis of Parquet inputs only is read in shares on every core; incremental
    // runs and CSV inputs are read one file at a time.
    if threads > 1
        && args.state.is_none()
        && opened
            .iter()
            .all(|(_, _, format)| *format == Format::Parquet)
    {
        let mut files = Vec::with_capacity(opened.len());
        for (input, file, _) in &opened {
            files.push(
                ParquetFile::open(&input.name, file.clone())
                    .map_err(|error| input.engine_error(error))?,
            );
        }
        if coursepulse_engine::can_read_in_shares(&analysis, &files)
            && let Ok(merged) = parallel::read(&analysis, &files, threads)
        {
            return Ok(merged.report());
        }
        // Otherwise (or after a failure) the files are read one by one below, which names the
        // input that fails and where.
    }
    let (added, known) = add_opened(&mut analysis, opened, args.state.is_some())?;
    if let Some(path) = &args.state {
        durable::write_atomically(path, &analysis.save_state()?)?;
        eprintln!(
            "coursepulse: {} new files added, {known} already in {}",
            added.len(),
            shown::path(path)
        );
    }
    Ok(analysis.report())
}

/// A new analysis with the arguments' options, or the one `--state` continues from.
fn start_analysis(args: &ReportArgs) -> Result<Analysis> {
    let options = options(args)?;
    Ok(match &args.state {
        Some(path) if path.exists() => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read {}", shown::path(path)))?;
            Analysis::load_state(&bytes, options).with_context(|| {
                format!(
                    "cannot continue from {} (delete it to start afresh)",
                    shown::path(path)
                )
            })?
        }
        _ => Analysis::new(options)?,
    })
}

/// The hive partitions of every input `names` (all of the dataset's, including those absorbed
/// before).
fn set_partitioning(analysis: &mut Analysis, names: &[&str], args: &ReportArgs) -> Result<()> {
    analysis
        .set_partitioning(Partitioning::infer(names))
        .with_context(|| match &args.state {
            Some(path) => format!("{} (delete it to start afresh)", shown::path(path)),
            None => "partitions".to_owned(),
        })
}

/// The inputs opened, each with its format (`--input-format`, else its name, else sniffed).
fn open_inputs<'a>(
    inputs: &'a [inputs::Input],
    args: &ReportArgs,
) -> Result<Vec<(&'a inputs::Input, SharedFile, Format)>> {
    let mut opened = Vec::with_capacity(inputs.len());
    for input in inputs {
        let file = SharedFile::open(&input.path)
            .with_context(|| format!("cannot read {}", shown::path(&input.path)))?;
        let format = match args.input_format {
            Some(InputFormat::Parquet) => Format::Parquet,
            Some(InputFormat::Csv) => Format::Csv,
            None => match Format::from_name(&input.name) {
                Some(format) => format,
                None => Format::sniff(
                    &file
                        .head(64)
                        .with_context(|| format!("cannot read {}", shown::path(&input.path)))?,
                ),
            },
        };
        opened.push((input, file, format));
    }
    Ok(opened)
}

/// Adds the opened inputs one by one (the incremental upsert `--state` and `--watch` share);
/// with `skip_known`, files the analysis absorbed before (same content) are skipped unread.
/// Returns the names added and how many were skipped.
fn add_opened(
    analysis: &mut Analysis,
    opened: Vec<(&inputs::Input, SharedFile, Format)>,
    skip_known: bool,
) -> Result<(Vec<String>, usize)> {
    let (mut added, mut known) = (Vec::new(), 0usize);
    for (input, file, format) in opened {
        // Parquet is read column chunk by column chunk from disk; CSV is parsed whole.
        let csv = match format {
            Format::Parquet => None,
            Format::Csv => Some(Bytes::from(
                std::fs::read(&input.path)
                    .with_context(|| format!("cannot read {}", shown::path(&input.path)))?,
            )),
        };
        if skip_known {
            // Files absorbed in an earlier run are skipped here, before the engine sees them.
            let fingerprint = match &csv {
                None => Fingerprint::of_parquet(&input.name, &file)
                    .map_err(|error| input.engine_error(error))?,
                Some(bytes) => Fingerprint::of_bytes(bytes),
            };
            if analysis.has_loaded(fingerprint) {
                known += 1;
                continue;
            }
        }
        match csv {
            None => analysis.add_parquet(&input.name, file),
            Some(bytes) => analysis.add_csv(&input.name, &bytes),
        }
        .map_err(|error| input.engine_error(error))?;
        added.push(input.name.clone());
    }
    Ok((added, known))
}
