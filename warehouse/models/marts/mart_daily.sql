{#- mart_daily: per UTC date of watched_at (else last_updated_at): views and the average valid
    completion. -#}
select
    {{ date_text('watch_date') }} as date,
    count(*) as views,
    {{ round9('avg(valid_completion)') }} as avg_completion
from {{ ref('stg_learner_events') }}
where watch_date is not null
group by watch_date
