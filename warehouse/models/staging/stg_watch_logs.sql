{#- stg_watch_logs: one kept copy per event id, else per whole row (_dedup_key: the latest
    last_updated_at; NULL loses; ties keep the first seen by file, then row), every role. Incremental where the adapter can upsert:
    a run reads only the files not loaded before and lets each of their events compete with
    the stored copy, so a late update replaces it and a stale copy does not. Spark without Delta
    cannot merge, so there it is rebuilt (export_watch_logs is the table partitioned by date). -#}
{%- if target.type == 'spark' %}
{{ config(materialized='table', file_format='parquet') }}
{%- else %}
{{ config(
    materialized='incremental',
    unique_key='_dedup_key',
    incremental_strategy=('merge' if target.type == 'postgres' else 'delete+insert'),
    on_schema_change='fail'
) }}
{%- endif %}

{%- set columns = [
    '_source_file', '_file_index', '_row_number', 'event_id', '_dedup_key', 'student_id', 'course_id',
    'course_code', 'video_id', 'video_title', 'role', 'completion_raw', 'completion_status',
    'completion_pct', 'is_student', 'watched_at', 'last_updated_at', 'event_time', 'watch_date'
] %}

with candidates as (
{%- if is_incremental() %}
    -- New files only; the last_updated_at watermark is applied per event below, where each
    -- new row competes with the stored copy of its event.
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
