{#- mart_completion_histogram: ten bins of valid completions, [0,10) ... [80,90) and [90,100]. -#}

with bins as (
    {% for index in range(10) -%}
    select {{ index }} as bin {% if not loop.last %}union all {% endif %}
    {% endfor %}
),

counted as (
    select case when valid_completion >= 90 then 9
                else cast(floor(valid_completion / 10) as integer) end as bin,
           count(*) as row_count
    from {{ ref('stg_learner_events') }}
    where valid_completion is not null
    group by 1
)

select bins.bin, 10 * bins.bin as bin_from, 10 * bins.bin + 10 as bin_to,
       coalesce(counted.row_count, 0) as row_count
from bins
left join counted on counted.bin = bins.bin
