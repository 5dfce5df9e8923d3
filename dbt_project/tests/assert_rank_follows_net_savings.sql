-- PRD 10.2 check 4: within a user, rank follows net_savings descending, and
-- equal net savings are ordered by card_id, byte by byte (the compiler's
-- card_no order; a case-insensitive collation would put 'ab' before 'a_b').
--
-- Each row is compared with the user's next rank through a join on
-- (user_id, rank + 1), the PRD's unique key, rather than a LEAD window: on
-- MariaDB the window over 2M rows took 23.5 s and the join 8.6 s (an index
-- lookup per row); on DuckDB 5.0 s and 3.6 s over 20M rows (issue 5).  A gap
-- in the ranks is assert_completed_users_have_top_n's to find.  Both sides are
-- limited to the checked batch (a run writes all of a user's rows in one
-- batch; a leftover row of another batch is the top-n count's to find): with
-- only one side limited, DuckDB probed all 20M rows for a weekly run's 500K
-- (1.7 s of a 12.8 s run).

{#- The table is read twice by name, not through an import CTE: DuckDB may
    materialize a CTE that is read twice, here 20M rows. #}
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
        on next_rec.user_id = recs.user_id
        and next_rec.{{ adapter.quote('rank') }} = recs.{{ adapter.quote('rank') }} + 1
    where {{ cg_validation_scope('recs.batch_id') }}
        and {{ cg_validation_scope('next_rec.batch_id') }}

),

final as (

    select * from checked
    where net_savings < next_net_savings
        or (net_savings = next_net_savings and {{ cg_bytes('card_id') }} > {{ cg_bytes('next_card_id') }})

)

select * from final
