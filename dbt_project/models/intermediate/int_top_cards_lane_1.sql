{{ config(materialized=cg_lane_materialization('chunk_lane'), lane=1) }}

-- Lane 1 of 2 (macros/lanes.sql): on MySQL/MariaDB, ranks the batch's chunks
-- 1, 3, 5, ... (counting from 1) into int_top_cards_staged on a
-- connection of its own, while the other lane ranks the rest.  On DuckDB this
-- model is never built: card_recommendations ranks each chunk itself.
{%- if target.type != 'duckdb' %}
-- depends_on: {{ ref('int_top_cards_staged') }}
{%- endif %}

with top_cards as (

    select * from {{ ref('int_top_cards') }}

),

final as (

    select * from top_cards

)

select * from final
