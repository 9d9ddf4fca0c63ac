{#- mart_quality: the engine's quality rules as a table: per rule its severity, the rows that fail
    it (counted over every row read) and the status against the default threshold (count 0). -#}

{%- set rules = quality_rules() %}

with counts as (
    select
        count(*) as rows_total
        {%- for rule, severity in rules %},
        sum(case when fails_{{ rule }} then 1 else 0 end) as {{ rule }}
        {%- endfor %}
    from {{ ref('quality_flags') }}
)

{% for rule, severity in rules -%}
select
    {{ loop.index }} as position,
    '{{ rule }}' as rule_name,
    '{{ severity }}' as severity,
    coalesce({{ rule }}, 0) as failing_rows,
    case when rows_total = 0 then 0.0
         else 100.0 * coalesce({{ rule }}, 0) / rows_total end as failing_percent,
    case when coalesce({{ rule }}, 0) = 0 then 'pass'
         when '{{ severity }}' = 'error' then 'fail' else 'warn' end as status
from counts
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
