{#- The few expressions whose spelling differs between DuckDB, Postgres and Spark; every model
    uses these instead of adapter-specific SQL, so one set of models runs on all three. -#}

{#- Whether a DOUBLE is NaN. -#}
{% macro is_nan(expression) -%}
  {%- if target.type == 'postgres' -%}
    ({{ expression }} = 'NaN'::double precision)
  {%- else -%}
    isnan({{ expression }})
  {%- endif -%}
{%- endmacro %}

{#- An average rounded to 9 decimals, the engine's precision (rounded before ranking, so ties
    are exact). Postgres rounds numeric only. -#}
{% macro round9(expression) -%}
  {%- if target.type == 'postgres' -%}
    cast(round(cast({{ expression }} as numeric), 9) as double precision)
  {%- else -%}
    round({{ expression }}, 9)
  {%- endif -%}
{%- endmacro %}

{#- A DATE as YYYY-MM-DD text. -#}
{% macro date_text(expression) -%}
  {%- if target.type == 'spark' -%}
    date_format({{ expression }}, 'yyyy-MM-dd')
  {%- elif target.type == 'postgres' -%}
    to_char({{ expression }}, 'YYYY-MM-DD')
  {%- else -%}
    strftime({{ expression }}, '%Y-%m-%d')
  {%- endif -%}
{%- endmacro %}

{#- The type names used in casts. -#}
{% macro double_type() -%}
  {%- if target.type == 'postgres' -%} double precision {%- else -%} double {%- endif -%}
{%- endmacro %}
{% macro text_type() -%}
  {%- if target.type == 'spark' -%} string {%- else -%} varchar {%- endif -%}
{%- endmacro %}

{#- The time future timestamps are judged against: the `now` var (RFC 3339), else the clock. -#}
{% macro now_timestamp() -%}
  {%- set now = var('now') -%}
  {%- if now -%}
    {%- set text = now | replace('T', ' ') | replace('Z', '') -%}
    cast('{{ text }}' as timestamp)
  {%- else -%}
    current_timestamp
  {%- endif -%}
{%- endmacro %}

{#- Where the raw rows come from: DuckDB reads the Parquet inputs directly (with each row's file,
    by its position in input_files, and row number: the engine's "first seen" order); Postgres and Spark read the table or files
    that scripts/build.py landed, which carry the same two columns. -#}
{% macro raw_rows() -%}
  {%- if target.type == 'duckdb' -%}
    (
      {%- set paths -%}
        [{%- for path in var('input_files') -%}
          '{{ path | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
        {%- endfor -%}]
      {%- endset %}
      select *,
             list_position({{ paths }}, filename) - 1 as _file_index,
             file_row_number as _row_number,
             filename as _source_file
      from read_parquet({{ paths }}, filename = true, file_row_number = true,
                        union_by_name = true, hive_partitioning = false)
    )
  {%- else -%}
    {{ source('landing', 'watch_logs') }}
  {%- endif -%}
{%- endmacro %}

{#- Spark: the landed Parquet as the source table (an external table, re-pointed each run). -#}
{% macro spark_landing_table() -%}
  {%- if target.type == 'spark' -%}
    {%- call statement('landing_schema') -%}
      create schema if not exists {{ target.schema }}
    {%- endcall -%}
    {%- call statement('landing_drop') -%}
      drop table if exists {{ target.schema }}.watch_logs
    {%- endcall -%}
    create table {{ target.schema }}.watch_logs using parquet location '{{ var("landing_path") }}'
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}

{#- Whether the inputs have a column: a column of the files (scripts/build.py passes them as
    the var input_columns), or a hive partition standing in for it (the var stand_ins). -#}
{% macro has_column(name) -%}
  {{ return(name in var('input_columns') or name in var('stand_ins', {})) }}
{%- endmacro %}

{#- An optional input column, or a typed NULL when the inputs do not have it. Where a file lacks
    the column, a hive partition of its path stands in for it as the engine appends one (the var
    stand_ins, scripts/build.py: `course_code=CSC101/` is the course code, a date partition such
    as `date=2025-03-01/` the watch time of a file with no time column); each file's value is
    picked by _file_index, and a file that has the column keeps its own values. -#}
{% macro column_or_null(name, type) -%}
  {%- set stand_in = var('stand_ins', {}).get(name) -%}
  {%- set kind = portable_type(stand_in['type']) if stand_in else type -%}
  {%- set own = adapter.quote(name) if name in var('input_columns')
                else 'cast(null as ' ~ kind ~ ')' -%}
  {%- if stand_in -%}
    (case _file_index
    {%- for index, value in stand_in['files'] %}
       when {{ index }} then
       {%- if value is none %} cast(null as {{ kind }})
       {%- else %} cast('{{ value | replace("'", "''") }}' as {{ kind }})
       {%- endif -%}
    {%- endfor %}
       else {{ own }} end)
  {%- else -%}
    {{ own }}
  {%- endif -%}
{%- endmacro %}

{#- A column type named by scripts/build.py (text, bigint, double, date, timestamp, boolean) in
    the adapter's spelling. -#}
{% macro portable_type(kind) -%}
  {%- if kind == 'text' -%} {{ text_type() }}
  {%- elif kind == 'double' -%} {{ double_type() }}
  {%- else -%} {{ kind }}
  {%- endif -%}
{%- endmacro %}

{#- A key field: its own column, else the label column that stands in for it (the engine's
    course key is course_id, else course_code; its video key video_id, else video_title). -#}
{% macro key_column(name, fallback) -%}
  {%- if has_column(name) -%} {{ column_or_null(name, text_type()) }}
  {%- else -%} {{ column_or_null(fallback, text_type()) }}
  {%- endif -%}
{%- endmacro %}

{#- What tells videos apart: the video id as text, or without one the title within its course
    (the same title in two courses is two videos, as the engine has it; a row without a course
    is its own). The course is length-prefixed so that no course and title pair reads as
    another. -#}
{% macro video_uid(course) -%}
  {%- set title = column_or_null('video_title', text_type()) -%}
  {%- if has_column('video_id') -%}
    cast({{ column_or_null('video_id', text_type()) }} as {{ text_type() }})
  {%- elif has_column('video_title') and (has_column('course_id') or has_column('course_code')) -%}
    case when {{ title }} is not null then
      (case when {{ course }} is null then 'none'
            else cast(length(cast({{ course }} as {{ text_type() }})) as {{ text_type() }}) || ':'
                 || cast({{ course }} as {{ text_type() }}) end)
      || '|' || cast({{ title }} as {{ text_type() }}) end
  {%- else -%} {{ column_or_null('video_title', text_type()) }}
  {%- endif -%}
{%- endmacro %}

{#- Whether a text matches a regular expression (anchored in the pattern; no backslashes, which
    Spark's string literals would eat). -#}
{% macro matches_regex(expression, pattern) -%}
  {%- if target.type == 'postgres' -%}
    ({{ expression }} ~ '{{ pattern }}')
  {%- elif target.type == 'spark' -%}
    ({{ expression }} rlike '{{ pattern }}')
  {%- else -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
  {%- endif -%}
{%- endmacro %}

{#- A text completion as the engine reads it: trimmed, one trailing % dropped, trimmed again;
    empty text is NULL. -#}
{% macro completion_text(column) -%}
  trim(case when right(trim({{ column }}), 1) = '%'
            then substr(trim({{ column }}), 1, length(trim({{ column }})) - 1)
            else trim({{ column }}) end)
{%- endmacro %}

{#- The completion as a DOUBLE: a numeric column cast, a text column parsed with Rust's f64
    grammar (digits with an optional fraction and exponent, or inf/infinity/nan, signed, any
    case); NULL when missing, empty or not a number. scripts/build.py sets completion_is_text. -#}
{% macro completion_number(column) -%}
  {%- if var('completion_is_text', false) -%}
    {%- set text = completion_text(column) -%}
    case when {{ matches_regex(text, '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$') }}
              then cast({{ text }} as {{ double_type() }})
         when lower({{ text }}) in ('inf', '+inf', 'infinity', '+infinity')
              then cast('Infinity' as {{ double_type() }})
         when lower({{ text }}) in ('-inf', '-infinity')
              then cast('-Infinity' as {{ double_type() }})
         when lower({{ text }}) in ('nan', '+nan', '-nan')
              then cast('NaN' as {{ double_type() }})
    end
  {%- else -%}
    cast({{ column }} as {{ double_type() }})
  {%- endif -%}
{%- endmacro %}

{#- Whether a text completion is neither empty nor a number (completion_numeric). -#}
{% macro completion_unparsed(column) -%}
  {%- if var('completion_is_text', false) -%}
    coalesce({{ completion_text(column) }} <> '' and {{ completion_number(column) }} is null, false)
  {%- else -%}
    false
  {%- endif -%}
{%- endmacro %}

{#- The de-duplication key: the event id as text when the inputs have one (NULL: never a
    duplicate), else the whole row as the engine hashes it: every input column, the completion
    by its value (so 50 and "50.0" or 0 and -0 are equal), then the hive partition columns the
    engine appends from each file's path (the var partition_values, scripts/build.py), so equal
    rows under region=EU/ and region=US/ are two rows. -#}
{% macro dedup_key() -%}
  {%- if has_column('event_id') -%}
    cast({{ column_or_null('event_id', text_type()) }} as {{ text_type() }})
  {%- else -%}
    {%- set terms = [] -%}
    {%- for name in var('input_columns') if name not in ('_file_index', '_row_number', '_source_file') -%}
      {%- if name == var('completion_column') -%}
        {%- do terms.append("coalesce(cast(" ~ completion_number(adapter.quote(name)) ~ " + 0.0 as "
            ~ text_type() ~ "), case when " ~ completion_unparsed(adapter.quote(name))
            ~ " then 't' || cast(" ~ adapter.quote(name) ~ " as " ~ text_type() ~ ") end, 'N')") -%}
      {%- else -%}
        {%- do terms.append("coalesce('v' || cast(" ~ adapter.quote(name) ~ " as " ~ text_type() ~ "), 'N')") -%}
      {%- endif -%}
    {%- endfor -%}
    {%- for key, values in var('partition_values', {}).items() -%}
      {%- do terms.append("coalesce('v' || " ~ partition_value(values) ~ ", 'N')") -%}
    {%- endfor -%}
    md5({{ terms | join(" || '|' || ") }})
  {%- endif -%}
{%- endmacro %}

{#- One partition column: each input file's value (by _file_index; NULL where its path lacks
    the key) as text. -#}
{% macro partition_value(values) -%}
  {%- set cases = [] -%}
  {%- for value in values -%}
    {%- if value is not none -%}
      {%- do cases.append("when " ~ loop.index0 ~ " then '" ~ (value | replace("'", "''")) ~ "'") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if cases -%}
    (case _file_index {{ cases | join(' ') }} end)
  {%- else -%}
    cast(null as {{ text_type() }})
  {%- endif -%}
{%- endmacro %}

{#- The rows of the view: the courses var (course keys or codes, as --course) and the inclusive
    from/to vars (a date covers its whole UTC day, an RFC 3339 time that instant, as --from/--to;
    rows without a time are dropped when a bound is set). Every rule and metric sees only these. -#}
{% macro view_filter() -%}
  {%- set courses = var('courses', []) -%}
  {%- set time = 'coalesce(watched_at, last_updated_at)' -%}
  (1 = 1
  {%- if courses %}
    and (cast(course_id as {{ text_type() }}) in ({% for course in courses %}'{{ course | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})
         or course_code in ({% for course in courses %}'{{ course | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}))
  {%- endif %}
  {%- if var('from', none) %}
    and {{ time }} >= {{ time_literal(var('from'), false) }}
  {%- endif %}
  {%- if var('to', none) %}
    and {{ time }} < {{ time_literal(var('to'), true) }}
  {%- endif %})
{%- endmacro %}

{#- A bound of the view as a UTC TIMESTAMP literal: a YYYY-MM-DD date or an RFC 3339 time; an
    end bound is exclusive, so a date's end is the next midnight and a time's the next
    microsecond. -#}
{% macro time_literal(text, is_end) -%}
  {%- set datetime = modules.datetime -%}
  {%- set value = datetime.datetime.fromisoformat(text | trim) -%}
  {%- if value.tzinfo is not none -%}
    {%- set value = value.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
  {%- endif -%}
  {%- if is_end -%}
    {%- set bare_date = (text | trim | length) == 10 -%}
    {%- set value = value + (datetime.timedelta(days=1) if bare_date else datetime.timedelta(microseconds=1)) -%}
  {%- endif -%}
  cast('{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The engine's quality rules in its order, with their default severities (mart_quality,
    mart_quality_samples). -#}
{#- The engine's rules with their default levels: severity, and the share of rows (percent)
    above which an error-severity rule fails; every rule warns above 0 rows. The scale check
    only warns. -#}
{% macro quality_rules() -%}
  {{ return([
    ('student_id_not_null', 'error', 1), ('video_not_null', 'error', 1),
    ('course_not_null', 'error', 1), ('completion_not_null', 'error', 5),
    ('completion_numeric', 'error', 1), ('completion_not_nan', 'error', 1),
    ('completion_in_range', 'error', 1), ('event_id_not_null', 'error', 5),
    ('unique_key', 'error', 5), ('role_accepted_values', 'error', 50),
    ('role_clean', 'error', 50), ('timestamp_not_future', 'error', 1),
    ('completion_scale', 'warn', 100)
  ]) }}
{%- endmacro %}
