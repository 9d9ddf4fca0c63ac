{#- share_above: one failing row (so the test fails) when more than `percent` % of the model's
    rows have the boolean column true: a rule's error level, a share of the rows as the engine
    has it (dbt's error_if compares a count of failures with a constant). Exactly at the share
    passes. -#}
{% test share_above(model, column_name, percent) %}
select failing, total
from (
    select sum(case when {{ column_name }} then 1 else 0 end) as failing, count(*) as total
    from {{ model }}
) as counts
where 100.0 * failing > {{ percent }} * total
{% endtest %}
