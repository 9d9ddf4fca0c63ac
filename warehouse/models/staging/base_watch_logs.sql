{#- base_watch_logs: every row read within the view (the vars courses/from/to, as the CLI's
    --course/--from/--to), typed and mapped: the keys (course_id else course_code, video_id else
    video_title; video_uid tells videos apart: the id, or the title within its course), the completion in percent with its status (text such as "85 %" parsed), the
    student flag, the de-duplication key (event id, else the whole row) and order. Quality rules
    count these rows (before de-duplication and the student filter); staging keeps one copy of
    each.
    A table, not a view: staging, the marts, quality_flags and the rule tests all read it, and
    a view would repeat its per-file windows over every input row for each of them (on Spark
    at 10M rows, most of the build). -#}
{{ config(materialized='table') }}

with raw as (
    select
        _source_file,
        _file_index,
        _row_number,
        {{ column_or_null('event_id', text_type()) }} as event_id,
        {{ dedup_key() }} as _dedup_key,
        {{ column_or_null('student_id', text_type()) }} as student_id,
        {{ key_column('course_id', 'course_code') }} as course_id,
        {{ column_or_null('course_code', text_type()) }} as course_code,
        {{ key_column('video_id', 'video_title') }} as video_id,
        {{ video_uid(key_column('course_id', 'course_code')) }} as video_uid,
        {{ column_or_null('video_title', text_type()) }} as video_title,
        {{ column_or_null('role', text_type()) }} as role,
        {{ completion_number(var('completion_column')) }} as completion_raw,
        {{ completion_unparsed(var('completion_column')) }} as completion_unparsed,
        cast({{ column_or_null('watched_at', 'timestamp') }} as timestamp) as watched_at,
        cast({{ column_or_null('last_updated_at', 'timestamp') }} as timestamp) as last_updated_at
    from {{ raw_rows() }} as inputs
),

{%- set column = var('completion_column') | lower -%}
{%- set scale = var('completion_scale') -%}
{%- if scale == 'infer' and ('percent' in column or 'pct' in column) -%}
  {%- set scale = 'percent' -%}
{%- endif %}

-- Per file: 1 for percent, 100 for fraction (>= 95% of the first 10,000 numeric values in 0..1).
numeric_values as (
    select _file_index, completion_raw,
           row_number() over (partition by _file_index order by _row_number) as position
    from raw
    where completion_raw is not null and not {{ is_nan('completion_raw') }}
),

scales as (
    select files._file_index,
    {%- if scale == 'percent' %}
           1.0 as factor
    {%- elif scale == 'fraction' %}
           100.0 as factor
    {%- else %}
           case when count(numeric_values.completion_raw) > 0
                 and sum(case when numeric_values.completion_raw between 0 and 1 then 1 else 0 end)
                     >= 0.95 * count(numeric_values.completion_raw)
                then 100.0 else 1.0 end as factor
    {%- endif %}
    from (select distinct _file_index from raw) as files
    left join numeric_values
      on numeric_values._file_index = files._file_index and numeric_values.position <= 10000
    group by files._file_index
),

scaled as (
    select raw.*,
           cast(raw.completion_raw * scales.factor as {{ double_type() }}) as completion_scaled,
           scales.factor as _scale_factor
    from raw
    join scales on scales._file_index = raw._file_index
),

-- The scale check's evidence, per file over every row (as the engine counts the values it
-- reads, whatever the view): its numbers, and how many lie within 0..1.
checked as (
    select scaled.*,
           sum(case when completion_raw is not null and not {{ is_nan('completion_raw') }}
                    then 1 else 0 end) over (partition by _file_index) as _file_numbers,
           sum(case when completion_raw is not null and not {{ is_nan('completion_raw') }}
                     and completion_raw between 0 and 1
                    then 1 else 0 end) over (partition by _file_index) as _file_within_one
    from scaled
)

select
    _source_file,
    _file_index,
    _row_number,
    event_id,
    _dedup_key,
    student_id,
    course_id,
    course_code,
    video_id,
    video_uid,
    video_title,
    role,
    completion_raw,
    case when completion_unparsed then 'not_numeric'
         when completion_raw is null then 'null'
         when {{ is_nan('completion_raw') }} then 'nan'
         when completion_scaled < 0 or completion_scaled > 100 then 'out_of_range'
         else 'valid' end as completion_status,
    case when completion_raw is not null and not {{ is_nan('completion_raw') }}
         then completion_scaled end as completion_pct,
    -- The value contradicts its file's scale: read as percent in a file whose numbers (at least
    -- 20) all lie within 0..1, or read as a fraction and above 1.
    case when completion_raw is null or {{ is_nan('completion_raw') }} then false
         when _scale_factor = 1.0
              then _file_numbers >= 20 and _file_within_one = _file_numbers
         else completion_raw > 1 end as contradicts_scale,
    {%- if has_column('role') %}
    coalesce(lower(trim(role)) = 'student', false) as is_student,
    {%- else %}
    true as is_student,  -- without a role column every row is a student row
    {%- endif %}
    watched_at,
    last_updated_at,
    coalesce(watched_at, last_updated_at) as event_time,
    cast(coalesce(watched_at, last_updated_at) as date) as watch_date
from checked
where {{ view_filter() }}
