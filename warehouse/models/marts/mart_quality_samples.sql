{#- mart_quality_samples: the offending rows behind each quality rule's count, as the engine's
    samples: per rule (but the scale check) the first `samples` failing rows in input order (file, then row), named by
    their file and 1-based data row, with the row's learner id. -#}

with failing as (
    {#- The scale check's evidence is per file, not sample rows (as in the engine). -#}
    {% for rule, severity, error_percent in quality_rules() if rule != 'completion_scale' -%}
    select '{{ rule }}' as rule_name, _source_file, _file_index, _row_number, student_id
    from {{ ref('quality_flags') }}
    where fails_{{ rule }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
),

positioned as (
    select failing.*,
           row_number() over (partition by rule_name order by _file_index, _row_number)
               as position
    from failing
)

select rule_name, position, _source_file as source_file, _row_number + 1 as source_row,
       student_id
from positioned
where position <= {{ var('samples') }}
