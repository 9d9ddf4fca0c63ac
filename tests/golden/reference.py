#!/usr/bin/env python3
"""Independent reference for CoursePulse's metric definitions, written in DuckDB SQL.

Given Parquet/CSV files of LMS video-watch records, computes the same JSON sections as
`coursepulse report --format json` (rows, summary, most_watched_learner, learners_top,
learners_bottom, learners, videos, courses, completion_histogram, daily, quality.rules) from the
definitions in docs/report-schema.md, without sharing any code with the Rust engine.

The SQL lives in the module-level strings below (one per stage) so that it can be reused as is,
e.g. by the DuckDB-WASM benchmark: every stage reads the tables the previous stages created
(`source` -> `records` -> `students`) and `{placeholders}` are filled with column expressions
that depend on which columns the files have.

Usage: reference.py FILE... [--top N] [--per-course N] [--min-views N]
                            [--scale percent|fraction] [--now RFC3339]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import Any

import duckdb

# ---------------------------------------------------------------------------------------------
# Column names. The fixtures use exactly these; the first present name of each list is used.
# ---------------------------------------------------------------------------------------------
EVENT_ID = "event_id"
STUDENT_ID = "student_id"
COURSE_ID = "course_id"
COURSE_CODE = "course_code"
VIDEO_ID = "video_id"
VIDEO_TITLE = "video_title"
ROLE = "role"
COMPLETION_CANDIDATES = ["completion_rate_percent", "completion_rate"]
WATCHED_AT = "watched_at"
UPDATED_AT = "last_updated_at"

# Columns the loader adds; they are not part of a row's identity.
FILE_INDEX = "__file"
ROW_INDEX = "__row"
COPY_NUMBER = "__copy"

SCALE_INFERENCE_VALUES = 10_000
SCALE_INFERENCE_SHARE = 0.95

# Default severities, as documented in docs/report-schema.md: every rule can fail (above its
# error level) but the scale check, which only warns.
RULE_SEVERITIES = {
    "student_id_not_null": "error",
    "video_not_null": "error",
    "course_not_null": "error",
    "completion_not_null": "error",
    "completion_numeric": "error",
    "completion_not_nan": "error",
    "completion_in_range": "error",
    "event_id_not_null": "error",
    "unique_key": "error",
    "role_accepted_values": "error",
    "role_clean": "error",
    "timestamp_not_future": "error",
    "completion_scale": "warn",
}

# The scale check: a file read as percent whose numbers (at least this many) all lie within
# 0..1, or read as a fraction with numbers above 1.
MIN_SCALE_EVIDENCE = 20

# What Rust's `str::parse::<f64>` accepts (after trimming, dropping one trailing '%', trimming again):
# decimal numbers with an optional exponent, inf/infinity and nan, case-insensitively. DuckDB's
# own cast is more lenient (it accepts "1_000" and surrounding spaces), so it is gated by this.
NUMBER_PATTERN = r"[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])"
# Characters Rust's `str::trim` removes that matter in practice.
WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"

# ---------------------------------------------------------------------------------------------
# Stage 1: `source`: every input row, in input order (file order, then row order), duplicates
# numbered: __copy = 1 is the copy that is kept.
# ---------------------------------------------------------------------------------------------
SOURCE_PARQUET = """
SELECT *, {file_index} AS __file, file_row_number AS __row
FROM read_parquet('{path}', file_row_number = true)
"""

# CSV has no file_row_number: the file is loaded into a table first, whose rowid is the row
# order (DuckDB preserves insertion order by default).
LOAD_CSV = """
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT * FROM read_csv('{path}', header = true, sample_size = -1)
"""
SOURCE_CSV = """
SELECT *, {file_index} AS __file, rowid AS __row FROM {table}
"""

# Duplicates: the unique key is the event id when there is one (a NULL event id is never a
# duplicate), else every column of the file. The latest last_updated_at wins (NULL loses),
# ties and files without that column keep the first seen.
SOURCE = """
CREATE OR REPLACE TEMP TABLE source AS
SELECT *,
       CASE WHEN {null_key} THEN 1
            ELSE row_number() OVER (PARTITION BY {key_columns} ORDER BY {keep_order})
       END AS __copy
FROM ({union}) AS inputs
"""

# ---------------------------------------------------------------------------------------------
# Stage 2: `records`: one row per input row with the mapped fields, completion in percent and
# its status, timestamps as naive UTC, and whether the row is a student row.
# ---------------------------------------------------------------------------------------------
RECORDS = """
CREATE OR REPLACE TEMP TABLE records AS
WITH typed AS (
    SELECT source.*,
           {completion_number} AS completion_number,
           {completion_blank} AS completion_blank,
           scales.factor AS factor
    FROM source JOIN scales USING (__file)
)
SELECT __file, __row, __copy,
       {event_id} AS event_id,
       {student_id} AS student_id,
       {course_key} AS course_key,
       {course_code} AS course_code,
       {video_key} AS video_key,
       {video_uid} AS video_uid,
       {video_title} AS video_title,
       {role} AS role,
       {is_student} AS is_student,
       CASE WHEN completion_number IS NOT NULL AND NOT isnan(completion_number)
            THEN completion_number * factor END AS completion,
       CASE WHEN completion_blank THEN 'null'
            WHEN completion_number IS NULL THEN 'unparseable'
            WHEN isnan(completion_number) THEN 'nan'
            WHEN completion_number * factor < 0 OR completion_number * factor > 100 THEN 'out_of_range'
            ELSE 'valid' END AS completion_status,
       {watched_at} AS watched_at,
       {updated_at} AS updated_at
FROM typed
"""

# Kept (de-duplicated) student rows; `valid` is the completion when it counts for averages.
STUDENTS = """
CREATE OR REPLACE TEMP TABLE students AS
SELECT *, CASE WHEN completion_status = 'valid' THEN completion END AS valid
FROM records
WHERE __copy = 1 AND is_student
"""

# ---------------------------------------------------------------------------------------------
# Stage 3: the report sections. Ids are output as text, but ordered by their native type:
# ORDER BY names the table column (`learners.student_id`), not the VARCHAR output alias.
# ---------------------------------------------------------------------------------------------
ROWS = """
SELECT (SELECT count(*) FROM records) AS total,
       (SELECT count(*) FROM records WHERE __copy > 1) AS duplicates_removed,
       (SELECT count(*) FROM students) AS student,
       (SELECT count(*) FROM students WHERE valid IS NOT NULL) AS valid_completion
"""

SUMMARY = """
SELECT count(DISTINCT student_id) AS learners,
       count(DISTINCT course_key) AS courses,
       count(DISTINCT video_uid) AS videos,
       round(avg(valid), 9) AS mean_completion
FROM students
"""

LEARNERS = """
CREATE OR REPLACE TEMP TABLE learners AS
SELECT student_id,
       count(DISTINCT video_uid) AS videos_watched,
       count(*) AS views,
       round(avg(valid), 9) AS avg_completion
FROM students
WHERE student_id IS NOT NULL
GROUP BY student_id
"""

MOST_WATCHED_LEARNER = """
SELECT CAST(student_id AS VARCHAR) AS student_id, videos_watched, views, avg_completion
FROM learners
ORDER BY videos_watched DESC, avg_completion DESC NULLS LAST, learners.student_id ASC
LIMIT 1
"""

# `RANK() <= N`: everyone tied at the cut is listed, so a list may be longer than N.
LEARNERS_TOP = """
SELECT rank() OVER (ORDER BY avg_completion DESC) AS rank,
       CAST(student_id AS VARCHAR) AS student_id, videos_watched, views, avg_completion
FROM learners
WHERE avg_completion IS NOT NULL
QUALIFY rank <= {top}
ORDER BY avg_completion DESC, learners.student_id ASC
"""

LEARNERS_BOTTOM = """
SELECT rank() OVER (ORDER BY avg_completion ASC) AS rank,
       CAST(student_id AS VARCHAR) AS student_id, videos_watched, views, avg_completion
FROM learners
WHERE avg_completion IS NOT NULL
QUALIFY rank <= {top}
ORDER BY avg_completion ASC, learners.student_id ASC
"""

LEARNERS_ALL = """
SELECT CASE WHEN avg_completion IS NOT NULL
            THEN rank() OVER (PARTITION BY avg_completion IS NULL ORDER BY avg_completion DESC)
       END AS rank,
       CAST(student_id AS VARCHAR) AS student_id, videos_watched, views, avg_completion
FROM learners
ORDER BY avg_completion IS NULL, avg_completion DESC, learners.student_id ASC
"""

# Titles come from every row of the video (any role, duplicates included).
VIDEO_TITLES = """
CREATE OR REPLACE TEMP TABLE video_titles AS
SELECT video_uid, min(video_title) AS video_title
FROM records
WHERE video_uid IS NOT NULL
GROUP BY video_uid
"""

VIDEOS = """
WITH stats AS (
    SELECT video_uid, min(video_key) AS video_key,
           count(*) AS views,
           count(DISTINCT student_id) AS learners,
           round(avg(valid), 9) AS avg_completion,
           min(course_key) AS course_id
    FROM students
    WHERE video_uid IS NOT NULL
    GROUP BY video_uid
)
SELECT CAST(stats.video_key AS VARCHAR) AS video_id, video_titles.video_title,
       CAST(course_id AS VARCHAR) AS course_id, views, learners, avg_completion
FROM stats LEFT JOIN video_titles USING (video_uid)
WHERE views >= {min_views}
ORDER BY avg_completion DESC NULLS LAST, stats.video_key ASC, stats.course_id ASC NULLS LAST
"""

COURSES = """
WITH codes AS (
    SELECT course_key, min(course_code) AS course_code
    FROM records
    WHERE course_key IS NOT NULL
    GROUP BY course_key
)
SELECT course_key, CAST(course_key AS VARCHAR) AS course_id, codes.course_code,
       count(*) AS views,
       count(DISTINCT student_id) AS learners,
       count(DISTINCT video_uid) AS videos,
       round(avg(valid), 9) AS avg_completion
FROM students LEFT JOIN codes USING (course_key)
WHERE course_key IS NOT NULL
GROUP BY course_key, codes.course_code
ORDER BY course_key ASC
"""

# Per (course, video) with a valid average; `position_top`/`position_bottom` pick the first N.
COURSE_VIDEOS = """
WITH stats AS (
    SELECT course_key, video_uid, min(video_key) AS video_key, count(*) AS views,
           round(avg(valid), 9) AS avg_completion
    FROM students
    WHERE course_key IS NOT NULL AND video_uid IS NOT NULL
    GROUP BY course_key, video_uid
    HAVING avg(valid) IS NOT NULL
),
positioned AS (
    SELECT *,
           row_number() OVER (PARTITION BY course_key ORDER BY avg_completion DESC, video_key ASC)
               AS position_top,
           row_number() OVER (PARTITION BY course_key ORDER BY avg_completion ASC, video_key ASC)
               AS position_bottom
    FROM stats
)
SELECT CAST(course_key AS VARCHAR) AS course_id, position_top, position_bottom,
       CAST(positioned.video_key AS VARCHAR) AS video_id, video_titles.video_title,
       views, avg_completion
FROM positioned LEFT JOIN video_titles USING (video_uid)
WHERE position_top <= {per_course} OR position_bottom <= {per_course}
"""

# Ten bins [0,10) ... [80,90), [90,100].
HISTOGRAM = """
SELECT least(CAST(floor(valid / 10) AS INTEGER), 9) AS bin, count(*) AS count
FROM students
WHERE valid IS NOT NULL
GROUP BY bin
"""

DAILY = """
SELECT strftime({day_time}, '%Y-%m-%d') AS date, count(*) AS views, round(avg(valid), 9) AS avg_completion
FROM students
WHERE {day_time} IS NOT NULL
GROUP BY date
ORDER BY date
"""

# Quality rules count all rows: before de-duplication and the student filter.
QUALITY_COUNTS = """
SELECT count(*) AS total,
       count(*) FILTER (WHERE student_id IS NULL) AS student_id_not_null,
       count(*) FILTER (WHERE video_key IS NULL) AS video_not_null,
       count(*) FILTER (WHERE course_key IS NULL) AS course_not_null,
       count(*) FILTER (WHERE completion_status = 'null') AS completion_not_null,
       count(*) FILTER (WHERE completion_status = 'unparseable') AS completion_numeric,
       count(*) FILTER (WHERE completion_status = 'nan') AS completion_not_nan,
       count(*) FILTER (WHERE completion_status = 'out_of_range') AS completion_in_range,
       count(*) FILTER (WHERE event_id IS NULL) AS event_id_not_null,
       count(*) FILTER (WHERE __copy > 1) AS unique_key,
       count(*) FILTER (WHERE role IS NULL OR lower(trim(role, {whitespace})) <> 'student')
           AS role_accepted_values,
       count(*) FILTER (WHERE lower(trim(role, {whitespace})) = 'student' AND role <> 'Student')
           AS role_clean,
       count(*) FILTER (WHERE watched_at > {now} OR updated_at > {now}) AS timestamp_not_future
FROM records
"""

ROLE_DETAILS = """
SELECT role AS value, count(*) AS count
FROM records
WHERE {condition}
GROUP BY role
ORDER BY count DESC, value ASC NULLS LAST
"""
ROLE_NOT_ACCEPTED = "role IS NULL OR lower(trim(role, {whitespace})) <> 'student'"
ROLE_NOT_CLEAN = "lower(trim(role, {whitespace})) = 'student' AND role <> 'Student'"


@dataclass
class Options:
    """The report options the CLI takes."""

    top: int = 10
    per_course: int = 3
    min_views: int = 1
    scale: str | None = None  # "percent", "fraction" or None (inferred)
    now: str = "2026-01-01T00:00:00Z"


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def now_literal(now: str) -> str:
    """An RFC 3339 time as a naive UTC TIMESTAMP literal."""
    moment = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    utc = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return f"TIMESTAMP '{utc.isoformat(sep=' ')}'"


class Reference:
    """One dataset (one or more files analysed together) loaded into an in-memory DuckDB."""

    def __init__(self, files: list[str], options: Options):
        self.files = files
        self.options = options
        self.connection = duckdb.connect(":memory:")
        self.connection.execute("SET TimeZone = 'UTC'")
        self.columns: dict[str, str] = {}  # name -> DuckDB type, over all files
        self._load()

    # -- loading --------------------------------------------------------------------------

    def _sql(self, sql: str) -> list[tuple]:
        return self.connection.execute(sql).fetchall()

    def _load(self) -> None:
        selects = []
        for file_index, path in enumerate(self.files):
            if path.lower().endswith(".csv"):
                table = f"csv_{file_index}"
                self._sql(LOAD_CSV.format(table=table, path=path.replace("'", "''")))
                selects.append(SOURCE_CSV.format(file_index=file_index, table=table))
            else:
                selects.append(
                    SOURCE_PARQUET.format(file_index=file_index, path=path.replace("'", "''"))
                )
        union = "\nUNION ALL BY NAME\n".join(selects)
        described = self._sql(f"DESCRIBE SELECT * FROM ({union})")
        self.columns = {
            name: kind
            for name, kind, *_ in described
            if name not in (FILE_INDEX, ROW_INDEX, "file_row_number")
        }
        order = [f"{FILE_INDEX}", f"{ROW_INDEX}"]
        if EVENT_ID in self.columns:
            key_columns = quote_identifier(EVENT_ID)
            null_key = f"{quote_identifier(EVENT_ID)} IS NULL"
            if UPDATED_AT in self.columns:
                order.insert(0, f"{quote_identifier(UPDATED_AT)} DESC NULLS LAST")
        else:
            key_columns = ", ".join(quote_identifier(name) for name in self.columns)
            null_key = "false"
        self._sql(
            SOURCE.format(
                null_key=null_key,
                key_columns=key_columns,
                keep_order=", ".join(order),
                union=union,
            )
        )
        self.completion_column = next(
            (name for name in COMPLETION_CANDIDATES if name in self.columns), None
        )
        self._create_scales()
        self._sql(RECORDS.format(**self._record_expressions()))
        self._sql(STUDENTS)

    def _completion_expressions(self) -> tuple[str, str]:
        """(number, blank): the completion as DOUBLE (NULL when blank or unparseable), and
        whether it is NULL/empty text."""
        if self.completion_column is None:
            return "CAST(NULL AS DOUBLE)", "true"
        column = quote_identifier(self.completion_column)
        if self.columns[self.completion_column] != "VARCHAR":
            return f"CAST({column} AS DOUBLE)", f"{column} IS NULL"
        trimmed = f"trim({column}, {WHITESPACE})"
        # Trim, drop one trailing '%', trim again: "85 %" is 85.
        stripped = (
            f"trim(CASE WHEN suffix({trimmed}, '%') THEN left({trimmed}, length({trimmed}) - 1) "
            f"ELSE {trimmed} END, {WHITESPACE})"
        )
        number = (
            f"CASE WHEN regexp_full_match({stripped}, '{NUMBER_PATTERN}') "
            f"THEN TRY_CAST({stripped} AS DOUBLE) END"
        )
        blank = f"({column} IS NULL OR {trimmed} = '')"
        return number, blank

    def _create_scales(self) -> None:
        """`scales(__file, factor)`: 1 for percent, 100 for fraction, per input file."""
        forced = self.options.scale
        name = (self.completion_column or "").lower()
        by_name = "percent" if ("percent" in name or "pct" in name) else None
        number, blank = self._completion_expressions()
        factors = []
        for file_index in range(len(self.files)):
            scale = forced or by_name
            if scale is None:
                # The first 10,000 numeric (non-NULL, non-NaN) values of the file: a fraction
                # when at least 95% of them lie within 0..1.
                share = self._sql(
                    f"""
                    SELECT count(*), count(*) FILTER (WHERE value BETWEEN 0 AND 1)
                    FROM (SELECT {number} AS value FROM source
                          WHERE {FILE_INDEX} = {file_index} AND NOT {blank}
                            AND {number} IS NOT NULL AND NOT isnan({number})
                          ORDER BY {ROW_INDEX} LIMIT {SCALE_INFERENCE_VALUES})
                    """
                )[0]
                seen, within = share
                scale = (
                    "fraction" if seen > 0 and within >= SCALE_INFERENCE_SHARE * seen else "percent"
                )
            factors.append((file_index, 100.0 if scale == "fraction" else 1.0))
        self._sql("CREATE OR REPLACE TEMP TABLE scales (__file INTEGER, factor DOUBLE)")
        if factors:
            values = ", ".join(f"({index}, {factor})" for index, factor in factors)
            self._sql(f"INSERT INTO scales VALUES {values}")
        self.scales = factors

    def _scale_check_count(self) -> int:
        """The values that contradict their file's scale, over every row of each file: all of
        a percent file's numbers when at least MIN_SCALE_EVIDENCE all lie within 0..1, a
        fraction file's numbers above 1."""
        if self.completion_column is None:
            return 0
        number, blank = self._completion_expressions()
        contradicting = 0
        for file_index, factor in self.scales:
            numbers, within, above = self._sql(
                f"""
                SELECT count(*), count(*) FILTER (WHERE value BETWEEN 0 AND 1),
                       count(*) FILTER (WHERE value > 1)
                FROM (SELECT {number} AS value FROM source
                      WHERE {FILE_INDEX} = {file_index} AND NOT {blank}
                        AND {number} IS NOT NULL AND NOT isnan({number}))
                """
            )[0]
            if factor == 1.0:
                contradicting += numbers if numbers >= MIN_SCALE_EVIDENCE and within == numbers else 0
            else:
                contradicting += above
        return contradicting

    def _utc(self, name: str) -> str:
        """A timestamp column as a naive UTC TIMESTAMP (NULL when the column is absent)."""
        if name not in self.columns:
            return "CAST(NULL AS TIMESTAMP)"
        column = quote_identifier(name)
        kind = self.columns[name]
        if kind == "TIMESTAMP WITH TIME ZONE":
            return f"timezone('UTC', {column})"
        if kind.startswith("TIMESTAMP"):
            return f"CAST({column} AS TIMESTAMP)"
        return f"TRY_CAST({column} AS TIMESTAMP)"

    def _video_uid(self, video_key: str, course_key: str) -> str:
        """What tells videos apart: the video id, or without one the title within its course
        (the same title in two courses is two videos; a row without a course is its own)."""
        if video_key not in self.columns:
            return "CAST(NULL AS VARCHAR)"
        key = quote_identifier(video_key)
        if video_key == VIDEO_ID or course_key not in self.columns:
            return f"CAST({key} AS VARCHAR)"
        course = quote_identifier(course_key)
        return (f"CASE WHEN {key} IS NOT NULL THEN concat_ws(chr(0), {key}, "
                f"coalesce(CAST({course} AS VARCHAR), chr(1))) END")

    def _record_expressions(self) -> dict[str, str]:
        def column_or_null(name: str, kind: str = "VARCHAR") -> str:
            return quote_identifier(name) if name in self.columns else f"CAST(NULL AS {kind})"

        course_key = COURSE_ID if COURSE_ID in self.columns else COURSE_CODE
        video_key = VIDEO_ID if VIDEO_ID in self.columns else VIDEO_TITLE
        role = column_or_null(ROLE)
        is_student = (
            f"coalesce(lower(trim({role}, {WHITESPACE})) = 'student', false)"
            if ROLE in self.columns
            else "true"
        )
        number, blank = self._completion_expressions()
        return {
            "completion_number": number,
            "completion_blank": blank,
            "event_id": column_or_null(EVENT_ID),
            "student_id": column_or_null(STUDENT_ID),
            "course_key": column_or_null(course_key),
            # Labels come from their own columns only: without a title column a video has no
            # title (NULL), even when it is keyed by id.
            "course_code": column_or_null(COURSE_CODE),
            "video_key": column_or_null(video_key),
            "video_uid": self._video_uid(video_key, course_key),
            "video_title": column_or_null(VIDEO_TITLE),
            "role": role,
            "is_student": is_student,
            "watched_at": self._utc(WATCHED_AT),
            "updated_at": self._utc(UPDATED_AT),
        }

    # -- the report -----------------------------------------------------------------------

    def _dicts(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(sql)
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def report(self) -> dict[str, Any]:
        options = self.options
        self._sql(LEARNERS)
        self._sql(VIDEO_TITLES)
        report: dict[str, Any] = {
            "rows": self._dicts(ROWS)[0],
            "summary": self._dicts(SUMMARY)[0],
        }
        most_watched = self._dicts(MOST_WATCHED_LEARNER)
        report["most_watched_learner"] = most_watched[0] if most_watched else None
        report["learners_top"] = self._dicts(LEARNERS_TOP.format(top=options.top))
        report["learners_bottom"] = self._dicts(LEARNERS_BOTTOM.format(top=options.top))
        report["learners"] = self._dicts(LEARNERS_ALL)
        report["videos"] = self._dicts(VIDEOS.format(min_views=options.min_views))
        report["courses"] = self._courses()
        report["completion_histogram"] = self._histogram()
        report["daily"] = self._daily()
        report["quality"] = {"rules": self._rules()}
        return report

    def _courses(self) -> list[dict[str, Any]]:
        courses = self._dicts(COURSES)
        entries = self._dicts(COURSE_VIDEOS.format(per_course=self.options.per_course))
        for course in courses:
            mine = [entry for entry in entries if entry["course_id"] == course["course_id"]]

            def pick(position: str) -> list[dict[str, Any]]:
                chosen = sorted(
                    (entry for entry in mine if entry[position] <= self.options.per_course),
                    key=lambda entry: entry[position],
                )
                return [
                    {
                        "video_id": entry["video_id"],
                        "video_title": entry["video_title"],
                        "views": entry["views"],
                        "avg_completion": entry["avg_completion"],
                    }
                    for entry in chosen
                ]

            course["top"] = pick("position_top")
            course["bottom"] = pick("position_bottom")
            del course["course_key"]
        return courses

    def _histogram(self) -> list[dict[str, Any]]:
        counts = {row["bin"]: row["count"] for row in self._dicts(HISTOGRAM)}
        return [
            {"from": 10 * index, "to": 10 * index + 10, "count": counts.get(index, 0)}
            for index in range(10)
        ]

    def _daily(self) -> list[dict[str, Any]]:
        if WATCHED_AT in self.columns:
            day_time = "watched_at"
        elif UPDATED_AT in self.columns:
            day_time = "updated_at"
        else:
            return []
        return self._dicts(DAILY.format(day_time=day_time))

    def _rules(self) -> list[dict[str, Any]]:
        counts = self._dicts(
            QUALITY_COUNTS.format(whitespace=WHITESPACE, now=now_literal(self.options.now))
        )[0]
        total = counts.pop("total")
        present = self.columns
        skipped = {
            "student_id_not_null": STUDENT_ID not in present,
            "video_not_null": VIDEO_ID not in present and VIDEO_TITLE not in present,
            "course_not_null": COURSE_ID not in present and COURSE_CODE not in present,
            "completion_not_null": self.completion_column is None,
            "completion_numeric": self.completion_column is None,
            "completion_not_nan": self.completion_column is None,
            "completion_in_range": self.completion_column is None,
            "event_id_not_null": EVENT_ID not in present,
            "unique_key": False,
            "role_accepted_values": ROLE not in present,
            "role_clean": ROLE not in present,
            "timestamp_not_future": WATCHED_AT not in present and UPDATED_AT not in present,
            "completion_scale": self.completion_column is None,
        }
        counts["completion_scale"] = self._scale_check_count()
        details = {
            "role_accepted_values": ROLE_NOT_ACCEPTED,
            "role_clean": ROLE_NOT_CLEAN,
        }
        rules = []
        for name, severity in RULE_SEVERITIES.items():
            count = 0 if skipped[name] else counts[name]
            rule: dict[str, Any] = {
                "name": name,
                "severity": severity,
                "count": count,
                "percent": 100.0 * count / total if total else 0.0,
                "status": "skipped" if skipped[name] else "counted",
                "details": [],
            }
            if name in details and not skipped[name]:
                condition = details[name].format(whitespace=WHITESPACE)
                rule["details"] = self._dicts(ROLE_DETAILS.format(condition=condition))
            if name == "completion_scale":
                del rule["details"]  # the engine's evidence is a sentence per file
            rules.append(rule)
        return rules


def reference_report(files: list[str], options: Options | None = None) -> dict[str, Any]:
    """The reference report of `files` analysed together."""
    return Reference(files, options or Options()).report()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="Parquet or CSV files, analysed together")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--per-course", type=int, default=3)
    parser.add_argument("--min-views", type=int, default=1)
    parser.add_argument("--scale", choices=["percent", "fraction"])
    parser.add_argument("--now", default="2026-01-01T00:00:00Z")
    arguments = parser.parse_args(argv)
    options = Options(
        top=arguments.top,
        per_course=arguments.per_course,
        min_views=arguments.min_views,
        scale=arguments.scale,
        now=arguments.now,
    )
    json.dump(reference_report(arguments.files, options), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
