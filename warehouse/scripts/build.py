#!/usr/bin/env python3
"""Builds the warehouse project on one adapter: lands DATA, runs `dbt build`, reads the marts
back, exports the kept rows and cuts them into per-course extracts with `coursepulse split`
(pseudonymised learner ids and the manifest.json the dashboard opens).

`cargo xtask warehouse` runs this; parity.py imports `build` from it.

Usage: build.py --adapter duckdb|postgres|spark --cli PATH --out DIR [--now RFC3339]
                [--salt SALT] [--course C]... [--from T] [--to T] [--scale S] [--min-views N]
                DATA...
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adapters import (ADAPTERS, WarehouseError, csv_as_parquet, landing_query, run,  # noqa: E402
                      sql_text, utc_connection)

PROJECT = Path(__file__).resolve().parent.parent
COMPLETION_CANDIDATES = ["completion_rate_percent", "completion_rate"]
# Hive's spelling of a NULL partition value.
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
# The columns the models read that a hive partition of the same name can stand in for.
FIELD_COLUMNS = ("event_id", "student_id", "course_id", "course_code", "video_id", "video_title",
                 "role", "watched_at", "last_updated_at")
TIME_COLUMNS = ("watched_at", "last_updated_at")
# Partition keys whose dates are the watch time of a file without a time column (the engine's
# DATE_KEYS, crates/engine/src/input/partition.rs).
DATE_KEYS = ("date", "day", "dt", "event_date")


@dataclass
class Options:
    """The report options the marts take: the CLI's --top, --per-course, --min-views, --now,
    --samples, --scale and the view (--course, --from, --to)."""

    top: int = 10
    per_course: int = 3
    min_views: int = 1
    now: str | None = None
    samples: int = 20
    scale: str | None = None
    courses: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    # The CLI only: whether it may skip files by their date partition (see parity.py).
    prune: bool = True

    def cli_flags(self) -> list[str]:
        """The same options as `coursepulse report` flags."""
        flags = ["--top", str(self.top), "--per-course", str(self.per_course), "--min-views",
                 str(self.min_views), "--samples", str(self.samples)]
        if self.now:
            flags += ["--now", self.now]
        if self.scale:
            flags += ["--scale", self.scale]
        for course in self.courses:
            flags += ["--course", course]
        if self.start:
            flags += ["--from", self.start]
        if self.end:
            flags += ["--to", self.end]
        if not self.prune:
            flags.append("--no-prune")
        return flags


@dataclass
class Build:
    """What one `dbt build` produced."""

    marts: dict[str, list[dict[str, Any]]]
    # dbt test name -> failing rows, for the tests named after the engine's rules.
    test_failures: dict[str, int] = field(default_factory=dict)
    # Each test's status by name: pass, warn or fail (dbt's run_results).
    test_statuses: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    export_dir: Path | None = None
    # A landed copy's path -> the input it was landed from (CSV inputs are landed as Parquet).
    sources: dict[str, str] = field(default_factory=dict)


def data_files(paths: list[Path]) -> list[Path]:
    """The Parquet and CSV files of `paths`, as the CLI expands them: a file as is, a folder's
    files recursively, sorted by relative path, skipping hidden and underscored names."""
    return list(source_names(paths))


def source_names(paths: list[Path]) -> dict[Path, str]:
    """Each data file of `paths` (resolved, in the CLI's order) with the name the CLI's report
    gives it (`sources`, quality samples): a file as it was given, a folder's file by its path
    inside the folder."""
    files: dict[Path, str] = {}
    for path in paths:
        if path.is_file():
            files[path.resolve()] = str(path)
            continue
        if not path.is_dir():
            raise WarehouseError(f"{path} does not exist")
        found = []
        for candidate in path.rglob("*"):
            relative = candidate.relative_to(path)
            if any(part.startswith((".", "_")) for part in relative.parts):
                continue
            if candidate.is_file() and candidate.suffix.lower() in (".parquet", ".parq", ".csv"):
                found.append((relative.as_posix(), candidate.resolve()))
        for name, file in sorted(found):
            files[file] = name
    if not files:
        raise WarehouseError(f"no Parquet or CSV files in {', '.join(map(str, paths))}")
    return files


def partition_segments(name: str) -> dict[str, str | None]:
    """The `key=value` directory segments of an input's name as the engine reads hive
    partitions (crates/engine/src/input/partition.rs): percent-decoded, a URL's scheme and host
    skipped, the last segment of a key winning; None for an empty value or Hive's NULL marker."""
    path = re.split(r"[?#]", name, maxsplit=1)[0]
    if "://" in path:
        rest = path.split("://", 1)[1]
        path = rest.split("/", 1)[1] if "/" in rest else ""
    segments: dict[str, str | None] = {}
    for directory in path.replace("\\", "/").split("/")[:-1]:
        if "=" not in directory:
            continue
        key, value = (unquote(part, errors="replace") for part in directory.split("=", 1))
        if key:
            segments.pop(key, None)
            segments[key] = value if value and value != HIVE_NULL else None
    return segments


def partition_values(names: list[str], columns: list[str]) -> dict[str, list[str | None]]:
    """The partition columns the engine appends to each input's rows, by key (sorted, as the
    engine orders them): each input's value as text, None where its name lacks the key. A key
    the inputs have as a column of their own is theirs and not appended. The engine types a key
    over every input (dates, canonical integers, else text), so equal text is an equal value."""
    own = {column.strip().lower() for column in columns}
    per_file = [partition_segments(name) for name in names]
    keys = sorted({key for segments in per_file for key in segments
                   if key.strip().lower() not in own})
    return {key: [segments.get(key) for segments in per_file] for key in keys}


def partition_kind(values: list[str | None]) -> str:
    """A partition key's type over every input, as the engine decides it: a date when every
    value is a strict YYYY-MM-DD date, bigint when every one is a canonical integer, else text
    (NULLs say nothing)."""
    kinds = {"date" if is_date(value) else "bigint" if is_canonical_int(value) else "text"
             for value in values if value is not None}
    return kinds.pop() if len(kinds) == 1 else "text"


def is_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_canonical_int(text: str) -> bool:
    try:
        return str(int(text)) == text and -2**63 <= int(text) < 2**63
    except ValueError:
        return False


def stand_ins(names: list[str], file_columns: list[list[str]],
              types: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The hive partitions that stand in for a column a file lacks, as the engine appends them
    (crates/engine/src/analysis/dataset.rs): per column the models read, its type and each such
    file's value, `{"type": T, "files": [[file index, text or None], ...]}`. A partition named
    after a column (`course_code=CSC101/`) is that column for the files without one of their
    own; a date partition named as in DATE_KEYS (`date=2025-03-01/`, typed a date over every
    input) is the watch time of the files with neither time column. The type is the column's
    own where other files have it (`types`), else the partition's."""
    per_file = [partition_segments(name) for name in names]
    keys = sorted({key for segments in per_file for key in segments})
    kinds = {key: partition_kind([segments.get(key) for segments in per_file]) for key in keys}
    found: dict[str, dict[str, Any]] = {}

    def add(column: str, kind: str, index: int, value: str | None) -> None:
        entry = found.setdefault(column, {"type": stand_in_type(types.get(column), kind),
                                          "files": []})
        entry["files"].append([index, value])

    for index, (segments, columns) in enumerate(zip(per_file, file_columns)):
        own = {column.strip().lower() for column in columns}
        appended = [key for key in keys if key.lower() not in own]
        for key in appended:
            if key.strip().lower() in FIELD_COLUMNS:
                add(key.strip().lower(), kinds[key], index, segments.get(key))
        if not (own | {key.strip().lower() for key in appended}) & set(TIME_COLUMNS):
            date_key = next((key for key in appended if kinds[key] == "date"
                             and key.lower() in DATE_KEYS), None)
            if date_key is not None:
                add("watched_at", "timestamp", index, segments.get(date_key))
    return found


def stand_in_type(duckdb_type: str | None, kind: str) -> str:
    """The type a stand-in is cast to: the column's own (a DuckDB type, when other inputs have
    the column) in the models' portable names, else the partition's."""
    if duckdb_type is None:
        return kind
    upper = duckdb_type.upper()
    if upper.startswith("TIMESTAMP"):
        return "timestamp"
    if upper in ("DATE", "BOOLEAN"):
        return upper.lower()
    if upper in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"):
        return "bigint"
    if upper in ("DOUBLE", "FLOAT", "REAL") or upper.startswith("DECIMAL"):
        return "double"
    return "text"


def input_columns(files: list[Path]) -> dict[str, str]:
    """The inputs' columns and their DuckDB types."""
    connection = utc_connection()
    columns = {row[0]: row[1] for row in
               connection.execute(f"DESCRIBE {landing_query(files)}").fetchall()}
    connection.close()
    return columns


def columns_per_file(files: list[Path]) -> list[list[str]]:
    """Each input's own columns (a partition stands in only where its file lacks the column)."""
    connection = utc_connection()
    try:
        return [[row[0] for row in connection.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{sql_text(path)}', hive_partitioning = false)"
        ).fetchall()] for path in files]
    finally:
        connection.close()


def land_csv(files: list[Path], folder: Path) -> list[Path]:
    """`files` with each CSV file replaced by a Parquet copy typed as the engine types CSV
    columns (the landing step: every adapter reads Parquet). The copies keep the input order
    and a name per input, so incremental runs recognise files already loaded."""
    landed = []
    for path in files:
        if path.suffix.lower() != ".csv":
            landed.append(path)
            continue
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
        target = folder / digest / f"{path.name}.parquet"
        csv_as_parquet(path, target)
        landed.append(target)
    return landed


def completion_column(names: list[str]) -> str:
    for candidate in COMPLETION_CANDIDATES:
        if candidate in names:
            return candidate
    raise WarehouseError(
        f"no completion column: looked for {', '.join(COMPLETION_CANDIDATES)}; "
        f"the files have: {', '.join(names)}")


def dbt_command() -> list[str]:
    dbt = Path(sys.executable).parent / "dbt"
    if not dbt.exists():
        raise WarehouseError(f"{dbt} not found: run `cargo xtask setup` (it creates the venv)")
    return [str(dbt)]


def dbt_deps(workdir: Path) -> None:
    """Installs the local packages (no network) once per checkout."""
    if (PROJECT / "dbt_packages" / "dbt_expectations").exists():
        return
    run([*dbt_command(), "deps", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT)],
        "dbt deps", env=dbt_env({}), cwd=workdir)


def dbt_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def build(adapter, files: list[Path], workdir: Path, options: Options,
          full_refresh: bool = False, export: bool = True,
          names: list[str] | None = None) -> Build:
    """Lands `files`, runs `dbt build` on `adapter` and reads the marts back. `names` are the
    names the CLI gives the files (see source_names; default: their paths), whose hive
    partitions are part of a whole row."""
    started = time.monotonic()
    workdir.mkdir(parents=True, exist_ok=True)
    dbt_deps(workdir)
    export_dir = workdir / "export"
    inputs = files
    files = land_csv(files, workdir / "landed-csv")
    columns = input_columns(files)
    completion = completion_column(list(columns))
    names = names or [str(path) for path in inputs]
    variables: dict[str, Any] = {
        "input_columns": list(columns),
        "partition_values": partition_values(names, list(columns)),
        "stand_ins": stand_ins(names, columns_per_file(files), columns),
        "completion_column": completion,
        "completion_is_text": columns[completion] == "VARCHAR",
        "completion_scale": options.scale or "infer",
        "top": options.top,
        "per_course": options.per_course,
        "min_views": options.min_views,
        "samples": options.samples,
        "now": options.now,
        "courses": options.courses,
        "from": options.start,
        "to": options.end,
        "export_dir": str(export_dir),
    }
    variables.update(adapter.land(files))
    target_path = workdir / "dbt-target"
    command = [*dbt_command(), "build", "--project-dir", str(PROJECT), "--profiles-dir",
               str(PROJECT), "--target", adapter.name, "--target-path", str(target_path),
               "--log-path", str(workdir / "logs"), "--vars", json.dumps(variables)]
    if full_refresh:
        command.append("--full-refresh")
    if not export:
        # The export (and its partitioned write) only feeds the extracts.
        command += ["--exclude", "export_watch_logs"]
    completed = subprocess.run(command, capture_output=True, text=True,
                               env=dbt_env(adapter.env(workdir)), cwd=workdir)
    (workdir / "dbt-build.log").write_text(completed.stdout + completed.stderr)
    results_path = target_path / "run_results.json"
    if not results_path.exists():
        raise WarehouseError(
            f"dbt build on {adapter.name} wrote no run_results.json (exit {completed.returncode}): "
            f"{(completed.stdout + completed.stderr)[-3000:]}")
    results = json.loads(results_path.read_text())["results"]
    # Failing quality tests are findings (dbt exits 1 for them); a model that did not build
    # is an error.
    broken = [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}"
        for result in results
        if result["unique_id"].startswith("model.") and result["status"] != "success"
    ]
    # A failing error-severity test on a model others read (unique event ids in staging) makes
    # dbt skip them: name the test, the cause, first.
    if any(result["unique_id"].startswith("model.") and result["status"] == "skipped"
           for result in results):
        broken[:0] = [
            f"{result['unique_id']}: failed ({result.get('failures')} rows), so the models "
            "that read its model were skipped"
            for result in results
            if result["unique_id"].startswith("test.") and result["status"] == "fail"
        ]
    # A test that could not run (a database error, a full disk) would read as 0 failing rows.
    broken += [
        f"{result['unique_id']}: {result['status']} {result.get('message') or ''}"
        for result in results
        if result["unique_id"].startswith("test.") and result["status"] == "error"
    ]
    if broken or completed.returncode not in (0, 1):
        raise WarehouseError(
            f"dbt build on {adapter.name} failed (log: {workdir / 'dbt-build.log'}):\n  "
            + "\n  ".join(broken or [(completed.stdout + completed.stderr)[-3000:]]))
    failures = {
        result["unique_id"].split(".")[2]: int(result.get("failures") or 0)
        for result in results
        if result["unique_id"].startswith("test.")
    }
    statuses = {
        result["unique_id"].split(".")[2]: result["status"]
        for result in results
        if result["unique_id"].startswith("test.")
    }
    seconds = time.monotonic() - started
    marts = adapter.read_marts()
    exported = adapter.export(export_dir) if export else None
    return Build(marts=marts, test_failures=failures, test_statuses=statuses, seconds=seconds,
                 export_dir=exported,
                 sources={str(landed): str(source) for landed, source in zip(files, inputs)
                          if landed != source})


def split(cli: str, export_dir: Path, out: Path, salt: str) -> Path:
    """Per-course extracts of the exported rows, learner ids pseudonymised with `salt`."""
    if out.exists():
        shutil.rmtree(out)
    run([cli, "split", str(export_dir), "--out", str(out), "--salt", salt],
        "coursepulse split on the warehouse export")
    return out / "manifest.json"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="+", type=Path, help="Parquet files or folders")
    parser.add_argument("--adapter", choices=sorted(ADAPTERS), default="duckdb")
    parser.add_argument("--cli", required=True, help="the coursepulse binary (for split)")
    parser.add_argument("--out", required=True, type=Path, help="working folder")
    parser.add_argument("--now", help="RFC 3339 time for timestamp_not_future")
    parser.add_argument("--salt", default=os.environ.get("COURSEPULSE_SALT", ""),
                        help="pseudonym key (default: COURSEPULSE_SALT, else empty)")
    parser.add_argument("--course", action="append", default=[],
                        help="only this course (id or code), as the CLI's --course; repeatable")
    parser.add_argument("--from", dest="start", help="only rows watched from this date or time")
    parser.add_argument("--to", dest="end", help="only rows watched up to this date or time")
    parser.add_argument("--scale", choices=["percent", "fraction"],
                        help="completion scale (default: inferred)")
    parser.add_argument("--min-views", type=int, default=1,
                        help="minimum views of a listed video")
    arguments = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so a Postgres server is stopped and removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sources = source_names(arguments.data)
        files = list(sources)
        workdir = arguments.out.resolve()
        with ADAPTERS[arguments.adapter](workdir) as adapter:
            options = Options(now=arguments.now, courses=arguments.course,
                              start=arguments.start, end=arguments.end, scale=arguments.scale,
                              min_views=arguments.min_views)
            result = build(adapter, files, workdir, options, full_refresh=True,
                           names=list(sources.values()))
        manifest = split(arguments.cli, result.export_dir, workdir / "extracts", arguments.salt)
    except WarehouseError as error:
        print(f"warehouse: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a driver's or the file system's: still a clear line, exit 2
        print(f"warehouse: error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    summary = result.marts["mart_summary"][0]
    failing = sorted(name for name, count in result.test_failures.items() if count)
    print(f"warehouse: dbt build on {arguments.adapter} over {len(files)} file(s), "
          f"{summary['rows_total']} rows, in {result.seconds:.1f}s")
    print(f"  marts:    {where_marts(arguments.adapter, workdir)}")
    print(f"  export:   {result.export_dir} (partitioned by watch_date)")
    print(f"  extracts: {manifest} (open it in the dashboard)")
    print(f"  dbt log:  {workdir / 'dbt-build.log'}; run_results: "
          f"{workdir / 'dbt-target' / 'run_results.json'}")
    print(f"  tests with failing rows: {', '.join(failing) if failing else 'none'}")
    return 0


def where_marts(adapter: str, workdir: Path) -> str:
    if adapter == "duckdb":
        return f"{workdir / 'coursepulse.duckdb'} (schema main_marts)"
    if adapter == "spark":
        return f"{workdir / 'spark-warehouse'} (database coursepulse_marts, Parquet tables)"
    return "the throwaway Postgres server (schema public_marts), stopped and removed after the build"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
