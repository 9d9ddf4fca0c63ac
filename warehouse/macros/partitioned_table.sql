{#- partitioned_table (Postgres): a table with native declarative partitioning, one LIST
    partition per value of `partition_by` (a NULL value gets its own partition), because
    `create table ... as` cannot create a partitioned table and dbt-postgres has no
    partition_by. The rows are built in a temporary table, the parent is created from its
    columns, then the partitions, then the rows are inserted (Postgres routes each to its
    partition). -#}
{% materialization partitioned_table, adapter='postgres' %}
  {%- set key = config.require('partition_by') -%}
  {%- set target = this.incorporate(type='table') -%}
  {%- set staged = make_temp_relation(target) -%}
  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema,
                                          identifier=this.identifier) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- call statement('stage') -%}
    {{ get_create_table_as_sql(True, staged, sql) }}
  {%- endcall -%}
  {%- if existing is not none -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}
  {%- set columns = adapter.get_columns_in_relation(staged) -%}
  {%- call statement('parent') -%}
    create table {{ target }} (
      {%- for column in columns %}
      {{ adapter.quote(column.name) }} {{ column.data_type }}{% if not loop.last %},{% endif %}
      {%- endfor %}
    ) partition by list ({{ adapter.quote(key) }})
  {%- endcall -%}
  {%- call statement('values', fetch_result=True) -%}
    select distinct {{ adapter.quote(key) }} from {{ staged }} order by 1 nulls last
  {%- endcall -%}
  {%- for row in load_result('values')['data'] -%}
    {%- set value = row[0] -%}
    {%- set suffix = 'null' if value is none else (value | string | replace('-', '')) -%}
    {%- call statement('partition_' ~ loop.index) -%}
      create table {{ adapter.quote(target.schema) }}.{{ adapter.quote(target.identifier ~ '_p' ~ suffix) }}
      partition of {{ target }}
      for values in ({{ 'null' if value is none else "'" ~ value ~ "'" }})
    {%- endcall -%}
  {%- endfor -%}
  {%- call statement('main') -%}
    insert into {{ target }} select * from {{ staged }}
  {%- endcall -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target]}) }}
{% endmaterialization %}
