{#- mart_learners_top: the first `top` learners by average desc, then student_id (RANK() kept). -#}
select position_top as position, rank_top as rank, student_id, videos_watched, views, avg_completion
from {{ ref('mart_learners') }}
where position_top <= {{ var('top') }}
