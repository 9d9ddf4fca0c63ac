#!/usr/bin/env python3
"""Golden harness: the CLI's JSON report against the DuckDB reference, file by file.

Generates the fixture suite (plus a few larger random files and multi-file cases) into a temporary
directory, runs `coursepulse report FILE... --format json --now 2026-01-01T00:00:00Z --top 10
--per-course 3` on each case, computes the same sections with reference.py, and prints one line
per case: PASS, or FAIL with the first differences. Exits 1 when any case differs, 2 when the
harness itself cannot run.

Usage: run.py --cli target/debug/coursepulse --fixtures target/debug/coursepulse-fixtures
              [--rows N] [--big [ROWS]] [--keep DIR] [--only SUBSTRING] [--show N] [--events N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import hand_computed  # noqa: E402
import events_reference  # noqa: E402
from edge_cases import EDGE_FILES  # noqa: E402
from reference import RULE_SEVERITIES, Options, reference_report  # noqa: E402

NOW = "2026-01-01T00:00:00Z"
TOP = 10
PER_COURSE = 3
TOLERANCE = 1e-6


@dataclass
class Case:
    """One analysis: a name and the files analysed together."""

    name: str
    files: list[Path]
    # What the reference reads instead, when DuckDB cannot read an input (same rows).
    reference_files: list[Path] | None = None
    note: str = ""
    # Also compare both sides with this hand-computed report (hand_computed.py).
    hand_computed: bool = False
    options: Options = field(default_factory=lambda: Options(top=TOP, per_course=PER_COURSE, now=NOW))
    differences: list[str] = field(default_factory=list)


def run_checked(command: list[str]) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {completed.returncode}: {completed.stderr.strip()}"
        )
    return completed


def generate(fixtures: str, directory: Path, rows: int, big: int) -> list[Case]:
    """Writes every input and returns the cases, single files first."""
    run_checked([fixtures, "suite", str(directory), "--rows", str(rows), "--seed", "1"])
    suite_files = sorted(
        path for path in directory.iterdir() if path.suffix in (".parquet", ".csv")
    )
    half = max(rows // 2, 1)
    extra_files = {
        # Many learners and courses, lots of dirt and duplicates, page v2, several row groups.
        "random-wide.parquet": ["--rows", str(3 * rows), "--seed", "101", "--learners", "2000",
                                "--courses", "20", "--videos-per-course", "15", "--dirty", "0.05",
                                "--duplicates", "0.1", "--codec", "zstd", "--page-v2",
                                "--row-group-rows", "7000"],
        # Text ids and text completions in CSV.
        "random-text.csv": ["--rows", str(rows), "--seed", "102", "--ids", "string",
                            "--completion", "text", "--dirty", "0.08", "--duplicates", "0.05"],
        # int32 ids, f32 completions, ms timestamps, view strings, plain gzip, many ties, more staff.
        "random-mixed.parquet": ["--rows", str(rows), "--seed", "103", "--ids", "int32",
                                 "--completion", "float", "--timestamps", "ms", "--strings", "view",
                                 "--plain", "--codec", "gzip", "--ties", "0.5",
                                 "--student-share", "0.7", "--learners", "300"],
        # Fractions without a percent name: the scale must be inferred.
        "random-fraction.parquet": ["--rows", str(rows), "--seed", "104", "--completion",
                                    "fraction", "--codec", "brotli", "--dirty", "0.04"],
        # Multi-file inputs: event id ranges overlap, so later files update earlier ones.
        "multi-a.parquet": ["--rows", str(rows), "--seed", "201", "--first-event-id", "1"],
        "multi-b.parquet": ["--rows", str(rows), "--seed", "202", "--first-event-id",
                            str(half + 1), "--codec", "lz4-raw"],
        "multi-c.csv": ["--rows", str(half), "--seed", "203", "--first-event-id", str(rows)],
        "multi-noid-a.parquet": ["--rows", str(half), "--seed", "204", "--no-event-id",
                                 "--duplicates", "0.05"],
    }
    if big:
        extra_files["big.parquet"] = ["--rows", str(big), "--seed", "301", "--learners",
                                      str(max(big // 50, 1)), "--courses", "80", "--videos-per-course", "20",
                                      "--codec", "zstd", "--row-group-rows", "250000"]
    for name, arguments in extra_files.items():
        run_checked([fixtures, "file", str(directory / name), *arguments])

    hand_written = directory / "hand-written.csv"
    hand_written.write_text(hand_computed.HAND_WRITTEN_CSV)
    cases = [Case("hand-written.csv (hand-computed)", [hand_written], hand_computed=True)]
    cases += [Case(path.name, [path]) for path in suite_files]
    for name, text in EDGE_FILES.items():
        (directory / name).write_text(text)
        cases.append(Case(name, [directory / name]))
    # DuckDB cannot read Hadoop-framed LZ4. The rows do not depend on the codec, so the
    # reference reads a twin written with LZ4_RAW while the CLI reads the original.
    hadoop_lz4 = [path.name for path in suite_files if "lz4-hadoop" in path.name]
    if hadoop_lz4:
        twins = directory / "reference-twins"
        only = [argument for name in hadoop_lz4 for argument in ("--only", name)]
        run_checked([fixtures, "suite", str(twins), "--rows", str(rows), "--seed", "1",
                     "--codec", "lz4-raw", *only])
        for case in cases:
            if case.name in hadoop_lz4:
                case.reference_files = [twins / case.name]
                case.note = "; reference read an LZ4_RAW twin: DuckDB has no Hadoop LZ4"
    cases += [
        Case(name, [directory / name])
        for name in extra_files
        if not name.startswith("multi-")
    ]
    def path(name: str) -> Path:
        return directory / name

    cases += [
        Case("multi: a + b (overlapping event ids)", [path("multi-a.parquet"), path("multi-b.parquet")]),
        Case("multi: b + a (reversed input order)", [path("multi-b.parquet"), path("multi-a.parquet")]),
        Case("multi: a + b + c.csv (mixed formats)",
             [path("multi-a.parquet"), path("multi-b.parquet"), path("multi-c.csv")]),
        # A file whose bytes were already loaded is recognised (by fingerprint) and skipped, so
        # the reference reads each distinct file once.
        Case("multi: same file twice", [path("codec-zstd.parquet"), path("codec-zstd.parquet")],
             reference_files=[path("codec-zstd.parquet")]),
        Case("multi: no event id, whole-row copies across files",
             [path("no-event-id.parquet"), path("multi-noid-a.parquet"), path("no-event-id.parquet")],
             reference_files=[path("no-event-id.parquet"), path("multi-noid-a.parquet")]),
        Case("options: --top 3 --per-course 1 --min-views 50", [path("random-wide.parquet")],
             options=Options(top=3, per_course=1, min_views=50, now=NOW)),
        Case("options: --scale percent on fractions", [path("completion-fraction.parquet")],
             options=Options(top=TOP, per_course=PER_COURSE, scale="percent", now=NOW)),
        Case("options: --scale percent on 0..1 values (the scale check)",
             [path("edge-scale-fractions.csv")],
             options=Options(top=TOP, per_course=PER_COURSE, scale="percent", now=NOW)),
        Case("options: --scale fraction, --now 2025-06-01", [path("watch-log-fraction.csv")],
             options=Options(top=TOP, per_course=PER_COURSE, scale="fraction",
                             now="2025-06-01T00:00:00Z")),
    ]
    return cases


def cli_report(cli: str, files: list[Path], options: Options) -> dict[str, Any]:
    command = [cli, "report", *map(str, files), "--format", "json", "--now", options.now,
               "--top", str(options.top), "--per-course", str(options.per_course),
               "--min-views", str(options.min_views)]
    if options.scale:
        command += ["--scale", options.scale]
    completed = run_checked(command)
    return json.loads(completed.stdout)


# -- comparison -------------------------------------------------------------------------------

def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


def compare(reference: Any, cli: Any, path: str, differences: list[str]) -> None:
    """Records where `cli` differs from `reference`: keys the reference has, lists in order,
    numbers within TOLERANCE, everything else exactly. Keys only the CLI has are ignored."""
    if isinstance(reference, dict):
        if not isinstance(cli, dict):
            differences.append(f"{path}: cli={show(cli)} ref={show(reference)}")
            return
        for key, value in reference.items():
            if key not in cli:
                differences.append(f"{path}.{key}: missing from the CLI (ref={show(value)})")
            else:
                compare(value, cli[key], f"{path}.{key}", differences)
    elif isinstance(reference, list):
        if not isinstance(cli, list):
            differences.append(f"{path}: cli={show(cli)} ref={show(reference)}")
            return
        if len(cli) != len(reference):
            differences.append(f"{path}: {len(cli)} entries in the CLI, {len(reference)} in ref")
        for index, (expected, actual) in enumerate(zip(reference, cli)):
            compare(expected, actual, f"{path}[{index}]", differences)
    elif is_number(reference) and is_number(cli):
        if not math.isclose(reference, cli, rel_tol=0.0, abs_tol=TOLERANCE):
            differences.append(f"{path}: cli={cli!r} ref={reference!r}")
    elif reference != cli:
        differences.append(f"{path}: cli={show(cli)} ref={show(reference)}")


def compare_rules(reference: list[dict], cli: list[dict], differences: list[str]) -> None:
    """Rules by name; counts, percent and details only where neither side skipped the rule."""
    cli_by_name = {rule.get("name"): rule for rule in cli}
    for expected in reference:
        name = expected["name"]
        path = f"quality.rules[{name}]"
        actual = cli_by_name.get(name)
        if actual is None:
            differences.append(f"{path}: missing from the CLI")
            continue
        if "severity" in expected:
            compare(expected["severity"], actual.get("severity"), f"{path}.severity", differences)
        if expected["status"] == "skipped" or actual.get("status") == "skipped":
            continue
        for key in ("count", "percent", "details"):
            if key in expected:
                compare(expected[key], actual.get(key), f"{path}.{key}", differences)


COMPARED_SECTIONS = [
    "rows", "summary", "most_watched_learner", "learners_top", "learners_bottom", "learners",
    "videos", "courses", "completion_histogram", "daily",
]


def compare_reports(reference: dict, cli: dict) -> list[str]:
    """Every difference, quality rules first: a rule count that differs (a value parsed or
    classified differently) usually explains the metric differences after it."""
    differences: list[str] = []
    compare_rules(reference["quality"]["rules"], cli.get("quality", {}).get("rules", []), differences)
    for section in COMPARED_SECTIONS:
        if section not in cli:
            differences.append(f"{section}: missing from the CLI")
        else:
            compare(reference[section], cli[section], section, differences)
    return differences


# -- main -------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description="CLI report vs the DuckDB reference")
    parser.add_argument("--cli", required=True, help="path to the coursepulse binary")
    parser.add_argument("--fixtures", required=True, help="path to the coursepulse-fixtures binary")
    parser.add_argument("--rows", type=int, default=20_000, help="rows per suite file")
    parser.add_argument("--big", type=int, nargs="?", const=3_000_000, default=0, metavar="ROWS",
                        help="add a big zstd file (3M rows, or ROWS)")
    parser.add_argument("--keep", help="write the inputs into this directory and keep them")
    parser.add_argument("--only", help="run only cases whose name contains this")
    parser.add_argument("--show", type=int, default=5, help="differences printed per case")
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events in the generated event log compared with DuckDB's interval union (0: none)")
    arguments = parser.parse_args()
    for binary in (arguments.cli, arguments.fixtures):
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            print(f"golden: {binary} is not an executable file; build it first", file=sys.stderr)
            return 2

    started = time.monotonic()
    directory = Path(arguments.keep or tempfile.mkdtemp(prefix="coursepulse-golden-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        cases = generate(arguments.fixtures, directory, arguments.rows, arguments.big)
        generated = time.monotonic()
        print(f"golden: {len(cases)} cases in {directory} (generated in {generated - started:.1f}s)")
        failed = 0
        for case in cases:
            if arguments.only and arguments.only not in case.name:
                continue
            case_started = time.monotonic()
            try:
                cli = cli_report(arguments.cli, case.files, case.options)
                reference = reference_report(
                    [str(path) for path in case.reference_files or case.files], case.options
                )
                case.differences = compare_reports(reference, cli)
                if case.hand_computed:
                    expected = dict(hand_computed.EXPECTED)
                    expected["quality"] = {"rules": hand_computed.expected_rules(RULE_SEVERITIES)}
                    for side, report in (("reference", reference), ("cli", cli)):
                        case.differences += [
                            f"{side} vs hand-computed: {difference}"
                            for difference in compare_reports(expected, report)
                        ]
            except Exception as error:  # a crash of either side is a failure of this case
                case.differences = [f"error: {error}"]
            elapsed = time.monotonic() - case_started
            if case.differences:
                failed += 1
                shown = "; ".join(case.differences[: arguments.show])
                more = len(case.differences) - arguments.show
                suffix = f"; ... {more} more" if more > 0 else ""
                print(f"FAIL {case.name} ({elapsed:.1f}s{case.note}): {len(case.differences)} differences: {shown}{suffix}")
            else:
                print(f"PASS {case.name} ({elapsed:.1f}s{case.note})")
            sys.stdout.flush()
        ran = sum(1 for case in cases if not arguments.only or arguments.only in case.name)
        if arguments.events and (not arguments.only or arguments.only in "events"):
            case_started = time.monotonic()
            try:
                name, differences = events_reference.run(arguments.cli, arguments.fixtures, directory,
                                                         arguments.events)
            except Exception as error:  # a crash of either side is a failure of this case
                name, differences = "events", [f"error: {error}"]
            elapsed = time.monotonic() - case_started
            ran += 1
            if differences:
                failed += 1
                shown = "; ".join(differences[: arguments.show])
                print(f"FAIL {name} ({elapsed:.1f}s): {len(differences)} differences: {shown}")
            else:
                print(f"PASS {name} ({elapsed:.1f}s)")
        total = time.monotonic() - started
        print(f"golden: {ran - failed} passed, {failed} failed, in {total:.1f}s")
        return 1 if failed else 0
    except RuntimeError as error:
        print(f"golden: {error}", file=sys.stderr)
        return 2
    finally:
        if not arguments.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
