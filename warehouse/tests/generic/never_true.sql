{#- never_true: fails on every row where the boolean column is true (one failure per row, so
    dbt's failure count equals the engine's rule count). -#}
{% test never_true(model, column_name) %}
select * from {{ model }} where {{ column_name }}
{% endtest %}
