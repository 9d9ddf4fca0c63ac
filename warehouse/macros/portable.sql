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

{#- An optional input column, or a typed NULL when the inputs do not have it (scripts/build.py
    passes the input's columns as the var input_columns). -#}
{% macro column_or_null(name, type) -%}
  {%- if name in var('input_columns') -%} {{ name }} {%- else -%} cast(null as {{ type }}) {%- endif -%}
{%- endmacro %}
