"""Event logs: the CLI's event-derived completion and retention against DuckDB.

The fixtures generator writes a player event log (events-N.csv), its catalogue (videos.csv) and
the segments each learner truly watched (segments.csv, what the events evidence). The engine
rebuilds the segments from the events with its player state machine; here DuckDB unions the
true segments on its own (gaps and islands: a running maximum of segment ends, an island starts
where a segment starts after every earlier end) and derives the same figures: per video the
viewers, the mean completion, the completion quartiles and the audience-retention curve (the
share of viewers whose islands cover the midpoint of each hundredth), and per learner the mean
completion over every (learner, video) pair with a known event. No code is shared with the
engine.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

# The verbs the engine recognises among the generator's event types (the others are unknown).
KNOWN_TYPES = ("load", "play", "pause", "seek", "timeupdate", "ratechange", "ended", "terminated")
TOLERANCE = 1e-3

ISLANDS_SQL = """
CREATE TEMP TABLE segments AS
  SELECT learner, video, "start"::DOUBLE AS s, "end"::DOUBLE AS e
  FROM read_csv({segments}, header = true, all_varchar = true);
CREATE TEMP TABLE videos AS
  SELECT video, duration::DOUBLE AS duration FROM read_csv({videos}, header = true, all_varchar = true);
CREATE TEMP TABLE ordered AS
  SELECT *, max(e) OVER (PARTITION BY learner, video ORDER BY s, e
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_end
  FROM segments;
CREATE TEMP TABLE numbered AS
  SELECT *, sum(CASE WHEN previous_end IS NULL OR s > previous_end THEN 1 ELSE 0 END)
              OVER (PARTITION BY learner, video ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
  FROM ordered;
CREATE TEMP TABLE islands AS
  SELECT learner, video, island, min(s) AS s, max(e) AS e FROM numbered GROUP BY ALL;
CREATE TEMP TABLE watched AS
  SELECT learner, video, sum(e - s) AS seconds FROM islands GROUP BY ALL;
CREATE TEMP TABLE viewers AS
  SELECT w.learner, w.video, v.duration, least(100.0, 100.0 * w.seconds / v.duration) AS completion
  FROM watched w JOIN videos v USING (video) WHERE w.seconds > 0;
"""

VIDEOS_SQL = """
SELECT video, count(*) AS viewers, avg(completion) AS avg_completion,
       100.0 * avg(CASE WHEN completion >= 25 - 1e-9 THEN 1 ELSE 0 END) AS p25,
       100.0 * avg(CASE WHEN completion >= 50 - 1e-9 THEN 1 ELSE 0 END) AS p50,
       100.0 * avg(CASE WHEN completion >= 75 - 1e-9 THEN 1 ELSE 0 END) AS p75,
       100.0 * avg(CASE WHEN completion >= 100 - 1e-9 THEN 1 ELSE 0 END) AS p100
FROM viewers GROUP BY video ORDER BY video
"""

RETENTION_SQL = """
WITH points AS (SELECT range AS point FROM range(100)),
covered AS (
  SELECT i.video, p.point, count(DISTINCT i.learner) AS viewers
  FROM islands i JOIN videos v USING (video) CROSS JOIN points p
  WHERE i.s <= (p.point + 0.5) * v.duration / 100 AND (p.point + 0.5) * v.duration / 100 < i.e
  GROUP BY ALL)
SELECT c.video, c.point, 100.0 * c.viewers / t.viewers AS share
FROM covered c JOIN (SELECT video, count(*) AS viewers FROM viewers GROUP BY video) t USING (video)
"""

LEARNERS_SQL = """
WITH pairs AS (
  SELECT DISTINCT user_id::VARCHAR AS learner, video_id::VARCHAR AS video
  FROM read_csv(?, header = true, all_varchar = true)
  WHERE event_type IN {types})
-- least() skips NULLs in DuckDB, so a pair without watched seconds is tested first.
SELECT p.learner,
       avg(CASE WHEN w.seconds IS NULL THEN 0.0 ELSE least(100.0, 100.0 * w.seconds / v.duration) END)
         AS avg_completion,
       count(*) AS pairs
FROM pairs p JOIN videos v USING (video) LEFT JOIN watched w USING (learner, video)
GROUP BY p.learner
"""


def reference(directory: Path, event_files: list[Path]) -> dict:
    connection = duckdb.connect()
    script = ISLANDS_SQL.format(segments=quoted(directory / "segments.csv"),
                                videos=quoted(directory / "videos.csv"))
    for statement in script.split(";"):
        if statement.strip():
            connection.execute(statement)
    videos = {row[0]: row[1:] for row in connection.execute(VIDEOS_SQL).fetchall()}
    retention: dict[str, list[float]] = {video: [0.0] * 100 for video in videos}
    for video, point, share in connection.execute(RETENTION_SQL).fetchall():
        retention[video][point] = share
    learners = {
        row[0]: (row[1], row[2])
        for row in connection.execute(
            LEARNERS_SQL.format(types=str(KNOWN_TYPES)), [[str(path) for path in event_files]]
        ).fetchall()
    }
    return {"videos": videos, "retention": retention, "learners": learners}


def quoted(path: Path) -> str:
    """A path as an SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"


def close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is right
    return abs(left - right) <= TOLERANCE


def compare(expected: dict, report: dict) -> list[str]:
    differences = []
    videos = {video["video_id"]: video for video in report["events"]["videos"] if video["viewers"] > 0}
    if set(videos) != set(expected["videos"]):
        differences.append(f"videos with viewers: cli {sorted(videos)[:5]}..., reference {sorted(expected['videos'])[:5]}...")
    for video, (viewers, average, p25, p50, p75, p100) in expected["videos"].items():
        found = videos.get(video)
        if found is None:
            continue
        quartiles = found["quartiles"]
        pairs = [("viewers", found["viewers"], viewers), ("avg_completion", found["avg_completion"], average),
                 ("p25", quartiles["p25"], p25), ("p50", quartiles["p50"], p50),
                 ("p75", quartiles["p75"], p75), ("p100", quartiles["p100"], p100)]
        for name, cli_value, reference_value in pairs:
            if not close(cli_value, reference_value):
                differences.append(f"video {video} {name}: cli {cli_value}, reference {reference_value}")
        for point, (cli_share, reference_share) in enumerate(zip(found["retention"], expected["retention"][video])):
            if not close(cli_share, reference_share):
                differences.append(f"video {video} retention at {point}%: cli {cli_share}, reference {reference_share}")
                break
    learners = {row["student_id"]: row for row in report["learners"]}
    if len(learners) != len(expected["learners"]):
        differences.append(f"learners: cli {len(learners)}, reference {len(expected['learners'])}")
    for learner, (average, pairs) in expected["learners"].items():
        row = learners.get(learner)
        if row is None:
            differences.append(f"learner {learner} missing from the cli")
        elif not close(row["avg_completion"], average) or row["views"] != pairs:
            differences.append(f"learner {learner}: cli {row['avg_completion']} over {row['views']}, reference {average} over {pairs}")
    return differences


def run(cli: str, fixtures: str, directory: Path, events: int) -> tuple[str, list[str]]:
    """Generates a log of at least `events` events in 4 CSV files and compares; the case name
    and the differences."""
    folder = directory / "event-log"
    subprocess.run([fixtures, "events", str(folder), "--events", str(events), "--parts", "4",
                    "--learners", str(max(events // 100, 50)), "--courses", "20",
                    "--videos-per-course", "10", "--seed", "16"],
                   check=True, capture_output=True)
    files = sorted(folder.glob("events-*.csv"))
    completed = subprocess.run([cli, "report", *map(str, files), "--videos", str(folder / "videos.csv"),
                                "--format", "json", "--now", "2026-01-01T00:00:00Z"],
                               capture_output=True, text=True)
    if completed.returncode != 0:
        return "events", [f"cli exited with {completed.returncode}: {completed.stderr.strip()}"]
    report = json.loads(completed.stdout)
    read = report["events"]["lineage"]["events_read"]
    name = f"events: {read} events in 4 CSV files (interval union, retention, learner averages)"
    if read < events:
        return name, [f"only {read} events generated, expected at least {events}"]
    return name, compare(reference(folder, files), report)
