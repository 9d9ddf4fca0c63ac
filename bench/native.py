"""Native contenders on the bench's files: the CoursePulse CLI against DuckDB and Polars, each on
one thread and on every core, in one run (`cargo xtask bench` runs it from `.venv-bench`).

Every contender computes the report's core figures from the same Parquet file with the
engine's definitions (docs/report-schema.md): one copy per event id, the latest
`last_updated_at` (NULL loses, ties keep the first row read), rows without an event id never
copies; student rows by trimmed, lower-cased role; valid completions are numbers in 0..100;
then the rows, the duplicates, learners, videos, courses, the mean completion, every learner's
views, distinct videos and average, and the ten best and worst averages. The CLI computes its
whole report (rankings, quality rules and samples too), so it does strictly more.

Each contender runs in its own process, so the thread count is set before the library starts
(Polars reads POLARS_MAX_THREADS once), and only the work is timed: reading the file and
computing the figures, not starting Python or importing the library. The answers must agree
with the CLI's report (counts exactly, averages to 1e-9), or the run fails with the difference.

Usage: python bench/native.py --cli target/release/coursepulse [--reps N] [--json OUT] FILE...
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# The clock the CLI's future-timestamp rule uses; the core figures do not depend on it.
NOW = "2026-01-01T00:00:00Z"
TOP = 10


def duckdb_figures(path: str, threads: int) -> tuple[float, dict]:
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    connection.execute(
        """
        CREATE TEMP TABLE students AS
        WITH source AS (SELECT * FROM read_parquet(?, file_row_number = true)),
        kept AS (
            SELECT * FROM source
            QUALIFY event_id IS NULL OR row_number() OVER (
                PARTITION BY event_id ORDER BY last_updated_at DESC NULLS LAST, file_row_number) = 1
        )
        SELECT student_id, video_id, course_id,
               CASE WHEN NOT isnan(completion_rate_percent)
                         AND completion_rate_percent BETWEEN 0 AND 100
                    THEN completion_rate_percent END AS valid,
               (SELECT count(*) FROM source) AS total,
               (SELECT count(*) FROM kept) AS kept
        FROM kept
        WHERE coalesce(lower(trim(role)) = 'student', false)
        """,
        [path],
    )
    learners = connection.execute(
        """
        SELECT student_id, count(*) AS views, count(DISTINCT video_id) AS videos,
               avg(valid) AS average
        FROM students WHERE student_id IS NOT NULL GROUP BY student_id
        """
    ).fetchall()
    (total, kept, students, learner_count, videos, courses, mean) = connection.execute(
        """
        SELECT any_value(total), any_value(kept), count(*), count(DISTINCT student_id),
               count(DISTINCT video_id), count(DISTINCT course_id), avg(valid)
        FROM students
        """
    ).fetchone()
    seconds = time.perf_counter() - started
    averages = sorted(row[3] for row in learners if row[3] is not None)
    return seconds, {
        "rows": total,
        "duplicates": total - kept,
        "students": students,
        "learners": learner_count,
        "videos": videos,
        "courses": courses,
        "mean": mean,
        "top": averages[::-1][:TOP],
        "bottom": averages[:TOP],
    }


def polars_figures(path: str) -> tuple[float, dict]:
    import polars as pl

    started = time.perf_counter()
    source = pl.read_parquet(path).with_row_index("row")
    total = source.height
    ordered = source.sort(
        ["event_id", "last_updated_at", "row"],
        descending=[False, True, False],
        nulls_last=True,
    )
    with_id = ordered.filter(pl.col("event_id").is_not_null()).unique(
        subset="event_id", keep="first", maintain_order=False
    )
    kept = pl.concat([with_id, source.filter(pl.col("event_id").is_null())])
    completion = pl.col("completion_rate_percent")
    students = kept.filter(
        pl.col("role").str.strip_chars().str.to_lowercase().eq("student").fill_null(False)
    ).with_columns(
        pl.when(completion.is_not_nan() & completion.is_between(0, 100))
        .then(completion)
        .otherwise(None)
        .alias("valid")
    )
    learners = (
        students.filter(pl.col("student_id").is_not_null())
        .group_by("student_id")
        .agg(
            pl.len().alias("views"),
            pl.col("video_id").drop_nulls().n_unique().alias("videos"),
            pl.col("valid").mean().alias("average"),
        )
    )
    summary = students.select(
        pl.len().alias("students"),
        pl.col("student_id").drop_nulls().n_unique().alias("learners"),
        pl.col("video_id").drop_nulls().n_unique().alias("videos"),
        pl.col("course_id").drop_nulls().n_unique().alias("courses"),
        pl.col("valid").mean().alias("mean"),
    ).row(0, named=True)
    averages = sorted(learners["average"].drop_nulls().to_list())
    seconds = time.perf_counter() - started
    return seconds, {
        "rows": total,
        "duplicates": total - kept.height,
        "students": summary["students"],
        "learners": summary["learners"],
        "videos": summary["videos"],
        "courses": summary["courses"],
        "mean": summary["mean"],
        "top": averages[::-1][:TOP],
        "bottom": averages[:TOP],
    }


def cli_figures(cli: str, path: str, threads: int) -> tuple[float, dict]:
    command = [cli, "report", path, "--format", "json", "--now", NOW, "--threads", str(threads)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    report = json.loads(done.stdout)
    averages = sorted(
        row["avg_completion"] for row in report["learners"] if row["avg_completion"] is not None
    )
    return seconds, {
        "rows": report["rows"]["total"],
        "duplicates": report["rows"]["duplicates_removed"],
        "students": report["rows"]["student"],
        "learners": report["summary"]["learners"],
        "videos": report["summary"]["videos"],
        "courses": report["summary"]["courses"],
        "mean": report["summary"]["mean_completion"],
        "top": averages[::-1][:TOP],
        "bottom": averages[:TOP],
    }


def differences(expected: dict, actual: dict) -> list[str]:
    """What `actual` says differently from `expected` (averages compared to 1e-9)."""

    def close(left, right) -> bool:
        if isinstance(left, list):
            return len(left) == len(right) and all(map(close, left, right))
        if isinstance(left, float) or isinstance(right, float):
            return left is not None and right is not None and abs(left - right) <= 1e-9
        return left == right

    return [
        f"{name}: {actual.get(name)!r} instead of {value!r}"
        for name, value in expected.items()
        if not close(value, actual.get(name))
    ]


def worker(engine: str, path: str, threads: int) -> None:
    """One contender run in this process (the thread count was set before any import)."""
    if engine == "duckdb":
        seconds, figures = duckdb_figures(path, threads)
    else:
        seconds, figures = polars_figures(path)
    print(json.dumps({"seconds": seconds, "figures": figures}))


def run_worker(engine: str, path: str, threads: int) -> tuple[float, dict]:
    environment = dict(os.environ, POLARS_MAX_THREADS=str(threads))
    done = subprocess.run(
        [sys.executable, __file__, "--worker", engine, path, str(threads)],
        capture_output=True,
        text=True,
        env=environment,
    )
    if done.returncode != 0:
        raise SystemExit(f"{engine} on {path} failed: {done.stderr.strip()}")
    result = json.loads(done.stdout)
    return result["seconds"], result["figures"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        worker(argv[1], argv[2], int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--json")
    parser.add_argument("--note", help="printed under the table's title")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    thread_counts = sorted({1, cores})
    results = []
    failed = False
    for path in args.files:
        for threads in thread_counts:
            runs: dict[str, list[float]] = {"CoursePulse CLI": [], "DuckDB": [], "Polars": []}
            for _ in range(args.reps):
                seconds, expected = cli_figures(args.cli, path, threads)
                runs["CoursePulse CLI"].append(seconds)
                for name, engine in (("DuckDB", "duckdb"), ("Polars", "polars")):
                    seconds, figures = run_worker(engine, path, threads)
                    runs[name].append(seconds)
                    wrong = differences(expected, figures)
                    if wrong:
                        failed = True
                        print(f"{name} disagrees with the CLI on {path}: {'; '.join(wrong)}")
            results.append(
                {
                    "file": os.path.basename(path),
                    "threads": threads,
                    "median_seconds": {name: statistics.median(times) for name, times in runs.items()},
                }
            )
    import duckdb
    import polars

    print(
        f"\n### Native, same files: median of {args.reps} (DuckDB {duckdb.__version__}, "
        f"Polars {polars.__version__}, {cores} cores; each contender in its own process, "
        "reading and computing timed)\n"
    )
    if args.note:
        print(f"{args.note}\n")
    print("| file | threads | CoursePulse CLI | DuckDB | Polars | DuckDB / CLI | Polars / CLI |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for result in results:
        times = result["median_seconds"]
        cli = times["CoursePulse CLI"]
        print(
            f"| `{result['file']}` | {result['threads']} | {cli:.2f} s | {times['DuckDB']:.2f} s "
            f"| {times['Polars']:.2f} s | {times['DuckDB'] / cli:.2f}× | {times['Polars'] / cli:.2f}× |"
        )
    print("\nanswers: " + ("DIFFER (see above)" if failed else "agree"))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"native": results, "answers_agree": not failed}, out, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
