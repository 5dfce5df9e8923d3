{{ config(store_failures=true) }}

-- PRD 10.2 check 2: every completed user has exactly 10 recommendations (all
-- cards, where the catalog has fewer than 10), ranked 1..n without gaps.
-- Scope: the users this run completed (all completed users with validate_all).

with cards as (

    select count(distinct card_no) as card_count from {{ ref('int_card_params') }}

),

users as (

    select user_id from {{ source('cashkaro', 'user_spending_data') }}
    where processing_status = 'completed'
    {%- if not var('validate_all', false) %}
        and user_id in (select user_id from {{ ref('int_batch') }} where processing_error is null)
    {%- endif %}

),

counts as (

    select
        users.user_id,
        count(recs.user_id) as recommendations,
        coalesce(max(recs.{{ adapter.quote('rank') }}), 0) as max_rank
    from users
    left join {{ ref('card_recommendations') }} as recs on users.user_id = recs.user_id
    group by users.user_id

),

final as (

    select counts.*
    from counts
    cross join cards
    where
        counts.recommendations <> case when cards.card_count < {{ cg_top_n() }} then cards.card_count else {{ cg_top_n() }} end
        or counts.max_rank <> counts.recommendations

)

select * from final
