{{ config(materialized=cg_lane_materialization('lane_table')) }}

-- MySQL/MariaDB: where the lanes put the rows they rank (macros/lanes.sql),
-- one chunk as one range of the primary key (chunk_no, user_no, card_rank).
-- Emptied and created again by every run, before the lanes start.  On DuckDB
-- this model is never built: card_recommendations ranks each chunk itself.

with top_cards as (

    select * from {{ ref('int_top_cards') }}

),

final as (

    select * from top_cards

)

select * from final
