{#- mart_learners_top: the learners with RANK() <= `top` by average desc (everyone tied at the cut,
    so there may be more than `top` rows); position orders them, ties by student_id. -#}
select position_top as position, rank_top as rank, student_id, videos_watched, views, avg_completion
from {{ ref('mart_learners') }}
where rank_top <= {{ var('top') }}
