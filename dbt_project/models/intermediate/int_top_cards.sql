{{ config(materialized='ephemeral') }}

-- Rank: each user of the batch with their 10 best cards by yearly net savings
-- (ties: card_id), as numbers.  The per-card rows (int_card_savings) carry
-- user_no, card_no and rank_key, one integer that orders by net savings
-- descending and then card_id (the compiler's rank_key); ROW_NUMBER over it
-- picks the top 10.  `dbt show -s int_top_cards` ranks the whole batch; the
-- lanes rank it a chunk at a time (batch/lanes.sql).  MySQL/MariaDB's form:
-- DuckDB ranks in card_recommendations, over the keys alone.

with savings as (

    select * from {{ ref('int_card_savings') }}

),

ranked as (

    select
        savings.*,
        row_number() over (partition by savings.user_no order by savings.rank_key desc) as card_rank
    from savings

),

final as (

    select
        user_no,
        card_no,
        card_rank,
        total_savings_yearly,
        total_extra_benefits,
        net_savings,
        amazon_points,
        flipkart_points,
        myntra_points,
        ajio_points,
        grocery_points,
        other_online_points,
        redemption_no,
        redemption_rate
    from ranked
    where card_rank <= {{ cg_top_n() }}

)

select * from final
