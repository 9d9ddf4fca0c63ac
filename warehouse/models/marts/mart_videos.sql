{#- mart_videos: per video (video_uid: the id, or the title within its course) with at least
    `min_views` views: its key, title (smallest non-NULL over every row read of the video), course
    (smallest course key among its kept student rows), views, distinct learners and the average of
    valid completions (NULL when there is none). -#}

with titles as (
    select video_uid, min(video_title) as video_title
    from {{ ref('base_watch_logs') }}
    where video_uid is not null
    group by video_uid
),

stats as (
    select
        video_uid,
        min(video_id) as video_id,
        min(course_id) as course_id,
        count(*) as views,
        count(distinct student_id) as learners,
        {{ round9('avg(valid_completion)') }} as avg_completion
    from {{ ref('stg_learner_events') }}
    where video_uid is not null
    group by video_uid
)

select stats.video_id, titles.video_title, stats.course_id, stats.views, stats.learners,
       stats.avg_completion,
       row_number() over (order by stats.avg_completion desc nulls last, stats.video_id asc,
                                   stats.course_id asc nulls last)
           as position
from stats
left join titles on titles.video_uid = stats.video_uid
where stats.views >= {{ var('min_views') }}
