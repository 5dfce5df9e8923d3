{{ config(store_failures=true) }}

-- PRD 10.2 check 4: within a user, rank follows net_savings descending, and
-- equal net savings are ordered by card_id, byte by byte (the compiler's
-- card_no order; a case-insensitive collation would put 'ab' before 'a_b').
--
-- Each row is compared with the user's next rank through a join on
-- (user_id, rank + 1), the PRD's unique key: faster than a LEAD window on
-- both engines (docs/performance.md).  A gap in the ranks is
-- assert_completed_users_have_top_n's to find.  Both sides are limited to the
-- checked batch: with one side limited DuckDB probed every row of the table.
-- The table is read twice by name, not through an import CTE: DuckDB may
-- materialize a CTE that is read twice.

{#- card_id compared byte by byte, whatever the column's collation. #}
{%- set card_id_after_next = 'cast(card_id as binary) > cast(next_card_id as binary)' if cg_mysql() else 'card_id > next_card_id' %}

with checked as (

    select
        recs.user_id,
        recs.{{ adapter.quote('rank') }} as card_rank,
        recs.card_id,
        recs.net_savings,
        next_rec.card_id as next_card_id,
        next_rec.net_savings as next_net_savings
    from {{ ref('card_recommendations') }} as recs
    inner join {{ ref('card_recommendations') }} as next_rec
        on
            recs.user_id = next_rec.user_id
            and next_rec.{{ adapter.quote('rank') }} = recs.{{ adapter.quote('rank') }} + 1
    where
        {{ cg_validation_scope('recs.batch_id') }}
        and {{ cg_validation_scope('next_rec.batch_id') }}

),

final as (

    select * from checked
    where
        net_savings < next_net_savings
        {#- card_id byte by byte, whatever the column's collation. #}
        or (net_savings = next_net_savings and {{ card_id_after_next }})

)

select * from final
