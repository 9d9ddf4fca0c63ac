"""A tiny hand-written CSV and its report, worked out by hand from the definitions.

run.py checks both the reference and the CLI against it before the generated cases, so a bug
shared by both (the reference is only as right as its reading of the definitions) still shows.
Row by row:
  event 2 twice: the copy with the later last_updated_at (80) wins over 100;
  event 4 twice: the non-NULL last_updated_at (10) wins over the NULL one (75);
  two rows without an event id: never duplicates;
  'student' and ' STUDENT ' are students (role_clean), 'Instructor' is not;
  NaN and 130 are not valid; one row is watched in 2099.
"""

HAND_WRITTEN_CSV = """\
event_id,student_id,course_id,course_code,video_id,video_title,role,completion_rate_percent,watched_at,last_updated_at
1,10,1,CSC101,V1,Intro,Student,50,2025-01-01T10:00:00Z,2025-01-01T10:00:00Z
2,10,1,CSC101,V2,Second,Student,100,2025-01-02T10:00:00Z,2025-01-02T10:00:00Z
2,10,1,CSC101,V2,Second,Student,80,2025-01-02T10:00:00Z,2025-01-03T10:00:00Z
3,9,1,CSC101,V1,Intro,student,NaN,2025-01-02T11:00:00Z,2025-01-02T11:00:00Z
4,9,2,MTH201,V3,Algebra,Student,75,2025-01-02T12:00:00Z,
4,9,2,MTH201,V3,Algebra,Student,10,2025-01-02T12:00:00Z,2025-01-01T00:00:00Z
5,100,2,MTH201,V3,Algebra,Instructor,20,2025-01-03T12:00:00Z,2025-01-03T12:00:00Z
6,100,2,MTH201,V3,Algebra," STUDENT ",130,2099-01-01T00:00:00Z,2025-01-03T12:00:00Z
,11,2,MTH201,V3,Algebra,Student,45,2025-01-03T12:00:00Z,2025-01-03T12:00:00Z
,11,2,MTH201,V3,Algebra,Student,45,2025-01-03T12:00:00Z,2025-01-03T12:00:00Z
7,12,1,CSC101,V1,Intro,Student,45,2025-01-03T12:00:00Z,2025-01-03T12:00:00Z
"""


def learner(rank, student_id, videos_watched, views, avg_completion):
    return {
        "rank": rank,
        "student_id": student_id,
        "videos_watched": videos_watched,
        "views": views,
        "avg_completion": avg_completion,
    }


def video_entry(video_id, video_title, views, avg_completion):
    return {
        "video_id": video_id,
        "video_title": video_title,
        "views": views,
        "avg_completion": avg_completion,
    }


def histogram(counts):
    return [
        {"from": 10 * index, "to": 10 * index + 10, "count": counts.get(index, 0)}
        for index in range(10)
    ]


THIRD = 33.333333333  # (10 + 45 + 45) / 3 rounded to 9 decimals

EXPECTED = {
    "rows": {"total": 11, "duplicates_removed": 2, "student": 8, "valid_completion": 6},
    "summary": {"learners": 5, "courses": 2, "videos": 3, "mean_completion": 45.833333333},
    "most_watched_learner": {
        "student_id": "10",
        "videos_watched": 2,
        "views": 2,
        "avg_completion": 65.0,
    },
    "learners_top": [
        learner(1, "10", 2, 2, 65.0),
        learner(2, "11", 1, 2, 45.0),
        learner(2, "12", 1, 1, 45.0),
        learner(4, "9", 2, 2, 10.0),
    ],
    "learners_bottom": [
        learner(1, "9", 2, 2, 10.0),
        learner(2, "11", 1, 2, 45.0),
        learner(2, "12", 1, 1, 45.0),
        learner(4, "10", 2, 2, 65.0),
    ],
    "learners": [
        learner(1, "10", 2, 2, 65.0),
        learner(2, "11", 1, 2, 45.0),
        learner(2, "12", 1, 1, 45.0),
        learner(4, "9", 2, 2, 10.0),
        learner(None, "100", 1, 1, None),
    ],
    "videos": [
        {"video_id": "V2", "video_title": "Second", "course_id": "1", "views": 1, "learners": 1,
         "avg_completion": 80.0},
        {"video_id": "V1", "video_title": "Intro", "course_id": "1", "views": 3, "learners": 3,
         "avg_completion": 47.5},
        {"video_id": "V3", "video_title": "Algebra", "course_id": "2", "views": 4, "learners": 3,
         "avg_completion": THIRD},
    ],
    "courses": [
        {
            "course_id": "1", "course_code": "CSC101", "views": 4, "learners": 3, "videos": 2,
            "avg_completion": 58.333333333,
            "top": [video_entry("V2", "Second", 1, 80.0), video_entry("V1", "Intro", 3, 47.5)],
            "bottom": [video_entry("V1", "Intro", 3, 47.5), video_entry("V2", "Second", 1, 80.0)],
        },
        {
            "course_id": "2", "course_code": "MTH201", "views": 4, "learners": 3, "videos": 1,
            "avg_completion": THIRD,
            "top": [video_entry("V3", "Algebra", 4, THIRD)],
            "bottom": [video_entry("V3", "Algebra", 4, THIRD)],
        },
    ],
    "completion_histogram": histogram({1: 1, 4: 3, 5: 1, 8: 1}),
    "daily": [
        {"date": "2025-01-01", "views": 1, "avg_completion": 50.0},
        {"date": "2025-01-02", "views": 3, "avg_completion": 45.0},
        {"date": "2025-01-03", "views": 3, "avg_completion": 45.0},
        {"date": "2099-01-01", "views": 1, "avg_completion": None},
    ],
}

# Rule name -> (count, details); every rule not listed here counts 0 with no details.
EXPECTED_RULES = {
    "completion_not_nan": (1, []),
    "completion_in_range": (1, []),
    "event_id_not_null": (2, []),
    "unique_key": (2, []),
    "role_accepted_values": (1, [{"value": "Instructor", "count": 1}]),
    "role_clean": (2, [{"value": " STUDENT ", "count": 1}, {"value": "student", "count": 1}]),
    "timestamp_not_future": (1, []),
}


def expected_rules(rule_names):
    """The expected rules in the shape run.py compares (severity is not checked here)."""
    rules = []
    for name in rule_names:
        count, details = EXPECTED_RULES.get(name, (0, []))
        rule = {"name": name, "count": count, "percent": 100.0 * count / 11,
                "details": details, "status": "counted"}
        if name == "completion_scale":
            del rule["details"]  # the engine's evidence is a sentence per file
        rules.append(rule)
    return rules
