{#- stg_watch_logs: one kept copy per event id, else per whole row (_dedup_key: the latest
    last_updated_at; NULL loses; ties keep the first seen by file, then row), every role.
    Incremental on every adapter: a run reads only the files not loaded before and lets each of
    their rows compete with the stored copy of its key, so a late update replaces it and a stale
    copy does not.
    - DuckDB (delete+insert) and Postgres (merge) upsert on _dedup_key.
    - Spark (plain Parquet tables cannot merge) is partitioned by watch_date and uses
      insert_overwrite: a run rewrites only the partitions it touches (the watch dates of the
      new rows and of the stored copies they compete with), each rebuilt from its stored rows
      plus the new ones, and leaves every other partition as it is. -#}
{%- if target.type == 'spark' %}
{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    partition_by=['watch_date'],
    file_format='parquet',
    on_schema_change='fail'
) }}
{%- else %}
{{ config(
    materialized='incremental',
    unique_key='_dedup_key',
    incremental_strategy=('merge' if target.type == 'postgres' else 'delete+insert'),
    on_schema_change='fail'
) }}
{%- endif %}

{%- set columns = [
    '_source_file', '_file_index', '_row_number', 'event_id', '_dedup_key', 'student_id',
    'course_id', 'course_code', 'video_id', 'video_uid', 'video_title', 'role', 'completion_raw',
    'completion_status', 'completion_pct', 'is_student', 'watched_at', 'last_updated_at',
    'event_time', 'watch_date'
] %}

with
{%- if is_incremental() and target.type == 'spark' %}
-- Spark: the new files' rows, the partitions they touch, and every stored row of those.
new_rows as (
    select {{ columns | join(', ') }}
    from {{ ref('base_watch_logs') }}
    where _source_file not in (select distinct _source_file from {{ this }})
),

touched as (
    select distinct watch_date from new_rows
    union
    select distinct stored.watch_date
    from {{ this }} as stored
    left semi join new_rows on new_rows._dedup_key = stored._dedup_key
),
{%- endif %}

candidates as (
{%- if is_incremental() and target.type == 'spark' %}
    select {{ columns | join(', ') }} from new_rows
    union all
    select {% for column in columns %}stored.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ this }} as stored
    left semi join touched on touched.watch_date <=> stored.watch_date
{%- elif is_incremental() %}
    -- New files only; the last_updated_at watermark is applied per key below, where each new
    -- row competes with the stored copy of its key.
    select {{ columns | join(', ') }}
    from {{ ref('base_watch_logs') }}
    where _source_file not in (select distinct _source_file from {{ this }})
    union all
    select {{ columns | join(', ') }}
    from {{ this }}
    where _dedup_key in (
        select _dedup_key from {{ ref('base_watch_logs') }}
        where _dedup_key is not null
          and _source_file not in (select distinct _source_file from {{ this }})
    )
{%- else %}
    select {{ columns | join(', ') }}
    from {{ ref('base_watch_logs') }}
{%- endif %}
),

ranked as (
    select candidates.*,
           case when _dedup_key is null then 1
                else row_number() over (
                    partition by _dedup_key
                    order by last_updated_at desc nulls last, _file_index, _row_number)
           end as copy_number
    from candidates
)

select {{ columns | join(', ') }}
from ranked
where copy_number = 1
