{{ config(materialized='ephemeral') }}

-- MySQL/MariaDB: the current chunk's users (macros/chunks.sql), each with
-- their 10 best cards by yearly net savings (ties: card_id), computed and
-- ranked inside the database.  The lanes rank chunks with it at once
-- (macros/lanes.sql); card_recommendations copies the rows.  DuckDB ranks in
-- card_recommendations itself.
--
-- The per-card rows (int_card_savings) carry numbers, not ids: user_no,
-- card_no, and rank_key, one integer that orders by net savings descending
-- and then card_id (compiler/models.py).  ROW_NUMBER over that one key picks
-- the top 10; card_recommendations joins ids, names and redemption columns
-- on those 10 only.

{#- MariaDB/MySQL's window carries the whole row: a second reference to the
    savings would compute them twice (DuckDB's form is in card_recommendations). #}
with savings as (

    select * from {{ ref('int_card_savings') }}

),

ranked as (

    select
        savings.*,
        row_number() over (partition by user_no order by rank_key desc) as card_rank
    from savings

),

top_ranked as (

    select * from ranked where card_rank <= {{ cg_top_n() }}

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
    from top_ranked

)

select * from final
