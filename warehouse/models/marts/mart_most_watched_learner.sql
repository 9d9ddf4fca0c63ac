{#- mart_most_watched_learner: one row: most distinct videos, then highest average (NULL last),
    then smallest student_id. -#}
select student_id, videos_watched, views, avg_completion
from (
    select mart_learners.*,
           row_number() over (order by videos_watched desc, avg_completion desc nulls last,
                                       student_id asc) as position
    from {{ ref('mart_learners') }} as mart_learners
) as ordered
where position = 1
