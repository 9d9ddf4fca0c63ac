#!/usr/bin/env python3
"""Parity test: the warehouse's marts against `coursepulse report --format json` on the same
files, on each adapter: same ids, same ranks, averages equal to 1e-9, same quality counts (the
mart and the dbt tests named after the rules). Also loads a day-partitioned dataset day by day
(incremental, with late updates) and requires the marts of a full refresh.

Prints one line per case (PASS, or FAIL with the first differing row) and exits 1 on any
difference, 2 when the test cannot run.

Usage: parity.py --cli target/debug/coursepulse --fixtures target/debug/coursepulse-fixtures
                 [--adapter NAME]... [--rows N] [--keep DIR] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import ADAPTERS, WarehouseError, run  # noqa: E402
from build import Build, Options, build, data_files, source_names, split  # noqa: E402

NOW = "2026-01-01T00:00:00Z"
TOLERANCE = 1e-9
SALT = "parity"
# Spark takes a minute or more per build whatever the size (a job per model and test), so it
# runs four cases: the generated dataset (dirty values, copies, late updates), the partitioned
# one (also the full refresh its incremental loading must equal), CSV text completions
# without event ids (its own spellings of the text parsing and the whole-row key) and hive
# partitions standing in for columns (its own casts of the partition values); the other cases
# exercise SQL that every adapter shares and run on DuckDB and Postgres.
SPARK_DATASETS = ("generated", "partitioned (", "no event id, CSV", "hive partitions standing")
# The cases loaded incrementally (every partitioned one), and the one whose export is cut into
# extracts.
INCREMENTAL_CASE = "partitioned ("
EXTRACTS_CASE = "dirty ("
STOP = threading.Event()
PRINT_LOCK = threading.Lock()


def text_id(value: Any) -> str | None:
    """Ids as the report writes them: JSON strings, integers in decimal."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def same(left: Any, right: Any) -> bool:
    if isinstance(left, (int, float)) and isinstance(right, (int, float)) \
            and not isinstance(left, bool) and not isinstance(right, bool):
        return math.isclose(float(left), float(right), rel_tol=0.0, abs_tol=TOLERANCE * 1.001)
    return left == right


def first_difference(name: str, warehouse: list[dict], engine: list[dict]) -> str | None:
    for index, (mine, theirs) in enumerate(zip(warehouse, engine)):
        for key in theirs:
            if not same(mine.get(key), theirs[key]):
                return (f"{name} row {index}: {key} differs\n"
                        f"      warehouse {json.dumps(mine, default=str)}\n"
                        f"      engine    {json.dumps(theirs, default=str)}")
    if len(warehouse) != len(engine):
        return f"{name}: {len(warehouse)} rows in the warehouse, {len(engine)} from the engine"
    return None


def learner(row: dict, rank_key: str | None) -> dict:
    return {
        "rank": row[rank_key] if rank_key else None,
        "student_id": text_id(row["student_id"]),
        "videos_watched": row["videos_watched"],
        "views": row["views"],
        "avg_completion": row["avg_completion"],
    }


def sort_key(value: Any) -> tuple:
    return (value is None, value if value is not None else 0)


def compare(result: Build, report: dict, names: dict[Path, str]) -> list[str]:
    """The first difference of each figure (empty when the marts equal the report); `names`:
    the report's name of each input file."""
    marts = result.marts

    def source_name(landed: str) -> str:
        source = Path(result.sources.get(landed, landed)).resolve()
        return names.get(source, str(source))

    checks: list[tuple[str, list[dict], list[dict]]] = []
    summary = marts["mart_summary"][0]
    checks.append(("rows/summary", [{
        "total": summary["rows_total"],
        "duplicates_removed": summary["duplicates_removed"],
        "student": summary["student_rows"],
        "valid_completion": summary["valid_completion_rows"],
        "learners": summary["learners"],
        "courses": summary["courses"],
        "videos": summary["videos"],
        "mean_completion": summary["mean_completion"],
    }], [{**{key: report["rows"][key] for key in
             ("total", "duplicates_removed", "student", "valid_completion")},
          **report["summary"]}]))

    learners = marts["mart_learners"]
    ranked = sorted((row for row in learners if row["position_top"] is not None),
                    key=lambda row: row["position_top"])
    unranked = sorted((row for row in learners if row["position_top"] is None),
                      key=lambda row: row["student_id"])
    checks.append(("learners", [learner(row, "rank_top") for row in ranked]
                   + [learner(row, None) for row in unranked], report["learners"]))
    for mart, key in (("mart_learners_top", "learners_top"),
                      ("mart_learners_bottom", "learners_bottom")):
        rows = sorted(marts[mart], key=lambda row: row["position"])
        checks.append((key, [learner(row, "rank") for row in rows], report[key]))
    most = marts["mart_most_watched_learner"]
    checks.append(("most_watched_learner", [learner(row, None) for row in most],
                   [report["most_watched_learner"]] if report["most_watched_learner"] else []))

    videos = sorted(marts["mart_videos"], key=lambda row: row["position"])
    checks.append(("videos", [{
        "video_id": text_id(row["video_id"]), "video_title": row["video_title"],
        "course_id": text_id(row["course_id"]), "views": row["views"],
        "learners": row["learners"], "avg_completion": row["avg_completion"],
    } for row in videos], report["videos"]))

    entries = marts["mart_course_videos"]

    def per_course(course_id: Any, position: str) -> list[dict]:
        chosen = sorted((row for row in entries
                         if row["course_id"] == course_id and row[position] is not None
                         and row[position] <= 3), key=lambda row: row[position])
        return [{"video_id": text_id(row["video_id"]), "video_title": row["video_title"],
                 "views": row["views"], "avg_completion": row["avg_completion"]}
                for row in chosen]

    courses = sorted(marts["mart_courses"], key=lambda row: sort_key(row["course_id"]))
    checks.append(("courses", [{
        "course_id": text_id(row["course_id"]), "course_code": row["course_code"],
        "views": row["views"], "learners": row["learners"], "videos": row["videos"],
        "avg_completion": row["avg_completion"],
    } for row in courses], [{key: value for key, value in course.items()
                              if key not in ("top", "bottom")}
                             for course in report["courses"]]))
    checks.append(("courses[].top/bottom", [
        {"course_id": text_id(row["course_id"]),
         "top": per_course(row["course_id"], "position_top"),
         "bottom": per_course(row["course_id"], "position_bottom")} for row in courses],
        [{"course_id": course["course_id"], "top": course["top"], "bottom": course["bottom"]}
         for course in report["courses"]]))

    histogram = sorted(marts["mart_completion_histogram"], key=lambda row: row["bin"])
    checks.append(("completion_histogram", [
        {"from": row["bin_from"], "to": row["bin_to"], "count": row["row_count"]}
        for row in histogram], report["completion_histogram"]))
    daily = sorted(marts["mart_daily"], key=lambda row: row["date"])
    checks.append(("daily", [{"date": row["date"], "views": row["views"],
                              "avg_completion": row["avg_completion"]} for row in daily],
                   report["daily"]))

    engine_rules = [rule for rule in report["quality"]["rules"] if rule["status"] != "skipped"]
    quality = {row["rule_name"]: row for row in marts["mart_quality"]}
    checks.append(("quality (mart_quality)", [
        {"name": rule["name"], "severity": quality.get(rule["name"], {}).get("severity"),
         "count": quality.get(rule["name"], {}).get("failing_rows"),
         "status": quality.get(rule["name"], {}).get("status")} for rule in engine_rules],
        [{"name": rule["name"], "severity": rule["severity"], "count": rule["count"],
          "status": rule["status"]} for rule in engine_rules]))
    samples = sorted(marts["mart_quality_samples"],
                     key=lambda row: (row["rule_name"], row["position"]))
    checks.append(("quality samples (mart_quality_samples)", [
        {"rule": row["rule_name"], "source": source_name(row["source_file"]),
         "row": row["source_row"], "student_id": text_id(row["student_id"])}
        for row in samples if row["rule_name"] in {rule["name"] for rule in engine_rules}], [
        {"rule": rule["name"], "source": sample["source"], "row": sample["row"],
         "student_id": sample["values"].get(student_column(report))}
        for rule in sorted(engine_rules, key=lambda rule: rule["name"])
        for sample in rule["samples"]]))
    tested = [rule for rule in engine_rules if rule["name"] in result.test_failures]

    def dbt_status(name: str) -> str:
        """The rule's status as its dbt tests gate: its error-level test failed, else its
        warn-level test warned, else pass."""
        if result.test_statuses.get(f"{name}_error_level") == "fail":
            return "fail"
        return "warn" if result.test_statuses.get(name) == "warn" else "pass"

    checks.append(("quality (dbt tests)", [
        {"name": rule["name"], "count": result.test_failures[rule["name"]],
         "status": dbt_status(rule["name"])} for rule in tested],
        [{"name": rule["name"], "count": rule["count"], "status": rule["status"]}
         for rule in tested]))
    if len(tested) != len(engine_rules):
        missing = sorted({rule["name"] for rule in engine_rules} - set(result.test_failures))
        return [f"dbt has no test named after the rules {missing}"]

    differences = []
    for name, warehouse, engine in checks:
        difference = first_difference(name, warehouse, engine)
        if difference:
            differences.append(difference)
    return differences


def student_column(report: dict) -> str:
    """The input column the report's `student` field is mapped to (the samples' learner)."""
    for field_name, column in report["sources"][0]["mapping"]:
        if field_name == "student":
            return column
    return "student_id"


def compare_marts(name: str, incremental: Build, full: Build) -> list[str]:
    """Every mart of an incremental build equals the full refresh's, row for row."""
    differences = []
    for mart, rows in full.marts.items():
        def ordered(table: list[dict]) -> list[dict]:
            return sorted(table, key=lambda row: json.dumps(row, sort_keys=True, default=str))

        difference = first_difference(f"{name}: {mart}", ordered(incremental.marts[mart]),
                                      ordered(rows))
        if difference:
            differences.append(difference)
    return differences


@dataclass
class Case:
    """One dataset and the report options it runs with (the same for the CLI and dbt)."""

    paths: list[Path]
    options: Options = field(default_factory=lambda: Options(now=NOW))


def engine_report(cli: str, case: Case) -> dict:
    completed = run([cli, "report", *map(str, case.paths), "--format", "json",
                     *case.options.cli_flags()], "coursepulse report")
    return json.loads(completed.stdout)


def fixture(fixtures: str, path: Path, *flags: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    run([fixtures, "file", str(path), *flags], "coursepulse-fixtures")
    return path


def without_columns(source: Path, target: Path, columns: list[str]) -> Path:
    """A copy of the Parquet file `source` without `columns` (inputs keyed by labels)."""
    connection = duckdb.connect(":memory:")
    excluded = ", ".join(columns)
    connection.execute(f"COPY (SELECT * EXCLUDE ({excluded}) FROM read_parquet('{source}')) "
                       f"TO '{target}' (FORMAT parquet)")
    connection.close()
    return target


def brief_columns(source: Path, target: Path) -> Path:
    """The brief's own shape of the Parquet file `source`, as CSV: student_id, course_id,
    course_code, video_title, role, completion_rate_percent (no video id, no event id), with the
    titles cut to "Lecture N" so that the same title recurs in every course."""
    connection = duckdb.connect(":memory:")
    connection.execute(
        "COPY (SELECT student_id, course_id, course_code, "
        "nullif(regexp_extract(video_title, 'Lecture [0-9]+'), '') AS video_title, role, "
        f"completion_rate_percent FROM read_parquet('{source}')) TO '{target}' "
        "(FORMAT csv, HEADER)")
    connection.close()
    return target


def partitioned_without_columns(source: Path, target: Path) -> Path:
    """The Parquet files under `source` laid out again as a partitioned writer leaves them:
    under `course_code=C/date=D/` folders (D each row's watch date) whose files lack the
    course_code, course_id, watched_at and last_updated_at columns, so that the partitions stand
    in for the course key and the watch time. A row without a code or a time goes under Hive's
    NULL marker (`__HIVE_DEFAULT_PARTITION__`), which the engine reads as NULL."""
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    null = "'__HIVE_DEFAULT_PARTITION__'"
    connection.execute(
        "COPY (SELECT * EXCLUDE (course_id, course_code, watched_at, last_updated_at), "
        f"coalesce(nullif(trim(course_code), ''), {null}) AS course_code, "
        f"coalesce(CAST(CAST(watched_at AS DATE) AS VARCHAR), {null}) AS date "
        f"FROM read_parquet('{source}/**/*.parquet', hive_partitioning = false) "
        "ORDER BY event_id, last_updated_at) "
        f"TO '{target}' (FORMAT parquet, PARTITION_BY (course_code, date))")
    connection.close()
    return target


def rows_subset(source: Path, target: Path, every: int) -> Path:
    """Every `every`-th row of the Parquet file `source`, written to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(":memory:")
    connection.execute(f"COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet('{source}', "
                       "file_row_number = true, hive_partitioning = false) "
                       f"WHERE file_row_number % {every} = 0) TO '{target}' (FORMAT parquet)")
    connection.close()
    return target


def view_of(files: list[Path]) -> Options:
    """Report options with a view taken from the data itself, so the case holds for any
    generated data: the first course by id and the second by code (the --course forms), from
    the second day with data to noon of the third (a date and an RFC 3339 time), and videos
    with at least 3 views."""
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    paths = ", ".join(f"'{path}'" for path in files)
    relation = f"read_parquet([{paths}], union_by_name = true, hive_partitioning = false)"
    courses = connection.execute(
        f"SELECT DISTINCT course_id, course_code FROM {relation} "
        "WHERE course_id IS NOT NULL AND course_code IS NOT NULL ORDER BY 1 LIMIT 2").fetchall()
    days = [row[0] for row in connection.execute(
        f"SELECT DISTINCT CAST(watched_at AS DATE) FROM {relation} "
        "WHERE watched_at IS NOT NULL AND watched_at < TIMESTAMP '2090-01-01' ORDER BY 1 LIMIT 3"
    ).fetchall()]
    connection.close()
    if len(courses) < 2 or len(days) < 3:
        raise WarehouseError("the filter case needs 2 courses and 3 days of data")
    return Options(now=NOW, courses=[str(courses[0][0]), str(courses[1][1])],
                   start=days[1].isoformat(), end=f"{days[2].isoformat()}T12:00:00Z",
                   min_views=3, samples=5)


def generate(fixtures: str, directory: Path, rows: int) -> dict[str, Case]:
    """The datasets: small dirty fixtures (Parquet and CSV with text completions, with and
    without event ids, keyed by ids or by labels, with a view and forced scales) and a
    day-partitioned dataset of about `rows` rows with late updates, duplicates and dirty
    values."""
    cases: dict[str, Case] = {}
    directory.mkdir(parents=True, exist_ok=True)
    dirty = fixture(fixtures, directory / "dirty.parquet", "--rows", "20000", "--seed", "11",
                    "--dirty", "0.08", "--duplicates", "0.1", "--learners", "400", "--ties",
                    "0.3")
    cases["dirty (20k rows, 8% dirty, 10% copies)"] = Case([dirty])
    fraction = fixture(fixtures, directory / "fraction.parquet", "--rows", "5000", "--seed", "12",
                       "--completion", "fraction", "--dirty", "0.04")
    cases["fraction (scale inferred)"] = Case([fraction])
    cases["fraction read as --scale percent"] = Case([fraction], Options(now=NOW, scale="percent"))
    days = directory / "days"
    # Late updates, some of which move an event to a later watch date (Spark must rewrite the
    # stored copy's date too), and stale copies.
    run([fixtures, "partitioned", str(days), "--days", "4", "--rows-per-day", "500",
         "--moves-per-day", "20"], "coursepulse-fixtures")
    cases["partitioned (4 days, late updates, some moving the watch date)"] = Case([days])
    # Only moves: no new row is on a moved event's old date, so loading it incrementally
    # requires Spark to rewrite the stored copies' dates, not only the new rows' (ordinary late
    # updates keep their event's date and would rewrite it anyway).
    moves = directory / "moves"
    run([fixtures, "partitioned", str(moves), "--days", "3", "--rows-per-day", "300",
         "--updates-per-day", "0", "--stale-per-day", "0", "--moves-per-day", "30", "--seed",
         "8"], "coursepulse-fixtures")
    cases["partitioned (3 days, only late updates that move the watch date)"] = Case([moves])
    cases["partitioned with a view (--course id and code, --from date, --to time, "
          "--min-views 3, --samples 5)"] = Case([days], view_of(data_files([days])))
    # CSV: text completions ("85%", " 42.5 ", "abc", "NaN"), two files whose event ids overlap.
    csv_files = [fixture(fixtures, directory / "csv" / f"part-{part}.csv", "--rows", "4000",
                         "--seed", str(20 + part), "--completion", "text", "--dirty", "0.1",
                         "--duplicates", "0.1", "--first-event-id", str(1 + part * 3000))
                 for part in range(2)]
    cases["csv (2 files, text completions, overlapping event ids)"] = Case([directory / "csv"])
    cases["csv with --scale fraction"] = Case(csv_files[:1], Options(now=NOW, scale="fraction"))
    whole_rows = fixture(fixtures, directory / "no-event-id.parquet", "--rows", "8000", "--seed",
                         "13", "--no-event-id", "--duplicates", "0.15", "--dirty", "0.05")
    cases["no event id (whole-row copies)"] = Case([whole_rows])
    whole_rows_csv = fixture(fixtures, directory / "no-event-id.csv", "--rows", "4000", "--seed",
                             "14", "--no-event-id", "--duplicates", "0.15", "--dirty", "0.05",
                             "--completion", "text")
    cases["no event id, CSV text completions (whole-row copies)"] = Case(
        [whole_rows_csv])
    # A hive partition column is part of a whole row: a row under region=EU/ and its copy under
    # region=US/ are two rows, a copy within region=EU/ (across its two files) is a copy.
    regions = directory / "regions"
    europe = fixture(fixtures, regions / "region=EU" / "part-0.parquet", "--rows", "3000",
                     "--seed", "15", "--no-event-id", "--duplicates", "0.1", "--dirty", "0.05")
    rows_subset(europe, regions / "region=EU" / "part-1.parquet", 3)
    rows_subset(europe, regions / "region=US" / "part-0.parquet", 2)
    cases["no event id, hive partitions (whole-row copies across region=)"] = Case([regions])
    # Hive partitions standing in for missing columns, as a partitioned writer leaves them: the
    # course code and the watch date are only in the folder names (the late updates and stale
    # copies of the day-partitioned set, without last_updated_at, keep the first copy read); one
    # more file under such folders has both columns of its own, with other values, which win
    # over its folders'.
    stand_ins = partitioned_without_columns(days, directory / "stand-ins")
    own_folder = sorted(stand_ins.glob("course_code=*/date=*/"))[0]
    own = fixture(fixtures, directory / "stand-in-own.parquet", "--rows", "800", "--seed", "17",
                  "--first-event-id", "100000", "--courses", "2", "--dirty", "0.05",
                  "--ids", "string")
    without_columns(own, own_folder / "own-columns.parquet", ["course_id"])
    own.unlink()
    cases["hive partitions standing in for columns (course_code=, date=; no course_id, "
          "watched_at, last_updated_at; one file with its own)"] = Case([stand_ins])
    labels = without_columns(dirty, directory / "labels.parquet", ["course_id", "video_id"])
    cases["labels as keys (course_code, video_title; no course_id, video_id)"] = Case([labels])
    brief = brief_columns(dirty, directory / "brief-columns.csv")
    cases["the brief's columns (a video is its title within its course; no event id)"] = Case(
        [brief])
    big = directory / "big"
    day_count = 10
    per_day = max(rows // day_count, 1)
    for day in range(day_count):
        # Each day's event ids overlap the previous day's last 5%: cross-file copies, which the
        # latest last_updated_at settles wherever it arrives.
        first = day * (per_day - per_day // 20) + 1
        path = big / f"date=2025-03-{day + 1:02d}" / "part-0.parquet"
        fixture(fixtures, path, "--rows", str(per_day), "--seed", str(500 + day),
                "--first-event-id", str(first), "--learners", str(max(rows // 40, 1)),
                "--courses", "40", "--videos-per-course", "25", "--dirty", "0.03",
                "--duplicates", "0.02", "--codec", "zstd", "--row-group-rows", "65536")
    cases[f"generated {rows} rows (10 days, late updates, duplicates, dirty)"] = Case([big])
    return cases


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--adapter", action="append", choices=sorted(ADAPTERS))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the data and working folders here")
    parser.add_argument("--only", help="run only the datasets whose name contains this")
    arguments = parser.parse_args(argv)
    adapters = arguments.adapter or ["duckdb", "postgres", "spark"]
    if arguments.keep:
        shutil.rmtree(arguments.keep, ignore_errors=True)
        root = arguments.keep.resolve()
        root.mkdir(parents=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="coursepulse-parity-"))
    # SIGTERM (a CI timeout) unwinds like Ctrl-C: the adapters stop after their current build
    # and leave their `with` blocks, so the Postgres server is stopped and removed.
    def stop(*_: object) -> None:
        STOP.set()
        sys.exit(143)

    signal.signal(signal.SIGTERM, stop)
    failed = False
    try:
        started = time.monotonic()
        datasets = generate(arguments.fixtures, root / "data", arguments.rows)
        if arguments.only:
            datasets = {name: case for name, case in datasets.items() if arguments.only in name}
        print(f"parity: generated {len(datasets)} datasets in {time.monotonic() - started:.1f}s")
        reports = {}
        for name, case in datasets.items():
            started = time.monotonic()
            reports[name] = engine_report(arguments.cli, case)
            print(f"  cli report  {time.monotonic() - started:7.1f}s  {name}")
        # The adapters run side by side (each build is mostly dbt's and Spark's fixed cost, and
        # the wall time becomes Spark's alone); each prints its own lines.
        with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
            runs = [pool.submit(parity_on, name, root / name, datasets, reports, arguments.cli)
                    for name in adapters]
            try:
                for done in runs:
                    failed |= done.result()
            except BaseException:
                STOP.set()  # the other adapters stop after their current build
                raise
    except WarehouseError as error:
        print(f"parity: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a driver's or the file system's: still a clear line, exit 2
        print(f"parity: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    finally:
        if not arguments.keep:
            shutil.rmtree(root, ignore_errors=True)
    print("parity: FAILED" if failed else "parity: every mart equals the engine's report")
    return 1 if failed else 0


def parity_on(adapter_name: str, workdir: Path, datasets: dict[str, Case],
              reports: dict[str, dict], cli: str) -> bool:
    """Every case on one adapter; whether any failed. Spark runs SPARK_DATASETS only."""
    failed = False
    built: dict[str, Build] = {}
    with ADAPTERS[adapter_name](workdir) as adapter:
        for index, (name, case) in enumerate(datasets.items()):
            if STOP.is_set():
                raise WarehouseError("stopped")
            if adapter_name == "spark" and not name.startswith(SPARK_DATASETS):
                continue
            sources = source_names(case.paths)
            result = build(adapter, list(sources), workdir / f"case-{index}", case.options,
                           full_refresh=True, export=False, names=list(sources.values()))
            built[name] = result
            differences = compare(result, reports[name], source_names(case.paths))
            failed |= bool(differences)
            say(f"{'PASS' if not differences else 'FAIL'} {adapter_name:<8} "
                f"{result.seconds:7.1f}s  {name}", differences)
        for index, name in enumerate(datasets):
            if name.startswith(INCREMENTAL_CASE):
                failed |= not incremental(adapter, name, datasets[name], built,
                                          workdir / f"incremental-{index}")
        if adapter_name != "spark" and any(name.startswith(EXTRACTS_CASE) for name in datasets):
            failed |= not extracts(cli, adapter, datasets, workdir)
    return failed


def say(line: str, details: list[str]) -> None:
    """One result line and its differences, not interleaved with another adapter's."""
    with PRINT_LOCK:
        print(line)
        for detail in details:
            print(f"    {detail}")
        sys.stdout.flush()


def incremental(adapter, name: str, case: Case, built: dict[str, Build],
                workdir: Path) -> bool:
    """Loads a partitioned dataset one day at a time (late updates and stale copies arrive
    on later days) and requires the marts of a full refresh over every day (the case's own
    build when it ran). Spark, slow per build, loads day 1 and then the other days at once."""
    files = data_files(case.paths)
    folder = workdir / "loads"
    steps = [1, len(files)] if adapter.name == "spark" else range(1, len(files) + 1)
    result = None
    started = time.monotonic()
    for day in steps:
        result = build(adapter, files[:day], folder, Options(now=NOW), full_refresh=(day == 1),
                       export=False)
    full = built.get(name) or build(adapter, files, workdir / "full-refresh", Options(now=NOW),
                                    full_refresh=True, export=False)
    differences = compare_marts("incremental", result, full)
    loads = "day 1, then the rest" if adapter.name == "spark" else "one by one"
    say(f"{'PASS' if not differences else 'FAIL'} {adapter.name:<8} "
        f"{time.monotonic() - started:7.1f}s  incremental: {len(files)} days loaded {loads} "
        "= full refresh", differences)
    return not differences


def extracts(cli: str, adapter, datasets: dict[str, Case], workdir: Path) -> bool:
    """The per-course extracts of the warehouse export: written by `coursepulse split`, read
    back by the CLI, with the same pseudonyms as `coursepulse report --salt`."""
    name = next(name for name in datasets if name.startswith(EXTRACTS_CASE))
    files = data_files(datasets[name].paths)
    folder = workdir / "extracts-case"
    result = build(adapter, files, folder, Options(now=NOW), full_refresh=True)
    manifest = split(cli, result.export_dir, folder / "extracts", SALT)
    from_extracts = json.loads(run([cli, "report", str(manifest), "--format", "json", "--now",
                                    NOW], "coursepulse report on the extracts").stdout)
    masked = json.loads(run([cli, "report", *map(str, files), "--format", "json", "--now", NOW,
                             "--salt", SALT], "coursepulse report --salt").stdout)
    differences = []
    # The extracts' ids are pseudonyms, so ties order differently: compare by id.
    for key, id_key in (("learners", "student_id"), ("videos", "video_id")):
        def by_id(rows: list[dict]) -> list[dict]:
            return sorted(rows, key=lambda row: str(row[id_key]))

        difference = first_difference(f"extracts: {key}", by_id(from_extracts[key]),
                                      by_id(masked[key]))
        if difference:
            differences.append(difference)
    say(f"{'PASS' if not differences else 'FAIL'} {adapter.name:<8} "
        f"{result.seconds:7.1f}s  extracts: split of the export, pseudonyms as report --salt",
        differences)
    return not differences


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
