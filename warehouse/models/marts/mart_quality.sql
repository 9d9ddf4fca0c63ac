{#- mart_quality: the engine's quality rules as a table: per rule its severity and levels, the
    rows that fail it (counted over every row read) and the status: fail above the error level
    (a share of the rows, severity error), else warn above 0 rows, else pass. -#}

{%- set rules = quality_rules() %}

with counts as (
    select
        count(*) as rows_total
        {%- for rule, severity, error_percent in rules %},
        sum(case when fails_{{ rule }} then 1 else 0 end) as {{ rule }}
        {%- endfor %}
    from {{ ref('quality_flags') }}
)

{% for rule, severity, error_percent in rules -%}
select
    {{ loop.index }} as position,
    '{{ rule }}' as rule_name,
    '{{ severity }}' as severity,
    {{ error_percent }} as error_if_percent,
    coalesce({{ rule }}, 0) as failing_rows,
    case when rows_total = 0 then 0.0
         else 100.0 * coalesce({{ rule }}, 0) / rows_total end as failing_percent,
    case when '{{ severity }}' = 'error'
              and 100.0 * coalesce({{ rule }}, 0) > {{ error_percent }} * rows_total then 'fail'
         when coalesce({{ rule }}, 0) > 0 then 'warn'
         else 'pass' end as status
from counts
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
