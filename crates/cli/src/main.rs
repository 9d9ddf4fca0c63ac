//! `coursepulse`: arguments -> engine -> printing, with exit codes for pipeline gates.

mod table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use coursepulse_engine::{Analysis, Format, Options, Report, RuleConfig, Scale};

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
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// Input files, analysed together as one dataset (.parquet or .csv).
    #[arg(required = true)]
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
    /// Completion scale; inferred from the column name and values when omitted.
    #[arg(long, value_parser = parse_scale)]
    scale: Option<Scale>,
    /// Column mapping override, field=column (or field=none); repeatable.
    /// Fields: student, video, video_title, course, course_code, completion, role, event_id, updated_at, watched_at.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    mappings: Vec<String>,
    /// Quality rule threshold and severity, rule=threshold[:severity] (e.g. unique_key=1%:warn); repeatable.
    #[arg(long = "rule", value_name = "RULE=THRESHOLD[:SEVERITY]")]
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
    /// Only rows watched at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Only rows watched before this time (exclusive; RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
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
            eprintln!("coursepulse: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Report(args) => {
            let report = analyse(&args)?;
            let text = match args.format {
                OutputFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
                OutputFormat::Table => table::report(&report, args.all_learners),
            };
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check(args) => {
            let report = analyse(&args)?;
            let text = match args.format {
                OutputFormat::Json => serde_json::to_string_pretty(&report.quality)? + "\n",
                OutputFormat::Table => table::quality(&report),
            };
            write_stdout(&text)?;
            Ok(if report.quality.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// Writes the output; a reader that stops early (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<()> {
    use std::io::Write;
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

fn options(args: &ReportArgs) -> Result<Options> {
    let mut options = Options {
        top_n: args.top,
        per_course_n: args.per_course,
        min_views: args.min_views,
        scale: args.scale,
        max_samples: args.samples,
        ..Options::default()
    };
    options.filter.courses = args.courses.clone();
    options.filter.from_micros = args.from.as_deref().map(parse_time).transpose()?;
    options.filter.to_micros = args.to.as_deref().map(parse_time).transpose()?;
    for mapping in &args.mappings {
        options.overrides.parse_assignment(mapping)?;
    }
    for rule in &args.rules {
        options.rules.push(RuleConfig::parse(rule)?);
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
    coursepulse_engine::parse_time_micros(text).with_context(|| {
        format!("{text:?} is not a time such as 2026-01-31 or 2026-01-31T09:00:00Z")
    })
}

fn analyse(args: &ReportArgs) -> Result<Report> {
    let mut analysis = Analysis::new(options(args)?)?;
    for path in &args.files {
        let name = path.display().to_string();
        if path.is_dir() {
            bail!("{name} is a directory; pass the data files in it");
        }
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
        let format = match args.input_format {
            Some(InputFormat::Parquet) => Some(Format::Parquet),
            Some(InputFormat::Csv) => Some(Format::Csv),
            None => Format::from_name(&name),
        };
        analysis.add_bytes(&name, bytes.into(), format)?;
    }
    Ok(analysis.report())
}
