{#- stg_learner_events: the kept rows of students (role trimmed and case-folded is "student"),
    with the completion that counts for averages (valid: a number, not NaN, within 0..100 after
    scale conversion; else NULL). Every mart reads this. -#}

select
    event_id,
    student_id,
    course_id,
    course_code,
    video_id,
    video_uid,
    video_title,
    completion_pct,
    case when completion_status = 'valid' then completion_pct end as valid_completion,
    watched_at,
    last_updated_at,
    event_time,
    watch_date
from {{ ref('stg_watch_logs') }}
where is_student
