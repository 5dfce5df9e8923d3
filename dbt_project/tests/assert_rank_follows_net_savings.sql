-- PRD 10.2 check 4: within a user, rank follows net_savings descending, and
-- equal net savings are ordered by card_id, byte by byte (the compiler's
-- card_no order; a case-insensitive collation would put 'ab' before 'a_b').

with recs as (

    select
        user_id,
        {{ adapter.quote('rank') }} as card_rank,
        card_id,
        net_savings,
        lead(net_savings) over (partition by user_id order by {{ adapter.quote('rank') }}) as next_net_savings,
        lead(card_id) over (partition by user_id order by {{ adapter.quote('rank') }}) as next_card_id
    from {{ ref('card_recommendations') }}
    where {{ cg_validation_scope() }}

),

final as (

    select * from recs
    where net_savings < next_net_savings
        or (net_savings = next_net_savings and {{ cg_bytes('card_id') }} > {{ cg_bytes('next_card_id') }})

)

select * from final
