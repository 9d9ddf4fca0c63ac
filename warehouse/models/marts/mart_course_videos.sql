{#- mart_course_videos: each course's most and least engaged videos: per (course, video) with a
    valid average, the first `per_course` by average desc (position_top) and by average asc
    (position_bottom), ties by video_id. -#}

with titles as (
    select video_uid, min(video_title) as video_title
    from {{ ref('base_watch_logs') }}
    where video_uid is not null
    group by video_uid
),

stats as (
    select course_id, video_uid, min(video_id) as video_id, count(*) as views,
           {{ round9('avg(valid_completion)') }} as avg_completion
    from {{ ref('stg_learner_events') }}
    where course_id is not null and video_uid is not null
    group by course_id, video_uid
    having avg(valid_completion) is not null
),

positioned as (
    select stats.*,
           row_number() over (partition by course_id order by avg_completion desc, video_id asc)
               as position_top,
           row_number() over (partition by course_id order by avg_completion asc, video_id asc)
               as position_bottom
    from stats
)

select positioned.course_id, positioned.video_id, titles.video_title, positioned.views,
       positioned.avg_completion, positioned.position_top, positioned.position_bottom
from positioned
left join titles on titles.video_uid = positioned.video_uid
where positioned.position_top <= {{ var('per_course') }}
   or positioned.position_bottom <= {{ var('per_course') }}
