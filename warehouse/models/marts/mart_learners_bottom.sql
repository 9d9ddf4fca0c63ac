{#- mart_learners_bottom: the first `top` learners by average asc, then student_id (RANK() kept). -#}
select position_bottom as position, rank_bottom as rank, student_id, videos_watched, views,
       avg_completion
from {{ ref('mart_learners') }}
where position_bottom <= {{ var('top') }}
