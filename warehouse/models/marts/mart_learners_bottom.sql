{#- mart_learners_bottom: the learners with RANK() <= `top` by average asc (everyone tied at the
    cut, so there may be more than `top` rows); position orders them, ties by student_id. -#}
select position_bottom as position, rank_bottom as rank, student_id, videos_watched, views,
       avg_completion
from {{ ref('mart_learners') }}
where rank_bottom <= {{ var('top') }}
