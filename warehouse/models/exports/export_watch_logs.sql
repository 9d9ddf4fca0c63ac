{#- export_watch_logs: the kept rows (one copy per event, every role) under the input's column
    names, completion in percent, partitioned by watch date: the input of the per-course
    extracts (`coursepulse split`) that the dashboard opens. DuckDB writes it as hive-partitioned
    Parquet (watch_date=YYYY-MM-DD/), Spark as a table partitioned by watch_date, Postgres as a
    natively partitioned table (a LIST partition per watch date, macros/partitioned_table.sql)
    that scripts/build.py exports. -#}
{%- if target.type == 'duckdb' %}
{{ config(materialized='external', format='parquet',
          location=var('export_dir'),
          options={'partition_by': 'watch_date', 'overwrite': true}) }}
{%- elif target.type == 'spark' %}
{{ config(materialized='table', file_format='parquet', partition_by=['watch_date']) }}
{%- else %}
{{ config(materialized='partitioned_table', partition_by='watch_date') }}
{%- endif %}

select
    event_id,
    student_id,
    course_id,
    course_code,
    video_id,
    video_title,
    role,
    completion_pct as completion_rate_percent,
    watched_at,
    last_updated_at,
    watch_date
from {{ ref('stg_watch_logs') }}
