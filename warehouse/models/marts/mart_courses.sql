{#- mart_courses: per course key: its code (smallest non-NULL over every row read of the
    course), views, distinct learners and videos, and the average of valid completions. -#}

with codes as (
    select course_id, min(course_code) as course_code
    from {{ ref('base_watch_logs') }}
    where course_id is not null
    group by course_id
)

select
    stats.course_id,
    codes.course_code,
    stats.views,
    stats.learners,
    stats.videos,
    stats.avg_completion
from (
    select
        course_id,
        count(*) as views,
        count(distinct student_id) as learners,
        count(distinct video_uid) as videos,
        {{ round9('avg(valid_completion)') }} as avg_completion
    from {{ ref('stg_learner_events') }}
    where course_id is not null
    group by course_id
) as stats
left join codes on codes.course_id = stats.course_id
