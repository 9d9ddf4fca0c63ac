{#- expect_column_values_to_be_between: fails on every row whose value lies outside
    [min_value, max_value] (exclusive bounds when strictly); NULL passes. -#}
{% test expect_column_values_to_be_between(model, column_name, min_value=none, max_value=none, strictly=false) %}
{%- set low = '>' if strictly else '>=' -%}
{%- set high = '<' if strictly else '<=' -%}
select * from {{ model }}
where {{ column_name }} is not null
  and not (
      true
      {%- if min_value is not none %} and {{ column_name }} {{ low }} {{ min_value }}{% endif %}
      {%- if max_value is not none %} and {{ column_name }} {{ high }} {{ max_value }}{% endif %}
  )
{% endtest %}
