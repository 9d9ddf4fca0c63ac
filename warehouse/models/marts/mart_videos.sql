{#- mart_videos: per video key with at least `min_views` views: its title (smallest non-NULL over
    every row read of the video), course (smallest course key among its kept student rows),
    views, distinct learners and the average of valid completions (NULL when there is none). -#}

with titles as (
    select video_id, min(video_title) as video_title
    from {{ ref('base_watch_logs') }}
    where video_id is not null
    group by video_id
),

stats as (
    select
        video_id,
        min(course_id) as course_id,
        count(*) as views,
        count(distinct student_id) as learners,
        {{ round9('avg(valid_completion)') }} as avg_completion
    from {{ ref('stg_learner_events') }}
    where video_id is not null
    group by video_id
)

select stats.video_id, titles.video_title, stats.course_id, stats.views, stats.learners,
       stats.avg_completion,
       row_number() over (order by stats.avg_completion desc nulls last, stats.video_id asc)
           as position
from stats
left join titles on titles.video_id = stats.video_id
where stats.views >= {{ var('min_views') }}
