"""Small hand-written CSV inputs for corners the generated fixtures do not reach.

run.py writes each into its work directory and compares the CLI with the reference on it. What
each file probes is said above it; the expected behaviour is the reference's reading of the
definitions (docs/report-schema.md), and run.py only compares the two sides.
"""

EDGE_FILES = {
    # Text completions spelled every way: Rust-style float syntax ("+5", ".5", "5.", "1e2",
    # "inf", "nan"), one trailing '%' ("1E1%"; "85%%" is not a number), whitespace-only (NULL),
    # spellings that are not numbers: "1_000", "0x10", "12,5"; and "85 %", which is 85 (trim,
    # drop one '%', trim again).
    "edge-text-spellings.csv": (
        "student_id,video_id,course_id,completion_rate_percent\n"
        'S0,V0,C0,"1_000"\nS1,V1,C1,"85 %"\nS2,V2,C0,"85%%"\nS0,V3,C1,"inf"\n'
        'S1,V0,C0,"+5"\nS2,V1,C1,".5"\nS0,V2,C0,"5."\nS1,V3,C1,"1e2"\nS2,V0,C0,""\n'
        'S0,V1,C1,"  "\nS1,V2,C0,"NaN"\nS2,V3,C1,"nan"\nS0,V0,C0,"-0"\nS1,V1,C1,"0x10"\n'
        'S0,V3,C1,"50"\nS1,V0,C0,"\t42\t"\nS2,V1,C1,"12,5"\nS0,V2,C0,"100.0000000001"\n'
        'S1,V3,C1,"1E1%"\n'
    ),
    # Negative and mixed-width integer ids (numeric order), a title only on some rows, roles
    # padded with tabs or upper-cased or with a non-ASCII letter, a UTC offset that moves the
    # day, a time without zone, times exactly at and just after "now" (2026-01-01T00:00:00Z),
    # completions at the histogram's bin edges, NULL-vs-NULL and equal last_updated_at ties,
    # -0 as a completion.
    "edge-mixed.csv": (
        "event_id,student_id,course_id,course_code,video_id,video_title,role,"
        "completion_rate_percent,watched_at,last_updated_at\n"
        "1,-5,1,CSC101,V1,,STUDENT,100,2025-01-01T23:30:00-05:00,\n"
        "2,-5,1,CSC101,V1,Intro B,\tstudent\t,0,2025-01-01T10:00:00Z,\n"
        "2,-5,1,CSC101,V1,Intro A,Student,10,2025-01-01T10:00:00Z,\n"
        "3,3,1,csc101,V2,Zeta,Student,99.99999,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n"
        "4,3,2,MTH201,V3,Alpha,Student,9.9999999999,2025-06-01 10:00:00,"
        "2026-01-01T00:00:00.000001Z\n"
        "5,20,2,MTH201,V3,Alpha,St\u00fcdent,50,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z\n"
        "6,20,2,MTH201,,Alpha,Student,60,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z\n"
        "7,20,,,V4,Beta,Student,70,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z\n"
        "7,20,,,V4,Beta,Student,-0,2025-06-01T10:00:00Z,2025-06-01T10:00:00Z\n"
    ),
    # No event id, role or course: whole-row duplicates where the equal columns are NaN, NULL,
    # or 0 and -0 (equal as numbers).
    "edge-no-event-id.csv": (
        "student_id,video_id,completion_rate_percent,watched_at\n"
        "1,V1,NaN,2025-01-01T00:00:00Z\n1,V1,NaN,2025-01-01T00:00:00Z\n"
        "1,V1,0,2025-01-01T00:00:00Z\n1,V1,-0,2025-01-01T00:00:00Z\n"
        "2,,,2025-01-01T00:00:00Z\n2,,,2025-01-01T00:00:00Z\n2,V2,50,\n"
    ),
    # A completion column of numbers with one value in Arabic-Indic digits: the value is not a
    # number (completion_numeric), the rest of the file is still data.
    "edge-unicode-digits.csv": (
        "student_id,video_id,course_id,completion_rate_percent\n"
        "S1,V1,C1,\u0661\u0662\nS1,V1,C1,50\nS2,V1,C1,70\n"
    ),
    # The scale check. Fractions (24 numbers within 0..1, one NULL and one NaN left out): read
    # as inferred (fraction) they pass; read with --scale percent (run.py) all 24 are counted.
    "edge-scale-fractions.csv": (
        "student_id,video_id,completion_rate\n"
        + "".join(f"S{row % 5},V{row % 3},0.{row * 4 + 1:02d}\n" for row in range(24))
        + "S1,V1,\nS2,V2,NaN\n"
    ),
    # 24 fractions and one percentage: inferred a fraction (96 % within 0..1), the value above 1
    # is counted.
    "edge-scale-one-percentage.csv": (
        "student_id,video_id,completion_rate\n"
        + "".join(f"S{row % 5},V{row % 3},0.5\n" for row in range(24))
        + "S3,V1,45\n"
    ),
    # The brief's own columns (no video id, no event id): a video is its title within its
    # course, so "Intro" in courses 1 and 2 is two videos and "Intro" without a course a third;
    # a NULL title is no video. Averages tie across the top-10 cut (five learners at 90 share
    # rank 8: 12 listed) and across the bottom-10 cut (the same five share rank 7 from the
    # bottom: 11 listed), so both lists are longer than 10 (`RANK() <= 10`).
    "edge-brief-columns.csv": (
        "student_id,course_id,course_code,video_title,role,completion_rate_percent\n"
        + "".join(
            f"S{learner:02d},{1 + learner % 2},{'CSC101' if learner % 2 == 0 else 'MTH201'},"
            f"Intro,Student,{completion}\n"
            for learner, completion in enumerate(
                [99, 98, 97, 96, 95, 94, 93, 90, 90, 90, 90, 90, 20, 20, 20, 10, 15, 15])
        )
        + "S01,2,MTH201,Intro,Student,99\nS01,1,CSC101,Intro,Student,99\n"
        + "S02,,,Intro,Student,98\nS03,1,CSC101,,Student,97\nS04,1,CSC101,Outro,Student,96\n"
        + "S05,2,MTH201,Outro,instructor,5\nS06,1,CSC101,Intro,student ,94\n"
    ),
}
