{#- mart_summary: one row: rows read, duplicates removed, kept student rows, those with a valid
    completion, distinct learners/courses/videos and the mean valid completion. -#}

select
    (select count(*) from {{ ref('base_watch_logs') }}) as rows_total,
    (select count(*) from {{ ref('base_watch_logs') }})
        - (select count(*) from {{ ref('stg_watch_logs') }}) as duplicates_removed,
    count(*) as student_rows,
    count(valid_completion) as valid_completion_rows,
    count(distinct student_id) as learners,
    count(distinct course_id) as courses,
    count(distinct video_uid) as videos,
    {{ round9('avg(valid_completion)') }} as mean_completion
from {{ ref('stg_learner_events') }}
