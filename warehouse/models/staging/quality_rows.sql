{#- quality_rows: the rows the quality tests in schema.yml run on (quality_flags as a view). No
    model depends on it, so a failing error-severity test fails the build (the pipeline's gate)
    without skipping the marts. -#}
select * from {{ ref('quality_flags') }}
