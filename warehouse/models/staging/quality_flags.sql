{#- quality_flags: every row read (before de-duplication and the student filter, as the engine
    counts its quality rules) with one flag per rule, named after the engine's rules. mart_quality
    counts the flags; quality_rows carries the dbt tests. A table, so that its window over
    every row (the copies of each key) runs once, not once per rule test. -#}
{{ config(materialized='table') }}

select
    _source_file,
    _file_index,
    _row_number,
    event_id,
    student_id,
    course_id,
    video_id,
    role,
    completion_raw,
    completion_pct,
    watched_at,
    last_updated_at,
    student_id is null as fails_student_id_not_null,
    video_id is null as fails_video_not_null,
    course_id is null as fails_course_not_null,
    completion_status = 'null' as fails_completion_not_null,
    completion_status = 'not_numeric' as fails_completion_numeric,
    completion_status = 'nan' as fails_completion_not_nan,
    completion_status = 'out_of_range' as fails_completion_in_range,
    {%- if has_column('event_id') %}
    event_id is null as fails_event_id_not_null,
    {%- else %}
    false as fails_event_id_not_null,  -- the rule is skipped without an event id column
    {%- endif %}
    -- Every copy after the first read (the engine's samples name these; staging decides
    -- which copy is kept).
    case when _dedup_key is null then false
         else row_number() over (partition by _dedup_key order by _file_index, _row_number) > 1
    end as fails_unique_key,
    (role is null or lower(trim(role)) <> 'student') as fails_role_accepted_values,
    coalesce(lower(trim(role)) = 'student' and role <> 'Student', false) as fails_role_clean,
    coalesce(watched_at > {{ now_timestamp() }} or last_updated_at > {{ now_timestamp() }}, false)
        as fails_timestamp_not_future,
    contradicts_scale as fails_completion_scale
from {{ ref('base_watch_logs') }}
