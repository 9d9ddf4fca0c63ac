{#- mart_learners: every learner (a student row's non-NULL id) with views, distinct videos and
    the average valid completion; rank_top is RANK() by average desc, rank_bottom by average asc
    (NULL without a valid completion); position_* order ties by student_id for the top/bottom
    lists. -#}

with learners as (
    select
        student_id,
        count(distinct video_uid) as videos_watched,
        count(*) as views,
        {{ round9('avg(valid_completion)') }} as avg_completion
    from {{ ref('stg_learner_events') }}
    where student_id is not null
    group by student_id
)

select
    student_id,
    videos_watched,
    views,
    avg_completion,
    case when avg_completion is not null then
        rank() over (partition by case when avg_completion is null then 1 else 0 end
                     order by avg_completion desc) end as rank_top,
    case when avg_completion is not null then
        rank() over (partition by case when avg_completion is null then 1 else 0 end
                     order by avg_completion asc) end as rank_bottom,
    case when avg_completion is not null then
        row_number() over (partition by case when avg_completion is null then 1 else 0 end
                           order by avg_completion desc, student_id asc) end as position_top,
    case when avg_completion is not null then
        row_number() over (partition by case when avg_completion is null then 1 else 0 end
                           order by avg_completion asc, student_id asc) end as position_bottom
from learners
